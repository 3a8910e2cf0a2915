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
from ..errors import Notice
from ..jit import njit
from ..spill import spill_array
from ..tables import context_end, count_contexts
from .pieces import context_pieces, in_pieces, row_pieces

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


def bow_line(words, status, numerator, denominator):
    """SRILM's computeBOW line of a context it scales to sum to one (`status` SCALE_TO_ONE) or
    finds improper (IMPROPER, with bow_terms' numerator and denominator); `words`: the
    context's words, most recent first, joined by spaces."""
    if status == SCALE_TO_ONE:
        return f'BOW denominator for context "{words}" is zero; scaling probabilities to sum to 1'
    if numerator < 0.0:
        return f'BOW numerator for context "{words}" is {numerator:g} < 0'
    return f'BOW denominator for context "{words}" is {denominator:g} <= 0,numerator is {numerator:g}'


@njit(cache=True, inline="always")
def _context_weight(nu, de, min_backoff):
    """One context's backoff weight from the mass its explicit followers leave (`nu`) and the
    mass their backed-off estimates leave (`de`): (log10 bow, -inf when none is left or it is
    improper; the log10 scalings of the context's probabilities to leave min_backoff and to
    sum to one, 0 for none; the mass found below min_backoff, NaN otherwise; bow_terms' status
    and the numerator and denominator it checked)."""
    short = np.nan
    to_minimum = 0.0
    if 0.0 <= min_backoff <= 1.0 and min_backoff - nu > PROB_EPSILON:
        short = nu
        to_minimum = math.log10(1.0 - min_backoff) - math.log10(1.0 - nu)
        nu = min_backoff
    whole = 1.0 - nu
    nu, de, status = bow_terms(nu, de)
    if status == SCALE_TO_ONE:
        return 0.0, to_minimum, -math.log10(whole), short, status, nu, de
    if status == IMPROPER or nu == 0.0 and de == 0.0:
        return (-np.inf if status == IMPROPER else 0.0), to_minimum, 0.0, short, status, nu, de
    return (math.log10(nu) - math.log10(de) if nu > 0.0 else -np.inf), to_minimum, 0.0, short, status, nu, de


@njit(cache=True, inline="always")
def _rescale(logp, lo, hi, to_minimum, to_one):
    """The context's probabilities rows lo:hi scaled, each scaling a float32 addition of a float32
    scale as SRILM's (its scale is a LogP: a float)."""
    to_minimum = np.float32(to_minimum)
    to_one = np.float32(to_one)
    for i in range(lo, hi):
        if to_minimum != 0.0:
            logp[i] = np.float32(np.float32(logp[i]) + to_minimum)
        if to_one != 0.0:
            logp[i] = np.float32(np.float32(logp[i]) + to_one)


@njit(cache=True)
def normalised_backoffs(ctx, n_ctx, logp, lower_logp, min_backoff):
    """Backoff weight of each context (ctx: each row's context number, non-decreasing; -inf: no
    mass left, or improper), the number of improper contexts, per context the backoff mass
    found where it was below `min_backoff`, so that the probabilities were scaled to leave that
    much (NaN elsewhere), and per context bow_terms' status and the numerator and denominator
    it checked. Rescales `logp` in place."""
    bow = np.empty(n_ctx)
    short = np.full(n_ctx, np.nan)
    status = np.empty(n_ctx, dtype=np.int8)
    numerator = np.empty(n_ctx)
    denominator = np.empty(n_ctx)
    improper = 0
    start = 0
    for h in range(n_ctx):
        end = start
        nu = 1.0
        de = 1.0
        while end < ctx.shape[0] and ctx[end] == h:
            nu -= math.exp(float(logp[end]) * LN10)
            de -= math.exp(float(lower_logp[end]) * LN10)
            end += 1
        bow[h], to_minimum, to_one, short[h], status[h], numerator[h], denominator[h] = _context_weight(
            nu, de, min_backoff)
        improper += status[h] == IMPROPER
        _rescale(logp, start, end, to_minimum, to_one)
        start = end
    return bow, improper, short, status, numerator, denominator


@njit(cache=True)
def _normalise_runs(rows, width, logp, lower_logp, starts, bows, first_row):
    """normalised_backoffs over the runs of rows sharing their first `width` ids, context by
    context (no per-row array): each context's first row (counted from `first_row`) into starts,
    its float32 weight into bows; returns the number of improper contexts and, of the contexts
    SRILM reports (improper, or scaled to sum to one), each one's first row, bow_terms' status
    and the numerator and denominator it checked."""
    improper = 0
    flagged_row, flagged_status, flagged_nu, flagged_de = [0], [0], [0.0], [0.0]  # typed by the first, dropped
    h = 0
    start = 0
    while start < rows.shape[0]:
        end = context_end(rows, start, width)
        nu = 1.0
        de = 1.0
        for i in range(start, end):
            nu -= math.exp(float(logp[i]) * LN10)
            de -= math.exp(float(lower_logp[i]) * LN10)
        bow, to_minimum, to_one, _, status, nu, de = _context_weight(nu, de, NO_MINIMUM)
        improper += status == IMPROPER
        if status != PROPER:
            flagged_row.append(first_row + start)
            flagged_status.append(status)
            flagged_nu.append(nu)
            flagged_de.append(de)
        _rescale(logp, start, end, to_minimum, to_one)
        starts[h] = first_row + start
        bows[h] = bow
        h += 1
        start = end
    return improper, flagged_row[1:], flagged_status[1:], flagged_nu[1:], flagged_de[1:]


def context_backoffs(k, est, spill_dir=None):
    """Backoff weights (float32) of the contexts (order k-1) of the kept order-k n-grams, each
    context given by its first row in est; rescales est.logp. `spill_dir`: where the arrays go.
    Also the contexts SRILM reports: (first row, bow_terms status, numerator, denominator) of
    each one scaled to sum to one or improper."""
    bounds = context_pieces(est.rows, k - 1)
    contexts = in_pieces(lambda _, lo, hi: count_contexts(est.rows[lo:hi], k - 1), bounds)
    firsts = [0]  # each piece's first context
    for n in contexts:
        firsts.append(firsts[-1] + n)
    starts = spill_array(spill_dir, firsts[-1], np.int64, "starts")
    bows = spill_array(spill_dir, firsts[-1], np.float32, "bows")

    def normalise(piece, lo, hi):
        h, h_end = firsts[piece], firsts[piece + 1]
        return _normalise_runs(est.rows[lo:hi], k - 1, est.logp[lo:hi], est.lower_logp[lo:hi], starts[h:h_end],
                               bows[h:h_end], lo)

    flagged = [entry for _, *lists in in_pieces(normalise, bounds) for entry in zip(*lists)]
    return starts, bows, flagged


@njit(cache=True)
def _gather_rows(rows, at, out):
    for j in range(at.shape[0]):
        for c in range(out.shape[1]):
            out[j, c] = rows[at[j], c]


def context_rows(rows, starts, spill_dir=None):
    """The contexts (all ids but the last) of rows[starts], in `spill_dir` if given."""
    out = spill_array(spill_dir, (len(starts), rows.shape[1] - 1), rows.dtype, "contexts")
    in_pieces(lambda _, lo, hi: _gather_rows(rows, starts[lo:hi], out[lo:hi]), row_pieces(len(starts)))
    return out


def unigram_mass_left(logp):
    """1 - the sum of the unigram probabilities `logp` (log10 p, -inf for zero), zero within
    Prob_Epsilon of it, as SRILM's computeBOW of the empty context finds it."""
    left = 1.0 - float(np.exp(logp.astype(np.float64) * LN10).sum())
    return 0.0 if abs(left) < PROB_EPSILON else left


def spread_unigram_mass(logp, events, trace=None, names=None):
    """SRILM's normalisation of the unigrams, in place on `logp` (log10 p of each unigram,
    -inf for zero): the mass left over (zero when within Prob_Epsilon of it) goes evenly to
    the `events` (mask) with zero probability, or to every event when none has zero. Returns
    the mass left over; when it is negative (the unigrams sum to more than one) nothing changes.
    `names` (int per unigram, None: 1 each): the unigram's names in SRILM's vocabulary, a word
    and its aliases, each counted as a word in the spread. `trace` (None: none) is given
    SRILM's -debug 1 warning of the mass spread."""
    left = unigram_mass_left(logp)
    if left < 0.0:
        return left
    zero = events & np.isneginf(logp)
    if names is None:
        names = np.ones(len(logp), dtype=np.int64)
    zero_names, event_names = int(names[zero].sum()), int(names[events].sum())
    if trace is not None and (zero.any() or left > 0.0):
        over = f"{zero_names} zeroton words" if zero.any() else f"all {event_names} words"
        trace(f"warning: distributing {left:g} left-over probability mass over {over}")
    with np.errstate(divide="ignore"):
        if zero.any():
            # the share is set at a word's first name: an aliased word gets one, as the others
            logp[zero] = np.log10(left / zero_names)
            return left
        add = left / event_names
        for name in range(1, int(names[events].max(initial=1)) + 1):  # a share added at each name
            again = events & (names >= name)
            if name > 1:
                logp[again] = logp[again].astype(np.float32)  # as SRILM holds it between the additions
            logp[again] = np.log10(np.exp(logp[again].astype(np.float64) * LN10) + add)
    return left


def finish_unigrams(est, tables, words, zero_words, warn, trace=None, names=None):
    """Unigram probabilities over `words` (mask over word ids), SRILM's distributeProb;
    `zero_words` (ids: <s>, other non-events) are unigrams of probability 0. `names`: of each
    word (see spread_unigram_mass). `trace` (None: none) is given SRILM's -debug 1 warning of
    the mass spread."""
    ids = est.rows[:, 0]
    logp = tables.unigram_logp
    has = tables.unigram_has_prob
    # float32, as SRILM holds them
    logp[ids] = est.logp
    has[ids] = True
    has[zero_words] = True
    logp[zero_words] = -np.inf
    left = spread_unigram_mass(logp, words, trace, names)
    if left < 0.0:
        warn(Notice(f'BOW numerator for context "" is {left:g} < 0'))  # SRILM's line: the unigrams sum above 1
        return
    logp[words] = logp[words].astype(np.float32)
    has[words] = True
