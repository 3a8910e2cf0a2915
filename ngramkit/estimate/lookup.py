"""Links between the orders of a count table, and backed-off probabilities (SRILM's wordProbBO)."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..jit import available_cores, njit, prefetch
from ..spill import release, spill_array
from ..tables import child_offsets, find_rows
from .pieces import group_pieces, in_pieces, row_pieces

_AHEAD = 16  # groups whose ranges are requested before they are searched


@njit(cache=True)
def _suffix_rows_in_ranges(rows, first, lower, lower_first, lower_suffix, out):
    last = rows.shape[1] - 1
    lower_last = lower.shape[1] - 1
    groups = first.shape[0] - 1
    flat_lower = lower.reshape(lower.size)
    for p in range(groups):
        # the ranges of the groups ahead are far apart in memory: ask for them early
        if p + _AHEAD < groups and lower_suffix[p + _AHEAD] >= 0:
            prefetch(lower_first, lower_suffix[p + _AHEAD])
        if p + _AHEAD // 2 < groups and lower_suffix[p + _AHEAD // 2] >= 0:
            prefetch(flat_lower, lower_first[lower_suffix[p + _AHEAD // 2]] * lower.shape[1])
        s = lower_suffix[p]
        lo = lower_first[s] if s >= 0 else 0
        hi = lower_first[s + 1] if s >= 0 else 0
        for i in range(first[p], first[p + 1]):
            # the rows of p ascend in their last word, so each search starts where the last ended
            w = rows[i, last]
            # gallop from lo (the next word is usually near), then halve
            a = lo
            step = 1
            while a + step < hi and lower[a + step - 1, lower_last] < w:
                a += step
                step *= 2
            b = min(a + step, hi)
            while a < b:
                mid = (a + b) >> 1
                if lower[mid, lower_last] < w:
                    a = mid + 1
                else:
                    b = mid
            out[i] = a if a < hi and lower[a, lower_last] == w else -1
            lo = a


def _suffix_rows(rows, first, lower, lower_first, lower_suffix, spill_dir):
    """Row of `lower` holding each rows[i, 1:], -1 where absent. Row i extends its prefix p (a
    row of `lower`) by a word w; its suffix extends p's suffix s (lower_suffix[p]) by w, so it is
    the row among s's extensions lower_first[s]:lower_first[s+1] whose last word is w. The rows
    of one prefix search the same range in turn: no sort and no buffer beyond the result. The
    prefixes are searched in pieces, one per core."""
    out = spill_array(spill_dir, len(rows), np.int32, "suffix")
    in_pieces(lambda _, lo, hi: _suffix_rows_in_ranges(rows, first[lo:hi + 1], lower, lower_first,
                                                       lower_suffix[lo:hi], out), group_pieces(first))
    return out


class OrderLinks:
    """For each order k >= 2 of a count table, each row's suffix as a row of order k-1
    (suffix[k], -1 where absent) and the ranges of rows sharing a prefix row of order k-1
    (first[k], None where some prefix is absent). Lower-order values are then read by index.
    `spill_dir`: where these and the other arrays indexed by count row are kept (None: memory)."""

    def __init__(self, ngrams, spill_dir=None):
        self.spill_dir = spill_dir
        self.suffix = {}
        self.first = {}
        self.complete = True  # every row's prefix and suffix are rows
        if len(ngrams) < 2:
            return
        unigram_row = np.full(int(max(ngrams[0].max(initial=0), ngrams[1].max(initial=0))) + 1, -1,
                              dtype=np.int32)
        unigram_row[ngrams[0][:, 0]] = np.arange(len(ngrams[0]), dtype=np.int32)
        # the orders' ranges are independent: found in other threads while suffixes are chained here
        with ThreadPoolExecutor(max_workers=min(available_cores(), len(ngrams) - 1),
                                thread_name_prefix="ngramkit-links") as pool:
            offsets = [pool.submit(child_offsets, ngrams[k - 1], ngrams[k - 2], spill_dir)
                       for k in range(2, len(ngrams) + 1)]
            for k in range(2, len(ngrams) + 1):
                self._link(k, ngrams[k - 1], ngrams[k - 2], unigram_row, *offsets[k - 2].result())

    def _link(self, k, rows, lower, unigram_row, first, complete):
        """first[k] and suffix[k] of the order-k rows, given their ranges over `lower`."""
        spill_dir = self.spill_dir
        self.first[k] = first if complete else None
        if k == 2:
            self.suffix[k] = np.take(unigram_row, rows[:, 1], out=spill_array(spill_dir, len(rows), np.int32, "suffix"))
        elif complete and self.first[k - 1] is not None:
            self.suffix[k] = _suffix_rows(rows, first, lower, self.first[k - 1], self.suffix[k - 1], spill_dir)
        else:
            self.suffix[k] = find_rows(lower, rows, 1).astype(np.int32)
        self.complete = self.complete and complete and self.suffix[k].min(initial=0) >= 0
        release(rows, lower, first, self.suffix[k], self.first.get(k - 1), self.suffix.get(k - 1))

    def prefix_rows(self, k, rows):
        """The order k-1 row of the prefix of each given order-k row (ascending; needs first[k])."""
        out = spill_array(self.spill_dir, len(rows), np.int64, "prefix")
        _prefix_rows(self.first[k], rows, out)
        return out


@njit(cache=True)
def _prefix_rows(first, rows, out):
    """out[i]: the range first[p]:first[p+1] holding rows[i], walked once as rows ascend."""
    p = 0
    for i in range(rows.shape[0]):
        while first[p + 1] <= rows[i]:
            p += 1
        out[i] = p


@njit(cache=True)
def _gather(values, index, out):
    """out[i] = values[index[i]] (float32); NaN where index[i] < 0."""
    for i in range(index.shape[0]):
        out[i] = values[index[i]] if index[i] >= 0 else np.nan


@njit(cache=True)
def _backed_off(first, context_bow, lower_backed_off, suffix, source, logp, out):
    """log10 p_BO of each row: its own probability where kept (source), else its context's
    backoff weight plus p_BO of its suffix; NaN where the suffix is absent."""
    for p in range(first.shape[0] - 1):
        for i in range(first[p], first[p + 1]):
            s = suffix[i]
            out[i] = context_bow[p] + lower_backed_off[s] if s >= 0 else np.nan
    for j in range(source.shape[0]):
        out[source[j]] = logp[j]


def lower_logprob(links, k, lower_backed_off, tables, rows):
    """float32-rounded log10 p_BO(last word | context suffix) of each order-k count row, from the
    order k-1 values (`lower_backed_off`, per count row) where the suffix is a count row."""
    out = spill_array(links.spill_dir, len(rows), np.float32, "lower")
    suffix = links.suffix[k]
    in_pieces(lambda _, lo, hi: _gather(lower_backed_off, suffix[lo:hi], out[lo:hi]), row_pieces(len(rows)))
    missing = np.flatnonzero(np.isnan(out))
    if len(missing):
        out[missing] = tables.backoff_logprob(rows[missing], 1)
    return out


def backed_off_logprob(links, k, rows, est, contexts, bows, lower_backed_off, tables):
    """log10 p_BO of each order-k count row once order k is estimated: `bows` are the backoff
    weights of the contexts of the kept rows, given as order k-1 count rows."""
    first = links.first[k]
    if first is None:
        return tables.backoff_logprob(rows, 0)
    context_bow = spill_array(links.spill_dir, len(first) - 1, bows.dtype, "context-bow")
    context_bow.fill(0)
    context_bow[contexts] = bows
    out = spill_array(links.spill_dir, len(rows), np.float64, "backed-off")

    def back_off(_, lo, hi):
        # the kept rows among the piece's rows first[lo]:first[hi] (source ascends)
        kept_lo, kept_hi = np.searchsorted(est.source, [first[lo], first[hi]])
        _backed_off(first[lo:hi + 1], context_bow[lo:hi], lower_backed_off, links.suffix[k],
                    est.source[kept_lo:kept_hi], est.logp[kept_lo:kept_hi], out)

    in_pieces(back_off, group_pieces(first))
    missing = np.flatnonzero(np.isnan(out))
    if len(missing):
        out[missing] = tables.backoff_logprob(rows[missing], 0)
    return out


class ModelTables:
    """The model as estimated so far: explicit log-probabilities and backoff nodes per order.

    Unigrams are dense over word ids (-inf: no probability); a backoff node is a context
    with explicit followers (its weight enters backed-off lookups).
    """

    def __init__(self, vocab_size):
        self.unigram_logp = np.full(vocab_size, -np.inf)
        self.unigram_has_prob = np.zeros(vocab_size, dtype=np.bool_)
        self.unigram_bow = np.zeros(vocab_size)
        self.unigram_node = np.zeros(vocab_size, dtype=np.bool_)
        self.prob_rows = {}
        self.prob_logp = {}
        self.node_rows = {}
        self.node_bow = {}
        # the count rows of prob_rows and node_rows, where the count tables are linked
        self.prob_source = {}
        self.node_source = {}

    def backoff_logprob(self, grams, start):
        """log10 p_BO(last word | grams[:, start:-1]) for each row, in float64."""
        n, width = grams.shape
        result = np.zeros(n)
        active = np.arange(n)
        for j in range(start, width):
            length = width - j
            sub = grams[active]
            if length == 1:
                result[active] += self.unigram_logp[sub[:, -1]]
                break
            rows = self.prob_rows.get(length)
            idx = find_rows(rows, sub, j) if rows is not None else np.full(len(sub), -1)
            hit = idx >= 0
            result[active[hit]] += self.prob_logp[length][idx[hit]]
            active = active[~hit]
            sub = sub[~hit]
            if len(active) == 0:
                break
            if length == 2:
                bow = self.unigram_bow[sub[:, j]]
            elif length - 1 in self.node_rows:
                bidx = find_rows(self.node_rows[length - 1], sub, j)
                bow = np.zeros(len(bidx), dtype=self.node_bow[length - 1].dtype)
                bow[bidx >= 0] = self.node_bow[length - 1][bidx[bidx >= 0]]  # an order may have no nodes
            else:
                continue
            result[active] += bow
        return result
