"""SRILM's lines of the contexts whose probabilities its recomputed backoff weights scale to
sum to one, in its order, when `ngram` merges (-mix-lm) or renormalises (-renorm) models on a
-limit-vocab vocabulary (tests/data/bow_denominator/README.md)."""

import pytest

from conftest import DATA, run_cli
from ngramkit.cli.ngram import main

CASES = DATA / "bow_denominator"


@pytest.mark.parametrize("name, argv", [
    ("mix_ab", ["-lm", "a.lm", "-mix-lm", "b.lm", "-lambda", "0.5", "-limit-vocab", "-vocab", "vocab_ab"]),
    ("mix_cd", ["-lm", "c.lm", "-mix-lm", "d.lm", "-lambda", "0.5", "-limit-vocab", "-vocab", "vocab_cd"]),
    ("renorm_a", ["-lm", "a.lm", "-renorm", "-limit-vocab", "-vocab", "vocab_ab"]),
])
def test_lines_and_model_as_srilm(name, argv, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(CASES)
    out = tmp_path / f"{name}.lm"
    status, _, err = run_cli(main, argv + ["-write-lm", str(out)], capsys)
    assert status == 0
    assert err == (CASES / f"{name}.err").read_text()
    assert out.read_text() == (CASES / f"{name}.lm").read_text()
