"""`ngram-count -read COUNTS -vocab-aliases FILE`: an alias in the count files is counted as its
word (n-grams that become one summed), and the aliases' words join the vocabulary, as in SRILM's
Vocab. The outputs in data/read_aliases are SRILM 1.7.3's (see the README there)."""

import gzip

import pytest
from conftest import DATA, run_cli

from ngramkit.cli.ngram_count import main as ngram_count

HERE = DATA / "read_aliases"


@pytest.mark.parametrize("name, options", [
    ("kn", ["-kndiscount", "-interpolate"]),
    ("gt-vocab", ["-vocab", "vocab.txt"]),
    ("wb-limit", ["-vocab", "vocab.txt", "-limit-vocab", "-wbdiscount"]),
])
def test_aliases_of_read_counts(tmp_path, capsysbinary, name, options):
    out = tmp_path / f"{name}.arpa"
    options = [str(HERE / o) if o.endswith(".txt") else o for o in options]
    argv = ["-read", HERE / "counts.gz", "-order", "3", "-vocab-aliases", HERE / "aliases.txt", *options, "-lm", out]
    status, _, err = run_cli(ngram_count, [str(a) for a in argv], capsysbinary)
    assert status == 0
    assert out.read_bytes() == gzip.decompress((HERE / f"{name}.arpa.gz").read_bytes())
    assert err == (HERE / f"{name}.err").read_bytes()


def test_aliases_of_read_counts_written(tmp_path, capsysbinary):
    out = tmp_path / "written.counts"
    argv = ["-read", HERE / "counts.gz", "-order", "3", "-vocab-aliases", HERE / "aliases.txt", "-write", out]
    status, _, _ = run_cli(ngram_count, [str(a) for a in argv], capsysbinary)
    assert status == 0
    assert out.read_bytes() == gzip.decompress((HERE / "written.counts.gz").read_bytes())
