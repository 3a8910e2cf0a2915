"""Digits of the class tools against SRILM 1.7.3's (tests/data/class_details, see its README):
`ngram-class -debug 2`'s merge trace (from a text and from count files, zero counts among them),
`-debug 1`'s log likelihood, summed in float32 in SRILM's
table order, and `ngram -expand-classes`'s unigram probabilities, normalised by a float32 sum in SRILM's order."""

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "class_details"
CLASSES = Path(__file__).parent / "data" / "classes"


def run_cli(module, argv, cwd):
    return subprocess.run([sys.executable, "-m", f"ngramkit.cli.{module}"] + [str(a) for a in argv],
                          check=False, capture_output=True, cwd=cwd)


@pytest.fixture
def texts(tmp_path):
    lines = (CLASSES / "train300.txt").read_bytes().splitlines(keepends=True)
    for name, n in (("train300.txt", 300), ("tiny100.txt", 100), ("tiny30.txt", 30)):
        (tmp_path / name).write_bytes(b"".join(lines[:n]))
    return tmp_path


@pytest.mark.parametrize("name, argv", [
    ("tiny100-incr50", ["-text", "tiny100.txt", "-numclasses", 50]),
    ("tiny100-incr30-max20", ["-text", "tiny100.txt", "-numclasses", 30, "-maxwordsperclass", 20]),
    ("tiny30-full10", ["-text", "tiny30.txt", "-numclasses", 10, "-full"]),
    ("train300-none", ["-text", "train300.txt", "-numclasses", 0]),
    ("train300-incr100", ["-text", "train300.txt", "-numclasses", 100]),
])
def test_ngram_class_debug1_stats_as_srilm(texts, name, argv):
    proc = run_cli("ngram_class", argv + ["-debug", 1], texts)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == (DATA / f"{name}.debug1.stderr.txt").read_bytes()



@pytest.mark.parametrize("name, argv", [
    ("tiny100-incr30-max20", ["-text", "tiny100.txt", "-numclasses", 30, "-maxwordsperclass", 20]),
    ("tiny30-full10", ["-text", "tiny30.txt", "-numclasses", 10, "-full"]),
    ("tiny30-read-incr50", ["-text", "tiny30.txt", "-read", DATA / "tiny30-read.classes.txt", "-numclasses", 50]),
])
def test_ngram_class_debug2_merge_trace_as_srilm(texts, name, argv):
    # every merge's float32 loss and the perplexity of SRILM's float32 totalLogP after it
    proc = run_cli("ngram_class", argv + ["-debug", 2], texts)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == gzip.decompress((DATA / f"{name}.debug2.stderr.txt.gz").read_bytes())

def test_ngram_class_read_passes_over_blank_and_comment_lines(texts):
    # SRILM's File::getline passes over blank lines (C's isspace only) and ## comments: the trace
    # is that of the file without them
    argv = ["-text", "tiny30.txt", "-read", DATA / "tiny30-read-blanks.classes.txt", "-numclasses", 50, "-debug", 2]
    proc = run_cli("ngram_class", argv, texts)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == gzip.decompress((DATA / "tiny30-read-incr50.debug2.stderr.txt.gz").read_bytes())


def test_ngram_class_read_malformed_line_is_one_line(texts):
    (texts / "bad.classes").write_text("CLASS-1 0.5 the\n\n## a comment\nCLASS-1 of\n")
    proc = run_cli("ngram_class", ["-text", "tiny30.txt", "-read", "bad.classes", "-numclasses", 5], texts)
    assert proc.returncode == 4
    assert proc.stderr == b"ngram-class: bad.classes:4: malformed class expansion (not 'CLASS p word')\n"


@pytest.mark.parametrize("name, argv", [
    ("tiny30-counts-incr50", ["-counts", "tiny30.counts.gz", "-numclasses", 50, "-classes", "-"]),
    # bigrams only: every word's unigram count is 0, yet the first words of bigrams are classed
    ("tiny10-bigrams-incr10", ["-counts", "tiny10.bigrams.gz", "-numclasses", 10, "-classes", "-"]),
    ("tiny10-bigrams-full10", ["-counts", "tiny10.bigrams.gz", "-numclasses", 10, "-full", "-class-counts", "-"]),
    # zero counts, words without a unigram line, <s> and <unk> following no unigram
    ("zero-incr1", ["-counts", "zero.counts", "-numclasses", 1, "-classes", "-"]),
    ("zero-incr2", ["-counts", "zero.counts", "-numclasses", 2, "-class-counts", "-"]),
])
def test_ngram_class_counts_debug2_as_srilm(name, argv):
    # a count file's unigrams are the words of SRILM's count trie: a word with a unigram of count
    # 0, or that begins a bigram only, is classed too (with probability 0)
    proc = run_cli("ngram_class", argv + ["-debug", 2], DATA)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == gzip.decompress((DATA / f"{name}.debug2.stderr.txt.gz").read_bytes())
    assert proc.stdout == gzip.decompress((DATA / f"{name}.debug2.stdout.txt.gz").read_bytes())


def test_ngram_class_counts_bigram_word_without_unigram(tmp_path):
    # SRILM: `word 2 in bigram "x y" has no unigram count` (y neither has a unigram nor begins a
    # bigram), exit 1; a word that begins a bigram has one
    (tmp_path / "c.counts").write_text("x y 1\ny z 2\n")
    proc = run_cli("ngram_class", ["-counts", "c.counts", "-numclasses", 1], tmp_path)
    assert proc.returncode == 4
    assert proc.stderr == b'ngram-class: c.counts:2: word 2 in bigram "y z" has no unigram count\n'


def test_expand_classes_unigrams_as_srilm(tmp_path):
    # 12040 unigrams: their sum, in float32, depends on the order and on AddLogP's double arithmetic
    (tmp_path / "classes100.txt").write_bytes(gzip.decompress((CLASSES / "classes100.txt.gz").read_bytes()))
    proc = run_cli("ngram", ["-lm", DATA / "cls100-unigram.arpa", "-classes", "classes100.txt", "-order", 1,
                             "-expand-classes", 1, "-write-lm", "out.arpa"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.arpa").read_bytes() == gzip.decompress(
        (DATA / "cls100-unigram-expanded.arpa.gz").read_bytes())
