"""The interactive API documentation (/docs: Swagger UI), served from her2kit's own copy of its files (the
``fastapi-offline`` package's) instead of a CDN: the page works on a network without internet access, loads no
third-party script, and carries a content policy that allows scripts from the server only.

/redoc redirects to /docs: ReDoc's sidebar always loads its maker's logo from their CDN, which a page that promises
to fetch nothing from elsewhere cannot have."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException

_VENDOR = Path(fastapi_offline.__file__).parent / "static"
_OWN = Path(__file__).parent / "static"
ASSETS: Final[dict[str, tuple[Path, str]]] = {
    "swagger-ui-bundle.js": (_VENDOR / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (_VENDOR / "swagger-ui.css", "text/css"),
    "favicon.png": (_VENDOR / "favicon.png", "image/png"),
    "swagger-init.js": (_OWN / "swagger-init.js", "text/javascript"),
}
ASSET_PATH: Final = "/docs/assets"

# Scripts, styles and fonts from the server only; inline styles (Swagger UI sets them) and images as data: URLs.
DOCS_CSP: Final = (
    b"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    b"font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

_SWAGGER = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>her2kit API — Swagger UI</title>
<link rel="stylesheet" href="{ASSET_PATH}/swagger-ui.css">
<link rel="icon" href="{ASSET_PATH}/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSET_PATH}/swagger-ui-bundle.js"></script>
<script src="{ASSET_PATH}/swagger-init.js"></script>
</body>
</html>
"""


def install_api_docs(app: FastAPI) -> None:
    """Add /docs, its files and the /redoc redirect to an app created with ``docs_url=None, redoc_url=None``."""

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(_SWAGGER)

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> RedirectResponse:
        return RedirectResponse("/docs", status_code=308)

    @app.get(ASSET_PATH + "/{name}", include_in_schema=False)
    def asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise HTTPException(status_code=404)
        path, media_type = ASSETS[name]
        return FileResponse(path, media_type=media_type)
