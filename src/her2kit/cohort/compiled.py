"""The kernel's per-row loops, compiled with numba: text codes, decision keys, and the output gather.

Three loops, each one pass over a batch with no temporary columns:

- :func:`view_codes` codes a text column by comparing each row's 16-byte Arrow *string view* with the
  views of the spellings seen before. A string of at most 12 bytes is stored inline in its view (length,
  then the bytes, zero-padded: the Arrow columnar format), so equal views mean equal strings and a match
  never needs the data buffers. A row that matches nothing (a new spelling, or one longer than 12 bytes)
  gets :data:`UNSEEN` and the caller codes that column the general way.
- :func:`decision_keys` validates each row like :class:`her2kit.case.IshTest`, works out its ISH state and
  hormone-receptor status and returns its decision key (or the error key) — the same arithmetic as
  :mod:`her2kit.cohort.kernel` documents, in IEEE doubles exactly as Python computes it.
- :func:`gather` turns each row's key into its index in every output column's dictionary.

With them the whole kernel costs about 0.5 CPU-seconds per 10 million rows, against 2.0 with the Polars
expressions they replace (docs/cohort.md). Arrow buffers are read without copying; numba caches the machine code on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from numba import njit

UNSEEN: Final = -100
INLINE_MAX: Final = 12  # bytes of a string stored inside its Arrow view

Views = npt.NDArray[np.uint64]
# A hash table of known views: slot views (low and high words), slot codes, multiplier, shift.
ViewTable = tuple[Views, Views, npt.NDArray[np.int32], np.uint64, np.uint64]
F = TypeVar("F", bound=Callable[..., Any])


def _compiled(function: F) -> F:
    """Compile with numba (no GIL held; cached on disk; division by zero gives inf/NaN, as in NumPy)."""
    return cast(F, njit(cache=True, nogil=True, error_model="numpy")(function))


def view_of(value: str) -> tuple[int, int] | None:
    """The two little-endian 64-bit words of the Arrow view of an inline string; None above 12 bytes."""
    raw = value.encode("utf-8")
    if len(raw) > INLINE_MAX:
        return None
    block = len(raw).to_bytes(4, "little") + raw + bytes(INLINE_MAX - len(raw))
    return int.from_bytes(block[:8], "little"), int.from_bytes(block[8:], "little")


Bitmap = tuple[npt.NDArray[np.uint8], int, bool]  # validity bits, offset of the first row, any null
A = TypeVar("A", bound=np.ndarray)


def readonly(array: A) -> A:
    """A read-only view (no copy). Inputs to the loops are all read-only, so numba compiles each loop for
    one set of argument types, not once per mix of writable and read-only arrays."""
    view = array.view()
    view.flags.writeable = False
    return view


_NO_NULLS: Final = readonly(np.zeros(1, dtype=np.uint8))


def _bitmap(array: pa.Array) -> Bitmap:
    validity = array.buffers()[0]
    if validity is None or array.null_count == 0:
        return _NO_NULLS, 0, False
    return np.frombuffer(validity, dtype=np.uint8), array.offset, True


def string_views(array: pa.Array) -> tuple[Views, npt.NDArray[np.uint8], int, bool]:
    """The views of a ``string_view`` array (two uint64 words per row, flat, no copy), with its validity."""
    views = np.frombuffer(array.buffers()[1], dtype=np.uint64)[
        2 * array.offset : 2 * (array.offset + len(array))
    ]
    return (views, *_bitmap(array))


def float_values(array: pa.Array) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8], int, bool]:
    """A float64 array's values (no copy), with its validity."""
    values = np.frombuffer(array.buffers()[1], dtype=np.float64)[array.offset : array.offset + len(array)]
    return (values, *_bitmap(array))


# The loops are written without data-dependent branches (``&``/``|`` on flags, arithmetic selects): on
# registry rows in random order a branch per row is mispredicted often enough to cost 4-5× the work.
# A division by zero gives inf/NaN (masked out), not an exception (``error_model="numpy"``).


@_compiled
def _valid(bitmap: Any, offset: int, i: int) -> int:
    j = offset + i
    return int((bitmap[j >> 3] >> (j & 7)) & 1)


@_compiled
def view_codes(
    views: Any,
    validity: Any,
    offset: int,
    has_nulls: bool,
    table_lo: Any,
    table_hi: Any,
    table_code: Any,
    multiplier: Any,
    shift: Any,
    missing: int,
    out: Any,
) -> int:
    """Code each row by its view (nulls: ``missing``; no match: UNSEEN); returns the number unseen.

    The known views sit in a small open table (:func:`view_table`): each row looks at one slot, picked by
    a multiplicative hash of its view, and takes that slot's code when the view is equal.
    """
    unseen = 0
    for i in range(out.shape[0]):
        lo = views[2 * i]
        hi = views[2 * i + 1]
        slot = ((lo ^ hi) * multiplier) >> shift
        hit = np.int32(-((table_lo[slot] == lo) & (table_hi[slot] == hi)))
        code = (np.int32(table_code[slot]) & hit) | (np.int32(UNSEEN) & ~hit)
        if has_nulls:
            null = np.int32(_valid(validity, offset, i) - 1)  # -1 (all bits) when null, else 0
            code = (np.int32(missing) & null) | (code & ~null)
        unseen += code == UNSEEN
        out[i] = code
    return unseen


TABLE_BITS: Final = 8  # 256 slots: a multiplier that separates 24 spellings is found within a few tries
EMPTY_SLOT: Final = 0xFFFF_FFFF_FFFF_FFFF  # its length word (2^32 - 1) is not that of any inline view


def view_table(
    known: list[tuple[tuple[int, int], int]],
) -> ViewTable | None:
    """A collision-free hash table of known (view, code) pairs; None if no multiplier tried separates them.

    Multipliers are tried in a fixed order, so the same spellings always give the same table.
    """
    size = 1 << TABLE_BITS
    if len(known) > size // 2:
        return None
    mask = (1 << 64) - 1
    multiplier = 0x9E37_79B9_7F4A_7C15  # 2^64 / golden ratio, then odd steps of the same constant
    for _ in range(256):
        slots = [(((lo ^ hi) * multiplier) & mask) >> (64 - TABLE_BITS) for (lo, hi), _ in known]
        if len(set(slots)) == len(slots):
            table_lo = np.full(size, EMPTY_SLOT, dtype=np.uint64)
            table_hi = np.full(size, EMPTY_SLOT, dtype=np.uint64)
            table_code = np.full(size, UNSEEN, dtype=np.int32)
            for slot, ((lo, hi), code) in zip(slots, known, strict=True):
                table_lo[slot], table_hi[slot], table_code[slot] = lo, hi, code
            return table_lo, table_hi, table_code, np.uint64(multiplier), np.uint64(64 - TABLE_BITS)
        multiplier = (multiplier + 0x9E37_79B9_7F4A_7C16) & mask | 1
    return None


@_compiled
def decision_keys(
    tumor: Any,
    setting: Any,
    ihc: Any,
    er: Any,
    pr: Any,
    ratio: Any,
    her2: Any,
    cep17: Any,
    validity: Any,
    offsets: Any,
    has_nulls: Any,
    unparsed: Any,
    limits: Any,
    shape: Any,
    thresholds: Any,
    error_key: int,
    key: Any,
    bad: Any,
) -> int:
    """Fill ``key`` and ``bad`` for every row; returns the number of bad rows.

    ``shape`` = (settings, IHC codes, ISH states, HR codes); ``thresholds`` = (ratio 2.0, copies 4.0,
    copies 6.0, tolerance absolute, tolerance relative); ``unparsed`` holds one flag
    column per number (empty when the column was numeric), ``limits`` the upper bounds.
    """
    n_setting, n_ihc, n_ish, n_hr = shape[0], shape[1], shape[2], shape[3]
    ratio_cut, low, high, tol_abs, tol_rel = (
        thresholds[0],
        thresholds[1],
        thresholds[2],
        thresholds[3],
        thresholds[4],
    )
    text_numbers = unparsed.shape[1] > 0
    n_bad = 0
    for i in range(key.shape[0]):
        wrong = (tumor[i] < 0) | (setting[i] < 0) | (ihc[i] < 0) | (er[i] < 0) | (pr[i] < 0)
        rp = (not has_nulls[0]) | (_valid(validity[0], offsets[0], i) == 1)
        hp = (not has_nulls[1]) | (_valid(validity[1], offsets[1], i) == 1)
        cp = (not has_nulls[2]) | (_valid(validity[2], offsets[2], i) == 1)
        r = ratio[i]
        h = her2[i]
        c = cep17[i]
        if text_numbers:
            wrong |= unparsed[0, i] | unparsed[1, i] | unparsed[2, i]
        # NaN fails every comparison: ``x != x`` is the NaN test.
        wrong |= rp & ((r != r) | (r < 0.0) | (r > limits[0]))
        wrong |= hp & ((h != h) | (h < 0.0) | (h > limits[1]))
        wrong |= cp & ((c != c) | (c < 0.0) | (c > limits[2]))
        wrong |= hp & cp & (c == 0.0)
        # A ratio above 0 with a mean HER2 count of 0 and no CEP17 count would need CEP17 = 0: impossible.
        wrong |= rp & hp & (not cp) & (h == 0.0) & (r > 0.0)
        pair = hp & cp & (c != 0.0)
        q = h / c
        tolerance = max(tol_abs, tol_rel * q)
        wrong |= rp & pair & (abs(q - r) > tolerance)
        # ISH state (decision.ISH_STATES): 0 none, 1 no ratio, 2/3 ratio only (amplified or not),
        # 4/5 group 1/2 (amplified; HER2 >= 4 or not), 6/7/8 groups 3/4/5 (HER2 >= 6, >= 4, < 4).
        has_ish = np.int64(rp | hp | cp)
        has_ratio = np.int64(rp | pair)
        amplified = np.int64((rp & (r >= ratio_cut)) | ((not rp) & (q >= ratio_cut)))
        below_low = np.int64(h < low)
        below_high = np.int64(h < high)
        with_copies = amplified * (4 + below_low) + (1 - amplified) * (6 + below_high + below_low)
        ratio_only = 3 - amplified
        has_copies = np.int64(hp)
        state = has_ish * (
            has_ratio * (has_copies * with_copies + (1 - has_copies) * ratio_only) + 1 - has_ratio
        )
        e = er[i]
        p = pr[i]
        positive = (e == 1) | (e == 2) | (p == 1)  # ER positive or low, or PR positive
        negative = (e == 3) & (p == 2)  # both negative
        er_only = (e == 3) & (p == 0)  # ER negative, PR not given: unknown
        pr_only = (e == 0) & (p == 2)  # PR negative, ER not given: unknown
        hr = np.int64(positive) + 2 * np.int64(negative) + 3 * np.int64(er_only) + 4 * np.int64(pr_only)
        row_key = (((tumor[i] * n_setting + setting[i]) * n_ihc + ihc[i]) * n_ish + state) * n_hr + hr
        flag = np.int64(wrong)
        key[i] = flag * error_key + (1 - flag) * row_key
        bad[i] = wrong
        n_bad += int(flag)
    return n_bad


@_compiled
def gather(keys: Any, codes: Any, out: Any) -> None:
    """``out[j, i] = codes[j, keys[i]]``: each output column's dictionary index for each row's key."""
    for i in range(keys.shape[0]):
        key = keys[i]
        for j in range(codes.shape[0]):
            out[j, i] = codes[j, key]


def warm_up() -> None:
    """Load (or compile) every loop now, on tiny inputs of exactly the argument types the kernel passes.

    The first call of a loop in a process costs about 0.35 s (LLVM start-up, mostly in C code that does not
    hold the GIL); :func:`her2kit.cohort.decision.decision_columns` runs this in a thread while it builds the
    decision table. ``tests/cohort/test_compiled.py`` checks the types match: each loop keeps one signature.
    """
    views = readonly(np.zeros(2, dtype=np.uint64))
    table = view_table([(view_of(""), 0)])  # type: ignore[list-item]
    assert table is not None
    table_lo, table_hi, table_code, multiplier, shift = table
    view_codes(
        views,
        _NO_NULLS,
        0,
        False,
        table_lo,
        table_hi,
        table_code,
        multiplier,
        shift,
        0,
        np.zeros(1, np.int32),
    )
    codes = readonly(np.zeros(1, dtype=np.int32))
    numbers = readonly(np.zeros(1, dtype=np.float64))
    decision_keys(
        codes,
        codes,
        codes,
        codes,
        codes,
        numbers,
        numbers,
        numbers,
        (_NO_NULLS, _NO_NULLS, _NO_NULLS),
        np.zeros(3, dtype=np.int64),
        np.zeros(3, dtype=np.bool_),
        np.zeros((3, 0), dtype=np.bool_),
        np.ones(3, dtype=np.float64),
        np.ones(4, dtype=np.int64),
        np.ones(5, dtype=np.float64),
        0,
        np.zeros(1, dtype=np.uint32),
        np.zeros(1, dtype=np.bool_),
    )
    gather(
        readonly(np.zeros(1, dtype=np.uint32)),
        np.zeros((1, 1), dtype=np.int32),
        np.zeros((1, 1), dtype=np.int32),
    )
