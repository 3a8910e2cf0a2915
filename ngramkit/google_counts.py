"""Counts in Google's Web1T layout (SRILM's `-read-google DIR`, a count LM's `google-counts`):

    DIR/1gms/vocab.gz (or vocab)     WORD<TAB>COUNT, one unigram a line
    DIR/Ngms/Ngm.idx                 FILENAME<TAB>FIRST N-GRAM OF THE FILE, one line per file
    DIR/Ngms/FILENAME                W1 W2 ... WN<TAB>COUNT (plain or compressed)

for N = 2..order. Every count file an index names is read as a count file (countfile); the
first n-gram of an index line must have N words.
"""

import os

from .countfile import read_counts
from .errors import FormatError, MissingFileError
from .textio import iter_lines


def google_count_files(directory, order):
    """The count files of orders 1..order of the Web1T directory, in SRILM's reading order."""
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
        for line_no, line in iter_lines(index, allow_bytes=True):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != k + 1:
                raise FormatError(f"malformed index entry: expected a file name and a {k}-gram", index, line_no)
            files.append(os.path.join(directory, f"{k}gms", fields[0]))
    return files


def read_google(directory, order, vocab=None, limit_vocab=False, encoding="utf-8", float_counts=False, log=None):
    """The NgramCounts of orders 1..order of a Web1T directory (see the module's docstring);
    `vocab`, `limit_vocab`, `encoding`, `float_counts` as for countfile.read_counts. `log`: a
    text stream that hears `reading FILE` per file, as SRILM's -debug 1 prints."""
    files = google_count_files(directory, order)
    for path in files:
        if not os.path.exists(path):
            raise MissingFileError("no such file", path)
        if log is not None:
            log.write(f"reading {path}\n")
    return read_counts(files, order, vocab, limit_vocab, encoding, float_counts)
