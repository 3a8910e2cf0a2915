"""ngram-count's -map-unk against SRILM 1.7.3: the named word is the unknown word, in place of
<unk>, which is then a word only where the text holds it (tests/data/map_unk/README.md)."""

import gzip
from pathlib import Path

import pytest

from ngramkit.cli import ngram_count

DATA = Path(__file__).parent / "data" / "map_unk"
RUNS = {
    "open-unk": ["-text", "t.txt", "-unk"],
    "open-unk-plain": ["-text", "t60.txt", "-unk"],
    "open-plain": ["-text", "t60.txt"],
    "closed": ["-text", "t.txt", "-vocab", "v.txt"],
    "closed-kn": ["-text", "t.txt", "-unk", "-vocab", "v.txt", "-kndiscount", "-interpolate"],
    "read-unk": ["-read", "t.counts", "-unk"],
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_map_unk_is_srilms(name, tmp_path, monkeypatch, cli):
    monkeypatch.chdir(DATA)
    vocab = DATA / f"{name}.vocab"
    argv = ["-order", "2", "-map-unk", "<UNK>", *RUNS[name], "-lm", tmp_path / "lm.arpa"]
    status, _, err = cli(ngram_count.main, argv + (["-write-vocab", tmp_path / "v"] if vocab.exists() else []))
    assert status == 0, err
    reference = DATA / f"{name}.arpa"
    expected = reference.read_bytes() if reference.exists() else gzip.decompress((DATA / f"{name}.arpa.gz").read_bytes())
    assert (tmp_path / "lm.arpa").read_bytes() == expected
    if vocab.exists():
        assert (tmp_path / "v").read_bytes() == vocab.read_bytes()


def test_ngram_map_unk_makes_a_literal_unk_unknown(monkeypatch, cli):
    from ngramkit.cli import ngram

    monkeypatch.chdir(DATA)
    status, out, err = cli(ngram.main, ["-lm", "closed-kn.arpa", "-map-unk", "zzq5", "-ppl", "unk-text.txt",
                                        "-debug", "2"])
    assert status == 0, err
    assert out == (DATA / "closed-kn.map-zzq5.ppl2.txt").read_text()


NGRAM_RUNS = {
    "closed-kn.renorm.arpa": ["-lm", "closed-kn.arpa", "-renorm"],
    "closed-kn.prune.arpa": ["-lm", "closed-kn.arpa", "-prune", "1e-4"],
    "mix-lowprobs.arpa.gz": ["-lm", "open-unk-plain.arpa.gz", "-mix-lm", "closed-kn.arpa", "-lambda", "0.3",
                             "-prune-lowprobs"],
}


@pytest.mark.parametrize("name", sorted(NGRAM_RUNS))
def test_ngram_map_unk_model_has_no_unk(name, tmp_path, monkeypatch, cli):
    # the vocabulary of -map-unk holds its word in place of <unk>: renormalising, pruning and
    # mixing give <unk> no unigram
    from ngramkit.cli import ngram

    monkeypatch.chdir(DATA)
    argv = [*NGRAM_RUNS[name], "-unk", "-map-unk", "<UNK>", "-write-lm", tmp_path / "lm.arpa"]
    status, _, err = cli(ngram.main, argv)
    assert status == 0, err
    reference = (DATA / name).read_bytes()
    expected = gzip.decompress(reference) if name.endswith(".gz") else reference
    assert (tmp_path / "lm.arpa").read_bytes() == expected
