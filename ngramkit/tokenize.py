"""Turning text bytes into int32 word ids in compiled code.

`Interner` keeps an exact open-addressing hash table over a byte pool (collisions
are resolved by comparing bytes, so two words never share an id). Ids here are
provisional, in order of first appearance; `Interner.words()` lists them so that
the caller can build the sorted Vocabulary and remap.

A line holds tokens separated by spaces, tabs and CRs (constants.WORD_SEPARATORS:
a form feed or vertical tab is part of a word, as in SRILM and lmplz). Lines without
words are skipped. Each kept line becomes its tokens followed by the separator -1 in
the output stream, so no n-gram window ever spans two sentences.
"""

import numpy as np

from .constants import hash_bytes, is_word_separator
from .errors import FormatError
from .jit import borrowed, njit
from .textio import word_text
from .vocab import BOS, EOS, UNK

PROV_BOS, PROV_EOS, PROV_UNK = 0, 1, 2

# Kernel status codes.
DONE, GROW, BAD_COUNT = 0, 1, 2


@njit(cache=True)
def _intern(buf, start, end, table, hashes, pool, starts, lens, state):
    """Id of buf[start:end], adding it if new. state = [n_words, pool_used]."""
    h = hash_bytes(buf, start, end)
    mask = len(table) - 1
    slot = np.int64(h & np.uint64(mask))
    length = end - start
    while True:
        wid = table[slot]
        if wid < 0:
            break
        if hashes[wid] == h and lens[wid] == length:
            s = starts[wid]
            same = True
            for j in range(length):
                if pool[s + j] != buf[start + j]:
                    same = False
                    break
            if same:
                return wid
        slot = (slot + 1) & mask
    wid = state[0]
    state[0] += 1
    table[slot] = wid
    hashes[wid] = h
    s = state[1]
    starts[wid] = s
    lens[wid] = length
    for j in range(length):
        pool[s + j] = buf[start + j]
    state[1] += length
    return wid


@njit(cache=True)
def _rehash(table, hashes, n_words):
    mask = len(table) - 1
    for wid in range(n_words):
        slot = np.int64(hashes[wid] & np.uint64(mask))
        while table[slot] >= 0:
            slot = (slot + 1) & mask
        table[slot] = wid


@njit(cache=True)
def _parse_count(buf, start, end):
    """Non-negative integer in buf[start:end], or -1 if it is not one."""
    if end - start > 18:
        return -1
    value = np.int64(0)
    for i in range(start, end):
        d = buf[i] - 48
        if d < 0 or d > 9:
            return -1
        value = value * 10 + d
    return value


@njit(cache=True)
def _tokenize(buf, pos, table, hashes, pool, starts, lens, state,
              out, n_out, line_counts, n_lines, add_sos, add_eos, count_lines, empty_lines, max_words,
              long_lines, n_long, stop_at_long):
    """Tokenize whole lines of buf from pos.

    Text mode writes tokens (with <s>/</s> added as SRILM does) and a separator
    per line into out; a blank line is passed over unless `empty_lines` (with
    <s> and </s> added: KenLM's sentence of no words), and so is a line of more than
    `max_words` tokens (0: no limit), its words left out of the table too and its ordinal
    among the lines read by this call put in long_lines. Count mode (count_lines) writes a line's words then a
    separator, and its last field, parsed as a count, into line_counts; a line of more than
    `max_words` fields (its count among them) is passed over as in text mode, and with
    `stop_at_long` ends the reading there, as it ends SRILM's reading of a count file.
    Returns (status, pos, n_out, n_lines, lines_done, n_long) where lines_done counts
    every line read (blank ones too), so the caller can name a bad line.
    """
    buf, table, hashes, pool = borrowed(buf), borrowed(table), borrowed(hashes), borrowed(pool)
    starts, lens, state = borrowed(starts), borrowed(lens), borrowed(state)
    n = len(buf)
    capacity = len(hashes)
    lines_done = 0
    while pos < n:
        eol = pos
        while eol < n and buf[eol] != 10:
            eol += 1
        width = eol - pos
        # Room for the worst case of this line: every other byte starts a new word.
        if (state[0] + width // 2 + 4 > capacity // 2 or state[1] + width > len(pool)
                or n_out + width // 2 + 4 > len(out) or n_lines >= len(line_counts)):
            return GROW, pos, n_out, n_lines, lines_done, n_long
        first = n_out
        words_before, pool_before = state[0], state[1]
        # Reserve the <s> slot; given back below if the line starts with <s> itself.
        if add_sos and not count_lines:
            out[n_out] = 0
            n_out += 1
        i = pos
        last_start = -1
        last_end = -1
        while i < eol:
            while i < eol and is_word_separator(buf[i]):
                i += 1
            if i >= eol:
                break
            s = i
            while i < eol and not is_word_separator(buf[i]):
                i += 1
            if count_lines:
                if last_start >= 0:
                    out[n_out] = _intern(buf, last_start, last_end, table, hashes, pool, starts, lens, state)
                    n_out += 1
                last_start = s
                last_end = i
            else:
                out[n_out] = _intern(buf, s, i, table, hashes, pool, starts, lens, state)
                n_out += 1
        lines_done += 1
        if count_lines:
            if last_start < 0:
                pos = eol + 1
                continue
            if max_words and n_out - first + 1 > max_words:
                _forget_words(table, hashes, words_before, state)
                state[1] = pool_before
                long_lines[n_long] = lines_done - 1
                n_long += 1
                n_out = first
                pos = n if stop_at_long else eol + 1
                continue
            count = _parse_count(buf, last_start, last_end)
            if count < 0 or n_out == first:
                return BAD_COUNT, pos, first, n_lines, lines_done, n_long
            line_counts[n_lines] = count
            n_lines += 1
            out[n_out] = -1
            n_out += 1
        else:
            if max_words and n_out - first - (1 if add_sos else 0) > max_words:
                _forget_words(table, hashes, words_before, state)
                state[1] = pool_before
                long_lines[n_long] = lines_done - 1
                n_long += 1
                n_out = first
                pos = eol + 1
                continue
            if add_sos:
                if n_out == first + 1 and not (empty_lines and add_eos):
                    n_out = first
                    pos = eol + 1
                    continue
                if n_out > first + 1 and out[first + 1] == 0:
                    for j in range(first + 1, n_out):
                        out[j - 1] = out[j]
                    n_out -= 1
            elif n_out == first:
                pos = eol + 1
                continue
            if add_eos and out[n_out - 1] != 1:
                out[n_out] = 1
                n_out += 1
            out[n_out] = -1
            n_out += 1
            n_lines += 1
        pos = eol + 1
    return DONE, pos, n_out, n_lines, lines_done, n_long


@njit(cache=True)
def _forget_words(table, hashes, n_words, state):
    """Take the words of ids n_words and up out of the table (state[0] back to n_words). Each
    took a slot that was empty when there were n_words, so emptying their slots leaves the
    table as it was then."""
    mask = len(table) - 1
    for wid in range(n_words, state[0]):
        slot = np.int64(hashes[wid] & np.uint64(mask))
        while table[slot] != wid:
            slot = (slot + 1) & mask
        table[slot] = -1
    state[0] = n_words


class Interner:
    """Growing word table shared by all blocks of one input."""

    def __init__(self, capacity=1 << 16):
        self.table = np.full(2 * capacity, -1, dtype=np.int32)
        self.hashes = np.zeros(capacity, dtype=np.uint64)
        self.starts = np.zeros(capacity, dtype=np.int64)
        self.lens = np.zeros(capacity, dtype=np.int32)
        self.pool = np.zeros(16 * capacity, dtype=np.uint8)
        self.state = np.zeros(2, dtype=np.int64)
        self.long_lines = np.zeros(0, dtype=np.int64)  # of the last tokenize call (its max_words)
        for word in (BOS, EOS, UNK):
            data = np.frombuffer(word.encode(), dtype=np.uint8)
            _intern(data, 0, len(data), self.table, self.hashes, self.pool,
                    self.starts, self.lens, self.state)

    def __len__(self):
        return int(self.state[0])

    def _grow(self, need_pool):
        n = len(self)
        capacity = 2 * len(self.hashes)
        for name in ("hashes", "starts", "lens"):
            old = getattr(self, name)
            new = np.zeros(capacity, dtype=old.dtype)
            new[:n] = old[:n]
            setattr(self, name, new)
        pool = np.zeros(max(2 * len(self.pool), int(self.state[1]) + need_pool), dtype=np.uint8)
        pool[: self.state[1]] = self.pool[: self.state[1]]
        self.pool = pool
        self.table = np.full(2 * capacity, -1, dtype=np.int32)
        _rehash(self.table, self.hashes, n)

    def words(self):
        """Provisional id -> word, as a list of str (textio.word_text)."""
        pool = self.pool.tobytes()
        return [word_text(pool[s:s + l]) for s, l in zip(self.starts[: len(self)].tolist(),
                                                         self.lens[: len(self)].tolist())]

    def tokenize(self, block, add_sos=True, add_eos=True, count_lines=False, path=None, first_line=1,
                 empty_lines=False, max_words=0, stop_at_long=False):
        """Tokens of a block of whole lines: (int32 stream with -1 after each line, int64 counts).

        The counts are those of count-file lines (count_lines=True), else empty. `empty_lines`:
        see _tokenize. A line of more than `max_words` tokens (0: no limit; a count line's count
        among them) is passed over, its words not added; `long_lines` then holds the line numbers
        of those passed over. `stop_at_long`: the first such count line ends the block.
        """
        buf = np.frombuffer(block, dtype=np.uint8)
        out = np.empty(len(buf) // 2 + 16, dtype=np.int32)
        line_counts = np.empty(len(buf) // 4 + 16 if count_lines else 0, dtype=np.int64)
        # a line of more than max_words words takes at least 2 * max_words + 1 bytes
        long_lines = np.empty(len(buf) // (2 * max_words + 1) + 1 if max_words else 0, dtype=np.int64)
        pos = n_out = n_lines = n_long = 0
        lines_done = 0
        while True:
            long_before = n_long
            status, pos, n_out, n_lines, done, n_long = _tokenize(
                buf, pos, self.table, self.hashes, self.pool, self.starts, self.lens, self.state,
                out, n_out, line_counts, n_lines, add_sos, add_eos, count_lines, empty_lines, max_words,
                long_lines, n_long, stop_at_long)
            long_lines[long_before:n_long] += first_line + lines_done
            lines_done += done
            if status == DONE:
                self.long_lines = long_lines[:n_long]
                return out[:n_out], line_counts[:n_lines]
            if status == BAD_COUNT:
                raise FormatError("expected words followed by a non-negative integer count",
                                  path, first_line + lines_done - 1)
            eol = block.find(b"\n", pos)
            width = (len(block) if eol < 0 else eol) - pos
            if n_out + width // 2 + 4 > len(out):
                out = np.concatenate([out[:n_out], np.empty(width // 2 + len(out), dtype=np.int32)])
            if n_lines >= len(line_counts):
                line_counts = np.concatenate([line_counts, np.empty(len(line_counts) + 16, dtype=np.int64)])
            while (len(self) + width // 2 + 4 > len(self.hashes) // 2
                   or self.state[1] + width > len(self.pool)):
                self._grow(width)
