"""Pruning, mixing, mixture weights and renormalisation agree with SRILM 1.7.3's `ngram` and
`compute-best-mix`: the same n-grams, values within 1e-4, the same ppl lines and weights.

The small copies (cut by tests/make_prune_mix_samples.py) hold samples of the pruned and
mixed reference models and a closure of wb3 that reproduces the sampled mixed lines; the
full references of both languages are compared when ../shared is present.
"""

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import REFERENCE, SHARED_REFERENCE, needs_shared
from test_estimate_srilm import largest_difference, sample_difference

from ngramkit.arpa import read_arpa
from ngramkit.cli import compute_best_mix, ngram
from ngramkit.cli.main import main as ngramkit_main
from ngramkit.mixing import best_mix, cumulative_lambdas
from ngramkit.prune import Pruner, prune_low_probs
from ngramkit.renorm import backoff_logprob, recompute_backoffs

TOLERANCE = 1e-4
EN = REFERENCE / "en" / "srilm"


def assert_sample_matches(ours, sample_path, check_sizes=True):
    worst = sample_difference(ours, sample_path, check_sizes=check_sizes)
    assert worst < TOLERANCE
    return worst


def ppl_lines(cli, argv):
    """The two ppl lines without the file name (references name test.txt, we a path)."""
    status, out, err = cli(ngram.main, argv)
    assert status == 0, err
    first, second = out.splitlines()[-2:]
    return [first.split(": ", 1)[1], second]


def reference_ppl_lines(path):
    first, second = path.read_text().splitlines()
    return [first.split(": ", 1)[1], second]


def test_prune_sample_matches_srilm(cli, tmp_path):
    out = tmp_path / "pruned.arpa.gz"
    status, _, err = cli(ngram.main, ["-order", 3, "-lm", EN / "mkn3.arpa.gz", "-prune", "1e-6", "-write-lm", out])
    assert status == 0, err
    assert_sample_matches(read_arpa(out), EN / "prune-mkn3-1e-6.sample.arpa.gz")
    assert ppl_lines(cli, ["-lm", out, "-order", 3, "-ppl", REFERENCE / "en" / "test.txt.gz"]) == \
        reference_ppl_lines(EN / "prune-mkn3-1e-6.ppl0.txt")


def test_mix_sample_matches_srilm(cli, tmp_path):
    out = tmp_path / "mixed.arpa.gz"
    status, _, err = cli(ngram.main, ["-order", 3, "-lm", EN / "mkn3.arpa.gz", "-mix-lm", EN / "wb3.closure.arpa.gz",
                                      "-lambda", "0.6", "-write-lm", out])
    assert status == 0, err
    assert_sample_matches(read_arpa(out), EN / "mix-mkn3-wb3-0.6.sample.arpa.gz", check_sizes=False)


def test_target_size_finds_the_threshold():
    pruner = Pruner(read_arpa(EN / "mkn3.arpa.gz"))
    theta = pruner.threshold_for_size(60000)
    assert pruner.size(theta) <= 60000 < pruner.size(theta * 0.999)
    assert sum(pruner.pruned(theta).sizes()) == pruner.size(theta)


def test_renorm_reproduces_srilm_backoff_weights(cli, tmp_path):
    out = tmp_path / "renorm.arpa"
    status, _, err = cli(ngram.main, ["-lm", EN / "mkn3.arpa.gz", "-renorm", "-write-lm", out])
    assert status == 0, err
    assert largest_difference(read_arpa(out), read_arpa(EN / "mkn3.arpa.gz")) < 1e-6


def test_every_distribution_sums_to_one_after_renorm():
    # a pruned model (fewer contexts to sum over), its weights spoilt, then recomputed
    model = Pruner(read_arpa(REFERENCE / "en" / "fst" / "tiny.arpa.gz")).pruned(1e-5)
    for bow in model.backoff:
        bow[~np.isnan(bow)] = 0.5
    recompute_backoffs(model)
    words = model.ngrams[0][:, 0]
    words = words[words != model.vocab.bos]
    assert abs(np.sum(10.0 ** model.logprob[0].astype(np.float64)) - 1.0) < 1e-6
    for k in range(1, model.order):
        contexts = model.ngrams[k - 1][~np.isnan(model.backoff[k - 1])]
        for lo in range(0, len(contexts), 256):
            chunk = contexts[lo:lo + 256]
            rows = np.concatenate([np.repeat(chunk, len(words), axis=0),
                                   np.tile(words, len(chunk))[:, None]], axis=1)
            p = 10.0 ** backoff_logprob(model, rows).astype(np.float64)
            sums = p.reshape(len(chunk), len(words)).sum(axis=1)
            assert np.abs(sums - 1.0).max() < 1e-6, f"order {k + 1} contexts"


def write_text(path, text):
    path.write_text(text, encoding="utf-8")
    return path


UNIGRAM_A = """\\data\\
ngram 1=4

\\1-grams:
-0.30103\ta
-0.60206\tb
-0.60206\t</s>
-99\t<s>

\\end\\
"""
UNIGRAM_B = UNIGRAM_A.replace("-0.30103\ta", "-0.60206\ta").replace("-0.60206\tb", "-0.30103\tb")


def test_mixing_by_hand(cli, tmp_path):
    a = write_text(tmp_path / "a.arpa", UNIGRAM_A)
    b = write_text(tmp_path / "b.arpa", UNIGRAM_B)
    text = write_text(tmp_path / "t.txt", "a b\n")
    # p(a) = .6*.5 + .4*.25 = .4, p(b) = .6*.25 + .4*.5 = .35, p(</s>) = .25
    logprob = math.log10(0.4 * 0.35 * 0.25)
    expected = ["1 sentences, 2 words, 0 OOVs",
                f"0 zeroprobs, logprob= {logprob:.7g} ppl= {10 ** (-logprob / 3):.7g} ppl1= {10 ** (-logprob / 2):.7g}"]
    assert ppl_lines(cli, ["-lm", a, "-mix-lm", b, "-lambda", "0.6", "-bayes", "0", "-ppl", text]) == expected
    merged = tmp_path / "ab.arpa"
    assert ppl_lines(cli, ["-lm", a, "-mix-lm", b, "-lambda", "0.6", "-write-lm", merged, "-ppl", text]) == expected
    m = read_arpa(merged)
    probs = dict(zip((m.vocab.words[i] for i in m.ngrams[0][:, 0]), m.logprob[0].tolist()))
    assert probs["a"] == pytest.approx(math.log10(0.4), abs=1e-6)
    assert probs["<s>"] == -99


def test_three_models_merge_with_cumulative_weights(cli, tmp_path):
    a = write_text(tmp_path / "a.arpa", UNIGRAM_A)
    b = write_text(tmp_path / "b.arpa", UNIGRAM_B)
    out = tmp_path / "abc.arpa"
    # weights: a .5, -mix-lm2 b .2, -mix-lm a .3 -> p(a) = .8*.5 + .2*.25 = .45
    status, _, err = cli(ngram.main, ["-lm", a, "-mix-lm", a, "-mix-lm2", b, "-lambda", "0.5",
                                      "-mix-lambda2", "0.2", "-write-lm", out])
    assert status == 0, err
    m = read_arpa(out)
    assert m.logprob[0][m.vocab.index["a"] == m.ngrams[0][:, 0]][0] == pytest.approx(math.log10(0.45), abs=1e-6)


def test_prune_lowprobs_by_hand(tmp_path):
    # p(b|a) = .3 is below bow(a) p(b) = (.2/.2) .4 = .4; p(a|a) = .5 is above it.
    lm = write_text(tmp_path / "lm.arpa", """\\data\\
ngram 1=4
ngram 2=2

\\1-grams:
-0.39794\ta\t0
-0.39794\tb
-0.69897\t</s>
-99\t<s>

\\2-grams:
-0.30103\ta a
-0.5228787\ta b

\\end\\
""")
    model = prune_low_probs(read_arpa(lm))
    words = model.vocab.words
    assert [tuple(words[i] for i in r) for r in model.ngrams[1]] == [("a", "a")]
    # bow(a) = (1 - .5) / (1 - .4)
    assert model.backoff[0][model.ngrams[0][:, 0] == model.vocab.index["a"]][0] == pytest.approx(
        math.log10(0.5 / 0.6), abs=1e-6)


def debug2_lines(probs):
    lines = ["file t.txt: 1 sentences, 2 words, 0 OOVs"]
    for p in probs:
        if p is None:
            lines.append("\tp( <unk> | <s> ) \t= [OOV] 0 [ -inf ]")
        else:
            lines.append(f"\tp( w | <s> ) \t= [1gram] {p:.7g} [ {math.log10(p):.7g} ]")
    return "\n".join(lines) + "\n"


def test_compute_best_mix_by_hand(cli, tmp_path, capsys):
    one = write_text(tmp_path / "one.ppl", debug2_lines([0.5, None, 0.1]))
    two = write_text(tmp_path / "two.ppl", debug2_lines([0.1, None, 0.5]))
    status, out, err = cli(compute_best_mix.main, [one, two])
    assert status == 0
    # both words: .5*.5 + .5*.1 = .3, so ppl = 1/.3; posteriors are symmetric: weights stay .5
    assert err == "iteration 1, lambda = (0.5 0.5), ppl = 3.33333\n"
    assert out == "2 non-oov words, best lambda (0.5 0.5)\npairwise cumulative lambda (1 0.5)\n"


def test_best_mix_moves_to_the_better_model():
    # model 1 gives every word .4, model 2 .1: all weight goes to model 1
    lam, words = best_mix(np.log10(np.array([[0.4] * 5, [0.1] * 5])), precision=1e-6)
    assert lam[0] > 0.999 and words == 5
    assert cumulative_lambdas([0.5, 0.3, 0.2]) == pytest.approx([1.0, 0.375, 0.2])


def test_bad_input_is_one_line(cli, tmp_path):
    empty = write_text(tmp_path / "empty.ppl", "file t.txt: 0 sentences\n")
    status, _, err = cli(compute_best_mix.main, [empty, empty])
    assert status == 4 and err.count("\n") == 1 and str(empty) in err
    status, _, err = cli(ngram.main, ["-lm", EN / "mkn3.arpa.gz", "-mix-lm2", EN / "mkn3.arpa.gz"])
    assert status == 2 and "-mix-lm2 needs -mix-lm" in err
    status, _, err = cli(ngram.main, ["-lm", EN / "mkn3.arpa.gz", "-mix-lm", EN / "mkn3.arpa.gz", "-lambda", "1.5"])
    assert status == 2 and err.count("\n") == 1
    lm = write_text(tmp_path / "bad.arpa", "\\data\\\nngram 1=1\n\n\\1-grams:\n1\ta\n\n\\end\\\n")  # positive log p
    status, _, err = cli(ngram.main, ["-lm", lm, "-prune", "1e-6", "-write-lm", tmp_path / "out.arpa"])
    assert status == 4 and f"{lm}:" in err and not (tmp_path / "out.arpa").exists()


def test_ngramkit_prune_and_mix_commands(cli, tmp_path):
    out = tmp_path / "p.arpa"
    status, _, err = cli(ngramkit_main, ["prune", EN / "mkn3.arpa.gz", "-o", out, "--target-ngrams", "60000"])
    assert status == 0, err
    assert sum(read_arpa(out).sizes()) <= 60000
    a = write_text(tmp_path / "a.arpa", UNIGRAM_A)
    b = write_text(tmp_path / "b.arpa", UNIGRAM_B)
    dev = write_text(tmp_path / "dev.txt", "a a a\n")
    status, _, err = cli(ngramkit_main, ["mix", "--tune", dev, a, b, "-o", tmp_path / "m.arpa"])
    assert status == 0, err
    assert "best lambda (" in err


# Full references (../shared)

@needs_shared
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", ["mkn3", "gt3"])
def test_prune_full_reference(cli, lang, name, tmp_path):
    srilm = SHARED_REFERENCE / lang / "srilm"
    out = tmp_path / "pruned.arpa"
    status, _, err = cli(ngram.main, ["-order", 3, "-lm", srilm / f"{name}.arpa.gz", "-prune", "1e-6", "-write-lm", out])
    assert status == 0, err
    worst = largest_difference(read_arpa(out), read_arpa(srilm / f"prune-{name}-1e-6.arpa.gz"))
    print(f"{lang} prune-{name}-1e-6: largest difference {worst:.3g}")
    assert worst < TOLERANCE
    assert ppl_lines(cli, ["-lm", out, "-order", 3, "-ppl", SHARED_REFERENCE / lang / "test.txt.gz"]) == \
        reference_ppl_lines(srilm / f"prune-{name}-1e-6.ppl0.txt")


@needs_shared
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_mix_full_reference(cli, lang, tmp_path):
    srilm = SHARED_REFERENCE / lang / "srilm"
    test = SHARED_REFERENCE / lang / "test.txt.gz"
    out = tmp_path / "mixed.arpa"
    mix = ["-order", 3, "-lm", srilm / "mkn3.arpa.gz", "-mix-lm", srilm / "wb3.arpa.gz", "-lambda", "0.6"]
    status, _, err = cli(ngram.main, mix + ["-write-lm", out])
    assert status == 0, err
    worst = largest_difference(read_arpa(out), read_arpa(srilm / "mix-mkn3-wb3-0.6.arpa.gz"))
    print(f"{lang} mix-mkn3-wb3-0.6: largest difference {worst:.3g}")
    assert worst < TOLERANCE
    assert ppl_lines(cli, ["-lm", out, "-order", 3, "-ppl", test]) == \
        reference_ppl_lines(srilm / "mix-mkn3-wb3-0.6.ppl0.txt")
    assert ppl_lines(cli, mix + ["-bayes", "0", "-ppl", test]) == reference_ppl_lines(srilm / "mix-dynamic.ppl0.txt")


@needs_shared
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_best_mix_full_reference(cli, lang):
    srilm = SHARED_REFERENCE / lang / "srilm"
    status, out, err = cli(compute_best_mix.main, [srilm / "mkn3.ppl2-full.txt.gz", srilm / "wb3.ppl2-full.txt.gz"])
    assert status == 0
    assert err + out == (srilm / "best-mix.txt").read_text()


@needs_shared
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tuned_weights_from_text_match_best_mix(lang, tmp_path):
    from ngramkit.mixing import shared_vocab, token_logprobs

    srilm = SHARED_REFERENCE / lang / "srilm"
    models = shared_vocab([read_arpa(srilm / "mkn3.arpa.gz"), read_arpa(srilm / "wb3.arpa.gz")])
    logprob, _, _ = token_logprobs(models, SHARED_REFERENCE / lang / "test.txt.gz")
    lam, _ = best_mix(logprob)
    expected = (srilm / "best-mix.txt").read_text().split("best lambda (")[1].split(")")[0].split()
    assert np.abs(lam - np.array([float(x) for x in expected])).max() < 1e-3


BEST_MIX = Path(__file__).parent / "data" / "best_mix"


@pytest.mark.parametrize("argv, name", [(["a.ppl", "b.ppl"], "ab"),
                                        (["lambda=0.2 0.3", "a.ppl", "b.ppl", "c.ppl"], "abc")])
def test_compute_best_mix_is_srilms(cli, monkeypatch, argv, name):
    # SRILM 1.7.3's output (tests/data/best_mix/README.md): a word some model knows counts, a
    # word zero to every model (the <s> in a line, OOVs) does not; missing weights filled in
    monkeypatch.chdir(BEST_MIX)
    status, out, err = cli(compute_best_mix.main, argv)
    assert status == 0
    assert (out, err) == ((BEST_MIX / f"{name}.out").read_text(), (BEST_MIX / f"{name}.err").read_text())
