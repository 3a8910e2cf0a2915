"""Bad input to counting: one-line errors naming file and line, distinct exit statuses,
no output file left behind."""

import gzip

import pytest

from ngramkit.cli.ngram_count import main as ngram_count


def one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def no_output_left(directory, name):
    return not any(p.name.startswith(name) or p.name.startswith("." + name) for p in directory.iterdir())


@pytest.mark.parametrize("content", [b"", b"\n\n  \n\t\n"])
def test_empty_corpus(tmp_path, cli, content):
    text = tmp_path / "empty.txt"
    text.write_bytes(content)
    status, _, err = cli(ngram_count, ["-text", text, "-write", tmp_path / "out.txt"])
    assert status == 8
    assert one_line(err) == f"ngram-count: {text}: no sentences in text (empty or blank input)"
    assert no_output_left(tmp_path, "out.txt")


def test_non_utf8_names_file_and_line(tmp_path, cli):
    text = tmp_path / "latin1.txt"
    text.write_bytes("a b\nc d\ncaf\u00e9 au lait\n".encode("latin-1"))
    status, _, err = cli(ngram_count, ["-text", text, "-write", tmp_path / "out.txt"])
    assert status == 5
    assert one_line(err).startswith(f"ngram-count: {text}:3: invalid utf-8 byte 0xe9")
    assert no_output_left(tmp_path, "out.txt")
    # With the right encoding the same file counts.
    status, _, err = cli(ngram_count, ["-text", text, "-encoding", "latin-1", "-order", 1,
                                       "-write", tmp_path / "out.txt"])
    assert status == 0, err
    assert "café\t1\n" in (tmp_path / "out.txt").read_text(encoding="utf-8")


def test_nul_byte(tmp_path, cli):
    text = tmp_path / "nul.txt"
    text.write_bytes(b"a b\na\x00b\n")
    status, _, err = cli(ngram_count, ["-text", text, "-write", tmp_path / "out.txt"])
    assert status == 5
    assert one_line(err) == f"ngram-count: {text}:2: NUL byte in text"


def test_missing_file(tmp_path, cli):
    status, _, err = cli(ngram_count, ["-text", tmp_path / "nope.txt", "-write", tmp_path / "out.txt"])
    assert status == 3
    assert one_line(err) == f"ngram-count: {tmp_path / 'nope.txt'}: no such file"


def test_unwritable_output(tmp_path, cli):
    text = tmp_path / "t.txt"
    text.write_text("a b\n")
    out = tmp_path / "missing-dir" / "out.txt"
    status, _, err = cli(ngram_count, ["-text", text, "-write", out])
    assert status == 6
    assert one_line(err) == f"ngram-count: {out}: cannot write: directory does not exist"


def test_truncated_gzip(tmp_path, cli):
    data = gzip.compress(("a b c\n" * 20000).encode())
    text = tmp_path / "cut.txt.gz"
    text.write_bytes(data[: len(data) // 2])
    status, _, err = cli(ngram_count, ["-text", text, "-write", tmp_path / "out.txt"])
    assert status == 4
    assert one_line(err).startswith(f"ngram-count: {text}: cannot read compressed data")
    assert no_output_left(tmp_path, "out.txt")


@pytest.mark.parametrize("line", ["a b\t-3", "a b\t1.5", "a b\tmany", "\t4"])
def test_bad_count_lines(tmp_path, cli, line):
    counts = tmp_path / "c.txt"
    counts.write_text(f"a\t2\nb\t1\n{line}\n")
    status, _, err = cli(ngram_count, ["-read", counts, "-write", tmp_path / "out.txt"])
    assert status == 4
    assert one_line(err) == (f"ngram-count: {counts}:3: expected words followed by a "
                             "non-negative integer count")


def test_unknown_option(cli, tmp_path):
    status, _, err = cli(ngram_count, ["-order", 3, "-txet", "x.txt"])
    assert status == 2
    assert one_line(err) == "ngram-count: unknown option '-txet' (see ngram-count -help)"
    status, _, err = cli(ngram_count, ["-order", "three"])
    assert status == 2
    assert one_line(err) == "ngram-count: option -order needs an integer, not 'three'"


def test_no_input(cli):
    status, _, err = cli(ngram_count, ["-order", 2])
    assert status == 2
    assert one_line(err) == "ngram-count: no input: give -text FILE or -read COUNTS"
