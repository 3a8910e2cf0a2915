"""SRILM's output details: -escape of ngram -ppl/-counts, ngram-count's unsorted -write and
-writeN, -version of ngram, ngram-count and ngram-class."""

import gzip
import math
import re
from pathlib import Path

import numpy as np
import pytest

from ngramkit.cli.ngram import main as ngram
from ngramkit.cli.ngram_class import main as ngram_class
from ngramkit.cli.ngram_count import main as ngram_count
from ngramkit.constants import LN10
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
    """test20 with escape lines: before sentence 1, after 3, two after 10, and at the end (not ## lines,
    comments SRILM's File::getline passes over before any -escape test)."""
    lines = first20_lines()
    text = [b"@@ begin\n"] + lines[:3] + [b"@@ three\n"] + lines[3:10] + [b"@@ ten\n", b"@@\n"] + lines[10:] \
        + [b"@@ end\n"]
    (tmp_path / "test20.txt").write_bytes(b"".join(lines))
    (tmp_path / "escaped.txt").write_bytes(b"".join(text))
    for name, part in (("doc1.txt", lines[:3]), ("doc2.txt", lines[3:10]), ("doc3.txt", lines[10:])):
        (tmp_path / name).write_bytes(b"".join(part))


@pytest.mark.parametrize("debug,reference", [(1, "mkn3.ppl1.txt"), (2, "mkn3.ppl2.txt")])
def test_escaped_lines_pass_through_ppl(debug, reference, tmp_path, monkeypatch, capsysbinary):
    escaped_text(tmp_path)
    monkeypatch.chdir(tmp_path)
    status, out, err = run(ngram, ["-lm", MKN3, "-ppl", "escaped.txt", "-escape", "@@", "-debug", debug], capsysbinary)
    assert status == 0, err
    # SRILM's own lines for test20, with the escaped lines copied where they stood
    blocks, closing = sentence_blocks((REFERENCE / "srilm" / reference).read_bytes())
    assert len(blocks) == 20
    expected = (b"@@ begin\n" + b"".join(blocks[:3]) + b"@@ three\n" + b"".join(blocks[3:10]) + b"@@ ten\n@@\n"
                + b"".join(blocks[10:]) + b"@@ end\n" + closing.replace(b"test20.txt", b"escaped.txt"))
    assert out == expected


def test_escaped_lines_close_documents_at_debug_0(tmp_path, monkeypatch, capsysbinary):
    escaped_text(tmp_path)
    monkeypatch.chdir(tmp_path)
    status, out, err = run(ngram, ["-lm", MKN3, "-ppl", "escaped.txt", "-escape", "@@"], capsysbinary)
    assert status == 0, err
    docs = []
    for name in ("doc1.txt", "doc2.txt", "doc3.txt"):
        # a document's totals are summed sentence by sentence from zero, as a file's are
        _, whole, _ = run(ngram, ["-lm", MKN3, "-ppl", name], capsysbinary)
        docs.append(whole.split(b": ", 1)[1] + b"\n")
    _, reference_totals, _ = run(ngram, ["-lm", MKN3, "-ppl", "test20.txt"], capsysbinary)
    # "@@ begin" comes before any sentence: no totals; the second of two escaped lines closes an
    # empty document, printed as SRILM prints empty TextStats (its first line alone); after the
    # last escaped line the (empty) document is printed once more at the end
    empty = b"0 sentences, 0 words, 0 OOVs\n\n"
    expected = (b"@@ begin\n" + docs[0] + b"@@ three\n" + docs[1] + b"@@ ten\n" + empty + b"@@\n" + docs[2]
                + b"@@ end\n" + empty + reference_totals.replace(b"test20.txt", b"escaped.txt"))
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


# ngram-count -write / -writeN: SRILM's lines, sorted as -sort sorts them (stdout keeps SRILM's
# unsorted order: see test_bytes)

def _sorted_lines(data):
    return b"".join(sorted(data.splitlines(keepends=True), key=lambda line: line.split(b"\t")[0].split()))


@pytest.mark.parametrize("reference,argv", [
    ("counts-write-order0.test20.txt", ["-write-order", 0]), ("counts-write-order2.test20.txt", ["-write-order", 2])])
def test_write_file_holds_srilms_lines_sorted(reference, argv, tmp_path, capsysbinary):
    text = tmp_path / "test20.txt"
    text.write_bytes(b"".join(first20_lines()))
    out = tmp_path / "counts.txt"
    status, _, err = run(ngram_count, ["-order", 3, "-text", text, *argv, "-write", out], capsysbinary)
    assert status == 0, err
    assert out.read_bytes() == _sorted_lines((DATA / "bytes" / "en" / reference).read_bytes())


def test_write_n_holds_srilms_lines_of_length_n(tmp_path, capsysbinary):
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
        assert path.read_bytes() == _sorted_lines(b"".join(l for l in every if len(l.split(b"\t")[0].split()) == k))


def test_write_n_above_order_is_refused_before_counting(tmp_path, capsysbinary):
    status, _, err = run(ngram_count, ["-order", 2, "-text", tmp_path / "missing.txt", "-write3",
                                       tmp_path / "w3.txt"], capsysbinary)
    assert status == 2 and "-write3 asks for order 3 but -order is 2" in err


# -debug 3 (probability sums) and -debug 4 (ranks and losses)

TINY_ARPA = """\\data\\
ngram 1=4
ngram 2=2

\\1-grams:
-1.0 </s>
-99 <s> -0.30103
-0.5 a -0.2
-0.69897 b

\\2-grams:
-0.30103 <s> a
-0.2 a b

\\end\\
"""


def prob(*logps):
    """SRILM's LogPtoProb of a float32 sum of log10 values (a backoff weight plus a probability)."""
    total = np.float32(0)
    for value in logps:
        total = np.float32(total + np.float32(value))
    return math.exp(float(total) * LN10)


# p(w | context) of the tiny model for the events </s>, a, b (<s> never; <unk> has no unigram)
AFTER_BOS = {"</s>": prob(-0.30103, -1.0), "a": prob(-0.30103), "b": prob(-0.30103, -0.69897)}
AFTER_A = {"</s>": prob(-0.2, -1.0), "a": prob(-0.2, -0.5), "b": prob(-0.2)}
AFTER_B = {"</s>": prob(-1.0), "a": prob(-0.5), "b": prob(-0.69897)}  # b has no backoff weight: 0
AFTER_UNK = AFTER_B  # <unk> is not in the model: the unigrams, unweighted
# SRILM's lines of the tiny model's n-grams on stderr, from -debug 1 on
READING_TINY = "reading 4 1-grams\nreading 2 2-grams\n"


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    (tmp_path / "tiny.arpa").write_text(TINY_ARPA)
    (tmp_path / "text.txt").write_text("a b\na c\n")
    monkeypatch.chdir(tmp_path)


def test_debug_3_sums_each_context(tiny, capsysbinary):
    status, out, err = run(ngram, ["-lm", "tiny.arpa", "-order", 2, "-ppl", "text.txt", "-debug", 3], capsysbinary)
    assert status == 0
    _, plain, _ = run(ngram, ["-lm", "tiny.arpa", "-order", 2, "-ppl", "text.txt", "-debug", 2], capsysbinary)
    # contexts of "a b": <s>, a, b; of "a c": <s>, a, <unk>
    sums = [sum(AFTER_BOS.values()), sum(AFTER_A.values()), sum(AFTER_B.values()),
            sum(AFTER_BOS.values()), sum(AFTER_A.values()), sum(AFTER_UNK.values())]
    assert f"{sums[0]:.7g}" == "0.65"  # 0.5 + 0.05 + 0.1
    # the -debug 2 lines, each word line ending in " / " and its context's sum (%.7g)
    expected, k = [], 0
    for line in plain.decode().split("\n"):
        if line.startswith("\tp( "):
            line += f" / {sums[k]:.7g}"
            k += 1
        expected.append(line)
    assert k == 6 and out.decode() == "\n".join(expected)
    # every context here sums to less than 1: SRILM's warning for each, context newest first
    contexts = ["<s>", "a <s>", "b a <s>", "<s>", "a <s>", "<unk> a <s>"]
    assert err == READING_TINY + "".join(f"\nwarning: word probs for this context sum to {s:g} != 1 : {c}\n"
                                   for s, c in zip(sums, contexts))


def test_debug_4_ranks_and_losses(tiny, capsysbinary):
    status, out, _ = run(ngram, ["-lm", "tiny.arpa", "-order", 2, "-ppl", "text.txt", "-debug", 4], capsysbinary)
    assert status == 0
    _, plain, _ = run(ngram, ["-lm", "tiny.arpa", "-order", 2, "-ppl", "text.txt", "-debug", 2], capsysbinary)

    def rank(probabilities, word):
        p = probabilities.get(word, 0.0)
        higher = sum(q > p and abs(q - p) >= 3e-6 for q in probabilities.values())
        ties = sum(abs(q - p) < 3e-6 for q in probabilities.values())
        return higher + ties // 2

    # "a b": a|<s> ranks 0, b|a 0, </s>|b 2 (a and b more probable); "a c": a 0, c (OOV, p 0) 3, </s> 2
    ranks = [[rank(AFTER_BOS, "a"), rank(AFTER_A, "b"), rank(AFTER_B, "</s>")],
             [rank(AFTER_BOS, "a"), rank(AFTER_BOS, "<unk>"), rank(AFTER_UNK, "</s>")]]
    assert ranks == [[0, 0, 2], [0, 3, 2]]
    probs = [[AFTER_BOS["a"], AFTER_A["b"], AFTER_B["</s>"]], [AFTER_BOS["a"], None, AFTER_UNK["</s>"]]]

    def lines(sentence_ranks, sentence_probs, sentences):
        ranked = sum(len(r) for r in sentence_ranks)
        words = ranked - sentences
        word_ranks = [r for rs in sentence_ranks for r in rs[:-1]]
        end_ranks = [rs[-1] for rs in sentence_ranks]
        within = [sum(r < k for r in word_ranks) for k in (1, 5, 10)]
        with_ends = [within[i] + sum(r < k for r in end_ranks) for i, k in enumerate((1, 5, 10))]
        quadratic = absolute = 0.0
        for ps in sentence_probs:  # summed token by token, then sentence by sentence
            q = a = 0.0
            for p in ps:
                if p is not None:  # an OOV adds no loss
                    q += (1 - p) ** 2
                    a += 1 - p
            quadratic += q
            absolute += a
        return (f"{words:.16g} words, rank1= {within[0] / words:.16g} rank5= {within[1] / words:.16g} "
                f"rank10= {within[2] / words:.16g}\n"
                f"{ranked:.16g} words+sents, rank1wSent= {with_ends[0] / ranked:.16g} "
                f"rank5wSent= {with_ends[1] / ranked:.16g} rank10wSent= {with_ends[2] / ranked:.16g} "
                f"qloss= {math.sqrt(quadratic / ranked):.16g} absloss= {absolute / ranked:.16g}\n")

    assert lines([ranks[0]], [probs[0]], 1).startswith("2 words, rank1= 1 rank5= 1 rank10= 1\n"
                                                      "3 words+sents, rank1wSent= 0.6666666666666666 rank5wSent= 1 ")
    # the -debug 2 output with the rank lines after each sentence's ppl line and after the totals'
    blocks = plain.decode().split("\n\n")
    assert len(blocks) == 3
    expected = (blocks[0] + "\n" + lines([ranks[0]], [probs[0]], 1) + "\n"
                + blocks[1] + "\n" + lines([ranks[1]], [probs[1]], 1) + "\n"
                + blocks[2] + lines(ranks, probs, 2))
    assert out.decode() == expected


def test_debug_3_refuses_a_cache(tiny, capsysbinary):
    status, _, err = run(ngram, ["-lm", "tiny.arpa", "-ppl", "text.txt", "-debug", 3, "-cache", 10], capsysbinary)
    assert status == 2 and err.startswith(READING_TINY) and err.count("\n") == 3 and "-debug" in err


# ARPA lines in SRILM's order (Ngram::writeWithOrder walks contexts newest word first)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"


def test_srilm_line_order_by_hand():
    from ngramkit.arpa import srilm_line_order

    rows = np.array([[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 1, 0], [2, 0, 0]], dtype=np.int32)
    # by w2, then w1, then w3 as (w2 w1 w3): row 2 (0 1 2), 4 (0 2 0), 0 (1 0 2), 3 (1 1 0), 1 (2 0 1)
    assert srilm_line_order(rows).tolist() == [2, 4, 0, 3, 1]
    assert srilm_line_order(rows[:, :2]) is None


def write_back(path, tmp_path, encoding="utf-8"):
    import ngramkit

    out = tmp_path / "written.arpa"
    ngramkit.load(path, encoding=encoding).write(out)
    with gzip.open(path, "rb") as f:
        return out.read_bytes(), f.read()


def test_arpa_written_in_srilms_line_order(tmp_path):
    written, reference = write_back(MKN3, tmp_path)
    assert b"\n-1.206719\tafter a moment's\n" in written  # the 3-grams start with w2 = a: <s> a .., after a ..
    assert written == reference


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared reference outputs not available")
@pytest.mark.parametrize("name,encoding", [("more/zh/mkn3.gbk.arpa.gz", "bytes"), ("en/srilm/mkn5-nocut.arpa.gz", "utf-8"),
                                           ("zh/srilm/mkn4.arpa.gz", "utf-8")])
def test_arpa_written_in_srilms_line_order_shared(name, encoding, tmp_path):
    written, reference = write_back(SHARED / name, tmp_path, encoding)
    assert written == reference


def test_counts_debug_3_and_4(tiny, capsysbinary):
    Path("counts.txt").write_text("a b\t2\n<s> a\t1\na\t3\n")
    argv = ["-lm", "tiny.arpa", "-order", 2, "-counts", "counts.txt", "-debug"]
    _, plain, _ = run(ngram, argv + [2], capsysbinary)
    status, out, err = run(ngram, argv + [3], capsysbinary)
    assert status == 0
    # sorted as -debug 2 writes them: a (context none: the unigrams), <s> a, a b
    unigrams = AFTER_B
    sums = [sum(unigrams.values()), sum(AFTER_BOS.values()), sum(AFTER_A.values())]
    expected, k = [], 0
    for line in plain.decode().split("\n"):
        if line.startswith("\tp( "):
            line += f" / {sums[k]:.7g}"
            k += 1
        expected.append(line)
    assert k == 3 and out.decode() == "\n".join(expected)
    assert err == READING_TINY + "".join(f"\nwarning: word probs for this context sum to {s:g} != 1 : {c}\n"
                          for s, c in zip(sums, ["", "<s>", "a"]))
    status, out, _ = run(ngram, argv + [4], capsysbinary)
    # every n-gram ranks first in its context; each counts as often as its count: 3 + 1 + 2 = 6
    probabilities = [(unigrams["a"], 3), (AFTER_BOS["a"], 1), (AFTER_A["b"], 2)]
    quadratic = absolute = 0.0
    for p, count in probabilities:
        quadratic += (1 - p) * (1 - p) * count
        absolute += (1 - p) * count
    ranks = (f"6 words, rank1= 1 rank5= 1 rank10= 1\n6 words+sents, rank1wSent= 1 rank5wSent= 1 rank10wSent= 1 "
             f"qloss= {math.sqrt(quadratic / 6):.16g} absloss= {absolute / 6:.16g}\n")
    # the run's totals (the -debug 2 output up to its blank line), then the file's, each with the rank lines
    run_totals, file_totals = plain.decode().split("\n\n")
    assert out.decode() == run_totals + "\n" + ranks + "\n" + file_totals + ranks
