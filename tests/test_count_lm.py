"""SRILM's count LMs (NgramCountLM: `ngram -count-lm`, `ngram-count -count-lm -init-lm`), Google
Web1T count directories (`-read-google`, `google-counts`) and fractional counts (`-float-counts`).

SRILM 1.7.3 left no outputs of these options in the references, so every value here is worked
out by hand from NgramCountLM.cc's formulas, written out below:

    p_0 = 1 / vocabsize
    p_i = (1 - l_i) p_{i-1} + l_i c(h_i w) / c(h_i)        (p_i = (1 - l_i) p_{i-1} if c(h_i w) = 0)
    l_i = mixweights[min(c(h_i) / countmodulus, M)][i - 1],  c(empty context) = totalcount

and the lines are checked against SRILM's printf formats (`%.16g` weights, `%.7g` ppl values).
"""

import gzip
import io
import math

import numpy as np
import pytest

from ngramkit.cli import ngram, ngram_count
from ngramkit.count_lm import read_count_lm

# Counts of the text "a b" / "b a b" (sentence marks added), SRILM's -write order.
TRAIN_COUNTS = "<s>\t2\na\t2\nb\t3\n</s>\t2\n<s> a\t1\na b\t2\nb </s>\t2\n<s> b\t1\nb a\t1\n"
PARAMS = "order 2\nmixweights 1\n 0.5 0.2\n 0.6 0.7\ncountmodulus 1\ncounts train.counts\n"
TEST_TEXT = "a b\nb c a\n"

# vocabsize: </s>, a and b (<s> and the closed vocabulary's <unk> are no words); totalcount: the
# unigram counts less c(<s>): 2 + 2 + 3 + 2 - 2
V, TOTAL = 3, 7


def unigram(c):
    """p_1 of a word counted c times: the context count is totalcount = 7, weight row 1."""
    return (1 - 0.6) / V + 0.6 * c / TOTAL


P_A_BOS = (1 - 0.7) * unigram(2) + 0.7 * 1 / 2      # c(<s> a) = 1, c(<s>) = 2
P_B_A = (1 - 0.7) * unigram(3) + 0.7 * 2 / 2        # c(a b) = 2, c(a) = 2
P_EOS_B = (1 - 0.7) * unigram(2) + 0.7 * 2 / 3      # c(b </s>) = 2, c(b) = 3
P_B_BOS = (1 - 0.7) * unigram(3) + 0.7 * 1 / 2      # c(<s> b) = 1
P_A_UNK = (1 - 0.2) * unigram(2)                    # c(<unk>) = 0: weight row 0; c(<unk> a) = 0
P_EOS_A = (1 - 0.7) * unigram(2)                    # c(a </s>) = 0


def logp(p):
    return np.float32(math.log10(p))


def g7(x):
    return f"{x:.7g}"


def word_line(word, context, first, bracket, p):
    """SRILM's -debug 2 line: the count LM's bracket, then p and log10 p as LogP (float)."""
    lp = logp(p)
    return (f"\tp( {word} | {context} {') ' if first else '...) '}\t= {bracket} "
            f"{g7(10 ** float(lp))} [ {g7(float(lp))} ]\n")


def sentence_lines(words, oovs, logprob, scored):
    ppl = 10 ** (-logprob / (scored + 1))
    ppl1 = 10 ** (-logprob / scored)
    return (f"1 sentences, {words} words, {oovs} OOVs\n"
            f"0 zeroprobs, logprob= {g7(logprob)} ppl= {g7(ppl)} ppl1= {g7(ppl1)}\n\n")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    (tmp_path / "train.counts").write_text(TRAIN_COUNTS)
    (tmp_path / "lm.params").write_text(PARAMS)
    (tmp_path / "test.txt").write_text(TEST_TEXT)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_totals_from_counts(workdir):
    lm = read_count_lm("lm.params", order=2)
    assert (lm.vocab_size, lm.total_count, lm.count_modulus) == (V, TOTAL, 1)
    assert lm.weights.tolist() == [[0.5, 0.2], [0.6, 0.7]]
    assert lm.counts_name == "train.counts" and not lm.google


def test_ppl_debug_2(workdir, capsysbinary):
    ngram.ngram(["-count-lm", "-lm", "lm.params", "-order", "2", "-ppl", "test.txt", "-debug", "2"])
    out = capsysbinary.readouterr().out.decode()
    first = [logp(P_A_BOS), logp(P_B_A), logp(P_EOS_B)]
    second = [logp(P_B_BOS), logp(P_A_UNK), logp(P_EOS_A)]
    s1 = sum(float(x) for x in first)
    s2 = sum(float(x) for x in second)
    # the bracket: [totalcount,l_1,c(w),l_2,c(h w)]; an OOV gets none and probability 0
    expected = (
        "a b\n"
        + word_line("a", "<s>", True, "[7,0.6,2,0.7,1]", P_A_BOS)
        + word_line("b", "a", False, "[7,0.6,3,0.7,2]", P_B_A)
        + word_line("</s>", "b", False, "[7,0.6,2,0.7,2]", P_EOS_B)
        + sentence_lines(2, 0, s1, 2)
        + "b c a\n"
        + word_line("b", "<s>", True, "[7,0.6,3,0.7,1]", P_B_BOS)
        + "\tp( <unk> | b ...) \t=  0 [ -inf ]\n"
        + word_line("a", "<unk>", False, "[7,0.6,2,0.2,0]", P_A_UNK)
        + word_line("</s>", "a", False, "[7,0.6,2,0.7,0]", P_EOS_A)
        + sentence_lines(3, 1, s2, 2)
        + "file test.txt: 2 sentences, 5 words, 1 OOVs\n"
        + f"0 zeroprobs, logprob= {g7(s1 + s2)} ppl= {g7(10 ** (-(s1 + s2) / 6))} "
          f"ppl1= {g7(10 ** (-(s1 + s2) / 4))}\n"
    )
    assert out == expected
    # the values themselves, by hand: 0.3 * (0.4/3 + 1.2/7) + 0.35
    assert P_A_BOS == pytest.approx(0.4414286, abs=1e-7)


def test_inline_counts_modulus_and_given_totals(tmp_path, capsysbinary):
    """`counts -` takes the rest of the file; countmodulus 2 buckets context counts by halves;
    the vocabsize and totalcount given are used as they are; -unk makes <unk> a word."""
    params = tmp_path / "inline.params"
    params.write_text("order 9\nmixweights 2\n 0.1 0.2\n 0.3 0.4\n 0.5 0.6\n\n## a comment\ncountmodulus 2\n"
                      "vocabsize 10\ntotalcount 20\ncounts -\n" + TRAIN_COUNTS)
    text = tmp_path / "t.txt"
    text.write_text("b c\n")
    ngram.ngram(["-count-lm", "-lm", str(params), "-order", "2", "-unk", "-ppl", str(text), "-debug", "2"])
    out = capsysbinary.readouterr().out.decode().splitlines()
    # order 1: totalcount 20 // 2 = 10 -> row min(10, 2) = 2, l_1 = 0.5
    p1 = {w: (1 - 0.5) / 10 + 0.5 * c / 20 for w, c in {"b": 3, "<unk>": 0, "</s>": 2}.items()}
    # p(b | <s>): c(<s>) = 2 -> 2 // 2 = 1 -> l_2 = 0.4; c(<s> b) = 1
    p_b = (1 - 0.4) * p1["b"] + 0.4 * 1 / 2
    # p(<unk> | b): -unk, so a word; c(b) = 3 -> 1 -> l_2 = 0.4; not counted at either order
    p_unk = (1 - 0.4) * p1["<unk>"]
    # p(</s> | <unk>): c(<unk>) = 0 -> row 0, l_2 = 0.2
    p_eos = (1 - 0.2) * p1["</s>"]
    assert out[1] == word_line("b", "<s>", True, "[20,0.5,3,0.4,1]", p_b).rstrip("\n")
    assert out[2] == word_line("<unk>", "b", False, "[20,0.5,0,0.4,0]", p_unk).rstrip("\n")
    assert out[3] == word_line("</s>", "<unk>", False, "[20,0.5,2,0.2,0]", p_eos).rstrip("\n")
    assert out[4] == "1 sentences, 2 words, 0 OOVs"


def test_write_lm_round_trip(workdir, capsysbinary):
    """-write-lm writes SRILM's layout, the counts following `counts -`, sorted."""
    ngram.ngram(["-count-lm", "-lm", "lm.params", "-order", "2", "-write-lm", "out.params"])
    written = (workdir / "out.params").read_text()
    assert written == ("order 2\nmixweights 1\n 0.5 0.2\n 0.6 0.7\ncountmodulus 1\nvocabsize 3\ntotalcount 7\n"
                       "counts -\n</s>\t2\n<s>\t2\n<s> a\t1\n<s> b\t1\na\t2\na b\t2\nb\t3\nb </s>\t2\nb a\t1\n")
    again = read_count_lm("out.params", order=2)
    assert (again.vocab_size, again.total_count, again.counts_name) == (3, 7, None)


# EM on the held-out text "a b a" / "b b" (order 2): only its bigrams are scored (an n-gram shorter
# than the order counts only when it starts with <s>), each once.
HELD_BIGRAMS = {  # (c(h w), c(h)) in the training counts
    ("<s>", "a"): (1, 2), ("a", "b"): (2, 2), ("b", "a"): (1, 3), ("a", "</s>"): (0, 2),
    ("<s>", "b"): (1, 2), ("b", "b"): (0, 3), ("b", "</s>"): (2, 3),
}
UNIGRAM_COUNT = {"a": 2, "b": 3, "</s>": 2}


def em_iteration(l1, l2):
    """One E-step by hand: the log likelihood, and the posterior counts and totals of l_1 and l_2
    (all in weight row 1: every context here is counted). The backward pass gives the bigram
    estimate its posterior r2 out of 1, the unigram estimate its posterior r1 out of 1 - r2."""
    like, post1, total1, post2 = np.float32(0.0), 0.0, 0.0, 0.0
    # summed in the n-grams' byte order (SRILM's order is its hash tables': the last digit of a
    # %.16g weight may differ)
    for (h, w), (c_hw, c_h) in sorted(HELD_BIGRAMS.items()):
        # as NgramCountLM computes them, operation for operation
        p1 = (1 - l1) * (1 / V) + l1 * (UNIGRAM_COUNT[w] / TOTAL)
        p2 = (1 - l2) * p1 + l2 * (c_hw / c_h)
        r2 = l2 * (c_hw / c_h) / p2
        r1 = l1 * (UNIGRAM_COUNT[w] / TOTAL) / p1
        post2 += r2
        post1 += (1 - r2) * r1
        total1 += 1 - r2
        like = np.float32(like + logp(p2))          # SRILM sums the likelihood as a float
    return float(like), post1, total1, post2


def test_em_training(workdir, capfd):
    (workdir / "held.txt").write_text("a b a\nb b\n")
    ngram_count.ngram_count(["-order", "2", "-text", "held.txt", "-count-lm", "-init-lm", "lm.params",
                             "-lm", "trained.params", "-em-iters", "2", "-debug", "1"])
    err = capfd.readouterr().err
    like0, post1, total1, post2 = em_iteration(0.6, 0.7)
    l1, l2 = post1 / total1, post2 / 7
    like1, post1b, total1b, post2b = em_iteration(l1, l2)
    # log10 of 0.4414286, 0.8171429, 0.3247619, 0.09142857, 0.4671429, 0.1171429, 0.5580952
    assert like0 == pytest.approx(-3.485321, abs=2e-6)
    assert err.splitlines() == [
        f"iteration 0: log likelihood = {like0:g}",
        "posterior counts 0: 0/0 0/0",
        f"posterior counts 1: {post1:g}/{total1:g} {post2:g}/7",
        f"iteration 1: log likelihood = {like1:g}",
        "posterior counts 0: 0/0 0/0",
        f"posterior counts 1: {post1b:g}/{total1b:g} {post2b:g}/7",
    ]
    # the second M-step's weights, %.16g; row 0 keeps its weights; the counts are named, not copied
    assert (workdir / "trained.params").read_text().splitlines() == [
        "order 2", "mixweights 1", " 0.5 0.2", f" {post1b / total1b:.16g} {post2b / 7:.16g}",
        "countmodulus 1", "vocabsize 3", "totalcount 7", "counts train.counts"]


def test_em_warns_of_weights_without_data(workdir, capfd):
    (workdir / "held.txt").write_text("a b a\nb b\n")
    ngram_count.ngram_count(["-order", "2", "-text", "held.txt", "-count-lm", "-init-lm", "lm.params",
                             "-lm", "trained.params", "-em-iters", "1"])
    err = capfd.readouterr().err.splitlines()
    # row 0 serves contexts counted 0 times: none in the held-out bigrams; order 1 (j = 0) is exempt
    assert err[1] == "warning: no data to estimate mixture weight for count 0, order 1"


@pytest.mark.parametrize("content, line, message", [
    ("order 2\nfoo 3\n", 2, "unknown keyword"),
    ("order 2\nmixweights 1\n 0.5 0.2\n 0.6\ncounts x\n", 4, "incomplete mixture weight vector"),
    ("order 2\nmixweights 1\n 0.5 0.2\n", 3, "premature end to mixture weights"),  # the last line read
    ("vocabsize -3\n", 1, "bad vocabsize value"),
    ("order 2\ncountmodulus 0\n", 2, "countmodulus must be at least 1"),
])
def test_malformed_parameters(tmp_path, cli, content, line, message):
    params = tmp_path / "bad.params"
    params.write_text(content)
    status, _, err = cli(ngram.main, ["-count-lm", "-lm", params, "-order", "2", "-ppl", params])
    assert status == 4
    assert err.startswith(f"ngram: {params}:{line}: {message}") and err.count("\n") == 1


def test_count_lm_refusals(workdir, cli):
    status, _, err = cli(ngram.main, ["-count-lm", "-lm", "lm.params", "-prune", "0.1"])
    assert status == 2 and "-count-lm does not combine with -prune" in err
    status, _, err = cli(ngram_count.main, ["-text", "test.txt", "-count-lm", "-lm", "x"])
    assert status == 2 and "count-lm estimation needs initial model" in err
    status, _, err = cli(ngram_count.main, ["-text", "test.txt", "-count-lm", "-init-lm", "lm.params", "-lm", "x",
                                            "-float-counts"])
    assert status == 2 and "cannot use -float-counts with count-lm" in err


# Google's Web1T layout: 1gms/vocab.gz, then per order an index naming files with their first n-gram


def make_google(root):
    (root / "1gms").mkdir(parents=True)
    (root / "2gms").mkdir()
    with gzip.open(root / "1gms" / "vocab.gz", "wt") as f:
        f.write("</s>\t2\n<s>\t2\na\t2\nb\t3\n")
    with gzip.open(root / "2gms" / "2gm-0000.gz", "wt") as f:
        f.write("<s> a\t1\n<s> b\t1\na b\t2\n")
    (root / "2gms" / "2gm-0001").write_text("b </s>\t2\nb a\t1\n")
    (root / "2gms" / "2gm.idx").write_text("2gm-0000.gz\t<s> a\n2gm-0001\tb </s>\n")


def test_read_google_equals_read(workdir, capfd):
    make_google(workdir / "google")
    ngram_count.ngram_count(["-order", "2", "-read-google", "google", "-write", "g.counts", "-debug", "1"])
    ngram_count.ngram_count(["-order", "2", "-read", "train.counts", "-write", "r.counts"])
    assert (workdir / "g.counts").read_text() == (workdir / "r.counts").read_text()
    assert capfd.readouterr().err.splitlines() == [
        "reading google/1gms/vocab.gz", "reading google/2gms/2gm-0000.gz", "reading google/2gms/2gm-0001"]
    # the order limits what is read: only the unigrams at -order 1
    ngram_count.ngram_count(["-order", "1", "-read-google", "google", "-write", "g1.counts"])
    assert (workdir / "g1.counts").read_text() == "</s>\t2\n<s>\t2\na\t2\nb\t3\n"


def test_google_counts_in_count_lm(workdir, capsysbinary):
    make_google(workdir / "google")
    (workdir / "g.params").write_text(PARAMS.replace("counts train.counts", "google-counts google"))
    ngram.ngram(["-count-lm", "-lm", "g.params", "-order", "2", "-ppl", "test.txt"])
    google_out = capsysbinary.readouterr().out
    ngram.ngram(["-count-lm", "-lm", "lm.params", "-order", "2", "-ppl", "test.txt"])
    assert google_out == capsysbinary.readouterr().out
    ngram.ngram(["-count-lm", "-lm", "g.params", "-order", "2", "-write-lm", "w.params"])
    assert (workdir / "w.params").read_text().splitlines()[-1] == "google-counts google"


def test_malformed_google_index(workdir, cli):
    make_google(workdir / "google")
    (workdir / "google" / "2gms" / "2gm.idx").write_text("2gm-0000.gz\t<s> a\n2gm-0001\n")
    status, _, err = cli(ngram_count.main, ["-order", "2", "-read-google", "google"])
    assert status == 4 and err == "ngram-count: google/2gms/2gm.idx:2: malformed index entry: expected a file " \
                                  "name and a 2-gram\n"
    (workdir / "google" / "2gms" / "2gm.idx").unlink()
    status, _, err = cli(ngram_count.main, ["-order", "2", "-read-google", "google"])
    assert status == 3 and "google/2gms/2gm.idx" in err


# Fractional counts: read as %lf, summed, written as %.16g (FloatCount_Precision)


def test_float_counts_read_sum_write(tmp_path, cli):
    counts = tmp_path / "f.counts"
    counts.write_text("a\t1.5\na b\t0.25\nb\t2\n\na b\t1e-1\n<s> a\t3\nb\t0.3333333333333333333\n")
    status, out, _ = cli(ngram_count.main, ["-order", "2", "-read", counts, "-float-counts", "-write", "-"])
    assert status == 0
    # 0.25 + 0.1 and 2 + 1/3 in double, then %.16g; <s>, the prefix of <s> a, counted 0 (SRILM
    # 1.7.3's output with -sort)
    assert out == f"<s>\t0\n<s> a\t3\na\t1.5\na b\t{0.25 + 0.1:.16g}\nb\t{2 + 0.3333333333333333:.16g}\n"
    assert f"{0.25 + 0.1:.16g}" == "0.35" and f"{2 + 0.3333333333333333:.16g}" == "2.333333333333333"


def test_float_counts_errors(tmp_path, cli):
    counts = tmp_path / "f.counts"
    counts.write_text("a\t1.5\na b\tx\n")
    status, _, err = cli(ngram_count.main, ["-read", counts, "-float-counts"])
    assert (status, err) == (4, f"ngram-count: {counts}:2: bad count 'x'\n")
    counts.write_text("a\t1.5\n\n2.5\n")
    status, _, err = cli(ngram_count.main, ["-read", counts, "-float-counts"])
    assert (status, err) == (4, f"ngram-count: {counts}:3: expected words followed by a count\n")
    counts.write_text("a\t1.5\n")
    # Good-Turing (the default) and Kneser-Ney need counts of counts: SRILM refuses float counts
    for flags in ([], ["-kndiscount"]):
        status, _, err = cli(ngram_count.main, ["-read", counts, "-float-counts", "-lm", tmp_path / "x.arpa", *flags])
        assert status == 1 and err.startswith("discounting method does not support float counts\n")


def test_python_api(workdir):
    import ngramkit

    lm = ngramkit.read_count_lm("lm.params", order=2)
    stats = lm.scorer().score_file("test.txt")
    by_hand = [P_A_BOS, P_B_A, P_EOS_B, P_B_BOS, P_A_UNK, P_EOS_A]
    assert (stats.sentences, stats.words, stats.oovs) == (2, 5, 1)
    assert stats.logprob == pytest.approx(sum(float(logp(p)) for p in by_hand), abs=1e-12)
    held = ngramkit.count("test.txt", order=2, progress=False)
    lm = ngramkit.read_count_lm("lm.params", order=2, words=held.vocab.words)
    log = io.StringIO()
    likelihoods = lm.train(ngramkit.count_lm.over_vocabulary(held, lm), max_iters=3, log=log)
    assert log.getvalue().startswith("iteration 0: log likelihood = ")
    assert len(likelihoods) == 3 and likelihoods[2] >= likelihoods[0]  # EM never lowers the likelihood


def test_read_google_limit_vocab(workdir, capfd):
    """As SRILM's google-ngrams test: -vocab -limit-vocab gives -read's counts, and files whose
    range of n-grams holds none of the vocabulary's are not read."""
    make_google(workdir / "google")
    (workdir / "use.vocab").write_text("b\n")
    ngram_count.ngram_count(["-order", "2", "-read-google", "google", "-vocab", "use.vocab", "-limit-vocab",
                             "-write", "g.counts", "-debug", "1"])
    ngram_count.ngram_count(["-order", "2", "-read", "train.counts", "-vocab", "use.vocab", "-limit-vocab",
                             "-write", "r.counts"])
    assert (workdir / "g.counts").read_text() == (workdir / "r.counts").read_text()
    assert (workdir / "g.counts").read_text() == "</s>\t2\n<s>\t2\n<s> b\t1\nb\t3\nb </s>\t2\n"
    # 2gm-0000 runs from "<s> a" up to "b </s>": "<s> b" may lie in it; 2gm-0001 from "b </s>" on
    assert capfd.readouterr().err.splitlines() == [
        "reading google/1gms/vocab.gz", "reading google/2gms/2gm-0000.gz", "reading google/2gms/2gm-0001"]
    (workdir / "use.vocab").write_text("a\n")
    ngram_count.ngram_count(["-order", "2", "-read-google", "google", "-vocab", "use.vocab", "-limit-vocab",
                             "-write", "g.counts", "-debug", "1"])
    # "b </s>" onwards: b is not in the vocabulary, and no word sorts after it
    assert capfd.readouterr().err.splitlines() == ["reading google/1gms/vocab.gz", "reading google/2gms/2gm-0000.gz"]
    assert (workdir / "g.counts").read_text() == "</s>\t2\n<s>\t2\n<s> a\t1\na\t2\n"


def test_zero_denominator(tmp_path, capfd):
    """An n-gram counted whose context is not: SRILM warns, gives probability 0 (a zeroprob) and
    leaves the bracket of its -debug 2 line open."""
    (tmp_path / "c.counts").write_text("<s>\t1\nb\t1\na b\t1\n")
    params = tmp_path / "z.params"
    params.write_text(f"mixweights 0\n 0.5 0.5\ncounts {tmp_path / 'c.counts'}\n")
    text = tmp_path / "t.txt"
    text.write_text("a b\n")
    ngram.ngram(["-count-lm", "-lm", str(params), "-order", "2", "-ppl", str(text), "-debug", "2"])
    out, err = capfd.readouterr()
    lines = out.splitlines()
    # vocabsize: </s>, a, b; totalcount: c(b) = 1 (c(<s>) taken off the sum)
    p_a = (1 - 0.5) * ((1 - 0.5) * (1 / 3))  # neither c(a) nor c(<s> a)
    assert lines[1] == word_line("a", "<s>", True, "[1,0.5,0,0.5,0]", p_a).rstrip("\n")
    assert lines[2] == "\tp( b | a ...) \t= [1,0.5,1,0.5,1 0 [ -inf ]"
    assert lines[4] == "1 sentences, 2 words, 0 OOVs"
    assert lines[5].startswith("1 zeroprobs, ")
    assert err == "warning: zero denominator count for ngram a b\n"
