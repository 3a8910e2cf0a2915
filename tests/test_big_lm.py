"""make-big-lm (big_lm.py) and ngram-count -meta-tag (meta_counts.py): the model of counts cut at
their mincounts, with meta-counts standing for what was cut, equals one-step ngram-count on all
the counts; meta-counts in the count-of-counts and context totals, worked out by hand."""

import gzip
import math
from pathlib import Path

import numpy as np
import pytest

from ngramkit.big_lm import (
    count_of_counts_text,
    fill_missing_counts,
    gt_discount_text,
    kn_discount_text,
)
from ngramkit.cli import make_big_lm as make_big_lm_cmd
from ngramkit.cli import ngram_count as ngram_count_cmd
from ngramkit.cli.srilm_options import parse
from ngramkit.formats import load

DATA = Path(__file__).resolve().parent / "data"
TRAIN = DATA / "reference" / "en" / "train.txt.gz"


@pytest.fixture(scope="module")
def counts(tmp_path_factory):
    """Sorted 3-gram counts of the English training text, as merge-batch-counts leaves them."""
    path = tmp_path_factory.mktemp("counts") / "train.3grams.gz"
    ngram_count_cmd.main(["-order", "3", "-text", str(TRAIN), "-sort", "-write", str(path), "-q"])
    return path


def _table(model):
    """{n-gram words: (log10 p, log10 backoff or nan)} of a model."""
    out = {}
    for k in range(model.order):
        bows = model.backoff[k] if k < model.order - 1 else np.full(len(model.ngrams[k]), np.nan)
        for row, p, bo in zip(model.ngrams[k], model.logprob[k], bows):
            out[tuple(model.vocab.words[i] for i in row)] = (float(p), float(bo))
    return out


def _worst_difference(a, b):
    assert set(a) == set(b)
    worst = 0.0
    for ngram, (p, bo) in a.items():
        q, co = b[ngram]
        worst = max(worst, abs(p - q))
        assert np.isnan(bo) == np.isnan(co), ngram
        if not np.isnan(bo):
            worst = max(worst, abs(bo - co))
    return worst


# make-big-lm's options, and one-step ngram-count's with the same meaning: the script's
# gtNmax default is 7 for every order, ngram-count's gt1max is 1.
CASES = {
    "good-turing": ([], ["-gt1max", "7"]),
    "kneser-ney": (["-kndiscount", "-interpolate", "-gt3min", "2"], ["-kndiscount", "-interpolate", "-gt3min", "2"]),
    "original-kneser-ney": (["-ukndiscount", "-interpolate"], ["-ukndiscount", "-interpolate"]),
    "witten-bell": (["-wbdiscount"], ["-wbdiscount"]),
}


@pytest.mark.parametrize("method", list(CASES))
def test_make_big_lm_equals_one_step_ngram_count(counts, tmp_path, method):
    big_options, one_options = CASES[method]
    name = tmp_path / "biglm"
    make_big_lm_cmd.main(["-read", str(counts), "-name", str(name), "-lm", str(tmp_path / "big.arpa"), "-q"]
                         + big_options)
    ngram_count_cmd.main(["-order", "3", "-read", str(counts), "-lm", str(tmp_path / "one.arpa"), "-q"] + one_options)
    big, one = _table(load(tmp_path / "big.arpa")), _table(load(tmp_path / "one.arpa"))
    # the discount files hold 6 digits (gawk's %g), hence not bit for bit
    assert _worst_difference(one, big) < 1e-4
    assert not any("__meta__" in word for ngram in big for word in ngram)
    # the estimation read the 3-grams of count 1 as meta-counts only: without them, the totals differ
    kept = tmp_path / "kept.txt"
    ngram_count_cmd.main(["-order", "3", "-read", str(counts), "-read-with-mincounts", "-meta-tag", "__meta__",
                          "-write", str(kept), "-q"] + (["-gt3min", "2"]))
    lines = kept.read_text().splitlines()
    assert any(line.split("\t")[0].endswith(" __meta__1") for line in lines)
    assert not any(line.count(" ") == 2 and line.endswith("\t1") and "__meta__" not in line for line in lines)
    if method == "witten-bell":
        ngram_count_cmd.main(["-order", "3", "-read", str(counts), "-read-with-mincounts", "-lm",
                              str(tmp_path / "cut.arpa"), "-q"] + one_options)
        assert _worst_difference(one, _table(load(tmp_path / "cut.arpa"))) > 0.1
    # the script's intermediate files
    if method == "kneser-ney":
        assert (tmp_path / "biglm.kncounts.gz").exists()
        assert (tmp_path / "biglm.kn3").read_text().startswith("mincount 2\ndiscount1 ")
    if method == "good-turing":
        assert (tmp_path / "biglm.gt3").read_text().startswith("mincount 2\nmaxcount 7\ndiscount 1 ")
    if method != "witten-bell":
        gt3 = (tmp_path / "biglm.gt3counts").read_text().splitlines()
        assert [line.split()[0] for line in gt3] == [str(c) for c in range(21)] + ["total"]


# Bigram counts with meta-counts. Real bigrams: a x 1, b z 1 (count 1); a y 2, c x 2 (count 2);
# b x 3. Meta lines: a __meta__1 5, c __meta__1 3 (8 left-out bigrams of count 1), b __meta__2 2,
# c __meta__3 1.
META_COUNTS = ("a\t8\nb\t6\nc\t6\nx\t6\ny\t2\nz\t1\n"
               "a x\t1\na y\t2\na __meta__1\t5\nb x\t3\nb z\t1\nb __meta__2\t2\n"
               "c x\t2\nc __meta__1\t3\nc __meta__3\t1\n")


@pytest.fixture
def meta_counts(tmp_path):
    path = tmp_path / "meta.counts"
    path.write_text(META_COUNTS)
    return path


def test_meta_counts_in_good_turing_count_of_counts(meta_counts, tmp_path):
    out = tmp_path / "gt2"
    ngram_count_cmd.main(["-order", "2", "-read", str(meta_counts), "-meta-tag", "__meta__", "-gt2max", "2",
                          "-gt2", str(out), "-q"])
    # Good-Turing adds a meta line's count to n_t: n1 = 2 + 5 + 3 = 10, n2 = 2 + 2 = 4, n3 = 1 + 1 = 2.
    # K = 2: common = (K+1) n3 / n1 = 0.6; d1 = (2 n2 / n1 - 0.6) / 0.4 = (0.8 - 0.6) / 0.4 = 0.5;
    # d2 = (3 n3 / (2 n2) - 0.6) / 0.4 = (0.75 - 0.6) / 0.4 = 0.375 (in doubles, printed %.16g)
    common = 3 * 2 / 10
    d1, d2 = (2 * 4 / (1 * 10) - common) / (1 - common), (3 * 2 / (2 * 4) - common) / (1 - common)
    assert (round(d1, 12), round(d2, 12)) == (0.5, 0.375)
    expected = f"mincount 1\nmaxcount 2\ndiscount 1 {d1:.16g}\ndiscount 2 {d2:.16g}\n"
    assert out.read_text() == expected
    # without -meta-tag the meta words are words: n1 = 2, n2 = 2, n3 = 1, n5 = 1
    ngram_count_cmd.main(["-order", "2", "-read", str(meta_counts), "-gt2max", "2", "-gt2", str(out), "-q"])
    assert out.read_text() != expected


def test_meta_counts_in_kneser_ney_count_of_counts(meta_counts, tmp_path, capsys):
    ngram_count_cmd.main(["-order", "2", "-read", str(meta_counts), "-meta-tag", "__meta__", "-ukndiscount",
                          "-kn-counts-modified", "-lm", str(tmp_path / "lm"), "-debug", "1"])
    # Kneser-Ney counts one per meta line, whatever its count (Discount.cc): n1 = 2 + 2 = 4,
    # n2 = 2 + 1 = 3; D = n1 / (n1 + 2 n2) = 4 / 10 (SRILM 1.7.3's lines)
    err = capsys.readouterr().err
    assert "Kneser-Ney smoothing 2-grams\nn1 = 4\nn2 = 3\nD = 0.4\n" in err
    # SRILM refuses a -kn file with -ukndiscount, two methods of all orders
    with pytest.raises(SystemExit) as exit_info:
        ngram_count_cmd.main(["-order", "2", "-read", str(meta_counts), "-ukndiscount", "-kn", str(tmp_path / "kn")])
    assert exit_info.value.code == 2


def test_meta_counts_in_context_totals(meta_counts, tmp_path):
    lm = tmp_path / "wb.arpa"
    ngram_count_cmd.main(["-order", "2", "-read", str(meta_counts), "-meta-tag", "__meta__", "-wbdiscount",
                          "-lm", str(lm), "-q"])
    lines = lm.read_text().splitlines()
    # Witten-Bell (backoff): p(w | h) = c(h w) / (T(h) + V(h)), where a meta line TAG<t> with count
    # m adds t m to the total T and m to the followers V. Context a: T = 1 + 2 + 1*5 = 8,
    # V = 2 + 5 = 7: p(y | a) = 2/15. Context b: T = 3 + 1 + 2*2 = 8, V = 2 + 2 = 4: p(x | b) = 3/12.
    # Context c: T = 2 + 1*3 + 3*1 = 8, V = 1 + 3 + 1 = 5: p(x | c) = 2/13.
    for ngram, p in (("a y", 2 / 15), ("b x", 3 / 12), ("c x", 2 / 13)):
        assert f"{np.float32(np.log10(p)):.7g}\t{ngram}" in lines
    # meta words get no probability and are no words of the model
    assert not any("__meta__" in line for line in lines)
    assert "ngram 1=8" in lines  # <s>, </s>, a, b, c, x, y, z


def test_read_with_mincounts_writes_meta_counts(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a\t5\nb\t1\nc\t2\na b\t1\na c\t3\na d\t1\nb c\t1\n"
                    "a b c\t1\na c a\t2\na c b\t1\na c d\t1\nb c a\t1\n")
    out = tmp_path / "kept.txt"
    ngram_count_cmd.main(["-order", "3", "-read", str(path), "-read-with-mincounts", "-meta-tag", "__meta__",
                          "-gt2min", "2", "-gt3min", "2", "-write", str(out), "-q"])
    # bigrams below 2 under a: a b, a d -> "a __meta__1" 2 (a c is kept); under b nothing is kept, so
    # b c goes with no meta-count. Trigrams under "a c": a c b, a c d -> "a c __meta__1" 2 (a c a
    # kept); "a b c" and "b c a" have no kept sibling.
    assert out.read_text() == ("a\t5\na __meta__1\t2\na c\t3\na c __meta__1\t2\na c a\t2\nb\t1\nc\t2\n")


@pytest.mark.parametrize("line, message", [
    ("a __meta__x\t3", "malformed meta-count word '__meta__x'"),
    ("a __meta__2b\t3", "malformed meta-count word '__meta__2b'"),
    ("__meta__1 a\t3", "meta-count word '__meta__1' is not the last word of its n-gram"),
])
def test_malformed_meta_lines(tmp_path, capsys, line, message):
    path = tmp_path / "bad.counts"
    path.write_text("a\t3\nb\t2\na b\t1\n" + line + "\n")
    with pytest.raises(SystemExit) as exit_status:
        ngram_count_cmd.main(["-order", "2", "-read", str(path), "-meta-tag", "__meta__", "-lm",
                              str(tmp_path / "lm.arpa"), "-q"])
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"ngram-count: {path}:4: {message}")
    assert exit_status.value.code == 4 and not (tmp_path / "lm.arpa").exists()


def test_count_of_counts_file():
    # get-gt-counts: counts 0..20 and the number of n-grams
    values = np.array([1, 1, 2, 5, 20, 21, 300])
    text = count_of_counts_text(values)
    expected = {0: 0, 1: 2, 2: 1, 5: 1, 20: 1}
    assert text == "".join(f"{c} {expected.get(c, 0)}\n" for c in range(21)) + "total 7\n"


def test_discount_files_as_the_scripts_print_them():
    warnings = []
    # n1 = 10, n2 = 4, n3 = 2 as above: d1 = 0.5, d2 = 0.375 (make-gt-discounts: %g)
    assert gt_discount_text({1: 10, 2: 4, 3: 2}, 1, 2, 2, warnings.append) == \
        "mincount 1\nmaxcount 2\ndiscount 1 0.5\ndiscount 2 0.375\n"
    # modified KN, n1..n4 = 5, 3, 3, 3: Y = 5/11, D1 = 5/11, D2 = 7/11, D3+ = 13/11, gawk's %.6g
    text = kn_discount_text({1: 5, 2: 3, 3: 3, 4: 3}, 2, True, 3, warnings.append)
    assert text == f"mincount 2\ndiscount1 {5 / 11:.6g}\ndiscount2 {7 / 11:.6g}\ndiscount3+ {13 / 11:.6g}\n"
    assert text.splitlines()[1] == "discount1 0.454545"
    # original KN: D = n1 / (n1 + 2 n2) = 5/11 written three times
    assert kn_discount_text({1: 5, 2: 3}, 1, False, 1, warnings.append) == \
        "mincount 1\ndiscount1 0.454545\ndiscount2 0.454545\ndiscount3+ 0.454545\n"


def test_missing_counts_of_counts_estimated():
    notes = []
    # top count 5; a = mean of k (ln n_k - ln n_(k+1)) for k = 4, 3: (4 ln 2 + 3 ln 2) / 2 = 3.5 ln 2;
    # n_2 = n_3 e^(a/2) = 40 * 2^1.75, n_1 = n_2 e^a = n_2 * 2^3.5
    filled = fill_missing_counts({0: 0, 1: 0, 2: 0, 3: 40, 4: 20, 5: 10, 6: 0}, notes.append)
    assert filled[2] == pytest.approx(40 * 2 ** 1.75)
    assert filled[1] == pytest.approx(40 * 2 ** 1.75 * 2 ** 3.5)
    assert notes == [f"estimating missing count-of-count 2 = {filled[2]:.6g}",
                     f"estimating missing count-of-count 1 = {filled[1]:.6g}"]
    assert fill_missing_counts({1: 4, 2: 2}, notes.append) == {1: 4, 2: 2}
    assert math.isclose(filled[3], 40)


def test_make_big_lm_refusals(tmp_path, capsys, meta_counts):
    for args, message in ((["-kndiscount", "-gt2max", "5"], "cannot mix GT, KN, and WB discounting"),
                          (["-wbdiscount2"], "must use one of GT, KN, UKN, or WB discounting for all orders"),
                          (["-read", "-"], "cannot read from stdin"),
                          ([], "-lm is needed")):
        with pytest.raises(SystemExit):
            make_big_lm_cmd.main((["-read", str(meta_counts)] if "-read" not in args else [])
                                 + args + (["-lm", str(tmp_path / "x.arpa")] if args else []))
        assert message in capsys.readouterr().err


def test_make_big_lm_subset_of_test_contexts(counts, tmp_path):
    test = tmp_path / "test.txt"
    test.write_text("the old man\n")
    make_big_lm_cmd.main(["-read", str(counts), "-name", str(tmp_path / "b"), "-kndiscount", "-interpolate",
                          "-text", str(test), "-lm", str(tmp_path / "sub.arpa"), "-q"])
    model = load(tmp_path / "sub.arpa")
    contexts = {("<s>",), ("the",), ("old",), ("man",), ("</s>",), ("<s>", "the"), ("the", "old"), ("old", "man"),
                ("man", "</s>")}
    # the subset keeps the unigrams and the n-grams whose context the test text has
    for k in (2, 3):
        for row in model.ngrams[k - 1]:
            assert tuple(model.vocab.words[i] for i in row[:-1]) in contexts
    with gzip.open(counts, "rt") as f:
        unigrams = sum(1 for line in f if line.count(" ") == 0)
    assert len(model.ngrams[0]) == unigrams


# Bigram counts of the sentences "a b" (three times) and "a c"; in INCONSISTENT a's count (5)
# is more than its bigrams' (4), as when some n-grams were filtered out of the count files.
SMALL_COUNTS = ("<s>\t4\na\t4\nb\t3\nc\t1\n</s>\t4\n"
                "<s> a\t4\na b\t3\na c\t1\nb </s>\t3\nc </s>\t1\n")
INCONSISTENT = SMALL_COUNTS.replace("a\t4\n", "a\t5\n", 1)


def _bigram_logprob(tmp_path, text, *args):
    """log10 p(w | a) of make-big-lm's order-2 model of the counts `text`, per word w."""
    (tmp_path / "small.counts").write_text(text)
    name, lm = tmp_path / "small", tmp_path / "small.arpa"
    for old in tmp_path.glob("small.*[0-9]*"):
        old.unlink()
    make_big_lm_cmd.main(["-read", str(tmp_path / "small.counts"), "-order", "2", "-name", str(name),
                          "-lm", str(lm), "-q", *args])
    table = _table(load(lm))
    return {ngram[1]: p for ngram, (p, _) in table.items() if len(ngram) == 2 and ngram[0] == "a"}


def test_trust_totals_witten_bell(tmp_path, capsys):
    """Witten-Bell: p(w | h) = c(h w) / (T + N), T the total and N the words seen after h. With
    -gt2min 2 a c (count 1) is cut: as a meta-count it still counts in T and N (T = 4, N = 2,
    p(b | a) = 3/6); with -trust-totals there are no meta-counts, T is a's own count 4 and
    N = 1: p(b | a) = 3/5."""
    assert _bigram_logprob(tmp_path, SMALL_COUNTS, "-wbdiscount", "-gt2min", "2") == {
        "b": pytest.approx(math.log10(3 / 6), abs=1e-6)}
    assert _bigram_logprob(tmp_path, SMALL_COUNTS, "-wbdiscount", "-gt2min", "2", "-trust-totals") == {
        "b": pytest.approx(math.log10(3 / 5), abs=1e-6)}


def test_trust_totals_good_turing(tmp_path, capsys):
    """Undiscounted Good-Turing (-gtNmax 0): p(w | h) = c(h w) / T. T is the bigrams' sum 4,
    or with -trust-totals a's count 5, so the missing count goes to the backoff."""
    plain = _bigram_logprob(tmp_path, INCONSISTENT, "-gt1max", "0", "-gt2max", "0")
    assert plain == {"b": pytest.approx(math.log10(3 / 4), abs=1e-6), "c": pytest.approx(math.log10(1 / 4), abs=1e-6)}
    trusted = _bigram_logprob(tmp_path, INCONSISTENT, "-gt1max", "0", "-gt2max", "0", "-trust-totals")
    assert trusted == {"b": pytest.approx(math.log10(3 / 5), abs=1e-6),
                       "c": pytest.approx(math.log10(1 / 5), abs=1e-6)}


def test_trust_totals_ignored_with_kneser_ney(tmp_path, capsys):
    args = ["-ukndiscount", "-interpolate"]
    assert _bigram_logprob(tmp_path, SMALL_COUNTS, *args, "-trust-totals") == _bigram_logprob(
        tmp_path, SMALL_COUNTS, *args)
    assert "make-big-lm: warning: -trust-totals incompatible with KN discounting; ignoring it" in capsys.readouterr().err


def test_ngram_filter(tmp_path, capsys):
    """The filter sees the count files' text: with a c filtered out, Witten-Bell's p(b | a) is
    3 / (3 + 1) instead of 3 / (4 + 2)."""
    (tmp_path / "small.counts.gz").write_bytes(gzip.compress(SMALL_COUNTS.encode()))
    make_big_lm_cmd.main(["-read", str(tmp_path / "small.counts.gz"), "-order", "2", "-name", str(tmp_path / "f"),
                          "-wbdiscount", "-ngram-filter", "grep -v '^a c'", "-lm", str(tmp_path / "f.arpa"), "-q"])
    table = _table(load(tmp_path / "f.arpa"))
    assert table[("a", "b")][0] == pytest.approx(math.log10(3 / 4), abs=1e-6)
    assert ("a", "c") not in table and ("c",) in table
    with pytest.raises(SystemExit):
        make_big_lm_cmd.main(["-read", str(tmp_path / "small.counts.gz"), "-name", str(tmp_path / "g"),
                              "-ngram-filter", "exit 3", "-lm", str(tmp_path / "g.arpa")])
    assert capsys.readouterr().err == "make-big-lm: -ngram-filter 'exit 3' failed (exit status 3)\n"
    with pytest.raises(SystemExit):
        make_big_lm_cmd.main(["-read", str(tmp_path / "small.counts.gz"), "-name", str(tmp_path / "g"),
                              "-ngram-filter", "sed 's/^a b\t3/a b\tx/'", "-lm", str(tmp_path / "g.arpa")])
    err = capsys.readouterr().err
    assert err.startswith("make-big-lm: output of -ngram-filter ") and ":7: " in err and err.count("\n") == 1


def _discounts(path):
    return [float(line.split()[1]) for line in path.read_text().splitlines()[1:]]


def test_kndiscount_n_gives_unigrams_original_kneser_ney(counts, tmp_path):
    """The script's table of flags: any -kndiscountN also sets original Kneser-Ney for order 1,
    so with -kndiscount1 -kndiscount2 -kndiscount3 the unigrams' discount file has one discount,
    n1 / (n1 + 2 n2) of their continuation counts, three times; -kndiscount gives them modified
    Kneser-Ney's three (D1 = 1 - 2Y n2/n1, D2 = 2 - 3Y n3/n2, D3+ = 3 - 4Y n4/n3)."""
    per_order, every = tmp_path / "per-order", tmp_path / "every"
    make_big_lm_cmd.main(["-read", str(counts), "-name", str(per_order), "-kndiscount1", "-kndiscount2",
                          "-kndiscount3", "-lm", str(tmp_path / "per-order.arpa"), "-q"])
    make_big_lm_cmd.main(["-read", str(counts), "-name", str(every), "-kndiscount", "-lm",
                          str(tmp_path / "every.arpa"), "-q"])
    coc = {int(c): int(n) for c, n in (line.split() for line in (tmp_path / "per-order.gt1counts").read_text()
                                        .splitlines() if not line.startswith("total"))}
    y = coc[1] / (coc[1] + 2 * coc[2])
    assert _discounts(tmp_path / "per-order.kn1") == pytest.approx([y] * 3, rel=1e-5)
    assert _discounts(tmp_path / "every.kn1") == pytest.approx(
        [1 - 2 * y * coc[2] / coc[1], 2 - 3 * y * coc[3] / coc[2], 3 - 4 * y * coc[4] / coc[3]], rel=1e-5)
    # the same continuation counts, and the higher orders' files alike
    assert (tmp_path / "per-order.gt1counts").read_text() == (tmp_path / "every.gt1counts").read_text()
    for k in (2, 3):
        assert (tmp_path / f"per-order.kn{k}").read_text() == (tmp_path / f"every.kn{k}").read_text()
    # so the unigrams differ
    a, b = _table(load(tmp_path / "per-order.arpa")), _table(load(tmp_path / "every.arpa"))
    assert a[("the",)][0] != b[("the",)][0]


def test_script_table_of_kneser_ney_flags():
    """-ukndiscountN is the script's modified Kneser-Ney on order N (and its continuation counts);
    -kndiscountN gives order 1 original Kneser-Ney's discounts, without continuation counts
    unless -kndiscount1 is given too."""
    def methods(*args):
        return make_big_lm_cmd.methods_of(parse(list(args), make_big_lm_cmd.OPTIONS, "make-big-lm"))

    assert methods("-kndiscount3") == (["original-kneser-ney", "good-turing", "kneser-ney"], [3])
    assert methods("-ukndiscount2") == (["good-turing", "kneser-ney", "good-turing"], [2])
    assert methods("-kndiscount") == (["kneser-ney"] * 3, [1, 2, 3])
    assert methods("-ukndiscount") == (["original-kneser-ney"] * 3, [1, 2, 3])
