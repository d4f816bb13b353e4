"""The REST API and the web app (FastAPI): ``create_app`` and ``her2kit serve``."""

from her2kit.web.app import create_app

__all__ = ["create_app"]
