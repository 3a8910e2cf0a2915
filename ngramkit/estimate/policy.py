"""Where estimation toolkits differ in policy rather than in arithmetic.

The pipeline reads every such choice from one policy object, so another toolkit's
behaviour (KenLM's lmplz) is a different policy, not a different pipeline.
`Policy` is SRILM's; `KenlmPolicy` overrides what lmplz does differently.
"""

import numpy as np

from ..constants import LOG_ZERO
from ..errors import EstimationError, UsageError
from ..model import NgramCounts
from .options import make_method
from .smoothing import ModifiedKneserNey


class Policy:
    """SRILM 1.7.3's ngram-count."""

    name = "srilm"
    unk_always_word = False  # <unk> gets probability mass even without -unk
    bos_logprob = LOG_ZERO  # the log10 probability written for <s>, which is only a context
    increment_denominator = True  # a context left with no backoff mass is estimated again: without
    # interpolation, then with its total raised by 1
    # a follower counted 0 (a prefix of a longer n-gram in SRILM's count trie, a word without
    # continuations) is one of its context's observed words, as SRILM's totals count it
    zero_counts_seen = True
    keeps_discounted_to_zero = False  # SRILM drops an n-gram its discount leaves no count

    def nonevents(self, vocab, unk):
        """Boolean mask over word ids: words that are never predicted (<s>; <unk> unless a word)."""
        mask = np.zeros(len(vocab), dtype=np.bool_)
        mask[vocab.bos] = True
        if not (unk or self.unk_always_word):
            mask[vocab.unk] = True
        return mask

    def prepare_counts(self, counts):
        """The counts the pipeline estimates from."""
        return counts

    meta_tag = None  # SRILM's -meta-tag: the prefix of the words that carry count-of-counts
    trust_totals = False  # ngram-count's -trust-totals: above the unigrams a context's total is its own count

    def meta_types(self, vocab):
        """int32 over word ids: t for a meta-count word TAG<t> (0 for TAG itself), -1 for others."""
        from ..meta_counts import meta_types

        return meta_types(vocab, self.meta_tag)

    def smoothing(self, order_options, uniform_size, fallback):
        """The smoothing method of one order."""
        return make_method(order_options, uniform_size, fallback)

    def lower_logprob(self, links, k, lower_backed_off, tables, rows, vocab):
        """float32 log10 of the lower-order probability of each order-k count row, which its
        context's backoff weight (and interpolation) weighs: p_BO(last word | the context less
        its oldest word)."""
        from .lookup import lower_logprob

        return lower_logprob(links, k, lower_backed_off, tables, rows)

    def entropy_prune(self, model, threshold, minprune, unk):
        """ngram-count's -prune: the estimated model pruned in place as it is in memory (not as
        an ARPA file rounds it), its non-events getting no unigram mass in the new weights."""
        from ..prune import Pruner
        from ..renorm import chain_logprob

        nonevents = self.nonevents(model.vocab, unk)
        pruner = Pruner(model, minprune, threshold, chain=lambda m, rows: chain_logprob(m, rows, nonevents),
                        nonevents=nonevents)
        return pruner.pruned(threshold, in_place=True)

    def pruned_words(self, vocab):
        """Mask over word ids: words left out of the model, together with every n-gram that holds
        one, while their counts still feed totals, discounts and lower-order weights."""
        return np.zeros(len(vocab), dtype=np.bool_)

    def pruned(self, k, rows, raw_counts, pruned_words):
        """Mask of order-k n-grams (`rows`) removed from the model whose counts still feed their
        context's lower-order weight, or None; `pruned_words` as returned by pruned_words()."""
        return None


SRILM = Policy()


def kenlm_discounts(coc, order):
    """lmplz's modified Kneser-Ney discounts (D1, D2, D3+) from count-of-counts coc[1..4],
    in its single precision; raises EstimationError where lmplz rejects them."""
    n = [int(c) for c in coc[:5]]
    for j in (1, 2, 3):
        if n[j] == 0:
            raise EstimationError(
                f"could not calculate Kneser-Ney discounts for {order}-grams with adjusted count "
                f"{j + 1} because no {order}-grams have adjusted count {j}; is this small or "
                "artificial data?")
    f32 = np.float32
    y = f32(n[1]) / f32(n[1] + 2.0 * n[2])
    discounts = []
    for j in (1, 2, 3):
        d = f32(j) - f32(j + 1) * y * f32(n[j + 1]) / f32(n[j])
        if d < 0 or d > j:
            raise EstimationError(f"{order}-gram discount out of range for adjusted count {j}: "
                                  f"{float(d):g}")
        discounts.append(d)
    return tuple(discounts)


def check_fallback(values):
    """lmplz's --discount_fallback: up to three discounts, the last repeated, D_j in [0, j]."""
    if not values:
        raise UsageError("give at least one fallback discount", option="discount_fallback")
    if len(values) > 3:
        raise UsageError("give at most three fallback discounts: for counts 1, 2 and 3+", option="discount_fallback")
    filled = [np.float32(values[min(j, len(values) - 1)]) for j in range(3)]
    for j, d in enumerate(filled, start=1):
        if not 0 <= d <= j:
            raise UsageError(f"the fallback discount for count {j} is {float(d):g}, outside [0, {j}]",
                             option="discount_fallback")
    return tuple(filled)


class KenlmKneserNey(ModifiedKneserNey):
    """Interpolated modified Kneser-Ney with lmplz's discounts (float32, checked against [0, j])."""

    def __init__(self, interpolate=True, fallback=None):
        super().__init__(1, interpolate, fallback)

    def estimate(self, coc, order, warn):
        try:
            d = kenlm_discounts(coc, order)
        except EstimationError as exc:
            if self.fallback is None:
                raise EstimationError(f"{exc.message}; fixed fallback discounts avoid this",
                                      option="discount_fallback") from None
            d = self.fallback
            warn(f"{exc.message}; substituting fallback discounts "
                 f"D1={float(d[0]):g} D2={float(d[1]):g} D3+={float(d[2]):g}")
        # float32 values, as lmplz holds them; the arithmetic after this is in double
        self.discounts = np.array([0.0] + [float(x) for x in d])


class KenlmPolicy(Policy):
    """KenLM's lmplz: <unk> is always a word (count 0), interpolated with the uniform
    distribution over all words but <s>; <s> written with log10 p = 0; lmplz's discounts;
    n-grams of order k >= 2 with raw count <= prune[k-1] removed, their adjusted counts added
    to their context's lower-order weight (which makes the model sum to one, so normalised
    backoff weights equal lmplz's gamma).

    With `limit_vocab` (--limit_vocab_file), words outside it but <s>, </s> and <unk> are
    removed with every n-gram holding one, as pruned n-grams are: their counts stay in totals,
    discounts and weights, and the uniform distribution is over the words kept (lmplz's kept
    unigrams but <s>), so the model still sums to one over them."""

    name = "kenlm"
    unk_always_word = True
    bos_logprob = 0.0
    increment_denominator = False
    zero_counts_seen = False  # lmplz's <unk>, counted 0, is no seen follower
    keeps_discounted_to_zero = True  # lmplz keeps it, with its interpolated probability

    def __init__(self, prune=(), limit_vocab=None):
        self.prune = tuple(int(t) for t in prune)
        self.limit_vocab = None if limit_vocab is None else frozenset(limit_vocab)

    def threshold(self, k):
        """Raw-count threshold of order k (the last one given applies to higher orders)."""
        if k < 2 or not self.prune:
            return 0
        return self.prune[min(k, len(self.prune)) - 1]

    def prepare_counts(self, counts):
        unk = counts.vocab.unk
        unigrams = counts.ngrams[0][:, 0]
        at = int(np.searchsorted(unigrams, unk))
        if at < len(unigrams) and unigrams[at] == unk:
            return counts
        ngrams = [np.insert(counts.ngrams[0], at, unk, axis=0)] + counts.ngrams[1:]
        raw = [np.insert(counts.counts[0], at, 0)] + counts.counts[1:]
        return NgramCounts(vocab=counts.vocab, ngrams=ngrams, counts=raw)

    def smoothing(self, order_options, uniform_size, fallback):
        # order_options.interpolate is False only for unigrams under --interpolate_unigrams 0:
        # then <unk> gets the whole interpolation weight, as the mass left over
        return KenlmKneserNey(order_options.interpolate, fallback)

    def pruned_words(self, vocab):
        if self.limit_vocab is None:
            return super().pruned_words(vocab)
        listed = vocab.ids(list(self.limit_vocab), unknown=-1)
        mask = np.ones(len(vocab), dtype=np.bool_)
        mask[listed[listed >= 0]] = False
        mask[[vocab.bos, vocab.eos, vocab.unk]] = False  # lmplz never prunes these
        return mask

    def pruned(self, k, rows, raw_counts, pruned_words):
        t = self.threshold(k)
        mask = raw_counts <= t if t > 0 else None
        if self.limit_vocab is not None:
            holds_pruned_word = pruned_words[rows].any(axis=1)
            mask = holds_pruned_word if mask is None else mask | holds_pruned_word
        return mask


def parse_prune(values, order):
    """lmplz's --prune thresholds for orders 1..order: non-decreasing, the last one repeated;
    unigrams are never pruned, so the first must be 0."""
    try:
        thresholds = [int(v) for v in values]
    except ValueError:
        raise UsageError(f"bad pruning threshold in {' '.join(map(str, values))!r}", option="prune") from None
    if not thresholds:
        return ()
    if len(thresholds) > order:
        raise UsageError(f"pruning thresholds for orders 1 to {len(thresholds)} but the order is {order}", option="prune")
    if any(t < 0 for t in thresholds):
        raise UsageError("pruning thresholds cannot be negative", option="prune")
    if thresholds[0] != 0:
        raise UsageError("unigrams are never pruned: the first pruning threshold must be 0", option="prune")
    if any(a > b for a, b in zip(thresholds, thresholds[1:])):
        raise UsageError("pruning thresholds must be non-decreasing", option="prune")
    return tuple(thresholds + [thresholds[-1]] * (order - len(thresholds)))
