"""`ngram-class` options beyond -text/-numclasses/-full: -save and -save-maxclasses against SRILM
1.7.3's final classes (tests/data/classes, see its README), -counts against SRILM's classes of the
same text, and -maxwordsperclass, -vocab, -tolower worked out by hand."""

import subprocess
import sys
from pathlib import Path

import pytest

from ngramkit.classes import induce_classes
from ngramkit.classes.induce import save_schedule, saved_path
from ngramkit.errors import FormatError

DATA = Path(__file__).parent / "data" / "classes"


def run_ngram_class(argv, cwd=None):
    return subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram_class"] + [str(a) for a in argv],
                          check=False, capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny100.txt"
    path.write_bytes(b"".join((DATA / "train300.txt").read_bytes().splitlines(keepends=True)[:100]))
    return path


def partition(lines):
    """A classes file's classes as sets of (word, probability), independent of line order."""
    classes = {}
    for line in lines:
        name, prob, word = line.split()
        classes.setdefault(name, set()).add((word, prob))
    return classes


# -- -save, -save-maxclasses -------------------------------------------------------------------

def test_save_schedule_as_srilm_counts_iterations():
    # SRILM: without -save-maxclasses the file number is the iteration; saved when it is a
    # multiple of -save
    assert save_schedule(7, 10, 3) == [(3, 3), (6, 6)]
    # with -save-maxclasses 5: 10 classes, one fewer per merge; at most 5 left after merge 5,
    # which is numbered 0, merge 6 is 1, ...
    assert save_schedule(7, 10, 2, 5) == [(5, 0), (7, 2)]
    assert save_schedule(7, 10, 0) == [] and save_schedule(7, 10, -1) == []
    assert saved_path("c.txt", 12) == "c.txt.000012"
    assert saved_path("c.txt.gz", 3) == "c.txt.gz.000003.gz"


def test_save_maxclasses_last_files_are_srilms_final_classes(tiny, tmp_path):
    # incremental merging to 50 classes leaves 51 before its last merge and 50 after it, so
    # with -save-maxclasses 51 the files .000000 (51 classes) and .000001 (the end) are written
    proc = run_ngram_class(["-text", tiny, "-numclasses", 50, "-classes", tmp_path / "c.txt",
                            "-class-counts", tmp_path / "c.counts", "-save", 1, "-save-maxclasses", 51])
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.glob("c.*")) == [
        "c.counts", "c.counts.000000", "c.counts.000001", "c.txt", "c.txt.000000", "c.txt.000001"]
    srilm = (DATA / "classes-tiny100-incr50.txt").read_bytes()
    assert (tmp_path / "c.txt.000001").read_bytes() == srilm
    assert (tmp_path / "c.counts.000001").read_bytes() == (DATA / "classes-tiny100-incr50.counts").read_bytes()
    assert (tmp_path / "c.txt").read_bytes() == srilm
    # one merge earlier: 51 classes; the last merge joined two of them
    before = partition((tmp_path / "c.txt.000000").read_text().splitlines())
    after = partition(srilm.decode().splitlines())
    assert len(before) == 51 and len(after) == 50
    assert sum(1 for c in before.values() if c not in after.values()) == 2


def test_save_by_hand(tmp_path):
    # "a x / b x", full merging to 1 class: merge 1 joins a and b (the same contexts, no loss),
    # merge 2 joins x; p = word count / class count: a 1/2, b 1/2, then a 1/4, b 1/4, x 2/4
    (tmp_path / "t.txt").write_text("a x\nb x\n")
    proc = run_ngram_class(["-text", "t.txt", "-numclasses", 1, "-full", "-classes", "c.txt", "-save", 1],
                           cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "c.txt.000001").read_text() == "CLASS-00001 0.5 a\nCLASS-00001 0.5 b\nCLASS-00003 1 x\n"
    assert partition((tmp_path / "c.txt.000002").read_text().splitlines()) == {
        "CLASS-00001": {("a", "0.25"), ("b", "0.25"), ("x", "0.5")}}
    assert (tmp_path / "c.txt").read_text() == (tmp_path / "c.txt.000002").read_text()
    # to stdout: each saved file after SRILM's banner line, the final one last
    proc = run_ngram_class(["-text", "t.txt", "-numclasses", 1, "-full", "-classes", "-", "-save", 1],
                           cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    final = (tmp_path / "c.txt").read_text()
    assert proc.stdout == ("*** SAVE FOR ITERATION 000001 ***\n" + (tmp_path / "c.txt.000001").read_text()
                           + "*** SAVE FOR ITERATION 000002 ***\n" + final + final)


# -- -maxwordsperclass -------------------------------------------------------------------------

def test_maxwordsperclass_by_hand(tmp_path):
    # "a x / b x / c x": counts a 1, b 1, c 1, x 3; classes CLASS-00001..4 for a, b, c, x. The
    # incremental order is by count, ties later class first: x, c, b, a. With -numclasses 1
    # the merge set starts as {x}; each step adds one class and merges the only pair:
    #   step 1 adds c: c and x merge (into CLASS-00003, the first name); with
    #     -maxwordsperclass 2 that class is full, leaves the set, and b joins now;
    #   step 2 adds a: a and b merge into CLASS-00001, full too; nothing is left to add.
    # Without the limit, b and then a join the class of c and x: one class of all four.
    text = tmp_path / "t.txt"
    text.write_text("a x\nb x\nc x\n")
    limited = induce_classes(text, 1, max_words_per_class=2)
    assert partition(f"{c} {p:.16g} {w}" for c, p, w in limited.definitions()) == {
        "CLASS-00001": {("a", "0.5"), ("b", "0.5")}, "CLASS-00003": {("c", "0.25"), ("x", "0.75")}}
    free = induce_classes(text, 1)
    assert partition(f"{c} {p:.16g} {w}" for c, p, w in free.definitions()) == {
        "CLASS-00001": {("a", "0.1666666666666667"), ("b", "0.1666666666666667"), ("c", "0.1666666666666667"),
                        ("x", "0.5")}}
    proc = run_ngram_class(["-text", text, "-numclasses", 1, "-maxwordsperclass", 2, "-classes", tmp_path / "c.txt"])
    assert proc.returncode == 0, proc.stderr
    assert partition((tmp_path / "c.txt").read_text().splitlines()) == partition(
        f"{c} {p:.16g} {w}" for c, p, w in limited.definitions())


# -- -counts -----------------------------------------------------------------------------------

@pytest.mark.parametrize("sort", [False, True])
def test_counts_give_srilms_classes_of_the_text(sort, tiny, tmp_path):
    # the bigram counts of the text hold all ngram-class uses: the same classes and class
    # counts as SRILM's from the text (the lines within a class follow the count file's
    # vocabulary order, which differs from the text's)
    counts = tmp_path / "tiny.counts"
    subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram_count", "-order", "2", "-text", str(tiny),
                    "-write", str(counts)] + (["-sort"] if sort else []), check=True, capture_output=True)
    proc = run_ngram_class(["-counts", counts, "-numclasses", 50, "-classes", tmp_path / "c.txt",
                            "-class-counts", tmp_path / "c.counts"])
    assert proc.returncode == 0, proc.stderr
    assert partition((tmp_path / "c.txt").read_text().splitlines()) == partition(
        (DATA / "classes-tiny100-incr50.txt").read_text().splitlines())
    assert sorted((tmp_path / "c.counts").read_text().splitlines()) == sorted(
        (DATA / "classes-tiny100-incr50.counts").read_text().splitlines())


def test_text_and_counts_are_added(tiny, tmp_path):
    # the first 50 lines as text, the counts of the other 50 from a count file: the counts of
    # all 100, so SRILM's classes of all 100 (lines within a class aside, as above)
    lines = tiny.read_bytes().splitlines(keepends=True)
    (tmp_path / "head.txt").write_bytes(b"".join(lines[:50]))
    (tmp_path / "tail.txt").write_bytes(b"".join(lines[50:]))
    counts = tmp_path / "tail.counts"
    subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram_count", "-order", "2", "-text",
                    str(tmp_path / "tail.txt"), "-write", str(counts)], check=True, capture_output=True)
    proc = run_ngram_class(["-text", tmp_path / "head.txt", "-counts", counts, "-numclasses", 50,
                            "-classes", tmp_path / "c.txt", "-class-counts", tmp_path / "c.counts"])
    assert proc.returncode == 0, proc.stderr
    assert partition((tmp_path / "c.txt").read_text().splitlines()) == partition(
        (DATA / "classes-tiny100-incr50.txt").read_text().splitlines())
    assert sorted((tmp_path / "c.counts").read_text().splitlines()) == sorted(
        (DATA / "classes-tiny100-incr50.counts").read_text().splitlines())


def test_counts_by_hand(tmp_path):
    # the counts of "a x / b x" (and a trigram line, skipped as SRILM skips it)
    counts = tmp_path / "c.counts"
    counts.write_text("<s>\t2\na\t1\nb\t1\nx\t2\n</s>\t2\n<s> a\t1\n<s> b\t1\na x\t1\nb x\t1\nx </s>\t2\n"
                      "<s> a x\t1\n")
    induction = induce_classes(None, 2, full=True, counts=counts)
    assert induction.definitions() == [("CLASS-00001", 0.5, "a"), ("CLASS-00001", 0.5, "b"),
                                       ("CLASS-00003", 1.0, "x")]


def test_full_and_incremental_are_one_flag(tmp_path):
    # SRILM 1.7.3: -full -incremental merges incrementally, as -incremental alone, whose classes
    # of "A X / b x" at -numclasses 2 are these
    (tmp_path / "t.txt").write_text("A X\nb x\n")
    for flags in (["-full", "-incremental"], ["-incremental"]):
        run_ngram_class(["-text", tmp_path / "t.txt", "-numclasses", "2", *flags, "-classes", tmp_path / "c"])
        assert (tmp_path / "c").read_text() == ("CLASS-00001 0.5 A\nCLASS-00001 0.5 b\nCLASS-00002 0.5 X\n"
                                                "CLASS-00002 0.5 x\n")


def test_counts_errors(tmp_path):
    counts = tmp_path / "c.counts"
    counts.write_text("a\t1\nx\t1\na x\t1\na y\t1\n")
    with pytest.raises(FormatError, match='word 2 in bigram "a y" has no unigram count') as info:
        induce_classes(None, 2, counts=counts)
    assert info.value.line == 4
    proc = run_ngram_class(["-counts", counts, "-numclasses", 2])
    assert proc.returncode != 0 and proc.stderr.count("\n") == 1 and "c.counts:4:" in proc.stderr


# -- -vocab, -tolower --------------------------------------------------------------------------

def test_tolower_by_hand(tmp_path):
    (tmp_path / "t.txt").write_text("A X\nb x\n")
    induction = induce_classes(tmp_path / "t.txt", 2, full=True, tolower=True)
    # the words of "a x / b x": see test_save_by_hand; SRILM 1.7.3 lowercases the names it makes
    # too (`ngram-class -text t.txt -numclasses 2 -full -tolower`: class-00001 0.5 a, ...)
    assert induction.definitions() == [("class-00001", 0.5, "a"), ("class-00001", 0.5, "b"),
                                       ("class-00003", 1.0, "x")]


def test_vocab_by_hand(tmp_path):
    # with the vocabulary {a, x}, "a x / b x" is counted as "a x / <unk> x": <unk> is a word to
    # class like any other (CLASS-00001, first in byte order), and it has a's contexts
    (tmp_path / "t.txt").write_text("a x\nb x\n")
    (tmp_path / "v.txt").write_text("a\nx\n")
    proc = run_ngram_class(["-text", "t.txt", "-vocab", "v.txt", "-numclasses", 2, "-full", "-classes", "c.txt"],
                           cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert partition((tmp_path / "c.txt").read_text().splitlines()) == {
        "CLASS-00001": {("<unk>", "0.5"), ("a", "0.5")}, "CLASS-00003": {("x", "1")}}


# -- -read -------------------------------------------------------------------------------------

def test_read_srilms_classes_back(tiny, tmp_path):
    # SRILM's 50 classes read back as the start, -numclasses 50: nothing to merge, and the
    # files written are SRILM's again (probabilities recomputed from the counts)
    proc = run_ngram_class(["-text", tiny, "-numclasses", 50, "-read", DATA / "classes-tiny100-incr50.txt",
                            "-classes", tmp_path / "c.txt", "-class-counts", tmp_path / "c.counts"])
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "c.txt").read_bytes() == (DATA / "classes-tiny100-incr50.txt").read_bytes()
    assert (tmp_path / "c.counts").read_bytes() == (DATA / "classes-tiny100-incr50.counts").read_bytes()


@pytest.mark.parametrize("merging", [[], ["-full"]])
def test_read_the_classes_one_merge_before(merging, tiny, tmp_path):
    # the 51 classes SRILM had before its last merge (saved with -save-maxclasses 51), read
    # back and merged once: SRILM's final classes, byte for byte
    proc = run_ngram_class(["-text", tiny, "-numclasses", 50, "-classes", tmp_path / "c.txt", "-save", 1,
                            "-save-maxclasses", 51])
    assert proc.returncode == 0, proc.stderr
    proc = run_ngram_class(["-text", tiny, "-numclasses", 50, "-read", tmp_path / "c.txt.000000",
                            "-classes", tmp_path / "r.txt", "-class-counts", tmp_path / "r.counts"] + merging)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "r.txt").read_bytes() == (DATA / "classes-tiny100-incr50.txt").read_bytes()
    assert (tmp_path / "r.counts").read_bytes() == (DATA / "classes-tiny100-incr50.counts").read_bytes()


def test_read_by_hand(tmp_path):
    # "a x / b x / c x" with a and c read into K (zzz is not counted: skipped). The other words
    # get new classes in byte order, numbered from 1: b CLASS-00001, x CLASS-00002
    text = tmp_path / "t.txt"
    text.write_text("a x\nb x\nc x\n")
    (tmp_path / "k.classes").write_text("K 1 a\nK 0.5 c\nQ 1 zzz\n")
    three = induce_classes(text, 3, full=True, initial_classes=tmp_path / "k.classes")
    assert len(three.merges) == 0
    assert partition(f"{c} {p:.16g} {w}" for c, p, w in three.definitions()) == {
        "CLASS-00001": {("b", "1")}, "CLASS-00002": {("x", "1")}, "K": {("a", "0.5"), ("c", "0.5")}}
    # K and CLASS-00001 have the same contexts (<s> _ x): their merge loses nothing, and keeps
    # the first name in byte order, CLASS-00001
    two = induce_classes(text, 2, full=True, initial_classes=tmp_path / "k.classes")
    assert partition(f"{c} {p:.16g} {w}" for c, p, w in two.definitions()) == {
        "CLASS-00001": {("a", "0.3333333333333333"), ("b", "0.3333333333333333"), ("c", "0.3333333333333333")},
        "CLASS-00002": {("x", "1")}}


@pytest.mark.parametrize("lines, line, message", [
    ("K 1 a\nK 1 a b\n", 2, "malformed class expansion"),
    ("K p a\n", 1, "malformed class expansion probability"),
    ("K 1 a\nL 1 a\n", 2, "only single class expansion per word allowed"),
])
def test_read_errors(lines, line, message, tmp_path):
    (tmp_path / "t.txt").write_text("a x\n")
    (tmp_path / "bad.classes").write_text(lines)
    with pytest.raises(FormatError, match=message) as info:
        induce_classes(tmp_path / "t.txt", 1, initial_classes=tmp_path / "bad.classes")
    assert info.value.line == line
    proc = run_ngram_class(["-text", tmp_path / "t.txt", "-numclasses", 1, "-read", tmp_path / "bad.classes"])
    assert proc.returncode != 0 and proc.stderr.count("\n") == 1 and f"bad.classes:{line}:" in proc.stderr


def test_numclasses_0_merges_nothing(tmp_path):
    # SRILM merges only when -numclasses > 0: each word stays a class of its own
    (tmp_path / "t.txt").write_text("a x\nb x\n")
    induction = induce_classes(tmp_path / "t.txt", 0)
    assert induction.definitions() == [("CLASS-00001", 1.0, "a"), ("CLASS-00002", 1.0, "b"),
                                       ("CLASS-00003", 1.0, "x")]
