"""The one in-memory representation of n-gram statistics and models.

Per order k (1-based), n-grams are rows of a C-contiguous int32 array of shape
(n_k, k), sorted lexicographically by id (ids follow byte order, see vocab.py).
Values sit in parallel arrays. ARPA reading and writing, estimation, scoring,
pruning, mixing and FST building all work on these arrays.
"""

from dataclasses import dataclass, field

import numpy as np

from .vocab import Vocabulary

INT32_MAX = np.iinfo(np.int32).max


def count_dtype(largest):
    """int32 for counts up to `largest` where it fits (half the memory of a table), else int64."""
    return np.int32 if largest <= INT32_MAX else np.int64


@dataclass
class NgramCounts:
    """Counts of n-grams of orders 1..order; counts[k-1], parallel to ngrams[k-1], is int32 when
    every count of the order fits (see count_dtype), else int64."""

    vocab: Vocabulary
    ngrams: list = field(default_factory=list)
    counts: list = field(default_factory=list)

    @property
    def order(self):
        return len(self.ngrams)

    def sizes(self):
        return [len(c) for c in self.counts]


@dataclass
class NgramModel:
    """A backoff n-gram model.

    logprob[k-1]: float32 log10 p(w_k | w_1..w_{k-1}) for each row of ngrams[k-1].
    backoff[k-1]: float32 log10 backoff weight of the row as a context; NaN where
    the ARPA line has no backoff column (scoring treats it as 0). The highest
    order has no backoff array entry (backoff has order-1 arrays).
    """

    vocab: Vocabulary
    ngrams: list = field(default_factory=list)
    logprob: list = field(default_factory=list)
    backoff: list = field(default_factory=list)

    @property
    def order(self):
        return len(self.ngrams)

    def sizes(self):
        return [len(p) for p in self.logprob]

    def truncated(self, order):
        """The model cut to orders 1..order (backoff weights of the new highest order dropped)."""
        if order >= self.order:
            return self
        return NgramModel(self.vocab, self.ngrams[:order], self.logprob[:order], self.backoff[:order - 1])
