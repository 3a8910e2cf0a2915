"""SRILM's non-events (`-nonevents FILE`): words of the vocabulary that are never predicted.

A non-event is what `<s>` always is: it may be a context, but no n-gram predicts it. In
estimation (ngram-count) the n-grams ending in one are left out of totals, count-of-counts and
Kneser-Ney's continuation counts (as n-grams ending in `<s>` are), and a counted non-event is
written as a unigram of probability 0 (-99), as `<s>` is; `<unk>` as a non-event (a closed
vocabulary) is dropped altogether. In `ngram -gen`, a drawn non-event is drawn again, and
`ngram -debug 3` leaves non-events out of its sums. SRILM's Vocab declares `-pau-` a non-event
from the start, so ngram-count treats a `-pau-` of the text as one with or without -nonevents.
"""

import numpy as np

from .errors import EmptyInputError
from .estimate.policy import Policy
from .vocab import PAUSE, read_words


def read_nonevents(path, encoding="utf-8"):
    """The words of a -nonevents file (one per line, first field), without repeats."""
    words = list(dict.fromkeys(read_words(path, encoding)))
    if not words:
        raise EmptyInputError("non-event file holds no words", path)
    return words


def nonevent_mask(vocab, words):
    """Mask over the word ids of `vocab`: those of `words` (SRILM's -nonevents), which get no
    unigram mass when backoff weights are recomputed; None without words."""
    if not words:
        return None
    mask = np.zeros(len(vocab), dtype=np.bool_)
    ids = vocab.ids(list(words), unknown=-1)
    mask[ids[ids >= 0]] = True
    return mask


class NonEventPolicy(Policy):
    """SRILM's estimation with its non-events: `<s>`, `-pau-`, `<unk>` unless a word, and `words`."""

    def __init__(self, words=()):
        self.words = (PAUSE,) + tuple(words)

    def nonevents(self, vocab, unk):
        return super().nonevents(vocab, unk) | nonevent_mask(vocab, self.words)
