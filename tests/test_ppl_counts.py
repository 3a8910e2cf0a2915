"""Perplexity from counts (`ngram -counts`), multiwords (`-multiwords`) and -99 as log 0, against
SRILM 1.7.3's outputs."""

import gzip
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_ngram as run

from ngramkit.arpa import read_arpa
from ngramkit.perplexity import PerplexityScorer

DATA = Path(__file__).parent / "data"
MORE = DATA / "srilm_more"
EN_MKN3 = DATA / "reference" / "en" / "srilm" / "mkn3.arpa.gz"
SHARED_MORE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "more"


@pytest.mark.parametrize("debug, name", [([], "counts-en-test20.ppl0.txt"), (["-debug", "2"], "counts-en-test20.ppl2.txt")])
def test_counts_match_srilm(capsysbinary, debug, name):
    argv = ["-lm", str(EN_MKN3), "-order", "3", "-counts", "counts-en-test20.counts3.txt", *debug]
    assert run(argv, MORE, capsysbinary) == (MORE / name).read_bytes()


def test_counts_stats(tmp_path):
    # "<s> a" twice and "a </s>" once, under a unigram-only reading of mkn3: orders above 1 dropped
    counts = tmp_path / "c.txt"
    counts.write_text("<s> a\t2\na </s>\t1\na\t3\nzzzunseen\t4\n")
    model = read_arpa(EN_MKN3)
    stats = PerplexityScorer(model).score_counts(counts, order=1)
    # only "a" (3 words) and the OOV (4): no sentence
    assert (stats.sentences, stats.words, stats.oovs, stats.zeroprobs) == (0, 7, 4, 0)
    a = model.logprob[0][model.vocab.index["a"] == model.ngrams[0][:, 0]][0]
    assert stats.logprob == 3 * float(a)
    stats = PerplexityScorer(model).score_counts(counts)
    assert (stats.sentences, stats.words) == (1, 9)


@pytest.mark.skipif(not (SHARED_MORE / "en" / "test.counts3.txt.gz").exists(), reason="shared references not available")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_counts_full_test_set(tmp_path, capsysbinary, lang):
    with gzip.open(SHARED_MORE / lang / "test.counts3.txt.gz", "rb") as f:
        (tmp_path / "test.counts3.txt").write_bytes(f.read())
    model = EN_MKN3 if lang == "en" else SHARED_MORE.parent / "zh" / "srilm" / "mkn3.arpa.gz"
    out = run(["-lm", str(model), "-order", "3", "-counts", "test.counts3.txt"], tmp_path, capsysbinary)
    assert out == (SHARED_MORE / lang / "ppl-counts.ppl0.txt").read_bytes()


def test_malformed_counts_are_one_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("a b\t1\nc d\tmany\n")
    proc = subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram", "-lm", str(EN_MKN3), "-counts", str(bad)],
                          check=False, capture_output=True, text=True)
    assert proc.returncode == 4
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"ngram: {bad}:2:")


@pytest.mark.parametrize("options, name", [(["-multiwords"], "multiwords-en-ppl0.txt"),
                                           (["-multiwords", "-debug", "2"], "multiwords-en-ppl2.txt"),
                                           ([], "multiwords-en-no-split.ppl0.txt")])
def test_multiwords_match_srilm(capsysbinary, options, name):
    argv = ["-lm", str(EN_MKN3), "-order", "3", *options, "-ppl", "multiwords-en-test20.mw.txt"]
    assert run(argv, MORE, capsysbinary) == (MORE / name).read_bytes()


def test_multiword_parts_by_hand(tmp_path):
    # "of_the" scores as "of the": the same log probability as the plain words; "__of__the_" too
    model = read_arpa(EN_MKN3)
    (tmp_path / "mw.txt").write_text("we think of_the people\nwe think __of__the_ people\n")
    (tmp_path / "plain.txt").write_text("we think of the people\n")
    split = PerplexityScorer(model, multiwords=True).score_file(tmp_path / "mw.txt")
    plain = PerplexityScorer(model).score_file(tmp_path / "plain.txt")
    assert split.words == 8 and plain.words == 5
    assert split.logprob == pytest.approx(2 * plain.logprob, abs=1e-4)


@pytest.mark.skipif(not (SHARED_MORE / "en" / "gt3-bigvocab.arpa.gz").exists(), reason="shared references not available")
def test_log_zero_unigrams_are_zeroprobs(tmp_path, capsysbinary):
    with gzip.open(DATA / "reference" / "en" / "test.txt.gz", "rb") as f:
        (tmp_path / "test.txt").write_bytes(f.read())
    out = run(["-lm", str(SHARED_MORE / "en" / "gt3-bigvocab.arpa.gz"), "-order", "3", "-ppl", "test.txt"],
              tmp_path, capsysbinary)
    assert out == (SHARED_MORE / "en" / "gt3-bigvocab.ppl0.txt").read_bytes()


def test_count_file_comments_and_blank_lines_are_passed_over(tmp_path, capsysbinary):
    # SRILM 1.7.3 gives the count file, with a `##` line and a blank one put in, the reference's output
    lines = (MORE / "counts-en-test20.counts3.txt").read_text().splitlines(keepends=True)
    (tmp_path / "counts-en-test20.counts3.txt").write_text("".join(lines[:3] + ["## comment 5\n", "\n"] + lines[3:]))
    argv = ["-lm", str(EN_MKN3), "-order", "3", "-counts", "counts-en-test20.counts3.txt", "-debug", "2"]
    assert run(argv, tmp_path, capsysbinary) == (MORE / "counts-en-test20.ppl2.txt").read_bytes()
