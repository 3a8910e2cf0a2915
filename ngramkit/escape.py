"""SRILM's `-escape STRING` of `ngram -ppl` and `-counts`: an input line that starts with the
string (compared byte for byte from the line's first byte, as strncmp does) is not scored but
copied to the output unchanged, where it falls among the scoring lines. Rescoring filters use
it to pass markers and other data through.

Perplexity from text then closes a document at each escaped line: with `-debug 0` the totals of
the sentences since the previous one are printed before it (and after the last sentence, once
any were printed). Perplexity from counts sums each run of count lines between escaped lines on
its own, as a document, and prints its totals at `-debug 1` and above."""

import os
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    """A run of whole lines of a block (`escaped` False) or one escaped line with its newline."""

    data: bytes
    first_line: int
    escaped: bool


def escape_bytes(escape):
    """The bytes a command-line `-escape` string stands for (its bytes as given, for any encoding)."""
    return os.fsencode(escape)


def split_escaped(block, first_line, prefix):
    """The pieces of `block` (whole lines, the first numbered `first_line`): runs of ordinary lines
    and the escaped lines, those starting with the bytes `prefix`, in file order."""
    pattern = re.compile(b"^" + re.escape(prefix) + b"[^\n]*(?:\n|\\Z)", re.M)
    start = 0
    line = first_line
    for match in pattern.finditer(block):
        if match.start() == match.end():  # the empty end of the block
            continue
        if match.start() > start:
            run = block[start:match.start()]
            yield Piece(run, line, False)
            line += run.count(b"\n")
        yield Piece(match.group(), line, True)
        line += 1
        start = match.end()
    if start < len(block):
        yield Piece(block[start:], line, False)
