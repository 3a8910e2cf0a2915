"""ARPA files SRILM's ngram reads leniently (Ngram::read): a context without a backoff weight, a
weight on a highest-order n-gram, a positive log probability; KenLM-mode reading still refuses
them (tests/data/arpa_lenient/README.md)."""

import pytest

from conftest import DATA, run_cli
from ngramkit.arpa import read_arpa
from ngramkit.errors import FormatError

CASES = DATA / "arpa_lenient"
# (run number, folder, arguments of ngram)
RUNS = [(i, line.split(" ", 2)[0], line.split(" ", 2)[2])
        for i, line in enumerate((CASES / "cmd.txt").read_text().splitlines())]


@pytest.mark.parametrize("run", RUNS, ids=lambda run: f"{run[1]}-{run[0]}")
def test_srilm_output(run, capsys, monkeypatch):
    from ngramkit.cli.ngram import ngram

    i, folder, argv = run
    monkeypatch.chdir(CASES / folder)
    status, out, err = run_cli(ngram, argv.split(), capsys)
    assert status == 0
    assert out == (CASES / folder / f"{i}.out").read_text()
    assert err == (CASES / folder / f"{i}.err").read_text()


@pytest.mark.parametrize("folder, message", [("bow_on_highest_order", "a backoff weight on a highest-order"),
                                             ("positive_logprob", "log probability is positive")])
def test_kenlm_rules_refuse(folder, message):
    with pytest.raises(FormatError, match=message):
        read_arpa(CASES / folder / "m.arpa")


def test_kenlm_rules_keep_missing_bow_ngrams():
    model = read_arpa(CASES / "missing_bow" / "m.arpa")
    assert [len(rows) for rows in model.ngrams] == [5, 4, 2]
    assert model.read_warnings == []


def test_streamed_only_where_srilm_rules_change_nothing():
    from ngramkit.scoring import arpa_tables

    # SRILM's own files leave out the weights of n-grams that are no context: still streamed
    assert arpa_tables(DATA / "mix_edge" / "m1.arpa", order=3, srilm=True) is not None
    for folder in ("missing_bow", "bow_on_highest_order", "positive_logprob"):
        assert arpa_tables(CASES / folder / "m.arpa", order=3, srilm=True) is None
