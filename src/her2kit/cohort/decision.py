"""The decision table: what every decision key gets, computed once per process by the status engine.

A structured registry row is reduced to a *decision key* — tumour type × setting × IHC score × ISH state ×
hormone receptor (:data:`ERROR_KEY` for a bad row). For each key the table holds the HER2 result, category,
ISH group, the indications whose biomarker-level criteria are met and the reasons, found by calling
:func:`her2kit.status.interpret_her2` on a representative single IHC + dual-probe ISH and by evaluating the
compiled indication criteria (:mod:`her2kit.cohort.eligibility`). The guideline modules stay the single
source of truth; the kernel (:mod:`her2kit.cohort.kernel`) only decides which key a row has.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any, Final

import numpy as np
import polars as pl
import pyarrow as pa

from her2kit.case import IhcTest, IshTest
from her2kit.cohort import columns as cols
from her2kit.cohort import compiled
from her2kit.cohort.arrow import int32_array, string_array
from her2kit.cohort.eligibility import applies_to, compiled_indications, eligible_expr
from her2kit.errors import Her2kitError
from her2kit.status import interpret_her2
from her2kit.status.breast import RATIO_POSITIVE
from her2kit.vocab import IHC_SCORES, TUMOR_TYPES

# --------------------------------------------------------------------------- codes of the decision key
SETTINGS: Final[tuple[str | None, ...]] = (None, "early", "metastatic")
IHC_CODES: Final[tuple[str | None, ...]] = (None, *IHC_SCORES)  # None, 0, ultralow, 1+, 2+, 3+
HR_ER_NEGATIVE_ONLY: Final = "unknown (ER negative, PR not given)"
HR_PR_NEGATIVE_ONLY: Final = "unknown (PR negative, ER not given)"
HR_UNKNOWN_REASONS: Final[dict[str | None, str]] = {
    None: cols.HR_NOT_GIVEN,
    HR_ER_NEGATIVE_ONLY: cols.HR_PR_MISSING,
    HR_PR_NEGATIVE_ONLY: cols.HR_ER_MISSING,
}
# Hormone-receptor status: not given, positive (ER positive or low, or PR positive), negative (both negative), or
# unknown because one receptor is negative and the other is not given (HR-positive indications are not met).
HR_CODES: Final[tuple[str | None, ...]] = (
    None,
    "positive",
    "negative",
    HR_ER_NEGATIVE_ONLY,
    HR_PR_NEGATIVE_ONLY,
)
# ISH states: what the guideline modules can distinguish for one dual-probe ISH without a stated result.
ISH_STATES: Final[tuple[str, ...]] = (
    "none",  # no ISH value at all
    "no-ratio",  # some ISH value, but no ratio and no HER2/CEP17 pair to compute one
    "ratio-only-amplified",  # ratio ≥ 2.0, mean HER2 copies not given
    "ratio-only-not-amplified",  # ratio < 2.0, mean HER2 copies not given
    "group1",
    "group2",
    "group3",
    "group4",
    "group5",
)
N_TUMOR, N_SETTING, N_IHC, N_ISH, N_HR = (
    len(TUMOR_TYPES),
    len(SETTINGS),
    len(IHC_CODES),
    len(ISH_STATES),
    len(HR_CODES),
)

# The last row of the decision table: a bad row (null result, no eligibility, no reasons).
ERROR_KEY: Final = N_TUMOR * N_SETTING * N_IHC * N_ISH * N_HR

# The dual-probe cut-offs are the breast guideline's own (ASCO/CAP 2018/2023); the gastroesophageal and other
# solid-tumour modules decide on the same ratio of 2.0, and the differential test holds the kernel to all three.
RATIO_THRESHOLD: Final = RATIO_POSITIVE


def case_bounds(field: str) -> tuple[float, float]:
    """(ge, le) of an :class:`her2kit.case.IshTest` field: the cohort validates ISH values as the case model does."""
    found = {
        name: float(value)
        for constraint in IshTest.model_fields[field].metadata
        for name in ("ge", "le")
        if (value := getattr(constraint, name, None)) is not None
    }
    return found["ge"], found["le"]


# Upper limits of the ISH columns; the lower limit is 0 for all three (compiled.py; tests/cohort check it).
CASE_FIELDS: Final = {
    cols.ISH_RATIO: "ratio",
    cols.HER2_COPIES: "her2_copies",
    cols.CEP17_COPIES: "cep17_copies",
}
LIMITS: Final[dict[str, float]] = {column: case_bounds(field)[1] for column, field in CASE_FIELDS.items()}


# --------------------------------------------------------------------------- the decision table
_REPRESENTATIVE_ISH: Final[dict[str, dict[str, float] | None]] = {
    "none": None,
    "no-ratio": {"cep17_copies": 2.0},
    "ratio-only-amplified": {"ratio": 2.5},
    "ratio-only-not-amplified": {"ratio": 1.5},
    "group1": {"ratio": 2.5, "her2_copies": 5.0},
    "group2": {"ratio": 2.5, "her2_copies": 3.0},
    "group3": {"ratio": 1.5, "her2_copies": 7.0},
    "group4": {"ratio": 1.5, "her2_copies": 5.0},
    "group5": {"ratio": 1.5, "her2_copies": 3.0},
}

# Reasons are kept short (they are written for every row): the action and discordance texts are in
# ``her2kit status`` for any single row; here their codes are named.
ELIGIBILITY_NOTE = "checked at biomarker level only (not checked: {})"


def _tests(ihc: str | None, ish: str) -> list[IhcTest | IshTest]:
    tests: list[IhcTest | IshTest] = []
    if ihc is not None:
        tests.append(IhcTest(method="ihc", score=ihc))
    values = _REPRESENTATIVE_ISH[ish]
    if values is not None:
        tests.append(IshTest(method="ish", **values))
    return tests


# The status summary of a representative case may quote its values ("ISH ratio 1.5 without ..."); the table's text
# serves every row of the class, so a quoted representative ratio becomes the class's bound (a row's own value is in
# its input; ``her2kit status`` gives the full text for one row). Longest forms first.
_RATIO_CLASS: Final = re.compile(r"ratio (?P<value>\d+(?:\.\d+)?)(?: \((?:<|≥)2\.0\)|, (?:<|≥)2\.0)?")
_NUMBER: Final = re.compile(r"\d+(?:\.\d+)?")


def _class_wording(text: str, ish: str | None) -> str:
    """A representative case's status summary as the text of its ISH class ``ish`` (None: a row's own summary,
    kept as written). A number equal to the representative ratio that is left after the rewording (the summaries'
    wording changed and :data:`_RATIO_CLASS` no longer finds it) is an internal error: the decision table would
    quote a made-up ratio to every row of the class as if it were the row's."""
    values = None if ish is None else _REPRESENTATIVE_ISH[ish]
    if values is None or "ratio" not in values:
        return text
    ratio = values["ratio"]
    bound = f"≥{RATIO_POSITIVE:.1f}" if ratio >= RATIO_POSITIVE else f"<{RATIO_POSITIVE:.1f}"
    shown = f"{ratio:g}"
    worded = _RATIO_CLASS.sub(lambda m: f"ratio {bound}" if m.group("value") == shown else m.group(0), text)
    if any(float(number) == ratio for number in _NUMBER.findall(worded)):
        raise Her2kitError(
            f"internal error: the decision table's HER2 summary for the ISH class {ish!r} still quotes the "
            f"representative ratio {shown} after rewording it as the class bound ({worded!r}): the status "
            "summaries' wording changed and cohort.decision._RATIO_CLASS no longer matches it; please report this "
            "with the her2kit version"
        )
    return worded


def her2_reasons(status: Any, ish: str | None = None) -> list[str]:
    """The HER2 decision in at most two strings: summary with rule ids; discordances and next steps. ``ish``: the
    ISH class of the decision table's representative case (its quoted ratio is written as the class's bound); None
    for a row's own status (report text), whose values are the row's."""
    out = [
        f"HER2: {_class_wording(status.summary, ish)} (rules: {', '.join(r.rule for r in status.rationale)})"
    ]
    extra = [f"discordance: {d.code}" for d in status.discordances]
    if status.actions:
        extra.append("next steps: " + ", ".join(dict.fromkeys(a.code for a in status.actions)))
    if extra:
        out.append("; ".join(extra))
    return out


@lru_cache(maxsize=1)
def decision_table() -> pl.DataFrame:
    """One row per decision key (row index = key): result, category, ISH group, eligible, reasons."""
    her2: dict[tuple[int, int, int], tuple[str, str, int | None, list[str]]] = {}
    for i, ihc in enumerate(IHC_CODES):
        for s, ish in enumerate(ISH_STATES):
            tests = _tests(ihc, ish)
            for t, tumor in enumerate(TUMOR_TYPES):
                status = interpret_her2(tests, tumor)
                her2[(t, i, s)] = (
                    status.result,
                    status.category,
                    status.ish_group,
                    her2_reasons(status, ish),
                )
    rows: dict[str, list[Any]] = {
        "tumor_type": [],
        "setting": [],
        "ihc_score": [],
        "hormone_receptor": [],
        "her2_result": [],
        "her2_category": [],
        "ish_group": [],
        "her2_reasons": [],
    }
    for t, tumor in enumerate(TUMOR_TYPES):
        for setting in SETTINGS:
            for i, ihc in enumerate(IHC_CODES):
                for s in range(N_ISH):
                    result, category, group, reasons = her2[(t, i, s)]
                    for hr in HR_CODES:
                        rows["tumor_type"].append(tumor)
                        rows["setting"].append(setting)
                        rows["ihc_score"].append(ihc)
                        rows["hormone_receptor"].append(hr)
                        rows["her2_result"].append(result)
                        rows["her2_category"].append(category)
                        rows["ish_group"].append(group)
                        rows["her2_reasons"].append(reasons)
    table = pl.DataFrame(
        rows,
        schema={
            "tumor_type": pl.String,
            "setting": pl.String,
            "ihc_score": pl.String,
            "hormone_receptor": pl.String,
            "her2_result": pl.String,
            "her2_category": pl.String,
            "ish_group": pl.Int32,
            "her2_reasons": pl.List(pl.String),
        },
    )
    table = table.with_columns(eligible_expr())
    reasons = [
        r + eligibility_reasons(tumor, setting, hr, eligible)
        for r, tumor, setting, hr, eligible in zip(
            table.get_column("her2_reasons").to_list(),
            table.get_column("tumor_type").to_list(),
            table.get_column("setting").to_list(),
            table.get_column("hormone_receptor").to_list(),
            table.get_column("eligible").to_list(),
            strict=True,
        )
    ]
    assert table.height == ERROR_KEY
    error_row = pl.DataFrame(
        {
            "her2_result": [None],
            "her2_category": [None],
            "ish_group": [None],
            "eligible": [[]],
            "reasons": [[]],
        },
        schema={
            "her2_result": pl.String,
            "her2_category": pl.String,
            "ish_group": pl.Int32,
            "eligible": pl.List(pl.String),
            "reasons": pl.List(pl.String),
        },
    )
    decided = table.select(
        "her2_result",
        "her2_category",
        "ish_group",
        "eligible",
        pl.Series("reasons", reasons, dtype=pl.List(pl.String)),
    )
    return pl.concat([decided, error_row]).rechunk()


def eligibility_reasons(tumor: str, setting: str | None, hr: str | None, eligible: list[str]) -> list[str]:
    """The row's eligibility reason: missing setting or ER/PR, what was not checked, excluded indications."""
    indications, excluded = compiled_indications()
    by_id = {ind.id: ind for ind in indications}
    relevant = [ind for ind in indications if applies_to(ind, tumor)]
    out: list[str] = []
    if setting is None and relevant:
        out.append(cols.SETTING_NOT_GIVEN)
    if hr not in ("positive", "negative") and any(ind.needs_hormone_receptor for ind in relevant):
        out.append(HR_UNKNOWN_REASONS[hr])
    if eligible:
        unchecked = sorted({u for ind_id in eligible for u in by_id[ind_id].unchecked})
        out.append(ELIGIBILITY_NOTE.format(", ".join(unchecked) or "nothing else"))
    if tumor == "nsclc" and excluded:
        out.append(
            "ERBB2-mutation indications need mutation data and are not screened: " + ", ".join(excluded)
        )
    return ["eligibility: " + "; ".join(out)] if out else []


# --------------------------------------------------------------------------- output columns by key
OUTPUT_VALUE_COLUMNS: Final = ("her2_result", "her2_category", "ish_group", "eligible", "reasons")


def joined(eligible: pl.Expr, reasons: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """List-valued eligible ids and reasons as the output's text columns (see :data:`columns.OUTPUT_SCHEMA`)."""
    return (
        eligible.list.join(cols.ELIGIBLE_SEPARATOR).alias("eligible"),
        reasons.list.join(cols.REASONS_SEPARATOR).alias("reasons"),
    )


class DecisionColumns:
    """The decision table's output columns for a compiled gather: per decision key, one int32 per column.

    For a text column ``codes[j, key]`` indexes ``dictionaries[j]`` (the column's distinct values); for
    ``ish_group`` it is the group itself (``dictionaries[j]`` is None: a plain int32 column writes faster
    than a dictionary-encoded one). -1 means null. The last key (the error key) is null everywhere.
    """

    def __init__(self) -> None:
        table = decision_table()
        error = pl.int_range(pl.len()) == ERROR_KEY
        frame = table.select(
            "her2_result",
            "her2_category",
            pl.col("ish_group").fill_null(-1),
            *(
                pl.when(error).then(None).otherwise(expr).alias(expr.meta.output_name())
                for expr in joined(pl.col("eligible"), pl.col("reasons"))
            ),
        )
        self.codes = np.empty((len(OUTPUT_VALUE_COLUMNS), frame.height), dtype=np.int32)
        dictionaries: list[pa.Array | None] = []
        for j, name in enumerate(OUTPUT_VALUE_COLUMNS):
            values = frame.get_column(name).to_list()
            if cols.OUTPUT_SCHEMA.field(name).type == pa.string():
                # Distinct values in first-seen order (a few hundred over 6,805 keys); -1 for null.
                distinct: dict[str, int] = {}
                self.codes[j] = [-1 if v is None else distinct.setdefault(v, len(distinct)) for v in values]
                dictionaries.append(string_array(list(distinct)))
            else:
                self.codes[j] = values
                dictionaries.append(None)
        self.dictionaries: tuple[pa.Array | None, ...] = tuple(dictionaries)

    def arrays(self, keys: np.ndarray) -> list[pa.Array]:
        """The output value columns for rows with these keys (one compiled gather; text as dictionaries)."""
        indices = np.empty((len(OUTPUT_VALUE_COLUMNS), len(keys)), dtype=np.int32)
        compiled.gather(compiled.readonly(keys), self.codes, indices)
        out: list[pa.Array] = []
        for row, dictionary in zip(indices, self.dictionaries, strict=True):
            values = int32_array(row, row < 0)
            if dictionary is not None:
                values = pa.DictionaryArray.from_arrays(values, dictionary, safe=False)
            out.append(values)
        return out


@lru_cache(maxsize=1)
def decision_columns() -> DecisionColumns:
    """Built once per process (about 0.5 s, with the decision table and the knowledge base).

    The compiled loops are loaded meanwhile in a second thread (LLVM start-up, about 0.35 s, mostly outside
    the GIL), so a process's first batch does not wait for them.
    """
    loader = threading.Thread(target=compiled.warm_up, name="her2kit-cohort-loops", daemon=True)
    loader.start()
    try:
        return DecisionColumns()
    finally:
        loader.join()
