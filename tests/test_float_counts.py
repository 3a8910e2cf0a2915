"""Estimating from fractional counts (`ngram-count -float-counts`), checked against SRILM 1.7.3's
formulas worked out by hand (no SRILM output of such a model exists among the references), and
against the integer path on integer-valued counts.

SRILM's rules for fractional counts (NgramLM.cc's estimate over NgramCounts<FloatCount>,
Discount.h): the context total T is the sum of the fractional counts, the observed vocabulary q
counts the followers; Witten-Bell scales a count by T / (T + q), absolute discounting subtracts D
and drops a count below D, additive smoothing gives (c + delta) / (T + |V| delta); a count below
-gtNmin (fractional too) is dropped. The interpolation weight of the lower order is computed from
the integer ceiling of T (q / (ceil(T) + q), D q / ceil(T)). Good-Turing and Kneser-Ney discounts
cannot be estimated from fractional counts (refused), but read from a discount file they apply to
the integer ceiling of each count (and Kneser-Ney's counts are not made continuation counts).
The unigrams' leftover mass goes to words without probability, else evenly to all words.
"""

import gzip
import math

import numpy as np
import pytest
from conftest import REFERENCE
from test_estimate import probability_sums, repetitive_corpus, write_text

import ngramkit
from ngramkit.cli import ngram_count
from ngramkit.countfile import read_counts
from ngramkit.counting import count_text
from ngramkit.errors import EstimationError
from ngramkit.estimate import EstimateOptions
from ngramkit.estimate import estimate as estimate_counts

# <s> is no event; the vocabulary of the model is a, b, c, </s> (|V| = 4)
COUNTS = """\
<s>\t2.5
a\t3.25
b\t1.5
c\t0.5
</s>\t2.5
<s> a\t2
<s> b\t0.5
a b\t1.25
a c\t0.5
a </s>\t1.5
b a\t1.25
b </s>\t0.75
c </s>\t0.25
"""
WORDS = ("a", "b", "c", "</s>")


def read_arpa_text(text):
    """{ngram tuple: (log10 p, log10 bow or None)} and the \\data\\ sizes of an ARPA file."""
    entries, sizes, order = {}, {}, 0
    for line in text.splitlines():
        if line.startswith("ngram "):
            k, n = line[6:].split("=")
            sizes[int(k)] = int(n)
        elif line.startswith("\\") and line.endswith("-grams:"):
            order = int(line[1])
        elif line and order and not line.startswith("\\"):
            fields = line.split("\t")
            words = tuple(fields[1].split(" "))
            assert len(words) == order
            entries[words] = (float(fields[0]), float(fields[2]) if len(fields) > 2 else None)
    return entries, sizes


@pytest.fixture
def counts_file(tmp_path):
    path = tmp_path / "f.counts"
    path.write_text(COUNTS)
    return path


def estimate(cli, counts_file, *flags):
    lm = counts_file.parent / "lm.arpa"
    status, _, err = cli(ngram_count.main, ["-order", "2", "-float-counts", "-read", counts_file, *flags,
                                            "-lm", lm, "-q"])
    assert status == 0, err
    return read_arpa_text(lm.read_text())


def bow(bigram_probs, unigram_probs):
    """SRILM's normalised backoff weight of a context: (1 - sum p(w|h)) / (1 - sum p(w))."""
    return (1 - sum(bigram_probs)) / (1 - sum(unigram_probs))


def check(entries, sizes, unigrams, bigrams, bows):
    """The model holds exactly these unigram and bigram probabilities and backoff weights."""
    assert sizes == {1: 5, 2: len(bigrams)}
    assert set(entries) == {(w,) for w in WORDS + ("<s>",)} | set(bigrams)
    assert entries[("<s>",)][0] == -99
    for w, p in unigrams.items():
        assert entries[(w,)][0] == pytest.approx(math.log10(p), abs=1e-6), w
    for ngram, p in bigrams.items():
        assert entries[ngram][0] == pytest.approx(math.log10(p), abs=1e-6), ngram
    for w in WORDS + ("<s>",):
        expected = bows.get(w)
        got = entries[(w,)][1]
        if expected is None:
            assert got is None, w
        else:
            assert got == pytest.approx(math.log10(expected), abs=1e-6), w


def test_witten_bell_with_fractional_cutoffs(cli, counts_file):
    entries, sizes = estimate(cli, counts_file, "-wbdiscount", "-gt1min", "0.4", "-gt2min", "0.6")
    # unigrams: T = 3.25 + 1.5 + 0.5 + 2.5 = 7.75, q = 4, p = c / (T + q) = c / 11.75; all are
    # >= 0.4; the 4 / 11.75 left goes evenly to the four words
    p1 = {w: (c + 1) / 11.75 for w, c in zip(WORDS, (3.25, 1.5, 0.5, 2.5))}
    # bigrams >= 0.6 kept: <s> (T 2.5, q 2), a (T 3.25, q 3), b (T 2, q 2); c's only one is 0.25
    p2 = {("<s>", "a"): 2 / 4.5,
          ("a", "b"): 1.25 / 6.25, ("a", "</s>"): 1.5 / 6.25,
          ("b", "a"): 1.25 / 4, ("b", "</s>"): 0.75 / 4}
    bows = {"<s>": bow([2 / 4.5], [p1["a"]]),
            "a": bow([0.2, 0.24], [p1["b"], p1["</s>"]]),
            "b": bow([1.25 / 4, 0.75 / 4], [p1["a"], p1["</s>"]])}
    check(entries, sizes, p1, p2, bows)


def test_default_cutoffs_drop_fractional_counts_below_one(cli, counts_file):
    entries, sizes = estimate(cli, counts_file, "-wbdiscount")
    # gt1min = gt2min = 1: c (0.5) gets the unigram mass left, 1 - (3.25 + 1.5 + 2.5) / 11.75
    p1 = {"a": 3.25 / 11.75, "b": 1.5 / 11.75, "c": 1 - 7.25 / 11.75, "</s>": 2.5 / 11.75}
    p2 = {("<s>", "a"): 2 / 4.5, ("a", "b"): 1.25 / 6.25, ("a", "</s>"): 1.5 / 6.25, ("b", "a"): 1.25 / 4}
    bows = {"<s>": bow([2 / 4.5], [p1["a"]]),
            "a": bow([0.2, 0.24], [p1["b"], p1["</s>"]]),
            "b": bow([1.25 / 4], [p1["a"]])}
    check(entries, sizes, p1, p2, bows)


def test_interpolated_witten_bell_weighs_by_the_ceiling_of_the_total(cli, counts_file):
    entries, sizes = estimate(cli, counts_file, "-wbdiscount", "-interpolate", "-gt1min", "0.4", "-gt2min", "0.6")
    # unigrams: c / 11.75 + q / (ceil(7.75) + q) * 1/4 = c / 11.75 + 1/12, and what is left,
    # 1 - 7.75 / 11.75 - 4/12, spread evenly
    left = (1 - 7.75 / 11.75 - 4 / 12) / 4
    p1 = {w: c / 11.75 + 1 / 12 + left for w, c in zip(WORDS, (3.25, 1.5, 0.5, 2.5))}
    # weights: <s> 2 / (3 + 2); a 3 / (4 + 3); b 2 / (2 + 2)
    p2 = {("<s>", "a"): 2 / 4.5 + 0.4 * p1["a"],
          ("a", "b"): 1.25 / 6.25 + 3 / 7 * p1["b"], ("a", "</s>"): 1.5 / 6.25 + 3 / 7 * p1["</s>"],
          ("b", "a"): 1.25 / 4 + 0.5 * p1["a"], ("b", "</s>"): 0.75 / 4 + 0.5 * p1["</s>"]}
    bows = {"<s>": bow([p2["<s>", "a"]], [p1["a"]]),
            "a": bow([p2["a", "b"], p2["a", "</s>"]], [p1["b"], p1["</s>"]]),
            "b": bow([p2["b", "a"], p2["b", "</s>"]], [p1["a"], p1["</s>"]])}
    check(entries, sizes, p1, p2, bows)


def test_absolute_discounting_drops_counts_below_the_discount(cli, counts_file):
    entries, sizes = estimate(cli, counts_file, "-cdiscount", "0.6", "-gt1min", "0.4", "-gt2min", "0.3")
    # D = 0.6: c (0.5) and the bigrams <s> b (0.5), a c (0.5) are below D, c </s> (0.25) below
    # gt2min; the unigram mass left, 1 - (2.65 + 0.9 + 1.9) / 7.75, goes to c
    p1 = {"a": 2.65 / 7.75, "b": 0.9 / 7.75, "c": 2.3 / 7.75, "</s>": 1.9 / 7.75}
    p2 = {("<s>", "a"): 1.4 / 2.5,
          ("a", "b"): 0.65 / 3.25, ("a", "</s>"): 0.9 / 3.25,
          ("b", "a"): 0.65 / 2, ("b", "</s>"): 0.15 / 2}
    bows = {"<s>": bow([1.4 / 2.5], [p1["a"]]),
            "a": bow([0.65 / 3.25, 0.9 / 3.25], [p1["b"], p1["</s>"]]),
            "b": bow([0.65 / 2, 0.15 / 2], [p1["a"], p1["</s>"]])}
    check(entries, sizes, p1, p2, bows)


def test_interpolated_absolute_discounting(cli, counts_file):
    entries, sizes = estimate(cli, counts_file, "-cdiscount", "0.6", "-interpolate", "-gt1min", "0.4",
                              "-gt2min", "0.3")
    # unigram weight D q / ceil(T) = 0.6 * 4 / 8 = 0.3 on 1/4; c is dropped and gets the rest
    kept = {"a": 2.65 / 7.75 + 0.075, "b": 0.9 / 7.75 + 0.075, "</s>": 1.9 / 7.75 + 0.075}
    p1 = dict(kept, c=1 - sum(kept.values()))
    # weights: <s> 0.6 * 2 / 3; a 0.6 * 3 / 4; b 0.6 * 2 / 2
    p2 = {("<s>", "a"): 1.4 / 2.5 + 0.4 * p1["a"],
          ("a", "b"): 0.65 / 3.25 + 0.45 * p1["b"], ("a", "</s>"): 0.9 / 3.25 + 0.45 * p1["</s>"],
          ("b", "a"): 0.65 / 2 + 0.6 * p1["a"], ("b", "</s>"): 0.15 / 2 + 0.6 * p1["</s>"]}
    bows = {"<s>": bow([p2["<s>", "a"]], [p1["a"]]),
            "a": bow([p2["a", "b"], p2["a", "</s>"]], [p1["b"], p1["</s>"]]),
            "b": bow([p2["b", "a"], p2["b", "</s>"]], [p1["a"], p1["</s>"]])}
    check(entries, sizes, p1, p2, bows)


def test_additive_smoothing(cli, counts_file):
    entries, sizes = estimate(cli, counts_file, "-addsmooth", "0.5", "-gt1min", "0.4", "-gt2min", "0.6")
    # unigrams (c + 0.5) / (7.75 + 4 * 0.5): they sum to one
    p1 = {w: (c + 0.5) / 9.75 for w, c in zip(WORDS, (3.25, 1.5, 0.5, 2.5))}
    p2 = {("<s>", "a"): 2.5 / 4.5,
          ("a", "b"): 1.75 / 5.25, ("a", "</s>"): 2 / 5.25,
          ("b", "a"): 1.75 / 4, ("b", "</s>"): 1.25 / 4}
    bows = {"<s>": bow([2.5 / 4.5], [p1["a"]]),
            "a": bow([1.75 / 5.25, 2 / 5.25], [p1["b"], p1["</s>"]]),
            "b": bow([1.75 / 4, 1.25 / 4], [p1["a"], p1["</s>"]])}
    check(entries, sizes, p1, p2, bows)


def test_good_turing_from_files_discounts_the_ceiling(cli, counts_file, tmp_path):
    (tmp_path / "gt1").write_text("mincount 1\nmaxcount 2\ndiscount 1 0.5\ndiscount 2 0.8\n")
    (tmp_path / "gt2").write_text("mincount 2\nmaxcount 2\ndiscount 1 0.5\ndiscount 2 0.8\n")
    entries, sizes = estimate(cli, counts_file, "-gt1", tmp_path / "gt1", "-gt2", tmp_path / "gt2")
    # unigram coefficients of the ceilings 4, 2, 1, 3: 1 (above maxcount), 0.8, 0.5, 1; the
    # mass left, 1 - (3.25 + 1.2 + 0.25 + 2.5) / 7.75 = 0.55 / 7.75, goes evenly to the four
    p1 = {"a": 3.3875 / 7.75, "b": 1.3375 / 7.75, "c": 0.3875 / 7.75, "</s>": 2.6375 / 7.75}
    # bigrams: the ceiling must reach mincount 2, so a b (1.25) stays and 0.5, 0.75, 0.25 go
    p2 = {("<s>", "a"): 0.8 * 2 / 2.5, ("a", "b"): 0.8 * 1.25 / 3.25, ("a", "</s>"): 0.8 * 1.5 / 3.25,
          ("b", "a"): 0.8 * 1.25 / 2}
    bows = {"<s>": bow([p2["<s>", "a"]], [p1["a"]]),
            "a": bow([p2["a", "b"], p2["a", "</s>"]], [p1["b"], p1["</s>"]]),
            "b": bow([p2["b", "a"]], [p1["a"]])}
    check(entries, sizes, p1, p2, bows)


def test_kneser_ney_from_a_file_takes_raw_counts_and_their_ceiling(cli, counts_file, tmp_path):
    (tmp_path / "kn").write_text("mincount 1\ndiscount1 0.5\ndiscount2 0.9\ndiscount3+ 1.2\n")
    entries, sizes = estimate(cli, counts_file, "-kn", tmp_path / "kn")
    # no continuation counts; coefficient (ceil(c) - D(ceil(c))) / ceil(c): a (4 - 1.2) / 4,
    # b (2 - 0.9) / 2, c (1 - 0.5) / 1, </s> (3 - 1.2) / 3; the 2.9 / 7.75 left goes to all four
    raw = {"a": 0.7 * 3.25, "b": 0.55 * 1.5, "c": 0.5 * 0.5, "</s>": 0.6 * 2.5}
    p1 = {w: (m + 2.9 / 4) / 7.75 for w, m in raw.items()}
    p2 = {("<s>", "a"): 0.55 * 2 / 2.5, ("<s>", "b"): 0.5 * 0.5 / 2.5,
          ("a", "b"): 0.55 * 1.25 / 3.25, ("a", "c"): 0.5 * 0.5 / 3.25, ("a", "</s>"): 0.55 * 1.5 / 3.25,
          ("b", "a"): 0.55 * 1.25 / 2, ("b", "</s>"): 0.5 * 0.75 / 2,
          ("c", "</s>"): 0.5 * 0.25 / 0.25}
    bows = {"<s>": bow([p2["<s>", "a"], p2["<s>", "b"]], [p1["a"], p1["b"]]),
            "a": bow([p2["a", "b"], p2["a", "c"], p2["a", "</s>"]], [p1["b"], p1["c"], p1["</s>"]]),
            "b": bow([p2["b", "a"], p2["b", "</s>"]], [p1["a"], p1["</s>"]]),
            "c": bow([p2["c", "</s>"]], [p1["</s>"]])}
    check(entries, sizes, p1, p2, bows)


@pytest.mark.parametrize("flags, message, order", [
    ([], "discounting method does not support float counts", 1),
    (["-kndiscount"], "discounting method does not support float counts", 1),
    (["-ukndiscount"], "discounting method does not support float counts", 1),
    (["-ndiscount"], None, 1),  # SRILM's natural discounting fails without a line of its own
    (["-wbdiscount1", "-kndiscount2"], "discounting method does not support float counts", 2),
])
def test_methods_srilm_cannot_estimate_from_float_counts_are_refused(cli, counts_file, flags, message, order):
    # SRILM 1.7.3 prints its estimator's line and its own, and exits 1
    lm = counts_file.parent / "lm.arpa"
    status, _, err = cli(ngram_count.main, ["-order", "2", "-float-counts", "-read", counts_file, *flags, "-lm", lm])
    assert (status, err) == (1, (f"{message}\n" if message else "") + f"error in discount estimator for order {order}\n")
    assert not lm.exists()


def test_malformed_float_count_names_file_and_line(cli, tmp_path):
    path = tmp_path / "bad.counts"
    path.write_text("a\t1.5\nb\t0,5\n")
    status, _, err = cli(ngram_count.main, ["-float-counts", "-read", path, "-wbdiscount", "-lm", tmp_path / "x"])
    assert (status, err) == (4, f"ngram-count: {path}:2: bad count '0,5'\n")


def test_python_api_estimates_from_float_counts(counts_file):
    counts = read_counts([counts_file], 2, float_counts=True)
    assert counts.counts[1].dtype == np.float64
    model = ngramkit.train(counts=counts, order=2, method="witten-bell", interpolate=False, cutoffs=[0.4, 0.6],
                           progress=False)
    logp = dict(zip((model.vocab.words[i] for i in model.ngrams[0][:, 0]), model.logprob[0].tolist()))
    assert logp["a"] == pytest.approx(math.log10(4.25 / 11.75), abs=1e-6)
    with pytest.raises(EstimationError, match="does not support float counts") as err:
        ngramkit.train(counts=read_counts([counts_file], 2, float_counts=True), order=2, method="kneser-ney",
                       progress=False)
    assert err.value.option == "float_counts"
    # integer counts told to be fractional are refused the same way
    text = counts_file.parent / "t.txt"
    text.write_text("a b\na c\n")
    integer = ngramkit.count(text, order=2, progress=False)
    with pytest.raises(EstimationError, match="does not support float counts"):
        ngramkit.train(counts=integer, order=2, method="good-turing", float_counts=True, progress=False)


# With integer-valued counts, -float-counts gives the integer path's model, byte for byte

EQUIVALENT = [
    ["-wbdiscount"],
    ["-wbdiscount", "-interpolate", "-gt3min", "1"],
    ["-cdiscount", "0.7"],
    ["-cdiscount", "0.7", "-interpolate"],
    ["-addsmooth", "0.3", "-gt2min", "2"],
    ["-wbdiscount", "-gt2min", "1.5", "-gt3min", "2.5"],
]


@pytest.fixture(scope="module")
def integer_counts(tmp_path_factory):
    """The 3-gram counts of the first 1500 lines of tests/data's English training text."""
    folder = tmp_path_factory.mktemp("float")
    text = folder / "train.txt"
    with gzip.open(REFERENCE / "en" / "train.txt.gz", "rt", encoding="utf-8") as f:
        text.write_text("".join(line for _, line in zip(range(1500), f)), encoding="utf-8")
    ngram_count.main(["-order", "3", "-text", str(text), "-write", str(folder / "counts.txt"), "-q"])
    return folder / "counts.txt"


def _model(counts, flags, out, *extra):
    ngram_count.main(["-order", "3", "-read", str(counts), *map(str, flags), *extra, "-lm", str(out), "-q"])
    return out.read_text()


@pytest.mark.parametrize("flags", EQUIVALENT, ids=" ".join)
def test_integer_valued_float_counts_give_the_integer_model(integer_counts, flags, tmp_path):
    integer = _model(integer_counts, flags, tmp_path / "int.arpa")
    fractional = _model(integer_counts, flags, tmp_path / "float.arpa", "-float-counts")
    assert integer.count("\n") > 10000 and fractional == integer


def test_integer_valued_float_counts_with_discount_files(integer_counts, tmp_path):
    files = [f for k in (1, 2, 3) for f in (f"-gt{k}", tmp_path / f"gt{k}")]
    ngram_count.main(["-order", "3", "-read", str(integer_counts), *map(str, files), "-q"])
    assert _model(integer_counts, files, tmp_path / "float.arpa", "-float-counts") == \
        _model(integer_counts, files, tmp_path / "int.arpa")
    # Kneser-Ney's counts are not made continuation counts from float counts: the same as the
    # integer path told they are modified already
    files = [f for k in (1, 2, 3) for f in (f"-kn{k}", tmp_path / f"kn{k}")]
    ngram_count.main(["-order", "3", "-read", str(integer_counts), "-kndiscount", *map(str, files), "-q"])
    assert _model(integer_counts, ["-interpolate", *files], tmp_path / "float.arpa", "-float-counts") == \
        _model(integer_counts, ["-interpolate", *files], tmp_path / "int.arpa", "-kn-counts-modified")


def test_natural_discounting_of_integer_counts(cli, tmp_path):
    """-ndiscount (which SRILM cannot estimate from float counts) on integer counts: SRILM's
    NaturalDiscount scales a context's counts by (T (T + 1) + q (1 - q)) / (T (T + 1) + 2 q),
    or keeps them when it has seen all |V| = 4 words."""
    text = tmp_path / "t.txt"
    text.write_text("a b c\na b\n")
    lm = tmp_path / "nd.arpa"
    status, _, err = cli(ngram_count.main, ["-order", "2", "-ndiscount", "-text", text, "-lm", lm])
    assert status == 0, err
    entries, sizes = read_arpa_text(lm.read_text())
    # unigrams a 2, b 2, c 1, </s> 2: q = |V|, so p = c / 7
    p1 = {"a": 2 / 7, "b": 2 / 7, "c": 1 / 7, "</s>": 2 / 7}
    natural = lambda n, q: (n * (n + 1) + q * (1 - q)) / (n * (n + 1) + 2 * q)
    # contexts <s> (a 2), a (b 2), b (c 1, </s> 1), c (</s> 1)
    p2 = {("<s>", "a"): natural(2, 1), ("a", "b"): natural(2, 1),
          ("b", "c"): natural(2, 2) / 2, ("b", "</s>"): natural(2, 2) / 2, ("c", "</s>"): natural(1, 1)}
    assert (natural(2, 1), natural(2, 2), natural(1, 1)) == (0.75, 0.4, 0.5)
    bows = {"<s>": bow([0.75], [p1["a"]]), "a": bow([0.75], [p1["b"]]),
            "b": bow([0.2, 0.2], [p1["c"], p1["</s>"]]), "c": bow([0.5], [p1["</s>"]])}
    check(entries, sizes, p1, p2, bows)


@pytest.mark.parametrize("method, interpolate", [("wb", False), ("wb", True), ("cdiscount", False),
                                                 ("cdiscount", True), ("addsmooth", False)])
def test_models_of_random_fractional_counts_are_normalised(tmp_path, method, interpolate):
    """Counts of order 4 each replaced by a random fraction in (0.05, 3), n-grams below 0.5
    dropped above unigrams: the backoff weights still make every context's distribution sum to
    one (interpolated weights from ceil(T) leave mass over, never less than none)."""
    counts = count_text([write_text(tmp_path / "t.txt", repetitive_corpus())], 4)
    rng = np.random.default_rng(3)
    counts.counts = [rng.uniform(0.05, 3.0, len(c)) for c in counts.counts]
    options = EstimateOptions.srilm(4, method, interpolate=interpolate)
    for oo in options.orders[1:]:
        oo.min_count = 0.5
    for oo in options.orders:
        oo.value = 0.4
    model = estimate_counts(counts, options, warn=lambda message: pytest.fail(message))
    assert all(len(rows) for rows in model.ngrams)
    sums = probability_sums(model)
    assert len(sums) > 200 and max(abs(s - 1.0) for s in sums) < 1e-5


def test_no_discount_keeps_fractional_counts_below_the_cutoff(cli, counts_file):
    # -cdiscount 0 with gtNmin <= 1 is SRILM's nodiscount: every count kept, p = c / T, even
    # those below the default cutoffs of 1
    entries, sizes = estimate(cli, counts_file, "-cdiscount", "0")
    assert sizes == {1: 5, 2: 8}
    p = {("a",): 3.25 / 7.75, ("b",): 1.5 / 7.75, ("c",): 0.5 / 7.75, ("</s>",): 2.5 / 7.75,
         ("<s>", "a"): 2 / 2.5, ("<s>", "b"): 0.5 / 2.5, ("a", "b"): 1.25 / 3.25, ("a", "c"): 0.5 / 3.25,
         ("a", "</s>"): 1.5 / 3.25, ("b", "a"): 1.25 / 2, ("b", "</s>"): 0.75 / 2, ("c", "</s>"): 1.0}
    for ngram, prob in p.items():
        assert entries[ngram][0] == pytest.approx(math.log10(prob), abs=1e-6), ngram
    # no mass is left to back off with: log10 0, written -99
    assert [entries[(w,)][1] for w in ("<s>", "a", "b", "c")] == [-99, -99, -99, -99]
