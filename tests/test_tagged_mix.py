"""`ngram -tagged -mix-lm`: SRILM's Ngram::mixProbs with the -lm model a TaggedNgram (its
probabilities of the n-grams it lacks through TaggedNgram::wordProbBO, and recomputeBOWs after)
and the -mix-lm models plain Ngrams over the same tagged vocabulary, worked out by hand."""

import math

import numpy as np
from test_tagged_lm import bow, g7

import ngramkit
from ngramkit.cli import ngram

f32 = np.float32

A = """\\data\\
ngram 1=6
ngram 2=2
ngram 3=1

\\1-grams:
-0.39794\t</s>
-99\t<s>
-0.69897\tv
-0.39794\tw
-99\t/A\t-0.1
-99\t/B\t-0.2

\\2-grams:
-0.15\t/A /B\t-0.05
-0.25\t/B w

\\3-grams:
-0.6\t/A /B </s>

\\end\\
"""

B = """\\data\\
ngram 1=6
ngram 2=2
ngram 3=1

\\1-grams:
-0.39794\t</s>
-99\t<s>
-0.69897\tv
-0.39794\tw
-99\t/A\t-0.1
-99\t/B

\\2-grams:
-0.1\t/A /B\t-0.3
-0.2\t/B w

\\3-grams:
-0.3\t/A /B w

\\end\\
"""


def P(logp):
    return math.exp(float(logp) * math.log(10))


def mixed(pa, pb, lam=0.5):
    return f32(math.log10(lam * P(pa) + (1 - lam) * P(pb)))


def ngram_logprob(model, words):
    """The probability and weight of an n-gram as the ARPA file prints them (7 digits)."""
    k = len(words)
    row = np.array([model.vocab.index[w] for w in words], dtype=np.int32)
    where = np.flatnonzero((model.ngrams[k - 1] == row).all(axis=1))
    weight = model.backoff[k - 1][where[0]] if k <= len(model.backoff) else None
    return g7(float(model.logprob[k - 1][where[0]])), None if weight is None else g7(float(weight))


def test_static_mix_by_hand(tmp_path):
    a, b, out = tmp_path / "a.arpa", tmp_path / "b.arpa", tmp_path / "m.arpa"
    a.write_text(A)
    b.write_text(B)
    ngram.ngram(["-tagged", "-lm", str(a), "-mix-lm", str(b), "-lambda", "0.5", "-order", "3", "-write-lm", str(out)])
    model = ngramkit.load(out)
    # /A /B w, which A lacks: TaggedNgram looks the context up untagged (two words of no
    # n-gram: nothing, weight 0), with /A's tag back (still /B untagged: nothing), then from /B
    # alone: the bigram /B w, A's -0.25 (not bow(/A /B) + p(w | /B), -0.3, as a plain Ngram has it)
    abw = mixed(f32(-0.25), f32(-0.3))
    # /A /B </s>, which B lacks: B's backoff, bow(/A /B) = -0.3, then /B </s> missing, bow(/B)
    # none: p(</s>)
    abe = mixed(f32(-0.6), f32(f32(-0.3) + f32(f32(0.0) + f32(-0.39794))))
    ab, bw = mixed(f32(-0.15), f32(-0.1)), mixed(f32(-0.25), f32(-0.2))
    assert ngram_logprob(model, ["/A", "/B", "w"])[0] == g7(float(abw))
    assert ngram_logprob(model, ["/A", "/B", "</s>"])[0] == g7(float(abe))
    assert ngram_logprob(model, ["/B", "w"])[0] == g7(float(bw))
    # the weights recomputed from the lower orders up: /A's (/B, a tag, has probability 0 below),
    # /B's, then /A /B's, whose denominator backs off from /B: p(w | /B) and bow(/B) + p(</s>)
    w, end = f32(-0.39794), f32(-0.39794)
    bow_a = bow(1 - P(ab), 1 - 0.0)
    bow_b = bow(1 - P(bw), 1 - P(w))
    bow_ab = bow(1 - P(abw) - P(abe), 1 - P(bw) - P(f32(bow_b + end)))
    assert ngram_logprob(model, ["/A"])[1] == g7(float(bow_a))
    assert ngram_logprob(model, ["/B"])[1] == g7(float(bow_b))
    assert ngram_logprob(model, ["/A", "/B"]) == (g7(float(ab)), g7(float(bow_ab)))
    # without -tagged, A's estimate of /A /B w is the plain backoff
    ngram.ngram(["-lm", str(a), "-mix-lm", str(b), "-lambda", "0.5", "-order", "3", "-write-lm", str(out)])
    plain = mixed(f32(f32(-0.05) + f32(-0.25)), f32(-0.3))
    assert ngram_logprob(ngramkit.load(out), ["/A", "/B", "w"])[0] == g7(float(plain)) != g7(float(abw))
