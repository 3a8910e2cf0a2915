"""SRILM's meta-counts (`ngram-count -meta-tag TAG`): count-of-count information in count files.

A count line whose last word is `TAG<t>` (t = 1, 2, ...), say `a b TAG2 5`, stands for 5
n-grams `a b *` of count 2 each that the counts do not hold; `TAG` alone (or `TAG0`) holds a
count total of one unnamed follower. Such words are never predicted nor written in a model. They
enter the count-of-counts the discounts are estimated from (estimate/discounts.py: Good-Turing
adds the count to n_t, Kneser-Ney one per line, as Discount.cc does) and, above the unigrams,
their context's total and its numbers of followers seen once, twice and three or more times
(estimate/probabilities.py, as NgramLM.cc): so that a model estimated from counts cut at their
mincounts (`-read-with-mincounts`, which writes the meta-counts of what it leaves out, see
mincounts.py) is the model of all the counts.

A word that starts with TAG and goes on with anything but digits, or a meta-count word anywhere
but last in its n-gram, is an error naming the file and line (SRILM takes the first as a word
and reads the second as a context).
"""

import bisect
import re

import numpy as np

from .errors import FormatError
from .textio import iter_line_blocks
from .vocab import Vocabulary


def meta_types(vocab, tag):
    """int32 over the ids of `vocab`: t for the word TAG<t>, 0 for TAG, -1 for other words
    (all -1 when `tag` is None)."""
    types = np.full(len(vocab), -1, dtype=np.int32)
    if not tag:
        return types
    words = vocab.words
    # ids follow byte order, so the words starting with TAG are one run of ids
    for i in range(bisect.bisect_left(words, tag), len(words)):
        word = words[i]
        if not word.startswith(tag):
            break
        rest = word[len(tag):]
        if rest == "" or rest.isdigit() and rest.isascii():
            types[i] = int(rest or 0)
    return types


def meta_word(tag, t):
    """The meta-count word of type t."""
    return f"{tag}{t}"


def _line_of(block, first_line, offset):
    return first_line + block.count(b"\n", 0, offset)


def meta_words_of_files(paths, tag, encoding="utf-8"):
    """The distinct meta-count words of count files, checked: a word starting with TAG must go on
    with digits or nothing, and be the last word of its line's n-gram (FormatError otherwise)."""
    raw = tag.encode("utf-8", "surrogateescape")  # blocks come as UTF-8 (or the bytes as they are)
    word = re.compile(rb"(?<!\S)" + re.escape(raw) + rb"\S*")
    malformed = re.compile(rb"(?<!\S)" + re.escape(raw) + rb"(?!\d*(?:\s|$))\S*")
    not_last = re.compile(rb"(?m)(?<!\S)" + re.escape(raw) + rb"\S*[ \t\v\f]+\S+[ \t\v\f]+\S")
    found = set()
    for path in paths:
        for block, first_line in iter_line_blocks(path, encoding, allow_bytes=True):
            bad = malformed.search(block)
            if bad:
                raise FormatError(f"malformed meta-count word {_text(bad.group())!r}: "
                                  f"{tag} must be followed by digits or nothing", path,
                                  _line_of(block, first_line, bad.start()))
            bad = not_last.search(block)
            if bad:
                raise FormatError(f"meta-count word {_text(bad.group().split()[0])!r} is not the "
                                  "last word of its n-gram", path, _line_of(block, first_line, bad.start()))
            found.update(word.findall(block))
    return sorted(_text(w) for w in found)


def _text(raw):
    return raw.decode("utf-8", "surrogateescape")


def with_words(vocab, words):
    """`vocab` with `words` added (itself when it holds them all)."""
    missing = [w for w in words if w not in vocab]
    return Vocabulary(vocab.words + missing) if missing else vocab
