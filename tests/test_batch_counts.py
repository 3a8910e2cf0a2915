"""make-batch-counts and merge-batch-counts (SRILM's utils/src scripts): the merged batch counts
are the one-step counts of all the text; file names and messages as the scripts give them."""

import gzip
import os

import pytest

from ngramkit.cli import make_batch_counts as make_cmd
from ngramkit.cli import merge_batch_counts as merge_cmd
from ngramkit.cli import ngram_count as ngram_count_cmd

TEXTS = ["a b c\nb c\n", "c a b\na\n", "b b a c\n", "a c\nc b a\n", "b\n"]


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for i, text in enumerate(TEXTS):
        (tmp_path / f"t{i}.txt").write_text(text)
    # five files on four lines (one line names two), a comment and a blank line
    (tmp_path / "train.files").write_text("# the training text\nt0.txt\nt1.txt t2.txt\n\nt3.txt\nt4.txt\n")
    (tmp_path / "all.txt").write_text("".join(TEXTS))
    ngram_count_cmd.main(["-order", "3", "-text", "all.txt", "-sort", "-write", "one-step.txt"])
    return tmp_path


def test_batches_merge_to_the_one_step_counts(corpus, capsys):
    make_cmd.main(["train.files", "2", "/bin/cat", "counts", "-order", "3"])
    err = capsys.readouterr().err
    # lines 1-2 (t0 t1 t2), lines 3-4 (t3 t4)
    assert err == ("counting in counts/train-1.ngrams.gz sources t0.txt t1.txt t2.txt\n"
                   "counting in counts/train-2.ngrams.gz sources t3.txt t4.txt\n")
    assert sorted(os.listdir("counts")) == ["train-1.ngrams.gz", "train-2.ngrams.gz", "train.stats"]
    merge_cmd.main(["counts"])
    err = capsys.readouterr().err
    assert err == ("ITERATION 0, 2 files\n"
                   "merging counts/./train-1.ngrams.gz counts/./train-2.ngrams.gz into counts/merge-iter0-1.ngrams.gz\n"
                   "final counts in counts/merge-iter0-1.ngrams.gz\n")
    assert gzip.open("counts/merge-iter0-1.ngrams.gz", "rt").read() == (corpus / "one-step.txt").read_text()
    assert not os.path.exists("counts/train-1.ngrams.gz")  # merged inputs are removed


def test_four_batches_take_two_iterations(corpus, capsys):
    make_cmd.main(["train.files", "1", "cat", "counts", "-order", "3"])
    capsys.readouterr()
    merge_cmd.main(["counts"])
    err = capsys.readouterr().err.splitlines()
    # one batch per line, four: two merges in iteration 0, one in iteration 1
    assert err[0] == "ITERATION 0, 4 files"
    assert err[-1] == "final counts in counts/merge-iter1-1.ngrams.gz"
    assert gzip.open("counts/merge-iter1-1.ngrams.gz", "rt").read() == (corpus / "one-step.txt").read_text()


def test_three_files_link_the_third(corpus, capsys):
    (corpus / "three.files").write_text("t0.txt\nt1.txt t2.txt\nt3.txt t4.txt\n")
    make_cmd.main(["three.files", "1", "/bin/cat", "counts", "-order", "3"])
    capsys.readouterr()
    merge_cmd.main(["counts"])
    assert capsys.readouterr().err == (
        "ITERATION 0, 3 files\n"
        "merging counts/./three-1.ngrams.gz counts/./three-2.ngrams.gz into counts/merge-iter0-1.ngrams.gz\n"
        "linking counts/./three-3.ngrams.gz to counts/merge-iter0-2.ngrams.gz\n"
        "ITERATION 1, 2 files\n"
        "merging counts/merge-iter0-2.ngrams.gz counts/merge-iter0-1.ngrams.gz into counts/merge-iter1-1.ngrams.gz\n"
        "final counts in counts/merge-iter1-1.ngrams.gz\n")
    assert gzip.open("counts/merge-iter1-1.ngrams.gz", "rt").read() == (corpus / "one-step.txt").read_text()


def test_filter_and_wider_merges(corpus, capsys):
    # the filter is run with the batch's files as arguments; its output is what is counted
    make_cmd.main(["train.files", "1", "tac", "counts", "-order", "3"])
    capsys.readouterr()
    merge_cmd.main(["-l", "4", "counts"])
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "final counts in counts/merge-iter1-1.ngrams.gz"
    # tac reverses the lines of each batch: the same sentences, so the same counts
    assert gzip.open("counts/merge-iter1-1.ngrams.gz", "rt").read() == (corpus / "one-step.txt").read_text()


def test_ngram_count_ignores_positional_arguments(corpus):
    ngram_count_cmd.main(["stray", "-order", "3", "-text", "all.txt", "another", "-sort", "-tag", "x",
                          "-write", "again.txt"])
    assert (corpus / "again.txt").read_text() == (corpus / "one-step.txt").read_text()


def test_usage_errors(corpus, capsys):
    with pytest.raises(SystemExit):
        make_cmd.main([])
    assert "usage: make-batch-counts file-list" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        merge_cmd.main(["no-such-dir"])
    assert capsys.readouterr().err == "merge-batch-counts: no-such-dir: no such count directory\n"
