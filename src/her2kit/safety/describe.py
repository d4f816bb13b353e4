"""Monitoring rules in words: the conditions and windows of a label row, shared by `kb show` and docs/safety.md."""

from __future__ import annotations

from her2kit.kb.schema import AeRule, LvefBand


def rule_conditions(rule: AeRule) -> str:
    """The conditions of an adverse-reaction row besides term and grade."""
    parts = [f"{rule.region} label"]
    if rule.setting:
        parts.append(f"{rule.setting} disease")
    if rule.occurrence:
        parts.append(f"occurrence {rule.occurrence}")
    if rule.duration_min_days is not None:
        parts.append(f"lasting ≥ {rule.duration_min_days} d")
    if rule.duration_max_days is not None:
        parts.append(f"lasting < {rule.duration_max_days} d")
    if rule.complicated is not None:
        parts.append("with complicating features" if rule.complicated else "without complicating features")
    if rule.despite_treatment is not None:
        parts.append("despite optimal treatment" if rule.despite_treatment else "without optimal treatment")
    if rule.at_lowest_dose is not None:
        parts.append("on the lowest dose level" if rule.at_lowest_dose else "above the lowest dose level")
    if rule.with_lab is not None:
        parts.append(f"with {rule.with_lab.test} > {rule.with_lab.above_uln:g} × ULN during the event")
    if rule.value_uln is not None:
        low = "" if rule.value_uln.above is None else f"> {rule.value_uln.above:g}"
        high = "" if rule.value_uln.at_most is None else f"≤ {rule.value_uln.at_most:g}"
        parts.append(f"worst value {' and '.join(x for x in (low, high) if x)} × ULN")
    return "; ".join(parts)


def rule_windows(rule: AeRule) -> str:
    """The row's resolution window and recovery deadline, if any."""
    windows = []
    if rule.resolve_within_days:
        windows.append(f"resolved > {rule.resolve_within_days} d → −{rule.reduce_levels_if_resolved_later}")
    if rule.discontinue_if_not_resolved_within_days:
        windows.append(f"not recovered within {rule.discontinue_if_not_resolved_within_days} d → discontinue")
    return "; ".join(windows)


def rule_action(rule: AeRule) -> str:
    """The row's action with its resumption terms."""
    if rule.action in ("hold", "reduce"):
        until = f" until grade ≤ {rule.hold_until_grade}" if rule.hold_until_grade is not None else ""
        levels = rule.reduce_levels_on_resume
        resume = f"{levels} dose level{'s' if levels > 1 else ''} lower" if levels else "at the same dose"
        return f"hold{until}, then resume {resume}"
    return "continue (no dose modification)" if rule.action == "continue" else rule.action


def half_open(name: str, low: float | None, high: float | None, unit: str) -> str:
    """A half-open range in words: ``name ≥ low and < high unit``."""
    parts = ([f"≥ {low:g}"] if low is not None else []) + ([f"< {high:g}"] if high is not None else [])
    return f"{name} {' and '.join(parts)}{unit}"


_COMPARISON_WORDS = {">=": "≥", ">": ">", "<": "<", "<=": "≤"}


def band_bounds(band: LvefBand) -> str:
    """An LVEF band's criteria in words, each bound with the comparison the label uses (``LvefBand.bounds``)."""
    parts = []
    lvef = [f"{_COMPARISON_WORDS[op]} {v:g}" for measure, op, v in band.bounds() if measure == "lvef"]
    if lvef:
        parts.append(f"LVEF {' and '.join(lvef)}%")
    if band.below_lln is not None:
        parts.append("below LLN" if band.below_lln else "not below LLN")
    decline = [f"{_COMPARISON_WORDS[op]} {v:g}" for measure, op, v in band.bounds() if measure == "decline"]
    if decline:
        parts.append(f"decrease from baseline {' and '.join(decline)} points")
    if band.symptomatic_chf is not None:
        parts.append("symptomatic CHF" if band.symptomatic_chf else "no symptomatic CHF")
    return ", ".join(parts) or "any reading"


def grade_range(rule: AeRule) -> str:
    """``grade 3`` or ``grades 2–4``."""
    if rule.grade_min == rule.grade_max:
        return f"grade {rule.grade_min}"
    return f"grades {rule.grade_min}–{rule.grade_max}"
