"""ngram-count's stderr, byte for byte as SRILM 1.7.3's: its -debug 1 lines (the text counted,
each order's method and discounts, the contexts estimated again, the n-grams left out, the mass
spread, the probabilities inserted, the n-grams written) and the lines it prints of contexts
at any level, in the order its hash tables visit them (tests/data/srilm_debug/README.md names
the commands)."""

import gzip
import shutil

import pytest
from conftest import DATA

from ngramkit.cli import ngram, ngram_count

HERE = DATA / "srilm_debug"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A directory holding the inputs under the names SRILM's lines give them."""
    (tmp_path / "train.txt").write_bytes(gzip.decompress((HERE / "train.txt.gz").read_bytes()))
    (tmp_path / "t600.counts").write_bytes(gzip.decompress((HERE / "t600.counts.gz").read_bytes()))
    shutil.copy(DATA / "reference" / "en" / "vocab-top2000.txt", tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("name, flags", [
    # Good-Turing: its count-of-counts, a warning, and contexts estimated again in SRILM's order
    ("gt3", ["-text", "train.txt", "-debug", "1"]),
    ("mkn3", ["-text", "train.txt", "-kndiscount", "-interpolate", "-debug", "1"]),
    # the counts made continuation counts after the discounts
    ("ukn3end", ["-text", "train.txt", "-ukndiscount", "-interpolate", "-kn-modify-counts-at-end", "-debug", "1"]),
    # the mass left spread over all words
    ("wb3", ["-text", "train.txt", "-wbdiscount", "-debug", "1"]),
    # OOVs, n-grams predicting <unk>, mass spread over zeroton words
    ("mkn3vocab", ["-text", "train.txt", "-vocab", "vocab-top2000.txt", "-kndiscount", "-debug", "1"]),
    # SRILM numbers the words as the vocabulary file lists them: its order of contexts follows
    ("gt3vocab", ["-text", "train.txt", "-vocab", "vocab-top2000.txt", "-debug", "1"]),
    # bigrams cut that trigrams keep: their probabilities inserted back
    ("cut2", ["-text", "train.txt", "-gt2min", "3", "-gt3min", "1", "-debug", "1"]),
    # no -debug: SRILM's notice of disabled discounting and its lines of contexts whose
    # probabilities it scales to sum to one, in the order of its trie of contexts
    ("gtoff", ["-text", "train.txt", "-gt1max", "0", "-gt2max", "0", "-gt3max", "0"]),
    # counts read: SRILM's orders are those of the count file's lines
    ("gt3read600", ["-read", "t600.counts", "-debug", "1"]),
    ("gtoffread600", ["-read", "t600.counts", "-gt1max", "0", "-gt2max", "0", "-gt3max", "0", "-debug", "1"]),
])
def test_stderr_is_srilms(cli, workdir, name, flags):
    status, _, err = cli(ngram_count.main, ["-order", "3", *flags, "-lm", "lm.arpa"])
    assert status == 0
    assert err == (HERE / f"{name}.stderr.txt").read_text()


def test_probabilities_scaled_to_one_add_a_float_scale(cli, workdir):
    # Scaling a context's probabilities to sum to one adds a float LogP: a single follower of
    # log10 p = -2.8e-17 comes out 0, as SRILM writes it, not -2.775558e-17.
    status, _, _ = cli(ngram_count.main, ["-order", "3", "-text", "train.txt", "-gt1max", "0", "-gt2max", "0",
                                          "-gt3max", "0", "-lm", "lm.arpa"])
    assert status == 0
    assert (workdir / "lm.arpa").read_bytes() == gzip.decompress((HERE / "gtoff.arpa.gz").read_bytes())


# SRILM 1.7.3's model of a text without sentences (`ngram-count -text empty.txt -lm F`, exit 0)
EMPTY_MODEL = "\n\\data\\\nngram 1=2\nngram 2=0\nngram 3=0\n\n\\1-grams:\n0\t</s>\n-99\t<s>\n\n\\2-grams:\n\n\\3-grams:\n\n\\end\\\n"


@pytest.mark.parametrize("text", ["", "\n  \n\t\n"])
def test_text_without_sentences_counts_nothing(cli, tmp_path, text):
    # as SRILM's ngram-count: no error; no counts, the model of </s> alone, and the line of the
    # file's TextStats at -debug 1 (its last line read)
    (tmp_path / "in.txt").write_text(text)
    text_flag = ["-text", tmp_path / "in.txt"]
    status, out, err = cli(ngram_count.main, [*text_flag, "-write", tmp_path / "out.counts"])
    assert (status, out, err) == (0, "", "")
    assert (tmp_path / "out.counts").read_bytes() == b""
    status, out, err = cli(ngram_count.main, [*text_flag, "-lm", tmp_path / "lm.arpa", "-debug", "1"])
    assert status == 0
    assert err.splitlines()[0] == f"{tmp_path / 'in.txt'}: line {text.count(chr(10))}: 0 sentences, 0 words, 0 OOVs"
    assert "warning: no singleton counts" in err
    assert (tmp_path / "lm.arpa").read_text() == EMPTY_MODEL


def test_unigram_retries_keep_their_order(cli, tmp_path):
    # SRILM 1.7.3, `ngram-count -text t.txt -order 1 -interpolate -unk -debug 1 -lm lm`: both
    # retries are of the empty context, interpolation disabled first
    (tmp_path / "t.txt").write_text("a b c\na b\nb c d\n")
    status, _, err = cli(ngram_count.main, ["-text", tmp_path / "t.txt", "-order", "1", "-interpolate", "-unk",
                                            "-debug", "1", "-lm", tmp_path / "lm.arpa"])
    assert status == 0
    assert err.splitlines()[-4:] == [
        'warning: 0 backoff probability mass left for "" -- disabling interpolation',
        'warning: 0 backoff probability mass left for "" -- incrementing denominator',
        "warning: distributing 0.0833334 left-over probability mass over 1 zeroton words",
        "writing 7 1-grams"]


def test_inserted_probabilities_back_off_to_those_inserted_below(cli, workdir):
    # Trigrams and bigrams cut (-gt3min 3, -gt2min 4) that kept 4-grams need as contexts get
    # their backed-off probabilities, the bigrams first: a trigram's backs off to the bigram
    # inserted below it, rounded to float, as SRILM's fixupProbs stores them (21 lines of this
    # model differ in the 7th digit when the trigrams are given theirs first).
    lines = (workdir / "train.txt").read_text().splitlines(keepends=True)[:600]
    (workdir / "t600.txt").write_text("".join(lines))
    status, _, _ = cli(ngram_count.main, ["-order", "4", "-text", "t600.txt", "-gt1max", "0", "-gt2max", "0",
                                          "-gt3max", "0", "-gt4max", "0", "-gt2min", "4", "-gt3min", "3", "-gt4min",
                                          "1", "-lm", "lm.arpa"])
    assert status == 0
    assert (workdir / "lm.arpa").read_bytes() == gzip.decompress((HERE / "cut4-600.arpa.gz").read_bytes())


@pytest.mark.parametrize("name, flags", [
    ("renorm", ["-renorm"]), ("prune", ["-prune", "1e-6"]), ("lowprobs", ["-prune", "1e-6", "-prune-lowprobs"]),
])
def test_ngram_reports_the_unigram_mass_it_spreads(cli, workdir, name, flags):
    # ngram recomputing weights with words of the vocabulary that have no unigram: SRILM's
    # -debug 1 line of the mass spread over them, after its lines of the n-grams pruned
    status, _, _ = cli(ngram_count.main, ["-order", "3", "-text", "train.txt", "-vocab", "vocab-top2000.txt",
                                          "-wbdiscount", "-lm", "wbv.arpa"])
    assert status == 0
    (workdir / "v2.txt").write_text((workdir / "vocab-top2000.txt").read_text() + "zzz1\nzzz2\n")
    status, _, err = cli(ngram.main, ["-lm", "wbv.arpa", "-order", "3", *flags, "-vocab", "v2.txt", "-debug", "1",
                                      "-write-lm", "out.arpa"])
    assert status == 0
    assert err == (HERE / f"ngram-{name}.stderr.txt").read_text()


# Kneser-Ney's discounts that cannot be fitted: SRILM 1.7.3's lines and exit status 1. The
# unigram counts of NEGATIVE give n1..n4 = 1, 5, 1, 10, so Y = 1/11 and D3+ = 3 - 4 Y 10 < 0.
NEGATIVE = "a 1\n" + "".join(f"{w} 2\n" for w in "bcdef") + "g 3\n" + "".join(f"h{i} 4\n" for i in range(10))


@pytest.mark.parametrize("counts, flags, expected", [
    ("a b 1\n", ["-order", "2", "-kndiscount"],
     "one of required modified KneserNey count-of-counts is zero\nerror in discount estimator for order 1\n"),
    ("a b 1\n", ["-order", "2", "-ukndiscount"],
     "one of required KneserNey count-of-counts is zero\nerror in discount estimator for order 1\n"),
    (NEGATIVE, ["-order", "1", "-kndiscount", "-debug", "1"],
     "using ModKneserNey for 1-grams\nKneser-Ney smoothing 1-grams\nn1 = 1\nn2 = 5\nn3 = 1\nn4 = 10\n"
     "D1 = 0.0909091\nD2 = 1.94545\nD3+ = -0.636364\n"
     "one of modified KneserNey discounts is negative\nerror in discount estimator for order 1\n"),
    # a method that takes no float counts fails at its order, after the orders below
    ("a b 1\nb c 2\na 1\nb 1\nc 2\n", ["-order", "2", "-float-counts", "-wbdiscount1", "-kndiscount2", "-debug", "1"],
     "using WittenBell for 1-grams\nusing ModKneserNey for 2-grams\ndiscounting method does not support float "
     "counts\nerror in discount estimator for order 2\n"),
])
def test_kneser_ney_failure_is_srilms(cli, tmp_path, counts, flags, expected):
    path = tmp_path / "c.counts"
    path.write_text(counts)
    status, _, err = cli(ngram_count.main, ["-read", path, *flags, "-lm", tmp_path / "lm.arpa", "-write-vocab",
                                            tmp_path / "v", "-write", tmp_path / "c"])
    assert (status, err) == (1, expected)
    # SRILM writes its files once the estimate succeeds: none of them here, no temporary file left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.counts"]
