"""The candidate filters and shortcuts added for throughput give exactly the plain regex results.

Anchor checks of ``Scanner.starts`` (``anchor_ok``), the one-pattern word scans of ``finditer_at`` /
``search_at`` and of the ``near=`` ranges, the ISH and DCIS skips, the quoted-biopsy look-up, the
sentence-start search and the non-ASCII character set of ``_fast_ok``.
"""

from __future__ import annotations

import re
from typing import Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from her2kit.extract import context as C  # noqa: N812
from her2kit.extract import ish as ISH  # noqa: N812
from her2kit.extract import keywords as K  # noqa: N812
from her2kit.extract import patterns as P  # noqa: N812
from her2kit.extract import scan as S  # noqa: N812
from her2kit.extract.sentences import _BOUNDARY, Sentences
from tests.extract.test_differential import _TOKENS, REPORT_TEXTS, SNIPPETS

_EXTRA = st.sampled_from(
    [
        "present", "sentinel", "has been sent", "was sent out", "will be sent", "as follows", "to follow",
        "following", "PR ", "PR:", "PR)", "PRO", "progesterone", "PgR ", "PgR2", "ER/PR", "ER and PR", "er,pr",
        "estrogen and progesterone receptors", "biopsy", "core", "FNA", "fna", "needle", "in situ", "DCIS",
        "intraductal", "FISHER", "fisz", "CEP 17", "cep-17", "chromosome 17", "INFORM HER2", "information",
        "hybridization", "amplification", "English", "dish", "iqfish", "H-score", "hscore", "per outside",
        "performed on the prior", "see outside", "history of", "positive for ER", "ratio", "=", "upper", "per ",
        "performed by", "seen", "clinical history", "clinical\tinformation", "biopsy from 2019", "biopsies in 2018",
        "biopsy from 2019-03", "reportedly", "Indication:", "(outside,", "previously positive", "Previous HER2",
        "outside lab", "( )", "[ ]", "___",
    ]
)  # fmt: skip
_TEXT = st.lists(st.one_of(_TOKENS, _EXTRA), max_size=60).map("".join)


def _spans(ms: object) -> list[tuple[int, int]]:
    return [m.span() for m in ms]  # type: ignore[attr-defined]


def _filtered_scans(scan: S.Scanner) -> list[list[tuple[int, int]]]:
    return [
        _spans(
            scan.starts(
                P.PENDING,
                K.PENDING_STARTS,
                offsets=(K.ISH_OFFSET,),
                near=(K.PENDING_WORDS, 80),
                anchor_prev=K.PENDING_PREV,
                anchor_ok=K.PENDING_OK,
            )
        ),
        _spans(
            scan.starts(
                P.ER_PR_BOTH,
                K.ER_PR_BOTH_WORDS,
                word_start=True,
                near=(K.ER_PR_BOTH_ANCHORS, 64),
                anchor_prev=K.ER_PR_BOTH_PREV,
                anchor_ok=K.ER_PR_BOTH_OK,
            )
        ),
        _spans(scan.starts(P.QUOTED, K.QUOTED_WORDS, anchor_ok=K.QUOTED_OK)),
    ]


def _check_filtered(text: str) -> None:
    want = [
        _spans(P.PENDING.finditer(text)),
        _spans(P.ER_PR_BOTH.finditer(text)),
        _spans(P.QUOTED.finditer(text)),
    ]
    assert _filtered_scans(S.Scanner(text, K.INDEX)) == want
    assert _filtered_scans(S.Scanner(text, S.KeywordIndex(K.KEYWORDS, use_automaton=False))) == want


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_anchor_checks_keep_every_match(text: str) -> None:
    _check_filtered(text)


@pytest.mark.skipif(not REPORT_TEXTS, reason="shared TCGA reports not available")
def test_anchor_checks_on_real_reports() -> None:
    for text in REPORT_TEXTS + SNIPPETS:
        _check_filtered(text)


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.integers(0, 80), st.integers(0, 600))
def test_word_scans_are_finditer(text: str, pos: int, endpos: int) -> None:
    scan = S.Scanner(text)
    low = scan.low if scan.fast else None
    for rx, words in (
        (P.LEGEND, K.LEGEND_STARTS),
        (P.STATUS_WORD, K.STATUS_STARTS),
        (P.SECTION_BREAK, K.SECTION_EXACT),
        (P.IHC_ASSAY, K.IHC_ASSAY_STARTS),
    ):
        ref = low if rx is not P.SECTION_BREAK else (text if low is not None else None)
        assert _spans(S.finditer_at(rx, text, ref, words, pos, endpos)) == _spans(
            rx.finditer(text, pos, endpos)
        )
        got = S.search_at(rx, text, ref, words, pos, endpos)
        want = rx.search(text, pos, endpos)
        assert (got and got.span()) == (want and want.span())


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_case_sensitive_hits_are_find_positions(text: str) -> None:
    scan = S.Scanner(text, K.INDEX)
    for w in ("ER", "PR", "PgR", "CK", "FINAL"):
        assert scan._hits((w,), case=True) == S.find_all(text, w)


def _ish_word_anywhere(text: str) -> bool:
    """Whether P.ISH_WORD matches in some window ``search(text, lo, hi)`` (the end of a window hides
    what follows it, so every end is tried)."""
    return any(P.ISH_WORD.search(text, 0, hi) for hi in range(len(text) + 1))


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_ish_skip_only_when_nothing_can_be_read(text: str) -> None:
    ctx = C.read_context(text)
    if not ISH.ish_possible(ctx):
        assert not ctx.her2
        assert not _ish_word_anywhere(ctx.text)  # (the text read: checkbox options blanked, checkbox.py)
        assert ISH._ish_fragments(ctx) == []


@pytest.mark.skipif(not REPORT_TEXTS, reason="shared TCGA reports not available")
def test_ish_skip_on_real_reports() -> None:
    skipped = 0
    for text in REPORT_TEXTS:
        ctx = C.read_context(text)
        if not ISH.ish_possible(ctx):
            skipped += 1
            assert not ctx.her2
            assert not P.ISH_WORD.search(text)
            assert ISH.ish_tests(ctx) == []
    assert skipped > 0


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.integers(0, 400), st.integers(0, 400))
def test_biopsy_look_up_is_the_pattern(text: str, a: int, b: int) -> None:
    scan = S.Scanner(text)
    lo, hi = min(a, b, len(text)), min(max(a, b), len(text))
    want = bool(P.QUOTED_BIOPSY.search(text[lo:hi]))
    assert C._biopsy_named(text, scan.low if scan.fast else None, lo, hi) == want


def _old_prev_end(text: str, pos: int) -> int:
    hi, span = min(len(text), pos + 1), 256
    while True:
        lo = max(0, pos - span)
        last = -1
        for m in _BOUNDARY.finditer(text, lo, hi):
            if m.end() <= pos:
                last = m.end()
        if last >= 0:
            return last
        if lo == 0:
            return 0
        span *= 4


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .;!?\n\t\x1c\u2028")), max_size=700), st.data())
def test_sentence_start_is_the_last_boundary(text: str, data: st.DataObject) -> None:
    if not text:
        return
    pos = data.draw(st.integers(0, len(text) - 1))
    assert Sentences(text)._prev_end(pos) == _old_prev_end(text, pos)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_non_ascii_characters_of_fast_ok(text: str) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    got = set(raw.translate(None, S._ASCII_BYTES).decode("utf-8", "surrogatepass"))
    assert got == set(re.findall(r"[^\x00-\x7f]", text))


@settings(max_examples=300, deadline=None)
@given(_TEXT.map(lambda t: t.upper()))
def test_word_start_exact_scans_are_finditer(text: str) -> None:
    scan = S.Scanner(text, K.INDEX)
    other = scan.starts(P.OTHER_MARKER, exact=K.OTHER_MARKER_EXACT, offsets=(K.CADHERIN,), word_start=True)
    assert _spans(other) == _spans(P.OTHER_MARKER.finditer(text))
    er = scan.starts(P.ER_NAME, K.ER_WORDS, exact=K.ER_EXACT, word_start=True)
    assert _spans(er) == _spans(P.ER_NAME.finditer(text))
    pr = scan.starts(P.PR_NAME, K.PR_WORDS, exact=K.PR_EXACT, word_start=True)
    assert _spans(pr) == _spans(P.PR_NAME.finditer(text))


_LAZY_TEXT: Final = st.lists(
    st.sampled_from(
        [
            "AR",
            "MET",
            "MMR",
            "ar",
            "-",
            " ",
            "x",
            "1",
            "é",
            ":",
            "\n",
            "lymph",
            "nodes",
            "node",
            "(",
            ")",
            "status",
            "nuclear",
            "pleomorphism",
            "grade",
            "tubule",
            "tubular",
            "formation",
            "Margins",
            "mitoses",
            "Bloom",
            "gland",
            "perineural",
            "HER2",
            "ER",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_LAZY_TEXT)
def test_the_lazy_stops_are_the_whole_text_matches(text: str) -> None:
    """ReportContext.lazy_stop(lo, hi) is the first start in [lo, hi) of the whole-text matches of the stops it
    looks for only in windows (the reference reads them with finditer over the whole report)."""
    ctx = C.read_context(text)
    if ctx.low is None:
        return
    starts = sorted({m.start() for rx in (P.FIELD_STOP, P.OTHER_MARKER_CAPS) for m in rx.finditer(text)})
    for lo in range(len(text) + 1):
        for hi in (lo + 1, lo + 7, lo + 60):
            expected = next((s for s in starts if lo <= s < hi), None)
            assert ctx.lazy_stop(lo, hi) == expected, (lo, hi)


_CLAUSE_TEXT: Final = st.lists(
    st.sampled_from(["control", "controls", "Control", "if", "IF", "unless", "whether", "should", "x", " ", ".",
                     ";", "\n", "HER2", "3+", "positive", "a", "ifx", "xcontrol", "(", ":"]),
    max_size=40,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_CLAUSE_TEXT)
def test_control_or_condition_on_the_keyword_path_is_the_pattern_test(text: str) -> None:
    low = text.lower()
    for start in range(len(text) + 1):
        lo = max(0, start - 70)
        expected = bool(
            P.CONTROL_BEFORE.search(text, lo, start)
            or P.CONDITION_BEFORE.search(text, max(0, start - 50), start)
        )
        assert C.control_or_condition(text, low, start) == expected, start


_TARGET_TOKENS = st.sampled_from(
    ["EBER", "ebv", "Epstein-Barr", "HPV", "cmv", "Kappa", "LAMBDA", "ALK", "ros-1", "ROS1", "MYCN", "bcl-2", "MDM2",
     "cdk4", "CCND1", "EGFR", "FGFR2", "MET", "met", "TOP2A", "NTRK3", "EWSR1", "DDIT3", "SS18", "TFE3", "TP53",
     "1p/19q", "1p19q", "HER2", " ", "/", "ISH", "FISH", " ratio 2.1", "\u00e9", "K"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TARGET_TOKENS, _TOKENS), max_size=30).map("".join))
def test_other_target_gate_passes_every_target(text: str) -> None:
    """context.other_target_possible is false only where patterns.OTHER_ISH_TARGET cannot match."""
    ctx = C.read_context(text)
    # (on the text read: checkbox options the context blanked, "NTRK3___", are blanked for the gate too)
    if P.OTHER_ISH_TARGET.search(ctx.text):
        assert C.other_target_possible(ctx, 0, len(text))


# --- Window scans read off the keyword hits, and the searches started past what cannot match (2026-11-28) ---

_WINDOW_EXTRA = st.sampled_from(
    [
        "Block A1", "slide 2", "PART 3", "score 2+", "intensity 3", "staining", "weakly positive", "low positive",
        "Equivocal", "borderline", "indeterminate", "HercepTest", "4B5", "A0485", "FISH", "CISH", "SISH", "DDISH",
        "PathVysion", "INFORM HER2", "ZytoLight", "IQFISH", "Diagnosis:", "current specimen", "this biopsy",
        "present tumor", "today's case", "see separate", "report for further", "Microscopic", "Final Review",
        "FINAL DIAGNOSIS", "GROSS DESCRIPTION", "SPECIMEN(S)", "Procedures/Addenda", "EBER", "kappa", "ALK",
        "c-erbB-2", "c erb82", "c- exbB2", "ER-2-NEU", "in situ hybridization", "in - situ  hybridisation",
        "chromosome 17", "amplified", "90%", "> 90 %", "greater  than 80%", "approximately 5%", "~10%", "less than 1%",
        "1,5 %", "not ordered", "never requested", "no HER2 FISH was performed", "\u00e9", "\u00c0",
    ]
)  # fmt: skip
_WINDOW_TEXT = st.lists(st.one_of(_TOKENS, _EXTRA, _WINDOW_EXTRA), max_size=50).map("".join)

_WINDOW_SCANS: Final = (
    (P.STATUS_WORD, K.STATUS_STARTS, False),
    (P.SPECIMEN_ID, K.SPECIMEN_ID_WORDS, False),
    (P.SCORE_AFTER_STATUS, K.SCORE_AFTER_STATUS_WORDS, False),
    (P.SCORE_AFTER_WORD, K.SCORE_AFTER_WORD_WORDS, False),
    (P.IHC_ASSAY, K.IHC_ASSAY_STARTS, False),
    (P.ISH_TECHNIQUE, K.ISH_TECHNIQUE_WORDS, False),
    (P.ISH_KIT, K.ISH_KIT_WORDS, False),
    (P.QUOTE_END, K.QUOTE_END_WORDS, False),
    (P.ONCOTYPE_END, K.ONCOTYPE_END_WORDS, False),
    (P.SECTION_BREAK, K.SECTION_EXACT, True),
)


@settings(max_examples=300, deadline=None)
@given(_WINDOW_TEXT, st.data())
def test_window_scans_off_the_hits_are_finditer(text: str, data: st.DataObject) -> None:
    """Scanner.finditer_in / search_in over a window of the text (or the text) give the matches of the pattern on that
    window, on the keyword path and off it."""
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    window = text[a:b]
    pos = data.draw(st.integers(0, len(window) + 2))
    endpos = data.draw(st.integers(0, len(window) + 2))
    for scan in (S.Scanner(text, K.INDEX), S.Scanner(text, S.KeywordIndex(K.KEYWORDS, use_automaton=False))):
        scan.warm(*K.WARM_WORDS)
        for rx, words, case in _WINDOW_SCANS:
            got = scan.finditer_in(rx, window, a, words, pos, endpos, case=case)
            assert _spans(got) == _spans(rx.finditer(window, pos, endpos))
            one = scan.search_in(rx, window, a, words, pos, endpos, case=case)
            want = rx.search(window, pos, endpos)
            assert (one and one.span()) == (want and want.span())


@settings(max_examples=300, deadline=None)
@given(_WINDOW_TEXT, st.data())
def test_searches_started_late_are_the_searches(text: str, data: st.DataObject) -> None:
    """The searches that start past what cannot match (HER2 names, ISH words, percentages, legends, other ISH targets,
    negated requests) give the plain regex results."""
    from her2kit.extract import pending as PEND  # noqa: N812
    from her2kit.extract import receptors as R  # noqa: N812

    ctx = C.read_context(text)
    text = ctx.text  # (checkbox options the context blanked are blanked for the searches too)
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    segment = text[a:b]
    assert C.her2_in(ctx, a, b) == (P.HER2.search(segment) is not None)
    assert C.ish_technique_in(ctx, a, b) == (P.ISH_TECHNIQUE.search(segment) is not None)
    assert ISH._ish_word(ctx, a, b) == (P.ISH_WORD.search(text, a, b) is not None)
    target = any(w in (ctx.low or text.lower())[a:b] for w in K.OTHER_TARGET_WORDS) or "MET" in segment
    assert C.other_target_possible(ctx, a, b) == (target if ctx.low is not None else True)
    slow = None if ctx.low is None else ctx.low[a:b]
    pm, want = R._first_percent(segment, slow), P.PERCENT.search(segment, 0, 90)
    assert (pm and pm.span()) == (want and want.span())
    for end in range(len(segment) + 1):
        plain = segment[:end].replace(">", "").replace("<", "")
        lm = P.LEGEND.search(plain)
        if lm is not None:  # (a guideline cited in brackets is passed over: sixth review, 2)
            lm, _ = P.past_citations(plain, lm, lambda pos, s=plain: P.LEGEND.search(s, pos), len(plain))
        assert R._legend_before(segment, slow, end) == (lm is not None)
    negated = S.search_at(P.NEGATED, segment, slow, PEND._NEGATED_STARTS)
    want = P.NEGATED.search(segment)
    assert (negated and negated.span()) == (want and want.span())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_lower_text_is_str_lower(text: str) -> None:
    low, low_bytes = S._lower_text(text)
    assert low == text.lower()
    if low_bytes is not None:
        assert low_bytes == low.encode("latin-1")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .;!?\n\t\r\x0b\x1c\u2028\u2003")), max_size=60), st.data())
def test_sentence_boundary_patterns_are_the_alternations(text: str, data: st.DataObject) -> None:
    """sentences._BOUNDARY / _LAST_BOUNDARY open with their character set; the same matches as the alternations."""
    from her2kit.extract import sentences as SEN  # noqa: N812

    boundary = re.compile(r"[.;!?](?=\s)|\n")
    last = re.compile(r"(?s:.*)(?:[.;!?](?=\s)|\n(?=.))", re.S)
    pos = data.draw(st.integers(0, len(text) + 1))
    endpos = data.draw(st.integers(0, len(text) + 1))
    assert _spans(SEN._BOUNDARY.finditer(text, pos, endpos)) == _spans(boundary.finditer(text, pos, endpos))
    got, want = SEN._LAST_BOUNDARY.match(text, pos, endpos), last.match(text, pos, endpos)
    assert (got and got.span()) == (want and want.span())


@pytest.mark.skipif(not REPORT_TEXTS, reason="shared TCGA reports not available")
def test_window_scans_off_the_hits_on_real_reports() -> None:
    for text in REPORT_TEXTS:
        scan = S.Scanner(text, K.INDEX)
        assert scan.fast
        for rx, words, case in _WINDOW_SCANS:
            for a in range(0, len(text), 97):
                window = text[a : a + 250]
                assert _spans(scan.finditer_in(rx, window, a, words, case=case)) == _spans(
                    rx.finditer(window)
                )


_BOX_TEXT: Final = st.lists(
    st.one_of(
        _TOKENS,
        st.sampled_from(
            ["[", "]", "(", ")", " ", "  ", "_", "X", "x", "\u2610", "\u25a1", "\u2612", "é", "\n"]
        ),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_BOX_TEXT)
def test_checkbox_gate_lets_every_empty_box_through(text: str) -> None:
    """checkbox.boxes_possible is False only where checkbox.BOX finds no empty box (the one gate of the masking)."""
    from her2kit.extract.checkbox import BOX, boxes_possible, mask_checkboxes

    empty = any(m.group("empty") for m in BOX.finditer(text))
    for index in (K.INDEX, S.KeywordIndex(K.KEYWORDS, use_automaton=False)):
        gate = boxes_possible(text, S.Scanner(text, index))
        assert gate or not empty
        if not gate:
            assert mask_checkboxes(text) == (text, [])
