"""Edges of `ngram`'s model mixing against SRILM 1.7.3's outputs in data/mix_edge (see the README
there): the weights of -context-priors contexts that end at a node without weights of its own
(the root without a line: SRILM's never-set weights, which give the first of two models all the
weight), lines of a priors file with a word outside -vocab under -limit-vocab (skipped, no node
made for their prefix), and the static merge of three and more models (-mix-lm2.., each model
read just before it is merged in: the merge's vocabulary, so its unigrams and its lines; every
-mix-lambdaN taken off -mix-lm's weight; a -mix-lmN after a missing one refused)."""

import os

import pytest
from conftest import DATA, run_cli

from ngramkit.cli.ngram import main, ngram

HERE = DATA / "mix_edge"


def run_here(argv, capsysbinary):
    """`ngram argv` run in data/mix_edge, whose files the references name as given there."""
    old = os.getcwd()
    os.chdir(HERE)
    try:
        status, out, err = run_cli(ngram, argv, capsysbinary)
    finally:
        os.chdir(old)
    assert status == 0, err
    return out, err


@pytest.mark.parametrize("name, options", [
    # no root line: the contexts without priors get the weights 1, 0 (`post=1,0`); `cat`, outside
    # -vocab, takes its line out; `it 0 0` is all zeros: -lambda's weights
    ("bayes0-limit-vocab", ["-order", "2", "-bayes", "0", "-context-priors", "priors-noroot.txt", "-vocab", "v.txt",
                            "-limit-vocab"]),
    # a root line, and `of cat` skipped: the context `of` ends at the root's weights, not at a
    # node of `of` without weights of its own
    ("bayes0-root-limit-vocab", ["-order", "3", "-bayes", "0", "-context-priors", "priors-root.txt", "-vocab", "v.txt",
                                 "-limit-vocab"]),
    # posteriors over the root's weights 1, 0 are 1, 0 too
    ("bayes1", ["-order", "2", "-bayes", "1", "-bayes-scale", "0.5", "-context-priors", "priors-noroot.txt"]),
])
def test_context_priors_without_a_node_of_their_own(capsysbinary, name, options):
    out, err = run_here(["-lm", "m1.arpa", "-mix-lm", "m2.arpa", "-lambda", "0.7", *options, "-ppl", "test.txt",
                         "-debug", "2"], capsysbinary)
    assert out == (HERE / f"{name}.ppl.txt").read_bytes()
    assert err == (HERE / f"{name}.stderr.txt").read_bytes()
    # the root of a -read-mix-lms mixture reads zeros in SRILM: the listed weights
    out, err = run_here(["-order", "2", "-lm", "mix.txt", "-read-mix-lms", "-bayes", "1", "-context-priors",
                         "priors-noroot.txt", "-ppl", "test.txt", "-debug", "2"], capsysbinary)
    assert out == (HERE / "read-mix-bayes1.ppl.txt").read_bytes()
    assert err == (HERE / "read-mix-bayes1.stderr.txt").read_bytes()


FOUR = ["-order", "3", "-lm", "m1.arpa", "-mix-lm", "m2.arpa", "-mix-lm2", "m3.arpa", "-mix-lm3", "m4.arpa",
        "-lambda", "0.4", "-mix-lambda2", "0.2", "-mix-lambda3", "0.1"]


@pytest.mark.parametrize("name, options", [
    # the words of m3 and m4 are no zerotons of the merges before them
    ("mix4", FOUR),
    # -vocab's words are: each merge's line of them after its model's lines of reading
    ("mix4-vocab-unk", FOUR + ["-vocab", "v.txt", "-unk"]),
    # unigrams that leave mass over, then sum above one; left3's word `e` joins at the last merge
    ("left-mix", ["-order", "2", "-lm", "left1.arpa", "-mix-lm", "left2.arpa", "-mix-lm2", "left3.arpa",
                  "-lambda", "0.5", "-mix-lambda2", "0.2"]),
    # a -mix-lambda3 without its -mix-lm3 still comes off -mix-lm's weight
    ("left-lambda3", ["-order", "2", "-lm", "left1.arpa", "-mix-lm", "left2.arpa", "-lambda", "0.5",
                      "-mix-lambda3", "0.2"]),
])
def test_static_mix_of_more_models(tmp_path, capsysbinary, name, options):
    written = tmp_path / f"{name}.arpa"
    _, err = run_here([*options, "-write-lm", str(written), "-debug", "1"], capsysbinary)
    assert written.read_bytes() == (HERE / f"{name}.arpa").read_bytes()
    assert err == (HERE / f"{name}.stderr.txt").read_bytes()


def test_a_gap_in_the_mix_lms_is_refused(capsysbinary):
    # SRILM stops at the first -mix-lmN missing: -mix-lm3 without -mix-lm2 would be left out
    status, _, err = run_cli(main, ["-lm", str(HERE / "left1.arpa"), "-mix-lm", str(HERE / "left2.arpa"),
                                    "-mix-lm3", str(HERE / "left3.arpa"), "-write-lm", "-"], capsysbinary)
    assert status == 2 and err == b"ngram: -mix-lm3 needs -mix-lm2\n"
