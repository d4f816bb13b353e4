"""Work counted, not timed: the Python lines a call executes in one package (a deterministic measure, used by the
linear-time tests of extraction and monitoring)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any


def lines_executed(package_dir: str, call: Callable[[], object]) -> int:
    """Python lines executed by ``call()`` in files whose path contains ``package_dir`` (e.g. "her2kit/extract")."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        if package_dir not in frame.f_code.co_filename.replace("\\", "/"):
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(None)
    return count
