"""Numbers every part shares, the bytes that separate words, and the hash of a word's bytes."""

import numpy as np

from .jit import njit

LN10 = 2.30258509299404568402  # ln(10): log10 values to natural logarithms
LOG_ZERO = -99.0  # how SRILM writes log10(0) in ARPA files
PROB_EPSILON = 3e-6  # SRILM's Prob_Epsilon: probabilities this close count as equal
# SRILM's maxWordsPerLine: its text readers (ngram-count -text, ngram -ppl) pass over a line of
# more tokens (<s>, </s> and a -text-has-weights weight among them), and a sentence it generates
# or continues holds at most this many words. lmplz has no such limit.
MAX_WORDS_PER_LINE = 50000
# SRILM's maxNgramOrder: a count file's line of more fields (its count among them) is passed
# over; most readers of count files (NgramCounts::read) stop reading the file there.
MAX_NGRAM_ORDER = 100

# What separates words: SRILM's wordSeparators, which lmplz and KenLM's ARPA reader share (a form
# feed or vertical tab is part of a word there), and the ASCII whitespace at which KenLM's query
# and its Python module (bytes.split) split words.
WORD_SEPARATORS = b" \t\r\n"
KENLM_SPACES = b" \t\n\v\f\r"


def byte_table(chars):
    """A uint8[256] table: 1 at the bytes of `chars`, for compiled code to read."""
    table = np.zeros(256, dtype=np.uint8)
    table[list(chars)] = 1
    return table


WORD_SEPARATOR_TABLE = byte_table(WORD_SEPARATORS)
KENLM_SPACE_TABLE = byte_table(KENLM_SPACES)


@njit(cache=True, inline="always")
def is_word_separator(b):
    """Is byte b one of WORD_SEPARATORS?"""
    return b == 32 or b == 9 or b == 13 or b == 10


# 64-bit FNV-1a, the hash of words in the vocabulary tables of counting, ARPA reading and scoring
FNV_OFFSET = np.uint64(14695981039346656037)
FNV_PRIME = np.uint64(1099511628211)


@njit(cache=True)
def hash_bytes(buf, start, end):
    """FNV-1a of buf[start:end]."""
    h = FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(buf[i])) * FNV_PRIME
    return h
