"""Class expansions of several words (`C p w1 w2 ...`) in ClassNgram's forward pass and in the
class G.fst, worked out by hand on tiny models: SRILM's ClassNgram sums over every way the
sentence splits into words and whole expansions (ClassNgram::prefixProb: a path enters an
expansion at its first word with p(C | context) p(expansion | C), goes through its other words
at no cost and with the context unchanged, and has C as its context afterwards)."""

import math

import pytest

from ngramkit import load
from ngramkit.classes import ClassModel, load_classes
from ngramkit.errors import UsageError

# unigram model: p(</s>) .2, p(C) .3, p(a) .25, p(b) .25
UNIGRAM_ARPA = f"""
\\data\\
ngram 1=5

\\1-grams:
{math.log10(0.2):.7f}\t</s>
-99\t<s>
{math.log10(0.3):.7f}\tC
{math.log10(0.25):.7f}\ta
{math.log10(0.25):.7f}\tb

\\end\\
"""

# the same with p(</s> | C) = .8 (every backoff weight 1)
BIGRAM_ARPA = f"""
\\data\\
ngram 1=5
ngram 2=1

\\1-grams:
{math.log10(0.2):.7f}\t</s>
-99\t<s>\t0
{math.log10(0.3):.7f}\tC\t0
{math.log10(0.25):.7f}\ta\t0
{math.log10(0.25):.7f}\tb\t0

\\2-grams:
{math.log10(0.8):.7f}\tC </s>

\\end\\
"""


@pytest.fixture
def tiny(tmp_path):
    (tmp_path / "uni.arpa").write_text(UNIGRAM_ARPA)
    (tmp_path / "bi.arpa").write_text(BIGRAM_ARPA)
    (tmp_path / "c.classes").write_text("C 0.5 a b\nC 0.5 b\n")
    (tmp_path / "t.txt").write_text("a b\nb a\n")
    return tmp_path


def test_sentence_sums_over_segmentations(tiny):
    model = ClassModel(load(tiny / "uni.arpa"), load_classes(tiny / "c.classes"))
    totals = model.score_file(tiny / "t.txt")
    # "a b": a b as words .25 * .25 * .2 = .0125; a, then b as C: .25 * (.3 * .5) * .2 = .0075;
    # "a b" as C: (.3 * .5) * .2 = .03; in all .05
    # "b a": b as a word or as C, .25 + .15 = .4; then a as a word, .25; a starting "a b" as C
    # ends before its b: P = .4 * .25 * .2 = .02
    assert totals.logprob == pytest.approx(math.log10(0.05) + math.log10(0.02), abs=1e-5)
    assert (totals.sentences, totals.words, totals.oovs, totals.zeroprobs) == (2, 4, 0, 0)


def test_word_probabilities_are_prefix_ratios(tiny):
    report = ClassModel(load(tiny / "uni.arpa"), tiny / "c.classes").perplexity(tiny / "t.txt")
    # "a b": P(a) = .25 + .15 (a entering "a b") = .4; P(a b) = .0625 + .0375 + .15 = .25, so
    # p(b | a) = .625; p(</s> | a b) = .05 / .25 = .2
    # "b a": p(b) = .4; P(b a) = .1 + .4 * .15 = .16, p(a | b) = .4; p(</s> | b a) = .02 / .16
    expected = [0.4, 0.625, 0.2, 0.4, 0.4, 0.125]
    assert list(report.token_logprob) == pytest.approx([math.log10(p) for p in expected], abs=1e-6)
    assert report.sentence_logprob == pytest.approx([math.log10(0.05), math.log10(0.02)], abs=1e-5)


def test_class_is_the_context_after_an_expansion(tiny):
    model = ClassModel(load(tiny / "bi.arpa"), tiny / "c.classes")
    totals = model.score_file(tiny / "t.txt")
    # "a b": words .25 * .25 * p(</s> | b) .2 = .0125; a, C(b): .25 * .15 * p(</s> | C) .8 = .03;
    # C(a b): .15 * .8 = .12; in all .1625
    # "b a": (.25 + .15) * .25 * p(</s> | a) .2 = .02 (p(a | C) backs off to p(a), weight 1)
    assert totals.logprob == pytest.approx(math.log10(0.1625) + math.log10(0.02), abs=1e-5)


def test_debug2_lines(tiny):
    import io

    out = io.BytesIO()
    ClassModel(load(tiny / "uni.arpa"), tiny / "c.classes").score_file(tiny / "t.txt", debug=2, out=out)
    lines = out.getvalue().decode().split("\n")
    # SRILM's "\tp( w | context ) \t= " then one tag per path that looked up an n-gram: for b
    # after a, the word b and C from the path reading a as a word, none from the path inside
    # "a b"; then " p [ log10 p ]"
    assert lines[1] == "\tp( a | <s> ) \t= [1gram][1gram] 0.4 [ -0.39794 ]"
    assert lines[2] == "\tp( b | a ...) \t= [1gram][1gram] 0.625 [ -0.20412 ]"
    assert lines[3] == "\tp( </s> | b ...) \t= [1gram][1gram][1gram] 0.2 [ -0.69897 ]"


def test_single_word_only_where_srilm_needs_it(tiny):
    with pytest.raises(UsageError, match="one word each"):
        ClassModel(load(tiny / "uni.arpa"), tiny / "c.classes", simple=True)
    with pytest.raises(UsageError, match="one word each"):
        ClassModel(load(tiny / "uni.arpa"), tiny / "c.classes").expand()


def test_fst_path_of_an_expansion(tiny):
    pynini = pytest.importorskip("pynini")
    fst, symbols = ClassModel(load(tiny / "uni.arpa"), tiny / "c.classes").to_fst()

    def cost(words):
        sentence = pynini.Fst()
        state = sentence.add_state()
        sentence.set_start(state)
        for word in words:
            nxt = sentence.add_state()
            sentence.add_arc(state, pynini.Arc(symbols.ids[word], symbols.ids[word], 0, nxt))
            state = nxt
        sentence.set_final(state)
        lattice = pynini.compose(sentence, fst)
        return float(pynini.shortestdistance(lattice, reverse=True)[lattice.start()])

    # the best reading of "a b" is C (a b): -ln(.3 * .5 * .2), of "b a" b as a word or C (.25)
    # then a, .25 * .25 * .2
    assert cost(["a", "b"]) == pytest.approx(-math.log(0.3 * 0.5 * 0.2), abs=1e-4)
    assert cost(["b", "a"]) == pytest.approx(-math.log(0.25 * 0.25 * 0.2), abs=1e-4)
