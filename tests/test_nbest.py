"""N-best rescoring against SRILM 1.7.3's `ngram -nbest`, `-nbest-files`, `-rescore` outputs."""

import gzip
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ngramkit.arpa import read_arpa
from ngramkit.cli.ngram import ngram
from ngramkit.errors import FormatError
from ngramkit.nbest import (
    NBestList,
    _round_to_bytelog,
    read_nbest,
    rescore_nbest,
    utterance_id,
)

DATA = Path(__file__).parent / "data"
NBEST = DATA / "srilm_more" / "nbest-en"
EN_MKN3 = DATA / "reference" / "en" / "srilm" / "mkn3.arpa.gz"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"


@pytest.fixture(scope="module")
def en_mkn3():
    return read_arpa(EN_MKN3)


def run(argv, capfd):
    """ngram in the N-best folder (the references name files relative to it): (stdout, stderr)."""
    old = os.getcwd()
    os.chdir(NBEST)
    try:
        ngram(["-lm", str(EN_MKN3), "-order", "3", *argv])
    finally:
        os.chdir(old)
    return capfd.readouterr()


@pytest.mark.parametrize("options, name", [
    (["-nbest", "nbest/utt01.nbest", "-rescore-lmw", "8", "-rescore-wtw", "0"], "utt01.lmw8-wtw0.txt"),
    (["-nbest", "nbest/utt01.nbest"], "utt01.default.txt"),
    (["-nbest", "nbest/utt01.nbest", "-rescore-lmw", "12", "-rescore-wtw", "-1.5"], "utt01.lmw12-wtw-1.5.txt"),
    (["-nbest", "nbest/utt01.nbest", "-rescore-lmw", "1", "-rescore-wtw", "1"], "utt01.lmw1-wtw1.txt"),
    (["-nbest", "nbest/utt01.nbest", "-no-reorder"], "utt01.no-reorder.txt"),
    (["-nbest", "nbest/utt01.nbest", "-max-nbest", "5"], "utt01.max-nbest5.txt"),
    (["-nbest", "nbest/utt01.nbest", "-decipher-nbest"], "utt01.decipher-nbest.txt"),
    (["-nbest", "nbest/utt03.nbest"], "utt03.lmw8-wtw0.txt"),
    (["-nbest", "nbest1/utt01.nbest"], "utt01.nbest1.lmw8-wtw0.txt"),
])
def test_nbest_matches_srilm(capfd, options, name):
    out, err = run(options, capfd)
    assert out == (NBEST / "out" / name).read_text()
    assert err == ""


def test_zero_prob_words_warn(capfd):
    out, err = run(["-nbest", "nbest/utt04.nbest"], capfd)
    assert out == (NBEST / "out" / "utt04.lmw8-wtw0.txt").read_text()
    assert err == (NBEST / "out" / "utt04.lmw8-wtw0.stderr.txt").read_text()


def test_nbest_files_and_write_dir(tmp_path, capfd):
    out, _ = run(["-nbest-files", "nbest3.list"], capfd)
    assert out == (NBEST / "out" / "nbest3-files.lmw8-wtw0.txt").read_text()
    out, _ = run(["-nbest-files", "nbest3.list", "-write-nbest-dir", str(tmp_path), "-rescore-lmw", "1",
                  "-rescore-wtw", "1"], capfd)
    assert out == ""
    for i in (1, 2, 3):
        with gzip.open(tmp_path / f"utt0{i}.gz", "rt") as f, gzip.open(NBEST / "rescored-lmw1" / f"utt0{i}.gz", "rt") as g:
            assert f.read() == g.read()


@pytest.mark.parametrize("weights, name", [(["8", "0"], "rescore-stream30.lmw8-wtw0.txt"),
                                           (["1", "1"], "rescore-stream30.lmw1-wtw1.txt")])
def test_rescore_stream(capfd, weights, name):
    out, _ = run(["-rescore", "stream30.txt", "-rescore-lmw", weights[0], "-rescore-wtw", weights[1]], capfd)
    assert out == (NBEST / "out" / name).read_text()


@pytest.mark.skipif(not (SHARED / "en" / "srilm" / "mkn2-text-counts.arpa.gz").exists(),
                    reason="shared references not available")
def test_decipher_lm(capfd):
    out, _ = run(["-nbest", "nbest1/utt01.nbest", "-decipher-lm", str(SHARED / "en" / "srilm" / "mkn2-text-counts.arpa.gz"),
                  "-decipher-order", "2", "-decipher-lmw", "8", "-decipher-wtw", "0"], capfd)
    assert out == (NBEST / "out" / "utt01.nbest1.decipher-lm.txt").read_text()


@pytest.mark.skipif(not (SHARED / "more" / "en" / "nbest.list").exists(), reason="shared references not available")
def test_all_thirty_lists(capfd):
    more = SHARED / "more" / "en"
    old = os.getcwd()
    os.chdir(more)
    try:
        for listing, name in (("nbest.list", "nbest-files"), ("nbest1.list", "nbest1-files")):
            ngram(["-lm", str(EN_MKN3), "-order", "3", "-nbest-files", listing])
            out, err = capfd.readouterr()
            assert out == (more / "nbest-out" / f"{name}.lmw8-wtw0.txt").read_text()
            assert err == (more / "nbest-out" / f"{name}.lmw8-wtw0.stderr.txt").read_text()
    finally:
        os.chdir(old)


def test_api(en_mkn3):
    rescored = en_mkn3.rescore_nbest(NBEST / "nbest" / "utt01.nbest")
    assert "".join(rescored.lines()) == (NBEST / "out" / "utt01.lmw8-wtw0.txt").read_text()
    # the LM column is lmw x log10 P: 8 x -24.61987 (the ppl of the line) for the reference hypothesis
    first = rescored.words.index("we welcome them as allies and as friends")
    assert f"{rescored.lm[first] / 8:.7g}" == "-24.61987"
    kept = rescore_nbest(en_mkn3, read_nbest(NBEST / "nbest" / "utt01.nbest"), reorder=False, max_hyps=5)
    assert "".join(kept.lines()) == "".join(
        (NBEST / "out" / "utt01.no-reorder.txt").read_text().splitlines(keepends=True)[:5])


def test_nbest2_reads_words_and_scores(tmp_path):
    # words start after the end of the word before; phones inside it and HMM states (-digit) are skipped
    path = tmp_path / "a.nbest"
    path.write_text("NBestList2.0\n(-300) a ( st: 0.00 et: 0.20 g: -10 a: -100 ) a-1 ( st: 0.05 et: 0.10 g: 0 a: 0 )"
                    " b ( st: 0.21 et: 0.40 g: -20 a: -170 )\n")
    nbest = read_nbest(path)
    assert nbest.words == ["a b"]
    scale = 1024.0 / 10000.5 / np.log(10)
    assert nbest.acoustic[0] == float(np.float32(-270 * scale))
    assert nbest.total[0] == np.float32(-300 * scale)
    assert nbest.nwords[0] == 2


def test_nbest1_score_is_bytelog():
    # -6465 bytelog = -6465 x 1024 / 10000.5 / ln 10 log10, as a float
    nbest = read_nbest(NBEST / "nbest1" / "utt01.nbest")
    assert nbest.acoustic[0] == float(np.float32(-6465 * 1024 / 10000.5 / np.log(10)))


def test_round_to_bytelog_by_hand():
    # -2.5 log10 = -57565.4 intlog (x ln10 x 10000.5) -> rint -57565 -> (57565 + 512) >> 10 = 56 bytelogs
    assert _round_to_bytelog(np.float32(-2.5)) == np.float32(-56 * 1024 / 10000.5 / np.log(10))
    # at most 255 bytelogs
    assert _round_to_bytelog(np.float32(-40.0)) == np.float32(-255 * 1024 / 10000.5 / np.log(10))


def test_utterance_ids():
    assert utterance_id("dir/utt01.nbest") == "utt01"
    assert utterance_id("utt01.score.gz") == "utt01"
    assert utterance_id("a/b.c") == "b.c"


@pytest.mark.parametrize("text, message", [
    ("-1 -2 x a b\n", "1: bad n-best hypothesis: the number of words 'x' is not a count"),
    ("-1 -2 \u00b2 a\n", "1: bad n-best hypothesis: the number of words '\u00b2' is not a count"),
    ("-1 -2 99999999999999999999 a\n",
     "1: bad n-best hypothesis: the number of words '99999999999999999999' is not a count"),
    ("-1 -2 2 a b\n-1 q 2 a b\n", "2: bad n-best hypothesis: the scores '-1' 'q' are not numbers"),
    ("NBestList1.0\n(-12 a b\n", "2: bad n-best hypothesis: bad Decipher score '(-12'"),
    ("-1 -2\n", "1: bad n-best hypothesis: expected acoustic score, LM score, number of words and the words"),
])
def test_malformed_nbest_is_one_line(tmp_path, text, message):
    path = tmp_path / "bad.nbest"
    path.write_text(text)
    with pytest.raises(FormatError) as error:
        read_nbest(path)
    assert str(error.value) == f"{path}:{message}"
    proc = subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram", "-lm", str(EN_MKN3), "-nbest", str(path)],
                          check=False, capture_output=True, text=True)
    assert proc.returncode == 4
    assert proc.stderr == f"ngram: {path}:{message}\n"


def test_empty_list_warns(tmp_path, en_mkn3):
    (tmp_path / "empty.nbest").write_text("")
    messages = []
    from ngramkit.nbest import rescore_nbest_files
    rescore_nbest_files(en_mkn3, [tmp_path / "empty.nbest"], out=tmp_path / "out.txt", warn=messages.append)
    assert messages == [f"{tmp_path / 'empty.nbest'} is empty, not rescored"]
    assert (tmp_path / "out.txt").read_text() == ""
    assert isinstance(read_nbest(tmp_path / "empty.nbest"), NBestList)


def test_blank_and_comment_lines_are_passed_over(tmp_path, capfd):
    # SRILM 1.7.3 gives these files, with a `##` line and a blank one put in, the references' output
    lines = (NBEST / "nbest" / "utt01.nbest").read_text().splitlines(keepends=True)
    (tmp_path / "c.nbest").write_text("".join(lines[:2] + ["## a comment\n", "\n"] + lines[2:]))
    out, _ = run(["-nbest", str(tmp_path / "c.nbest")], capfd)
    assert out == (NBEST / "out" / "utt01.default.txt").read_text()
    lines = (NBEST / "stream30.txt").read_text().splitlines(keepends=True)
    (tmp_path / "c.txt").write_text("".join(lines[:5] + ["##x\n", "  \n"] + lines[5:]))
    out, _ = run(["-rescore", str(tmp_path / "c.txt")], capfd)
    assert out == (NBEST / "out" / "rescore-stream30.lmw8-wtw0.txt").read_text()
