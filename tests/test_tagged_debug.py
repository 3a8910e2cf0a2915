"""`ngram -tagged -ppl -debug 3` and `-debug 4`: LM::wordProbSum and LM::updateRanks under
TaggedNgram, over the words of SRILM's TaggedVocab (never its tags), worked out by hand."""

import io
import math

import numpy as np
from test_tagged_lm import g7, totals

import ngramkit
from ngramkit.cli import ngram

f32 = np.float32

# The words summed over: </s>, a, b (<s> is a non-event, <unk> has no unigram in this closed
# vocabulary, /X is a tag).
ARPA = """\\data\\
ngram 1=5
ngram 2=3

\\1-grams:
-0.30103\t</s>
-99\t<s>\t-0.2
-0.60206\ta\t-0.1
-0.60206\tb
-99\t/X\t-0.3

\\2-grams:
-0.1\t<s> a
-0.5\t/X b
-0.2\ta </s>

\\end\\
"""


def P(logp):
    return math.exp(float(logp) * math.log(10))


# a/X after <s>: the bigram. Over the words: </s> and b back off (bow(<s>), <s> has no tag: + 0,
# then the unigram); a is the bigram
A1 = f32(-0.1)
S1 = [f32(f32(f32(-0.2) + f32(0.0)) + f32(-0.30103)), A1, f32(f32(f32(-0.2) + f32(0.0)) + f32(-0.60206))]
# b after a/X: a b is missing: bow(a), then a's tag: /X b. Over the words: a </s> is a bigram;
# a a and /X a are missing: bow(a) + bow(/X), then the unigram
A2 = f32(f32(-0.1) + f32(-0.5))
S2 = [f32(-0.2), f32(f32(f32(-0.1) + f32(-0.3)) + f32(-0.60206)), A2]
# </s> after b: no bigrams of b, whose weight is 0, and b has no tag: the unigrams
A3 = f32(f32(f32(0.0) + f32(0.0)) + f32(-0.30103))
S3 = [A3, f32(f32(f32(0.0) + f32(0.0)) + f32(-0.60206)), f32(f32(f32(0.0) + f32(0.0)) + f32(-0.60206))]


def sum_line(word, context, first, tag, lp, total):
    return (f"\tp( {word} | {context} {') ' if first else '...) '}\t= {tag} {g7(P(lp))} [ {g7(float(lp))} ]"
            f" / {g7(total)}\n")


def test_debug3_sums_over_the_words(tmp_path, capfdbinary):
    lm, text = tmp_path / "t.arpa", tmp_path / "t.txt"
    lm.write_text(ARPA)
    text.write_text("a/X b\n")
    ngram.main(["-tagged", "-lm", str(lm), "-order", "2", "-ppl", str(text), "-debug", "3"])
    captured = capfdbinary.readouterr()
    sums = [sum(P(lp) for lp in S) for S in (S1, S2, S3)]
    # (0.3155 + 0.7943 + 0.1577, 0.6310 + 0.0995 + 0.2512, 0.5 + 0.25 + 0.25)
    assert [round(x, 4) for x in sums] == [1.2675, 0.9817, 1.0]
    logprob = float(A1) + float(A2) + float(A3)
    assert captured.out.decode() == (
        "a/X b\n"
        + sum_line("a/X", "<s>", True, "[2gram]", A1, sums[0])
        + sum_line("b", "a/X", False, "[1+Tgram]", A2, sums[1])
        + sum_line("</s>", "b", False, "[1gram]", A3, sums[2])
        + totals(logprob, 2, 0, 0) + "\n"
        + f"file {text}: " + totals(logprob, 2, 0, 0))
    # SRILM warns of the first two contexts (off 1 by more than 1e-4), each context newest first
    assert captured.err.decode() == "reading 5 1-grams\nreading 3 2-grams\n" + (f"\nwarning: word probs for this context sum to {sums[0]:g} != 1 : <s>\n"
                                     f"\nwarning: word probs for this context sum to {sums[1]:g} != 1 : a/X <s>\n")


def test_debug4_ranks(tmp_path, capsysbinary):
    lm, text = tmp_path / "t.arpa", tmp_path / "t.txt"
    lm.write_text(ARPA)
    text.write_text("a/X b\n")
    ngram.ngram(["-tagged", "-lm", str(lm), "-order", "2", "-ppl", str(text), "-debug", "4"])
    out = capsysbinary.readouterr().out.decode()
    # a/X ranks first (0.79 against 0.32 and 0.16); b second (</s> 0.63 above it, a 0.10 below);
    # </s> first (0.5 against 0.25 and 0.25): of 2 words, 1 in rank 1, 2 in the first 5 and 10;
    # with </s>, 2 of 3 first, 3 of 3 in the first 5 and 10
    probs = [P(A1), P(A2), P(A3)]
    qloss = math.sqrt(sum((1 - p) ** 2 for p in probs) / 3)
    absloss = sum(1 - p for p in probs) / 3
    ranks = (f"\n2 words, rank1= 0.5 rank5= 1 rank10= 1\n3 words+sents, rank1wSent= {2 / 3:.16g} rank5wSent= 1 "
             f"rank10wSent= 1 qloss= {qloss:.16g} absloss= {absloss:.16g}")
    logprob = float(A1) + float(A2) + float(A3)
    sentence = totals(logprob, 2, 0, 0).rstrip("\n") + ranks + "\n"
    lines = out.split("\n")
    assert lines[1].endswith(f"[ {g7(float(A1))} ]")  # no sums at -debug 4
    assert out.endswith(sentence + "\n" + f"file {text}: " + sentence)
    stats = ngramkit.TaggedScorer(ngramkit.load(lm)).score_file(text, debug=4, out=io.BytesIO())
    assert stats.ranks == (1.0, 2.0, 2.0, 1.0, 1.0, 1.0) and stats.ranked == 3


def test_debug4_ties_with_words_known_without_ngrams(tmp_path, capsysbinary):
    # SRILM reads q/r and s/t as q and s tagged: q and s are words of its vocabulary with no
    # n-gram, probability 0 in every context, and updateRanks walks them too
    lm, text = tmp_path / "t.arpa", tmp_path / "t.txt"
    lm.write_text("\\data\\\nngram 1=7\n\n\\1-grams:\n-0.5\t</s>\n-99\t<s>\n-0.6\ta\n-0.7\tb\n-0.8\tc\n-99\tq/r\n"
                  "-99\ts/t\n\n\\end\\\n")
    text.write_text("q\n")
    ngram.ngram(["-tagged", "-lm", str(lm), "-order", "1", "-ppl", str(text), "-debug", "4"])
    out = capsysbinary.readouterr().out.decode()
    # q, a zeroprob: </s>, a, b and c are more probable; q and s tie with it: rank 4 + 2 // 2 = 5,
    # in the first 10 but not the first 5. </s> (0.32 against 0.25, 0.2, 0.16) ranks first.
    # A zeroprob's loss is 1.
    end = P(f32(-0.5))
    qloss = math.sqrt((1 + (1 - end) ** 2) / 2)
    absloss = (1 + (1 - end)) / 2
    assert (f"\n1 words, rank1= 0 rank5= 0 rank10= 1\n2 words+sents, rank1wSent= 0.5 rank5wSent= 0.5 "
            f"rank10wSent= 1 qloss= {qloss:.16g} absloss= {absloss:.16g}\n") in out
