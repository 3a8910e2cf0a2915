"""`ngram -multi-char C` (with -multiwords: a word holding C's first character is split at each
of C's characters; with -split-multiwords: N-best words are split at C's first character)
against SRILM 1.7.3's outputs on the model tests/data/mixture/a.arpa."""

from pathlib import Path

import pytest

from ngramkit.arpa import read_arpa
from ngramkit.cli import ngram

A = Path(__file__).resolve().parent / "data" / "mixture" / "a.arpa"
TEXT = "a+b c\na-b a_b\nb+-a\n"
NBEST = "-10 -5 2 a_b c\n-12 -4 3 a-b b_a a+c\n-11 -4 1 ab\n"


def run_in(cli, folder, monkeypatch, argv):
    monkeypatch.chdir(folder)
    return cli(ngram.main, argv)


# SRILM: ngram -lm a.arpa -multiwords -multi-char +- -ppl mw.txt -debug 2
PPL2_PLUS_MINUS = (
    "a+b c\n\tp( a+b | <s> ) \t= [2gram][2gram] 0.2511886 [ -0.6 ]\n\tp( c | a+b ...) \t= [1gram] 0.07943282 [ -1.1 ]\n"
    "\tp( </s> | c ...) \t= [1gram] 0.2511886 [ -0.6 ]\n1 sentences, 2 words, 0 OOVs\n"
    "0 zeroprobs, logprob= -2.3 ppl= 5.843414 ppl1= 14.12538\n\n"
    "a-b a_b\n\tp( a-b | <s> ) \t= [OOV] 0 [ -inf ]\n\tp( a_b | a-b ...) \t= [OOV] 0 [ -inf ]\n"
    "\tp( </s> | a_b ...) \t= [1gram] 0.2511886 [ -0.6 ]\n1 sentences, 2 words, 0 OOVs\n"
    "2 zeroprobs, logprob= -0.6 ppl= 3.981072 ppl1= undefined\n\n"
    "b+-a\n\tp( b+-a | <s> ) \t= [1gram][1gram] 0.02511886 [ -1.6 ]\n\tp( </s> | b+-a ...) \t= [1gram] 0.1584893 [ -0.8 ]\n"
    "1 sentences, 1 words, 0 OOVs\n0 zeroprobs, logprob= -2.4 ppl= 15.84893 ppl1= 251.1887\n\n"
    "file mw.txt: 3 sentences, 5 words, 0 OOVs\n2 zeroprobs, logprob= -5.3 ppl= 7.644223 ppl1= 58.43415\n")


def test_multiwords_split_at_every_character(cli, tmp_path, monkeypatch):
    (tmp_path / "mw.txt").write_text(TEXT)
    status, out, err = run_in(cli, tmp_path, monkeypatch,
                              ["-lm", A, "-multiwords", "-multi-char", "+-", "-ppl", "mw.txt", "-debug", 2])
    assert status == 0, err
    assert out == PPL2_PLUS_MINUS


@pytest.mark.parametrize("chars,totals", [
    # only words holding the first character are multiwords: b+-a is b, -a; a-b stays whole
    ("+", "3 zeroprobs, logprob= -3.5 ppl= 5.011873 ppl1= 56.23414"),
    ("-+", "2 zeroprobs, logprob= -5.2 ppl= 7.356423 ppl1= 54.11696"),
])
def test_multiwords_totals(cli, tmp_path, monkeypatch, chars, totals):
    (tmp_path / "mw.txt").write_text(TEXT)
    status, out, err = run_in(cli, tmp_path, monkeypatch, ["-lm", A, "-multiwords", "-multi-char", chars, "-ppl", "mw.txt"])
    assert status == 0, err
    assert out == f"file mw.txt: 3 sentences, 5 words, 0 OOVs\n{totals}\n"


@pytest.mark.parametrize("chars,expected", [
    # SRILM: ngram -lm a.arpa -nbest nb.txt -split-multiwords [-multi-char C]
    (None, "-11 -4.80000019073486 1 ab\n-12 -15.2000007629395 4 a-b b a a+c\n-10 -18.3999996185303 3 a b c\n"),
    ("+", "-11 -4.80000019073486 1 ab\n-10 -12.8000001907349 2 a_b c\n-12 -18.4000015258789 4 a-b b_a a c\n"),
    ("-_", "-11 -4.80000019073486 1 ab\n-12 -9.60000038146973 4 a b b_a a+c\n-10 -12.8000001907349 2 a_b c\n"),
])
def test_split_multiwords_in_nbest_lists(cli, tmp_path, monkeypatch, chars, expected):
    (tmp_path / "nb.txt").write_text(NBEST)
    extra = [] if chars is None else ["-multi-char", chars]
    status, out, err = run_in(cli, tmp_path, monkeypatch, ["-lm", A, "-nbest", "nb.txt", "-split-multiwords"] + extra)
    assert status == 0, err
    assert out == expected
    assert "warning: hyp contains zero prob words: ab\n" in err


def test_split_multiwords_in_nbestlist1(cli, tmp_path, monkeypatch):
    # SRILM: ngram -lm a.arpa -nbest nb4.txt -split-multiwords -rescore-wtw 0.5
    (tmp_path / "nb4.txt").write_text("NBestList1.0\n(-2000) a_b c\n(-2100) b_a+c\n")
    status, out, err = run_in(cli, tmp_path, monkeypatch,
                              ["-lm", A, "-nbest", "nb4.txt", "-split-multiwords", "-rescore-wtw", 0.5])
    assert status == 0, err
    assert out == "-93.3860168457031 -12.8000001907349 2 b a+c\n-88.9390640258789 -18.3999996185303 3 a b c\n"


def test_api_splits_multiwords(tmp_path):
    (tmp_path / "nb.txt").write_text(NBEST)
    rescored = read_arpa(A).rescore_nbest(tmp_path / "nb.txt", split_multiwords="+")
    assert rescored.words == ["ab", "a_b c", "a-b b_a a c"]


def test_empty_part_names_file_and_line(cli, tmp_path, monkeypatch):
    # SRILM keeps an empty part as an empty word, which a blank-separated hypothesis cannot hold
    (tmp_path / "nb.txt").write_text("-10 -5 2 a_b c\n-12 -4 2 a__b c\n")
    status, out, err = run_in(cli, tmp_path, monkeypatch, ["-lm", A, "-nbest", "nb.txt", "-split-multiwords"])
    assert status != 0
    assert err == "ngram: nb.txt:2: bad n-best hypothesis: the multiword 'a__b' has an empty part\n"


@pytest.mark.parametrize("argv,message", [
    (["-ppl", "mw.txt", "-multi-char", "+"], "-multi-char needs -multiwords or -split-multiwords"),
    (["-ppl", "mw.txt", "-multiwords", "-multi-char", "\u00b7"],
     "-multi-char: multiword separators are one-byte (ASCII) characters, not '\u00b7'"),
    (["-ppl", "mw.txt", "-split-multiwords"], "-split-multiwords applies to -nbest and -nbest-files"),
    (["-ppl", "mw.txt", "-tagged", "-multiwords", "-multi-char", "+"], "-tagged does not combine with -multi-char"),
])
def test_refused(cli, tmp_path, monkeypatch, argv, message):
    (tmp_path / "mw.txt").write_text(TEXT)
    status, _, err = run_in(cli, tmp_path, monkeypatch, ["-lm", A] + argv)
    assert status != 0
    assert err == f"ngram: {message}\n"
