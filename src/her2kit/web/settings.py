"""Server settings, read from the environment (never from request data)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from her2kit.errors import InvalidInput

DEFAULT_MAX_BODY_BYTES = 1_000_000  # a case, a course or a pathology report is far smaller than 1 MB
# An uploaded genomics file after decompression: a gzip VCF of 1 MB (the body limit) is 5 to 20 MB of text; a file
# that unpacks to more (a decompression bomb: 968 KB became 1 GB) is refused with a 413 before it is read further.
DEFAULT_MAX_DECOMPRESSED_BYTES = 50_000_000
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")  # (as Starlette reads a Host header: IPv6 in brackets)


@dataclass(frozen=True)
class Settings:
    api_key: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    access_log: bool = True
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES
    # Host header names served (Starlette's TrustedHostMiddleware patterns: "her2.example.org", "*.example.org",
    # "*" for any). None: on a loopback connection only localhost, 127.0.0.1 and [::1] (against DNS rebinding);
    # on other addresses any name (set HER2KIT_ALLOWED_HOSTS there).
    allowed_hosts: tuple[str, ...] | None = None

    @classmethod
    def from_env(cls) -> Settings:
        """``HER2KIT_API_KEY`` (auth off when unset), ``HER2KIT_MAX_BODY_BYTES``, ``HER2KIT_MAX_DECOMPRESSED_BYTES``,
        ``HER2KIT_ALLOWED_HOSTS`` (comma-separated), ``HER2KIT_ACCESS_LOG`` (0/1)."""
        return cls(
            api_key=os.environ.get("HER2KIT_API_KEY") or None,
            max_body_bytes=_bytes("HER2KIT_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            access_log=os.environ.get("HER2KIT_ACCESS_LOG", "1") != "0",
            max_decompressed_bytes=_bytes("HER2KIT_MAX_DECOMPRESSED_BYTES", DEFAULT_MAX_DECOMPRESSED_BYTES),
            allowed_hosts=_hosts(os.environ.get("HER2KIT_ALLOWED_HOSTS")),
        )


def _bytes(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or int(raw) < 1024:
        raise InvalidInput(name, raw, "an integer of at least 1024")
    return int(raw)


def _hosts(raw: str | None) -> tuple[str, ...] | None:
    """Comma-separated host names, each a name, ``*.`` and a domain, or ``*`` alone (any host)."""
    if raw is None or not raw.strip():
        return None
    hosts = tuple(h.strip().lower() for h in raw.split(",") if h.strip())
    for host in hosts:
        wildcard_ok = host == "*" or (host.startswith("*.") and "*" not in host[2:])
        if ("*" in host and not wildcard_ok) or any(c.isspace() or c in "/@" for c in host):
            raise InvalidInput(
                "HER2KIT_ALLOWED_HOSTS",
                host,
                "comma-separated host names (her2.example.org), domain patterns (*.example.org) or * for any host",
            )
    return hosts
