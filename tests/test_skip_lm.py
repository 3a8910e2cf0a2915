"""SRILM's skip n-gram models (`ngram -skip -lm FILE`): an ARPA model followed by `word prob`
lines, scored as SkipNgram::wordProb scores,

    p(w | ... u v) = s(v) p_bo(w | ... u) + (1 - s(v)) p_bo(w | ... u v)

(MixLogP in double over the float backoff estimates, the result a float log10). SRILM 1.7.3 left
no outputs of -skip in the references: the values below are worked out by hand on a model written
out here, and the lines follow SRILM's -debug 2 format (one n-gram tag per backoff estimate).
"""

import math

import numpy as np
import pytest

from ngramkit.cli import ngram
from ngramkit.skip_lm import read_skip_lm

ARPA = """
\\data\\
ngram 1=4
ngram 2=4

\\1-grams:
-0.5\t</s>
-99\t<s>\t-0.3
-0.6\ta\t-0.2
-0.4\tb\t-0.1

\\2-grams:
-0.3\t<s> a
-0.2\ta b
-0.25\tb a
-0.35\tb </s>

\\end\\
"""
SKIP = "\n<s> 0\na 0.25\nb 0.5\n\n"
f32 = np.float32


def mix(skip, skipped, plain):
    """MixLogP: the skipping estimate weighted by the skip probability, in double; a float."""
    ln10 = math.log(10)
    return f32(math.log10(skip * math.exp(float(skipped) * ln10) + (1 - skip) * math.exp(float(plain) * ln10)))


def g7(x):
    return f"{x:.7g}"


def word_line(word, context, first, tags, lp):
    return (f"\tp( {word} | {context} {') ' if first else '...) '}\t= {tags} "
            f"{g7(0.0 if lp == -np.inf else math.exp(float(lp) * math.log(10)))} [ {g7(float(lp))} ]\n")


@pytest.fixture
def skip_lm(tmp_path):
    path = tmp_path / "skip.lm"
    path.write_text(ARPA + SKIP)
    return path


def test_read(skip_lm):
    lm = read_skip_lm(skip_lm)
    assert lm.order == 2 and lm.skip_probs == {"<s>": 0.0, "a": 0.25, "b": 0.5}


def test_ppl_debug_2(skip_lm, tmp_path, capsysbinary):
    text = tmp_path / "t.txt"
    text.write_text("a b a\nc b\n")
    ngram.ngram(["-skip", "-lm", str(skip_lm), "-order", "2", "-ppl", str(text), "-debug", "2"])
    out = capsysbinary.readouterr().out.decode()
    # "a b a": s(<s>) = 0, so p(a | <s>) is the bigram's
    p1 = f32(-0.3)
    # p(b | a): the bigram a b; skipping a leaves <s>: bow(<s>) + p(b)
    p2 = mix(0.25, f32(f32(-0.3) + f32(-0.4)), f32(-0.2))
    # p(a | b): the bigram b a; skipping b leaves a, and a a is absent: bow(a) + p(a)
    p3 = mix(0.5, f32(f32(-0.2) + f32(-0.6)), f32(-0.25))
    # p(</s> | a): a </s> is absent: bow(a) + p(</s>); skipping a leaves b: the bigram b </s>
    p4 = mix(0.25, f32(-0.35), f32(f32(-0.2) + f32(-0.5)))
    s1 = float(p1) + float(p2) + float(p3) + float(p4)
    # "c b": c is OOV (both estimates [OOV]); <unk> has no skip probability and is no context
    q2 = f32(-0.4)
    # p(</s> | b): the bigram b </s>; skipping b leaves <unk>, no context: p(</s>)
    q3 = mix(0.5, f32(-0.5), f32(-0.35))
    s2 = float(q2) + float(q3)

    def ppl(logprob, n):
        return g7(10 ** (-logprob / n))

    expected = (
        "a b a\n"
        + word_line("a", "<s>", True, "[2gram]", p1)
        + word_line("b", "a", False, "[2gram][1gram]", p2)
        + word_line("a", "b", False, "[2gram][1gram]", p3)
        + word_line("</s>", "a", False, "[1gram][2gram]", p4)
        + f"1 sentences, 3 words, 0 OOVs\n0 zeroprobs, logprob= {g7(s1)} ppl= {ppl(s1, 4)} ppl1= {ppl(s1, 3)}\n\n"
        + "c b\n"
        + word_line("<unk>", "<s>", True, "[OOV]", -np.inf)
        + word_line("b", "<unk>", False, "[1gram]", q2)
        + word_line("</s>", "b", False, "[2gram][1gram]", q3)
        + f"1 sentences, 2 words, 1 OOVs\n0 zeroprobs, logprob= {g7(s2)} ppl= {ppl(s2, 2)} ppl1= {ppl(s2, 1)}\n\n"
        + f"file {text}: 2 sentences, 5 words, 1 OOVs\n"
        + f"0 zeroprobs, logprob= {g7(s1 + s2)} ppl= {ppl(s1 + s2, 6)} ppl1= {ppl(s1 + s2, 4)}\n"
    )
    assert out == expected
    # by hand: 0.25 * 10^-0.7 + 0.75 * 10^-0.2 = 0.25 * 0.1995262 + 0.75 * 0.6309573 = 0.0498816 + 0.4732180
    assert 10 ** float(p2) == pytest.approx(0.5230996, abs=1e-6)


@pytest.mark.parametrize("tail, line, message", [
    ("a 0.25 x\n", 19, "illegal skip prob line"),
    ("\nb half\n", 20, "bad skip prob value half"),
])
def test_malformed_skip_probs(tmp_path, cli, tail, line, message):
    path = tmp_path / "bad.lm"
    path.write_text(ARPA + tail)
    status, _, err = cli(ngram.main, ["-skip", "-lm", path, "-order", "2", "-ppl", path])
    assert status == 4
    assert err.startswith(f"ngram: {path}:{line}: {message}") and err.count("\n") == 1


def test_refusals(skip_lm, cli):
    status, _, err = cli(ngram.main, ["-skip", "-lm", skip_lm, "-write-lm", "x.arpa"])
    assert status == 2 and "-skip does not combine with -write-lm" in err
    status, _, err = cli(ngram.main, ["-skip", "-count-lm", "-lm", skip_lm])
    assert status == 2 and "mutually exclusive" in err


# Training: ngram-count -skip (SkipNgram::estimate), one EM iteration worked out by hand


def held(x):
    """A probability as the model holds it: its float32 log10."""
    return f32(math.log10(x))


def weight(seen, lower):
    """SRILM's backoff weight from the held probabilities: mass left over the lower order's."""
    left = 1 - sum(10 ** float(held(x)) for x in seen)
    return f32(math.log10(left / (1 - sum(10 ** float(held(x)) for x in lower))))


def test_train_by_hand(tmp_path, capsys):
    (tmp_path / "t.txt").write_text("a b\na b\n")
    lm_path = tmp_path / "skip.lm"
    from ngramkit.cli import ngram_count

    ngram_count.ngram_count(["-order", "2", "-text", str(tmp_path / "t.txt"), "-skip", "-wbdiscount", "-lm",
                             str(lm_path), "-em-iters", "2"])
    err = capsys.readouterr().err
    # Counts to order 3: <s> a b 2, a b </s> 2, and from <s> the bigram <s> a 2. Skip
    # probabilities start at 0.5 (<s>: 0).
    # Iteration 0: the model is empty, so both estimates are SRILM's stand-in 10^-10: each
    # n-gram gives log10 10^-10 per count (-10 x 6 = -60), and v its skip probability 0.5 as
    # its expected skip (once per n-gram). Expected counts: <s> a b (s(a) = 0.5) gives <s> b
    # (not counted: nothing) and b 0.5 x 2 for the skip, a b and b 0.5 x 2 without; a b </s>
    # likewise to </s>, b </s>; <s> a (s(<s>) = 0) 2 to <s> a and a. So a, b, </s> 2 each,
    # <s> a 2, a b 1, b </s> 1; s(a) = s(b) = 0.5 / c(a) = 0.25.
    # Witten-Bell: unigrams T 6, V 3: 2/3 x 2/6 = 2/9 each, the 1/3 left goes to all three (none
    # unseen): 1/3 each. <s>: a 2 (T 2, V 1): 2/3 x 2/2 = 2/3; a: b 1 (T 1, V 1): 1/2; b: </s> 1/2.
    # Iteration 1, with s(a) = s(b) = 0.25 (probabilities as held, in float32 logs):
    #   <s> a b: skipping a, p(b | <s>) = bow(<s>) p(b) = 1/2 x 1/3; plain p(b | a) = 1/2
    #            p = 0.25 x 1/6 + 0.75 x 1/2 = 5/12; a's expected skip (1/24) / (5/12) = 1/10
    #   a b </s>: skipping b, p(</s> | a) = bow(a) p(</s>) = 3/4 x 1/3; plain p(</s> | b) = 1/2
    #            p = 0.25 x 1/4 + 0.75 x 1/2 = 7/16; b's expected skip (1/16) / (7/16) = 1/7
    #   <s> a:   both estimates are p(a) = 1/3 (the context left is empty), s(<s>) = 0
    # log likelihood 2 (log10 5/12 + log10 7/16 + log10 1/3); s(a) = 1/10 / 2, s(b) = 1/7 / 2.
    # Expected counts: b 0.25 x 2 + 0.75 x 2 = 2, </s> 2, a 2; <s> a 2, a b 1.5, b </s> 1.5.
    # Witten-Bell: unigrams 1/3 each again, <s> a 2/3; a b: 1.5 / (1.5 + 1) = 0.6, b </s> 0.6.
    bow_bos = weight([2 / 3], [1 / 3])
    third = held(1 / 3)

    def mixed(skip, skipped_logp, plain_logp):
        return skip * math.exp(float(skipped_logp) * math.log(10)) + (1 - skip) * math.exp(
            float(plain_logp) * math.log(10))

    p_ab = mixed(0.25, f32(bow_bos + third), held(1 / 2))
    p_ae = mixed(0.25, f32(weight([1 / 2], [1 / 3]) + third), held(1 / 2))
    p_a = mixed(0.0, third, third)
    likelihood = f32(0)
    for p in (p_ab, p_ae, p_a):
        likelihood = f32(likelihood + f32(2 * f32(math.log10(p))))
    assert float(likelihood) == pytest.approx(2 * (math.log10(5 / 12) + math.log10(7 / 16) + math.log10(1 / 3)),
                                              rel=1e-6)
    assert err == f"iteration 0: log likelihood = -60\niteration 1: log likelihood = {float(likelihood):g}\n"
    skip_a = 0.25 * math.exp(float(f32(bow_bos + third)) * math.log(10)) / p_ab / 2
    skip_b = 0.25 * math.exp(float(f32(weight([1 / 2], [1 / 3]) + third)) * math.log(10)) / p_ae / 2
    assert skip_a == pytest.approx(1 / 20, abs=1e-7) and skip_b == pytest.approx(1 / 14, abs=1e-7)
    text = lm_path.read_text()
    arpa, tail = text.split("\\end\\\n")
    assert arpa == f"""
\\data\\
ngram 1=4
ngram 2=3

\\1-grams:
{g7(third)}\t</s>
-99\t<s>\t{g7(bow_bos)}
{g7(third)}\ta\t{g7(weight([0.6], [1 / 3]))}
{g7(third)}\tb\t{g7(weight([0.6], [1 / 3]))}

\\2-grams:
{g7(held(2 / 3))}\t<s> a
{g7(held(0.6))}\ta b
{g7(held(0.6))}\tb </s>

"""
    # SkipNgram::write: a blank line, `word %.16g` for every word of the vocabulary (-pau- is
    # one of SRILM's), sorted, a blank line; words never skipped keep 0.5
    lines = tail.split("\n")
    assert lines[0] == "" and lines[-2:] == ["", ""]
    words = [line.split() for line in lines[1:-2]]
    assert [w for w, _ in words] == ["-pau-", "</s>", "<s>", "<unk>", "a", "b"]
    values = dict(words)
    assert [values[w] for w in ("-pau-", "</s>", "<s>", "<unk>")] == ["0.5", "0.5", "0", "0.5"]
    assert float(values["a"]) == pytest.approx(skip_a, rel=1e-12) and values["a"] == f"{float(values['a']):.16g}"
    assert float(values["b"]) == pytest.approx(skip_b, rel=1e-12)
    # what ngram -skip reads back
    assert read_skip_lm(lm_path).skip_probs == {w: float(v) for w, v in values.items()}


def test_train_first_iteration_skips(tmp_path, capsys):
    (tmp_path / "t.txt").write_text("a b\na b\n")
    from ngramkit.cli import ngram_count

    ngram_count.ngram_count(["-order", "2", "-text", str(tmp_path / "t.txt"), "-skip", "-skip-init", "0.3",
                             "-wbdiscount", "-lm", str(tmp_path / "skip.lm"), "-em-iters", "1"])
    # one M-step: each word's share 0.3 once per n-gram it is skipped in, over its count 2
    assert read_skip_lm(tmp_path / "skip.lm").skip_probs == {"-pau-": 0.3, "</s>": 0.3, "<s>": 0.0, "<unk>": 0.3,
                                                             "a": 0.15, "b": 0.15}
    assert capsys.readouterr().err == "iteration 0: log likelihood = -60\n"


def test_train_good_turing_keeps_its_discounts(tmp_path, capsys):
    (tmp_path / "t.txt").write_text("a b\na b\nb a\n")
    from ngramkit.cli import ngram_count

    ngram_count.ngram_count(["-order", "2", "-text", str(tmp_path / "t.txt"), "-skip", "-lm",
                             str(tmp_path / "skip.lm"), "-em-iters", "1", "-gt1max", "0", "-gt2max", "0"])
    err = capsys.readouterr().err
    # SRILM's M-step cannot estimate Good-Turing from fractional counts: it says so per order
    assert err.endswith("iteration 0: log likelihood = -90\n"
                        "discounting method does not support float counts\n"
                        "warning: skip-ngram discount estimator for order 1 failed -- using old parameters\n"
                        "discounting method does not support float counts\n"
                        "warning: skip-ngram discount estimator for order 2 failed -- using old parameters\n")


@pytest.mark.parametrize("argv, message", [
    (["-kndiscount"], "-skip estimates with good-turing, witten-bell, absolute, additive, not kneser-ney"),
    (["-float-counts"], "mutually exclusive"),
    (["-write-binary-lm"], "-skip does not combine with -write-binary-lm"),
])
def test_train_refusals(tmp_path, cli, argv, message):
    from ngramkit.cli import ngram_count

    (tmp_path / "t.txt").write_text("a b\n")
    status, _, err = cli(ngram_count.main, ["-text", tmp_path / "t.txt", "-skip", "-lm", tmp_path / "x.lm", *argv])
    assert status != 0 and message in err and err.count("\n") == 1
