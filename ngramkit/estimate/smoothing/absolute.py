"""Absolute discounting (SRILM's -cdiscount): subtract a constant D in [0, 1] from every count.
A fractional count below D is dropped, as a count below the minimum is."""

from .base import Smoothing


class Absolute(Smoothing):
    def __init__(self, discount, min_count, interpolate):
        super().__init__(min_count, interpolate)
        self.discount = min(max(discount, 0.0), 1.0)

    def formula(self):
        d = self.discount
        # integer counts are never below D, which is at most 1
        return self.make_formula(discount=(d,), follower_discount=(d, d, d), min_count=max(self.min_count, d))

    def discount_values(self):
        return [self.discount]

    def disabled(self):
        return self.min_count <= 1 and self.discount == 0.0
