"""pyctcdecode's beam search on an `ngramkit.Model` (pyctcdecode is not a dependency).

`ngramkit` itself stands in for the `kenlm` module (`sys.modules["kenlm"] = ngramkit` before
pyctcdecode is imported makes pyctcdecode run on it unchanged). This module does more:

- `LanguageModel` takes its unigrams from the model itself (pyctcdecode reads them only from
  ARPA lines with a backoff column, which SRILM-style files leave out on many unigrams, and
  from no binary), and runs without the kenlm module;
- `BeamSearchDecoderCTC` scores the new words of all beams of a step in one compiled call
  (`Model.score_pairs`) instead of one call per beam; its transcripts and scores are
  pyctcdecode's on `kenlm.Model`;
- a decoder saved with `save_to_dir` loads with pyctcdecode's `load_from_dir` also when the
  model is an ngramkit binary (`.ngk`): the copy is named with the `.bin` pyctcdecode accepts.
"""

import json
import os

from pyctcdecode import decoder as pyctcdecode_decoder
from pyctcdecode import language_model
from pyctcdecode.alphabet import Alphabet, verify_alphabet_coverage
from pyctcdecode.constants import (
    DEFAULT_ALPHA,
    DEFAULT_BETA,
    DEFAULT_SCORE_LM_BOUNDARY,
    DEFAULT_UNK_LOGP_OFFSET,
    LOG_BASE_CHANGE_FACTOR,
)

from .lm import Model, State

# The model file names pyctcdecode's load_from_dir accepts.
PYCTCDECODE_EXTENSIONS = (".arpa", ".bin", ".binary")


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
        return self.score_many([prev_state], [word], is_last_word)[0]

    def score_many(self, prev_states, words, is_last_word=False):
        """`score` of each (prev_states[i], words[i]), in one compiled call (two with `</s>`)."""
        model = self._kenlm_model
        logprob, states = model.score_pairs(prev_states, words)
        if is_last_word and self.score_boundary:
            end_scores = model.score_pairs(states, ["</s>"] * len(words))[0].tolist()
        else:
            end_scores = [0.0 if is_last_word else None] * len(words)
        alpha, beta, unk_offset, unigrams = self.alpha, self.beta, self.unk_score_offset, self._unigram_set
        scores = []
        # pyctcdecode's arithmetic, in its order, so that the floats are its own
        for word, lm_score, end_score, state in zip(words, logprob.tolist(), end_scores, states):
            if (unigrams and word not in unigrams) or word not in model:
                lm_score += unk_offset
            if end_score is not None:
                lm_score = lm_score + end_score
            scores.append((alpha * lm_score * LOG_BASE_CHANGE_FACTOR + beta, state))
        return scores

    def save_to_dir(self, filepath, unigram_encoding=None):
        """pyctcdecode's `save_to_dir`; a model file named otherwise than pyctcdecode's
        `load_from_dir` accepts is copied as `<name>.bin` (models are read by content)."""
        super().save_to_dir(filepath, unigram_encoding)
        name = os.path.basename(os.fsdecode(self._kenlm_model.path))
        if not name.endswith(PYCTCDECODE_EXTENSIONS):
            os.replace(os.path.join(filepath, name), os.path.join(filepath, name + ".bin"))

    @classmethod
    def load_from_dir(cls, filepath, unigram_encoding=None):
        """A language model saved by `save_to_dir` (this one's or pyctcdecode's), on ngramkit."""
        filenames = cls.parse_directory_contents(filepath)
        with open(filenames["json_attrs"]) as f:
            attributes = json.load(f)
        with open(filenames["unigrams"], encoding=unigram_encoding) as f:
            unigrams = f.read().splitlines()
        return cls(Model(filenames["kenlm"]), unigrams, **attributes)


class BeamSearchDecoderCTC(pyctcdecode_decoder.BeamSearchDecoderCTC):
    """pyctcdecode's decoder; with an ngramkit `LanguageModel`, the words that end the beams of
    a step are scored together (`LanguageModel.score_many`)."""

    def _get_lm_beams(self, beams, hotword_scorer, cached_lm_scores, cached_partial_token_scores, is_eos=False):
        """pyctcdecode's `_get_lm_beams`, the texts it would score one by one scored in one call."""
        language_model = self._language_model
        if not isinstance(language_model, LanguageModel):
            return super()._get_lm_beams(beams, hotword_scorer, cached_lm_scores, cached_partial_token_scores,
                                         is_eos)
        merge = pyctcdecode_decoder._merge_tokens
        new_texts = [merge(beam[0], beam[1]) for beam in beams]
        pending = {}
        for beam, new_text in zip(beams, new_texts):
            if (new_text, is_eos) not in cached_lm_scores and new_text not in pending:
                pending[new_text] = beam
        if pending:
            starts = [cached_lm_scores[(beam[0], False)] for beam in pending.values()]
            scored = language_model.score_many([start[2] for start in starts],
                                               [beam[1] for beam in pending.values()], is_last_word=is_eos)
            for new_text, start, (score, end_state) in zip(pending, starts, scored):
                raw_lm_score = start[1] + score
                cached_lm_scores[(new_text, is_eos)] = (raw_lm_score + hotword_scorer.score(new_text),
                                                        raw_lm_score, end_state)
        new_beams = []
        for (_, _, word_part, last_char, frame_list, frames, logit_score), new_text in zip(beams, new_texts):
            lm_score = cached_lm_scores[(new_text, is_eos)][0]
            if word_part:
                partial = cached_partial_token_scores.get(word_part)
                if partial is None:
                    # if the prefix is in the hotword trie its score is used, else the character trie's
                    scorer = hotword_scorer if word_part in hotword_scorer else language_model
                    partial = cached_partial_token_scores[word_part] = scorer.score_partial_token(word_part)
                lm_score += partial
            new_beams.append((new_text, "", word_part, last_char, frame_list, frames, logit_score,
                              logit_score + lm_score))
        return new_beams

    @classmethod
    def load_from_dir(cls, filepath, unigram_encoding=None):
        """A decoder saved by `save_to_dir`, its language model on ngramkit."""
        filenames = cls.parse_directory_contents(filepath)
        with open(filenames["alphabet"]) as f:
            alphabet = Alphabet.loads(f.read())
        model = None
        if filenames["language_model"] is not None:
            model = LanguageModel.load_from_dir(filenames["language_model"], unigram_encoding=unigram_encoding)
        return cls(alphabet, language_model=model)


def build_ctcdecoder(labels, model, unigrams=None, alpha=DEFAULT_ALPHA, beta=DEFAULT_BETA,
                     unk_score_offset=DEFAULT_UNK_LOGP_OFFSET, lm_score_boundary=DEFAULT_SCORE_LM_BOUNDARY):
    """pyctcdecode's `build_ctcdecoder` with an `ngramkit.Model` (or the path of an ARPA,
    ngramkit or KenLM binary model) in place of `kenlm_model_path`; the unigrams default to
    the model's 1-grams, whatever the file's format."""
    if not isinstance(model, Model):
        model = Model(model)
    lm = LanguageModel(model, unigrams, alpha=alpha, beta=beta, unk_score_offset=unk_score_offset,
                       score_boundary=lm_score_boundary)
    alphabet = Alphabet.build_alphabet(labels)
    verify_alphabet_coverage(alphabet, lm._unigram_set)
    return BeamSearchDecoderCTC(alphabet, lm)
