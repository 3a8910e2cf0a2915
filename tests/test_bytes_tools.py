"""Latin-1 text (`-encoding bytes`) through N-best rescoring, generation, ngram-class,
replace-words-with-classes and class LMs, byte for byte against SRILM 1.7.3's outputs
(tests/data/bytes/latin1, its README gives the commands); and the clean error each of them gives
such text without `-encoding bytes`."""

import gzip

import pytest
from conftest import DATA, run_cli

import ngramkit
from ngramkit.cli.ngram import main as ngram
from ngramkit.cli.ngram_class import main as ngram_class
from ngramkit.cli.replace_words_with_classes import main as replace_words_with_classes
from ngramkit.classes import induce_classes

LATIN1 = DATA / "bytes" / "latin1"


@pytest.fixture
def in_data(monkeypatch, capsysbinary):
    """Run a command's main in the data folder (the references name its files relatively);
    returns (exit status, stdout bytes, stderr bytes)."""
    monkeypatch.chdir(LATIN1)
    return lambda main, argv: run_cli(main, [str(a) for a in argv], capsysbinary)


def reference(name):
    path = LATIN1 / name
    return gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()


@pytest.mark.parametrize("argv, stem", [
    (["-nbest", "utt1.nbest", "-rescore-lmw", "1"], "gt3.utt1.nbest"),
    (["-nbest-files", "nbest.list", "-decipher-lm", "kn2.arpa.gz", "-decipher-order", "2", "-decipher-lmw", "8"],
     "gt3.files.decipher-lm"),
])
def test_nbest_rescoring_as_srilm(in_data, argv, stem):
    status, out, err = in_data(ngram, ["-encoding", "bytes", "-lm", "gt3.arpa.gz"] + argv)
    assert status == 0
    assert out == reference(f"{stem}.txt")
    # the warning names the unseen word zzz\xe9 in its Latin-1 byte
    assert err == reference(f"{stem}.stderr.txt") and b"zzz\xe9" in err


def test_write_nbest_dir_as_srilm(in_data, tmp_path):
    status, _, err = in_data(ngram, ["-encoding", "bytes", "-lm", "gt3.arpa.gz", "-nbest-files", "nbest.list",
                                     "-write-nbest-dir", tmp_path, "-rescore-lmw", "1", "-rescore-wtw", "1"])
    assert status == 0 and err == reference("gt3.write-nbest-dir.stderr.txt")
    for utt in ("utt1", "utt2"):
        assert gzip.decompress((tmp_path / f"{utt}.gz").read_bytes()) == reference(f"nbest-out/{utt}.gz")


def test_rescore_stream_as_srilm(in_data):
    status, out, _ = in_data(ngram, ["-encoding", "bytes", "-lm", "gt3.arpa.gz", "-rescore", "resc.txt",
                                     "-decipher-lm", "kn2.arpa.gz"])
    assert status == 0 and out == reference("gt3.rescore.decipher-lm.txt")


def test_static_mix_spreads_the_unigram_mass_as_srilm(in_data, tmp_path):
    # -debug 1: the merge's backoff weights give the -vocab words no model holds their share
    status, _, err = in_data(ngram, ["-encoding", "bytes", "-lm", "gt3.arpa.gz", "-mix-lm", "kn2.arpa.gz",
                                     "-lambda", "0.5", "-vocab", "mix.vocab", "-write-lm", tmp_path / "mix.arpa",
                                     "-debug", "1"])
    assert status == 0 and err == reference("gt3.mix-kn2.debug1.stderr.txt")
    assert b"distributing 0 left-over probability mass over 2 zeroton words" in err


def test_generation_with_prefixes_as_srilm(in_data):
    status, out, _ = in_data(ngram, ["-encoding", "bytes", "-lm", "gt3.arpa.gz", "-gen", "5",
                                     "-gen-prefixes", "prefixes.txt", "-seed", "7"])
    assert status == 0 and out == reference("gt3.gen-prefixes-seed7.txt")
    assert "th\xe9".encode("latin-1") in out


def test_ngram_class_as_srilm(in_data, tmp_path):
    status, _, _ = in_data(ngram_class, ["-encoding", "bytes", "-text", "t.txt", "-numclasses", "20",
                                         "-classes", tmp_path / "t.classes", "-class-counts", tmp_path / "cc"])
    assert status == 0
    assert (tmp_path / "t.classes").read_bytes() == reference("t.classes.gz")
    assert (tmp_path / "cc").read_bytes() == reference("t.class-counts")


def test_ngram_class_debug1_as_srilm(in_data):
    status, _, err = in_data(ngram_class, ["-encoding", "bytes", "-text", "t.txt", "-numclasses", "20", "-debug", "1"])
    expected = reference("t.classes.debug1.stderr.txt").decode().splitlines()
    lines = err.decode().splitlines()
    # the text's counting stats, then the final ones; SRILM sums the final log likelihood in
    # float32 in its hash tables' order, which is left out: the same within 1e-5 relative
    assert status == 0 and lines[:3] == expected[:3] and len(lines) == 4
    ours, theirs = (float(line.split("logprob= ")[1].split()[0]) for line in (lines[3], expected[3]))
    assert ours == pytest.approx(theirs, rel=1e-5) and lines[3].startswith("0 zeroprobs, logprob= -25306.")


def test_replace_words_with_classes_as_srilm(in_data, tmp_path):
    (tmp_path / "t.classes").write_bytes(reference("t.classes.gz"))
    status, out, err = in_data(replace_words_with_classes,
                               [f"classes={tmp_path / 't.classes'}", "encoding=bytes", "t.txt"])
    assert status == 0 and out == reference("t.replaced.txt.gz")
    assert err == b"read 2791 class expansions\n"


@pytest.mark.parametrize("flags, name", [([], "class2.ppl2.txt"), (["-simple-classes"], "class2.simple.ppl1.txt")])
def test_class_lm_ppl_as_srilm(in_data, tmp_path, flags, name):
    (tmp_path / "t.classes").write_bytes(reference("t.classes.gz"))
    debug = name.split(".ppl")[1][0]
    status, out, _ = in_data(ngram, ["-encoding", "bytes", "-lm", "class2.arpa.gz", "-classes", tmp_path / "t.classes",
                                     *flags, "-ppl", "dev.txt", "-debug", debug])
    assert status == 0 and out == reference(name)


def test_python_api_takes_the_encoding(monkeypatch, tmp_path):
    monkeypatch.chdir(LATIN1)
    model = ngramkit.load("gt3.arpa.gz", encoding="bytes")
    rescored = model.rescore_nbest("utt1.nbest", lm_weight=1.0, encoding="bytes")
    assert "".join(rescored.lines()).encode("utf-8", "surrogateescape") == reference("gt3.utt1.nbest.txt")
    induce_classes("t.txt", 20, encoding="bytes").write_classes(tmp_path / "t.classes")
    assert (tmp_path / "t.classes").read_bytes() == reference("t.classes.gz")


UTF8_MODEL = "\\data\\\nngram 1=3\n\n\\1-grams:\n-0.3\t</s>\n-99\t<s>\n-0.3\tx\n\n\\end\\\n"


@pytest.mark.parametrize("main, argv, message", [
    (ngram, ["-lm", "{utf8}", "-nbest", "utt1.nbest"],
     "ngram: utt1.nbest:2: invalid utf-8 byte 0xe0 (use -encoding to read other encodings)"),
    (ngram, ["-lm", "{utf8}", "-gen-prefixes", "prefixes.txt"],
     "ngram: prefixes.txt:1: invalid utf-8 byte 0xe9 (use -encoding to read other encodings)"),
    (ngram_class, ["-text", "t.txt", "-numclasses", "2"], "ngram-class: t.txt:1: invalid utf-8 byte 0xe9 "
                                                          "(use -encoding to read other encodings)"),
    (replace_words_with_classes, ["classes=prefixes.txt", "t.txt"],
     "replace-words-with-classes: t.txt:1: invalid utf-8 byte 0xe9 (use encoding= to read other encodings)"),
])
def test_latin1_without_bytes_is_a_clean_error(in_data, tmp_path, main, argv, message):
    (tmp_path / "utf8.arpa").write_text(UTF8_MODEL)
    status, out, err = in_data(main, [a.format(utf8=tmp_path / "utf8.arpa") for a in argv])
    assert status == 5 and out == b""
    assert err.decode().startswith(message) and err.count(b"\n") == 1
