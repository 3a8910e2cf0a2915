"""Absolute discounting (SRILM's -cdiscount): subtract a constant D in [0, 1] from every count."""

import numpy as np

from .base import Smoothing


class Absolute(Smoothing):
    def __init__(self, discount, min_count, interpolate):
        super().__init__(min_count, interpolate)
        self.discount = min(max(discount, 0.0), 1.0)

    def discounted(self, count, total, observed):
        return (count - self.discount) / np.maximum(count, 1)

    def lower_order_weight(self, total, observed, min2, min3):
        return self.discount * observed / total

    def disabled(self):
        return self.min_count <= 1 and self.discount == 0.0
