"""Pruning and mixing in bounded memory: pruning in place moves the kept rows down the model's own
arrays and shrinks them; consumed mixing merges orders from the highest down, dropping each input
order once merged and reusing an input's arrays where its order holds the whole union. Each gives
the model the copying way gives (which tests/test_prune_mix.py ties to SRILM), and pruning a
model of a few million n-grams peaks at a bounded multiple of its arrays. A renormalised copy
leaves the model it copies alone."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import REFERENCE

from ngramkit.arpa import read_arpa
from ngramkit.mixing import mix_static
from ngramkit.model import NgramModel
from ngramkit.prune import Pruner, prune
from ngramkit.vocab import BOS, EOS, UNK, Vocabulary

EN = REFERENCE / "en" / "srilm"


def assert_same_model(ours, expected):
    assert ours.vocab == expected.vocab
    assert ours.sizes() == expected.sizes()
    for k in range(expected.order):
        np.testing.assert_array_equal(ours.ngrams[k], expected.ngrams[k])
        np.testing.assert_array_equal(ours.logprob[k], expected.logprob[k])
        if k < expected.order - 1:
            np.testing.assert_array_equal(ours.backoff[k], expected.backoff[k])
        assert ours.ngrams[k].flags.c_contiguous


def test_pruning_in_place_is_pruning_a_copy():
    expected = prune(read_arpa(EN / "mkn3.arpa.gz"), 1e-6)
    model = read_arpa(EN / "mkn3.arpa.gz")
    before = model.sizes()
    pruned = prune(model, 1e-6, in_place=True)
    assert pruned is model
    assert_same_model(pruned, expected)
    assert sum(pruned.sizes()) < sum(before)
    # nothing else refers to the arrays, so they shrank to their rows rather than became views
    assert all(a.base is None for a in pruned.ngrams + pruned.logprob + pruned.backoff)


def test_pruning_in_place_leaves_shared_arrays_as_views():
    expected = prune(read_arpa(EN / "mkn3.arpa.gz"), 1e-6)
    model = read_arpa(EN / "mkn3.arpa.gz")
    held = model.ngrams[2]  # a second reference: the array cannot shrink
    pruned = Pruner(model, 2, 1e-6).pruned(1e-6, in_place=True)
    assert_same_model(pruned, expected)
    assert pruned.ngrams[2].base is held


def test_read_only_arrays_are_pruned_into_a_copy():
    expected = prune(read_arpa(EN / "mkn3.arpa.gz"), 1e-6)
    model = read_arpa(EN / "mkn3.arpa.gz")
    for a in model.ngrams + model.logprob + model.backoff:
        a.flags.writeable = False
    pruned = prune(model, 1e-6, in_place=True)
    assert pruned is not model
    assert_same_model(pruned, expected)


@pytest.mark.parametrize("first", ["full", "pruned", "other vocabulary"])
def test_consumed_mixing_is_copying_mixing(first):
    """The pruned model's n-grams are a subset of the full one's (the merge takes over the full
    model's arrays, as the first model or the second); the model of every other word has its ids
    rewritten in place."""

    def models():
        full = read_arpa(EN / "mkn3.arpa.gz")
        if first == "other vocabulary":
            words = Vocabulary(full.vocab.words[::2] + [BOS, EOS, UNK])
            second = read_arpa(EN / "wb3.closure.arpa.gz", vocab=words, limit_vocab=True)
            assert len(second.vocab) < len(full.vocab)
        else:
            second = prune(read_arpa(EN / "mkn3.arpa.gz"), 1e-6)
        return [full, second] if first == "full" else [second, full]

    weights = [0.6, 0.4]
    expected = mix_static(models(), weights)
    inputs = models()
    mixed = mix_static(inputs, weights, consume=True)
    assert_same_model(mixed, expected)
    for model in inputs:
        assert model.ngrams == [] and model.logprob == [] and model.backoff == []


def test_three_models_consumed_are_three_copied():
    def models():
        return [read_arpa(EN / "mkn3.arpa.gz"), prune(read_arpa(EN / "mkn3.arpa.gz"), 1e-6),
                read_arpa(EN / "wb3.closure.arpa.gz")]

    weights = [0.5, 0.3, 0.2]
    assert_same_model(mix_static(models(), weights, consume=True), mix_static(models(), weights))


PEAK = textwrap.dedent("""
    import sys
    from ngramkit.arpa import read_arpa
    from ngramkit.formats import save
    from ngramkit.prune import prune

    def status(field):
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) * 1024 for l in f if l.startswith(field + ":"))

    prune(read_arpa(sys.argv[2]), 1e-6, in_place=True)  # the kernels are loaded before the peak is reset
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = status("VmRSS")
    model = read_arpa(sys.argv[1])
    arrays = sum(a.nbytes for a in model.ngrams + model.logprob + model.backoff)
    total = sum(model.sizes())
    pruned = prune(model, float(sys.argv[3]), in_place=True)
    save(pruned, sys.argv[4])
    print(status("VmHWM") - before, arrays, total, sum(pruned.sizes()))
""")


def synthetic_model(path, words, sizes, seed=5):
    """An ARPA text of `words` 1-grams and random 2- and 3-grams of `sizes`, each 3-gram's context
    among the 2-grams, with probabilities that leave every context backoff mass."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(words)])
    bigrams = np.unique(rng.integers(0, words, (sizes[0] * 2, 2)), axis=0)[:sizes[0]]
    contexts = bigrams[rng.integers(0, len(bigrams), sizes[1] * 2)]
    trigrams = np.unique(np.column_stack([contexts, rng.integers(0, words, len(contexts))]), axis=0)[:sizes[1]]
    lines = ["\\data\\", f"ngram 1={words}", f"ngram 2={len(bigrams)}", f"ngram 3={len(trigrams)}", "",
             "\\1-grams:"]
    uni = np.log10(rng.dirichlet(np.ones(words)) * 0.9)
    lines += [f"{p:.4f}\t{w}\t-0.3" for p, w in zip(uni, vocab)]
    lines += ["", "\\2-grams:"]
    bi = rng.uniform(-4.5, -2.5, len(bigrams))
    lines += [f"{p:.4f}\t{a} {b}\t-0.2" for p, (a, b) in zip(bi, vocab[bigrams].tolist())]
    lines += ["", "\\3-grams:"]
    tri = rng.uniform(-3.5, -0.8, len(trigrams))
    lines += [f"{p:.4f}\t{a} {b} {c}" for p, (a, b, c) in zip(tri, vocab[trigrams].tolist())]
    path.write_text("\n".join(lines + ["", "\\end\\", ""]))


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's peak-RSS reset")
def test_pruning_peaks_at_a_bounded_multiple_of_the_model(tmp_path):
    # 3M n-grams: a pruned copy beside the input, or lookups over a whole order at once, would
    # need well over twice the model's arrays; in place it is the reading's peak and a little more
    big, tiny = tmp_path / "big.arpa", tmp_path / "tiny.arpa"
    synthetic_model(big, 20000, [1_000_000, 2_000_000])
    synthetic_model(tiny, 10, [30, 40])
    # a fixed mmap threshold returns every large freed array to the system at once: otherwise glibc's
    # moving threshold keeps some freed arrays resident or not by timing, and the peak measured
    # would be the allocator's, varying from run to run, not the pruning's
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072")
    run = subprocess.run([sys.executable, "-c", PEAK, str(big), str(tiny), "1e-10", str(tmp_path / "out.arpa")],
                         capture_output=True, text=True, check=True, env=env)
    peak, arrays, total, kept = map(int, run.stdout.split())
    assert total > 2_900_000 and 0.1 * total < kept < 0.9 * total, (total, kept)
    # measured: 1.29 times the arrays; pruning into a copy with whole-order lookups, 2.2 times
    assert peak < 1.5 * arrays, (peak, arrays)


def test_renormalized_copy_leaves_the_model_alone():
    # context "a" is followed by both words with probability, </s> and a, so the lower order's
    # mass is all taken (den = 1 - 0.5 - 0.5 = 0) while its own leave 1 - 2 * 10^-0.5 = 0.368:
    # SRILM scales them to sum to one, log10(10^-0.5 / 0.632) = log10(0.5) each
    vocab = Vocabulary([BOS, EOS, "a"])
    bos, eos, a = (vocab.index[w] for w in (BOS, EOS, "a"))
    unigrams = np.array(sorted([[bos], [eos], [a]]), dtype=np.int32)
    uni_logp = {bos: -99.0, eos: np.log10(0.5), a: np.log10(0.5)}
    bigrams = np.array(sorted([[a, eos], [a, a]]), dtype=np.int32)
    model = NgramModel(vocab, [unigrams, bigrams],
                       [np.array([uni_logp[w] for w in unigrams[:, 0]], dtype=np.float32),
                        np.full(2, -0.5, dtype=np.float32)],
                       [np.zeros(3, dtype=np.float32)])
    renormalized = model.renormalized()
    np.testing.assert_array_equal(model.logprob[1], np.float32(-0.5))
    np.testing.assert_allclose(renormalized.logprob[1], np.log10(0.5), atol=1e-6)
