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
from her2kit.interop.fhir_values import Stated, codings, concept_words, describe_code, icd_code, icd_system
from her2kit.interop.r4b import CONTAINER, CONTENTS, LOCAL_NAME, Json, resource_name
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
    # Observations that use breast-specific codes or an MII mamma profile (note_breast_only): each with its note, so
    # that one found to be about another Condition withdraws its own note (withdraw_breast_only), whatever its name
    breast_only: list[tuple[Json, str]] = field(default_factory=list)
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
    # what an Observation's focus Condition is (off_primary_focus), read once per Condition of the input
    focus_conditions: dict[str, FocusCondition] = field(default_factory=dict)

    def add(self, test: Her2Test, source: str, what: str, stated: Stated | None = None) -> None:
        self.tests.append(ImportedTest(test, source, stated))
        self.findings.append(f"{source}: {what} → her2_tests[{len(self.tests) - 1}]")

    def breast_only_notes(self) -> list[str]:
        """The notes of the Observations read that use breast-specific codes or profiles, in input order."""
        return [note for _, note in self.breast_only]

    def withdraw_breast_only(self, obs: Json) -> None:
        """Withdraw the note of this Observation (the resource itself: two Observations may share a name)."""
        self.breast_only[:] = [(res, note) for res, note in self.breast_only if res is not obs]


def bundle_entries(doc: Json) -> list[tuple[Json, str | None]]:
    """The resources of a Bundle (or the one resource) with their fullUrl. A resource without a logical id is named
    by its fullUrl (a transaction's ``urn:uuid:...``: references in the Bundle name it so), on a copy."""
    kind = doc.get("resourceType")
    if kind == "Bundle":
        out: list[tuple[Json, str | None]] = []
        for entry in doc.get("entry") or []:
            if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
                res, full_url = entry["resource"], entry.get("fullUrl")
                if not res.get("id") and isinstance(full_url, str) and full_url:
                    res = {**res, LOCAL_NAME: full_url}
                out.append((res, full_url))
        return out
    return [(doc, None)]


def named(res: Json) -> bool:
    """Whether a resource has a name of its own (a logical id, a fullUrl, a container's), not its type alone."""
    return bool(res.get("id")) or LOCAL_NAME in res


CONTAINED_READ: Final = frozenset({"Observation", "MedicationStatement", "MedicationRequest", "Medication"})
# A container with one of these statuses is retracted (or was never done), and so is what it contains, whatever status
# a contained resource states (R4: entered-in-error "should not have existed"; cancelled "is unavailable because the
# ... was cancelled").
RETRACTED: Final = frozenset({"entered-in-error", "cancelled"})


def with_contained(
    entries: list[tuple[Json, str | None]], findings: list[str], ignored: list[str]
) -> list[tuple[Json, str | None]]:
    """The entries and, after each, the Observations and medication resources it contains (a DiagnosticReport's
    results are often contained). A contained resource is named ``Container/id#contained-id`` (the container's name
    and the local reference; a Patient's contents ``Patient#contained-id``, without the Patient's id) and takes the
    container's subject and status when it has none; the findings say what was read from where. A retracted
    container (entered-in-error, cancelled) retracts its contents: none is read."""
    out: list[tuple[Json, str | None]] = []
    patients = sum(1 for res, _ in entries if res.get("resourceType") == "Patient")
    seen_patients = 0
    for res, full_url in entries:
        contained = [c for c in res.get("contained") or [] if isinstance(c, dict)]
        read = [c for c in contained if c.get("resourceType") in CONTAINED_READ]
        kinds = ", ".join(sorted({str(c.get("resourceType")) for c in read}))
        container = resource_name(res)
        if res.get("resourceType") == "Patient":
            # A Patient's id is a patient identifier: its contents are named "Patient#x" ("Patient 2#x" for the
            # second Patient of the input), never by the id; the Patient (a copy) keeps the prefix for its own "#x".
            seen_patients += 1
            container = "Patient" if patients == 1 else f"Patient {seen_patients}"
            if read:
                res = {**res, CONTENTS: container}
        out.append((res, full_url))
        if read and res.get("status") in RETRACTED:
            ignored.append(
                f"{container}: status {res['status']} — its {len(read)} contained resource(s) ({kinds}) not "
                "read, whatever status they state (a retracted container retracts its contents)"
            )
            continue
        for inner in read:
            copy = dict(inner)
            copy[LOCAL_NAME] = f"{container}#{inner.get('id') or len(out)}"
            copy[CONTAINER] = resource_name(res)
            for key in ("subject", "status"):
                if key not in copy and key in res:
                    copy[key] = res[key]
            out.append((copy, None))
        if read:
            findings.append(f"{container}: {len(read)} contained resource(s) read ({kinds})")
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
        key = resource_name(res) if named(res) else f"#{len(order)}"
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
        label = "a Patient resource" if copies[0][0].get("resourceType") == "Patient" else key
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


def ref_key(ref: Any, index: dict[str, Json], holder: Json) -> str | None:
    """The name of the resource a Reference names, as the index knows it (or as written, when not in the input).

    ``holder`` is the resource the Reference is in: a local reference is resolved within its container (FHIR R4,
    Resource.contained), "#x" to the resource x contained beside or in ``holder`` (``Container/id#x``), and "#" in a
    contained resource to its container. A local reference that resolves to nothing is kept as written ("#x")."""
    if not isinstance(ref, dict) or not isinstance(ref.get("reference"), str):
        return None
    text = str(ref["reference"])
    if text.startswith("#"):
        if text == "#":  # in a contained resource: its container
            local = str(holder.get(CONTAINER, text))
        elif (
            CONTAINER in holder
        ):  # beside holder in its container: named with holder's prefix ("Container/id#x")
            local = resource_name(holder).partition("#")[0] + text
        else:  # contained in holder
            local = str(holder.get(CONTENTS) or resource_name(holder)) + text
        return resource_name(index[local]) if local in index else text
    if text in index:
        return resource_name(index[text])
    parts = text.rstrip("/").split("/")
    if "_history" in parts:  # Type/id/_history/vid: a version of the same resource
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2:
        return f"{parts[-2]}/{parts[-1]}"
    return text


def subject_key(res: Json, index: dict[str, Json]) -> str | None:
    return ref_key(res.get("subject") or res.get("patient"), index, res)


def select_patient(
    entries: list[tuple[Json, str | None]], index: dict[str, Json], patient_id: str | None
) -> tuple[Json | None, str | None]:
    patients = [r for r, _ in entries if r.get("resourceType") == "Patient"]
    names = [resource_name(p) for p in patients]
    if patient_id is not None:
        # the id, Patient/id, or the fullUrl of a Patient without an id
        wanted = [patient_id if patient_id.startswith("Patient/") else f"Patient/{patient_id}", patient_id]
        for name in wanted:
            for p in patients:
                if resource_name(p) == name:
                    return p, name
        known = {subject_key(r, index) for r, _ in entries}
        for name in wanted:
            if name in known:
                return None, name
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
    """(tumour type, how it was read) of a Condition code or body site. ICD codes are read dotted ("C160" is C16.0,
    the cardia); a site read from a display or text is named by the site word alone (the text may hold names)."""
    for c in codings(cc):
        system = str(c.get("system", ""))
        code = str(c.get("code", "")).upper()
        icd = icd_system(system)
        if icd is not None:
            dotted = icd_code(code)
            for prefix, tumor in C.ICD_SITES:
                if dotted.startswith(prefix):
                    return tumor, f"{icd} {dotted}"
        elif system.rstrip("/") == C.SNOMED and code in C.SNOMED_SITES:
            return C.SNOMED_SITES[code], f"SNOMED {code}"
    for text in concept_words(cc):
        if not _CANCER_WORDS.search(text):
            continue
        if C.SMALL_CELL.search(text):
            return None
        for pattern, tumor in C.SITE_WORDS:
            if (m := pattern.search(text)) is not None:
                return tumor, f"text naming {m.group(0).lower()!r}"
    return None


def meta_profiles(res: Json) -> list[str]:
    meta: Json = res["meta"] if isinstance(res.get("meta"), dict) else {}
    return [str(p) for p in meta.get("profile") or []]


ConditionKind = Literal["secondary", "prior", "primary", "other"]


def _icd10_codes(cc: Any) -> list[str]:
    return [icd_code(c.get("code")) for c in codings(cc) if icd_system(c.get("system")) == "ICD-10"]


def _icd10_secondary(code: str) -> bool:
    return code[:3] in C.ICD10_SECONDARY


def _icd10_primary_site(code: str) -> bool:
    """C00-C76 and C80 (WHO ICD-10 chapter II): a malignant neoplasm of a site, stated or presumed primary."""
    if not (code[:1] == "C" and code[1:3].isdigit()):
        return False
    block = int(code[1:3])
    return block <= 76 or block == 80


def _says_secondary(cc: Any) -> bool:
    """The display or text speaks of a secondary or metastatic cancer, not negated ("non-metastatic")."""
    return any(C.SECONDARY_WORDS.search(t) and not C.NOT_SECONDARY_WORDS.search(t) for t in concept_words(cc))


def condition_kind(res: Json) -> ConditionKind:
    """Secondary, prior, primary or other: the profile decides first (an mCODE PrimaryCancerCondition named
    "Metastatic gastric adenocarcinoma" is a primary), then an ICD-10 code (C77-C79 secondary; C00-C76 and C80 a
    primary site, whatever the wording), SNOMED 128462008, and only then the wording of the display or text."""
    profiles = " ".join(meta_profiles(res)).lower()
    if "secondary-cancer-condition" in profiles:
        return "secondary"
    if "fruehere-tumorerkrankung" in profiles:
        return "prior"
    if "primary-cancer-condition" in profiles or "primaertumor" in profiles:
        return "primary"
    cc = res.get("code")
    icd10 = _icd10_codes(cc)
    if any(_icd10_secondary(code) for code in icd10):
        return "secondary"
    if any(_icd10_primary_site(code) for code in icd10):
        return "other"
    if any(
        str(c.get("system", "")).rstrip("/") == C.SNOMED and str(c.get("code")) == C.SNOMED_SECONDARY
        for c in codings(cc)
    ):
        return "secondary"
    return "secondary" if _says_secondary(cc) else "other"


def _related_primary(res: Json, index: dict[str, Json]) -> str | None:
    """The primary cancer Condition a secondary one names (mCODE STU1 extension mcode-related-primary-cancer-condition;
    STU2 and later: the core extension condition-related)."""
    for ext in res.get("extension") or []:
        if not isinstance(ext, dict):
            continue
        url = str(ext.get("url", ""))
        if url.endswith(("mcode-related-primary-cancer-condition", "condition-related")):
            key = ref_key(ext.get("valueReference"), index, res)
            if key is not None:
                return key
    return None


@dataclass(frozen=True)
class FocusCondition:
    """A Condition as :func:`off_primary_focus` reads it: its kind and, a secondary one, the primary it names, any
    other, its site."""

    kind: ConditionKind
    site: tuple[str, str] | None  # (not read for a secondary one)
    related: str | None  # (a secondary one only)


def _focus_condition(ctx: ImportContext, key: str, cond: Json) -> FocusCondition:
    """The kind, site and related primary of the Condition ``key`` of the input, read on first use and kept in
    ``ctx`` (every Observation focused on it asks again)."""
    read = ctx.focus_conditions.get(key)
    if read is None:
        kind = condition_kind(cond)
        if kind == "secondary":
            read = FocusCondition(kind, None, _related_primary(cond, ctx.index))
        else:
            read = FocusCondition(kind, condition_site(cond), None)
        ctx.focus_conditions[key] = read
    return read


def off_primary_focus(ctx: ImportContext, res: Json, tumor: str) -> str | None:
    """The Condition an Observation is about (``Observation.focus``) when that is not the primary read — another
    cancer, an earlier one (a resolved Condition, an MII "frühere Tumorerkrankung"), a metastasis of another primary,
    a Condition not in the input — named by reference and code; None when it is about the primary, about a
    metastasis, or names no Condition. As for the staging (``_staging_rows``), a focus on a Condition of another site
    is off the primary even when no primary Condition was read."""
    focus = [k for k in (ref_key(f, ctx.index, res) for f in res.get("focus") or []) if k]
    conditions = [
        k
        for k in focus
        if (ctx.index.get(k) or {}).get("resourceType") == "Condition"
        or (k not in ctx.index and k.startswith("Condition/"))
    ]
    if not conditions or any(k in ctx.primary_conditions for k in conditions):
        return None
    for key in conditions:
        cond = ctx.index.get(key)
        if cond is None:
            if ctx.primary_conditions:
                return f"{key} (not in the input)"
            continue
        read = _focus_condition(ctx, key, cond)
        kind, site, related = read.kind, read.site, read.related
        if kind == "secondary":
            if related is None or not ctx.primary_conditions or related in ctx.primary_conditions:
                continue  # a metastasis of the primary
            return f"{key} (a secondary cancer of {related})"
        if kind == "prior" or ctx.primary_conditions or (site is not None and site[0] != tumor):
            what = (
                "a prior tumour"
                if kind == "prior"
                else f"{site[0]}, {site[1]}"
                if site
                else describe_code(cond.get("code"))
            )
            return f"{key} ({what})"
    return None


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
        code = describe_code(res.get("code"))  # (by system and code only: a display or text may hold names)
        seen.append(f"{name} {code}")
        if _verification_refuted(res):
            ctx.ignored.append(f"{name}: verification status refuted/entered-in-error")
            continue
        kind = condition_kind(res)
        site = condition_site(res)
        icd10 = _icd10_codes(res.get("code"))
        if kind == "secondary":
            text = " ".join(concept_words(res.get("code")))
            if _LYMPH_NODE.search(text) or any(c.startswith(C.ICD10_SECONDARY_LYMPH) for c in icd10):
                ctx.findings.append(
                    f"{name}: secondary cancer in lymph nodes {code} (does not set the setting)"
                )
            else:
                metastatic.append(name)
                ctx.findings.append(f"{name}: distant secondary cancer {code} → tumor.setting metastatic")
            continue
        if kind == "primary" and any(_icd10_secondary(c) for c in icd10):
            ctx.inconsistencies.append(
                f"{name}: a primary cancer profile with {code}, an ICD-10 secondary neoplasm code — read as the "
                "profile says; check the coding"
            )
        for stage in res.get("stage") or []:
            summary = stage.get("summary") if isinstance(stage, dict) else None
            values = [str(c.get("code", "")) for c in codings(summary)] + concept_words(summary)
            stage_iv = next((v.strip() for v in values if _STAGE_IV.match(v.strip())), None)
            if stage_iv is not None:
                metastatic.append(name)
                ctx.findings.append(f"{name}: stage {stage_iv} → tumor.setting metastatic")
        if kind == "prior":
            label = f"{site[0]} ({site[1]})" if site else code
            ctx.findings.append(f"{name}: prior (earlier) tumour {label} — not the current primary")
            continue
        if site is None:
            if kind == "primary":
                ctx.ignored.append(f"{name}: primary cancer {code} not mapped to a tumour type")
            else:
                ctx.ignored.append(f"{name}: Condition {code} is not a cancer her2kit maps")
            continue
        if _says_secondary(res.get("code")):
            ctx.findings.append(
                f"{name}: {'a primary cancer (profile)' if kind == 'primary' else f'{code}, a primary site,'} whose "
                "display or text speaks of metastasis — tumor.setting is not set from wording (give stage IV in "
                "Condition.stage, or an mCODE SecondaryCancerCondition)"
            )
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
        for other, other_type, other_how in fallback if candidates else []:
            ctx.findings.append(
                f"{resource_name(other)}: {other_how} ({other_type}) — not the primary cancer read (a primary "
                "cancer Condition by profile is given); results that do not name their Condition (Observation.focus) "
                "are read as the primary's"
            )
        return tumor, setting
    if ctx.breast_only:
        ctx.findings.append(
            "tumor.type breast inferred from breast-specific HER2/ER/PR codes ("
            + ", ".join(ctx.breast_only_notes()[:3])
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
