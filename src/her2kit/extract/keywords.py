"""The words the extractor looks up in a report, and the keyword index built from them.

Every whole-text pattern (patterns.py) is found through a keyword that opens every one of its matches (or
sits at a fixed offset in it); window scans use the words that open their matches. ``KEYWORDS`` gathers
every word looked up in the whole text, and the start words of the window scans that read their candidates off
the hits (scan.Scanner.finditer_in / search_in), so that one automaton pass per report finds them all (see
scan.KeywordIndex); tests/extract/test_keyword_index.py checks that none is left out.
"""

from __future__ import annotations

import re
from typing import Final

from her2kit.extract import patterns as P  # noqa: N812
from her2kit.extract.checkbox import EMPTY_PARENS
from her2kit.extract.scan import KeywordIndex

# Keywords that open (or sit at a fixed offset in) every match of a whole-text pattern; see scan.py.
HER2_WORDS: Final = ("her", "er-2-neu")
HER2_OFFSETS: Final = (("erb", (1, 2, 3)), ("exb", (1, 2, 3)))
QUOTED_WORDS: Final = (
    "previous",
    "per",
    "prior",
    "outside",
    "earlier",
    "reported",
    "see",
    "clinical",
    "history",
    "indication",
    "biops",
)
OTHER_MARKER_EXACT: Final = (
    "ER", "PR", "PgR", "Ki", "MIB", "EGFR", "p63", "p53", "CK", "AE1", "CAM",
    "keratin", "estrogen", "oestrogen", "progesteron", "androgen",
)  # fmt: skip
# Every match of patterns.OTHER_ISH_TARGET holds one of these (lower-cased; "MET" only in capitals): a text window
# without any of them names no other ISH target (the gate of the other-target checks, context.other_target_possible).
OTHER_TARGET_WORDS: Final = (
    "eber", "ebv", "epstein", "hpv", "cmv", "kappa", "lambda", "alk", "ros1", "ros-1", "myc", "bcl2", "bcl-2", "bcl6",
    "bcl-6", "mdm2", "mdm-2", "cdk4", "cdk-4", "ccnd1", "ccnd-1", "egfr", "fgfr", "top2a", "ntrk", "ewsr1", "ewsr-1",
    "ddit3", "ddit-3", "ss18", "tfe3", "tfe-3", "tp53", "1p", "c-met", "cmet",
)  # fmt: skip
OTHER_MARKER_I_WORDS: Final = (
    "estrogen", "oestrogen", "progesteron", "keratin", "androgen", "cell",
    # other markers (patterns.OTHER_MARKER_I; the grade components and synoptic fields are patterns.FIELD_STOP)
    "claudin", "cldn", "trop", "gata", "c-met", "cmet", "pd-l1", "pdl1", "fgfr", "cdx", "mlh", "pms", "msh",
    "mismatch",
    # targets of other in situ hybridisations (patterns.OTHER_MARKER_I_STOP; "c-MYC" opens with "c")
    *OTHER_TARGET_WORDS, "c-myc", "cmyc",
)  # fmt: skip
CADHERIN: Final = ("cadherin", (1, 2))
SECTION_EXACT: Final = (
    "ADDEND", "FINAL", "GROSS", "MICROSCOPIC", "SPECIMEN(S)", "SYNOPTIC", "INTRAOPERATIVE", "PRE-OPERATIVE",
    "Procedures/Addenda",
)  # fmt: skip
PENDING_WORDS: Final = (
    "pending", "ordered", "requested", "sent", "will", "follow", "reported", "progress", "await",
)  # fmt: skip
PENDING_STARTS: Final = (
    "pending",
    "has",
    "have",
    "was",
    "were",
    "is",
    "are",
    "will",
    "to",
    "reported",
    "ish",
    "ordered",
    "requested",
    "in",
    "await",
    "sent",
)
# Words that open every match of a pattern (or that every match contains), for the window scans.
STATUS_STARTS: Final = ("weakly", "low", "pos", "neg", "equivocal", "borderline", "indeterminate")
# Every match of patterns.QUOTE_END starts with one of these (lower-cased).
QUOTE_END_WORDS: Final = ("diagnos", "current", "present", "this", "today")
# Every match of patterns.SPECIMEN_ID starts with one of these.
SPECIMEN_ID_WORDS: Final = ("block", "slide", "part")
# Every match of patterns.SCORE_AFTER_STATUS, patterns.SCORE_AFTER_WORD starts with one of these.
SCORE_AFTER_STATUS_WORDS: Final = ("pos", "neg", "equivocal")
SCORE_AFTER_WORD_WORDS: Final = ("score", "intensity", "staining")
# Every match of patterns.ISH_TECHNIQUE, patterns.ISH_KIT starts with one of these.
ISH_TECHNIQUE_WORDS: Final = ("ddish", "cish", "sish", "fish")
ISH_KIT_WORDS: Final = ("pathvysion", "inform", "zytolight", "iqfish")
# Every match of patterns.ONCOTYPE_END starts with one of these.
ONCOTYPE_END_WORDS: Final = ("see", "report", "microscopic", "final")
LEGEND_STARTS: Final = (
    "<", ">", "\u2265", "\u2264", "level", "guideline", "defined", "considered", "criteria", "range", "control",
    "known", "cell", "if", "should", "reference", "cut", "interpretation", "scoring", "scale",
)  # fmt: skip
# ("hscore", "h-score": the H-?score of the patterns; plain "score" is common and would not filter.)
ISH_BETWEEN_WORDS: Final = (
    "ish", "ratio", "cep", "amplif", "allred", "hscore", "h-score", "grade", "nottingham",
)  # fmt: skip
RECEPTOR_BETWEEN_WORDS: Final = ("=", "calculated", "proportion", "sum", "allred", "hscore", "h-score")
RECEPTOR_BETWEEN_RX: Final = re.compile("|".join(map(re.escape, RECEPTOR_BETWEEN_WORDS)))
IHC_ASSAY_STARTS: Final = ("hercep", "4b5", "cb11", "a0485", "a485", "sp3", "polyclonal")
CELLS_STARTS: Final = (
    *"0123456789", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "one",
    "hundred", "number", "cells", "nuclei",
)  # fmt: skip

# Every keyword looked up in the whole text (by Scanner.starts/warm), lower-cased: one automaton
# finds them all in one pass per report (see scan.KeywordIndex). A keyword left out would still be
# found, by ``str.find``; tests/extract/test_keyword_index.py checks that none is left out. The start
# words of ``near=`` scans are looked up only in the 64-180 characters before a rarer anchor, by a
# bounded ``str.find`` unless they are in the index anyway: adding them (digits, "is", ":", ...) made
# the automaton pass twice as slow, for range searches that are cheap.
ONCOTYPE_WORDS: Final = ("onco", "recurrence", "mammaprint")
ONCOTYPE_OFFSETS: Final = (("pcr", (2, 3)),)
ADDENDUM_WORDS: Final = ("addend", "amended", "supplementary", "corrected", "revised")
WARM_WORDS: Final = ("pr", "pgr", "estrogen", "oestrogen", "progesteron", "keratin", "androgen", "addend")
KI67: Final = ("67", (2, 3, 4))
ISH_OFFSET: Final = ("ish", (1,))
ISH_RESULT_SCANS: Final = (
    ("not-amplified", P.ISH_NOT_AMPLIFIED, ("no", "amplification", "negative"), "amplif"),
    ("equivocal", P.ISH_EQUIVOCAL, ("equivocal", "ish"), "equivocal"),
    (
        "amplified",
        P.ISH_AMPLIFIED,
        ("is", "are", "was", ":", "-", "gene", "her", "amplif", "positive"),
        "amplif",
    ),
)
CELLS_ANCHORS: Final = ("counted", "scored", "analy", "enumerated")
ER_PR_BOTH_WORDS: Final = ("er", "estrogen", "oestrogen")
ER_PR_BOTH_ANCHORS: Final = ("pr", "pgr")
ER_WORDS: Final = ("estrogen", "oestrogen")
ER_EXACT: Final = ("ER",)
PR_WORDS: Final = ("progesteron",)
PR_EXACT: Final = ("PR", "PgR", "PGR")
STATUS_FOR_WORDS: Final = ("pos", "neg")
# An anchor listed counts only after white space or one of these characters (see Scanner.starts):
# "been sent", "being sent out", "to follow"; "ER/PR", "ER & PR", "ER,PR", "ER andPR", "estrogen and progesterone".
PENDING_PREV: Final = {"sent": "", "follow": ""}
ER_PR_BOTH_PREV: Final = {"pr": "/&,d", "pgr": "/&,d"}
# An anchor listed counts only where its check (on the lower-cased text) is true; see Scanner.starts.
ALNUM: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
WORD_CHARS: Final = ALNUM | {"_"}


def _sent_anchor(low: str, i: int) -> bool:
    """Whether a hit of "sent" can be the anchor of a PENDING match (``Scanner.starts(anchor_ok=...)``).

    "sent" stands in PENDING only as "has been sent" (white space and "been" before it), "is sent out"
    (white space after it) or "will be sent" (that match also holds the anchor "will"). ``low`` is a
    keyword-path text (scan.py): white-space runs of at most 24 characters."""
    j = i + 4
    return (j < len(low) and low[j].isspace()) or low[max(0, i - 40) : i].rstrip().endswith("been")


def _follow_anchor(low: str, i: int) -> bool:
    """Whether a hit of "follow" can be the anchor of a PENDING match: "to follow" and a word end, or
    "will follow" (that match also holds the anchor "will")."""
    j = i + 6
    return j >= len(low) or low[j] not in WORD_CHARS


def _pr_anchor(low: str, i: int) -> bool:
    r"""A hit of "pr" in an ER_PR_BOTH match is "PR" followed by no letter or digit (the pattern ends
    ``(?:\s+receptors?)?(?![A-Za-z0-9])``), or the start of "progesteron". On the keyword path no
    non-ASCII character lower-cases to an ASCII letter or digit (scan.py)."""
    j = i + 2
    return j >= len(low) or low[j] not in ALNUM or low.startswith("ogesteron", j)


def _pgr_anchor(low: str, i: int) -> bool:
    """A hit of "pgr" in an ER_PR_BOTH match is "PgR" followed by no letter or digit."""
    j = i + 3
    return j >= len(low) or low[j] not in ALNUM


PENDING_OK: Final = {"sent": _sent_anchor, "follow": _follow_anchor}

# patterns.QUOTED starts at "biops" only in "biopsy from 2019" / "biopsies in 2018": the big alternation is tried only
# at such hits (a try of it costs about 1,300 instructions, and reports name biopsies often). (The same check for "per",
# "see", "history" and "clinical" saved no time: their hits are few or the check costs as much as the try.)
_BIOPSY_YEAR: Final = re.compile(r"biops(?:y|ies)\s+(?:from|in)\s+(?:19|20)\d\d")


def _biopsy_year_anchor(low: str, i: int) -> bool:
    return _BIOPSY_YEAR.match(low, i) is not None


QUOTED_OK: Final = {"biops": _biopsy_year_anchor}

ER_PR_BOTH_OK: Final = {"pr": _pr_anchor, "pgr": _pgr_anchor}
# Words of the ISH-name check (ish.ish_possible): all in the keyword index.
ISH_WORD_INDEXED: Final = ("ish", "cep", "amplif")
ISH_WORD_RARE: Final = ("fisz", "hybridi", "vysis", "pathvysion", "zytolight")  # (HYBRIDISATION, ...)
ISH_WORD_CHECKED: Final = ("inform", "chromosome")


KEYWORDS: Final = frozenset(
    w.lower()
    for group in (
        HER2_WORDS, [w for w, _ in HER2_OFFSETS], ONCOTYPE_WORDS, [w for w, _ in ONCOTYPE_OFFSETS],
        QUOTED_WORDS, OTHER_MARKER_EXACT, OTHER_MARKER_I_WORDS, (CADHERIN[0], KI67[0]), SECTION_EXACT,
        WARM_WORDS, ADDENDUM_WORDS, ("ratio", "centromere", ISH_OFFSET[0]), ("average", "mean", "her", "cep"),
        CELLS_ANCHORS, [anchor for _, _, _, anchor in ISH_RESULT_SCANS], ("single", "her2"), PENDING_WORDS,
        ER_PR_BOTH_ANCHORS, ER_WORDS, ER_EXACT, PR_WORDS, PR_EXACT, STATUS_FOR_WORDS,
        ISH_WORD_INDEXED, ISH_WORD_RARE, ISH_WORD_CHECKED, EMPTY_PARENS,
        # the words of the window scans (Scanner.finditer_in / search_in): their few hits cost less to look up than
        # a search of each window for them
        STATUS_STARTS, QUOTE_END_WORDS, SPECIMEN_ID_WORDS, SCORE_AFTER_STATUS_WORDS, SCORE_AFTER_WORD_WORDS,
        ISH_TECHNIQUE_WORDS, ISH_KIT_WORDS, IHC_ASSAY_STARTS, ONCOTYPE_END_WORDS,
    )
    for w in group
) - {"er"}  # fmt: skip
# ("er", the lower-case form of "ER", is left out: it stands in "her", "cancer", "per", about a third of all hits in
# a report. "ER" is found by its own word-start scan (Scanner.starts) and "er" is looked for only in the short spans
# before a "PR" (ER_PR_BOTH_WORDS, a ``near=`` scan).)
INDEX: KeywordIndex = KeywordIndex(KEYWORDS)
