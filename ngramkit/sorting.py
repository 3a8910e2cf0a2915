"""Compiled sorting and merging of n-gram tables.

Tables are (rows, k) int32 arrays of word ids sorted lexicographically, with a
parallel int64 array of counts.
"""

import numpy as np

from .jit import borrowed, njit
from .spill import release

_DIGIT_BITS = 16
_BUCKETS = 1 << _DIGIT_BITS


@njit(cache=True)
def radix_sort_pairs(keys, payload, max_key):
    """Sort uint64 keys ascending, carrying int32 payload (or none: an empty one); stable LSD
    radix sort.

    Only as many 16-bit digits as max_key needs are processed. Returns the
    sorted (keys, payload), which may be the input arrays or new ones.
    """
    n = len(keys)
    carry = len(payload) > 0
    keys_b = np.empty_like(keys)
    payload_b = np.empty_like(payload)
    shift = 0
    while shift == 0 or (max_key >> np.uint64(shift)) > 0:
        counts = np.zeros(_BUCKETS + 1, dtype=np.int64)
        s = np.uint64(shift)
        mask = np.uint64(_BUCKETS - 1)
        for i in range(n):
            counts[np.int64((keys[i] >> s) & mask) + 1] += 1
        for b in range(_BUCKETS):
            counts[b + 1] += counts[b]
        for i in range(n):
            d = np.int64((keys[i] >> s) & mask)
            j = counts[d]
            counts[d] = j + 1
            keys_b[j] = keys[i]
            if carry:
                payload_b[j] = payload[i]
        keys, keys_b = keys_b, keys
        payload, payload_b = payload_b, payload
        shift += _DIGIT_BITS
        if shift >= 64:
            break
    return keys, payload


@njit(cache=True, inline="always")
def compare_mapped_rows(a, i, a_map, b, j, b_map):
    """-1, 0, 1 comparing rows a[i] and b[j] lexicographically after mapping their ids."""
    for c in range(a.shape[1]):
        x = a_map[a[i, c]]
        y = b_map[b[j, c]]
        if x != y:
            return -1 if x < y else 1
    return 0


@njit(cache=True)
def _merged_size_piece(a, a_map, b, b_map, state, stop):
    """Advance the count of distinct rows (state = [i, j, n]) until i + j reaches `stop`."""
    i, j, n = state[0], state[1], state[2]
    while i + j < stop and i < len(a) and j < len(b):
        c = compare_mapped_rows(a, i, a_map, b, j, b_map)
        if c <= 0:
            i += 1
        if c >= 0:
            j += 1
        n += 1
    if i == len(a) or j == len(b):
        n += (len(a) - i) + (len(b) - j)
        i, j = len(a), len(b)
    state[0], state[1], state[2] = i, j, n


@njit(cache=True)
def _merge_piece(a, a_counts, a_map, b, b_counts, b_map, out, out_counts, state, stop):
    """Merge into out[state[2]:stop] from a[state[0]:] and b[state[1]:], summing the counts of
    rows in both; state = [i, j, n] is advanced."""
    i, j, n = state[0], state[1], state[2]
    width = out.shape[1]
    while n < stop and (i < len(a) or j < len(b)):
        if i == len(a):
            c = 1
        elif j == len(b):
            c = -1
        else:
            c = compare_mapped_rows(a, i, a_map, b, j, b_map)
        if c <= 0:
            for k in range(width):
                out[n, k] = a_map[a[i, k]]
            out_counts[n] = a_counts[i]
            if c == 0:
                out_counts[n] += b_counts[j]
                j += 1
            i += 1
        else:
            for k in range(width):
                out[n, k] = b_map[b[j, k]]
            out_counts[n] = b_counts[j]
            j += 1
        n += 1
    state[0], state[1], state[2] = i, j, n


# Rows per piece of a merge: between pieces, the pages of memory-mapped tables are released.
MERGE_PIECE_ROWS = 1 << 22


def merged_size(a, a_map, b, b_map):
    """Number of distinct rows in the union of two sorted tables."""
    state = np.zeros(3, dtype=np.int64)
    while state[0] < len(a) or state[1] < len(b):
        _merged_size_piece(a, a_map, b, b_map, state, state[0] + state[1] + MERGE_PIECE_ROWS)
        release(a, b)
    return int(state[2])


def merge_tables(a, a_counts, a_map, b, b_counts, b_map, out, out_counts):
    """Merge two sorted tables into out, summing the counts of rows in both; returns the rows
    written.

    a_map and b_map take each table's ids to the ids of out; they must keep order
    (both vocabularies are sorted the same way), so mapped tables stay sorted.
    """
    state = np.zeros(3, dtype=np.int64)
    while state[0] < len(a) or state[1] < len(b):
        _merge_piece(a, a_counts, a_map, b, b_counts, b_map, out, out_counts, state,
                     state[2] + MERGE_PIECE_ROWS)
        release(a, a_counts, b, b_counts, out, out_counts)
    return int(state[2])


@njit(cache=True, inline="always")
def _run_winner(heads, a, b):
    """The run (of a and b; -1: exhausted) whose next row comes first."""
    if a < 0:
        return b
    if b < 0:
        return a
    for c in range(heads.shape[1]):
        x = heads[a, c]
        y = heads[b, c]
        if x != y:
            return a if x < y else b
    return a


@njit(cache=True, inline="always")
def _load_head(rows, maps, map_start, cursor, run_end, heads, r):
    """Run r's next row, mapped, into heads[r]; False when the run is done."""
    i = cursor[r]
    if i == run_end[r]:
        return False
    base = map_start[r]
    for c in range(rows.shape[1]):
        heads[r, c] = maps[base + rows[i, c]]
    return True


@njit(cache=True)
def _merge_runs_piece(rows, counts, run_end, maps, map_start, cursor, heads, tree, out, out_counts, state,
                      stop):
    """Merge into out[state[0]:stop] the next rows of the runs; heads[r] holds run r's next row,
    mapped, and `tree` is a winner tree over the runs (leaves at len(tree) // 2 + run), both
    built when state[1] is 0. Returns whether all runs are done."""
    rows, maps, map_start = borrowed(rows), borrowed(maps), borrowed(map_start)
    cursor, run_end, heads = borrowed(cursor), borrowed(run_end), borrowed(heads)
    leaves = len(tree) // 2
    runs = len(run_end)
    if state[1] == 0:
        for r in range(leaves):
            tree[leaves + r] = r if r < runs and _load_head(rows, maps, map_start, cursor, run_end, heads, r) else -1
        for node in range(leaves - 1, 0, -1):
            tree[node] = _run_winner(heads, tree[2 * node], tree[2 * node + 1])
        state[1] = 1
    n = state[0]
    width = rows.shape[1]
    while n < stop and tree[1] >= 0:
        w = tree[1]
        same = n > 0
        if same:
            for c in range(width):
                if out[n - 1, c] != heads[w, c]:
                    same = False
                    break
        if same:
            out_counts[n - 1] += counts[cursor[w]]
        else:
            for c in range(width):
                out[n, c] = heads[w, c]
            out_counts[n] = counts[cursor[w]]
            n += 1
        cursor[w] += 1
        node = leaves + w
        if not _load_head(rows, maps, map_start, cursor, run_end, heads, w):
            tree[node] = -1
        node //= 2
        while node >= 1:
            tree[node] = _run_winner(heads, tree[2 * node], tree[2 * node + 1])
            node //= 2
    state[0] = n
    return tree[1] < 0


# Rows written per piece of a merge of runs: each piece reads about as many rows of every run
# as it writes, so that much of their mapped pages is resident until released.
RUN_PIECE_ROWS = 1 << 20


def merge_runs(rows, counts, run_starts, maps, map_starts, out, out_counts):
    """Merge sorted runs into out in one pass, summing the counts of equal rows; returns the rows
    written. Run r is rows[run_starts[r]:run_starts[r + 1]] with its counts; its ids become ids of
    out through maps[map_starts[r]:map_starts[r + 1]], which keep order (every run's vocabulary
    is sorted the same way), so mapped runs stay sorted. A winner tree picks the next row: each
    row is mapped once, compared about log2(runs) times and written once."""
    runs = len(run_starts) - 1
    cursor = np.array(run_starts[:-1], dtype=np.int64)
    heads = np.empty((runs, rows.shape[1]), dtype=np.int32)
    tree = np.empty(2 << max(runs - 1, 0).bit_length(), dtype=np.int64)
    state = np.zeros(2, dtype=np.int64)
    args = (rows, counts, np.array(run_starts[1:], dtype=np.int64), maps,
            np.array(map_starts[:-1], dtype=np.int64), cursor, heads, tree, out, out_counts, state)
    while not _merge_runs_piece(*args, state[0] + RUN_PIECE_ROWS):
        release(rows, counts, out, out_counts)
    release(rows, counts, out, out_counts)
    return int(state[0])


@njit(cache=True)
def _merge_backward(big, big_counts, big_map, n_big, small, small_counts, small_map):
    """Merge `small` into `big`, whose first n_big rows are its table and whose arrays have room
    for the merged rows: from the last rows down, so that every write lands at or after the
    last unread row of big (the rows still to come are at least as many as big's)."""
    i = n_big - 1
    j = len(small) - 1
    n = len(big) - 1
    width = big.shape[1]
    while j >= 0:
        c = -1 if i < 0 else compare_mapped_rows(big, i, big_map, small, j, small_map)
        if c >= 0:
            count = big_counts[i] + (small_counts[j] if c == 0 else 0)
            for k in range(width):
                big[n, k] = big_map[big[i, k]]
            big_counts[n] = count
            i -= 1
            if c == 0:
                j -= 1
        else:
            for k in range(width):
                big[n, k] = small_map[small[j, k]]
            big_counts[n] = small_counts[j]
            j -= 1
        n -= 1
    # what is left of big is in place already: its ids are mapped
    for r in range(i + 1):
        for k in range(width):
            big[r, k] = big_map[big[r, k]]


def merge_in_place(big, big_counts, big_map, small, small_counts, small_map, size):
    """merge_tables into the memory of `big`, grown to `size` rows (the merged size), so that
    the merge needs no room for a copy of big: (rows, counts), or None when big's arrays cannot
    grow (other arrays see their memory, or they are memory-mapped). Big's arrays are taken:
    nothing else may hold them."""
    n_big = len(big)
    if not all(a.flags.owndata and a.base is None and a.flags.c_contiguous for a in (big, big_counts)):
        return None
    # realloc: for large arrays the system moves the pages instead of copying them
    big.resize((size, big.shape[1]), refcheck=False)
    big_counts.resize(size, refcheck=False)
    _merge_backward(big, big_counts, big_map, n_big, small, small_counts, small_map)
    return big, big_counts


def sort_and_sum(ngrams, counts):
    """Sort a table's rows and sum the counts of equal rows (for count files read in any order)."""
    if len(ngrams) == 0:
        return ngrams, counts
    order = np.lexsort(ngrams.T[::-1])
    ngrams = ngrams[order]
    counts = counts[order]
    new = np.ones(len(ngrams), dtype=bool)
    new[1:] = np.any(ngrams[1:] != ngrams[:-1], axis=1)
    starts = np.flatnonzero(new)
    return np.ascontiguousarray(ngrams[starts]), np.add.reduceat(counts, starts)
