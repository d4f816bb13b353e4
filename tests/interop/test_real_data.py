"""The public FHIR test data in ../shared/data/fhir (MII test data, mCODE trial-matching examples).

Skipped when the shared data is absent. Each file's expected HER2 tests are listed here and
in docs/fhir.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from her2kit.errors import InvalidInput
from her2kit.interop import assessment_to_fhir, bundle_to_case, load_bundle_file
from her2kit.match.assess import assess

FHIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "fhir"
MII = "mii-testdata"


def _load(name: str) -> dict[str, Any]:
    path = FHIR / name
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return load_bundle_file(path)


def _summary(test: Any) -> tuple[Any, ...]:
    if test.method == "ihc":
        return ("ihc", test.score)
    if test.method == "ish":
        return ("ish", test.ratio, test.her2_copies, test.cep17_copies, test.result)
    return ("ngs", test.erbb2_amplified, test.copy_number, tuple(test.erbb2_mutations))


# file, import arguments, tumour, expected HER2 tests (in order)
CASES: list[tuple[str, dict[str, str], str, list[tuple[Any, ...]]]] = [
    ("mcode/TrialMatching_Patient01.json", {}, "breast", []),  # 18474-7 "Negative" has no score
    ("mcode/TrialMatching_Patient02.json", {}, "breast", []),
    (
        f"{MII}/Bundle-mii-exa-test-data-bundle-molgen-1.json",
        {"patient_id": "mii-exa-test-data-molgen-patient-1"},
        "colorectal",
        [],
    ),
    (
        f"{MII}/Bundle-mii-exa-test-data-bundle-molgen-1.json",
        {"patient_id": "mii-exa-test-data-molgen-patient-2"},
        "nsclc",
        [],
    ),
    (
        f"{MII}/Bundle-mii-exa-test-data-bundle-mtb-1.json",
        {},
        "nsclc",
        [("ngs", True, 12.0, ()), ("ish", 2.4, None, None, None), ("ish", 1.8, 3.6, 2.0, None)],
    ),
    (
        f"{MII}/Bundle-mii-exa-test-data-bundle-onkologie-1.json",
        {},
        "ovarian",
        [("ihc", "3+"), ("ish", None, None, None, "amplified")],
    ),
    (
        f"{MII}/Observation-mii-exa-test-data-mtb-biomarker-her2-status-1.json",
        {"tumor_type": "nsclc"},
        "nsclc",
        [],
    ),
    (
        f"{MII}/Observation-mii-exa-test-data-mtb-immunohistochemistry-her2-1.json",
        {"tumor_type": "nsclc"},
        "nsclc",
        [],
    ),
    (
        f"{MII}/Observation-mii-exa-test-data-mtb-insituhybridization-her2-1.json",
        {"tumor_type": "nsclc"},
        "nsclc",
        [("ish", 1.8, 3.6, 2.0, None)],
    ),
    (
        f"{MII}/Observation-mii-exa-test-data-onko-mamma-her2neu-status-1.json",
        {},
        "breast",
        [],
    ),  # IHC "Mixed"
    (
        f"{MII}/Observation-mii-exa-test-data-onko-mamma-her2neu-status-2.json",
        {},
        "breast",
        [("ihc", "3+"), ("ish", None, None, None, "amplified")],
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "tumor", "expected"), CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_real_file_yields_and_round_trips(
    name: str, kwargs: dict[str, str], tumor: str, expected: list[tuple[Any, ...]]
) -> None:
    result = bundle_to_case(_load(name), **kwargs)
    assert result.case.tumor.type == tumor
    assert [_summary(t) for t in result.case.her2_tests] == expected
    assessment = assess(result.case)
    out = assessment_to_fhir(assessment, result.case)
    Bundle.model_validate(out)


def test_ratio_2_4_labelled_negative_is_flagged() -> None:
    result = bundle_to_case(_load(f"{MII}/Bundle-mii-exa-test-data-bundle-mtb-1.json"))
    assert any(
        i.startswith(
            "Observation/mii-exa-test-data-mtb-insituhybridization-1: ERBB2/CEP17 ratio 2.4 interpreted negative"
        )
        for i in result.inconsistencies
    )


def test_onkologie_flags_conflicting_statuses_and_breast_codes_on_ovarian_primary() -> None:
    result = bundle_to_case(_load(f"{MII}/Bundle-mii-exa-test-data-bundle-onkologie-1.json"))
    text = "\n".join(result.inconsistencies)
    assert "HER2 interpretations (LOINC 48676-1) differ" in text
    assert "tumor.type is ovarian, but breast-specific codes" in text
    assert result.case.biomarkers.er == "positive"
    assert result.case.biomarkers.er_percent == 85
    assert result.case.patient.age == 68  # at 2024-06-01, the latest dated Observation


def test_mcode_patient_details() -> None:
    result = bundle_to_case(_load("mcode/TrialMatching_Patient01.json"))
    case = result.case
    assert case.tumor.setting == "metastatic"
    assert (case.patient.sex, case.patient.age) == ("female", 60)
    assert case.medications == ["abemaciclib", "fulvestrant", "ribociclib"]
    assert (case.biomarkers.er, case.biomarkers.pr) == ("positive", "positive")
    assert any("HER2 IHC stated negative without a score" in f for f in result.findings)
    assert any("Bundle.id" in f for f in result.findings)  # invalid envelope id is tolerated and reported


def test_multi_patient_and_lone_mtb_observation_need_arguments() -> None:
    with pytest.raises(InvalidInput):
        bundle_to_case(_load(f"{MII}/Bundle-mii-exa-test-data-bundle-molgen-1.json"))
    with pytest.raises(InvalidInput):
        bundle_to_case(_load(f"{MII}/Observation-mii-exa-test-data-mtb-insituhybridization-her2-1.json"))
