"""Counting n-grams of orders 1..N from text.

The text is read in blocks of whole lines. Each block is counted on its own, over
its own sorted vocabulary: its words become an int32 stream of ids with -1 after
each sentence; order 1 is a bincount; order n is built from order n-1: the n-gram
starting at position i is (rank of the (n-1)-gram at i, id at i+n-1), packed into
one uint64 key, and a radix sort of the keys groups equal n-grams, the group
index being the n-gram's rank for the next order. Every step is compiled, exact,
and releases the GIL, so blocks are counted in parallel threads.

The blocks' tables are then merged. All vocabularies are sorted the same way, so
mapping a block's ids into the merged vocabulary keeps its tables sorted. Counting text
(count_text), each block's tables are appended to one temporary file per order and each
order's runs are merged in one pass at the end; with a memory cap, blocks are sized to
the cap and the merged tables may stay memory-mapped. Dask workers (distributed.py)
count with the same blocks and merge pairwise in memory, each merge one linear pass
that grows the larger table in place.
"""

import contextlib
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from .constants import MAX_WORDS_PER_LINE
from .errors import EmptyInputError, UsageError
from .jit import available_cores, njit
from .model import NgramCounts, count_dtype
from .progress import Progress
from .sorting import (
    merge_in_place,
    merge_runs,
    merge_tables,
    merged_size,
    radix_sort_pairs,
)
from .spill import map_file, spill_array, spill_directory, temporary_directory
from .tables import context_starts, find_rows
from .textio import absolute_line_numbers, blank_skipped_lines, iter_line_blocks
from .tokenize import PROV_UNK, Interner
from .vocab import UNK, Vocabulary, lowercase

MAX_ORDER = 20


@dataclass
class TextOptions:
    """How text becomes word ids (SRILM's -no-sos, -no-eos, -tolower, -vocab, -limit-vocab, -map-unk)."""

    encoding: str = "utf-8"  # or "bytes": words are the text's bytes (textio)
    add_sos: bool = True
    add_eos: bool = True
    tolower: bool = False  # with "bytes", ASCII letters only (SRILM in the C locale)
    vocab: Vocabulary | None = None  # a closed vocabulary; other words are unknown
    map_unk: str = UNK  # the word unknown words become
    aliases: dict | None = None  # word -> the word it stands for (SRILM's -vocab-aliases), after -tolower
    nonevents: tuple = ()  # SRILM's -nonevents, after -tolower: its Vocab numbers them before the text's words
    tagged: bool = False  # tokens are word/tag, counted as SRILM's -tagged (tagged_lm)
    # SRILM's -text-has-weights ("first") and -text-has-weights-last ("last"): each line's first or
    # last word is the count every n-gram of the line adds (an integer, or with float_counts any
    # number, as C's %lu and %lf read them)
    weights: str | None = None
    float_counts: bool = False
    allow_empty: bool = False  # a text without sentences counts nothing (SRILM's ngram-count), not refused
    getline_skips: bool = False  # the lines SRILM's File::getline passes over (## comments, blank ones) are skipped
    empty_lines: bool = False  # a blank line is a sentence of no words (KenLM's lmplz), not passed over
    # a line of more tokens is passed over with SRILM's warning (0: no limit, as in lmplz)
    max_words: int = MAX_WORDS_PER_LINE


@dataclass
class RunOptions:
    """How a run may use the machine: memory cap, spill directory, threads, progress."""

    memory: int | None = None  # bytes; bounds the run by spilling sorted runs and arrays to disk
    temp_dir: str | None = None  # where spilled files go (default: the system's)
    workers: int = 0  # counting threads; 0 = one per core, up to 4
    quiet: bool = False  # no progress on stderr

    def __post_init__(self):
        if isinstance(self.memory, str):
            self.memory = parse_memory(self.memory)


def parse_memory(text):
    """'500M', '2G', '1.5g', '800000000' -> bytes."""
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    s = str(text).strip().lower().removesuffix("b")
    try:
        if s and s[-1] in units:
            return int(float(s[:-1]) * units[s[-1]])
        return int(float(s))
    except ValueError:
        raise UsageError(f"cannot read memory size {text!r} (use e.g. 500M or 2G)", option="memory") from None


def unk_seen_in(tokens, unk_word):
    """Whether `<unk>` (provisional id PROV_UNK) is a word of a block of provisional `tokens`:
    always, unless -map-unk names another unknown word (SRILM then takes `<unk>` out of its
    vocabulary) and the block holds none."""
    return unk_word == UNK or bool((tokens == PROV_UNK).any())


def listed_words(words, unk_seen):
    """The provisional `words` a block's vocabulary holds: all, but `<unk>` unless `unk_seen`."""
    return words if unk_seen else words[:PROV_UNK] + words[PROV_UNK + 1:]


def build_vocabulary(words, options, unk_seen=True):
    """The vocabulary of a block and the map from its provisional ids to it. `unk_seen`: the
    block holds the word `<unk>` (unk_seen_in); unseen, it is no word of an open vocabulary."""
    if options.tolower:
        words = lowercase(words, options.encoding)
    if options.aliases:
        words = [options.aliases.get(w, w) for w in words]
    if options.vocab is None:
        # SRILM's vocabulary holds the aliased words and the -nonevents, seen or not
        aliases = options.aliases or {}
        vocab = Vocabulary(listed_words(words, unk_seen) + list(aliases.values())
                           + [aliases.get(w, w) for w in options.nonevents], unk_word=options.map_unk)
        return vocab, vocab.ids(words)
    vocab = options.vocab if options.vocab.unk_word == options.map_unk else Vocabulary(
        options.vocab.words, unk_word=options.map_unk)
    remap = vocab.ids(words, unknown=vocab.index[options.map_unk])
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
    table_counts = np.empty(n, dtype=np.int32)
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
def _next_order_keys(rank, tokens, n, vocab_size, want_positions):
    """Keys (prefix rank * V + last id) of every n-gram window, with their positions if wanted
    (an order above needs them to rank its prefixes; the highest sorts its keys alone)."""
    m = 0
    last = len(tokens) - n + 1
    for i in range(last):
        if rank[i] >= 0 and tokens[i + n - 1] >= 0:
            m += 1
    keys = np.empty(m, dtype=np.uint64)
    positions = np.empty(m if want_positions else 0, dtype=np.int32)
    v = np.uint64(vocab_size)
    max_key = np.uint64(0)
    m = 0
    for i in range(last):
        if rank[i] >= 0 and tokens[i + n - 1] >= 0:
            k = np.uint64(rank[i]) * v + np.uint64(tokens[i + n - 1])
            keys[m] = k
            if want_positions:
                positions[m] = i
            if k > max_key:
                max_key = k
            m += 1
    return keys, positions, max_key


@njit(cache=True)
def _distinct(keys):
    """Number of distinct keys in sorted keys."""
    distinct = 0
    for i in range(len(keys)):
        if i == 0 or keys[i] != keys[i - 1]:
            distinct += 1
    return distinct


@njit(cache=True)
def _group(keys, positions, vocab_size, prefix, last, counts, rank):
    """Distinct keys (split into prefix rank and last id) and their counts from sorted keys, and
    each position's rank when `rank` is not empty."""
    v = np.uint64(vocab_size)
    want_rank = len(rank) > 0
    g = -1
    for i in range(len(keys)):
        if i == 0 or keys[i] != keys[i - 1]:
            g += 1
            prefix[g] = np.int32(keys[i] // v)
            last[g] = np.int32(keys[i] % v)
        counts[g] += 1
        if want_rank:
            rank[positions[i]] = g


def count_tokens(tokens, vocab_size, order, weights=None):
    """Tables of orders 1..order for one id stream (fewer than 2**31 tokens): lists of (rows, k)
    int32 and int32 counts; with `weights` (each position's count, int64 or float64), the sums
    of the weights of each n-gram's windows, of that type (an n-gram of weight 0 is kept)."""
    ngrams, counts, rank = _unigrams(tokens, vocab_size)
    if weights is not None:
        events = tokens >= 0
        counts = _as_counts(np.bincount(tokens[events], weights=weights[events], minlength=vocab_size)[ngrams[:, 0]],
                            weights.dtype)
    tables, table_counts = [ngrams], [counts]
    for n in range(2, order + 1):
        ranked = n < order or weights is not None
        keys, positions, max_key = _next_order_keys(rank, tokens, n, vocab_size, ranked)
        del rank  # the sort buffers need the room
        keys, positions = radix_sort_pairs(keys, positions, max_key)
        # the tables' arrays are numpy's own, so that a merge can grow them in place
        distinct = _distinct(keys)
        prefix, last = np.empty(distinct, dtype=np.int32), np.empty(distinct, dtype=np.int32)
        counts = np.zeros(distinct, dtype=np.int32)
        rank = np.full(len(tokens) if ranked else 0, -1, dtype=np.int32)
        _group(keys, positions, vocab_size, prefix, last, counts, rank)
        if weights is not None:
            counts = _as_counts(np.bincount(rank[positions], weights=weights[positions], minlength=distinct),
                                weights.dtype)
        del keys, positions
        rows = np.empty((len(last), n), dtype=np.int32)
        rows[:, : n - 1] = tables[-1][prefix]
        rows[:, n - 1] = last
        tables.append(rows)
        table_counts.append(counts)
    return tables, table_counts


def _as_counts(sums, dtype):
    """Summed weights (float64) as counts of the weights' type, integers in the narrowest type."""
    if dtype.kind == "f":
        return sums
    return sums.astype(count_dtype(int(sums.max(initial=0))))


def _bytes_per_token(order):
    # Keys and positions twice (radix sort buffers), rank, ids, plus output rows.
    return 48 + 8 * order + 2 * order * (order + 1)


# Memory for the blocks in flight without a cap: each counts in about half of its share; the
# runs are merged once all are counted, so counting peaks below the merge that follows (on a
# 15M-word corpus, twice this held the peak above SRILM's).
DEFAULT_MEMORY = 1 << 28
BYTES_PER_TOKEN_OF_TEXT = 5  # a rough mean for word-segmented text, with the separator


WHOLE_FILE = -1  # a block size that reads a file as one block (a stream's read(-1))


def block_bytes(order, memory, workers):
    """Text bytes per block so that `workers` blocks in flight fit in `memory`."""
    tokens = memory // (max(workers, 1) * _bytes_per_token(order))
    return int(min(max(tokens * BYTES_PER_TOKEN_OF_TEXT, 1 << 16), 1 << 28))


def default_workers():
    return max(1, min(available_cores(), 4))


@dataclass
class TextTotals:
    """What SRILM's TextStats say of the text counted, per file: the last line read, the
    sentences, the words (less each sentence's first <s> and last </s>) and the OOVs (tokens
    outside a closed vocabulary)."""

    files: dict = field(default_factory=dict)  # path -> [last line, sentences, words, OOVs]

    @classmethod
    def of_block(cls, block, first_line, path, ids, bos, eos, unk):
        """The totals of one block of lines, `ids` its id stream (-1 after each sentence; `unk`
        -1 for an open vocabulary)."""
        last_line = first_line + block.count(b"\n") - (1 if block.endswith(b"\n") else 0)
        return cls({path: [last_line, *sentence_totals(ids, bos, eos, unk)]})

    @property
    def sentences(self):
        return sum(entry[1] for entry in self.files.values())

    def cover(self, paths):
        """An entry for each of `paths`: a file without lines is SRILM's line 0."""
        for path in paths:
            self.files.setdefault(path, [0, 0, 0, 0])

    def __add__(self, other):
        files = {path: list(entry) for path, entry in self.files.items()}
        for path, (line, *counts) in other.files.items():
            mine = files.setdefault(path, [0, 0, 0, 0])
            mine[0] = max(mine[0], line)
            for j, c in enumerate(counts, start=1):
                mine[j] += c
        return TextTotals(files)


@njit(cache=True)
def sentence_totals(ids, bos, eos, unk):
    """(sentences, words, OOVs) of an id stream with -1 after each sentence, counted as SRILM's
    countSentence counts them: a sentence's first <s> and last </s> are no words; OOVs are the
    tokens of id `unk` (-1: an open vocabulary has none)."""
    sentences = words = oovs = 0
    first = True
    previous = -1
    for i in range(len(ids)):
        t = ids[i]
        if t < 0:
            sentences += 1
            words -= previous == eos
            first = True
            previous = -1
            continue
        words += not (first and t == bos)
        oovs += t == unk
        first = False
        previous = t
    return sentences, words, oovs


def closed_unk(vocab, options):
    """The id whose tokens SRILM counts as OOVs: the -map-unk word of a closed vocabulary (-1:
    an open one has none)."""
    return vocab.index[options.map_unk] if options.vocab is not None else -1


def passed_over_warnings(path, lines, weighted=False):
    """SRILM's warnings (LMStats::countFile) of the text lines `lines` of `path` it counted nothing
    of: too long (more than TextOptions.max_words tokens) or, `weighted`, of a weight that is no
    number."""
    what = "illegal count weight or line too long?" if weighted else "line too long?"
    return "".join(f"{path}: line {n}: {what}\n" for n in np.asarray(lines).tolist())


def count_block(block, first_line, path, order, options):
    """(NgramCounts over the block's own vocabulary, its TextTotals, SRILM's warnings of the lines
    passed over) of one text block."""
    if options.tagged:
        from .tagged_lm import count_tagged_block

        return count_tagged_block(block, first_line, path, order, options)
    if options.weights:
        from .text_weights import count_weighted_block

        return count_weighted_block(block, first_line, path, order, options)
    interner = Interner()
    tokens, _ = interner.tokenize(block, options.add_sos, options.add_eos, path=path, first_line=first_line,
                                  empty_lines=options.empty_lines, max_words=options.max_words)
    words = interner.words()
    warnings = passed_over_warnings(path, interner.long_lines)
    del interner
    vocab, remap = build_vocabulary(words, options, unk_seen_in(tokens, options.map_unk))
    ids = np.empty(len(tokens), dtype=np.int32)
    _apply_remap(tokens, remap, ids)
    del tokens
    totals = TextTotals.of_block(block, first_line, path, ids, vocab.bos, vocab.eos, closed_unk(vocab, options))
    ngrams, counts = count_tokens(ids, len(vocab), order)
    return NgramCounts(vocab, ngrams, counts), totals, warnings


def merge_counts(a, b, consume=False):
    """The sum of two NgramCounts of the same order.

    consume: drop each order of a and b as soon as it is merged, so that the inputs shrink while
    the output grows; the larger input's table grows into the merged one where it can
    (sorting.merge_in_place), so no copy of it is held.
    """
    vocab = a.vocab if a.vocab == b.vocab else a.vocab.like(a.vocab.words + b.vocab.words)
    a_map, b_map = vocab.ids(a.vocab.words), vocab.ids(b.vocab.words)
    merged = NgramCounts(vocab)
    for k in range(a.order):
        if a.counts[k].dtype.kind == "f" or b.counts[k].dtype.kind == "f":
            dtype = np.dtype(np.float64)
        else:
            dtype = count_dtype(int(a.counts[k].max(initial=0)) + int(b.counts[k].max(initial=0)))
        merged_in_place = None
        if consume:
            # the larger table grows into the merged one: no room for a copy of it
            big, small = (a, b) if len(a.ngrams[k]) >= len(b.ngrams[k]) else (b, a)
            if big.counts[k].dtype == dtype:
                big_map, small_map = (a_map, b_map) if big is a else (b_map, a_map)
                merged_in_place = merge_in_place(big.ngrams[k], big.counts[k], big_map, small.ngrams[k],
                                                 small.counts[k], small_map,
                                                 merged_size(a.ngrams[k], a_map, b.ngrams[k], b_map))
        if merged_in_place is not None:
            rows, counts = merged_in_place
        else:
            # room for every row of both: the pages past the merged rows are never touched, so they
            # take no memory, and no pass is spent on sizing
            size = len(a.ngrams[k]) + len(b.ngrams[k])
            rows, counts = np.empty((size, k + 1), dtype=np.int32), np.empty(size, dtype=dtype)
            size = merge_tables(a.ngrams[k], a.counts[k], a_map, b.ngrams[k], b.counts[k], b_map, rows, counts)
            rows, counts = rows[:size], counts[:size]
        merged.ngrams.append(rows)
        merged.counts.append(counts)
        if consume:
            for table in (a.ngrams, a.counts, b.ngrams, b.counts):
                table[k] = None
    return merged


def sum_counts(counts):
    """SRILM's -recompute, in place: from the highest order down, an n-gram with extensions of
    one order more counts the sum of theirs (a prefix missing from the counts becomes a row),
    the others keep their counts."""
    identity = np.arange(len(counts.vocab), dtype=np.int32)
    for k in range(counts.order - 1, 0, -1):
        longer, longer_counts = counts.ngrams[k], counts.counts[k]
        firsts = context_starts(longer, k)[:-1]
        prefixes = np.ascontiguousarray(longer[firsts, :k])
        wide = np.float64 if longer_counts.dtype.kind == "f" else np.int64
        sums = np.add.reduceat(longer_counts.astype(wide), firsts) if len(firsts) else np.zeros(0, wide)
        rows, own = counts.ngrams[k - 1], counts.counts[k - 1]
        alone = find_rows(prefixes, rows, 0) < 0
        rows, own = np.ascontiguousarray(rows[alone]), own[alone].astype(wide)
        if wide is np.int64:
            largest = max(int(own.max(initial=0)), int(sums.max(initial=0)))
            own, sums = own.astype(count_dtype(largest)), sums.astype(count_dtype(largest))
        size = len(rows) + len(prefixes)
        out, out_counts = np.empty((size, k), dtype=np.int32), np.empty(size, dtype=own.dtype)
        merge_tables(rows, own, identity, prefixes, sums, identity, out, out_counts)
        counts.ngrams[k - 1], counts.counts[k - 1] = out, out_counts


class _Merger:
    """Sums counts as they arrive, merging runs of equal size (as a binary counter
    adds), so few runs are alive and each n-gram is merged about log2(blocks) times."""

    def __init__(self):
        self.levels = []  # (level, counts)

    def add(self, counts, level=0):
        while self.levels and self.levels[-1][0] == level:
            _, earlier = self.levels.pop()
            counts, level = merge_counts(earlier, counts, consume=True), level + 1
        self.levels.append((level, counts))

    def total(self):
        if not self.levels:
            return None
        _, counts = self.levels.pop()
        while self.levels:
            _, earlier = self.levels.pop()
            counts = merge_counts(earlier, counts, consume=True)
        return counts


class _RunFiles:
    """Sums counts in one merge: each block's sorted tables are appended to one file per order in
    `run_dir` (its ids kept as the block's own), and at the end the runs of each order are merged
    in one pass (sorting.merge_runs) into tables in `out_dir` (None: memory), orders in parallel
    threads. So every n-gram is written twice, and nothing but the blocks in flight is held
    meanwhile."""

    def __init__(self, run_dir, out_dir, order, workers, count_type=np.int32):
        self.out_dir = out_dir
        self.workers = workers
        self.count_type = np.dtype(count_type)  # of the runs' counts: int32, or weighted int64 / float64
        self.files = [(_run_file(run_dir, f"runs{k}-rows"), _run_file(run_dir, f"runs{k}-counts"))
                      for k in range(1, order + 1)]
        self.run_starts = [[0] for _ in range(order)]
        self.largest = [0] * order  # the sum of the runs' largest counts bounds the merged counts
        self.words = {}  # every word seen -> its number in order of appearance
        self.word_numbers = []  # per run: the number of each of its words

    def add(self, counts):
        self.unk_word = counts.vocab.unk_word
        words = self.words
        self.word_numbers.append(np.fromiter((words.setdefault(w, len(words)) for w in counts.vocab.words),
                                             dtype=np.int64, count=len(counts.vocab)))
        for k, (rows, values) in enumerate(zip(counts.ngrams, counts.counts)):
            rows_file, counts_file = self.files[k]
            rows_file.write(np.ascontiguousarray(rows, dtype=np.int32).data)
            counts_file.write(np.ascontiguousarray(values, dtype=self.count_type).data)
            self.run_starts[k].append(self.run_starts[k][-1] + len(values))
            self.largest[k] += int(values.max(initial=0))

    def total(self):
        for files in self.files:
            for f in files:
                f.close()
        if not self.word_numbers:
            return None
        words = list(self.words)
        vocab = Vocabulary(words, unk_word=self.unk_word)
        final = vocab.ids(words)
        maps = np.concatenate([final[numbers] for numbers in self.word_numbers])
        map_starts = np.zeros(len(self.word_numbers) + 1, dtype=np.int64)
        np.cumsum([len(numbers) for numbers in self.word_numbers], out=map_starts[1:])
        del self.words, self.word_numbers, words, final
        merged = NgramCounts(vocab)
        merged.ngrams = [None] * len(self.files)
        merged.counts = [None] * len(self.files)

        def merge(k):
            size = self.run_starts[k][-1]
            rows_file, counts_file = self.files[k]
            out_rows = spill_array(self.out_dir, (size, k + 1), np.int32, f"order{k + 1}-rows")
            out_type = self.count_type if self.count_type.kind == "f" else count_dtype(self.largest[k])
            out_counts = spill_array(self.out_dir, size, out_type, f"order{k + 1}-counts")
            if size:
                rows = map_file(rows_file.name, np.int32, (size, k + 1))
                counts = map_file(counts_file.name, self.count_type, (size,))
                size = merge_runs(rows, counts, self.run_starts[k], maps, map_starts, out_rows, out_counts)
                del rows, counts
            merged.ngrams[k], merged.counts[k] = out_rows[:size], out_counts[:size]

        # the largest orders first, so that the threads finish together
        by_size = sorted(range(len(self.files)), key=lambda k: -self.run_starts[k][-1])
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            list(pool.map(merge, by_size))
        return merged


def _run_file(run_dir, name):
    fd, path = tempfile.mkstemp(prefix=f"{name}-", dir=run_dir)
    os.close(fd)
    return open(path, "wb")


def count_blocks(blocks, order, options, run, run_dir=None, out_dir=None):
    """(NgramCounts, TextTotals) of (block, first_line, path) triples, counted in threads; with
    `run_dir`, merged at the end from runs in files there into tables in `out_dir` (None:
    memory), else merged in memory as they come."""
    if not 1 <= order <= MAX_ORDER:
        raise UsageError(f"the order must be between 1 and {MAX_ORDER}, not {order}", option="order")
    workers = run.workers or default_workers()
    count_type = np.int32
    if options.weights:
        count_type = np.float64 if options.float_counts else np.int64
    merger = _Merger() if run_dir is None else _RunFiles(run_dir, out_dir, order, workers, count_type)
    totals = TextTotals()
    progress = Progress(f"counting orders 1-{order}", quiet=run.quiet, unit="B")

    def take(future, size):
        nonlocal totals
        counts, n, warnings = future.result()
        sys.stderr.write(warnings)  # block by block, in the text's order, as SRILM reads it
        merger.add(counts)
        totals += n
        progress.advance(size)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = []
        for block, first_line, path in blocks:
            pending.append((pool.submit(count_block, block, first_line, path, order, options), len(block)))
            while len(pending) >= workers:
                take(*pending.pop(0))
        for future, size in pending:
            take(future, size)
    progress.close()
    return merger.total(), totals


def text_blocks(paths, options, chunk_bytes, byte_range=None):
    """(block, first_line, path) for every block of whole lines of the text files."""
    for path in paths:
        with absolute_line_numbers(path, byte_range):
            for block, first_line in iter_line_blocks(path, options.encoding, chunk_bytes, byte_range,
                                                      allow_bytes=True):
                yield blank_skipped_lines(block) if options.getline_skips else block, first_line, path


def count_text(paths, order, options=None, run=None, spill_dir=None):
    """Read text files and count all n-grams of orders 1..order.

    The blocks' sorted runs go to files of a temporary directory (under a cap, its spill
    directory) and are merged into tables in memory, or, given `spill_dir` (a directory the
    caller removes), into memory-mapped files there, which the system can page out while
    estimation reads them."""
    options = options or TextOptions()
    run = run or RunOptions()
    workers = run.workers or default_workers()
    # Under a cap, blocks in flight get an eighth of it: with the text and the spilled pages
    # the pager lets stay resident (another eighth), counting then peaks near a third of the
    # cap. Blocks beyond the default budget count no faster.
    memory = DEFAULT_MEMORY if run.memory is None else min(run.memory // 8, DEFAULT_MEMORY)
    if options.tagged:
        memory //= order + 1  # a tagged position starts up to order + 1 n-grams of each order
    if spill_dir is None:
        owned = spill_directory(run.memory, run.temp_dir)
    else:
        owned = contextlib.nullcontext(spill_dir)
    with owned as workdir, _run_directory(workdir, run.temp_dir) as run_dir:
        chunk_bytes = block_bytes(order, memory, workers)
        if options.weights and options.float_counts:
            # each file one block: a count's fractional weights are added in text order, as SRILM
            # adds them (the sums of blocks added together differ in the last bits)
            chunk_bytes = WHOLE_FILE
        counts, totals = count_blocks(text_blocks(paths, options, chunk_bytes), order, options, run, run_dir,
                                      spill_dir)
        if not totals.sentences and not options.allow_empty:
            raise EmptyInputError("no sentences in text (empty or blank input)", ", ".join(map(str, paths)))
        if counts is None:
            counts = NgramCounts(build_vocabulary([], options)[0], [np.empty((0, k), dtype=np.int32)
                                                                    for k in range(1, order + 1)],
                                 [np.empty(0, dtype=np.int32) for _ in range(order)])
        totals.cover(paths)
        counts.text_totals = totals
        return counts


def _run_directory(workdir, temp_dir):
    """Where the blocks' runs go: the spill directory of a capped run, else a temporary one."""
    if workdir is not None:
        return contextlib.nullcontext(workdir)
    return temporary_directory("ngramkit-runs-", temp_dir)
