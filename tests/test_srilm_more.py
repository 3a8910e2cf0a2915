"""SRILM 1.7.3's numbers in the cases of its `more/` references: a vocabulary larger than the
training words, unsmoothed models (zero probabilities, -renorm, -minbackoff), pruning details
(-prune-lowprobs, -minprune, zero-probability unigrams, n-grams at the threshold) and absolute
discounting where a context's single follower takes almost all of the lower-order mass.

The small copies in tests/data/srilm_more (cut by tests/make_srilm_more_samples.py) hold
samples of the English reference models, the ppl outputs and the -minbackoff stderr lines of
sampled contexts; the full references of both languages are compared when ../shared is present.
"""

import gzip
import math
import re

import numpy as np
import pytest
from conftest import REFERENCE, SHARED_REFERENCE, needs_shared
from make_reference_samples import sampled
from test_estimate_srilm import largest_difference, sample_difference

from ngramkit.arpa import read_arpa
from ngramkit.cli import ngram, ngram_count
from ngramkit.perplexity import TextStats
from ngramkit.prune import Pruner

TOLERANCE = 1e-4
MORE = REFERENCE.parent / "srilm_more"
EN = REFERENCE / "en"
BIGVOCAB_FLAGS = {
    "gt3-bigvocab": [],
    "gt3-bigvocab-unk": ["-unk"],
    "mkn3-bigvocab": ["-kndiscount", "-interpolate"],
    "wb3-bigvocab": ["-wbdiscount", "-interpolate"],
}
NOSMOOTH_FLAGS = ["-cdiscount", "0", "-gt3min", "1"]


@pytest.fixture
def texts(tmp_path, monkeypatch):
    """A directory holding test.txt and test20.txt of `lang`, made the working directory, so that
    outputs name the files as the references do."""

    def make(lang_dir=EN):
        with gzip.open(lang_dir / "test.txt.gz", "rb") as f:
            text = f.read()
        (tmp_path / "test.txt").write_bytes(text)
        (tmp_path / "test20.txt").write_bytes(b"".join(text.splitlines(keepends=True)[:20]))
        monkeypatch.chdir(tmp_path)
        return tmp_path

    return make


def estimate(tmp_path, name, flags, lang_dir=EN, vocab=MORE / "bigvocab.txt"):
    lm = tmp_path / f"{name}.arpa"
    ngram_count.ngram_count(["-order", "3", *flags, "-vocab", str(vocab),
                             "-text", str(lang_dir / "train.txt.gz"), "-lm", str(lm)])
    return lm


def run_ngram(argv, capsysbinary):
    """ngram's stdout and stderr (bytes) for `argv`."""
    ngram.ngram([str(a) for a in argv])
    captured = capsysbinary.readouterr()
    return captured.out, captured.err


def ppl_outputs(lm, unk, capsysbinary):
    """Our ngram's ppl0 (test.txt) and ppl2 (test20.txt) outputs for model `lm`."""
    flags = ["-lm", lm, "-order", "3"] + (["-unk"] if unk else [])
    ppl0, _ = run_ngram(flags + ["-ppl", "test.txt"], capsysbinary)
    ppl2, _ = run_ngram(flags + ["-debug", "2", "-ppl", "test20.txt"], capsysbinary)
    return ppl0, ppl2


def unigram_logprobs(model):
    return dict(zip((model.vocab.words[w] for w in model.ngrams[0][:, 0]), model.logprob[0].tolist()))


# 1. A vocabulary larger than the training words

@pytest.mark.parametrize("name", BIGVOCAB_FLAGS)
def test_bigvocab_models_and_ppl_match_srilm(name, tmp_path, texts, capsysbinary):
    lm = estimate(tmp_path, name, BIGVOCAB_FLAGS[name])
    assert sample_difference(read_arpa(lm), MORE / f"{name}.sample.arpa.gz") < TOLERANCE
    texts()
    ppl0, ppl2 = ppl_outputs(lm, "-unk" in BIGVOCAB_FLAGS[name], capsysbinary)
    assert ppl0 == (MORE / f"{name}.ppl0.txt").read_bytes()
    assert ppl2 == (MORE / f"{name}.ppl2.txt").read_bytes()


def test_good_turing_leaves_zero_count_words_at_zero(tmp_path):
    """The kept training words have counts >= 2, so Good-Turing is disabled for unigrams: they
    take all the mass, sum(c)/T = 1, and the 3000 words the text lacks get probability zero
    (the rounding left over, < Prob_Epsilon, is no mass). Their test tokens are zeroprobs."""
    model = read_arpa(estimate(tmp_path, "gt3-bigvocab", []))
    logp = unigram_logprobs(model)
    extra = [w for w in (MORE / "bigvocab.txt").read_text(encoding="utf-8").split()[2000:]]
    assert len(extra) == 3000 and all(logp[w] == -99.0 for w in extra)
    assert "1317 zeroprobs" in (MORE / "gt3-bigvocab.ppl0.txt").read_text()


@needs_shared
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", BIGVOCAB_FLAGS)
def test_full_bigvocab_references(lang, name, tmp_path, texts, capsysbinary):
    more = SHARED_REFERENCE / "more" / lang
    lm = estimate(tmp_path, name, BIGVOCAB_FLAGS[name], SHARED_REFERENCE / lang, more / "bigvocab.txt")
    assert largest_difference(read_arpa(lm), read_arpa(more / f"{name}.arpa.gz")) < TOLERANCE
    texts(SHARED_REFERENCE / lang)
    unk = "-unk" in BIGVOCAB_FLAGS[name]
    for model in (lm, more / f"{name}.arpa.gz"):
        ppl0, ppl2 = ppl_outputs(model, unk, capsysbinary)
        assert ppl0 == (more / f"{name}.ppl0.txt").read_bytes()
        assert ppl2 == (more / f"{name}.ppl2.txt").read_bytes()
        ppl1, _ = run_ngram(["-lm", model, "-order", "3", *(["-unk"] if unk else []), "-debug", "1",
                             "-ppl", "test20.txt"], capsysbinary)
        assert ppl1 == (more / f"{name}.ppl1.txt").read_bytes()


@needs_shared
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", BIGVOCAB_FLAGS)
def test_full_bigvocab_stderr(lang, name, texts, capsysbinary):
    """-debug 1 and 2 print SRILM's lines of the n-grams read on stderr (its ngram-stderr file
    holds those of the -debug 0, 1 and 2 runs)."""
    more = SHARED_REFERENCE / "more" / lang
    texts(SHARED_REFERENCE / lang)
    unk = ["-unk"] if "-unk" in BIGVOCAB_FLAGS[name] else []
    errs = [run_ngram(["-lm", more / f"{name}.arpa.gz", "-order", "3", *unk, "-debug", debug, "-ppl", "test20.txt"],
                      capsysbinary)[1] for debug in ("0", "1", "2")]
    assert b"".join(errs) == (more / f"{name}.ngram-stderr.txt").read_bytes()


# 2. No smoothing: zero probabilities, -renorm, -minbackoff

def test_unsmoothed_model_and_zero_probabilities(tmp_path, texts, capsysbinary):
    lm = estimate(tmp_path, "nosmooth3", NOSMOOTH_FLAGS)
    assert sample_difference(read_arpa(lm), MORE / "nosmooth3.sample.arpa.gz") < TOLERANCE
    texts()
    ppl0, ppl2 = ppl_outputs(lm, False, capsysbinary)
    # -99 backoff weights and probabilities are zeros: 9009 zeroprobs, not 1e-99 each
    assert ppl0 == (MORE / "nosmooth3.ppl0.txt").read_bytes()
    assert ppl2 == (MORE / "nosmooth3.ppl2.txt").read_bytes()
    renormed, _ = run_ngram(["-lm", lm, "-order", "3", "-renorm", "-ppl", "test.txt"], capsysbinary)
    assert renormed == (MORE / "nosmooth3-renorm.ppl0.txt").read_bytes()
    # renormalising an ML model recomputes the same weights
    again = tmp_path / "renorm.arpa"
    run_ngram(["-lm", lm, "-order", "3", "-renorm", "-write-lm", again], capsysbinary)
    assert sorted(again.read_text(encoding="utf-8").splitlines()) == sorted(lm.read_text(encoding="utf-8").splitlines())


def test_zero_probability_by_hand(tmp_path, capsysbinary, monkeypatch):
    """bow(a) = -99 is zero, so p(b | a) = p(b) bow(a) is a zero probability in SRILM: zeroprobs
    1, and the sentence's log10 p is log10 p(a | <s>) + log10 p(</s> | b) = 0 - 0.30103 (it
    was -99.90309 with the -99 taken as a number)."""
    (tmp_path / "lm.arpa").write_text(
        "\\data\\\nngram 1=4\nngram 2=2\n\n\\1-grams:\n-0.60206\ta\t-99\n-0.60206\tb\n-0.30103\t</s>\n"
        "-99\t<s>\t0\n\n\\2-grams:\n-0.30103\ta </s>\n0\t<s> a\n\n\\end\\\n", encoding="utf-8")
    (tmp_path / "t.txt").write_text("a b\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out, _ = run_ngram(["-lm", "lm.arpa", "-order", "2", "-ppl", "t.txt"], capsysbinary)
    assert out.decode().splitlines()[1].startswith("1 zeroprobs, logprob= -0.30103 ")


def test_overflowing_perplexity_prints_inf():
    """10^(1000/1) overflows a double: C's printf prints inf, where Python's exp would raise."""
    stats = TextStats(sentences=1, words=1, oovs=0, zeroprobs=1, logprob=-1000.0)
    assert stats.srilm_text().splitlines()[1] == "1 zeroprobs, logprob= -1000 ppl= inf ppl1= undefined"


def sampled_stderr(err):
    lines = err.decode().splitlines(keepends=True)
    return len(lines), [line for line in lines if sampled(line.split('"')[1].split(" ")[0])]


def test_minbackoff_matches_srilm(tmp_path, texts, capsysbinary):
    lm = estimate(tmp_path, "nosmooth3", NOSMOOTH_FLAGS)
    texts()
    flags = ["-lm", lm, "-order", "3", "-renorm", "-minbackoff", "1e-5"]
    out, err = run_ngram(flags + ["-ppl", "test.txt"], capsysbinary)
    assert out == (MORE / "nosmooth3-renorm-minbackoff.ppl0.txt").read_bytes()
    with gzip.open(MORE / "nosmooth3-renorm-minbackoff.stderr.sample.txt.gz", "rt", encoding="utf-8") as f:
        count, *lines = f.readlines()
    # one line per context, in SRILM's words and in its order (its hash tables' slot order)
    assert sampled_stderr(err) == (int(count), lines)
    written = tmp_path / "minbackoff.arpa"
    run_ngram(flags + ["-write-lm", written], capsysbinary)
    assert sample_difference(read_arpa(written), MORE / "nosmooth3-renorm-minbackoff.sample.arpa.gz") < TOLERANCE
    out, _ = run_ngram(["-lm", written, "-order", "3", "-ppl", "test.txt"], capsysbinary)
    assert out == (MORE / "nosmooth3-renorm-minbackoff.arpa-ppl0.txt").read_bytes()


def test_minbackoff_scaling_by_hand(tmp_path, capsysbinary, monkeypatch):
    """Context a has p(b|a) = p(</s>|a) = 1/2: backoff mass 0 < 0.1, so both are scaled to
    0.9/2 = 0.45 and bow(a) = log10(0.1 / (1 - p(b) - p(</s>))) = log10(0.1/0.25); context <s>
    likewise: p(a|<s>) = 0.9, bow(<s>) = log10(0.1 / (1 - p(a))) = log10(0.1/0.75)."""
    (tmp_path / "lm.arpa").write_text(
        "\\data\\\nngram 1=4\nngram 2=3\n\n\\1-grams:\n-0.60206\ta\t0\n-0.60206\tb\n-0.30103\t</s>\n"
        "-99\t<s>\t0\n\n\\2-grams:\n-0.30103\ta b\n-0.30103\ta </s>\n0\t<s> a\n\n\\end\\\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, err = run_ngram(["-lm", "lm.arpa", "-order", "2", "-renorm", "-minbackoff", "0.1", "-write-lm", "out.arpa"],
                       capsysbinary)
    # (the masses are 0 but for the rounding of -0.30103 and float32)
    found = [re.fullmatch(r'insufficient backoff mass (\S+) for context "(.*)"; scaling probabilities '
                          r"to mass 0\.9", line).groups() for line in err.decode().splitlines()]
    assert [context for _, context in found] == ["<s>", "a"]
    assert all(abs(float(mass)) < 1e-7 for mass, _ in found)
    model = read_arpa(tmp_path / "out.arpa")
    words = model.vocab.words
    bigrams = {" ".join(words[w] for w in row): p for row, p in zip(model.ngrams[1], model.logprob[1].tolist())}
    assert bigrams == pytest.approx({"<s> a": math.log10(0.9), "a b": math.log10(0.45), "a </s>": math.log10(0.45)},
                                    abs=1e-6)
    bows = dict(zip((words[w] for w in model.ngrams[0][:, 0]), model.backoff[0].tolist()))
    assert bows["a"] == pytest.approx(math.log10(0.1 / 0.25), abs=1e-6)
    assert bows["<s>"] == pytest.approx(math.log10(0.1 / 0.75), abs=1e-6)


@needs_shared
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_full_unsmoothed_references(lang, tmp_path, texts, capsysbinary):
    more = SHARED_REFERENCE / "more" / lang
    lm = estimate(tmp_path, "nosmooth3", NOSMOOTH_FLAGS, SHARED_REFERENCE / lang, more / "bigvocab.txt")
    reference = more / "nosmooth3.arpa.gz"
    assert largest_difference(read_arpa(lm), read_arpa(reference)) < TOLERANCE
    texts(SHARED_REFERENCE / lang)
    assert ppl_outputs(reference, False, capsysbinary) == (
        (more / "nosmooth3.ppl0.txt").read_bytes(), (more / "nosmooth3.ppl2.txt").read_bytes())
    flags = ["-lm", reference, "-order", "3", "-renorm"]
    assert run_ngram(flags + ["-ppl", "test.txt"], capsysbinary)[0] == (more / "nosmooth3-renorm.ppl0.txt").read_bytes()
    written = tmp_path / "renorm.arpa"
    run_ngram(flags + ["-write-lm", written], capsysbinary)
    with gzip.open(more / "nosmooth3-renorm.arpa.gz", "rt", encoding="utf-8") as f:
        assert sorted(written.read_text(encoding="utf-8").splitlines()) == sorted(f.read().splitlines())
    flags += ["-minbackoff", "1e-5"]
    out, err = run_ngram(flags + ["-ppl", "test.txt"], capsysbinary)
    assert out == (more / "nosmooth3-renorm-minbackoff.ppl0.txt").read_bytes()
    with gzip.open(more / "nosmooth3-renorm-minbackoff.ppl0-stderr.txt.gz", "rb") as f:
        assert err == f.read()
    written = tmp_path / "minbackoff.arpa"
    run_ngram(flags + ["-write-lm", written], capsysbinary)
    with gzip.open(more / "nosmooth3-renorm-minbackoff.arpa.gz", "rt", encoding="utf-8") as f:
        assert sorted(written.read_text(encoding="utf-8").splitlines()) == sorted(f.read().splitlines())
    assert ppl_outputs(written, False, capsysbinary) == (
        (more / "nosmooth3-renorm-minbackoff.arpa-ppl0.txt").read_bytes(),
        (more / "nosmooth3-renorm-minbackoff.ppl2.txt").read_bytes())


# 3. Pruning

def test_prune_lowprobs_matches_srilm(tmp_path, texts, capsysbinary):
    # our gt3 equals SRILM's within 1e-6 (test_estimate_srilm), so it stands in for the reference
    gt3 = tmp_path / "gt3.arpa"
    ngram_count.ngram_count(["-order", "3", "-text", str(EN / "train.txt.gz"), "-lm", str(gt3)])
    out = tmp_path / "lowprobs.arpa"
    run_ngram(["-lm", gt3, "-order", "3", "-prune-lowprobs", "-write-lm", out], capsysbinary)
    assert sample_difference(read_arpa(out), MORE / "gt3-lowprobs.sample.arpa.gz") < TOLERANCE
    texts()
    assert run_ngram(["-lm", out, "-order", "3", "-ppl", "test.txt"], capsysbinary)[0] == \
        (MORE / "gt3-lowprobs.ppl0.txt").read_bytes()


def test_minprune_matches_srilm(tmp_path, texts, capsysbinary):
    out = tmp_path / "pruned.arpa"
    run_ngram(["-lm", EN / "srilm" / "mkn3.arpa.gz", "-order", "3", "-prune", "1e-6", "-minprune", "3",
               "-write-lm", out], capsysbinary)
    assert sample_difference(read_arpa(out), MORE / "prune-mkn3-1e-6-minprune3.sample.arpa.gz") < TOLERANCE
    texts()
    assert run_ngram(["-lm", out, "-order", "3", "-ppl", "test.txt"], capsysbinary)[0] == \
        (MORE / "prune-mkn3-1e-6-minprune3.ppl0.txt").read_bytes()


def test_pruning_keeps_zero_probability_unigrams(tmp_path, capsysbinary):
    """Pruning removes no unigram, so the unigrams still sum to one within Prob_Epsilon: no mass
    is left to give the 3000 zero-probability words, which stay at -99 (SRILM's distributeProb)."""
    lm = estimate(tmp_path, "gt3-bigvocab", [])
    out = tmp_path / "pruned.arpa"
    run_ngram(["-lm", lm, "-order", "3", "-prune", "1e-6", "-write-lm", out], capsysbinary)
    before, after = read_arpa(lm), read_arpa(out)
    assert sum(after.sizes()) < sum(before.sizes())
    assert unigram_logprobs(after) == unigram_logprobs(before)
    assert sum(1 for v in unigram_logprobs(after).values() if v == -99.0) == 3001  # and <s>


@needs_shared
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_full_pruning_references(lang, tmp_path, texts, capsysbinary):
    more = SHARED_REFERENCE / "more" / lang
    srilm = SHARED_REFERENCE / lang / "srilm"
    for argv, name in ((["-lm", srilm / "gt3.arpa.gz", "-prune-lowprobs"], "gt3-lowprobs"),
                       (["-lm", srilm / "mkn3.arpa.gz", "-prune", "1e-6", "-minprune", "3"],
                        "prune-mkn3-1e-6-minprune3")):
        out = tmp_path / f"{name}.arpa"
        run_ngram(argv + ["-order", "3", "-write-lm", out], capsysbinary)
        assert largest_difference(read_arpa(out), read_arpa(more / f"{name}.arpa.gz")) < TOLERANCE
        texts(SHARED_REFERENCE / lang)
        assert ppl_outputs(out, False, capsysbinary) == (
            (more / f"{name}.ppl0.txt").read_bytes(), (more / f"{name}.ppl2.txt").read_bytes())


def log_to_prob(logp):
    """SRILM's LogPtoProb."""
    return math.exp(float(logp) * math.log(10))


def srilm_perplexity_change(model, words):
    """SRILM's pruneProbs arithmetic for removing the bigram `words`, written out: LogP values in
    float32 (each log difference rounded once), probabilities and their sums in double."""
    f32 = np.float32
    vocab = model.vocab
    h, w = (vocab.index[x] for x in words.split())
    rows = model.ngrams[1]
    mine = rows[:, 0] == h
    uni = dict(zip(model.ngrams[0][:, 0].tolist(), model.logprob[0].tolist()))
    numerator = 1.0 - sum(log_to_prob(p) for p in model.logprob[1][mine])
    denominator = 1.0 - sum(log_to_prob(uni[int(v)]) for v in rows[mine, 1])
    bow = f32(model.backoff[0][model.ngrams[0][:, 0] == h][0])
    logp = f32(model.logprob[1][mine & (rows[:, 1] == w)][0])
    lower = f32(uni[w])
    context = f32(uni[h])
    new_bow = f32(math.log10(numerator + log_to_prob(logp)) - math.log10(denominator + log_to_prob(lower)))
    delta = f32(f32(lower + new_bow) - logp)
    entropy = -log_to_prob(context) * (log_to_prob(logp) * float(delta) + numerator * float(f32(new_bow - bow)))
    return math.exp(entropy * math.log(10)) - 1.0


@needs_shared
def test_bigram_at_the_threshold_follows_srilm_precision(tmp_path):
    """On a character-level order-5 model of the zh corpus, removing the bigram 屏 要 changes
    perplexity by 1.00002e-7 in SRILM's arithmetic (kept at -prune 1e-7); with newBOW as the
    difference of two float32 logs it came out 9.9987e-8, and the bigram was pruned."""
    text = tmp_path / "chars.txt"
    with gzip.open(SHARED_REFERENCE.parent / "corpora" / "zh" / "train.txt.gz", "rt", encoding="utf-8") as f:
        text.write_text("".join(" ".join(c for c in line.strip() if not c.isspace()) + "\n" for line in f),
                        encoding="utf-8")
    lm = tmp_path / "c5.arpa"
    ngram_count.ngram_count(["-order", "5", "-kndiscount", "-interpolate", "-text", str(text), "-lm", str(lm), "-q"])
    model = read_arpa(lm)
    pruner = Pruner(model)
    h, w = model.vocab.index["屏"], model.vocab.index["要"]
    at = int(np.flatnonzero((model.ngrams[1][:, 0] == h) & (model.ngrams[1][:, 1] == w))[0])
    expected = srilm_perplexity_change(model, "屏 要")
    assert pruner.changes[1][at] == pytest.approx(expected, rel=1e-12)
    assert expected > 1e-7
    pruned = pruner.pruned(1e-7)
    assert ((pruned.ngrams[1][:, 0] == h) & (pruned.ngrams[1][:, 1] == w)).any()


# 4. Absolute discounting: a single follower with almost all of the lower-order mass

def test_absolute_discounting_retry_by_hand(tmp_path):
    """40 lines "a b c d" and 10 lines "e", -cdiscount 0.4 -interpolate, order 4. Every unigram
    gets c/T (each of the 6 words gets 0.4/T of the uniform share), so p(d) = 40/220. The one
    follower of each context takes 0.99 of it plus 0.01 of the lower order's:
        p(d|c) = 0.99 + 0.01 p(d),  p(d|b c) = 0.99 + 0.01 p(d|c),
        p(d|a b c) = 0.99 + 0.01 p(d|b c) = 1 - 8.2e-7,
    which leaves less than Prob_Epsilon, so SRILM estimates it again without interpolation:
    p(d|a b c) = 39.6/40 = 0.99 and bow(a b c) = (1 - 0.99) / (1 - p(d|b c)), log10 2.08715.
    (Raising the total to 41 instead, interpolating still, gave log10 2.47438.)"""
    text = tmp_path / "t.txt"
    text.write_text("a b c d\n" * 40 + "e\n" * 10, encoding="utf-8")
    lm = tmp_path / "abs4.arpa"
    ngram_count.ngram_count(["-order", "4", "-cdiscount", "0.4", "-interpolate", "-text", str(text), "-lm", str(lm)])
    model = read_arpa(lm)
    p_d = 40 / 220
    p_d_c = 0.99 + 0.01 * p_d
    p_d_bc = 0.99 + 0.01 * p_d_c
    assert 1 - (0.99 + 0.01 * p_d_bc) < 3e-6
    ids = model.vocab.ids(["a", "b", "c", "d"])
    four = int(np.flatnonzero((model.ngrams[3] == ids).all(axis=1))[0])
    three = int(np.flatnonzero((model.ngrams[2] == ids[:3]).all(axis=1))[0])
    assert float(model.logprob[3][four]) == pytest.approx(math.log10(0.99), abs=1e-6)
    assert float(model.backoff[2][three]) == pytest.approx(math.log10(0.01 / (1 - p_d_bc)), abs=1e-6)
    assert float(model.backoff[2][three]) == pytest.approx(2.08715, abs=1e-5)


def test_absolute_discounting_on_chinese_characters(tmp_path):
    """The 59 lines of the zh corpus that hold 通货膨, one character per word: the context
    通 货 膨 is always followed by 胀, with c = 61 occurrences, and p(胀 | 货 膨) is so close to one
    that the interpolated estimate leaves no mass; SRILM drops the interpolation, so
    p(胀 | 通 货 膨) = (c - 0.4)/c and bow(通 货 膨) = (0.4/c) / (1 - p(胀 | 货 膨))."""
    text = MORE / "zh-chars-inflation.txt"
    lm = tmp_path / "abs4.arpa"
    ngram_count.ngram_count(["-order", "4", "-cdiscount", "0.4", "-interpolate", "-text", str(text), "-lm", str(lm)])
    model = read_arpa(lm)
    c = len(re.findall("通 货 膨 胀", text.read_text(encoding="utf-8")))
    assert c == 61 == len(re.findall("通 货 膨", text.read_text(encoding="utf-8")))
    ids = model.vocab.ids(["通", "货", "膨", "胀"])
    four = int(np.flatnonzero((model.ngrams[3] == ids).all(axis=1))[0])
    three = int(np.flatnonzero((model.ngrams[2] == ids[:3]).all(axis=1))[0])
    lower = int(np.flatnonzero((model.ngrams[2] == ids[1:]).all(axis=1))[0])
    p_lower = 10.0 ** float(model.logprob[2][lower])
    assert float(model.logprob[3][four]) == pytest.approx(math.log10((c - 0.4) / c), abs=1e-6)
    expected_bow = math.log10((0.4 / c) / (1.0 - p_lower))
    assert float(model.backoff[2][three]) == pytest.approx(expected_bow, abs=1e-4)
