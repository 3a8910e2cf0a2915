"""Stage 2: discounts, from each order's count-of-counts."""

import numpy as np

from ..jit import njit
from ..spill import release


@njit(cache=True)
def count_of_counts(rows, counts, nonevent, cap, meta_type, meta_weighted):
    """coc[c] = number of n-grams with count c (1 <= c <= cap), skipping those predicting a non-event;
    fractional counts have none.

    A row ending in a meta-count word of type t >= 1 (meta_type, -1 for other words; SRILM's
    -meta-tag) stands for n-grams left out of the counts with count t: it adds its count to coc[t]
    when `meta_weighted` (SRILM's Good-Turing), one otherwise (its Kneser-Ney), whatever its count."""
    coc = np.zeros(cap + 1, dtype=np.int64)
    last = rows.shape[1] - 1
    for i in range(rows.shape[0]):
        c = counts[i]
        w = rows[i, last]
        if nonevent[w]:
            continue
        t = meta_type[w]
        if t >= 0:
            if 0 < t <= cap:
                coc[t] += c if meta_weighted else 1
        elif 0 < c <= cap and int(c) == c:
            coc[int(c)] += 1
    return coc


def estimate_discounts(ngrams, adjusted, methods, nonevent, warn, meta_type):
    """Let each order's method fit its parameters; returns the count-of-counts used.
    `meta_type`: each word's meta-count type (-1: an ordinary word), see count_of_counts."""
    tables = []
    for k, method in enumerate(methods, start=1):
        # a few more than the method reads, for reports
        coc = count_of_counts(ngrams[k - 1], adjusted[k - 1], nonevent, max(method.count_of_counts_needed, 10),
                              meta_type, method.meta_counts_weighted)
        release(ngrams[k - 1], adjusted[k - 1])
        method.estimate(coc, k, warn)
        tables.append(coc)
    return tables
