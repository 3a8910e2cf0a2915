"""SRILM's -nonevents and -vocab-aliases (Vocab.cc, ngram-count.cc, ngram.cc), worked out by hand."""

import numpy as np
import pytest

from ngramkit.aliases import read_aliases
from ngramkit.cli import ngram as ngram_cmd
from ngramkit.cli import ngram_count as ngram_count_cmd
from ngramkit.errors import EmptyInputError
from ngramkit.formats import load
from ngramkit.generate import srilm_vocabulary_order
from ngramkit.nonevents import read_nonevents


def f7(x):
    """How SRILM prints a log probability: %.7g of its float32."""
    return f"{np.float32(x):.7g}"


def held(p):
    """A probability as SRILM holds it: its log10 in float32."""
    return 10.0 ** np.float64(np.float32(np.log10(p)))


def weight(seen, lower):
    """SRILM's backoff weight: mass left by the context's n-grams over the mass their words
    leave at the order below, from the probabilities as held."""
    return np.log10((1 - sum(held(p) for p in seen)) / (1 - sum(held(p) for p in lower)))


def test_nonevents_witten_bell_by_hand(tmp_path, capsys):
    (tmp_path / "t.txt").write_text("a x b\nb x a\na b\n")
    (tmp_path / "ne.txt").write_text("x\n")
    ngram_count_cmd.main(["-order", "2", "-wbdiscount", "-text", str(tmp_path / "t.txt"), "-nonevents",
                          str(tmp_path / "ne.txt"), "-lm", str(tmp_path / "lm.arpa"), "-q"])
    # Sentences <s> a x b </s>, <s> b x a </s>, <s> a b </s>; x is predicted by nothing.
    # Unigrams: events a 3, b 3, </s> 3 (x, <s> and closed-vocabulary <unk> are not): N = 9,
    # T = 3; Witten-Bell gives c / (N + T) = 3/12 each and leaves 3/12, which no unseen word
    # takes, so it goes to all three: 1/4 + 1/12 = 1/3.
    uni = np.log10(1 / 3)
    # Bigrams c(h w) / (c(h) + T(h)) over the followers that are events:
    #   <s>: a 2, b 1 (N 3, T 2): 2/5, 1/5; weight (1 - 3/5) / (1 - 2/3) (= 1.2)
    #   a:   b 1, </s> 1 (a x is left out: N 2, T 2): 1/4 each; weight (1 - 1/2) / (1 - 2/3) (= 1.5)
    #   x:   b 1, a 1: 1/4 each; the same weight
    #   b:   </s> 2 (N 2, T 1): 2/3; weight (1 - 2/3) / (1 - 1/3) (= 0.5)
    # x itself is a unigram of probability 0 (-99), as <s> is, with its weight as a context.
    expected = f"""
\\data\\
ngram 1=5
ngram 2=7

\\1-grams:
{f7(uni)}\t</s>
-99\t<s>\t{f7(weight([2 / 5, 1 / 5], [1 / 3, 1 / 3]))}
{f7(uni)}\ta\t{f7(weight([1 / 4, 1 / 4], [1 / 3, 1 / 3]))}
{f7(uni)}\tb\t{f7(weight([2 / 3], [1 / 3]))}
-99\tx\t{f7(weight([1 / 4, 1 / 4], [1 / 3, 1 / 3]))}

\\2-grams:
{f7(np.log10(2 / 5))}\t<s> a
{f7(np.log10(1 / 5))}\t<s> b
{f7(np.log10(1 / 4))}\ta </s>
{f7(np.log10(1 / 4))}\ta b
{f7(np.log10(2 / 3))}\tb </s>
{f7(np.log10(1 / 4))}\tx a
{f7(np.log10(1 / 4))}\tx b

\\end\\
"""
    assert (tmp_path / "lm.arpa").read_text() == expected


def test_nonevents_without_the_option_are_predicted(tmp_path):
    (tmp_path / "t.txt").write_text("a x b\nb x a\na b\n")
    ngram_count_cmd.main(["-order", "2", "-wbdiscount", "-text", str(tmp_path / "t.txt"), "-lm",
                          str(tmp_path / "lm.arpa"), "-q"])
    # N = 11 (x's 2 counted), T = 4: c / 15, and 4/15 spread over the four: x (2 + 1) / 15
    model = load(tmp_path / "lm.arpa")
    x = model.vocab.index["x"]
    assert model.logprob[0][np.flatnonzero(model.ngrams[0][:, 0] == x)[0]] == np.float32(np.log10(3 / 15))


def test_empty_nonevent_file(tmp_path):
    (tmp_path / "ne.txt").write_text("\n\n")
    with pytest.raises(EmptyInputError, match="non-event file holds no words"):
        read_nonevents(tmp_path / "ne.txt")


def test_vocab_aliases_counts(tmp_path, capsys):
    (tmp_path / "t.txt").write_text("COLOUR colour\nColor\n")
    (tmp_path / "al.txt").write_text("Colour color extra-field\nlonely\n")
    ngram_count_cmd.main(["-order", "2", "-tolower", "-text", str(tmp_path / "t.txt"), "-vocab-aliases",
                          str(tmp_path / "al.txt"), "-write", str(tmp_path / "counts.txt")])
    # every spelling is "color": <s> color color </s>, <s> color </s>
    assert (tmp_path / "counts.txt").read_text() == (
        "</s>\t2\n<s>\t2\n<s> color\t2\ncolor\t3\ncolor </s>\t2\ncolor color\t1\n")
    err = capsys.readouterr().err
    assert err == f"ngram-count: warning: {tmp_path / 'al.txt'}:2: line contains only one token\n"


def test_read_aliases_chains_and_overrides(tmp_path):
    (tmp_path / "al.txt").write_text("a b\nc a\nd e\nd f\ng g\n")
    # c's word is a's word b; the later line for d wins; g for itself is no alias
    assert read_aliases(tmp_path / "al.txt") == {"a": "b", "c": "b", "d": "f"}


def test_vocab_aliases_with_read_google_is_refused(tmp_path, capsys):
    (tmp_path / "al.txt").write_text("b a\n")
    with pytest.raises(SystemExit):
        ngram_count_cmd.main(["-read-google", str(tmp_path), "-vocab-aliases", str(tmp_path / "al.txt")])
    assert "-vocab-aliases applies to -text and -read, not to -read-google" in capsys.readouterr().err


UNIGRAM_ARPA = """
\\data\\
ngram 1=4

\\1-grams:
{eos}\t</s>
-99\t<s>
{a}\ta
{x}\tx

\\end\\
"""


def _drand48(seed):
    """glibc's drand48 after srand48(seed): X <- (0x5DEECE66D X + 0xB) mod 2^48, X / 2^48."""
    x = ((seed & 0xFFFFFFFF) << 16) | 0x330E
    while True:
        x = (0x5DEECE66D * x + 0xB) % (1 << 48)
        yield x / float(1 << 48)


def _by_hand(model, walk, nonevents, seed, n):
    """LM::generateWord: a draw r, the walk summing p(w) until the sum exceeds r; a non-event
    drawn is drawn again until a word is (SRILM's limit of 10 tries is never reached: its
    counter does not advance)."""
    vocab = model.vocab
    prob = np.zeros(len(vocab))
    prob[model.ngrams[0][:, 0]] = 10.0 ** model.logprob[0].astype(np.float64)
    prob[vocab.bos] = 0.0
    never = {vocab.bos, vocab.unk, -1} | {vocab.index[w] for w in nonevents}
    draws = _drand48(seed)
    sentences, redrawn = [], 0
    for _ in range(n):
        words = []
        while True:
            while True:
                r, total = next(draws), 0.0
                for w in walk:
                    total += prob[w] if w >= 0 else 0.0
                    if total > r:
                        break
                if w not in never:
                    break
                redrawn += 1
            if w == vocab.eos:
                break
            words.append(vocab.words[w])
        sentences.append(" ".join(words))
    return sentences, redrawn


@pytest.mark.parametrize("logprobs", [
    {"eos": np.log10(0.25), "a": np.log10(0.25), "x": np.log10(0.5)},
    {"eos": np.log10(0.0005), "a": np.log10(0.0005), "x": np.log10(0.999)},  # mostly drawn again
])
def test_gen_draws_nonevents_again(tmp_path, capsys, logprobs):
    arpa = tmp_path / "u.arpa"
    arpa.write_text(UNIGRAM_ARPA.format(**{k: f7(v) for k, v in logprobs.items()}))
    (tmp_path / "ne.txt").write_text("x\n")
    ngram_cmd.main(["-lm", str(arpa), "-gen", "30", "-seed", "7", "-nonevents", str(tmp_path / "ne.txt")])
    out = capsys.readouterr()
    model = load(arpa)
    x = model.vocab.index["x"]
    # SRILM's Vocab holds x (read from -nonevents) before the model's unigrams: in its hash
    # table's walk, x is inserted ahead of a
    walk = srilm_vocabulary_order(model.vocab, np.concatenate([[x], model.ngrams[0][:, 0]]).astype(np.int32),
                                  -1)
    sentences, redrawn = _by_hand(model, walk, ["x"], 7, 30)
    assert out.out.splitlines() == sentences
    assert out.err == ""
    # the second case draws x again thousands of times, and never gives up
    assert redrawn > (10000 if logprobs["x"] > -0.01 else 10)
    assert not any("x" in s.split() for s in sentences)


BIGRAM_ARPA = """
\\data\\
ngram 1=4
ngram 2=3

\\1-grams:
-0.5\t</s>
-99\t<s>\t-0.2
-0.3\ta\t-0.1
-0.6\tb

\\2-grams:
-0.4\t<s> a
-0.6\ta </s>
-0.9\ta b

\\end\\
"""


def test_ppl_scores_aliases_as_their_words(tmp_path, capsys):
    (tmp_path / "lm.arpa").write_text(BIGRAM_ARPA)
    (tmp_path / "al.txt").write_text("A a\nb a\n")  # b, a word of the model, now stands for a
    (tmp_path / "dev.txt").write_text("A b\n")
    ngram_cmd.main(["-lm", str(tmp_path / "lm.arpa"), "-ppl", str(tmp_path / "dev.txt"), "-debug", "2",
                    "-vocab-aliases", str(tmp_path / "al.txt")])
    out = capsys.readouterr().out
    # The model's b is read as a (SRILM's Vocab looks the ARPA words up through the aliases):
    # the n-gram "a b" becomes "a a", -0.9. <s> a a </s>: p(a|<s>) = -0.4, p(a|a) = -0.9,
    # p(</s>|a) = -0.6 (SRILM 1.7.3 prints these lines and totals)
    assert "\tp( a | <s> ) \t= [2gram] 0.3981072 [ -0.4 ]\n\tp( a | a ...) \t= [2gram] 0.1258925 [ -0.9 ]\n" \
           "\tp( </s> | a ...) \t= [2gram] 0.2511886 [ -0.6 ]\n" in out
    # the total: -0.4 - 0.9 - 0.6; ppl = 10^(1.9 / 3) (3 events: 2 words and </s>)
    assert f"file {tmp_path / 'dev.txt'}: 1 sentences, 2 words, 0 OOVs\n0 zeroprobs, logprob= -1.9 ppl= " \
           f"{10 ** (1.9 / 3):.7g} " in out


def test_arpa_alias_lines_overwrite_their_words(tmp_path, capsys):
    (tmp_path / "lm.arpa").write_text(BIGRAM_ARPA)
    (tmp_path / "al.txt").write_text("b a\n")
    ngram_cmd.main(["-lm", str(tmp_path / "lm.arpa"), "-vocab-aliases", str(tmp_path / "al.txt"),
                    "-write-lm", str(tmp_path / "out.arpa")])
    # b's lines are a's, read after a's: its 1-gram's -0.6 replaces a's -0.3; a's backoff weight
    # -0.1 stays, b's line having none; "a b" is "a a". SRILM 1.7.3 writes this file.
    assert (tmp_path / "out.arpa").read_text() == (
        "\n\\data\\\nngram 1=3\nngram 2=3\nngram 3=0\n\n\\1-grams:\n-0.5\t</s>\n-99\t<s>\t-0.2\n-0.6\ta\t-0.1\n\n"
        "\\2-grams:\n-0.4\t<s> a\n-0.6\ta </s>\n-0.9\ta a\n\n\\3-grams:\n\n\\end\\\n")
