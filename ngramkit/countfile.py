"""Count files in SRILM's format: `w1 w2 ... wk<TAB>count`, one n-gram per line.

Counts are non-negative integers, or with `float_counts` (SRILM's `-float-counts`) decimal
numbers, parsed correctly rounded as C's `%lf` parses them and written as `%.16g`
(FloatCount_Precision).

Written in SRILM's `-sort` order: depth first through the n-gram trie, words in
byte order, so every n-gram is followed by its extensions. Formatting is
compiled; Python only moves full buffers to the file.
"""

import sys

import numpy as np

from .constants import MAX_NGRAM_ORDER, is_word_separator
from .counting import listed_words, unk_seen_in
from .errors import EmptyInputError, FormatError
from .jit import borrowed, njit
from .model import NgramCounts, count_dtype
from .numfmt import put_uint
from .sorting import merge_tables, merged_size, sort_and_sum
from .tables import context_starts, find_rows, precedes_in_trie
from .textio import atomic_output, blank_skipped_lines, iter_line_blocks
from .tokenize import PROV_UNK, Interner
from .vocab import UNK, Vocabulary, lowercase

_BUFFER_BYTES = 1 << 23
FLOAT_COUNT_DIGITS = 16  # SRILM's FloatCount_Precision: %.16g


@njit(cache=True)
def write_words(buf, pos, row_table, i, pool, offsets):
    """The words of row i, separated by spaces; returns the new pos."""
    for c in range(row_table.shape[1]):
        if c > 0:
            buf[pos] = 32
            pos += 1
        w = row_table[i, c]
        for p in range(offsets[w], offsets[w + 1]):
            buf[pos] = pool[p]
            pos += 1
    return pos


@njit(cache=True)
def _format_counts(tables, counts, heads, pool, offsets, max_word, buf, count_text, count_len):
    """Fill buf with count lines in trie order from the heads on; returns bytes written. Counts
    are integers, or with count_text not empty the texts of fractional counts (row i of table
    k: count_text[k][i, :count_len[k][i]])."""
    tables, counts, count_text, count_len = borrowed(tables), borrowed(counts), borrowed(count_text), borrowed(count_len)
    pool, offsets, buf = borrowed(pool), borrowed(offsets), borrowed(buf)
    is_float = len(count_text[0]) > 0
    width = count_text[0].shape[1] if is_float else 20
    pos = 0
    while True:
        best = -1
        for k in range(len(tables)):
            if heads[k] < len(tables[k]) and (
                    best < 0 or precedes_in_trie(tables[k], heads[k], tables[best], heads[best])):
                best = k
        if best < 0:
            return pos
        rows = tables[best]
        i = heads[best]
        if pos + rows.shape[1] * (max_word + 1) + width + 2 > len(buf):
            return pos
        pos = write_words(buf, pos, rows, i, pool, offsets)
        buf[pos] = 9
        pos += 1
        if is_float:
            text = count_text[best]
            for j in range(count_len[best][i]):
                buf[pos + j] = text[i, j]
            pos += count_len[best][i]
        else:
            pos = put_uint(buf, pos, counts[best][i])
        buf[pos] = 10
        pos += 1
        heads[best] = i + 1


def write_counts(counts, path, orders=None):
    """Write the given orders (default all) of `counts` to `path` in trie order."""
    with atomic_output(path) as out:
        write_counts_to(counts, out, orders)


def write_counts_to(counts, out, orders=None):
    """Write the given orders (default all) of `counts` to the binary stream `out` in trie order."""
    orders = orders or range(1, counts.order + 1)
    # Tuples, not typed lists: indexing them in compiled code costs no reference counting.
    tables = tuple(np.ascontiguousarray(counts.ngrams[k - 1]) for k in orders)
    values = tuple(np.ascontiguousarray(counts.counts[k - 1]) for k in orders)
    if any(v.dtype.kind == "f" for v in values):
        # C's %.16g, exactly (compiled formatting is exact to fewer digits)
        texts = [np.char.mod(b"%%.%dg" % FLOAT_COUNT_DIGITS, v) if len(v) else np.zeros(1, dtype="S1")
                 for v in values]
        count_len = tuple(np.char.str_len(t).astype(np.int64) for t in texts)
        count_text = tuple(t.view(np.uint8).reshape(len(t), -1) for t in texts)
        width = max(t.shape[1] for t in count_text)
        count_text = tuple(np.pad(t, ((0, 0), (0, width - t.shape[1]))) for t in count_text)
        values = tuple(np.zeros(len(v), dtype=np.int64) for v in values)
    else:
        count_text = tuple(np.zeros((0, 1), dtype=np.uint8) for _ in values)
        count_len = tuple(np.zeros(0, dtype=np.int64) for _ in values)
        if len({v.dtype for v in values}) > 1:  # compiled code indexes the tuple at run time
            values = tuple(v.astype(np.int64) for v in values)
    pool, offsets = counts.vocab.byte_pool()
    max_word = int(np.max(np.diff(offsets)))
    heads = np.zeros(len(tables), dtype=np.int64)
    buf = np.empty(max(_BUFFER_BYTES, 4 * max(orders) * (max_word + 1) + 64), dtype=np.uint8)
    while True:
        n = _format_counts(tables, values, heads, pool, offsets, max_word, buf, count_text, count_len)
        if n == 0:
            break
        out.write(buf[:n].tobytes())


def _rows_by_length(tokens, line_counts, max_order):
    """Split a count-mode token stream into {k: (rows, counts)} by n-gram length."""
    ends = np.flatnonzero(tokens < 0)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    tables = {}
    for k in np.unique(lengths).tolist():
        if max_order is not None and k > max_order:
            continue
        lines = np.flatnonzero(lengths == k)
        rows = tokens[starts[lines][:, None] + np.arange(k)]
        tables[k] = (rows, line_counts[lines])
    return tables


@njit(cache=True)
def _take_count_fields(buf, spans):
    """Note the span of the last field of each non-blank line of buf in spans and overwrite it
    with `0` and blanks, so that the integer tokenizer reads the words before it. Returns (lines,
    0), or (-1, line index) of a line with no words before its last field."""
    n = len(buf)
    pos = 0
    lines = 0
    line = 0
    while pos < n:
        eol = pos
        while eol < n and buf[eol] != 10:
            eol += 1
        end = eol
        while end > pos and is_word_separator(buf[end - 1]):
            end -= 1
        if end > pos:
            start = end
            while start > pos and not is_word_separator(buf[start - 1]):
                start -= 1
            words = start
            while words > pos and is_word_separator(buf[words - 1]):
                words -= 1
            if words == pos:
                return -1, line
            spans[lines, 0] = start
            spans[lines, 1] = end
            spans[lines, 2] = line
            lines += 1
        line += 1
        pos = eol + 1
    return lines, 0


@njit(cache=True)
def _field_matrix(buf, spans, width, fields):
    """Copy each span of buf into a row of `fields` (NUL-padded to `width`), then blank it out
    of buf but for a `0`."""
    for i in range(spans.shape[0]):
        start, end = spans[i, 0], spans[i, 1]
        for j in range(width):
            fields[i, j] = buf[start + j] if start + j < end else 0
        buf[start] = 48
        for j in range(start + 1, end):
            buf[j] = 32


def _float_counts(buf, path, first_line):
    """The fractional count of each non-blank line of buf (a writable copy of a block), parsed as
    C's strtod parses it (correctly rounded), and the line's index in buf; the count fields are
    left as `0` in buf."""
    spans = np.empty((buf.size // 2 + 1, 3), dtype=np.int64)
    lines, bad = _take_count_fields(buf, spans)
    if lines < 0:
        raise FormatError("expected words followed by a count", path, first_line + bad)
    spans = spans[:lines]
    width = int((spans[:, 1] - spans[:, 0]).max(initial=1))
    fields = np.empty((lines, width), dtype=np.uint8)
    _field_matrix(buf, spans, width, fields)
    text = fields.view(f"S{width}").ravel()
    try:
        return text.astype(np.float64), spans[:, 2]
    except ValueError:
        for i, field in enumerate(text.tolist()):  # only to name the bad line
            try:
                float(field)
            except ValueError:
                raise FormatError(f"bad count {field.decode('utf-8', 'replace')!r}", path,
                                  first_line + int(spans[i, 2])) from None
        raise


def count_blocks(paths, encoding="utf-8"):
    """(block, first line number, path) of each block of whole lines of the count files `paths`."""
    for path in paths:
        for block, first_line in iter_line_blocks(path, encoding, allow_bytes=True):
            yield block, first_line, path


def read_counts(paths, order=None, vocab=None, limit_vocab=False, encoding="utf-8", float_counts=False,
                blocks=None, prefixes=True, unk_word=UNK, tolower=False, aliases=None, nonevents=(),
                stop_at_long=True):
    """Read and sum SRILM count files.

    order: ignore n-grams longer than this. vocab: a closed vocabulary; with
    limit_vocab, n-grams holding other words are dropped (SRILM -limit-vocab),
    otherwise such words become <unk>. float_counts: fractional counts, summed as float64.
    blocks: instead of `paths`, (block, first line number, path) triples of count lines (see
    count_blocks), for counts that follow other text in a file. prefixes: every prefix of a
    kept n-gram is an n-gram too, counted 0 where the files do not hold it, as in the count
    trie SRILM reads counts into (its -write writes them, its estimate counts them among their
    context's followers); False keeps the lines as they are (merging count files). unk_word,
    tolower, aliases, nonevents, stop_at_long: see counts_of_blocks.
    """
    counts = counts_of_blocks(count_blocks(paths, encoding) if blocks is None else blocks, order, vocab,
                              limit_vocab, float_counts, unk_word, encoding if tolower else None, aliases,
                              nonevents, stop_at_long)
    if counts is None:
        raise EmptyInputError("no counts in count file", ", ".join(map(str, paths)))
    if prefixes:
        add_missing_prefixes(counts)
    return counts


def add_missing_prefixes(counts):
    """Give each n-gram's prefix that is not an n-gram of `counts` a row of count 0 (in place)."""
    identity = np.arange(len(counts.vocab), dtype=np.int32)
    for k in range(counts.order, 1, -1):
        rows = counts.ngrams[k - 1]
        if not len(rows):
            continue
        heads = np.ascontiguousarray(rows[context_starts(rows, k - 1)[:-1], : k - 1])
        lower, lower_counts = counts.ngrams[k - 2], counts.counts[k - 2]
        size = merged_size(lower, identity, heads, identity)
        if size == len(lower):
            continue
        out, out_counts = np.empty((size, k - 1), dtype=np.int32), np.empty(size, dtype=lower_counts.dtype)
        merge_tables(lower, lower_counts, identity, heads, np.zeros(len(heads), dtype=lower_counts.dtype),
                     identity, out, out_counts)
        counts.ngrams[k - 2], counts.counts[k - 2] = out, out_counts


def long_count_line_warnings(path, lines):
    """SRILM's warnings (NgramCounts::readNgram) of the count lines `lines` of `path` of more
    than MAX_NGRAM_ORDER fields."""
    return "".join(f"{path}: line {n}: malformed N-gram count or more than {MAX_NGRAM_ORDER} words per line\n"
                   for n in np.asarray(lines).tolist())


def count_line_tokens(blocks, interner, float_counts=False, stop_at_long=True):
    """Per count-file block (as count_blocks gives them): the words of its lines as provisional
    ids of `interner`, -1 after each line, each line's count, and SRILM's warnings of its lines
    of more than MAX_NGRAM_ORDER fields, which are passed over. With `stop_at_long` the first
    of these ends the reading of its file, as in SRILM's NgramCounts::read (LM::pplCountsFile,
    ngram -counts, reads on)."""
    stopped = None
    for block, first_line, path in blocks:
        if stopped is not None and path == stopped:
            continue
        block = blank_skipped_lines(block)  # SRILM's File::getline passes over these
        if float_counts:
            buf = np.frombuffer(block, dtype=np.uint8).copy()
            values, value_lines = _float_counts(buf, path, first_line)
            block = buf.tobytes()
        tokens, line_counts = interner.tokenize(block, count_lines=True, path=path, first_line=first_line,
                                                max_words=MAX_NGRAM_ORDER, stop_at_long=stop_at_long)
        long_lines = interner.long_lines
        if len(long_lines) and stop_at_long:
            stopped = path
        if float_counts and len(long_lines):
            kept = ~np.isin(value_lines + first_line, long_lines)
            if stop_at_long:
                kept &= value_lines + first_line < long_lines[0]
            values = values[kept]
        yield tokens, values if float_counts else line_counts, long_count_line_warnings(path, long_lines)


def counts_of_blocks(blocks, order=None, vocab=None, limit_vocab=False, float_counts=False, unk_word=UNK,
                     lowercase_in=None, aliases=None, nonevents=(), stop_at_long=True):
    """The summed counts of count-file blocks ((bytes of whole lines, number of the first line,
    path), as count_blocks gives them), as read_counts reads files; None when they hold no
    n-gram of the orders asked for. `unk_word`: the unknown word of a vocabulary made of the
    counts' words (SRILM's -map-unk); `lowercase_in`: the words lowercased in that encoding
    (-tolower); `aliases` ({alias: word}, -vocab-aliases, for a vocabulary made of the counts'
    words: `vocab` names its own): an alias counted as its word, which joins the vocabulary, as
    the `nonevents` (SRILM's -nonevents, lowercased where the words are) do.
    N-grams that become one are summed. A line of more than MAX_NGRAM_ORDER fields gets SRILM's
    warning on stderr and, with `stop_at_long`, ends the reading of its file (see
    count_line_tokens)."""
    interner = Interner()
    parts = {}
    unk_seen = False
    for tokens, line_counts, warnings in count_line_tokens(blocks, interner, float_counts, stop_at_long):
        sys.stderr.write(warnings)
        unk_seen = unk_seen or unk_seen_in(tokens, unk_word)
        for k, table in _rows_by_length(tokens, line_counts, order).items():
            parts.setdefault(k, []).append(table)
    if not parts:
        return None
    words = interner.words()
    if lowercase_in is not None:
        words = lowercase(words, lowercase_in)
    if vocab is None:
        vocab = Vocabulary(listed_words(words, unk_seen) + list(nonevents), unk_word=unk_word)
        if aliases:
            vocab = vocab.aliased(aliases)
        remap = vocab.ids(words)
    else:
        remap = vocab.ids(words, unknown=-1 if limit_vocab else vocab.unk)
        remap[PROV_UNK] = vocab.unk
    top = max(parts) if order is None else order
    empty = np.float64 if float_counts else np.int32
    result = NgramCounts(vocab)
    for k in range(1, top + 1):
        if k in parts:
            rows = remap[np.concatenate([r for r, _ in parts[k]])]
            values = np.concatenate([c for _, c in parts[k]])
            keep = np.all(rows >= 0, axis=1)
            rows, values = sort_and_sum(rows[keep], values[keep])
            if not float_counts:
                values = values.astype(count_dtype(int(values.max(initial=0))), copy=False)
        else:
            rows, values = np.empty((0, k), dtype=np.int32), np.empty(0, dtype=empty)
        result.ngrams.append(np.ascontiguousarray(rows, dtype=np.int32))
        result.counts.append(values)
    return result


def intersect_counts(kept, counts):
    """SRILM's -intersect: the n-grams of `kept` (counts read from the -intersect file) and their
    prefixes (nodes of SRILM's count trie), each with its count in `counts` (0 where absent),
    over the words of both."""
    vocab = kept.vocab if kept.vocab == counts.vocab else Vocabulary(kept.vocab.words + counts.vocab.words)
    kept_map, counts_map = vocab.ids(kept.vocab.words), vocab.ids(counts.vocab.words)
    tables = [kept_map[rows].astype(np.int32) for rows in kept.ngrams]
    for k in range(kept.order - 1, 0, -1):
        tables[k - 1] = np.unique(np.concatenate([tables[k - 1], tables[k][:, :k]]), axis=0)
    out = NgramCounts(vocab)
    for k in range(kept.order):
        rows = np.ascontiguousarray(tables[k])
        found = np.full(len(rows), -1, dtype=np.int64)
        if k < counts.order and len(counts.ngrams[k]):
            found = find_rows(np.ascontiguousarray(counts_map[counts.ngrams[k]], dtype=np.int32), rows, 0)
        dtype = counts.counts[k].dtype if k < counts.order else kept.counts[k].dtype
        values = np.zeros(len(rows), dtype=dtype)
        values[found >= 0] = counts.counts[k][found[found >= 0]]
        out.ngrams.append(rows)
        out.counts.append(values)
    return out
