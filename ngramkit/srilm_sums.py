"""The order in which SRILM adds up the counts of a context's followers, for fractional counts
(ngram-count -float-counts of a weighted text, -text-has-weights, or of count files, -read).

NgramLM.cc's estimate totals a context's follower counts walking its count-trie node's hash
table in slot order. With fractional counts the total's last bits depend on that order, and
they matter: the weight of the lower order is computed from the integer ceiling of the total
(Discount.h), so a total an ulp above an integer weighs it as if one more count were seen.

A follower enters its context's table when its n-gram first occurs in a window inserted into
the trie (the text's windows of up to N words at each position, srilm_trie; a count file's
lines), keyed by its SRILM word index; srilm_lhash gives the slot order those insertions leave.
"""

import dataclasses

import numpy as np

from .countfile import count_blocks, count_line_tokens
from .counting import TextOptions, build_vocabulary
from .jit import njit
from .srilm_lhash import lhash_order
from .srilm_trie import srilm_word_indices, text_tokens
from .tables import child_offsets, context_starts
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


def _follower_order(ids, starts, ends, counts, known=()):
    """follower_order of the windows ids[starts[w]:ends[w]] (word ids of `counts`, -1 between
    sentences or lines), each inserted into SRILM's trie in turn with all its prefixes; `known`:
    the ids SRILM's vocabulary numbered before the text (a -vocab file's words, in its order)."""
    vocab = counts.vocab
    present, first = np.unique(ids[ids >= 0], return_index=True)
    index, _ = srilm_word_indices(np.concatenate([np.asarray(known, dtype=present.dtype),
                                                  present[np.argsort(first)]]), vocab)
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
    return orders


def _final_ids(tokens, words, options, vocab):
    """Provisional ids (-1 kept) as ids of `vocab`, read with TextOptions `options`."""
    block_vocab, remap = build_vocabulary(words, options)
    final = vocab.ids(block_vocab.words, unknown=-1)[remap]
    return np.where(tokens >= 0, final[np.maximum(tokens, 0)], -1).astype(np.int32)


def follower_order(paths, counts, options):
    """Per order, the rows of `counts` (NgramCounts of the text files `paths`, weighted or not,
    read with TextOptions `options`) context by context in the order SRILM sums them: the trie
    counts a window of up to N words at each position of a sentence. None when SRILM's word
    numbers are not known: a closed vocabulary not read from a file as it is."""
    known = ()
    if options.vocab is not None:
        if options.vocab.read_order is None:
            return None
        known = counts.vocab.ids(options.vocab.read_order)
    if options.weights:
        tokens, words, _ = text_tokens(paths, dataclasses.replace(options, add_sos=False, add_eos=False),
                                       quiet=True)
        stream, _, _ = weighted_lines(tokens, words, options)
        del tokens
    else:
        stream, words, _ = text_tokens(paths, options, quiet=True)
    ids = _final_ids(stream, words, options, counts.vocab)
    del stream
    starts = np.flatnonzero(ids >= 0)
    ends = np.flatnonzero(ids < 0)[np.searchsorted(np.flatnonzero(ids < 0), starts)]
    return _follower_order(ids, starts, ends, counts, known)


def count_file_follower_order(paths, counts, encoding):
    """follower_order of `counts` read from the count files `paths` (read_counts, no -vocab):
    each line's n-gram (one no longer than the counts' order) is inserted in turn."""
    interner = Interner()
    tokens = [t for t, _ in count_line_tokens(count_blocks(paths, encoding), interner, float_counts=True)]
    ids = _final_ids(np.concatenate(tokens), interner.words(), TextOptions(encoding=encoding), counts.vocab)
    ends = np.flatnonzero(ids < 0)
    starts = np.concatenate(([0], ends[:-1] + 1))
    # SRILM skips a longer line before its words get an index
    short = ends - starts <= counts.order
    ids = ids[np.repeat(short, ends - starts + 1)]
    ends = np.flatnonzero(ids < 0)
    return _follower_order(ids, np.concatenate(([0], ends[:-1] + 1)), ends, counts)
