"""Arrow arrays built straight from NumPy buffers.

``pyarrow.array`` converts through its sequence machinery, which imports pandas on first use (0.3-0.4 s per
process, for nothing here); building from buffers needs neither pandas nor ``pyarrow.compute``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa


def int32_array(values: npt.NDArray[np.int32], null: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """An int32 array over ``values`` (no copy); rows where ``null`` holds are null."""
    values = np.ascontiguousarray(values, dtype=np.int32)
    if null is None or not null.any():
        return pa.Array.from_buffers(pa.int32(), len(values), [None, pa.py_buffer(values)])
    validity = np.packbits(~null, bitorder="little")
    return pa.Array.from_buffers(
        pa.int32(), len(values), [pa.py_buffer(validity), pa.py_buffer(values)], null_count=int(null.sum())
    )


def string_array(values: Sequence[str]) -> pa.Array:
    """A ``string`` (int32 offsets) array of these values, none null."""
    encoded = [value.encode("utf-8") for value in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(item) for item in encoded], out=offsets[1:])
    return pa.Array.from_buffers(
        pa.string(), len(encoded), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    )
