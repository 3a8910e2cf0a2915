"""The interface every smoothing method implements (one order's discounting).

Arrays are per n-gram row: `count` (adjusted count), `total` (its context's total
count, raised by SRILM's denominator rule) and `observed` (distinct followers of the
context). A coefficient multiplies count/total; 0 removes the n-gram.
"""

import numpy as np


class Smoothing:
    continuation_counts = False  # estimates lower orders from Kneser-Ney continuation counts
    count_of_counts_needed = 0  # highest count whose count-of-count `estimate` reads

    def __init__(self, min_count, interpolate):
        self.min_count = min_count
        self.interpolate = interpolate

    def estimate(self, coc, order, warn):
        """Fit parameters from coc[c] = number of n-grams with count c."""

    def discounted(self, count, total, observed):
        """Coefficients for counts that are kept (count >= 1 and >= min_count)."""
        raise NotImplementedError

    def coefficients(self, count, total, observed):
        coef = self.discounted(count, total, observed)
        return np.where(count <= 0, 1.0, np.where(count < self.min_count, 0.0, coef))

    def lower_order_weight(self, total, observed, min2, min3):
        """Weight of the lower-order distribution in an interpolated estimate."""
        return np.zeros(len(total))

    def disabled(self):
        """True when the method leaves every count as it is (SRILM's nodiscount)."""
        return False
