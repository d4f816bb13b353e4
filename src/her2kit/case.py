"""The case: the input contract of her2kit (``schema_version`` "1").

Models are closed (``extra="forbid"``): an unknown key is an error that lists
the allowed keys, so a typo never silently drops a criterion. Values are checked
for plausibility at the boundary (a negative ratio, weight 0, an ISH ratio that
contradicts its own copy numbers), and :func:`parse_case` turns any problem into
one :class:`~her2kit.errors.InvalidInput` naming the field, the value and what
is allowed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import sys
import types
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Final, Literal, TypeVar, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from her2kit.errors import MISSING, WITHHELD, InvalidInput, Placeholder, shown
from her2kit.tnm import N_ALLOWED, T_ALLOWED, Category, parse_n, parse_stage, parse_t, same_category
from her2kit.vocab import normalise_ihc_score, normalise_tumor_type
from her2kit.yamlload import BadDate, DuplicateKey, Yaml11Number, YamlValueError, safe_load

SCHEMA_VERSION: Final = "1"

# Tolerance when checking a reported HER2/CEP17 ratio against the reported mean
# copy numbers: reports round each mean to one or two decimals, so a ratio may
# differ from HER2/CEP17 by rounding; more than this is a contradiction.
RATIO_TOLERANCE_ABS = 0.1
RATIO_TOLERANCE_REL = 0.05


# How deeply a document may nest objects and lists: a case nests 4 levels, a FHIR bundle about 10; far deeper
# is not a document her2kit reads (and would exhaust Python's recursion limit).
MAX_DEPTH: Final = 64
DATE_ALLOWED: Final = "a date written YYYY-MM-DD (ISO 8601), e.g. 2026-03-31"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@cache
def _kind(model: type[BaseModel], name: str) -> str | None:
    """What the JSON Schema promises for a field: "bool", "int", "float", "date", or None (checked by pydantic)."""
    annotation = model.model_fields[name].annotation
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return None
        annotation = args[0]
    kinds: dict[Any, str] = {bool: "bool", int: "int", float: "float", dt.date: "date"}
    return kinds.get(annotation)


# A ratio above 0 with a mean HER2 count of 0 (and no CEP17 count) would need a CEP17 count of 0: impossible data.
ZERO_HER2_ALLOWED: Final = "a mean HER2 count above 0 when a ratio above 0 is given"


class DocumentModel(BaseModel):
    """A closed model of an input document (case, course): an unknown key is an error, and a value must be of
    the kind the JSON Schema promises; nothing is converted: true is not 1, 0 and "no" are not false, "60" and
    "6e1" are not numbers, 0 is not a date (an integer is a number where a decimal is expected: 70 kg)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _exact_kinds(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                if isinstance(name, str) and name in cls.model_fields and value is not None:
                    _check_kind(_kind(cls, name), name, value)
        return data


def _check_kind(kind: str | None, name: str, value: Any) -> None:
    """Refuse a value that is not of the field's kind (see :class:`DocumentModel`)."""
    if kind == "bool":
        if not isinstance(value, bool):
            raise InvalidInput(name, value, "true or false (not a number or text)")
    elif kind in ("int", "float"):
        what = "a whole number, e.g. 2" if kind == "int" else "a number, e.g. 35 or 2.5"
        if isinstance(value, bool):
            raise InvalidInput(name, value, f"{what} (true/false is not a number)")
        if isinstance(value, str):
            raise InvalidInput(name, value, f"{what}, written without quotes (text is not a number)")
    elif kind == "date" and (
        isinstance(value, (bool, int, float))
        or (isinstance(value, str) and not _ISO_DATE.fullmatch(value.strip()))
    ):
        raise InvalidInput(name, value, DATE_ALLOWED)


class _TestBase(DocumentModel):
    date: dt.date | None = None
    specimen_id: str | None = Field(None, description="block or specimen label, e.g. A3")
    specimen_site: Literal["primary", "metastasis", "lymph-node", "unknown"] | None = None
    source: str | None = Field(None, description="where the result comes from (report, lab)")


class IhcTest(_TestBase):
    """HER2 immunohistochemistry, scored by the pathologist."""

    method: Literal["ihc"]
    score: Annotated[
        str,
        Field(
            description='"0", "ultralow" (alias ">0 <1+"), "1+", "2+" or "3+"; "0+" reads as "0" (it means 0 in older '
            'reports and HER2-ultralow in the 2026 expert consensus): give percent_cells, or "ultralow", to say which'
        ),
    ]
    percent_cells: float | None = Field(
        None, ge=0, le=100, description="percent of invasive tumour cells with membrane staining"
    )
    specimen: Literal["biopsy", "resection"] | None = None
    assay: str | None = Field(None, description="antibody or kit, e.g. PATHWAY 4B5, HercepTest")

    @field_validator("score", mode="before")
    @classmethod
    def _score(cls, value: object) -> str:
        return normalise_ihc_score(value)


class IshTest(_TestBase):
    """HER2 in situ hybridisation (FISH, SISH, CISH, DDISH)."""

    method: Literal["ish"]
    probe: Literal["dual", "single"] = "dual"
    ratio: float | None = Field(None, ge=0, le=100, description="HER2/CEP17 ratio")
    her2_copies: float | None = Field(None, ge=0, le=200, description="mean HER2 signals per cell")
    cep17_copies: float | None = Field(None, ge=0, le=100, description="mean CEP17 signals per cell")
    cells_counted: int | None = Field(None, ge=1)
    result: Literal["amplified", "not-amplified", "equivocal"] | None = Field(
        None, description="the laboratory's stated result, when the report gives no numbers"
    )
    recounted: bool = Field(False, description="counts are final after a blinded second-observer recount")
    specimen: Literal["biopsy", "resection"] | None = None
    assay: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> IshTest:
        if self.probe == "single" and (self.ratio is not None or self.cep17_copies is not None):
            name = "ratio" if self.ratio is not None else "cep17_copies"
            raise InvalidInput(
                name,
                getattr(self, name),
                "no value for a single-probe ISH (it has no CEP17 "
                "probe); give her2_copies only, or set probe to dual",
            )
        if self.her2_copies == 0 and self.ratio and self.cep17_copies is None:
            raise InvalidInput("her2_copies", 0, ZERO_HER2_ALLOWED)
        if self.cep17_copies == 0 and self.her2_copies is not None:
            raise InvalidInput("cep17_copies", 0, "a mean CEP17 count above 0 when her2_copies is given")
        if self.ratio is not None and self.her2_copies is not None and self.cep17_copies:
            computed = self.her2_copies / self.cep17_copies
            tolerance = max(RATIO_TOLERANCE_ABS, RATIO_TOLERANCE_REL * computed)
            if abs(computed - self.ratio) > tolerance:
                raise InvalidInput(
                    "ratio",
                    self.ratio,
                    f"a ratio within ±{tolerance:.2f} of her2_copies/cep17_copies = "
                    f"{self.her2_copies:g}/{self.cep17_copies:g} = {computed:.2f}",
                    hint="the ratio contradicts the copy numbers; check the report",
                )
        return self

    @property
    def effective_ratio(self) -> float | None:
        """The stated ratio, or HER2/CEP17 from the copy numbers, not rounded: 5.99/3.0 = 1.9967 is below the
        guideline's 2.0 although two decimals would show 2.00 (:attr:`ratio_rounds_across`)."""
        if self.ratio is not None:
            return self.ratio
        if self.her2_copies is not None and self.cep17_copies:
            return self.her2_copies / self.cep17_copies
        return None

    @property
    def ratio_rounds_across(self) -> bool:
        """The ratio is computed from the copy numbers and is below 2.0, but shown to two decimals it is 2.00."""
        ratio = self.effective_ratio
        return self.ratio is None and ratio is not None and ratio < 2.0 <= round(ratio, 2)


# Classes a classified ERBB2 variant can carry into a case (her2kit.genomics; loss-of-function classes never do).
MutationClass = Literal[
    "kinase-domain-activating",
    "extracellular-domain-activating",
    "transmembrane-juxtamembrane",
    "activating-other",
    "unknown-significance",
]


class NgsTest(_TestBase):
    """ERBB2 findings from next-generation sequencing."""

    method: Literal["ngs"]
    erbb2_amplified: bool | None = None
    copy_number: float | None = Field(None, ge=0, le=500)
    erbb2_mutations: list[str] = Field(
        default_factory=list, description='HGVS protein, e.g. "p.Y772_A775dup"'
    )
    erbb2_mutations_tested: bool = Field(
        True,
        description="the test could detect ERBB2 mutations (false for a copy-number-only file: no mutation "
        "result, rather than none found)",
    )
    erbb2_unplaced_variants: int = Field(
        0,
        ge=0,
        description="ERBB2 variants reported without a protein change her2kit could place (another transcript, "
        "no genome build, an unmatched allele): whether one qualifies is unknown",
    )
    erbb2_mutation_classes: dict[str, MutationClass] = Field(
        default_factory=dict,
        description="class of each mutation by its protein change, when a genomics file was classified "
        "(her2kit genomics); absent: the classification is to be confirmed",
    )
    assay: str | None = None

    @model_validator(mode="after")
    def _classes_name_mutations(self) -> NgsTest:
        unknown = sorted(set(self.erbb2_mutation_classes) - set(self.erbb2_mutations))
        if unknown:
            raise InvalidInput(
                "erbb2_mutation_classes", unknown[0], "a protein change listed in erbb2_mutations"
            )
        return self

    @field_validator("erbb2_mutations")
    @classmethod
    def _hgvs_like(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value.startswith("p.") or len(value) < 4:
                # (the value goes in the error's value, where the rule of errors.shown applies; never in its text)
                raise InvalidInput(
                    "erbb2_mutations", value, "an HGVS protein change such as p.Y772_A775dup or p.S310F"
                )
        return values


Her2Test = Annotated[IhcTest | IshTest | NgsTest, Field(discriminator="method")]


class Patient(DocumentModel):
    age: int | None = Field(None, ge=0, le=120)
    sex: Literal["female", "male", "other", "unknown"] | None = None
    weight_kg: float | None = Field(None, gt=0, le=400)
    height_cm: float | None = Field(None, gt=0, le=260)
    lvef_percent: float | None = Field(
        None, ge=5, le=90, description="latest left ventricular ejection fraction"
    )
    heart_failure_history: bool | None = None
    pregnant: bool | None = None
    ild_history: bool | None = Field(None, description="prior interstitial lung disease or pneumonitis")
    brain_metastases: Literal["none", "stable", "active"] | None = None
    hepatic_impairment: Literal["none", "mild", "moderate", "severe"] | None = None
    menopausal_status: Literal["premenopausal", "perimenopausal", "postmenopausal"] | None = Field(
        None, description="for labels that name it (e.g. lapatinib with letrozole: postmenopausal women)"
    )


class Tumor(DocumentModel):
    type: str = Field(
        description="breast, gastric, gej, esophageal, colorectal, nsclc, biliary, ... or OncoTree"
    )
    setting: Literal["early", "metastatic"] | None = None
    stage: str | None = Field(
        None,
        max_length=100,
        description='stage group ("IIA") or a TNM string ("cT2 cN1 M0", read for T and N)',
    )
    t_category: str | None = Field(
        None,
        max_length=20,
        description="T category (AJCC 8), e.g. cT2, pT1c, ypT0, T4d; prefix c, p, yc or yp",
    )
    n_category: str | None = Field(
        None,
        max_length=30,
        description="N category (AJCC 8), e.g. cN1, pN0(i+), pN1mi; prefix c, p, yc or yp",
    )
    yp_t_category: str | None = Field(
        None,
        max_length=20,
        description="T category after neoadjuvant therapy (ypT0, ypT1a), beside the clinical one",
    )
    yp_n_category: str | None = Field(
        None,
        max_length=30,
        description="N category after neoadjuvant therapy (ypN0, ypN1a), beside the clinical one",
    )
    histology: str | None = Field(None, max_length=1000, description="histology as the report words it")
    grade: Literal[1, 2, 3] | None = Field(
        None,
        description="histological grade (breast: Nottingham grade 1-3); for labels that name it (adjuvant "
        "trastuzumab: node-negative disease with grade 2 or 3)",
    )
    treatment_phase: (
        Literal["neoadjuvant", "adjuvant", "post-neoadjuvant-residual", "extended-adjuvant"] | None
    ) = Field(
        None,
        description="early disease: the decision at hand; when absent it is inferred from the history "
        "(residual disease after neoadjuvant therapy, completed adjuvant trastuzumab, ...)",
    )

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: object) -> str:
        return normalise_tumor_type(value)

    @field_validator("t_category", "yp_t_category", mode="before")
    @classmethod
    def _t_category(cls, value: object, info: ValidationInfo) -> object:
        return _category(value, info.field_name or "t_category", parse_t, T_ALLOWED)

    @field_validator("n_category", "yp_n_category", mode="before")
    @classmethod
    def _n_category(cls, value: object, info: ValidationInfo) -> object:
        return _category(value, info.field_name or "n_category", parse_n, N_ALLOWED)

    @model_validator(mode="after")
    def _tnm_agrees(self) -> Tumor:
        staged = parse_stage(self.stage) if self.stage is not None else None
        if staged is not None:
            for name, given, read in (
                ("t_category", self.t_category, staged.t),
                ("n_category", self.n_category, staged.n),
            ):
                parsed = (parse_t if name == "t_category" else parse_n)(given) if given is not None else None
                if parsed is not None and not same_category(parsed, read):
                    raise InvalidInput(
                        f"tumor.{name}",
                        given,
                        f"the category tumor.stage gives ({read}), or leave one of the two out",
                    )
            if staged.m == "M1" and self.setting == "early":
                raise InvalidInput(
                    "tumor.stage",
                    self.stage,
                    "a stage without M1 for early disease (M1 is metastatic: setting 'metastatic')",
                )
        for name, main, post in (("t", self.t, self.yp_t_category), ("n", self.n, self.yp_n_category)):
            # (post is already in its canonical spelling: the field validators wrote it)
            if post is not None and main is not None and main.after_neoadjuvant and str(main) != post:
                raise InvalidInput(
                    f"tumor.yp_{name}_category",
                    post,
                    f"the category tumor.{name}_category (or tumor.stage) already gives after neoadjuvant therapy "
                    f"({main}), or give the category before treatment (c) there and this one here",
                )
        return self

    @property
    def t(self) -> Category | None:
        """The T category as given in t_category or a TNM string in stage (any prefix)."""
        return self._given("t")

    @property
    def n(self) -> Category | None:
        """The N category as given in n_category or a TNM string in stage (any prefix)."""
        return self._given("n")

    def _given(self, which: Literal["t", "n"]) -> Category | None:
        field = self.t_category if which == "t" else self.n_category
        if field is not None:
            return (parse_t if which == "t" else parse_n)(field)
        staged = parse_stage(self.stage) if self.stage is not None else None
        return (staged.t if which == "t" else staged.n) if staged else None

    @property
    def pre_treatment(self) -> tuple[Category | None, Category | None]:
        """(T, N) before any neoadjuvant therapy: the given categories unless they carry a y prefix."""
        t, n = self.t, self.n
        return (
            None if t is None or t.after_neoadjuvant else t,
            None if n is None or n.after_neoadjuvant else n,
        )

    @property
    def post_neoadjuvant(self) -> tuple[Category | None, Category | None]:
        """(T, N) after neoadjuvant therapy: yp_t_category / yp_n_category, or y-prefixed given categories."""
        t, n = self.t, self.n
        return (
            parse_t(self.yp_t_category) if self.yp_t_category else (t if t and t.after_neoadjuvant else None),
            parse_n(self.yp_n_category) if self.yp_n_category else (n if n and n.after_neoadjuvant else None),
        )

    @model_validator(mode="after")
    def _phase_needs_early(self) -> Tumor:
        if self.treatment_phase is not None and self.setting == "metastatic":
            raise InvalidInput(
                "treatment_phase",
                self.treatment_phase,
                "no treatment_phase for metastatic disease (it is for early "
                "disease: neoadjuvant, adjuvant, post-neoadjuvant-residual, extended-adjuvant)",
            )
        return self


class Biomarkers(DocumentModel):
    er: Literal["positive", "low", "negative"] | None = None
    er_percent: float | None = Field(None, ge=0, le=100)
    pr: Literal["positive", "negative"] | None = None
    pr_percent: float | None = Field(None, ge=0, le=100)
    pd_l1_cps: float | None = Field(None, ge=0, le=100, description="PD-L1 combined positive score")
    ras: Literal["wild-type", "mutant"] | None = None
    braf: Literal["wild-type", "v600e", "other-mutant"] | None = None
    other: dict[str, str] = Field(default_factory=dict, description="other named markers, e.g. MSI: MSS")

    @property
    def hormone_receptor(self) -> Literal["positive", "negative"] | None:
        """HR-positive if ER or PR is positive (ER-low counts as positive, as labels do)."""
        if self.er in ("positive", "low") or self.pr == "positive":
            return "positive"
        if self.er == "negative" and self.pr == "negative":
            return "negative"
        return None


class Therapy(DocumentModel):
    agents: list[str] = Field(min_length=1, description="INN, brand or abbreviation (e.g. T-DM1)")
    setting: Literal["neoadjuvant", "adjuvant", "metastatic"]
    line: int | None = Field(None, ge=1, le=20)
    outcome: (
        Literal["progression", "completed", "intolerance", "residual_disease", "pcr", "ongoing"] | None
    ) = None
    start: dt.date | None = None
    end: dt.date | None = None
    intolerance_type: Literal["infusion-related-reaction", "hypersensitivity", "other"] | None = Field(
        None, description="with outcome intolerance: what kind (some labels depend on it)"
    )

    @field_validator("agents")
    @classmethod
    def _lower(cls, values: list[str]) -> list[str]:
        out = [" ".join(v.lower().split()) for v in values]
        if any(not re.search(r"[a-z0-9]", v) for v in out):
            raise ValueError("each agent is a drug name with a letter or a digit (an empty name was given)")
        return out

    @model_validator(mode="after")
    def _dates(self) -> Therapy:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.intolerance_type is not None and self.outcome != "intolerance":
            raise ValueError("intolerance_type goes with outcome intolerance")
        return self


class History(DocumentModel):
    therapies: list[Therapy] = Field(
        default_factory=list,
        description="in the order given (oldest first); early-setting phases read the last",
    )
    endocrine_therapy_progressed: bool | None = Field(
        None, description="the disease progressed on endocrine therapy in the metastatic setting"
    )
    lines_of_chemotherapy_metastatic: int | None = Field(None, ge=0, le=20)
    recurrence_date: dt.date | None = Field(
        None,
        description="date the recurrence (metastatic or unresectable disease) was diagnosed after (neo)adjuvant "
        "therapy; with the therapies' end dates it tells whether it came within 6 months of completing them",
    )


class Case(DocumentModel):
    """One patient's case as her2kit reads it."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    id: str = Field(min_length=1, max_length=200)
    patient: Patient = Field(default_factory=Patient)
    tumor: Tumor
    her2_tests: list[Her2Test] = Field(default_factory=list)
    biomarkers: Biomarkers = Field(default_factory=Biomarkers)
    history: History = Field(default_factory=History)
    medications: list[Annotated[str, Field(max_length=300)]] = Field(
        default_factory=list, description="current concomitant medications"
    )


def _category(value: object, name: str, parse: Callable[[str], Category | None], allowed: str) -> str | None:
    """A T or N category in its canonical spelling; the yp_ fields take the yp prefix when none is written."""
    if value is None:
        return None
    parsed = parse(value) if isinstance(value, str) else None
    post = name.startswith("yp_")
    if parsed is not None and post and parsed.prefix is None:
        parsed = Category("yp", parsed.code)
    if parsed is None or (post and not parsed.after_neoadjuvant):
        wanted = f"{allowed}, after neoadjuvant therapy: prefix yp or yc" if post else allowed
        raise InvalidInput(f"tumor.{name}", value, wanted)
    return str(parsed)


def _allowed_from(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", ""))
    if err.get("type") == "extra_forbidden":
        return "a known key (this key is not part of the contract)"
    if err.get("type") == "missing":
        return "a value (this field is required)"
    if str(err.get("type", "")).startswith(("date_", "datetime_")):
        return DATE_ALLOWED
    for prefix in ("Input should be ", "Value error, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
            break
    value = err.get("input")
    if isinstance(value, float) and not math.isfinite(value):  # NaN fails every bound: say what it is not
        return f"a finite number (not NaN or infinity), {msg}"
    return msg


def invalid_input_from(exc: ValidationError, root: str = "") -> InvalidInput:
    """The first pydantic error as an :class:`InvalidInput` naming field, value and what is allowed."""
    return invalid_input_from_error(exc.errors()[0], root)


def _plain_error(err: Mapping[str, Any]) -> dict[str, Any]:
    """A pydantic error whose message would repeat the input, rewritten: a tagged union's unknown tag ("Input tag
    'Jane Q Smith' found using 'method' does not match any of the expected tags: 'ihc', …") becomes an error on
    the tag's own field listing the expected tags."""
    error = dict(err)
    ctx = error.get("ctx") or {}
    if error.get("type") == "union_tag_invalid" and "tag" in ctx:
        key = str(ctx.get("discriminator", "")).strip("'\"")
        return {
            "type": "literal_error",
            "loc": (*tuple(error.get("loc") or ()), key),
            "input": ctx["tag"],
            "msg": f"Input should be {ctx.get('expected_tags', '')}",
        }
    return error


def _known_key(key: str) -> bool:
    """Whether ``key`` names a field of a document model (a case's, a course's): a known key in the wrong place is
    her2kit's word, not the user's, and is named whatever its length."""
    stack: list[type[BaseModel]] = [DocumentModel]
    while stack:
        model = stack.pop()
        if key in model.model_fields:
            return True
        stack.extend(model.__subclasses__())
    return False


def invalid_input_from_error(err: Mapping[str, Any], root: str = "") -> InvalidInput:
    """One pydantic error (a dict of ``ExceptionError``) as an :class:`InvalidInput`; used by the CLI, the Python
    API (:func:`parse_case`, :func:`load_case`) and the REST API alike.

    The error repeats nothing of the input that :func:`her2kit.errors.shown` would not show: its value is withheld
    unless short and code-like (:meth:`InvalidInput.redacted`); a tagged union's unknown tag (a name given as
    ``her2_tests[].method``), which pydantic's message quotes, is an error on the tag's own field listing the
    expected tags; and an unknown key that is free text is not named (the error is on the object holding it)."""
    err = _plain_error(err)
    loc = [str(p) for p in err.get("loc", ()) if not (isinstance(p, str) and p in ("ihc", "ish", "ngs"))]
    field = ".".join(([root] if root else []) + loc) or root or "(document)"
    ctx = err.get("ctx") or {}
    original = ctx.get("error")
    if isinstance(original, InvalidInput):
        if not loc or original.field.startswith(".".join(loc) + "."):
            field = ".".join(([root] if root else []) + [original.field])
        elif original.field != loc[-1] and not original.field.startswith(("tumor", "--")):
            field = f"{field}.{original.field}"
        return InvalidInput(field, original.value, original.allowed, hint=original.hint).redacted()
    value = err.get("input")
    if err.get("type") == "extra_forbidden" and loc:
        value = loc[-1]
        if shown(value) is WITHHELD and not _known_key(value):
            holder = ".".join(([root] if root else []) + loc[:-1]) or "(document)"
            return InvalidInput(
                holder,
                WITHHELD,
                _allowed_from(err),
                hint="it holds an unknown key, whose name is not repeated",
            )
    if err.get("type") == "missing":
        return InvalidInput(field, MISSING, "a value: this field is required")
    return InvalidInput(field, value, _allowed_from(err)).redacted()


M = TypeVar("M", bound=BaseModel)


def validate_document(model: type[M], data: Any, what: str) -> M:
    """Validate a decoded document as ``model``; any problem becomes one :class:`InvalidInput`."""
    if not isinstance(data, dict):
        raise InvalidInput("(document)", type(data).__name__, f"a JSON object describing {what}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input_from(exc) from None


def read_document(path: str | Path, what: str) -> Any:
    """Read and decode a JSON (or YAML) file, with errors naming the file and the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # (a byte-order mark is not part of the JSON)
    except OSError as exc:
        raise InvalidInput(f"{what} file", path, "a readable file", hint=exc.strerror) from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{what} file", path, "UTF-8 encoded JSON or YAML", hint=f"byte {exc.start + 1} is not UTF-8"
        ) from None
    return decode_document(text, path.name)


def parse_case(data: Any) -> Case:
    """Validate a decoded JSON document as a :class:`Case`."""
    return validate_document(Case, data, "one case")


def load_case(path: str | Path) -> Case:
    """Read a case from a JSON (or YAML) file."""
    return parse_case(read_document(path, "case"))


class KeyGivenTwice(dict[str, Any]):
    """A decoded JSON object in which ``key`` is given twice (see :func:`unique_keys`)."""

    key: str = ""


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A ``json.loads`` object hook that marks an object with a key given twice (a :class:`KeyGivenTwice`) instead
    of keeping the last value, so that the reader can name it: which value is meant is unknown."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            marked = KeyGivenTwice(pairs)
            marked.key = key
            return marked
        obj[key] = value
    return obj


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def _document_problem(data: Any, name: str, *, nesting: bool = True) -> InvalidInput | None:
    """One walk of a decoded document: nesting deeper than :data:`MAX_DEPTH` (first), else the first key given twice
    (JSON), else the first string holding a lone UTF-16 surrogate (JSON ``"\\ud800"`` without its low half: not a
    Unicode character, and not writable as UTF-8); None when there is none. Walked without recursion."""
    twice: tuple[str, str] | None = None
    surrogate: str | None = None
    stack: list[tuple[Any, list[str], int]] = [(data, [], 1)]
    while stack:
        value, path, level = stack.pop()
        if isinstance(value, str):
            if surrogate is None and _has_surrogate(value):
                surrogate = ".".join(path) or "(document)"
            continue
        if isinstance(value, dict):
            if twice is None and isinstance(value, KeyGivenTwice):
                twice = (".".join(path), value.key)
            if surrogate is None and any(isinstance(k, str) and _has_surrogate(k) for k in value):
                surrogate = ".".join(path) or "(document)"
            children = [(child, [*path, str(key)]) for key, child in value.items()]
        elif isinstance(value, list):
            children = [(child, [*path, str(index)]) for index, child in enumerate(value)]
        else:
            continue
        if nesting and level > MAX_DEPTH:
            return _nested_too_deeply(name)
        stack.extend((child, where, level + 1) for child, where in reversed(children))
    if twice is not None:
        return _given_twice(*twice)
    return None if surrogate is None else lone_surrogate_error(surrogate)


def _nested_too_deeply(name: str) -> InvalidInput:
    return InvalidInput(
        name,
        Placeholder("(nesting)"),
        f"objects and lists nested at most {MAX_DEPTH} levels deep",
        hint="the document is nested too deeply",
    )


def _given_twice(parent: str, key: str, where: str = "") -> InvalidInput:
    """The error about ``key`` given twice in the object at ``parent``; a key that is free text (not a known key,
    and not shown by :func:`her2kit.errors.shown`) is not named: the error is on the object holding it."""
    if shown(key) is WITHHELD and not _known_key(key):
        return InvalidInput(
            parent or "(document)",
            WITHHELD,
            "each key once in an object",
            hint=f"it holds a key given twice{where}, whose name is not repeated; which value is meant is unknown",
        )
    return InvalidInput(
        f"{parent}.{key}" if parent else key,
        key,
        "each key once in an object",
        hint=f"this key is given twice{where}; which value is meant is unknown",
    )


def lone_surrogate_error(field: str) -> InvalidInput:
    return InvalidInput(
        field,
        WITHHELD,
        "text of Unicode characters (a lone UTF-16 surrogate escape such as \\ud800 is not one)",
    )


def json_body_problem(text: str | bytes) -> InvalidInput | None:
    """For readers that decode JSON themselves (the REST API's request bodies): the error for a key given twice, a
    lone surrogate, nesting deeper than :data:`MAX_DEPTH` or a whole number too long to read, or None; also None
    for a text that is not JSON (its reader reports that, with the position)."""
    try:
        data = json.loads(text, object_pairs_hook=unique_keys)
    except RecursionError:
        return _nested_too_deeply("(body)")
    except ValueError as exc:
        if "digits" in str(exc):  # (Python refuses whole numbers longer than sys.get_int_max_str_digits())
            return InvalidInput(
                "(body)",
                Placeholder("(a number)"),
                f"numbers of at most {sys.get_int_max_str_digits():,} digits",
                hint="a number is too long to read",
            )
        return None
    return _document_problem(data, "(body)")


def decode_document(text: str, name: str = "input") -> Any:
    """Decode JSON (or YAML for .yaml/.yml names) with an error naming the line; a key given twice, an impossible
    YAML date, a YAML 1.1 number, a lone surrogate or nesting deeper than :data:`MAX_DEPTH` is an
    :class:`InvalidInput` naming where."""
    if name.endswith((".yaml", ".yml")):
        import yaml

        try:
            data = safe_load(text)
        except DuplicateKey as exc:
            parent = exc.path.removesuffix(exc.key).removesuffix(".")  # (the key's path ends with the key)
            raise _given_twice(parent, exc.key, f" (line {exc.line})") from None
        except BadDate as exc:
            raise InvalidInput(
                exc.path or "(document)",
                exc.text,
                "a real date written YYYY-MM-DD (ISO 8601), e.g. 2026-03-31",
                hint=f"line {exc.line}: this day is not in the calendar",
            ) from None
        except Yaml11Number as exc:
            allowed = (
                "true or false (yes, no, on and off are not read as true or false)"
                if exc.boolean
                else "a number as JSON writes it (12, 2.5); quote it if text is meant"
            )
            raise InvalidInput(
                exc.path or "(document)", exc.text, allowed, hint=f"line {exc.line}: {exc.problem}"
            ) from None
        except YamlValueError as exc:  # (a subclass not handled above)
            raise InvalidInput(name, Placeholder("(YAML)"), "well-formed YAML", hint=exc.problem) from None
        except RecursionError:
            raise _nested_too_deeply(name) from None
        except yaml.YAMLError as exc:
            raise InvalidInput(
                name, Placeholder("(YAML)"), "well-formed YAML", hint=str(exc).splitlines()[0]
            ) from None
    else:
        try:
            data = json.loads(text, object_pairs_hook=unique_keys)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                name,
                Placeholder("(JSON)"),
                "well-formed JSON",
                hint=f"{exc.msg} at line {exc.lineno} column {exc.colno}",
            ) from None
        except RecursionError:
            raise _nested_too_deeply(name) from None
    problem = _document_problem(data, name)
    if problem is not None:
        raise problem
    return data
