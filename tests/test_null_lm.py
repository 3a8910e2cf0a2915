"""`ngram -null`: the null LM (probability 1 for every word) against SRILM 1.7.3's -ppl output."""

import pytest

from ngramkit.cli import ngram

TEXT = "a <s> b\n<s> a </s>\n-pau- a\n"

# SRILM: ngram -null -vocab v.txt -ppl sx.txt -debug 2 (v.txt: a, b)
WITH_VOCAB = (
    "a <s> b\n\tp( a | <s> ) \t=  1 [ 0 ]\n\tp( <s> | a ...) \t=  1 [ 0 ]\n\tp( b | <s> ...) \t=  1 [ 0 ]\n"
    "\tp( </s> | b ...) \t=  1 [ 0 ]\n1 sentences, 3 words, 0 OOVs\n0 zeroprobs, logprob= 0 ppl= 1 ppl1= 1\n\n"
    "<s> a </s>\n\tp( a | <s> ) \t=  1 [ 0 ]\n\tp( </s> | a ...) \t=  1 [ 0 ]\n1 sentences, 1 words, 0 OOVs\n"
    "0 zeroprobs, logprob= 0 ppl= 1 ppl1= 1\n\n"
    "-pau- a\n\tp( a | <s> ) \t=  1 [ 0 ]\n\tp( </s> | a ...) \t=  1 [ 0 ]\n1 sentences, 1 words, 0 OOVs\n"
    "0 zeroprobs, logprob= 0 ppl= 1 ppl1= 1\n\n"
    "file sx.txt: 3 sentences, 5 words, 0 OOVs\n0 zeroprobs, logprob= 0 ppl= 1 ppl1= 1\n")


def run_in(cli, folder, monkeypatch, argv):
    (folder / "sx.txt").write_text(TEXT)
    (folder / "v.txt").write_text("a\nb\n")
    monkeypatch.chdir(folder)
    return cli(ngram.main, argv)


def test_vocabulary_words_score_one(cli, tmp_path, monkeypatch):
    status, out, err = run_in(cli, tmp_path, monkeypatch, ["-null", "-vocab", "v.txt", "-ppl", "sx.txt", "-debug", 2])
    assert status == 0, err
    assert out == WITH_VOCAB


def test_other_words_are_the_unknown_word_and_score_one(cli, tmp_path, monkeypatch):
    # SRILM: ngram -null -map-unk XX -ppl sx.txt -debug 2
    status, out, err = run_in(cli, tmp_path, monkeypatch, ["-null", "-map-unk", "XX", "-ppl", "sx.txt", "-debug", 2])
    assert status == 0, err
    assert out.startswith("a <s> b\n\tp( XX | <s> ) \t=  1 [ 0 ]\n\tp( <s> | XX ...) \t=  1 [ 0 ]\n")
    assert out.endswith("file sx.txt: 3 sentences, 5 words, 0 OOVs\n0 zeroprobs, logprob= 0 ppl= 1 ppl1= 1\n")


def test_write_vocab(cli, tmp_path, monkeypatch):
    # SRILM: ngram -null -vocab v.txt -write-vocab out.txt
    status, _, err = run_in(cli, tmp_path, monkeypatch, ["-null", "-vocab", "v.txt", "-write-vocab", "out.txt"])
    assert status == 0, err
    assert (tmp_path / "out.txt").read_text() == "-pau-\n</s>\n<s>\n<unk>\na\nb\n"


@pytest.mark.parametrize("argv,message", [
    (["-lm", "x.arpa", "-ppl", "sx.txt"], "-null and -lm are mutually exclusive"),
    (["-ppl", "sx.txt", "-debug", 3], "-null scores -ppl at -debug 0 to 2, not 3"),
    (["-ppl", "sx.txt", "-cache", 10], "-null does not combine with -cache"),
    (["-counts", "sx.txt"], "-null does not combine with -counts"),
    (["-write-lm", "out.arpa"], "-null does not combine with -write-lm"),
])
def test_refused(cli, tmp_path, monkeypatch, argv, message):
    status, _, err = run_in(cli, tmp_path, monkeypatch, ["-null"] + argv)
    assert status != 0
    assert err == f"ngram: {message}\n"
