"""SRILM details of the vocabulary (Vocab.cc, LM.cc, ngram.cc), worked out by hand on models
written out here: -nonevents words are left out of the -debug 3 probability sums
(LM::wordProbSum skips isNonWord); -gen walks the words of -vocab where SRILM's Vocab put them,
before the model's unigrams (ngram.cc reads -vocab before the model); a word found only in a
-context-priors file joins the vocabulary (NgramProbArrayTrie::read adds the words of contexts
it keeps unless -limit-vocab), so that it is a zeroprob of the text, not an OOV, and its
priors weigh the word after it; `-pau-` is a non-event from the start (Vocab's constructor
declares it one), in ngram-count's estimation too."""

import numpy as np

from ngramkit.cli import ngram as ngram_cmd
from ngramkit.cli import ngram_count as ngram_count_cmd
from ngramkit.formats import load
from ngramkit.generate import srilm_vocabulary_order

f32 = np.float32
ARPA = """
\\data\\
ngram 1=5
ngram 2=2

\\1-grams:
-0.5\t</s>
-99\t<s>\t-0.3
-0.6\ta\t-0.2
-0.7\tb
-0.9\tc

\\2-grams:
-0.3\t<s> a
-0.2\ta b

\\end\\
"""


def g7(x):
    return f"{x:.7g}"


def p(*logps):
    """A backed-off probability: the float32 sum of the float32 log10s, as SRILM adds them."""
    total = f32(0.0)
    for x in logps:
        total = f32(total + f32(x))
    return 10.0 ** float(total)


def test_nonevents_are_left_out_of_debug_3_sums(tmp_path, capsys):
    (tmp_path / "lm.arpa").write_text(ARPA)
    (tmp_path / "t.txt").write_text("a b\n")
    (tmp_path / "ne.txt").write_text("c\n")
    ngram_cmd.main(["-lm", str(tmp_path / "lm.arpa"), "-ppl", str(tmp_path / "t.txt"), "-debug", "3",
                    "-nonevents", str(tmp_path / "ne.txt")])
    out, err = capsys.readouterr()
    # the sums run over </s>, a, b: not <s>, not the closed vocabulary's <unk>, not c
    after_bos = p(-0.3, -0.5) + p(-0.3) + p(-0.3, -0.7)            # bow(<s>) p(</s>), p(a|<s>), bow p(b)
    after_a = p(-0.2, -0.5) + p(-0.2, -0.6) + p(-0.2)              # bow(a) p(</s>), bow(a) p(a), p(b|a)
    after_b = p(-0.5) + p(-0.6) + p(-0.7)                          # b has no bigrams and no weight
    # 10^-0.8 + 10^-0.3 + 10^-1 = 0.1584893 + 0.5011872 + 0.1 = 0.7596765
    assert g7(after_bos) == "0.7596765"
    lines = out.splitlines()
    assert lines[1] == f"\tp( a | <s> ) \t= [2gram] {g7(p(-0.3))} [ -0.3 ] / {g7(after_bos)}"
    assert lines[2] == f"\tp( b | a ...) \t= [2gram] {g7(p(-0.2))} [ -0.2 ] / {g7(after_a)}"
    assert lines[3] == f"\tp( </s> | b ...) \t= [1gram] {g7(p(-0.5))} [ -0.5 ] / {g7(after_b)}"
    assert f"sum to {after_bos:g} != 1 : <s>\n" in err
    # without -nonevents, c is summed too: + bow(<s>) p(c) = 10^-1.2
    ngram_cmd.main(["-lm", str(tmp_path / "lm.arpa"), "-ppl", str(tmp_path / "t.txt"), "-debug", "3"])
    out, _ = capsys.readouterr()
    assert out.splitlines()[1].endswith(f"/ {g7(after_bos + p(-0.3, -0.9))}")



def test_unk_is_summed_only_as_a_word_of_an_open_vocabulary(tmp_path, capsys):
    """A model with a <unk> unigram: SRILM's -debug 3 sums leave <unk> out unless -unk makes it a
    word (checked against SRILM 1.7.3's ngram on such a model)."""
    (tmp_path / "lm.arpa").write_text(ARPA.replace("ngram 1=5", "ngram 1=6").replace("-0.9\tc\n", "-0.9\tc\n-1\t<unk>\n"))
    (tmp_path / "t.txt").write_text("b\n")
    sums = []
    for extra in ([], ["-unk"]):
        ngram_cmd.main(["-lm", str(tmp_path / "lm.arpa"), "-ppl", str(tmp_path / "t.txt"), "-debug", "3", *extra])
        sums.append(capsys.readouterr().out.splitlines()[1].rsplit("/ ", 1)[1])
    # after <s>: bow(<s>) (p(</s>) + p(b) + p(c)) + p(a|<s>), then + bow(<s>) p(<unk>) with -unk
    closed = p(-0.3, -0.5) + p(-0.3) + p(-0.3, -0.7) + p(-0.3, -0.9)
    assert sums == [g7(closed), g7(closed + p(-0.3, -1))]

UNIGRAMS = """
\\data\\
ngram 1=4

\\1-grams:
-0.60206\t</s>
-99\t<s>
-0.30103\ta
-0.60206\tb

\\end\\
"""


def _drand48(seed):
    """glibc's drand48 after srand48(seed): X <- (0x5DEECE66D X + 0xB) mod 2^48, X / 2^48."""
    x = ((seed & 0xFFFFFFFF) << 16) | 0x330E
    while True:
        x = (0x5DEECE66D * x + 0xB) % (1 << 48)
        yield x / float(1 << 48)


def _draw(walk, prob, seed, n):
    """LM::generateWord over a unigram model: the first word of `walk` whose running sum of
    probabilities exceeds the draw r (<s> has none; no non-event can be drawn here)."""
    draws = _drand48(seed)
    sentences = []
    for _ in range(n):
        words = []
        while True:
            r, total = next(draws), 0.0
            for w in walk:
                total += prob.get(w, 0.0)
                if total > r:
                    break
            if w == "</s>":
                break
            words.append(w)
        sentences.append(" ".join(words))
    return sentences


def test_gen_walks_vocab_words_in_srilms_order(tmp_path, capsys):
    arpa = tmp_path / "u.arpa"
    arpa.write_text(UNIGRAMS)
    (tmp_path / "vocab.txt").write_text("b\na\n")
    model = load(arpa)
    # SRILM's Vocab: <unk> <s> </s> -pau-, then b a from -vocab (a and b of the model are there
    # already). Six entries make an 8-slot table (test_generate works such slots out by hand),
    # where inserting b before a puts b where a goes without -vocab.

    def walk_of(first):
        ids = np.concatenate([model.vocab.ids(first), model.ngrams[0][:, 0]]).astype(np.int32)
        walk = srilm_vocabulary_order(model.vocab, ids, -1).tolist()  # -1: -pau-, no word of ours
        return [model.vocab.words[w] if w >= 0 else "-pau-" for w in walk]

    with_vocab, without = walk_of(["b", "a"]), walk_of([])
    assert with_vocab == ["-pau-", "<unk>", "<s>", "b", "</s>", "a"]
    assert without == ["-pau-", "<unk>", "<s>", "a", "</s>", "b"]
    prob = {"</s>": 0.25, "a": 0.5, "b": 0.25}
    ngram_cmd.main(["-lm", str(arpa), "-gen", "20", "-seed", "3", "-vocab", str(tmp_path / "vocab.txt")])
    out = capsys.readouterr().out.splitlines()
    assert out == _draw(with_vocab, prob, 3, 20)
    ngram_cmd.main(["-lm", str(arpa), "-gen", "20", "-seed", "3"])
    assert capsys.readouterr().out.splitlines() == _draw(without, prob, 3, 20) != out


UNIGRAMS_2 = """
\\data\\
ngram 1=4

\\1-grams:
-0.4\t</s>
-99\t<s>
-0.5\ta
-0.6\tb

\\end\\
"""


def test_context_prior_words_join_the_vocabulary(tmp_path, capsys):
    (tmp_path / "m1.arpa").write_text(ARPA)
    (tmp_path / "m2.arpa").write_text(UNIGRAMS_2)
    (tmp_path / "priors.txt").write_text("a 0.3 0.7\nz 0.9 0.1\n")
    (tmp_path / "t.txt").write_text("a z b\n")
    argv = ["-lm", str(tmp_path / "m1.arpa"), "-mix-lm", str(tmp_path / "m2.arpa"), "-lambda", "0.5", "-order", "2",
            "-bayes", "0", "-context-priors", str(tmp_path / "priors.txt"), "-ppl", str(tmp_path / "t.txt")]
    ngram_cmd.main(argv + ["-debug", "2"])
    lines = capsys.readouterr().out.splitlines()

    def mixed(weights, probs):
        return f32(np.log10(sum(w * q for w, q in zip(weights, probs))))

    # p(a | <s>): <s> has no priors, nor has the root: SRILM's never-set weights of the root,
    # which give the first of two models all the weight (see mixture_lm.ContextPriors)
    pa = mixed([1.0, 0.0], [p(-0.3), p(-0.5)])
    # z: a word of neither model, but of the vocabulary: probability 0, a zeroprob
    # p(b | z): z's priors 0.9 0.1; model 1 backs off from z (no weight): p(b)
    pb = mixed([0.9, 0.1], [p(-0.7), p(-0.6)])
    # p(</s> | b): b has no priors: the root's weights again
    pe = mixed([1.0, 0.0], [p(-0.5), p(-0.4)])
    # 0.9 x 10^-0.7 + 0.1 x 10^-0.6 = 0.9 x 0.1995262 + 0.1 x 0.2511886 = 0.1795736 + 0.0251189
    assert g7(10 ** float(pb)) == "0.2046925"
    assert lines[2] == "\tp( z | a ...) \t= [OOV][OOV][post=0.3,0.7] 0 [ -inf ]"
    assert lines[3] == f"\tp( b | z ...) \t= [1gram][1gram][post=0.9,0.1] {g7(10 ** float(pb))} [ {g7(pb)} ]"
    logprob = float(pa) + float(pb) + float(pe)
    assert lines[5:7] == ["1 sentences, 3 words, 0 OOVs",
                          (f"1 zeroprobs, logprob= {g7(logprob)} ppl= {g7(10 ** (-logprob / 3))} "
                           f"ppl1= {g7(10 ** (-logprob / 2))}")]
    # with -limit-vocab the priors' words stay out: z is an OOV (<unk>); a -vocab keeps a and b
    # (without one, SRILM 1.7.3 keeps no word but <s>, </s> and <unk>: 3 OOVs)
    (tmp_path / "v.txt").write_text("a\nb\n")
    ngram_cmd.main(argv + ["-limit-vocab", "-vocab", str(tmp_path / "v.txt")])
    assert "1 OOVs" in capsys.readouterr().out
    ngram_cmd.main(argv + ["-limit-vocab"])
    assert "3 OOVs" in capsys.readouterr().out


def test_pause_is_a_nonevent_of_estimation(tmp_path):
    (tmp_path / "t.txt").write_text("a -pau- b\nb -pau- a\na b\n")
    ngram_count_cmd.main(["-order", "2", "-wbdiscount", "-text", str(tmp_path / "t.txt"), "-lm",
                          str(tmp_path / "lm.arpa"), "-q"])
    # Sentences <s> a -pau- b </s>, <s> b -pau- a </s>, <s> a b </s>; nothing predicts -pau-.
    # Unigrams: a 3, b 3, </s> 3 (N 9, T 3): Witten-Bell's 3/12 each and the 3/12 left, which no
    # unseen word takes, shared by the three: 1/3 each; -pau- gets probability 0, as <s>.
    # Bigrams c(h w) / (c(h) + T(h)) over the followers that are events, weights as left mass
    # over the lower order's mass of the same words:
    #   <s>:   a 2, b 1 (N 3, T 2): 2/5, 1/5; weight (1 - 3/5) / (1 - 2/3) = 1.2
    #   a:     b 1, </s> 1 (a -pau- left out: N 2, T 2): 1/4 each; weight (1 - 1/2) / (1 - 2/3) = 1.5
    #   -pau-: b 1, a 1: 1/4 each; weight 1.5
    #   b:     </s> 2 (N 2, T 1): 2/3; weight (1 - 2/3) / (1 - 1/3) = 0.5
    def lp(x):
        return f"{f32(np.log10(x)):.7g}"

    def held(x):  # a probability as SRILM holds it: its float32 log10
        return 10.0 ** float(f32(np.log10(x)))

    def weight(seen, lower):
        return f"{f32(np.log10((1 - sum(map(held, seen))) / (1 - sum(map(held, lower))))):.7g}"

    third = lp(1 / 3)
    expected = f"""
\\data\\
ngram 1=5
ngram 2=7

\\1-grams:
-99\t-pau-\t{weight([1 / 4, 1 / 4], [1 / 3, 1 / 3])}
{third}\t</s>
-99\t<s>\t{weight([2 / 5, 1 / 5], [1 / 3, 1 / 3])}
{third}\ta\t{weight([1 / 4, 1 / 4], [1 / 3, 1 / 3])}
{third}\tb\t{weight([2 / 3], [1 / 3])}

\\2-grams:
{lp(1 / 4)}\t-pau- a
{lp(1 / 4)}\t-pau- b
{lp(2 / 5)}\t<s> a
{lp(1 / 5)}\t<s> b
{lp(1 / 4)}\ta </s>
{lp(1 / 4)}\ta b
{lp(2 / 3)}\tb </s>

\\end\\
"""
    assert (tmp_path / "lm.arpa").read_text() == expected
