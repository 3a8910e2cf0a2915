"""`ngram -mix-lm -write-lm` against SRILM 1.7.3's outputs in data/mix_suffix_nodes (see the
README there): an n-gram that is a suffix of a context of the merge (a node of SRILM's trie)
gets a backoff weight, even when the model read first lacks it and no longer n-gram extends it."""

import pytest
from conftest import DATA, run_cli

from ngramkit.cli.ngram import ngram

HERE = DATA / "mix_suffix_nodes"


@pytest.mark.parametrize("first, second", [("b", "a"), ("a", "b")])
def test_suffix_of_a_context_gets_a_weight(capsysbinary, first, second):
    status, out, err = run_cli(ngram, ["-order", "4", "-lm", str(HERE / f"{first}.arpa"), "-mix-lm",
                                       str(HERE / f"{second}.arpa"), "-lambda", "0.5", "-write-lm", "-"],
                               capsysbinary)
    assert status == 0, err
    assert out == (HERE / f"{first}-first.arpa").read_bytes()
