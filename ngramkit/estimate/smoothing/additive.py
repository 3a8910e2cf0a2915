"""Additive smoothing (SRILM's -addsmooth): p = (c + delta) / (T + |V| delta) for seen words;
unseen words get the rest through the backoff weight."""

from .base import Smoothing


class Additive(Smoothing):
    def __init__(self, delta, min_count, interpolate, vocab_size):
        super().__init__(min_count, interpolate)
        self.delta = max(delta, 0.0)
        self.vocab_size = vocab_size

    def formula(self):
        # p = coefficient * c / T = (c + delta) / (T + |V| delta)
        return self.make_formula(discount=(-self.delta,), added_total=self.vocab_size * self.delta)

    def disabled(self):
        return self.min_count <= 1 and self.delta == 0.0
