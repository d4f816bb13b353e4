"""The case form of the web app, turned into a case document (and back into field errors)."""

from __future__ import annotations

from typing import Any

from her2kit.errors import InvalidInput

TUMOR_CHOICES = [
    ("breast", "Breast"),
    ("gastric", "Gastric"),
    ("gej", "Gastro-oesophageal junction"),
    ("esophageal", "Oesophageal"),
    ("colorectal", "Colorectal"),
    ("nsclc", "Non-small cell lung"),
    ("biliary", "Biliary tract"),
    ("endometrial", "Endometrial"),
    ("other-solid", "Other solid tumour"),
]
IHC_CHOICES = [
    ("", "not done"),
    ("null", "0, no staining (null)"),
    ("ultralow", "0 with faint staining (ultralow)"),
    ("0", "0, staining not stated"),
    ("1+", "1+"),
    ("2+", "2+"),
    ("3+", "3+"),
]


def _num(form: dict[str, str], key: str) -> float | None:
    value = form.get(key, "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return value  # type: ignore[return-value]  # let the model reject it with the field name


def _opt(form: dict[str, str], key: str) -> str | None:
    value = form.get(key, "").strip()
    return value or None


def case_document(form: dict[str, str]) -> dict[str, Any]:
    """A case JSON document from the submitted form (empty fields are left out, never defaulted)."""
    tests: list[dict[str, Any]] = []
    if _opt(form, "ihc_score"):
        ihc: dict[str, Any] = {"method": "ihc", "score": form["ihc_score"]}
        percent = _num(form, "ihc_percent")
        if form["ihc_score"] == "null":  # "0, no staining": score 0 with no cell stained (HER2-null)
            if percent:
                raise InvalidInput(
                    "ihc_percent", percent, "0 or empty with IHC 0, no staining (null): no cell is stained"
                )
            ihc.update(score="0", percent_cells=0)
        elif percent is not None:
            ihc["percent_cells"] = percent
        if _opt(form, "specimen"):
            ihc["specimen"] = form["specimen"]
        tests.append(ihc)
    ish_fields = {k: _num(form, f"ish_{k}") for k in ("ratio", "her2_copies", "cep17_copies")}
    if any(v is not None for v in ish_fields.values()):
        ish: dict[str, Any] = {"method": "ish", "probe": form.get("ish_probe") or "dual"}
        ish.update({k: v for k, v in ish_fields.items() if v is not None})
        if _opt(form, "specimen"):
            ish["specimen"] = form["specimen"]
        tests.append(ish)
    if _opt(form, "ngs_mutation") or form.get("ngs_amplified") == "yes":
        ngs: dict[str, Any] = {"method": "ngs"}
        if form.get("ngs_amplified") == "yes":
            ngs["erbb2_amplified"] = True
        if _opt(form, "ngs_mutation"):
            ngs["erbb2_mutations"] = [m.strip() for m in form["ngs_mutation"].split(",") if m.strip()]
        tests.append(ngs)
    patient: dict[str, Any] = {}
    for key in ("age", "weight_kg", "lvef_percent"):
        # As given: the case model checks it (an age of 45.7 or "abc" is an error, not 45 or a crash).
        value = _num(form, key)
        if value is not None:
            patient[key] = value
    for key in ("pregnant", "ild_history", "heart_failure_history"):
        if form.get(key) in ("yes", "no"):
            patient[key] = form[key] == "yes"
    for key in ("sex", "brain_metastases", "hepatic_impairment"):
        if _opt(form, key):
            patient[key] = form[key]
    biomarkers: dict[str, Any] = {}
    for key in ("er", "pr", "ras"):
        if _opt(form, key):
            biomarkers[key] = form[key]
    if _num(form, "pd_l1_cps") is not None:
        biomarkers["pd_l1_cps"] = _num(form, "pd_l1_cps")
    tumor: dict[str, Any] = {"type": form.get("tumor_type", "")}
    if _opt(form, "setting"):
        tumor["setting"] = form["setting"]
    if _opt(form, "treatment_phase"):
        tumor["treatment_phase"] = form["treatment_phase"]
    for key in ("stage", "t_category", "n_category", "yp_t_category", "yp_n_category"):
        if _opt(form, key):
            tumor[key] = _opt(form, key)
    history: dict[str, Any] = {"therapies": []}
    metastatic_lines = 0
    for index in range(1, 4):
        agents = _opt(form, f"therapy{index}_agents")
        if agents:
            therapy: dict[str, Any] = {
                "agents": [a.strip() for a in agents.split(",") if a.strip()],
                "setting": form.get(f"therapy{index}_setting") or "metastatic",
            }
            if _opt(form, f"therapy{index}_outcome"):
                therapy["outcome"] = form[f"therapy{index}_outcome"]
            if therapy["setting"] == "metastatic":
                # (the metastatic regimens in the order entered are lines 1, 2, ...: not the form slot's number,
                # which counted an adjuvant regimen in slot 1 as a metastatic line)
                metastatic_lines += 1
                therapy["line"] = metastatic_lines
            history["therapies"].append(therapy)
    if form.get("endocrine_progressed") in ("yes", "no"):
        history["endocrine_therapy_progressed"] = form["endocrine_progressed"] == "yes"
    doc: dict[str, Any] = {
        "schema_version": "1",
        "id": _opt(form, "case_id") or "web-case",
        "patient": patient,
        "tumor": tumor,
        "her2_tests": tests,
        "biomarkers": biomarkers,
        "history": history,
        "medications": [m.strip() for m in form.get("medications", "").split(",") if m.strip()],
    }
    return doc
