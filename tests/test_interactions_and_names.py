"""HER2 agents as the cause of an interaction (perpetrator gates), and regimen and drug names of gastric, GEJ,
colorectal and NSCLC histories.

Sources: TUKYSA section 7, Table 8 ("Avoid concomitant use of TUKYSA with CYP3A substrates, where minimal
concentration changes may lead to serious or life-threatening toxicities"; "Consider reducing the dosage of P-gp
substrates ...") [ref:web-pfizer-tukysa-di]; the druglib.com copy of the TYKERB label ("Caution should be exercised
and dose reduction of the concomitant substrate drug should be considered ...") [ref:web-druglib-tykerb-interactions];
the Nerlynx digoxin study as quoted by Drugs.com [ref:web-drugs-com-neratinib-digoxin]; FLOT4 (FLOT, ECF/ECX)
[ref:pmid-30982686]; NCI Thesaurus C1833 (S-1, a fluoropyrimidine) [ref:db-ncit-c1833]; G-SOX [ref:pmid-19875759];
TAS-102 [ref:pmid-26677869]; the checkpoint-inhibitor sources of class:immune-checkpoint-inhibitor.
"""

from __future__ import annotations

from typing import Any

import pytest

from her2kit.case import parse_case
from her2kit.kb import default_kb
from her2kit.match import assess
from her2kit.match.history import canonical_drugs, class_members, drug_index, medication_keys


def _mbc(medications: list[str], therapies: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schema_version": "1",
        "id": "interactions",
        "patient": {"age": 60, "sex": "female", "lvef_percent": 62, "pregnant": False, "ild_history": False},
        "tumor": {"type": "breast", "setting": "metastatic"},
        "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 90}],
        "biomarkers": {"er": "negative", "pr": "negative"},
        "history": {"therapies": therapies},
        "medications": medications,
    }


SECOND_LINE = [
    {
        "agents": ["AC-T"],
        "setting": "adjuvant",
        "outcome": "completed",
        "start": "2019-01-10",
        "end": "2019-06-20",
    },
    {"agents": ["THP"], "setting": "metastatic", "line": 1, "outcome": "progression"},
    {"agents": ["trastuzumab deruxtecan"], "setting": "metastatic", "line": 2, "outcome": "progression"},
]


def _findings(medications: list[str], agent: str) -> tuple[list[Any], list[Any]]:
    result = assess(parse_case(_mbc(medications, SECOND_LINE)))
    options = [o for o in result.options if agent in o.agents]
    assert options, f"no {agent} option"
    option = options[0]
    return option.cautions, option.contraindications


@pytest.mark.parametrize("medication", ["tacrolimus", "Cyclosporine", "fentanyl", "sirolimus"])
def test_tucatinib_with_a_narrow_index_cyp3a_substrate_is_avoid(medication: str) -> None:
    _, contraindications = _findings([medication], "tucatinib")
    found = [f for f in contraindications if f.code == "interaction-cyp3a-substrate-narrow-therapeutic-index"]
    assert len(found) == 1
    assert "Avoid concomitant use with CYP3A substrates" in found[0].text
    assert "partial list" in found[0].text


@pytest.mark.parametrize("medication", ["digoxin", "dabigatran", "colchicine"])
def test_tucatinib_with_a_narrow_index_pgp_substrate_is_a_caution(medication: str) -> None:
    cautions, contraindications = _findings([medication], "tucatinib")
    code = "interaction-p-gp-substrate-narrow-therapeutic-index"
    assert [f.code for f in cautions].count(code) == 1
    assert code not in [f.code for f in contraindications]
    assert (
        "consider reducing the dosage of P-gp substrates" in next(f for f in cautions if f.code == code).text
    )


@pytest.mark.parametrize(
    ("medication", "code"),
    [
        ("digoxin", "interaction-p-gp-substrate-narrow-therapeutic-index"),
        ("tacrolimus", "interaction-cyp3a-substrate-narrow-therapeutic-index"),
    ],
)
def test_lapatinib_and_neratinib_as_perpetrators_are_cautions(medication: str, code: str) -> None:
    for agent in ("lapatinib", "neratinib"):
        if agent == "neratinib" and "cyp3a" in code:
            continue  # no neratinib CYP3A-substrate statement was read
        cautions, contraindications = _findings([medication], agent)
        assert code in [f.code for f in cautions], agent
        assert code not in [f.code for f in contraindications], agent


def test_no_perpetrator_finding_without_a_matching_medication() -> None:
    cautions, contraindications = _findings(["paracetamol"], "tucatinib")
    codes = {f.code for f in [*cautions, *contraindications]}
    assert not {c for c in codes if "substrate" in c}


# ------------------------------------------------------------------------------------------- regimen names
@pytest.mark.parametrize(
    ("name", "drugs"),
    [
        ("FLOT", {"fluorouracil", "leucovorin", "oxaliplatin", "docetaxel"}),
        ("ECF", {"epirubicin", "cisplatin", "fluorouracil"}),
        ("ECX", {"epirubicin", "cisplatin", "capecitabine"}),
        ("SOX", {"s-1", "oxaliplatin"}),
        ("XELOX", {"capecitabine", "oxaliplatin"}),
    ],
)
def test_gastric_regimen_acronyms_resolve_to_their_drugs(name: str, drugs: set[str]) -> None:
    assert canonical_drugs(default_kb(), name) == drugs


@pytest.mark.parametrize("name", ["S-1", "TS-1", "Teysuno", "tegafur", "tegafur-gimeracil-oteracil"])
def test_s1_is_a_fluoropyrimidine(name: str) -> None:
    kb = default_kb()
    assert canonical_drugs(kb, name) & class_members(kb, "fluoropyrimidine")
    assert canonical_drugs(kb, name) & class_members(kb, "chemotherapy")


@pytest.mark.parametrize("name", ["Lonsurf", "trifluridine/tipiracil", "TAS-102"])
def test_trifluridine_tipiracil_is_chemotherapy(name: str) -> None:
    kb = default_kb()
    assert canonical_drugs(kb, name) & class_members(kb, "chemotherapy")


@pytest.mark.parametrize(
    "name", ["nivolumab", "Opdivo", "atezolizumab", "Tecentriq", "durvalumab", "ipilimumab", "tislelizumab"]
)
def test_checkpoint_inhibitors_are_known_and_not_chemotherapy(name: str) -> None:
    kb = default_kb()
    drugs = canonical_drugs(kb, name)
    assert drug_index(kb).resolve(name) is not None
    assert drugs & class_members(kb, "immune checkpoint inhibitor")
    assert not drugs & class_members(kb, "chemotherapy")


def test_a_flot_then_sox_gastric_history_has_no_unrecognised_names() -> None:
    doc = {
        "schema_version": "1",
        "id": "gastric",
        "patient": {"age": 60, "sex": "male", "lvef_percent": 60},
        "tumor": {"type": "gastric", "setting": "metastatic"},
        "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 40, "specimen": "biopsy"}],
        "history": {
            "therapies": [
                {"agents": ["FLOT"], "setting": "neoadjuvant", "outcome": "completed"},
                {
                    "agents": ["SOX", "trastuzumab"],
                    "setting": "metastatic",
                    "line": 1,
                    "outcome": "progression",
                },
                {"agents": ["nivolumab"], "setting": "metastatic", "line": 2, "outcome": "progression"},
            ]
        },
    }
    result = assess(parse_case(doc))
    assert not any("Not recognised" in note for note in result.notes), result.notes
    tdxd = next(o for o in result.options if o.id == "ind:trastuzumab-deruxtecan-gastric-previously-treated")
    assert not any("recognised" in m for m in tdxd.missing)


# ------------------------------------------------------------------------------------ review of 2026-11-27 (s9)
@pytest.mark.parametrize(
    ("medication", "severity"),
    [
        ("Digoxin (Lanoxin)", "caution"),
        ("tacrolimus (Prograf) 1 mg", "contraindication"),
        ("Tacrolimus XL", "contraindication"),
        ("Cyclosporin", "contraindication"),
        ("dabigatran etexilate", "caution"),
        ("fentanyl patch 25 mcg/h", "contraindication"),
        ("ergotamine/caffeine", "contraindication"),
        ("everolimus 10 mg", "caution"),
    ],
)
def test_medication_spellings_with_brands_forms_and_salts_are_read(medication: str, severity: str) -> None:
    cautions, contraindications = _findings([medication], "tucatinib")
    found = contraindications if severity == "contraindication" else cautions
    assert any("substrate" in f.code for f in found), (
        medication,
        [f.code for f in [*cautions, *contraindications]],
    )


@pytest.mark.parametrize("medication", ["Quetiapine 25 mg nocte", "simvastatin 20 mg"])
def test_drugs_without_a_narrow_index_are_not_flagged_as_such(medication: str) -> None:
    cautions, contraindications = _findings([medication], "tucatinib")
    assert not [f for f in [*cautions, *contraindications] if "narrow-therapeutic-index" in f.code]


def test_recognised_spellings_are_not_reported_as_unrecognised() -> None:
    result = assess(
        parse_case(_mbc(["dabigatran etexilate", "Digoxin (Lanoxin)", "Tacrolimus XL"], SECOND_LINE))
    )
    assert not any("not recognised" in n.lower() and "dabigatran" in n for n in result.notes)


# ------------------------------------------------------------------------------------ second review (s9)
@pytest.mark.parametrize("medication", ["simvastatin", "Zocor 40 mg nocte", "lovastatin 20 mg"])
def test_tucatinib_with_simvastatin_or_lovastatin_is_the_statin_labels_contraindication(
    medication: str,
) -> None:
    # ZOCOR (section 4) and lovastatin labels contraindicate strong CYP3A4 inhibitors; tucatinib is one
    # (midazolam AUC 5.7-fold, Clin Pharmacokinet 2022).
    cautions, contraindications = _findings([medication], "tucatinib")
    found = [
        f
        for f in contraindications
        if f.code == "interaction-statin-contraindicated-with-strong-cyp3a4-inhibitors"
    ]
    assert len(found) == 1, [f.code for f in [*cautions, *contraindications]]
    assert "contraindicate" in found[0].text
    assert "strong CYP3A" in found[0].text
    assert "ZOCOR" in found[0].source or "simvastatin" in found[0].source.lower()
    assert not [f for f in cautions if f.code == "interaction-cyp3a-substrate-other"]


def test_tucatinib_with_quetiapine_stays_a_caution_to_check_its_labelling() -> None:
    cautions, contraindications = _findings(["quetiapine"], "tucatinib")
    found = [f for f in cautions if f.code == "interaction-cyp3a-substrate-other"]
    assert len(found) == 1
    assert "strong CYP3A inhibitor" in found[0].text
    assert not [f for f in contraindications if "substrate" in f.code or "statin" in f.code]


@pytest.mark.parametrize("medication", ["atorvastatin 40 mg", "rosuvastatin", "pravastatin"])
def test_other_statins_are_not_given_the_simvastatin_contraindication(medication: str) -> None:
    _, contraindications = _findings([medication], "tucatinib")
    assert not [f for f in contraindications if "statin" in f.code]


@pytest.mark.parametrize(
    "medication",
    ["ciclosporin eye drops", "fentanyl allergy", "Tacrolimus ointment 0.1%", "cyclosporine ophthalmic"],
)
def test_topical_forms_and_allergy_records_are_not_read_as_the_systemic_drug(medication: str) -> None:
    cautions, contraindications = _findings([medication], "tucatinib")
    assert not [f for f in [*cautions, *contraindications] if "substrate" in f.code]


def _gastro(tumor_type: str, histology: str | None) -> dict[str, Any]:
    tumor: dict[str, Any] = {"type": tumor_type, "setting": "metastatic"}
    if histology is not None:
        tumor["histology"] = histology
    return {
        "schema_version": "1",
        "id": "gastro",
        "patient": {"age": 60, "sex": "male", "lvef_percent": 60},
        "tumor": tumor,
        "her2_tests": [{"method": "ihc", "score": "3+", "percent_cells": 40, "specimen": "biopsy"}],
        "history": {"therapies": []},
    }


def test_gej_squamous_cell_carcinoma_is_not_a_gastric_gej_adenocarcinoma_indication() -> None:
    result = assess(parse_case(_gastro("gej", "squamous cell carcinoma")))
    assert "ind:trastuzumab-gastric-first-line" not in {o.id for o in result.options}
    reasons = {n.indication: " ".join(n.reasons) for n in result.not_recommended}
    assert "indicated for adenocarcinoma" in reasons["ind:trastuzumab-gastric-first-line"]


def test_oesophageal_squamous_cell_carcinoma_gets_no_gej_hint() -> None:
    result = assess(parse_case(_gastro("esophageal", "squamous cell carcinoma")))
    assert not any("give tumor.type 'gej'" in r for n in result.not_recommended for r in n.reasons)


def test_an_unstated_gastric_histology_is_a_caution_not_a_guess() -> None:
    result = assess(parse_case(_gastro("gastric", None)))
    option = next(o for o in result.options if o.id == "ind:trastuzumab-gastric-first-line")
    assert "histology-not-given" in [c.code for c in option.cautions]


# ------------------------------------------------------------------------------------ third review (s9)
@pytest.mark.parametrize(
    "medication",
    [
        "Tacrolimus 0.1% ointment",
        "ciclosporin 0.05% eye drops",
        "Ciclosporin (eye drops)",
        "Fentanyl (allergy)",
        "Digoxin level",
        "digoxin (held)",
        "simvastatin (stopped)",
        "simvastatin - discontinued 2024",
        "no tacrolimus",
        "No known drug allergies",
    ],
)
def test_topical_stopped_and_lab_entries_fire_no_interaction(medication: str) -> None:
    cautions, contraindications = _findings([medication], "tucatinib")
    assert not [f for f in [*cautions, *contraindications] if "substrate" in f.code]


@pytest.mark.parametrize(
    ("entry", "drugs"),
    [
        ("carboplatin/pemetrexed/pembrolizumab", {"carboplatin", "pemetrexed", "pembrolizumab"}),
        (
            "docetaxel, carboplatin, trastuzumab, pertuzumab",
            {"docetaxel", "carboplatin", "trastuzumab", "pertuzumab"},
        ),
        ("T-DXd 5.4 mg/kg", {"trastuzumab deruxtecan"}),
        ("Herceptin SC", {"trastuzumab"}),
    ],
)
def test_therapy_entries_with_separators_doses_and_routes_are_read(entry: str, drugs: set[str]) -> None:
    assert drug_index(default_kb()).resolve_entry(entry) == frozenset(drugs)


@pytest.mark.parametrize(
    ("histology", "verdict"),
    [
        ("signet ring cell carcinoma", "met"),
        ("poorly cohesive carcinoma, signet ring cell type", "met"),
        ("diffuse type (Lauren)", "met"),
        ("mixed type (Lauren), adenocarcinoma", "met"),
        ("adenosquamous carcinoma", "missing"),
        ("mixed adenoneuroendocrine carcinoma", "missing"),
        ("squamous cell carcinoma, no adenocarcinoma component", "unmet"),
    ],
)
def test_gastric_histology_wording(histology: str, verdict: str) -> None:
    result = assess(parse_case(_gastro("gastric", histology)))
    option = next((o for o in result.options if o.id == "ind:trastuzumab-gastric-first-line"), None)
    if verdict == "unmet":
        assert option is None
    elif verdict == "missing":
        assert option is not None
        assert any("adenocarcinoma" in m for m in option.missing)
    else:
        assert option is not None
        assert not [m for m in option.missing if "adenocarcinoma" in m]


# ------------------------------------------------------------------------------------ fourth review (s9)
@pytest.mark.parametrize(
    ("medication", "agent", "code"),
    [
        ("Carbamazepine 400 mg bd (history of epilepsy)", "tucatinib", "interaction-strong-cyp3a4-inducer"),
        ("Carbamazepine 400 mg - intolerant of valproate", "tucatinib", "interaction-strong-cyp3a4-inducer"),
        (
            "Tacrolimus 3 mg BD (target trough level 6-8 ng/mL)",
            "tucatinib",
            "interaction-cyp3a-substrate-narrow-therapeutic-index",
        ),
        (
            "Digoxin 125 mcg OD (level 0.9 on 02/11)",
            "tucatinib",
            "interaction-p-gp-substrate-narrow-therapeutic-index",
        ),
        ("Rifampicin 600 mg daily (past 2 weeks, TB)", "tucatinib", "interaction-strong-cyp3a4-inducer"),
        ("Rifampicin 600 mg; ketoconazole 2% cream", "tucatinib", "interaction-strong-cyp3a4-inducer"),
    ],
)
def test_annotations_do_not_hide_a_current_drug(medication: str, agent: str, code: str) -> None:
    cautions, contraindications = _findings([medication], agent)
    assert code in [f.code for f in [*cautions, *contraindications]], medication


@pytest.mark.parametrize(
    ("entry", "drugs"),
    [("S-1 oral", {"s-1"}), ("S-1 80 mg/m2", {"s-1"}), ("carboplatin AUC 5", {"carboplatin"})],
)
def test_therapy_entries_with_a_route_or_dose_after_a_name_with_digits(entry: str, drugs: set[str]) -> None:
    assert drug_index(default_kb()).resolve_entry(entry) == frozenset(drugs)


def test_negated_mixed_components_do_not_make_a_mixed_histology() -> None:
    result = assess(
        parse_case(_gastro("gastric", "Adenocarcinoma, diffuse type; no neuroendocrine component"))
    )
    option = next(o for o in result.options if o.id == "ind:trastuzumab-gastric-first-line")
    assert not [m for m in option.missing if "adenocarcinoma" in m]


# ------------------------------------------------------------------------------------ fifth review (s9)
@pytest.mark.parametrize(
    ("medication", "code"),
    [
        (
            "Clarithromycin 500 mg BID - held for surgery then restarted",
            "interaction-strong-cyp3a4-inhibitor",
        ),
        (
            "Tacrolimus 2 mg BID, held on 1 Nov, resumed 5 Nov",
            "interaction-cyp3a-substrate-narrow-therapeutic-index",
        ),
        ("Itraconazole 200 mg daily (to be ceased after 3 months)", "interaction-strong-cyp3a4-inhibitor"),
        (
            "Everolimus 10 mg (stopped 2025, restarted 2026)",
            "interaction-p-gp-substrate-narrow-therapeutic-index",
        ),
        ("Cyclosporine 100 mg soft gel cap BID", "interaction-cyp3a-substrate-narrow-therapeutic-index"),
        ("Ketoconazole 2% shampoo, ketoconazole 200 mg tablets", "interaction-strong-cyp3a4-inhibitor"),
        ("Tacrolimus BID (dose per trough levels)", "interaction-cyp3a-substrate-narrow-therapeutic-index"),
        ("Digoxin daily (check level)", "interaction-p-gp-substrate-narrow-therapeutic-index"),
    ],
)
def test_a_status_word_later_in_the_entry_does_not_hide_the_drug(medication: str, code: str) -> None:
    cautions, contraindications = _findings(
        [medication], "neratinib" if "cyp3a4-inhibitor" in code else "tucatinib"
    )
    assert code in [f.code for f in [*cautions, *contraindications]], medication


@pytest.mark.parametrize(
    ("entry", "drugs"),
    [
        (
            "Docetaxel 75 mg/m2 + trastuzumab 6 mg/kg + pertuzumab 840 mg",
            {"docetaxel", "trastuzumab", "pertuzumab"},
        ),
        (
            "carboplatin AUC 5 / pemetrexed 500 mg/m2 / pembrolizumab 200 mg",
            {"carboplatin", "pemetrexed", "pembrolizumab"},
        ),
        ("S-1 80 mg/m2 + oxaliplatin 130 mg/m2", {"s-1", "oxaliplatin"}),
        ("FOLFOX 6", {"fluorouracil", "leucovorin", "oxaliplatin"}),
        ("trastuzumab 1 year", {"trastuzumab"}),
    ],
)
def test_combined_entries_with_doses_read_every_drug(entry: str, drugs: set[str]) -> None:
    assert drug_index(default_kb()).resolve_entry(entry) == frozenset(drugs)


@pytest.mark.parametrize(
    "histology",
    [
        "Adenocarcinoma with no lymphovascular invasion and a 40% neuroendocrine component",
        "Adenocarcinoma without mucinous features and with neuroendocrine differentiation",
    ],
)
def test_a_negation_elsewhere_does_not_cancel_a_mixed_component(histology: str) -> None:
    result = assess(parse_case(_gastro("gastric", histology)))
    option = next(o for o in result.options if o.id == "ind:trastuzumab-gastric-first-line")
    assert any("counts as adenocarcinoma" in m for m in option.missing)


def test_a_previous_drug_after_a_comma_is_not_read_as_current() -> None:
    cautions, contraindications = _findings(
        ["Itraconazole 200 mg daily, previously fluconazole"], "neratinib"
    )
    texts = " ".join(f.text for f in [*cautions, *contraindications])
    assert "itraconazole" in texts
    assert "fluconazole" not in texts.replace("itraconazole", "")


# ------------------------------------------------------------------------------------ sixth review (s9)
@pytest.mark.parametrize(
    ("medication", "member"),
    [
        ("tacrolimus - target level 5-8 ng/ml", "tacrolimus"),
        ("Tacrolimus (level 6-8) 2 mg bid", "tacrolimus"),
        ("Digoxin (level 0.9) 125 mcg daily", "digoxin"),
        ("Carbamazepine (allergy to penicillin) 200 mg bid", "carbamazepine"),
        ("posaconazole (levels weekly)", "posaconazole"),
        ("carbamazepine (allergic rash to lamotrigine)", "carbamazepine"),
        ("prior to chemo: dexamethasone 8 mg", "dexamethasone"),
        ("Past 3 months rifampicin 600 mg daily", "rifampicin"),
        ("Carbamazepine - level 8, 200 mg bid", "carbamazepine"),
        ("Paxlovid (nirmatrelvir/ritonavir)", "ritonavir"),
        ("Kaletra (lopinavir, ritonavir)", "ritonavir"),
        ("fluconazole: 100 mg daily", "fluconazole"),
    ],
)
def test_current_drugs_with_annotations_are_read(medication: str, member: str) -> None:
    assert member in medication_keys(medication)


@pytest.mark.parametrize(
    ("entry", "drugs"),
    [
        ("Kadcyla 2 cycles then Enhertu", {"trastuzumab emtansine", "trastuzumab deruxtecan"}),
        ("T-DM1 14 cycles (switched to T-DXd)", {"trastuzumab emtansine", "trastuzumab deruxtecan"}),
        (
            "AC 4 cycles followed by THP",
            {"doxorubicin", "cyclophosphamide", "taxane (unspecified)", "trastuzumab", "pertuzumab"},
        ),
        ("tucatinib 300 mg, twice daily", {"tucatinib"}),
        ("lapatinib 1250 mg/day + capecitabine 2000 mg/m2/day", {"lapatinib", "capecitabine"}),
        ("trastuzumab 6 mg/kg/3w", {"trastuzumab"}),
    ],
)
def test_courses_in_sequence_and_schedules_are_read(entry: str, drugs: set[str]) -> None:
    assert drug_index(default_kb()).resolve_entry(entry) == frozenset(drugs)


def test_an_unknown_drug_in_a_sequence_leaves_the_entry_unread() -> None:
    assert drug_index(default_kb()).resolve_entry("Kadcyla 2 cycles then unknownab") is None
