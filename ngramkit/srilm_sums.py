"""The order in which SRILM adds up the counts of a context's followers, for fractional counts
of a weighted text (ngram-count -float-counts -text-has-weights).

NgramLM.cc's estimate totals a context's follower counts walking its count-trie node's hash
table in slot order. With fractional counts the total's last bits depend on that order, and
they matter: the weight of the lower order is computed from the integer ceiling of the total
(Discount.h), so a total an ulp above an integer weighs it as if one more count were seen.

A follower enters its context's table when its n-gram first occurs in the text (the trie
counts each window of up to N words at each position, srilm_trie), keyed by its SRILM word
index; srilm_lhash gives the slot order those insertions leave.
"""

import dataclasses

import numpy as np

from .counting import build_vocabulary
from .jit import njit
from .srilm_lhash import lhash_order
from .srilm_trie import _tokens, srilm_word_indices
from .tables import child_offsets, context_starts
from .text_weights import weighted_lines


@njit(cache=True)
def _extend_windows(tokens, window_row, rows, lower_first, first_seen):
    """Turn window_row (each position's row of order k-1, -1 where the window ends the sentence
    sooner) into the rows of order k = rows.shape[1], and note each row's first position."""
    k = rows.shape[1]
    for i in range(len(tokens)):
        lower = window_row[i]
        window_row[i] = -1
        if lower < 0 or i + k - 1 >= len(tokens) or tokens[i + k - 1] < 0:
            continue
        word = tokens[i + k - 1]
        lo, hi = lower_first[lower], lower_first[lower + 1]
        while lo < hi:
            mid = (lo + hi) >> 1
            if rows[mid, k - 1] < word:
                lo = mid + 1
            else:
                hi = mid
        if lo < lower_first[lower + 1] and rows[lo, k - 1] == word:
            window_row[i] = lo
            if first_seen[lo] < 0:
                first_seen[lo] = i


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


def follower_order(paths, counts, options):
    """Per order, the rows of `counts` (NgramCounts of the weighted text files `paths`, read with
    TextOptions `options` and no -vocab) context by context in the order SRILM sums them."""
    tokens, words = _tokens(paths, dataclasses.replace(options, add_sos=False, add_eos=False), quiet=True)
    stream, _, _ = weighted_lines(tokens, words, options)
    del tokens
    vocab = counts.vocab
    block_vocab, remap = build_vocabulary(words, options)
    ids = np.where(stream >= 0, vocab.ids(block_vocab.words, unknown=-1)[remap[np.maximum(stream, 0)]],
                   -1).astype(np.int32)
    del stream
    present, first = np.unique(ids[ids >= 0], return_index=True)
    index, _ = srilm_word_indices(present[np.argsort(first)], vocab)
    orders = []
    unigrams = counts.ngrams[0][:, 0]
    window_row = np.searchsorted(unigrams, ids).clip(0, len(unigrams) - 1)
    window_row[(ids < 0) | (unigrams[window_row] != ids)] = -1
    for k in range(1, counts.order + 1):
        rows = counts.ngrams[k - 1]
        first_seen = np.full(len(rows), -1, dtype=np.int64)
        if k == 1:
            present_rows = window_row[window_row >= 0]
            positions = np.flatnonzero(window_row >= 0)
            rows_met, at = np.unique(present_rows, return_index=True)
            first_seen[rows_met] = positions[at]
        else:
            lower_first, _ = child_offsets(rows, counts.ngrams[k - 2])
            _extend_windows(ids, window_row, rows, lower_first, first_seen)
        orders.append(_slot_order(context_starts(rows, k - 1), first_seen, index[rows[:, k - 1]].astype(np.int64)))
    return orders
