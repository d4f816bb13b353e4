"""The C YAML parser gives the same data as the pure-Python one for every bundled data file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import her2kit
from her2kit.yamlload import BadDate, DuplicateKey, SafeLoader, safe_load

PACKAGE = Path(her2kit.__file__).parent
BUNDLED = sorted(PACKAGE.glob("**/*.yaml"))


def test_the_c_parser_is_used_when_available() -> None:
    expected = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader
    assert issubclass(SafeLoader, expected)


def test_bundled_files_are_found() -> None:
    assert len(BUNDLED) >= 15


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_same_data_as_the_python_parser(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert safe_load(text) == yaml.safe_load(text)


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(yaml.YAMLError):
        safe_load("!!python/object/apply:os.system ['true']")


def test_a_key_given_twice_is_refused_with_its_path_and_line() -> None:
    with pytest.raises(DuplicateKey) as exc:
        safe_load("a: 1\nb:\n  - x: 1\n    x: 2\n")
    assert exc.value.path == "b.0.x"
    assert exc.value.line == 4
    assert isinstance(exc.value, yaml.YAMLError)


def test_an_impossible_date_is_refused_with_its_path() -> None:
    with pytest.raises(BadDate) as exc:
        safe_load("t:\n  date: 2026-02-30\n")
    assert (exc.value.path, exc.value.text, exc.value.line) == ("t.date", "2026-02-30", 2)
    assert isinstance(exc.value, yaml.YAMLError)


def test_merge_keys_may_still_be_overridden() -> None:
    assert safe_load("b: &b {a: 1, c: 2}\no:\n  <<: *b\n  a: 3\n")["o"] == {"a": 3, "c": 2}
