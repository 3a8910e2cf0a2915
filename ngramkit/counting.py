"""Counting n-grams of orders 1..N from text.

The text becomes one int32 stream of word ids with -1 after each sentence.
Order 1 is a bincount. Order n is built from order n-1: the n-gram starting at
position i is (rank of the (n-1)-gram at i, id at i+n-1), packed into one uint64
key; a radix sort of the keys groups equal n-grams, and the group index is the
n-gram's rank for the next order. Every step is compiled and exact.

With a memory cap, the stream is kept in a temporary file and counted in
chunks; each chunk's sorted tables are spilled and the runs merged pairwise.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass

import numpy as np
from numba import njit

from .errors import EmptyInputError, UsageError
from .model import NgramCounts
from .progress import Progress
from .sorting import merge_tables, merged_size, radix_sort_pairs
from .textio import iter_line_blocks
from .tokenize import PROV_UNK, Interner
from .vocab import UNK, Vocabulary

MAX_ORDER = 20


@dataclass
class TextOptions:
    """How text becomes word ids (SRILM's -no-sos, -no-eos, -tolower, -vocab, -limit-vocab, -map-unk)."""

    encoding: str = "utf-8"
    add_sos: bool = True
    add_eos: bool = True
    tolower: bool = False
    vocab: Vocabulary | None = None  # a closed vocabulary; other words are unknown
    drop_unknown: bool = False  # unknown words break n-grams instead of becoming <unk>
    map_unk: str = UNK  # the word unknown words become
    memory: int | None = None  # bytes; bounds counting by spilling sorted runs to disk
    tmpdir: str | None = None
    quiet: bool = False


def parse_memory(text):
    """'500M', '2G', '1.5g', '800000000' -> bytes."""
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    s = str(text).strip().lower().removesuffix("b")
    try:
        if s and s[-1] in units:
            return int(float(s[:-1]) * units[s[-1]])
        return int(float(s))
    except ValueError:
        raise UsageError(f"cannot read memory size {text!r} (use e.g. 500M or 2G)") from None


class TokenStream:
    """The corpus as int32 ids with -1 after each sentence, in RAM or in a temporary file."""

    def __init__(self, workdir=None):
        self.blocks = []
        self.n_tokens = 0
        self.n_sentences = 0
        self._file = None
        if workdir is not None:
            self._path = os.path.join(workdir, "tokens.i32")
            self._file = open(self._path, "wb")

    def append(self, block):
        if self._file is not None:
            block.tofile(self._file)
        else:
            self.blocks.append(block)
        self.n_tokens += len(block)
        self.n_sentences += int(np.count_nonzero(block < 0))

    def array(self):
        if self._file is not None:
            self._file.close()
            if self.n_tokens == 0:
                return np.empty(0, dtype=np.int32)
            return np.memmap(self._path, dtype=np.int32, mode="r")
        return np.concatenate(self.blocks) if self.blocks else np.empty(0, dtype=np.int32)


def read_text(paths, options, workdir=None):
    """Read text files into (Vocabulary, final-id remap of provisional ids, TokenStream)."""
    interner = Interner()
    stream = TokenStream(workdir)
    progress = Progress("reading text", quiet=options.quiet, unit="B")
    for path in paths:
        for block, first_line in iter_line_blocks(path, options.encoding):
            tokens, _ = interner.tokenize(block, options.add_sos, options.add_eos, path=path,
                                          first_line=first_line)
            stream.append(tokens)
            progress.advance(len(block))
    progress.close()
    if stream.n_sentences == 0:
        raise EmptyInputError("no sentences in text (empty or blank input)",
                              paths[0] if len(paths) == 1 else ", ".join(map(str, paths)))
    vocab, remap = build_vocabulary(interner.words(), options)
    return vocab, remap, stream


def build_vocabulary(words, options):
    """The final vocabulary and the map from provisional ids to its ids (-1: drop)."""
    if options.tolower:
        words = [w.lower() for w in words]
    if options.vocab is None:
        vocab = Vocabulary(words + [options.map_unk])
        return vocab, vocab.ids(words)
    vocab = options.vocab if options.map_unk in options.vocab else Vocabulary(
        list(options.vocab.words) + [options.map_unk])
    unknown = -1 if options.drop_unknown else vocab.index[options.map_unk]
    remap = vocab.ids(words, unknown=unknown)
    remap[PROV_UNK] = vocab.index[options.map_unk]
    return vocab, remap


@njit(cache=True)
def _apply_remap(tokens, remap, out):
    for i in range(len(tokens)):
        t = tokens[i]
        out[i] = -1 if t < 0 else remap[t]


@njit(cache=True)
def _unigrams(tokens, vocab_size):
    """Unigram ids and counts, and each position's rank in that table (-1 at separators)."""
    counts = np.zeros(vocab_size, dtype=np.int64)
    for t in tokens:
        if t >= 0:
            counts[t] += 1
    rank_of_id = np.full(vocab_size, -1, dtype=np.int32)
    n = 0
    for w in range(vocab_size):
        if counts[w] > 0:
            rank_of_id[w] = n
            n += 1
    ids = np.empty((n, 1), dtype=np.int32)
    table_counts = np.empty(n, dtype=np.int64)
    for w in range(vocab_size):
        r = rank_of_id[w]
        if r >= 0:
            ids[r, 0] = w
            table_counts[r] = counts[w]
    rank = np.empty(len(tokens), dtype=np.int32)
    for i in range(len(tokens)):
        t = tokens[i]
        rank[i] = -1 if t < 0 else rank_of_id[t]
    return ids, table_counts, rank


@njit(cache=True)
def _next_order_keys(rank, tokens, n, vocab_size):
    """Keys (prefix rank * V + last id) of every n-gram window, with their positions."""
    m = 0
    last = len(tokens) - n + 1
    for i in range(last):
        if rank[i] >= 0 and tokens[i + n - 1] >= 0:
            m += 1
    keys = np.empty(m, dtype=np.uint64)
    positions = np.empty(m, dtype=np.int32)
    v = np.uint64(vocab_size)
    max_key = np.uint64(0)
    m = 0
    for i in range(last):
        if rank[i] >= 0 and tokens[i + n - 1] >= 0:
            k = np.uint64(rank[i]) * v + np.uint64(tokens[i + n - 1])
            keys[m] = k
            positions[m] = i
            if k > max_key:
                max_key = k
            m += 1
    return keys, positions, max_key


@njit(cache=True)
def _group(keys, positions, n_positions, vocab_size, want_rank):
    """Distinct keys and their counts from sorted keys; ranks per position if wanted."""
    n = len(keys)
    distinct = 0
    for i in range(n):
        if i == 0 or keys[i] != keys[i - 1]:
            distinct += 1
    prefix = np.empty(distinct, dtype=np.int64)
    last = np.empty(distinct, dtype=np.int32)
    counts = np.zeros(distinct, dtype=np.int64)
    rank = np.full(n_positions if want_rank else 0, -1, dtype=np.int32)
    v = np.uint64(vocab_size)
    g = -1
    for i in range(n):
        if i == 0 or keys[i] != keys[i - 1]:
            g += 1
            prefix[g] = np.int64(keys[i] // v)
            last[g] = np.int32(keys[i] % v)
        counts[g] += 1
        if want_rank:
            rank[positions[i]] = g
    return prefix, last, counts, rank


def count_tokens(tokens, vocab_size, order):
    """Tables of orders 1..order for one id stream: lists of (rows, k) int32 and int64 counts."""
    ngrams, counts, rank = _unigrams(tokens, vocab_size)
    tables, table_counts = [ngrams], [counts]
    for n in range(2, order + 1):
        keys, positions, max_key = _next_order_keys(rank, tokens, n, vocab_size)
        keys, positions = radix_sort_pairs(keys, positions, max_key)
        prefix, last, counts, rank = _group(keys, positions, len(tokens), vocab_size, n < order)
        rows = np.empty((len(last), n), dtype=np.int32)
        rows[:, : n - 1] = tables[-1][prefix]
        rows[:, n - 1] = last
        tables.append(rows)
        table_counts.append(counts)
    return tables, table_counts


def _bytes_per_token(order):
    # Keys and positions twice (radix sort buffers), rank, ids, plus output rows.
    return 48 + 8 * order + 2 * order * (order + 1)


def _chunk_bounds(tokens, max_tokens):
    """Split points at sentence separators so that each chunk holds at most max_tokens."""
    bounds = [0]
    n = len(tokens)
    while n - bounds[-1] > max_tokens:
        end = bounds[-1] + max_tokens
        seps = np.flatnonzero(np.asarray(tokens[bounds[-1]:end]) < 0)
        if len(seps) == 0:
            # A single sentence longer than the chunk: take it whole.
            nxt = np.flatnonzero(np.asarray(tokens[end:]) < 0)
            cut = end + int(nxt[0]) + 1 if len(nxt) else n
        else:
            cut = bounds[-1] + int(seps[-1]) + 1
        bounds.append(cut)
    bounds.append(n)
    return bounds


class _RunStore:
    """Sorted runs of one order, in RAM or spilled to .npy files."""

    def __init__(self, workdir, name):
        self.workdir = workdir
        self.name = name
        self.serial = 0

    def put(self, rows, counts):
        if self.workdir is None:
            return rows, counts
        self.serial += 1
        base = os.path.join(self.workdir, f"{self.name}-run{self.serial}")
        np.save(base + ".rows.npy", rows)
        np.save(base + ".counts.npy", counts)
        return base

    def get(self, run):
        if self.workdir is None:
            return run
        return np.load(run + ".rows.npy", mmap_mode="r"), np.load(run + ".counts.npy", mmap_mode="r")

    def drop(self, run):
        if self.workdir is not None:
            os.unlink(run + ".rows.npy")
            os.unlink(run + ".counts.npy")

    def merge(self, a_run, b_run):
        a, ac = self.get(a_run)
        b, bc = self.get(b_run)
        size = merged_size(a, b)
        if self.workdir is None:
            out = np.empty((size, a.shape[1]), dtype=np.int32)
            out_counts = np.empty(size, dtype=np.int64)
            merge_tables(a, ac, b, bc, out, out_counts)
            return out, out_counts
        self.serial += 1
        base = os.path.join(self.workdir, f"{self.name}-run{self.serial}")
        out = np.lib.format.open_memmap(base + ".rows.npy", "w+", np.int32, (size, a.shape[1]))
        out_counts = np.lib.format.open_memmap(base + ".counts.npy", "w+", np.int64, (size,))
        merge_tables(a, ac, b, bc, out, out_counts)
        out.flush()
        out_counts.flush()
        del out, out_counts, a, ac, b, bc
        self.drop(a_run)
        self.drop(b_run)
        return base

    def merge_all(self, runs):
        while len(runs) > 1:
            runs = [self.merge(runs[i], runs[i + 1]) if i + 1 < len(runs) else runs[i]
                    for i in range(0, len(runs), 2)]
        return self.get(runs[0])


def count_stream(tokens, vocab, order, memory=None, workdir=None, quiet=True):
    """NgramCounts of orders 1..order from an id stream (final ids, -1 separators)."""
    if not 1 <= order <= MAX_ORDER:
        raise UsageError(f"order must be between 1 and {MAX_ORDER}, not {order}")
    max_tokens = len(tokens) if memory is None else max(1 << 16, memory // _bytes_per_token(order))
    bounds = _chunk_bounds(tokens, max(max_tokens, 1))
    spill = workdir if len(bounds) > 2 else None
    stores = [_RunStore(spill, f"order{k + 1}") for k in range(order)]
    runs = [[] for _ in range(order)]
    progress = Progress(f"counting orders 1-{order}", quiet=quiet, unit="tok", total=len(tokens))
    for start, end in zip(bounds[:-1], bounds[1:]):
        tables, counts = count_tokens(np.ascontiguousarray(tokens[start:end]), len(vocab), order)
        for k in range(order):
            runs[k].append(stores[k].put(tables[k], counts[k]))
        progress.advance(end - start)
    progress.close()
    result = NgramCounts(vocab)
    for k in range(order):
        rows, counts = stores[k].merge_all(runs[k])
        result.ngrams.append(rows)
        result.counts.append(counts)
    return result


def count_text(paths, order, options=None):
    """Read text files and count all n-grams of orders 1..order."""
    options = options or TextOptions()
    workdir = None
    if options.memory is not None:
        workdir = tempfile.mkdtemp(prefix="ngramkit-", dir=options.tmpdir)
    try:
        vocab, remap, stream = read_text(paths, options, workdir)
        tokens = stream.array()
        final = np.empty(len(tokens), dtype=np.int32) if workdir is None else np.lib.format.open_memmap(
            os.path.join(workdir, "final.npy"), "w+", np.int32, (len(tokens),))
        _apply_remap(tokens, remap, final)
        del tokens
        counts = count_stream(final, vocab, order, options.memory, workdir, options.quiet)
        if workdir is not None:
            counts.ngrams = [np.array(a) for a in counts.ngrams]
            counts.counts = [np.array(a) for a in counts.counts]
        return counts
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
