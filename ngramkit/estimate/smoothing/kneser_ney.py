"""Kneser-Ney: absolute discounts estimated from count-of-counts of the adjusted
(continuation) counts; modified KN has separate discounts for counts 1, 2 and 3+."""

import numpy as np

from ...errors import DiscountEstimatorError
from .base import FLOAT_COUNTS_REFUSED, Smoothing

FALLBACK_DISCOUNTS = (0.5, 1.0, 1.5)  # KenLM's --discount_fallback defaults


def _failure(name, order, coc, upto, reason, fallback, srilm_message, parameters_found=False):
    counts = ", ".join(f"n{c}={int(coc[c])}" for c in range(1, upto + 1))
    if fallback is None:
        raise DiscountEstimatorError(
            f"cannot estimate {name} discounts for order {order}: {reason} ({counts}); "
            "the data may be too small; fixed fallback discounts avoid this", order, srilm_message,
            option="discount_fallback", parameters_found=parameters_found)
    return f"{name} discounts for order {order}: {reason} ({counts}); using fixed discounts"


class ModifiedKneserNey(Smoothing):
    continuation_counts = True
    count_of_counts_needed = 4
    float_counts_reason = FLOAT_COUNTS_REFUSED

    def __init__(self, min_count, interpolate, fallback=None):
        super().__init__(int(min_count), interpolate)  # SRILM's cutoff is an integer here
        self.fallback = fallback
        self.discounts = np.zeros(4)  # index c: discount for count c, 3 = 3 and above

    def estimate(self, coc, order, warn):
        n1, n2, n3, n4 = (float(coc[c]) for c in range(1, 5))
        if min(n1, n2, n3, n4) == 0:
            warn(_failure("modified Kneser-Ney", order, coc, 4, "a count-of-count is zero", self.fallback,
                          "one of required modified KneserNey count-of-counts is zero"))
            d = self.fallback
        else:
            y = n1 / (n1 + 2 * n2)
            d = (1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3)
            if min(d) < 0:
                self.discounts = np.array([0.0, d[0], d[1], d[2]])  # SRILM's trace prints them, rejected
                warn(_failure("modified Kneser-Ney", order, coc, 4,
                              "a discount is negative: D1={:.6g} D2={:.6g} D3+={:.6g}".format(*d), self.fallback,
                              "one of modified KneserNey discounts is negative", parameters_found=True))
                d = self.fallback
        self.discounts = np.array([0.0, d[0], d[1], d[2]])

    def trace_before(self, coc, order):
        return [f"Kneser-Ney smoothing {order}-grams"] + [f"n{c} = {int(coc[c])}" for c in range(1, 5)]

    def trace_after(self):
        return [f"D1 = {self.discounts[1]:g}", f"D2 = {self.discounts[2]:g}", f"D3+ = {self.discounts[3]:g}"]

    def formula(self):
        return self.make_formula(discount=self.discounts, follower_discount=self.discounts[1:], ceil_counts=True)

    def discount_values(self):
        return [float(d) for d in self.discounts[1:]]


class KneserNey(Smoothing):
    continuation_counts = True
    count_of_counts_needed = 2
    float_counts_reason = FLOAT_COUNTS_REFUSED

    def __init__(self, min_count, interpolate, fallback=None):
        super().__init__(int(min_count), interpolate)  # SRILM's cutoff is an integer here
        self.fallback = fallback
        self.discount = 0.0

    def estimate(self, coc, order, warn):
        n1, n2 = float(coc[1]), float(coc[2])
        if n1 == 0 or n2 == 0:
            warn(_failure("Kneser-Ney", order, coc, 2, "a count-of-count is zero", self.fallback,
                          "one of required KneserNey count-of-counts is zero"))
            self.discount = self.fallback[0]
        else:
            self.discount = n1 / (n1 + 2 * n2)

    def trace_before(self, coc, order):
        return [f"Kneser-Ney smoothing {order}-grams"] + [f"n{c} = {int(coc[c])}" for c in range(1, 3)]

    def trace_after(self):
        return [f"D = {self.discount:g}"]

    def formula(self):
        d = self.discount
        return self.make_formula(discount=(d,), follower_discount=(d, d, d), ceil_counts=True)

    def discount_values(self):
        return [float(self.discount)]
