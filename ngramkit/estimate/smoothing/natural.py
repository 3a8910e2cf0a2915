"""Natural discounting (SRILM's -ndiscount, Ristad's natural law of succession): in a context
with total count T that has seen q of the |V| words, every seen count is scaled by
(T (T + 1) + q (1 - q)) / (T (T + 1) + 2 q), or kept when q = |V|; no interpolation."""

from .base import Smoothing


class Natural(Smoothing):
    float_counts_reason = "natural discounting does not support float counts"
    float_counts_srilm_line = None  # SRILM's estimate fails without a message of its own

    def __init__(self, min_count, interpolate, vocab_size):
        super().__init__(min_count, interpolate)
        self.vocab_size = vocab_size

    def formula(self):
        return self.make_formula(natural_size=self.vocab_size)
