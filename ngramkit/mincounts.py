"""SRILM's `ngram-count -read-with-mincounts`: counts below their order's -gtNmin are left out
as the count file is read (NgramCounts::readMinCounts), so that the table never holds them.

The count trie SRILM reads into keeps the prefix of every n-gram it holds: an n-gram left out
that is the prefix of one kept stays, with count 0 (estimation skips such rows above the
unigrams, as SRILM's does).

With a meta tag (-meta-tag TAG), what is left out is kept as meta-counts (meta_counts.py): per
context and order, the n-grams of count t left out become one n-gram `context TAG<t>` counting
them, written only for a context that keeps some n-gram of that order (readMinCounts' rule).

SRILM tests each line's count as read, before its words are looked up in -vocab (where other
words become <unk>; -limit-vocab drops their n-grams first): min_counts_in_vocabulary does the
same on the counts summed over the files (equal for make-batch-counts' merged files, where no
n-gram repeats), so that n-grams of words outside the vocabulary are left out one by one.
"""

import numpy as np

from .meta_counts import meta_word, meta_words, with_words
from .model import NgramCounts, count_dtype
from .sorting import sort_and_sum
from .tables import group_contexts, prefix_rows


def apply_min_counts(counts, min_counts, meta_tag=None):
    """`counts` without the n-grams of order k counted fewer than min_counts[k-1] times (kept
    with count 0 where they are the prefix of an n-gram kept); with `meta_tag`, plus the
    meta-counts of what was left out."""
    order = counts.order
    keep = [None] * order
    zero = [None] * order
    for k in range(order, 0, -1):
        values = counts.counts[k - 1]
        enough = values >= min_counts[k - 1]
        prefix = np.zeros(len(values), dtype=bool)
        if k < order and keep[k] is not None:
            found = prefix_rows(np.ascontiguousarray(counts.ngrams[k][keep[k]]), counts.ngrams[k - 1])
            prefix[found[found >= 0]] = True
        keep[k - 1] = enough | prefix
        zero[k - 1] = prefix & ~enough
    result = NgramCounts(counts.vocab)
    for k in range(order):
        values = counts.counts[k].copy()
        values[zero[k]] = 0
        result.ngrams.append(np.ascontiguousarray(counts.ngrams[k][keep[k]]))
        result.counts.append(values[keep[k]])
    if meta_tag:
        result = _with_meta_counts(result, counts, min_counts, meta_tag)
    return result


def _left_out(rows, values, min_count):
    """Per context of `rows` (sorted) that keeps an n-gram: the contexts' first rows, the counts
    t of the n-grams left out and how many there are of each (contexts in row order)."""
    group, contexts = group_contexts(rows, rows.shape[1] - 1)
    starts = np.flatnonzero(np.diff(group, prepend=-1))
    kept = np.zeros(contexts, dtype=bool)
    kept[group[values >= min_count]] = True
    out = (values < min_count) & (values > 0) & kept[group]
    keys = group[out].astype(np.int64) * min_count + values[out]
    keys, numbers = np.unique(keys, return_counts=True)
    return starts[keys // min_count], keys % min_count, numbers


def _with_meta_counts(result, counts, min_counts, tag):
    """`result` (the counts kept) with the meta-count rows of what `counts` had below min_counts."""
    left = [_left_out(counts.ngrams[k], counts.counts[k], int(min_counts[k]))
            if len(counts.counts[k]) and min_counts[k] > 1 else None for k in range(counts.order)]
    types = sorted({int(t) for entry in left if entry is not None for t in entry[1]})
    if not types:
        return result
    vocab = with_words(result.vocab, [meta_word(tag, t) for t in types])
    # adding words keeps the byte order of the others, so remapped tables stay sorted
    remap = vocab.remap_from(result.vocab)
    by_type = np.full(max(types) + 1, -1, dtype=np.int32)
    by_type[types] = vocab.ids([meta_word(tag, t) for t in types])
    out = NgramCounts(vocab)
    for k in range(result.order):
        rows, values = remap[result.ngrams[k]], result.counts[k]
        if left[k] is not None and len(left[k][0]):
            starts, t, numbers = left[k]
            meta = np.empty((len(starts), k + 1), dtype=np.int32)
            meta[:, :k] = remap[counts.ngrams[k][starts, :k]]
            meta[:, k] = by_type[t]
            wide = np.int64 if values.dtype.kind == "i" else values.dtype
            rows, values = sort_and_sum(np.concatenate([rows, meta]),
                                        np.concatenate([values.astype(wide), numbers.astype(wide)]))
            if values.dtype.kind == "i":
                values = values.astype(count_dtype(int(values.max(initial=0))), copy=False)
        out.ngrams.append(np.ascontiguousarray(rows, dtype=np.int32))
        out.counts.append(values)
    return out


def in_vocabulary(counts, vocab, limit_vocab=False, meta_tag=None):
    """`counts` over the closed vocabulary `vocab` (plus the meta-count words of `meta_tag`):
    other words become <unk>, or with `limit_vocab` their n-grams are dropped, as -vocab reads."""
    if meta_tag:
        vocab = with_words(vocab, meta_words(counts.vocab, meta_tag))
    remap = vocab.ids(counts.vocab.words, unknown=-1 if limit_vocab else vocab.unk)
    result = NgramCounts(vocab)
    for rows, values in zip(counts.ngrams, counts.counts):
        rows = remap[rows]
        kept = np.all(rows >= 0, axis=1)
        rows, values = sort_and_sum(rows[kept], values[kept])
        result.ngrams.append(np.ascontiguousarray(rows, dtype=np.int32))
        result.counts.append(values)
    return result


def min_counts_in_vocabulary(counts, min_counts, vocab=None, limit_vocab=False, meta_tag=None):
    """-read-with-mincounts of counts read without a vocabulary (their words as written), in
    readMinCounts' order: -limit-vocab's drop, the mincounts (and meta-counts), then -vocab."""
    if vocab is not None and limit_vocab:
        counts = in_vocabulary(counts, vocab, True, meta_tag)
    counts = apply_min_counts(counts, min_counts, meta_tag)
    if vocab is not None and not limit_vocab:
        counts = in_vocabulary(counts, vocab, False, meta_tag)
    return counts
