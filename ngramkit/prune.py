"""Pruning backoff models as SRILM's `ngram` does it.

Relative-entropy pruning (Stolcke 1998, SRILM's Ngram::pruneProbs, `-prune THETA`): removing
the n-gram hw changes the model's entropy by

    dH = -p(h) [ p(w|h) (log p(w|h') + log bow'(h) - log p(w|h)) + num(h) (log bow'(h) - log bow(h)) ]

where num(h) = 1 - sum_v p(v|h) over h's explicit followers, bow'(h) is h's backoff weight
recomputed without hw, and p(h) the chain-rule marginal of h. The n-gram goes when the
relative perplexity change 10^dH - 1 is below THETA, unless it is the context of a longer
n-gram that stays. Orders are pruned from the highest down to `minprune` (unigrams never by
default), and backoff weights are recomputed at the end.

Every n-gram's change is measured against the unpruned model (SRILM does the same: it
recomputes nothing until the end), so the changes are computed once and any number of
thresholds can be applied cheaply: a threshold for a target size is found by bisection.
"""

import math
from dataclasses import replace

import numpy as np

from .constants import LN10, LOG_ZERO
from .errors import UsageError
from .estimate.backoff import IMPROPER, PROPER, SCALE_TO_ONE, bow_terms
from .estimate.policy import SRILM
from .jit import njit
from .nonevents import nonevent_mask
from .renorm import (
    CHUNK_ROWS,
    add_zero_unigrams,
    backoff_logprob,
    chain_logprob,
    context_groups,
    context_rows,
    inf_to_zeros,
    recompute_backoffs,
    tell_contexts,
    zeros_to_inf,
)
from .tables import context_starts, find_rows
from .vocab import PAUSE


@njit(cache=True)
def _perplexity_changes(starts, logp, lower, ctx_logprob, ctx_bow):
    """Relative perplexity change of removing each n-gram (inf: never pruned, because its
    context's backoff weight cannot be computed; NaN: never pruned, its probability being zero),
    and per context bow_terms' status, numerator and denominator, and the log10 scaling of its
    probabilities (0 for none). Context h holds rows starts[h]:starts[h+1] (numbered from
    starts[0]). As SRILM's computeBOW, a context whose followers leave the backed-off
    distribution nothing has its probabilities scaled to sum to one before its changes are
    measured. The arithmetic is SRILM's: log values (LogP) in float32, probabilities and their
    sums in double."""
    n_ctx = len(starts) - 1
    base = starts[0]
    change = np.empty(starts[n_ctx] - base)
    status = np.empty(n_ctx, dtype=np.int64)
    numerator = np.empty(n_ctx)
    denominator = np.empty(n_ctx)
    scale = np.zeros(n_ctx, dtype=np.float32)
    for h in range(n_ctx):
        num = 1.0
        den = 1.0
        for i in range(starts[h] - base, starts[h + 1] - base):
            num -= math.exp(float(logp[i]) * LN10)
            den -= math.exp(float(lower[i]) * LN10)
        whole = 1.0 - num
        num, den, status[h] = bow_terms(num, den)
        numerator[h], denominator[h] = num, den
        if status[h] == SCALE_TO_ONE:
            scale[h] = np.float32(-math.log10(whole))
        for i in range(starts[h] - base, starts[h + 1] - base):
            if status[h] == IMPROPER:
                change[i] = np.inf
                continue
            if logp[i] <= LOG_ZERO:  # log10 0 makes SRILM's change NaN, below no threshold
                change[i] = np.nan
                continue
            lp = np.float32(logp[i] + scale[h])
            p = math.exp(float(lp) * LN10)
            new_bow = np.float32(math.log10(num + p) - math.log10(den + math.exp(float(lower[i]) * LN10)))
            delta = np.float32(np.float32(lower[i] + new_bow) - lp)
            entropy = -math.exp(float(ctx_logprob[h]) * LN10) * (p * float(delta) + num * float(np.float32(new_bow - ctx_bow[h])))
            change[i] = math.exp(entropy * LN10) - 1.0
    return change, status, numerator, denominator, scale


@njit(cache=True)
def _keep_rows_in_place(table, keep):
    """Move the rows of `table` that `keep` selects down to its first rows, in order; returns
    how many there are. A kept row only moves down, over rows already moved or dropped."""
    kept = 0
    for i in range(table.shape[0]):
        if keep[i]:
            if kept != i:
                table[kept] = table[i]
            kept += 1
    return kept


def _keep_in_place(arrays, i, keep):
    """Keep the rows of arrays[i] that `keep` selects, moved down its memory; the array shrinks
    to them, the rest of its memory released, unless something else refers to it (a view, a
    memory map): then arrays[i] becomes a view of them."""
    table = arrays[i]
    arrays[i] = None  # the list's reference would stop the array from shrinking
    kept = _keep_rows_in_place(table.reshape(table.shape[0], table.shape[1] if table.ndim == 2 else 1), keep)
    try:
        table.resize((kept,) + table.shape[1:])
    except ValueError:
        table = table[:kept]
    arrays[i] = table


def pruned_lines(before, model, told=None, debug=True):
    """SRILM's -debug 1 lines of -prune: the n-grams removed of each order, highest first (`before`:
    the sizes before pruning); `told`: per order k, the computeBOW lines of its pruning decisions,
    which SRILM writes before order k's line, at every -debug level (without `debug` they are
    all there is)."""
    pruned = [b - a for b, a in zip(before, model.sizes())]
    told = told or {}
    return [line for k in range(model.order, 1, -1)
            for line in told.get(k, []) + ([f"pruned {pruned[k - 1]} {k}-grams"] if debug and pruned[k - 1] else [])]


def check_minprune(minprune):
    if minprune < 1:
        raise UsageError(f"the lowest pruned order must be at least 1, not {minprune}", option="minprune")


class Pruner:
    """The pruning decisions for one model at any threshold, or, given `threshold`, at that one.

    changes[k-1]: relative perplexity change of removing each k-gram (None for orders not
    pruned); with `threshold`, which k-grams it falls below (a byte an n-gram, not eight).
    failed[k-2]: contexts (rows of the (k-1)-grams) whose backoff weight could not be
    computed, whose followers are kept and which keep their backoff weight.
    """

    def __init__(self, model, minprune=2, threshold=None, backoff=backoff_logprob, chain=chain_logprob,
                 nonevents=None):
        """`backoff`, `chain`: renorm's backoff_logprob and chain_logprob, or a tagged LM's own;
        `nonevents`: see recompute_backoffs."""
        check_minprune(minprune)
        self.model = model
        self.minprune = max(2, minprune)
        self.threshold = threshold
        self.backoff, self.chain, self.nonevents = backoff, chain, nonevents
        self.recompute_options = {}  # more of recompute_backoffs' options for the pruned model
        self.changes = [None] * model.order
        self.failed = [None] * model.order
        # per order of contexts, those computeBOW scales to sum to one or finds improper, as
        # renorm's _order_backoffs gives them; per order of n-grams, the rows it scales so
        self.flagged = [[] for _ in range(model.order)]
        self.scaled = [[] for _ in range(model.order)]
        for k in range(self.minprune, model.order + 1):
            self.changes[k - 1], self.failed[k - 2] = self._order_changes(k)

    def _order_changes(self, k):
        """Order k's changes (or, with a fixed threshold, which fall below it) and failed contexts,
        computed by groups of contexts."""
        model = self.model
        rows, logprob = model.ngrams[k - 1], model.logprob[k - 1]
        starts = context_starts(rows, k - 1)
        fixed = self.threshold is not None
        changes = np.empty(len(rows), dtype=np.bool_ if fixed else np.float64)
        failed_rows = np.zeros(len(model.ngrams[k - 2]), dtype=np.bool_)
        for h0, h1 in context_groups(starts):
            r0, r1 = int(starts[h0]), int(starts[h1])
            group = rows[r0:r1]
            lower = self.backoff(model, group[:, 1:])
            prefixes = np.ascontiguousarray(rows[starts[h0:h1], :k - 1])
            where = find_rows(model.ngrams[k - 2], prefixes, 0)
            bow = np.zeros(h1 - h0, dtype=np.float32)
            present = where >= 0
            bow[present] = np.nan_to_num(model.backoff[k - 2][where[present]], nan=0.0)
            change, status, numerator, denominator, scale = _perplexity_changes(
                starts[h0:h1 + 1], logprob[r0:r1], lower, self.chain(model, prefixes), bow)
            changes[r0:r1] = change < self.threshold if fixed else change
            failed_rows[where[(status == IMPROPER) & present]] = True
            told = np.flatnonzero(status != PROPER)
            if len(told):
                self.flagged[k - 2].append((prefixes[told], (status[told], numerator[told], denominator[told])))
            scaled = np.flatnonzero(scale)
            if len(scaled):
                self.scaled[k - 1].append((starts[h0 + scaled], starts[h0 + scaled + 1], scale[scaled]))
        return changes, failed_rows

    def _below(self, k, threshold):
        """Which k-grams change the perplexity by less than `threshold`."""
        if self.threshold is None:
            return self.changes[k - 1] < threshold
        if threshold != self.threshold:
            raise UsageError(f"this pruner decides at threshold {self.threshold:g} only, not {threshold:g}")
        return self.changes[k - 1]

    def decisions(self, threshold):
        """(keep, nodes) at `threshold`: per order, which n-grams stay; per order below the
        highest, which n-grams keep a backoff weight. Orders go from the highest down: an
        n-gram stays if it still has a backoff weight, and it has one while it is the context
        of a kept n-gram or the suffix of a context that has one (SRILM's context trie). The
        model's extra_contexts of its highest order are contexts SRILM's pruning leaves: the
        n-grams among them stay, and so do their suffixes' weights."""
        model = self.model
        keep = [np.ones(len(r), dtype=np.bool_) for r in model.ngrams]
        nodes = [~np.isnan(b) for b in model.backoff]
        extra = model.extra_contexts
        top = extra[-1] if extra is not None and len(extra) == model.order else None
        for k in range(model.order, self.minprune - 1, -1):
            if threshold > 0:
                keep[k - 1] = ~self._below(k, threshold)
            if k < model.order:
                keep[k - 1] |= nodes[k - 1]
            elif top is not None:
                keep[k - 1] |= find_rows(top, model.ngrams[k - 1], 0) >= 0
            if k >= 2:
                node = self._contains(k - 1, model.ngrams[k - 1], keep[k - 1], 0) | self.failed[k - 2]
                if k < model.order:
                    node |= self._contains(k - 1, model.ngrams[k - 1], nodes[k - 1], 1)
                elif top is not None:
                    node |= self._contains(k - 1, top, np.ones(len(top), dtype=np.bool_), 1)
                nodes[k - 2] = node
        return keep, nodes

    def _contains(self, k, rows, mask, start):
        """Which k-grams occur as rows[:, start:start+k] of the rows that `mask` selects."""
        has = np.zeros(len(self.model.ngrams[k - 1]), dtype=np.bool_)
        for lo in range(0, len(rows), CHUNK_ROWS):
            hi = min(lo + CHUNK_ROWS, len(rows))
            idx = find_rows(self.model.ngrams[k - 1], rows[lo:hi][mask[lo:hi]], start)
            has[idx[idx >= 0]] = True
        return has

    def size(self, threshold):
        """Total number of n-grams kept at `threshold`."""
        return int(sum(int(m.sum()) for m in self.decisions(threshold)[0]))

    def tell_contexts(self, warn, word_order=None, vocab_size=0):
        """warn(line, k) of SRILM's computeBOW lines of the pruning decisions of the k-grams:
        order by order from the highest, each order's contexts in the order SRILM's pruneProbs
        visits them (renorm.srilm_context_order of `word_order`, `vocab_size`)."""
        for k in range(self.model.order, self.minprune - 1, -1):
            tell_contexts(self.model, [], self.flagged[k - 2], None, lambda line: warn(line, k), word_order,
                          vocab_size)

    def _scale_contexts(self, k, logprob):
        """Scale in `logprob` (order k's) the probabilities of the contexts computeBOW scaled to
        sum to one (in float32, as SRILM adds its LogP scale)."""
        for first, end, scale in self.scaled[k - 1]:
            for r0, r1, by in zip(first, end, scale):
                part = logprob[r0:r1]
                part[part > LOG_ZERO] += by  # log 0 stays log 0

    def pruned(self, threshold, in_place=False, trace=None):
        """The model pruned at `threshold`, with recomputed backoff weights (`trace`:
        recompute_backoffs'). `in_place`: the pruner's model itself, its kept rows moved down
        its own arrays (no second copy of the model, the output is never larger than the
        input); the pruner is spent then."""
        model = self.model
        lower, nonevents = self.backoff, self.nonevents
        keep, nodes = self.decisions(threshold)
        if in_place and all(a.flags.writeable for a in model.ngrams + model.logprob + model.backoff):
            for k in range(1, model.order + 1):
                self._scale_contexts(k, model.logprob[k - 1])
                tables = [model.ngrams, model.logprob]
                if k < model.order:
                    model.backoff[k - 1][~nodes[k - 1]] = np.nan
                    tables.append(model.backoff)
                for arrays in tables:
                    _keep_in_place(arrays, k - 1, keep[k - 1])
            self.changes = self.failed = self.model = None
            out = model
        else:
            backoff = []
            for k in range(1, model.order):
                bow = model.backoff[k - 1][keep[k - 1]]
                bow[~nodes[k - 1][keep[k - 1]]] = np.nan
                backoff.append(bow)
            logprob = []
            for k, (p, m) in enumerate(zip(model.logprob, keep), 1):
                if self.scaled[k - 1]:
                    p = p.copy()
                    self._scale_contexts(k, p)
                logprob.append(p[m])
            out = replace(model, ngrams=[r[m] for r, m in zip(model.ngrams, keep)],
                          logprob=logprob, backoff=backoff, estimation=None)
        del keep, nodes
        out.extra_contexts = _kept_extra_contexts(out, self.minprune)
        recompute_backoffs(out, lower=lower, nonevents=nonevents, trace=trace, **self.recompute_options)
        return out

    def threshold_for_size(self, target, low=1e-12, high=1.0, steps=60):
        """The smallest threshold (by bisection over log10 theta) at which at most `target`
        n-grams remain; raises UsageError when even `high` keeps more."""
        if self.size(high) > target:
            raise UsageError(f"no threshold up to {high:g} prunes the model to {target} n-grams "
                             f"(the orders that are not pruned hold {self.size(high)})")
        if self.size(low) <= target:
            return low
        lo, hi = math.log10(low), math.log10(high)
        for _ in range(steps):
            mid = (lo + hi) / 2
            if self.size(10.0 ** mid) <= target:
                hi = mid
            else:
                lo = mid
        return 10.0 ** hi


def prune(model, threshold, minprune=2, in_place=False, history=None, trace=None, unk_is_word=False, nonevents=(),
          vocabulary_unigrams=False, warn=None, word_order=None, vocab_size=0, decisions_warn=None):
    """SRILM's `ngram -prune threshold [-minprune minprune]`. `in_place`: prune `model` itself,
    in its own arrays (see Pruner.pruned). `history`: the model of the contexts' marginals (see
    history_pruner, and its `unk_is_word`); `trace`: recompute_backoffs'; `nonevents`: words
    (SRILM's -nonevents) the recomputed weights give no unigram mass. `warn(line)`: told SRILM's
    computeBOW lines of the pruning decisions (Pruner.tell_contexts, of `word_order` and
    `vocab_size`; `decisions_warn(line, k)` gets them instead if given), then those of the
    weights recomputed; `vocabulary_unigrams`: recompute_backoffs' (then with `unk_is_word`)."""
    if history is None:
        pruner = Pruner(model, minprune, threshold)
    else:
        pruner = history_pruner(model, history, minprune, threshold, in_place, unk_is_word)
    pruner.nonevents = nonevent_mask(pruner.model.vocab, nonevents)
    pruner.recompute_options = {"warn": warn, "word_order": word_order, "vocab_size": vocab_size}
    if vocabulary_unigrams:
        pruner.recompute_options.update(vocabulary_unigrams=True, unk_is_word=unk_is_word)
    if decisions_warn is not None or warn is not None:
        pruner.tell_contexts(decisions_warn or (lambda line, k: warn(line)), word_order, vocab_size)
    return pruner.pruned(threshold, in_place, trace)


def history_pruner(model, history, minprune=2, threshold=None, in_place=False, unk_is_word=False):
    """The Pruner of `model` that weighs each context by its marginal under the NgramModel
    `history` instead of under `model` (SRILM's `-prune-history-lm`: a Kneser-Ney model's lower
    orders are poor marginals). SRILM reads both into one vocabulary, so the pruned model holds
    the words of both, `history`'s others as unigrams of probability 0. A marginal leaves out
    the factors of probability zero of non-events (<s>, -pau-, and <unk> unless `unk_is_word`),
    as SRILM's contextProb does. `in_place`: `model`'s word ids are rewritten in its own arrays."""
    from .mixing import on_vocab, unigrams_read_order

    if not in_place:  # the unigrams added below must not reach the caller's model
        model = replace(model, ngrams=list(model.ngrams), logprob=list(model.logprob), backoff=list(model.backoff),
                        estimation=None)
    vocab = model.vocab.like(list(model.vocab.words) + list(history.vocab.words))
    model, history = on_vocab(model, vocab, in_place), on_vocab(history, vocab)
    words = history.ngrams[0][:, 0]
    read = unigrams_read_order([model, history])  # SRILM's Vocab meets the history model's words last
    add_zero_unigrams(model, words[~np.isin(words, [vocab.bos, vocab.unk, vocab.get(PAUSE, -1)])])
    model.unigram_order = read
    nonevents = SRILM.nonevents(vocab, unk_is_word)
    if PAUSE in vocab:
        nonevents[vocab.index[PAUSE]] = True
    return Pruner(model, minprune, threshold, chain=lambda _, rows: chain_logprob(history, rows, nonevents))


def prune_low_probs(model, minprune=2, report=None, lower=backoff_logprob, nonevents=None, **recompute_options):
    """Remove the probabilities that are below their backed-off estimates (SRILM's
    `-prune-lowprobs`, pruneLowProbs), order by order from `minprune` up, repeating until none
    is left, since removals change backoff weights. A removed n-gram that is the context of a
    longer one stays a context (backing off through its weight); a context left with neither
    probabilities nor a longer context ending in it loses its weight. At the end every context
    and every prefix of one gets a probability again, its backed-off estimate (fixupProbs).
    `report(line)` gets SRILM's -debug 1 lines: the n-grams each pass removed of each order, and
    the probabilities given back at the end. `lower`, `nonevents`: the backed-off estimates and
    the words of no unigram mass, as renorm.recompute_backoffs takes them (a tagged LM backs off
    its own way), and `recompute_options` its others."""
    model = replace(model, ngrams=list(model.ngrams), logprob=[p.copy() for p in model.logprob],
                    backoff=[b.copy() for b in model.backoff], estimation=None)
    model.extra_contexts = _kept_extra_contexts(model, minprune)
    while True:
        zeros_to_inf(model)
        removed = 0
        for k in range(max(2, minprune), model.order + 1):
            rows, logp = model.ngrams[k - 1], model.logprob[k - 1]
            ctx, n_ctx, _, where = context_rows(model, k)
            bow = np.zeros(n_ctx, dtype=np.float32)
            present = where >= 0
            bow[present] = np.nan_to_num(model.backoff[k - 2][where[present]], nan=0.0)
            low = (lower(model, rows[:, 1:]) + bow[ctx]) > logp  # False where logp is NaN (removed before)
            removed += int(low.sum())
            if report is not None and low.any():
                report(f"pruned {int(low.sum())} {k}-grams")
            logp[low] = np.nan
            _drop_empty_contexts(model, k, ctx, where)
        recompute_backoffs(model, lower=lower, nonevents=nonevents, trace=report, **recompute_options)
        if not removed:
            break
    _restore_context_probs(model, report, lower)
    return model


def _kept_extra_contexts(model, minprune):
    """The model's extra_contexts that pruning leaves (None: none): SRILM's pruneProbs and
    pruneLowProbs remove the contexts of lengths minprune-1 to order-1 that hold no probability
    and end no longer context, as these."""
    extra = model.extra_contexts
    if extra is None:
        return None
    kept = [rows[:0] if minprune - 1 <= d < model.order else rows for d, rows in enumerate(extra, 1)]
    return kept if any(map(len, kept)) else None


def _drop_empty_contexts(model, k, ctx, where):
    """Contexts of order k-1 with no k-gram probability left, and no longer context ending in
    them, are contexts no more (SRILM's removeBOW)."""
    node = ~np.isnan(model.backoff[k - 2])
    followed = np.zeros(len(node), dtype=np.bool_)
    live = ~np.isnan(model.logprob[k - 1])
    prefix = where[ctx[live]]
    followed[prefix[prefix >= 0]] = True
    longer = [model.ngrams[k - 1][~np.isnan(model.backoff[k - 1])]] if k < model.order else []
    if model.extra_contexts is not None and k <= len(model.extra_contexts):
        longer.append(model.extra_contexts[k - 1])
    for rows in longer:
        suffix = find_rows(model.ngrams[k - 2], np.ascontiguousarray(rows), 1)
        followed[suffix[suffix >= 0]] = True
    model.backoff[k - 2][node & ~followed] = np.nan


def _restore_context_probs(model, report=None, lower=backoff_logprob):
    """Give every context and every prefix of one a probability, its backed-off estimate, shorter
    n-grams first (longer estimates back off to them), and drop the rows left with neither a
    probability nor a weight; `report(line)`: SRILM's line of the probabilities given, by order;
    `lower(model, rows)`: the backed-off estimates (see prune_low_probs)."""
    needed = [None] * model.order
    for k in range(model.order - 1, 0, -1):
        need = ~np.isnan(model.backoff[k - 1])
        if k + 1 < model.order:
            above = model.ngrams[k][needed[k]]
            at = find_rows(model.ngrams[k - 1], np.ascontiguousarray(above), 0)
            need[at[at >= 0]] = True
        needed[k - 1] = need
    zeros_to_inf(model)
    for k in range(2, model.order):
        missing = np.flatnonzero(needed[k - 1] & np.isnan(model.logprob[k - 1]))
        if len(missing):
            model.logprob[k - 1][missing] = lower(model, model.ngrams[k - 1][missing])
            if report is not None:
                report(f"inserted {len(missing)} redundant {k}-gram probs")
    inf_to_zeros(model)
    for k in range(2, model.order + 1):
        keep = ~np.isnan(model.logprob[k - 1])
        if not keep.all():
            model.ngrams[k - 1] = np.ascontiguousarray(model.ngrams[k - 1][keep])
            model.logprob[k - 1] = model.logprob[k - 1][keep]
            if k < model.order:
                model.backoff[k - 1] = model.backoff[k - 1][keep]
    # the context of every probability holds it in SRILM's trie: a context whose weight was
    # dropped gets one again, log 1 (fixupProbs creates the node; no weights are recomputed after it)
    for k in range(2, model.order + 1):
        where = context_rows(model, k)[3]
        where = where[where >= 0]
        bow = model.backoff[k - 2]
        bow[where[np.isnan(bow[where])]] = 0.0
