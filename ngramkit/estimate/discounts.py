"""Stage 2: discounts, from each order's count-of-counts."""

import numpy as np

from ..errors import DiscountEstimatorError
from ..jit import njit
from ..spill import release


@njit(cache=True)
def count_of_counts(rows, counts, nonevent, cap, meta_type, meta_weighted):
    """coc[c] = number of n-grams with count c (0 <= c <= cap), skipping those predicting a non-event;
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
        elif 0 <= c <= cap and int(c) == c:
            coc[int(c)] += 1
    return coc


def estimate_discounts(ngrams, adjusted, methods, nonevent, warn, meta_type, trace=None, names=(), modified=(),
                       modified_at_end=False, orders=None, fractional=False):
    """Let each order's method fit its parameters (of the orders in `orders`, default all);
    returns the count-of-counts used. `meta_type`: each word's meta-count type (-1: an ordinary
    word), see count_of_counts.

    `trace` (None: none) is given SRILM's -debug 1 lines of each order: the method's name in
    `names` (SRILM's), that the order's counts are made continuation counts when `modified[k-1]`
    (after the discounts with `modified_at_end`), and the method's own lines. With
    `fractional` counts, a method that cannot take them fails as SRILM's does, after its order's
    first line."""
    tables = []
    for k, method in enumerate(methods, start=1):
        if orders is not None and k not in orders:
            tables.append(np.zeros(1, dtype=np.int64))
            continue
        # a few more than the method reads, for reports
        coc = count_of_counts(ngrams[k - 1], adjusted[k - 1], nonevent, max(method.count_of_counts_needed, 10),
                              meta_type, method.meta_counts_weighted)
        release(ngrams[k - 1], adjusted[k - 1])
        fitted = trace is not None and not method.parameters_read
        modifying = [f"modifying {k}-gram counts for Kneser-Ney smoothing"] if fitted and modified[k - 1] else []
        if trace is not None:
            trace(f"using {names[k - 1]} for {k}-grams")
        if fractional:
            refuse_float_counts(k, method)
        if fitted:
            _write(trace, ([] if modified_at_end else modifying) + method.trace_before(coc, k))
        try:
            method.estimate(coc, k, warn)
        except DiscountEstimatorError as exc:
            if fitted and exc.parameters_found:
                _write(trace, method.trace_after())
            raise
        if fitted:
            _write(trace, method.trace_after() + (modifying if modified_at_end else []))
        tables.append(coc)
    return tables


def refuse_float_counts(k, method):
    """SRILM's refusal of order k's method when it cannot be estimated from fractional counts."""
    if method.float_counts_reason is not None:
        raise DiscountEstimatorError(
            f"error in discount estimator for order {k}: {method.float_counts_reason} (float counts take "
            "-wbdiscount, -cdiscount or -addsmooth, or Good-Turing or Kneser-Ney discounts read from a "
            "-gtN/-knN file)", k, method.float_counts_srilm_line, option="float_counts")


def _write(trace, lines):
    for line in lines:
        trace(line)
