"""Stage 4: backoff weights, always by normalisation (SRILM's computeBOWs):

    bow(h) = (1 - sum_w p(w|h)) / (1 - sum_w p_BO(w|h'))   over the explicit followers w of h,

and for unigrams, the mass left over spread evenly over the words without probability
(over all words when every word has one).
"""

import numpy as np

from ..jit import njit
from ..spill import spill_array
from .probabilities import PROB_EPSILON, context_end, count_contexts


@njit(cache=True, inline="always")
def _context_weight(nu, de):
    """(log10 bow, log10 scale of the explicit probabilities, improper) of a context whose
    explicit followers leave mass `nu` and whose backed-off followers leave `de`."""
    if -PROB_EPSILON < nu < 0.0:
        nu = 0.0
    if -PROB_EPSILON < de < 0.0:
        de = 0.0
    if de == 0.0 and nu > 0.0:
        # nothing left to back off to: scale the explicit probabilities up instead
        return 0.0, -np.log10(1.0 - nu), False
    if nu < 0.0:
        return -np.inf, 0.0, True
    if de <= 0.0:
        if nu > PROB_EPSILON:
            return -np.inf, 0.0, True
        return 0.0, 0.0, False
    if nu == 0.0:
        return -np.inf, 0.0, False
    return np.log10(nu) - np.log10(de), 0.0, False


@njit(cache=True)
def _normalise(ctx, n_ctx, logp, lower_logp):
    num = np.ones(n_ctx)
    den = np.ones(n_ctx)
    for i in range(ctx.shape[0]):
        num[ctx[i]] -= 10.0 ** logp[i]
        den[ctx[i]] -= 10.0 ** lower_logp[i]
    bow = np.empty(n_ctx)
    scale = np.zeros(n_ctx)
    improper = 0
    for h in range(n_ctx):
        bow[h], scale[h], bad = _context_weight(num[h], den[h])
        improper += bad
    for i in range(ctx.shape[0]):
        if scale[ctx[i]] != 0.0:
            logp[i] = np.float32(logp[i] + scale[ctx[i]])
    return bow, improper


@njit(cache=True)
def _normalise_runs(rows, width, logp, lower_logp, starts, bows):
    """_normalise over the runs of rows sharing their first `width` ids, context by context:
    each context's first row into starts, its float32 weight into bows; returns the number of
    improper contexts."""
    improper = 0
    h = 0
    start = 0
    while start < rows.shape[0]:
        end = context_end(rows, start, width)
        nu = 1.0
        de = 1.0
        for i in range(start, end):
            nu -= 10.0 ** logp[i]
            de -= 10.0 ** lower_logp[i]
        bow, scale, bad = _context_weight(nu, de)
        improper += bad
        if scale != 0.0:
            for i in range(start, end):
                logp[i] = np.float32(logp[i] + scale)
        starts[h] = start
        bows[h] = bow
        h += 1
        start = end
    return improper


def context_backoffs(k, est, warn, spill_dir=None):
    """Backoff weights (float32) of the contexts (order k-1) of the kept order-k n-grams, each
    context given by its first row in est; rescales est.logp. `spill_dir`: where the arrays go."""
    n_ctx = count_contexts(est.rows, k - 1)
    starts = spill_array(spill_dir, n_ctx, np.int64, "starts")
    bows = spill_array(spill_dir, n_ctx, np.float32, "bows")
    improper = _normalise_runs(est.rows, k - 1, est.logp, est.lower_logp, starts, bows)
    if improper:
        warn(f"{improper} contexts of order {k - 1} have improper backoff weights")
    return starts, bows


@njit(cache=True)
def _gather_rows(rows, at, out):
    for j in range(at.shape[0]):
        for c in range(out.shape[1]):
            out[j, c] = rows[at[j], c]


def context_rows(rows, starts, spill_dir=None):
    """The contexts (all ids but the last) of rows[starts], in `spill_dir` if given."""
    out = spill_array(spill_dir, (len(starts), rows.shape[1] - 1), rows.dtype, "contexts")
    _gather_rows(rows, starts, out)
    return out


def finish_unigrams(est, tables, words, bos, warn):
    """Unigram probabilities over `words` (mask over word ids), SRILM's distributeProb."""
    ids = est.rows[:, 0]
    logp = tables.unigram_logp
    has = tables.unigram_has_prob
    logp[ids] = est.logp
    has[ids] = True
    has[bos] = True
    logp[bos] = -np.inf
    left = 1.0 - np.sum(10.0 ** logp[has])
    if -PROB_EPSILON < left < 0.0:
        left = 0.0
    if left < 0.0:
        warn(f"unigram probabilities sum to {1.0 - left:.7g} > 1")
        return
    zero = words & (~has | np.isneginf(logp))
    with np.errstate(divide="ignore"):
        if zero.any():
            logp[zero] = np.float32(np.log10(left / zero.sum()))
        else:
            logp[words] = np.log10(10.0 ** logp[words] + left / words.sum()).astype(np.float32)
    has[words] = True
