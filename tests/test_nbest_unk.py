"""N-best rescoring against SRILM 1.7.3 (tests/data/nbest_unk/README.md) with -unk, where a word
outside the model is read, scored and written as the unknown word (an OOV unless the model gives
`<unk>` a probability), with -debug (the word lines of each hypothesis on stderr, before its
warnings of zeroprob words and OOVs), with -decipher-lm (its OOVs, its word lines and tags, its
words joining the vocabulary the lists after the first are read into, its log 0 weights that
SRILM's bytelog rounding turns into +93259.37, a hypothesis's own <s> and </s> at its ends taken
as the sentence's and in its middle scored as words), aliases and -tolower (a hypothesis is written
with its words as the vocabulary names them), and ties of totals sorted as SRILM's own qsort
leaves them."""

import gzip
import math
from pathlib import Path

import numpy as np
import pytest

from ngramkit.arpa import read_arpa
from ngramkit.cli.ngram import ngram
from ngramkit.errors import UsageError
from ngramkit.nbest import _round_to_bytelog

DATA = Path(__file__).parent / "data" / "nbest_unk"
OUT = DATA / "out"

# the name of SRILM's outputs (out/NAME.stdout, out/NAME.stderr): the arguments of `ngram`
RUNS = {
    "plain": "-lm lm3.arpa -nbest a.nbest",
    "unk": "-lm lm3.arpa -nbest a.nbest -unk",
    "unk-model": "-lm lm3unk.arpa -nbest a.nbest -unk",
    "map-unk": "-lm lm3.arpa -nbest a.nbest -unk -map-unk big",
    "map-unk-closed": "-lm lm3.arpa -nbest a.nbest -map-unk big",
    "unk-debug1": "-lm lm3.arpa -nbest a.nbest -unk -debug 1",
    "unk-debug2": "-lm lm3.arpa -nbest a.nbest -unk -debug 2",
    "unk-debug3": "-lm lm3.arpa -nbest a.nbest -unk -debug 3",
    "unk-debug4": "-lm lm3.arpa -nbest a.nbest -unk -debug 4",
    "closed-unk-model-debug3": "-lm lm3unk.arpa -nbest a.nbest -debug 3",
    "nonevents-debug3": "-lm lm3.arpa -nbest a.nbest -unk -nonevents v.txt -debug 3",
    "nbest1-unk": "-lm lm3.arpa -nbest b1.nbest -unk -decipher-nbest",
    "nbest2-unk": "-lm lm3.arpa -nbest c2.nbest -unk -max-nbest 2",
    "decipher-unk-debug2": "-lm lm3.arpa -nbest b1.nbest -unk -decipher-lm lm2.arpa -debug 2",
    "decipher-twice": "-lm lm3.arpa -nbest-files twice.list -unk -decipher-lm lm2zebra.arpa -debug 1",
    "decipher-map-unk": "-lm lm3.arpa -nbest b1.nbest -unk -map-unk zebra -decipher-lm lm2.arpa",
    "rescore-unk-debug2": "-lm lm3.arpa -rescore s.txt -unk -debug 2",
    "rescore-decipher-debug2": "-lm lm3.arpa -rescore s.txt -unk -decipher-lm lm2zebra.arpa -debug 2",
    "decipher-marks-debug2": "-lm lm3.arpa -nbest marks.nbest -decipher-lm lm2.arpa -debug 2 -no-reorder",
    "decipher3-marks-debug2": "-lm lm2.arpa -nbest marks.nbest -decipher-lm lm3.arpa -decipher-order 3 -debug 2",
    "rescore-decipher-marks-debug2": "-lm lm3.arpa -rescore marks.txt -decipher-lm lm2zebra.arpa -debug 2",
    "decipher-log0": "-lm lm3.arpa -nbest d1.nbest -decipher-lm lm2z.arpa",
    "decipher-log0-debug2": "-lm lm3.arpa -nbest d1.nbest -decipher-lm lm2z.arpa -debug 2 -no-reorder",
    "decipher-log0-nobackoff": "-lm lm3.arpa -nbest d1.nbest -decipher-lm lm2z.arpa -decipher-nobackoff -no-reorder",
    "aliases-tolower-unk": "-lm lm3.arpa -nbest al.nbest -vocab-aliases al.txt -tolower -unk",
    "aliases": "-lm lm3.arpa -nbest al.nbest -vocab-aliases al.txt",
    "split-multiwords-unk": "-lm lm3.arpa -nbest mw.nbest -split-multiwords -multi-char _ -unk -debug 2",
    "ties": "-lm lm3.arpa -nbest ties.nbest -rescore-lmw 0",
}


@pytest.fixture
def run(capfd, monkeypatch):
    """ngram in the data folder (the outputs name files relative to it): (stdout, stderr)."""
    monkeypatch.chdir(DATA)

    def call(argv):
        ngram(argv)
        return capfd.readouterr()
    return call


@pytest.mark.parametrize("name", RUNS)
def test_matches_srilm(run, name):
    out, err = run(RUNS[name].split())
    assert out == (OUT / f"{name}.stdout").read_text()
    assert err == (OUT / f"{name}.stderr").read_text()


def test_unk_words_written_as_unk(run):
    # what the reference shows: SRILM reads every word outside lm3's vocabulary as <unk>, an OOV
    out, err = run(RUNS["unk"].split())
    assert "zebra" not in out and "the <unk> sat <unk>" in out
    assert err.splitlines()[0] == "warning: hyp contains OOV words: the <unk> sat on the mat"
    # without -unk the hypothesis with `<unk>` and `down` gets both warnings, one after the other
    out, err = run(RUNS["plain"].split())
    assert ("warning: hyp contains zero prob words: the <unk> sat down\n"
            "warning: hyp contains OOV words: the <unk> sat down\n") in err


def test_file_list_passes_over_comment_lines(tmp_path, run):
    # SRILM 1.7.3 reads such a list of a.nbest as it reads -nbest a.nbest
    (tmp_path / "l.list").write_text("## a comment\n\n  a.nbest\n")
    out, err = run(["-lm", "lm3.arpa", "-nbest-files", str(tmp_path / "l.list"), "-unk"])
    assert out == (OUT / "unk.stdout").read_text()
    assert err == (OUT / "unk.stderr").read_text()


def test_write_nbest_dir(tmp_path, run):
    out, err = run(["-lm", "lm3.arpa", "-nbest-files", "two.list", "-unk", "-write-nbest-dir", str(tmp_path)])
    assert out == ""
    assert err == (OUT / "write-dir.stderr").read_text()
    for name in ("a", "b1"):
        with gzip.open(tmp_path / f"{name}.gz", "rt") as f:
            assert f.read() == (OUT / f"write-dir.{name}.txt").read_text()


def test_api_open_vocabulary():
    model = read_arpa(DATA / "lm3.arpa")
    rescored = model.rescore_nbest(DATA / "a.nbest", reorder=False, unk_is_word=True)
    assert rescored.words[1] == "the <unk> sat on the mat"
    assert "".join(rescored.sorted().lines()) == (OUT / "unk.stdout").read_text()


def test_log_zero_rounds_as_srilm():
    # LogPtoIntlog(-inf) is INT_MIN; IntlogToBytelog negates it (wrapping to itself), adds 512 and
    # shifts: -2097152, returned negated: 2097152 bytelogs, +93259.37 as a log10
    positive = np.float32(2097152 * 1024 / 10000.5 / math.log(10))
    assert _round_to_bytelog(np.float32(-np.inf)) == positive
    assert f"{positive:.7g}" == "93259.37"
    assert _round_to_bytelog(np.float32(-99.0)) == np.float32(-255 * 1024 / 10000.5 / math.log(10))


@pytest.mark.parametrize("argv, message", [
    ("-lm lm3.arpa -rescore s.txt -debug 3", "-rescore -debug 3: not reproduced"),
    ("-lm lm3.arpa -nbest a.nbest -decipher-lm lm2.arpa -debug 3", "-decipher-lm -debug 3: not reproduced"),
    ("-lm lm3.arpa -ppl s.txt -rescore s.txt -decipher-lm lm2.arpa -debug 3", "-decipher-lm -debug 3: not"),
    ("-lm lm3.arpa -nbest a.nbest -decipher-lm lm2.arpa -vocab v.txt -limit-vocab",
     "-decipher-lm with -limit-vocab: not reproduced"),
])
def test_not_reproduced_is_refused(run, capfd, argv, message):
    with pytest.raises(UsageError, match=message):
        run(argv.split())
    assert capfd.readouterr().out == ""
