"""`ngram -ppl FILE -debug 3` of count LMs (`-count-lm`) and skip LMs (`-skip`) against SRILM 1.7.3
(tests/data/debug3, cmd.txt there): each word line ends in ` / ` and the sum of the model's
probabilities over the vocabulary in its context (LM::wordProbSum, each word's probability from
the LM's own wordProb), and a sum off 1 gets its warning on stderr. A count LM's wordProb warns
of each word whose context count is 0 as the sum reaches it, in the order SRILM's vocabulary
iterates the words, before the warning of the word scored."""

from pathlib import Path

import pytest

from ngramkit.cli import ngram
from ngramkit.errors import UsageError

DATA = Path(__file__).parent / "data" / "debug3"


@pytest.mark.parametrize("name, args", [
    ("count-lm", ["-count-lm", "-lm", "zero.params", "-order", "3", "-vocab", "extra.vocab"]),
    ("count-lm-novocab", ["-count-lm", "-lm", "zero.params", "-order", "3"]),
    ("skip", ["-skip", "-lm", "skip.lm", "-order", "3"]),
])
def test_ppl_debug_3(name, args, monkeypatch, capfdbinary):
    monkeypatch.chdir(DATA)  # zero.params names its counts by a relative path
    ngram.ngram(args + ["-ppl", "test.txt", "-debug", "3"])
    out, err = capfdbinary.readouterr()
    assert out == (DATA / f"{name}.ppl3.txt").read_bytes()
    assert err == (DATA / f"{name}.ppl3.stderr.txt").read_bytes()


def test_count_lm_inline_counts_refused(tmp_path, monkeypatch):
    """The order of SRILM's sums is that of its vocabulary, known from a count file's lines."""
    (tmp_path / "p").write_text("mixweights 0\n 0.5 0.5\ncounts -\n<s>\t1\na\t1\n<s> a\t1\n")
    (tmp_path / "t").write_text("a\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="-debug 3 sums"):
        ngram.ngram(["-count-lm", "-lm", "p", "-order", "2", "-ppl", "t", "-debug", "3"])
