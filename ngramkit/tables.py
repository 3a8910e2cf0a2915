"""Kernels over sorted id tables: the (n, k) int32 rows of one order, sorted row by row.

Every stage that relates the n-grams of one order to another (estimation, pruning, mixing,
renormalisation, FST building, count files, the ARPA reader) finds rows, prefixes and contexts
with these, so that the comparison rule is written once.
"""

import numpy as np

from .jit import borrowed, njit
from .spill import spill_array


@njit(cache=True, inline="always")
def compare_rows(a, i, a_col, b, j, length):
    """Sign (-1, 0, 1) of a[i, a_col:a_col+length] against b[j, :length]."""
    for c in range(length):
        x = a[i, a_col + c]
        y = b[j, c]
        if x != y:
            return -1 if x < y else 1
    return 0


@njit(cache=True)
def find_rows(table, queries, start):
    """Row index in `table` (sorted, width m) of each queries[q, start:start+m]; -1 where absent."""
    n, m = table.shape
    out = np.empty(queries.shape[0], dtype=np.int64)
    for q in range(queries.shape[0]):
        lo = 0
        hi = n
        while lo < hi:
            mid = (lo + hi) >> 1
            if compare_rows(queries, q, start, table, mid, m) > 0:
                lo = mid + 1
            else:
                hi = mid
        out[q] = lo if lo < n and compare_rows(queries, q, start, table, lo, m) == 0 else -1
    return out


@njit(cache=True)
def find_row_in(table, lo, hi, ids, i, col):
    """Row of ids[i, col:col+m] among table[lo:hi] (sorted, width m), -1 if absent."""
    length = table.shape[1]
    while lo < hi:
        mid = (lo + hi) // 2
        c = compare_rows(ids, i, col, table, mid, length)
        if c == 0:
            return mid
        if c > 0:
            lo = mid + 1
        else:
            hi = mid
    return -1


@njit(cache=True)
def prefix_rows(ids, lower):
    """Row in `lower` (width k-1) of each row's first k-1 ids, -1 if absent.

    Both are sorted, so the prefixes come in order: one merge pass.
    """
    k1 = lower.shape[1]
    rows = np.full(ids.shape[0], -1, dtype=np.int64)
    j = 0
    for i in range(ids.shape[0]):
        while j < lower.shape[0] and compare_rows(ids, i, 0, lower, j, k1) > 0:
            j += 1
        if j < lower.shape[0] and compare_rows(ids, i, 0, lower, j, k1) == 0:
            rows[i] = j
    return rows


@njit(cache=True)
def _child_offsets(rows, lower, first):
    rows, lower = borrowed(rows), borrowed(lower)
    n = rows.shape[0]
    m = lower.shape[0]
    width = lower.shape[1]
    i = 0
    for j in range(m):
        while i < n and compare_rows(rows, i, 0, lower, j, width) < 0:
            i += 1
        first[j] = i
    first[m] = n
    # sorted tables: a range is exact when its last row extends its own prefix (no rows: all
    # prefixes are there)
    complete = n == 0 or (m > 0 and first[0] == 0)
    for j in range(m):
        if complete and first[j + 1] > first[j]:
            complete = compare_rows(rows, first[j + 1] - 1, 0, lower, j, width) == 0
    return complete


def child_offsets(rows, lower, spill_dir=None):
    """first[j]:first[j+1] are the rows of `rows` (sorted, width k) extending row j of `lower`
    (sorted, width k-1), found in one merge pass; and whether every row's prefix is in `lower`
    (otherwise the ranges are not exact). int32 offsets while the rows fit them."""
    first = spill_array(spill_dir, len(lower) + 1,
                        np.int32 if len(rows) <= np.iinfo(np.int32).max else np.int64, "first")
    return first, _child_offsets(rows, lower, first)


@njit(cache=True)
def group_contexts(rows, width):
    """Context number of each row (rows sharing their first `width` ids), and the number of contexts."""
    n = rows.shape[0]
    ctx = np.empty(n, dtype=np.int64)
    current = -1
    for i in range(n):
        if i == 0 or compare_rows(rows, i, 0, rows, i - 1, width) != 0:
            current += 1
        ctx[i] = current
    return ctx, current + 1


@njit(cache=True)
def context_end(rows, start, width):
    """End of the run of rows sharing rows[start]'s first `width` ids."""
    rows = borrowed(rows)
    end = start + 1
    while end < rows.shape[0] and compare_rows(rows, end, 0, rows, start, width) == 0:
        end += 1
    return end


@njit(cache=True)
def count_contexts(rows, width):
    """Number of runs of rows sharing their first `width` ids."""
    n = 0
    start = 0
    while start < rows.shape[0]:
        start = context_end(rows, start, width)
        n += 1
    return n


@njit(cache=True)
def context_starts(rows, width):
    """First row of each run of rows sharing their first `width` ids, then the number of rows."""
    starts = np.empty(count_contexts(rows, width) + 1, dtype=np.int64)
    h = 0
    start = 0
    while start < rows.shape[0]:
        starts[h] = start
        start = context_end(rows, start, width)
        h += 1
    starts[h] = rows.shape[0]
    return starts


@njit(cache=True)
def is_sorted_rows(ids):
    for i in range(1, ids.shape[0]):
        if compare_rows(ids, i, 0, ids, i - 1, ids.shape[1]) < 0:
            return False
    return True


@njit(cache=True)
def first_duplicate_row(ids):
    """Index of the first row equal to its predecessor in sorted rows, or -1."""
    for i in range(1, ids.shape[0]):
        if compare_rows(ids, i, 0, ids, i - 1, ids.shape[1]) == 0:
            return i
    return -1


@njit(cache=True)
def precedes_in_trie(a, i, b, j):
    """Row a[i] comes before row b[j] in trie order (common part, then shorter first)."""
    c = compare_rows(a, i, 0, b, j, min(a.shape[1], b.shape[1]))
    if c != 0:
        return c < 0
    return a.shape[1] < b.shape[1]


def merged_duplicate_rows(rows, values):
    """Sorted rows (equal rows in file order) made distinct as SRILM reads an n-gram met again:
    its later line's probability, and the backoff weight of the last line that has one (NaN:
    none). `values`: the rows' [probabilities] or [probabilities, backoff weights]."""
    first = np.ones(len(rows), dtype=np.bool_)
    first[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    starts = np.flatnonzero(first)
    last = np.append(starts[1:], len(rows)) - 1
    merged = [values[0][last]]
    if len(values) > 1:
        backoff = values[1]
        has = ~np.isnan(backoff)
        # the last row of each run with a weight: the running maximum of the rows that have one
        latest = np.maximum.accumulate(np.where(has, np.arange(len(rows)), -1))[last]
        merged.append(np.where(latest >= starts, backoff[np.maximum(latest, 0)], np.float32(np.nan)))
    return np.ascontiguousarray(rows[starts]), merged
