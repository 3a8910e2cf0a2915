"""SRILM's cache LM (`ngram -cache N -cache-lambda L`): the model interpolated word by word with
the unigram distribution of the last N scored words, p = (1 - L) p_ngram + L p_cache.

As SRILM's CacheLM and BayesMix compute it: the cache runs over the whole text, across sentences,
`</s>` included; a word's cache probability is its count among the words before it (0 for the first
word); `<unk>` of a closed-vocabulary model is neither scored by the cache nor added to it. The
cache probability goes through a float log10 and back (CacheLM returns a LogP), the mixture is
taken in double and returned as a float log10.
"""

import math

import numpy as np

from .constants import LN10
from .errors import UsageError
from .jit import njit

# Layout of WordCache.state: where the next word goes in the history ring, words in the cache.
_END, _TOTAL = 0, 1


class WordCache:
    """The state of a cache over `n_words` word ids: counts per word, the history ring, the
    mixture weights (model, cache) as BayesMix holds them. Passed as arrays to compiled scoring."""

    def __init__(self, n_words, length, weight):
        if length < 1:
            raise UsageError(f"the cache length must be at least 1, not {length}", option="cache_length")
        if not 0.0 <= weight <= 1.0:
            raise UsageError(f"the cache weight must lie in [0, 1], not {weight}", option="cache_lambda")
        self.counts = np.zeros(n_words, dtype=np.float64)
        self.history = np.full(length, -1, dtype=np.int64)
        self.state = np.zeros(2, dtype=np.float64)
        model_weight = 1.0 - weight  # BayesMix's prior of the first model; the cache gets 1 - prior
        self.weights = np.array([model_weight, 1.0 - model_weight], dtype=np.float64)

    @classmethod
    def disabled(cls):
        """Empty arrays: scoring without a cache."""
        self = cls.__new__(cls)
        self.counts = np.zeros(0, dtype=np.float64)
        self.history = np.zeros(0, dtype=np.int64)
        self.state = np.zeros(2, dtype=np.float64)
        self.weights = np.zeros(2, dtype=np.float64)
        return self

    def arrays(self):
        return (self.counts, self.history, self.state, self.weights)


@njit(cache=True, inline="always")
def cache_probability(word, counts, history, state):
    """The cache probability of `word` given the words before it; then adds `word` to the cache."""
    total = state[_TOTAL]
    prob = 0.0 if total == 0.0 else counts[word] / total
    end = int(state[_END])
    old = history[end]
    if old < 0:
        state[_TOTAL] = total + 1.0
    else:
        counts[old] -= 1.0
    history[end] = word
    counts[word] += 1.0
    state[_END] = (end + 1) % len(history)
    return prob


@njit(cache=True, inline="always")
def mixed_logprob(logp, cache_prob, weights):
    """float32 log10 of the BayesMix of the model's `logp` with the cache probability."""
    model_prob = 0.0 if logp == -np.inf else math.exp(np.float64(logp) * LN10)
    cache_logp = np.float32(math.log10(cache_prob)) if cache_prob > 0.0 else np.float32(-np.inf)
    cached = 0.0 if cache_logp == -np.inf else math.exp(np.float64(cache_logp) * LN10)
    total = (weights[0] * model_prob + weights[1] * cached) / (weights[0] + weights[1])
    return np.float32(math.log10(total)) if total > 0.0 else np.float32(-np.inf)
