"""SRILM's discount parameter files (-gtN, -knN): written without -lm in Discount::write's
format, read with -lm instead of estimating; values worked out by hand."""

import numpy as np
import pytest

from ngramkit.cli import ngram_count as ngram_count_cmd
from ngramkit.formats import load

# Bigrams: a b, <s> a, b </s> 4 times; c d, <s> c, d </s> 3 times; e f ... twice; g h ... once;
# <s> i, i </s> once: n1 = 5, n2 = 3, n3 = 3, n4 = 3.
TEXT = "a b\n" * 4 + "c d\n" * 3 + "e f\n" * 2 + "g h\n" + "i\n"


@pytest.fixture
def text(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text(TEXT)
    return path


def test_kn_file_written_by_hand(text, tmp_path):
    out = tmp_path / "kn2.txt"
    ngram_count_cmd.main(["-order", "2", "-text", str(text), "-kn2", str(out), "-q"])
    # Y = n1 / (n1 + 2 n2) = 5/11; D1 = 1 - 2Y n2/n1 = 5/11, D2 = 2 - 3Y n3/n2 = 7/11,
    # D3+ = 3 - 4Y n4/n3 = 13/11; printed "%.16f" after "mincount" (-gt2min's default 1)
    y = 5 / 11
    d = (1 - 2 * y * 3 / 5, 2 - 3 * y * 3 / 3, 3 - 4 * y * 3 / 3)
    assert out.read_text() == f"mincount 1\ndiscount1 {d[0]:.16f}\ndiscount2 {d[1]:.16f}\ndiscount3+ {d[2]:.16f}\n"
    assert [round(x * 11, 9) for x in d] == [5, 7, 13]


def test_kn_file_read_instead_of_estimating(text, tmp_path):
    discounts = tmp_path / "mine.kn"
    discounts.write_text("mincount 1\ndiscount1 0.5\ndiscount2 1\ndiscount3+ 1.5\n")
    ngram_count_cmd.main(["-order", "2", "-text", str(text), "-kn2", str(discounts), "-lm", str(tmp_path / "lm.arpa"),
                          "-q"])
    # backoff Kneser-Ney: p(b | a) = (c(a b) - D3+) / c(a) = (4 - 1.5) / 4, printed %.7g
    lines = (tmp_path / "lm.arpa").read_text().splitlines()
    assert f"{np.float32(np.log10((4 - 1.5) / 4)):.7g}\ta b" in lines


def test_written_files_read_back_give_the_estimated_model(tmp_path):
    # a text with every count-of-count Kneser-Ney needs at each order
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(300)]
    text = tmp_path / "random.txt"
    text.write_text("".join(" ".join(rng.choice(words, size=rng.integers(3, 12), p=_zipf(300))) + "\n"
                            for _ in range(1000)))
    for flag, method in (("-kn", ["-kndiscount"]), ("-gt", [])):
        files = [str(tmp_path / f"{flag[1:]}{k}.txt") for k in (1, 2, 3)]
        per_order = [a for k, path in enumerate(files, start=1) for a in (f"{flag}{k}", path)]
        ngram_count_cmd.main(["-order", "3", "-text", str(text), *method, *per_order, "-q"])
        ngram_count_cmd.main(["-order", "3", "-text", str(text), *method, *per_order, "-lm", str(tmp_path / "read.arpa"),
                              "-q"])
        ngram_count_cmd.main(["-order", "3", "-text", str(text), *method, "-lm", str(tmp_path / "direct.arpa"), "-q"])
        assert (tmp_path / "read.arpa").read_text() == (tmp_path / "direct.arpa").read_text()
    assert (tmp_path / "gt2.txt").read_text().startswith("mincount 1\nmaxcount ")


def _zipf(n):
    p = 1.0 / np.arange(1, n + 1)
    return p / p.sum()


def test_gt_file_mincount_replaces_the_cutoff(text, tmp_path):
    # all coefficients 1 (no discounting) and mincount 2: bigrams seen once are dropped
    (tmp_path / "gt2.txt").write_text("mincount 2\nmaxcount 1\ndiscount 1 1\n")
    ngram_count_cmd.main(["-order", "2", "-text", str(text), "-gt2", str(tmp_path / "gt2.txt"), "-lm",
                          str(tmp_path / "lm.arpa"), "-q"])
    model = load(tmp_path / "lm.arpa")
    kept = {" ".join(model.vocab.words[i] for i in row) for row in model.ngrams[1].tolist()}
    assert "g h" not in kept and "<s> i" not in kept and "e f" in kept


def test_bad_discount_files(text, tmp_path, capsys):
    # SRILM 1.7.3's readers (sscanf): a keyword at the line's start and a number's prefix; a line
    # they cannot take fails as SRILM's ngram-count fails, its reader's line and its own, status 1
    cases = {"bogus 1\n": "bad.kn: line 1: unrecognized parameter",
             "mincount 1\n\ndiscount1 x\n": "bad.kn: line 3: unrecognized parameter",
             "mincount 1\ndiscount1 0.6\n discount2 0.8\n": "bad.kn: line 3: unrecognized parameter",
             "discount1 0.5\nDiscount2 0.8\n": "bad.kn: line 2: unrecognized parameter"}
    for content, message in cases.items():
        (tmp_path / "bad.kn").write_text(content)
        with pytest.raises(SystemExit) as exit_info:
            ngram_count_cmd.main(["-order", "2", "-text", str(text), "-kn2", str(tmp_path / "bad.kn"), "-lm",
                                  str(tmp_path / "lm.arpa"), "-q"])
        assert exit_info.value.code == 1
        err = capsys.readouterr().err
        assert err.endswith(f"{tmp_path}/{message}\nerror in reading discount parameter file {tmp_path}/bad.kn\n")
    (tmp_path / "bad.gt").write_text("maxcount 101\n")  # above SRILM's maxNgramOrder, 100
    with pytest.raises(SystemExit):
        ngram_count_cmd.main(["-order", "2", "-text", str(text), "-gt2", str(tmp_path / "bad.gt"), "-lm",
                              str(tmp_path / "lm.arpa"), "-q"])
    assert "bad.gt: line 1: maxcount value out of range\n" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        ngram_count_cmd.main(["-order", "2", "-text", str(text), "-kn2", "a", "-gt2", "b"])
    assert "conflicting discounting options for order 2" in capsys.readouterr().err


def test_discount_files_are_read_as_srilm_reads_them(text, tmp_path):
    # What SRILM 1.7.3 reads of these lines: "discount1 0.7" in a Good-Turing file is count 1's
    # coefficient (%u reads the 1), text after a number is ignored, "## " lines are comments,
    # "discount10 0.8" is discount1 = 0 (%lf reads the "0"), "3+1.5" needs no blank
    (tmp_path / "a.gt").write_text("## made by hand\nmaxcount 3x\ndiscount 1 0.5\ndiscount1 0.7\n"
                                    "discount 2 0.9 xx\ndiscount 3 1\n")
    (tmp_path / "b.gt").write_text("maxcount 3\ndiscount 1 0.7\ndiscount 2 0.9\ndiscount 3 1\n")
    (tmp_path / "a.kn").write_text("discount1 0.5\ndiscount2 1.1\ndiscount3+1.5\ndiscount10 0.8\n")
    (tmp_path / "b.kn").write_text("discount1 0\ndiscount2 1.1\ndiscount3+ 1.5\n")
    arpa = {}
    for name in ("a.gt", "b.gt", "a.kn", "b.kn"):
        ngram_count_cmd.main(["-order", "2", "-text", str(text), f"-{name[2:]}2", str(tmp_path / name), "-lm",
                              str(tmp_path / f"{name}.arpa"), "-q"])
        arpa[name] = (tmp_path / f"{name}.arpa").read_text()
    assert arpa["a.gt"] == arpa["b.gt"] and arpa["a.kn"] == arpa["b.kn"]


def test_read_with_mincounts(tmp_path):
    (tmp_path / "t.txt").write_text("a b c\na b c\na b d\nb d\n")
    ngram_count_cmd.main(["-order", "3", "-text", str(tmp_path / "t.txt"), "-sort", "-write", str(tmp_path / "c.txt")])
    ngram_count_cmd.main(["-order", "3", "-read", str(tmp_path / "c.txt"), "-read-with-mincounts", "-gt2min", "3",
                          "-gt3min", "1", "-write", str(tmp_path / "kept.txt")])
    # bigrams below 3 go (<s> b 1, b c 2, b d 2, c </s> 2, d </s> 2) unless a trigram kept (all,
    # at -gt3min 1) starts with them: then they stay with count 0, as SRILM's count trie keeps them
    assert (tmp_path / "kept.txt").read_text() == (
        "</s>\t4\n<s>\t4\n<s> a\t3\n<s> a b\t3\n<s> b\t0\n<s> b d\t1\na\t3\na b\t3\na b c\t2\na b d\t1\n"
        "b\t4\nb c\t0\nb c </s>\t2\nb d\t0\nb d </s>\t2\nc\t2\nd\t2\n")


def test_discount_file_warnings_are_srilms(tmp_path, capsys):
    # SRILM 1.7.3, `ngram-count -order 2 -text t.txt -gt2 gt2 -lm lm`: order 1's estimate warns
    # first; order 2's file then warns of a count above 100 at its line and of each zero
    # coefficient from mincount to maxcount at the file's last line, where its reader stands.
    (tmp_path / "t.txt").write_text("a b c\na b c\na b d\nb d\n")
    (tmp_path / "gt2").write_text("mincount 1\nmaxcount 4\ndiscount 1 0.4\ndiscount 101 0.5\ndiscount 3 0.9\n\n")
    ngram_count_cmd.main(["-order", "2", "-text", str(tmp_path / "t.txt"), "-gt2", str(tmp_path / "gt2"),
                          "-lm", str(tmp_path / "lm.arpa")])
    gt2 = tmp_path / "gt2"
    assert capsys.readouterr().err.endswith(
        f"{gt2}: line 4: warning: count value out of range\n"
        f"{gt2}: line 6: warning: discount coefficient 2 = 0.0\n"
        f"{gt2}: line 6: warning: discount coefficient 4 = 0.0\n")
