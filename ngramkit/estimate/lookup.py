"""Finding n-grams in sorted id tables, and backed-off probabilities (SRILM's wordProbBO)."""

import numpy as np
from numba import njit


@njit(cache=True)
def find_rows(table, queries, start):
    """Row index in `table` (sorted, width m) of each queries[q, start:start+m]; -1 where absent."""
    n, m = table.shape
    out = np.empty(queries.shape[0], dtype=np.int64)
    for q in range(queries.shape[0]):
        lo = 0
        hi = n
        while lo < hi:
            mid = (lo + hi) >> 1
            less = False
            for j in range(m):
                a = table[mid, j]
                b = queries[q, start + j]
                if a != b:
                    less = a < b
                    break
            if less:
                lo = mid + 1
            else:
                hi = mid
        found = lo < n
        if found:
            for j in range(m):
                if table[lo, j] != queries[q, start + j]:
                    found = False
                    break
        out[q] = lo if found else -1
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
                result[active] += self.unigram_bow[sub[:, j]]
            elif length - 1 in self.node_rows:
                bidx = find_rows(self.node_rows[length - 1], sub, j)
                result[active] += np.where(bidx >= 0, self.node_bow[length - 1][bidx], 0.0)
        return result
