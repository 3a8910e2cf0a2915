"""What separates words. SRILM (File.cc's wordSeparators) and lmplz split words at spaces, tabs
and CRs only: a form feed or vertical tab is part of a word, and so are the other bytes Python's
str.split() would split at (U+3000, U+00A0, U+001C). SRILM's File::getline passes over a line of
C's isspace only (such as a lone form feed), which lmplz counts as a word. KenLM's query and its
Python module split at all ASCII whitespace. The outputs in data/separators are SRILM 1.7.3's,
lmplz's, query's and the kenlm module's (see the README there); every test here but the kenlm
module's fails where words were split at form feeds and vertical tabs."""

import gzip
import io
import shutil

import pytest
from conftest import DATA, run_cli
from test_estimate_srilm import largest_difference

import ngramkit
from ngramkit.arpa import read_arpa
from ngramkit.cli.lmplz_cmd import build_lmplz
from ngramkit.cli.ngram import ngram
from ngramkit.cli.ngram_count import main as ngram_count_main
from ngramkit.cli.query import main as query_main

HERE = DATA / "separators"


def _gunzipped(name):
    return gzip.decompress((HERE / name).read_bytes())


@pytest.fixture
def in_data(tmp_path, monkeypatch):
    """The folder's inputs copied to a fresh working folder, which becomes the current one."""
    for name in ("t.txt", "v.txt", "test.txt", "prefixes.txt", "t.counts.gz", "gt3.arpa.gz", "wb3.arpa.gz",
                 "lmplz3.arpa.gz", "utt1.nbest"):
        shutil.copy(HERE / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_ngram_count_text_as_srilm(in_data, capsysbinary):
    status, _, err = run_cli(ngram_count_main, ["-text", "t.txt", "-order", "3", "-lm", "gt3.arpa"], capsysbinary)
    assert status == 0
    assert (in_data / "gt3.arpa").read_bytes() == _gunzipped("gt3.arpa.gz")
    assert err == (HERE / "gt3.stderr.txt").read_bytes()


def test_ngram_count_write_as_srilm(in_data, capsysbinary):
    # with nothing else written the counts go to stdout in SRILM's unsorted order, which follows
    # the words' indices: the same words in the same order of first appearance
    status, out, _ = run_cli(ngram_count_main, ["-text", "t.txt", "-order", "3"], capsysbinary)
    assert status == 0
    assert out == _gunzipped("t.counts.gz")


def test_count_file_as_srilm(in_data, capsysbinary):
    argv = ["-read", "t.counts.gz", "-order", "3", "-wbdiscount", "-lm", "wb3.arpa"]
    assert run_cli(ngram_count_main, argv, capsysbinary)[0] == 0
    assert (in_data / "wb3.arpa").read_bytes() == _gunzipped("wb3.arpa.gz")


@pytest.mark.parametrize("argv, expected", [
    (["-lm", "gt3.arpa.gz", "-ppl", "test.txt", "-debug", "2"], "gt3.ppl2.txt"),
    (["-lm", "wb3.arpa.gz", "-vocab", "v.txt", "-ppl", "test.txt", "-debug", "2"], "wb3.vocab.ppl2.txt"),
    (["-lm", "gt3.arpa.gz", "-gen-prefixes", "prefixes.txt", "-seed", "3"], "gt3.gen-prefixes-seed3.txt"),
    (["-lm", "gt3.arpa.gz", "-nbest", "utt1.nbest", "-rescore-lmw", "1"], "gt3.utt1.nbest.txt"),
])
def test_ngram_as_srilm(in_data, capsysbinary, argv, expected):
    status, out, _ = run_cli(ngram, argv, capsysbinary)
    assert status == 0
    assert out == (HERE / expected).read_bytes()


def test_lmplz_as_kenlm(in_data):
    ours = build_lmplz(3, "t.txt", "lmplz3.ours.arpa", discount_fallback="", quiet=True)
    assert "the\x0cend" in ours.vocab and "\x0c" in ours.vocab and "\u3000" in ours.vocab
    assert largest_difference(ours, read_arpa(in_data / "lmplz3.arpa.gz"), 0.0) < 1e-4


def test_query_as_kenlm(in_data, capsysbinary, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(open(in_data / "test.txt", "rb")))
    status, out, _ = run_cli(query_main, ["-v", "word", "lmplz3.arpa.gz"], capsysbinary)
    assert status == 0
    assert out == (HERE / "lmplz3.query.txt").read_bytes()


def test_module_scores_as_kenlm():
    model = ngramkit.Model(str(HERE / "lmplz3.arpa.gz"))
    sentences = (HERE / "test.txt").read_text(encoding="utf-8").split("\n")[:-1]
    expected = (HERE / "lmplz3.kenlm-scores.txt").read_text(encoding="utf-8").splitlines()
    assert len(sentences) == len(expected)
    for sentence, line in zip(sentences, expected):
        total, words = line.split("\t")
        assert model.score(sentence) == float(total)
        assert [(p, n) for p, n, _ in model.full_scores(sentence)] == [
            (float(p), int(n)) for p, n in (pair.split(":") for pair in words.split())]
    assert [float(line.split("\t")[0]) for line in expected] == model.score_batch(sentences).tolist()
