"""SRILM's lines of the contexts whose probabilities its recomputed backoff weights scale to
sum to one or find improper, in its order, when `ngram` merges (-mix-lm), renormalises (-renorm)
or prunes (-prune, -prune-lowprobs) models (tests/data/bow_denominator/README.md)."""

import pytest

from conftest import DATA, run_cli
from ngramkit.cli.ngram import main

CASES = DATA / "bow_denominator"


@pytest.mark.parametrize("name, argv", [
    ("mix_ab", ["-lm", "a.lm", "-mix-lm", "b.lm", "-lambda", "0.5", "-limit-vocab", "-vocab", "vocab_ab"]),
    ("mix_cd", ["-lm", "c.lm", "-mix-lm", "d.lm", "-lambda", "0.5", "-limit-vocab", "-vocab", "vocab_cd"]),
    ("renorm_a", ["-lm", "a.lm", "-renorm", "-limit-vocab", "-vocab", "vocab_ab"]),
    ("prune_a", ["-lm", "a.lm", "-limit-vocab", "-vocab", "vocab_ab", "-prune", "1e-3"]),
    ("prune_improper", ["-lm", "a_improper.lm", "-prune", "1e-3"]),
    ("prune_improper_ab", ["-lm", "a_improper.lm", "-prune", "1e-3", "-limit-vocab", "-vocab", "vocab_ab"]),
    ("lowprobs_improper", ["-lm", "a_improper.lm", "-prune-lowprobs"]),
    ("lowprobs_improper_ab", ["-lm", "a_improper.lm", "-prune-lowprobs", "-limit-vocab", "-vocab", "vocab_ab"]),
    ("lowprobs_vocab", ["-lm", "a_improper2.lm", "-prune-lowprobs", "-vocab", "vocab_ab"]),
])
def test_lines_and_model_as_srilm(name, argv, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(CASES)
    out = tmp_path / f"{name}.lm"
    status, _, err = run_cli(main, argv + ["-write-lm", str(out)], capsys)
    assert status == 0
    assert err == (CASES / f"{name}.err").read_text()
    assert out.read_text() == (CASES / f"{name}.lm").read_text()


def test_pruning_lines_among_debug_lines(tmp_path, capsys, monkeypatch):
    """With -debug 1, the lines of each order's pruning decisions come before its `pruned` line."""
    monkeypatch.chdir(CASES)
    out = tmp_path / "pruned.lm"
    status, _, err = run_cli(main, ["-debug", "1", "-lm", "a_improper.lm", "-prune", "1e-3", "-limit-vocab", "-vocab",
                                    "vocab_ab", "-write-lm", str(out)], capsys)
    assert status == 0
    assert err == (CASES / "prune_improper_ab_debug1.err").read_text()
    assert out.read_text() == (CASES / "prune_improper_ab.lm").read_text()
