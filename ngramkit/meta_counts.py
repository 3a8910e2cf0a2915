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
from .textio import BLANK_RUN, WORD_BYTE, iter_line_blocks


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


def meta_words(vocab, tag):
    """The meta-count words of `vocab`."""
    return [vocab.words[i] for i in np.flatnonzero(meta_types(vocab, tag) >= 0)]


def check_meta_words(counts, tag, paths):
    """FormatError naming the first line of the count files `paths` (read into `counts`) that
    holds a malformed meta-count word: TAG followed by anything but digits, or a meta-count word
    that is not the last of its n-gram."""
    words = counts.vocab.words
    lo = bisect.bisect_left(words, tag)
    hi = lo
    while hi < len(words) and words[hi].startswith(tag):
        hi += 1
    types = meta_types(counts.vocab, tag)
    malformed = [w for w, t in zip(words[lo:hi], types[lo:hi]) if t < 0]
    raw = re.escape(tag.encode("utf-8", "surrogateescape"))  # blocks come as UTF-8 (or the bytes as they are)
    if malformed:
        _fail(paths, re.compile(rb"(?<!" + WORD_BYTE + rb")" + raw + rb"(?!\d*(?!" + WORD_BYTE + rb"))" + WORD_BYTE + rb"*"),
              lambda word: f"malformed meta-count word {word!r}: {tag} must be followed by digits or nothing")
    meta = types >= 0
    if any(rows.shape[1] > 1 and meta[rows[:, :-1]].any() for rows in counts.ngrams):
        _fail(paths, re.compile(rb"(?m)(?<!" + WORD_BYTE + rb")" + raw + WORD_BYTE + rb"*(?=" + BLANK_RUN + WORD_BYTE
                                + rb"+" + BLANK_RUN + WORD_BYTE + rb")"),
              lambda word: f"meta-count word {word!r} is not the last word of its n-gram")


def _fail(paths, pattern, message):
    """Raise the FormatError of the first match of `pattern` in the files (only on bad input)."""
    for path in paths:
        if path == "-":
            continue  # stdin is read; the error names no line
        for block, first_line in iter_line_blocks(path, "bytes", allow_bytes=True):
            bad = pattern.search(block)
            if bad:
                raise FormatError(message(bad.group().decode("utf-8", "surrogateescape")), path,
                                  first_line + block.count(b"\n", 0, bad.start()))
    raise FormatError(message("?"), ", ".join(map(str, paths)))


def with_words(vocab, words):
    """`vocab` with `words` added (itself when it holds them all)."""
    missing = [w for w in words if w not in vocab]
    return vocab.like(vocab.words + missing) if missing else vocab
