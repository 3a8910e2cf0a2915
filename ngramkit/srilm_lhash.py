"""SRILM's LHash (dstruct/src/LHash.cc) as far as its iteration order goes: where keys land
in its open-addressing table, which grows and rehashes as SRILM's does. SRILM iterates hash
tables in slot order, and that order decides the order of sums and ties it leaves in outputs
(its unsorted counts, its generated sentences, its -minbackoff lines, ngram-class's merges).

* a table of 2**bits slots starts with one slot (or those LHash(size) allocates: sized_bits);
  below 8 slots, entries sit in insertion order;
* inserting the (n+1)-th entry grows the table when round_size(n+1) exceeds its size; the new
  size is the next power of two, and the old entries are re-inserted in slot order;
* key k goes to slot ((k * 1103515245 + 12345) >> (30 - bits)) mod 2**bits, then on by one;
  a string's key is h += (h << 3) + c over its signed chars."""

import numpy as np

from .jit import njit

_HASH_MULT = np.uint64(1103515245)
_HASH_ADD = np.uint64(12345)
MIN_HASH_BITS = 3  # smaller tables are searched linearly, in insertion order


@njit(cache=True, inline="always")
def lhash_key(i, bits):
    """SRILM's LHash_hashKey of an unsigned integer for a table of 2**bits slots."""
    h = (np.uint64(i) * _HASH_MULT + _HASH_ADD) >> np.uint64(30 - bits)
    return np.int64(h & np.uint64((1 << bits) - 1))


@njit(cache=True)
def round_size(n):
    """LHash's roundSize: the slots that n entries need."""
    return n if n < (1 << MIN_HASH_BITS) else int(np.float32(n + 1) / np.float32(0.8))


@njit(cache=True, inline="always")
def grown_bits(n, bits):
    """The table's bits for its (n+1)-th entry: more when round_size(n+1) exceeds 2**bits."""
    min_size = round_size(n + 1)
    if min_size <= (1 << bits):
        return bits
    new_bits = 0
    while (1 << new_bits) < min_size:
        new_bits += 1
    return new_bits


@njit(cache=True)
def string_keys(pool, offsets):
    """LHash_hashKey's string hash of each word pool[offsets[w]:offsets[w+1]], mod 2**64."""
    n = len(offsets) - 1
    hashes = np.zeros(n, dtype=np.uint64)
    for w in range(n):
        h = np.uint64(0)
        for i in range(offsets[w], offsets[w + 1]):
            c = np.int64(pool[i])
            if c >= 128:
                c -= 256
            h = h + (h << np.uint64(3)) + np.uint64(c & 0xFFFFFFFFFFFFFFFF)
        hashes[w] = h
    return hashes


def sized_bits(size):
    """The bits of an LHash made for `size` entries (LHash(size): alloc(roundSize(size))), 0
    for none (a table made empty starts with one slot at its first insertion)."""
    if size <= 0:
        return 0
    need = round_size(size)
    bits = 0
    while (1 << bits) < need:
        bits += 1
    return bits


def slot_positions(keys, groups, start_bits=0):
    """Each key's position among its group in slot order (the inverse of lhash_order), each
    group's table made with 2**start_bits slots."""
    order = lhash_order(keys, groups, start_bits)
    position = np.empty(len(keys), dtype=np.int64)
    position[order] = np.arange(len(keys)) - np.repeat(groups[:-1], np.diff(groups))
    return position


@njit(cache=True)
def lhash_order(keys, groups, start_bits=0):
    """For each group keys[groups[g]:groups[g+1]] inserted in that order into an SRILM LHash
    of unsigned keys (a fresh table per group, of 2**start_bits slots: sized_bits), the group's
    positions in slot order (the order SRILM iterates the table in)."""
    return lhash_order_shifted(keys, np.zeros(len(keys), dtype=np.int64), groups, start_bits)


@njit(cache=True)
def lhash_order_shifted(keys, shifts, groups, start_bits=0):
    """lhash_order where key i's slot is its hash plus shifts[i], masked: SRILM's hash of a
    key made of a hashed part and small fields added to it (HiddenNgram's states)."""
    out = np.empty(len(keys), dtype=np.int64)
    for g in range(len(groups) - 1):
        lo, hi = groups[g], groups[g + 1]
        slots = np.full(1 << start_bits, -1, dtype=np.int64)
        bits = start_bits
        n = 0
        for i in range(lo, hi):
            new_bits = grown_bits(n, bits)
            if new_bits != bits:
                grown = np.full(1 << new_bits, -1, dtype=np.int64)
                if new_bits < MIN_HASH_BITS:
                    grown[:n] = slots[:n]
                else:
                    mask = (1 << new_bits) - 1
                    for j in range(1 << bits):
                        e = slots[j]
                        if e >= 0:
                            at = (lhash_key(np.uint64(keys[e]), new_bits) + shifts[e]) & mask
                            while grown[at] >= 0:
                                at = (at + 1) & mask
                            grown[at] = e
                slots, bits = grown, new_bits
            if bits < MIN_HASH_BITS:
                slots[n] = i
            else:
                mask = (1 << bits) - 1
                at = (lhash_key(np.uint64(keys[i]), bits) + shifts[i]) & mask
                while slots[at] >= 0:
                    at = (at + 1) & mask
                slots[at] = i
            n += 1
        k = lo
        for j in range(len(slots)):
            if slots[j] >= 0:
                out[k] = slots[j]
                k += 1
    return out
