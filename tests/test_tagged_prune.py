"""`ngram -tagged -prune`: SRILM's Ngram::pruneProbs and recomputeBOWs under TaggedNgram's
wordProbBO and LM::contextProb, worked out by hand."""

import math

import numpy as np
from test_tagged_lm import bow, g7

import ngramkit
from ngramkit.cli import ngram
from ngramkit.tagged_lm import tagged_backoff_logprob, tagged_chain_logprob

f32 = np.float32

ARPA = """\\data\\
ngram 1=5
ngram 2=3

\\1-grams:
-0.30103\t</s>
-99\t<s>\t-0.1
-0.60206\ta\t-0.2
-0.60206\tb\t-0.15
-99\t/X\t-0.3

\\2-grams:
-0.2\t<s> a
-0.1\t/X a
-0.3\tb a

\\end\\
"""


def P(logp):
    return math.exp(float(logp) * math.log(10))


def perplexity_change(context_logprob, logp, lower, old_bow):
    """Ngram::pruneProbs's relative change of removing the one n-gram of its context."""
    numerator, denominator = 1 - P(logp), 1 - P(lower)
    new_bow = f32(math.log10(numerator + P(logp)) - math.log10(denominator + P(lower)))
    delta = f32(f32(lower + new_bow) - logp)
    entropy = -P(context_logprob) * (P(logp) * float(delta) + numerator * float(f32(new_bow - old_bow)))
    return 10 ** entropy - 1


def test_prune_by_hand(tmp_path):
    lm, out = tmp_path / "t.arpa", tmp_path / "p.arpa"
    lm.write_text(ARPA)
    a = f32(-0.60206)
    # each context holds one bigram, of a (backing off to the unigram a). The context's marginal
    # (LM::contextProb): <s> counts as </s>: 1/2; b: 1/4; /X is a tag, whose probability is 0
    # (its word untagged is no word of the model) and which, a non-event, is left out: 1
    changes = {"<s> a": perplexity_change(f32(-0.30103), f32(-0.2), a, f32(-0.1)),
               "/X a": perplexity_change(f32(0.0), f32(-0.1), a, f32(-0.3)),
               "b a": perplexity_change(f32(-0.60206), f32(-0.3), a, f32(-0.15))}
    assert [round(changes[k], 3) for k in ("<s> a", "/X a", "b a")] == [0.283, 1.173, 0.045]
    ngram.ngram(["-tagged", "-lm", str(lm), "-order", "2", "-prune", "0.5", "-write-lm", str(out)])
    # at 0.5, /X a alone stays (untagged, /X's marginal would be 10^-99 and it would go): /X's
    # weight recomputed, (1 - p(a | /X)) / (1 - p(a)); <s>, a and b keep no weight, having no
    # bigrams left
    bow_x = bow(1 - P(f32(-0.1)), 1 - P(a))
    assert out.read_text() == ("\n\\data\\\nngram 1=5\nngram 2=1\n\n\\1-grams:\n"
                               f"-99\t/X\t{g7(float(bow_x))}\n-0.30103\t</s>\n-99\t<s>\n-0.60206\ta\n-0.60206\tb\n\n"
                               "\\2-grams:\n-0.1\t/X a\n\n\\end\\\n")
    assert g7(float(bow_x)) == "-0.5618866"


def test_tagged_backoff_and_marginal(tmp_path):
    # order 3, where /A /B w holds a trigram that TaggedNgram never finds from the context /A /B:
    # it looks the context up untagged (two words of no n-gram), then with the oldest token's
    # tag back (TN /A: no n-gram either), weights of 0 both times; then from /B alone: untagged
    # nothing, with the tag back the bigram /B w
    lm = tmp_path / "t.arpa"
    lm.write_text("\\data\\\nngram 1=5\nngram 2=2\nngram 3=1\n\n\\1-grams:\n-0.5\t</s>\n-99\t<s>\n"
                  "-0.3\tw\t-0.2\n-99\t/A\t-0.1\n-99\t/B\t-0.25\n\n\\2-grams:\n-0.4\t/B w\n-0.35\t/A /B\t-0.15\n\n"
                  "\\3-grams:\n-0.05\t/A /B w\n\n\\end\\\n")
    model = ngramkit.load(lm)
    v = model.vocab.index
    rows = np.array([[v["/A"], v["/B"], v["w"]], [v["/B"], v["w"], v["w"]], [v["w"], v["/B"], v["w"]],
                     [v["w"], v["w"], v["/A"]]], dtype=np.int32)
    got = tagged_backoff_logprob(model, rows)
    # /B w w: its only tag the oldest, the usual backoff: no /B w w, no weight of /B w (none
    # given), then w w missing: bow(w) + p(w)
    # w /B w: /B untagged inside the context holds nothing (levels 2 and, untagged, 1), then /B w
    # w w /A: a tag is predicted by nothing
    assert got.tolist() == [f32(-0.4), f32(f32(-0.3) + f32(f32(-0.2) + f32(0.0))), f32(-0.4), -np.inf]
    # the marginal of /A /B w (LM::contextProb): /A and /B, tags, are left out; then p(w | /A /B)
    assert tagged_chain_logprob(model, rows[:1]).tolist() == [f32(-0.4)]
