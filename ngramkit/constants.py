"""Numbers every part shares, and the hash of a word's bytes."""

import numpy as np

from .jit import njit

LN10 = 2.30258509299404568402  # ln(10): log10 values to natural logarithms
LOG_ZERO = -99.0  # how SRILM writes log10(0) in ARPA files
PROB_EPSILON = 3e-6  # SRILM's Prob_Epsilon: probabilities this close count as equal

# The hash of words in the vocabulary tables of counting, ARPA reading and scoring. The bytes
# go in 8 at a time (little-endian), each group mixed as MurmurHash64A mixes it, and the length
# and MurmurHash3's finaliser at the end: a byte costs a shift and an or, where FNV-1a's chain
# of one multiply per byte cost more than scanning the text.
WORD_HASH_SEED = np.uint64(0x9AE16A3B2F90404F)
WORD_HASH_MULTIPLIER = np.uint64(0xC6A4A7935BD1E995)


@njit(cache=True, inline="always")
def fmix(h):
    """MurmurHash3's 64-bit finaliser: every input bit moves every output bit."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@njit(cache=True, inline="always")
def fold_word_bytes(h, group):
    """Fold 8 bytes of a word (a uint64, the first byte lowest) into its hash `h`."""
    group *= WORD_HASH_MULTIPLIER
    group ^= group >> np.uint64(47)
    group *= WORD_HASH_MULTIPLIER
    return (h ^ group) * WORD_HASH_MULTIPLIER


@njit(cache=True, inline="always")
def finish_word_hash(h, tail, length):
    """The hash of a word of `length` bytes from `h` (its full groups folded in) and `tail`,
    its last length % 8 bytes (the first lowest; 0 when there are none)."""
    if length & 7:
        h = (h ^ tail) * WORD_HASH_MULTIPLIER
    return fmix(h ^ np.uint64(length))


@njit(cache=True)
def hash_bytes(buf, start, end):
    """The word hash of buf[start:end]."""
    h = WORD_HASH_SEED
    group = np.uint64(0)
    shift = np.uint64(0)
    for i in range(start, end):
        group |= np.uint64(buf[i]) << shift
        shift += np.uint64(8)
        if shift == np.uint64(64):
            h = fold_word_bytes(h, group)
            group = np.uint64(0)
            shift = np.uint64(0)
    return finish_word_hash(h, group, end - start)
