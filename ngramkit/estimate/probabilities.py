"""Stage 3: discounted and interpolated probabilities of one order (SRILM's Ngram::estimate).

For each context h with total count T over its followers:
    p(w|h) = coef(c) c / T + lower_weight(h) p_BO(w|h')     (second term only when interpolating)
where h' drops h's first word and the unigram level interpolates with 1/|V|. A context whose
kept probabilities leave (almost) no mass gets T raised by one until some is left (above
unigrams only: SRILM 1.7.3 leaves unigram totals alone, and its references show it).
"""

import numpy as np
from numba import njit

PROB_EPSILON = 3e-6  # SRILM's Prob_Epsilon


@njit(cache=True)
def group_contexts(rows, width):
    """Context number of each row (rows sharing their first `width` ids), and the number of contexts."""
    n = rows.shape[0]
    ctx = np.empty(n, dtype=np.int64)
    current = -1
    for i in range(n):
        new = i == 0
        if not new:
            for j in range(width):
                if rows[i, j] != rows[i - 1, j]:
                    new = True
                    break
        if new:
            current += 1
        ctx[i] = current
    return ctx, current + 1


@njit(cache=True)
def follower_stats(ctx, n_ctx, counts, event):
    """Per context: total count, and followers with count >= 1, >= 2, >= 3."""
    total = np.zeros(n_ctx, dtype=np.int64)
    seen = np.zeros(n_ctx, dtype=np.int64)
    min2 = np.zeros(n_ctx, dtype=np.int64)
    min3 = np.zeros(n_ctx, dtype=np.int64)
    for i in range(ctx.shape[0]):
        if event[i]:
            c = counts[i]
            h = ctx[i]
            total[h] += c
            if c >= 1:
                seen[h] += 1
            if c >= 2:
                min2[h] += 1
            if c >= 3:
                min3[h] += 1
    return total, seen, min2, min3


@njit(cache=True)
def usable_contexts(rows, width, eos, unk, skip_unk):
    """Rows whose context neither ends in </s> nor (when <unk> is no word) contains <unk>."""
    ok = np.ones(rows.shape[0], dtype=np.bool_)
    for i in range(rows.shape[0]):
        if rows[i, width - 1] == eos:
            ok[i] = False
        elif skip_unk:
            for j in range(width):
                if rows[i, j] == unk:
                    ok[i] = False
                    break
    return ok


class OrderEstimate:
    """Kept n-grams of one order: rows, float32-rounded log10 p, and log10 p_BO under the context suffix."""

    def __init__(self, rows, logp, lower_logp):
        self.rows = rows
        self.logp = logp
        self.lower_logp = lower_logp


def estimate_order(k, rows, counts, method, tables, nonevent, vocab, uniform_size, policy, pruned=None):
    n = rows.shape[0]
    if k == 1:
        ctx, n_ctx = np.zeros(n, dtype=np.int64), 1
    else:
        ctx, n_ctx = group_contexts(rows, k - 1)
    event = ~nonevent[rows[:, k - 1]]
    if k > 1:
        event &= counts > 0
        event &= usable_contexts(rows, k - 1, vocab.eos, vocab.unk, bool(nonevent[vocab.unk]))
    total, seen, min2, min3 = follower_stats(ctx, n_ctx, counts, event)
    pruned_mass = np.zeros(n_ctx)
    if pruned is not None:
        # policy hook (KenLM --prune): pruned n-grams stay in the totals; their whole counts,
        # not their discounts, go to the lower-order weight
        _, seen, min2, min3 = follower_stats(ctx, n_ctx, counts, event & ~pruned)
        pruned_mass = np.bincount(ctx, weights=np.where(event & pruned, counts, 0), minlength=n_ctx)
    event &= total[ctx] > 0
    sub = np.flatnonzero(event)
    c_int = counts[sub]
    c = c_int.astype(np.float64)
    cx = ctx[sub]
    totals = total.astype(np.float64)

    if k == 1:
        lower_logp = np.full(len(sub), -np.log10(uniform_size))
    else:
        lower_logp = tables.backoff_logprob(rows[sub], 1).astype(np.float32).astype(np.float64)
    lower_p = 10.0 ** lower_logp

    def probs(sel):
        h = cx[sel]
        t = totals[h]
        coef = method.coefficients(c_int[sel], t, seen[h])
        if pruned is not None:
            coef = np.where(pruned[sub[sel]], 0.0, coef)
        p = coef * c[sel] / t
        if method.interpolate:
            weight = method.lower_order_weight(t, seen[h], min2[h], min3[h]) + pruned_mass[h] / t
            p += weight * lower_p[sel]
        return coef, p

    coef, p = probs(np.arange(len(sub)))
    if k > 1 and policy.increment_denominator and not method.disabled():
        while True:
            mass = np.bincount(cx, weights=np.where(coef != 0, p, 0.0), minlength=n_ctx)
            full = mass > 1.0 - PROB_EPSILON
            if not full.any():
                break
            totals[full] += 1
            sel = np.flatnonzero(full[cx])
            coef[sel], p[sel] = probs(sel)

    kept = coef != 0
    with np.errstate(divide="ignore"):
        logp = np.log10(p[kept]).astype(np.float32).astype(np.float64)
    return OrderEstimate(rows[sub[kept]], logp, lower_logp[kept])
