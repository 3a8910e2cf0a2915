"""Counting and count files against SRILM's `ngram-count -sort -write` output and hand counts."""

import bz2
import gzip
import json
import lzma
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REFERENCE, SHARED_REFERENCE, needs_shared
from make_reference_samples import sampled

from ngramkit.cli.main import main as ngramkit_main
from ngramkit.cli.ngram_count import main as ngram_count
from ngramkit.countfile import read_counts
from ngramkit.counting import RunOptions, count_text


def count_lines(path):
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_counts_match_srilm_sample(lang, tmp_path, cli):
    out = tmp_path / "counts.txt"
    status, _, err = cli(ngram_count, ["-order", 3, "-text", REFERENCE / lang / "train.txt.gz",
                                       "-sort", "-write", out])
    assert status == 0, err
    lines = count_lines(out)
    sizes = {}
    for line in lines:
        n = len(line.split("\t")[0].split(" "))
        sizes[str(n)] = sizes.get(str(n), 0) + 1
    reference_sizes = json.loads((REFERENCE / lang / "srilm" / "counts3.sizes.json").read_text())
    assert sizes == reference_sizes
    ours = [line for line in lines if sampled(line.split("\t")[0].split(" ")[0])]
    with gzip.open(REFERENCE / lang / "srilm" / "counts3.sample.txt.gz", "rt", encoding="utf-8") as f:
        reference = f.read().splitlines()
    assert len(reference) > 1000
    assert ours == reference


@needs_shared
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_counts_identical_to_full_srilm_file(lang, tmp_path, cli):
    out = tmp_path / "counts.txt"
    status, _, err = cli(ngram_count, ["-order", 3, "-text", SHARED_REFERENCE / lang / "train.txt.gz",
                                       "-sort", "-write", out])
    assert status == 0, err
    with gzip.open(SHARED_REFERENCE / lang / "srilm" / "counts3.txt.gz", "rb") as f:
        assert out.read_bytes() == f.read()


def test_memory_cap_gives_identical_counts(tmp_path, cli):
    text = REFERENCE / "en" / "train.txt.gz"
    free, capped = tmp_path / "free.txt", tmp_path / "capped.txt"
    assert cli(ngram_count, ["-order", 4, "-text", text, "-sort", "-write", free])[0] == 0
    status, _, err = cli(ngram_count, ["-order", 4, "-text", text, "-sort", "-write", capped,
                                       "-memory", "2M", "-temp-dir", tmp_path])
    assert status == 0, err
    assert capped.read_bytes() == free.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("ngramkit-")] == []


def test_memory_cap_gives_identical_model(tmp_path, cli):
    # capped, the counts stay memory-mapped on disk while the model is estimated from them
    text = REFERENCE / "en" / "train.txt.gz"
    free, capped = tmp_path / "free.arpa", tmp_path / "capped.arpa"
    options = ["-order", 4, "-kndiscount", "-interpolate", "-text", text, "-write-vocab", tmp_path / "v"]
    assert cli(ngram_count, options + ["-lm", free])[0] == 0
    status, _, err = cli(ngram_count, options + ["-lm", capped, "-memory", "2M", "-temp-dir", tmp_path])
    assert status == 0, err
    assert capped.read_bytes() == free.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("ngramkit-")] == []


HAND_TEXT = "a b a\n\n   \nb a\n"
# <s> a b a </s> and <s> b a </s>; the blank lines are skipped.
HAND_COUNTS = """</s>\t2
<s>\t2
<s> a\t1
<s> a b\t1
<s> b\t1
<s> b a\t1
a\t3
a </s>\t2
a b\t1
a b a\t1
b\t2
b a\t2
b a </s>\t2
"""


def test_hand_counts(tmp_path, cli):
    text = tmp_path / "t.txt"
    text.write_text(HAND_TEXT)
    out = tmp_path / "c.txt"
    assert cli(ngram_count, ["-order", 3, "-text", text, "-sort", "-write", out])[0] == 0
    assert out.read_text() == HAND_COUNTS


@pytest.mark.parametrize("opener,suffix", [(gzip.open, ".gz"), (bz2.open, ".bz2"), (lzma.open, ".xz")])
def test_compressed_text(tmp_path, cli, opener, suffix):
    text = tmp_path / ("t.txt" + suffix)
    with opener(text, "wt") as f:
        f.write(HAND_TEXT)
    out = tmp_path / "c.txt.gz"
    assert cli(ngram_count, ["-order", 3, "-text", text, "-sort", "-write", out])[0] == 0
    with gzip.open(out, "rt") as f:
        assert f.read() == HAND_COUNTS


def test_stdin_and_stdout():
    proc = subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram_count", "-order", "3",
                           "-text", "-", "-sort", "-write", "-"], input=HAND_TEXT.encode(), capture_output=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode() == HAND_COUNTS


def test_sentence_markers_as_srilm(tmp_path, cli):
    # A line that already holds <s>/</s> gets no second marker; -no-sos/-no-eos add none.
    text = tmp_path / "t.txt"
    text.write_text("<s> x y </s>\nx y\n")
    out = tmp_path / "c.txt"
    assert cli(ngram_count, ["-order", 2, "-text", text, "-sort", "-write", out])[0] == 0
    assert out.read_text() == "</s>\t2\n<s>\t2\n<s> x\t2\nx\t2\nx y\t2\ny\t2\ny </s>\t2\n"
    assert cli(ngram_count, ["-order", 2, "-text", text, "-sort", "-write", out, "-no-sos", "-no-eos"])[0] == 0
    assert out.read_text() == "</s>\t1\n<s>\t1\n<s> x\t1\nx\t2\nx y\t2\ny\t2\ny </s>\t1\n"


def test_tolower_vocab_and_unk(tmp_path, cli):
    text = tmp_path / "t.txt"
    text.write_text("The cat\nthe DOG\n")
    vocab = tmp_path / "v.txt"
    vocab.write_text("the\ncat\ncat\n")
    out, vout = tmp_path / "c.txt", tmp_path / "vocab-out.txt"
    status, _, err = cli(ngram_count, ["-order", 2, "-text", text, "-tolower", "-vocab", vocab,
                                       "-write", out, "-write-vocab", vout])
    assert status == 0, err
    assert err == ""  # a word listed twice is one word, silently (SRILM)
    assert out.read_text() == ("</s>\t2\n<s>\t2\n<s> the\t2\n<unk>\t1\n<unk> </s>\t1\n"
                               "cat\t1\ncat </s>\t1\nthe\t2\nthe <unk>\t1\nthe cat\t1\n")
    assert vout.read_text() == "-pau-\n</s>\n<s>\n<unk>\ncat\nthe\n"  # SRILM's vocabulary always holds -pau-
    # -map-unk names the word that stands for unknown words.
    assert cli(ngram_count, ["-order", 1, "-text", text, "-tolower", "-vocab", vocab,
                             "-map-unk", "OOV", "-write", out])[0] == 0
    assert out.read_text() == "</s>\t2\n<s>\t2\nOOV\t1\ncat\t1\nthe\t2\n"


def test_write_orders_separately(tmp_path, cli):
    text = tmp_path / "t.txt"
    text.write_text(HAND_TEXT)
    w2, w3, all3 = tmp_path / "w2.txt", tmp_path / "w3.txt", tmp_path / "o3.txt"
    assert cli(ngram_count, ["-order", 3, "-text", text, "-sort", "-write2", w2, "-write3", w3,
                             "-write", all3, "-write-order", 3])[0] == 0
    by_order = lambda n: [l for l in HAND_COUNTS.splitlines(True) if len(l.split("\t")[0].split()) == n]
    assert w2.read_text() == "".join(by_order(2))
    assert w3.read_text() == "".join(by_order(3))
    assert all3.read_text() == w3.read_text()


def test_read_sums_count_files(tmp_path, cli):
    counts = tmp_path / "c.txt"
    counts.write_text(HAND_COUNTS)
    other = tmp_path / "d.txt.gz"
    with gzip.open(other, "wt") as f:
        f.write("a b\t5\nzz\t1\n")
    out = tmp_path / "sum.txt"
    assert cli(ngram_count, ["-order", 3, "-read", counts, "-read", other, "-write", out])[0] == 0
    expected = HAND_COUNTS.replace("\na b\t1\n", "\na b\t6\n") + "zz\t1\n"
    assert expected.count("\t6\n") == 1
    assert out.read_text() == expected
    # The same through the merge command, and with -limit-vocab dropping n-grams of unknown words.
    result = CliRunner().invoke(ngramkit_main, ["merge-counts", str(counts), str(other), "--write", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == expected
    vocab = tmp_path / "v.txt"
    vocab.write_text("a\nb\n")
    assert cli(ngram_count, ["-order", 3, "-read", other, "-vocab", vocab, "-limit-vocab",
                             "-write", out])[0] == 0
    assert out.read_text() == "a\t0\na b\t5\n"  # SRILM 1.7.3's: the prefix a counted 0


def test_order_ten(tmp_path):
    text = tmp_path / "t.txt"
    words = [f"w{i}" for i in range(12)]
    text.write_text(" ".join(words) + "\n" + " ".join(words[:5]) + "\n")
    counts = count_text([text], 10, run=RunOptions(quiet=True))
    # Sentence 1 has 14 tokens with <s>, </s>: 14 - 10 + 1 = 5 ten-grams; sentence 2 has 7 tokens: none.
    assert counts.order == 10
    assert len(counts.counts[9]) == 5 and counts.counts[9].tolist() == [1] * 5
    # Order 5: 10 windows in sentence 1, 3 in sentence 2, of which "<s> w0 w1 w2 w3" and
    # "w0 w1 w2 w3 w4" occur in both.
    assert int(counts.counts[4].sum()) == 13 and len(counts.counts[4]) == 11
    assert sorted(counts.counts[4].tolist()) == [1] * 9 + [2, 2]
    vocab = counts.vocab
    first = counts.ngrams[9][0]
    assert [vocab.words[i] for i in first] == ["<s>"] + words[:9]


def test_ngramkit_count_command(tmp_path):
    text = tmp_path / "t.txt"
    text.write_text(HAND_TEXT)
    out = tmp_path / "c.txt"
    result = CliRunner().invoke(ngramkit_main, ["count", "--order", "3", "--text", str(text),
                                                "--write", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert out.read_text() == HAND_COUNTS


def test_read_counts_api_matches_text_counts():
    text = REFERENCE / "en" / "train.txt.gz"
    from_text = count_text([text], 2, run=RunOptions(quiet=True))
    # Re-read what we write: identical tables.
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "c.txt")
        from ngramkit.countfile import write_counts
        write_counts(from_text, path)
        again = read_counts([path])
    assert again.vocab.words == [w for w in from_text.vocab.words]
    for k in range(2):
        assert np.array_equal(again.ngrams[k], from_text.ngrams[k])
        assert np.array_equal(again.counts[k], from_text.counts[k])


def test_counts_beyond_int32_are_written(tmp_path):
    # one order needs int64, the other fits int32: both are written as read
    from ngramkit.countfile import read_counts, write_counts

    source = tmp_path / "big.counts"
    source.write_text("a\t3000000000\nb\t5\na b\t4\n")
    counts = read_counts([source])
    assert counts.counts[0].dtype == np.int64 and counts.counts[1].dtype == np.int32
    write_counts(counts, tmp_path / "out.counts")
    assert (tmp_path / "out.counts").read_text() == "a\t3000000000\na b\t4\nb\t5\n"


def test_ngram_merge_command(tmp_path, cli):
    from ngramkit.cli.ngram_merge import main as ngram_merge

    a, b, out = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "m.txt"
    a.write_text("x\t2\nx y\t1\n")
    b.write_text("x y\t4\ny\t3\n")
    status, _, err = cli(ngram_merge, ["-write", out, a, b])
    assert status == 0, err
    assert out.read_text() == "x\t2\nx y\t5\ny\t3\n"
    # SRILM 1.7.3's merges: the lines as they are (no prefix of a trigram added), fractional
    # counts summed with -float-counts; one file is refused
    a.write_text("a b c\t1\nb c d\t2\n")
    b.write_text("a b c\t3\nx y z\t1\n")
    assert cli(ngram_merge, ["-write", out, a, b])[0] == 0
    assert out.read_text() == "a b c\t4\nb c d\t2\nx y z\t1\n"
    a.write_text("a\t1.5\na b\t0.25\nb\t2\n")
    b.write_text("a\t0.1\nb\t1.333333333\nc d\t3\n")
    assert cli(ngram_merge, ["-float-counts", "-write", out, a, b])[0] == 0
    assert out.read_text() == "a\t1.6\na b\t0.25\nb\t3.333333333\nc d\t3\n"
    status, _, err = cli(ngram_merge, ["-write", out, a])
    assert status == 2 and err.strip() == "ngram-merge: need at least two input files"


def test_outputs_get_the_mode_of_a_normal_file(tmp_path, cli):
    # A temporary file is created 0600; the finished output has the mode the umask gives.
    import os
    import stat

    text, out = tmp_path / "t.txt", tmp_path / "c.txt"
    text.write_text("a\n")
    assert cli(ngram_count, ["-text", text, "-write", out])[0] == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
