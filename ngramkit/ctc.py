"""pyctcdecode's beam search on an `ngramkit.Model` (pyctcdecode is not a dependency).

pyctcdecode's `LanguageModel` makes its contexts with `kenlm.State()`, which
our `Model` cannot fill (and without the kenlm module it cannot run at all),
and reads unigrams only from ARPA lines with a backoff column, which
SRILM-style files leave out on many unigrams. `LanguageModel` here makes
`ngramkit.State`s and takes the unigrams from the model itself; its scores are
pyctcdecode's on `kenlm.Model`.
"""

from pyctcdecode import language_model
from pyctcdecode.alphabet import Alphabet, verify_alphabet_coverage
from pyctcdecode.constants import (
    DEFAULT_ALPHA,
    DEFAULT_BETA,
    DEFAULT_SCORE_LM_BOUNDARY,
    DEFAULT_UNK_LOGP_OFFSET,
    LOG_BASE_CHANGE_FACTOR,
)
from pyctcdecode.decoder import BeamSearchDecoderCTC

from .lm import Model, State


class LanguageModel(language_model.LanguageModel):
    """pyctcdecode's `LanguageModel` over an `ngramkit.Model`; `unigrams`
    defaults to the model's 1-grams."""

    def __init__(self, model, unigrams=None, alpha=DEFAULT_ALPHA, beta=DEFAULT_BETA,
                 unk_score_offset=DEFAULT_UNK_LOGP_OFFSET, score_boundary=DEFAULT_SCORE_LM_BOUNDARY):
        super().__init__(model, model.unigrams if unigrams is None else unigrams, alpha=alpha, beta=beta,
                         unk_score_offset=unk_score_offset, score_boundary=score_boundary)

    def get_start_state(self):
        state = State()
        if self.score_boundary:
            self._kenlm_model.BeginSentenceWrite(state)
        else:
            self._kenlm_model.NullContextWrite(state)
        return state

    def _get_raw_end_score(self, start_state):
        if not self.score_boundary:
            return 0.0
        return self._kenlm_model.BaseScore(start_state, "</s>", State())

    def score(self, prev_state, word, is_last_word=False):
        """(weighted natural-log score, next state) of `word`, as pyctcdecode computes it."""
        end_state = State()
        lm_score = self._kenlm_model.BaseScore(prev_state, word, end_state)
        if (self._unigram_set and word not in self._unigram_set) or word not in self._kenlm_model:
            lm_score += self.unk_score_offset
        if is_last_word:
            lm_score = lm_score + self._get_raw_end_score(end_state)
        return self.alpha * lm_score * LOG_BASE_CHANGE_FACTOR + self.beta, end_state


def build_ctcdecoder(labels, model, unigrams=None, alpha=DEFAULT_ALPHA, beta=DEFAULT_BETA,
                     unk_score_offset=DEFAULT_UNK_LOGP_OFFSET, lm_score_boundary=DEFAULT_SCORE_LM_BOUNDARY):
    """pyctcdecode's `build_ctcdecoder` with an `ngramkit.Model` (or the path of
    an ARPA or binary model) in place of `kenlm_model_path`."""
    if not isinstance(model, Model):
        model = Model(model)
    lm = LanguageModel(model, unigrams, alpha=alpha, beta=beta, unk_score_offset=unk_score_offset,
                       score_boundary=lm_score_boundary)
    alphabet = Alphabet.build_alphabet(labels)
    verify_alphabet_coverage(alphabet, lm._unigram_set)
    return BeamSearchDecoderCTC(alphabet, lm)
