"""Word lists for ASR recipes: lexicons, top-N vocabularies by count, OOV rates."""

import re
from dataclasses import dataclass

import numpy as np

from .countfile import read_counts
from .counting import RunOptions, TextOptions, count_text
from .errors import EmptyInputError
from .textio import iter_lines, split_words, word_bytes

# Kaldi symbol-table entries that are not words: <eps>, <unk>, <s>, #0, ...
_NOT_A_WORD = re.compile(r"<.*>|#\d+")


def read_word_list(path, encoding="utf-8"):
    """Words of a word list, a Kaldi words.txt or a Kaldi lexicon.txt.

    The word is the first field of each line; later fields (ids, phones) are
    ignored, as are Kaldi's special symbols. Words come in file order without
    repeats.
    """
    words = {}
    for _, line in iter_lines(path, encoding, allow_bytes=True):
        fields = split_words(line)
        if fields and not _NOT_A_WORD.fullmatch(fields[0]):
            words[fields[0]] = None
    if not words:
        raise EmptyInputError("word list holds no words", path)
    return list(words)


def unigram_counts(counts):
    """(words, counts) of the unigrams in NgramCounts that occur, without <s> and </s>."""
    vocab = counts.vocab
    ids = counts.ngrams[0][:, 0]
    values = counts.counts[0]
    keep = (values > 0) & (ids != vocab.bos) & (ids != vocab.eos)
    return [vocab.words[i] for i in ids[keep].tolist()], values[keep]


def count_words(count_paths=(), text_paths=(), encoding="utf-8", quiet=True):
    """Word counts from count files and/or text, summed: (words, int64 counts)."""
    totals = {}
    sources = []
    if count_paths:
        sources.append(read_counts(list(count_paths), order=1, encoding=encoding))
    if text_paths:
        sources.append(count_text(list(text_paths), 1, TextOptions(encoding=encoding), RunOptions(quiet=quiet)))
    for counts in sources:
        words, values = unigram_counts(counts)
        for word, value in zip(words, values.tolist()):
            totals[word] = totals.get(word, 0) + value
    return list(totals), np.fromiter(totals.values(), dtype=np.int64, count=len(totals))


def top_words(words, counts, limit=None):
    """The `limit` most frequent words (all if None), ties in byte order."""
    order = sorted(range(len(words)), key=lambda i: (-int(counts[i]), word_bytes(words[i])))
    return [words[i] for i in order[:limit]]


@dataclass
class OovStats:
    tokens: int
    oov_tokens: int
    types: int
    oov_types: int

    def report(self):
        def rate(part, whole):
            return 100.0 * part / whole if whole else 0.0

        return (f"tokens {self.tokens} OOV {self.oov_tokens} ({rate(self.oov_tokens, self.tokens):.2f}%)"
                f"; types {self.types} OOV {self.oov_types} ({rate(self.oov_types, self.types):.2f}%)")


def oov_stats(text_paths, vocabulary, encoding="utf-8", quiet=True):
    """How many tokens and word types of the text are not in `vocabulary` (a set of words)."""
    counts = count_text(list(text_paths), 1,
                        TextOptions(encoding=encoding, add_sos=False, add_eos=False), RunOptions(quiet=quiet))
    words, values = unigram_counts(counts)
    unknown = np.array([w not in vocabulary for w in words], dtype=bool)
    return OovStats(tokens=int(values.sum()), oov_tokens=int(values[unknown].sum()),
                    types=len(words), oov_types=int(unknown.sum()))
