"""SRILM's pause word `-pau-`: LM::prepareSentence drops it from a sentence before scoring it, so
under `ngram -ppl` (every -debug level, with -cache or -multiwords too, of class, skip, count and
hidden-event LMs too), N-best rescoring
(-nbest, -rescore, the recognizer's LM of -decipher-lm) it is no word, no OOV and has no -debug 2
line; the -debug echo of the line keeps it. Every SRILM vocabulary holds it, so -write-vocab
lists it. Values worked out by hand on a small bigram model."""

import numpy as np
import pytest

from ngramkit.arpa import read_arpa
from ngramkit.cli import ngram as ngram_cli
from ngramkit.nbest import NBestRescorer, RecognizerLM, read_nbest, rescore_nbest
from ngramkit.perplexity import PerplexityScorer

LM = """\\data\\
ngram 1={n1}
ngram 2=4

\\1-grams:
-0.4771213\t</s>
-99\t<s>\t-0.30103
{pause}-0.4771213\ta\t-0.30103
-0.4771213\tb\t-0.1

\\2-grams:
-0.1760913\t<s> a
-0.30103\ta b
-0.30103\tb </s>
-0.5\tb a

\\end\\
"""
PLAIN_LM = LM.format(n1=4, pause="")
PAUSE_LM = LM.format(n1=5, pause="-0.2\t-pau-\n")  # a model that lists -pau-: still dropped


def f32(*logs):
    """A log probability as SRILM makes it from the file's values: floats, added as floats."""
    total = np.float32(0.0)
    for x in logs:
        total = np.float32(total + np.float32(x))
    return float(total)


PAUSED = "a b -pau- a\n-pau- b c\n"
PLAIN = "a b a\nb c\n"

# By hand, with the -pau- tokens gone:
# "a b a":  p(a | <s>) = 10^-0.1760913 (bigram), p(b | a) = 10^-0.30103 (bigram), p(a | b) = 10^-0.5
#           (the bigram b a: -pau- is not between them), p(</s> | a) = bow(a) p(</s>) = 10^(-0.30103 - 0.4771213)
S1 = f32(-0.1760913) + f32(-0.30103) + f32(-0.5) + f32(-0.30103, -0.4771213)
# "b c":    p(b | <s>) = bow(<s>) p(b) = 10^(-0.30103 - 0.4771213), c an OOV, p(</s> | <unk>) = p(</s>)
S2 = f32(-0.30103, -0.4771213) + f32(-0.4771213)
TOTAL = S1 + S2
# 2 sentences, 5 words, 1 OOV: ppl over 5 - 1 + 2 tokens, ppl1 over 5 - 1
PPL = 10 ** (-TOTAL / 6)
PPL1 = 10 ** (-TOTAL / 4)


def g(x):
    return f"{x:.7g}"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def ngram_out(cli, argv):
    status, out, err = cli(ngram_cli.main, argv)
    assert status == 0, err
    return out


def without_echo(out, text):
    """The -debug output less the echo of each text line (the one place -pau- shows)."""
    echoes = set(text.splitlines())
    return [line for line in out.splitlines() if line not in echoes]


@pytest.mark.parametrize("lm_text", [PLAIN_LM, PAUSE_LM], ids=["model without -pau-", "model with -pau-"])
def test_ppl_totals_as_without_pau(tmp_path, cli, lm_text):
    lm = write(tmp_path, "lm.arpa", lm_text)
    paused, plain = write(tmp_path, "p.txt", PAUSED), write(tmp_path, "n.txt", PLAIN)
    assert (g(S1), g(S2), g(TOTAL), g(PPL), g(PPL1)) == ("-1.755273", "-1.255273", "-3.010545", "3.175101", "5.657653")
    expected = f"2 sentences, 5 words, 1 OOVs\n0 zeroprobs, logprob= {g(TOTAL)} ppl= {g(PPL)} ppl1= {g(PPL1)}\n"
    # the scorer of the ARPA tables, and of the model (-write-vocab needs it)
    for extra in ([], ["-write-vocab", tmp_path / "v.txt"]):
        assert ngram_out(cli, ["-lm", lm, "-order", 2, "-ppl", paused] + extra) == f"file {paused}: {expected}"
        assert ngram_out(cli, ["-lm", lm, "-order", 2, "-ppl", plain] + extra) == f"file {plain}: {expected}"
    stats = PerplexityScorer(read_arpa(lm)).score_file(paused)
    assert (stats.sentences, stats.words, stats.oovs, stats.zeroprobs) == (2, 5, 1, 0)
    assert stats.logprob == pytest.approx(TOTAL, abs=1e-6)


def test_debug_2_lines(tmp_path, cli):
    lm = write(tmp_path, "lm.arpa", PLAIN_LM)
    paused = write(tmp_path, "p.txt", PAUSED)
    # p = 10^logp printed %.7g from the float32 log: 10^-0.1760913 = 2/3, 10^-0.5 = 0.3162278,
    # 10^-0.7781513 = 1/6, 10^-0.4771213 = 1/3; sentence ppl: 10^(1.7552726/4), 10^(1.7552726/3),
    # 10^(1.2552726/2) (2 scored tokens) and 10^1.2552726 = 18
    assert ngram_out(cli, ["-lm", lm, "-order", 2, "-ppl", paused, "-debug", 2]).splitlines() == [
        "a b -pau- a",
        "\tp( a | <s> ) \t= [2gram] 0.6666666 [ -0.1760913 ]",
        "\tp( b | a ...) \t= [2gram] 0.5 [ -0.30103 ]",
        "\tp( a | b ...) \t= [2gram] 0.3162278 [ -0.5 ]",
        "\tp( </s> | a ...) \t= [1gram] 0.1666667 [ -0.7781513 ]",
        "1 sentences, 3 words, 0 OOVs",
        f"0 zeroprobs, logprob= {g(S1)} ppl= {g(10 ** (-S1 / 4))} ppl1= {g(10 ** (-S1 / 3))}",
        "",
        "-pau- b c",
        "\tp( b | <s> ) \t= [1gram] 0.1666667 [ -0.7781513 ]",
        "\tp( <unk> | b ...) \t= [OOV] 0 [ -inf ]",
        "\tp( </s> | <unk> ...) \t= [1gram] 0.3333333 [ -0.4771213 ]",
        "1 sentences, 2 words, 1 OOVs",
        f"0 zeroprobs, logprob= {g(S2)} ppl= {g(10 ** (-S2 / 2))} ppl1= {g(10 ** -S2)}",
        "",
        f"file {paused}: 2 sentences, 5 words, 1 OOVs",
        f"0 zeroprobs, logprob= {g(TOTAL)} ppl= {g(PPL)} ppl1= {g(PPL1)}",
    ]
    assert (g(10 ** (-S1 / 4)), g(10 ** (-S1 / 3)), g(10 ** (-S2 / 2)), g(10 ** -S2)) == \
        ("2.746744", "3.846723", "4.242641", "18")


@pytest.mark.parametrize("options", [["-debug", 1], ["-debug", 3], ["-debug", 4], ["-debug", 2, "-cache", 2],
                                     ["-debug", 2, "-multiwords"], ["-debug", 2, "-escape", "@@"]],
                         ids=lambda o: " ".join(map(str, o)))
def test_every_debug_level_and_scoring_as_without_pau(tmp_path, cli, options):
    lm = write(tmp_path, "lm.arpa", PLAIN_LM)
    text = PAUSED + "@@ passed through -pau-\n-pau- -pau- a -pau-\n"
    plain = PLAIN + "@@ passed through -pau-\na\n"
    paused, plain_path = write(tmp_path, "p.txt", text), write(tmp_path, "n.txt", plain)
    out = ngram_out(cli, ["-lm", lm, "-order", 2, "-ppl", paused] + options)
    out_plain = ngram_out(cli, ["-lm", lm, "-order", 2, "-ppl", plain_path] + options)
    got = without_echo(out.replace(str(paused), "TEXT"), text)
    assert got == without_echo(out_plain.replace(str(plain_path), "TEXT"), plain)
    assert sum(line in out for line in text.splitlines() if "@@" not in line) == 3  # echoed as written


def test_report_tokens_as_without_pau(tmp_path):
    scorer = PerplexityScorer(read_arpa(write(tmp_path, "lm.arpa", PLAIN_LM)))
    paused = scorer.report(write(tmp_path, "p.txt", PAUSED))
    plain = scorer.report(write(tmp_path, "n.txt", PLAIN))
    assert paused.sentence_words.tolist() == plain.sentence_words.tolist() == [3, 2]
    for name in ("sentence_offsets", "token_ids", "token_logprob", "token_order", "sentence_logprob",
                 "sentence_oovs"):
        assert getattr(paused, name).tolist() == getattr(plain, name).tolist(), name
    assert paused.oov_words == {"c": 1}


def test_pau_at_the_ends_of_a_line(tmp_path, cli):
    # prepareSentence looks at the line's own first and last tokens before dropping -pau-:
    # "-pau- <s> a": the first token is not <s>, so <s> is added and the line's <s> is a word:
    #   p(<s> | <s>) = 0 (its -99 is log 0) is a zeroprob, then p(a | <s>) by the bigram and
    #   p(</s> | a) = 10^(-0.30103 - 0.4771213): 2 words, 1 zeroprob
    # "-pau-": no words, p(</s> | <s>) = bow(<s>) p(</s>) = 10^(-0.30103 - 0.4771213)
    # "a </s> -pau-": the last token is not </s>, so the line's </s> is a word: p(a | <s>),
    #   p(</s> | a) as above, then p(</s> | </s>) = p(</s>) (no context </s>): 2 words
    lm = write(tmp_path, "lm.arpa", PLAIN_LM)
    text = write(tmp_path, "e.txt", "-pau- <s> a\n-pau-\na </s> -pau-\n")
    first = f32(-0.1760913) + f32(-0.30103, -0.4771213)
    second = f32(-0.30103, -0.4771213)
    third = f32(-0.1760913) + f32(-0.30103, -0.4771213) + f32(-0.4771213)
    out = ngram_out(cli, ["-lm", lm, "-order", 2, "-ppl", text, "-debug", 2]).splitlines()
    assert out[:13] == [
        "-pau- <s> a",
        "\tp( <s> | <s> ) \t= [1gram] 0 [ -inf ]",
        "\tp( a | <s> ...) \t= [2gram] 0.6666666 [ -0.1760913 ]",
        "\tp( </s> | a ...) \t= [1gram] 0.1666667 [ -0.7781513 ]",
        "1 sentences, 2 words, 0 OOVs",
        # 2 words - 1 zeroprob + </s>: 2 tokens scored
        f"1 zeroprobs, logprob= {g(first)} ppl= {g(10 ** (-first / 2))} ppl1= {g(10 ** -first)}",
        "",
        "-pau-",
        "\tp( </s> | <s> ) \t= [1gram] 0.1666667 [ -0.7781513 ]",
        "1 sentences, 0 words, 0 OOVs",
        f"0 zeroprobs, logprob= {g(second)} ppl= {g(10 ** -second)} ppl1= undefined",
        "",
        "a </s> -pau-",
    ]
    assert out[13:17] == [
        "\tp( a | <s> ) \t= [2gram] 0.6666666 [ -0.1760913 ]",
        "\tp( </s> | a ...) \t= [1gram] 0.1666667 [ -0.7781513 ]",
        "\tp( </s> | </s> ...) \t= [1gram] 0.3333333 [ -0.4771213 ]",
        "1 sentences, 2 words, 0 OOVs",
    ]
    total = first + second + third
    # 3 sentences, 4 words, 1 zeroprob: ppl over 4 - 1 + 3 tokens
    assert out[-2:] == [f"file {text}: 3 sentences, 4 words, 0 OOVs",
                        f"1 zeroprobs, logprob= {g(total)} ppl= {g(10 ** (-total / 6))} ppl1= {g(10 ** (-total / 3))}"]


def test_nbest_rescoring_drops_pau(tmp_path, cli):
    model = read_arpa(write(tmp_path, "lm.arpa", PLAIN_LM))
    nbest = write(tmp_path, "h.nbest", "-10 0 4 a -pau- b\n-20 0 2 a b\n-30 0 1 -pau-\n")
    rescored = rescore_nbest(model, nbest, lm_weight=8, word_weight=1, reorder=False)
    # "a b": p(a | <s>) p(b | a) p(</s> | b), all bigrams; "-pau-" alone: p(</s> | <s>)
    ab = f32(-0.1760913) + f32(-0.30103) + f32(-0.30103)
    alone = f32(-0.30103, -0.4771213)
    assert rescored.nwords.tolist() == [2, 2, 0]
    assert rescored.lm.tolist() == pytest.approx([8 * ab, 8 * ab, 8 * alone], abs=1e-5)
    assert rescored.total.tolist() == pytest.approx([-10 + 8 * ab + 2, -20 + 8 * ab + 2, -30 + 8 * alone], abs=1e-4)
    assert rescored.lm[0] == rescored.lm[1]
    assert rescored.words == ["a -pau- b", "a b", "-pau-"]  # the hypotheses keep their words
    # -rescore writes `ascore lscore nwords words` with the words as read
    stream = write(tmp_path, "h.txt", "-10 0 4 a -pau- b\n-20 0 2 a b\n")
    lines = ngram_out(cli, ["-lm", tmp_path / "lm.arpa", "-order", 2, "-rescore", stream]).splitlines()
    score = f"{float(rescored.lm[0]):.16g}"
    assert lines == [f"-10 {score} 2 a -pau- b", f"-20 {score} 2 a b"]


def test_recognizer_lm_scores_without_pau_but_weighs_every_word(tmp_path):
    # SRILM's decipherFix: the recognizer's LM score of the words without -pau-, its word
    # weight times every word of the hypothesis, -pau- included (as Decipher applied it)
    model = read_arpa(write(tmp_path, "lm.arpa", PLAIN_LM))
    nbest = read_nbest(write(tmp_path, "h.nbest", "NBestList1.0\n(-1000) a -pau- b\n(-1000) a b\n"))
    recognizer = RecognizerLM(model, lm_weight=8.0, word_weight=2.0)
    acoustic = recognizer.acoustic_scores(nbest, lambda message: pytest.fail(message))
    assert acoustic[0] == pytest.approx(acoustic[1] - 2.0, abs=1e-9)
    rescorer = NBestRescorer(model, 8.0, 0.0, warn=lambda message: pytest.fail(message))
    assert rescorer.rescore(nbest).nwords.tolist() == [2, 2]


def test_write_vocab_lists_pau(tmp_path, cli):
    # SRILM's Vocab::write: every word of its vocabulary, -pau- always among them, in strcmp order
    for lm_text in (PLAIN_LM, PAUSE_LM):
        lm = write(tmp_path, "lm.arpa", lm_text)
        ngram_out(cli, ["-lm", lm, "-write-vocab", tmp_path / "v.txt"])
        assert (tmp_path / "v.txt").read_text() == "-pau-\n</s>\n<s>\n<unk>\na\nb\n"
    assert sorted(w.encode() for w in ["-pau-", "</s>", "<s>", "<unk>", "a", "b"]) == \
        [b"-pau-", b"</s>", b"<s>", b"<unk>", b"a", b"b"]


CLASS_LM = """\\data\\
ngram 1=5
ngram 2=4

\\1-grams:
-0.4771213\t</s>
-99\t<s>\t-0.30103
-0.4771213\tC\t-0.30103
-0.4771213\ta\t-0.30103
-0.4771213\tb\t-0.1

\\2-grams:
-0.1760913\t<s> C
-0.30103\tC C
-0.30103\tb </s>
-0.5\tC a

\\end\\
"""


@pytest.mark.parametrize("simple", [False, True], ids=["classes", "simple classes"])
@pytest.mark.parametrize("debug", [0, 1, 2])
def test_class_models_drop_pau(tmp_path, cli, simple, debug):
    lm, classes = write(tmp_path, "c.arpa", CLASS_LM), write(tmp_path, "c.classes", "C 0.5 a\nC 0.5 b\n")
    paused, plain = write(tmp_path, "p.txt", PAUSED), write(tmp_path, "n.txt", PLAIN)
    argv = ["-lm", lm, "-order", 2, "-classes", classes, "-debug", debug] + (["-simple-classes"] if simple else [])
    out = ngram_out(cli, argv + ["-ppl", paused]).replace(str(paused), "TEXT")
    out_plain = ngram_out(cli, argv + ["-ppl", plain]).replace(str(plain), "TEXT")
    assert without_echo(out, PAUSED) == without_echo(out_plain, PLAIN)
    if simple and debug == 2:
        # "a b -pau- a" as "C C C" with membership 1/2 each: p(C | <s>) = 10^-0.1760913 (bigram),
        # p(C | C) = 10^-0.30103 twice, p(</s> | C) = bow(C) p(</s>), each word times 1/2
        half = f32(-0.30103)
        first = [f32(-0.1760913, half), f32(-0.30103, half), f32(-0.30103, half), f32(-0.30103, -0.4771213)]
        assert out.splitlines()[1:5] == [
            f"\tp( a | <s> ) \t= [2gram] 0.3333333 [ {g(first[0])} ]",
            f"\tp( b | a ...) \t= [2gram] 0.25 [ {g(first[1])} ]",
            f"\tp( a | b ...) \t= [2gram] 0.25 [ {g(first[2])} ]",
            f"\tp( </s> | a ...) \t= [1gram] 0.1666667 [ {g(first[3])} ]",
        ]
        assert out.splitlines()[6] == f"0 zeroprobs, logprob= {g(sum(first))} ppl= {g(10 ** (-sum(first) / 4))} " \
                                      f"ppl1= {g(10 ** (-sum(first) / 3))}"


def test_counts_score_pau_as_a_word(tmp_path, cli):
    # -counts goes through no prepareSentence: -pau- is scored, as the word of SRILM's vocabulary
    # it is (not <unk>): without an n-gram of the model, a zeroprob (and no context) wherever it is.
    # p(-pau-) = 0 three times; p(a | -pau-) = p(a) = 10^-0.4771213 (no context -pau-);
    # p(-pau- | a) = 0; p(b | a) = 10^-0.30103 twice; p(</s> | b) = 10^-0.30103 (a sentence)
    lm = write(tmp_path, "lm.arpa", PLAIN_LM)
    counts = write(tmp_path, "c.txt", "a b\t2\n-pau-\t3\n-pau- a\t1\na -pau-\t1\nb </s>\t1\n")
    logprob = f32(-0.4771213) + 2 * f32(-0.30103) + f32(-0.30103)
    # 1 sentence, 7 words, 4 zeroprobs: ppl over 7 - 4 + 1 tokens, ppl1 over 3
    totals = ["1 sentences, 7 words, 0 OOVs",
              f"4 zeroprobs, logprob= {g(logprob)} ppl= {g(10 ** (-logprob / 4))} ppl1= {g(10 ** (-logprob / 3))}"]
    assert ngram_out(cli, ["-lm", lm, "-order", 2, "-counts", counts, "-debug", 2]).splitlines() == [
        "\tp( -pau- |  ) \t= [OOV] 0 [ -inf *3 ]",  # the 1-grams, then the 2-grams, in strcmp order
        "\tp( a | -pau- ) \t= [1gram] 0.3333333 [ -0.4771213 ]",
        "\tp( -pau- | a ) \t= [OOV] 0 [ -inf ]",
        "\tp( b | a ) \t= [2gram] 0.5 [ -0.30103 *2 ]",
        "\tp( </s> | b ) \t= [2gram] 0.5 [ -0.30103 ]",
    ] + totals + [""] + [f"file {counts}: {totals[0]}", totals[1]]
    # a model that lists -pau- (10^-0.2, no backoff weight) scores it: p(-pau-) three times and
    # p(-pau- | a) = bow(a) p(-pau-); the rest as above
    lm = write(tmp_path, "lm.arpa", PAUSE_LM)
    stats = PerplexityScorer(read_arpa(lm)).score_counts(counts, 2)
    assert (stats.sentences, stats.words, stats.oovs, stats.zeroprobs) == (1, 7, 0, 0)
    assert stats.logprob == pytest.approx(3 * f32(-0.2) + f32(-0.30103, -0.2) + logprob, abs=1e-6)


SKIP_LM = ("\n\\data\\\nngram 1=6\nngram 2=10\n\n\\1-grams:\n-99\t-pau-\n-0.6842467\t</s>\n-99\t<s>\t0.2060283\n"
           "-0.5593081\ta\t0.04446885\n-0.5593081\tb\t0.09473737\n-0.6172999\tc\t-0.3200339\n\n\\2-grams:\n"
           "-0.653416\t<s> a\n-0.5468789\t<s> b\n-0.7917777\t<s> c\n-0.8579035\ta </s>\n-0.4860598\ta b\n"
           "-0.6398887\ta c\n-0.7376195\tb a\n-0.664356\tb c\n-0.4171873\tc </s>\n-0.4320421\tc a\n\n\\end\\\n\n"
           "-pau- 0.5544019711934903\n</s> 0.5\n<s> 0\n<unk> 0.5\na 0.08339910150396278\nb 0.4444362155811449\n"
           "c 0.001468243501581369\n\n")
COUNT_LM_COUNTS = "<s>\t2\na\t2\nb\t3\n</s>\t2\n<s> a\t1\na b\t2\nb </s>\t2\n<s> b\t1\nb a\t1\n-pau- a\t1\n"
COUNT_LM = "order 2\nmixweights 1\n 0.5 0.2\n 0.6 0.7\ncountmodulus 1\ncounts train.counts\n"


def test_skip_and_count_lms_drop_pau(tmp_path, cli, monkeypatch):
    """`ngram -skip` and `ngram -count-lm` score the sentence without -pau- too (SRILM 1.7.3's
    output for this skip LM, made by its `ngram-count -skip -wbdiscount -order 2`, and this
    count LM, whose counts hold a `-pau- a` that scoring never looks up)."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "skip.lm", SKIP_LM)
    write(tmp_path, "skip.txt", "a -pau- b c\n-pau- a b\nc -pau-\n")
    assert ngram_out(cli, ["-lm", "skip.lm", "-skip", "-order", 2, "-ppl", "skip.txt", "-debug", 2]) == (
        "a -pau- b c\n"
        "\tp( a | <s> ) \t= [2gram] 0.2221181 [ -0.653416 ]\n"
        "\tp( b | a ...) \t= [2gram][2gram] 0.3229841 [ -0.4908189 ]\n"
        "\tp( c | b ...) \t= [2gram][2gram] 0.2221717 [ -0.6533113 ]\n"
        "\tp( </s> | c ...) \t= [2gram][1gram] 0.3824757 [ -0.4173962 ]\n"
        "1 sentences, 3 words, 0 OOVs\n0 zeroprobs, logprob= -2.214942 ppl= 3.578785 ppl1= 5.474118\n\n"
        "-pau- a b\n"
        "\tp( a | <s> ) \t= [2gram] 0.2221181 [ -0.653416 ]\n"
        "\tp( b | a ...) \t= [2gram][2gram] 0.3229841 [ -0.4908189 ]\n"
        "\tp( </s> | b ...) \t= [1gram][2gram] 0.2046094 [ -0.6890743 ]\n"
        "1 sentences, 2 words, 0 OOVs\n0 zeroprobs, logprob= -1.833309 ppl= 4.084163 ppl1= 8.253813\n\n"
        "c -pau-\n"
        "\tp( c | <s> ) \t= [2gram] 0.1615185 [ -0.7917777 ]\n"
        "\tp( </s> | c ...) \t= [2gram][1gram] 0.382586 [ -0.4172709 ]\n"
        "1 sentences, 1 words, 0 OOVs\n0 zeroprobs, logprob= -1.209049 ppl= 4.022761 ppl1= 16.18261\n\n"
        "file skip.txt: 3 sentences, 6 words, 0 OOVs\n"
        "0 zeroprobs, logprob= -5.2573 ppl= 3.838349 ppl1= 7.51998\n")
    write(tmp_path, "train.counts", COUNT_LM_COUNTS)
    write(tmp_path, "lm.params", COUNT_LM)
    write(tmp_path, "count.txt", "a -pau- b\n-pau- b c a\nb a -pau-\n")
    assert ngram_out(cli, ["-count-lm", "-lm", "lm.params", "-order", 2, "-ppl", "count.txt", "-debug", 1]) == (
        "a -pau- b\n1 sentences, 2 words, 0 OOVs\n"
        "0 zeroprobs, logprob= -0.6961333 ppl= 1.706257 ppl1= 2.228777\n\n"
        "-pau- b c a\n1 sentences, 3 words, 1 OOVs\n"
        "0 zeroprobs, logprob= -1.982418 ppl= 4.579371 ppl1= 9.79961\n\n"
        "b a -pau-\n1 sentences, 2 words, 0 OOVs\n"
        "0 zeroprobs, logprob= -1.857903 ppl= 4.16199 ppl1= 8.490859\n\n"
        "file count.txt: 3 sentences, 7 words, 1 OOVs\n"
        "0 zeroprobs, logprob= -4.536454 ppl= 3.191909 ppl1= 5.702636\n")


HIDDEN_LM = ("\n\\data\\\nngram 1=6\nngram 2=12\n\n\\1-grams:\n-0.69897\t</s>\n-0.69897\t<comma>\t0.09691001\n"
             "-99\t<s>\t-0.1760913\n-0.69897\ta\t0.09691001\n-0.69897\tb\t-0.1760913\n-0.69897\tc\t-0.1760913\n\n"
             "\\2-grams:\n-0.7781513\t<comma> a\n-0.7781513\t<comma> b\n-0.7781513\t<comma> c\n-0.39794\t<s> a\n"
             "-0.69897\t<s> b\n-0.7781513\ta </s>\n-0.7781513\ta <comma>\n-0.7781513\ta b\n-0.69897\tb <comma>\n"
             "-0.39794\tb c\n-0.39794\tc </s>\n-0.69897\tc <comma>\n\n\\end\\\n")


def test_hidden_event_lm_drops_pau(tmp_path, cli, monkeypatch):
    """A hidden-event LM (-hidden-vocab) sums over its events between the words of the sentence
    without -pau- (SRILM 1.7.3's output, the model its `ngram-count -wbdiscount -order 2` made)."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "h.arpa", HIDDEN_LM)
    write(tmp_path, "events.txt", "<comma>\n")
    write(tmp_path, "h.txt", "a -pau- b c\n-pau- b a\nc a -pau-\n")
    argv = ["-lm", "h.arpa", "-hidden-vocab", "events.txt", "-order", 2, "-ppl", "h.txt", "-debug", 2]
    assert ngram_out(cli, argv) == (
        "a -pau- b c\n"
        "\tp( a | <s> ) \t= [2gram] 0.4222222 [ -0.3744589 ]\n"
        "\tp( b | a ...) \t= [2gram] 0.1944444 [ -0.7112046 ]\n"
        "\tp( c | b ...) \t= [2gram] 0.4333333 [ -0.3631779 ]\n"
        "\tp( </s> | c ...) \t= [2gram] 0.4499999 [ -0.3467876 ]\n"
        "Hidden events: *noevent* *noevent* *noevent* *noevent*\n"
        "1 sentences, 3 words, 0 OOVs\n0 zeroprobs, logprob= -1.795629 ppl= 2.8113 ppl1= 3.967738\n\n"
        "-pau- b a\n"
        "\tp( b | <s> ) \t= [2gram] 0.2222222 [ -0.6532125 ]\n"
        "\tp( a | b ...) \t= [1gram] 0.1666667 [ -0.7781513 ]\n"
        "\tp( </s> | a ...) \t= [2gram] 0.2083333 [ -0.6812413 ]\n"
        "Hidden events: *noevent* *noevent* *noevent*\n"
        "1 sentences, 2 words, 0 OOVs\n0 zeroprobs, logprob= -2.112605 ppl= 5.060596 ppl1= 11.3842\n\n"
        "c a -pau-\n"
        "\tp( c | <s> ) \t= [1gram] 0.1555555 [ -0.8081145 ]\n"
        "\tp( a | c ...) \t= [1gram] 0.1666666 [ -0.7781514 ]\n"
        "\tp( </s> | a ...) \t= [2gram] 0.2083334 [ -0.6812412 ]\n"
        "Hidden events: *noevent* *noevent* *noevent*\n"
        "1 sentences, 2 words, 0 OOVs\n0 zeroprobs, logprob= -2.267507 ppl= 5.699486 ppl1= 13.60672\n\n"
        "file h.txt: 3 sentences, 7 words, 0 OOVs\n"
        "0 zeroprobs, logprob= -6.175741 ppl= 4.145473 ppl1= 7.625156\n")
