"""Stage 2: discounts, from each order's count-of-counts."""

import numpy as np

from ..jit import njit
from ..spill import release


@njit(cache=True)
def count_of_counts(rows, counts, nonevent, cap):
    """coc[c] = number of n-grams with count c (1 <= c <= cap), skipping those predicting a non-event;
    fractional counts have none."""
    coc = np.zeros(cap + 1, dtype=np.int64)
    last = rows.shape[1] - 1
    for i in range(rows.shape[0]):
        c = counts[i]
        if 0 < c <= cap and int(c) == c and not nonevent[rows[i, last]]:
            coc[int(c)] += 1
    return coc


def estimate_discounts(ngrams, adjusted, methods, nonevent, warn):
    """Let each order's method fit its parameters; returns the count-of-counts used."""
    tables = []
    for k, method in enumerate(methods, start=1):
        # a few more than the method reads, for reports
        coc = count_of_counts(ngrams[k - 1], adjusted[k - 1], nonevent, max(method.count_of_counts_needed, 10))
        release(ngrams[k - 1], adjusted[k - 1])
        method.estimate(coc, k, warn)
        tables.append(coc)
    return tables
