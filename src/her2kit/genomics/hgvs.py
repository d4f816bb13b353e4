"""Protein HGVS normalisation: one notation, so that equivalent changes compare equal.

Input may be three-letter (``p.Tyr772_Ala775dup``) or one-letter (``Y772_A775dup``), with or without
``p.`` and prediction parentheses, or in the position-only and ``>`` styles of older MAF annotators
(``p.774_775insM``, ``p.G776>VC``). Output is one-letter HGVS with ``p.``.

For ERBB2 the reference protein (UniProt P04626 / NP_004439.2, ``data/erbb2_protein.yaml``) is used
to apply the HGVS rules (ref:db-hgvs-protein-insertion): the most C-terminal (3') position possible
is assigned to have been changed, and an insertion that copies the residues immediately N-terminal
of it is a duplication. So ``p.A775_G776insYVMA`` ≡ ``p.Y772_A775dup`` and ``p.P780_Y781insGSP`` ≡
``p.G778_P780dup``; ``p.774_775insM`` becomes ``p.M774dup`` because residue 774 is M. Deletion-
insertions are trimmed of residues shared with the reference first (``p.G776delinsGC`` is
``p.G776_V777insC``). Without a reference sequence (other genes) only the notation is normalised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Final, Literal

from her2kit.yamlload import safe_load

AA3: Final[dict[str, str]] = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E", "Gly": "G",
    "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S",
    "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Sec": "U", "Pyl": "O", "Ter": "*", "Xaa": "X",
}  # fmt: skip
_ONE = set(AA3.values())
_AA = r"(?:[A-Z][a-z]{2}|[A-Z*])"
_SEQ = r"(?:(?:[A-Z][a-z]{2})+|[A-Z*]+)"

Kind = Literal["sub", "syn", "del", "dup", "ins", "delins", "fs", "other"]


class HgvsError(ValueError):
    """A protein change that is not HGVS-like."""


@dataclass(frozen=True)
class ProteinChange:
    """A parsed, normalised protein change."""

    kind: Kind
    start: int
    end: int
    text: str
    inserted: str = ""
    deleted_len: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def net_gain(self) -> bool:
        return not self.truncating and (
            self.kind in ("ins", "dup") or (self.kind == "delins" and len(self.inserted) > self.deleted_len)
        )

    @property
    def truncating(self) -> bool:
        """A frameshift, or a change whose new residues include a stop (nonsense, or a stop inside an
        inserted sequence: HGVS describes "an insertion … encoding a translation stop codon" as an
        insertion of that sequence, ref:db-hgvs-protein-insertion)."""
        return self.kind == "fs" or "*" in self.inserted


def _one(token: str) -> str:
    if len(token) == 3:
        try:
            return AA3[token]
        except KeyError:
            raise HgvsError(f"unknown amino acid {token!r}") from None
    if token not in _ONE:
        raise HgvsError(f"unknown amino acid {token!r}")
    return token


def _seq(text: str) -> str:
    if re.fullmatch(r"(?:[A-Z][a-z]{2})+", text):
        return "".join(_one(text[i : i + 3]) for i in range(0, len(text), 3))
    if re.fullmatch(r"[A-Z*]+", text):
        for ch in text:
            _one(ch)
        return text
    raise HgvsError(f"unreadable amino-acid sequence {text!r}")


_SUB = re.compile(rf"^({_AA})(\d+)({_AA}|=)$")
_FS = re.compile(rf"^({_AA})(\d+)({_AA})?fs(?:(?:\*|Ter|X)(\d+|\?)?)?$")
_RANGE = rf"(?:({_AA})?(\d+)(?:_({_AA})?(\d+))?)"
_DEL = re.compile(rf"^{_RANGE}del(?:{_SEQ})?$")
_DUP = re.compile(rf"^{_RANGE}dup(?:{_SEQ})?$")
_INS = re.compile(rf"^({_AA})?(\d+)_({_AA})?(\d+)ins({_SEQ})$")
_DELINS = re.compile(rf"^{_RANGE}(?:delins|>)({_SEQ})$")


@lru_cache(maxsize=1)
def erbb2_sequence() -> str:
    """The ERBB2 reference protein (1,255 residues)."""
    text = resources.files("her2kit.genomics").joinpath("data/erbb2_protein.yaml").read_text(encoding="utf-8")
    data = safe_load(text)
    return "".join(str(data["sequence"]).split())


def clean(text: str) -> str:
    """Strip ``p.``, prediction parentheses and whitespace."""
    value = text.strip()
    if value.startswith("p."):
        value = value[2:]
    if value.startswith("(") and value.endswith(")"):
        value = value[1:-1]
    return value.replace(" ", "")


class _Ctx:
    def __init__(self, seq: str | None) -> None:
        self.seq = seq
        self.warnings: list[str] = []

    def ref(self, pos: int) -> str | None:
        if self.seq is None or not 1 <= pos <= len(self.seq):
            return None
        return self.seq[pos - 1]

    def check(self, given: str | None, pos: int) -> str:
        """The residue at ``pos``: the given one, checked against the reference when there is one."""
        ref = self.ref(pos)
        if self.seq is not None and ref is None:
            self.warnings.append(
                f"position {pos} is outside the reference protein ({len(self.seq)} residues)"
            )
        letter = _one(given) if given else None
        if letter and ref and letter != ref:
            self.warnings.append(f"reference residue mismatch at {pos}: given {letter}, reference {ref}")
        if letter:
            return letter
        if ref:
            return ref
        raise HgvsError(f"no residue given at position {pos} and no reference sequence to supply it")


def _range_text(ctx: _Ctx, a: int, b: int) -> str:
    ra = ctx.check(None, a) if ctx.seq else None
    rb = ctx.check(None, b) if ctx.seq else None
    if a == b:
        return f"{ra}{a}"
    return f"{ra}{a}_{rb}{b}"


def _until_stop(inserted: str) -> str:
    """The inserted sequence up to and including its first stop: residues after a stop are not translated,
    and HGVS does not list them ("amino acids after the translation termination codon are not listed",
    ref:db-hgvs-protein-insertion)."""
    return inserted[: inserted.index("*") + 1] if "*" in inserted else inserted


def _stop_insertion(ctx: _Ctx, seq: str, left: int, inserted: str) -> ProteinChange:
    """Insertion containing a stop after residue ``left``. The protein ends at the stop, so residues of the
    inserted sequence that repeat the reference are part of the unchanged protein: they are skipped (not
    rotated as in the 3' rule). An insertion that then starts with the stop is a nonsense change at the next
    residue ("insertions … which introduce an immediate translation termination (stop) codon at the protein
    level are described as a nonsense variant", ref:db-hgvs-protein-insertion)."""
    s, p = _until_stop(inserted), left
    while p < len(seq) and s[0] != "*" and s[0] == seq[p]:
        s, p = s[1:], p + 1
    if p >= len(seq):
        raise HgvsError("insertion after the last residue is an extension, not an insertion")
    if s[0] == "*":
        return ProteinChange("sub", p + 1, p + 1, f"p.{seq[p]}{p + 1}*", "*", 1, tuple(ctx.warnings))
    text = f"p.{seq[p - 1]}{p}_{seq[p]}{p + 1}ins{s}"
    return ProteinChange("ins", p, p + 1, text, s, 0, tuple(ctx.warnings))


def _insertion(ctx: _Ctx, left: int, inserted: str) -> ProteinChange:
    """Insertion of ``inserted`` after residue ``left``: 3'-shift, then dup if it copies what precedes."""
    seq = ctx.seq
    if seq is None:
        raise HgvsError("internal: insertion normalisation needs a sequence")
    if "*" in inserted:
        return _stop_insertion(ctx, seq, left, inserted)
    s = inserted
    p = left
    while p < len(seq) and s and s[0] == seq[p]:  # seq[p] is residue p+1
        s = s[1:] + seq[p]
        p += 1
    n = len(s)
    if n <= p and seq[p - n : p] == s:
        a, b = p - n + 1, p
        return ProteinChange("dup", a, b, f"p.{_range_text(ctx, a, b)}dup", s, 0, tuple(ctx.warnings))
    if p >= len(seq):
        raise HgvsError("insertion after the last residue is an extension, not an insertion")
    text = f"p.{seq[p - 1]}{p}_{seq[p]}{p + 1}ins{s}"
    return ProteinChange("ins", p, p + 1, text, s, 0, tuple(ctx.warnings))


def _deletion(ctx: _Ctx, a: int, b: int) -> ProteinChange:
    seq = ctx.seq
    if seq is not None:
        while b < len(seq) and seq[a - 1] == seq[b]:
            a, b = a + 1, b + 1
    return ProteinChange("del", a, b, f"p.{_range_text(ctx, a, b)}del", "", b - a + 1, tuple(ctx.warnings))


def parse(text: str, sequence: str | None = None) -> ProteinChange:
    """Parse and normalise one protein change; ``sequence`` enables the 3' rule and dup detection."""
    ctx = _Ctx(sequence)
    value = clean(text)
    if not value:
        raise HgvsError("empty protein change")
    if value == "=":
        return ProteinChange("syn", 0, 0, "p.=")  # the whole protein unchanged (HGVS "p.=")
    if value in ("?", "0"):
        return ProteinChange("other", 0, 0, f"p.{value}")

    m = _SUB.match(value)
    if m:
        pos = int(m.group(2))
        ref = ctx.check(m.group(1), pos)
        alt = m.group(3)
        if alt == "=" or _one(alt) == ref:
            return ProteinChange("syn", pos, pos, f"p.{ref}{pos}=", "", 0, tuple(ctx.warnings))
        return ProteinChange("sub", pos, pos, f"p.{ref}{pos}{_one(alt)}", _one(alt), 1, tuple(ctx.warnings))

    m = _FS.match(value)
    if m:
        pos = int(m.group(2))
        ref = ctx.check(m.group(1), pos)
        new = _one(m.group(3)) if m.group(3) else ""
        tail = f"*{m.group(4)}" if m.group(4) else ""
        return ProteinChange("fs", pos, pos, f"p.{ref}{pos}{new}fs{tail}", "", 0, tuple(ctx.warnings))

    m = _INS.match(value)
    if m:
        a, b = int(m.group(2)), int(m.group(4))
        if b != a + 1:
            raise HgvsError(f"an insertion names two adjacent flanking residues, not {a} and {b}")
        ra, rb = ctx.check(m.group(1), a), ctx.check(m.group(3), b)
        inserted = _until_stop(_seq(m.group(5)))
        if sequence is not None:
            return _insertion(ctx, a, inserted)
        return ProteinChange("ins", a, b, f"p.{ra}{a}_{rb}{b}ins{inserted}", inserted, 0, tuple(ctx.warnings))

    m = _DELINS.match(value)
    if m:
        a = int(m.group(2))
        b = int(m.group(4)) if m.group(4) else a
        ra = ctx.check(m.group(1), a)
        rb = ctx.check(m.group(3), b) if m.group(4) else ra
        inserted = _until_stop(_seq(m.group(5)))
        if sequence is not None:
            deleted = sequence[a - 1 : b]
            while deleted and inserted and deleted[0] == inserted[0]:
                deleted, inserted, a = deleted[1:], inserted[1:], a + 1
            while deleted and inserted and deleted[-1] == inserted[-1]:
                deleted, inserted, b = deleted[:-1], inserted[:-1], b - 1
            if not deleted and inserted:
                return _insertion(ctx, a - 1, inserted)
            if deleted and inserted.startswith(
                "*"
            ):  # an immediate stop: a nonsense change at the first residue
                return ProteinChange("sub", a, a, f"p.{deleted[0]}{a}*", "*", 1, tuple(ctx.warnings))
            if deleted and not inserted:
                return _deletion(ctx, a, b)
            if not deleted:
                return ProteinChange("syn", a, a, "p.=", "", 0, tuple(ctx.warnings))
            if len(deleted) == 1 and len(inserted) == 1:
                return ProteinChange(
                    "sub", a, a, f"p.{deleted}{a}{inserted}", inserted, 1, tuple(ctx.warnings)
                )
            ra, rb = sequence[a - 1], sequence[b - 1]
        span = f"{ra}{a}" if a == b else f"{ra}{a}_{rb}{b}"
        if a == b and len(inserted) == 1:
            return ProteinChange("sub", a, a, f"p.{ra}{a}{inserted}", inserted, 1, tuple(ctx.warnings))
        return ProteinChange(
            "delins", a, b, f"p.{span}delins{inserted}", inserted, b - a + 1, tuple(ctx.warnings)
        )

    m = _DUP.match(value)
    if m:
        a = int(m.group(2))
        b = int(m.group(4)) if m.group(4) else a
        ra = ctx.check(m.group(1), a)
        rb = ctx.check(m.group(3), b) if m.group(4) else ra
        if sequence is not None:
            return _insertion(ctx, b, sequence[a - 1 : b])
        span = f"{ra}{a}" if a == b else f"{ra}{a}_{rb}{b}"
        return ProteinChange("dup", a, b, f"p.{span}dup", "", 0, tuple(ctx.warnings))

    m = _DEL.match(value)
    if m:
        a = int(m.group(2))
        b = int(m.group(4)) if m.group(4) else a
        ra = ctx.check(m.group(1), a)
        rb = ctx.check(m.group(3), b) if m.group(4) else ra
        if sequence is not None:
            return _deletion(ctx, a, b)
        span = f"{ra}{a}" if a == b else f"{ra}{a}_{rb}{b}"
        return ProteinChange("del", a, b, f"p.{span}del", "", b - a + 1, tuple(ctx.warnings))

    raise HgvsError(f"not an HGVS protein change: {text!r}")


def normalise(text: str, gene: str = "ERBB2") -> str:
    """The normalised one-letter form of a protein change (ERBB2 uses its reference sequence)."""
    return parse(text, erbb2_sequence() if gene == "ERBB2" else None).text


def equivalent(a: str, b: str, gene: str = "ERBB2") -> bool:
    """Whether two protein changes describe the same variant after normalisation."""
    return normalise(a, gene) == normalise(b, gene)
