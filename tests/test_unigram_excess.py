"""`ngram -vocab` with -renorm, -prune, -mix-lm and -prune-lowprobs on a KenLM ARPA, whose
unigrams sum to more than one (its `<s>` has probability 1): SRILM's empty context then gets no
backoff weight, it says so on stderr at every -debug level, and the -vocab words the model lacks
get no unigram (distributeProb does not run). The outputs in data/unigram_excess are SRILM
1.7.3's (see the README there)."""

import gzip

import pytest
from conftest import DATA, run_cli

from ngramkit.cli.ngram import ngram

HERE = DATA / "unigram_excess"


@pytest.mark.parametrize("name, options", [
    ("renorm", ["-renorm"]),
    ("prune", ["-prune", "1e-5"]),
    ("mix", ["-mix-lm", "mix2.arpa.gz", "-lambda", "0.5"]),
    ("lowprobs", ["-prune-lowprobs"]),
])
def test_no_vocabulary_unigrams_when_unigrams_sum_above_one(tmp_path, capsysbinary, monkeypatch, name, options):
    monkeypatch.chdir(HERE)  # SRILM's warnings name the model as given
    out = tmp_path / f"{name}.arpa"
    status, _, err = run_cli(ngram, ["-lm", "k2.arpa.gz", "-vocab", "v.txt", *options, "-write-lm", str(out)],
                             capsysbinary)
    assert status == 0
    assert out.read_bytes() == gzip.decompress((HERE / f"{name}.arpa.gz").read_bytes())
    assert err.replace(b"k2.arpa.gz", b"k2.arpa") == (HERE / f"{name}.stderr.txt").read_bytes()
