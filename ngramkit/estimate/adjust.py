"""Stage 1: adjusted counts.

Kneser-Ney methods replace the count of each n-gram below the highest order by the
number of distinct words seen before it (its continuation count). N-grams that start
with a non-event (<s>) have no predecessors and keep their raw counts; the highest
order keeps raw counts. Other methods use raw counts throughout.
"""

import numpy as np

from ..jit import njit
from ..model import count_dtype
from ..spill import release, spill_array
from ..tables import find_rows
from .pieces import in_pieces, row_pieces


@njit(cache=True)
def _kept_raw_counts(lower_rows, lower_counts, nonevent, out):
    """The raw count of each row starting with a non-event, 0 for the others."""
    for i in range(lower_rows.shape[0]):
        out[i] = lower_counts[i] if nonevent[lower_rows[i, 0]] else 0


@njit(cache=True)
def _add_predecessors(higher_rows, higher_counts, suffixes, nonevent, out):
    """One for each seen higher row whose suffix is a row and not a non-event's, at that row
    (never a row starting with a non-event)."""
    for i in range(higher_rows.shape[0]):
        if higher_counts[i] > 0 and not nonevent[higher_rows[i, 1]] and suffixes[i] >= 0:
            out[suffixes[i]] += 1


def continuation_counts(lower_rows, lower_counts, higher_rows, higher_counts, nonevent, suffixes=None,
                        spill_dir=None):
    """Counts of `lower_rows` as SRILM's KneserNey::prepareCounts makes them; `suffixes`: the row
    of `lower_rows` holding each higher row's suffix (-1: none), searched for if not given.
    int32 when they fit: a continuation count is below the number of higher rows, a kept raw
    count is at most the largest raw count."""
    if suffixes is None:
        suffixes = find_rows(lower_rows, higher_rows, 1)
    out = spill_array(spill_dir, len(lower_rows),
                      count_dtype(max(int(lower_counts.max(initial=0)), len(higher_rows))), "adjusted")
    in_pieces(lambda _, lo, hi: _kept_raw_counts(lower_rows[lo:hi], lower_counts[lo:hi], nonevent, out[lo:hi]),
              row_pieces(len(lower_rows)))
    # the higher rows in pieces, one per core: the first adds into `out`, each other into its
    # own zeroed counts (any row may get a predecessor from any piece), summed at the end
    bounds = row_pieces(len(higher_rows))
    partial = [out]
    for _ in bounds[2:]:
        partial.append(spill_array(spill_dir, len(lower_rows), out.dtype, "predecessors"))
        partial[-1].fill(0)
    in_pieces(lambda piece, lo, hi: _add_predecessors(higher_rows[lo:hi], higher_counts[lo:hi], suffixes[lo:hi],
                                                      nonevent, partial[piece]), bounds)
    for counts in partial[1:]:
        np.add(out, counts, out=out)
    partial.clear()
    return out


def adjusted_counts(ngrams, raw, methods, nonevent, links, fractional=False):
    """Per order, the counts the order's smoothing method estimates from (`links`: OrderLinks
    of the count tables). Each raw table is dropped from `raw` once made into adjusted counts,
    so that, when `raw` holds the only reference, it is freed before the next order's is made.
    Fractional counts stay raw: SRILM makes continuation counts of integer counts only."""
    order = len(methods)
    result = []
    for k in range(1, order + 1):
        if methods[k - 1].continuation_counts and k < order and not fractional:
            result.append(continuation_counts(ngrams[k - 1], raw[k - 1], ngrams[k], raw[k], nonevent,
                                              links.suffix[k + 1], links.spill_dir))
            release(ngrams[k - 1], raw[k - 1], ngrams[k], raw[k], links.suffix[k + 1], result[-1])
        else:
            result.append(raw[k - 1])
        raw[k - 1] = None
    return result
