"""SRILM's `ngram-count -read-with-mincounts`: counts below their order's -gtNmin are left out
as the count file is read (NgramCounts::readMinCounts), so that the table never holds them.

The count trie SRILM reads into keeps the prefix of every n-gram it holds: an n-gram left out
that is the prefix of one kept stays, with count 0 (estimation skips such rows above the
unigrams, as SRILM's does). Meta-tag counts (-meta-tag) are not read here.
"""

import numpy as np

from .model import NgramCounts
from .tables import prefix_rows


def apply_min_counts(counts, min_counts):
    """`counts` without the n-grams of order k counted fewer than min_counts[k-1] times (kept
    with count 0 where they are the prefix of an n-gram kept)."""
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
    return result
