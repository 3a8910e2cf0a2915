"""`Model` and `State`: a drop-in for the `kenlm` Python module's classes, plus
batch scoring in one compiled call.

Semantics follow KenLM: out-of-vocabulary words score as `<unk>` (log10 p of
-100 when the model has no `<unk>`), and backoff weights are added to the
probability one by one in float32, so scores agree with kenlm bit for bit.
"""

from collections import namedtuple

import numpy as np

from .arpa import read_arpa
from .scoring import ScoringTables, WordTable, advance, score_one, score_sentences, tokenize_lines

FullScoreReturn = namedtuple("FullScoreReturn", ["log_prob", "ngram_length", "oov"])

KENLM_MISSING_UNK = -100.0


class State:
    """A language-model context: the recent words that matter, newest first,
    with the backoff weights of the n-grams they form."""

    __slots__ = ("words", "backoffs", "length")

    def __init__(self):
        self.words = None
        self.backoffs = None
        self.length = 0

    def _ensure(self, width):
        if self.words is None or len(self.words) < width:
            self.words = np.zeros(width, dtype=np.int32)
            self.backoffs = np.zeros(width, dtype=np.float32)

    def _key(self):
        return tuple(self.words[: self.length].tolist()) if self.length else ()

    def __eq__(self, other):
        return isinstance(other, State) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __copy__(self):
        copy = State()
        if self.words is not None:
            copy.words = self.words.copy()
            copy.backoffs = self.backoffs.copy()
        copy.length = self.length
        return copy

    def __repr__(self):
        return f"State(length={self.length}, words={list(self._key())})"


class Model:
    """An n-gram model loaded from an ARPA file (plain or compressed), scored like `kenlm.Model`."""

    def __init__(self, path, config=None):
        self.path = str(path)
        self._init_from(read_arpa(path))

    @classmethod
    def from_ngram_model(cls, model, path="<memory>"):
        self = cls.__new__(cls)
        self.path = path
        self._init_from(model)
        return self

    def _init_from(self, model):
        self.model = model
        self.vocab = model.vocab
        self.order = model.order
        self._tables = ScoringTables(model, unk_logprob=KENLM_MISSING_UNK)
        self._arrays = self._tables.arrays()
        self._words = WordTable(model.vocab)
        self._word_arrays = self._words.arrays()
        self._width = max(self.order - 1, 1)
        self._scratch_w = np.zeros(self._width, dtype=np.int32)
        self._scratch_b = np.zeros(self._width, dtype=np.float32)

    def __repr__(self):
        return f"<ngramkit.Model from {self.path}>"

    def __contains__(self, word):
        index = self.vocab.index.get(word)
        return index is not None and index != self.vocab.unk and not np.isnan(self._tables.uni_logprob[index])

    def _id(self, word):
        index = self.vocab.index.get(word)
        return self.vocab.unk if index is None else index

    def BeginSentenceWrite(self, state):
        """Set `state` to the context of a sentence start (`<s>`)."""
        state._ensure(self._width)
        bos = self.vocab.bos
        if self.order > 1 and not np.isnan(self._tables.uni_logprob[bos]):
            state.words[0] = bos
            state.backoffs[0] = self._tables.uni_backoff[bos]
            state.length = 1
        else:
            state.length = 0

    def NullContextWrite(self, state):
        """Set `state` to the empty context."""
        state._ensure(self._width)
        state.length = 0

    def BaseFullScore(self, in_state, word, out_state):
        """Score `word` after `in_state`; `out_state` receives the new context."""
        in_state._ensure(self._width)
        out_state._ensure(self._width)
        w = self._id(word)
        if in_state is out_state:
            words, bows = self._scratch_w, self._scratch_b
        else:
            words, bows = out_state.words, out_state.backoffs
        p, found, length = advance(*self._arrays, in_state.words, in_state.backoffs, in_state.length, w,
                                   words, bows, True)
        if words is not out_state.words:
            out_state.words[:] = words
            out_state.backoffs[:] = bows
        out_state.length = length
        return FullScoreReturn(float(p), int(found), w == self.vocab.unk)

    def BaseScore(self, in_state, word, out_state):
        """log10 p(word | in_state); `out_state` receives the new context."""
        return self.BaseFullScore(in_state, word, out_state).log_prob

    def score(self, sentence, bos=True, eos=True):
        """log10 probability of a sentence (words separated by whitespace)."""
        buf = np.frombuffer(sentence.encode("utf-8"), dtype=np.uint8)
        v = self.vocab
        return float(score_one(*self._arrays, *self._word_arrays, buf, v.unk, v.bos, v.eos, bos, eos))

    def perplexity(self, sentence):
        """10 ** (-score / tokens), tokens counting `</s>` (as kenlm does)."""
        return 10.0 ** (-self.score(sentence) / (len(sentence.split()) + 1))

    def full_scores(self, sentence, bos=True, eos=True):
        """Per word (and `</s>`): (log10 p, length of the matched n-gram, is OOV)."""
        logprob, length, oov, offsets = self.full_scores_batch([sentence], bos, eos)
        for p, n, o in zip(logprob.tolist(), length.tolist(), oov.tolist()):
            yield p, n, o

    def _batch(self, sentences, bos, eos):
        """(totals, per-token log10 p, matched lengths, token ids, offsets) of `sentences`."""
        sentences = list(sentences)
        text = "\n".join(sentences) + "\n"
        if text.count("\n") != len(sentences):
            text = "\n".join(s.replace("\n", " ") for s in sentences) + "\n"
        buf = np.frombuffer(text.encode("utf-8"), dtype=np.uint8) if sentences else np.zeros(0, np.uint8)
        v = self.vocab
        ids, _, _, line_offsets = tokenize_lines(buf, *self._word_arrays, v.unk, True)
        n_out = len(ids) + (len(sentences) if eos else 0)
        logprob = np.empty(n_out, dtype=np.float32)
        found = np.empty(n_out, dtype=np.int32)
        token_ids = np.empty(n_out, dtype=np.int32)
        offsets = np.empty(len(sentences) + 1, dtype=np.int64)
        offsets[0] = 0
        totals = score_sentences(*self._arrays, ids, line_offsets, v.bos, v.eos, bos, eos, True,
                                 logprob, found, token_ids, offsets)
        return totals, logprob, found, token_ids, offsets

    def score_batch(self, sentences, bos=True, eos=True):
        """float32 array of the log10 probabilities of `sentences`, scored in one compiled call."""
        return self._batch(sentences, bos, eos)[0]

    def full_scores_batch(self, sentences, bos=True, eos=True):
        """Per-token scores of many sentences at once.

        Returns (log10 p float32, matched n-gram length int32, OOV bool, offsets):
        sentence i's tokens (its words, then `</s>` with `eos`) are
        offsets[i]:offsets[i+1].
        """
        _, logprob, found, token_ids, offsets = self._batch(sentences, bos, eos)
        return logprob, found, token_ids == self.vocab.unk, offsets
