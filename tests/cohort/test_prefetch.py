"""The Polars engine's read-ahead thread: order kept, errors re-raised, no thread left behind."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import polars as pl
import pytest

from her2kit.cohort.local import prefetch


def frames(count: int, fail_at: int | None = None) -> Iterator[pl.DataFrame]:
    for i in range(count):
        if i == fail_at:
            raise OSError("disk gone")
        yield pl.DataFrame({"i": [i]})


def readers() -> int:
    return sum(t.name == "her2kit-cohort-reader" for t in threading.enumerate())


def test_frames_arrive_in_order() -> None:
    assert [f.item() for f in prefetch(frames(20))] == list(range(20))
    assert readers() == 0


def test_a_read_error_is_raised_in_the_consumer() -> None:
    seen: list[int] = []

    def consume() -> None:
        seen.extend(frame.item() for frame in prefetch(frames(10, fail_at=4)))

    with pytest.raises(OSError, match="disk gone"):
        consume()
    assert seen == [0, 1, 2, 3]
    assert readers() == 0


def test_a_consumer_that_stops_early_stops_the_reader() -> None:
    for frame in prefetch(frames(1_000), depth=2):
        if frame.item() == 3:
            break
    assert readers() == 0
