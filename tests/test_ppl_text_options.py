"""`ngram -ppl` with SRILM's text options -tolower, -no-sos, -no-eos, -reverse, -text-has-weights, -noise and
-noise-vocab, and its word options -skipoovs, -unk-prob and -zeroprob-word: the outputs
in data/ppl_text_options/out are SRILM 1.7.3's (see the README there)."""

from pathlib import Path

import pytest
from conftest import run_ngram

from ngramkit.cli import ngram as ngram_command
from ngramkit.perplexity import PerplexityScorer

DATA = Path(__file__).parent / "data" / "ppl_text_options"
EN_GT3 = Path(__file__).parent / "data" / "reference" / "en" / "srilm" / "gt3-cut.arpa.gz"

SMALL = {"tolower": ["-tolower"], "no-sos": ["-no-sos"], "no-eos": ["-no-eos"], "reverse": ["-reverse"],
         "no-sos-no-eos": ["-no-sos", "-no-eos"], "reverse-no-eos-tolower": ["-reverse", "-no-eos", "-tolower"]}
RUNS = [pytest.param(f"small.{name}", ["-lm", "lm3.arpa", "-ppl", "test.txt"] + options, debug,
                     id=f"small.{name}.ppl{debug}") for name, options in SMALL.items() for debug in range(5)]
RUNS.append(pytest.param("upper-model.tolower", ["-lm", "lmU.arpa", "-ppl", "test.txt", "-tolower"], 2,
                         id="upper-model.tolower.ppl2"))
RUNS += [pytest.param(f"en30.{name}", ["-lm", str(EN_GT3), "-ppl", "en30.txt"] + options, debug,
                      id=f"en30.{name}.ppl{debug}")
         for name, options in (("tolower", ["-tolower"]), ("all", ["-no-sos", "-no-eos", "-reverse", "-tolower"]))
         for debug in (0, 2, 3)]
RUNS += [pytest.param(f"small.{name}", ["-lm", "lm3.arpa", "-ppl", "weights.txt", "-text-has-weights"] + options,
                      debug, id=f"small.{name}.ppl{debug}")
         for name, options in (("weights", []), ("weights-reverse-no-eos-tolower", ["-reverse", "-no-eos", "-tolower"]))
         for debug in range(4)]
RUNS += [pytest.param("en30w.weights", ["-lm", str(EN_GT3), "-ppl", "en30w.txt", "-text-has-weights"], debug,
                      id=f"en30w.weights.ppl{debug}") for debug in (0, 2)]
NOISE = {"vocab-and-word": ["-noise-vocab", "noise.txt", "-noise", "zebra"],
         "tolower": ["-noise-vocab", "noise.txt", "-tolower"], "reverse-no-sos": ["-noise", "mat", "-reverse", "-no-sos"]}
RUNS += [pytest.param(f"noise.{name}", ["-lm", "lm3.arpa", "-ppl", "noise-test.txt"] + options, debug,
                      id=f"noise.{name}.ppl{debug}") for name, options in NOISE.items() for debug in range(5)]
WORDS = {"skipoovs": ["-skipoovs"], "skipoovs-reverse-no-sos": ["-skipoovs", "-reverse", "-no-sos"],
         "unk-prob": ["-unk-prob", "-5"], "unk-prob-99": ["-unk-prob", "-99"], "zeroprob-word": ["-zeroprob-word", "dog"],
         "zeroprob-unk": ["-zeroprob-word", "<unk>", "-unk-prob", "-3"],
         "zeroprob-word-skipoovs": ["-zeroprob-word", "dog", "-skipoovs"],
         "skipoovs-unk-prob-order2": ["-skipoovs", "-unk-prob", "-4", "-order", "2"]}
RUNS += [pytest.param(f"words.{name}", ["-lm", "lm3.arpa", "-ppl", "test.txt"] + options, debug,
                      id=f"words.{name}.ppl{debug}") for name, options in WORDS.items() for debug in range(3)]
RUNS += [pytest.param("words.zeroprob-word-weights-tolower", ["-lm", "lm3.arpa", "-ppl", "weights.txt", "-zeroprob-word",
                                                              "cat", "-text-has-weights", "-tolower"], debug,
                      id=f"words.zeroprob-word-weights-tolower.ppl{debug}") for debug in range(3)]
RUNS += [pytest.param(f"en30.{name}", ["-lm", str(EN_GT3), "-ppl", "en30.txt"] + options, debug, id=f"en30.{name}.ppl{debug}")
         for name, options in (("skipoovs", ["-skipoovs"]),
                               ("zeroprob-word-unk-prob", ["-zeroprob-word", "the", "-unk-prob", "-7"]))
         for debug in (0, 2)]
COUNTS = {"count-order4": ["-counts", "counts4.txt", "-count-order", "4"],
          "count-order2": ["-counts", "counts4.txt", "-count-order", "2"],
          "float": ["-counts", "counts4-float.txt", "-float-counts"],
          "float-count-order4": ["-counts", "counts4-float.txt", "-float-counts", "-count-order", "4"],
          "entropy": ["-counts", "counts4.txt", "-counts-entropy"],
          "entropy-float-unk": ["-counts", "counts4-float.txt", "-float-counts", "-counts-entropy", "-unk"]}
RUNS += [pytest.param(f"counts.{name}", ["-lm", "lm3.arpa"] + options, debug, id=f"counts.{name}.ppl{debug}")
         for name, options in COUNTS.items() for debug in range(5)]
RUNS += [pytest.param(f"en30.{name}", ["-lm", str(EN_GT3), "-counts", "en30-counts3.txt"] + options, debug,
                      id=f"en30.{name}.ppl{debug}")
         for name, options in (("counts-entropy", ["-counts-entropy"]), ("counts-entropy-unk", ["-counts-entropy", "-unk"]))
         for debug in (0, 2)]
RUNS += [pytest.param("en30.noise", ["-lm", str(EN_GT3), "-ppl", "en30.txt", "-noise", "the", "-noise-vocab", "noise.txt"],
                      debug, id=f"en30.noise.ppl{debug}") for debug in (0, 2)]


@pytest.mark.parametrize("name, argv, debug", RUNS)
def test_text_options_match_srilm(name, argv, debug, capsysbinary):
    out = run_ngram(argv + ["-debug", str(debug)], DATA, capsysbinary)
    assert out == (DATA / "out" / f"{name}.ppl{debug}.txt").read_bytes()


def test_text_options_in_the_python_api(capsysbinary):
    from ngramkit.formats import load

    scorer = PerplexityScorer(load(DATA / "lmU.arpa"), add_sos=False, add_eos=False, reverse=True, tolower=True)
    stats = scorer.score_file(DATA / "test.txt")
    # SRILM 1.7.3: ngram -lm lmU.arpa -ppl test.txt -no-sos -no-eos -reverse -tolower
    assert stats.srilm_text() == ("0 sentences, 24 words, 0 OOVs\n"
                                  "1 zeroprobs, logprob= -27.83027 ppl= 16.21854 ppl1= 16.21854\n")


@pytest.mark.parametrize("argv, message", [
    (["-ppl", "test.txt", "-reverse", "-counts", "test.txt"], "-reverse applies to plain -ppl scoring: not with -counts"),
    (["-ppl", "test.txt", "-reverse", "-cache", "10"], "-reverse applies to plain -ppl scoring: not with -cache"),
    (["-ppl", "test.txt", "-no-sos", "-classes", "c.txt"], "-no-sos applies to plain -ppl scoring: not with -classes"),
    (["-ppl", "test.txt", "-tolower", "-classes", "c.txt"],
     "-tolower with -classes: not reproduced (SRILM lowercases the class names and their members too)"),
    (["-write-lm", "x.arpa", "-no-eos"], "-no-eos needs -ppl"),
    (["-ppl", "test.txt", "-reverse", "-tagged"], "-tagged does not combine with -reverse"),
    (["-ppl", "test.txt", "-noise", "cat", "-multiwords"], "-noise does not combine with -multiwords"),
    (["-ppl", "test.txt", "-noise-vocab", "noise.txt", "-counts", "test.txt"],
     "-noise-vocab applies to plain -ppl scoring: not with -counts"),
    (["-ppl", "test.txt", "-unk-prob", "-3", "-reverse"], "-unk-prob and -zeroprob-word do not combine with -reverse"),
    (["-ppl", "test.txt", "-zeroprob-word", "dog", "-noise", "a"],
     "-unk-prob and -zeroprob-word do not combine with -noise"),
    (["-ppl", "test.txt", "-reverse", "-skipoovs", "-cache", "5"], "-reverse applies to plain -ppl scoring: not with -cache"),
    (["-ppl", "test.txt", "-unk-prob", "0", "-counts", "test.txt"], "-unk-prob applies to plain -ppl scoring"),
    (["-ppl", "test.txt", "-zeroprob-word", "zzz"], "-zeroprob-word zzz is not a word of the model"),
    (["-ppl", "test.txt", "-count-order", "2"], "-count-order, -float-counts and -counts-entropy need -counts"),
    (["-counts", "counts4.txt", "-float-counts", "-tagged"], "-tagged does not combine with -float-counts"),
    (["-ppl", "test.txt", "-counts-entropy"], "-count-order, -float-counts and -counts-entropy need -counts"),
])
def test_text_options_refuse_what_they_do_not_apply_to(argv, message, cli):
    status, _, err = cli(ngram_command.main, ["-lm", DATA / "lm3.arpa"] + [DATA / a if a.endswith(".txt") else a
                                                                          for a in argv])
    # after SRILM's lines of the model's n-grams (-debug 1 and up), the refusal alone
    lines = err.splitlines()
    assert status != 0 and message in lines[-1] and all(line.startswith("reading ") for line in lines[:-1])


def test_tolower_of_a_model_read_as_written_refuses_words_that_merge(tmp_path):
    # the scorer keeps the model's ids: two words that lowercase alike merge only as the model is read
    # (-tolower's vocabulary: tests/test_tolower_model.py)
    from ngramkit.errors import UsageError
    from ngramkit.formats import load

    lm = tmp_path / "lm.arpa"
    lm.write_text("\\data\\\nngram 1=4\n\n\\1-grams:\n-1\t</s>\n-99\t<s>\n-1\tCat\n-1\tcat\n\n\\end\\\n")
    with pytest.raises(UsageError, match="'Cat' and 'cat' both lowercase to 'cat': read the model lowercased"):
        PerplexityScorer(load(lm), tolower=True)


@pytest.mark.parametrize("weight", ["x1", "2abc", "-"])
def test_a_bad_sentence_weight_is_an_error_naming_its_line(weight, tmp_path, cli):
    text = tmp_path / "w.txt"
    text.write_text(f"2 the cat\n\n{weight} the dog\n")
    status, _, err = cli(ngram_command.main, ["-lm", DATA / "lm3.arpa", "-ppl", text, "-text-has-weights"])
    assert status != 0 and err == f"ngram: {text}:3: bad sentence weight {weight}\n"


def test_a_missing_noise_vocabulary_is_an_error(tmp_path, cli):
    status, _, err = cli(ngram_command.main, ["-lm", DATA / "lm3.arpa", "-ppl", DATA / "test.txt", "-noise-vocab",
                                              tmp_path / "none.txt"])
    assert status != 0 and str(tmp_path / "none.txt") in err and err.count("\n") == 1


def test_a_bad_float_count_is_an_error_naming_its_line(tmp_path, cli):
    counts = tmp_path / "c.txt"
    counts.write_text("the cat\t1.5\nthe dog\t1.5x\n")
    status, _, err = cli(ngram_command.main, ["-lm", DATA / "lm3.arpa", "-counts", counts, "-float-counts"])
    assert status != 0 and err == f"ngram: {counts}:2: bad count '1.5x'\n"


@pytest.mark.parametrize("extra", [[], ["-tagged"], ["-hidden-vocab", "noise.txt"]])
def test_memuse_is_accepted_and_prints_nothing(extra, capsysbinary):
    argv = ["-lm", "lm3.arpa", "-ppl", "test.txt", "-debug", "2"]
    plain = run_ngram(argv + extra, DATA, capsysbinary)
    assert plain and run_ngram(argv + extra + ["-memuse"], DATA, capsysbinary) == plain
