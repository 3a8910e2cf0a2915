"""`ngram -tagged -counts`: LM::countsProb under TaggedNgram and TaggedVocab (each n-gram of a
count file of word/tag tokens scores count x log10 p(last | the others)), worked out by hand."""

import io

import numpy as np
from test_tagged_debug import ARPA, S1, S3, P
from test_tagged_lm import g7, totals

import ngramkit
from ngramkit.cli import ngram

f32 = np.float32

# zz/X and qq are unknown (SRILM's TaggedVocab::getIndex gives <unk>, untagged): their n-grams
# are one, <unk> b, counted 2. The trigram is longer than -order 2 and is left out.
COUNTS = "<s> a/X\t1\na/X b\t2\nb </s>\t1\nzz/X b\t1\nqq b\t1\nb\t3\n/X b\t1\na/X b </s>\t4\n"


def count_line(word, context, tag, lp, weight, total=None):
    times = "" if weight == 1 else f" *{weight}"
    close = " ]\n" if total is None else f" ] / {g7(total)}\n"
    return f"\tp( {word} | {context} ) \t= {tag} {g7(P(lp))} [ {g7(float(lp))}{times}{close}"


def test_counts_by_hand(tmp_path, capfdbinary):
    lm, counts = tmp_path / "t.arpa", tmp_path / "c.txt"
    lm.write_text(ARPA)
    counts.write_text(COUNTS)
    ngram.main(["-tagged", "-lm", str(lm), "-order", "2", "-counts", str(counts), "-debug", "2"])
    out = capfdbinary.readouterr().out.decode()
    # b: the unigram
    b = f32(-0.60206)
    # /X b: a tag alone has no word, no n-gram, weight 0; its tag: /X b
    tag_b = f32(f32(0.0) + f32(-0.5))
    # <s> a/X: the bigram <s> a
    s_a = f32(-0.1)
    # <unk> b: nothing for <unk> (no unigram), untagged: the unigram b
    unk_b = f32(f32(f32(0.0) + f32(0.0)) + f32(-0.60206))
    # a/X b: a b is missing: bow(a), then /X b
    a_b = f32(f32(-0.1) + f32(-0.5))
    # b </s>: bow(b) is 0, b has no tag: the unigram </s>; a sentence
    b_end = f32(f32(f32(0.0) + f32(0.0)) + f32(-0.30103))
    # summed in SRILM's sorted order (orders up, tokens in byte order), each count x log10 p
    logprob = 0.0
    for lp, weight in ((b, 3), (tag_b, 1), (s_a, 1), (unk_b, 2), (a_b, 2), (b_end, 1)):
        logprob += weight * float(lp)
    summary = totals(logprob, 9, 0, 0)
    assert out == (count_line("b", "", "[1gram]", b, 3)
                   + count_line("b", "/X", "[1+Tgram]", tag_b, 1)
                   + count_line("a/X", "<s>", "[2gram]", s_a, 1)
                   + count_line("b", "<unk>", "[1gram]", unk_b, 2)
                   + count_line("b", "a/X", "[1+Tgram]", a_b, 2)
                   + count_line("</s>", "b", "[1gram]", b_end, 1)
                   + summary + "\n" + f"file {counts}: " + summary)
    stats = ngramkit.TaggedScorer(ngramkit.load(lm)).score_counts(counts, 2)
    assert (stats.sentences, stats.words, stats.oovs, stats.zeroprobs) == (1, 9, 0, 0)
    assert stats.logprob == logprob


def test_counts_debug3_sums_and_oovs(tmp_path, capfdbinary):
    lm, counts = tmp_path / "t.arpa", tmp_path / "c.txt"
    lm.write_text(ARPA)
    # zz is unknown: <unk>, untagged, without probability: an OOV. <unk>/X is the word <unk>
    # tagged X (both known), scored 0 and not the unknown word itself: a zeroprob
    counts.write_text("<s> a/X\t1\nb zz\t2\nb <unk>/X\t1\n")
    ngram.main(["-tagged", "-lm", str(lm), "-order", "2", "-counts", str(counts), "-debug", "3"])
    captured = capfdbinary.readouterr()
    # the sums of test_tagged_debug's contexts: <s> (1.2675), and b (S3: 0.5 + 0.25 + 0.25)
    after_s = sum(P(lp) for lp in S1)
    after_b = sum(P(lp) for lp in S3)
    summary = totals(float(f32(-0.1)), 4, 2, 1, sentences=0)
    assert captured.out.decode() == (count_line("a/X", "<s>", "[2gram]", f32(-0.1), 1, after_s)
                                     + count_line("<unk>", "b", "", -np.inf, 2, after_b)
                                     + count_line("<unk>/X", "b", "", -np.inf, 1, after_b)
                                     + summary + "\n" + f"file {counts}: " + summary)
    # the context <s> is off 1 (b's is within 1e-4)
    assert captured.err.decode() == "reading 5 1-grams\nreading 3 2-grams\n" + f"\nwarning: word probs for this context sum to {after_s:g} != 1 : <s>\n"
    stats = ngramkit.TaggedScorer(ngramkit.load(lm)).score_counts(counts, 2, debug=3, out=io.BytesIO())
    assert (stats.sentences, stats.words, stats.oovs, stats.zeroprobs) == (0, 4, 2, 1)
