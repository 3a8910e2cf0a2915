"""ARPA back-off model files: reading into and writing from `NgramModel`.

Both directions run in compiled code over one byte buffer: tokenising, word
interning (an open-addressing hash table), number parsing and formatting. A
Python call per n-gram would make an 11M-n-gram file take minutes.
"""

import re

import numpy as np

from .errors import EncodingError, FormatError
from .jit import njit
from .model import NgramModel
from .numfmt import ascii_bytes, format_value, parse_float
from .textio import atomic_output, open_input, read_blocks
from .vocab import Vocabulary

_SPACE, _TAB, _CR, _NL, _BACKSLASH = 32, 9, 13, 10, 92

# Error codes of the compiled parser; messages say what the line should hold.
_ERRORS = {
    1: "expected section header \\{k}-grams:",
    2: "more {k}-grams than the \\data\\ section announces",
    3: "fewer {k}-grams than the \\data\\ section announces",
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
def hash_bytes(buf, start, end):
    h = np.uint64(14695981039346656037)
    for i in range(start, end):
        h = (h ^ np.uint64(buf[i])) * np.uint64(1099511628211)
    return h


@njit(cache=True)
def same_bytes(buf, a, b, length):
    for i in range(length):
        if buf[a + i] != buf[b + i]:
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
    """Split the line at pos on blanks (space, tab, CR) into at most `limit` fields, in one pass.
    Returns (number of fields, or limit + 1 if there are more; start of the next line)."""
    n = len(buf)
    i = pos
    nf = 0
    while True:
        while i < n and (buf[i] == _SPACE or buf[i] == _TAB or buf[i] == _CR):
            i += 1
        if i >= n or buf[i] == _NL:
            break
        if nf == limit:
            nf += 1
            while i < n and buf[i] != _NL:
                i += 1
            break
        fields_start[nf] = i
        while i < n and buf[i] != _SPACE and buf[i] != _TAB and buf[i] != _CR and buf[i] != _NL:
            i += 1
        fields_end[nf] = i
        nf += 1
    return nf, (i + 1 if i < n else n)


@njit(cache=True)
def _parse_section(buf, pos, k, order, expected, row, id_pos, flat_ids, logprob, backoff, table, mask,
                   word_start, word_end, fields_start, fields_end, prev_id):
    """Parse the `\\k-grams:` section at pos (blank lines first are skipped).

    Returns (error_code, error_pos, pos after the section, row, id_pos). Words of the 1-grams
    enter the hash table; a later word is looked up, unless it repeats the word in the same
    field of the previous line, as it mostly does in a sorted file.
    """
    n = len(buf)
    nf = 0
    nxt = pos
    while nf == 0:
        if pos >= n:
            return 1, pos, pos, row, id_pos
        nf, nxt = _split_line(buf, pos, fields_start, fields_end, k + 2)
        if nf == 0:
            pos = nxt
    if nf != 1 or not _is_header(buf, fields_start[0], fields_end[0], k):
        return 1, pos, pos, row, id_pos
    header_pos = pos
    pos = nxt
    seen = 0
    prev_line = -1  # no previous line in this section
    while pos < n:
        line = pos
        nf, nxt = _split_line(buf, pos, fields_start, fields_end, k + 2)
        if nf == 0:
            pos = nxt
            continue
        if buf[fields_start[0]] == _BACKSLASH:
            break
        if nf < k + 1 or nf > k + 2:
            return 4, line, pos, row, id_pos
        if nf == k + 2 and k == order:
            return 11, line, pos, row, id_pos
        if seen == expected:
            return 2, line, pos, row, id_pos
        value, ok = parse_float(buf, fields_start[0], fields_end[0])
        if not ok or np.isnan(value):
            return 5, line, pos, row, id_pos
        if value > 0:
            return 6, line, pos, row, id_pos
        logprob[row] = value
        if nf == k + 2:
            value, ok = parse_float(buf, fields_start[k + 1], fields_end[k + 1])
            if not ok or np.isnan(value):
                return 7, line, pos, row, id_pos
            backoff[row] = value
        for f in range(1, k + 1):
            ws = fields_start[f]
            length = fields_end[f] - ws
            if prev_line >= 0 and k > 1:
                pw = prev_id[f]
                if word_end[pw] - word_start[pw] == length and same_bytes(buf, word_start[pw], ws, length):
                    flat_ids[id_pos] = pw
                    id_pos += 1
                    continue
            slot = hash_bytes(buf, ws, ws + length) & mask
            found = -1
            while True:
                wid = table[slot]
                if wid < 0:
                    break
                if word_end[wid] - word_start[wid] == length and same_bytes(buf, word_start[wid], ws, length):
                    found = wid
                    break
                slot = (slot + np.uint64(1)) & mask
            if k == 1:
                if found >= 0:
                    return 8, line, pos, row, id_pos
                table[slot] = seen
                word_start[seen] = ws
                word_end[seen] = ws + length
                found = seen
            elif found < 0:
                return 9, line, pos, row, id_pos
            flat_ids[id_pos] = found
            prev_id[f] = found
            id_pos += 1
        prev_line = line
        seen += 1
        row += 1
        pos = nxt
    if seen < expected:
        return 3, header_pos, pos, row, id_pos
    return 0, 0, pos, row, id_pos


@njit(cache=True)
def _parse_body(buf, pos, counts):
    """Parse the n-gram sections and `\\end\\` that start at byte `pos`.

    Returns (error_code, error_pos, error_order, flat_ids, logprob, backoff,
    word_start, word_end). Words get ids in order of appearance in the 1-grams;
    flat_ids holds order 1's ids, then order 2's rows, and so on.
    """
    order = len(counts)
    n_ids = 0
    total = 0
    for k in range(order):
        n_ids += counts[k] * (k + 1)
        total += counts[k]
    flat_ids = np.empty(n_ids, dtype=np.int32)
    logprob = np.empty(total, dtype=np.float32)
    backoff = np.full(total, np.nan, dtype=np.float32)
    n_words = counts[0]
    capacity = 16
    while capacity < 2 * n_words:
        capacity *= 2
    mask = np.uint64(capacity - 1)
    table = np.full(capacity, -1, dtype=np.int32)
    word_start = np.empty(n_words, dtype=np.int64)
    word_end = np.empty(n_words, dtype=np.int64)
    fields_start = np.empty(order + 2, dtype=np.int64)
    fields_end = np.empty(order + 2, dtype=np.int64)
    prev_id = np.zeros(order + 2, dtype=np.int32)
    row = 0
    id_pos = 0
    code = 0
    err_pos = 0
    err_order = 0
    for k in range(1, order + 1):
        code, err_pos, pos, row, id_pos = _parse_section(
            buf, pos, k, order, counts[k - 1], row, id_pos, flat_ids, logprob, backoff, table, mask,
            word_start, word_end, fields_start, fields_end, prev_id)
        if code:
            err_order = k
            break
    if code == 0:
        # After the last section: `\\end\\` must follow (blank lines allowed).
        code, err_pos, err_order = 10, len(buf), order
        while pos < len(buf):
            nf, nxt = _split_line(buf, pos, fields_start, fields_end, 1)
            if nf:
                if nf == 1 and _is_end(buf, fields_start[0], fields_end[0]):
                    code = 0
                else:
                    err_pos = pos
                break
            pos = nxt
    return code, err_pos, err_order, flat_ids, logprob, backoff, word_start, word_end

@njit(cache=True)
def _is_sorted_rows(ids):
    for i in range(1, ids.shape[0]):
        for j in range(ids.shape[1]):
            if ids[i, j] != ids[i - 1, j]:
                if ids[i, j] < ids[i - 1, j]:
                    return False
                break
    return True


@njit(cache=True)
def _first_duplicate_row(ids):
    """Index of the first row equal to its predecessor in sorted rows, or -1."""
    for i in range(1, ids.shape[0]):
        same = True
        for j in range(ids.shape[1]):
            if ids[i, j] != ids[i - 1, j]:
                same = False
                break
        if same:
            return i
    return -1


@njit(cache=True)
def _remap_rows(ids, mapping, keep):
    """Map ids in place through `mapping`; rows with an unmapped (-1) word get keep=False."""
    any_dropped = False
    for i in range(ids.shape[0]):
        for j in range(ids.shape[1]):
            m = mapping[ids[i, j]]
            if m < 0:
                keep[i] = False
                any_dropped = True
            ids[i, j] = m
    return any_dropped


@njit(cache=True)
def _entry_offset(buf, pos, index):
    """Byte offset of the index-th n-gram line after the section header at pos."""
    fields = np.empty(1, dtype=np.int64)
    _, pos = _split_line(buf, pos, fields, fields, 0)
    seen = 0
    while pos < len(buf):
        nf, nxt = _split_line(buf, pos, fields, fields, 0)
        if nf:
            if seen == index:
                return pos
            seen += 1
        pos = nxt
    return len(buf)


def _sort_order(ids, values):
    """Sort rows of `ids` lexicographically, permuting the parallel `values` alike."""
    if len(ids) < 2 or _is_sorted_rows(ids):
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


def _read_bytes(path):
    with open_input(path) as stream:
        return b"".join(read_blocks(stream, path))


_DATA_RE = re.compile(rb"^[ \t]*\\data\\[ \t]*\r?$", re.M)
_COUNT_RE = re.compile(rb"^ngram[ \t]+(\d+)[ \t]*=[ \t]*(\d+)$")


def _line_of(data, offset):
    """1-based line number of a byte offset; the end of the file counts as its last line."""
    return data.count(b"\n", 0, min(offset, len(data) - 1)) + 1


def _parse_header(data, path):
    """Return (counts, offset of the first section) from the `\\data\\` block."""
    match = _DATA_RE.search(data)
    if match is None:
        raise FormatError("no \\data\\ line: not an ARPA file", path)
    pos = match.end() + 1
    counts = []
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        line = data[pos:end].strip()
        if line.startswith(b"\\"):
            break
        if line:
            m = _COUNT_RE.match(line)
            if m is None:
                raise FormatError(f"expected 'ngram K=N' in \\data\\, got {line[:60]!r}", path, _line_of(data, pos))
            k, n = int(m.group(1)), int(m.group(2))
            if k != len(counts) + 1:
                raise FormatError(f"expected 'ngram {len(counts) + 1}=N', got order {k}", path, _line_of(data, pos))
            counts.append(n)
        pos = end + 1
    if not counts:
        raise FormatError("\\data\\ section announces no n-grams", path, _line_of(data, match.start()))
    return np.array(counts, dtype=np.int64), pos


def read_arpa(path, vocab=None, limit_vocab=False):
    """Read an ARPA file (plain or compressed, `-` for stdin) into an `NgramModel`.

    The vocabulary is the ARPA's words plus `vocab`'s; with `limit_vocab`, it is
    `vocab` alone and n-grams holding other words are dropped.
    """
    data = _read_bytes(path)
    counts, body = _parse_header(data, path)
    buf = np.frombuffer(data, dtype=np.uint8)
    code, err_pos, err_order, flat_ids, logprob, backoff, word_start, word_end = _parse_body(buf, body, counts)
    if code:
        message = _ERRORS[code].format(k=err_order)
        raise FormatError(message, path, _line_of(data, err_pos))
    try:
        arpa_words = [data[s:e].decode("utf-8") for s, e in zip(word_start.tolist(), word_end.tolist())]
    except UnicodeDecodeError:
        bad = next(s for s, e in zip(word_start.tolist(), word_end.tolist()) if not _valid_utf8(data[s:e]))
        raise EncodingError("invalid UTF-8 in a word", path, _line_of(data, bad)) from None
    if vocab is None:
        vocab = Vocabulary(arpa_words)
    elif not limit_vocab:
        vocab = Vocabulary(list(vocab.words) + arpa_words)
    mapping = vocab.ids(arpa_words, unknown=-1)

    model = NgramModel(vocab)
    order = len(counts)
    id_pos = 0
    row = 0
    for k in range(1, order + 1):
        n = int(counts[k - 1])
        ids = flat_ids[id_pos:id_pos + n * k].reshape(n, k)
        values = [logprob[row:row + n]]
        if k < order:
            values.append(backoff[row:row + n])
        keep = np.ones(n, dtype=np.bool_)
        if _remap_rows(ids, mapping, keep):
            ids = np.ascontiguousarray(ids[keep])
            values = [v[keep] for v in values]
        ids, values, perm = _sort_order(ids, values)
        dup = _first_duplicate_row(ids)
        if dup >= 0:
            original = int(perm[dup]) if perm is not None else dup
            if not keep.all():
                original = int(np.flatnonzero(keep)[original])
            header = _section_offset(buf, body, k)
            raise FormatError(f"duplicate {k}-gram", path, _line_of(data, _entry_offset(buf, header, original)))
        model.ngrams.append(ids)
        model.logprob.append(np.ascontiguousarray(values[0]))
        if k < order:
            model.backoff.append(np.ascontiguousarray(values[1]))
        id_pos += n * k
        row += n
    return model


def _valid_utf8(raw):
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _section_offset(buf, pos, k):
    """Byte offset of the `\\k-grams:` line (the file was already parsed, so it exists)."""
    starts, ends = np.empty(2, dtype=np.int64), np.empty(2, dtype=np.int64)
    while pos < len(buf):
        nf, nxt = _split_line(buf, pos, starts, ends, 1)
        if nf == 1 and _is_header(buf, starts[0], ends[0], k):
            return pos
        pos = nxt
    return len(buf)


@njit(cache=True)
def _format_section(ids, logprob, backoff, has_backoff, pool, offsets, precision, out):
    """Format one order's lines `logprob<TAB>w1 w2<TAB>backoff` into out; returns the length.

    precision: digits of %g, or 0 for the shortest text that reads back as the same float32
    (then every line with has_backoff gets a backoff column, 0 where none is stored)."""
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


_ROWS_PER_CHUNK = 1 << 20


def write_arpa(model, path, style="srilm"):
    """Write `model` as an ARPA file (compressed by the name's extension; `-` for stdout).

    style "srilm": `%.7g` values, a backoff column only where one is stored.
    style "kenlm": shortest float32 text, a backoff column on every line below
    the highest order (0 where none is stored).
    """
    if style not in ("srilm", "kenlm"):
        raise ValueError(f"unknown ARPA style {style!r}")
    precision = 0 if style == "kenlm" else 7
    pool, offsets = model.vocab.byte_pool()
    word_len = np.diff(offsets)
    order = model.order
    with atomic_output(path) as out:
        header = ["", "\\data\\"] + [f"ngram {k}={n}" for k, n in enumerate(model.sizes(), 1)]
        out.write(("\n".join(header) + "\n").encode())
        for k in range(1, order + 1):
            out.write(f"\n\\{k}-grams:\n".encode())
            ids = model.ngrams[k - 1]
            has_backoff = k < order
            backoff = model.backoff[k - 1] if has_backoff else model.logprob[k - 1]
            for lo in range(0, len(ids), _ROWS_PER_CHUNK):
                hi = min(lo + _ROWS_PER_CHUNK, len(ids))
                chunk = ids[lo:hi]
                size = int(word_len[chunk].sum()) + (hi - lo) * (k + 2 * 24)
                buffer = np.empty(size, dtype=np.uint8)
                used = _format_section(chunk, model.logprob[k - 1][lo:hi], backoff[lo:hi], has_backoff,
                                       pool, offsets, precision, buffer)
                out.write(buffer[:used].tobytes())
        out.write(b"\n\\end\\\n")
