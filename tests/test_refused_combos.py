"""`ngram -ppl` combinations SRILM computes and ngramkit once refused: -skipoovs, -unk-prob and -zeroprob-word
at -debug 3 and 4 and with -cache, -text-has-weights at -debug 4 and with -escape. The outputs in
data/refused_combos/out are SRILM 1.7.3's stdout and stderr (see the README there)."""

import os
from pathlib import Path

import pytest

from ngramkit.cli import ngram as ngram_command

DATA = Path(__file__).parent / "data" / "refused_combos"

SUMS_AND_RANKS = {
    "skipoovs": ["-lm", "lm3.arpa.gz", "-ppl", "test.txt", "-skipoovs"],
    "unk-prob": ["-lm", "lm3.arpa.gz", "-ppl", "test.txt", "-unk-prob", "-5"],
    "unk-prob-99": ["-lm", "lm3.arpa.gz", "-ppl", "test.txt", "-unk-prob", "-99"],
    "zeroprob-word": ["-lm", "lm3.arpa.gz", "-ppl", "test.txt", "-zeroprob-word", "the"],
    "zeroprob-unk": ["-lm", "lm3.arpa.gz", "-ppl", "test.txt", "-zeroprob-word", "<unk>", "-unk-prob", "-3"],
    "zeroprob-word-skipoovs": ["-lm", "lm3.arpa.gz", "-ppl", "test.txt", "-zeroprob-word", "the", "-skipoovs"],
    "skipoovs-order2": ["-lm", "lm3.arpa.gz", "-ppl", "test.txt", "-skipoovs", "-order", "2"],
    "open-unk-prob": ["-lm", "lm3-unk.arpa.gz", "-unk", "-ppl", "test.txt", "-unk-prob", "-4"],
    "open-skipoovs": ["-lm", "lm3-unk.arpa.gz", "-unk", "-ppl", "test.txt", "-skipoovs"],
    "weights": ["-lm", "lm3.arpa.gz", "-ppl", "weighted.txt", "-text-has-weights"],
    "weights-skipoovs": ["-lm", "lm3.arpa.gz", "-ppl", "weighted.txt", "-text-has-weights", "-skipoovs"],
}
CACHED = {
    "skipoovs-cache": ["-lm", "lm3.arpa.gz", "-ppl", "test.txt", "-skipoovs", "-cache", "20", "-cache-lambda", "0.2"],
    "unk-prob-cache": ["-lm", "lm3.arpa.gz", "-ppl", "test.txt", "-unk-prob", "-5", "-cache", "20",
                       "-cache-lambda", "0.2"],
    "open-unk-prob-skipoovs-cache": ["-lm", "lm3-unk.arpa.gz", "-unk", "-ppl", "test.txt", "-unk-prob", "-4",
                                     "-skipoovs", "-cache", "20"],
}
# SRILM's -skipoovs checks the contexts of -order (3), not of the bigram model's order
BIGRAM = ["-lm", "lm2.arpa.gz", "-ppl", "test.txt", "-skipoovs"]
ESCAPED = ["-lm", "lm3.arpa.gz", "-ppl", "weighted-escaped.txt", "-text-has-weights", "-escape", "@@"]
RUNS = ([pytest.param(name, argv, debug, id=f"{name}.d{debug}") for name, argv in SUMS_AND_RANKS.items()
         for debug in (3, 4)]
        + [pytest.param(name, argv, debug, id=f"{name}.d{debug}") for name, argv in CACHED.items() for debug in (0, 2)]
        + [pytest.param("bigram-skipoovs", BIGRAM, debug, id=f"bigram-skipoovs.d{debug}") for debug in (0, 2, 3)]
        + [pytest.param("weights-escape", ESCAPED, debug, id=f"weights-escape.d{debug}") for debug in (0, 1, 2, 4)])


@pytest.mark.parametrize("name, argv, debug", RUNS)
def test_combination_matches_srilm(name, argv, debug, capsysbinary):
    old = os.getcwd()
    os.chdir(DATA)
    try:
        ngram_command.ngram(argv + ["-debug", str(debug)])
    finally:
        os.chdir(old)
    captured = capsysbinary.readouterr()
    assert captured.out == (DATA / "out" / f"{name}.d{debug}.out").read_bytes()
    assert captured.err == (DATA / "out" / f"{name}.d{debug}.err").read_bytes()


def test_zeroprob_word_with_a_cache_says_what_srilm_does(cli):
    status, _, err = cli(ngram_command.main, ["-lm", DATA / "lm3.arpa.gz", "-ppl", DATA / "test.txt",
                                              "-zeroprob-word", "the", "-cache", "20"])
    assert status != 0 and "adds that word to the cache's history" in err.splitlines()[-1]


def test_a_bad_sentence_weight_after_an_escaped_line_is_named_by_its_line(tmp_path, cli):
    text = tmp_path / "w.txt"
    text.write_text("2 the cat\n@@ doc\n0.5 a dog\nx the dog\n")
    status, _, err = cli(ngram_command.main, ["-lm", DATA / "lm3.arpa.gz", "-ppl", text, "-text-has-weights",
                                              "-escape", "@@"])
    assert status != 0 and err == f"ngram: {text}:4: bad sentence weight x\n"
