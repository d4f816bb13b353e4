from __future__ import annotations

import csv
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from her2kit.genomics.hgvs import AA3, HgvsError, equivalent, erbb2_sequence, normalise, parse

from .conftest import shared


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("p.774_775insM", "p.M774dup"),
        ("A775_G776insYVMA", "p.Y772_A775dup"),
        ("p.Ala775_Gly776insTyrValMetAla", "p.Y772_A775dup"),
        ("p.Tyr772_Ala775dup", "p.Y772_A775dup"),
        ("p.(Tyr772_Ala775dup)", "p.Y772_A775dup"),
        ("Y772_A775dupYVMA", "p.Y772_A775dup"),
        ("P780_Y781insGSP", "p.G778_P780dup"),
        ("p.G776delinsVC", "p.G776delinsVC"),
        ("p.Gly776delinsValCys", "p.G776delinsVC"),
        ("p.G776>VC", "p.G776delinsVC"),
        ("G776delinsGC", "p.G776_V777insC"),
        ("S310F", "p.S310F"),
        ("p.Ser310Phe", "p.S310F"),
        ("p.Arg896Ter", "p.R896*"),
        ("p.L755_T759del", "p.L755_T759del"),
        ("p.Val777=", "p.V777="),
        ("p.R678fs", "p.R678fs"),
        ("p.Arg678ProfsTer4", "p.R678Pfs*4"),
    ],
)
def test_normalise(given_: str, expected: str) -> None:
    assert normalise(given_) == expected


def test_equivalent_insertions() -> None:
    assert equivalent("p.Y772_A775dup", "p.A775_G776insYVMA")
    assert equivalent("p.774_775insM", "p.M774dup")
    assert not equivalent("p.774_775insM", "p.Y772_A775dup")


def test_insertion_is_dup_only_when_residue_matches() -> None:
    # residue 775 is A, so inserting M after 775 is an insertion, not a duplication
    assert normalise("p.775_776insM") == "p.A775_G776insM"


def test_other_genes_keep_notation_only() -> None:
    assert normalise("p.Gly12Asp", gene="KRAS") == "p.G12D"
    assert normalise("G12D", gene="KRAS") == "p.G12D"


def test_reference_mismatch_is_a_warning() -> None:
    change = parse("p.A310F", erbb2_sequence())
    assert change.text == "p.A310F"
    assert any("mismatch" in w for w in change.warnings)


@pytest.mark.parametrize("bad", ["", "hello", "p.Xyz12Abc", "p.774_777insM"])
def test_rejects_non_hgvs(bad: str) -> None:
    with pytest.raises(HgvsError):
        normalise(bad)


def test_sequence_matches_cancer_hotspots_reference_residues() -> None:
    seq = erbb2_sequence()
    assert len(seq) == 1255
    path = shared("variants", "cancerhotspots_v2_GRCh37.tsv")
    n = 0
    with path.open() as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if row[4] == "ERBB2":
                m = re.match(r"([A-Z])(\d+)", row[6])
                assert m, row
                assert seq[int(m.group(2)) - 1] == m.group(1), row
                n += 1
    assert n == 40


one_letter = st.sampled_from(sorted(set(AA3.values()) - {"*", "X", "U", "O"}))


@given(pos=st.integers(min_value=2, max_value=1250), inserted=st.text(one_letter, min_size=1, max_size=6))
def test_insertion_normalisation_is_idempotent_and_shift_invariant(pos: int, inserted: str) -> None:
    seq = erbb2_sequence()
    first = normalise(f"p.{pos}_{pos + 1}ins{inserted}")
    assert normalise(first) == first
    # the same inserted protein, described one residue later after a 3' rotation, is equal
    mutated = seq[:pos] + inserted + seq[pos:]
    assert mutated  # sanity
    if inserted[0] == seq[pos]:
        rotated = inserted[1:] + seq[pos]
        assert normalise(f"p.{pos + 1}_{pos + 2}ins{rotated}") == first
