"""The order in which SRILM adds up the counts of a context's followers, for fractional counts
(ngram-count -float-counts of a weighted text, -text-has-weights, or of count files, -read).

NgramLM.cc's estimate totals a context's follower counts walking its count-trie node's hash
table in slot order. With fractional counts the total's last bits depend on that order, and
they matter: the weight of the lower order is computed from the integer ceiling of the total
(Discount.h), so a total an ulp above an integer weighs it as if one more count were seen.

A follower enters its context's table when its n-gram first occurs in a window inserted into
the trie (the text's windows of up to N words at each position, srilm_trie; a count file's
lines), keyed by its SRILM word index; srilm_lhash gives the slot order those insertions leave.

The same order puts the lines SRILM prints of contexts in its order: its estimate visits the
contexts in the count trie's order (trie_ranks), and its backoff weights walk the trie of
contexts it filled as it went (backoff_trie_order).
"""

import dataclasses
from typing import NamedTuple

import numpy as np

from .countfile import count_blocks, count_line_tokens
from .counting import TextOptions, build_vocabulary
from .jit import njit
from .meta_counts import meta_word
from .srilm_lhash import lhash_order, sized_bits, slot_positions
from .srilm_trie import srilm_given_words, srilm_vocab_size, srilm_word_indices, text_tokens
from .tables import child_offsets, context_starts, find_rows
from .text_weights import weighted_lines
from .tokenize import Interner


@njit(cache=True)
def _extend_windows(tokens, starts, ends, window_row, rows, lower_first, first_seen):
    """Turn window_row (each window's row of order k-1, -1 where the window is shorter) into the
    rows of order k = rows.shape[1], and note the first window of each row."""
    k = rows.shape[1]
    for w in range(len(starts)):
        lower = window_row[w]
        window_row[w] = -1
        at = starts[w] + k - 1
        if lower < 0 or at >= ends[w]:
            continue
        word = tokens[at]
        lo, hi = lower_first[lower], lower_first[lower + 1]
        while lo < hi:
            mid = (lo + hi) >> 1
            if rows[mid, k - 1] < word:
                lo = mid + 1
            else:
                hi = mid
        if lo < lower_first[lower + 1] and rows[lo, k - 1] == word:
            window_row[w] = lo
            if first_seen[lo] < 0:
                first_seen[lo] = w


@njit(cache=True)
def _slot_order(starts, first_seen, keys):
    """Each context's rows (starts[g]:starts[g+1]) in the slot order of a table their keys were
    inserted into at their first positions; rows the text never holds (counted 0) come last."""
    out = np.empty(len(first_seen), dtype=np.int64)
    for g in range(len(starts) - 1):
        lo, hi = starts[g], starts[g + 1]
        seen = np.flatnonzero(first_seen[lo:hi] >= 0) + lo
        inserted = seen[np.argsort(first_seen[seen])]
        slots = lhash_order(keys[inserted], np.array([0, len(inserted)]))
        n = lo
        for j in slots:
            out[n] = inserted[j]
            n += 1
        for i in range(lo, hi):
            if first_seen[i] < 0:
                out[n] = i
                n += 1
    return out


class SrilmOrder(NamedTuple):
    """Where SRILM's count trie puts the rows of NgramCounts: per order, the rows context by
    context in its slot order (slot_orders[k-1]), and each word's SRILM index (word_index)."""

    slot_orders: list
    word_index: np.ndarray


def _srilm_order(ids, starts, ends, counts, known=()):
    """The SrilmOrder of the windows ids[starts[w]:ends[w]] (word ids of `counts`, -1 between
    sentences or lines), each inserted into SRILM's trie in turn with all its prefixes; `known`:
    the ids SRILM's vocabulary numbered before the text (a -vocab file's words in its order, the
    words -vocab-aliases names)."""
    vocab = counts.vocab
    index, _ = srilm_word_indices(_met_words(ids, known), vocab)
    unigrams = counts.ngrams[0][:, 0]
    heads = ids[starts]
    window_row = np.searchsorted(unigrams, heads).clip(0, len(unigrams) - 1)
    window_row[unigrams[window_row] != heads] = -1
    orders = []
    for k in range(1, counts.order + 1):
        rows = counts.ngrams[k - 1]
        first_seen = np.full(len(rows), -1, dtype=np.int64)
        if k == 1:
            met, at = np.unique(window_row[window_row >= 0], return_index=True)
            first_seen[met] = np.flatnonzero(window_row >= 0)[at]
        else:
            lower_first, _ = child_offsets(rows, counts.ngrams[k - 2])
            _extend_windows(ids, starts, ends, window_row, rows, lower_first, first_seen)
        orders.append(_slot_order(context_starts(rows, k - 1), first_seen, index[rows[:, k - 1]].astype(np.int64)))
    return SrilmOrder(orders, index)


def _met_words(ids, known=()):
    """The word ids `known`, then those of `ids` (-1 passed over) by first appearance."""
    present, first = np.unique(ids[ids >= 0], return_index=True)
    return np.concatenate([np.asarray(known, dtype=present.dtype), present[np.argsort(first)]])


def _final_ids(tokens, words, options, vocab):
    """Provisional ids (-1 kept) as ids of `vocab`, read with TextOptions `options`."""
    block_vocab, remap = build_vocabulary(words, options)
    final = vocab.ids(block_vocab.words, unknown=-1)[remap]
    return np.where(tokens >= 0, final[np.maximum(tokens, 0)], -1).astype(np.int32)


def text_srilm_order(paths, counts, options):
    """The SrilmOrder of `counts` (NgramCounts of the text files `paths`, weighted or not, read
    with TextOptions `options`): the trie counts a window of up to N words at each position of a
    sentence. None when SRILM's word numbers are not known: a closed vocabulary not read from a
    file as it is."""
    read = _text_ids(paths, counts.vocab, options)
    if read is None:
        return None
    ids, known = read
    starts = np.flatnonzero(ids >= 0)
    marks = np.flatnonzero(ids < 0)
    return _srilm_order(ids, starts, marks[np.searchsorted(marks, starts)], counts, known)


def text_word_order(paths, vocab, options):
    """The word ids of `vocab` in the order ngram-count's Vocab numbers them reading the text
    files `paths` (TextOptions `options`): a -vocab file's words, the -vocab-aliases' words, the
    -nonevents, then the text's by first appearance (-1: an index no word keeps, see
    srilm_trie.srilm_given_words); None as for text_srilm_order."""
    read = _text_ids(paths, vocab, options)
    return None if read is None else _met_words(*read)


def _text_ids(paths, vocab, options):
    """The text's word ids in `vocab` (-1 between sentences), and the ids SRILM's Vocab numbered
    before it: a -vocab file's, the words -vocab-aliases names, the -nonevents (see
    text_srilm_order; None for its None)."""
    known = []
    if options.vocab is not None:
        if options.vocab.read_order is None:
            return None
        known = options.vocab.read_order
    known, _ = srilm_given_words(vocab, known, options.aliases or {}, options.nonevents)
    if options.weights:
        tokens, words, _ = text_tokens(paths, dataclasses.replace(options, add_sos=False, add_eos=False),
                                       quiet=True)
        stream, _, _ = weighted_lines(tokens, words, options)
        del tokens
    else:
        stream, words, _ = text_tokens(paths, options, quiet=True)
    return _final_ids(stream, words, options, vocab), known


def count_file_srilm_order(paths, counts, encoding, nonevents=()):
    """The SrilmOrder of `counts` read from the count files `paths` (read_counts, no -vocab,
    SRILM's Vocab given the -nonevents first): each line's n-gram (one no longer than the
    counts' order) is inserted in turn."""
    ids = _count_file_ids(paths, counts.vocab, counts.order, encoding)
    ends = np.flatnonzero(ids < 0)
    known, _ = srilm_given_words(counts.vocab, nonevents=nonevents)
    return _srilm_order(ids, np.concatenate(([0], ends[:-1] + 1)), ends, counts, known)


def count_file_word_order(paths, vocab, order, encoding, nonevents=()):
    """The word ids of `vocab` in the order ngram-count's Vocab numbers them reading the count
    files `paths` (read_counts of orders up to `order`, no -vocab): the -vocab-aliases' words
    (the vocabulary's aliases), the -nonevents, then the counts' by first appearance."""
    return _met_words(_count_file_ids(paths, vocab, order, encoding), srilm_given_words(vocab, nonevents=nonevents)[0])


def _count_file_ids(paths, vocab, order, encoding):
    """The words of the count files' lines of n-grams up to `order` as ids of `vocab`, -1 after
    each line."""
    interner = Interner()
    tokens = [t for t, _, _ in count_line_tokens(count_blocks(paths, encoding), interner, float_counts=True)]
    ids = _final_ids(np.concatenate(tokens), interner.words(), TextOptions(encoding=encoding), vocab)
    ends = np.flatnonzero(ids < 0)
    starts = np.concatenate(([0], ends[:-1] + 1))
    # SRILM skips a longer line before its words get an index
    short = ends - starts <= order
    return ids[np.repeat(short, ends - starts + 1)]


def mincount_stream_word_order(streams, vocab, min_counts, meta_tag, kept=None, nonevents=()):
    """The word ids of `vocab` in the order ngram-count -read-with-mincounts numbers the words of
    the count lines it reads (SRILM's readMinCounts): `streams` in turn, each (a function giving
    count blocks, the shortest and the longest n-gram taken from them). The words go by first
    appearance, those of the lines below their order's mincount too, unless the line's count is
    0 or there is no `meta_tag`; such a line first numbers its meta-count word (`__meta__C` for
    its count C), a word of `vocab` or else -1. `kept`: NgramCounts whose n-grams alone the
    lines hold (a filter's), or None. The -vocab-aliases' words (the vocabulary's
    aliases) and the -nonevents come first."""
    interner = Interner()
    final = np.zeros(0, dtype=np.int64)  # provisional id -> id of `vocab`
    in_kept = np.zeros(0, dtype=np.int32)  # provisional id -> id of kept.vocab
    met = []  # per block, its new words (ids) and meta-counts (-2 - C), in order
    seen_meta = set()
    for blocks, shortest, longest in streams:
        for tokens, line_counts, _ in count_line_tokens(blocks(), interner):  # the reading warns
            if len(interner) > len(final):
                new = interner.words()[len(final):]
                final = np.concatenate([final, vocab.ids(new, unknown=-1)])
                if kept is not None:
                    in_kept = np.concatenate([in_kept, kept.vocab.ids(new, unknown=-1)])
            ends = np.flatnonzero(tokens < 0)
            starts = np.concatenate(([0], ends[:-1] + 1))
            length = ends - starts
            take = (length >= shortest) & (length <= longest)
            mins = np.array(min_counts, dtype=np.int64)[np.clip(length, 1, len(min_counts)) - 1]
            below = take & (line_counts < mins)
            take &= ~below | ((line_counts > 0) & (meta_tag is not None))
            if kept is not None:
                for k in np.unique(length[take]).tolist():
                    lines = np.flatnonzero(take & (length == k))
                    rows = np.ascontiguousarray(in_kept[tokens[starts[lines][:, None] + np.arange(k)]])
                    take[lines] = find_rows(kept.ngrams[k - 1], rows, 0) >= 0
            meta = take & below
            line_of = np.repeat(np.arange(len(starts)), length + 1)
            words = np.flatnonzero((tokens >= 0) & take[line_of])
            # a line's meta-count word comes before its words
            keys = np.concatenate([2 * words + 1, 2 * starts[meta]])
            items = np.concatenate([final[tokens[words]], -2 - line_counts[meta]])[np.argsort(keys, kind="stable")]
            _, first = np.unique(items, return_index=True)
            items = items[np.sort(first)]
            fresh = [i for i in items.tolist() if i >= 0 or i not in seen_meta]
            seen_meta.update(i for i in fresh if i < -1)
            met.append(np.array(fresh, dtype=np.int64))
    order = np.concatenate(met) if met else np.zeros(0, dtype=np.int64)
    order = order[order != -1]  # a word outside `vocab`
    meta = order < -1
    order[meta] = vocab.ids([meta_word(meta_tag, -2 - c) for c in order[meta].tolist()], unknown=-1)
    order = np.concatenate([srilm_given_words(vocab, nonevents=nonevents)[0], order])
    _, first = np.unique(order, return_index=True)  # each word where it first appears
    keep = order < 0
    keep[first] = True
    return order[keep]


def trie_ranks(contexts, ngrams, order):
    """Each m-word context (rows, m >= 1) in the order SRILM's count trie walks them: its rank,
    given the count tables `ngrams` (orders 1..m at least) and their SrilmOrder."""
    m = contexts.shape[1]
    places = []
    for j in range(1, m + 1):
        place = np.empty(len(ngrams[j - 1]), dtype=np.int64)
        place[order.slot_orders[j - 1]] = np.arange(len(place))
        places.append(place[find_rows(ngrams[j - 1], np.ascontiguousarray(contexts[:, :j]), 0)])
    ranks = np.empty(len(contexts), dtype=np.int64)
    ranks[np.lexsort(places[::-1])] = np.arange(len(contexts))
    return ranks


def context_trie_order(rows, nodes_by_depth, index, vocab_size=0):
    """The permutation of `rows` (m-word contexts) in the order SRILM walks its trie of contexts,
    keyed by their words from the most recent, each node's children in the slot order of its
    hash table. nodes_by_depth[j-1] = (the nodes of j words, sorted rows; a key per node whose
    order among siblings is the order they were inserted in); `index`: SRILM's word numbers;
    `vocab_size`: the words SRILM's Vocab held when it made the model (Ngram's constructor
    sizes the root's table for them)."""
    m = rows.shape[1]
    keys = []
    for j in range(1, m + 1):
        nodes, inserted = nodes_by_depth[j - 1]
        # siblings share their words but the first
        by_parent = np.lexsort([inserted] + [nodes[:, c] for c in range(j - 1, 0, -1)])
        sorted_nodes = nodes[by_parent]
        new_parent = np.zeros(len(nodes), dtype=np.bool_)
        if len(nodes):
            new_parent[0] = True
            if j > 1:
                new_parent[1:] = (sorted_nodes[1:, 1:] != sorted_nodes[:-1, 1:]).any(axis=1)
        starts = np.append(np.flatnonzero(new_parent), len(nodes)).astype(np.int64)
        position = np.empty(len(nodes), dtype=np.int64)
        position[by_parent] = slot_positions(np.asarray(index, dtype=np.int64)[sorted_nodes[:, 0]], starts,
                                             sized_bits(vocab_size) if j == 1 else 0)
        at = find_rows(np.ascontiguousarray(nodes), np.ascontiguousarray(rows), m - j)
        keys.append(np.where(at >= 0, position[at], -1))
    return np.lexsort(keys[::-1])


def backoff_trie_order(rows, kept_contexts, ngrams, order):
    """The permutation of `rows` (m-word contexts) in the order SRILM's estimate walks them as
    it computes backoff weights after order m + 1: its trie of contexts holds each context
    given a probability at orders 2..m+1 (kept_contexts[i-2]: the distinct contexts of order
    i's kept n-grams) and their suffixes, each node inserted when its order and then the count
    trie's walk first reached it (trie_ranks; `ngrams`, `order`: the count tables and their
    SrilmOrder; the model is made once the counts are read, its root's table sized for the
    words of the vocabulary then)."""
    m = rows.shape[1]
    visited = [(i, contexts, trie_ranks(contexts, ngrams, order)) for i, contexts in enumerate(kept_contexts, 2)]
    nodes_by_depth = []
    for j in range(1, m + 1):
        suffixes = [contexts[:, -j:] for i, contexts, _ in visited if i - 1 >= j]
        when = [i * (1 << 40) + ranks for i, contexts, ranks in visited if i - 1 >= j]
        suffixes, when = np.concatenate(suffixes), np.concatenate(when)
        first = np.lexsort([when] + [suffixes[:, c] for c in range(j - 1, -1, -1)])
        suffixes, when = suffixes[first], when[first]
        new = np.ones(len(suffixes), dtype=np.bool_)
        new[1:] = (suffixes[1:] != suffixes[:-1]).any(axis=1)
        nodes_by_depth.append((np.ascontiguousarray(suffixes[new]), when[new]))
    return context_trie_order(rows, nodes_by_depth, order.word_index, srilm_vocab_size(order.word_index))
