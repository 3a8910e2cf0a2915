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
