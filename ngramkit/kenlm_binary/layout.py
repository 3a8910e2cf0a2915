"""What KenLM's binary files (format version 5) share: the header, the vocabulary hash,
sizes of the parts, and bit-level reads and writes of the trie's packed records.

A file is the header, then the vocabulary's lookup table, then the search structure
(probing hash tables or the trie), then optionally the words as NUL-terminated strings in id
order. All numbers are little-endian, as on the x86-64 and ARM machines KenLM runs on.
"""

import struct

import numpy as np

from ..errors import FormatError
from ..jit import borrowed, njit

MAGIC = b"mmap lm http://kheafield.com/code format version 5\n\0"
MAGIC_BEFORE_VERSION = b"mmap lm http://kheafield.com/code format version"
MAGIC_INCOMPLETE = b"mmap lm http://kheafield.com/code incomplete\n"
FORMAT_VERSION = 5

# The sanity block: the magic padded to 8 bytes, then test values that catch a different float
# layout or word size (0.0, 1.0, -0.5, 1, 2^32-1, padding, uint64 1).
SANITY = MAGIC + b"\0" * (-len(MAGIC) % 8) + struct.pack("<fffIIIQ", 0.0, 1.0, -0.5, 1, 0xFFFFFFFF, 0, 1)
# order (uint8, then 3 bytes of padding), probing multiplier (float), model type (int32),
# has_vocabulary (bool, then padding), search version (uint32); then order uint64 counts.
FIXED = struct.Struct("<B3xfiB3xI")

PROBING, REST_PROBING, TRIE, QUANT_TRIE, ARRAY_TRIE, QUANT_ARRAY_TRIE = range(6)
MODEL_NAMES = ("probing hash tables", "probing hash tables with rest costs", "trie", "trie with quantization",
               "trie with array-compressed pointers", "trie with quantization and array-compressed pointers")
PROBING_SEARCH_VERSION = 0
TRIE_SEARCH_VERSION = 1
PROBING_VOCAB_VERSION = 0
QUANT_VERSION = 2
BHIKSHA_VERSION = 0

# KenLM's largest order as compiled by default is 6; builds with KENLM_MAX_ORDER raised go
# further, and the format itself has no limit below what a word index in 57 bits allows.
MAX_ORDER = 10

NO_EXTENSION = np.uint32(0x80000000)  # bits of -0.0: a zero backoff of an n-gram no longer n-gram extends
SIGN_BIT = np.uint32(0x80000000)


def align8(n):
    return -(-n // 8) * 8


def header_size(order):
    return align8(len(SANITY) + FIXED.size + 8 * order)


class Header:
    """The parsed header of a KenLM binary file."""

    def __init__(self, order, probing_multiplier, model_type, has_vocabulary, search_version, counts):
        self.order = order
        self.probing_multiplier = probing_multiplier
        self.model_type = model_type
        self.has_vocabulary = has_vocabulary
        self.search_version = search_version
        self.counts = counts

    @property
    def size(self):
        return header_size(self.order)

    def pack(self):
        fixed = FIXED.pack(self.order, self.probing_multiplier, self.model_type, int(self.has_vocabulary),
                           self.search_version)
        raw = SANITY + fixed + struct.pack(f"<{self.order}Q", *self.counts)
        return raw + b"\0" * (self.size - len(raw))


def looks_like_kenlm(prefix):
    """Does `prefix` (the first bytes of a file) begin like a KenLM binary of any version?"""
    return prefix.startswith(MAGIC_BEFORE_VERSION) or prefix.startswith(MAGIC_INCOMPLETE)


def parse_header(data, path):
    """The Header of `data` (the file's bytes); FormatError for anything KenLM would refuse."""
    size = len(data)
    data = bytes(data[:header_size(MAX_ORDER)])
    if size <= len(SANITY) or data[:len(SANITY)] != SANITY:
        if data.startswith(MAGIC_INCOMPLETE):
            raise FormatError("KenLM binary did not finish building", path)
        if data.startswith(MAGIC_BEFORE_VERSION):
            rest = data[len(MAGIC_BEFORE_VERSION):len(MAGIC_BEFORE_VERSION) + 12].split(b"\n")[0].strip()
            if rest.isdigit() and int(rest) != FORMAT_VERSION:
                raise FormatError(f"KenLM binary format version {int(rest)}; only version {FORMAT_VERSION} "
                                  "is read (rebuild it from the ARPA)", path)
            raise FormatError("KenLM binary header is corrupt or truncated (test values do not match)", path)
        raise FormatError("not a KenLM binary file", path)
    if size < len(SANITY) + FIXED.size:
        raise FormatError("KenLM binary truncated in its header", path)
    order, multiplier, model_type, has_vocabulary, search_version = FIXED.unpack_from(data, len(SANITY))
    if not 1 <= order <= MAX_ORDER:
        raise FormatError(f"KenLM binary header gives order {order} (1 to {MAX_ORDER} are read)", path)
    if size < header_size(order):
        raise FormatError("KenLM binary truncated in its header", path)
    if model_type not in (PROBING, TRIE, QUANT_TRIE, ARRAY_TRIE, QUANT_ARRAY_TRIE):
        if model_type == REST_PROBING:
            raise FormatError("KenLM binary holds probing hash tables with rest costs, which are not read", path)
        raise FormatError(f"KenLM binary header gives unknown model type {model_type}", path)
    expected_search = PROBING_SEARCH_VERSION if model_type == PROBING else TRIE_SEARCH_VERSION
    if search_version != expected_search:
        raise FormatError(f"KenLM binary has {MODEL_NAMES[model_type]} version {search_version}; "
                          f"version {expected_search} is read", path)
    if has_vocabulary not in (0, 1):
        raise FormatError("KenLM binary header is corrupt (vocabulary flag)", path)
    if not multiplier >= 1.0 or not np.isfinite(multiplier):
        raise FormatError(f"KenLM binary header gives probing multiplier {multiplier} (must be >= 1)", path)
    counts = list(struct.unpack_from(f"<{order}Q", data, len(SANITY) + FIXED.size))
    if order < 2:
        raise FormatError("KenLM binary holds a unigram model; KenLM needs order 2 or more", path)
    for k, n in enumerate(counts, 1):
        if n > size:
            raise FormatError(f"KenLM binary header gives {n} {k}-grams, more than the file can hold", path)
    if counts[0] < 1:
        raise FormatError("KenLM binary header gives no 1-grams", path)
    return Header(order, multiplier, model_type, bool(has_vocabulary), search_version, counts)


def read_words(data, offset, count, path):
    """The `count` NUL-terminated words stored from `offset` to the end of the file; id 0 is `<unk>`."""
    if data[offset:offset + 6] != b"<unk>\0":
        raise FormatError("KenLM binary: the vocabulary words are missing or misplaced (file truncated?)", path)
    raw = data[offset:]
    if not raw.endswith(b"\0"):
        raise FormatError("KenLM binary: the vocabulary words are truncated", path)
    words = raw[:-1].split(b"\0")
    if len(words) != count:
        raise FormatError(f"KenLM binary: {len(words)} vocabulary words where the model has {count}", path)
    try:
        return [w.decode("utf-8") for w in words]
    except UnicodeDecodeError:
        raise FormatError("KenLM binary: a vocabulary word is not valid UTF-8", path) from None


def word_pool(words):
    """Words as one byte array plus int64 offsets (for compiled hashing)."""
    encoded = [w.encode("utf-8") for w in words]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def words_blob(words):
    """The vocabulary strings as KenLM appends them: each word followed by NUL."""
    return b"".join(w.encode("utf-8") + b"\0" for w in words)


@njit(cache=True)
def murmur64a(pool, start, end):
    """MurmurHash64A with seed 0 of pool[start:end]: KenLM's hash of a word."""
    m = np.uint64(0xC6A4A7935BD1E995)
    r = np.uint64(47)
    length = end - start
    h = np.uint64(0) ^ (np.uint64(length) * m)
    blocks = length // 8
    for b in range(blocks):
        k = np.uint64(0)
        base = start + 8 * b
        for j in range(8):
            k |= np.uint64(pool[base + j]) << np.uint64(8 * j)
        k *= m
        k ^= k >> r
        k *= m
        h ^= k
        h *= m
    tail = start + 8 * blocks
    rest = length & 7
    if rest:
        for j in range(rest - 1, -1, -1):
            h ^= np.uint64(pool[tail + j]) << np.uint64(8 * j)
        h *= m
    h ^= h >> r
    h *= m
    h ^= h >> r
    return h


@njit(cache=True)
def hash_words(pool, offsets):
    pool, offsets = borrowed(pool), borrowed(offsets)
    out = np.empty(len(offsets) - 1, dtype=np.uint64)
    for i in range(len(out)):
        out[i] = murmur64a(pool, offsets[i], offsets[i + 1])
    return out


def required_bits(max_value):
    """Bits needed to store integers 0..max_value."""
    return int(max_value).bit_length()


@njit(cache=True)
def read_bits(buf, bit, length):
    """The `length`-bit (<= 57) little-endian integer at bit offset `bit` of buf (uint8)."""
    byte = bit >> 3
    value = np.uint64(0)
    for j in range(8):
        value |= np.uint64(buf[byte + j]) << np.uint64(8 * j)
    return (value >> np.uint64(bit & 7)) & ((np.uint64(1) << np.uint64(length)) - np.uint64(1))


@njit(cache=True)
def write_bits(buf, bit, length, value):
    """OR `value` (< 2^length, length <= 57) into buf at bit offset `bit`; buf starts zeroed."""
    byte = bit >> 3
    shifted = np.uint64(value) << np.uint64(bit & 7)
    for j in range(8):
        buf[byte + j] |= np.uint8((shifted >> np.uint64(8 * j)) & np.uint64(0xFF))
