"""pyctcdecode's beam search on an `ngramkit.Model` (pyctcdecode is not a dependency).

`ngramkit` itself stands in for the `kenlm` module (`sys.modules["kenlm"] = ngramkit` before
pyctcdecode is imported makes pyctcdecode run on it unchanged). This module does more:

- `LanguageModel` takes its unigrams from the model itself (pyctcdecode reads them only from
  ARPA lines with a backoff column, which SRILM-style files leave out on many unigrams, and
  from no binary), and runs without the kenlm module;
- `BeamSearchDecoderCTC` scores the new words of all beams of a step in one compiled call
  (`Model.score_pairs`) instead of one call per beam, and runs each step of a character
  alphabet's search in one pass (`CharacterBeamSearch`) instead of pyctcdecode's five; partial
  words are looked up by bisection in the sorted unigrams instead of in pygtrie's character
  trie. Its transcripts, word frames and scores are pyctcdecode's on `kenlm.Model`, to the bit
  (pyctcdecode's arithmetic, in its order; BPE alphabets and float32 probabilities take
  pyctcdecode's own search, with the batched scoring);
- a decoder saved with `save_to_dir` loads with pyctcdecode's `load_from_dir` also when the
  model is an ngramkit binary (`.ngk`): the copy is named with the `.bin` pyctcdecode accepts.
"""

import json
import os
from bisect import bisect_left

import numpy as np
from pyctcdecode import decoder as pyctcdecode_decoder
from pyctcdecode import language_model
from pyctcdecode.alphabet import Alphabet, verify_alphabet_coverage
from pyctcdecode.constants import (
    AVG_TOKEN_LEN,
    DEFAULT_ALPHA,
    DEFAULT_BETA,
    DEFAULT_SCORE_LM_BOUNDARY,
    DEFAULT_UNK_LOGP_OFFSET,
    LOG_BASE_CHANGE_FACTOR,
)

from .lm import Model, State

NULL_FRAMES = pyctcdecode_decoder.NULL_FRAMES
PARTIAL_WORD_CACHE_LIMIT = 1 << 18  # partial words whose lookup a LanguageModel keeps
# The model file names pyctcdecode's load_from_dir accepts.
PYCTCDECODE_EXTENSIONS = (".arpa", ".bin", ".binary")


class LanguageModel(language_model.LanguageModel):
    """pyctcdecode's `LanguageModel` over an `ngramkit.Model`; `unigrams`
    defaults to the model's 1-grams."""

    def __init__(self, model, unigrams=None, alpha=DEFAULT_ALPHA, beta=DEFAULT_BETA,
                 unk_score_offset=DEFAULT_UNK_LOGP_OFFSET, score_boundary=DEFAULT_SCORE_LM_BOUNDARY):
        super().__init__(model, model.unigrams if unigrams is None else unigrams, alpha=alpha, beta=beta,
                         unk_score_offset=unk_score_offset, score_boundary=score_boundary)
        # a word begins with a partial word where the first word not below it does: one bisection
        # in place of a walk down the character trie, its answer kept across utterances
        self._sorted_unigrams = sorted(self._unigram_set)
        self._partial_is_oov = {}

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

    def score_partial_token(self, partial_token):
        """pyctcdecode's score of a partial word: the unk offset (scaled up past AVG_TOKEN_LEN
        characters) unless a unigram begins with it."""
        if self._char_trie is None:
            return super().score_partial_token(partial_token)
        is_oov = self._partial_is_oov.get(partial_token)
        if is_oov is None:
            words = self._sorted_unigrams
            i = bisect_left(words, partial_token)
            is_oov = int(i == len(words) or not words[i].startswith(partial_token))
            if len(self._partial_is_oov) < PARTIAL_WORD_CACHE_LIMIT:
                self._partial_is_oov[partial_token] = is_oov
        unk_score = self.unk_score_offset * is_oov
        if len(partial_token) > AVG_TOKEN_LEN:
            unk_score = unk_score * len(partial_token) / AVG_TOKEN_LEN
        return unk_score

    def score(self, prev_state, word, is_last_word=False):
        """(weighted natural-log score, next state) of `word`, as pyctcdecode computes it."""
        return self.score_many([prev_state], [word], is_last_word)[0]

    def score_many(self, prev_states, words, is_last_word=False):
        """`score` of each (prev_states[i], words[i]), in one compiled call (two with `</s>`)."""
        model = self._kenlm_model
        logprob, states = model.score_pairs(prev_states, words)
        # pyctcdecode's arithmetic in its order, element by element in float64: its floats
        lm_score = logprob.astype(np.float64)
        unigrams = self._unigram_set
        # the unigram set holds only words of the model
        lm_score[[word not in unigrams for word in words] if unigrams else [word not in model for word in words]] \
            += self.unk_score_offset
        if is_last_word:
            lm_score = lm_score + (model.score_pairs(states, ["</s>"] * len(words))[0].astype(np.float64)
                                   if self.score_boundary else 0.0)
        return list(zip((self.alpha * lm_score * LOG_BASE_CHANGE_FACTOR + self.beta).tolist(), states))

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
    a step are scored together (`LanguageModel.score_many`), and a step of a character
    alphabet's search (`_decode_logits`) extends, merges, scores and prunes its beams in one
    pass instead of pyctcdecode's five, with pyctcdecode's arithmetic in its order."""

    def _decode_logits(self, logits, beam_width, beam_prune_logp, token_min_logp, prune_history, hotword_scorer,
                       lm_start_state=None):
        """pyctcdecode's beam search, its transcripts and scores, for float64 log-probabilities
        (what `decode_beams` makes of logits) of a character alphabet; other inputs go to
        pyctcdecode's own."""
        language_model = self._language_model
        if self._is_bpe or not isinstance(language_model, LanguageModel) or logits.dtype != np.float64:
            return super()._decode_logits(logits, beam_width, beam_prune_logp, token_min_logp, prune_history,
                                          hotword_scorer, lm_start_state)
        start_state = language_model.get_start_state() if lm_start_state is None else lm_start_state
        search = CharacterBeamSearch(language_model, hotword_scorer, start_state, beam_width, beam_prune_logp,
                                     prune_history)
        labels = self._idx2vocab
        # float64 values as Python floats: the same sums as numpy's float64 scalars
        rows, maxima = logits.tolist(), logits.argmax(axis=1).tolist()
        frame_of, char_of = np.nonzero(logits >= token_min_logp)
        bounds = np.searchsorted(frame_of, np.arange(len(logits) + 1)).tolist()
        char_of = char_of.tolist()
        for frame_idx, (row, max_idx) in enumerate(zip(rows, maxima)):
            # pyctcdecode's set of the frame's characters, iterated in its order
            idx_list = set(char_of[bounds[frame_idx]:bounds[frame_idx + 1]]) | {max_idx}
            search.step([(labels[i], row[i]) for i in idx_list], frame_idx)
        # the end of the utterance: once, pyctcdecode's own steps
        cached_lm_scores = search.cached_lm_scores
        new_beams = [(text, word_part, "", None, frame_list if word_part == "" else frame_list + [frames],
                      NULL_FRAMES, logit_score)
                     for text, _, word_part, _, frame_list, frames, logit_score in search.beams]
        scored_beams = self._get_lm_beams(pyctcdecode_decoder._merge_beams(new_beams), hotword_scorer,
                                          cached_lm_scores, search.cached_partial_token_scores, is_eos=True)
        max_score = max([b[-1] for b in scored_beams])
        scored_beams = [b for b in scored_beams if b[-1] >= max_score + beam_prune_logp]
        trimmed_beams = pyctcdecode_decoder._sort_and_trim_beams(scored_beams, beam_width)
        return [(pyctcdecode_decoder._normalize_whitespace(text),
                 cached_lm_scores[(text, True)][-1] if (text, True) in cached_lm_scores else None,
                 list(zip(text.split(), text_frames)), logit_score, combined_score)
                for text, _, _, _, text_frames, _, logit_score, combined_score in trimmed_beams]

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


class CharacterBeamSearch:
    """The steps of pyctcdecode's beam search over a character alphabet (not BPE) with a
    `LanguageModel`, each in one pass: the beams are extended by the frame's characters and
    merged as they are made (its `_merge_beams`), the words they end are scored in one call
    (`LanguageModel.score_many`), then they are scored (its `_get_lm_beams`) and pruned (its
    beam_prune_logp, beam_width and `_prune_history`). Its caches are pyctcdecode's, for its
    last step (is_eos), and a text's score without the tuple key."""

    def __init__(self, language_model, hotword_scorer, start_state, beam_width, beam_prune_logp, prune_history):
        self.language_model = language_model
        self.hotword_scorer = hotword_scorer
        # without hotwords no partial word is in the hotword trie
        self.has_hotwords = "" in hotword_scorer
        self.no_hotword_score = hotword_scorer.score("")  # its score of any text then
        self.beam_width = beam_width
        self.beam_prune_logp = beam_prune_logp
        self.prune_history = prune_history
        # the words a beam's history keeps (_prune_history's) and their tuple, per text
        self.n_history = max(1, language_model.order - 1)
        self.histories = {}
        self.cached_lm_scores = {("", False): (0.0, 0.0, start_state)}
        self.text_scores = {"": 0.0}  # text -> cached_lm_scores[(text, False)][0]
        self.cached_partial_token_scores = {}
        self.beams = [pyctcdecode_decoder.EMPTY_START_BEAM]

    def step(self, chars, frame_idx):
        """Extend the beams by the frame's (character, log p) `chars`, in pyctcdecode's order."""
        merged, ended = extend_beams(self.beams, chars, frame_idx)
        self._score_words(merged, ended)
        self._score_beams(merged)
        self.beams = self._best_beams(merged)

    def _score_words(self, merged, ended):
        """Score the texts of the beams whose last word the step ended (keys of `merged`) that
        have no score yet, from the states of their texts without it, in one call."""
        cached_lm_scores, text_scores = self.cached_lm_scores, self.text_scores
        pending = {}
        for key in ended:
            new_text = key[0]
            if new_text not in text_scores and new_text not in pending:
                # the last beam of the key, as pyctcdecode's merge keeps it
                pending[new_text] = merged[key]
        if not pending:
            return
        starts = [cached_lm_scores[(beam[0], False)] for beam in pending.values()]
        scored = self.language_model.score_many([start[2] for start in starts],
                                                [beam[1] for beam in pending.values()])
        hotword_score = self.hotword_scorer.score
        for new_text, start, (score, end_state) in zip(pending, starts, scored):
            raw_lm_score = start[1] + score
            lm_hw_score = text_scores[new_text] = raw_lm_score + (
                hotword_score(new_text) if self.has_hotwords else self.no_hotword_score)
            cached_lm_scores[(new_text, False)] = (lm_hw_score, raw_lm_score, end_state)

    def _score_beams(self, merged):
        """Append to each merged beam its logit score plus its text's and partial word's scores."""
        text_scores, partial_scores = self.text_scores, self.cached_partial_token_scores
        for (new_text, word_part, _), beam in merged.items():
            lm_score = text_scores[new_text]
            if word_part:
                partial = partial_scores.get(word_part)
                if partial is None:
                    # if the prefix is in the hotword trie its score is used, else the character trie's
                    scorer = self.hotword_scorer if self.has_hotwords and word_part in self.hotword_scorer \
                        else self.language_model
                    partial = partial_scores[word_part] = scorer.score_partial_token(word_part)
                lm_score += partial
            beam.append(beam[6] + lm_score)

    def _best_beams(self, merged):
        """The scored merged beams pyctcdecode keeps: those within beam_prune_logp of the best,
        the beam_width best (its heapq.nlargest: a stable sort), then, with prune_history, the
        first of those with the same last words, partial word and last character."""
        keys = list(merged)
        values = list(merged.values())
        scores = [beam[7] for beam in values]
        floor = max(scores) + self.beam_prune_logp
        kept = [i for i in sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
                if scores[i] >= floor][:self.beam_width]
        beams = []
        histories, n_history = (self.histories, self.n_history) if self.prune_history else (None, 0)
        seen = set()
        for i in kept:
            new_text, word_part, last_char = keys[i]
            if histories is not None:
                history = histories.get(new_text)
                if history is None:
                    history = histories[new_text] = tuple(new_text.split()[-n_history:])
                if (history, word_part, last_char) in seen:
                    continue
                seen.add((history, word_part, last_char))
            beam = values[i]
            beams.append((new_text, "", word_part, last_char, beam[4], beam[5], beam[6]))
        return beams


def extend_beams(beams, chars, frame_idx):
    """pyctcdecode's extension of `beams` (all with an empty next word, as its steps leave them)
    by the frame's (character, log p) `chars`, merged as its `_merge_beams` merges them. Returns
    a dict (text with the next word, partial word, last character) -> list of the fields of the
    key's last beam with the log-sum of the logit scores of the key's beams, and the keys of
    beams that ended a word (in the dict's order, with repeats)."""
    merged = {}
    ended = []
    sum_log_scores = pyctcdecode_decoder._sum_log_scores
    end_frame = frame_idx + 1
    for char, p_char in chars:
        for text, _, word_part, last_char, text_frames, part_frames, logit_score in beams:
            if char == "" or last_char == char:
                key = (text, word_part, char)
                beam = [text, "", word_part, char, text_frames,
                        part_frames if char == "" else (part_frames[0], end_frame)]
            elif char == " ":
                if word_part:
                    # pyctcdecode's _merge_tokens
                    key = (text + " " + word_part if text else word_part, "", char)
                    beam = [text, word_part, "", char, text_frames + [part_frames], NULL_FRAMES]
                    ended.append(key)
                else:
                    key = (text, "", char)
                    beam = [text, "", "", char, text_frames, NULL_FRAMES]
            else:
                key = (text, word_part + char, char)
                beam = [text, "", key[1], char, text_frames,
                        (frame_idx, end_frame) if part_frames[0] < 0 else (part_frames[0], end_frame)]
            score = logit_score + p_char
            earlier = merged.get(key)
            beam.append(score if earlier is None else sum_log_scores(earlier[6], score))
            merged[key] = beam
    return merged, ended


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
