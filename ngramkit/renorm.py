"""Backed-off probabilities of arbitrary n-grams, and backoff weights recomputed by
normalisation (SRILM's recomputeBOWs, `ngram -renorm`). Pruning and mixing build on both.
"""

from dataclasses import replace

import numpy as np

from .constants import LOG_ZERO
from .estimate.backoff import NO_MINIMUM, PROPER, bow_line, normalised_backoffs, spread_unigram_mass, unigram_mass_left
from .srilm_sums import context_trie_order
from .srilm_trie import srilm_word_indices
from .tables import context_starts, find_rows, group_contexts
from .vocab import PAUSE


def _unigram_rows(model):
    rows = np.full(len(model.vocab), -1, dtype=np.int64)
    rows[model.ngrams[0][:, 0]] = np.arange(len(model.ngrams[0]))
    return rows


def _find(model, k, rows, start, unigram_rows):
    """Row among the k-grams of each rows[:, start:start+k] (-1 where absent)."""
    if k == 1:
        return unigram_rows[rows[:, start]]
    return find_rows(model.ngrams[k - 1], rows, start)


def backoff_logprob(model, rows):
    """log10 p_BO(last word | the words before it) of each row, as SRILM's wordProbBO computes
    it in float32: the longest matching n-gram's probability plus the backoff weights of the
    existing longer contexts, summed from the shortest. A row whose probability is NaN is a
    context only (its probability pruned away): lookups pass over it."""
    rows = np.ascontiguousarray(rows, dtype=np.int32)
    if rows.shape[1] > model.order:
        rows = np.ascontiguousarray(rows[:, rows.shape[1] - model.order:])
    n, k = rows.shape
    unigram_rows = _unigram_rows(model)
    logp = np.full(n, -np.inf, dtype=np.float32)
    found = np.zeros(n, dtype=np.int64)
    active = np.arange(n)
    for m in range(k, 0, -1):
        idx = _find(model, m, rows[active], k - m, unigram_rows)
        hit = idx >= 0
        hit[hit] = ~np.isnan(model.logprob[m - 1][idx[hit]])
        logp[active[hit]] = model.logprob[m - 1][idx[hit]]
        found[active[hit]] = m
        active = active[~hit]
        if len(active) == 0:
            break
    # Contexts shorter than the match exist (the match hangs off them), so only the rows that
    # backed off look theirs up, from the shortest, while the chain of contexts holds.
    bow_sum = np.zeros(n, dtype=np.float32)
    active = np.flatnonzero(found < k)
    for j in range(1, k):
        need = active[found[active] <= j]
        idx = _find(model, j, rows[need], k - 1 - j, unigram_rows)
        hit = idx >= 0
        bow = model.backoff[j - 1][idx[hit]]
        bow_sum[need[hit]] += np.where(np.isnan(bow), np.float32(0.0), bow)
        active = np.setdiff1d(active, need[~hit], assume_unique=True)
    return logp + bow_sum


def chain_logprob(model, rows, nonevents=None):
    """float32 sum log10 p(w1) + log10 p_BO(w2 | w1) + ... of each row, with p(</s>) standing in
    for p(<s>) as the first factor (SRILM's marginal of a context: <s> has probability zero).
    `nonevents`: a mask over word ids whose factors of probability zero are left out (SRILM's
    contextProb with the non-events its vocabulary knows)."""
    rows = np.ascontiguousarray(rows, dtype=np.int32)
    vocab = model.vocab
    total = np.zeros(len(rows), dtype=np.float32)
    for j in range(1, rows.shape[1] + 1):
        if j == 1:
            first = rows[:, :1].copy()
            first[first == vocab.bos] = vocab.eos
            factor = backoff_logprob(model, first)
            words = first[:, 0]
        else:
            factor = backoff_logprob(model, rows[:, :j])
            words = rows[:, j - 1]
        if nonevents is not None:
            factor[nonevents[words] & (factor <= LOG_ZERO)] = 0.0
        total += factor
    return total


def context_rows(model, k, rows=None):
    """For the k-grams of `model` (k >= 2), or the sorted k-gram `rows` given: each row's context
    number, the first row of each context, and each context's row among the (k-1)-grams (-1
    where the prefix is missing)."""
    rows = model.ngrams[k - 1] if rows is None else rows
    ctx, n_ctx = group_contexts(rows, k - 1)
    starts = np.flatnonzero(np.r_[True, ctx[1:] != ctx[:-1]]) if len(ctx) else np.zeros(0, np.int64)
    where = find_rows(model.ngrams[k - 2], rows[starts], 0)
    return ctx, n_ctx, starts, where


def zeros_to_inf(model):
    """Turn the model's -99 probabilities and weights into -inf (SRILM reads -99 as log10 0)."""
    for values in model.logprob + model.backoff:
        values[values == LOG_ZERO] = -np.inf


def log_zero_read(model, in_place=False):
    """`model` with its log probabilities and backoff weights of -99 (how ARPA files write
    log 0) made -inf, as SRILM reads them; only the arrays holding any are copied, and with
    `in_place` not even those that can be written (the model itself is returned then)."""
    zero = np.float32(LOG_ZERO)

    def read(values):
        if not (values == zero).any():
            return values
        if not (in_place and values.flags.writeable):
            values = values.copy()
        values[values == zero] = -np.inf
        return values

    logprob, backoff = [read(v) for v in model.logprob], [read(v) for v in model.backoff]
    if in_place:
        model.logprob, model.backoff = logprob, backoff
        return model
    return replace(model, logprob=logprob, backoff=backoff)


def inf_to_zeros(model):
    """The inverse of zeros_to_inf: -inf is written as -99."""
    for values in model.logprob + model.backoff:
        values[np.isneginf(values)] = LOG_ZERO


# The n-grams whose backed-off probabilities are looked up at a time: what bounds the
# temporaries of a large model (a whole order at once would need several times its size).
CHUNK_ROWS = 1 << 16


def context_groups(starts, size=None):
    """Ranges [h0, h1) of contexts holding about `size` rows each (a context is never split)."""
    size = size or CHUNK_ROWS
    h0 = 0
    n_ctx = len(starts) - 1
    while h0 < n_ctx:
        h1 = int(np.searchsorted(starts, starts[h0] + size, side="right")) - 1
        h1 = min(max(h1, h0 + 1), n_ctx)
        yield h0, h1
        h0 = h1


def add_zero_unigrams(model, words):
    """Unigrams of probability 0 for the word ids `words` that have none, in place: SRILM's
    normalisation gives every event of the vocabulary a unigram, sharing the mass left over
    among those of probability 0."""
    rows = model.ngrams[0][:, 0]
    words = np.setdiff1d(np.asarray(words, dtype=rows.dtype), rows)
    at = np.searchsorted(rows, words)
    model.ngrams[0] = np.insert(model.ngrams[0], at, words[:, None], axis=0)
    model.logprob[0] = np.insert(model.logprob[0], at, -np.inf)
    if model.order > 1:
        model.backoff[0] = np.insert(model.backoff[0], at, np.nan)


def recompute_backoffs(model, min_backoff=NO_MINIMUM, report=None, unk_is_word=True, lower=backoff_logprob,
                       nonevents=None, trace=None, vocabulary_unigrams=False, warn=None, word_order=None,
                       vocab_size=0):
    """Recompute every backoff weight by normalisation, in place, lower orders first (higher
    orders back off through them), as SRILM's recomputeBOWs: unigram mass left over goes to the
    words with zero probability (not `<s>`, nor `<unk>` unless `unk_is_word`). A context with
    followers gets a weight; one without followers keeps a weight of 0 if it had one.

    With `min_backoff` in [0, 1] (SRILM's -minbackoff), each context of order >= 1 that leaves
    less backoff mass has its probabilities scaled to leave that much, and unigrams that sum to
    more than one are scaled to sum to one; `report(mass, context, target)` is called for each
    context so scaled (`context`: its words, most recent first, as SRILM prints them).
    `lower(model, rows)`: the backed-off probabilities of the normalisation (a tagged LM backs
    off its own way); `nonevents`: a mask over word ids of more words that get no unigram mass;
    `trace`: given SRILM's -debug 1 line of the unigram mass spread. With
    `vocabulary_unigrams`, the vocabulary's words without a unigram (but <s>, -pau-, `<unk>`
    unless `unk_is_word`, and `nonevents`) get one, as SRILM's distributeProb gives them (a
    share of the mass left over, or probability 0) once the unigrams' own weight computes: not
    when they sum to more than one, which `warn` (a callable of one line) is told as SRILM
    tells it, as it is each context of order >= 1 it scales to sum to one or finds improper
    (SRILM's lines, in the order it visits the contexts: srilm_context_order of `word_order`
    and `vocab_size`).
    Returns the number of improper contexts."""
    zeros_to_inf(model)
    vocab = model.vocab

    def unigram_events():
        words = model.ngrams[0][:, 0]
        events = words != vocab.bos
        if not unk_is_word:
            events &= words != vocab.unk
        if nonevents is not None:
            events &= ~nonevents[words]
        return words, events

    words, events = unigram_events()
    if vocabulary_unigrams and (unigram_mass_left(model.logprob[0]) >= 0.0 or 0.0 < min_backoff <= 1.0):
        skipped = np.zeros(len(vocab), dtype=np.bool_) if nonevents is None else nonevents.copy()
        skipped[[vocab.bos, vocab.get(PAUSE, vocab.bos)] + ([] if unk_is_word else [vocab.unk])] = True
        add_zero_unigrams(model, np.flatnonzero(~skipped))
        words, events = unigram_events()
    logp = model.logprob[0]
    names = vocab.name_counts()[words]  # SRILM's vocabulary counts a word once per name (aliases)
    left = spread_unigram_mass(logp, events, trace, names)
    if left < 0.0 and 0.0 < min_backoff <= 1.0:
        if report is not None:
            report(left, [], 1.0)
        logp[:] = logp + np.float32(-np.log10(1.0 - left))
        left = spread_unigram_mass(logp, events, trace, names)
    improper_total = int(left < 0.0)
    if left < 0.0:  # SRILM gives an improper context the weight log 0, the empty one too
        model.empty_context_backoff = LOG_ZERO
        if warn is not None:
            warn(f'BOW numerator for context "" is {left:g} < 0')
    for k in range(2, model.order + 1):
        # no order reads its own contexts' weights, so they can be written in place, unless
        # report or warn needs the contexts as they were (SRILM visits them in the old trie)
        bow = model.backoff[k - 2] if report is None and warn is None else model.backoff[k - 2].copy()
        improper, scaled, flagged = _order_backoffs(model, k, bow, min_backoff, lower)
        improper_total += improper
        tell_contexts(model, scaled if report is not None else [], flagged if warn is not None else [],
                       lambda short, words: report(short, words, 1.0 - min_backoff), warn, word_order,
                       vocab_size)
        model.backoff[k - 2] = bow
    inf_to_zeros(model)
    return improper_total


def tell_contexts(model, scaled, flagged, report, warn, word_order, vocab_size):
    """SRILM's lines of one order's contexts, in the order its computeBOWs visits them
    (srilm_context_order of `word_order`, `vocab_size`): of each context in `scaled` (_order_backoffs'),
    report(mass left, its words most recent first); then, of the same context if `flagged`
    holds it, warn(its BOW line)."""
    told = [(c, [(float(m),) for m in short]) for c, short in scaled] + \
        [(c, list(zip(*terms))) for c, terms in flagged]
    if not told:
        return
    contexts = np.ascontiguousarray(np.concatenate([c for c, _ in told]))
    values = [v for _, vs in told for v in vs]
    # a context in both comes first from `scaled`: the walk keeps ties in the order given
    for h in srilm_context_order(model, contexts, word_order, vocab_size):
        words = [model.vocab.words[w] for w in contexts[h, ::-1]]
        if len(values[h]) == 1:
            report(values[h][0], words)
        else:
            warn(bow_line(" ".join(words), *values[h]))


def _order_backoffs(model, k, bow, min_backoff, lower):
    """The backoff weights of the (k-1)-grams from the k-grams, written into `bow`, by groups of
    contexts (which bound the lookups' temporaries). Returns the number of improper contexts
    and, per group, the contexts whose probabilities were scaled to leave `min_backoff`, with
    the mass they left, and the contexts scaled to sum to one or improper, with bow_terms'
    (statuses, numerators, denominators) of them."""
    rows, logprob = model.ngrams[k - 1], model.logprob[k - 1]
    bow[~np.isnan(bow)] = 0.0  # a context that has no followers keeps a weight of 0
    starts = context_starts(rows, k - 1)
    improper_total = 0
    scaled, flagged = [], []
    for h0, h1 in context_groups(starts):
        r0, r1 = int(starts[h0]), int(starts[h1])
        group, logp = rows[r0:r1], logprob[r0:r1]
        live = ~np.isnan(logp)  # rows with a probability (the others are contexts only)
        if live.all():
            first = starts[h0:h1 + 1] - r0
        else:
            group, logp = group[live], logp[live]
            first = context_starts(group, k - 1)
        n_ctx = len(first) - 1
        if n_ctx == 0:
            continue
        ctx = np.repeat(np.arange(n_ctx), np.diff(first))
        values, improper, short, status, numerator, denominator = normalised_backoffs(
            ctx, n_ctx, logp, lower(model, group[:, 1:]), min_backoff)
        if not live.all():
            logprob[r0:r1][live] = logp
        improper_total += improper
        contexts = np.ascontiguousarray(group[first[:-1], :k - 1])
        where = find_rows(model.ngrams[k - 2], contexts, 0)
        found = where >= 0
        bow[where[found]] = values[found].astype(np.float32)
        shorts = np.flatnonzero(~np.isnan(short))
        if len(shorts):
            scaled.append((contexts[shorts], short[shorts]))
        told = np.flatnonzero(status != PROPER)
        if len(told):
            flagged.append((contexts[told], (status[told], numerator[told], denominator[told])))
    return improper_total, scaled, flagged


def renormalised(model):
    """A copy of `model` with recomputed backoff weights (and unigram mass distributed). Every
    order's probabilities are copied: a context whose followers cover the lower order's whole
    mass has them scaled to sum to one."""
    copy = replace(model, ngrams=list(model.ngrams), logprob=[p.copy() for p in model.logprob],
                   backoff=[b.copy() for b in model.backoff])
    recompute_backoffs(copy)
    return copy


def srilm_context_order(model, rows, word_order=None, vocab_size=0):
    """The order in which SRILM 1.7.3, having read `model` from an ARPA file, visits the contexts
    `rows` (m-grams, all of them contexts): the trie of contexts keyed by their words from the
    most recent, each node's children in the slot order of its hash table (VocabIndex keys:
    <unk>, <s>, </s>, -pau- first, then the words in the order SRILM's Vocab met them,
    `word_order`, by default the model's in file order; children inserted in file order; the
    root's table sized for the `vocab_size` words SRILM's Vocab held when it made the model).
    Returns the permutation of `rows`."""
    if word_order is None:
        word_order = model.words_in_file_order()
    index, _ = srilm_word_indices(np.asarray(word_order), model.vocab)
    # siblings share their words but the first; the file lists them by that first word
    nodes = [(nodes, nodes[:, 0]) for nodes in (model.ngrams[j - 1][~np.isnan(model.backoff[j - 1])]
                                                for j in range(1, rows.shape[1] + 1))]
    return context_trie_order(rows, nodes, index, vocab_size)
