"""`ngram -lm MODEL.bin` (SRILM's binary LM) with -vocab, -limit-vocab, -map-unk and
-vocab-aliases, against SRILM 1.7.3 byte for byte: stdout, stderr and the ARPA written
(tests/data/srilm_binary_vocab/README.md gives the commands)."""

import gzip
from pathlib import Path

import numpy as np
import pytest

import ngramkit
from ngramkit.cli import ngram
from ngramkit.vocab import Vocabulary

DATA = Path(__file__).parent / "data" / "srilm_binary_vocab"

RUNS = {
    "vocab": "-lm m.bin -vocab V.txt -write-lm OUT",
    "limit": "-lm m.bin -limit-vocab -vocab V.txt -write-lm OUT -debug 1",
    "limit-ppl": "-lm m.bin -limit-vocab -vocab V.txt -ppl dev.txt -debug 2",
    "vocab-ppl": "-lm m.bin -vocab V.txt -ppl dev.txt -debug 2",
    "map-unk-ppl": "-lm m.bin -unk -map-unk the -ppl dev.txt -debug 2",
    "map-unk-renorm": "-lm m.bin -unk -map-unk zzunk -vocab V.txt -renorm -write-lm OUT -debug 1",
    "vocab-renorm": "-lm m.bin -vocab V.txt -renorm -write-lm OUT -debug 1",
    "limit-renorm": "-lm m.bin -limit-vocab -vocab V.txt -renorm -write-lm OUT -debug 1",
    "limit-only": "-lm m.bin -limit-vocab -write-lm OUT",
    "limit-only.arpa": "-lm m.arpa.gz -limit-vocab -write-lm OUT",
    "gen": "-lm m.bin -gen 5 -seed 3",
    "gen-vocab": "-lm m.bin -vocab V.txt -gen 5 -seed 3",
    "gen-limit": "-lm m.bin -limit-vocab -vocab V.txt -gen 10 -seed 1",
    "aliases": "-lm m.bin -vocab-aliases al.txt -write-lm OUT",
    "pau-limit": "-lm pau.bin -limit-vocab -vocab va.txt -write-lm OUT",
    "pau-limit.arpa": "-lm pau.arpa -limit-vocab -vocab va.txt -write-lm OUT",
    "mu-ppl": "-lm mu.bin -ppl dev.txt -debug 1",
    "mu-limit": "-lm mu.bin -unk -map-unk king -vocab V.txt -limit-vocab -write-lm OUT",
    "mix": "-lm m.bin -mix-lm mu.bin -lambda 0.4 -vocab V.txt -limit-vocab -write-lm OUT -debug 1",
    "mix.arpa": "-lm m.arpa.gz -mix-lm mu.arpa.gz -lambda 0.4 -vocab V.txt -limit-vocab -write-lm OUT -debug 1",
}


def expected(name):
    """The bytes of the reference file `name` (b"" when SRILM wrote nothing there)."""
    path = DATA / name
    if path.exists():
        return path.read_bytes()
    packed = DATA / f"{name}.gz"
    return gzip.decompress(packed.read_bytes()) if packed.exists() else b""


@pytest.mark.parametrize("name", sorted(RUNS))
def test_binary_lm_reading_options_are_srilms(name, tmp_path, monkeypatch, cli):
    monkeypatch.chdir(DATA)
    out = tmp_path / "out.arpa"
    argv = [out if arg == "OUT" else arg for arg in RUNS[name].split()]
    status, stdout, stderr = cli(ngram.main, argv)
    assert status == 0, stderr
    assert stdout.encode() == expected(f"{name}.out")
    assert stderr.encode() == expected(f"{name}.err")
    if "OUT" in RUNS[name]:
        assert out.read_bytes() == expected(f"{name}.arpa")


def test_load_takes_vocab_and_limit_vocab():
    vocab = Vocabulary.read(DATA / "V.txt")
    limited = ngramkit.load(DATA / "m.bin", vocab=vocab, limit_vocab=True)
    assert limited.vocab == vocab and limited.sizes() == [9, 12, 2]
    full = ngramkit.load(DATA / "m.bin")
    added = ngramkit.load(DATA / "m.bin", vocab=vocab)
    assert set(added.vocab.words) == set(full.vocab.words) | {"zebra", "aardvark", "qqq"}
    assert added.sizes() == full.sizes()


def test_other_binary_formats_still_refuse_vocab(tmp_path, cli):
    kenlm = tmp_path / "m.klm"
    ngramkit.load(DATA / "m.bin").write(kenlm, format="kenlm")
    status, _, stderr = cli(ngram.main, ["-lm", kenlm, "-vocab", DATA / "V.txt", "-write-lm", tmp_path / "o.arpa"])
    assert status == 2
    assert stderr == f"ngram: -vocab: applies to ARPA files, not to kenlm files like {kenlm}\n"


LOWER = Path(__file__).parent / "data" / "srilm_binary_lower"


def test_binary_lm_written_after_a_lower_order_read(tmp_path, monkeypatch, cli):
    # SRILM leaves empty nodes below the n-grams of the order it read: they are passed over
    monkeypatch.chdir(tmp_path)
    model = tmp_path / "o2-of-binary.bin"
    model.write_bytes(gzip.decompress((LOWER / "o2-of-binary.bin.gz").read_bytes()))
    (tmp_path / "test.txt").write_bytes((LOWER / "test.txt").read_bytes())
    status, out, err = cli(ngram.main, ["-lm", model.name, "-order", "2", "-ppl", "test.txt", "-debug", "2"])
    assert status == 0
    assert out.encode() == (LOWER / "ppl.txt").read_bytes() and err.encode() == (LOWER / "ppl.err").read_bytes()
    arpa = tmp_path / "o2.arpa"
    arpa.write_bytes(gzip.decompress((LOWER / "o2.arpa.gz").read_bytes()))
    read, expected = ngramkit.load(model), ngramkit.load(arpa)
    assert read.vocab.words == expected.vocab.words
    for k in range(2):
        assert np.array_equal(read.ngrams[k], expected.ngrams[k])
        assert np.array_equal(read.logprob[k], expected.logprob[k])
    assert np.array_equal(read.backoff[0], expected.backoff[0], equal_nan=True)


# SRILM's nodes of a binary LM read below its order or at its maxorder, and what its writers
# make of them (tests/data/srilm_binary_lower/README.md)
LOWER_RUNS = {
    "o2-of-binary.bin": "-lm o3.bin -order 2 -write-bin-lm OUT",
    "r3.arpa": "-lm o2-of-binary.bin -write-lm OUT",
    "r3.bin": "-lm o2-of-binary.bin -write-bin-lm OUT",
    "o2.arpa": "-lm o2-of-binary.bin -order 2 -write-lm OUT",
    "r2.bin": "-lm o2-of-binary.bin -order 2 -write-bin-lm OUT",
    "p2.arpa": "-lm o2-of-binary.bin -order 2 -prune 1e-3 -write-lm OUT",
    "p2.bin": "-lm o2-of-binary.bin -order 2 -prune 1e-3 -write-bin-lm OUT",
}


@pytest.mark.parametrize("name", sorted(LOWER_RUNS))
def test_binary_lm_of_a_lower_order_read_written_again(name, tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    for model in ("o3.bin", "o2-of-binary.bin"):
        (tmp_path / model).write_bytes(gzip.decompress((LOWER / f"{model}.gz").read_bytes()))
    out = tmp_path / "out"
    status, _, stderr = cli(ngram.main, [out if arg == "OUT" else arg for arg in LOWER_RUNS[name].split()])
    assert status == 0, stderr
    assert out.read_bytes() == gzip.decompress((LOWER / f"{name}.gz").read_bytes())
