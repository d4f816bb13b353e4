"""Generate docs/safety.md from the knowledge base: every safety rule with its source.

Usage: python scripts/gen_safety_doc.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

from her2kit.kb import load_kb
from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import LvefBand, Regimen, schedule_words
from her2kit.safety.cardiac import GAP_THRESHOLD
from her2kit.safety.describe import rule_conditions, rule_windows
from her2kit.safety.dosing import escalation_schedule

DOC = Path(__file__).resolve().parent.parent / "docs" / "safety.md"

HEADER = """# Treatment safety: the rules and their sources

`her2kit dose` computes a label dose; `her2kit monitor COURSE.json [--format json|table] [--plot FILE.svg|png]`
replays a treatment course (doses, LVEF readings, adverse events, laboratory values, medications, today's date)
against the rules below and returns the action for today (continue | hold | resume | reduce | discontinue), the next
dose (date, mg, loading or maintenance, dose level) and the next LVEF due, each step naming the rule and label section.

## The course document

`her2kit schema course` prints its JSON Schema (closed: unknown fields are errors). Fields:

| field | meaning |
|---|---|
| `schema_version`, `id`, `agent` | `"1"`; an identifier; the agent by INN, brand or abbreviation (`T-DXd`) |
| `indication`, `schedule`, `regimen` | pick the dosing record where there are several (breast/gastric; q3w/weekly) |
| `region` | `US` (default) or `EU`: which label's rules apply |
| `setting` | `early` or `metastatic`, needed where a label's tables or dose levels differ by setting |
| `weight_kg` or `weights` | a weight in kg, or dated weights (`kg` or `lb`; no unit, no weight); not both; 20–400 kg |
| `doses` | doses given: `date`, `mg`; `dose_level` where the mg cannot show it (sevabertinib 10 mg: -1 or -2) |
| `escalation` | `true` when the patient started on the label's optional dose escalation (neratinib) |
| `lvef` | LVEF readings: `date`, `percent`, `baseline` (else the first reading, if before the first dose); one per date |
| `lvef_lower_limit_normal` | the institutional lower limit of normal (%) |
| `symptomatic_heart_failure` | symptomatic congestive heart failure now |
| `adverse_events` | `term`, CTCAE `grade`, `onset`, `resolved`, `resolved_grade`, `complicated`, `despite_treatment` |
| `labs` | `date`, `test` (platelets, neutrophils, alt, ast, bilirubin), `value`, `unit`, `uln` |
| `medications` | current medicines, checked against interaction classes; a regimen's partner drug selects it |
| `today` | the date the evaluation is for (nothing reads the clock) |

A first LVEF reading taken after treatment began is no baseline (the labels' baseline is before the first dose, and
taking a later reading as one would hide any fall from it): where the label requires a baseline the dose is held and
a pre-treatment reading, or a reading marked `baseline`, is asked for. A laboratory value or ULN impossible in its
unit (neutrophils above 200 × 10^9/L, a bilirubin ULN of 21 in mg/dL, an ALT ULN of 0.7 U/L) is refused as a unit
slip, never graded (plausibility bounds, not clinical limits: `safety/course.py`).

Every date (doses, LVEF readings, laboratory values, weights, adverse-event onset and resolution) is on or before
`today`; there is one LVEF reading and one weight per date, and one value per laboratory test per date (of two
doses on one date, as for a twice-daily tablet, the larger counts as the later, so the list's order never matters;
doses of two different levels on the last date are asked about).
Values must be of the schema's kind (`true` is not a number, `"no"` is not false, a number is not a date),
and a key given twice is an error: each of these is refused naming the field, never read one way or the other.

The result (`her2kit schema monitor`): `action` (continue, hold, resume, reduce, discontinue), `action_note` ("first
dose" when the course has no dose yet, with "see needs before giving it" when something is asked; "re-load" when the
next dose is the loading dose again after a late dose; the table prints it beside the action), `next_dose` (date, mg,
loading or maintenance, dose level, and `unverified` when the regimen record is marked unverified; a warning then
quotes its note), `next_lvef_due` and `next_lvef_basis` (why then, or why no date; it says UNVERIFIED when the LVEF
record is), `needs`,
`rationale` (each step: rule id, text, source, and `unverified` when the record could not be checked in full against
the current label), `references`, `warnings`, `disclaimer` ("her2kit supports clinical decisions; it does not make
them.", also the last line of the table, as in `dose` and `assess`).

## How the engine reads the rules

Source: `src/her2kit/safety/monitor.py` (replay, next dose), `cardiac.py` (LVEF tables), `events.py` (adverse events).

- LVEF readings are replayed in date order from the baseline (a reading dated before a marked baseline is not
  judged, and a warning names it); a hold opens at a band whose action is hold, closes when the label's recovery
  criterion is met (resume), and ends in discontinuation when the band says so at the repeat assessment, when a
  reading shows a decline persisting longer than the label allows, or when holds exceed the label's maximum. A
  missing repeat reading is not a persistent decline: the hold continues and the overdue repeat LVEF is asked for.
- A hold whose record sets no automatic end (no persistence limit) continues while repeat readings do not show
  recovery; a repeat reading that has not improved on the reading that opened the hold asks for the prescriber's
  decision, quoting the row (e.g. Phesgo's "if … LVEF has not improved or has declined further, permanently
  discontinue", which the record's repeat rule cannot express; an improved reading short of recovery is never a
  discontinuation).
- LVEF readings and their decrease from baseline are compared in exact decimal arithmetic (64.1% → 48.1% is a
  16-point decrease), against bounds written as the label writes them: `[` / `]` include the bound, `(` / `)`
  exclude it (LVEF `(45, …)` is "greater than 45%", `[40, 45]` is "40% to 45%").
- A recovery shown before the label's minimum withholding period ends ("withhold … for at least 4 weeks") keeps the
  hold, and the step names the earliest resumption date; the next dose is never before it. A recovery first
  documented after the label's resumption window ("may be resumed if, within 8 weeks, …") does not resume: where the
  label discontinues a decline persisting beyond the window it discontinues, otherwise the hold continues and the
  prescriber's decision is asked for.
- "Discontinue if confirmed": only a repeat reading that meets the row again (or another row with the same
  confirmation rule) discontinues; any other repeat reading is judged afresh against the table (resume, or the row
  it now meets with that row's repeat rule).
- A reduction on resumption counts from the dose given before the recovery: a reduced dose given on or after the
  day of the recovered reading is that reduction (never applied twice).
- No next-LVEF date is given after a permanent discontinuation (the knowledge base holds no post-treatment
  schedule to date it from; the basis quotes the label's monitoring text); a due date already past is marked
  overdue.
- Adverse events (given, or derived from laboratory values graded by CTCAE v5.0) are matched to the label rule for
  their grade; a resolved event resumes the drug at the same or a reduced level (the 28-day rule for trastuzumab
  deruxtecan ILD); when a label distinguishes details the course does not record, the more conservative rule applies
  and a warning says so.
- An episode both recorded as an adverse event and graded from the laboratory values (the same term, overlapping
  dates) is read once, at the higher of the two grades, with a warning. It stays the recorded event, at the
  laboratory grade when that is higher: the earliest onset, complicating features and persistence despite treatment
  as recorded, resolved as the laboratory values say unless the record gives a recovery dated after the last value.
- A laboratory series is one event from its first actionable value until the first value at or below the grade the
  label's row resumes at (platelets 40 → 60 → 150 × 10⁹/L under "interrupt until resolved to grade 1 or less": one
  grade 3 event, resolved at 150); a value that improves only part of the way keeps the event open.
- A reduction on resumption after an adverse event counts from the dose given before the event resolved: a reduced
  dose given on or after the resolution day is that reduction (never applied twice), and a dose above it does not
  cancel it (the next dose is the reduced level; dose levels only move down, a her2kit convention).
- Rows may depend on how long an event has lasted (from onset to resolution, or to today) and on whether it has
  complicating features or persists despite optimal supportive treatment; when the course does not record a feature a
  row depends on, the most cautious row applies and the feature is listed under `needs`. A resolution window ("recovers
  within one week") counts from when the row began to apply.
- An agent's row for "other adverse reactions" applies to an event only when the agent has no rule of its own for its
  term at its grade (the rationale says so).
- Rows may also depend on the dose level the event occurred on ("after maximal dose reduction": the last dose given
  on or before onset was the lowest level of the label's ladder) and on a concurrent laboratory value (transaminases
  with total bilirubin above a multiple of ULN, dated within the event). When the course has no such laboratory
  value, the dose is held and the value is listed under `needs`; the row is not applied blindly (for an event
  already acted on — a dose given on or after its resolution — a warning says the row could not be checked).
- A liver-test row may use the label's own × ULN cut-offs (`value_uln`, e.g. bilirubin > 1.0 to ≤ 2.0 × ULN); they
  are judged on the event's worst value.
- A row that says "discontinue if not recovered within N days" discontinues when recovery to the row's grade came, or
  is still missing, later than N days after the row began to apply; the hold step names the date.
- Region: a course in region EU uses the agent's EU SmPC records of a kind (LVEF tables, adverse-reaction rules,
  dosing) when there are any, else the US records with a warning. Setting: where a label's tables differ between early
  and metastatic disease, the course's `setting` picks the table; a setting without a table in the knowledge base gets
  the other setting's with a warning; tables that differ by setting and no setting given hold and ask for it.
- An optional dose escalation (`escalation: true` in the course) gives the step's dose for the day of the
  escalation; a prophylaxis period (e.g. antidiarrhoeal) is shown on every dose within it (calendar treatment days).
  her2kit conventions (the label's table does not cover interruptions): the escalation counts treatment days less the
  days of holds (gaps without a dose while an adverse event of the course was open), so after a hold it goes on where
  it stopped, and a resumption "at the same dose" is never above the step given before the hold (a warning asks the
  prescriber to check). In a course on the escalation a dose equal to an escalation step (not the final one) is never
  read as a reduced level by itself; but a reduction a rule sets binds through that rule: a dose equal to the level
  the rules set is ON that reduced level even when it equals an escalation step (neratinib 120 mg after a reduction
  from 160 mg is the lowest level, so an "after maximal dose reduction" row applies, and a later higher dose is a
  re-escalation). A reduction during the escalation counts from the mg given: the next label level strictly below it
  (grade 3 on 160 mg → 120 mg), and the escalation is not resumed. After a hold during the escalation, when the
  prescriber resumed on a lower step than the one given before the hold (120 mg after 160 mg), the next dose is never
  above the dose last given (never 120 → 240 by counting days): a warning, and `needs` asks for the intended step.
- A baseline LVEF below an agent's safety-gate threshold (`lvef-below` gates, the table at the end) gives a warning;
  before the first dose it also asks for the prescriber's decision with cardiology input (`needs`), so that a first dose
  the LVEF table lets through (T-DM1 at 45%: "LVEF 40% to ≤ 45% and decrease < 10% points: continue") never reads as an
  unqualified go-ahead. The dose is not held for it (the gates are cautions; no label read says not to start).
- Missing information a rule needs (baseline LVEF, institutional LLN, a liver test's ULN) holds the next dose and is
  listed under `needs`; weights and doses need explicit units; nothing reads the clock. A liver value without its
  ULN has no grade: the latest value of its test, or one no dose has followed, holds; an earlier one that a later
  value and a dose have followed gives a warning.
- An interaction the label says to avoid (a `contraindication` safety gate) gives a warning and asks for the
  prescriber's decision (`needs`). It holds the dose only where the label's remedy concerns the HER2 drug itself
  (the gate's `remedy`: `her2-dose`, e.g. "reduce Tukysa to 100 mg twice daily", "consider reducing Tykerb to
  500 mg/day"; `her2-delay`, "consider delaying Kadcyla"); where it concerns the other medicine (stop, change or
  reduce it; "avoid" with no other remedy) or the timing of the two (H2-antagonist spacing), the HER2 drug is not
  held. Where the gate gives the HER2 drug's adjusted dose (`adjusted_dose`) and the last dose already is that dose,
  the dose continues at it (dose level null, a warning). Where the gate's text gives a titration for an unavoidable
  combination with its highest dose (`max_dose`, by regimen: lapatinib with a strong CYP3A4 inducer, "titrate Tykerb
  gradually up to 4,500 mg/day with capecitabine or 5,500 mg/day with letrozole"), doses rising from the label dose
  to at most that dose while the medicine is listed are the label's remedy in progress: the dose continues at the
  last one (dose level null, never above the maximum), with a warning, and `needs` asks for the prescriber's
  titration plan; a dose above the maximum, or falling off the label's levels, is held. Where the remedy is a delay
  (`her2-delay`) and doses were given while the medicine is listed (the course went on after the decision; the
  course does not date its medications), the dose is not held: a warning, and `needs` asks the prescriber to
  confirm; before the first dose it holds. A dose a hepatic-impairment gate gives (neratinib 80 mg,
  Child-Pugh C) is recognised the same way; the course cannot record hepatic impairment, so `needs` asks to confirm
  it (no hold). Cautions are steps.
- When no next dose can be given (a level the course or the knowledge base cannot give; see `needs`), the action is
  hold.
- Missing knowledge is treated like missing information: an unresolved adverse event of grade 3 or higher for which
  the knowledge base has no label rule holds the dose (rule `knowledge-base-gap`, which is not a label rule) and asks
  for the label's dose modification; once such an event has resolved and no dose has been given since, no next dose
  level is given and `needs` asks for the label's dose level after it; lower grades, and events already acted on,
  give a warning. LVEF readings for an agent
  whose LVEF table is not in the knowledge base give a warning that they were not judged; symptomatic heart failure
  then holds the dose, as it does when the agent's table has no heart-failure row. Where the label is known to have
  an LVEF table the knowledge base lacks (records marked "label table not in the knowledge base", e.g. pertuzumab),
  a reading below 50% or a decrease of 10 points or more holds the dose (`knowledge-base-gap`) and asks for the
  label's table: a her2kit safety convention — the level at which the HER2-antibody LVEF tables in the knowledge
  base begin to act — not a label rule.
- Levels of the same dose that differ in how often it is taken (sevabertinib: first reduction 10 mg twice daily,
  second 10 mg once daily; KB `DoseLevel.schedule`) are told apart by the level the doses of a day state
  (`dose_level`), else by the doses of that dose on record each day (her2kit convention; a day whose doses state a
  level counts as that level's number a day): as many as the more frequent level gives is that level; fewer on one
  day between full days (or before one) is a missed dose of the more frequent level; fewer on two or more days in a
  row with no full day at that dose before them is the less frequent level; fewer after a full day at that dose is
  not known — missed doses and a change to the once-daily level look the same in the record — so the dose is held
  and `needs` asks for `dose_level` (a reduction a rule set binds without it; a count reading below the level a rule
  set is asked about too). A stated level that gives fewer doses a day than the day has, or two levels stated on
  one day, are warned about and not used. Earlier doses that may have been on the less frequent level, before a
  dose on the more frequent one, are a possible re-escalation: held and asked. Today's doses count as the day so
  far: the calendar day before decides (none that day: not known). Doses of different levels on the last day (the
  course gives no time of day) are asked about. A reduction to the once-daily level counts as applied only when
  the doses show it. The next dose gives the level's own schedule (`next_dose.schedule`: "daily").
- Every rule below is tested against the label's words in `tests/safety/vectors/*.yaml` (each threshold on both sides
  of its boundary for the LVEF tables); a test fails when a rule has no vector.
- Where a label's dose levels differ by disease setting or by a partner drug (`Regimen.setting`, `Regimen.given_with`:
  neratinib as a single agent in extended-adjuvant treatment, 240/200/160/120 mg; with capecitabine in metastatic
  disease, 240/160/120 mg), the course's `setting` picks the record, and a record given with a partner drug is used
  only when the course's `medications` name it (brands too: Xeloda). A course that does not decide (no setting and no
  partner named, or the metastatic setting without capecitabine) is held with no dose level, and `needs` names the
  records and their levels to choose from (`regimen` gives one explicitly); `her2kit dose` without a choice lists
  them the same way, and `--setting` chooses.
- Doses are computed from the regimen records (mg or mg/kg × weight, rounded once to 0.1 mg); dose levels only
  move down; a reduction below the lowest level discontinues when the label says so (where the label says nothing
  more, no next dose is given and `needs` asks); a dose later than the label allows is re-loaded.
- The next dose is due one dose interval after the last: the schedule's interval (q3w 21 days, q2w 14, weekly 7;
  one day for a daily or twice-daily oral drug, whatever its cycle, e.g. lapatinib on days 1–21 of a 21-day cycle);
  missed daily doses are never made up, and the step quotes the label's own missed-dose words. On a twice-daily
  tablet with fewer of today's doses on record than the level gives, the next dose is today's. Where the label keeps
  the previous schedule after a dose up to a week late (Herceptin SmPC, `keeps_schedule`), the next date follows
  that schedule rather than the late dose.
- A regimen that follows another of the same drug (`switch_from`: trastuzumab every 3 weeks after the weekly phase
  with paclitaxel, docetaxel or docetaxel/carboplatin): when the last dose is a dose of the earlier regimen, the
  next dose is the later regimen's maintenance dose (no loading dose) `after_days` after it (trastuzumab: "One week
  following the last weekly dose of Herceptin, administer Herceptin at 6 mg/kg ... every three weeks"); if that
  first dose is late, the later regimen's missed-dose rules apply to it (more than a week: re-load 8 mg/kg). A dose of
  the earlier regimen is recognised within 25% of its dose (vial rounding, a dose not recalculated after a weight
  change), with a warning when it is not within 5%, or when it came late without the re-loading dose the earlier
  regimen's own missed-dose rules ask for; a first dose earlier than `after_days` is warned about; fewer
  doses of it than the label describes (`min_doses`) ask for confirmation that the phase has ended (a need, not a
  hold), and the step quotes the earlier regimen's phase (12 or 18 weeks). After doses of the later regimen, a lower
  dose is no new phase. Where the last dose is a dose of another schedule of the drug and no such rule exists (the
  EU record), the first date is not guessed: the dose is held and `needs` asks whether it is a dosing error or a
  change of schedule.
- The level of the last dose given is the label level within 5% of it; more than 5% below a level, the next level
  below it (never the nearest level above), with a warning; above the top level, the top level; a dose below the
  lowest level, or more than 25% from every level of a reduction ladder (a tenfold slip, a dose on another weight),
  has no level: no next dose is given and `needs` asks for the dose to be confirmed. A dose off every level at the
  weight of its day but within 5% of a level at the weight in effect at the previous dose (not recalculated after a
  weight change), or of level 0 at any earlier recorded weight, is that level, with a warning; the next dose is that
  level at today's weight. A dose on one level at its own weight and on another at the previous dose's weight — or on
  level 0 at any earlier recorded weight — has no level: a warning and a need say so (hold), for as long as the dose
  stays equal to the full dose at an earlier weight (her2kit convention: an un-recalculated dose is never a silent
  reduction, nor a reduction reached for the re-escalation check). Where the label's dose depends on a weight band
  (zongertinib), each dose is read against the regimen record of its own day's weight: a full dose of the earlier
  band is level 0, not a reduction; the same mg at the new band's weight is on a level of both bands and is asked
  about like an un-recalculated dose.
  Earlier weight-based doses given before the first dated weight are not read for levels (a warning).
- Re-escalation (a her2kit convention): only a dose that was ON a reduced label level (within 5% at the weight of its
  day; not a loading dose, not an escalation step of a course on the escalation, not between or off levels) is a
  reduction reached. A later dose above it is a re-escalation, which is neither followed nor silently undone: the
  dose is held and `needs` asks for the intended level, quoting the regimen record's "do not re-escalate" where the
  record holds the label's words (Kadcyla, Enhertu); a neratinib course whose doses look like the escalation but is
  not marked `escalation: true` is told so. Earlier doses off every level are named in one warning and bind nothing.
- The dose history is checked: more doses on one date than the schedule gives, and a dose sooner than the
  schedule's interval each give a warning — except a dose on or after the date the label's own schedule planned for
  it (e.g. the SmPC's keep-the-schedule date after a late dose) and a dose after one that is a dose of another of the
  agent's regimens on another schedule (e.g. the weekly trastuzumab dose before a switch to every 3 weeks; those are
  named once). A dose merely off every level is no other schedule: the interval after it is checked. A last dose
  given in another weight band than today's is read against its own band; the next dose is the same level of
  today's band, with a warning.
- LVEF holds: a repeat assessment overdue during an LVEF-driven hold is listed under `needs` (any agent). Where a
  row's words discontinue when LVEF "has not improved or has declined further", a repeat reading at or below the one
  that opened the hold, or below an earlier repeat reading of the hold, asks for the prescriber's decision quoting the
  row; when a later reading recovers and the hold ends, that question is dropped (a step says so): `resume` is never
  returned next to a need asking whether to discontinue.

Records marked UNVERIFIED could not be checked in full against the current label; their notes say what was read.
This file is generated by `scripts/gen_safety_doc.py`; `tests/safety/test_docs.py` fails when it is out of date.
"""


def _interval(band: LvefBand, measure: str) -> str:
    """A band's bounds on one measure as an interval: ``[`` / ``]`` include the bound, ``(`` / ``)`` exclude it."""
    low = high = ""
    left, right = "[", ")"
    for which, op, value in band.bounds():
        if which != measure:
            continue
        if op in (">=", ">"):
            low, left = f"{value:g}", "[" if op == ">=" else "("
        else:
            high, right = f"{value:g}", "]" if op == "<=" else ")"
    return f"{left}{low}, {high}{right}" if low or high else ""


def _flag(record: object) -> str:
    return " **UNVERIFIED**" if getattr(record, "unverified", False) else ""


def _setting(r: Regimen) -> str:
    parts = [p for p in (r.setting, f"with {', '.join(r.given_with)}" if r.given_with else None) if p]
    return "; ".join(parts) or "—"


def render(kb: KnowledgeBase) -> str:
    out = [HEADER, f"Knowledge base version: {kb.version}\n"]
    out.append("## Dosing (regimens)\n")
    out.append(
        "| regimen | agent | region | setting, given with | schedule | loading | maintenance | dose levels | escalation "
        "| prophylaxis | missed dose | label section | sources |"
    )
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in kb.regimens.values():
        load = f"{r.loading_dose.value:g} {r.loading_dose.unit}" if r.loading_dose else "—"
        levels = (
            "; ".join(
                f"{lvl.level}: {lvl.dose.value:g} {lvl.dose.unit}"
                + (f" {schedule_words(lvl.schedule)}" if lvl.schedule else "")
                for lvl in r.dose_levels
            )
            or "—"
        )
        missed = (
            "; ".join(
                f"{m.condition}{' → re-load' if m.reload else ''}{' → previous schedule kept' if m.keeps_schedule else ''}"
                for m in r.missed_dose
            )
            or "—"
        )
        escalation = "; ".join(escalation_schedule(r)) or "—"
        prophylaxis = f"first {r.prophylaxis_days} days" if r.prophylaxis_days else "—"
        out.append(
            f"| `{r.id}`{_flag(r)} | {kb.agents[r.agent].name} | {r.region} | {_setting(r)} | {r.schedule} | {load} | "
            f"{r.maintenance_dose.value:g} {r.maintenance_dose.unit} | {levels} | {escalation} | {prophylaxis} | "
            f"{missed} | {r.label_section or '—'} | {', '.join(r.references)} |"
        )
    out.append("\n## LVEF monitoring and dose modification\n")
    for c in kb.cardiac_monitoring.values():
        scope = f"{c.region} label" + (f", {c.setting} disease" if c.setting else "")
        out.append(f"### `{c.id}`{_flag(c)} — {', '.join(kb.agents[a].name for a in c.agents)} ({scope})\n")
        out.append(f"Label section {c.label_section}; sources: {', '.join(c.references)}.\n")
        out.append(f"- Monitoring: {c.interval_text.strip()}")
        if c.max_holds is not None:
            out.append(f"- Discontinue when held more than {c.max_holds} times.")
        if c.persistent_decline_weeks is not None:
            out.append(
                f"- Discontinue when a decline persists more than {c.persistent_decline_weeks:g} weeks."
            )
        if c.recovered_text:
            out.append(f"- Recovery: {c.recovered_text.strip()}")
        if c.resume_within_weeks is not None:
            out.append(
                f"- Resumption only when recovery is shown within {c.resume_within_weeks:g} weeks of the hold."
            )
        if c.lln_if_not_given is not None:
            out.append(
                f"- Without an institutional lower limit of normal, {c.lln_if_not_given:g}% is used (the label's value "
                "where no limits are available)."
            )
        if c.graded_as is not None:
            out.append(
                f"- The label also acts on the NCI CTCAE grade of a decreased LVEF, recorded as `{c.graded_as}` events: "
                f"a latest reading that meets {GAP_THRESHOLD}, with no such event recorded on or after it, holds the "
                "dose and asks for its grade (her2kit safety convention, not a label rule)."
            )
        if c.label_table_missing:
            out.append(
                "- **The label's LVEF table is not in the knowledge base.** A reading below 50% or a decrease of 10 "
                "points or more holds the dose as a knowledge gap and asks for the label's table (her2kit safety "
                "convention, not a label rule).\n"
            )
            continue
        out.append(
            "\n| LVEF (%) | below LLN | decrease (points) | symptomatic CHF | action | repeat | withhold at least "
            "| at repeat | label text |"
        )
        out.append("|---|---|---|---|---|---|---|---|---|")
        for b in c.bands:
            out.append(
                f"| {_interval(b, 'lvef')} | {'' if b.below_lln is None else b.below_lln} | {_interval(b, 'decline')} | "
                f"{'' if b.symptomatic_chf is None else b.symptomatic_chf} | {b.action} | "
                f"{'' if b.recheck_weeks is None else f'{b.recheck_weeks:g} wk'} | "
                f"{'' if b.min_hold_weeks is None else f'{b.min_hold_weeks:g} wk'} | {b.on_recheck or ''}"
                f"{f'; resume −{b.reduce_levels_on_resume} level' if b.reduce_levels_on_resume else ''} | "
                f"{' '.join(b.text.split())} |"
            )
        out.append("")
    out.append("## Adverse-event dose modifications\n")
    out.append(
        "| rule | agents | event | grades | applies when | action | resume when grade ≤ | reduce on resume "
        "| resolution window | label text | label section | sources |"
    )
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for a in kb.ae_rules.values():
        out.append(
            f"| `{a.id}`{_flag(a)} | {', '.join(kb.agents[x].name for x in a.agents)} | {a.term} | "
            f"{a.grade_min}–{a.grade_max} | {rule_conditions(a)} | {a.action} | "
            f"{'' if a.hold_until_grade is None else a.hold_until_grade} | "
            f"{a.reduce_levels_on_resume or ''} | {rule_windows(a)} | {' '.join(a.text.split())} | {a.label_section} | "
            f"{', '.join(a.references)} |"
        )
    out.append("\n## Laboratory grading (CTCAE)\n")
    out.append("| grading | test | unit | grades [low, high) | version | sources |")
    out.append("|---|---|---|---|---|---|")
    for g in kb.lab_grading.values():
        grades = "; ".join(
            f"{b.grade}: [{'' if b.low is None else b.low}, {'' if b.high is None else b.high})"
            for b in g.grades
        )
        out.append(
            f"| `{g.id}`{_flag(g)} | {g.term} | {g.unit} | {grades} | {g.version} | {', '.join(g.references)} |"
        )
    out.append("\n## Safety gates used by therapy matching and monitoring\n")
    out.append(
        "A recorded pregnancy (`patient.pregnant: true`) makes each pregnancy gate a contraindication whatever its\n"
        "severity below (a policy from the boxed embryo-fetal warnings; docs/matching.md). An unrecorded LVEF is\n"
        "asked for by every lvef-below and heart-failure-history gate.\n"
    )
    out.append("| gate | agents | condition | severity | label section | sources |")
    out.append("|---|---|---|---|---|---|")
    for s in kb.safety_gates.values():
        out.append(
            f"| `{s.id}`{_flag(s)} | {', '.join(kb.agents[x].name for x in s.agents)} | {s.condition} | {s.severity} | "
            f"{s.label_section} | {', '.join(s.references)} |"
        )
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    text = render(load_kb())
    if "--check" in argv:
        return 0 if DOC.exists() and DOC.read_text() == text else 1
    DOC.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
