"""Estimation properties checked by hand: discounts, continuation counts, normalisation
at order 10, and the error for data too small to estimate discounts."""

import random

import numpy as np
import pytest

from ngramkit.cli import ngram_count
from ngramkit.counting import count_text
from ngramkit.errors import EstimationError
from ngramkit.estimate import EstimateOptions, estimate
from ngramkit.estimate.adjust import continuation_counts
from ngramkit.estimate.policy import SRILM
from ngramkit.estimate.smoothing import (
    FALLBACK_DISCOUNTS,
    GoodTuring,
    ModifiedKneserNey,
)


def write_text(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_modified_kneser_ney_discounts_from_count_of_counts():
    # n1=10 n2=5 n3=3 n4=2: Y = 10/20 = 0.5, D1 = 1 - 2*0.5*5/10 = 0.5,
    # D2 = 2 - 3*0.5*3/5 = 1.1, D3+ = 3 - 4*0.5*2/3 = 5/3
    method = ModifiedKneserNey(min_count=1, interpolate=True)
    method.estimate(np.array([0, 10, 5, 3, 2]), 2, warn=print)
    assert method.discounts[1:] == pytest.approx([0.5, 1.1, 5 / 3])
    # a context with followers counted 1, 2, 3 (total 6): weight (0.5 + 1.1 + 5/3) / 6
    weight = method.lower_order_weight(np.array([6.0]), np.array([3]), np.array([2]), np.array([1]))
    assert weight[0] == pytest.approx((0.5 + 1.1 + 5 / 3) / 6)


def test_good_turing_unigram_coefficient_out_of_range_warns_and_keeps_counts():
    # gt1max=1: coeff = (2 n2/n1 - 2 n2/n1) / (1 - 2 n2/n1) = 0, out of range, so 1
    warnings = []
    method = GoodTuring(min_count=1, max_count=1)
    method.estimate(np.array([0, 100, 30, 10]), 1, warnings.append)
    assert warnings == ["discount coeff 1 is out of range: 0"]
    assert method.coefficients(np.array([1, 2]), np.array([5.0, 5.0]), np.array([2, 2])).tolist() == [1, 1]


def test_continuation_counts_count_distinct_predecessors(tmp_path):
    # bigrams: <s> a x2, a b x2, <s> c, c b, b </s> x3
    counts = count_text([write_text(tmp_path / "t.txt", ["a b", "a b", "c b"])], 2)
    vocab = counts.vocab
    nonevent = SRILM.nonevents(vocab, unk=False)
    adjusted = continuation_counts(counts.ngrams[0], counts.counts[0], counts.ngrams[1],
                                   counts.counts[1], nonevent)
    by_word = {vocab.words[row[0]]: int(c) for row, c in zip(counts.ngrams[0], adjusted)}
    # <s> keeps its raw count; b follows a and c; a, c and </s> have one predecessor each
    assert by_word == {"<s>": 3, "a": 1, "b": 2, "c": 1, "</s>": 1}


def repetitive_corpus():
    """Sentences over 40 Zipf-distributed words, each repeated 1-6 times, so that high-order
    n-grams repeat and every order has counts of 1 to 4."""
    rng = random.Random(7)
    words = [f"w{i}" for i in range(40)]
    weights = [1 / (i + 1) for i in range(40)]
    distinct = [" ".join(rng.choices(words, weights, k=rng.randint(3, 14))) for _ in range(80)]
    return [s for s in distinct for _ in range(rng.randint(1, 6))]


def probability_sums(model, with_contexts=False):
    """Sum over all predictable words of p(w|h) for every context h of the model (with h if asked)."""
    vocab = model.vocab
    logp, bow = {}, {}
    for k in range(model.order):
        for i, row in enumerate(map(tuple, model.ngrams[k].tolist())):
            logp[row] = float(model.logprob[k][i])
            if k < model.order - 1 and not np.isnan(model.backoff[k][i]):
                bow[row] = float(model.backoff[k][i])

    def backed_off(word, context):
        if context + (word,) in logp:
            return logp[context + (word,)]
        return bow.get(context, 0.0) + backed_off(word, context[1:])

    words = [i for i in range(len(vocab)) if i not in (vocab.bos, vocab.unk)]
    contexts = [()] + list(bow)
    sums = [sum(10.0 ** backed_off(w, h) for w in words) for h in contexts]
    return list(zip(contexts, sums)) if with_contexts else sums


def test_order_10_interpolated_kneser_ney_is_normalised(tmp_path):
    counts = count_text([write_text(tmp_path / "t.txt", repetitive_corpus())], 10)
    # such a small corpus cannot support discounts for some orders: fixed ones stand in
    options = EstimateOptions.srilm(10, "kn", interpolate=True, discount_fallback=FALLBACK_DISCOUNTS)
    model = estimate(counts, options, warn=lambda message: None)
    assert model.order == 10 and len(model.ngrams[9]) > 0
    sums = probability_sums(model)
    assert len(sums) > 100
    assert max(abs(s - 1.0) for s in sums) < 1e-6


@pytest.mark.parametrize("method", ["gt", "wb", "ukn", "cdiscount", "addsmooth"])
def test_order_10_other_methods_are_normalised(tmp_path, method):
    counts = count_text([write_text(tmp_path / "t.txt", repetitive_corpus())], 10)
    options = EstimateOptions.srilm(10, method, interpolate=method != "gt",
                                    discount_fallback=FALLBACK_DISCOUNTS)
    for oo in options.orders:
        oo.value = 0.5
    sums = probability_sums(estimate(counts, options, warn=lambda message: None))
    assert max(abs(s - 1.0) for s in sums) < 1e-5


def test_too_few_counts_for_discounts_is_a_clear_error(tmp_path):
    counts = count_text([write_text(tmp_path / "t.txt", ["a b c", "a b d"])], 3)
    with pytest.raises(EstimationError) as err:
        estimate(counts, EstimateOptions.srilm(3, "kn", interpolate=True))
    message = str(err.value)
    assert "order 1" in message and "n1=" in message and "n4=0" in message
    # the library names its parameter; ngram-count names its flag (test_cli_error_and_discount_fallback)
    assert err.value.option == "discount_fallback"


def test_cli_error_and_discount_fallback(tmp_path, cli):
    text = write_text(tmp_path / "t.txt", ["a b c", "a b d"])
    lm = tmp_path / "m.arpa"
    status, _, err = cli(ngram_count.main, ["-order", "3", "-kndiscount", "-text", text, "-lm", lm])
    # as SRILM 1.7.3's ngram-count fails
    assert (status, err) == (1, "one of required modified KneserNey count-of-counts is zero\n"
                                "error in discount estimator for order 1\n")
    assert not lm.exists()
    status, _, err = cli(ngram_count.main, ["-order", "3", "-kndiscount", "-interpolate",
                                            "-discount-fallback", "-text", text, "-lm", lm])
    assert status == 0 and "using fixed discounts" in err
    assert lm.read_text().startswith("\n\\data\\\nngram 1=6\nngram 2=")
