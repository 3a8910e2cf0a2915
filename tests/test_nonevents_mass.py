"""`ngram -nonevents` with -renorm, -prune, -mix-lm and -prune-lowprobs: SRILM's recomputed backoff
weights spread the unigram mass left over among the words that are events, so the -nonevents
words get no share ("over all N words" counts them out). The outputs in data/nonevents_mass are
SRILM 1.7.3's (see the README there)."""

import gzip

import pytest
from conftest import DATA, run_cli

from ngramkit.cli.ngram import ngram

HERE = DATA / "nonevents_mass"


@pytest.mark.parametrize("name, options", [
    ("renorm", ["-renorm"]),
    ("prune", ["-prune", "1e-4"]),
    ("mix", ["-mix-lm", str(HERE / "mix2.arpa.gz"), "-lambda", "0.5"]),
    ("lowprobs", ["-prune-lowprobs"]),
])
def test_nonevents_take_no_left_over_mass(tmp_path, capsysbinary, name, options):
    out = tmp_path / f"{name}.arpa"
    argv = ["-lm", HERE / "low2.arpa.gz", "-nonevents", HERE / "ne.txt", *options, "-write-lm", out, "-debug", "1"]
    status, _, err = run_cli(ngram, [str(a) for a in argv], capsysbinary)
    assert status == 0
    assert out.read_bytes() == gzip.decompress((HERE / f"{name}.arpa.gz").read_bytes())
    assert err == (HERE / f"{name}.stderr.txt").read_bytes()
