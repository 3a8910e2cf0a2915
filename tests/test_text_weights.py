"""ngram-count's -text-has-weights and -text-has-weights-last against SRILM 1.7.3's outputs
(tests/data/text_weights/README.md names the commands), and the weight words as C reads them."""

import gzip

import pytest
from conftest import DATA

import ngramkit
from ngramkit.cli import ngram_count
from ngramkit.countfile import read_counts
from ngramkit.counting import TextOptions, count_text
from ngramkit.srilm_sums import text_srilm_order
from ngramkit.text_weights import weight_value

HERE = DATA / "text_weights"


def expected(name):
    return gzip.decompress((HERE / name).read_bytes())


@pytest.mark.parametrize("text, flags, reference", [
    ("first.txt", ["-text-has-weights", "-sort", "-write", "OUT"], "first.counts.gz"),
    ("first.txt", ["-text-has-weights", "-lm", "OUT"], "first-gt3.arpa.gz"),
    ("last.txt", ["-text-has-weights-last", "-wbdiscount", "-lm", "OUT"], "last-wb3.arpa.gz"),
    ("float.txt", ["-text-has-weights", "-float-counts", "-sort", "-write", "OUT"], "float.counts.gz"),
    ("float.txt", ["-text-has-weights", "-float-counts", "-cdiscount", "0.5", "-interpolate", "-lm", "OUT"],
     "float-cd3i.arpa.gz"),
    # totals within an ulp of an integer, whose ceiling weighs the lower order: SRILM's order of adding
    ("ulps.txt", ["-text-has-weights", "-float-counts", "-wbdiscount", "-interpolate", "-lm", "OUT"],
     "ulps-wb3i.arpa.gz"),
    ("ulps.txt", ["-text-has-weights", "-float-counts", "-cdiscount", "0.5", "-interpolate", "-lm", "OUT"],
     "ulps-cd3i.arpa.gz"),
    # lines weighted below 0 that leave no count below 0
    ("negative.txt", ["-text-has-weights", "-float-counts", "-wbdiscount", "-interpolate", "-gt3min", "0", "-lm",
                      "OUT"], "negative-wb3i.arpa.gz"),
])
def test_weighted_text_as_srilm(cli, tmp_path, text, flags, reference):
    out = tmp_path / "out"
    status, _, err = cli(ngram_count.main, ["-order", "3", "-text", HERE / text,
                                            *[out if f == "OUT" else f for f in flags]])
    assert status == 0
    assert out.read_bytes() == expected(reference)
    # the lines whose weight is no number (-1), each named as SRILM names it
    warnings = [line for line in err.splitlines() if "illegal count weight" in line]
    srilm = (HERE / "last.stderr").read_text().splitlines()
    assert warnings == ([] if text != "first.txt" and text != "last.txt" else
                        [line.replace("last.txt", str(HERE / text)) for line in srilm])


@pytest.mark.parametrize("flags, reference", [
    (["-order", "2", "-wbdiscount", "-interpolate"], "ulps-read-wb2i.arpa.gz"),
    (["-order", "3", "-cdiscount", "0.5", "-interpolate"], "ulps-read-cd3i.arpa.gz"),
])
def test_fractional_count_file_as_srilm(cli, tmp_path, flags, reference):
    """Fractional counts read in SRILM's unsorted order: totalled in the order of SRILM's tables,
    which the file's order of lines decides (trigram lines, skipped at -order 2, give no word an
    index)."""
    out = tmp_path / "out"
    status, _, err = cli(ngram_count.main, ["-read", HERE / "ulps.counts.gz", "-float-counts", *flags, "-lm", out])
    assert status == 0, err
    assert out.read_bytes() == expected(reference)


def test_weights_by_hand(cli, tmp_path):
    """Each n-gram of a line adds the line's weight: 3 + 1 for b c, 0 keeps c d counted 0, the
    line of weight -1 is left out, a weight-only line is the sentence <s> </s>."""
    text = tmp_path / "w.txt"
    text.write_text("3 a b c\n1 b c\n-1 a\n0 c d\n2\n")
    status, out, err = cli(ngram_count.main, ["-order", "2", "-text", text, "-text-has-weights", "-sort", "-write", "-"])
    assert status == 0
    assert err == f"{text}: line 3: illegal count weight or line too long?\n"
    assert out == ("</s>\t6\n<s>\t6\n<s> </s>\t2\n<s> a\t3\n<s> b\t1\n<s> c\t0\na\t3\na b\t3\nb\t4\nb c\t4\n"
                   "c\t4\nc </s>\t4\nc d\t0\nd\t0\nd </s>\t0\n")


def test_negative_counts_refused(cli, tmp_path):
    """A count left below 0 by a line's negative weight: SRILM estimates NaN probabilities from
    it; ngram-count names the first line weighted below 0, and as after any failed estimate
    leaves no file (the counts are those of -write without -lm)."""
    text = tmp_path / "w.txt"
    text.write_text("0.5 a b\n0.25 b\n-0.5 b c\n")
    counts = tmp_path / "counts"
    status, _, err = cli(ngram_count.main, ["-order", "2", "-text", text, "-text-has-weights", "-float-counts",
                                            "-wbdiscount", "-sort", "-write", counts, "-lm", tmp_path / "lm"])
    assert status == 7
    assert err == f"ngram-count: {text}:3: weight -0.5 leaves negative counts, from which no probabilities can be " \
                  "estimated\n"
    assert not counts.exists() and not (tmp_path / "lm").exists()
    status, _, err = cli(ngram_count.main, ["-order", "2", "-text", text, "-text-has-weights", "-float-counts",
                                            "-sort", "-write", counts])
    assert status == 0, err
    assert "b c\t-0.5\n" in counts.read_text()


def test_srilm_order_is_slot_order(tmp_path):
    """The followers of a context in the order SRILM's hash tables hold them, which up to seven
    followers is the order the text first holds them in (hashed orders: ulps.txt's runs)."""
    text = tmp_path / "w.txt"
    text.write_text("0.5 b a c\n0.5 c b\n")
    options = TextOptions(weights="first", float_counts=True)
    counts = count_text([text], 2, options)
    order = text_srilm_order([text], counts, options).slot_orders
    words = counts.vocab.words
    unigrams = [words[w] for w in counts.ngrams[0][order[0], 0]]
    # <s> b a c </s> <s> c b </s>
    assert unigrams == ["<s>", "b", "a", "c", "</s>"]
    bigrams = [" ".join(words[w] for w in counts.ngrams[1][i]) for i in order[1]]
    assert bigrams == ["<s> b", "<s> c", "a c", "b a", "b </s>", "c </s>", "c b"]


@pytest.mark.parametrize("word, integer, fractional", [
    ("3", 3, 3.0), ("+2", 2, 2.0), ("2x", 2, 2.0), ("1.5", 1, 1.5), ("-1", None, -1.0), ("x", None, None),
    ("1e3", 1, 1000.0), (".5", None, 0.5), ("0x10", 0, 16.0), ("inf", None, float("inf")),
])
def test_weight_words_read_as_c_reads_them(word, integer, fractional):
    assert weight_value(word, False) == integer
    assert weight_value(word, True) == fractional


def test_count_takes_line_weights(tmp_path):
    """The Python API's count(line_weights=) is ngram-count's -text-has-weights-last."""
    counts = ngramkit.count(HERE / "last.txt", order=3, line_weights="last", progress=False)
    reference = tmp_path / "ref.counts"
    reference.write_bytes(expected("first.counts.gz"))
    srilm = read_counts([reference], prefixes=False)
    assert counts.vocab.words == srilm.vocab.words
    for ours, theirs, ours_counts, their_counts in zip(counts.ngrams, srilm.ngrams, counts.counts, srilm.counts):
        assert (ours == theirs).all() and (ours_counts == their_counts).all()
