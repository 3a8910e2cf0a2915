"""Count files in SRILM's format: `w1 w2 ... wk<TAB>count`, one n-gram per line.

Written in SRILM's `-sort` order: depth first through the n-gram trie, words in
byte order, so every n-gram is followed by its extensions. Formatting is
compiled; Python only moves full buffers to the file.
"""

import numpy as np

from .errors import EmptyInputError
from .jit import njit
from .model import NgramCounts, count_dtype
from .numfmt import put_uint
from .sorting import sort_and_sum
from .tables import precedes_in_trie
from .textio import atomic_output, iter_line_blocks
from .tokenize import PROV_UNK, Interner
from .vocab import Vocabulary

_BUFFER_BYTES = 1 << 23


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
def _format_counts(tables, counts, heads, pool, offsets, max_word, buf):
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
        if pos + rows.shape[1] * (max_word + 1) + 22 > len(buf):
            return pos
        pos = write_words(buf, pos, rows, i, pool, offsets)
        buf[pos] = 9
        pos = put_uint(buf, pos + 1, counts[best][i])
        buf[pos] = 10
        pos += 1
        heads[best] = i + 1


def write_counts(counts, path, orders=None):
    """Write the given orders (default all) of `counts` to `path` in trie order."""
    orders = orders or range(1, counts.order + 1)
    # Tuples, not typed lists: indexing them in compiled code costs no reference counting.
    tables = tuple(np.ascontiguousarray(counts.ngrams[k - 1]) for k in orders)
    values = tuple(np.ascontiguousarray(counts.counts[k - 1]) for k in orders)
    if len({v.dtype for v in values}) > 1:  # compiled code indexes the tuple at run time
        values = tuple(v.astype(np.int64) for v in values)
    pool, offsets = counts.vocab.byte_pool()
    max_word = int(np.max(np.diff(offsets)))
    heads = np.zeros(len(tables), dtype=np.int64)
    buf = np.empty(max(_BUFFER_BYTES, 4 * max(orders) * (max_word + 1) + 64), dtype=np.uint8)
    with atomic_output(path) as out:
        while True:
            n = _format_counts(tables, values, heads, pool, offsets, max_word, buf)
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


def read_counts(paths, order=None, vocab=None, limit_vocab=False, encoding="utf-8"):
    """Read and sum SRILM count files.

    order: ignore n-grams longer than this. vocab: a closed vocabulary; with
    limit_vocab, n-grams holding other words are dropped (SRILM -limit-vocab),
    otherwise such words become <unk>.
    """
    blocks = ((block, path, first_line) for path in paths
              for block, first_line in iter_line_blocks(path, encoding, allow_bytes=True))
    counts = counts_of_blocks(blocks, order, vocab, limit_vocab)
    if counts is None:
        raise EmptyInputError("no counts in count file", ", ".join(map(str, paths)))
    return counts


def counts_of_blocks(blocks, order=None, vocab=None, limit_vocab=False):
    """The summed counts of count-file blocks (bytes of whole lines, path, number of the first
    line), as read_counts reads files; None when they hold no n-gram of the orders asked for."""
    interner = Interner()
    parts = {}
    for block, path, first_line in blocks:
        tokens, line_counts = interner.tokenize(block, count_lines=True, path=path, first_line=first_line)
        for k, table in _rows_by_length(tokens, line_counts, order).items():
            parts.setdefault(k, []).append(table)
    if not parts:
        return None
    words = interner.words()
    if vocab is None:
        vocab = Vocabulary(words)
        remap = vocab.ids(words)
    else:
        remap = vocab.ids(words, unknown=-1 if limit_vocab else vocab.unk)
        remap[PROV_UNK] = vocab.unk
    top = max(parts) if order is None else order
    result = NgramCounts(vocab)
    for k in range(1, top + 1):
        if k in parts:
            rows = remap[np.concatenate([r for r, _ in parts[k]])]
            values = np.concatenate([c for _, c in parts[k]])
            keep = np.all(rows >= 0, axis=1)
            rows, values = sort_and_sum(rows[keep], values[keep])
            values = values.astype(count_dtype(int(values.max(initial=0))), copy=False)
        else:
            rows, values = np.empty((0, k), dtype=np.int32), np.empty(0, dtype=np.int32)
        result.ngrams.append(np.ascontiguousarray(rows, dtype=np.int32))
        result.counts.append(values)
    return result
