"""Interpolating backoff models as SRILM does it.

Static (`ngram -mix-lm B -lambda L -write-lm`, SRILM's Ngram::mixProbs): one backoff model
over the union of the n-grams, each with probability L pA(w|h) + (1-L) pB(w|h) (backed-off
where a model lacks the n-gram), then backoff weights by normalisation. More models are
merged one at a time with cumulative weights, as SRILM's `-mix-lm2..9` are.

All at once (`ngram -read-mix-lms`, or `-mix-lm` with `-context-priors`, SRILM's
Ngram::mixProbs(BayesMix)): every n-gram of any model gets sum_k L_k p_k(w|h), each model's
probability backed off where it lacks the n-gram, the weights L those of the n-gram's context
under context priors; then backoff weights by normalisation.

Dynamic (`-bayes 0 -ppl`): every word's probability is the weighted sum of the models' own
(mixture_lm holds the other word-by-word combinations).

Weights: the EM of SRILM's compute-best-mix, over per-word probabilities from `-debug 2`
ppl outputs or computed here from a held-out text.
"""

import math
from dataclasses import replace

import numpy as np

from .constants import LN10
from .errors import UsageError
from .jit import njit
from .model import NgramModel
from .perplexity import TextStats, sentence_span
from .renorm import CHUNK_ROWS, add_zero_unigrams, backoff_logprob, log_zero_read, recompute_backoffs
from .scoring import WordTable, tokenize_lines
from .sorting import merge_tables, merged_size
from .tables import find_rows
from .textio import iter_line_blocks
from .vocab import BOS, EOS, UNK


def mixture_weights(lam, extra, mixed=None):
    """All models' weights from SRILM's options: `lam` for -lm, `extra` the -mix-lambda2..
    weights in order, `mixed` a flag each: has it its -mix-lmN (default all)? -mix-lm gets what
    is left after every one of them, given its model or not, as SRILM has it."""
    rest = 1.0 - lam
    for weight in extra:  # one at a time, as SRILM, whose roundings the merges' weights inherit
        rest -= weight
    weights = [lam, rest] + [w for w, m in zip(extra, mixed or [True] * len(extra)) if m]
    if any(w < 0 or w > 1 for w in weights):
        raise UsageError(f"mixture weights must lie in [0, 1] and sum to 1, got {' '.join(f'{w:g}' for w in weights)}")
    return weights


def on_vocab(model, vocab, in_place=False):
    """`model` with word ids of the larger `vocab` (ids keep their order, so rows stay sorted).
    `in_place`: the ids are rewritten in the model's own arrays, by chunks (no second copy)."""
    if model.vocab == vocab:
        return model
    remap = vocab.remap_from(model.vocab)
    if in_place and all(r.flags.writeable for r in model.ngrams):
        for rows in model.ngrams:
            for lo in range(0, len(rows), CHUNK_ROWS):
                rows[lo:lo + CHUNK_ROWS] = remap[rows[lo:lo + CHUNK_ROWS]]
        model.vocab = vocab
        if model.unigram_order is not None:
            model.unigram_order = _remapped(remap, model.unigram_order)
        if model.extra_contexts is not None:
            model.extra_contexts = [np.ascontiguousarray(remap[r]) for r in model.extra_contexts]
        return model
    read, extra = model.unigram_order, model.extra_contexts
    return replace(model, vocab=vocab, ngrams=[np.ascontiguousarray(remap[r]) for r in model.ngrams],
                   unigram_order=None if read is None else _remapped(remap, read), estimation=None,
                   extra_contexts=None if extra is None else [np.ascontiguousarray(remap[r]) for r in extra])


def _remapped(remap, order):
    """A word order (NgramModel.unigram_order) in ids of the vocabulary `remap` maps into, its
    -1s (indices no word keeps) kept."""
    return np.where(order >= 0, remap[order], -1)


def shared_vocab(models, in_place=False):
    """All models on one vocabulary, the union of theirs (`in_place`: see on_vocab; one flag for
    all, or a tuple of one per model)."""
    vocab = models[0].vocab.like([w for m in models for w in m.vocab.words])
    flags = in_place if isinstance(in_place, tuple) else (in_place,) * len(models)
    return [on_vocab(m, vocab, flag) for m, flag in zip(models, flags)]


def unigrams_read_order(models, before=None):
    """The words of models on one vocabulary in the order SRILM's Vocab meets them when it reads
    the models one after another: each model's in its file's order, words met before left out
    (the -1s, indices no word keeps, all kept). `before`: the ids of the words met before the
    models, in that order (None: none)."""
    ids = np.concatenate(([] if before is None else [before]) + [m.words_in_file_order() for m in models])
    _, first = np.unique(ids, return_index=True)
    keep = ids < 0
    keep[first] = True
    return ids[keep]


def _union(a, b, reusable):
    """The sorted union of the row tables a and b, and which of them it is when one of `reusable`
    (flags for a and b) holds it all: that table is returned itself, not copied (else None)."""
    identity = np.arange(max(int(a.max(initial=0)), int(b.max(initial=0))) + 1, dtype=np.int32)
    n = merged_size(a, identity, b, identity)
    for which, table in enumerate((a, b)):
        if reusable[which] and len(table) == n:
            return table, which
    out = np.empty((n, a.shape[1]), dtype=np.int32)
    # the merge sums counts, which a union does not need: a byte each (at most 2) is enough
    counts = np.empty(n, dtype=np.int8)
    merge_tables(a, np.ones(len(a), np.int8), identity, b, np.ones(len(b), np.int8), identity, out, counts)
    return out, None


def _mix_logprob(pa, pb, lam):
    """SRILM's MixLogP of float32 log10 probabilities, `lam` pa's weight."""
    return prob_to_logp(lam * logp_to_prob(pa) + (1.0 - lam) * logp_to_prob(pb))


# libm's exp and log10, as SRILM's LogPtoProb and ProbToLogP: numpy's own can differ in the last
# bit, which a float32 result then shows now and then

@njit(cache=True)
def logp_to_prob(logp):
    """exp(p ln 10) of each float32 log10 probability, in float64."""
    out = np.empty(logp.shape[0], dtype=np.float64)
    for i in range(logp.shape[0]):
        out[i] = math.exp(float(logp[i]) * LN10)
    return out


@njit(cache=True)
def prob_to_logp(prob):
    """log10 of each probability, in float32 (log 0: -inf)."""
    out = np.empty(prob.shape[0], dtype=np.float32)
    for i in range(prob.shape[0]):
        out[i] = math.log10(prob[i]) if prob[i] > 0.0 else -np.inf
    return out


def _mark_context_suffixes(ngrams, backoff):
    """Give a weight (0, to be recomputed) to each n-gram that is a suffix of a context of the
    merge: SRILM's trie holds a context under the nodes of all its suffixes (Ngram::insertProb
    inserts the whole path), and its writer gives every node's n-gram a backoff weight, even
    one no longer n-gram extends."""
    for k in range(len(backoff), 1, -1):
        nodes = ~np.isnan(backoff[k - 1])
        if k < len(ngrams):
            prefix = find_rows(ngrams[k - 1], ngrams[k], 0)
            nodes[prefix[prefix >= 0]] = True
        suffix = find_rows(ngrams[k - 2], ngrams[k - 1][nodes], 1)
        suffix = suffix[suffix >= 0]
        bow = backoff[k - 2]
        bow[suffix[np.isnan(bow[suffix])]] = 0.0


def mix_pair(a, b, lam, release=(), lookup_a=backoff_logprob, recompute=recompute_backoffs, unigram_order=None):
    """SRILM's static merge of two models on one vocabulary: `lam` is a's weight. Orders are
    merged from the highest down, since an order's probabilities back off to the lower ones only;
    each order of the models in `release` (a, b or both) is dropped from them once merged, which
    leaves them empty. `lookup_a(a, rows)`: a's probabilities of the n-grams (its own where it
    holds them, else backed off), and `recompute(model)` the backoff weights of the merge: those
    of renorm, or a tagged LM's own. `unigram_order`: the merge's (the words in the order SRILM's
    Vocab met them), set before `recompute` reads it."""
    if a is b:
        release = release[:1]  # one model, emptied once
    order = max(a.order, b.order)
    a_order = a.order
    ngrams, logprob, backoff = [None] * order, [None] * order, [None] * (order - 1)
    for k in range(order, 0, -1):
        rows_a = a.ngrams[k - 1] if k <= a.order else np.zeros((0, k), np.int32)
        rows_b = b.ngrams[k - 1] if k <= b.order else np.zeros((0, k), np.int32)
        # a released model whose order holds the whole union gives the merge its arrays: a
        # chunk's probabilities are written over the rows the chunk alone looks up
        owners = [k <= m.order and any(m is r for r in release) and m.logprob[k - 1].flags.writeable
                  for m in (a, b)]
        rows, owner = _union(rows_a, rows_b, owners)
        mixed = np.empty(len(rows), dtype=np.float32) if owner is None else (a, b)[owner].logprob[k - 1]
        marks = k < a_order and owner != 0
        bow = a.backoff[k - 1] if k < a_order and owner == 0 else np.full(
            len(rows) if k < order else 0, np.nan, dtype=np.float32)
        # by chunks, which bound the lookups' temporaries
        for lo in range(0, len(rows), CHUNK_ROWS):
            chunk = rows[lo:lo + CHUNK_ROWS]
            mixed[lo:lo + len(chunk)] = _mix_logprob(lookup_a(a, chunk), backoff_logprob(b, chunk), lam)
            if marks:
                # a's backoff weights mark its contexts; the recomputation fills in every context
                idx = find_rows(rows_a, chunk, 0)
                bow[lo:lo + len(chunk)][idx >= 0] = a.backoff[k - 1][idx[idx >= 0]]
        ngrams[k - 1], logprob[k - 1] = rows, mixed
        if k < order:
            backoff[k - 1] = bow
        del rows_a, rows_b, rows, mixed, bow
        for model in release:
            if k <= model.order:  # its highest order left
                model.ngrams.pop(), model.logprob.pop()
                if len(model.backoff) == k:
                    model.backoff.pop()
    _mark_context_suffixes(ngrams, backoff)
    mixed = NgramModel(a.vocab, ngrams, logprob, backoff, empty_context_backoff=a.empty_context_backoff,
                       unigram_order=unigram_order)
    del ngrams, logprob, backoff
    recompute(mixed)
    return mixed


def mix(models, weights=None, consume=False, all_at_once=False, context_priors=None):
    """One backoff model interpolating `models` (NgramModels) with `weights` (default equal), as
    SRILM's `ngram -mix-lm ... -write-lm` makes it. `consume`: the models' arrays are reused and
    released as they are merged, which leaves the models empty (see mix_static). `all_at_once`:
    merged in one step as `-read-mix-lms` does (see mix_all), as also with `context_priors`, a
    file of context-dependent weights (SRILM's -context-priors)."""
    models = list(models)
    if len(models) < 2:
        raise UsageError("give at least two models to mix", option="models")
    if weights is None:
        weights = [1.0 / len(models)] * len(models)
    given = " ".join(map(str, weights))
    try:
        weights = [float(w) for w in weights]
    except ValueError:
        weights = []
    if len(weights) != len(models) or abs(sum(weights) - 1.0) > 1e-6 or min(weights) < 0:
        raise UsageError(f"need {len(models)} non-negative weights summing to 1, got {given!r}", option="weights")
    if all_at_once or context_priors is not None:
        return mix_all(models, weights, context_priors=context_priors)
    return mix_static(models, weights, consume)


def rescore_ngrams(model, lm, unk_is_word=False, trace=None):
    """SRILM's `ngram -rescore-ngram`: `model`'s n-grams, each with the probability `lm` (an
    NgramModel, e.g. a static mixture) gives it, backed off where `lm` lacks it and zero for a
    word `lm` does not know; then backoff weights by normalisation (renorm's, the unigram mass
    left over spread over the zero-probability words, `<unk>` among them if `unk_is_word`; `trace`:
    see recompute_backoffs). The n-grams and the vocabulary stay `model`'s; its probability arrays
    are written over."""
    vocab = model.vocab.like(list(lm.vocab.words) + list(model.vocab.words))
    lm = on_vocab(lm, vocab)
    remap = vocab.remap_from(model.vocab)
    # a model read from a binary file may hold read-only arrays
    model.logprob = [p if p.flags.writeable else p.copy() for p in model.logprob]
    model.backoff = [b if b.flags.writeable else b.copy() for b in model.backoff]
    for rows, logprob in zip(model.ngrams, model.logprob):
        for lo in range(0, len(rows), CHUNK_ROWS):
            chunk = remap[rows[lo:lo + CHUNK_ROWS]]
            logprob[lo:lo + len(chunk)] = backoff_logprob(lm, chunk)
    model.estimation = None
    if unk_is_word:  # an open vocabulary's <unk> is an event: it shares the unigram mass left over
        add_zero_unigrams(model, [model.vocab.unk])
    recompute_backoffs(model, unk_is_word=unk_is_word, trace=trace)
    return model


def weights_from_reports(reports, lambdas=None, precision=0.001):
    """compute-best-mix from PerplexityReports of one text under each model: the interpolation
    weights that minimise its perplexity (tokens zero to every model left out)."""
    reports = list(reports)
    sizes = {len(r.token_logprob) for r in reports}
    if len(sizes) != 1:
        raise UsageError("the reports are of different texts (their token counts differ)", option="reports")
    return best_mix(np.stack([r.token_logprob for r in reports]), lambdas, precision)[0]


def mix_static(models, weights, consume=False, lookup_first=backoff_logprob, recompute=recompute_backoffs):
    """Merge models into one backoff model, pairwise with cumulative weights as SRILM does.
    `models` may be an iterator: SRILM reads each -mix-lm model only when it merges it in, so
    that a merge's vocabulary (whose words get unigrams) holds the words of the models read so
    far, and its lines (`recompute`'s) come before the next model's lines of reading.
    `consume`: the models' arrays are reused and released as they are merged, which leaves the
    models empty (the merges in between are always consumed). `lookup_first`, `recompute`: the
    first model's lookups and the merges' backoff weights (see mix_pair; a tagged LM's own)."""
    models = iter(models)
    result, total = next(models), weights[0]
    read_order = None
    for i, (model, weight) in enumerate(zip(models, weights[1:])):
        total += weight  # the weights merged so far, summed in SRILM's order
        merged = consume or i > 0  # a merge in between is this function's own to rewrite
        before = result.vocab
        result, model = shared_vocab([result, model], in_place=(merged, consume))
        # SRILM reads -99 as log 0: a word only one model knows, at -99 there, stays at log 0
        # (and a merge's log 0, written -99 by its backoff weights, stays log 0 in its memory)
        result, model = log_zero_read(result, in_place=merged), log_zero_read(model, in_place=consume)
        # the words in the order SRILM's Vocab met them, taken before the merge releases the arrays
        if read_order is None:
            read_order = unigrams_read_order([result, model])
        else:
            read_order = unigrams_read_order([model], _remapped(result.vocab.remap_from(before), read_order))
        # the merged models' weight as SRILM has it: 1 - the new model's share (0 for a weight of 0)
        lam = 1.0 - (0.0 if weight == 0 else weight / total)
        release = (result, model) if consume else (result,) if i > 0 else ()
        result = mix_pair(result, model, lam, release, lookup_first, recompute, read_order)
    if read_order is None:
        raise UsageError("give at least two models to mix", option="models")
    result.unigram_order = read_order
    return result


def mix_all(models, weights, order=None, context_priors=None, recompute=recompute_backoffs):
    """One backoff model of `models` mixed all at once (SRILM's mixProbs of a BayesMix, see the
    module docstring), up to `order` (default the highest of the models). `context_priors`: a
    file of context-dependent weights (mixture_lm.ContextPriors) for contexts up to order - 1.
    `recompute(model)`: the backoff weights of the result (a tagged LM's own)."""
    models = [log_zero_read(m) for m in shared_vocab(models)]
    order = order or max(m.order for m in models)
    priors = np.asarray(weights, dtype=np.float64)
    if context_priors is not None:
        from .mixture_lm import ContextPriors
        context_priors = ContextPriors.read(context_priors, models[0].vocab, len(models), order - 1)
    ngrams, logprob = [], []
    for k in range(1, order + 1):
        # every model's explicit k-grams; the first model holding a row adds its term first
        rows, owner = None, None
        for j, model in enumerate(models):
            if k > model.order:
                continue
            own = model.ngrams[k - 1][~np.isnan(model.logprob[k - 1])]
            if rows is None:
                rows, owner = own, np.full(len(own), j, dtype=np.int64)
                continue
            union, _ = _union(rows, own, (False, False))
            before = find_rows(rows, union, 0)
            owner = np.where(before >= 0, owner[np.maximum(before, 0)], j)
            rows = union
        lambdas = None
        if context_priors is not None:
            history = np.ascontiguousarray(rows[:, :k - 1][:, ::-1])
            lambdas = context_priors.lookup(history, np.full(len(rows), k - 1), priors).T
        mixed = np.empty(len(rows), dtype=np.float32)
        for lo in range(0, len(rows), CHUNK_ROWS):
            chunk = rows[lo:lo + CHUNK_ROWS]
            probs = np.stack([logp_to_prob(backoff_logprob(m, chunk)) for m in models])
            lam = priors[:, None] if lambdas is None else lambdas[:, lo:lo + len(chunk)]
            terms = lam * probs
            first = owner[lo:lo + len(chunk)]
            total = terms[first, np.arange(len(chunk))]
            for j in range(len(models)):
                total = total + np.where(first == j, 0.0, terms[j])
            mixed[lo:lo + len(chunk)] = prob_to_logp(total)
        ngrams.append(rows)
        logprob.append(mixed)
    backoff = [np.full(len(r), np.nan, dtype=np.float32) for r in ngrams[:-1]]
    _mark_context_suffixes(ngrams, backoff)
    # SRILM mixes into a new model, whose empty context keeps the weight 0 it starts with
    result = NgramModel(models[0].vocab, ngrams, logprob, backoff, unigram_order=unigrams_read_order(models),
                        empty_context_backoff=0.0)
    recompute(result)
    return result


@njit(cache=True)
def _drop_sentence_marks(ids, line_offsets, bos, eos):
    """Tokens without an explicit <s> opening or </s> closing a line (SRILM adds its own)."""
    keep = np.ones(len(ids), dtype=np.bool_)
    new_offsets = np.empty_like(line_offsets)
    new_offsets[0] = 0
    kept = 0
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        keep[line_offsets[s]:lo] = False
        keep[hi:line_offsets[s + 1]] = False
        kept += hi - lo
        new_offsets[s + 1] = kept
    return keep, new_offsets


def token_logprobs(models, path, unk_word=UNK):
    """log10 p of every word and closing </s> of a text under each model (on one vocabulary).

    Returns (logprob (models, tokens) float32, token ids, sentence offsets into the tokens:
    sentence i holds tokens offsets[i]:offsets[i+1], the last one its </s>).
    """
    vocab = models[0].vocab
    words = WordTable.from_vocab(vocab)
    unk = vocab.index[unk_word] if unk_word in vocab else vocab.unk
    bos, eos = vocab.index[BOS], vocab.index[EOS]
    parts, id_parts, offset_parts = [], [], []
    base = 0
    for block, _ in iter_line_blocks(path):
        buf = np.frombuffer(block, dtype=np.uint8)
        ids, _, _, line_offsets = tokenize_lines(buf, *words.arrays(), unk, False, False)
        keep, line_offsets = _drop_sentence_marks(ids, line_offsets, bos, eos)
        ids = ids[keep]
        # a </s> after every sentence
        n_lines = len(line_offsets) - 1
        positions = line_offsets[1:]
        full = np.insert(ids, positions, eos)
        full_offsets = line_offsets + np.arange(n_lines + 1)
        rows = [_sentence_logprobs(m, full, full_offsets, bos) for m in models]
        parts.append(np.stack(rows))
        id_parts.append(full)
        offset_parts.append(full_offsets[1:] + base)
        base += len(full)
    if not parts:
        return np.zeros((len(models), 0), np.float32), np.zeros(0, np.int32), np.zeros(1, np.int64)
    return (np.concatenate(parts, axis=1), np.concatenate(id_parts),
            np.concatenate([np.zeros(1, np.int64)] + offset_parts))


def _sentence_logprobs(model, ids, offsets, bos):
    """Each token's log10 p after <s> and the sentence's earlier words (up to the model's order)."""
    order = model.order
    n = len(ids)
    sentence = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    position = np.arange(n) - offsets[sentence]
    rows = np.empty((n, order), dtype=np.int32)
    for j in range(order):
        back = order - 1 - j
        rows[:, j] = np.where(position >= back, ids[np.maximum(np.arange(n) - back, 0)], bos)
    # the n-gram is <s> and the words so far, cut to the order
    length = np.minimum(position + 2, order)
    out = np.empty(n, dtype=np.float32)
    for size in np.unique(length):
        sel = length == size
        out[sel] = backoff_logprob(model, rows[sel][:, order - size:])
    return out


def mixture_stats(logprob, weights, ids, offsets, unk):
    """SRILM's totals for the dynamic mixture of per-token log10 probabilities."""
    w = np.asarray(weights, dtype=np.float64)[:, None]
    with np.errstate(divide="ignore"):
        mixed = np.log10((w * 10.0 ** logprob.astype(np.float64)).sum(axis=0)).astype(np.float32)
    return _stats(mixed, ids, offsets, unk)


def _stats(logprob, ids, offsets, unk):
    zero = np.isneginf(logprob)
    oov = zero & (ids == unk)
    finite = np.where(zero, 0.0, logprob.astype(np.float64))
    sentences = len(offsets) - 1
    stats = TextStats(sentences=sentences, words=len(ids) - sentences, oovs=int(oov.sum()),
                      zeroprobs=int((zero & ~oov).sum()))
    total = 0.0
    for s in np.add.reduceat(finite, offsets[:-1]) if sentences else []:
        total += float(s)
    stats.logprob = total
    return stats


# compute-best-mix

_LOG_INF = -320.0  # its log10 of zero


@njit(cache=True)
def _em_step(samples, counts, priors):
    """One step of compute-best-mix's EM, in its arithmetic (log10 x = ln x / M_LN10, exp10
    zero below -320): (new weights, total log10 likelihood, words counted). `samples`: (models,
    words) log10 probabilities, _LOG_INF for zero; a word zero to every model is left out."""
    k, n = samples.shape
    post = np.zeros(k)
    logpost = np.empty(k)
    loglike = 0.0
    words = 0.0
    for t in range(n):
        all_inf = True
        logsum = 0.0
        for i in range(k):
            logpost[i] = (np.log(priors[i]) / LN10 if priors[i] > 0 else -np.inf) + samples[i, t]
            all_inf = all_inf and samples[i, t] == _LOG_INF
            if i == 0:
                logsum = logpost[i]
            else:
                x, y = (logsum, logpost[i]) if logsum >= logpost[i] else (logpost[i], logsum)
                d = y - x
                logsum = x + np.log(1.0 + (0.0 if d < _LOG_INF else np.exp(d * LN10))) / LN10
        if all_inf:
            continue
        words += counts[t]
        loglike += logsum * counts[t]
        for i in range(k):
            d = logpost[i] - logsum
            post[i] += (0.0 if d < _LOG_INF else np.exp(d * LN10)) * counts[t]
    return post / words, loglike, words


def initial_lambdas(lambdas, k):
    """compute-best-mix's starting weights of k models: those given (default 0.5) and the rest
    of 1 shared by the others."""
    given = [0.5] if lambdas is None else [float(x) for x in lambdas]
    if len(given) > k:
        raise UsageError(f"{len(given)} initial weights for {k} models", option="lambdas")
    missing = k - len(given)
    return np.array(given + [(1.0 - sum(given)) / missing] * missing if missing else given, dtype=np.float64)


def best_mix(logprob, lambdas=None, precision=0.001, report=None, counts=None):
    """compute-best-mix's EM over per-word log10 probabilities (models, words; -inf for zero,
    a word zero to every model left out; `counts`: each word's weight, default 1) from
    `lambdas` (initial_lambdas): iterate until no weight moves by more than `precision`.
    `report(iteration, lambdas, ppl)` sees each step. Returns (the weights, words counted)."""
    k, n = logprob.shape
    samples = np.where(np.isneginf(logprob), _LOG_INF, logprob.astype(np.float64))
    counts = np.ones(n) if counts is None else np.asarray(counts, dtype=np.float64)
    if not np.any(samples != _LOG_INF) or not n:
        raise UsageError("no words to estimate mixture weights from")
    priors = initial_lambdas(lambdas, k)
    iteration = 0
    while True:
        iteration += 1
        new, loglike, words = _em_step(samples, counts, priors)
        if report:
            exponent = -loglike / words
            report(iteration, priors, 0.0 if exponent < _LOG_INF else math.exp(exponent * LN10))
        converged = bool(np.all(np.abs(priors - new) <= precision))
        priors = new
        if converged:
            return priors, words


def tuned_weights(models, text, report=None):
    """Interpolation weights of `models` (on one vocabulary) that maximise the likelihood of
    `text` (a file), by compute-best-mix's EM, and the mixture's perplexity totals on it.
    `report(iteration, lambdas, ppl)` sees each EM step."""
    logprob, ids, offsets = token_logprobs(models, text)
    lam, _ = best_mix(logprob, report=report)
    return lam, mixture_stats(logprob, lam, ids, offsets, models[0].vocab.unk)


def cumulative_lambdas(lambdas):
    """The pairwise weights that merge models one at a time into the same mixture."""
    totals = np.cumsum(lambdas)
    return [1.0] + [float(l / t) if t > 0 else 0.0 for l, t in zip(lambdas[1:], totals[1:])]


def format_lambdas(lambdas):
    return "(" + " ".join(f"{x:.6g}" for x in lambdas) + ")"
