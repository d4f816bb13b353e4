"""The C YAML parser gives the same data as the pure-Python one for every bundled data file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import her2kit
from her2kit.yamlload import BadDate, DuplicateKey, SafeLoader, Yaml11Number, safe_load

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


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("a: 012", "integer"),  # octal 10 in YAML 1.1
        ("a: 0x10", "integer"),
        ("a: 0b11", "integer"),
        ("a: 1:10", "integer"),  # base 60: 70
        ("a: 1_000", "integer"),
        ("a: 1:10.5", "number"),
        ("a: yes", "true/false"),
        ("a: off", "true/false"),
    ],
)
def test_yaml_11_number_forms_are_refused(text: str, kind: str) -> None:
    with pytest.raises(Yaml11Number) as caught:
        safe_load(text)
    assert kind in caught.value.problem
    assert caught.value.path == "a"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a: 12", 12),
        ("a: -3", -3),
        ("a: 0", 0),
        ("a: 1.5", 1.5),
        ("a: .5", 0.5),
        ("a: true", True),
        ("a: False", False),
        ("a: '012'", "012"),
    ],
)
def test_json_like_scalars_still_load(text: str, value: object) -> None:
    assert safe_load(text) == {"a": value}


def test_an_octal_percentage_in_a_case_names_the_field_and_line() -> None:
    from her2kit.case import decode_document
    from her2kit.errors import InvalidInput

    text = 'id: c\ntumor: {type: breast}\nher2_tests:\n  - method: ihc\n    score: "1+"\n    percent_cells: 012\n'
    with pytest.raises(InvalidInput) as caught:
        decode_document(text, "case.yaml")
    assert caught.value.field == "her2_tests.0.percent_cells"
    assert "line 6" in str(caught.value)


def test_a_yaml_11_boolean_asks_for_true_or_false() -> None:
    from her2kit.case import decode_document
    from her2kit.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        decode_document("id: c\npatient: {ild_history: no}\n", "case.yaml")
    assert caught.value.field == "patient.ild_history"
    assert caught.value.allowed.startswith("true or false")
