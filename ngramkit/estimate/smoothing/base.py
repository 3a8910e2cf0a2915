"""The interface every smoothing method implements (one order's discounting).

Arrays are per n-gram row: `count` (adjusted count), `total` (its context's total
count, raised by SRILM's denominator rule) and `observed` (distinct followers of the
context). A coefficient multiplies count/total; 0 removes the n-gram.

Counts are integers, or float64 with fractional counts (SRILM's -float-counts): the compiled
functions are typed on them. With fractional counts SRILM weighs the lower order by the integer
ceiling of the context's total, and methods without their own rule for fractional counts
(Good-Turing and Kneser-Ney, with discounts read from a file) discount a count's ceiling.

Every method's coefficients and lower-order weight have one shape, so that one compiled
loop serves them all; a method only gives its numbers (a `Formula`).
"""

import math
from typing import NamedTuple

import numpy as np
from numba import types
from numba.extending import overload

from ...jit import borrowed, njit


class Formula(NamedTuple):
    """With D = total + observed_share * observed + added_total and tables read at min(c, last):

        coefficient(c) = scale[c] * (c - discount[c]) / c * total / D
        lower-order weight = (f[0] n1 + f[1] n2 + f[2] n3) / D

    where f = follower_discount and n1, n2, n3 count the context's followers seen once,
    twice and three or more times. Counts below min_count get 0, counts <= 0 get 1. With
    ceil_counts, a fractional count is taken as its integer ceiling. With natural_size V > 0
    (natural discounting) the coefficient is instead 1 when the context has seen all V words,
    else (T (T + 1) + q (1 - q)) / (T (T + 1) + 2 q) for T = total, q = observed."""

    scale: np.ndarray
    discount: np.ndarray
    follower_discount: np.ndarray
    observed_share: float
    added_total: float
    min_count: float
    ceil_counts: bool
    natural_size: float


def ceiling(c):
    """A count's integer ceiling (as a float for a fractional count); an integer count itself."""
    return c if isinstance(c, (int, np.integer)) else float(math.ceil(c))


@overload(ceiling)
def _ceiling(c):
    if isinstance(c, types.Integer):
        return lambda c: c
    return lambda c: float(math.ceil(c))


@njit(cache=True)
def borrowed_formula(formula):
    """`formula` with borrowed tables (jit.borrowed), for the loops of a compiled caller that
    holds it: a coefficient per n-gram then counts no references."""
    return Formula(borrowed(formula.scale), borrowed(formula.discount), borrowed(formula.follower_discount),
                   formula.observed_share, formula.added_total, formula.min_count, formula.ceil_counts,
                   formula.natural_size)


@njit(cache=True)
def coefficient(c, total, observed, formula):
    if formula.natural_size > 0.0:
        return _natural_coefficient(c, total, observed, formula)
    if formula.ceil_counts:
        c = ceiling(c)
    if c <= 0:
        return 1.0
    if c < formula.min_count:
        return 0.0
    at = int(c)  # tables of more than one entry belong to methods with ceil_counts
    scale = formula.scale[min(at, len(formula.scale) - 1)]
    discount = formula.discount[min(at, len(formula.discount) - 1)]
    return scale * ((c - discount) / c) * (total / _denominator(total, observed, formula))


@njit(cache=True)
def _natural_coefficient(c, total, observed, formula):
    # SRILM's NaturalDiscount has no rule for counts <= 0
    if c < formula.min_count:
        return 0.0
    if observed == formula.natural_size:
        return 1.0
    n = total
    q = float(observed)
    return (n * (n + 1.0) + q * (1.0 - q)) / (n * (n + 1.0) + 2.0 * q)


@njit(cache=True)
def lower_order_weight(total, observed, min2, min3, formula):
    f = formula.follower_discount
    mass = f[0] * (observed - min2) + f[1] * (min2 - min3) + f[2] * min3
    # the ceiling of a fractional total, as SRILM's; an integer total is itself
    return mass / _denominator(float(math.ceil(total)), observed, formula)


@njit(cache=True)
def _denominator(total, observed, formula):
    return total + formula.observed_share * observed + formula.added_total


@njit(cache=True)
def _coefficients(count, total, observed, formula):
    formula = borrowed_formula(formula)
    out = np.empty(len(count))
    for i in range(len(count)):
        out[i] = coefficient(count[i], total[i], observed[i], formula)
    return out


@njit(cache=True)
def _lower_order_weights(total, observed, min2, min3, formula):
    formula = borrowed_formula(formula)
    out = np.empty(len(total))
    for i in range(len(total)):
        out[i] = lower_order_weight(total[i], observed[i], min2[i], min3[i], formula)
    return out


FLOAT_COUNTS_REFUSED = "discounting method does not support float counts"  # SRILM's message


class Smoothing:
    continuation_counts = False  # estimates lower orders from Kneser-Ney continuation counts
    count_of_counts_needed = 0  # highest count whose count-of-count `estimate` reads
    # why SRILM cannot estimate the method from fractional counts (None: it can); such a
    # method still takes them with its parameters read from a discount file
    float_counts_reason = None
    float_counts_srilm_line = FLOAT_COUNTS_REFUSED  # what SRILM prints then, if anything
    meta_counts_weighted = False  # a meta-count row adds its count to n_t, not one (SRILM's Good-Turing)

    def __init__(self, min_count, interpolate):
        self.min_count = min_count
        self.interpolate = interpolate

    parameters_read = False  # the parameters came from a discount file, not from `estimate`

    def estimate(self, coc, order, warn):
        """Fit parameters from coc[c] = number of n-grams with count c."""

    def trace_before(self, coc, order):
        """SRILM's -debug 1 lines of fitting the order's parameters from coc (count 0 in coc[0])
        that come before the warnings of `estimate`."""
        return []

    def trace_after(self):
        """SRILM's -debug 1 lines of the fitted parameters, after `estimate`."""
        return []

    def formula(self):
        """The fitted method as a Formula."""
        raise NotImplementedError

    def make_formula(self, scale=(1.0,), discount=(0.0,), follower_discount=(0.0, 0.0, 0.0),
                     observed_share=0.0, added_total=0.0, min_count=None, ceil_counts=False, natural_size=0.0):
        if self.disabled():
            min_count = 0.0  # SRILM's nodiscount keeps every count, fractional ones below the cutoff too
        return Formula(np.asarray(scale, dtype=np.float64), np.asarray(discount, dtype=np.float64),
                       np.asarray(follower_discount, dtype=np.float64), float(observed_share),
                       float(added_total), float(self.min_count if min_count is None else min_count),
                       bool(ceil_counts), float(natural_size))

    def coefficients(self, count, total, observed):
        """Coefficients of integer counts, or of fractional ones given as float64."""
        count = np.asarray(count)
        return _coefficients(count if count.dtype == np.float64 else count.astype(np.int64),
                             np.asarray(total, dtype=np.float64), np.asarray(observed, dtype=np.int64),
                             self.formula())

    def lower_order_weight(self, total, observed, min2, min3):
        """Weight of the lower-order distribution in an interpolated estimate."""
        return _lower_order_weights(np.asarray(total, dtype=np.float64), np.asarray(observed, dtype=np.int64),
                                    np.asarray(min2, dtype=np.int64), np.asarray(min3, dtype=np.int64),
                                    self.formula())

    def disabled(self):
        """True when the method leaves every count as it is (SRILM's nodiscount)."""
        return False

    def discount_values(self):
        """The fitted discounts, for reports (Kneser-Ney: D1, D2, D3+)."""
        return []
