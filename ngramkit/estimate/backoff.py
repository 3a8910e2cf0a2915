"""Stage 4: backoff weights, always by normalisation (SRILM's computeBOWs):

    bow(h) = (1 - sum_w p(w|h)) / (1 - sum_w p_BO(w|h'))   over the explicit followers w of h,

and for unigrams, the mass left over spread evenly over the words without probability
(over all words when every word has one).
"""

import numpy as np

from ..constants import PROB_EPSILON
from ..jit import njit
from ..tables import group_contexts


@njit(cache=True)
def normalised_backoffs(ctx, n_ctx, logp, lower_logp):
    """log10 backoff weight of each context (ctx: context number of each row) from its rows'
    probabilities and their backed-off lower-order ones, and the number of improper contexts;
    a context with nothing left to back off to has its probabilities scaled up in place."""
    num = np.ones(n_ctx)
    den = np.ones(n_ctx)
    for i in range(ctx.shape[0]):
        num[ctx[i]] -= 10.0 ** logp[i]
        den[ctx[i]] -= 10.0 ** lower_logp[i]
    bow = np.empty(n_ctx)
    scale = np.zeros(n_ctx)
    improper = 0
    for h in range(n_ctx):
        nu = num[h]
        de = den[h]
        if -PROB_EPSILON < nu < 0.0:
            nu = 0.0
        if -PROB_EPSILON < de < 0.0:
            de = 0.0
        if de == 0.0 and nu > 0.0:
            # nothing left to back off to: scale the explicit probabilities up instead
            scale[h] = -np.log10(1.0 - nu)
            bow[h] = 0.0
        elif nu < 0.0:
            bow[h] = -np.inf
            improper += 1
        elif de <= 0.0:
            if nu > PROB_EPSILON:
                bow[h] = -np.inf
                improper += 1
            else:
                bow[h] = 0.0
        elif nu == 0.0:
            bow[h] = -np.inf
        else:
            bow[h] = np.log10(nu) - np.log10(de)
    for i in range(ctx.shape[0]):
        if scale[ctx[i]] != 0.0:
            logp[i] = np.float32(logp[i] + scale[ctx[i]])
    return bow, improper


def context_backoffs(k, est, warn):
    """Backoff weights of the contexts (order k-1) of the kept order-k n-grams, each context given
    by its first row in est; rescales est.logp."""
    ctx, n_ctx = group_contexts(est.rows, k - 1)
    bow, improper = normalised_backoffs(ctx, n_ctx, est.logp, est.lower_logp)
    if improper:
        warn(f"{improper} contexts of order {k - 1} have improper backoff weights")
    return _context_starts(ctx, n_ctx), bow.astype(np.float32)


@njit(cache=True)
def _context_starts(ctx, n_ctx):
    """Index of the first row of each context, given each row's context number (non-decreasing)."""
    starts = np.empty(n_ctx, dtype=np.int64)
    for i in range(ctx.shape[0] - 1, -1, -1):
        starts[ctx[i]] = i
    return starts


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
