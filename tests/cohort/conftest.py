from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "spark: needs pyspark and a Java runtime (a local Spark session)")


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    from her2kit.cohort import spark

    if not spark.available():
        pytest.skip("pyspark or Java is not installed")
    session = spark.get_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(autouse=True)
def _no_extractor_leak() -> Iterator[None]:
    """Tests that replace the report extractor get the real lookup back afterwards."""
    from her2kit.cohort import reports

    saved = list(reports._EXTRACTOR)
    yield
    reports._EXTRACTOR[:] = saved
