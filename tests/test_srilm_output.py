"""SRILM's output details: -escape of ngram -ppl/-counts, ngram-count's unsorted -write and
-writeN, -version of ngram, ngram-count and ngram-class."""

import gzip
import re
from pathlib import Path

import pytest

from ngramkit.cli.ngram import main as ngram
from ngramkit.cli.ngram_class import main as ngram_class
from ngramkit.cli.ngram_count import main as ngram_count
from ngramkit.escape import split_escaped
from ngramkit.release import package_version

DATA = Path(__file__).parent / "data"
REFERENCE = DATA / "reference" / "en"
MKN3 = REFERENCE / "srilm" / "mkn3.arpa.gz"
MORE = DATA / "srilm_more"


def run(main, argv, capsysbinary):
    try:
        main([str(a) for a in argv])
        status = 0
    except SystemExit as exc:
        status = exc.code
    captured = capsysbinary.readouterr()
    return status, captured.out, captured.err.decode()


def first20_lines():
    with gzip.open(REFERENCE / "test.txt.gz", "rb") as f:
        return f.read().splitlines(keepends=True)[:20]


def sentence_blocks(debug_output):
    """SRILM's -debug 1/2 output as (one block per sentence, the closing 'file' lines)."""
    body, _, closing = debug_output.rpartition(b"\n\nfile ")
    return [block + b"\n\n" for block in (body + b"\n\n").split(b"\n\n")[:-1]], b"file " + closing


# -version

@pytest.mark.parametrize("main,prog", [(ngram, "ngram"), (ngram_count, "ngram-count"), (ngram_class, "ngram-class")])
def test_version_in_srilms_shape(main, prog, capsysbinary):
    status, out, err = run(main, ["-version"], capsysbinary)
    assert status == 0 and err == ""
    lines = out.decode().split("\n")
    # SRILM: "SRILM release 1.7.3 ...", "Built with GCC 12.2.0", "", "Program version ...", "",
    # "Support for compressed files is included.", then its licence after a blank line
    assert lines[0] == f"ngramkit release {package_version()}"
    assert re.fullmatch(r"Built with Python \d+\.\d+\.\d+, NumPy \S+, Numba \S+", lines[1])
    assert lines[2:6] == ["", f"Program version {prog} (ngramkit {package_version()})", "",
                          "Support for compressed files is included."]
    assert lines[6] == "" and "Apache License" in lines[7]


def test_version_comes_before_everything_else(capsysbinary):
    # as in SRILM, -version prints and exits before any input is asked for
    status, out, _ = run(ngram_count, ["-version", "-text", "/nonexistent"], capsysbinary)
    assert status == 0 and out.startswith(b"ngramkit release ")


# -escape

def test_split_escaped_keeps_lines_and_numbers():
    pieces = list(split_escaped(b"##a\nx y\nz\n##b\n#c\n##d", 7, b"##"))
    assert [(p.data, p.first_line, p.escaped) for p in pieces] == [
        (b"##a\n", 7, True), (b"x y\nz\n", 8, False), (b"##b\n", 10, True), (b"#c\n", 11, False),
        (b"##d", 12, True)]
    # strncmp compares from the line's first byte: a blank before the string is no escape
    assert [p.escaped for p in split_escaped(b" ##a\n", 1, b"##")] == [False]


def escaped_text(tmp_path):
    """test20 with escape lines: before sentence 1, after 3, two after 10, and at the end."""
    lines = first20_lines()
    text = [b"## begin\n"] + lines[:3] + [b"## three\n"] + lines[3:10] + [b"## ten\n", b"##\n"] + lines[10:] \
        + [b"## end\n"]
    (tmp_path / "test20.txt").write_bytes(b"".join(lines))
    (tmp_path / "escaped.txt").write_bytes(b"".join(text))
    for name, part in (("doc1.txt", lines[:3]), ("doc2.txt", lines[3:10]), ("doc3.txt", lines[10:])):
        (tmp_path / name).write_bytes(b"".join(part))


@pytest.mark.parametrize("debug,reference", [(1, "mkn3.ppl1.txt"), (2, "mkn3.ppl2.txt")])
def test_escaped_lines_pass_through_ppl(debug, reference, tmp_path, monkeypatch, capsysbinary):
    escaped_text(tmp_path)
    monkeypatch.chdir(tmp_path)
    status, out, err = run(ngram, ["-lm", MKN3, "-ppl", "escaped.txt", "-escape", "##", "-debug", debug], capsysbinary)
    assert status == 0, err
    # SRILM's own lines for test20, with the escaped lines copied where they stood
    blocks, closing = sentence_blocks((REFERENCE / "srilm" / reference).read_bytes())
    assert len(blocks) == 20
    expected = (b"## begin\n" + b"".join(blocks[:3]) + b"## three\n" + b"".join(blocks[3:10]) + b"## ten\n##\n"
                + b"".join(blocks[10:]) + b"## end\n" + closing.replace(b"test20.txt", b"escaped.txt"))
    assert out == expected


def test_escaped_lines_close_documents_at_debug_0(tmp_path, monkeypatch, capsysbinary):
    escaped_text(tmp_path)
    monkeypatch.chdir(tmp_path)
    status, out, err = run(ngram, ["-lm", MKN3, "-ppl", "escaped.txt", "-escape", "##"], capsysbinary)
    assert status == 0, err
    docs = []
    for name in ("doc1.txt", "doc2.txt", "doc3.txt"):
        # a document's totals are summed sentence by sentence from zero, as a file's are
        _, whole, _ = run(ngram, ["-lm", MKN3, "-ppl", name], capsysbinary)
        docs.append(whole.split(b": ", 1)[1] + b"\n")
    _, reference_totals, _ = run(ngram, ["-lm", MKN3, "-ppl", "test20.txt"], capsysbinary)
    # "## begin" comes before any sentence: no totals; the second of two escaped lines closes an
    # empty document, printed as SRILM prints empty TextStats (its first line alone); after the
    # last escaped line the (empty) document is printed once more at the end
    empty = b"0 sentences, 0 words, 0 OOVs\n\n"
    expected = (b"## begin\n" + docs[0] + b"## three\n" + docs[1] + b"## ten\n" + empty + b"##\n" + docs[2]
                + b"## end\n" + empty + reference_totals.replace(b"test20.txt", b"escaped.txt"))
    assert out == expected
    # the first document holds sentences 1-3 of SRILM's -debug 1 lines: 3 sentences, 8+45+6 words, 4 OOVs
    assert docs[0].startswith(b"3 sentences, 59 words, 4 OOVs\n")
    assert reference_totals == (REFERENCE / "srilm" / "mkn3.ppl1.txt").read_bytes().rpartition(b"\n\n")[2]


def test_without_escaped_lines_nothing_changes(tmp_path, monkeypatch, capsysbinary):
    (tmp_path / "test20.txt").write_bytes(b"".join(first20_lines()))
    monkeypatch.chdir(tmp_path)
    status, out, _ = run(ngram, ["-lm", MKN3, "-ppl", "test20.txt", "-escape", "##", "-debug", 1], capsysbinary)
    assert status == 0 and out == (REFERENCE / "srilm" / "mkn3.ppl1.txt").read_bytes()
    _, out, _ = run(ngram, ["-lm", MKN3, "-ppl", "test20.txt", "-escape", "##"], capsysbinary)
    assert out == (REFERENCE / "srilm" / "mkn3.ppl1.txt").read_bytes().rpartition(b"\n\n")[2]


@pytest.mark.parametrize("debug", [0, 1, 2])
def test_escaped_lines_split_count_files(debug, tmp_path, monkeypatch, capsysbinary):
    counts = (MORE / "counts-en-test20.counts3.txt").read_bytes().splitlines(keepends=True)
    (tmp_path / "a.txt").write_bytes(b"".join(counts[:300]))
    (tmp_path / "b.txt").write_bytes(b"".join(counts[300:]))
    (tmp_path / "ab.txt").write_bytes(b"#x\n" + b"".join(counts[:300]) + b"#y\n" + b"".join(counts[300:]))
    monkeypatch.chdir(tmp_path)
    status, out, err = run(ngram, ["-lm", MKN3, "-counts", "ab.txt", "-escape", "#", "-debug", debug], capsysbinary)
    assert status == 0, err
    # each run of count lines is scored as a count file of its own (SRILM's sentenceStats per run)
    parts = []
    for name in ("a.txt", "b.txt"):
        _, alone, _ = run(ngram, ["-lm", MKN3, "-counts", name, "-debug", debug], capsysbinary)
        parts.append(alone.rpartition(b"file ")[0])
    body, _, closing = out.rpartition(b"file ")
    assert body == b"#x\n" + parts[0] + b"#y\n" + parts[1]
    # the totals of the two runs are SRILM's totals of the whole file (ppl-counts.test20.ppl0.txt)
    reference = (MORE / "counts-en-test20.ppl0.txt").read_bytes()
    assert b"file " + closing == reference.replace(b"counts-en-test20.counts3.txt", b"ab.txt")


def test_escape_refused_with_classes(tmp_path, capsysbinary):
    classes = tmp_path / "c.txt"
    classes.write_text("C 1 a\n")
    status, _, err = run(ngram, ["-lm", MKN3, "-classes", classes, "-ppl", classes, "-escape", "#"], capsysbinary)
    assert status == 2 and err.count("\n") == 1 and "-escape does not combine with -classes" in err


# ngram-count -write / -writeN in SRILM's unsorted order

@pytest.mark.parametrize("reference,argv", [
    ("counts-write-order0.test20.txt", ["-write-order", 0]), ("counts-write-order2.test20.txt", ["-write-order", 2])])
def test_write_file_in_srilms_unsorted_order(reference, argv, tmp_path, capsysbinary):
    text = tmp_path / "test20.txt"
    text.write_bytes(b"".join(first20_lines()))
    out = tmp_path / "counts.txt"
    status, _, err = run(ngram_count, ["-order", 3, "-text", text, *argv, "-write", out], capsysbinary)
    assert status == 0, err
    assert out.read_bytes() == (DATA / "bytes" / "en" / reference).read_bytes()


def test_write_n_in_srilms_unsorted_order(tmp_path, capsysbinary):
    # SRILM writes -writeN from the same trie, keeping the lines of length N (its write(file, N))
    text = tmp_path / "test20.txt"
    text.write_bytes(b"".join(first20_lines()))
    files = {k: tmp_path / f"w{k}.txt" for k in (1, 2, 3)}
    argv = ["-order", 3, "-text", text]
    for k, path in files.items():
        argv += [f"-write{k}", path]
    status, _, err = run(ngram_count, argv, capsysbinary)
    assert status == 0, err
    every = (DATA / "bytes" / "en" / "counts-write-order0.test20.txt").read_bytes().splitlines(keepends=True)
    for k, path in files.items():
        assert path.read_bytes() == b"".join(l for l in every if len(l.split(b"\t")[0].split()) == k)
    assert files[2].read_bytes() == (DATA / "bytes" / "en" / "counts-write-order2.test20.txt").read_bytes()
    # -sort sorts them
    status, _, _ = run(ngram_count, ["-order", 3, "-text", text, "-sort", "-write3", files[3]], capsysbinary)
    lines = files[3].read_bytes().splitlines()
    assert lines == sorted(lines, key=lambda l: l.split(b"\t")[0].split())


def test_write_n_above_order_is_refused_before_counting(tmp_path, capsysbinary):
    status, _, err = run(ngram_count, ["-order", 2, "-text", tmp_path / "missing.txt", "-write3",
                                       tmp_path / "w3.txt"], capsysbinary)
    assert status == 2 and "-write3 asks for order 3 but -order is 2" in err
