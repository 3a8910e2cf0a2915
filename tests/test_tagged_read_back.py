"""`ngram -tagged` of a model whose words hold a `/`: SRILM's TaggedVocab splits every word of the
model it reads at its tag separator (TaggedVocab::addWord), so a word `a/b` (ngram-count's word of
`a/b/c` tokens) is read back as the word `a` tagged `b`. Its n-grams are then out of reach (lookups
take words untagged), `a` and the tag `b` become known without n-grams of their own, and the word
`a/b` is no longer known. Probabilities worked out by hand from TaggedNgram::wordProbBO."""

import numpy as np
import pytest
from test_tagged_lm import totals, word_line

import ngramkit
from ngramkit.cli import ngram, ngram_count

f32 = np.float32

# A model as ngram-count -tagged writes one from tokens such as a/b/c (word a/b, tag c) and q/r/s.
ARPA = """\\data\\
ngram 1=7
ngram 2=3

\\1-grams:
-0.5\t</s>
-99\t<s>\t-0.2
-0.6\ta\t-0.3
-0.7\ta/b\t-0.1
-0.8\td\t-0.15
-0.9\tq/r
-99\t/c\t-0.25

\\2-grams:
-0.1\t<s> a/b
-0.4\ta d
-0.35\t/c d

\\end\\
"""


def test_words_holding_a_slash_read_back_split(tmp_path, capsysbinary):
    lm, text = tmp_path / "t.arpa", tmp_path / "t.txt"
    lm.write_text(ARPA)
    text.write_text("a/b a/b/c d/c q\nd/c d q/r\na/b d\n")
    vocab, written = tmp_path / "v.txt", tmp_path / "w.arpa"
    ngram.ngram(["-tagged", "-lm", str(lm), "-order", "2", "-ppl", str(text), "-debug", "2",
                 "-write-vocab", str(vocab), "-write-lm", str(written)])
    out = capsysbinary.readouterr().out.decode()
    # a/b after <s>: the word a with the tag b. <s> a is missing (the model's <s> a/b is the
    # tagged word's, which no lookup reaches): bow(<s>), then <s> has no tag: + 0, then the unigram a
    p1 = f32(f32(f32(-0.2) + f32(0.0)) + f32(-0.6))
    # a/b/c: the word a/b is unknown once read back: <unk>, an OOV
    # d/c after <unk>: no <unk> d, no weights: the unigram
    p3 = f32(f32(f32(0.0) + f32(0.0)) + f32(-0.8))
    # q: known from q/r, without n-grams: a zeroprob (not an OOV)
    # </s> after q: nothing for q, which has no tag: the unigram
    p5 = f32(f32(f32(0.0) + f32(0.0)) + f32(-0.5))
    s1 = float(p1) + float(p3) + float(p5)
    # d/c after <s>: bow(<s>), then the unigram
    q1 = f32(f32(f32(-0.2) + f32(0.0)) + f32(-0.8))
    # d after d/c: d d is missing: bow(d), then d's tag: /c d
    q2 = f32(f32(-0.15) + f32(-0.35))
    # q/r: q has no n-grams, r is a known tag: a zeroprob; </s> after it: the unigram
    q4 = p5
    s2 = float(q1) + float(q2) + float(q4)
    # d after a/b: the bigram a d; </s> after d: bow(d), then d has no tag: the unigram
    r2 = f32(-0.4)
    r3 = f32(f32(f32(-0.15) + f32(0.0)) + f32(-0.5))
    s3 = float(p1) + float(r2) + float(r3)
    expected = (
        "a/b a/b/c d/c q\n"
        + word_line("a/b", "<s>", True, "[1gram]", p1)
        + word_line("<unk>", "a/b", False, "", -np.inf)
        + word_line("d/c", "<unk>", False, "[1gram]", p3)
        + word_line("q", "d/c", False, "", -np.inf)
        + word_line("</s>", "q", False, "[1gram]", p5)
        + totals(s1, 4, 1, 1) + "\n"
        + "d/c d q/r\n"
        + word_line("d/c", "<s>", True, "[1gram]", q1)
        + word_line("d", "d/c", False, "[1+Tgram]", q2)
        + word_line("q/r", "d", False, "", -np.inf)
        + word_line("</s>", "q/r", False, "[1gram]", q4)
        + totals(s2, 3, 0, 1) + "\n"
        + "a/b d\n"
        + word_line("a/b", "<s>", True, "[1gram]", p1)
        + word_line("d", "a/b", False, "[2gram]", r2)
        + word_line("</s>", "d", False, "[1gram]", r3)
        + totals(s3, 2, 0, 0) + "\n"
        + f"file {text}: " + totals(s1 + s2 + s3, 9, 1, 2, sentences=3)
    )
    assert out == expected
    # TaggedVocab::write after the split: the words a and q, not a/b and q/r; the tags b and r
    assert vocab.read_text() == ("-pau-\n</s>\n<s>\n<unk>\na\nd\nq\n"
                                 "/-pau-\n/</s>\n/<s>\n/<unk>\n/b\n/c\n/r\n")
    # the model is written back with its words as read (a/b spelled again from a and b)
    assert "-0.7\ta/b\t-0.1\n" in written.read_text() and "-0.1\t<s> a/b\n" in written.read_text()
    stats = ngramkit.TaggedScorer(ngramkit.load(lm)).score_file(text)
    assert (stats.sentences, stats.words, stats.oovs, stats.zeroprobs) == (3, 9, 1, 2)
    assert stats.logprob == pytest.approx(s1 + s2 + s3, abs=1e-9)


def test_counting_keeps_the_word_holding_a_slash(tmp_path, cli):
    # ngram-count's TaggedVocab splits a/b/c once: the word a/b (a word of its own) and the tag c;
    # its -write-vocab holds a/b, where ngram's after reading the model back holds a and /b
    text, counts, vocab = tmp_path / "t.txt", tmp_path / "c.txt", tmp_path / "v.txt"
    text.write_text("a/b/c\n")
    status, _, err = cli(ngram_count.main, ["-tagged", "-order", 1, "-text", text, "-write", counts,
                                           "-write-vocab", vocab])
    assert status == 0, err
    assert counts.read_text() == "/c\t1\n</s>\t1\n<s>\t1\na/b\t1\n"
    assert vocab.read_text() == "-pau-\n</s>\n<s>\n<unk>\na/b\n/-pau-\n/</s>\n/<s>\n/<unk>\n/c\n"
