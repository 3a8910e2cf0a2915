"""Where estimation toolkits differ in policy rather than in arithmetic.

The pipeline reads every such choice from one `Policy`, so another toolkit's
behaviour (e.g. KenLM's lmplz) is a different policy, not a different pipeline.
"""

from dataclasses import dataclass

import numpy as np

LOG_ZERO = -99.0  # how SRILM writes log10(0)


@dataclass(frozen=True)
class Policy:
    name: str
    unk_always_word: bool  # <unk> gets probability mass even without -unk
    bos_logprob: float  # the log10 probability written for <s>, which is only a context
    increment_denominator: bool  # a context left with no backoff mass gets its total raised by 1

    def nonevents(self, vocab, unk):
        """Boolean mask over word ids: words that are never predicted (<s>; <unk> unless a word)."""
        mask = np.zeros(len(vocab), dtype=np.bool_)
        mask[vocab.bos] = True
        if not (unk or self.unk_always_word):
            mask[vocab.unk] = True
        return mask


SRILM = Policy(name="srilm", unk_always_word=False, bos_logprob=LOG_ZERO, increment_denominator=True)
