"""Whatever a Bundle holds, importing it ends in a case or in her2kit's own error (a named input error), never
in another exception: the REST API would answer those with a 500."""

from __future__ import annotations

import contextlib
import copy
import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2kit.errors import Her2kitError, InvalidInput
from her2kit.interop import bundle_to_case
from tests.conftest import SHARED

from .helpers import bundle, cc, condition, obs, patient, positive

_JUNK: list[Any] = [
    None, 0, -1, 1e308, "", "x", [], {}, [None], {"a": 1}, True, "2026-13-45", "3+", {"coding": "x"},
    {"coding": [None]}, [{"system": 5}], {"reference": 7}, {"value": "NaN"}, {"value": -2.5},
]  # fmt: skip


def _seeds() -> list[dict[str, Any]]:
    built = bundle(
        patient(),
        condition(recordedDate="2023-01-10"),
        obs("ihc", "85319-2", valueCodeableConcept=cc("LA11842-4", "2+")),
        obs(
            "ish",
            "49683-6",
            valueRatio={"numerator": {"value": 2.3}, "denominator": {"value": 1}},
            component=[
                {"code": cc("74860-8"), "valueQuantity": {"value": 4.6, "unit": "#"}},
                {"code": cc("74861-6"), "valueQuantity": {"value": 2.0, "unit": "#"}},
                {"code": cc("62361-1"), "valueQuantity": {"value": 40, "unit": "#"}},
            ],
        ),
        obs("er", "85337-4", valueCodeableConcept=positive()),
    )
    seeds = [built]
    for path in sorted((SHARED / "data" / "fhir").glob("**/*.json"))[:6]:
        seeds.append(json.loads(path.read_text(encoding="utf-8")))
    return seeds


SEEDS = _seeds()


def _mutate(node: Any, rng: random.Random) -> None:
    if isinstance(node, dict):
        for key in list(node):
            r = rng.random()
            if r < 0.05:
                node[key] = copy.deepcopy(rng.choice(_JUNK))
            elif r < 0.07:
                del node[key]
            else:
                _mutate(node[key], rng)
    elif isinstance(node, list):
        for i in range(len(node)):
            if rng.random() < 0.05:
                node[i] = copy.deepcopy(rng.choice(_JUNK))
            else:
                _mutate(node[i], rng)


@settings(max_examples=150, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=0, max_value=len(SEEDS) - 1))
def test_a_damaged_bundle_gives_a_case_or_an_input_error(rng: random.Random, which: int) -> None:
    doc = copy.deepcopy(SEEDS[which])
    _mutate(doc, rng)
    with contextlib.suppress(Her2kitError):
        bundle_to_case(doc)


def test_an_invalid_patient_field_is_named_without_the_patient_id_or_value() -> None:
    doc = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Patient", "id": "MRN4711", "birthDate": "1960-02-30"}}],
    }
    try:
        bundle_to_case(doc, tumor_type="breast")
    except Her2kitError as exc:
        text = str(exc)
    else:
        raise AssertionError("an impossible birth date was accepted")
    assert "Patient (Bundle.entry[0]).birthDate" in text
    assert "MRN4711" not in text
    assert "1960-02-30" not in text


def test_choosing_a_patient_never_lists_the_patients_ids() -> None:
    doc = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "MRN4711"}},
            {"resource": {"resourceType": "Patient", "id": "MRN-OTHER-9999"}},
        ],
    }
    for patient_id in (None, "WRONG"):
        try:
            bundle_to_case(doc, patient_id=patient_id, tumor_type="breast")
        except Her2kitError as exc:
            text = str(exc)
        else:
            raise AssertionError("two patients and no valid choice were accepted")
        assert "MRN4711" not in text
        assert "MRN-OTHER-9999" not in text
        assert "WRONG" not in text


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ("3f2a9c4e-1b7d-4e8a-9c1f-2d3e4f5a6b7c", False),  # an identifier in a code's place (it was repeated)
        ("Müller", False),
        ("finale", True),  # a typo of a code
    ],
)
def test_an_invalid_status_is_repeated_only_when_short_and_code_like(status: str, shown: bool) -> None:
    observation = obs("o1", "85319-2", valueString="3+", status=status)
    with pytest.raises(InvalidInput) as caught:
        bundle_to_case(bundle(patient(), condition(), observation))
    message = str(caught.value)
    assert caught.value.field == "Observation/o1 (Bundle.entry[2]).status"
    assert (status in message) is shown, message
    assert "final" in caught.value.allowed
