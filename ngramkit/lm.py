"""`Model` and `State`: a drop-in for the `kenlm` Python module's classes, plus
batch scoring in one compiled call.

Semantics follow KenLM: out-of-vocabulary words score as `<unk>` (log10 p of
-100 when the model has no `<unk>`), and backoff weights are added to the
probability one by one in float32, so scores agree with kenlm bit for bit.
"""

import os
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .binary import is_binary, read_arrays
from .jit import available_cores
from .scoring import (
    ScoringTables,
    WordTable,
    advance,
    score_lines,
    score_sentence,
    sentence_start,
)
from .vocab import Vocabulary

FullScoreReturn = namedtuple("FullScoreReturn", ["log_prob", "ngram_length", "oov"])

KENLM_MISSING_UNK = -100.0

# Batches of at least this many bytes of text are scored on two threads: below
# it, handing half to another thread costs more than it saves.
PARALLEL_BYTES = 1 << 18

_second_thread = None


def _on_second_thread(function, *args):
    """A future of function(*args) run on a thread kept for this (made on first use)."""
    global _second_thread
    if _second_thread is None:
        _second_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ngramkit-score")
    return _second_thread.submit(function, *args)


def _forget_second_thread():
    global _second_thread
    _second_thread = None


# A forked child (a multiprocessing worker, say) inherits the executor but not
# its thread: work handed to it would never run, so the child makes its own.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_second_thread)


class State:
    """A language-model context: the keys of the n-grams that end it, shortest
    first, with their backoff weights."""

    __slots__ = ("keys", "backoffs", "length")

    def __init__(self):
        self.keys = None
        self.backoffs = None
        self.length = 0

    def _ensure(self, width):
        if self.keys is None or len(self.keys) < width:
            self.keys = np.zeros(width, dtype=np.int64)
            self.backoffs = np.zeros(width, dtype=np.float32)

    def _key(self):
        return tuple(self.keys[: self.length].tolist()) if self.length else ()

    def __eq__(self, other):
        return isinstance(other, State) and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __copy__(self):
        copy = State()
        if self.keys is not None:
            copy.keys = self.keys.copy()
            copy.backoffs = self.backoffs.copy()
        copy.length = self.length
        return copy

    def __repr__(self):
        return f"State(length={self.length}, keys={list(self._key())})"


BINARY_KIND = "ngramkit.Model"


class Model:
    """An n-gram model loaded from an ARPA file (plain or compressed) or a binary
    model file (memory-mapped), scored like `kenlm.Model`."""

    def __init__(self, path, config=None):
        self.path = str(path)
        if is_binary(path):
            info, arrays = read_arrays(path, BINARY_KIND)
            tables = ScoringTables(arrays["uni_logprob"], arrays["uni_backoff"], arrays["meta"], arrays["entries"])
            self._init_from(None, tables, WordTable(arrays["word_table"]), info["sizes"], info["specials"])
            self._word_pool = (arrays["word_pool"], arrays["word_offsets"])
        else:
            from .formats import load

            self._init_from_model(load(path))

    @classmethod
    def from_ngram_model(cls, model, path="<memory>"):
        self = cls.__new__(cls)
        self.path = path
        self._init_from_model(model)
        return self

    def _init_from_model(self, model):
        v = model.vocab
        self._init_from(v, ScoringTables.from_model(model, unk_logprob=KENLM_MISSING_UNK),
                        WordTable.from_vocab(v), model.sizes(), (v.bos, v.eos, v.unk))

    def _init_from(self, vocab, tables, words, sizes, specials):
        self._vocab = vocab
        self._bos, self._eos, self._unk = specials
        self.order = tables.order
        self.sizes = list(sizes)
        self._tables = tables
        self._arrays = tables.arrays()
        self._words = words
        # The leading arguments of score_sentence and score_lines, joined once rather than per call.
        self._text_arrays = (*self._arrays, *words.arrays())
        self._width = max(self.order - 1, 1)
        self._scratch_k = np.zeros(self._width, dtype=np.int64)
        self._scratch_b = np.zeros(self._width, dtype=np.float32)

    @property
    def vocab(self):
        """The `Vocabulary` (for a binary model, made on first use: batch scoring needs none)."""
        if self._vocab is None:
            self._vocab = vocabulary_of(*self._word_pool)
        return self._vocab

    def __repr__(self):
        return f"<ngramkit.Model from {self.path}>"

    def __contains__(self, word):
        index = self.vocab.index.get(word)
        return index is not None and index != self._unk and not np.isnan(self._tables.uni_logprob[index])

    @property
    def unigrams(self):
        """The words that have a 1-gram line in the model (pyctcdecode's `unigrams`)."""
        present = ~np.isnan(self._tables.uni_logprob)
        if self.sizes[0] < int(present.sum()):  # <unk> got KenLM's -100 without a line of its own
            present[self._unk] = False
        return [self.vocab.words[w] for w in np.flatnonzero(present).tolist()]

    def _id(self, word):
        index = self.vocab.index.get(word)
        return self._unk if index is None else index

    def BeginSentenceWrite(self, state):
        """Set `state` to the context of a sentence start (`<s>`)."""
        state._ensure(self._width)
        tables = self._tables
        state.length = sentence_start(tables.uni_logprob, tables.uni_backoff, self._bos, True, self.order,
                                      state.keys, state.backoffs)

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
            keys, bows = self._scratch_k, self._scratch_b
        else:
            keys, bows = out_state.keys, out_state.backoffs
        p, found, length = advance(*self._arrays, in_state.keys, in_state.backoffs, 0, in_state.length, w,
                                   keys, bows, True)
        if keys is not out_state.keys:
            out_state.keys[:] = keys
            out_state.backoffs[:] = bows
        out_state.length = length
        return FullScoreReturn(float(p), int(found), w == self._unk)

    def BaseScore(self, in_state, word, out_state):
        """log10 p(word | in_state); `out_state` receives the new context."""
        return self.BaseFullScore(in_state, word, out_state).log_prob

    def score(self, sentence, bos=True, eos=True):
        """log10 probability of a sentence (words separated by whitespace)."""
        # Compiled code reads the bytes object in place: no array around it per call.
        return float(score_sentence(*self._text_arrays, sentence.encode("utf-8"),
                                    self._unk, self._bos, self._eos, bos, eos))

    def perplexity(self, sentence):
        """10 ** (-score / tokens), tokens counting `</s>` (as kenlm does)."""
        return 10.0 ** (-self.score(sentence) / (len(sentence.split()) + 1))

    def full_scores(self, sentence, bos=True, eos=True):
        """Per word (and `</s>`): (log10 p, length of the matched n-gram, is OOV)."""
        logprob, length, oov, offsets = self.full_scores_batch([sentence], bos, eos)
        for p, n, o in zip(logprob.tolist(), length.tolist(), oov.tolist()):
            yield p, n, o

    def _score_lines(self, sentences, bos, eos, per_token):
        """score_lines over `sentences`: (totals, per-token log10 p, matched lengths, ids, offsets).

        A large batch is cut in two halves scored at once on two threads (score_lines releases
        the GIL): the second half is encoded and handed over first, and the first half is encoded
        while it is scored. The sentences are independent, so the results are those of one call."""
        mid = len(sentences) // 2
        # characters are at most bytes: a half this short is not worth a thread
        if available_cores() < 2 or mid == 0 or sum(map(len, sentences[mid:])) < PARALLEL_BYTES // 2:
            return self._score_buffer(_encode_lines(sentences), bos, eos, per_token)
        second_half = _on_second_thread(self._score_buffer, _encode_lines(sentences[mid:]), bos, eos, per_token)
        first = self._score_buffer(_encode_lines(sentences[:mid]), bos, eos, per_token)
        second = second_half.result()
        offsets = np.concatenate((first[4], second[4][1:] + first[4][-1]))
        return tuple(np.concatenate((a, b)) for a, b in zip(first[:4], second[:4])) + (offsets,)

    def _score_buffer(self, buf, bos, eos, per_token):
        return score_lines(*self._text_arrays, buf, self._unk, self._bos, self._eos, bos, eos, per_token)

    def score_batch(self, sentences, bos=True, eos=True):
        """float32 array of the log10 probabilities of `sentences`, scored in one compiled call."""
        return self._score_lines(list(sentences), bos, eos, False)[0]

    def full_scores_batch(self, sentences, bos=True, eos=True):
        """Per-token scores of many sentences at once.

        Returns (log10 p float32, matched n-gram length int32, OOV bool, offsets):
        sentence i's tokens (its words, then `</s>` with `eos`) are
        offsets[i]:offsets[i+1].
        """
        _, logprob, found, token_ids, offsets = self._score_lines(list(sentences), bos, eos, True)
        return logprob, found, token_ids == self._unk, offsets


def _encode_lines(sentences):
    """UTF-8 bytes of the sentences, one line each (a newline inside one becomes a space)."""
    text = "\n".join(sentences) + "\n" if sentences else ""
    if text.count("\n") != len(sentences):
        text = "\n".join(s.replace("\n", " ") for s in sentences) + "\n"
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def vocabulary_of(pool, offsets):
    """The Vocabulary of a sorted byte pool (Vocabulary.byte_pool), decoded at once: newlines go
    between the words, then one split."""
    text = np.insert(pool, offsets[1:-1], np.uint8(10)).tobytes().decode("utf-8")
    return Vocabulary(text.split("\n"), presorted=True)


def scorer_arrays(model):
    """The named arrays and info of `model`'s scorer, as a binary model file stores them."""
    scorer = Model.from_ngram_model(model)
    pool, offsets = model.vocab.byte_pool()
    arrays = {**scorer._tables.named_arrays(), **scorer._words.named_arrays(), "word_pool": pool,
              "word_offsets": offsets}
    return arrays, {"sizes": scorer.sizes, "specials": [scorer._bos, scorer._eos, scorer._unk]}
