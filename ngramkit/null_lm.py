"""SRILM's null LM (`ngram -null`, NullLM): probability 1 for every word in any context."""

import numpy as np

from .model import NgramModel
from .perplexity import UNTAGGED, PerplexityScorer


class NullScorer(PerplexityScorer):
    """-ppl under the null LM over `vocab`: every token has probability 1, `<s>` and a word
    outside the vocabulary (printed as `unk_word`, yet no OOV) included; -debug 2 lines carry
    no n-gram tag, as SRILM's."""

    def __init__(self, vocab, unk_word=None, encoding=None):
        words = np.arange(len(vocab), dtype=np.int32)[:, None]
        model = NgramModel(vocab, [words], [np.zeros(len(vocab), dtype=np.float32)], [])
        super().__init__(model, unk_word, encoding=encoding, unk_is_word=True)

    def _score_block(self, *args):
        scored = super()._score_block(*args)
        scored.token_found[:] = UNTAGGED
        return scored
