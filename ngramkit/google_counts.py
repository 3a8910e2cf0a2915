"""Counts in Google's Web1T layout (SRILM's `-read-google DIR`, a count LM's `google-counts`):

    DIR/1gms/vocab.gz (or vocab)     WORD<TAB>COUNT, one unigram a line
    DIR/Ngms/Ngm.idx                 FILENAME<TAB>FIRST N-GRAM OF THE FILE, one line per file
    DIR/Ngms/FILENAME                W1 W2 ... WN<TAB>COUNT (plain or compressed)

for N = 2..order. Every count file an index names is read as a count file (countfile); the
first n-gram of an index line must have N words.
"""

import bisect
import os

from .countfile import read_counts
from .errors import FormatError, MissingFileError
from .textio import iter_lines, split_words, word_bytes
from .vocab import PAUSE, SPECIALS


def _ngrams_in_range(words, start, end):
    """Can an n-gram of `words` (sorted bytes) lie between the n-grams `start` and `end` (lists of
    bytes; None: open)? Vocab::ngramsInRange, with a binary search for its scan of the vocabulary."""
    if (start is not None and not start) or (end is not None and not end):
        return True
    known = set(words)
    if start and end and start[0] == end[0] and start[0] in known:
        return _ngrams_in_range(words, start[1:], end[1:])
    if start and start[0] in known and _ngrams_in_range(words, start[1:], None):
        return True
    if end and end[0] in known and _ngrams_in_range(words, None, end[1:]):
        return True
    first = 0 if start is None else bisect.bisect_right(words, start[0])
    return first < len(words) and (end is None or words[first] < end[0])


def google_count_files(directory, order, limit_words=None):
    """The count files of orders 1..order of the Web1T directory, in SRILM's reading order;
    with `limit_words` (the words of a -limit-vocab vocabulary), only those whose range of
    n-grams (from an index line's n-gram to the next's) can hold n-grams of these words, as
    SRILM skips the others."""
    words = None if limit_words is None else sorted({word_bytes(w) for w in limit_words})
    vocab = os.path.join(directory, "1gms", "vocab.gz")
    if not os.path.exists(vocab):
        plain = os.path.join(directory, "1gms", "vocab")
        if not os.path.exists(plain):
            raise MissingFileError("no such file (nor 1gms/vocab)", vocab)
        vocab = plain
    files = [vocab]
    for k in range(2, order + 1):
        index = os.path.join(directory, f"{k}gms", f"{k}gm.idx")
        if not os.path.exists(index):
            raise MissingFileError("no such file", index)
        entries = []
        for line_no, line in iter_lines(index, allow_bytes=True):
            fields = split_words(line)
            if not fields:
                continue
            if len(fields) != k + 1:
                raise FormatError(f"malformed index entry: expected a file name and a {k}-gram", index, line_no)
            entries.append((fields[0], [word_bytes(w) for w in fields[1:]]))
        for i, (name, first) in enumerate(entries):
            following = entries[i + 1][1] if i + 1 < len(entries) else None
            if words is None or _ngrams_in_range(words, first, following):
                files.append(os.path.join(directory, f"{k}gms", name))
    return files


def read_google(directory, order, vocab=None, limit_vocab=False, encoding="utf-8", float_counts=False, log=None):
    """The NgramCounts of orders 1..order of a Web1T directory (see the module's docstring);
    `vocab`, `limit_vocab`, `encoding`, `float_counts` as for countfile.read_counts. `log`: a
    text stream that hears `reading FILE` per file, as SRILM's -debug 1 prints."""
    files = google_count_files(directory, order, limit_words(vocab, limit_vocab))
    for path in files:
        if not os.path.exists(path):
            raise MissingFileError("no such file", path)
        if log is not None:
            log.write(f"reading {path}\n")
    return read_counts(files, order, vocab, limit_vocab, encoding, float_counts)


def limit_words(vocab, limit_vocab):
    """The words a -limit-vocab run keeps n-grams of (SRILM's vocabulary: these and its own
    tokens, -pau- among them), or None without -limit-vocab."""
    if not limit_vocab or vocab is None:
        return None
    return list(vocab.words) + list(SPECIALS) + [PAUSE]
