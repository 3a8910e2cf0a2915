"""Count files in SRILM's format: `w1 w2 ... wk<TAB>count`, one n-gram per line.

Counts are non-negative integers, or with `float_counts` (SRILM's `-float-counts`) any decimal
number, read as C's `%lf` reads it and written as `%.16g` (FloatCount_Precision).

Written in SRILM's `-sort` order: depth first through the n-gram trie, words in
byte order, so every n-gram is followed by its extensions. Formatting is
compiled; Python only moves full buffers to the file.
"""

import numpy as np

from .errors import EmptyInputError, FormatError
from .jit import njit
from .model import NgramCounts, count_dtype
from .numfmt import format_g, parse_float, put_uint
from .sorting import sort_and_sum
from .tables import precedes_in_trie
from .textio import atomic_output, iter_line_blocks
from .tokenize import PROV_UNK, Interner
from .vocab import Vocabulary

_BUFFER_BYTES = 1 << 23
FLOAT_COUNT_DIGITS = 16  # SRILM's FloatCount_Precision: %.16g


@njit(cache=True)
def write_words(buf, pos, row_table, i, pool, offsets):
    """The words of row i, separated by spaces; returns the new pos."""
    for c in range(row_table.shape[1]):
        if c > 0:
            buf[pos] = 32
            pos += 1
        w = row_table[i, c]
        for p in range(offsets[w], offsets[w + 1]):
            buf[pos] = pool[p]
            pos += 1
    return pos


@njit(cache=True)
def _format_counts(tables, counts, heads, pool, offsets, max_word, buf, is_float):
    """Fill buf with count lines in trie order from the heads on; returns bytes written."""
    pos = 0
    while True:
        best = -1
        for k in range(len(tables)):
            if heads[k] < len(tables[k]) and (
                    best < 0 or precedes_in_trie(tables[k], heads[k], tables[best], heads[best])):
                best = k
        if best < 0:
            return pos
        rows = tables[best]
        i = heads[best]
        if pos + rows.shape[1] * (max_word + 1) + 30 > len(buf):
            return pos
        pos = write_words(buf, pos, rows, i, pool, offsets)
        buf[pos] = 9
        value = counts[best][i]
        if is_float:
            pos = format_g(float(value), FLOAT_COUNT_DIGITS, buf, pos + 1)
        else:
            pos = put_uint(buf, pos + 1, value)
        buf[pos] = 10
        pos += 1
        heads[best] = i + 1


def write_counts(counts, path, orders=None):
    """Write the given orders (default all) of `counts` to `path` in trie order."""
    with atomic_output(path) as out:
        write_counts_to(counts, out, orders)


def write_counts_to(counts, out, orders=None):
    """Write the given orders (default all) of `counts` to the binary stream `out` in trie order."""
    orders = orders or range(1, counts.order + 1)
    # Tuples, not typed lists: indexing them in compiled code costs no reference counting.
    tables = tuple(np.ascontiguousarray(counts.ngrams[k - 1]) for k in orders)
    values = tuple(np.ascontiguousarray(counts.counts[k - 1]) for k in orders)
    is_float = any(v.dtype.kind == "f" for v in values)
    if len({v.dtype for v in values}) > 1:  # compiled code indexes the tuple at run time
        values = tuple(v.astype(np.float64 if is_float else np.int64) for v in values)
    pool, offsets = counts.vocab.byte_pool()
    max_word = int(np.max(np.diff(offsets)))
    heads = np.zeros(len(tables), dtype=np.int64)
    buf = np.empty(max(_BUFFER_BYTES, 4 * max(orders) * (max_word + 1) + 64), dtype=np.uint8)
    while True:
        n = _format_counts(tables, values, heads, pool, offsets, max_word, buf, is_float)
        if n == 0:
            break
        out.write(buf[:n].tobytes())


def _rows_by_length(tokens, line_counts, max_order):
    """Split a count-mode token stream into {k: (rows, counts)} by n-gram length."""
    ends = np.flatnonzero(tokens < 0)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    tables = {}
    for k in np.unique(lengths).tolist():
        if max_order is not None and k > max_order:
            continue
        lines = np.flatnonzero(lengths == k)
        rows = tokens[starts[lines][:, None] + np.arange(k)]
        tables[k] = (rows, line_counts[lines])
    return tables


@njit(cache=True)
def _take_float_counts(buf, values):
    """Parse the last field of each non-blank line of buf as a decimal count into values and
    overwrite it with `0` and blanks, so that the integer tokenizer reads the words. Returns
    (lines, 0), or (-1, line index) of a line whose last field is no number or that has no
    words before it."""
    n = len(buf)
    pos = 0
    lines = 0
    line = 0
    while pos < n:
        eol = pos
        while eol < n and buf[eol] != 10:
            eol += 1
        end = eol
        while end > pos and _is_blank(buf[end - 1]):
            end -= 1
        if end > pos:
            start = end
            while start > pos and not _is_blank(buf[start - 1]):
                start -= 1
            value, ok = parse_float(buf, start, end)
            words = start
            while words > pos and _is_blank(buf[words - 1]):
                words -= 1
            if not ok or words == pos:
                return -1, line
            values[lines] = value
            lines += 1
            buf[start] = 48
            for i in range(start + 1, end):
                buf[i] = 32
        line += 1
        pos = eol + 1
    return lines, 0


@njit(cache=True, inline="always")
def _is_blank(b):
    return b == 32 or b == 9 or b == 13 or b == 11 or b == 12


def count_blocks(paths, encoding="utf-8"):
    """(block, first line number, path) of each block of whole lines of the count files `paths`."""
    for path in paths:
        for block, first_line in iter_line_blocks(path, encoding, allow_bytes=True):
            yield block, first_line, path


def read_counts(paths, order=None, vocab=None, limit_vocab=False, encoding="utf-8", float_counts=False,
                blocks=None):
    """Read and sum SRILM count files.

    order: ignore n-grams longer than this. vocab: a closed vocabulary; with
    limit_vocab, n-grams holding other words are dropped (SRILM -limit-vocab),
    otherwise such words become <unk>. float_counts: fractional counts, summed as float64.
    blocks: instead of `paths`, (block, first line number, path) triples of count lines (see
    count_blocks), for counts that follow other text in a file.
    """
    interner = Interner()
    parts = {}
    for block, first_line, path in (count_blocks(paths, encoding) if blocks is None else blocks):
        if float_counts:
            buf = np.frombuffer(block, dtype=np.uint8).copy()
            values = np.empty(buf.size // 2 + 1, dtype=np.float64)
            lines, bad = _take_float_counts(buf, values)
            if lines < 0:
                raise FormatError("expected words followed by a count", path, first_line + bad)
            block = buf.tobytes()
        tokens, line_counts = interner.tokenize(block, count_lines=True, path=path,
                                                first_line=first_line)
        if float_counts:
            line_counts = values[:lines]
        for k, table in _rows_by_length(tokens, line_counts, order).items():
            parts.setdefault(k, []).append(table)
    if not parts:
        raise EmptyInputError("no counts in count file", ", ".join(map(str, paths)))
    words = interner.words()
    if vocab is None:
        vocab = Vocabulary(words)
        remap = vocab.ids(words)
    else:
        remap = vocab.ids(words, unknown=-1 if limit_vocab else vocab.unk)
        remap[PROV_UNK] = vocab.unk
    top = max(parts) if order is None else order
    empty = np.float64 if float_counts else np.int32
    result = NgramCounts(vocab)
    for k in range(1, top + 1):
        if k in parts:
            rows = remap[np.concatenate([r for r, _ in parts[k]])]
            values = np.concatenate([c for _, c in parts[k]])
            keep = np.all(rows >= 0, axis=1)
            rows, values = sort_and_sum(rows[keep], values[keep])
            if not float_counts:
                values = values.astype(count_dtype(int(values.max(initial=0))), copy=False)
        else:
            rows, values = np.empty((0, k), dtype=np.int32), np.empty(0, dtype=empty)
        result.ngrams.append(np.ascontiguousarray(rows, dtype=np.int32))
        result.counts.append(values)
    return result
