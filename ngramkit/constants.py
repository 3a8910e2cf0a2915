"""Numbers every part shares, and the hash of a word's bytes."""

import numpy as np

from .jit import njit

LN10 = 2.30258509299404568402  # ln(10): log10 values to natural logarithms
LOG_ZERO = -99.0  # how SRILM writes log10(0) in ARPA files
PROB_EPSILON = 3e-6  # SRILM's Prob_Epsilon: probabilities this close count as equal

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
