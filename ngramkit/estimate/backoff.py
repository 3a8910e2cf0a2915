"""Stage 4: backoff weights, always by normalisation (SRILM's computeBOW and computeBOWs):

    bow(h) = (1 - sum_w p(w|h)) / (1 - sum_w p_BO(w|h'))   over the explicit followers w of h,

with SRILM's treatment of the edge cases (sums within Prob_Epsilon of zero are zero; a context
whose lower-order distribution has no mass left has its probabilities scaled to sum to one;
with a minimum backoff mass, a context leaving less has its probabilities scaled down to
leave that much), and for unigrams the mass left over spread evenly over the words without
probability (over all words when every word has one; SRILM's distributeProb).
Probabilities are exp(ln 10 log10 p) of the float32 log values, summed in double, as in SRILM.
"""

import math

import numpy as np

from ..constants import LN10, PROB_EPSILON
from ..jit import njit
from ..tables import group_contexts

NO_MINIMUM = -1.0  # SRILM's minBackoffMass when none is enforced


# what bow_terms finds of a context
PROPER = 0
SCALE_TO_ONE = 1  # nothing left to back off to: the explicit probabilities are scaled to sum to one
IMPROPER = 2


@njit(cache=True)
def bow_terms(num, den):
    """SRILM's checks of a backoff weight's numerator 1 - sum p and denominator 1 - sum p_BO:
    (numerator, denominator, PROPER / SCALE_TO_ONE / IMPROPER), sums within Prob_Epsilon of
    zero being zero; a weight of terms (0, 0) is 1."""
    if abs(num) < PROB_EPSILON:
        num = 0.0
    if abs(den) < PROB_EPSILON:
        den = 0.0
    if den < PROB_EPSILON and num > PROB_EPSILON:
        return 0.0, 0.0, SCALE_TO_ONE
    if num < 0.0:
        return num, den, IMPROPER
    if den <= 0.0:
        if num > PROB_EPSILON:
            return num, den, IMPROPER
        return 0.0, 0.0, PROPER
    return num, den, PROPER


@njit(cache=True)
def normalised_backoffs(ctx, n_ctx, logp, lower_logp, min_backoff):
    """Backoff weight of each context (-inf: no mass left, or improper), the number of improper
    contexts, and per context the backoff mass found where it was below `min_backoff`, so that
    the probabilities were scaled to leave that much (NaN elsewhere). Rescales `logp` in place,
    each scaling a float32 addition as SRILM's."""
    num = np.ones(n_ctx)
    den = np.ones(n_ctx)
    for i in range(ctx.shape[0]):
        num[ctx[i]] -= math.exp(float(logp[i]) * LN10)
        den[ctx[i]] -= math.exp(float(lower_logp[i]) * LN10)
    bow = np.empty(n_ctx)
    to_minimum = np.zeros(n_ctx, dtype=np.float32)
    to_one = np.zeros(n_ctx, dtype=np.float32)
    short = np.full(n_ctx, np.nan)
    improper = 0
    for h in range(n_ctx):
        nu = num[h]
        if 0.0 <= min_backoff <= 1.0 and min_backoff - nu > PROB_EPSILON:
            short[h] = nu
            to_minimum[h] = math.log10(1.0 - min_backoff) - math.log10(1.0 - nu)
            nu = min_backoff
        whole = 1.0 - nu
        nu, de, status = bow_terms(nu, den[h])
        if status == SCALE_TO_ONE:
            to_one[h] = -math.log10(whole)
            bow[h] = 0.0
        elif status == IMPROPER:
            bow[h] = -np.inf
            improper += 1
        elif nu == 0.0 and de == 0.0:
            bow[h] = 0.0
        else:
            bow[h] = math.log10(nu) - math.log10(de) if nu > 0.0 else -np.inf
    for i in range(ctx.shape[0]):
        h = ctx[i]
        if to_minimum[h] != 0.0:
            logp[i] = np.float32(logp[i] + to_minimum[h])
        if to_one[h] != 0.0:
            logp[i] = np.float32(logp[i] + to_one[h])
    return bow, improper, short


def context_backoffs(k, est, warn):
    """Backoff weights of the contexts (order k-1) of the kept order-k n-grams, each context given
    by its first row in est; rescales est.logp."""
    ctx, n_ctx = group_contexts(est.rows, k - 1)
    bow, improper, _ = normalised_backoffs(ctx, n_ctx, est.logp, est.lower_logp, NO_MINIMUM)
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


def spread_unigram_mass(logp, events):
    """SRILM's normalisation of the unigrams, in place on `logp` (log10 p of each unigram,
    -inf for zero): the mass left over (zero when within Prob_Epsilon of it) goes evenly to
    the `events` (mask) with zero probability, or to every event when none has zero. Returns
    the mass left over; when it is negative (the unigrams sum to more than one) nothing changes."""
    left = 1.0 - float(np.exp(logp.astype(np.float64) * LN10).sum())
    if abs(left) < PROB_EPSILON:
        left = 0.0
    if left < 0.0:
        return left
    zero = events & np.isneginf(logp)
    with np.errstate(divide="ignore"):
        if zero.any():
            logp[zero] = np.log10(left / zero.sum())
        else:
            logp[events] = np.log10(np.exp(logp[events].astype(np.float64) * LN10) + left / events.sum())
    return left


def finish_unigrams(est, tables, words, bos, warn):
    """Unigram probabilities over `words` (mask over word ids), SRILM's distributeProb."""
    ids = est.rows[:, 0]
    logp = tables.unigram_logp
    has = tables.unigram_has_prob
    # float32, as SRILM holds them
    logp[ids] = est.logp
    has[ids] = True
    has[bos] = True
    logp[bos] = -np.inf
    left = spread_unigram_mass(logp, words)
    if left < 0.0:
        warn(f"unigram probabilities sum to {1.0 - left:.7g} > 1")
        return
    logp[words] = logp[words].astype(np.float32)
    has[words] = True
