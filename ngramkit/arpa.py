"""ARPA back-off model files: reading into and writing from `NgramModel`.

Both directions run in compiled code over one byte buffer: tokenising, word
interning (an open-addressing hash table), number parsing and formatting. A
Python call per n-gram would make an 11M-n-gram file take minutes.
"""

import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .constants import hash_bytes
from .errors import EncodingError, FormatError
from .jit import available_cores, njit
from .model import NgramModel
from .numfmt import ascii_bytes, format_value, parse_float
from .spill import release
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
    """Split the line at pos on blanks (spaces, tabs, and the CRs of CRLF or other trailing
    CRs) into at most `limit` fields, in one pass. Returns (number of fields, or limit + 1 if
    there are more; start of the next line)."""
    n = len(buf)
    i = pos
    nf = 0
    while True:
        while i < n and (buf[i] == _SPACE or buf[i] == _TAB or (buf[i] == _CR and _blank_to_eol(buf, i))):
            i += 1
        if i >= n or buf[i] == _NL:
            break
        if nf == limit:
            nf += 1
            while i < n and buf[i] != _NL:
                i += 1
            break
        fields_start[nf] = i
        while i < n and buf[i] != _SPACE and buf[i] != _TAB and buf[i] != _NL and not (
                buf[i] == _CR and _blank_to_eol(buf, i)):
            i += 1
        fields_end[nf] = i
        nf += 1
    return nf, (i + 1 if i < n else n)


@njit(cache=True)
def _blank_to_eol(buf, i):
    """Is buf[i:] blank (space, tab, CR) up to the end of its line? A CR inside a line is
    part of a word, as in SRILM."""
    n = len(buf)
    while i < n and (buf[i] == _SPACE or buf[i] == _TAB or buf[i] == _CR):
        i += 1
    return i >= n or buf[i] == _NL


@njit(cache=True)
def _parse_lines(buf, pos, end, k, order, limit, row, id_pos, flat_ids, logprob, backoff, table, mask,
                 word_start, word_end):
    """Parse order-k n-gram lines from pos until `end` or a line that starts with a backslash,
    filling rows row, row + 1, ... and flat_ids from id_pos. Returns (error_code, error_pos, pos,
    lines parsed); more than `limit` lines is error 2.

    Words of the 1-grams enter the hash table; a later word is looked up, unless it repeats the
    word in the same field of the previous line, as it mostly does in a sorted file. Above the
    1-grams the table is only read, so pieces of a section can be parsed in parallel.
    """
    fields_start = np.empty(k + 2, dtype=np.int64)
    fields_end = np.empty(k + 2, dtype=np.int64)
    prev_id = np.zeros(k + 2, dtype=np.int32)
    seen = 0
    while pos < end:
        line = pos
        nf, nxt = _split_line(buf, pos, fields_start, fields_end, k + 2)
        if nf == 0:
            pos = nxt
            continue
        if buf[fields_start[0]] == _BACKSLASH:
            break
        if nf < k + 1 or nf > k + 2:
            return 4, line, pos, seen
        if nf == k + 2 and k == order:
            return 11, line, pos, seen
        if seen == limit:
            return 2, line, pos, seen
        value, ok = parse_float(buf, fields_start[0], fields_end[0])
        if not ok or np.isnan(value):
            return 5, line, pos, seen
        if value > 0:
            return 6, line, pos, seen
        logprob[row] = value
        if nf == k + 2:
            value, ok = parse_float(buf, fields_start[k + 1], fields_end[k + 1])
            if not ok or np.isnan(value):
                return 7, line, pos, seen
            backoff[row] = value
        for f in range(1, k + 1):
            ws = fields_start[f]
            length = fields_end[f] - ws
            if seen > 0 and k > 1:
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
                    return 8, line, pos, seen
                table[slot] = row
                word_start[row] = ws
                word_end[row] = ws + length
                found = row
            elif found < 0:
                return 9, line, pos, seen
            flat_ids[id_pos] = found
            prev_id[f] = found
            id_pos += 1
        seen += 1
        row += 1
        pos = nxt
    return 0, 0, pos, seen


@njit(cache=True)
def _count_lines(buf, start, end):
    """Number of lines in buf[start:end] that hold something other than blanks."""
    lines = 0
    blank = True
    for i in range(start, end):
        c = buf[i]
        if c == _NL:
            if not blank:
                lines += 1
            blank = True
        elif c != _SPACE and c != _TAB and c != _CR:
            blank = False
    return lines + (0 if blank else 1)


@njit(cache=True)
def _parse_body(buf, pos, counts, flat_ids, logprob, backoff, table, mask, word_start, word_end, orders):
    """Parse the sections of orders 1..`orders` from byte `pos` and, if that is all of them,
    the `\\end\\` after them, in one thread. Returns (error_code, error_pos, error_order, pos).

    flat_ids holds order 1's ids, then order 2's rows, and so on; words get ids in order of
    appearance in the 1-grams.
    """
    order = len(counts)
    fields_start = np.empty(2, dtype=np.int64)
    fields_end = np.empty(2, dtype=np.int64)
    row = 0
    id_pos = 0
    n = len(buf)
    for k in range(1, orders + 1):
        nf = 0
        while nf == 0:
            if pos >= n:
                return 1, pos, k, pos
            nf, nxt = _split_line(buf, pos, fields_start, fields_end, 1)
            if nf == 0:
                pos = nxt
        if nf != 1 or not _is_header(buf, fields_start[0], fields_end[0], k):
            return 1, pos, k, pos
        header_pos = pos
        code, err_pos, pos, seen = _parse_lines(buf, nxt, n, k, order, counts[k - 1], row, id_pos, flat_ids,
                                                logprob, backoff, table, mask, word_start, word_end)
        if code:
            return code, err_pos, k, pos
        if seen < counts[k - 1]:
            return 3, header_pos, k, pos
        row += seen
        id_pos += seen * k
    if orders < order:
        return 0, 0, 0, pos
    # After the last section: `\\end\\` must follow (blank lines allowed).
    while pos < n:
        nf, nxt = _split_line(buf, pos, fields_start, fields_end, 1)
        if nf:
            if nf == 1 and _is_end(buf, fields_start[0], fields_end[0]):
                return 0, 0, 0, pos
            return 10, pos, order, pos
        pos = nxt
    return 10, n, order, pos


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


class _Sections:
    """The arrays the sections of an ARPA file are parsed into (see _parse_body)."""

    def __init__(self, counts):
        self.flat_ids = np.empty(int(sum(n * k for k, n in enumerate(counts.tolist(), 1))), dtype=np.int32)
        self.logprob = np.empty(int(counts.sum()), dtype=np.float32)
        self.backoff = np.full(int(counts.sum()), np.nan, dtype=np.float32)
        capacity = 16
        while capacity < 2 * counts[0]:
            capacity *= 2
        self.mask = np.uint64(capacity - 1)
        self.table = np.full(capacity, -1, dtype=np.int32)
        self.word_start = np.empty(counts[0], dtype=np.int64)
        self.word_end = np.empty(counts[0], dtype=np.int64)

    def arrays(self):
        return (self.flat_ids, self.logprob, self.backoff, self.table, self.mask, self.word_start,
                self.word_end)


# Below this size a file is parsed in one thread; no piece is smaller.
PARALLEL_PARSE_BYTES = 1 << 24
MIN_PIECE_BYTES = 1 << 20


def _parse_sections(data, buf, body, counts, path):
    """(flat_ids, logprob, backoff, word_start, word_end) of the sections that start at `body`.

    The 1-grams are parsed first; the higher orders, in pieces on every core, when the file is
    large. Anything unexpected sends the whole file through the one-thread parser, whose error
    names the line."""
    sections = _Sections(counts)
    order = len(counts)
    cores = available_cores()
    if cores > 1 and order > 1 and len(data) >= PARALLEL_PARSE_BYTES:
        code, _, _, pos = _parse_body(buf, body, counts, *sections.arrays(), 1)
        if code == 0 and _parse_in_pieces(data, buf, pos, counts, sections, cores):
            return sections.flat_ids, sections.logprob, sections.backoff, sections.word_start, sections.word_end
        del sections
        sections = _Sections(counts)
    code, err_pos, err_order, _ = _parse_body(buf, body, counts, *sections.arrays(), order)
    if code:
        raise FormatError(_ERRORS[code].format(k=err_order), path, _line_of(data, err_pos))
    return sections.flat_ids, sections.logprob, sections.backoff, sections.word_start, sections.word_end


_BLANKS = b" \t\r"  # what the compiled parser skips around fields


def _marker_line(data, pos, marker):
    """(start, end) of the first line from pos that holds `marker` alone; None if there is none."""
    at = data.find(marker, pos)
    if at < 0 or (at > 0 and data[at - 1:at] != b"\n"):
        return None
    end = data.find(b"\n", at)
    end = len(data) if end < 0 else end
    return None if data[at + len(marker):end].strip(_BLANKS) else (at, end)


def _parse_in_pieces(data, buf, pos, counts, sections, cores):
    """Parse orders 2.. from pos (where the 1-grams ended) in byte pieces on `cores` threads:
    count each piece's lines, then parse each into its rows. False if the file is laid out
    otherwise than expected."""
    order = len(counts)
    ranges = []  # (k, start, end) of each section's lines
    for k in range(2, order + 1):
        line = _marker_line(data, pos, b"\\%d-grams:" % k)
        if line is None or (k == 2 and data[pos:line[0]].strip(_BLANKS + b"\n")):
            return False
        if ranges:
            ranges[-1][2] = line[0]
        ranges.append([k, line[1] + 1, -1])
        pos = line[1] + 1
    last = data.rfind(b"\n\\end\\") + 1
    if last <= 0 or last < ranges[-1][1] or _marker_line(data, last, b"\\end\\") is None:
        return False
    ranges[-1][2] = last
    total = sum(end - start for _, start, end in ranges)
    piece_bytes = max(MIN_PIECE_BYTES, total // (4 * cores))
    pieces = []
    for k, start, end in ranges:
        while start < end:
            cut = data.find(b"\n", min(start + piece_bytes, end) - 1)
            cut = end if cut < 0 or cut + 1 > end else cut + 1
            pieces.append((k, start, cut))
            start = cut
    with ThreadPoolExecutor(max_workers=cores, thread_name_prefix="ngramkit-arpa") as pool:
        lines = list(pool.map(lambda piece: _count_lines(buf, piece[1], piece[2]), pieces))
        rows = np.zeros(order + 1, dtype=np.int64)
        for (k, _, _), n in zip(pieces, lines):
            rows[k] += n
        if not np.array_equal(rows[2:], counts[1:]):
            return False
        first_row = np.concatenate([[0], np.cumsum(counts)])
        first_id = np.concatenate([[0], np.cumsum(counts * np.arange(1, order + 1))])
        jobs = []
        row = {k: int(first_row[k - 1]) for k in range(2, order + 1)}
        for (k, start, end), n in zip(pieces, lines):
            id_pos = int(first_id[k - 1]) + (row[k] - int(first_row[k - 1])) * k
            jobs.append((k, start, end, n, row[k], id_pos))
            row[k] += n

        def parse(job):
            k, start, end, n, first, id_pos = job
            code, _, stop, seen = _parse_lines(buf, start, end, k, order, n, first, id_pos, *sections.arrays())
            return code == 0 and seen == n and stop >= end

        return all(pool.map(parse, jobs))


def read_arpa(path, vocab=None, limit_vocab=False):
    """Read an ARPA file (plain or compressed, `-` for stdin) into an `NgramModel`.

    The vocabulary is the ARPA's words plus `vocab`'s; with `limit_vocab`, it is
    `vocab` alone and n-grams holding other words are dropped.
    """
    data = _read_bytes(path)
    counts, body = _parse_header(data, path)
    buf = np.frombuffer(data, dtype=np.uint8)
    flat_ids, logprob, backoff, word_start, word_end = _parse_sections(data, buf, body, counts, path)
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


_ROWS_PER_CHUNK = 1 << 18


def _format_chunks(model, precision):
    """The text of every n-gram line, order by order, as (order, chunk buffer) in file order.
    Chunks are formatted in threads (compiled code runs without the GIL), a few ahead of the
    writer; the pages a chunk read of memory-mapped tables are handed back once it is done."""
    pool, offsets = model.vocab.byte_pool()
    word_len = np.diff(offsets)
    order = model.order

    def format_chunk(k, lo, hi):
        ids = model.ngrams[k - 1][lo:hi]
        has_backoff = k < order
        logprob = model.logprob[k - 1][lo:hi]
        backoff = model.backoff[k - 1][lo:hi] if has_backoff else logprob
        buffer = np.empty(int(word_len[ids].sum()) + (hi - lo) * (k + 2 * 24), dtype=np.uint8)
        used = _format_section(ids, logprob, backoff, has_backoff, pool, offsets, precision, buffer)
        release(ids, logprob, backoff)
        return buffer[:used]

    cores = available_cores()
    with ThreadPoolExecutor(max_workers=cores) as threads:
        pending = []
        for k in range(1, order + 1):
            rows = len(model.ngrams[k - 1])
            for lo in range(0, rows, _ROWS_PER_CHUNK):
                pending.append((k, threads.submit(format_chunk, k, lo, min(lo + _ROWS_PER_CHUNK, rows))))
                if len(pending) > 2 * cores:
                    k_done, future = pending.pop(0)
                    yield k_done, future.result()
        for k_done, future in pending:
            yield k_done, future.result()


def write_arpa(model, path, style="srilm"):
    """Write `model` as an ARPA file (compressed by the name's extension; `-` for stdout).

    style "srilm": `%.7g` values, a backoff column only where one is stored.
    style "kenlm": shortest float32 text, a backoff column on every line below
    the highest order (0 where none is stored).
    """
    if style not in ("srilm", "kenlm"):
        raise ValueError(f"unknown ARPA style {style!r}")
    precision = 0 if style == "kenlm" else 7
    with atomic_output(path) as out:
        header = ["", "\\data\\"] + [f"ngram {k}={n}" for k, n in enumerate(model.sizes(), 1)]
        out.write(("\n".join(header) + "\n").encode())
        written = 0  # the orders whose section header is out
        for k, text in _format_chunks(model, precision):
            while written < k:
                written += 1
                out.write(f"\n\\{written}-grams:\n".encode())
            out.write(text)
        while written < model.order:
            written += 1
            out.write(f"\n\\{written}-grams:\n".encode())
        out.write(b"\n\\end\\\n")
