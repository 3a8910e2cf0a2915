"""Stage 1: adjusted counts.

Kneser-Ney methods replace the count of each n-gram below the highest order by the
number of distinct words seen before it (its continuation count). N-grams that start
with a non-event (<s>) have no predecessors and keep their raw counts; the highest
order keeps raw counts. Other methods use raw counts throughout.
"""

import numpy as np
from numba import njit

from .lookup import find_rows


@njit(cache=True)
def _add_continuations(higher_rows, higher_counts, suffixes, nonevent, out):
    for i in range(higher_rows.shape[0]):
        if higher_counts[i] > 0 and not nonevent[higher_rows[i, 1]] and suffixes[i] >= 0:
            out[suffixes[i]] += 1


def continuation_counts(lower_rows, lower_counts, higher_rows, higher_counts, nonevent, suffixes=None):
    """Counts of `lower_rows` as SRILM's KneserNey::prepareCounts makes them; `suffixes`: the row
    of `lower_rows` holding each higher row's suffix (-1: none), searched for if not given."""
    if suffixes is None:
        suffixes = find_rows(lower_rows, higher_rows, 1)
    out = np.where(nonevent[lower_rows[:, 0]], lower_counts, 0).astype(np.int64)
    _add_continuations(higher_rows, higher_counts, suffixes, nonevent, out)
    return out


def adjusted_counts(counts, order, methods, nonevent, links):
    """Per order, the counts the order's smoothing method estimates from (`links`: OrderLinks
    of the count tables)."""
    result = []
    for k in range(1, order + 1):
        raw = counts.counts[k - 1]
        if methods[k - 1].continuation_counts and k < order:
            result.append(continuation_counts(counts.ngrams[k - 1], raw, counts.ngrams[k],
                                              counts.counts[k], nonevent, links.suffix[k + 1]))
        else:
            result.append(raw)
    return result
