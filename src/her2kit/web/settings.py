"""Server settings, read from the environment (never from request data)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from her2kit.errors import InvalidInput

DEFAULT_MAX_BODY_BYTES = 1_000_000  # a case, a course or a pathology report is far smaller than 1 MB


@dataclass(frozen=True)
class Settings:
    api_key: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    access_log: bool = True

    @classmethod
    def from_env(cls) -> Settings:
        """``HER2KIT_API_KEY`` (auth off when unset), ``HER2KIT_MAX_BODY_BYTES``, ``HER2KIT_ACCESS_LOG`` (0/1)."""
        raw = os.environ.get("HER2KIT_MAX_BODY_BYTES", str(DEFAULT_MAX_BODY_BYTES))
        if not raw.isdigit() or int(raw) < 1024:
            raise InvalidInput("HER2KIT_MAX_BODY_BYTES", raw, "an integer of at least 1024")
        return cls(
            api_key=os.environ.get("HER2KIT_API_KEY") or None,
            max_body_bytes=int(raw),
            access_log=os.environ.get("HER2KIT_ACCESS_LOG", "1") != "0",
        )
