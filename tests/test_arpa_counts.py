"""ARPA files whose \\data\\ counts disagree with their sections (SRILM's make-hiddens-lm writes
such files): read as SRILM's Ngram::read reads them, every n-gram of a section kept, with its
warning `FILE: line N: warning: X k-grams read, expected Y` at the `\\end\\` line (N), one per
order that disagrees."""

import numpy as np
import pytest

from ngramkit import arpa
from ngramkit.arpa import read_arpa
from ngramkit.cli import arpa2fst, ngram as ngram_cli
from ngramkit.perplexity import PerplexityScorer
from ngramkit.scoring import arpa_tables

BODY = """
\\1-grams:
-0.4771213\t</s>
-99\t<s>\t-0.30103
-0.4771213\ta\t-0.30103
-0.4771213\tb\t-0.1

\\2-grams:
-0.1760913\t<s> a
-0.30103\ta b
-0.30103\tb </s>
-0.5\tb a

\\end\\
"""
# line 1 \data\, 2-3 the counts, 4 blank, 5 \1-grams:, ..., 17 \end\
END_LINE = 17


def arpa_text(n1, n2):
    return f"\\data\\\nngram 1={n1}\nngram 2={n2}\n" + BODY


@pytest.fixture(params=[False, True], ids=["whole", "in-pieces"])
def in_pieces(request, monkeypatch):
    """Read every file as a large one is read: orders above 1 in small pieces on two threads."""
    if request.param:
        monkeypatch.setattr(arpa, "PARALLEL_PARSE_BYTES", 0)
        monkeypatch.setattr(arpa, "MIN_PIECE_BYTES", 16)
        monkeypatch.setattr(arpa, "available_cores", lambda: 2)
    return request.param


class Collect:
    """A stream_arpa sink keeping copies of the rows it is handed."""

    def __init__(self):
        self.rows_of = {}

    def begin(self, counts, vocab):
        self.counts = list(counts)
        return True

    def rows(self, k, ids, logprob, backoff):
        self.rows_of.setdefault(k, []).append(ids.copy())
        return True


def write(tmp_path, text, name="lm.arpa"):
    path = tmp_path / name
    path.write_text(text)
    return path


def assert_same_model(a, b):
    assert a.vocab == b.vocab
    assert a.sizes() == b.sizes()
    for k in range(a.order):
        np.testing.assert_array_equal(a.ngrams[k], b.ngrams[k])
        np.testing.assert_array_equal(a.logprob[k], b.logprob[k])
        if k < a.order - 1:
            np.testing.assert_array_equal(a.backoff[k], b.backoff[k])


@pytest.mark.parametrize("n1, n2", [(5, 9), (2, 1), (0, 0), (4, 100), (1, 4)],
                         ids=["fewer", "more", "none announced", "fewer 2-grams", "more 1-grams"])
def test_read_as_the_file_holds_with_srilm_warnings(tmp_path, n1, n2, in_pieces):
    right = read_arpa(write(tmp_path, arpa_text(4, 4), "right.arpa"), warn=lambda m: pytest.fail(m))
    path = write(tmp_path, arpa_text(n1, n2))
    warnings = []
    assert_same_model(read_arpa(path, warn=warnings.append), right)
    expected = [f"{path}: line {END_LINE}: warning: 4 {k}-grams read, expected {n}"
                for k, n in ((1, n1), (2, n2)) if n != 4]
    assert warnings == expected


def test_many_more_rows_than_announced(tmp_path, in_pieces, monkeypatch):
    # 300 words announced as 1 and 600 bigrams announced as 2: the arrays grow several times
    words = [f"w{i}" for i in range(300)]
    lines = ["\\data\\", "ngram 1=1", "ngram 2=2", "", "\\1-grams:", "-1\t</s>", "-99\t<s>\t-0.5"]
    lines += [f"-{2 + i / 1000:.3f}\t{w}\t-0.25" for i, w in enumerate(words)]
    lines += ["", "\\2-grams:"]
    bigrams = [(words[i], words[(7 * i + 1) % 300]) for i in range(300)] + [(words[i], words[i]) for i in range(300)]
    lines += [f"-0.{i % 9 + 1}\t{a} {b}" for i, (a, b) in enumerate(bigrams)]
    lines += ["", "\\end\\", ""]
    text = "\n".join(lines)
    right = "\n".join(lines).replace("ngram 1=1", "ngram 1=302").replace("ngram 2=2", "ngram 2=600")
    warnings = []
    model = read_arpa(write(tmp_path, text), warn=warnings.append)
    assert_same_model(model, read_arpa(write(tmp_path, right, "right.arpa")))
    assert [w.split(": ", 2)[2] for w in warnings] == ["warning: 302 1-grams read, expected 1",
                                                       "warning: 600 2-grams read, expected 2"]
    assert model.sizes() == [302, 600]
    # streamed in runs of at most 16 rows: the rows of the model, in file order
    monkeypatch.setattr(arpa, "STREAM_ROWS", 16)
    sink = Collect()
    assert arpa.stream_arpa(write(tmp_path, text), sink, warn=warnings.append)
    assert sink.counts == [1, 2]
    assert [len(run) for run in sink.rows_of[2]] == [16] * 37 + [8]  # the 1-grams come at once
    for k, rows in sink.rows_of.items():
        ids = np.concatenate(rows)
        order = np.lexsort(ids.T[::-1])
        np.testing.assert_array_equal(ids[order], model.ngrams[k - 1])
    # the scoring tables, sized from the counts, cannot take the rows: made from the model instead
    assert arpa_tables(write(tmp_path, text)) is None
    a = PerplexityScorer.from_arpa(write(tmp_path, text))
    b = PerplexityScorer(model)
    sample = write(tmp_path, " ".join(words[:40]) + "\n" + " ".join(words[::-7]) + "\n", "t.txt")
    assert a.score_file(sample) == b.score_file(sample)


# A sentence under the file, by hand: p(a | <s>) = 10^-0.1760913 (the bigram), p(b | a) =
# 10^-0.30103, p(a | b) = 10^-0.5, p(</s> | a) = bow(a) p(</s>) = 10^(-0.30103 - 0.4771213):
# log10 P = -0.1760913 - 0.30103 - 0.5 - 0.7781513 = -1.7552726 over 3 words and </s>;
# ppl = 10^(1.7552726 / 4) = 2.746744, ppl1 = 10^(1.7552726 / 3) = 3.846723
SENTENCE = "a b a"
LOGPROB = -0.1760913 - 0.30103 - 0.5 - (0.30103 + 0.4771213)


@pytest.mark.parametrize("n1, n2", [(5, 9), (2, 1)], ids=["fewer", "more"])
def test_commands_read_such_a_file(tmp_path, cli, n1, n2):
    path = write(tmp_path, arpa_text(n1, n2))
    text = write(tmp_path, SENTENCE + "\n", "t.txt")
    warning_lines = [f"{path}: line {END_LINE}: warning: 4 1-grams read, expected {n1}",
                     f"{path}: line {END_LINE}: warning: 4 2-grams read, expected {n2}"]
    # ngram -ppl from the tables streamed out of the file (ppl_only), and from the model
    for extra in ([], ["-write-vocab", tmp_path / "v.txt"]):
        status, out, err = cli(ngram_cli.main, ["-lm", path, "-order", 2, "-ppl", text] + extra)
        assert status == 0, err
        assert err.splitlines() == warning_lines  # once, though the scorer may read the file twice
        assert out == (f"file {text}: 1 sentences, 3 words, 0 OOVs\n"
                       f"0 zeroprobs, logprob= {LOGPROB:.7g} ppl= 2.746744 ppl1= 3.846723\n")
    assert f"{LOGPROB:.7g}" == "-1.755273"
    # -prune: the model pruned as the one of the right counts is
    right = tmp_path / "right.arpa"
    right.write_text(arpa_text(4, 4))
    for lm, out_lm in ((path, tmp_path / "pruned.arpa"), (right, tmp_path / "right-pruned.arpa")):
        status, _, err = cli(ngram_cli.main, ["-lm", lm, "-order", 2, "-prune", "0.01", "-write-lm", out_lm])
        assert status == 0, err
        assert err.splitlines() == (warning_lines if lm == path else [])
    assert (tmp_path / "pruned.arpa").read_text() == (tmp_path / "right-pruned.arpa").read_text()
    # arpa2fst
    fst = tmp_path / "G.txt"
    status, _, err = cli(arpa2fst.main, ["--text", path, fst])
    assert status == 0, err
    assert [line for line in err.splitlines() if "k-grams" in line or "-grams read" in line] == warning_lines
    status, _, _ = cli(arpa2fst.main, ["--text", right, tmp_path / "right.txt"])
    assert status == 0
    assert fst.read_text() == (tmp_path / "right.txt").read_text()


def test_python_model_reads_such_a_file(tmp_path, capsys):
    from ngramkit import Model

    path = write(tmp_path, arpa_text(2, 1))
    # KenLM's full-sentence score: p(a | <s>) p(b | a) p(</s> | b), all three bigrams of the file
    assert Model(str(path)).score("a b") == pytest.approx(-0.1760913 - 0.30103 - 0.30103, abs=1e-6)
    assert capsys.readouterr().err.splitlines() == [
        f"{path}: line {END_LINE}: warning: 4 1-grams read, expected 2",
        f"{path}: line {END_LINE}: warning: 4 2-grams read, expected 1"]


def test_orders_above_order_are_not_checked(tmp_path, cli):
    # SRILM skips the sections above -order, and so does not count them
    trigram = arpa_text(4, 4).replace("ngram 2=4\n", "ngram 2=4\nngram 3=5\n").replace(
        "-0.5\tb a\n", "-0.5\tb a\t-0.2\n\n\\3-grams:\n-0.1\tb a b\n")
    path = write(tmp_path, trigram)
    text = write(tmp_path, SENTENCE + "\n", "t.txt")
    end_line = trigram.splitlines().index("\\end\\") + 1
    for order, warnings in ((2, []), (3, [f"{path}: line {end_line}: warning: 1 3-grams read, expected 5"])):
        for extra in ([], ["-write-vocab", tmp_path / "v.txt"]):
            status, _, err = cli(ngram_cli.main, ["-lm", path, "-order", order, "-ppl", text] + extra)
            assert status == 0, err
            assert err.splitlines() == warnings
    checked = []
    read_arpa(path, warn=checked.append, checked_orders=2)
    assert checked == []
