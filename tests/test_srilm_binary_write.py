"""SRILM's binary LM written by `ngram -write-bin-lm` and `ngram-count -write-binary-lm`,
against SRILM 1.7.3 byte for byte: the index map in SRILM's Vocab order and the trie in that
numbering (tests/data/srilm_binary_write/README.md gives the commands)."""

import gzip
import shutil
from pathlib import Path

import pytest

import ngramkit
from ngramkit.cli import make_big_lm, ngram, ngram_count

DATA = Path(__file__).parent / "data" / "srilm_binary_write"

RUNS = {
    "count3": "ngram-count -text t.txt -order 3 -lm OUT -write-binary-lm",
    "count3-vocab-unk": "ngram-count -text t.txt -order 3 -vocab W.txt -unk -lm OUT -write-binary-lm",
    "count2-aliases": "ngram-count -text t.txt -order 2 -vocab-aliases al.txt -lm OUT -write-binary-lm",
    "count3-prune": "ngram-count -text t.txt -order 3 -prune 1e-4 -lm OUT -write-binary-lm",
    "read2": "ngram-count -read c2.counts.gz -order 2 -lm OUT -write-binary-lm",
    "read2-vocab": "ngram-count -read c2.counts.gz -order 2 -vocab W.txt -lm OUT -write-binary-lm",
    "k": "ngram -lm k.arpa.gz -write-bin-lm OUT",
    "k-vocab": "ngram -lm k.arpa.gz -vocab V.txt -write-bin-lm OUT",
    "k-order2": "ngram -lm k.arpa.gz -order 2 -write-bin-lm OUT",
    "k-unk-renorm": "ngram -lm k.arpa.gz -unk -renorm -write-bin-lm OUT",
    "k-prune": "ngram -lm k.arpa.gz -prune 1e-5 -write-bin-lm OUT",
    "k-options": "ngram -lm k.arpa.gz -map-unk zzunk -vocab-aliases al.txt -nonevents ne.txt -write-bin-lm OUT",
    "mix": "ngram -lm k.arpa.gz -mix-lm u.arpa.gz -lambda 0.6 -write-bin-lm OUT",
    "count3-again": "ngram -lm count3.bin -write-bin-lm OUT",
    "k-vocab-again": "ngram -lm k-vocab.bin -write-bin-lm OUT",
    "count3-vocab-renorm": "ngram -lm count3.bin -vocab V.txt -renorm -write-bin-lm OUT",
    "read-mix": "ngram -lm mixlms.txt -read-mix-lms -write-bin-lm OUT",
    # indices SRILM's Vocab gives and no word keeps, and the words it numbers before the model's
    "k-vocab-aliases": "ngram -lm k.arpa.gz -vocab Va.txt -vocab-aliases al.txt -write-bin-lm OUT",
    "k-vocab-aliases-nonevents": "ngram -lm k.arpa.gz -vocab Va.txt -vocab-aliases al.txt -nonevents nea.txt "
                                 "-write-bin-lm OUT",
    "count2-vocab-aliases": "ngram-count -text t.txt -order 2 -vocab Va.txt -vocab-aliases al.txt -lm OUT "
                            "-write-binary-lm",
    "count2-vocab-nonevents": "ngram-count -text t.txt -order 2 -vocab V.txt -nonevents ne.txt -lm OUT -write-binary-lm",
    "count2-nonevents": "ngram-count -text t.txt -order 2 -nonevents nea.txt -lm OUT -write-binary-lm",
    "read2-aliases-nonevents": "ngram-count -read c2.counts.gz -order 2 -vocab-aliases al.txt -nonevents nea.txt "
                               "-lm OUT -write-binary-lm",
    "read3-mincounts": "ngram-count -read c3.counts.gz -order 3 -read-with-mincounts -meta-tag __meta__ -lm OUT "
                       "-write-binary-lm",
    "cls2-expanded": "ngram -lm cls2.arpa.gz -classes classes20.txt.gz -expand-classes 2 -write-bin-lm OUT",
    "big-wb": "make-big-lm -read c3.counts.gz -name big -order 3 -wbdiscount -lm OUT -write-binary-lm",
    "big-ukn": "make-big-lm -read c3.counts.gz -name bigkn -order 3 -ukndiscount -lm OUT -write-binary-lm",
    "big-trust-totals": "make-big-lm -read c3.counts.gz -name bigtt -order 3 -trust-totals -lm OUT -write-binary-lm",
}
PROGRAMS = {"ngram": ngram.main, "ngram-count": ngram_count.main, "make-big-lm": make_big_lm.main}
# SRILM's round trips give back the bytes they read
SAME_AS = {"count3-again": "count3", "k-vocab-again": "k-vocab"}


def expected(name):
    return gzip.decompress((DATA / f"{SAME_AS.get(name, name)}.bin.gz").read_bytes())


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A folder of the inputs, SRILM's binary LMs among them unpacked (some runs read them)."""
    for path in DATA.iterdir():
        if path.name.endswith(".bin.gz"):
            (tmp_path / path.name[:-3]).write_bytes(gzip.decompress(path.read_bytes()))
        else:
            shutil.copy(path, tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", sorted(RUNS))
def test_binary_lm_written_is_srilms(name, folder, cli):
    prog, *argv = RUNS[name].split()
    out = folder / "out.bin"
    status, _, stderr = cli(PROGRAMS[prog], [out if arg == "OUT" else arg for arg in argv])
    assert status == 0, stderr
    assert out.read_bytes() == expected(name)


def test_unsorted_counts_number_the_nonevents_first(folder, cli):
    # SRILM's hash tables of the count trie follow the word numbers, the -nonevents' first
    status, stdout, stderr = cli(ngram_count.main, ["-text", "t.txt", "-order", "2", "-nonevents", "nea.txt"])
    assert status == 0, stderr
    assert stdout.encode() == gzip.decompress((DATA / "count2-nonevents.counts.gz").read_bytes())


def test_model_write_numbers_words_as_the_file_read(tmp_path):
    # the library's writer: an ARPA model's 1-grams and a binary LM's index map in their order
    ngramkit.load(DATA / "k.arpa.gz").write(tmp_path / "k.bin", format="srilm-binary")
    assert (tmp_path / "k.bin").read_bytes() == expected("k")
    (tmp_path / "in.bin").write_bytes(expected("k-vocab"))
    ngramkit.load(tmp_path / "in.bin").write(tmp_path / "again.bin", format="srilm-binary")
    assert (tmp_path / "again.bin").read_bytes() == expected("k-vocab")
