"""Counts -> adjusted counts -> discounts -> probabilities -> backoff weights -> NgramModel."""

import functools
import sys
import time

import numpy as np

from ..constants import LOG_ZERO
from ..errors import EmptyInputError, Notice, warning_line
from ..jit import njit
from ..model import NgramCounts, NgramModel
from ..spill import release, spill_array
from ..tables import find_rows, prefix_rows
from ..textio import word_bytes
from ..srilm_sums import backoff_trie_order, trie_ranks
from .adjust import adjusted_counts
from .backoff import bow_line, context_backoffs, context_rows, finish_unigrams
from .discounts import estimate_discounts
from .lookup import ModelTables, OrderLinks, backed_off_logprob
from .policy import SRILM
from .probabilities import estimate_order
from .smoothing import smoothing_method


def stderr_warning(message):
    # words read as bytes (surrogate escapes) go out as the bytes they stand for, as SRILM's do
    line = warning_line(message)
    binary = getattr(sys.stderr, "buffer", None)
    if binary is None:
        sys.stderr.write(line)
        return
    sys.stderr.flush()
    binary.write(word_bytes(line))
    binary.flush()


class StageTimes(dict):
    """Wall seconds spent per stage, in the order the stages ran; `cpu`: CPU seconds of this
    process (all threads) per stage, which a busy machine disturbs less; `main`: CPU seconds of
    the calling thread alone, the work no other core shared."""

    def __init__(self):
        super().__init__()
        self.cpu = {}
        self.main = {}
        self._cpu_since = time.process_time()
        self._main_since = time.thread_time()

    def mark(self, stage, since):
        now = time.perf_counter()
        cpu_now = time.process_time()
        main_now = time.thread_time()
        self[stage] = self.get(stage, 0.0) + now - since
        self.cpu[stage] = self.cpu.get(stage, 0.0) + cpu_now - self._cpu_since
        self.main[stage] = self.main.get(stage, 0.0) + main_now - self._main_since
        self._cpu_since = cpu_now
        self._main_since = main_now
        return now


def _methods(vocab, options, policy, order, nonevent):
    """Each order's smoothing method (not yet fitted), and the number of words of the uniform
    distribution below the unigrams."""
    # the words that get a unigram probability
    modelled = ~nonevent & ~policy.pruned_words(vocab) & (policy.meta_types(vocab) < 0)
    uniform_size = int(vocab.name_counts()[modelled].sum())  # SRILM counts a word once per name
    return [policy.smoothing(options.orders[k], uniform_size, options.discount_fallback)
            for k in range(order)], uniform_size


def fit_methods(counts, options, policy=SRILM, warn=stderr_warning):
    """Each order's smoothing method with its discounts fitted on `counts` (integer counts of
    orders 1..N), as `estimate` fits them: for `estimate(..., fitted=)` on other counts."""
    return _fit_counts(counts, options, policy, warn)[0]


def discounted_counts(counts, options, policy=SRILM, warn=stderr_warning, trace=None, orders=None):
    """ngram-count's discounts without -lm: the method of each order in `orders` (default all)
    fitted on `counts` as `estimate` fits it (SRILM's -debug 1 lines of it to `trace`), and the
    counts as that leaves them in SRILM's count trie (see adjusted_count_tables), which -write
    then writes."""
    _, adjusted = _fit_counts(counts, options, policy, warn, trace, orders)
    if adjusted is None:
        return counts
    return NgramCounts(counts.vocab, list(counts.ngrams), adjusted + list(counts.counts[len(adjusted):]))


def _fit_counts(counts, options, policy, warn, trace=None, orders=None):
    """(the methods fitted on `counts`, the adjusted counts; None when they are the counts
    themselves)."""
    order = min(options.order, counts.order)
    prepared = policy.prepare_counts(counts)
    ngrams, raw = list(prepared.ngrams[:order]), list(prepared.counts[:order])
    nonevent = policy.nonevents(counts.vocab, options.unk)
    methods, _ = _methods(counts.vocab, options, policy, order, nonevent)
    fractional = options.float_counts or any(c.dtype.kind == "f" for c in raw)
    adjusted, _, _ = _fit_discounts(ngrams, raw, methods, nonevent, warn, policy.meta_types(counts.vocab), options,
                                    fractional, OrderLinks(ngrams), trace, orders)
    return methods, None if all(a is r for a, r in zip(adjusted, raw)) else adjusted


def _fit_discounts(ngrams, raw, methods, nonevent, warn, meta_type, options, fractional, links, trace=None,
                   orders=None, on_adjusted=None):
    """The discount stage: the continuation counts made, each order's method fitted, SRILM's
    -debug 1 lines to `trace`: (the adjusted counts, each order's count-of-counts, whether each
    order's counts were made continuation counts). `on_adjusted()` is called once the counts
    are adjusted (a stage's time)."""
    order = len(ngrams)
    modified = [method.continuation_counts and k < order and not fractional for k, method in enumerate(methods, 1)]
    names = [smoothing_method(oo.method).srilm_class for oo in options.orders[:order]]
    fit_trace = {"trace": trace, "names": names, "modified": modified,
                 "modified_at_end": options.kn_discounts_from_raw_counts, "orders": orders, "fractional": fractional}
    if options.kn_discounts_from_raw_counts:  # before adjusting, which may release the raw counts
        count_of_counts = estimate_discounts(ngrams, raw, methods, nonevent, warn, meta_type, **fit_trace)
    adjusted = adjusted_counts(ngrams, raw, methods, nonevent, links, fractional)
    if on_adjusted is not None:
        on_adjusted()
    if not options.kn_discounts_from_raw_counts:
        count_of_counts = estimate_discounts(ngrams, adjusted, methods, nonevent, warn, meta_type, **fit_trace)
    return adjusted, count_of_counts, modified


def adjusted_count_tables(counts, options, policy=SRILM):
    """`counts` as SRILM's estimate leaves them in its count trie, which ngram-count's -write
    writes after -lm: the orders whose method makes continuation counts (Kneser-Ney's, below the
    highest) hold those instead of the raw counts; `counts` itself when no order's do."""
    order = min(options.order, counts.order)
    nonevent = policy.nonevents(counts.vocab, options.unk)
    methods, _ = _methods(counts.vocab, options, policy, order, nonevent)
    fractional = options.float_counts or counts.counts[0].dtype.kind == "f"
    if fractional or not any(method.continuation_counts for method in methods[:order - 1]):
        return counts
    ngrams = list(counts.ngrams[:order])
    adjusted = adjusted_counts(ngrams, list(counts.counts[:order]), methods, nonevent, OrderLinks(ngrams),
                               fractional)
    return NgramCounts(counts.vocab, list(counts.ngrams), adjusted + list(counts.counts[order:]))


def _context_totals(ngrams, counts):
    """Per order (None for the unigrams), each row's context count, 0 where the context is no
    row of the order below (as SRILM's count trie holds it: a prefix node with no count)."""
    totals = [None]
    for k in range(2, len(ngrams) + 1):
        found = prefix_rows(ngrams[k - 1], ngrams[k - 2])
        totals.append(np.where(found >= 0, counts[k - 2][np.maximum(found, 0)], 0).astype(np.float64))
    return totals


def estimate(counts, options, policy=SRILM, warn=stderr_warning, times=None, consume=False,
             spill_dir=None, fitted=None, trace=None, srilm_order=None):
    """Estimate a backoff model of order options.order from `counts` (raw counts of orders 1..N).

    `fitted`: the methods of each order with their discounts fitted already (fit_methods), used
    as they are on `counts`, which may then be fractional (float64, SRILM's estimate over
    NgramCounts<FloatCount>: Good-Turing discounts a fractional count by its integer ceiling);
    no Kneser-Ney continuation counts are made then.

    `srilm_order`: None, or a function of NgramCounts giving where SRILM's count trie puts their
    rows (srilm_sums.SrilmOrder, or None when it cannot tell), asked for only where that order
    shows: in the last bits of fractional totals, and in the order of the lines SRILM prints of
    contexts.

    With `consume`, the count tables are taken out of `counts` (left empty), so that each order's
    tables are freed as soon as estimation no longer needs them; the model may then hold some of
    them as its own n-gram tables. With `spill_dir` (a run under a memory cap), the arrays
    indexed by count row are memory-mapped files there, and each stage hands back the pages it
    touched of them and of memory-mapped count tables.

    Fractional counts (float64 tables, or any with options.float_counts) are estimated as SRILM's
    -float-counts does: only by the methods that take them (see estimate.smoothing.base), a
    count compared with a fractional cutoff as it is, and no continuation counts.

    `trace` (None: none) is given the lines SRILM's ngram-count prints at -debug 1 as it
    estimates: each order's method and discounts, the contexts it estimates again, and the
    n-grams it leaves out."""
    times = StageTimes() if times is None else times
    start = time.perf_counter()
    order = min(options.order, counts.order)
    vocab = counts.vocab
    if order < 1:
        raise EmptyInputError("no n-grams to estimate from")
    prepared = policy.prepare_counts(counts)  # policy hook: KenLM's <unk> unigram
    ngrams, raw = list(prepared.ngrams[:order]), list(prepared.counts[:order])
    del prepared
    if consume:
        counts.ngrams.clear()
        counts.counts.clear()
    nonevent = policy.nonevents(vocab, options.unk)
    meta_type = policy.meta_types(vocab)  # policy hook: SRILM's -meta-tag words, never predicted
    pruned_words = policy.pruned_words(vocab)  # policy hook: lmplz's --limit_vocab_file
    modelled = ~nonevent & ~pruned_words & (meta_type < 0)  # the words that get a unigram probability
    methods, uniform_size = _methods(vocab, options, policy, order, nonevent)
    fractional = options.float_counts or any(c.dtype.kind == "f" for c in raw)
    if fitted is not None:
        methods = list(fitted)
    links = OrderLinks(ngrams, spill_dir)
    # policy hook, on raw counts: taken before adjusting drops them
    pruned = [policy.pruned(k, ngrams[k - 1], raw[k - 1], pruned_words) for k in range(1, order + 1)]
    counted = [len(rows) for rows in ngrams]
    tokens = raw[0][~np.isin(ngrams[0][:, 0], [vocab.bos, vocab.eos])].sum().item()
    if fitted is None:
        adjusted_at = []
        adjusted, count_of_counts, modified = _fit_discounts(
            ngrams, raw, methods, nonevent, warn, meta_type, options, fractional, links, trace,
            on_adjusted=lambda: adjusted_at.append(times.mark("adjust", start)))
        start = adjusted_at[0]
    else:
        adjusted, count_of_counts = raw, [np.zeros(1, dtype=np.int64) for _ in range(order)]
        modified = [False] * order
    estimation = [{"order": k, "method": smoothing_method(options.orders[k - 1].method).title,
                   "interpolate": bool(methods[k - 1].interpolate), "min_count": _number(methods[k - 1].min_count),
                   "discounts": methods[k - 1].discount_values(), "count_of_counts": coc[1:].tolist(),
                   "counted": counted[k - 1]} for k, coc in enumerate(count_of_counts, start=1)]
    estimation[0]["tokens"] = tokens
    start = times.mark("discounts", start)

    # policy hook: ngram-count's -trust-totals, each context's own count its total
    context_totals = _context_totals(ngrams, adjusted) if policy.trust_totals else [None] * order
    tables = ModelTables(len(vocab))
    backed_off = None  # log10 p_BO of each count row of the order below
    kept_contexts = []  # per order from 2, the contexts of its kept n-grams
    order_of = functools.cache(lambda: None if srilm_order is None else srilm_order(NgramCounts(vocab, ngrams)))
    for k in range(1, order + 1):
        rows = ngrams[k - 1]
        if trace is not None and methods[k - 1].parameters_read and modified[k - 1]:
            trace(f"modifying {k}-gram counts for Kneser-Ney smoothing")
        lower = None if k == 1 else policy.lower_logprob(links, k, backed_off, tables, rows, vocab)
        est = estimate_order(k, rows, adjusted[k - 1], methods[k - 1], tables, nonevent | (meta_type >= 0), vocab,
                             uniform_size, policy, pruned=pruned[k - 1], lower_logp=lower, spill_dir=spill_dir,
                             meta_type=meta_type, context_total=context_totals[k - 1],
                             sum_order=_slot_order(order_of, k) if fractional else None,
                             diagnose=None if trace is None else functools.partial(_slot_order, order_of, k))
        adjusted[k - 1] = pruned[k - 1] = lower = context_totals[k - 1] = None
        start = times.mark("probabilities", start)
        if trace is not None:
            for line in _order_trace(k, est, ngrams, order_of, vocab, bool(nonevent[vocab.unk])):
                trace(line)
        if k == 1:
            finish_unigrams(est, tables, modelled, _zero_probability_words(nonevent, rows, vocab), warn, trace,
                            vocab.name_counts())
            backed_off = tables.unigram_logp[rows[:, 0]]
        else:
            starts, bows, flagged = context_backoffs(k, est, spill_dir)
            nodes = context_rows(est.rows, starts, spill_dir)
            kept_contexts.append(nodes)
            for line in _backoff_lines(flagged, est, kept_contexts, ngrams, order_of, vocab):
                warn(Notice(line))
            contexts = None
            if links.first[k] is not None:
                contexts = links.prefix_rows(k, np.take(est.source, starts, out=spill_array(
                    spill_dir, len(starts), est.source.dtype, "context-source")))
            if k == 2:
                tables.unigram_node[nodes[:, 0]] = True
                tables.unigram_bow[nodes[:, 0]] = bows
            else:
                tables.node_rows[k - 1] = nodes
                tables.node_bow[k - 1] = bows
                tables.node_source[k - 1] = contexts
            tables.prob_rows[k] = est.rows
            tables.prob_logp[k] = est.logp
            tables.prob_source[k] = est.source
            # the highest order's count rows are needed no more (assembling reads those below)
            backed_off = None if k == order else backed_off_logprob(
                links, k, rows, est, contexts, bows, backed_off, tables)
            del starts, bows, nodes, contexts
        release(rows, links.suffix.get(k), links.first.get(k), backed_off)
        del est, rows
        start = times.mark("backoff", start)
    ngrams[order - 1] = links.suffix[order] = links.first[order] = None
    del kept_contexts  # assembling may replace the node tables they share
    model = assemble(tables, vocab, order, policy, ngrams if links.complete else None, links, spill_dir, trace)
    model.estimation = estimation
    times.mark("assemble", start)
    return model


def _slot_order(order_of, k):
    """SRILM's slot order of the order-k count rows (None when not known)."""
    return None if order_of() is None else order_of().slot_orders[k - 1]


def _order_trace(k, est, ngrams, order_of, vocab, skip_unk):
    """SRILM's -debug 1 lines of estimating order k: a warning per pass of its retries (in
    SRILM's order of contexts when order_of() gives it), and the contexts (rows of
    ngrams[k-2]) ending in </s> or (`skip_unk`) holding <unk>, the n-grams predicting a
    non-event and those discounted to zero that it left out."""
    retries = est.retries
    # order 1's retries are all of the empty context: they stay in the order they were made
    if k > 1 and len(retries) > 1 and order_of() is not None:
        ranks = trie_ranks(np.array([c for c, _, _ in retries], dtype=ngrams[0].dtype), ngrams, order_of())
        retries = [retries[i] for i in np.argsort(ranks, kind="stable")]
    lines = []
    for context, left, interpolated in retries:
        words = _context_words(vocab, context)
        lines.append(f'warning: {left:g} backoff probability mass left for "{words}" -- '
                     f'{"disabling interpolation" if interpolated else "incrementing denominator"}')
    skipped = 0
    if k > 1 and len(ngrams[k - 2]):
        contexts = ngrams[k - 2]
        ends = contexts[:, -1] == vocab.eos
        skipped = int(np.count_nonzero(ends | ((contexts == vocab.unk).any(axis=1) if skip_unk else False)))
    for n, what in ((skipped, "contexts containing pseudo-events"),
                    (est.nonevent_ngrams, "probs predicting pseudo-events"),
                    (est.discounted_ngrams, "probs discounted to zero")):
        if n > 0:
            lines.append(f"discarded {n} {k}-gram {what}")
    return lines


def _context_words(vocab, context):
    """A context (a list of ids) as SRILM prints it: its words from the most recent."""
    return " ".join(vocab.words[w] for w in reversed(context))


def _backoff_lines(flagged, est, kept_contexts, ngrams, order_of, vocab):
    """SRILM's lines of the contexts whose backoff weights it finds improper or whose
    probabilities it scales to sum to one (`flagged`, context_backoffs), in the order it walks
    them when order_of() gives it."""
    if not flagged:
        return []
    contexts = np.ascontiguousarray(est.rows[[row for row, _, _, _ in flagged], :-1])
    walk = range(len(flagged))
    if len(flagged) > 1 and order_of() is not None:
        walk = backoff_trie_order(contexts, kept_contexts, ngrams, order_of())
    lines = []
    for i in walk:
        _, status, numerator, denominator = flagged[i]
        lines.append(bow_line(_context_words(vocab, contexts[i].tolist()), status, numerator, denominator))
    return lines


def _number(value):
    """An integral value as an int, a fractional one as it is."""
    return int(value) if float(value).is_integer() else float(value)


def _union_rows(rows, extra):
    """Sorted union of two sets of id rows (`extra` holds no row of `rows`)."""
    both = np.concatenate([rows, extra])
    perm = np.lexsort(both.T[::-1])
    return np.ascontiguousarray(both[perm]), perm


def _close_nodes(tables, order):
    """Every backoff node's suffix is a node, and every node is an n-gram with a probability
    (SRILM's fixupProbs gives a missing one its backed-off probability). Returns the number of
    probabilities given, per order."""
    inserted = {}
    for m in range(order - 1, 1, -1):
        nodes = tables.node_rows.get(m, np.empty((0, m), dtype=np.int32))
        if m + 1 in tables.node_rows:
            suffixes = np.unique(tables.node_rows[m + 1][:, 1:], axis=0)
            missing = suffixes[find_rows(nodes, suffixes, 0) < 0]
            if len(missing):
                nodes, perm = _union_rows(nodes, missing)
                bows = np.concatenate([tables.node_bow.get(m, np.empty(0, np.float32)),
                                       np.zeros(len(missing), np.float32)])
                tables.node_rows[m], tables.node_bow[m] = nodes, bows[perm]
        if len(nodes) == 0:
            continue
        rows = tables.prob_rows.get(m, np.empty((0, m), dtype=np.int32))
        missing = nodes[find_rows(rows, nodes, 0) < 0]
        inserted[m] = missing
        if len(missing):
            prefixes = np.unique(missing[:, :-1], axis=0)
            if m - 1 == 1:
                tables.unigram_node[prefixes[:, 0]] = True
            else:
                known = tables.node_rows.get(m - 1, np.empty((0, m - 1), dtype=np.int32))
                new = prefixes[find_rows(known, prefixes, 0) < 0]
                if len(new):
                    known, perm = _union_rows(known, new)
                    bows = np.concatenate([tables.node_bow.get(m - 1, np.empty(0, np.float32)),
                                           np.zeros(len(new), np.float32)])
                    tables.node_rows[m - 1], tables.node_bow[m - 1] = known, bows[perm]
    if 2 in tables.node_rows:
        # a 2-gram node's prefix holds its probability, its suffix is its parent in SRILM's
        # context trie: both are nodes (a suffix without 2-grams of its own: weight 1, log 0)
        tables.unigram_node[tables.node_rows[2].ravel()] = True
    # the lower orders first, as fixupProbs stores them: a probability inserted backs off to
    # those inserted below it, rounded to float as they are
    for m, missing in sorted(inserted.items()):
        if len(missing):
            logp = tables.backoff_logprob(missing, 0).astype(np.float32)
            rows, perm = _union_rows(tables.prob_rows.get(m, np.empty((0, m), dtype=np.int32)), missing)
            tables.prob_rows[m] = rows
            tables.prob_logp[m] = np.concatenate([tables.prob_logp.get(m, np.empty(0, np.float32)), logp])[perm]
    return {m: len(missing) for m, missing in inserted.items()}


@njit(cache=True)
def _true_indices(mask, out):
    """np.flatnonzero(mask) into out."""
    n = 0
    for i in range(mask.shape[0]):
        if mask[i]:
            out[n] = i
            n += 1


def _close_linked_nodes(tables, order, ngrams, links):
    """_close_nodes over count-row indices (every node and n-gram is a row of the linked count
    tables): suffixes and prefixes are read from `links`, sets are masks over count rows."""
    inserted = {}
    for m in range(order - 1, 1, -1):
        size = len(ngrams[m - 1])
        node = np.zeros(size, dtype=np.bool_)
        bow = spill_array(links.spill_dir, size, np.float32, "node-bow")
        bow.fill(0)
        if m in tables.node_source:
            node[tables.node_source[m]] = True
            bow[tables.node_source[m]] = tables.node_bow[m]
        if m + 1 in tables.node_source:
            node[links.suffix[m + 1][tables.node_source[m + 1]]] = True
        kept = np.zeros(size, dtype=np.bool_)
        kept[tables.prob_source[m]] = True
        missing = np.flatnonzero(node & ~kept)
        inserted[m] = missing
        if len(missing):
            rows = ngrams[m - 1][missing]
            if m - 1 == 1:
                tables.unigram_node[rows[:, 0]] = True
            else:
                prefixes = links.prefix_rows(m, missing)
                known = tables.node_source.get(m - 1, np.empty(0, dtype=np.int64))
                both = np.concatenate([known, prefixes])
                bows = np.concatenate([tables.node_bow.get(m - 1, np.empty(0, np.float32)),
                                       np.zeros(len(prefixes), np.float32)])
                sources, first = np.unique(both, return_index=True)
                tables.node_source[m - 1], tables.node_bow[m - 1] = sources, bows[first]
        nodes = spill_array(links.spill_dir, int(np.count_nonzero(node)), np.int64, "nodes")
        _true_indices(node, nodes)
        tables.node_source[m] = nodes
        tables.node_bow[m] = np.take(bow, nodes, out=spill_array(links.spill_dir, len(nodes), np.float32, "node-bow"))
        # the nodes as rows too, for the backed-off probabilities inserted below
        tables.node_rows[m] = np.take(ngrams[m - 1], nodes, axis=0,
                                      out=spill_array(links.spill_dir, (len(nodes), m), ngrams[m - 1].dtype, "node-rows"))
        release(ngrams[m - 1], ngrams[m - 2], links.suffix.get(m + 1), links.first.get(m))
        del bow, nodes
    if 2 in tables.node_source:
        tables.unigram_node[ngrams[1][tables.node_source[2]].ravel()] = True  # prefixes and suffixes
    for m, missing in sorted(inserted.items()):  # the lower orders first, as in _close_nodes
        if len(missing):
            logp = tables.backoff_logprob(ngrams[m - 1][missing], 0).astype(np.float32)
            source = np.concatenate([tables.prob_source[m], missing])
            perm = np.argsort(source, kind="stable")
            tables.prob_source[m] = source[perm]
            tables.prob_rows[m] = ngrams[m - 1][source[perm]]
            tables.prob_logp[m] = np.concatenate([tables.prob_logp[m], logp])[perm]
    return {m: len(missing) for m, missing in inserted.items()}


@njit(cache=True)
def _put_at_sources(out, sources, picked, values):
    """out[i] = values[j] where sources[i] == picked[j]: both ascending, and every picked source
    is one of `sources` (every node has a probability, so it is one of the kept rows), so one
    merge pass finds them (a binary search each missed the cache at every step)."""
    i = 0
    n = sources.shape[0]
    for j in range(picked.shape[0]):
        while i < n and sources[i] < picked[j]:
            i += 1
        if i == n or sources[i] != picked[j]:
            raise ValueError("a backoff node without a probability")
        out[i] = values[j]


def _stored(logp, spill_dir=None):
    """float32 for the model (float32 input is changed in place); log10(0) is written as
    SRILM's -99."""
    out = logp
    if logp.dtype != np.float32:
        out = spill_array(spill_dir, len(logp), np.float32, "model-logp")
        out[:] = logp
    out[np.isneginf(out)] = LOG_ZERO
    return out


def _zero_probability_words(nonevent, unigram_rows, vocab):
    """Ids of the unigrams written with log10 p = log 0: <s>, and the counted non-events but
    <unk> (SRILM's estimate drops <unk> when it is no word)."""
    kept = np.zeros(len(vocab), dtype=np.bool_)
    kept[unigram_rows[:, 0]] = True
    kept &= nonevent
    kept[vocab.unk] = False
    kept[vocab.bos] = True
    return np.flatnonzero(kept)


def assemble(tables, vocab, order, policy, ngrams=None, links=None, spill_dir=None, trace=None):
    """The model of the estimated tables; with `ngrams`, the linked count tables (see OrderLinks)
    the estimated rows come from; `spill_dir`: where the model's arrays go; `trace`: given
    SRILM's -debug 1 lines of the probabilities its fixupProbs inserts."""
    if ngrams is None:
        inserted = _close_nodes(tables, order)
    else:
        inserted = _close_linked_nodes(tables, order, ngrams, links)
    if trace is not None:
        for m, n in sorted(inserted.items()):
            if n:
                trace(f"inserted {n} redundant {m}-gram probs")
    ids = np.flatnonzero(tables.unigram_has_prob).astype(np.int32)
    unigram_logp = _stored(tables.unigram_logp[ids])
    unigram_logp[ids == vocab.bos] = policy.bos_logprob
    linked = ngrams is not None
    ngrams = [ids.reshape(-1, 1)]
    logprob = [unigram_logp]
    backoff = []
    if order > 1:
        backoff.append(np.where(tables.unigram_node[ids], _stored(tables.unigram_bow[ids]),
                                np.float32(np.nan)).astype(np.float32))
    for k in range(2, order + 1):
        rows = tables.prob_rows.get(k, np.empty((0, k), dtype=np.int32))
        ngrams.append(rows)
        logprob.append(_stored(tables.prob_logp.get(k, np.empty(0)), spill_dir))
        tables.prob_logp.pop(k, None)
        if k < order:
            bow = spill_array(spill_dir, len(rows), np.float32, "model-backoff")
            bow.fill(np.nan)
            if linked and k in tables.node_source:
                _put_at_sources(bow, tables.prob_source[k], tables.node_source[k], _stored(tables.node_bow[k]))
            elif k in tables.node_rows and len(rows):
                idx = find_rows(tables.node_rows[k], rows, 0)
                hit = idx >= 0
                bow[hit] = _stored(tables.node_bow[k][idx[hit]])
            backoff.append(bow)
    # SRILM's estimate leaves the empty context's weight at the 0 a new model starts with
    return NgramModel(vocab=vocab, ngrams=ngrams, logprob=logprob, backoff=backoff, empty_context_backoff=0.0)
