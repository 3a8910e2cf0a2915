"""Stage 3: discounted and interpolated probabilities of one order (SRILM's Ngram::estimate).

For each context h with total count T over its followers:
    p(w|h) = coef(c) c / T + lower_weight(h) p_BO(w|h')     (second term only when interpolating)
where h' drops h's first word and the unigram level interpolates with 1/|V|. A context whose
kept probabilities leave (almost) no mass, and which has not seen every word, is estimated
again (SRILM's retry): first without interpolation, then with T raised by one until some mass
is left.
"""

import math
from typing import NamedTuple

import numpy as np
from numba import types
from numba.typed import List

from ..constants import LN10, PROB_EPSILON
from ..jit import njit
from ..spill import spill_array
from ..tables import context_end
from .pieces import context_pieces, in_pieces
from .smoothing.base import borrowed_formula, coefficient, lower_order_weight


@njit(cache=True)
def _usable_context(rows, start, width, eos, unk, skip_unk):
    """A context neither ending in </s> nor (when <unk> is no word) containing <unk>."""
    if width == 0:
        return True
    if rows[start, width - 1] == eos:
        return False
    if skip_unk:
        for j in range(width):
            if rows[start, j] == unk:
                return False
    return True


@njit(cache=True)
def _is_event(rows, counts, i, last, usable, nonevent):
    """Row i predicts a word, from a usable context, with a positive count (any count for unigrams)."""
    return not nonevent[rows[i, last]] and (last == 0 or (usable and counts[i] > 0))


@njit(cache=True)
def _followers(rows, counts, start, end, usable, nonevent, pruned, meta_type, zeros_seen, sum_order):
    """Total count of the context's events, its followers (not pruned; with `zeros_seen` those
    counted 0 too) and those with counts >= 2, >= 3, and the count of its pruned followers; the
    rows are added in the order sum_order[start:end] gives when it is not empty (SRILM's, which
    decides the last bits of a fractional total).

    Above the unigrams, a follower that is a meta-count word (SRILM's -meta-tag; meta_type[w] >= 0,
    and a non-event) stands for followers left out of the counts: TAG<t> with count m for m
    followers seen t times each, TAG alone for a total of m of one follower (NgramLM.cc)."""
    last = rows.shape[1] - 1
    total = 0
    seen = min2 = min3 = 0
    pruned_mass = 0.0
    for at in range(start, end):
        i = sum_order[at] if len(sum_order) else at
        t = meta_type[rows[i, last]]
        if t >= 0:
            m = np.int64(counts[i])
            if last > 0 and usable and (m > 0 or zeros_seen):
                if t == 0:
                    total += m
                    seen += 1
                else:
                    total += t * m
                    seen += m
                    min2 += m if t >= 2 else 0
                    min3 += m if t >= 3 else 0
            continue
        if not nonevent[rows[i, last]] and (last == 0 or usable):
            c = counts[i]
            total += c
            if len(pruned) and pruned[i]:
                pruned_mass += c
            else:
                seen += c > 0 or zeros_seen
                min2 += c >= 2
                min3 += c >= 3
    return total, seen, min2, min3, pruned_mass


@njit(cache=True)
def _kept_size(rows, counts, nonevent, pruned, meta_type, zeros_seen, eos, unk, skip_unk, formula, context_total,
               sum_order, keep_zero, lo, hi):
    """Number of rows lo:hi (whole contexts) of one order that get a probability, and the size
    of their largest context (context_total, keep_zero: see _order_probabilities)."""
    formula = borrowed_formula(formula)
    k = rows.shape[1]
    last = k - 1
    kept = 0
    longest = 0
    start = lo
    while start < hi:
        end = context_end(rows, start, last)
        longest = max(longest, end - start)
        usable = _usable_context(rows, start, last, eos, unk, skip_unk)
        total, seen, _, _, _ = _followers(rows, counts, start, end, usable, nonevent, pruned, meta_type, zeros_seen,
                                          sum_order)
        if len(context_total) and usable:
            total = context_total[start]
        if total > 0:
            for i in range(start, end):
                if (_is_event(rows, counts, i, last, usable, nonevent) and not (len(pruned) and pruned[i])
                        and (keep_zero or coefficient(counts[i], float(total), seen, formula) != 0.0)):
                    kept += 1
        start = end
    return kept, longest


class DiagnosisLog(NamedTuple):
    """What SRILM's -debug 1 says of estimating one order (_order_probabilities' `log`):
    counts[0], counts[1] the rows predicting a non-event and those discounted to zero, counted
    on each pass as SRILM counts them; per retry its context's first row, the mass it left
    (summed in `srilm_order`, as sum_order, when not empty) and whether it was interpolated."""

    counts: np.ndarray
    srilm_order: np.ndarray
    retry_start: object
    retry_left: object
    retry_interpolated: object


def diagnosis_log(srilm_order):
    return DiagnosisLog(np.zeros(2, dtype=np.int64), srilm_order, List.empty_list(types.int64),
                        List.empty_list(types.float64), List.empty_list(types.boolean))


@njit(cache=True)
def _order_probabilities(rows, counts, lower_logp, nonevent, pruned, meta_type, zeros_seen, eos, unk, skip_unk,
                         interpolate,
                         retry, vocab_size, formula, context_total, sum_order, keep_zero, longest, source, logp,
                         kept_lower, lo, hi, out, log):
    """Fill the kept rows of rows lo:hi (whole contexts) of one order from kept row `out` on:
    their indices (`source`), their float32-rounded log10 p and their lower-order log10 p. With
    `retry`, a context that leaves no mass and has seen fewer than `vocab_size` words is computed
    again, without interpolation, then with a raised total. A non-empty `context_total` (per
    row) is the total of each usable context instead of its followers' (-trust-totals); a
    non-empty `sum_order` the order the followers are totalled in (_followers). `keep_zero`: an
    n-gram discounted to zero keeps its (interpolated) probability, as KenLM's do; SRILM drops
    it. `log`: None, or
    a DiagnosisLog to fill (its code is compiled only for it: None costs nothing)."""
    formula = borrowed_formula(formula)
    k = rows.shape[1]
    last = k - 1
    p = np.empty(longest)
    coef = np.empty(longest)
    keep = np.zeros(longest, dtype=np.bool_)
    start = lo
    while start < hi:
        end = context_end(rows, start, last)
        usable = _usable_context(rows, start, last, eos, unk, skip_unk)
        total, seen, min2, min3, pruned_mass = _followers(rows, counts, start, end, usable, nonevent, pruned,
                                                          meta_type, zeros_seen, sum_order)
        if len(context_total) and usable:
            total = context_total[start]
        if total == 0 or not usable:
            start = end
            continue
        t = float(total)
        interpolating = interpolate
        while True:
            weight = 0.0
            if interpolating:
                weight = lower_order_weight(t, seen, min2, min3, formula) + pruned_mass / t
            mass = 0.0
            for i in range(start, end):
                j = i - start
                coef[j] = 0.0
                keep[j] = False
                if _is_event(rows, counts, i, last, usable, nonevent):
                    if not (len(pruned) and pruned[i]):
                        coef[j] = coefficient(counts[i], t, seen, formula)
                        keep[j] = keep_zero or coef[j] != 0.0
                    p[j] = coef[j] * counts[i] / t
                    if interpolating:
                        p[j] += weight * math.exp(np.float64(lower_logp[i]) * LN10)
                    if coef[j] != 0.0:
                        mass += p[j]
                    elif log is not None:
                        log.counts[1] += 1
                elif log is not None and nonevent[rows[i, last]] and (
                        counts[i] > 0 if last > 0 else rows[i, 0] == unk or meta_type[rows[i, 0]] >= 0):
                    log.counts[0] += 1  # SRILM drops the unigrams of <unk> (no word) and meta-count words
            if not (retry and seen < vocab_size and mass > 1.0 - PROB_EPSILON):
                break
            if log is not None:
                if len(log.srilm_order):  # the mass as SRILM sums it, in its order
                    mass = 0.0
                    for at in range(start, end):
                        if coef[log.srilm_order[at] - start] != 0.0:
                            mass += p[log.srilm_order[at] - start]
                log.retry_start.append(start)
                log.retry_left.append(1.0 - mass)
                log.retry_interpolated.append(interpolating)
            if interpolating:
                interpolating = False
            else:
                t += 1.0
        for i in range(start, end):
            if keep[i - start]:
                source[out] = i
                logp[out] = np.log10(p[i - start])
                kept_lower[out] = lower_logp[i]
                out += 1
        start = end


class OrderEstimate:
    """Kept n-grams of one order: their rows in the count table (source), rows, float32
    log10 p and log10 p_BO under the context suffix."""

    def __init__(self, source, rows, logp, lower_logp):
        self.source = source
        self.rows = rows
        self.logp = logp
        self.lower_logp = lower_logp
        # SRILM's -debug 1 counts (with estimate_order's `diagnose`): the n-grams predicting a
        # non-event and those discounted to zero, and the passes of its retries over the
        # contexts that left no mass, each (the context's ids, mass left, interpolated)
        self.nonevent_ngrams = self.discounted_ngrams = 0
        self.retries = []


def estimate_order(k, rows, counts, method, tables, nonevent, vocab, uniform_size, policy, pruned=None,
                   lower_logp=None, spill_dir=None, meta_type=None, context_total=None, sum_order=None,
                   diagnose=None):
    """Probabilities of the order-k count rows; `lower_logp`: float32-rounded log10 p_BO of each
    row's last word under the context suffix (looked up in `tables` if not given); `spill_dir`:
    where the arrays of kept rows go; `meta_type`: each word's meta-count type (-1 or None: no
    meta-count words), such words being non-events too; `context_total`: None, or per row the
    total its context divides by, in place of its followers' (ngram-count's -trust-totals);
    `sum_order`: None, or the rows context by context in the order their counts are totalled;
    `diagnose`: None, or a function giving SRILM's order of the rows (as sum_order, or None
    when it is not known), to fill the estimate's counts of SRILM's -debug 1 lines
    (OrderEstimate), the masses its retries leave summed in that order."""
    if k == 1:
        lower_logp = np.full(len(rows), -np.log10(uniform_size), dtype=np.float32)  # a LogP, as SRILM's
    elif lower_logp is None:
        lower_logp = tables.backoff_logprob(rows, 1).astype(np.float32)
    retry = policy.increment_denominator and not method.disabled()
    pruned = np.zeros(0, dtype=np.bool_) if pruned is None else pruned
    skip_unk = bool(nonevent[vocab.unk])
    if meta_type is None:
        meta_type = np.full(len(nonevent), -1, dtype=np.int32)
    formula = method.formula()
    context_total = np.zeros(0) if context_total is None else context_total.astype(np.float64, copy=False)
    sum_order = np.zeros(0, dtype=np.int64) if sum_order is None else sum_order
    bounds = context_pieces(rows, k - 1)
    zeros_seen = policy.zero_counts_seen
    keep_zero = policy.keeps_discounted_to_zero
    sizes = in_pieces(lambda _, lo, hi: _kept_size(rows, counts, nonevent, pruned, meta_type, zeros_seen, vocab.eos,
                                                vocab.unk, skip_unk, formula, context_total, sum_order, keep_zero, lo,
                                                hi), bounds)
    kept = sum(size for size, _ in sizes)
    longest = max(size for _, size in sizes)
    source = spill_array(spill_dir, kept, np.int32 if len(rows) <= np.iinfo(np.int32).max else np.int64,
                         "source")
    logp = spill_array(spill_dir, kept, np.float32, "logp")
    # keeping every row keeps every lower value, in place
    kept_lower = lower_logp if kept == len(rows) else spill_array(spill_dir, kept, lower_logp.dtype, "kept-lower")
    firsts = [0]  # each piece's first kept row
    for size, _ in sizes[:-1]:
        firsts.append(firsts[-1] + size)
    interpolate = bool(method.interpolate)

    def probabilities(piece, lo, hi, log=None):
        _order_probabilities(rows, counts, lower_logp, nonevent, pruned, meta_type, zeros_seen, vocab.eos, vocab.unk,
                             skip_unk, interpolate, retry, uniform_size, formula, context_total, sum_order, keep_zero,
                             longest, source, logp, kept_lower, lo, hi, firsts[piece], log)

    in_pieces(probabilities, bounds)
    log = None
    if diagnose is not None:  # once more, the pieces in turn, to log what SRILM says
        log = diagnosis_log(np.zeros(0, dtype=np.int64))
        for piece, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
            probabilities(piece, lo, hi, log)
        if len(log.retry_start) and diagnose() is not None:  # the masses the retries leave, as SRILM sums them
            log = diagnosis_log(diagnose())
            for piece, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
                probabilities(piece, lo, hi, log)
    original = rows
    # source is increasing, so keeping every row keeps `rows` as they are
    if kept < len(rows):
        rows = np.take(rows, source, axis=0, out=spill_array(spill_dir, (kept, k), rows.dtype, "kept-rows"))
    est = OrderEstimate(source, rows, logp, kept_lower)
    if log is not None:
        est.nonevent_ngrams, est.discounted_ngrams = log.counts.tolist()
        est.retries = [(original[start, :-1].tolist(), m, i)
                       for start, m, i in zip(log.retry_start, log.retry_left, log.retry_interpolated)]
    return est
