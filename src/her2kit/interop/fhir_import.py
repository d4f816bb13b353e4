"""FHIR R4 / mCODE → :class:`~her2kit.case.Case`.

:func:`bundle_to_case` reads a Bundle (transaction, collection, searchset, batch, document) or a
single Observation, Patient or Condition. It validates the input with the R4B models of
fhir.resources, reads the resources her2kit understands (see ``docs/fhir.md``), and returns the
case together with one line per resource saying what it yielded (``findings``), what
contradicts itself or another resource (``inconsistencies``) and what was not read
(``ignored``). Nothing is guessed: a stated "HER2 IHC positive" without a score stays a
finding, a past therapy without a stated setting stays a finding, and the clock is never read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from her2kit.case import (
    Biomarkers,
    Case,
    Her2Test,
    History,
    IhcTest,
    IshTest,
    Patient,
    Tumor,
    decode_document,
    invalid_input_from,
)
from her2kit.errors import Her2kitError, InvalidInput, shown
from her2kit.interop import codes as C  # noqa: N812
from her2kit.interop.fhir_bundle import (
    CONTAINED_READ,
    ImportContext,
    ImportedTest,
    StagingRow,
    build_index,
    bundle_entries,
    condition_site,
    paging_note,
    read_tumor,
    ref_key,
    select_patient,
    subject_key,
    with_contained,
    without_duplicates,
)
from her2kit.interop.fhir_medications import read_medication
from her2kit.interop.fhir_observations import join_copy_numbers, note_breast_only, read_observation
from her2kit.interop.fhir_values import condition_dates, fmt, loinc_codes, obs_date, parse_date
from her2kit.interop.r4b import Json, resource_name, validate
from her2kit.status import interpret_her2

SINGLE_RESOURCES: Final = frozenset({"Observation", "Patient", "Condition"})


class StatedHer2(BaseModel):
    """A laboratory's stated HER2 interpretation (LOINC 48676-1): the Observation, its date and the result it states."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    date: dt.date | None = None
    result: Literal["positive", "negative", "equivocal", "indeterminate"]


class ImportResult(BaseModel):
    """A case read from FHIR, with what each resource yielded."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    case: Case
    patient_reference: str | None = Field(
        None,
        description="the input's reference to the imported patient (Patient/<id>); the export's subject. None when "
        "the Patient has no logical id (a transaction's urn:uuid names it only inside that Bundle)",
    )
    her2_interpretations: list[StatedHer2] = Field(
        default_factory=list, description="the laboratory's stated HER2 interpretations (LOINC 48676-1) read"
    )
    findings: list[str] = Field(default_factory=list, description="what each resource yielded")
    inconsistencies: list[str] = Field(
        default_factory=list, description="statements that contradict their own numbers or each other"
    )
    ignored: list[str] = Field(default_factory=list, description="resources or values her2kit does not read")


def load_bundle_file(path: str | Path) -> dict[str, Any]:
    """Read a FHIR JSON file (a Bundle or one resource) as a dict; bad JSON is :class:`InvalidInput`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # (a byte-order mark is not part of the JSON)
    except OSError as exc:
        raise InvalidInput("FHIR file", path, "a readable file", hint=exc.strerror) from None
    except UnicodeDecodeError:
        raise InvalidInput("FHIR file", path, "UTF-8 encoded JSON") from None
    data = decode_document(text, path.name if path.suffix == ".json" else f"{path.name}.json")
    if not isinstance(data, dict):
        raise InvalidInput(path.name, type(data).__name__, "a JSON object: a FHIR Bundle or resource")
    return data


# --- assembly -------------------------------------------------------------------------------------


def _biomarkers(ctx: ImportContext) -> Biomarkers:
    values: dict[str, Any] = {}
    for which in ("er", "pr"):
        rows = sorted(ctx.receptors[which], key=lambda t: t[0] or dt.date.min, reverse=True)
        if not rows:
            continue
        statuses = {r[2] for r in rows if r[2] is not None}
        latest = [r for r in rows if r[0] == rows[0][0]]
        if (
            len({(r[2], r[3]) for r in latest}) > 1
        ):  # the latest date holds results that differ: neither is used
            ctx.inconsistencies.append(
                f"{which.upper()} results of the same latest date differ: "
                + "; ".join(f"{r[1]} {r[2]}" for r in latest)
                + f" — biomarkers.{which} left unset"
            )
            continue
        if len(statuses) > 1:
            ctx.inconsistencies.append(
                f"{which.upper()} results differ: "
                + "; ".join(f"{r[1]} {r[2]}" for r in rows)
                + " — the latest is used"
            )
        _, _, status, percent = rows[0]
        if which == "pr" and status == "low":
            status = "positive"
        values[which] = status
        values[f"{which}_percent"] = percent
    try:
        return Biomarkers(**values)
    except ValidationError as exc:
        raise invalid_input_from(exc, "biomarkers") from None


def _patient(
    ctx: ImportContext, patient: Json | None, reference: dt.date | None, source_of_date: str
) -> Patient:
    values: dict[str, Any] = {}
    if patient is not None:
        name = resource_name(patient)
        gender = patient.get("gender")
        if gender in C.GENDERS:
            values["sex"] = gender
            ctx.findings.append(f"Patient: gender {gender} → patient.sex")
        raw_birth = patient.get("birthDate")
        birth = parse_date(raw_birth)
        if birth is None and isinstance(raw_birth, str) and len(raw_birth) in (4, 7):
            # (a year or a year and month: the age would be uncertain by a year; the date itself is not repeated)
            ctx.findings.append(
                "Patient: birth date is partial (year or year and month only) — patient.age left unset; give the "
                "age in the case"
            )
        if birth is not None and reference is not None:
            age = reference.year - birth.year - ((reference.month, reference.day) < (birth.month, birth.day))
            # (the birth date and the Patient id identify the patient: findings give the age only)
            if 0 <= age <= 120:
                values["age"] = age
                ctx.findings.append(f"Patient: age {age} at {reference} ({source_of_date}) → patient.age")
            else:
                ctx.inconsistencies.append(
                    f"Patient: the birth date gives an age of {age} at {reference}, outside 0-120 — patient.age "
                    "left unset"
                )
        elif birth is not None:
            ctx.findings.append(
                "Patient: birth date given but no dated Observation or Condition to compute the age at — "
                "patient.age left unset (the clock is never read)"
            )
    fields = {C.BODY_WEIGHT: "weight_kg", C.BODY_HEIGHT: "height_cm", C.LVEF: "lvef_percent"}
    for code, name in fields.items():
        rows = sorted(ctx.vitals.get(code, []), key=lambda t: t[0] or dt.date.min, reverse=True)
        latest = [r for r in rows if r[0] == rows[0][0]] if rows else []
        if len({r[1] for r in latest}) > 1:  # (entry order never decides)
            ctx.inconsistencies.append(
                f"{name.split('_')[0]} results of the same latest date differ: "
                + "; ".join(f"{r[2]} {fmt(r[1])}" for r in latest)
                + f" — patient.{name} left unset"
            )
        elif rows:
            values[name] = rows[0][1]
            ctx.findings.append(f"{rows[0][2]}: LOINC {code} {fmt(rows[0][1])} → patient.{name}")
    try:
        return Patient(**values)
    except ValidationError as exc:
        raise invalid_input_from(exc, "patient") from None


def _later_first(rows: list[StagingRow]) -> tuple[str, ...]:
    """("p", "c") unless the latest clinical category is dated after the latest pathological one."""
    latest = {
        prefix: max((r.date or dt.date.min for r in rows if r.prefix == prefix), default=None)
        for prefix in ("p", "c")
    }
    p, c = latest["p"], latest["c"]
    return ("c", "p") if c is not None and (p is None or c > p) else ("p", "c")


def _staging_rows(ctx: ImportContext, tumor: str, which: str, neo_start: dt.date | None) -> list[StagingRow]:
    """The T or N rows that describe this primary, each with the prefix its date and the therapy give it.

    An Observation focused on a Condition other than the primary read (another cancer, an earlier one, the other
    breast) is not read; one focused on another primary Condition than the HER2 results' is an inconsistency. A
    clinical category dated after neoadjuvant drugs were given (not merely ordered) is a restaging (yc); after
    neoadjuvant therapy recorded in the bundle, a value without a prefix under the pathological code is read as yp
    (the specimen after that therapy)."""
    neoadjuvant = any(t.setting == "neoadjuvant" for t in ctx.therapies)
    rows: list[StagingRow] = []
    for row in ctx.staging[which]:
        site = condition_site(ctx.index[row.focus]) if row.focus in ctx.index else None
        if row.focus is not None and (
            (site is not None and site[0] != tumor)
            or (ctx.primary_conditions and row.focus not in ctx.primary_conditions)
        ):
            ctx.ignored.append(f"{row.source}: staging of another Condition than the primary read — not read")
            continue
        if row.focus is not None and ctx.her2_conditions and row.focus not in ctx.her2_conditions:
            ctx.inconsistencies.append(
                f"{row.source}: staging focused on {row.focus}, while the HER2 results focus on "
                f"{', '.join(sorted(ctx.her2_conditions))} — not read (one tumour or two? give one primary "
                "Condition, or focus both on it)"
            )
            continue
        restaged = neo_start is not None and row.date is not None and row.date > neo_start
        if restaged and row.prefix == "c":
            ctx.findings.append(
                f"{row.source}: {row.category} dated after neoadjuvant therapy started ({neo_start}) — read as "
                "yc (a restaging), not as the presentation"
            )
            row = row.after_neoadjuvant()
        if neoadjuvant and row.inferred and row.prefix == "p":
            ctx.findings.append(
                f"{row.source}: {row.category.code}{row.category.notes} without a prefix, under the pathological code after "
                "neoadjuvant therapy — read as yp"
            )
            row = row.after_neoadjuvant()
        rows.append(row)
    clinical = {str(r.category) for r in rows if r.prefix == "c"}
    if neoadjuvant and neo_start is None and len(clinical) > 1:
        # neoadjuvant therapy without a date it was given from: which clinical category is the presentation and
        # which a restaging is not known
        ctx.inconsistencies.append(
            f"clinical {which.upper()} categories {', '.join(sorted(clinical))} with neoadjuvant therapy whose "
            f"start is not recorded — which is the presentation is not known: tumor.{which}_category left unset"
        )
        rows = [r for r in rows if r.prefix != "c"]
    return rows


def _staging(ctx: ImportContext, tumor: str) -> dict[str, str]:
    """tumor.t_category / n_category and yp_t_category / yp_n_category from the TNM Observations
    (:func:`_staging_rows`): after neoadjuvant therapy the clinical category is the presentation; otherwise the later
    of the pathological and clinical categories is used (pathological on the same date). After treatment: yp before
    yc. The latest of each; differing values of the same latest date leave the field unset."""
    out: dict[str, str] = {}
    neoadjuvant = any(t.setting == "neoadjuvant" for t in ctx.therapies)
    neo_start = min(ctx.neoadjuvant_given_from) if ctx.neoadjuvant_given_from else None
    for which in ("t", "n"):
        rows = _staging_rows(ctx, tumor, which, neo_start)
        main = ("c", "p") if neoadjuvant else _later_first(rows)
        for field_name, prefixes in ((f"{which}_category", main), (f"yp_{which}_category", ("yp", "yc"))):
            for prefix in prefixes:
                chosen = sorted(
                    (r for r in rows if r.prefix == prefix), key=lambda r: r.date or dt.date.min, reverse=True
                )
                if not chosen:
                    continue
                latest = [r for r in chosen if r.date == chosen[0].date]
                if len({str(r.category) for r in latest}) > 1:
                    ctx.inconsistencies.append(
                        f"{which.upper()} categories of the same latest date differ: "
                        + "; ".join(f"{r.source} {r.category}" for r in latest)
                        + f" — tumor.{field_name} left unset"
                    )
                    break
                out[field_name] = str(chosen[0].category)
                ctx.findings.append(f"{chosen[0].source}: {chosen[0].category} → tumor.{field_name}")
                others = [r for r in rows if r.prefix in prefixes and r.prefix != prefix]
                if others:
                    ctx.findings.append(
                        f"{', '.join(f'{r.source} {r.category}' for r in others)}: not used — the "
                        f"{'clinical' if prefix in ('c', 'yc') else 'pathological'} category is"
                        + (" (before neoadjuvant therapy)" if neoadjuvant and prefix == "c" else "")
                    )
                break
    return out


def _cross_checks(ctx: ImportContext, tumor: str, tests: list[Her2Test]) -> None:
    if len({s for _, _, s in ctx.stated_status}) > 1:
        ctx.inconsistencies.append(
            "HER2 interpretations (LOINC 48676-1) differ: "
            + "; ".join(f"{src} {s}{' on ' + str(d) if d else ''}" for src, d, s in ctx.stated_status)
        )
    by_specimen: dict[str | None, list[ImportedTest]] = {}
    for t in ctx.tests:
        if isinstance(t.test, IhcTest | IshTest):
            by_specimen.setdefault(t.test.specimen_id, []).append(t)
    for specimen, group in by_specimen.items():
        where = f"specimen {specimen}" if specimen else "tests without a specimen"
        scores = {t.test.score for t in group if isinstance(t.test, IhcTest)}
        if len(scores) > 1:
            srcs = ", ".join(f"{t.source} {t.test.score}" for t in group if isinstance(t.test, IhcTest))
            ctx.inconsistencies.append(f"IHC results on {where} differ: {srcs}")
        ratios = [(t.source, t.test.effective_ratio) for t in group if isinstance(t.test, IshTest)]
        known = [r for _, r in ratios if r is not None]
        if len(known) > 1 and max(known) - min(known) > 0.2:
            srcs = ", ".join(f"{s} {fmt(r)}" for s, r in ratios if r is not None)
            ctx.inconsistencies.append(f"ISH ratios on {where} differ: {srcs}")
    if tumor != "breast" and ctx.breast_only:
        ctx.inconsistencies.append(
            f"tumor.type is {tumor}, but breast-specific codes or profiles are used: "
            + "; ".join(ctx.breast_only_notes())
            + " — check which tumour the results belong to"
        )
    if ctx.stated_status and tests:
        try:
            status = interpret_her2(tests, tumor)
        except Her2kitError:
            return
        for src, _, stated in ctx.stated_status:
            if {stated, status.result} == {"positive", "negative"}:
                ctx.inconsistencies.append(
                    f"{src}: states HER2 {stated}, but her2kit interprets the imported tests as "
                    f"{status.result} ({status.guideline})"
                )


# Resources that belong to a patient through their subject (or patient) reference.
ATTRIBUTED: Final = frozenset(
    {
        "Observation",
        "Condition",
        "MedicationStatement",
        "MedicationRequest",
        "MedicationAdministration",
        "DiagnosticReport",
        "Procedure",
        "Specimen",
    }
)


def _identifiers(res: Json | None) -> set[tuple[str, str]]:
    if res is None:
        return set()
    return {
        (str(i.get("system", "")), str(i.get("value")))
        for i in res.get("identifier") or []
        if isinstance(i, dict) and i.get("value") is not None
    }


def _unattributed(res: Json, patient: Json | None, entries: list[tuple[Json, str | None]]) -> str | None:
    """Why a resource without a resolvable subject reference cannot be read as the selected patient's, or None
    when it can: a subject given by an identifier must be one of the Patient's identifiers; with no subject at
    all, the bundle must hold no other patient."""
    ref = res.get("subject") or res.get("patient")
    if isinstance(ref, dict) and isinstance(ref.get("identifier"), dict):
        given = ref["identifier"]
        key = (str(given.get("system", "")), str(given.get("value")))
        mine = _identifiers(patient)
        if key in mine or (not given.get("system") and key[1] in {v for _, v in mine}):
            return None
        return "its subject is given by an identifier that is not the selected patient's"
    if isinstance(ref, dict) and ref.get("reference") is not None:
        return None
    patients = sum(1 for r, _ in entries if r.get("resourceType") == "Patient")
    if patients > 1:
        return "it has no subject, and the bundle holds more than one patient"
    return None


def _patient_id(patient_key: str | None) -> str | None:
    """The case id a patient key gives: the id of ``Patient/<id>``, the uuid of a ``urn:uuid:`` fullUrl, the last
    segment of another fullUrl; None for a Patient named by neither (its type alone)."""
    if not patient_key or ("/" not in patient_key and not patient_key.startswith("urn:")):
        return None
    last = patient_key.removeprefix("urn:uuid:").removeprefix("urn:oid:").rstrip("/").rsplit("/", 1)[-1]
    return last or None


def bundle_to_case(
    bundle: dict[str, Any],
    *,
    patient_id: str | None = None,
    tumor_type: str | None = None,
    case_id: str | None = None,
) -> ImportResult:
    """Read a FHIR R4 Bundle (or one Observation, Patient or Condition) as a :class:`Case`.

    ``patient_id`` picks one patient of a multi-patient bundle; ``tumor_type`` overrides (or
    supplies, for a lone Observation) the tumour type; ``case_id`` defaults to the Patient id.
    """
    if not isinstance(bundle, dict):
        raise InvalidInput("(document)", type(bundle).__name__, "a JSON object: a FHIR Bundle or resource")
    kind = bundle.get("resourceType")
    if not isinstance(kind, str) or (kind != "Bundle" and kind not in SINGLE_RESOURCES):
        raise InvalidInput("resourceType", shown(kind), "Bundle, " + ", ".join(sorted(SINGLE_RESOURCES)))
    notes = validate(bundle)
    duplicated: list[str] = []
    retracted: list[str] = []
    entries = without_duplicates(with_contained(bundle_entries(bundle), notes, retracted), notes, duplicated)
    if (paged := paging_note(bundle)) is not None:
        duplicated.append(paged)
    index = build_index(entries)
    ctx = ImportContext(index=index, findings=notes, inconsistencies=duplicated, ignored=retracted)
    patient, patient_key = select_patient(entries, index, patient_id)

    mine: list[Json] = []
    for res, _ in entries:
        subject = subject_key(res, index)
        rtype = res.get("resourceType")
        if rtype == "Patient":
            if resource_name(res) != patient_key:
                # (its id identifies the patient: not repeated)
                ctx.ignored.append("a Patient resource: another patient")
            continue
        if subject is not None and patient_key is not None and subject != patient_key:
            ctx.ignored.append(f"{resource_name(res)}: belongs to another subject")
            continue
        if subject is None and patient_key is not None and rtype in ATTRIBUTED:
            unattributed = _unattributed(res, patient, entries)
            if unattributed is not None:
                ctx.ignored.append(f"{resource_name(res)}: {unattributed} — not read")
                continue
        mine.append(res)

    conditions = [r for r in mine if r.get("resourceType") == "Condition"]
    dates: list[dt.date] = []
    her2_focus: set[str] = set()
    # The tumour is read first, so that a result about another Condition than the primary is not read into it.
    for res in mine:
        rtype = res.get("resourceType")
        if rtype == "Observation":
            if res.get("status") in C.OBSERVATION_STATUS_USED and (d := obs_date(res)) is not None:
                dates.append(d)
            if set(loinc_codes(res.get("code"))) & C.HER2_CODES:
                her2_focus.update(k for k in (ref_key(f, index, res) for f in res.get("focus") or []) if k)
            note_breast_only(ctx, res)
        elif rtype == "Condition":
            dates.extend(condition_dates(res))
    tumor, setting = read_tumor(ctx, conditions, her2_focus, tumor_type)
    for res in mine:
        rtype = res.get("resourceType")
        if rtype == "Observation":
            read_observation(ctx, res, tumor)
        elif rtype == "Condition":
            pass  # (already read by read_tumor; not "not read")
        elif rtype in ("MedicationStatement", "MedicationRequest", "MedicationAdministration"):
            read_medication(ctx, res)
        elif rtype == "DiagnosticReport" and any(
            isinstance(c, dict) and c.get("resourceType") in CONTAINED_READ
            for c in res.get("contained") or []
        ):
            pass  # its contained results are read (with_contained)
        elif rtype not in ("Medication",):
            ctx.ignored.append(f"{resource_name(res)}: {rtype} not read by her2kit")

    join_copy_numbers(ctx)
    reference = max(dates) if dates else None
    patient_model = _patient(ctx, patient, reference, "the latest Observation/Condition date in the input")
    tests = [t.test for t in ctx.tests]
    _cross_checks(ctx, tumor, tests)
    if not tests:
        ctx.findings.append(
            "no HER2 test (IHC score, ISH, ERBB2 NGS) in the input — HER2 status will be indeterminate"
        )

    identifier = case_id or _patient_id(patient_key) or resource_name(bundle)
    try:
        case = Case(
            id=identifier[:200],
            patient=patient_model,
            tumor=Tumor(type=tumor, setting=setting, **_staging(ctx, tumor)),
            her2_tests=tests,
            biomarkers=_biomarkers(ctx),
            history=History(therapies=ctx.therapies),
            medications=ctx.medications,
        )
    except ValidationError as exc:
        raise invalid_input_from(exc) from None
    return ImportResult(
        case=case,
        patient_reference=patient_key if patient_key and patient_key.startswith("Patient/") else None,
        her2_interpretations=[StatedHer2(source=s, date=d, result=r) for s, d, r in ctx.stated_status],
        findings=list(dict.fromkeys(ctx.findings)),
        inconsistencies=list(dict.fromkeys(ctx.inconsistencies)),
        ignored=list(dict.fromkeys(ctx.ignored)),
    )
