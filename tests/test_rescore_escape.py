"""`ngram -rescore` with `-escape S`: SRILM's LM::rescoreFile copies a line starting with S to
stdout as it reads it, before the hypotheses after it, and rescores the others as without
-escape; the expected lines are SRILM 1.7.3's -rescore output with the escaped lines put back
where they stood (SRILM's own output of such a file, checked). A line starting with ## is a
comment, passed over even when -escape names ##, as SRILM's File::getline does.
`-nbest` files are read without -escape (NBestList::read takes none)."""

import os
from pathlib import Path

from ngramkit.cli import ngram as ngram_command
from ngramkit.cli.ngram import ngram

DATA = Path(__file__).parent / "data"
NBEST = DATA / "srilm_more" / "nbest-en"
EN_MKN3 = DATA / "reference" / "en" / "srilm" / "mkn3.arpa.gz"


def test_escaped_lines_pass_through_in_place(tmp_path, capfd):
    hyps = (NBEST / "stream30.txt").read_text().splitlines(keepends=True)
    reference = (NBEST / "out" / "rescore-stream30.lmw8-wtw0.txt").read_text().splitlines(keepends=True)
    assert len(hyps) == len(reference)
    marks = {0: "@@ utt01 begins\n", 3: "@@\n", len(hyps): "@@ end 1.5 words\n"}
    stream, expected = [], []
    for i in range(len(hyps) + 1):
        if i in marks:
            stream.append(marks[i])
            expected.append(marks[i])
        if i < len(hyps):
            stream.append(hyps[i])
            expected.append(reference[i])
    path = tmp_path / "stream.txt"
    path.write_text("".join(stream))
    old = os.getcwd()
    os.chdir(NBEST)
    try:
        ngram(["-lm", str(EN_MKN3), "-order", "3", "-rescore", str(path), "-rescore-lmw", "8", "-rescore-wtw", "0",
               "-escape", "@@"])
    finally:
        os.chdir(old)
    out = capfd.readouterr().out
    assert out == "".join(expected)


def test_without_escape_such_a_line_is_a_bad_hypothesis(tmp_path, cli):
    path = tmp_path / "stream.txt"
    path.write_text("@@ a marker\n" + (NBEST / "stream30.txt").read_text())
    status, _, err = cli(ngram_command.main, ["-lm", EN_MKN3, "-order", "3", "-rescore", path])
    assert status == 4 and err.startswith(f"ngram: {path}:1: bad n-best hypothesis") and err.count("\n") == 1

