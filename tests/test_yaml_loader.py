"""The C YAML parser gives the same data as the pure-Python one for every bundled data file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import her2kit
from her2kit.yamlload import SafeLoader, safe_load

PACKAGE = Path(her2kit.__file__).parent
BUNDLED = sorted(PACKAGE.glob("**/*.yaml"))


def test_the_c_parser_is_used_when_available() -> None:
    expected = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
    assert SafeLoader is expected


def test_bundled_files_are_found() -> None:
    assert len(BUNDLED) >= 15


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_same_data_as_the_python_parser(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert safe_load(text) == yaml.safe_load(text)


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(yaml.YAMLError):
        safe_load("!!python/object/apply:os.system ['true']")
