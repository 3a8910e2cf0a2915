"""The interface every smoothing method implements (one order's discounting).

Arrays are per n-gram row: `count` (adjusted count), `total` (its context's total
count, raised by SRILM's denominator rule) and `observed` (distinct followers of the
context). A coefficient multiplies count/total; 0 removes the n-gram.

Every method's coefficients and lower-order weight have one shape, so that one compiled
loop serves them all; a method only gives its numbers (a `Formula`).
"""

import math
from typing import NamedTuple

import numpy as np

from ...jit import njit


class Formula(NamedTuple):
    """With D = total + observed_share * observed + added_total and tables read at min(c, last):

        coefficient(c) = scale[c] * (c - discount[c]) / c * total / D
        lower-order weight = (f[0] n1 + f[1] n2 + f[2] n3) / D

    where f = follower_discount and n1, n2, n3 count the context's followers seen once,
    twice and three or more times. Counts below min_count get 0, counts <= 0 get 1.

    Fractional counts (SRILM's estimate over float counts): the tables are read at the count's
    integer ceiling, which `ceil_counts` methods (Good-Turing) also compare with min_count; a
    count below its discount gets 0; the lower-order weight takes the ceiling of the total."""

    scale: np.ndarray
    discount: np.ndarray
    follower_discount: np.ndarray
    observed_share: float
    added_total: float
    min_count: int
    ceil_counts: bool


@njit(cache=True)
def coefficient(c, total, observed, formula):
    if c <= 0:
        return 1.0
    key = math.ceil(c)  # c itself for integer counts
    if (key if formula.ceil_counts else c) < formula.min_count:
        return 0.0
    scale = formula.scale[min(key, len(formula.scale) - 1)]
    discount = formula.discount[min(key, len(formula.discount) - 1)]
    if c != key and c < discount:
        return 0.0
    return scale * ((c - discount) / c) * (total / _denominator(total, observed, formula))


@njit(cache=True)
def lower_order_weight(total, observed, min2, min3, formula):
    f = formula.follower_discount
    mass = f[0] * (observed - min2) + f[1] * (min2 - min3) + f[2] * min3
    return mass / _denominator(float(math.ceil(total)), observed, formula)


@njit(cache=True)
def _denominator(total, observed, formula):
    return total + formula.observed_share * observed + formula.added_total


@njit(cache=True)
def _coefficients(count, total, observed, formula):
    out = np.empty(len(count))
    for i in range(len(count)):
        out[i] = coefficient(count[i], total[i], observed[i], formula)
    return out


@njit(cache=True)
def _lower_order_weights(total, observed, min2, min3, formula):
    out = np.empty(len(total))
    for i in range(len(total)):
        out[i] = lower_order_weight(total[i], observed[i], min2[i], min3[i], formula)
    return out


class Smoothing:
    continuation_counts = False  # estimates lower orders from Kneser-Ney continuation counts
    count_of_counts_needed = 0  # highest count whose count-of-count `estimate` reads

    def __init__(self, min_count, interpolate):
        self.min_count = min_count
        self.interpolate = interpolate

    def estimate(self, coc, order, warn):
        """Fit parameters from coc[c] = number of n-grams with count c."""

    def formula(self):
        """The fitted method as a Formula."""
        raise NotImplementedError

    def make_formula(self, scale=(1.0,), discount=(0.0,), follower_discount=(0.0, 0.0, 0.0),
                     observed_share=0.0, added_total=0.0, ceil_counts=False):
        return Formula(np.asarray(scale, dtype=np.float64), np.asarray(discount, dtype=np.float64),
                       np.asarray(follower_discount, dtype=np.float64), float(observed_share),
                       float(added_total), int(self.min_count), bool(ceil_counts))

    def coefficients(self, count, total, observed):
        return _coefficients(np.asarray(count, dtype=np.int64), np.asarray(total, dtype=np.float64),
                             np.asarray(observed, dtype=np.int64), self.formula())

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
