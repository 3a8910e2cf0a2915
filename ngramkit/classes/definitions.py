"""SRILM classes files: `CLASS [p] word1 word2 ...` lines (classes-format(5))."""

import re
from dataclasses import dataclass

import numpy as np

from ..errors import FormatError
from ..textio import getline_lines, iter_lines, split_words

# A C `sscanf("%lf")` prefix: SRILM takes a class line's second field as the expansion
# probability whenever it starts with a number.
C_DOUBLE_PREFIX = re.compile(
    r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)", re.IGNORECASE)
# replace-words-with-classes (a gawk script) takes it only when the whole field looks numeric.
GAWK_NUMBER = re.compile(r"[-+0-9.][-+0-9e.]*")


@dataclass
class ClassDefinitions:
    """The lines of a classes file, in file order: line i expands class `classes[i]` into the
    words `expansions[i]` with probability `probs[i]` (1 when the line gives none)."""

    classes: list
    probs: np.ndarray
    expansions: list
    path: object = None

    def names(self):
        """Class names in order of first appearance."""
        return list(dict.fromkeys(self.classes))

    def words(self):
        """Words of the expansions in order of first appearance."""
        return list(dict.fromkeys(w for e in self.expansions for w in e))

    def single_word(self):
        """True when every expansion is one word (what ngram-class makes)."""
        return all(len(e) == 1 for e in self.expansions)


def read_class_lines(path, gawk_numbers, encoding="utf-8"):
    """The ClassDefinitions of a classes file as SRILM's ClassNgram reads it (File::getline
    passes over blank lines and ## comments) or, with `gawk_numbers`, replace-words-with-classes
    (a gawk script: blank lines only)."""
    classes, probs, expansions = [], [], []
    lines = iter_lines(path, encoding, allow_bytes=True) if gawk_numbers else \
        getline_lines(path, encoding, allow_bytes=True)
    for line_no, line in lines:
        fields = split_words(line)
        if not fields:
            continue
        prob, first = 1.0, 1
        if len(fields) > 1:
            if gawk_numbers:
                match = GAWK_NUMBER.fullmatch(fields[1])
            else:
                match = C_DOUBLE_PREFIX.match(fields[1])
            if match:
                try:
                    prob = float(match.group(0))
                except ValueError:
                    raise FormatError(f"bad expansion probability {fields[1]!r}", path, line_no) from None
                first = 2
        if first >= len(fields):
            raise FormatError(f"class {fields[0]}: expansion contains no words", path, line_no)
        if not gawk_numbers and not prob >= 0.0:
            raise FormatError(f"class {fields[0]}: expansion probability {fields[1]} is not a probability",
                              path, line_no)
        classes.append(fields[0])
        probs.append(prob)
        expansions.append(tuple(fields[first:]))
    return ClassDefinitions(classes, np.array(probs, dtype=np.float64), expansions, path)


def load_classes(path, encoding="utf-8"):
    """Read an SRILM classes file (`CLASS [p] word1 word2 ...` per line; blank lines and ## comments skipped).
    A second field that starts with a number is the expansion probability, as SRILM reads it.
    `encoding`: the file's (`bytes`: words are its bytes)."""
    return read_class_lines(path, gawk_numbers=False, encoding=encoding)
