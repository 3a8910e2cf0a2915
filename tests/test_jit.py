"""ngramkit.jit: borrowed arrays read and write their arguments' memory (alone and in tuples),
from loops that pass them on to other compiled functions; Numba's start leaves SciPy's
linear algebra unloaded while np.dot still compiles."""

import subprocess
import sys
import textwrap

import numpy as np

from ngramkit.jit import borrowed, njit


@njit(cache=True)
def _cell(a, i):
    return a[i]


@njit(cache=True)
def _sum_through_calls(a):
    a = borrowed(a)
    total = 0.0
    for i in range(len(a)):
        total += _cell(a, i)
    return total


@njit(cache=True)
def _double_in_place(a):
    view = borrowed(a)
    for i in range(len(view)):
        view[i] *= 2


@njit(cache=True)
def _row_sums(tables):
    tables = borrowed(tables)
    out = np.zeros(len(tables), dtype=np.int64)
    for t in range(len(tables)):
        rows = tables[t]
        for i in range(rows.shape[0]):
            for j in range(rows.shape[1]):
                out[t] += rows[i, j]
    return out


def test_borrowed_arrays_are_their_arguments_memory():
    values = np.arange(1, 10_001, dtype=np.float64)
    assert _sum_through_calls(values) == 10_000 * 10_001 / 2
    assert _sum_through_calls(values[::2]) == sum(range(1, 10_001, 2))  # strides kept
    data = np.array([1, 2, 3], dtype=np.int32)
    _double_in_place(data)
    assert data.tolist() == [2, 4, 6]
    tables = (np.array([[1, 2], [3, 4]], dtype=np.int32), np.array([[5, 6], [7, 8], [9, 10]], dtype=np.int32))
    assert _row_sums(tables).tolist() == [10, 45]
    assert _sum_through_calls(b"\x01\x02\xff") == 258  # bytes too


def test_numba_starts_without_scipy_linear_algebra():
    child = textwrap.dedent("""
        import sys
        import numpy as np
        import ngramkit.jit
        from ngramkit.scoring import unigram_key
        unigram_key(3)  # a kernel loaded: Numba's CPU target is set up
        before = "scipy.linalg" in sys.modules

        @ngramkit.jit.njit
        def dot(a, b):
            return np.dot(a, b)

        print(before, dot(np.arange(3.0), np.arange(3.0)), "scipy.linalg" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "5.0", "True"]
