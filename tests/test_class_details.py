"""Digits of the class tools against SRILM 1.7.3's (tests/data/class_details, see its README):
`ngram-class -debug 2`'s merge trace, `-debug 1`'s log likelihood, summed in float32 in SRILM's
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

def test_expand_classes_unigrams_as_srilm(tmp_path):
    # 12040 unigrams: their sum, in float32, depends on the order and on AddLogP's double arithmetic
    (tmp_path / "classes100.txt").write_bytes(gzip.decompress((CLASSES / "classes100.txt.gz").read_bytes()))
    proc = run_cli("ngram", ["-lm", DATA / "cls100-unigram.arpa", "-classes", "classes100.txt", "-order", 1,
                             "-expand-classes", 1, "-write-lm", "out.arpa"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.arpa").read_bytes() == gzip.decompress(
        (DATA / "cls100-unigram-expanded.arpa.gz").read_bytes())
