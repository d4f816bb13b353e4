"""The Bundle side of the FHIR import, and the state one import collects.

:class:`ImportContext` holds what the readers find (tests, stated statuses, receptors, vitals,
medications, therapies) and the findings, inconsistencies and ignored lines; the entries of a Bundle,
the index that resolves references, the choice of the one patient to import, and the tumour type and
setting read from its Conditions (sites, profiles, kinds, verification status, stage) live here too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from her2kit.case import Her2Test, Therapy
from her2kit.errors import WITHHELD, InvalidInput
from her2kit.interop import codes as C  # noqa: N812
from her2kit.interop.fhir_values import Stated, codings, concept_words, describe
from her2kit.interop.r4b import Json, resource_name
from her2kit.tnm import Category
from her2kit.vocab import normalise_tumor_type

_CANCER_WORDS: Final = re.compile(
    r"malignan|carcinom|cancer|neoplas|tumou?r|neubildung|karzinom|sarcom|adenocarc", re.I
)
_LYMPH_NODE: Final = re.compile(r"lymph", re.I)
_STAGE_IV: Final = re.compile(r"^(stage\s*)?(4|iv)[a-c]?$", re.I)


# --- the import -----------------------------------------------------------------------------------


@dataclass
class ImportedTest:
    test: Her2Test
    source: str
    stated: Stated | None = None


@dataclass(frozen=True)
class StagingRow:
    """One TNM category read from an Observation."""

    date: dt.date | None
    category: Category  # e.g. cT2, pN1a
    source: str
    focus: str | None  # the Condition it is about (Observation.focus), when given
    inferred: bool  # the prefix came from the observation code (the value had none)

    @property
    def prefix(self) -> str | None:
        return self.category.prefix

    def after_neoadjuvant(self) -> StagingRow:
        """The same category read as after neoadjuvant therapy (c → yc, p → yp)."""
        moved = Category(f"y{self.prefix}", self.category.code, self.category.notes)
        return StagingRow(self.date, moved, self.source, self.focus, self.inferred)


@dataclass
class ImportContext:
    index: dict[str, Json]
    findings: list[str] = field(default_factory=list)
    inconsistencies: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    tests: list[ImportedTest] = field(default_factory=list)
    stated_status: list[tuple[str, dt.date | None, Stated]] = field(default_factory=list)
    breast_only: list[str] = field(default_factory=list)
    receptors: dict[str, list[tuple[dt.date | None, str, str | None, float | None]]] = field(
        default_factory=lambda: {"er": [], "pr": []}
    )
    vitals: dict[str, list[tuple[dt.date | None, float, str]]] = field(default_factory=dict)
    medications: list[str] = field(default_factory=list)
    therapies: list[Therapy] = field(default_factory=list)
    copy_numbers: list[Json] = field(default_factory=list)  # lone 74860-8 / 74861-6 Observations
    primary_conditions: set[str] = field(default_factory=set)  # the Conditions read as the current primary
    her2_conditions: set[str] = field(default_factory=set)  # those of them the HER2 results focus on
    neoadjuvant_given_from: list[dt.date] = field(
        default_factory=list
    )  # when neoadjuvant drugs were given from
    # T and N categories (mCODE TNM Observations), "t" / "n"
    staging: dict[str, list[StagingRow]] = field(default_factory=lambda: {"t": [], "n": []})

    def add(self, test: Her2Test, source: str, what: str, stated: Stated | None = None) -> None:
        self.tests.append(ImportedTest(test, source, stated))
        self.findings.append(f"{source}: {what} → her2_tests[{len(self.tests) - 1}]")


def bundle_entries(doc: Json) -> list[tuple[Json, str | None]]:
    kind = doc.get("resourceType")
    if kind == "Bundle":
        out: list[tuple[Json, str | None]] = []
        for entry in doc.get("entry") or []:
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                out.append((entry["resource"], entry.get("fullUrl")))
        return out
    return [(doc, None)]


CONTAINED_READ: Final = frozenset({"Observation", "MedicationStatement", "MedicationRequest", "Medication"})


def with_contained(
    entries: list[tuple[Json, str | None]], findings: list[str]
) -> list[tuple[Json, str | None]]:
    """The entries and, after each, the Observations and medication resources it contains (a DiagnosticReport's
    results are often contained). A contained resource is named ``Type/container-id.contained-id`` and takes the
    container's subject and status when it has none; the findings say what was read from where."""
    out: list[tuple[Json, str | None]] = []
    for res, full_url in entries:
        out.append((res, full_url))
        contained = [c for c in res.get("contained") or [] if isinstance(c, dict)]
        read = [c for c in contained if c.get("resourceType") in CONTAINED_READ]
        for inner in read:
            copy = dict(inner)
            copy["id"] = f"{res.get('id') or 'contained'}.{inner.get('id') or len(out)}"
            for key in ("subject", "status"):
                if key not in copy and key in res:
                    copy[key] = res[key]
            out.append((copy, None))
        if read:
            findings.append(
                f"{resource_name(res)}: {len(read)} contained resource(s) read "
                f"({', '.join(sorted({str(c.get('resourceType')) for c in read}))})"
            )
    return out


def paging_note(bundle: Json) -> str | None:
    """A searchset Bundle that is one page of a longer result ("next" link): the other pages are not in the input."""
    if bundle.get("resourceType") != "Bundle":
        return None
    links = [link for link in bundle.get("link") or [] if isinstance(link, dict)]
    if any(link.get("relation") == "next" for link in links):
        return (
            "the Bundle is one page of a paged search result (it has a 'next' link): resources on the other pages are "
            "not read — fetch all pages into one Bundle"
        )
    return None


def _version(res: Json) -> int | None:
    meta = res.get("meta")
    version = meta.get("versionId") if isinstance(meta, dict) else None
    return int(version) if isinstance(version, str) and version.isdigit() else None


def without_duplicates(
    entries: list[tuple[Json, str | None]], findings: list[str], inconsistencies: list[str]
) -> list[tuple[Json, str | None]]:
    """One entry per resource (Type/id): an identical copy is read once; differing copies keep the highest numeric
    meta.versionId, and without versions neither is read (an inconsistency: which is current is not known)."""
    groups: dict[str, list[tuple[Json, str | None]]] = {}
    order: list[str] = []
    for res, full_url in entries:
        key = resource_name(res) if res.get("id") else f"#{len(order)}"
        if key not in groups:
            order.append(key)
        groups.setdefault(key, []).append((res, full_url))
    out: list[tuple[Json, str | None]] = []
    for key in order:
        copies = groups[key]
        if len(copies) == 1:
            out.append(copies[0])
            continue
        # (a Patient id identifies the patient: it is not repeated)
        label = "a Patient resource" if key.startswith("Patient/") else key
        distinct = {json.dumps(r, sort_keys=True) for r, _ in copies}
        if len(distinct) == 1:
            findings.append(f"{label}: given {len(copies)} times, identical — read once")
            out.append(copies[0])
            continue
        versions = [_version(r) for r, _ in copies]
        if all(v is not None for v in versions) and len(set(versions)) == len(versions):
            latest = max(range(len(copies)), key=lambda i: versions[i] or 0)
            findings.append(
                f"{label}: {len(copies)} versions given — versionId {versions[latest]} (the highest) is read"
            )
            out.append(copies[latest])
            continue
        inconsistencies.append(
            f"{label}: given {len(copies)} times with different content and no distinct versionIds — not read "
            "(which copy is current is not known)"
        )
    return out


def build_index(entries: list[tuple[Json, str | None]]) -> dict[str, Json]:
    index: dict[str, Json] = {}
    for res, full_url in entries:
        index[resource_name(res)] = res
        if full_url:
            index[full_url] = res
    return index


def ref_key(ref: Any, index: dict[str, Json]) -> str | None:
    if not isinstance(ref, dict) or not isinstance(ref.get("reference"), str):
        return None
    text = str(ref["reference"])
    if text in index:
        return resource_name(index[text])
    parts = text.rstrip("/").split("/")
    if "_history" in parts:  # Type/id/_history/vid: a version of the same resource
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2:
        return f"{parts[-2]}/{parts[-1]}"
    return text


def subject_key(res: Json, index: dict[str, Json]) -> str | None:
    return ref_key(res.get("subject") or res.get("patient"), index)


def select_patient(
    entries: list[tuple[Json, str | None]], index: dict[str, Json], patient_id: str | None
) -> tuple[Json | None, str | None]:
    patients = [r for r, _ in entries if r.get("resourceType") == "Patient"]
    names = [resource_name(p) for p in patients]
    if patient_id is not None:
        wanted = patient_id if patient_id.startswith("Patient/") else f"Patient/{patient_id}"
        for p in patients:
            if resource_name(p) == wanted:
                return p, wanted
        known = {subject_key(r, index) for r, _ in entries}
        if wanted in known:
            return None, wanted
        raise InvalidInput(
            "patient_id",
            WITHHELD,
            f"the id of a Patient in the bundle ({_count(len(names), 'Patient resource')}; ids are not listed in "
            "errors, as they identify patients)",
        )
    if len(patients) > 1:
        raise InvalidInput(
            "Bundle",
            f"{len(patients)} Patients",
            "one patient per import; name one with patient_id (the Patient resources' ids are not listed in "
            "errors, as they identify patients)",
        )
    if patients:
        return patients[0], names[0]
    subjects = sorted(
        {s for s in (subject_key(r, index) for r, _ in entries) if s and s.startswith("Patient/")}
    )
    if len(subjects) > 1:
        raise InvalidInput(
            "Bundle",
            f"{len(subjects)} subjects",
            "one patient per import; name one with patient_id (the subjects' ids are not listed in errors, as they "
            "identify patients)",
        )
    return None, (subjects[0] if subjects else None)


def _count(n: int, what: str) -> str:
    return f"it holds {n} {what}{'' if n == 1 else 's'}"


def _primary(ctx: ImportContext, chosen: list[tuple[Json, str, str]], her2_focus: set[str]) -> None:
    """The Conditions of the current primary: those the HER2 results focus on, when they focus on one of them."""
    names = {resource_name(res) for res, _, _ in chosen}
    ctx.primary_conditions = names
    ctx.her2_conditions = names & her2_focus


def condition_site(res: Json) -> tuple[str, str] | None:
    """(tumour type, how it was read) of a Condition, from its code or body site."""
    return _site(res.get("code")) or _site(res.get("bodySite", [None])[0] if res.get("bodySite") else None)


def _site(cc: Any) -> tuple[str, str] | None:
    """(tumour type, how it was read) of a Condition code or body site."""
    for c in codings(cc):
        system = str(c.get("system", "")).lower()
        code = str(c.get("code", "")).upper()
        if "icd-10" in system or "icd10" in system or "icd-o-3" in system or "icd-o" in system:
            for prefix, tumor in C.ICD_SITES:
                if code.startswith(prefix):
                    label = "ICD-O-3" if "icd-o" in system else "ICD-10"
                    return tumor, f"{label} {code}"
        elif system.rstrip("/") == C.SNOMED and code in C.SNOMED_SITES:
            return C.SNOMED_SITES[code], f"SNOMED {code}"
    for text in concept_words(cc):
        if not _CANCER_WORDS.search(text):
            continue
        if C.SMALL_CELL.search(text):
            return None
        for pattern, tumor in C.SITE_WORDS:
            if pattern.search(text):
                return tumor, f"display {text!r}"
    return None


def meta_profiles(res: Json) -> list[str]:
    meta: Json = res["meta"] if isinstance(res.get("meta"), dict) else {}
    return [str(p) for p in meta.get("profile") or []]


def _condition_kind(res: Json) -> str:
    profiles = " ".join(meta_profiles(res)).lower()
    if "secondary-cancer-condition" in profiles or any(
        C.SECONDARY_WORDS.search(t) for t in concept_words(res.get("code"))
    ):
        return "secondary"
    if "fruehere-tumorerkrankung" in profiles:
        return "prior"
    if "primary-cancer-condition" in profiles or "primaertumor" in profiles:
        return "primary"
    return "other"


def _verification_refuted(res: Json) -> bool:
    codes = {str(c.get("code")) for c in codings(res.get("verificationStatus"))}
    return bool(codes & {"refuted", "entered-in-error"})


def read_tumor(
    ctx: ImportContext,
    conditions: list[Json],
    her2_focus: set[str],
    tumor_type: str | None,
) -> tuple[str, Literal["early", "metastatic"] | None]:
    candidates: list[tuple[Json, str, str]] = []
    fallback: list[tuple[Json, str, str]] = []
    seen: list[str] = []
    metastatic: list[str] = []
    for res in conditions:
        name = resource_name(res)
        seen.append(f"{name} {describe(res.get('code'))}")
        if _verification_refuted(res):
            ctx.ignored.append(f"{name}: verification status refuted/entered-in-error")
            continue
        kind = _condition_kind(res)
        site = _site(res.get("code")) or _site(
            res.get("bodySite", [None])[0] if res.get("bodySite") else None
        )
        if kind == "secondary":
            text = " ".join(concept_words(res.get("code")))
            if _LYMPH_NODE.search(text):
                ctx.findings.append(
                    f"{name}: secondary cancer in lymph nodes {describe(res.get('code'))} (does not set the setting)"
                )
            else:
                metastatic.append(name)
                ctx.findings.append(
                    f"{name}: distant secondary cancer {describe(res.get('code'))} → tumor.setting metastatic"
                )
            continue
        for stage in res.get("stage") or []:
            summary = stage.get("summary") if isinstance(stage, dict) else None
            values = [str(c.get("code", "")) for c in codings(summary)] + concept_words(summary)
            if any(_STAGE_IV.match(v.strip()) for v in values):
                metastatic.append(name)
                ctx.findings.append(f"{name}: stage {values[0]} → tumor.setting metastatic")
        if kind == "prior":
            label = f"{site[0]} ({site[1]})" if site else describe(res.get("code"))
            ctx.findings.append(f"{name}: prior (earlier) tumour {label} — not the current primary")
            continue
        if site is None:
            if kind == "primary":
                ctx.ignored.append(
                    f"{name}: primary cancer {describe(res.get('code'))} not mapped to a tumour type"
                )
            else:
                ctx.ignored.append(
                    f"{name}: Condition {describe(res.get('code'))} is not a cancer her2kit maps"
                )
            continue
        (candidates if kind == "primary" else fallback).append((res, site[0], site[1]))
    chosen = candidates or fallback
    setting: Literal["early", "metastatic"] | None = "metastatic" if metastatic else None
    if tumor_type is not None:
        canonical = normalise_tumor_type(tumor_type, "tumor_type")
        _primary(ctx, [c for c in chosen if c[1] == canonical], her2_focus)
        stated = {t for _, t, _ in chosen}
        note = (
            f" (the bundle's Condition says {', '.join(sorted(stated))})"
            if stated and stated != {canonical}
            else ""
        )
        ctx.findings.append(f"tumor.type {canonical} from the tumor_type argument{note}")
        return canonical, setting
    types = {t for _, t, _ in chosen}
    if len(types) > 1:
        focused = [c for c in chosen if resource_name(c[0]) in her2_focus]
        if len({t for _, t, _ in focused}) == 1:
            chosen = focused
        else:
            raise InvalidInput(
                "Condition",
                sorted(types),
                "one primary cancer per import; pass tumor_type (conditions seen: " + "; ".join(seen) + ")",
            )
    if chosen:
        _primary(ctx, chosen, her2_focus)
        res, tumor, how = chosen[0]
        ctx.findings.append(f"{resource_name(res)}: primary cancer {how} → tumor.type {tumor}")
        return tumor, setting
    if ctx.breast_only:
        ctx.findings.append(
            "tumor.type breast inferred from breast-specific HER2/ER/PR codes ("
            + ", ".join(ctx.breast_only[:3])
            + "): the input has no primary cancer Condition"
        )
        return "breast", setting
    raise InvalidInput(
        "Condition",
        "; ".join(seen) if seen else "(no Condition)",
        "a primary cancer Condition coded ICD-10/ICD-O-3 (C50 breast, C16 stomach, C15 oesophagus, C16.0 GEJ, "
        "C18-C20 colorectum, C34 lung, C22.1/C23/C24 biliary, C54 endometrium, ...) or SNOMED CT, "
        "or pass tumor_type",
    )
