"""-vocab-aliases against SRILM 1.7.3 (tests/data/aliases/README.md): an alias is a second name of
its word. ngram-count counts each name as a vocabulary word where SRILM iterates over its
vocabulary (the unigram mass spread, the uniform distribution below the unigrams); ngram reads
the ARPA file's alias n-grams as its word's."""

import gzip
from pathlib import Path

import pytest

from ngramkit.cli import ngram, ngram_count

DATA = Path(__file__).parent / "data" / "aliases"

COUNT_RUNS = {
    "kn-zeroton": (["-kndiscount", "-interpolate", "-vocab-aliases", "zeroton.aliases"],
                   "0.00122254 left-over probability mass over 2 zeroton words"),
    "gt-seen": (["-vocab-aliases", "seen.aliases"], "0.000245459 left-over probability mass over all 1510 words"),
    "wb-vocab": (["-vocab", "v.txt", "-wbdiscount", "-vocab-aliases", "frequent.aliases"],
                 "0.100902 left-over probability mass over all 126 words"),
}


def _arpa(name):
    return gzip.decompress((DATA / f"{name}.arpa.gz").read_bytes())


@pytest.mark.parametrize("name", sorted(COUNT_RUNS))
def test_ngram_count_aliases_are_srilms(name, tmp_path, monkeypatch, cli):
    monkeypatch.chdir(DATA)
    options, spread = COUNT_RUNS[name]
    status, _, err = cli(ngram_count.main, ["-order", "2", "-text", "t.txt", *options, "-lm", tmp_path / "lm.arpa",
                                            "-write-vocab", tmp_path / "v", "-debug", "1"])
    assert status == 0, err
    assert f"warning: distributing {spread}\n" in err
    assert (tmp_path / "lm.arpa").read_bytes() == _arpa(name)
    # the alias names are in the vocabulary written
    assert (tmp_path / "v").read_bytes() == (DATA / f"{name}.vocab").read_bytes()


def test_ngram_ppl_reads_the_model_through_aliases(monkeypatch, cli):
    monkeypatch.chdir(DATA)
    status, out, err = cli(ngram.main, ["-lm", "plain.arpa.gz", "-vocab-aliases", "frequent.aliases", "-ppl",
                                        "dev.txt", "-debug", "2"])
    assert status == 0, err
    assert out == (DATA / "plain.frequent.ppl2.txt").read_text()


def test_ngram_renorm_counts_alias_names(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(DATA)
    status, _, err = cli(ngram.main, ["-lm", "plain.arpa.gz", "-vocab-aliases", "frequent.aliases", "-renorm",
                                      "-write-lm", tmp_path / "lm.arpa", "-debug", "1"])
    assert status == 0, err
    assert "warning: distributing 0.0335615 left-over probability mass over all 1510 words\n" in err
    assert (tmp_path / "lm.arpa").read_bytes() == _arpa("plain.frequent.renorm")


def test_ngram_gen_walks_alias_names(monkeypatch, cli):
    # SRILM's walk over its vocabulary meets an aliased word at each of its names
    monkeypatch.chdir(DATA)
    status, out, err = cli(ngram.main, ["-lm", "plain.arpa.gz", "-vocab-aliases", "frequent.aliases", "-gen", "10",
                                        "-seed", "3"])
    assert status == 0, err
    assert out == (DATA / "plain.frequent.gen-seed3.txt").read_text()


def test_ngram_counts_reads_alias_names_as_words(monkeypatch, cli):
    # -counts: the count file's alias names are their words (dev.counts holds "the" and "of")
    monkeypatch.chdir(DATA)
    status, out, err = cli(ngram.main, ["-lm", "plain.arpa.gz", "-vocab-aliases", "frequent.aliases", "-counts",
                                        "dev.counts", "-debug", "1"])
    assert status == 0, err
    assert out == (DATA / "plain.frequent.counts1.txt").read_text()
