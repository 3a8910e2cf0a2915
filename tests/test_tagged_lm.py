"""SRILM's tagged LMs (`ngram-count -tagged`, `ngram -tagged`): counts, estimates and -ppl lines
worked out by hand on small texts and models written here, following TaggedNgramStats,
TaggedVocab and TaggedNgram; and SRILM's own tagged-ngram test against its reference output,
read from the SRILM source mirror when it is there."""

import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import ngramkit
from ngramkit.cli import ngram, ngram_count
from ngramkit.tagged_lm import split_tagged

f32 = np.float32


def g7(x):
    return f"{x:.7g}"


@pytest.mark.parametrize("token, parts", [
    ("Fritz/Bla", ("Fritz", "Bla")), ("a/b/c", ("a/b", "c")), ("/Bla", ("", "Bla")), ("</s>", ("</s>", None)),
    ("<s>/X", ("<s>", "X")), ("a/</s>", ("a", "</s>")), ("word", ("word", None)),
])
def test_split_tagged(token, parts):
    # the tag follows the last '/' that does not follow '<' (SRILM's findTagSep)
    assert split_tagged(token) == parts


# <s> a/X b/Y </s>: from <s>: <s>, <s> a; <s> has no tag, a's: <s> /X.
# From a: a, a b; a's tag: /X, /X b; b's tag: /X /Y. From b: b, b </s>; /Y, /Y </s>. Then </s>.
# <s> b/Y a/X </s> alike: <s>, <s> b, <s> /Y; b, b a, /Y, /Y a, /Y /X; a, a </s>, /X, /X </s>; </s>.
HAND_TEXT = "a/X b/Y\nb/Y a/X\n"
HAND_COUNTS = """/X\t2
/X /Y\t1
/X </s>\t1
/X b\t1
/Y\t2
/Y /X\t1
/Y </s>\t1
/Y a\t1
</s>\t2
<s>\t2
<s> /X\t1
<s> /Y\t1
<s> a\t1
<s> b\t1
a\t2
a </s>\t1
a b\t1
b\t2
b </s>\t1
b a\t1
"""


def test_counts_by_hand(tmp_path, cli):
    text = tmp_path / "t.txt"
    text.write_text(HAND_TEXT)
    out, vocab = tmp_path / "c.txt", tmp_path / "v.txt"
    status, _, err = cli(ngram_count.main, ["-tagged", "-order", 2, "-text", text, "-write", out, "-write-vocab", vocab])
    assert status == 0, err
    assert out.read_text() == HAND_COUNTS
    # TaggedVocab::write: the words (with SRILM's -pau-), then the tags, each sorted
    assert vocab.read_text() == "-pau-\n</s>\n<s>\n<unk>\na\nb\n/-pau-\n/</s>\n/<s>\n/<unk>\n/X\n/Y\n"
    # longer patterns: the tokens up to a tagged one are replaced by their tags, where they have
    # one. <s> a/A b c/C </s>: from <s>: <s> a b, <s> /A b; from a: a b c, /A b c, then c's tag:
    # /A b /C (no a b /C); from b: b c </s>, b /C </s>
    text.write_text("a/A b c/C\n")
    assert cli(ngram_count.main, ["-tagged", "-order", 3, "-text", text, "-write3", out])[0] == 0
    assert out.read_text() == ("/A b /C\t1\n/A b c\t1\n<s> /A b\t1\n<s> a b\t1\na b c\t1\n"
                               "b /C </s>\t1\nb c </s>\t1\n")


def test_closed_vocabulary_and_counts_read_back(tmp_path, cli):
    # -vocab of word/tag entries makes the words a, b and the tag X known: b/Y (tag Y unknown) and
    # c/X (word c unknown) are <unk>, untagged. <s> a/X b/Y c/X </s>: <s>, a, /X, <unk> twice, </s>
    text, vocab, out, words = (tmp_path / name for name in ("t.txt", "v.txt", "c.txt", "w.txt"))
    text.write_text("a/X b/Y c/X\n")
    vocab.write_text("a/X\nb\n")
    assert cli(ngram_count.main, ["-tagged", "-order", 1, "-text", text, "-vocab", vocab, "-write", out,
                                  "-write-vocab", words])[0] == 0
    assert out.read_text() == "/X\t1\n</s>\t1\n<s>\t1\n<unk>\t2\na\t1\n"
    assert words.read_text() == "-pau-\n</s>\n<s>\n<unk>\na\nb\n/-pau-\n/</s>\n/<s>\n/<unk>\n/X\n"
    # counts written with -tagged read back as the words and /TAG words they are: the same model
    text.write_text(ESTIMATE_TEXT)
    assert cli(ngram_count.main, ["-tagged", "-order", 3, "-text", text, "-write", out])[0] == 0
    from_text, from_counts = tmp_path / "text.arpa", tmp_path / "counts.arpa"
    for source, lm in ((["-text", text], from_text), (["-read", out], from_counts)):
        assert cli(ngram_count.main, ["-tagged", "-order", 3, *source, "-cdiscount", 0, "-gt2min", 3, "-lm", lm,
                                      "-q"])[0] == 0
    assert from_counts.read_text() == from_text.read_text()


def test_count_api(tmp_path):
    text = tmp_path / "t.txt"
    text.write_text(HAND_TEXT)
    counts = ngramkit.count(text, order=2, tagged=True, progress=False)
    words = counts.vocab.words
    got = {" ".join(words[i] for i in row): int(c) for k in range(2) for row, c in zip(counts.ngrams[k], counts.counts[k])}
    assert got == {line.split("\t")[0]: int(line.split("\t")[1]) for line in HAND_COUNTS.splitlines()}


# Six sentences a/T x: x = b twice, c once, d three times. Counted: a 6, /T 6, b 2, c 1, d 3,
# </s> 6; bigrams a x and /T x as x (2, 1, 3), <s> a 6, <s> /T 6, b </s> 2, c </s> 1, d </s> 3;
# trigrams <s> a x, <s> /T x, a x </s>, /T x </s> as x.
ESTIMATE_TEXT = "a/T b\na/T b\na/T c\na/T d\na/T d\na/T d\n"


def L(x):
    """log10 of a probability as SRILM stores it: computed in double, held as a float."""
    return f32(math.log10(x))


def P(logp):
    """A stored log10 back to a probability, in double (LogPtoProb)."""
    return 10 ** float(logp)


def bow(numerator, denominator):
    """A backoff weight from its numerator and denominator, held as a float."""
    return f32(math.log10(numerator) - math.log10(denominator))


def test_estimate_by_hand(tmp_path, cli):
    """Maximum likelihood (-cdiscount 0) with bigrams below 3 and trigrams below 2 left out: the
    tags are non-events, and a context whose oldest word is a tag backs off with its weight
    once, as any other (SRILM 1.7.3's ngram-count -tagged writes this file byte for byte)."""
    text, lm = tmp_path / "t.txt", tmp_path / "t.arpa"
    text.write_text(ESTIMATE_TEXT)
    status, _, err = cli(ngram_count.main, ["-tagged", "-order", 3, "-text", text, "-cdiscount", 0, "-gt2min", 3,
                                            "-gt3min", 2, "-lm", lm, "-q"])
    assert status == 0, err
    # unigrams: events a, b, c, d, </s> (not <s>, /T): 6 + 2 + 1 + 3 + 6 = 18
    p = {"a": L(6 / 18), "b": L(2 / 18), "c": L(1 / 18), "d": L(3 / 18), "</s>": L(6 / 18)}
    # bigram context a (and /T alike): b 2, c 1 left out, d 3 kept of 6: p(d|a) = 1/2,
    # bow(a) = (1 - 1/2) / (1 - p(d)) = (1/2) / (5/6) = 3/5
    ad = L(3 / 6)
    bow_a = bow(1 - P(ad), 1 - P(p["d"]))
    # context <s>: a 6 of 6 (/T is no event) leaves nothing, so SRILM estimates it again with the
    # total raised by one: p(a|<s>) = 6/7, bow(<s>) = (1/7) / (1 - p(a)) = 3/14
    sa = L(6 / 7)
    bow_s = bow(1 - P(sa), 1 - P(p["a"]))
    # context d: </s> 3 of 3, raised: 3/4; bow(d) = (1/4) / (1 - p(</s>)) = 3/8
    de = L(3 / 4)
    bow_d = bow(1 - P(de), 1 - P(p["</s>"]))
    # the bigrams a b and /T b, left out, are contexts of kept trigrams: they get their backoff
    # estimates, the weight of a (or /T) times p(b): 3/5 * 1/9 = 1/15; <s> /T predicts a
    # non-event: -99
    ab = tb = f32(bow_a + p["b"])
    # trigram contexts <s> a and <s> /T: b 2, c 1 (left out), d 3 of 6: 1/3 and 1/2, 1/6 left;
    # bow = (1/6) / (1 - p_BO(b | a or /T) - p(d | a or /T)) = (1/6) / (1 - 1/15 - 1/2) = 5/13
    xb, xd = L(2 / 6), L(3 / 6)
    bow_sa = bow(1 - P(xb) - P(xd), 1 - P(ab) - P(ad))
    bow_st = bow(1 - P(xb) - P(xd), 1 - P(tb) - P(ad))
    # contexts a b, /T b: </s> 2 of 2, raised: 2/3; b has no bigrams kept, so
    # bow = (1/3) / (1 - p(</s>)) = 1/2. a d, /T d: </s> 3 of 3, raised: 3/4, with no mass below
    # (1 - p(</s> | d) = 0): a weight of 1. b, the suffix of the contexts a b and /T b, is a
    # context node with no bigrams of its own: weight 1, written 0
    be = L(2 / 3)
    bow_xb = bow(1 - P(be), 1 - P(p["</s>"]))
    v = {name: g7(float(value)) for name, value in dict(
        bow_a=bow_a, bow_s=bow_s, bow_d=bow_d, tb=tb, ab=ab, ad=ad, sa=sa, de=de, bow_st=bow_st, bow_sa=bow_sa,
        bow_xb=bow_xb, xb=xb, xd=xd, be=be).items()}
    expected = f"""
\\data\\
ngram 1=7
ngram 2=7
ngram 3=8

\\1-grams:
-99\t/T\t{v["bow_a"]}
{g7(float(p["</s>"]))}\t</s>
-99\t<s>\t{v["bow_s"]}
{g7(float(p["a"]))}\ta\t{v["bow_a"]}
{g7(float(p["b"]))}\tb\t0
{g7(float(p["c"]))}\tc
{g7(float(p["d"]))}\td\t{v["bow_d"]}

\\2-grams:
{v["tb"]}\t/T b\t{v["bow_xb"]}
{v["ad"]}\t/T d\t0
-99\t<s> /T\t{v["bow_st"]}
{v["sa"]}\t<s> a\t{v["bow_sa"]}
{v["ab"]}\ta b\t{v["bow_xb"]}
{v["ad"]}\ta d\t0
{v["de"]}\td </s>

\\3-grams:
{v["xb"]}\t<s> /T b
{v["xd"]}\t<s> /T d
{v["xb"]}\t<s> a b
{v["xd"]}\t<s> a d
{v["be"]}\t/T b </s>
{v["be"]}\ta b </s>
{v["de"]}\t/T d </s>
{v["de"]}\ta d </s>

\\end\\
"""
    assert lm.read_text() == expected
    # the rationals behind them
    assert (P(tb), 10 ** float(bow_st), 10 ** float(bow_sa)) == pytest.approx((1 / 15, 5 / 13, 5 / 13))
    # the same through the Python API
    model = ngramkit.train(text, order=3, method="absolute", discount=0, cutoffs=[1, 3, 2], interpolate=False,
                           tagged=True, progress=False)
    model.write(tmp_path / "api.arpa")
    assert (tmp_path / "api.arpa").read_text() == expected


PPL_ARPA = """
\\data\\
ngram 1=6
ngram 2=4

\\1-grams:
-0.5\t</s>
-99\t<s>\t-0.2
-0.6\ta\t-0.3
-0.7\tb\t-0.1
-99\t/X\t-0.4
-99\t/Y\t-0.25

\\2-grams:
-0.2\t<s> a
-0.15\ta b
-0.3\t/X a
-0.05\t/Y </s>

\\end\\
"""


def word_line(word, context, first, tag, lp):
    prob = 0.0 if lp == -np.inf else math.exp(float(lp) * math.log(10))
    return f"\tp( {word} | {context} {') ' if first else '...) '}\t= {tag} {g7(prob)} [ {g7(float(lp))} ]\n"


def totals(logprob, words, oovs, zeros, sentences=1):
    scored = words - oovs - zeros
    return (f"{sentences} sentences, {words} words, {oovs} OOVs\n{zeros} zeroprobs, logprob= {g7(logprob)} "
            f"ppl= {g7(10 ** (-logprob / (scored + sentences)))} ppl1= {g7(10 ** (-logprob / scored))}\n")


def test_ppl_by_hand(tmp_path, capsysbinary):
    lm, text = tmp_path / "t.arpa", tmp_path / "t.txt"
    lm.write_text(PPL_ARPA)
    text.write_text("a/X a/Y b/X b/Y\nc/X /Y a\n<s> a/X -pau- b/Y </s>\n")
    ngram.ngram(["-tagged", "-lm", str(lm), "-order", "2", "-ppl", str(text), "-debug", "2"])
    out = capsysbinary.readouterr().out.decode()
    # a after <s>: the bigram
    p1 = f32(-0.2)
    # a after a/X: a a is missing: bow(a), then a's tag for a: /X a
    p2 = f32(f32(-0.3) + f32(-0.3))
    # b after a/Y: the bigram a b
    p3 = f32(-0.15)
    # b after b/X: b b and /X b are missing: bow(b) + bow(/X), then the unigram
    p4 = f32(f32(f32(-0.1) + f32(-0.4)) + f32(-0.7))
    # </s> after b/Y: bow(b), then /Y </s>
    p5 = f32(f32(-0.1) + f32(-0.05))
    s1 = float(p1) + float(p2) + float(p3) + float(p4) + float(p5)
    # c/X: c is unknown, so the token is <unk>, untagged: an OOV (no n-gram found, no tag printed)
    # /Y: a tag alone predicts no word: a zeroprob
    # a after /Y: no word, so no n-gram; the tag: /Y a is missing: bow(/Y), then the unigram
    q3 = f32(f32(f32(0.0) + f32(-0.25)) + f32(-0.6))
    # </s> after a: bow(a) (a has no tag), then the unigram
    q4 = f32(f32(f32(-0.3) + f32(0.0)) + f32(-0.5))
    s2 = float(q3) + float(q4)
    # -pau- is dropped; the line's own <s> and </s> are not added again
    r2 = f32(-0.15)
    s3 = float(p1) + float(r2) + float(p5)
    total = s1 + s2 + s3
    expected = (
        "a/X a/Y b/X b/Y\n"
        + word_line("a/X", "<s>", True, "[2gram]", p1)
        + word_line("a/Y", "a/X", False, "[1+Tgram]", p2)
        + word_line("b/X", "a/Y", False, "[2gram]", p3)
        + word_line("b/Y", "b/X", False, "[1gram]", p4)
        + word_line("</s>", "b/Y", False, "[1+Tgram]", p5)
        + totals(s1, 4, 0, 0) + "\n"
        + "c/X /Y a\n"
        + word_line("<unk>", "<s>", True, "", -np.inf)
        + word_line("/Y", "<unk>", False, "", -np.inf)
        + word_line("a", "/Y", False, "[1gram]", q3)
        + word_line("</s>", "a", False, "[1gram]", q4)
        + totals(s2, 3, 1, 1) + "\n"
        + "<s> a/X -pau- b/Y </s>\n"
        + word_line("a/X", "<s>", True, "[2gram]", p1)
        + word_line("b/Y", "a/X", False, "[2gram]", r2)
        + word_line("</s>", "b/Y", False, "[1+Tgram]", p5)
        + totals(s3, 2, 0, 0) + "\n"
        + f"file {text}: " + totals(total, 9, 1, 1, sentences=3)
    )
    assert out == expected
    # the Python API gives the same totals
    stats = ngramkit.TaggedScorer(ngramkit.load(lm)).score_file(text)
    assert (stats.sentences, stats.words, stats.oovs, stats.zeroprobs) == (3, 9, 1, 1)
    assert stats.logprob == pytest.approx(total, abs=1e-9)


@pytest.mark.parametrize("text, line, message", [
    ("a/X b/Y\nc/ d\n", 2, "token 'c/' is an empty tag"),
    ("a/X\n\n/Y b\n", 3, "token '/Y' is a tag without a word"),
])
def test_malformed_tokens(tmp_path, cli, text, line, message):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    status, _, err = cli(ngram_count.main, ["-tagged", "-text", path, "-lm", tmp_path / "x.arpa"])
    assert status != 0
    assert err.strip().endswith(f"{path}:{line}: {message}: tagged text holds word/tag tokens")
    assert len(err.strip().splitlines()) == 1


def test_excluded_options(tmp_path, cli):
    lm = tmp_path / "t.arpa"
    lm.write_text(PPL_ARPA)
    # SRILM's ngram: "factored, tagged, and multiword vocabularies are mutually exclusive", and
    # tagged and class N-gram models too (exit 2)
    status, _, err = cli(ngram.main, ["-tagged", "-lm", lm, "-multiwords", "-ppl", lm])
    assert status == 2 and "-tagged does not combine with -multiwords" in err
    status, _, err = cli(ngram.main, ["-tagged", "-lm", lm, "-classes", lm, "-ppl", lm])
    assert status == 2 and "-tagged does not combine with -classes" in err
    status, _, err = cli(ngram_count.main, ["-tagged", "-text", lm, "-float-counts", "-lm", tmp_path / "x"])
    assert status == 2 and "-tagged does not combine with -float-counts" in err


# SRILM's own test (lm/test/tests/tagged-ngram): ngram-count -tagged -order 3 -lm -write-vocab -,
# then ngram -tagged -ppl -debug 2 of one sentence. Its reference output was written by SRILM 1.7.2,
# which printed 6 significant digits where 1.7.3 (and ngramkit) print 7.
SRILM_GIT = Path(__file__).resolve().parents[2] / ".mirror" / "BitSpeech+SRILM" / "repo"


def srilm_file(path):
    try:
        return subprocess.run(["git", "--git-dir", str(SRILM_GIT), "show", f"HEAD:{path}"], check=True,
                              capture_output=True).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("the SRILM source mirror is absent")


NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


def assert_same_to_six_digits(ours, reference):
    """The same text but for the decimals, which differ by less than one unit in the 6th digit."""
    assert NUMBER.split(ours) == NUMBER.split(reference)
    for a, b in zip(NUMBER.findall(ours), NUMBER.findall(reference)):
        assert abs(float(a) - float(b)) <= 10 ** (math.floor(math.log10(abs(float(b)))) - 5), (a, b)


def test_srilm_tagged_ngram(tmp_path, capsysbinary, monkeypatch):
    train = srilm_file("lm/test/tests/tagged-ngram/train_tagged.txt")
    reference = srilm_file("lm/test/reference/tagged-ngram.stdout")
    reference_err = srilm_file("lm/test/reference/tagged-ngram.stderr")
    (tmp_path / "train_tagged.txt").write_text(train)
    monkeypatch.chdir(tmp_path)
    ngram_count.ngram_count(["-text", "train_tagged.txt", "-tagged", "-order", "3", "-lm", "train_tagged.lm",
                             "-write-vocab", "-", "-q"])
    err = capsysbinary.readouterr()
    vocab = err.out.decode()
    assert vocab == reference[:len(vocab)]
    # the warnings of the discount estimates are SRILM's
    warnings = [line.removeprefix("ngram-count: ") for line in err.err.decode().splitlines()]
    assert warnings == [line for line in reference_err.splitlines() if line.startswith("warning:")]
    # ngram read 17 1-grams, 28 2-grams and 8 3-grams
    sizes = re.findall(r"ngram (\d)=(\d+)", Path("train_tagged.lm").read_text())
    assert [f"reading {n} {k}-grams" for k, n in sizes] == [line for line in reference_err.splitlines()
                                                            if line.startswith("reading")]
    (tmp_path / "s.txt").write_text("Fritz/Bla lernt/Blo eine/Blubb Sprache/Bla ./Bloe\n")
    ngram.ngram(["-lm", "train_tagged.lm", "-tagged", "-ppl", "s.txt", "-debug", "2"])
    ppl = capsysbinary.readouterr().out.decode().replace("file s.txt:", "file -:")
    assert_same_to_six_digits(ppl, reference[len(vocab):])


def backoff_check(model, counts, cutoffs):
    """SRILM's two rules for each context h of the model with explicit n-grams, under TaggedNgram's
    backoff p_BO: its weight normalises the n-grams estimated from counts (count >= the order's
    cutoff), bow(h) = (1 - sum p(w | h)) / (1 - sum p_BO(w | h')); and each n-gram added
    afterwards (a context of a longer n-gram, its count below the cutoff) has the backed-off
    probability, TaggedNgram's: bow(h) plus p_BO(w | h'), whether or not h's oldest token is a tag.
    Returns (stored, wanted) log10 pairs of the weights, and (stored, wanted, oldest is a tag)
    of the added n-grams."""
    from ngramkit.perplexity import srilm_tables
    from ngramkit.tagged_lm import NO_TAG, is_tag, tagged_logprob

    tables = srilm_tables(model)
    words = model.vocab.words
    scratch = np.empty(model.order, dtype=np.int32), np.empty(model.order, dtype=np.float32)
    counted = {tuple(words[i] for i in row): c for k in range(model.order)
               for row, c in zip(counts.ngrams[k].tolist(), counts.counts[k].tolist())}
    weights, added = [], []
    for k in range(2, model.order + 1):
        contexts = {}
        for row, logp in zip(model.ngrams[k - 1].tolist(), model.logprob[k - 1].tolist()):
            contexts.setdefault(tuple(row[:-1]), []).append((row[-1], logp))
        lower = {tuple(r): b for r, b in zip(model.ngrams[k - 2].tolist(), model.backoff[k - 2].tolist())}
        for context, followers in contexts.items():
            shorter = np.array(context[1:][::-1], dtype=np.int32)
            tags = np.array([w if is_tag(words[w]) else NO_TAG for w in shorter.tolist()], dtype=np.int32)
            numerator, denominator = 1.0, 1.0
            for w, logp in followers:
                backed_off, _ = tagged_logprob(*tables.arrays(), shorter, tags, len(shorter), w, *scratch)
                if counted[tuple(words[i] for i in context + (w,))] < cutoffs[k - 1]:
                    added.append((logp, max(lower[context] + float(backed_off), -99), is_tag(words[context[0]])))
                    continue
                numerator -= 10 ** logp if logp > -99 else 0.0
                denominator -= 10 ** float(backed_off)
            if numerator > 1e-6 and denominator > 1e-6:
                weights.append((lower[context], math.log10(numerator) - math.log10(denominator)))
    return weights, added


def test_backoff_weights_and_added_ngrams(tmp_path, cli):
    """With bigrams below 3 left out while trigrams are kept, the bigrams that are contexts of
    kept trigrams are added with their backed-off probabilities, a tag's weight once, as any other."""
    rng = np.random.default_rng(7)
    # 40 words of 2 tags, the i-th drawn with weight 1/(i+1): rare words follow a tag a few times
    words = [f"w{i}/{'NV'[i % 2]}" for i in range(40)]
    weights = 1 / np.arange(1, 41)
    lines = [" ".join(rng.choice(words, size=rng.integers(2, 7), p=weights / weights.sum())) for _ in range(300)]
    text, lm = tmp_path / "t.txt", tmp_path / "t.arpa"
    text.write_text("\n".join(lines) + "\n")
    status, _, err = cli(ngram_count.main, ["-tagged", "-order", 3, "-text", text, "-wbdiscount", "-interpolate",
                                            "-gt2min", 3, "-gt3min", 1, "-lm", lm, "-q"])
    assert status == 0, err
    counts = ngramkit.count(text, order=3, tagged=True, progress=False)
    bows, added = backoff_check(ngramkit.load(lm), counts, [1, 3, 1])
    assert len(bows) > 50 and sum(tagged for _, _, tagged in added) > 5
    # the sums are of the ARPA file's 7-digit probabilities: where little mass is left, a weight
    # recomputed from them is off by up to a few 1e-5
    assert max(abs(stored - wanted) for stored, wanted in bows) < 3e-5
    assert max(abs(stored - wanted) for stored, wanted, _ in added) < 1e-5


def test_memory_cap_gives_identical_model(tmp_path, cli):
    # capped, the text is counted in many blocks whose tables are merged: the same model
    rng = np.random.default_rng(3)
    words = [f"w{i}/{'NVA'[i % 3]}" for i in range(3000)]
    weights = 1 / np.arange(1, 3001)
    text = tmp_path / "t.txt"
    text.write_text("".join(" ".join(rng.choice(words, size=rng.integers(1, 12), p=weights / weights.sum())) + "\n"
                            for _ in range(8000)))
    free, capped = tmp_path / "free.arpa", tmp_path / "capped.arpa"
    options = ["-tagged", "-order", 4, "-kndiscount", "-interpolate", "-text", text, "-q"]
    assert cli(ngram_count.main, options + ["-lm", free])[0] == 0
    status, _, err = cli(ngram_count.main, options + ["-lm", capped, "-memory", "2M", "-temp-dir", tmp_path])
    assert status == 0, err
    assert capped.read_bytes() == free.read_bytes()


@pytest.mark.parametrize("name, method", [("kn4", ["-kndiscount", "-interpolate"]), ("gt4", [])])
def test_order4_lower_order_backs_off_from_the_newest_tag(tmp_path, cli, name, method):
    # SRILM's file (tests/data/tagged): a context /N /D /N backs off to /N, not to /D /N
    import gzip

    data = Path(__file__).parent / "data" / "tagged"
    out = tmp_path / f"{name}.arpa"
    assert cli(ngram_count.main, ["-tagged", "-order", 4, *method, "-text", data / "t.txt", "-lm", out])[0] == 0
    expected = gzip.decompress((data / f"{name}.arpa.gz").read_bytes())
    if name == "gt4":  # a weight that backing off to /D /N makes -0.002813376
        assert b"\n-99\t/N /D /N\t-0.03085265\n" in expected
    assert out.read_bytes() == expected
