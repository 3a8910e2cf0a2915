"""Vocabulary: words <-> int32 ids.

Ids follow the byte order of the words (for UTF-8, code-point order, so a plain
sort of the strings). Tables sorted by id are then also sorted as SRILM's `-sort`
and `LC_ALL=C sort` sort them, and vocabularies built from different shards of a
corpus agree without a merge step.

Words are str. Words of text read with the encoding `bytes` may hold bytes that
are not UTF-8: those are surrogate escapes (textio.word_text), which go back out
as the same bytes, and sort by those bytes.

A vocabulary made from words' bytes (`Vocabulary.of_bytes`, as the ARPA reader makes
it) holds them as one byte pool and makes its str words and their index only when asked:
for a large vocabulary the str objects take many times the memory of the bytes.
"""

import bisect

import numpy as np

from .errors import UsageError
from .jit import borrowed, njit
from .textio import BYTES, atomic_output, iter_lines, split_words, word_bytes

BOS = "<s>"
EOS = "</s>"
UNK = "<unk>"
PAUSE = "-pau-"  # SRILM's pause word: in every SRILM vocabulary (index 3), never an event
_PAUSE_BYTES = PAUSE.encode("ascii")
SPECIALS = (BOS, EOS, UNK)

# Other bytes may be parts of multi-byte characters, which lowercasing must leave alone.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_LOWER_BYTES = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")


def lowercase(words, encoding):
    """-tolower of `words`: ASCII letters only for the encoding `bytes` (SRILM in the C locale)."""
    return [w.translate(_ASCII_LOWER) if encoding == BYTES else w.lower() for w in words]


def lowercase_text(block, encoding):
    """-tolower of a block of text (UTF-8 bytes, or raw bytes for the encoding `bytes`), as
    `lowercase` maps its words."""
    if encoding == BYTES:
        return block.translate(_ASCII_LOWER_BYTES)
    return block.decode("utf-8").lower().encode("utf-8")


class Vocabulary:
    """An immutable, sorted word list that always holds `<s>`, `</s>` and its unknown word,
    `<unk>` unless another is named (SRILM's -map-unk, whose vocabulary holds that word instead:
    `<unk>` is then a word like any other, where it is one)."""

    def __init__(self, words=(), presorted=False, unk_word=UNK):
        """`presorted`: `words` are another vocabulary's word list, to be taken as they are."""
        self._words = list(words) if presorted else _byte_sorted(set(words).union((BOS, EOS, unk_word)))
        self._index = dict(zip(self._words, range(len(self._words))))
        self.bos = self._index[BOS]
        self.eos = self._index[EOS]
        self.unk = self._index[unk_word]
        self.unk_word = unk_word
        self._pool = None
        self.read_order = None  # read from a file: its words in file order (SRILM numbers them so)
        self.aliases = {}  # alias -> word: other names of words (SRILM's -vocab-aliases), not words
        self.lowercase = None  # the encoding in which every name is lowercased (SRILM's -tolower), or None

    def words_of(self, names):
        """The words `names` (a list) stand for: lowercased where this vocabulary lowercases,
        an alias taken as its word."""
        if self.lowercase is not None:
            names = lowercase(names, self.lowercase)
        return [self.aliases.get(w, w) for w in names] if self.aliases else names

    def _naming_as(self, other):
        """This vocabulary, given `other`'s aliases and lowercasing."""
        self.aliases = other.aliases
        self.lowercase = other.lowercase
        return self

    def like(self, words):
        """A vocabulary of `words` and this one's specials (its unknown word among them), aliases
        and lowercasing, each of `words` taken as the word it names (words_of)."""
        return Vocabulary(self.words_of(list(words)), unk_word=self.unk_word)._naming_as(self)

    def aliased(self, aliases):
        """This vocabulary with `aliases` ({alias: word}) as other names of their words, as
        SRILM's Vocab::addWordAlias makes them: each word joins the vocabulary, and an alias
        that was a word is one no more (both lowercased where this vocabulary lowercases)."""
        if self.lowercase is not None:
            lowered = zip(lowercase(aliases, self.lowercase), lowercase(aliases.values(), self.lowercase))
            aliases = {alias: word for alias, word in lowered if alias != word}
        vocab = Vocabulary([w for w in self.words if w not in aliases] + list(aliases.values()),
                           unk_word=self.unk_word)
        vocab.aliases = dict(aliases)
        vocab.lowercase = self.lowercase
        vocab.read_order = self.read_order
        return vocab

    def lowercased(self, encoding="utf-8"):
        """This vocabulary as SRILM's Vocab with -tolower: its words lowercased in `encoding`
        (`bytes`: ASCII letters only, SRILM in the C locale), words that lowercase alike one
        word, and every name looked up, added (`like`) or read from an ARPA file lowercased, so
        that a model's words that lowercase alike are one word too (see arpa.read_arpa)."""
        unk_word, = lowercase([self.unk_word], encoding)
        vocab = Vocabulary(lowercase(self.words, encoding), unk_word=unk_word)
        vocab.lowercase = encoding
        if self.read_order is not None:
            vocab.read_order = lowercase(self.read_order, encoding)
        return vocab.aliased(self.aliases) if self.aliases else vocab

    def relabeled_lowercase(self, encoding):
        """This vocabulary with its words lowercased and the same ids (for the tables of a model
        read as it was), every name looked up lowercased; two words that lowercase alike are
        refused, as they would have to merge."""
        words = lowercase(self.words, encoding)
        seen = {}
        for word, lower in zip(self.words, words):
            if seen.setdefault(lower, word) != word:
                raise UsageError(f"-tolower: the model's words {seen[lower]!r} and {word!r} both lowercase to "
                                 f"{lower!r}: read the model lowercased (formats.load(path, "
                                 f"vocab=Vocabulary().lowercased(encoding))) to merge them", option="tolower")
        vocab = Vocabulary(words, presorted=True, unk_word=lowercase([self.unk_word], encoding)[0])
        vocab.lowercase = encoding
        return vocab

    def name_counts(self):
        """The number of names of each word (int64 by id): 1 and one per alias. SRILM's
        vocabulary iterates over names, so its vocabulary size and its spread of unigram mass
        count a word once per name."""
        names = np.ones(len(self), dtype=np.int64)
        if self.aliases:
            np.add.at(names, self.ids(list(self.aliases.values())), 1)
        return names

    @classmethod
    def of_bytes(cls, pool, starts, ends):
        """The vocabulary of the words pool[starts[i]:ends[i]] (distinct UTF-8 bytes, or bytes
        read with the encoding `bytes`) and the specials, held as bytes; and the int32 id of
        each of those words."""
        # the specials' bytes go after the words; one that is a word too becomes one id
        specials = np.frombuffer("".join(SPECIALS).encode("ascii"), dtype=np.uint8)
        lengths = np.array([len(w) for w in SPECIALS])
        special_ends = len(pool) + np.cumsum(lengths)
        sorted_pool, offsets, ids = _sorted_words(np.concatenate((pool, specials)),
                                                  np.concatenate((starts, special_ends - lengths)),
                                                  np.concatenate((ends, special_ends)))
        self = cls.__new__(cls)
        self._words = self._index = None
        self._pool = (sorted_pool, offsets)
        self.bos, self.eos, self.unk = (int(i) for i in ids[len(starts):])
        self.unk_word = UNK
        self.read_order = None
        self.aliases = {}
        self.lowercase = None
        return self, ids[:len(starts)]

    @property
    def words(self):
        """The words (str) in id order."""
        if self._words is None:
            pool, offsets = self._pool
            text = np.insert(pool, offsets[1:-1], np.uint8(10)).tobytes()
            self._words = text.decode("utf-8", "surrogateescape").split("\n")
        return self._words

    @property
    def index(self):
        """word -> id."""
        if self._index is None:
            self._index = dict(zip(self.words, range(len(self.words))))
        return self._index

    def __len__(self):
        return len(self._words) if self._words is not None else len(self._pool[1]) - 1

    def __contains__(self, word):
        return self.get(word) is not None

    def get(self, word, default=None):
        """The id of the word `word` names (words_of), or `default`; a vocabulary held as bytes
        looks it up among them."""
        if self.aliases or self.lowercase is not None:
            word, = self.words_of([word])
        if self._index is not None:
            return self._index.get(word, default)
        pool, offsets = self._pool
        target = word_bytes(word)
        lo, hi = 0, len(offsets) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if pool[offsets[mid]:offsets[mid + 1]].tobytes() < target:
                lo = mid + 1
            else:
                hi = mid
        found = lo < len(offsets) - 1 and pool[offsets[lo]:offsets[lo + 1]].tobytes() == target
        return lo if found else default

    def id(self, word):
        """The id of `word`; KeyError if it is not in the vocabulary."""
        w = self.get(word)
        if w is None:
            raise KeyError(word)
        return w

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self.words == other.words

    def __iter__(self):
        return iter(self.words)

    def ids(self, words, unknown=None):
        """int32 ids of the words `words` name (words_of); an unknown word maps to `unknown`
        (default: the `<unk>` id)."""
        if not len(words):  # without building the index of a vocabulary read as bytes
            return np.empty(0, dtype=np.int32)
        fallback = self.unk if unknown is None else unknown
        get = self.index.get
        if self.aliases or self.lowercase is not None:
            words = self.words_of(list(words))
        return np.fromiter((get(w, fallback) for w in words), dtype=np.int32, count=len(words))

    def byte_pool(self):
        """The words' bytes as one uint8 array plus int64 offsets, for compiled writers."""
        if self._pool is None:
            encoded = [word_bytes(w) for w in self.words]
            offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
            np.cumsum([len(e) for e in encoded], out=offsets[1:])
            self._pool = (np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)
        return self._pool

    def remap_from(self, other):
        """int32 array mapping each id of vocabulary `other` to its id here (-1 where absent)."""
        return self.ids(other.words, unknown=-1)

    def holds_raw_bytes(self):
        """Do some words hold bytes that are not UTF-8 (text read with the encoding `bytes`)?"""
        if self._words is not None:
            return not _all_utf8(self._words)
        pool, offsets = self._pool
        try:
            # a newline between the words, so that no word's bytes end in another's
            np.insert(pool, offsets[1:-1], np.uint8(10)).tobytes().decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False

    @classmethod
    def read(cls, path, encoding="utf-8", unk_word=UNK):
        """Read a vocabulary file: one word per line (first field; blank lines skipped; a word
        listed twice is one word, as SRILM reads it, silently; an empty file is a vocabulary of
        no words, which recipes pass as /dev/null)."""
        words = read_words(path, encoding)
        vocab = cls(words, unk_word=unk_word)
        vocab.read_order = words
        return vocab

    def with_pause(self):
        """This vocabulary with SRILM's pause word -pau- among its words, as every SRILM
        vocabulary holds it (itself when it has it)."""
        if PAUSE in self:
            return self
        pool, offsets = self.byte_pool()
        at = bisect.bisect_left(range(len(self)), _PAUSE_BYTES, key=lambda i: pool[offsets[i]:offsets[i + 1]].tobytes())
        words = self.words
        return Vocabulary(list(words[:at]) + [PAUSE] + list(words[at:]), presorted=True,
                          unk_word=self.unk_word)._naming_as(self)

    def write(self, path):
        """SRILM's `-write-vocab`: one word per line, in byte order, -pau- among them (see
        with_pause), and the aliases, SRILM's vocabulary holding them as names."""
        words = self.with_pause().words
        if self.aliases:
            words = _byte_sorted(list(words) + list(self.aliases))
        with atomic_output(path) as out:
            out.write(word_bytes("".join(w + "\n" for w in words)))


def reading_vocabulary(words, vocab=None, limit_vocab=False):
    """The vocabulary SRILM holds after reading a model file whose words are `words`, and the
    int32 id of each of `words` in it (-1: not a word of it, so its n-grams are left out).
    The file's words join `vocab`'s (SRILM's -vocab); with `limit_vocab` they do not: the
    vocabulary is `vocab` (without one, only `<s>`, `</s>` and `<unk>`) and -pau-, which every
    SRILM vocabulary holds."""
    if not limit_vocab:
        vocab = Vocabulary(words) if vocab is None else vocab.like(list(vocab.words) + list(words))
    else:
        vocab = Vocabulary() if vocab is None else vocab
        if PAUSE in words:
            vocab = vocab.with_pause()
    return vocab, vocab.ids(words, unknown=-1)


def read_words(path, encoding="utf-8"):
    """The words of a word-list file as SRILM's Vocab::read takes them: the first field of each
    line, blank lines skipped, in file order (repeats kept)."""
    words = []
    for _, line in iter_lines(path, encoding, allow_bytes=True):
        fields = split_words(line)
        if fields:
            words.append(fields[0])
    return words


def _all_utf8(words):
    try:
        "".join(words).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _byte_sorted(words):
    """`words` in the byte order of what they stand for (code-point order unless some are bytes)."""
    return sorted(words) if _all_utf8(words) else sorted(words, key=word_bytes)


@njit(cache=True)
def _precedes(pool, starts, ends, a, b):
    """Do word a's bytes sort before word b's (a prefix first)?"""
    i, j = starts[a], starts[b]
    while i < ends[a] and j < ends[b]:
        if pool[i] != pool[j]:
            return pool[i] < pool[j]
        i += 1
        j += 1
    return i == ends[a] and j < ends[b]


@njit(cache=True)
def _sorted_words(pool, starts, ends):
    """The distinct words pool[starts[i]:ends[i]] in byte order, as (pool, offsets), and the id of
    each: a merge sort of the word numbers, equal words next to each other."""
    pool, starts, ends = borrowed(pool), borrowed(starts), borrowed(ends)
    n = len(starts)
    order = np.arange(n)
    scratch = np.empty(n, dtype=np.int64)
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j = lo, mid
            for out in range(lo, hi):
                if j >= hi or (i < mid and not _precedes(pool, starts, ends, order[j], order[i])):
                    scratch[out] = order[i]
                    i += 1
                else:
                    scratch[out] = order[j]
                    j += 1
        order, scratch = scratch, order
        width *= 2
    ids = np.empty(n, dtype=np.int32)
    offsets = np.zeros(n + 1, dtype=np.int64)
    sorted_pool = np.empty(len(pool), dtype=np.uint8)
    words = 0
    for r in range(n):
        w = order[r]
        if r == 0 or _precedes(pool, starts, ends, order[r - 1], w):
            length = ends[w] - starts[w]
            at = offsets[words]
            sorted_pool[at:at + length] = pool[starts[w]:ends[w]]
            offsets[words + 1] = at + length
            words += 1
        ids[w] = words - 1
    return sorted_pool[:offsets[words]].copy(), offsets[:words + 1].copy(), ids

