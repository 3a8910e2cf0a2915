"""ARPA back-off model files: reading into and writing from `NgramModel`.

Both directions run in compiled code over byte buffers: tokenising, word interning (an
open-addressing hash table), number parsing and formatting. A Python call per n-gram would
make an 11M-n-gram file take minutes.

Reading holds little more than the model it builds. A plain file is memory-mapped and its
pages are given back once parsed; a compressed file or stdin is read in blocks of whole lines.
Each section is parsed into the model's own preallocated arrays. The 1-grams come first, so
the vocabulary is known before the higher orders: their rows get their final ids at once,
packed into one int64 key per row where the ids fit (in the memory of the row itself), and
are sorted in place. `stream_arpa` instead hands the rows on in runs as they are parsed (to
the scorer's table builder), so that the model itself is never held.

The `\\data\\` counts size the arrays; a section that holds more n-grams or fewer is read as
it is, with SRILM's warning (see read_arpa).
"""

import io
import mmap
import re
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .constants import hash_bytes, is_word_separator
from .errors import EncodingError, FormatError
from .jit import available_cores, borrowed, njit, release_compiler_code
from .model import NgramModel
from .numfmt import ascii_bytes, format_value, parse_float
from .spill import release
from .tables import first_duplicate_row, is_sorted_rows, merged_duplicate_rows
from .textio import BYTES, atomic_output, open_input, read_blocks
from .vocab import Vocabulary, reading_vocabulary

_SPACE, _TAB, _CR, _NL, _BACKSLASH = 32, 9, 13, 10, 92

# Error codes of the compiled parser; messages say what the line should hold. Code 2 is no
# error: the section's arrays are full and the reader makes room (see _Sections).
_FULL = 2
_ERRORS = {
    1: "expected section header \\{k}-grams:",
    4: "expected a log probability, {k} words and an optional backoff weight (an n-gram of the wrong order?)",
    5: "log probability is not a number",
    6: "log probability is positive",
    7: "backoff weight is not a number",
    8: "duplicate word in the 1-grams",
    9: "word is not among the 1-grams",
    10: "missing \\end\\ (file truncated?)",
    11: "a backoff weight on a highest-order n-gram (an n-gram of the wrong order?)",
}


@njit(cache=True)
def _same_word(pool, a, buf, b, length):
    """Does pool[a:a+length] hold the bytes of buf[b:b+length]?"""
    for i in range(length):
        if pool[a + i] != buf[b + i]:
            return False
    return True


_GRAMS_TAIL = ascii_bytes("-grams:")
_END = ascii_bytes("\\end\\")


@njit(cache=True)
def _matches(buf, start, end, text):
    """Does buf[start:end] hold exactly the bytes of `text`?"""
    if end - start != len(text):
        return False
    for j in range(len(text)):
        if buf[start + j] != text[j]:
            return False
    return True


@njit(cache=True)
def _is_header(buf, start, end, k):
    """Does buf[start:end] read `\\k-grams:`?"""
    if end - start < 9 or buf[start] != _BACKSLASH:
        return False
    i = start + 1
    num = 0
    digits = 0
    while i < end and 48 <= buf[i] <= 57:
        num = num * 10 + (buf[i] - 48)
        digits += 1
        i += 1
    return digits > 0 and num == k and _matches(buf, i, end, _GRAMS_TAIL)


@njit(cache=True)
def _is_end(buf, start, end):
    return _matches(buf, start, end, _END)


@njit(cache=True)
def _split_line(buf, pos, fields_start, fields_end, limit):
    """Split the line at pos on blanks (spaces, tabs, CRs: SRILM's and KenLM's separators, a
    form feed or vertical tab being part of a word) into at most `limit` fields, in one pass.
    Returns (number of fields, or limit + 1 if there are more; start of the next line)."""
    buf = borrowed(buf)
    n = len(buf)
    i = pos
    nf = 0
    while True:
        while i < n and is_word_separator(buf[i]) and buf[i] != _NL:
            i += 1
        if i >= n or buf[i] == _NL:
            break
        if nf == limit:
            nf += 1
            while i < n and buf[i] != _NL:
                i += 1
            break
        fields_start[nf] = i
        while i < n and not is_word_separator(buf[i]):
            i += 1
        fields_end[nf] = i
        nf += 1
    return nf, (i + 1 if i < n else n)


# The key of a row that holds a word outside the vocabulary (-limit-vocab): it sorts last,
# above every packed key (those use at most 62 bits).
_DROPPED = np.int64(np.iinfo(np.int64).max)
_KEY_BITS = 62


@njit(cache=True)
def _parse_body(buf, pos, end, k, order, limit, row, line, rows, keys, bits, logprob, backoff, table, mask,
                pool, word_start, word_end, mapping, row_line):
    """Parse order-k n-gram lines from pos until `end` or a line that starts with a backslash
    into rows row, row + 1, ... Returns (error code, pos, lines read, n-grams read); more than
    `limit` n-grams is error 2, and an error's line is the one after the lines read.

    A word of the 1-grams enters the hash table with its bytes appended to `pool` (word_start,
    word_end: where), and its row is its number. A word of a higher order is looked up, unless
    it repeats the word in the same field of the previous line, as it mostly does in a sorted
    file; its id is mapping[its number] (-1: outside the vocabulary). Ids go to rows[row], or,
    when `keys` is not empty, packed `bits` to an id into keys[row] (_DROPPED for a row with a
    word outside the vocabulary). Above the 1-grams the table is only read, so pieces of a
    section can be parsed in parallel. row_line, when not empty, receives each row's line
    number (the first line read is `line`)."""
    buf, pool = borrowed(buf), borrowed(pool)
    fields_start = np.empty(k + 2, dtype=np.int64)
    fields_end = np.empty(k + 2, dtype=np.int64)
    prev_id = np.zeros(k + 2, dtype=np.int32)
    packed = len(keys) > 0
    record = len(row_line) > 0
    used = word_end[row - 1] if k == 1 and row > 0 else 0
    seen = 0
    lines = 0
    while pos < end:
        nf, nxt = _split_line(buf, pos, fields_start, fields_end, k + 2)
        if nf == 0:
            pos = nxt
            lines += 1
            continue
        if buf[fields_start[0]] == _BACKSLASH:
            break
        if nf < k + 1 or nf > k + 2:
            return 4, pos, lines, seen
        if nf == k + 2 and k == order:
            return 11, pos, lines, seen
        if seen == limit:
            return 2, pos, lines, seen
        value, ok = parse_float(buf, fields_start[0], fields_end[0])
        if not ok or np.isnan(value):
            return 5, pos, lines, seen
        if value > 0:
            return 6, pos, lines, seen
        logprob[row] = value
        if nf == k + 2:
            value, ok = parse_float(buf, fields_start[k + 1], fields_end[k + 1])
            if not ok or np.isnan(value):
                return 7, pos, lines, seen
            backoff[row] = value
        key = np.int64(0)
        dropped = False
        for f in range(1, k + 1):
            ws = fields_start[f]
            length = fields_end[f] - ws
            found = -1
            if seen > 0 and k > 1:
                pw = prev_id[f]
                if word_end[pw] - word_start[pw] == length and _same_word(pool, word_start[pw], buf, ws, length):
                    found = pw
            if found < 0:
                slot = hash_bytes(buf, ws, ws + length) & mask
                while True:
                    wid = table[slot]
                    if wid < 0:
                        break
                    if word_end[wid] - word_start[wid] == length and _same_word(pool, word_start[wid], buf, ws,
                                                                                length):
                        found = wid
                        break
                    slot = (slot + np.uint64(1)) & mask
                if k == 1:
                    if found >= 0:
                        return 8, pos, lines, seen
                    table[slot] = row
                    word_start[row] = used
                    for b in range(length):
                        pool[used + b] = buf[ws + b]
                    used += length
                    word_end[row] = used
                    found = row
                elif found < 0:
                    return 9, pos, lines, seen
                prev_id[f] = found
            if k > 1:
                wid = mapping[found]
                if packed:
                    dropped = dropped or wid < 0
                    key = (key << bits) | wid
                else:
                    rows[row, f - 1] = wid
        if packed:
            keys[row] = _DROPPED if dropped else key
        if record:
            row_line[row] = line + lines
        seen += 1
        row += 1
        lines += 1
        pos = nxt
    return 0, pos, lines, seen


@njit(cache=True)
def _count_lines(buf, start, end):
    """(lines holding something other than blanks, newlines) in buf[start:end]."""
    lines = 0
    newlines = 0
    blank = True
    for i in range(start, end):
        c = buf[i]
        if c == _NL:
            newlines += 1
            if not blank:
                lines += 1
            blank = True
        elif c != _SPACE and c != _TAB and c != _CR:
            blank = False
    return lines + (0 if blank else 1), newlines


@njit(cache=True)
def _rehash_words(pool, word_start, word_end, n, table, mask):
    """Enter words 0..n-1 (their bytes in pool) into the empty open-addressing table, as
    _parse_body enters 1-grams."""
    for w in range(n):
        slot = hash_bytes(pool, word_start[w], word_end[w]) & mask
        while table[slot] >= 0:
            slot = (slot + np.uint64(1)) & mask
        table[slot] = w


def _grown(values, size, fill=None):
    """`values` in an array of `size` (>= its length) rows, the rest unset (or `fill`)."""
    grown = np.empty((size,) + values.shape[1:], dtype=values.dtype)
    if fill is not None:
        grown[len(values):] = fill
    grown[:len(values)] = values
    return grown


def _sort_order(ids, values):
    """Sort rows of `ids` lexicographically, permuting the parallel `values` alike."""
    if len(ids) < 2 or is_sorted_rows(ids):
        return ids, values, None
    k = ids.shape[1]
    bits = max(1, int(ids.max()).bit_length())
    if bits * k <= 63:
        key = np.zeros(len(ids), dtype=np.int64)
        for j in range(k):
            key = (key << bits) | ids[:, j].astype(np.int64)
        perm = np.argsort(key, kind="stable")
    else:
        perm = np.lexsort(ids.T[::-1])
    return np.ascontiguousarray(ids[perm]), [v[perm] for v in values], perm


# Sorting packed keys in place, carrying one or two float32 arrays along (`second` may be empty).

@njit(cache=True)
def _keys_sorted(keys):
    for i in range(1, len(keys)):
        if keys[i] < keys[i - 1]:
            return False
    return True


@njit(cache=True)
def _swap(keys, first, second, i, j):
    keys[i], keys[j] = keys[j], keys[i]
    first[i], first[j] = first[j], first[i]
    if len(second):
        second[i], second[j] = second[j], second[i]


@njit(cache=True)
def _partition(keys, first, second, lo, hi):
    """Hoare partition of [lo, hi) (at least 2 rows) around a median of three: returns p, lo < p
    < hi, with keys[lo:p] <= keys[p:hi]."""
    last = hi - 1
    mid = lo + (last - lo) // 2
    if keys[mid] < keys[lo]:
        _swap(keys, first, second, mid, lo)
    if keys[last] < keys[lo]:
        _swap(keys, first, second, last, lo)
    if keys[last] < keys[mid]:
        _swap(keys, first, second, last, mid)
    pivot = keys[mid]
    i = lo - 1
    j = hi
    while True:
        i += 1
        while keys[i] < pivot:
            i += 1
        j -= 1
        while keys[j] > pivot:
            j -= 1
        if i >= j:
            return j + 1
        _swap(keys, first, second, i, j)


_SHORT_RANGE = 24  # ranges up to this long are sorted by insertion


@njit(cache=True)
def _sort_keys(keys, first, second, lo, hi):
    """Sort [lo, hi) in place: quicksort, the shorter side first, insertion sort for short ranges."""
    stack = np.empty((128, 2), dtype=np.int64)
    depth = 0
    while True:
        if hi - lo > _SHORT_RANGE:
            p = _partition(keys, first, second, lo, hi)
            if p - lo < hi - p:
                stack[depth, 0], stack[depth, 1] = p, hi
                hi = p
            else:
                stack[depth, 0], stack[depth, 1] = lo, p
                lo = p
            depth += 1
            continue
        for i in range(lo + 1, hi):
            j = i
            while j > lo and keys[j] < keys[j - 1]:
                _swap(keys, first, second, j, j - 1)
                j -= 1
        if depth == 0:
            return
        depth -= 1
        lo, hi = stack[depth, 0], stack[depth, 1]


@njit(cache=True)
def _first_duplicate_key(keys, n):
    """Index of the first of keys[:n] (sorted) equal to its predecessor, or -1."""
    for i in range(1, n):
        if keys[i] == keys[i - 1]:
            return i
    return -1


@njit(cache=True)
def _unpack_keys(flat, keys, k, bits, n):
    """Rows of k ids from the first n packed keys, written over them: flat is the int32 memory
    of the rows, keys its first 8n bytes. Row i (from the last) covers bytes from 4ki >= 8i on,
    so it overwrites only keys already unpacked."""
    mask = (np.int64(1) << bits) - 1
    for i in range(n - 1, -1, -1):
        key = keys[i]
        for j in range(k - 1, -1, -1):
            flat[i * k + j] = np.int32(key & mask)
            key >>= bits


PARALLEL_SORT_ROWS = 1 << 16


def _sort_keys_in_place(keys, first, second):
    """Sort packed keys, carrying first and second along; on every core for a large table."""
    if _keys_sorted(keys):
        return
    cores = available_cores()
    if cores < 2 or len(keys) < PARALLEL_SORT_ROWS:
        _sort_keys(keys, first, second, 0, len(keys))
        return
    ranges = [(0, len(keys))]
    while len(ranges) < cores:
        ranges.sort(key=lambda r: r[1] - r[0])
        lo, hi = ranges.pop()
        p = _partition(keys, first, second, lo, hi)
        ranges += [(lo, p), (p, hi)]
    with ThreadPoolExecutor(max_workers=cores, thread_name_prefix="ngramkit-arpa") as pool:
        list(pool.map(lambda r: _sort_keys(keys, first, second, r[0], r[1]), ranges))


# Input in blocks of whole lines.

BLOCK_BYTES = 1 << 23  # input is parsed by blocks of about this size (a mapped block's pages are given back after it)


def _mapped(stream, path):
    """A read-only memory map of a plain file, or None (compressed, stdin, empty or a pipe)."""
    if str(path) == "-" or type(stream) is not io.BufferedReader:
        return None
    try:
        return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


def _line_blocks(path):
    """Yield (raw, buf, start, end): raw[start:end] is a block of whole lines (bytes or a memory
    map, both with find), buf the uint8 array of raw. A mapped block's pages are given back
    when the next block is asked for (the page cache keeps them)."""
    with open_input(path) as stream:
        mapped = _mapped(stream, path)
        if mapped is None:
            carry = b""
            for block in read_blocks(stream, path, BLOCK_BYTES):
                data = carry + block
                cut = data.rfind(b"\n") + 1
                carry = data[cut:]
                if cut:
                    yield data, np.frombuffer(data, dtype=np.uint8), 0, cut
            if carry:
                yield carry, np.frombuffer(carry, dtype=np.uint8), 0, len(carry)
            return
        buf = np.frombuffer(mapped, dtype=np.uint8)
        size, start, released = len(mapped), 0, 0
        while start < size:
            end = mapped.find(b"\n", min(start + BLOCK_BYTES, size) - 1)
            end = size if end < 0 else end + 1
            yield mapped, buf, start, end
            upto = end // mmap.PAGESIZE * mmap.PAGESIZE
            if upto > released:
                mapped.madvise(mmap.MADV_DONTNEED, released, upto - released)
                released = upto
            start = end
        del buf
        try:
            mapped.close()
        except BufferError:  # an array of the caller's still sees it: it goes with that array
            pass


_DATA_RE = re.compile(rb"^[ \t]*\\data\\[ \t]*\r?$", re.M)
_COUNT_RE = re.compile(rb"^ngram[ \t]+(\d+)[ \t]*=[ \t]*(\d+)$")


class _Header:
    """The `\\data\\` block: its n-gram counts, read from the blocks until the first section."""

    def __init__(self, path):
        self.path = path
        self.counts = []
        self.data_line = None
        self.line = 1  # of the next block

    def feed(self, raw, buf, pos, end, line):
        """(pos, line) of the first section's header when it is in raw[pos:end], else None."""
        if self.data_line is None:
            match = _DATA_RE.search(raw, pos, end)
            if match is None:
                self.line = line + _count_lines(buf, pos, end)[1]
                return None
            line += _count_lines(buf, pos, match.start())[1]
            self.data_line = line
            pos, line = match.end() + 1, line + 1
        while pos < end:
            eol = raw.find(b"\n", pos, end)
            eol = end if eol < 0 else eol
            text = raw[pos:eol].strip()
            if text.startswith(b"\\"):
                if not self.counts:
                    raise FormatError("\\data\\ section announces no n-grams", self.path, self.data_line)
                return pos, line
            if text:
                m = _COUNT_RE.match(text)
                if m is None:
                    raise FormatError(f"expected 'ngram K=N' in \\data\\, got {text[:60]!r}", self.path, line)
                k, n = int(m.group(1)), int(m.group(2))
                if k != len(self.counts) + 1:
                    raise FormatError(f"expected 'ngram {len(self.counts) + 1}=N', got order {k}", self.path, line)
                self.counts.append(n)
            pos, line = eol + 1, line + 1
        self.line = line
        return None

    def missing_body(self):
        """The error of a file that ends inside (or before) the `\\data\\` block."""
        if self.data_line is None:
            return FormatError("no \\data\\ line: not an ARPA file", self.path)
        if not self.counts:
            return FormatError("\\data\\ section announces no n-grams", self.path, self.data_line)
        return FormatError(_ERRORS[1].format(k=1), self.path, max(1, self.line - 1))


class _Duplicate(Exception):
    """A duplicate n-gram of order `order`, whose line a second reading finds."""

    def __init__(self, order):
        super().__init__(order)
        self.order = order


# The lines of a section in one block are parsed in pieces on every core from this size on.
PARALLEL_PARSE_BYTES = 1 << 22
MIN_PIECE_BYTES = 1 << 20


STREAM_ROWS = 1 << 20  # rows of an order handed to a sink at most at once (a block of input holds fewer)


class _Stopped(Exception):
    """The sink of `stream_arpa` wants no more n-grams."""


def warn_on_stderr(message):
    """The reader's default for its warnings: one line on stderr."""
    sys.stderr.write(message + "\n")


class _Sections:
    """The sections of an ARPA file, parsed block by block into the arrays of the model, or with
    a `sink` (see `stream_arpa`) into arrays of at most STREAM_ROWS rows handed to it.

    The arrays of an order are sized from the count the \\data\\ section announces for it. A
    section may hold fewer n-grams, or more (files written by hand or by SRILM's
    make-hiddens-lm do): as SRILM's Ngram::read, the reader takes what the section holds and,
    at `\\end\\`, warns of each order whose count differs. More rows than announced grow the
    arrays twofold at a time (a streamed order hands its rows on instead)."""

    def __init__(self, path, counts, vocab, limit_vocab, record_order, encoding, sink=None, warn=warn_on_stderr,
                 checked_orders=None, row_order=False):
        self.path = path
        self.row_order = row_order  # keep each order's file order of its rows (model.row_order)
        self.sink = sink
        self.warn = warn
        self.checked_orders = checked_orders
        self.read_counts = []  # the n-grams each finished section held
        self.kept_counts = []  # of those, the n-grams kept (not left out by limit_vocab), before merging
        self.merging = False  # two 1-grams name one word (aliases, lowercasing): their n-grams merge
        self.encoding = encoding
        self.counts = counts
        self.order = len(counts)
        self.vocab = vocab
        self.limit_vocab = limit_vocab
        self.record_order = record_order  # the order whose rows' line numbers are kept
        n1 = counts[0]
        self._word_table(n1)
        self.word_start = np.zeros(n1, dtype=np.int64)
        self.word_end = np.zeros(n1, dtype=np.int64)
        self.word_line = np.zeros(n1, dtype=np.int64)
        self.pool = np.empty(0, dtype=np.uint8)
        self.mapping = np.empty(0, dtype=np.int32)
        self.bits = 0
        self.model = None
        self.k = 1  # the section being read, or whose header comes next
        self.in_header = True
        self.done = False
        self.fields = (np.empty(2, dtype=np.int64), np.empty(2, dtype=np.int64))

    def _word_table(self, rows):
        """An empty hash table of the 1-grams' words for up to `rows` words (at most half full)."""
        capacity = 16
        while capacity < 2 * rows:
            capacity *= 2
        self.mask = np.uint64(capacity - 1)
        self.table = np.full(capacity, -1, dtype=np.int32)

    def error(self, code, line):
        return FormatError(_ERRORS[code].format(k=self.k), self.path, line)

    def feed(self, raw, buf, pos, end, line):
        """Parse raw[pos:end], whole lines from line number `line`; returns the next line's number."""
        while pos < end and not self.done:
            if self.in_header:
                nf, nxt = _split_line(buf, pos, *self.fields, 1)
                if nf:
                    start, stop = self.fields[0][0], self.fields[1][0]
                    if self.k > self.order:
                        if nf == 1 and _is_end(buf, start, stop):
                            self.done = True
                            self._warn_of_counts(line)
                            break
                        raise self.error(10, line)
                    if nf != 1 or not _is_header(buf, start, stop, self.k):
                        raise self.error(1, line)
                    self._start_section(line)
                pos, line = nxt, line + 1
                continue
            pos, line = self._parse_lines(raw, buf, pos, end, line)
            if pos < end:  # at a line that starts with a backslash: the section is over
                self._finish_section()
        return line

    def _warn_of_counts(self, line):
        """At the `\\end\\` line: SRILM's warning for each order whose section held another
        number of n-grams than the \\data\\ section announces."""
        checked = self.read_counts[:self.checked_orders]
        for k, (read, announced) in enumerate(zip(checked, self.counts), 1):
            if read != announced:
                self.warn(f"{self.path}: line {line}: warning: {read} {k}-grams read, expected {announced}")

    def finish(self, line):
        """At the end of the input (line: one past the last line)."""
        if self.done:
            return
        last = max(1, line - 1)
        if not self.in_header:
            self.k += 1
        raise self.error(10 if self.k > self.order else 1, last)

    def _start_section(self, line):
        k, n = self.k, self.counts[self.k - 1]
        self.header_line = line
        self.in_header = False
        self.seen = 0
        self.handed = 0  # rows before self.rows[0]: given to the sink
        if self.sink is not None and k > 1:
            n = min(n, STREAM_ROWS)
        self.rows = np.empty((n, k), dtype=np.int32) if k > 1 else np.empty((0, 1), dtype=np.int32)
        self.logprob = np.empty(n, dtype=np.float32)
        self.backoff = np.full(n, np.nan, dtype=np.float32) if k < self.order else np.empty(0, dtype=np.float32)
        # 1-grams naming one word make n-grams of one word twice over: those are merged from the
        # rows in file order (the in-place sort of packed keys keeps no permutation: row_order sorts
        # the rows instead)
        self.packed = (1 < k != self.record_order and self.bits * k <= _KEY_BITS and self.sink is None
                       and not self.merging and not self.row_order)
        self.keys = self.rows.reshape(-1)[:2 * n].view(np.int64) if self.packed else np.empty(0, dtype=np.int64)
        if k == 1:
            self.row_line = self.word_line
        elif k == self.record_order:
            self.row_line = np.zeros(n, dtype=np.int64)
        else:
            self.row_line = np.empty(0, dtype=np.int64)

    def _arrays(self):
        return (self.rows, self.keys, self.bits, self.logprob, self.backoff, self.table, self.mask, self.pool,
                self.word_start, self.word_end, self.mapping, self.row_line)

    def _room(self):
        """How many more rows the section's arrays take."""
        return self.handed + len(self.logprob) - self.seen

    def _grow(self, rows):
        """Arrays of the section with room for at least `rows` rows, twice their size or more (a
        streamed order's at most STREAM_ROWS): its rows so far kept, and for the 1-grams a
        larger word table."""
        size = max(16, 2 * len(self.logprob), rows)
        k = self.k
        if self.sink is not None and k > 1:
            size = max(rows, min(size, STREAM_ROWS))
        self.logprob = _grown(self.logprob, size)
        if k < self.order:
            self.backoff = _grown(self.backoff, size, np.nan)
        if k == 1:
            self.word_start = _grown(self.word_start, size)
            self.word_end = _grown(self.word_end, size)
            self.word_line = self.row_line = _grown(self.word_line, size)
            if len(self.table) < 2 * size:
                self._word_table(size)
                _rehash_words(self.pool, self.word_start, self.word_end, self.seen, self.table, self.mask)
            return
        # the packed keys are the first bytes of the rows' memory: copied with it
        rows = np.empty((size, k), dtype=np.int32)
        rows.reshape(-1)[:self.rows.size] = self.rows.reshape(-1)
        self.rows = rows
        if self.packed:
            self.keys = rows.reshape(-1)[:2 * size].view(np.int64)
        if len(self.row_line):
            self.row_line = _grown(self.row_line, size)

    def _parse_lines(self, raw, buf, pos, end, line):
        k = self.k
        streamed = self.sink is not None and k > 1
        if k == 1:
            self._reserve_pool(end - pos)
        else:
            if streamed:
                self._hand_rows()
            if end - pos >= PARALLEL_PARSE_BYTES and available_cores() > 1:
                parsed = self._parse_in_pieces(raw, buf, pos, end, line)
                if parsed is not None:
                    pos, line = parsed
        while True:
            code, pos, lines, seen = _parse_body(buf, pos, end, k, self.order, self._room(), self.seen - self.handed,
                                                 line, *self._arrays())
            self.seen += seen
            line += lines
            if code == _FULL:  # the arrays are full, the section is not
                if streamed and len(self.logprob) >= STREAM_ROWS:
                    self._hand_rows()
                else:
                    self._grow(self.seen - self.handed + 1)
                continue
            if code:
                raise self.error(code, line)
            return pos, line

    def _hand_rows(self):
        """Give the rows parsed since the last call to the sink."""
        n = self.seen - self.handed
        if n == 0:
            return
        ids, logprob = self.rows[:n], self.logprob[:n]
        backoff = self.backoff[:n] if self.k < self.order else None
        if self.limit_vocab:
            keep = (ids >= 0).all(axis=1)
            if not keep.all():
                ids, logprob = np.ascontiguousarray(ids[keep]), logprob[keep]
                backoff = None if backoff is None else backoff[keep]
        if not self.sink.rows(self.k, ids, logprob, backoff):
            raise _Stopped
        self.handed = self.seen
        if self.k < self.order:
            self.backoff[:] = np.nan

    def _parse_in_pieces(self, raw, buf, pos, end, line):
        """Parse the section's lines in raw[pos:end] in byte pieces on every core: count each
        piece's lines, then parse each into its rows. (pos, line) after them, or None when
        anything is unexpected (the one-thread parse then reads them and names the error)."""
        at = raw.find(b"\n\\", pos, end)
        stop = end if at < 0 else at + 1
        cores = available_cores()
        piece_bytes = max(MIN_PIECE_BYTES, (stop - pos) // (4 * cores))
        pieces = []
        start = pos
        while start < stop:
            cut = raw.find(b"\n", min(start + piece_bytes, stop) - 1, stop)
            cut = stop if cut < 0 else cut + 1
            pieces.append((start, cut))
            start = cut
        k, order, arrays = self.k, self.order, self._arrays()
        with ThreadPoolExecutor(max_workers=cores, thread_name_prefix="ngramkit-arpa") as pool:
            counted = list(pool.map(lambda piece: _count_lines(buf, piece[0], piece[1]), pieces))
            total = sum(n for n, _ in counted)
            if total > self._room():
                if self.sink is not None:
                    return None
                self._grow(self.seen - self.handed + total)
                arrays = self._arrays()
            jobs = []
            row = self.seen - self.handed
            for (start, cut), (n, newlines) in zip(pieces, counted):
                jobs.append((start, cut, n, row, line))
                row += n
                line += newlines

            def parse(job):
                start, cut, n, first_row, first_line = job
                code, stop_at, _, seen = _parse_body(buf, start, cut, k, order, n, first_row, first_line, *arrays)
                return code == 0 and seen == n and stop_at >= cut

            if not all(pool.map(parse, jobs)):
                return None
        self.seen += total
        return stop, line

    def _reserve_pool(self, nbytes):
        """Room in the word pool for `nbytes` more bytes of 1-gram words."""
        used = int(self.word_end[self.seen - 1]) if self.seen else 0
        if len(self.pool) < used + nbytes:
            pool = np.empty(max(used + nbytes, 2 * len(self.pool)), dtype=np.uint8)
            pool[:used] = self.pool[:used]
            self.pool = pool

    def _finish_section(self):
        """Put the order's rows in their final, sorted form; the next section comes next."""
        k = self.k
        self.read_counts.append(self.seen)
        if self.seen - self.handed < len(self.logprob) and (self.sink is None or k == 1):
            self._fit_rows()
        if k == 1:
            self._make_vocabulary()
            rows = self.mapping.reshape(-1, 1).copy()
            read = rows[rows[:, 0] >= 0, 0]
            if self.merging:  # a word named again keeps its first place
                read = read[np.sort(np.unique(read, return_index=True)[1])]
            self.model.unigram_order = read
        else:
            rows = self.rows
        if self.sink is not None:
            if k == 1:
                if self.merging:  # the sink takes distinct n-grams: the model reader merges them
                    raise _Stopped
                if not self.sink.begin(self.counts, self.model.vocab):
                    raise _Stopped
                self.rows = rows
            self._hand_rows()
        else:
            values = [self.logprob] + ([self.backoff] if k < self.order else [])
            if self.packed:
                rows, values = self._sorted_packed(rows, values)
            else:
                rows, values = self._sorted_rows(rows, values)
            if self.row_order and k > 1:
                self.model.row_order.append(self.file_order)
            self.model.ngrams.append(rows)
            self.model.logprob.append(values[0])
            if k < self.order:
                self.model.backoff.append(values[1])
        del self.rows, self.keys, self.logprob, self.backoff, self.row_line
        self.k += 1
        self.in_header = True

    def _fit_rows(self):
        """The arrays of a section that held fewer rows than they were made for, cut to its rows."""
        n = self.seen
        self.logprob = self.logprob[:n].copy()
        if self.k < self.order:
            self.backoff = self.backoff[:n].copy()
        if self.k == 1:
            self.word_start, self.word_end = self.word_start[:n].copy(), self.word_end[:n].copy()
            self.word_line = self.word_line[:n].copy()
            return
        self.rows = self.rows[:n].copy()  # k >= 2 ids a row: its first n rows hold the n packed keys
        if self.packed:
            self.keys = self.rows.reshape(-1)[:2 * n].view(np.int64)
        if len(self.row_line):
            self.row_line = self.row_line[:n]

    def _sorted_packed(self, rows, values):
        n = len(rows)
        keys = self.keys
        _sort_keys_in_place(keys, values[0], values[1] if len(values) > 1 else np.empty(0, dtype=np.float32))
        kept = int(np.searchsorted(keys, _DROPPED)) if self.limit_vocab else n
        self.kept_counts.append(kept)
        if _first_duplicate_key(keys, kept) >= 0:
            raise _Duplicate(self.k)
        _unpack_keys(rows.reshape(-1), keys, self.k, self.bits, kept)
        if kept < n:
            return rows[:kept], [v[:kept] for v in values]
        return rows, values

    def _sorted_rows(self, rows, values):
        keep = None
        if self.limit_vocab:
            keep = (rows >= 0).all(axis=1)
            if keep.all():
                keep = None
            else:
                rows = np.ascontiguousarray(rows[keep])
                values = [v[keep] for v in values]
        self.kept_counts.append(len(rows))
        rows, values, perm = _sort_order(rows, values)
        self.file_order = None if perm is None else _inverse(perm)
        dup = first_duplicate_row(rows)
        if dup >= 0 and self.merging:
            self.file_order = None  # merged rows have no one line
            return merged_duplicate_rows(rows, values)
        if dup >= 0:
            if self.k != self.record_order:
                raise _Duplicate(self.k)
            original = int(perm[dup]) if perm is not None else dup
            if keep is not None:
                original = int(np.flatnonzero(keep)[original])
            raise FormatError(f"duplicate {self.k}-gram", self.path, int(self.row_line[original]))
        return rows, [np.ascontiguousarray(v) for v in values]

    def _make_vocabulary(self):
        """The vocabulary, once the 1-grams are read, and each 1-gram's id in it (mapping)."""
        n1 = self.seen
        used = int(self.word_end[n1 - 1]) if n1 else 0
        self.pool = self.pool[:used].copy()
        if self.vocab is None and not self.limit_vocab and self.encoding in ("utf-8", BYTES):
            # The words are their bytes: the vocabulary holds them so, without a str per word.
            if self.encoding == "utf-8":
                try:
                    # a newline between the words, so that no word's bytes end in another's
                    np.insert(self.pool, self.word_end[:-1], np.uint8(10)).tobytes().decode("utf-8")
                except UnicodeDecodeError:
                    self._decoded_words()  # names the word's line
            vocab, self.mapping = Vocabulary.of_bytes(self.pool, self.word_start, self.word_end)
        else:
            arpa_words = self._decoded_words()  # an alias among them is read as its word (vocab.ids)
            vocab, self.mapping = reading_vocabulary(arpa_words, self.vocab, self.limit_vocab)
            named = self.mapping[self.mapping >= 0]
            self.merging = len(np.unique(named)) < len(named)
        self.bits = max(1, (len(vocab) - 1).bit_length())
        self.model = NgramModel(vocab, row_order=[] if self.row_order else None, read_sizes=self.kept_counts)

    def _decoded_words(self):
        """The 1-grams' words (str) in file order; EncodingError at the first that does not decode."""
        data = self.pool.tobytes()
        codec, errors = ("utf-8", "surrogateescape") if self.encoding == BYTES else (self.encoding, "strict")
        try:
            return [data[s:e].decode(codec, errors) for s, e in zip(self.word_start.tolist(), self.word_end.tolist())]
        except UnicodeDecodeError:
            bad = next(i for i, (s, e) in enumerate(zip(self.word_start.tolist(), self.word_end.tolist()))
                       if not _valid(data[s:e], codec))
            name = "UTF-8" if codec == "utf-8" else codec
            raise EncodingError(f"invalid {name} in a word", self.path, int(self.word_line[bad])) from None
        except LookupError:
            raise EncodingError(f"unknown encoding {self.encoding!r}", self.path) from None


def _inverse(perm):
    """The inverse of the permutation `perm` (int32 where the rows' count fits)."""
    inverse = np.empty(len(perm), dtype=np.int32 if len(perm) <= np.iinfo(np.int32).max else np.int64)
    inverse[perm] = np.arange(len(perm), dtype=inverse.dtype)
    return inverse


def _read(path, vocab, limit_vocab, record_order, encoding, sink=None, warn=warn_on_stderr, checked_orders=None,
          row_order=False):
    header = _Header(path)
    sections = None
    line = 1
    for raw, buf, pos, end in _line_blocks(path):
        if sections is None:
            body = header.feed(raw, buf, pos, end, line)
            if body is None:
                line = header.line
                continue
            pos, line = body
            release_compiler_code()  # the header's kernels have set Numba up; the n-grams' memory comes next
            sections = _Sections(path, header.counts, vocab, limit_vocab, record_order, encoding, sink, warn,
                                 checked_orders, row_order)
        line = sections.feed(raw, buf, pos, end, line)
    if sections is None:
        raise header.missing_body()
    sections.finish(line)
    return sections.model


def header_counts(path):
    """The number of n-grams of each order the `\\data\\` block of an ARPA file announces, read
    without going further into the file."""
    header = _Header(path)
    line = 1
    for raw, buf, pos, end in _line_blocks(path):
        if header.feed(raw, buf, pos, end, line) is not None:
            return header.counts
        line = header.line
    raise header.missing_body()


def unigram_line(path, word):
    """The line number of `word`'s 1-gram in an ARPA file (None: it has none), the file read up
    to that line."""
    target = word.encode("utf-8", "surrogateescape")
    in_unigrams = False
    with open_input(path) as stream:
        for number, line in enumerate(stream, 1):
            fields = line.split()
            if not in_unigrams:
                in_unigrams = fields == [b"\\1-grams:"]
            elif fields and fields[0].startswith(b"\\"):
                return None
            elif len(fields) >= 2 and fields[1] == target:
                return number
    return None


def read_arpa(path, vocab=None, limit_vocab=False, encoding="utf-8", warn=warn_on_stderr, checked_orders=None,
              row_order=False):
    """Read an ARPA file (plain or compressed, `-` for stdin) into an `NgramModel`.

    The vocabulary is the ARPA's words plus `vocab`'s; with `limit_vocab`, it is
    `vocab` alone and n-grams holding other words are dropped (vocab.reading_vocabulary,
    as SRILM: without `vocab`, only `<s>`, `</s>`, `<unk>` and `-pau-` are kept). `encoding`: of the
    words; `bytes` takes them as they are (see textio.word_text). A section holding
    another number of n-grams than the \\data\\ section announces is read as it is, and
    `warn` (a callable of one line) gets SRILM's warning of it: `PATH: line N: warning:
    X k-grams read, expected Y`, N the line of `\\end\\`; with `checked_orders`, only for
    the orders up to it (SRILM's -order: it skips the sections above). With `row_order`,
    the model keeps the order of each section's lines (`NgramModel.row_order`), which
    KenLM's probing build follows; an order whose lines are not sorted costs an index a row.
    """
    try:
        return _read(path, vocab, limit_vocab, 0, encoding, warn=warn, checked_orders=checked_orders,
                     row_order=row_order)
    except _Duplicate as duplicate:
        order = duplicate.order
    if str(path) == "-":
        raise FormatError(f"duplicate {order}-gram", path)
    # A second reading keeps the line numbers of that order's rows, to name the duplicate's line.
    _read(path, vocab, limit_vocab, order, encoding, warn=warn, checked_orders=checked_orders)
    raise FormatError(f"duplicate {order}-gram", path)


def stream_arpa(path, sink, vocab=None, limit_vocab=False, encoding="utf-8", warn=warn_on_stderr,
                checked_orders=None):
    """Read an ARPA file as `read_arpa` does (the same vocabulary, the same errors), but hand
    its n-grams to `sink` as they are parsed instead of building a model: the memory of the
    model is never held. Order by order, in file order:

    - sink.begin(counts, vocab) once the 1-grams are read: the \\data\\ counts (a section may
      hold more n-grams or fewer: see read_arpa, and `warn`), the vocabulary;
    - sink.rows(k, ids, logprob, backoff) for each run of at most STREAM_ROWS k-grams: ids an
      (n, k) int32 array of word ids, backoff NaN where the file has none, None at the highest
      order. The arrays are reused afterwards. Rows holding a word outside `vocab` are dropped
      (`limit_vocab`). Duplicate n-grams are not checked: that is the sink's part.

    A call that returns false stops the reading. Returns whether the file was read to its end.
    """
    try:
        _read(path, vocab, limit_vocab, 0, encoding, sink, warn, checked_orders)
    except _Stopped:
        return False
    return True


def _valid(raw, codec):
    try:
        raw.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


@njit(cache=True)
def _format_section(ids, logprob, backoff, has_backoff, pool, offsets, precision, out):
    """Format one order's lines `logprob<TAB>w1 w2<TAB>backoff` into out; returns the length.

    precision: digits of %g, or 0 for the shortest text that reads back as the same float32
    (then every line with has_backoff gets a backoff column, 0 where none is stored)."""
    out = borrowed(out)
    pos = 0
    k = ids.shape[1]
    for i in range(ids.shape[0]):
        # field 0 is the log probability, field 1 the backoff weight
        for field in range(2):
            if field == 0:
                value = logprob[i]
            else:
                out[pos] = _TAB
                pos += 1
                for j in range(k):
                    if j:
                        out[pos] = _SPACE
                        pos += 1
                    w = ids[i, j]
                    for b in range(offsets[w], offsets[w + 1]):
                        out[pos] = pool[b]
                        pos += 1
                value = backoff[i]
                if not has_backoff or (precision > 0 and np.isnan(value)):
                    break
                out[pos] = _TAB
                pos += 1
                if np.isnan(value):
                    value = np.float32(0.0)
            pos = format_value(float(value), precision, out, pos)
        out[pos] = _NL
        pos += 1
    return pos


_ROWS_PER_CHUNK = 1 << 18


def srilm_line_order(rows):
    """The order in which SRILM writes the sorted k-gram `rows` (Ngram::writeWithOrder): its
    context trie holds contexts newest word first, so it writes by w(k-1), then w(k-2) .. w1,
    then wk, words compared as byte strings (the order of the ids). For k <= 2 that is the
    rows' own order (None); above, a stable sort of the rows by w(k-1) .. w2 gives it."""
    k = rows.shape[1]
    if k <= 2:
        return None
    return _context_first_order(rows)


@njit(cache=True)
def _context_first_order(rows):
    """srilm_line_order of k >= 3: stable counting sorts of the row numbers by w2, then w3 ..
    w(k-1). Row numbers are int32: 4 bytes a row (8 from the second pass on) where a general
    sort's int64 indices and temporaries took more."""
    n, k = rows.shape
    words = 1
    for r in range(n):
        for j in range(1, k - 1):
            words = max(words, rows[r, j] + 1)
    counts = np.empty(words + 1, dtype=np.int64)
    order = np.empty(0, dtype=np.int32)  # before the first pass: the rows' own order
    for j in range(1, k - 1):
        counts[:] = 0
        for r in range(n):
            counts[rows[r, j] + 1] += 1
        for w in range(words):
            counts[w + 1] += counts[w]
        out = np.empty(n, dtype=np.int32)
        for i in range(n):
            r = order[i] if j > 1 else i
            w = rows[r, j]
            out[counts[w]] = r
            counts[w] += 1
        order = out
    return order


@njit(cache=True)
def _text_bound(ids, word_len):
    """An upper bound of the bytes _format_section writes for the rows `ids`: their words, and
    per line a separator after each word and two numbers of at most 24 bytes."""
    total = 0
    for i in range(ids.shape[0]):
        for j in range(ids.shape[1]):
            total += word_len[ids[i, j]]
    return total + ids.shape[0] * (ids.shape[1] + 2 * 24)


def _format_chunks(model, precision, srilm_order):
    """The text of every n-gram line, order by order, as (order, chunk buffer) in file order
    (SRILM's line order if `srilm_order`, else the rows' order); a buffer is reused once the
    next chunk is asked for. Chunks are formatted in threads (compiled code runs without the
    GIL), a few ahead of the writer, into buffers kept from chunk to chunk: a fresh buffer per
    chunk cost a page fault per page and the kernel's zeroing of it. The pages a chunk read of
    memory-mapped tables are handed back once it is done."""
    pool, offsets = model.vocab.byte_pool()
    word_len = np.diff(offsets)
    order = model.order
    free = []  # buffers whose text is written

    def format_chunk(k, lo, hi, line_order, buffer):
        picked = slice(lo, hi) if line_order is None else line_order[lo:hi]
        ids = model.ngrams[k - 1][picked]
        has_backoff = k < order
        logprob = model.logprob[k - 1][picked]
        backoff = model.backoff[k - 1][picked] if has_backoff else logprob
        size = _text_bound(ids, word_len)
        if buffer is None or len(buffer) < size:
            buffer = np.empty(size, dtype=np.uint8)
        used = _format_section(ids, logprob, backoff, has_backoff, pool, offsets, precision, buffer)
        release(ids, logprob, backoff)
        return buffer, used

    cores = available_cores()
    with ThreadPoolExecutor(max_workers=cores) as threads:
        pending = []
        for k in range(1, order + 1):
            line_order = srilm_line_order(model.ngrams[k - 1]) if srilm_order else None
            rows = len(model.ngrams[k - 1])
            for lo in range(0, rows, _ROWS_PER_CHUNK):
                pending.append((k, threads.submit(format_chunk, k, lo, min(lo + _ROWS_PER_CHUNK, rows),
                                                  line_order, free.pop() if free else None)))
                if len(pending) > 2 * cores:
                    k_done, future = pending.pop(0)
                    buffer, used = future.result()
                    yield k_done, buffer[:used]
                    free.append(buffer)
        for k_done, future in pending:
            buffer, used = future.result()
            yield k_done, buffer[:used]


def write_arpa(model, path, style="srilm", trailer=b""):
    """Write `model` as an ARPA file (compressed by the name's extension; `-` for stdout);
    `trailer`: bytes after the `\\end\\` line (a skip model's skip probabilities).

    style "srilm": `%.7g` values, a backoff column only where one is stored, the lines in
    SRILM's order (srilm_line_order: the rows' order up to 2-grams).
    style "kenlm": shortest float32 text, a backoff column on every line below
    the highest order (0 where none is stored), the lines in the rows' order.
    """
    if style not in ("srilm", "kenlm"):
        raise ValueError(f"unknown ARPA style {style!r}")
    precision = 0 if style == "kenlm" else 7
    with atomic_output(path) as out:
        header = ["", "\\data\\"] + [f"ngram {k}={n}" for k, n in enumerate(model.sizes(), 1)]
        out.write(("\n".join(header) + "\n").encode())
        written = 0  # the orders whose section header is out
        for k, text in _format_chunks(model, precision, srilm_order=style == "srilm"):
            while written < k:
                written += 1
                out.write(f"\n\\{written}-grams:\n".encode())
            out.write(text)
        while written < model.order:
            written += 1
            out.write(f"\n\\{written}-grams:\n".encode())
        out.write(b"\n\\end\\\n")
        out.write(trailer)
