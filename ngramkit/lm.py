"""`Model`, `State`, `Config`, `LoadMethod`, `ARPALoadComplain`, `LanguageModel`: a drop-in
for the `kenlm` Python module, plus batch scoring in one compiled call (`score_batch`,
`full_scores_batch`) and many (state, word) pairs at once for decoders (`score_pairs`).

Semantics follow KenLM's: out-of-vocabulary words score as `<unk>` (log10 p of -100 when the
model has no `<unk>`); where an n-gram's suffix is missing from the file, KenLM's blank fills
it (`scoring.with_blanks`), which counts in the n-gram length; a state keeps only the context
that some longer n-gram extends, so states with equal futures are equal; backoff weights are
added to the probability one by one in float32. Scores, n-gram lengths and state equalities
agree with kenlm's exactly.

A KenLM trie is scored where it lies, memory-mapped, by the kernels of
`kenlm_binary.trie_scorer` (its states hold KenLM's word ids); every other model by the hash
tables of `scoring`. The methods call the compiled functions through `Model._kernels`.
"""

import os
import weakref
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor
from itertools import chain, repeat
from types import SimpleNamespace

import numpy as np

from .binary import is_binary, read_arrays
from .errors import FormatError, MissingFileError
from .jit import available_cores
from .scoring import (
    MAX_CONTEXT,
    STATE_KEYS,
    STATE_SIZE,
    STATE_TAG,
    ScoringTables,
    WordTable,
    arpa_tables,
    begin_state,
    score_lines,
    score_sentence,
    score_state,
    score_state_in_place,
    score_states,
    table_handle,
    tables_fit,
    word_id,
    word_offsets_fit,
    word_table_holds,
    words_of_keys,
)
from .vocab import UNK, Vocabulary

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


# Decoders make a State per word they score (pyctcdecode: `kenlm.State()` before each
# BaseScore): a row of a block of zeroed states costs a third of a new array. A block lives
# while any of its states does.
STATE_BLOCK = 256
_fresh_state_rows = chain.from_iterable(
    map(np.zeros, repeat((STATE_BLOCK, STATE_SIZE)), repeat(np.int64)))


# The models by the tag they write into their states (scoring.STATE_TAG), so that a state is
# ordered by the word ids of the model that wrote it.
_models_by_tag = weakref.WeakValueDictionary()


def _tag_for(model):
    """A new tag for `model`: random (a state pickled in another process names no model here)."""
    while True:
        tag = int.from_bytes(os.urandom(8), "little") >> 1
        if tag and tag not in _models_by_tag:
            _models_by_tag[tag] = model
            return tag


class State:
    """A language-model context, as KenLM keeps it: the keys of the n-grams that end it that
    can still be extended, newest first, with their backoff weights (one int64 array, see
    scoring.STATE_SIZE). States with equal futures compare equal. They order as kenlm's State
    (KenLM's `State::Compare`): by length, then by the bytes of the words' ids, uint32 newest
    first, the ids being KenLM's for the model that wrote the state (`Model.kenlm_word_ids`)."""

    __slots__ = ("_a",)

    def __init__(self):
        self._a = next(_fresh_state_rows)

    @property
    def length(self):
        """Words of context kept (KenLM's `State.length`)."""
        return int(self._a[0])

    def _key(self):
        a = self._a
        return (int(a[0]), a[STATE_KEYS:STATE_KEYS + a[0]].tobytes())

    def _order_key(self):
        a = self._a
        n = int(a[0])
        held = a[STATE_KEYS:STATE_KEYS + n]
        model = _models_by_tag.get(int(a[STATE_TAG]))
        ids = model._context_kenlm_ids(held) if model is not None else held
        return (n, ids.astype("<u4").tobytes())

    def __eq__(self, other):
        if not isinstance(other, State):
            return NotImplemented
        return self._key() == other._key()

    def __ne__(self, other):
        if not isinstance(other, State):
            return NotImplemented
        return self._key() != other._key()

    def __lt__(self, other):
        if not isinstance(other, State):
            return NotImplemented
        return self._order_key() < other._order_key()

    def __le__(self, other):
        if not isinstance(other, State):
            return NotImplemented
        return self._order_key() <= other._order_key()

    def __gt__(self, other):
        if not isinstance(other, State):
            return NotImplemented
        return self._order_key() > other._order_key()

    def __ge__(self, other):
        if not isinstance(other, State):
            return NotImplemented
        return self._order_key() >= other._order_key()

    def __hash__(self):
        return hash(self._key())

    def __copy__(self):
        copy = State.__new__(State)
        copy._a = self._a.copy()
        return copy

    def __deepcopy__(self, memo=None):
        return self.__copy__()

    def __getstate__(self):
        return self._a.tobytes()

    def __setstate__(self, data):
        held = np.frombuffer(data, dtype=np.int64)[:STATE_SIZE]
        self._a = np.zeros(STATE_SIZE, dtype=np.int64)
        self._a[:len(held)] = held  # a state pickled before the tag was kept has none

    def __repr__(self):
        return f"State(length={self.length})"


class LoadMethod:
    """kenlm's load methods (a binary model here is always memory-mapped; accepted for kenlm's API)."""

    LAZY = 0
    POPULATE_OR_LAZY = 1
    POPULATE_OR_READ = 2
    READ = 3
    PARALLEL_READ = 4


class ARPALoadComplain:
    """kenlm's ARPA complaint levels (accepted for kenlm's API)."""

    ALL = 0
    EXPENSIVE = 1
    NONE = 2


class Config:
    """kenlm's `Config`: the options `Model` accepts, with kenlm's defaults."""

    __slots__ = ("arpa_complain", "load_method", "show_progress")

    def __init__(self):
        self.load_method = LoadMethod.POPULATE_OR_READ
        self.show_progress = True
        self.arpa_complain = ARPALoadComplain.ALL


class ModelNotFoundError(MissingFileError, FileNotFoundError):
    """A model file that does not exist (an OSError, as kenlm raises)."""


class ModelOpenError(MissingFileError, OSError):
    """A model file that cannot be opened (an OSError, as kenlm raises)."""


def _as_bytes(value):
    """kenlm's conversion of a string argument: bytes as they are, str as UTF-8."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"Cannot convert {type(value)} to string")


def _as_text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8")
    raise TypeError(f"Cannot convert {type(value)} to string")


def _not_a_state(state):
    return TypeError(f"Argument 'state' has incorrect type (expected ngramkit.State, got {type(state).__name__})")


BINARY_KIND = "ngramkit.Model"
# The scorer tables a binary model holds: 2 = KenLM's (blanks filled, extensions marked); 3 = the
# same in int32 cells, 12-byte entries at the highest order (see scoring.ScoringTables).
TABLES_VERSION = 3
WORD_CACHE_LIMIT = 1 << 20  # str -> id entries kept for the per-call methods
# The arrays whose checksums every load verifies: the small ones (1.5 ms for a
# vocabulary of 200,000 words). The n-gram tables ("entries") are verified on request.
VERIFIED_ARRAYS = ("uni_logprob", "uni_backoff", "meta", "word_table", "word_pool", "word_offsets")
# The compiled functions the methods call, by name: these for the hash tables, the trie's
# (kenlm_binary.trie_scorer.KERNELS) for a KenLM trie scored in place.
HASH_KERNELS = SimpleNamespace(begin_state=begin_state, score_state=score_state,
                               score_state_in_place=score_state_in_place, score_states=score_states,
                               score_sentence=score_sentence, score_lines=score_lines, word_id=word_id)


class Model:
    """An n-gram model loaded from an ARPA file (plain or compressed), a binary model file
    (memory-mapped) or a KenLM binary, scored like `kenlm.Model`.

    `path`: str, bytes or a path object; `Model.path` is its absolute path as bytes, as
    kenlm's. `config`: a `Config` or None. A binary model's small arrays are checked against
    their checksums on loading; `verify` checks its n-gram tables as well (a pass over the
    whole file), so that any damage to it is an error rather than other scores (for a KenLM
    trie, which is scored from the file: every record, as `read_kenlm_binary` reads them)."""

    _kernels = HASH_KERNELS
    _trie = None  # the TrieScorer of a KenLM trie file, which is scored where it lies
    _kenlm_ids = None  # kenlm_word_ids, made on first use

    def __init__(self, path, config=None, verify=False):
        if not isinstance(path, (str, bytes, os.PathLike)):
            raise TypeError(f"Cannot convert {type(path)} to string")
        if config is not None and not isinstance(config, Config):
            raise TypeError(f"Argument 'config' has incorrect type (expected ngramkit.Config, got "
                            f"{type(config).__name__})")
        self.path = os.path.abspath(os.fsencode(path))
        self._verify = bool(verify)
        try:
            self._open(os.fsdecode(self.path))
        except MissingFileError as error:
            kind = ModelOpenError if os.path.exists(self.path) else ModelNotFoundError
            raise kind(error.message, error.path, error.line, error.option) from None

    def _open(self, path):
        if is_binary(path):
            info, arrays = read_arrays(path, BINARY_KIND)
            if info.get("tables") != TABLES_VERSION:
                # Tables of an older ngramkit (without KenLM's blanks, another word hash or layout): made anew
                # from the model's arrays.
                from .formats import load

                self._init_from_model(load(path))
                return
            arrays.verify(VERIFIED_ARRAYS + (("entries",) if self._verify else ()), required=self._verify)
            sizes, specials = _check_scorer_arrays(path, info, arrays)
            tables = ScoringTables(arrays["uni_logprob"], arrays["uni_backoff"], arrays["meta"], arrays["entries"])
            self._init_from(None, tables, WordTable(arrays["word_table"]), sizes, specials)
            self._word_pool = (arrays["word_pool"], arrays["word_offsets"])
        else:
            from .kenlm_binary.trie_scorer import is_kenlm_trie

            if is_kenlm_trie(path):
                self._init_trie(path)
                return
            from .formats import format_of_file, load

            built = arpa_tables(path, unk_logprob=KENLM_MISSING_UNK, kenlm=True) \
                if format_of_file(path).name == "arpa" else None
            if built is None:
                self._init_from_model(load(path))
                return
            # The tables come straight from the file: the model itself is never held.
            self._init_from_vocab(*built)

    def _init_trie(self, path):
        from .kenlm_binary.trie_scorer import H_TAG, KERNELS, TrieScorer

        trie = TrieScorer(path)
        if self._verify:
            trie.verify()
        self._tag = trie.handle[H_TAG] = _tag_for(self)
        self._trie = trie
        self._kernels = KERNELS
        self._vocab = None
        self._bos, self._eos, self._unk = trie.specials
        self.order = trie.order
        self.sizes = trie.sizes
        self._tables = trie
        self._words = trie
        self._handle = trie.handle
        self._text_arrays = (trie.handle, trie.table)
        self._ids = {}
        kernel = self._kernels
        example = np.zeros(STATE_SIZE, dtype=np.int64)
        self._score_state = _entry_point(kernel.score_state, self._handle, example, 0, example.copy())
        self._score_in_place = _entry_point(kernel.score_state_in_place, self._handle, example, 0)
        self._score_sentence = _entry_point(kernel.score_sentence, self._handle, b"a", True, True)

    @classmethod
    def from_ngram_model(cls, model, path=b"<memory>"):
        self = cls.__new__(cls)
        self.path = path
        self._verify = False
        self._init_from_model(model)
        return self

    def _init_from_model(self, model):
        self._init_from_vocab(ScoringTables.from_model(model, unk_logprob=KENLM_MISSING_UNK, kenlm=True),
                              model.vocab, model.sizes())

    def _init_from_vocab(self, tables, v, sizes):
        self._init_from(v, tables, WordTable.from_vocab(v), sizes, (v.bos, v.eos, v.unk))

    def _init_from(self, vocab, tables, words, sizes, specials):
        self._vocab = vocab
        self._bos, self._eos, self._unk = specials
        self.order = tables.order
        if self.order - 1 > MAX_CONTEXT:
            raise FormatError(f"the scorer takes models up to order {MAX_CONTEXT + 1}, not {self.order}", self.path)
        self.sizes = list(sizes)
        self._tables = tables
        self._arrays = tables.arrays()
        self._words = words
        # The leading arguments of score_lines, joined once rather than per call.
        self._text_arrays = (*self._arrays, *words.arrays())
        self._tag = _tag_for(self)
        self._handle = table_handle(tables, words, (self._unk, self._bos, self._eos), self._tag)
        self._ids = {}
        example = np.zeros(STATE_SIZE, dtype=np.int64)
        self._score_state = _entry_point(score_state, self._handle, example, 0, example.copy())
        self._score_in_place = _entry_point(score_state_in_place, self._handle, example, 0)
        self._score_sentence = _entry_point(score_sentence, self._handle, b"a", True, True)

    def __reduce__(self):
        # A model pickles as its path and is read again on unpickling, as kenlm's.
        return (Model, (self.path, None, self._verify))

    @property
    def vocab(self):
        """The `Vocabulary` (for a binary model, made on first use: batch scoring needs none)."""
        if self._vocab is None:
            self._vocab = self._trie.vocabulary() if self._trie is not None else \
                vocabulary_of(*self._word_pool, os.fsdecode(self.path))
        return self._vocab

    def __repr__(self):
        return f"<ngramkit.Model from {os.path.basename(self.path).decode('utf-8', 'replace')}>"

    def __contains__(self, word):
        """Is `word` (str or bytes) in the vocabulary (`<unk>` is not), as kenlm's `in`."""
        w = self._ids.get(word) if type(word) is str else None
        if w is None:
            w = self._id(word) if type(word) is str else self._word_id(_as_bytes(word))
        return w != self._unk

    @property
    def unigrams(self):
        """The words that have a 1-gram line in the model (pyctcdecode's `unigrams`)."""
        if self._trie is not None:
            return self._trie.unigram_words(self.vocab)
        present = ~np.isnan(self._tables.uni_logprob)
        if self.sizes[0] < int(present.sum()):  # <unk> got KenLM's -100 without a line of its own
            present[self._unk] = False
        return [self.vocab.words[w] for w in np.flatnonzero(present).tolist()]

    def _word_id(self, text):
        """Id of the word whose UTF-8 bytes are `text`: `<unk>`'s for words without a 1-gram."""
        w = int(self._kernels.word_id(self._words.table, text, self._unk))
        # a trie's every word has its 1-gram, whose value is KenLM's even when damaged
        return self._unk if self._trie is None and np.isnan(self._tables.uni_logprob[w]) else w

    def _id(self, word):
        """Id of a str word, through a cache in front of the compiled lookup."""
        w = self._ids.get(word)
        if w is None:
            if type(word) is not str:
                raise TypeError(f"Argument 'word' has incorrect type (expected str, got {type(word).__name__})")
            w = self._word_id(word.encode("utf-8"))
            if len(self._ids) < WORD_CACHE_LIMIT:
                self._ids[word] = w
        return w

    def BeginSentenceWrite(self, state):
        """Set `state` to the context of a sentence start (`<s>`)."""
        if not isinstance(state, State):
            raise _not_a_state(state)
        tables = self._tables
        self._kernels.begin_state(tables.uni_logprob, tables.uni_backoff, self._bos, self.order, state._a)
        state._a[STATE_TAG] = self._tag

    def NullContextWrite(self, state):
        """Set `state` to the empty context."""
        if not isinstance(state, State):
            raise _not_a_state(state)
        state._a[:2] = 0
        state._a[STATE_TAG] = self._tag

    def BaseScore(self, in_state, word, out_state):
        """log10 p(word | in_state); `out_state` (may be `in_state`) receives the new context."""
        w = self._ids.get(word)
        if w is None:
            w = self._id(word)
        try:
            if in_state is out_state:
                return self._score_in_place(self._handle, in_state._a, w)
            return self._score_state(self._handle, in_state._a, w, out_state._a)
        except AttributeError:
            raise _not_a_state(out_state if isinstance(in_state, State) else in_state) from None

    def BaseFullScore(self, in_state, word, out_state):
        """Score `word` after `in_state`: (log10 p, length of the n-gram matched, is OOV);
        `out_state` receives the new context."""
        w = self._id(word)
        p = self.BaseScore(in_state, word, out_state)
        return FullScoreReturn(p, int(out_state._a[1]), w == self._unk)

    def kenlm_word_ids(self):
        """int64 array: KenLM's id of each word id of `vocab` (the order of KenLM's words: the
        file's for a KenLM binary, the 1-gram section's after `<unk>` = 0 for an ARPA file, as
        kenlm numbers them; `<unk>` then the unigrams for other models). A KenLM trie's states
        hold KenLM's ids themselves."""
        if self._kenlm_ids is None:
            # imported here: kenlm_query imports this module
            from .kenlm_query import kenlm_vocabulary

            path = os.fsdecode(self.path)
            words = kenlm_vocabulary(path, self) if os.path.isfile(path) else \
                [UNK] + [w for w in self.unigrams if w != UNK]
            index = dict(zip(words, range(len(words))))
            self._kenlm_ids = np.array([index.get(w, 0) for w in self.vocab.words], dtype=np.int64)
        return self._kenlm_ids

    def _context_kenlm_ids(self, held):
        """KenLM's ids of the words (newest first) of the context `held` of a state this model wrote."""
        if self._trie is not None:
            return held
        return self.kenlm_word_ids()[words_of_keys(held.tolist())]

    def score_pairs(self, states, words):
        """Score many (state, word) pairs in one compiled call, as a decoder extends its beams:
        returns (float32 log10 p per pair, list of the new States)."""
        if len(states) != len(words):
            raise ValueError(f"{len(states)} states but {len(words)} words")
        known = self._ids.get
        ids = [known(word) for word in words]
        if None in ids:
            ids = [self._id(word) if w is None else w for word, w in zip(words, ids)]
        try:
            contexts = np.concatenate([state._a for state in states]) if states else np.empty(0, np.int64)
        except AttributeError:
            raise _not_a_state(next(s for s in states if not isinstance(s, State))) from None
        contexts = contexts.reshape(len(ids), STATE_SIZE)
        new = np.empty_like(contexts)
        logprob = self._kernels.score_states(self._handle, contexts, np.array(ids, dtype=np.int64), new)
        return logprob, list(map(_state_of, new))

    def score(self, sentence, bos=True, eos=True):
        """log10 probability of a sentence (str or bytes, words separated by whitespace)."""
        # Compiled code reads the bytes object in place: no array around it per call.
        text = sentence.encode("utf-8") if type(sentence) is str else _as_bytes(sentence)
        return self._score_sentence(self._handle, text, bos is True or bool(bos), eos is True or bool(eos))

    def perplexity(self, sentence):
        """10 ** (-score / tokens), tokens counting `</s>` (as kenlm does)."""
        return 10.0 ** (-self.score(sentence) / (len(_as_bytes(sentence).split()) + 1))

    def full_scores(self, sentence, bos=True, eos=True):
        """Per word (and `</s>`): (log10 p, length of the matched n-gram, is OOV)."""
        logprob, length, oov, offsets = self.full_scores_batch([_as_text(sentence)], bos, eos)
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
        return self._kernels.score_lines(*self._text_arrays, buf, self._unk, self._bos, self._eos, bos, eos, per_token)

    def score_batch(self, sentences, bos=True, eos=True):
        """float32 array of the log10 probabilities of `sentences` (str, or all bytes), scored in
        one compiled call."""
        return self._score_lines(list(sentences), bos, eos, False)[0]

    def full_scores_batch(self, sentences, bos=True, eos=True):
        """Per-token scores of many sentences at once.

        Returns (log10 p float32, matched n-gram length int32, OOV bool, offsets):
        sentence i's tokens (its words, then `</s>` with `eos`) are
        offsets[i]:offsets[i+1].
        """
        _, logprob, found, token_ids, offsets = self._score_lines(list(sentences), bos, eos, True)
        return logprob, found, token_ids == self._unk, offsets


def _state_of(array):
    state = State.__new__(State)
    state._a = array
    return state


class LanguageModel(Model):
    """kenlm's name of old for `Model`."""


def _entry_point(dispatcher, *example):
    """The compiled function `dispatcher` runs for arguments like `example`, called without
    dispatch: the per-call methods skip the typing of their arguments."""
    dispatcher(*example)
    return dispatcher.overloads[tuple(dispatcher.typeof_pyval(a) for a in example)].entry_point


def _encode_lines(sentences):
    """UTF-8 bytes of the sentences (str; or bytes, taken as they are), one line each (a newline
    inside one becomes a space)."""
    if sentences and all(type(s) is bytes for s in sentences):
        text = b"\n".join(sentences) + b"\n"
        if text.count(b"\n") != len(sentences):
            text = b"\n".join(s.replace(b"\n", b" ") for s in sentences) + b"\n"
        return np.frombuffer(text, dtype=np.uint8)
    text = "\n".join(sentences) + "\n" if sentences else ""
    if text.count("\n") != len(sentences):
        text = "\n".join(s.replace("\n", " ") for s in sentences) + "\n"
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def vocabulary_of(pool, offsets, path):
    """The Vocabulary of a sorted byte pool (Vocabulary.byte_pool) read from the file `path`,
    decoded at once: newlines go between the words, then one split."""
    _check_word_offsets(pool, offsets, path)
    try:
        text = np.insert(pool, offsets[1:-1], np.uint8(10)).tobytes().decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError("binary model's word pool is not UTF-8 (corrupt file)", path) from None
    return Vocabulary(text.split("\n"), presorted=True)


def _check_word_offsets(pool, offsets, path):
    if not word_offsets_fit(offsets, len(pool)):
        raise FormatError("binary model's word offsets do not fit its word pool (corrupt file)", path)


def _array(path, arrays, name, dtype, columns=None):
    """arrays[name], checked to be a C-contiguous `dtype` array of one dimension, or of two
    with `columns` columns."""
    array = arrays[name]
    shape_fits = array.ndim == 1 if columns is None else array.ndim == 2 and array.shape[1] == columns
    if array.dtype != dtype or not shape_fits or not array.flags.c_contiguous:
        raise FormatError(f"binary model's array {name!r} has the wrong type or shape (corrupt header)", path)
    return array


def _check_scorer_arrays(path, info, arrays):
    """Check every value of a binary model's scorer arrays that compiled code takes as an index
    or a bound (their contents: table layout, word ids, word offsets; and the header's sizes and
    special word ids), so that a damaged file is a FormatError, never a read out of bounds.
    Returns the checked (sizes, specials)."""
    sizes, specials = info["sizes"], info["specials"]
    n_words = len(_array(path, arrays, "word_offsets", np.int64)) - 1
    if not (isinstance(sizes, list) and isinstance(specials, list) and len(specials) == 3 and sizes
            and all(type(n) is int and 0 <= n < 1 << 62 for n in sizes)
            and all(type(w) is int and 0 <= w < n_words for w in specials) and sizes[0] <= n_words):
        raise FormatError("binary model header is corrupt (sizes or special words)", path)
    for name in ("uni_logprob", "uni_backoff"):
        if len(_array(path, arrays, name, np.float32)) != n_words:
            raise FormatError(f"binary model's array {name!r} does not match its vocabulary (corrupt file)", path)
    meta = _array(path, arrays, "meta", np.int64, 3)
    entries = _array(path, arrays, "entries", np.int32)
    if len(meta) != len(sizes) + 1 or not tables_fit(meta, len(entries), np.array(sizes, dtype=np.int64)):
        raise FormatError("binary model's n-gram table layout is corrupt", path)
    _check_word_offsets(_array(path, arrays, "word_pool", np.uint8), arrays["word_offsets"], path)
    if not word_table_holds(_array(path, arrays, "word_table", np.int64, 2), n_words):
        raise FormatError("binary model's word table is corrupt", path)
    return sizes, specials


def scorer_arrays(model):
    """The named arrays and info of `model`'s scorer, as a binary model file stores them."""
    scorer = Model.from_ngram_model(model)
    pool, offsets = model.vocab.byte_pool()
    arrays = {**scorer._tables.named_arrays(), **scorer._words.named_arrays(), "word_pool": pool,
              "word_offsets": offsets}
    return arrays, {"sizes": scorer.sizes, "specials": [scorer._bos, scorer._eos, scorer._unk],
                    "tables": TABLES_VERSION}
