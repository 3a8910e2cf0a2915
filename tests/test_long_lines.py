"""Lines of more than SRILM's 50000 tokens (maxWordsPerLine): ngram-count, ngram-class and
ngram -ppl (of every model) pass them over with SRILM's warning naming the line, -gen-prefixes
reads a prefix's first 50000 words, -rescore passes over N-best hypotheses of more words with
SRILM's two lines and -nbest refuses them; lmplz counts lines of any length. Count-file lines of
more than 100 fields (maxNgramOrder): ngram -counts passes them over, the other readers stop
reading the file there. The texts are built by long_lines_inputs; the outputs in data/long_lines
are SRILM 1.7.3's and lmplz's (see the README there)."""

import gzip
import re

import numpy as np
import pytest
from conftest import DATA, run_cli
from long_lines_inputs import write_inputs
from test_estimate_srilm import largest_difference

from ngramkit.arpa import read_arpa
from ngramkit.cli.lmplz_cmd import build_lmplz
from ngramkit.cli.ngram import main as ngram_main
from ngramkit.cli.ngram_class import main as ngram_class_main
from ngramkit.cli.ngram_count import main as ngram_count_main
from ngramkit.scoring import WordTable, tokenize_lines, tokenize_lines_within
from ngramkit.tokenize import Interner
from ngramkit.vocab import Vocabulary

HERE = DATA / "long_lines"
SEPARATORS_LM = str(DATA / "separators" / "gt3.arpa.gz")  # the model of the N-best outputs


def expected(name):
    data = (HERE / name).read_bytes()
    return gzip.decompress(data) if name.endswith(".gz") else data


@pytest.fixture(scope="module")
def texts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long_lines")
    write_inputs(folder)
    (folder / "gt3.arpa").write_bytes(expected("gt3.arpa.gz"))
    # every context's probabilities then sum off 1: SRILM warns of each at -debug 3
    (folder / "off.arpa").write_bytes(re.sub(rb"(?m)^-[0-9.]+\tthe\t", b"-1\tthe\t", expected("gt3.arpa.gz")))
    (folder / "hidden.vocab").write_bytes(b"a\n")
    (folder / "skip.lm").write_bytes(expected("gt3.arpa.gz") + b"\nthe 0.2\nof 0.3\nand 0.1\n<s> 0\n")
    # a count LM over the training counts but for `<s> it`: `<s> it is` has a context count of 0
    (folder / "zero.counts").write_bytes(re.sub(rb"(?m)^<s> it\t.*\n", b"", expected("train.sorted.counts.gz")))
    (folder / "zero.params").write_bytes(b"order 3\nmixweights 2\n 0.5 0.4 0.3\n 0.6 0.5 0.4\n 0.7 0.6 0.5\n"
                                         b"countmodulus 2\ncounts zero.counts\n")
    return folder


@pytest.fixture
def in_texts(texts, monkeypatch):
    monkeypatch.chdir(texts)
    return texts


@pytest.mark.parametrize("argv, output, stderr", [
    (["-text", "train.txt", "-order", "3", "-lm", "OUT", "-debug", "1"], "gt3.arpa.gz", "gt3.stderr.txt"),
    (["-text", "train.txt", "-order", "3"], "train.counts.gz", "train.stderr.txt"),  # SRILM's unsorted order
    (["-text", "train.txt", "-order", "3", "-sort", "-write", "OUT"], "train.sorted.counts.gz", "train.stderr.txt"),
    (["-text", "train.txt", "-order", "3", "-write-vocab-index", "OUT", "-write", "counts"], "train.vocab-index.gz",
     "train.stderr.txt"),
    (["-text", "train.txt", "-order", "3", "-lm", "OUT", "-write-binary-lm"], "gt3.bin.gz", None),
    (["-text", "weighted.txt", "-text-has-weights", "-order", "3", "-lm", "OUT"], "weighted-gt3.arpa.gz",
     "weighted.stderr.txt"),
    (["-text", "weighted.txt", "-text-has-weights", "-float-counts", "-wbdiscount", "-interpolate", "-order", "3",
      "-lm", "OUT"], "weighted-float-wb3i.arpa.gz", "weighted-float.stderr.txt"),
    (["-tagged", "-order", "4", "-text", "tagged.txt", "-lm", "OUT"], "tagged-gt4.arpa.gz", "tagged.stderr.txt"),
    # the counts up to the line of more than 100 fields
    (["-read", "test.counts", "-write", "-"], "read-counts.txt", "read-counts.stderr.txt"),
    (["-read", "test.counts", "-float-counts", "-write", "-"], "read-counts.txt", "read-counts.stderr.txt"),
])
def test_ngram_count_as_srilm(in_texts, capsysbinary, argv, output, stderr):
    out = in_texts / "out"
    status, stdout, err = run_cli(ngram_count_main, [str(out) if a == "OUT" else a for a in argv], capsysbinary)
    assert status == 0, err
    assert (out.read_bytes() if "OUT" in argv else stdout) == expected(output)
    if stderr is not None:
        assert err == expected(stderr)
    else:
        assert err.startswith(expected("train.stderr.txt"))


@pytest.mark.parametrize("argv, output, stderr", [
    *[(["-lm", "gt3.arpa", "-ppl", "test.txt", "-debug", str(d)], f"test.ppl{d}.txt{'.gz' if d else ''}",
       f"test.ppl{min(d, 1)}.stderr.txt") for d in (0, 1, 2)],
    *[(["-lm", "gt3.arpa", "-ppl", "short-test.txt", "-debug", str(d)], f"short-test.ppl{d}.txt.gz",
       "short-test.ppl3.stderr.txt") for d in (3, 4)],
    # the warnings of the lines passed over among those of the sums, in the text's order
    (["-lm", "off.arpa", "-ppl", "short-test.txt", "-debug", "3"], "off.short-test.ppl3.txt.gz",
     "off.short-test.ppl3.stderr.txt.gz"),
    (["-lm", "gt3.arpa", "-ppl", "weighted-test.txt", "-text-has-weights", "-debug", "1"],
     "weighted-test.ppl1.txt.gz", "weighted-test.ppl1.stderr.txt"),
    (["-tagged", "-lm", str(DATA / "tagged" / "gt4.arpa.gz"), "-ppl", "tagged-test.txt", "-debug", "1"],
     "tagged-test.ppl1.txt", "tagged-test.ppl1.stderr.txt"),
    (["-lm", str(DATA / "separators" / "gt3.arpa.gz"), "-gen-prefixes", "prefixes.txt", "-seed", "3"],
     "gen-prefixes-seed3.txt", None),
    (["-tagged", "-lm", str(DATA / "tagged" / "gt4.arpa.gz"), "-gen-prefixes", "tagged-prefixes.txt", "-seed", "3"],
     "tagged-gen-prefixes-seed3.txt", None),
    # a document of a line passed over gets its totals: SRILM counts the line among those read
    (["-lm", "gt3.arpa", "-escape", "ESC", "-ppl", "escaped-test.txt"], "escaped-test.ppl0.txt",
     "escaped-test.ppl0.stderr.txt"),
    (["-lm", "gt3.arpa", "-mix-lm", "off.arpa", "-bayes", "0", "-lambda", "0.3", "-ppl", "short-test.txt", "-debug",
      "3"], "bayes-off.short-test.ppl3.txt.gz", "bayes-off.short-test.ppl3.stderr.txt.gz"),
    # hidden-event models: SRILM fails an assertion on a 50000-word line (hidden-test has 49999)
    *[(["-lm", "gt3.arpa", "-hidden-vocab", "hidden.vocab", "-ppl", "hidden-test.txt", "-debug", str(d)],
       f"hidden-test.ppl{d}.txt{'.gz' if d else ''}", f"hidden-test.ppl{d}.stderr.txt") for d in (0, 1)],
    (["-lm", "gt3.arpa", "-hidden-vocab", "hidden.vocab", "-ppl", "short-test.txt", "-debug", "2"],
     "hidden-short-test.ppl2.txt.gz", "short-test.ppl3.stderr.txt"),
    (["-lm", "off.arpa", "-hidden-vocab", "hidden.vocab", "-ppl", "short-test.txt", "-debug", "3"],
     "hidden-off.short-test.ppl3.txt.gz", "hidden-off.short-test.ppl3.stderr.txt.gz"),
    (["-lm", "gt3.arpa", "-hidden-vocab", "hidden.vocab", "-hidden-not", "-ppl", "test.txt", "-debug", "1"],
     "hidden-not-test.ppl1.txt.gz", "test.ppl1.stderr.txt"),
    (["-lm", "gt3.arpa", "-hiddens", "-ppl", "test.txt", "-debug", "1"], "test.ppl1.txt.gz", "test.ppl1.stderr.txt"),
    # count LMs: the warnings of zero denominators among those of the lines passed over
    *[(["-count-lm", "-lm", "zero.params", "-order", "3", "-ppl", "zero-test.txt", "-debug", str(d)],
       f"count-lm-zero-test.ppl{d}.txt{'.gz' if d else ''}", "count-lm-zero-test.stderr.txt") for d in (0, 1, 2)],
    *[(["-skip", "-lm", "skip.lm", "-order", "3", "-ppl", "test.txt", "-debug", str(d)],
       f"skip-test.ppl{d}.txt{'.gz' if d else ''}", f"test.ppl{d}.stderr.txt") for d in (0, 1)],
    (["-skip", "-lm", "skip.lm", "-order", "3", "-ppl", "short-test.txt", "-debug", "2"], "skip-short-test.ppl2.txt.gz",
     "short-test.ppl3.stderr.txt"),
    # count lines of more than 100 fields passed over, their warnings before the sums'
    *[(["-lm", "gt3.arpa", "-counts", "test.counts", "-debug", str(d)], f"counts.ppl{d}.txt{'.gz' if d > 1 else ''}",
       f"counts.ppl{min(d, 1)}.stderr.txt") for d in (0, 1, 2)],
    (["-lm", "off.arpa", "-counts", "test.counts", "-debug", "3"], "off.counts.ppl3.txt.gz",
     "off.counts.ppl3.stderr.txt.gz"),
    (["-lm", "gt3.arpa", "-counts", "test.counts", "-float-counts", "-debug", "1"], "counts.ppl1.txt",
     "counts.ppl1.stderr.txt"),
    (["-lm", "gt3.arpa", "-counts", "test.counts", "-escape", "ESC", "-debug", "1"], "counts.escape.ppl1.txt",
     "counts.ppl1.stderr.txt"),
    (["-lm", "off.arpa", "-counts", "test.counts", "-escape", "ESC", "-debug", "3"], "off.counts.escape.ppl3.txt.gz",
     "off.counts.escape.ppl3.stderr.txt.gz"),
])
def test_ngram_as_srilm(in_texts, capsysbinary, argv, output, stderr):
    status, out, err = run_cli(ngram_main, argv, capsysbinary)
    assert status == 0, err
    assert out == expected(output)
    if stderr is not None:
        assert err == expected(stderr)


def test_ngram_class_stops_reading_counts_at_a_line_too_long(in_texts, capsysbinary):
    """ngram-class -counts reads the count file up to its line of more than 100 fields, as
    SRILM's NgramCounts::read: the bigrams after it are not counted."""
    out = in_texts / "class5.counts"
    status, stdout, err = run_cli(ngram_class_main, ["-counts", "class.counts", "-numclasses", "5", "-class-counts",
                                                     str(out), "-classes", "-"], capsysbinary)
    assert status == 0, err
    assert (stdout, err) == (expected("class5.txt.gz"), expected("class5.stderr.txt"))
    assert out.read_bytes() == expected("class5.counts")


@pytest.mark.parametrize("argv, output, stderr", [
    (["-rescore", "hyps.txt"], "rescore.txt.gz", "rescore.stderr.txt"),
    (["-rescore", "stream.txt"], "stream.rescore.txt.gz", "stream.rescore.stderr.txt"),
    (["-rescore", "stream.txt", "-decipher-lm", SEPARATORS_LM, "-unk"], "stream.rescore-decipher-unk.txt.gz",
     "stream.rescore-decipher-unk.stderr.txt"),
    (["-nbest", "nbest2-kept.txt"], "nbest2-kept.nbest.txt.gz", None),
])
def test_rescore_passes_over_a_hypothesis_too_long(in_texts, capsysbinary, argv, output, stderr):
    """SRILM's -rescore passes over a hypothesis of more words or fields than it reads with two
    lines, among the warnings of the others; one of 50000 words is rescored."""
    status, out, err = run_cli(ngram_main, ["-lm", SEPARATORS_LM, *argv], capsysbinary)
    assert status == 0, err
    assert out == expected(output)
    assert err == (expected(stderr) if stderr else b"")


@pytest.mark.parametrize("name, line", [("hyps", 2), ("nbest1", 3), ("nbest2", 3)])
def test_nbest_refuses_a_hypothesis_too_long(in_texts, capsysbinary, name, line):
    """SRILM's -nbest fails on such a hypothesis (its reason, the file's line, `format error in
    nbest file`); ngramkit names them in one line."""
    status, out, err = run_cli(ngram_main, ["-lm", SEPARATORS_LM, "-nbest", f"{name}.txt"], capsysbinary)
    reason, where, _ = expected(f"{name}.nbest.stderr.txt").decode().splitlines()
    assert where == f"{name}.txt: line {line}: bad n-best hyp"
    assert status == 4 and out == b""
    assert err.decode() == f"ngram: {name}.txt:{line}: bad n-best hypothesis: {reason}\n"


def test_lmplz_counts_lines_of_any_length(in_texts):
    """lmplz has no limit: the 50001-word line's words are counted, as KenLM counts them."""
    ours = build_lmplz(3, "lmplz.txt", "lmplz3.ours.arpa", discount_fallback="", quiet=True)
    assert "x" in ours.vocab
    assert largest_difference(ours, read_arpa(HERE / "lmplz3.arpa.gz"), 0.0) < 1e-4


def test_interner_forgets_the_words_of_a_line_passed_over():
    """A line of more than max_words tokens leaves no token and no word (its new words' table
    slots are emptied), and the words after it are numbered as if it had not been read."""
    text = b"a b\n\nc a d e\nf c\nlast b g h i"
    passed = Interner()
    tokens, _ = passed.tokenize(text, max_words=3, first_line=5)
    assert passed.long_lines.tolist() == [7, 9]
    clean = Interner()
    expected_tokens, _ = clean.tokenize(b"a b\n\nf c\n")
    assert tokens.tolist() == expected_tokens.tolist()
    assert passed.words() == clean.words() == ["<s>", "</s>", "<unk>", "a", "b", "f", "c"]
    # the table still finds every word kept, and takes new ones
    more, _ = passed.tokenize(b"c e f\n")
    assert more.tolist() == [0, 6, 7, 5, 1, -1] and passed.words()[7] == "e"
    # <s> and </s> in the line are tokens; those added are not
    counted = Interner()
    counted.tokenize(b"<s> a b </s>\na b c\n", max_words=3)
    assert counted.long_lines.tolist() == [1]


@pytest.mark.parametrize("text", [b"a b\nc d e f\ng h\n", b"a b c d e f g h i j k l m n o p q r\nx y z b\ns t\n",
                                  b"a\n\nb c\nd e f g\n", b"a b\nc d e f"])
def test_tokenize_lines_passes_over_long_lines(text):
    """Lines of more than 3 tokens (before or past the 16 words whose ids are read ahead) leave
    the ids, spans and lines of the others as if the text held those alone."""
    vocab = Vocabulary(list("abcdefghijklmnopqrstuvwxyz"))
    table = WordTable.from_vocab(vocab).arrays()
    ids, starts, ends, offsets, long_lines = tokenize_lines_within(np.frombuffer(text, np.uint8), *table, -1, 3)
    lines = text.split(b"\n")
    kept = [line if len(line.split()) <= 3 else b"" for line in lines]
    assert long_lines[:, 0].tolist() == [i for i, line in enumerate(lines) if len(line.split()) > 3]
    kept_before = [sum(1 for line in kept[:i] if line.split()) for i in long_lines[:, 0].tolist()]
    assert long_lines[:, 1].tolist() == kept_before
    clean = b"\n".join(kept)
    want = tokenize_lines(np.frombuffer(clean, np.uint8), *table, -1)
    assert ids.tolist() == want[0].tolist()
    assert [text[s:e] for s, e in zip(starts.tolist(), ends.tolist())] == \
        [clean[s:e] for s, e in zip(want[1].tolist(), want[2].tolist())]
    assert offsets.tolist() == want[3].tolist()
