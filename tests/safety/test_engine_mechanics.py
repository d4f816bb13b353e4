"""How the monitor chooses among label rules: region, setting, duration and feature rows, escalation,
prophylaxis and the label's "other adverse reactions" row.

These tests are about the engine, not about one label: where a mechanism needs a record the knowledge
base does not (yet) have, the test derives a variant knowledge base from the real one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from her2kit.errors import InvalidInput
from her2kit.kb import default_kb
from her2kit.kb.load import KnowledgeBase
from her2kit.safety import monitor, parse_course
from her2kit.safety.dosing import calculate
from tests.safety.courses import course, day


def tdxd(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "indication": "breast",
        "doses": [{"date": day(-21), "mg": 378}],
        "lvef": [{"date": day(-90), "percent": 62, "baseline": True}, {"date": day(0), "percent": 55}],
    }
    base.update(over)
    return course("T-DXd", **base)


def variant(**sections: dict[str, Any]) -> KnowledgeBase:
    return dataclasses.replace(default_kb(), **sections)


# ------------------------------------------------------------------ region
def test_region_eu_without_eu_records_uses_us_rules_and_says_so() -> None:
    doc = course(
        "margetuximab",
        region="EU",
        doses=[{"date": day(-21), "mg": 1050}],
        lvef=[{"date": day(-90), "percent": 60, "baseline": True}],
    )
    result = monitor(parse_course(doc))
    assert result.region == "EU"
    assert any("Region EU" in w and "dosing" in w for w in result.warnings)
    assert any("Region EU" in w and "LVEF rules" in w for w in result.warnings)


def test_region_eu_records_replace_the_us_ones() -> None:
    kb = default_kb()
    us = kb.cardiac_monitoring["cardiac:trastuzumab-deruxtecan"]
    eu = us.model_copy(update={"id": "cardiac:trastuzumab-deruxtecan-test-eu", "region": "EU"})
    kb_eu = variant(cardiac_monitoring={**kb.cardiac_monitoring, eu.id: eu})
    result = monitor(parse_course(tdxd(region="EU")), kb_eu)
    fired = {step.rule for step in result.rationale}
    assert eu.id in fired
    assert us.id not in fired
    assert not any("LVEF rules" in w for w in result.warnings)
    result_us = monitor(parse_course(tdxd()), kb_eu)
    assert us.id in {step.rule for step in result_us.rationale}


def test_dose_region_eu_without_eu_dosing_says_which_label() -> None:
    calc = calculate(default_kb(), "margetuximab", weight_kg=70, region="EU")
    assert calc.region == "US"
    assert any("No EU dosing record" in note for note in calc.notes)


# ------------------------------------------------------------------ setting
def _tdxd_by_setting(*settings: str) -> KnowledgeBase:
    kb = default_kb()
    base = kb.cardiac_monitoring["cardiac:trastuzumab-deruxtecan"]
    records = {k: v for k, v in kb.cardiac_monitoring.items() if k != base.id}
    for setting in settings:
        records[f"{base.id}-{setting}"] = base.model_copy(
            update={"id": f"{base.id}-{setting}", "setting": setting}
        )
    return variant(cardiac_monitoring=records)


def test_setting_specific_table_applies_to_its_setting() -> None:
    kb = _tdxd_by_setting("early", "metastatic")
    result = monitor(parse_course(tdxd(setting="metastatic")), kb)
    fired = {step.rule for step in result.rationale}
    assert "cardiac:trastuzumab-deruxtecan-metastatic" in fired
    assert "cardiac:trastuzumab-deruxtecan-early" not in fired


def test_tables_differing_by_setting_need_the_setting() -> None:
    kb = _tdxd_by_setting("early", "metastatic")
    result = monitor(parse_course(tdxd()), kb)
    assert result.action == "hold"
    assert any("setting" in need for need in result.needs)


def test_missing_setting_table_falls_back_with_a_warning() -> None:
    kb = _tdxd_by_setting("metastatic")
    result = monitor(parse_course(tdxd(setting="early")), kb)
    assert "cardiac:trastuzumab-deruxtecan-metastatic" in {step.rule for step in result.rationale}
    assert any("no LVEF table" in w and "early disease" in w for w in result.warnings)
    undetermined = monitor(parse_course(tdxd()), kb)
    assert any("gives no setting" in w for w in undetermined.warnings)


def test_missing_setting_ae_rules_fall_back_with_a_warning() -> None:
    kb = default_kb()
    rules = {
        k: (
            v.model_copy(update={"setting": "metastatic"})
            if k.startswith("aerule:trastuzumab-deruxtecan-ild")
            else v
        )
        for k, v in kb.ae_rules.items()
    }
    doc = tdxd(setting="early", adverse_events=[{"term": "ild", "grade": 2, "onset": day(-3)}])
    result = monitor(parse_course(doc), variant(ae_rules=rules))
    assert result.action == "discontinue"
    assert any("no ild rule" in w and "early disease" in w for w in result.warnings)


# ------------------------------------------------------------------ the label's "other adverse reactions" row
def test_other_row_applies_to_a_term_without_its_own_rule() -> None:
    doc = course(
        "neratinib",
        doses=[{"date": day(-1), "mg": 240}],
        adverse_events=[{"term": "stomatitis", "grade": 3, "onset": day(-2)}],
    )
    result = monitor(parse_course(doc))
    assert result.action == "hold"
    step = next(s for s in result.rationale if s.rule == "aerule:neratinib-other-1")
    assert "no rule of its own" in step.text


def test_own_rules_take_precedence_over_the_other_row() -> None:
    doc = course(
        "neratinib",
        doses=[{"date": day(-1), "mg": 240}],
        adverse_events=[{"term": "diarrhea", "grade": 3, "onset": day(-1), "complicated": False}],
    )
    fired = {s.rule for s in monitor(parse_course(doc)).rationale}
    assert "aerule:neratinib-other-1" not in fired


def test_other_row_covers_a_grade_the_terms_own_rules_leave_out() -> None:
    # Lapatinib's ILD row starts at grade 3; a grade 2 ILD falls under the label's other-toxicities row.
    doc = course(
        "lapatinib",
        regimen="regimen:lapatinib-capecitabine",
        doses=[{"date": day(-1), "mg": 1250}],
        lvef=[{"date": day(-60), "percent": 60, "baseline": True}],
        adverse_events=[{"term": "pneumonitis", "grade": 2, "onset": day(-2)}],
    )
    result = monitor(parse_course(doc))
    step = next(s for s in result.rationale if s.rule == "aerule:lapatinib-other-1")
    assert "no rule of its own for this grade" in step.text
    assert result.action == "hold"


# ------------------------------------------------------------------ conditions beyond term and grade
def test_recovery_limit_after_dosing_resumed_warns_instead_of_discontinuing() -> None:
    # Recovered 22 days after onset (later than the 3-week limit), but a dose was given after the recovery:
    # the replay does not discontinue retroactively; it says the label would have.
    doc = course(
        "neratinib",
        doses=[{"date": day(-30), "mg": 240}, {"date": day(-2), "mg": 200}],
        adverse_events=[
            {"term": "rash", "grade": 3, "onset": day(-28), "resolved": day(-6), "resolved_grade": 1}
        ],
    )
    result = monitor(parse_course(doc))
    assert result.action == "continue"
    assert any("later than the label's 21 days" in w and "check" in w for w in result.warnings)


def test_hold_step_names_the_recovery_deadline() -> None:
    doc = course(
        "neratinib",
        doses=[{"date": day(-6), "mg": 240}],
        adverse_events=[{"term": "rash", "grade": 3, "onset": day(-5)}],
    )
    result = monitor(parse_course(doc))
    step = next(s for s in result.rationale if s.rule == "aerule:neratinib-other-1")
    assert f"discontinue if not recovered by {day(16)}" in step.text


def test_lowest_dose_row_without_a_ladder_holds_and_asks() -> None:
    # A variant regimen without reduction levels: whether the patient is on the lowest level is unknowable.
    kb = default_kb()
    regimen = kb.regimens["regimen:neratinib-daily"].model_copy(update={"dose_levels": []})
    kb_variant = variant(regimens={**kb.regimens, regimen.id: regimen})
    doc = course(
        "neratinib",
        doses=[{"date": day(-6), "mg": 240}],
        adverse_events=[{"term": "diarrhea", "grade": 2, "onset": day(-2), "complicated": False}],
    )
    result = monitor(parse_course(doc), kb_variant)
    assert result.action == "hold"
    assert any("lowest dose level" in n for n in result.needs)


def test_concurrent_lab_counts_only_values_within_the_event() -> None:
    doc = course(
        "tucatinib",
        doses=[{"date": day(-1), "mg": 300}],
        labs=[
            {"date": day(-10), "test": "alt", "value": 240, "unit": "U/L", "uln": 40},
            {"date": day(-10), "test": "bilirubin", "value": 0.8, "unit": "mg/dL", "uln": 1.2},
            {"date": day(-5), "test": "alt", "value": 30, "unit": "U/L", "uln": 40},
            {"date": day(-2), "test": "bilirubin", "value": 3.0, "unit": "mg/dL", "uln": 1.2},
        ],
    )
    fired = {s.rule for s in monitor(parse_course(doc)).rationale}
    # The ALT event closed on day -5; the later bilirubin rise is not concomitant with it.
    assert "aerule:tucatinib-alt-hy-1" not in fired


def test_unrecorded_condition_of_an_event_managed_before_the_last_dose_only_warns() -> None:
    # ALT grade 3 resolved before the last dose, no bilirubin on record: the Hy's-law row cannot be checked, but
    # the event was managed and dosing resumed, so the replay warns instead of holding.
    doc = course(
        "tucatinib",
        doses=[{"date": day(-30), "mg": 300}, {"date": day(-3), "mg": 250}],
        labs=[
            {"date": day(-20), "test": "alt", "value": 240, "unit": "U/L", "uln": 40},
            {"date": day(-10), "test": "alt", "value": 30, "unit": "U/L", "uln": 40},
        ],
    )
    result = monitor(parse_course(doc))
    assert result.action == "continue"
    assert any("cannot be checked" in w and "bilirubin" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("update", "message"),
    [
        ({"discontinue_if_not_resolved_within_days": 21, "action": "discontinue"}, "needs action hold"),
        ({"with_lab": {"test": "alt", "above_uln": 2}}, "other than the rule's own term"),
        ({"value_uln": {"above": 2.0, "at_most": 1.0}}, "at_most must be above"),
        ({"value_uln": {}}, "give above, at_most or both"),
        ({"term": "diarrhea", "value_uln": {"above": 1.0}}, "for the liver tests"),
    ],
)
def test_rule_conditions_are_validated(update: dict[str, Any], message: str) -> None:
    from her2kit.kb.schema import AeRule

    base = default_kb().ae_rules["aerule:tucatinib-alt-1"].model_dump()
    with pytest.raises(ValueError, match=message):
        AeRule.model_validate({**base, **update})


# ------------------------------------------------------------------ escalation and prophylaxis
@pytest.mark.parametrize(
    ("first_dose_day", "mg"),
    [(-5, 120), (-6, 120), (-7, 160), (-13, 160), (-14, 240), (-30, 240)],
)
def test_neratinib_escalation_follows_the_steps(first_dose_day: int, mg: float) -> None:
    doses = [
        {"date": day(n), "mg": 120 if n - first_dose_day < 7 else 160 if n - first_dose_day < 14 else 240}
        for n in range(first_dose_day, 0)
    ]
    result = monitor(parse_course(course("neratinib", escalation=True, doses=doses)))
    assert result.next_dose is not None
    assert result.next_dose.mg == mg
    assert result.next_dose.dose_level == 0


def test_escalation_doses_are_not_read_as_reductions() -> None:
    doses = [{"date": day(n), "mg": 160} for n in range(-3, 0)]
    doses = [{"date": day(n), "mg": 120} for n in range(-10, -3)] + doses
    result = monitor(parse_course(course("neratinib", escalation=True, doses=doses)))
    assert result.next_dose is not None
    assert result.next_dose.dose_level == 0
    assert not any("matches no label dose level" in w for w in result.warnings)


def test_escalation_is_refused_for_a_label_without_one() -> None:
    with pytest.raises(InvalidInput) as info:
        monitor(parse_course(course("trastuzumab", schedule="q3w", escalation=True)))
    assert info.value.field == "escalation"


@pytest.mark.parametrize(("first_dose_day", "due"), [(-54, True), (-55, True), (-56, False)])
def test_prophylaxis_is_shown_during_the_first_56_days(first_dose_day: int, due: bool) -> None:
    result = monitor(parse_course(course("neratinib", doses=[{"date": day(first_dose_day), "mg": 240}])))
    shown = any("within the first 56 days" in s.text for s in result.rationale)
    assert shown is due


# ------------------------------------------------------------------ occurrences
def test_occurrence_counts_earlier_events_in_the_rules_grade_range() -> None:
    """An earlier grade 1 event does not make a first grade 2 event a recurrence."""
    first_grade2 = course(
        "zongertinib",
        doses=[{"date": day(-1), "mg": 120}],
        lvef=[{"date": day(-90), "percent": 60, "baseline": True}],
        adverse_events=[
            {"term": "pneumonitis", "grade": 1, "onset": day(-40), "resolved": day(-30)},
            {"term": "pneumonitis", "grade": 2, "onset": day(-3)},
        ],
    )
    fired = {s.rule for s in monitor(parse_course(first_grade2)).rationale}
    assert "aerule:zongertinib-ild-1" in fired
    assert "aerule:zongertinib-ild-2" not in fired
    second_grade2 = dict(
        first_grade2,
        adverse_events=[
            {"term": "pneumonitis", "grade": 2, "onset": day(-40), "resolved": day(-30)},
            {"term": "pneumonitis", "grade": 2, "onset": day(-3)},
        ],
    )
    result = monitor(parse_course(second_grade2))
    assert result.action == "discontinue"
    assert "aerule:zongertinib-ild-2" in {s.rule for s in result.rationale}


# ------------------------------------------------------------------ knowledge gaps
@pytest.mark.parametrize(
    ("grade", "resolved", "action"),
    # resolved grade 3: no dose level is known, so no next dose and the action says hold (review, minor item)
    [(3, False, "hold"), (4, False, "hold"), (2, False, "continue"), (3, True, "hold")],
)
def test_an_event_without_a_label_rule_is_not_waved_through(grade: int, resolved: bool, action: str) -> None:
    kb = default_kb()
    without = {k: v for k, v in kb.ae_rules.items() if "agent:trastuzumab-deruxtecan" not in v.agents}
    event: dict[str, Any] = {"term": "stomatitis", "grade": grade, "onset": day(-5)}
    if resolved:
        event["resolved"] = day(-1)
    result = monitor(
        parse_course(
            tdxd(adverse_events=[event], lvef=[{"date": day(-90), "percent": 62, "baseline": True}])
        ),
        variant(ae_rules=without),
    )
    assert result.action == action
    if action == "hold":
        assert any("stomatitis grade" in need for need in result.needs)
        assert "knowledge-base-gap" in {s.rule for s in result.rationale}
    else:
        assert any("no dose-modification rule" in w for w in result.warnings)


def test_steps_from_unverified_records_are_flagged() -> None:
    kb = default_kb()
    result = monitor(parse_course(tdxd()))
    for step in result.rationale:
        assert step.unverified == bool(getattr(kb.get(step.rule), "unverified", False))


@pytest.mark.parametrize(("chf", "action"), [(False, "continue"), (True, "hold")])
def test_lvef_for_an_agent_without_lvef_rules_is_never_judged_silently(chf: bool, action: str) -> None:
    kb = default_kb()
    without = {
        k: v for k, v in kb.cardiac_monitoring.items() if "agent:trastuzumab-deruxtecan" not in v.agents
    }
    result = monitor(parse_course(tdxd(symptomatic_heart_failure=chf)), variant(cardiac_monitoring=without))
    assert result.action == action
    assert result.next_lvef_due is None
    if chf:
        assert "knowledge-base-gap" in {s.rule for s in result.rationale}
    else:
        assert any("no LVEF rules" in w for w in result.warnings)


def test_a_graded_lab_value_without_a_label_rule_is_not_ignored() -> None:
    kb = default_kb()
    without = {k: v for k, v in kb.ae_rules.items() if not k.startswith("aerule:trastuzumab-deruxtecan")}
    labs = [{"date": day(0), "test": "alt", "value": 900, "unit": "U/L", "uln": 40}]
    result = monitor(parse_course(tdxd(labs=labs)), variant(ae_rules=without))
    assert result.action == "hold"
    assert any("alt grade 4" in need for need in result.needs)
    mild = [{"date": day(0), "test": "alt", "value": 100, "unit": "U/L", "uln": 40}]  # grade 1
    assert monitor(parse_course(tdxd(labs=mild)), variant(ae_rules=without)).action == "continue"


def test_lvef_hold_periods_are_reported_for_the_timeline() -> None:
    doc = course(
        "trastuzumab",
        schedule="q3w",
        indication="breast",
        lvef_lower_limit_normal=50,
        doses=[{"date": day(-42), "mg": 420}],
        lvef=[
            {"date": day(-90), "percent": 60, "baseline": True},
            {"date": day(-40), "percent": 44},
            {"date": day(-10), "percent": 58},
        ],
    )
    closed = monitor(parse_course(doc))
    assert [
        (p.start.isoformat(), p.end.isoformat() if p.end else None) for p in closed.lvef_hold_periods
    ] == [(day(-40), day(-10))]
    ongoing = monitor(parse_course(dict(doc, lvef=doc["lvef"][:2])))
    assert [(p.start.isoformat(), p.end) for p in ongoing.lvef_hold_periods] == [(day(-40), None)]


def test_lab_values_open_events_at_the_other_rows_grade_when_the_own_rows_start_higher() -> None:
    # Lapatinib's own liver rows start at grade 3; its other-toxicities row starts at grade 2, so a grade 2 ALT
    # from the laboratory series is an event under that row (as it is when entered as an adverse event).
    doc = course(
        "lapatinib",
        regimen="regimen:lapatinib-capecitabine",
        doses=[{"date": day(-1), "mg": 1250}],
        lvef=[{"date": day(-60), "percent": 60, "baseline": True}],
        labs=[{"date": day(-1), "test": "alt", "value": 160, "unit": "U/L", "uln": 40}],
    )
    result = monitor(parse_course(doc))
    assert result.action == "hold"
    assert "aerule:lapatinib-other-1" in {s.rule for s in result.rationale}


# ------------------------------------------------------------------ next LVEF: the date and its basis
def test_next_lvef_says_why_it_is_due_or_why_there_is_no_date() -> None:
    hold = monitor(
        parse_course(
            course(
                "trastuzumab",
                indication="breast",
                schedule="q3w",
                doses=[{"date": day(-20), "mg": 420}],
                lvef=[
                    {"date": day(-100), "percent": 62, "baseline": True},
                    {"date": day(-10), "percent": 44},
                ],
                lvef_lower_limit_normal=50,
            )
        )
    )
    assert hold.next_lvef_due == dt.date.fromisoformat(day(-10)) + dt.timedelta(weeks=4)
    assert hold.next_lvef_basis is not None
    assert "repeat assessment 4 weeks" in hold.next_lvef_basis

    free = monitor(parse_course(tdxd()))
    assert free.next_lvef_due is None
    assert free.next_lvef_basis is not None
    assert "no fixed interval" in free.next_lvef_basis

    none = monitor(parse_course(course("tucatinib", doses=[{"date": day(-1), "mg": 300}])))
    assert none.next_lvef_due is None
    assert none.next_lvef_basis is not None
    assert "no LVEF rules for tucatinib" in none.next_lvef_basis

    baseline = monitor(parse_course(tdxd(lvef=[])))
    assert baseline.next_lvef_basis is not None
    assert "baseline LVEF is needed" in baseline.next_lvef_basis


@pytest.mark.parametrize(
    ("given", "term"),
    [
        ("febrile-neutropenia", "febrile-neutropenia"),
        ("Febrile neutropenia", "febrile-neutropenia"),
        ("infusion_reaction", "infusion-reaction"),
    ],
)
def test_adverse_event_terms_accept_the_knowledge_base_ids(given: str, term: str) -> None:
    # A term as results and `kb show` print it can be fed back in.
    doc = course(
        "T-DXd",
        indication="breast",
        doses=[{"date": day(-2), "mg": 378}],
        adverse_events=[{"term": given, "grade": 3, "onset": day(-1)}],
    )
    assert parse_course(doc).adverse_events[0].term == term


@pytest.mark.parametrize("spelling", ["St. John's Wort", "St John’s wort", "st johns wort", "ST JOHN'S WORT"])
def test_interacting_medications_match_whatever_the_punctuation(spelling: str) -> None:
    doc = course("tucatinib", doses=[{"date": day(-1), "mg": 300}], medications=[spelling])
    fired = {s.rule for s in monitor(parse_course(doc)).rationale}
    assert "gate:tucatinib-interacting-medication-inducers" in fired


def test_an_unrecognised_medication_is_named_and_a_dosed_one_still_checked() -> None:
    doc = course(
        "tucatinib", doses=[{"date": day(-1), "mg": 300}], medications=["rifampin 600 mg daily", "xyzzy"]
    )
    result = monitor(parse_course(doc))
    assert "gate:tucatinib-interacting-medication-inducers" in {s.rule for s in result.rationale}
    assert any("not recognised" in w and "'xyzzy'" in w and "rifampin" not in w for w in result.warnings)


@pytest.mark.parametrize("bad", ["20/11/2026", "2026-13-01", "yesterday"])
def test_a_badly_written_date_names_the_format(bad: str) -> None:
    doc = course("T-DXd", indication="breast", today=bad)
    with pytest.raises(InvalidInput, match="YYYY-MM-DD") as info:
        parse_course(doc)
    assert info.value.field == "today"


@pytest.mark.parametrize(
    "mg", [37.8, 5000.0]
)  # a tenfold slip either way (T-DXd 5.4 mg/kg at 70 kg = 378 mg)
def test_a_dose_far_from_every_ladder_level_is_not_guessed(mg: float) -> None:
    result = monitor(parse_course(tdxd(doses=[{"date": day(-21), "mg": mg}])))
    assert result.next_dose is None
    assert result.action != "discontinue"  # not "below the lowest level" from a guessed level
    assert any(f"({mg:g} mg) confirmed" in n and "its level is not known" in n for n in result.needs)


def test_a_dose_somewhat_off_a_level_is_read_as_the_nearest_with_a_warning() -> None:
    result = monitor(parse_course(tdxd(doses=[{"date": day(-21), "mg": 450}])))  # 19% above 378 mg
    assert result.next_dose is not None
    assert result.next_dose.dose_level == 0
    assert any("matches no label dose level" in w for w in result.warnings)
    assert result.needs == []


def test_without_a_ladder_the_next_dose_does_not_depend_on_the_last() -> None:
    doc = course(
        "trastuzumab",
        indication="breast",
        schedule="q3w",
        doses=[{"date": day(-21), "mg": 5000}],
        lvef=[{"date": day(-30), "percent": 62, "baseline": True}],
    )
    result = monitor(parse_course(doc))
    assert result.next_dose is not None
    assert any("matches no label dose level" in w for w in result.warnings)


@pytest.mark.parametrize("statin", ["simvastatin 40 mg", "Zocor 20 mg nocte"])
def test_tucatinib_with_simvastatin_is_an_interaction_to_avoid_by_the_statin_label(statin: str) -> None:
    # ZOCOR section 4 contraindicates strong CYP3A4 inhibitors; a brand the knowledge base knows is checked too.
    doc = course("tucatinib", doses=[{"date": day(-1), "mg": 300}], medications=[statin])
    result = monitor(parse_course(doc))
    assert "gate:tucatinib-perpetrator-statins" in {s.rule for s in result.rationale}
    assert any(w.startswith("Interaction to avoid") and "ZOCOR" in w for w in result.warnings)
    assert not any("not recognised" in w for w in result.warnings)


# ------------------------------------------------------------------ levels of one dose, told apart by doses a day
def _seva_with_diarrhoea_rule() -> KnowledgeBase:
    """The knowledge base has no sevabertinib adverse-reaction rows (its Table 2 could not be read): a variant with
    tucatinib's grade 3 "resume at the next lower dose level" row, to exercise a reduction from 10 mg twice daily."""
    kb = default_kb()
    rule = kb.ae_rules["aerule:tucatinib-diarrhea-3"].model_copy(
        update={"id": "aerule:sevabertinib-test-diarrhea-3", "agents": ["agent:sevabertinib"]}
    )
    return variant(ae_rules={**kb.ae_rules, rule.id: rule})


def _bid(first: int, n: int, mg: float, per_day: int) -> list[dict[str, Any]]:
    return [{"date": day(first + i), "mg": mg} for i in range(n) for _ in range(per_day)]


@pytest.mark.parametrize(
    ("after", "action", "level"),
    [
        # resumed at 10 mg once daily: the reduction was applied
        (_bid(-3, 3, 10, 1), "continue", -2),
        # resumed at 10 mg twice daily: the same mg, but not the reduction (the doses a day decide)
        (_bid(-3, 3, 10, 2), "reduce", -2),
    ],
)
def test_a_reduction_to_the_once_daily_level_is_read_by_doses_a_day(
    after: list[dict[str, Any]], action: str, level: int
) -> None:
    doc = course(
        "sevabertinib",
        doses=_bid(-12, 5, 10, 2) + after,
        adverse_events=[
            {"term": "diarrhea", "grade": 3, "onset": day(-8), "resolved": day(-4), "despite_treatment": True}
        ],
    )
    result = monitor(parse_course(doc), _seva_with_diarrhoea_rule())
    assert result.action == action, [s.text for s in result.rationale] + result.needs
    assert result.next_dose is not None
    assert (result.next_dose.dose_level, result.next_dose.mg, result.next_dose.schedule) == (
        level,
        10,
        "daily",
    )


def test_once_daily_doses_after_a_rule_set_the_twice_daily_level_are_asked_about() -> None:
    # second review: the rule set level -1 (10 mg twice daily) after 20 mg twice daily; one 10 mg dose a day since
    doc = course(
        "sevabertinib",
        doses=_bid(-12, 4, 20, 2) + _bid(-3, 2, 10, 1),
        adverse_events=[
            {"term": "diarrhea", "grade": 3, "onset": day(-8), "resolved": day(-5), "despite_treatment": True}
        ],
    )
    result = monitor(parse_course(doc), _seva_with_diarrhoea_rule())
    assert result.action == "hold"
    assert any("the label's rules set level -1" in n for n in result.needs), result.needs


def test_today_after_a_hold_is_not_read_by_the_days_before_the_hold() -> None:
    # second review: twice daily, a hold, the rule sets level -2; today's single 10 mg dose is that level
    doc = course(
        "sevabertinib",
        doses=_bid(-9, 4, 10, 2) + _bid(0, 1, 10, 1),
        adverse_events=[
            {"term": "diarrhea", "grade": 3, "onset": day(-5), "resolved": day(-1), "despite_treatment": True}
        ],
    )
    result = monitor(parse_course(doc), _seva_with_diarrhoea_rule())
    assert result.action != "reduce", [s.text for s in result.rationale]
    assert result.next_dose is not None
    assert result.next_dose.dose_level == -2


@pytest.mark.parametrize(
    ("kg_at_dose", "mg", "kg_today", "action", "next_mg"),
    [
        (85, 60, 95, "discontinue", None),  # 60 mg is the lowest dose of either band: nothing below it
        (
            95,
            120,
            85,
            "reduce",
            60,
        ),  # 120 mg is level -1 from 90 kg; below 90 kg the level below 120 mg is 60 mg
        (85, 120, 85, "reduce", 60),
    ],
)
def test_a_reduction_across_zongertinib_weight_bands_counts_by_mg(
    kg_at_dose: int, mg: int, kg_today: int, action: str, next_mg: int | None
) -> None:
    """Code review: a dose read in another weight band than today's counted its level number in today's ladder."""
    doc = {
        "schema_version": "1",
        "id": "zb",
        "agent": "zongertinib",
        "weights": [
            {"date": "2025-03-01", "value": kg_at_dose, "unit": "kg"},
            {"date": "2025-03-20", "value": kg_today, "unit": "kg"},
        ],
        "doses": [{"date": f"2025-03-{d:02d}", "mg": mg} for d in range(1, 10)],
        "labs": [
            {"date": "2025-03-09", "test": "alt", "value": 250, "unit": "U/L", "uln": 40},
            {"date": "2025-03-09", "test": "bilirubin", "value": 0.8, "unit": "mg/dL", "uln": 1.2},
            {"date": "2025-03-19", "test": "alt", "value": 35, "unit": "U/L", "uln": 40},
        ],
        "lvef": [{"date": "2025-02-20", "percent": 60}],
        "lvef_lower_limit_normal": 50,
        "today": "2025-03-21",
    }
    result = monitor(parse_course(doc))
    assert result.action == action
    assert (result.next_dose.mg if result.next_dose else None) == next_mg


def test_an_event_recorded_and_graded_from_labs_is_read_once() -> None:
    """Code review: ALT grade 3 recorded as an adverse event AND in the laboratory values fired its row twice, and the
    two reductions made zongertinib 120 mg (below 90 kg) a discontinuation."""
    doc = {
        "schema_version": "1",
        "id": "once",
        "agent": "zongertinib",
        "weight_kg": 85,
        "doses": [{"date": f"2025-03-{d:02d}", "mg": 120} for d in range(1, 10)],
        "labs": [
            {"date": "2025-03-09", "test": "alt", "value": 250, "unit": "U/L", "uln": 40},
            {"date": "2025-03-09", "test": "bilirubin", "value": 0.8, "unit": "mg/dL", "uln": 1.2},
            {"date": "2025-03-19", "test": "alt", "value": 35, "unit": "U/L", "uln": 40},
        ],
        "adverse_events": [{"term": "alt", "grade": 3, "onset": "2025-03-09", "resolved": "2025-03-19"}],
        "lvef": [{"date": "2025-02-20", "percent": 60}],
        "lvef_lower_limit_normal": 50,
        "today": "2025-03-21",
    }
    result = monitor(parse_course(doc))
    assert result.action == "reduce"
    assert result.next_dose is not None
    assert result.next_dose.mg == 60
    assert any("read once, at grade 3" in w for w in result.warnings)
