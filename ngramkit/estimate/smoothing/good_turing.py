"""Good-Turing (Katz) discounting, SRILM's default: counts 1..max_count get (c+1) n_{c+1} / (c n_c)
corrected so that the mass of counts above max_count is kept."""

import numpy as np

from ...constants import PROB_EPSILON
from ...errors import Notice
from .base import FLOAT_COUNTS_REFUSED, Smoothing


class GoodTuring(Smoothing):
    float_counts_reason = FLOAT_COUNTS_REFUSED
    meta_counts_weighted = True

    def __init__(self, min_count, max_count, interpolate=False):
        super().__init__(int(min_count), interpolate)  # SRILM's cutoff is an integer here
        self.max_count = max_count
        self.count_of_counts_needed = max_count + 1
        self.coeffs = np.ones(1)

    def trace_before(self, coc, order):
        return [f"Good-Turing discounting {order}-grams"] + [f"GT-count [{c}] = {int(coc[c])}"
                                                            for c in range(self.max_count + 2)]

    def estimate(self, coc, order, warn):
        top = self.max_count
        if coc[1] == 0:
            warn("no singleton counts")
            top = 0
        while top > 0 and coc[top + 1] == 0:
            warn(f"count of count {top + 1} is zero -- lowering maxcount")
            top -= 1
        self.max_count = top
        self.coeffs = np.ones(top + 1)
        if top <= 0:
            warn(Notice("GT discounting disabled"))
            return
        common = (top + 1) * float(coc[top + 1]) / float(coc[1])
        for c in range(1, top + 1):
            if coc[c] == 0:
                warn(f"count of count {c} is zero")
                continue
            plain = (c + 1) * float(coc[c + 1]) / (c * float(coc[c]))
            coeff = (plain - common) / (1.0 - common) if common != 1.0 else np.inf
            if not np.isfinite(coeff) or coeff <= PROB_EPSILON or plain > 1.0:
                warn(f"discount coeff {c} is out of range: {coeff:g}")
                coeff = 1.0
            self.coeffs[c] = coeff

    def formula(self):
        # counts above max_count keep their value
        return self.make_formula(scale=np.append(self.coeffs, 1.0), ceil_counts=True)

    def discount_values(self):
        # Katz's discount coefficients of counts 1..max_count
        return [float(c) for c in self.coeffs[1:]]

    def disabled(self):
        return self.min_count <= 1 and self.max_count <= 0
