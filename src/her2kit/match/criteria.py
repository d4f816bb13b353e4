"""Evaluating an indication's label criteria (``kb.schema.Criteria``) against one case.

Each criterion gives one of three answers, with a sentence a clinician can read:
met, not met, or missing (the case does not say). Nothing is guessed: an absent
biomarker is "missing", and the option that needs it is ranked after complete
fits and says what test is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from her2kit.assessment import Finding, Her2Status
from her2kit.case import Case, IhcTest, NgsTest
from her2kit.kb.load import KnowledgeBase
from her2kit.kb.schema import Indication
from her2kit.match.history import TreatmentHistory, class_members, early_phases, line_name

SOLID_TUMOR = "solid-tumor"  # indication scope: any solid tumour (tumour-agnostic)


@dataclass
class Fit:
    met: list[str] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    cautions: list[Finding] = field(default_factory=list)
    exact: bool = False  # the line or phase is the one the indication is written for

    @property
    def eligible(self) -> bool:
        return not self.unmet


def _label_source(kb: KnowledgeBase, indication: Indication) -> str:
    labels = [r for r in indication.references if r.startswith("ref:label-")]
    return f"{indication.id} ({', '.join(labels or indication.references[:1])})"


def evaluate(
    indication: Indication, case: Case, status: Her2Status, history: TreatmentHistory, kb: KnowledgeBase
) -> Fit:
    c = indication.criteria
    fit = Fit()
    tumor = case.tumor.type
    source = _label_source(kb, indication)

    # Tumour type and setting.
    if tumor in c.tumor_types:
        fit.met.append(f"tumour type {tumor}")
    elif SOLID_TUMOR in c.tumor_types:
        fit.met.append(f"solid tumour ({tumor}); the indication is tumour-agnostic")
    else:
        fit.unmet.append(f"indicated for {', '.join(c.tumor_types)}, not {tumor}")
        return fit
    if case.tumor.setting is None:
        fit.missing.append("disease setting (early or metastatic)")
    elif case.tumor.setting != c.setting:
        fit.unmet.append(f"indicated for {c.setting} disease, not {case.tumor.setting}")
        return fit
    else:
        fit.met.append(f"{c.setting} disease")

    _her2(c.her2_categories, c.her2_ihc_scores, case, status, fit)
    _mutation(c.erbb2_mutation, case, fit, source)

    # Phase of early disease, or line of metastatic therapy.
    if c.setting == "early":
        possible, exact = early_phases(case, history)
        if c.phase in possible:
            fit.met.append(f"treatment phase: {c.phase}")
            fit.exact = c.phase == exact
        else:
            fit.unmet.append(
                f"indicated {c.phase.replace('-', ' ')}; this case is {' or '.join(sorted(possible))}"
            )
    elif c.lines:
        _line(c.lines, c.lines_count, history, fit)

    _biomarkers(indication, case, fit)
    _prior_therapy(indication, case, history, kb, fit, source)
    return fit


def _line(lines: Sequence[str], counted: str, history: TreatmentHistory, fit: Fit) -> None:
    """The line of metastatic therapy against the label's lines. Endocrine-based lines do not count where the
    label defines its line by chemotherapy and anti-HER2 therapy; where it does not say, a line reached only
    through them is asked about, not refused."""
    prior = history.prior_lines_for_labels
    endocrine = min(history.endocrine_based_lines, prior)
    without = line_name(prior - endocrine)
    if counted == "chemotherapy-or-anti-her2" and endocrine:
        if without in lines:
            fit.met.append(
                f"{without} line: {prior} prior line(s), of which {endocrine} endocrine-based, which the label "
                "does not count (it counts chemotherapy and anti-HER2 therapy for metastatic disease)"
            )
            fit.exact = True
        else:
            fit.unmet.append(
                f"indicated for {'/'.join(lines)} line; this would be {without} line "
                f"({prior - endocrine} prior line(s) of chemotherapy or anti-HER2 therapy counted)"
            )
    elif history.line in lines:
        fit.met.append(f"{history.line} line (prior lines counted for the label: {prior})")
        fit.exact = True
    elif endocrine and without in lines:
        fit.missing.append(
            f"whether the label's {'/'.join(lines)} line allows the {endocrine} prior endocrine-based line(s) "
            "(endocrine therapy without chemotherapy or an anti-HER2 agent); the label does not say"
        )
    else:
        fit.unmet.append(
            f"indicated for {'/'.join(lines)} line; this would be {history.line} line "
            f"({prior} prior line(s) counted)"
        )


def _her2(categories: Sequence[str], scores: Sequence[str], case: Case, status: Her2Status, fit: Fit) -> None:
    if categories:
        if status.category in categories:
            fit.met.append(f"{status.category} ({status.summary})")
        elif status.result in ("equivocal", "indeterminate"):
            fit.missing.append(f"HER2 status ({status.result}: {status.summary})")
        elif status.category == "HER2-negative" and "HER2-ultralow" in categories:
            fit.missing.append("whether IHC 0 showed faint membrane staining (ultralow) or none (null)")
        else:
            fit.unmet.append(f"requires {' or '.join(categories)}; this case is {status.category}")
    if scores:
        seen = {t.score for t in case.her2_tests if isinstance(t, IhcTest)}
        hit = sorted(seen & set(scores))
        if hit:
            fit.met.append(f"HER2 IHC {', '.join(hit)}")
        elif not seen:
            fit.missing.append(f"HER2 IHC (the indication requires IHC {' or '.join(scores)})")
        else:
            fit.unmet.append(f"requires HER2 IHC {' or '.join(scores)}; IHC here: {', '.join(sorted(seen))}")


def _mutation(required: str | None, case: Case, fit: Fit, source: str) -> None:
    if required is None:
        return
    mutations = [m for t in case.her2_tests if isinstance(t, NgsTest) for m in t.erbb2_mutations]
    tested = any(isinstance(t, NgsTest) for t in case.her2_tests)
    if mutations:
        fit.met.append(f"ERBB2 mutation reported: {', '.join(mutations)}")
        kind = "tyrosine kinase domain activating" if required == "tkd-activating" else "activating"
        fit.cautions.append(
            Finding(
                code="mutation-classification",
                text=f"The label requires an {kind} HER2 (ERBB2) mutation detected by an FDA-approved test; "
                "confirm the classification of the reported variant.",
                source=source,
            )
        )
    elif tested:
        fit.unmet.append("requires an activating ERBB2 mutation; none reported by NGS")
    else:
        fit.missing.append("ERBB2 mutation testing (NGS)")


def _biomarkers(indication: Indication, case: Case, fit: Fit) -> None:
    c = indication.criteria
    markers = case.biomarkers
    if c.hormone_receptor is not None:
        hr = markers.hormone_receptor
        if hr is None:
            fit.missing.append("hormone-receptor status (ER/PR)")
        elif hr == c.hormone_receptor:
            fit.met.append(f"HR-{hr}")
        else:
            fit.unmet.append(f"requires HR-{c.hormone_receptor} disease; this case is HR-{hr}")
    if c.pd_l1_cps_min is not None:
        if markers.pd_l1_cps is None:
            fit.missing.append(f"PD-L1 CPS (the indication requires CPS ≥ {c.pd_l1_cps_min:g})")
        elif markers.pd_l1_cps >= c.pd_l1_cps_min:
            fit.met.append(f"PD-L1 CPS {markers.pd_l1_cps:g} ≥ {c.pd_l1_cps_min:g}")
        else:
            fit.unmet.append(f"requires PD-L1 CPS ≥ {c.pd_l1_cps_min:g}; CPS here {markers.pd_l1_cps:g}")
    if c.ras == "wild-type":
        if markers.ras is None:
            fit.missing.append("RAS (KRAS/NRAS) status")
        elif markers.ras == "wild-type":
            fit.met.append("RAS wild-type")
        else:
            fit.unmet.append("requires RAS wild-type disease; this tumour is RAS-mutant")


def _prior_therapy(
    indication: Indication, case: Case, history: TreatmentHistory, kb: KnowledgeBase, fit: Fit, source: str
) -> None:
    c = indication.criteria
    if c.min_prior_her2_regimens_metastatic is not None:
        n = history.her2_regimens_metastatic
        if n >= c.min_prior_her2_regimens_metastatic:
            fit.met.append(
                f"{n} prior anti-HER2 regimen(s) (label: ≥ {c.min_prior_her2_regimens_metastatic})"
            )
        else:
            fit.unmet.append(
                f"requires ≥ {c.min_prior_her2_regimens_metastatic} prior anti-HER2 regimen(s); {n} recorded"
            )
    for required in c.prior_agents_required:
        if required.startswith("agent:"):
            name = kb.agents[required].name
            members = frozenset({name})
        else:
            name = required
            members = class_members(kb, required)
        given = sorted(history.received & members)
        if given:
            fit.met.append(f"prior {name}: {', '.join(given)}")
        elif name.lower() == "endocrine therapy" and history.endocrine_progressed:
            fit.met.append("prior endocrine therapy (progression on endocrine therapy recorded)")
        else:
            fit.unmet.append(f"requires prior {name}; none recorded in the history")
    if c.endocrine_progression_required:
        if history.endocrine_progressed is True:
            fit.met.append("progressed on endocrine therapy")
        elif history.endocrine_progressed is False:
            fit.unmet.append("requires progression on endocrine therapy")
        else:
            fit.missing.append("whether the disease progressed on endocrine therapy")
    if c.min_prior_chemo_lines_metastatic is not None:
        if history.chemo_lines_metastatic >= c.min_prior_chemo_lines_metastatic:
            fit.met.append(
                f"{history.chemo_lines_metastatic} prior chemotherapy line(s) for metastatic disease"
            )
        else:
            fit.unmet.append(
                f"requires ≥ {c.min_prior_chemo_lines_metastatic} prior chemotherapy line(s) for metastatic "
                f"disease; {history.chemo_lines_metastatic} recorded"
            )
    if c.max_prior_chemo_lines_metastatic is not None:
        if history.chemo_lines_metastatic <= c.max_prior_chemo_lines_metastatic:
            fit.met.append(
                f"{history.chemo_lines_metastatic} prior chemotherapy line(s) for metastatic disease"
            )
        else:
            fit.unmet.append(
                f"for ≤ {c.max_prior_chemo_lines_metastatic} prior chemotherapy line(s) for metastatic disease; "
                f"{history.chemo_lines_metastatic} recorded"
            )
    if c.prior_systemic_therapy_required:
        if history.any_therapy:
            fit.met.append("previously treated")
        else:
            fit.unmet.append("requires prior systemic therapy; none recorded in the history")
    if c.no_satisfactory_alternative_required:
        fit.cautions.append(
            Finding(
                code="no-satisfactory-alternative",
                text="The label limits this use to patients with no satisfactory alternative treatment options.",
                source=source,
            )
        )
    if c.high_risk_required:
        fit.cautions.append(
            Finding(
                code="confirm-label-risk-criteria",
                text=f"Confirm the label's risk criteria for early disease: {c.free_text}",
                source=source,
            )
        )
