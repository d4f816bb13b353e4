"""bundle_to_case on small hand-made bundles: mapping, inconsistencies, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from her2kit.case import IhcTest, IshTest, NgsTest
from her2kit.errors import InvalidInput
from her2kit.interop import bundle_to_case, load_bundle_file

from .helpers import SNOMED, bundle, cc, condition, negative, obs, patient, positive


def test_ihc_ish_er_pr_and_age_from_observation_dates() -> None:
    b = bundle(
        patient(),
        condition(recordedDate="2023-01-10"),
        obs(
            "ihc",
            "85319-2",
            valueCodeableConcept=cc("LA11842-4", "2+"),
            specimen={"reference": "Specimen/s1"},
        ),
        obs(
            "ish",
            "49683-6",
            valueRatio={"numerator": {"value": 2.3}, "denominator": {"value": 1}},
            specimen={"reference": "Specimen/s1"},
            component=[
                {"code": cc("74860-8"), "valueQuantity": {"value": 4.6, "unit": "#"}},
                {"code": cc("74861-6"), "valueQuantity": {"value": 2.0, "unit": "#"}},
                {"code": cc("62361-1"), "valueQuantity": {"value": 40, "unit": "#"}},
            ],
        ),
        obs(
            "er",
            "85337-4",
            valueCodeableConcept=positive(),
            component=[{"code": cc("x"), "valueQuantity": {"value": 5, "unit": "%"}}],
        ),
        obs("pr", "16113-3", valueCodeableConcept=negative()),
    )
    result = bundle_to_case(b)
    case = result.case
    assert case.id == "p1"
    assert case.tumor.type == "breast"
    assert case.patient.sex == "female"
    assert case.patient.age == 53  # born 1970-05-01, latest date 2024-03-01
    ihc, ish = case.her2_tests
    assert isinstance(ihc, IhcTest)
    assert ihc.score == "2+"
    assert ihc.specimen_id == "s1"
    assert ihc.source == "Observation/ihc"
    assert isinstance(ish, IshTest)
    assert (ish.ratio, ish.her2_copies, ish.cep17_copies, ish.cells_counted) == (2.3, 4.6, 2.0, 40)
    assert case.biomarkers.er == "low"
    assert case.biomarkers.er_percent == 5
    assert case.biomarkers.pr == "negative"
    assert any("LOINC 85319-2 IHC score 2+ → her2_tests[0]" in f for f in result.findings)
    assert result.inconsistencies == []


def test_no_clock_no_age() -> None:
    b = bundle(patient(), condition(), obs("ihc", "85319-2", date=None, valueString="3+"))
    result = bundle_to_case(b)
    assert result.case.patient.age is None
    assert any("the clock is never read" in f for f in result.findings)


def test_ratio_labelled_negative_is_flagged() -> None:
    b = bundle(
        patient(),
        condition(),
        obs(
            "x", "49683-6", valueQuantity={"value": 2.4}, interpretation=[cc("260385009", "Negative", SNOMED)]
        ),
    )
    result = bundle_to_case(b)
    assert len(result.case.her2_tests) == 1
    assert any(
        "Observation/x: ERBB2/CEP17 ratio 2.4 interpreted negative" in i for i in result.inconsistencies
    )


def test_ihc_3plus_interpreted_negative_and_duplicates_differ() -> None:
    b = bundle(
        patient(),
        condition(),
        obs("a", "85319-2", valueString="3+", interpretation=[negative()]),
        obs("b", "85319-2", valueString="1+"),
        obs("s1", "48676-1", valueCodeableConcept=positive()),
        obs("s2", "48676-1", valueCodeableConcept=negative()),
    )
    result = bundle_to_case(b)
    text = "\n".join(result.inconsistencies)
    assert "Observation/a: HER2 IHC 3+ interpreted negative" in text
    assert "IHC results on tests without a specimen differ" in text
    assert "HER2 interpretations (LOINC 48676-1) differ" in text


def test_ratio_contradicting_copies_keeps_ratio() -> None:
    b = bundle(
        patient(),
        condition(),
        obs(
            "x",
            "49683-6",
            valueQuantity={"value": 1.2},
            component=[
                {"code": cc("74860-8"), "valueQuantity": {"value": 8.0}},
                {"code": cc("74861-6"), "valueQuantity": {"value": 2.0}},
            ],
        ),
    )
    result = bundle_to_case(b)
    (ish,) = result.case.her2_tests
    assert isinstance(ish, IshTest)
    assert ish.ratio == 1.2
    assert ish.her2_copies is None
    assert any("copy numbers are dropped" in i for i in result.inconsistencies)


def test_stated_ihc_without_score_is_a_finding_not_a_test() -> None:
    b = bundle(patient(), condition(), obs("h", "18474-7", valueCodeableConcept=negative()))
    result = bundle_to_case(b)
    assert result.case.her2_tests == []
    assert any("HER2 IHC stated negative without a score" in f for f in result.findings)


def test_erbb2_variant_copy_number_and_mutation() -> None:
    gene = {
        "code": cc("48018-6"),
        "valueCodeableConcept": cc("HGNC:3430", "ERBB2", "http://www.genenames.org/geneId"),
    }
    b = bundle(
        patient(),
        condition(code="C34.1"),
        obs(
            "cnv",
            "69548-6",
            valueCodeableConcept=cc("LA9633-4", "Present"),
            component=[
                gene,
                {"code": cc("82155-3"), "valueQuantity": {"value": 12}},
                {
                    "code": cc("type", system="http://bwhc.de/mtb/genetics-copy-number-variant"),
                    "valueCodeableConcept": cc(
                        "high-level-gain",
                        "high-level-gain",
                        "http://bwhc.de/mtb/genetics-copy-number-variant",
                    ),
                },
            ],
        ),
        obs(
            "snv",
            "69548-6",
            valueCodeableConcept=cc("LA9633-4", "Present"),
            component=[
                gene,
                {
                    "code": cc("48005-3"),
                    "valueCodeableConcept": cc("p.(Leu755Ser)", system="http://varnomen.hgvs.org"),
                },
            ],
        ),
        obs(
            "other",
            "69548-6",
            component=[{"code": cc("48018-6"), "valueCodeableConcept": cc("HGNC:1097", "BRAF")}],
        ),
    )
    result = bundle_to_case(b)
    assert result.case.tumor.type == "nsclc"
    cnv, snv = result.case.her2_tests
    assert isinstance(cnv, NgsTest)
    assert cnv.erbb2_amplified is True
    assert cnv.copy_number == 12
    assert isinstance(snv, NgsTest)
    assert snv.erbb2_mutations == ["p.L755S"]
    assert any("BRAF — not ERBB2" in i for i in result.ignored)


@pytest.mark.parametrize(
    ("code", "system", "tumor"),
    [
        ("C50.4", "http://fhir.de/CodeSystem/bfarm/icd-10-gm", "breast"),
        ("C16.0", "http://hl7.org/fhir/sid/icd-10-cm", "gej"),
        ("C16.3", "http://hl7.org/fhir/sid/icd-10", "gastric"),
        ("C15.5", "http://hl7.org/fhir/sid/icd-10", "esophageal"),
        ("C20", "http://hl7.org/fhir/sid/icd-10", "colorectal"),
        ("C22.1", "http://terminology.hl7.org/CodeSystem/icd-o-3", "biliary"),
        ("C24.0", "http://hl7.org/fhir/sid/icd-10", "biliary"),
        ("C54.1", "http://hl7.org/fhir/sid/icd-10", "endometrial"),
        ("254837009", SNOMED, "breast"),
    ],
)
def test_tumour_codes(code: str, system: str, tumor: str) -> None:
    result = bundle_to_case(bundle(patient(), condition(code=code, system=system)))
    assert result.case.tumor.type == tumor


def test_unknown_tumour_lists_what_was_seen() -> None:
    with pytest.raises(InvalidInput) as err:
        bundle_to_case(bundle(patient(), condition(code="C71.9")))
    assert "C71.9" in str(err.value)
    assert "tumor_type" in str(err.value)


def test_tumor_type_argument_and_lone_observation() -> None:
    lone = obs("x", "49683-6", valueQuantity={"value": 3.1})
    with pytest.raises(InvalidInput):
        bundle_to_case(lone)
    result = bundle_to_case(lone, tumor_type="gastric")
    assert result.case.tumor.type == "gastric"
    assert len(result.case.her2_tests) == 1


def test_stage_iv_and_medications() -> None:
    b = bundle(
        patient(),
        condition(stage=[{"summary": cc("4", "IV", "http://cancerstaging.org")}]),
        {
            "resourceType": "MedicationStatement",
            "id": "m1",
            "status": "active",
            "medicationCodeableConcept": cc(
                "1", "abemaciclib Oral Product", "http://www.nlm.nih.gov/research/umls/rxnorm"
            ),
            "subject": {"reference": "Patient/p1"},
        },
        {
            "resourceType": "MedicationStatement",
            "id": "m2",
            "status": "completed",
            "medicationCodeableConcept": cc("2", "Trastuzumab"),
            "subject": {"reference": "Patient/p1"},
            "note": [{"text": "adjuvant therapy, one year"}],
            "effectivePeriod": {"start": "2020-01-01", "end": "2020-12-31"},
        },
        {
            "resourceType": "MedicationStatement",
            "id": "m3",
            "status": "completed",
            "medicationCodeableConcept": cc("3", "Paclitaxel"),
            "subject": {"reference": "Patient/p1"},
        },
    )
    result = bundle_to_case(b)
    case = result.case
    assert case.tumor.setting == "metastatic"
    assert case.medications == ["abemaciclib"]
    (therapy,) = case.history.therapies
    assert therapy.agents == ["trastuzumab"]
    assert therapy.setting == "adjuvant"
    assert therapy.outcome == "completed"
    assert any("paclitaxel completed" in f and "not added to history.therapies" in f for f in result.findings)


def test_multi_patient_needs_patient_id() -> None:
    b = bundle(patient("p1"), patient("p2"), condition())
    with pytest.raises(InvalidInput) as err:
        bundle_to_case(b)
    assert "patient_id" in str(err.value)
    assert bundle_to_case(b, patient_id="p1").case.id == "p1"


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [
                    {
                        "resource": {
                            "resourceType": "Observation",
                            "id": "o1",
                            "status": "final",
                            "code": {"text": "x"},
                            "valueQuantity": {"value": "abc"},
                        }
                    }
                ],
            },
            "Observation/o1 (Bundle.entry[0]).valueQuantity.value",
        ),
        (
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [
                    {
                        "resource": {
                            "resourceType": "Observation",
                            "id": "o1",
                            "status": "done",
                            "code": {"text": "x"},
                        }
                    }
                ],
            },
            "Observation/o1 (Bundle.entry[0]).status",
        ),
        ({"resourceType": "Bundle", "type": "history"}, "Bundle.type"),
        ({"resourceType": "Encounter", "id": "e"}, "resourceType"),
        ({"resourceType": "Observation", "id": "o", "code": {"text": "x"}}, "Observation/o.status"),
        (["not", "a", "dict"], "(document)"),
    ],
)
def test_malformed_input_names_resource_and_field(doc: object, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        bundle_to_case(doc)  # type: ignore[arg-type]
    assert err.value.field == field


def test_load_bundle_file(tmp_path: Path) -> None:
    good = tmp_path / "b.json"
    good.write_text(json.dumps(bundle(patient(), condition())), encoding="utf-8")
    assert load_bundle_file(good)["resourceType"] == "Bundle"
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle",', encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        load_bundle_file(bad)
    assert "well-formed JSON" in str(err.value)
    assert "line 1" in str(err.value)
    with pytest.raises(InvalidInput):
        load_bundle_file(tmp_path / "missing.json")
    listing = tmp_path / "list.json"
    listing.write_text("[]", encoding="utf-8")
    with pytest.raises(InvalidInput):
        load_bundle_file(listing)
