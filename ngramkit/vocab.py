"""Vocabulary: words <-> int32 ids.

Ids follow the byte order of the words (for UTF-8, code-point order, so a plain
sort of the strings). Tables sorted by id are then also sorted as SRILM's `-sort`
and `LC_ALL=C sort` sort them, and vocabularies built from different shards of a
corpus agree without a merge step.

Words are str. Words of text read with the encoding `bytes` may hold bytes that
are not UTF-8: those are surrogate escapes (textio.word_text), which go back out
as the same bytes, and sort by those bytes.
"""

import numpy as np

from .errors import FormatError
from .textio import atomic_output, iter_lines, split_words, word_bytes

BOS = "<s>"
EOS = "</s>"
UNK = "<unk>"
PAUSE = "-pau-"  # SRILM's pause word: in every SRILM vocabulary (index 3), never an event
SPECIALS = (BOS, EOS, UNK)


class Vocabulary:
    """An immutable, sorted word list that always holds `<s>`, `</s>` and `<unk>`."""

    def __init__(self, words=(), presorted=False):
        """`presorted`: `words` are another vocabulary's word list, to be taken as they are."""
        self.words = list(words) if presorted else _byte_sorted(set(words).union(SPECIALS))
        self.index = dict(zip(self.words, range(len(self.words))))
        self.bos = self.index[BOS]
        self.eos = self.index[EOS]
        self.unk = self.index[UNK]
        self._pool = None

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self.words == other.words

    def __iter__(self):
        return iter(self.words)

    def ids(self, words, unknown=None):
        """int32 ids of `words`; an unknown word maps to `unknown` (default: the `<unk>` id)."""
        fallback = self.unk if unknown is None else unknown
        get = self.index.get
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
        return not _all_utf8(self.words)

    @classmethod
    def read(cls, path, encoding="utf-8"):
        """Read a vocabulary file: one word per line (first field; blank lines skipped).

        Returns the vocabulary and the number of duplicate entries (SRILM accepts
        duplicates; callers may warn).
        """
        words = read_words(path, encoding)
        if not words:
            raise FormatError("vocabulary file holds no words", path)
        return cls(words), len(words) - len(set(words))

    def write(self, path):
        """Write one word per line, in id order (SRILM's `-write-vocab`)."""
        with atomic_output(path) as out:
            out.write(word_bytes("".join(w + "\n" for w in self.words)))


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

