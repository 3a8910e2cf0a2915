"""A vocabulary file of no words (`-vocab /dev/null`, as SRILM's change-lm-vocab -subset passes
it in Kaldi's format_lm_sri.sh) is a vocabulary of no words, as in SRILM: ngram scores and
renormalises with the model's words, ngram-count keeps none of the text's words (they are OOVs,
or <unk> with -unk). The expected outputs are SRILM 1.7.3's (tests/data/empty_vocab/README.md)."""

import pytest
from conftest import DATA, run_cli

from ngramkit.cli.ngram import main as ngram_main
from ngramkit.cli.ngram_count import main as ngram_count_main

HERE = DATA / "empty_vocab"


@pytest.mark.parametrize("n, main, argv", [
    (0, ngram_main, ["-lm", "m.arpa", "-vocab", "empty.voc", "-ppl", "t.txt"]),
    (1, ngram_main, ["-lm", "m.arpa", "-vocab", "blank.voc", "-renorm", "-write-lm", "-"]),
    (2, ngram_count_main, ["-order", "2", "-text", "t.txt", "-vocab", "empty.voc", "-lm", "-"]),
    (3, ngram_count_main, ["-order", "2", "-text", "t.txt", "-vocab", "empty.voc", "-limit-vocab", "-unk", "-sort",
                           "-write", "-"]),
])
def test_empty_vocabulary_file_as_srilm(n, main, argv, capsysbinary, monkeypatch):
    monkeypatch.chdir(HERE)
    status, out, err = run_cli(main, argv, capsysbinary)
    assert status == 0, err
    assert (out, err) == ((HERE / f"srilm.{n}.out").read_bytes(), (HERE / f"srilm.{n}.err").read_bytes())
