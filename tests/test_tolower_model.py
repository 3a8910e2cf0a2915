"""`ngram -tolower` against SRILM 1.7.3 (tests/data/tolower/README.md): every word SRILM's Vocab is
given is its lowercase. The model's words are lowercased as the ARPA file is read, two that
lowercase alike being one word (the later line's probability and the last backoff weight given
win, as for -vocab-aliases); so are -vocab's, the text's, -counts', the N-best lists' and
-gen-prefixes'. Through -write-lm, -write-vocab, -write-bin-lm, -renorm, -prune, a static
-mix-lm, -vocab with -limit-vocab, -gen, -nbest, -nbest-files with -decipher-lm, -rescore,
-counts, -vocab-aliases, -rescore-ngram (whose rescored model looks the text's words up as
written) and -encoding bytes (ASCII letters only, as SRILM in the C locale)."""

import gzip
from pathlib import Path

import pytest
from conftest import run_cli

from ngramkit.cli import ngram

DATA = Path(__file__).parent / "data" / "tolower"
OUT = DATA / "out"


def expected(name):
    data = (OUT / name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


# (the command's arguments, {placeholder of a written file: SRILM's file}, SRILM's stdout, SRILM's stderr)
RUNS = {
    "tiny.write-lm": ("-lm tiny.arpa -tolower -write-lm {lm} -debug 1", {"lm": "tiny.lower.arpa"}, None,
                      "tiny.lower.stderr.txt"),
    "tiny.ppl2": ("-lm tiny.arpa -tolower -ppl tiny.txt -debug 2", {}, "tiny.ppl2.txt", None),
    "write-lm": ("-lm gt3.arpa.gz -tolower -write-lm {lm} -write-vocab {vocab} -debug 1",
                 {"lm": "gt3.lower.arpa.gz", "vocab": "gt3.lower.vocab"}, None, "gt3.lower.stderr.txt"),
    "renorm": ("-lm gt3.arpa.gz -tolower -renorm -write-lm {lm} -debug 1", {"lm": "gt3.renorm.arpa.gz"}, None,
               "gt3.renorm.stderr.txt"),
    "prune": ("-lm gt3.arpa.gz -tolower -prune 1e-5 -write-lm {lm} -debug 1", {"lm": "gt3.prune.arpa.gz"}, None,
              "gt3.prune.stderr.txt"),
    "mix-lm": ("-lm gt3.arpa.gz -tolower -mix-lm kn2.arpa.gz -lambda 0.6 -write-lm {lm} -debug 1",
               {"lm": "gt3.mix-kn2.arpa.gz"}, None, "gt3.mix-kn2.stderr.txt"),
    "limit-vocab": ("-lm gt3.arpa.gz -tolower -vocab v.txt -limit-vocab -write-lm {lm} -write-vocab {vocab} -debug 1",
                    {"lm": "gt3.limit.arpa.gz", "vocab": "gt3.limit.vocab"}, None, "gt3.limit.stderr.txt"),
    "limit-vocab.ppl1": ("-lm gt3.arpa.gz -tolower -vocab v.txt -limit-vocab -ppl dev.txt -debug 1", {},
                         "gt3.limit.ppl1.txt", "gt3.limit.ppl1.stderr.txt"),
    "ppl2": ("-lm gt3.arpa.gz -tolower -ppl dev.txt -debug 2", {}, "gt3.ppl2.txt", None),
    "gen": ("-lm gt3.arpa.gz -tolower -gen 5 -seed 3", {}, "gt3.gen-seed3.txt", None),
    "gen.order1-vocab": ("-lm gt3.arpa.gz -tolower -order 1 -vocab v.txt -gen 3 -seed 11", {},
                         "gt3.order1-vocab.gen-seed11.txt", None),
    "gen-prefixes": ("-lm gt3.arpa.gz -tolower -gen-prefixes prefixes.txt -seed 7", {},
                     "gt3.gen-prefixes-seed7.txt", None),
    "nbest": ("-lm gt3.arpa.gz -tolower -nbest utt1.nbest -rescore-lmw 1", {}, "gt3.nbest.txt",
              "gt3.nbest.stderr.txt"),
    "nbest-files.decipher-lm": ("-lm gt3.arpa.gz -tolower -nbest-files nbest.list -decipher-lm kn2.arpa.gz "
                                "-decipher-order 2", {}, "gt3.nbest-files.decipher.txt",
                                "gt3.nbest-files.decipher.stderr.txt"),
    "rescore": ("-lm gt3.arpa.gz -tolower -rescore resc.txt", {}, "gt3.rescore.txt", "gt3.rescore.stderr.txt"),
    "counts2": ("-lm gt3.arpa.gz -tolower -counts dev.counts -debug 2", {}, "gt3.counts2.txt", None),
    "rescore-ngram": ("-lm kn2.arpa.gz -tolower -rescore-ngram gt3.arpa.gz -write-lm {lm} -ppl dev.txt -debug 1",
                      {"lm": "kn2.rescore-ngram-gt3.arpa.gz"}, "kn2.rescore-ngram-gt3.ppl1.txt",
                      "kn2.rescore-ngram-gt3.stderr.txt"),
    "vocab-aliases": ("-lm gt3.arpa.gz -tolower -vocab-aliases aliases.txt -ppl dev.txt -debug 2", {},
                      "gt3.aliases.ppl2.txt", None),
    "write-bin-lm": ("-lm gt3.arpa.gz -tolower -write-bin-lm {lm}", {"lm": "gt3.lower.bin.gz"}, None, None),
    "bytes.write-lm": ("-encoding bytes -lm l1.arpa.gz -tolower -write-lm {lm} -debug 1", {"lm": "l1.lower.arpa.gz"},
                       None, "l1.lower.stderr.txt"),
    "bytes.ppl2": ("-encoding bytes -lm l1.arpa.gz -tolower -ppl l1dev.txt -debug 2", {}, "l1.ppl2.txt", None),
}


@pytest.mark.parametrize("name", list(RUNS))
def test_tolower_matches_srilm(name, tmp_path, monkeypatch, capsysbinary):
    args, written, stdout, stderr = RUNS[name]
    paths = {key: tmp_path / key for key in written}
    monkeypatch.chdir(DATA)  # the outputs name the files as given
    status, out, err = run_cli(ngram.main, args.format(**paths).split(), capsysbinary)
    assert status == 0, err
    for key, reference in written.items():
        assert paths[key].read_bytes() == expected(reference), reference
    if stdout is not None:
        assert out == expected(stdout)
    if stderr is not None:
        assert err == expected(stderr)


def test_a_model_read_lowercased_in_python(tmp_path):
    from ngramkit import Vocabulary, load
    from ngramkit.perplexity import PerplexityScorer

    model = load(DATA / "tiny.arpa", vocab=Vocabulary().lowercased())
    model.padded(3).write(tmp_path / "lower.arpa")
    assert (tmp_path / "lower.arpa").read_bytes() == expected("tiny.lower.arpa")
    # its vocabulary lowercases the text too: "Cat SAT" scores as "cat sat"
    stats = PerplexityScorer(model).score_file(DATA / "tiny.txt")
    assert expected("tiny.ppl2.txt").decode().endswith(f"file tiny.txt: {stats.srilm_text()}")


@pytest.mark.parametrize("args, message", [
    ("-lm gt3.arpa.gz -tolower -classes v.txt -ppl dev.txt",
     "ngram: -tolower with -classes: not reproduced (SRILM lowercases the class names and their members too)\n"),
    ("-lm kn2.arpa.gz -tolower -rescore-ngram gt3.arpa.gz -nbest utt1.nbest",
     "ngram: -tolower -rescore-ngram with N-best rescoring: not reproduced (SRILM's rescored model lowercases the "
     "hypotheses' words, without -unk, but not those of -ppl, -counts and -gen-prefixes)\n"),
    ("-lm {bin} -tolower -ppl dev.txt",
     "ngram: -tolower: applies to ARPA files, not to srilm-binary files like {bin} (the words of a binary model are "
     "not lowercased as it is read)\n"),
])
def test_what_tolower_refuses(args, message, tmp_path, monkeypatch, capsys):
    binary = tmp_path / "lm.bin"
    monkeypatch.chdir(DATA)
    assert run_cli(ngram.main, f"-lm gt3.arpa.gz -write-bin-lm {binary}".split(), capsys)[0] == 0
    status, _, err = run_cli(ngram.main, args.format(bin=binary).split(), capsys)
    assert status != 0 and err == message.format(bin=binary)
