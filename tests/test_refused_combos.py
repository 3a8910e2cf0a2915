"""`ngram -ppl` combinations SRILM computes and ngramkit once refused: -skipoovs, -unk-prob and -zeroprob-word
at -debug 3 and 4; -skipoovs and -unk-prob with -cache and Bayes mixtures, -unk-prob with the other
word-by-word models; -text-has-weights at -debug 4 and with -escape; tagged models with -renorm,
-prune-lowprobs and -read-mix-lms; and the ## comment lines SRILM passes over. The outputs in
data/refused_combos/out are SRILM 1.7.3's stdout and stderr (see the README there)."""

import gzip
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
MIX = ["-lm", "lm3.arpa.gz", "-mix-lm", "lm2.arpa.gz", "-lambda", "0.6", "-ppl", "test.txt"]
MIXED = {
    "mix-skipoovs": MIX + ["-bayes", "2", "-skipoovs"],
    "mix-skipoovs-unk-prob": MIX + ["-bayes", "2", "-skipoovs", "-unk-prob", "-4"],
    "mix-unk-prob-99": MIX + ["-bayes", "1", "-bayes-scale", "0.5", "-unk-prob", "-99"],
    "mix-skipoovs-order2": MIX + ["-bayes", "1", "-skipoovs", "-order", "2"],
}
OTHER_MIXTURES = {
    "loglinear-unk-prob": MIX + ["-loglinear-mix", "-unk-prob", "-4"],
    "adapt-unk-prob": ["-lm", "lm3.arpa.gz", "-ppl", "test.txt", "-adapt-marginals", "adapt1.arpa", "-unk-prob", "-3"],
}
# -skipoovs does not reach the models of -read-mix-lms in SRILM
READ_MIX = ["-read-mix-lms", "-lm", "mix-lms.txt", "-ppl", "test.txt", "-bayes", "2", "-skipoovs", "-unk-prob", "-4"]
TAGGED_READ_MIX = ["-tagged", "-read-mix-lms", "-lm", "tagged-mix-lms.txt", "-ppl", "tagged-test.txt"]
# SRILM's -skipoovs checks the contexts of -order (3), not of the bigram model's order
BIGRAM = ["-lm", "lm2.arpa.gz", "-ppl", "test.txt", "-skipoovs"]
# lines starting with ## are comments SRILM passes over, escaped or not
COMMENTS = ["-lm", "lm3.arpa.gz", "-ppl", "comments.txt"]
ESCAPED = ["-lm", "lm3.arpa.gz", "-ppl", "weighted-escaped.txt", "-text-has-weights", "-escape", "@@"]
RUNS = ([pytest.param(name, argv, debug, id=f"{name}.d{debug}") for name, argv in SUMS_AND_RANKS.items()
         for debug in (3, 4)]
        + [pytest.param(name, argv, debug, id=f"{name}.d{debug}") for name, argv in CACHED.items() for debug in (0, 2)]
        + [pytest.param(name, argv, debug, id=f"{name}.d{debug}") for name, argv in MIXED.items() for debug in (0, 2)]
        + [pytest.param("read-mix-skipoovs-unk-prob", READ_MIX, debug, id=f"read-mix-skipoovs-unk-prob.d{debug}")
           for debug in (0, 2)]
        + [pytest.param("tagged-read-mix", TAGGED_READ_MIX, 2, id="tagged-read-mix.d2")]
        + [pytest.param(name, argv, 0, id=f"{name}.d0") for name, argv in OTHER_MIXTURES.items()]
        + [pytest.param("comments", COMMENTS, debug, id=f"comments.d{debug}") for debug in (0, 2)]
        + [pytest.param("comments-escape-hashes", COMMENTS + ["-escape", "##"], 0, id="comments-escape-hashes.d0"),
           pytest.param("comments-escape-hash", COMMENTS + ["-escape", "#"], 2, id="comments-escape-hash.d2")]
        + [pytest.param("bigram-skipoovs", BIGRAM, debug, id=f"bigram-skipoovs.d{debug}") for debug in (0, 2, 3)]
        + [pytest.param("weights-escape", ESCAPED, debug, id=f"weights-escape.d{debug}") for debug in (0, 1, 2, 4)])


def run_in_data(argv, capsysbinary):
    """`ngram argv` run in-process in DATA; its captured stdout and stderr."""
    old = os.getcwd()
    os.chdir(DATA)
    try:
        ngram_command.ngram(argv)
    finally:
        os.chdir(old)
    return capsysbinary.readouterr()


@pytest.mark.parametrize("name, argv, debug", RUNS)
def test_combination_matches_srilm(name, argv, debug, capsysbinary):
    captured = run_in_data(argv + ["-debug", str(debug)], capsysbinary)
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


@pytest.mark.parametrize("argv, message", [
    (["-mix-lm", "lm2.arpa.gz", "-bayes", "2", "-zeroprob-word", "the"],
     "-zeroprob-word with -mix-lm -bayes: not reproduced (SRILM gives a word of probability zero the mixture's"),
    (["-mix-lm", "lm2.arpa.gz", "-bayes", "2", "-skipoovs", "-reverse"],
     "-reverse applies to plain -ppl scoring: not with -mix-lm -bayes"),
])
def test_word_options_a_mixture_does_not_take_say_what_srilm_does(argv, message, cli):
    status, _, err = cli(ngram_command.main, ["-lm", DATA / "lm3.arpa.gz", "-ppl", DATA / "test.txt"]
                         + [DATA / a if a.endswith(".gz") or a.endswith(".arpa") else a for a in argv])
    assert status != 0 and message in err.splitlines()[-1]


WRITTEN = {
    "tagged-renorm": (0, ["-tagged", "-lm", "tagged3.arpa.gz", "-renorm"]),
    "tagged-renorm-minbackoff": (1, ["-tagged", "-lm", "tagged3.arpa.gz", "-renorm", "-minbackoff", "0.3"]),
    "tagged-prune-lowprobs": (1, ["-tagged", "-lm", "tagged3.arpa.gz", "-prune-lowprobs", "-ppl", "tagged-test.txt"]),
    "tagged-prune-minprune3-lowprobs": (1, ["-tagged", "-lm", "tagged3.arpa.gz", "-prune", "1e-5", "-minprune", "3",
                                            "-prune-lowprobs"]),
    "tagged-unk-renorm-lowprobs": (0, ["-tagged", "-lm", "tagged3.arpa.gz", "-unk", "-renorm", "-prune-lowprobs"]),
    "tagged-read-mix-lowprobs": (0, ["-tagged", "-read-mix-lms", "-lm", "tagged-mix-lms.txt", "-prune-lowprobs",
                                     "-ppl", "tagged-test.txt"]),
    # the tags' unigrams of -99 are log 0 to the mixture, which leaves them at log 0
    "mix-log-zero": (0, ["-lm", "tagged3.arpa.gz", "-mix-lm", "lm2.arpa.gz", "-lambda", "0.7"]),
    "read-mix-log-zero": (0, ["-read-mix-lms", "-lm", "tagged-mix-lms.txt"]),
}


@pytest.mark.parametrize("name", WRITTEN)
def test_written_model_matches_srilm(name, tmp_path, capsysbinary):
    debug, argv = WRITTEN[name]
    written = tmp_path / "out.arpa"
    captured = run_in_data(argv + ["-write-lm", str(written), "-debug", str(debug)], capsysbinary)
    assert written.read_bytes() == gzip.decompress((DATA / "out" / f"{name}.arpa.gz").read_bytes())
    assert captured.out == (DATA / "out" / f"{name}.d{debug}.out").read_bytes()
    assert captured.err == (DATA / "out" / f"{name}.d{debug}.err").read_bytes()


@pytest.mark.parametrize("argv, message", [
    (["-mix-lm", "lm3.arpa.gz", "-bayes", "0"], "-tagged with -bayes: not reproduced (SRILM reads the mixture's other"),
    (["-mix-lm", "lm3.arpa.gz", "-loglinear-mix"], "-tagged with -loglinear-mix: not reproduced"),
    (["-mix-lm", "lm3.arpa.gz", "-context-priors", "test.txt"],
     "-tagged with -context-priors: not reproduced (SRILM mixes the models into a plain n-gram model"),
])
def test_tagged_mixtures_left_refused_say_what_srilm_does(argv, message, cli):
    status, _, err = cli(ngram_command.main, ["-tagged", "-lm", DATA / "tagged3.arpa.gz", "-ppl", DATA / "tagged-test.txt"]
                         + [DATA / a if "." in a else a for a in argv])
    assert status != 0 and err.splitlines()[-1].startswith("ngram: " + message)


def test_ngram_count_passes_over_comment_lines(tmp_path, capsysbinary):
    from ngramkit.cli import ngram_count

    old = os.getcwd()
    os.chdir(DATA)
    try:
        ngram_count.main(["-text", "comments.txt"])
        counted = capsysbinary.readouterr()
        ngram_count.main(["-text", "comments.txt", "-order", "2", "-lm", str(tmp_path / "wb.arpa"), "-wbdiscount"])
        estimated = capsysbinary.readouterr()
    finally:
        os.chdir(old)
    assert counted.out == (DATA / "out" / "count-comments.out").read_bytes()
    assert counted.err == (DATA / "out" / "count-comments.err").read_bytes()
    assert (tmp_path / "wb.arpa").read_bytes() == (DATA / "out" / "count-comments-wb.arpa").read_bytes()
    assert estimated.err == (DATA / "out" / "count-comments-wb.err").read_bytes()
