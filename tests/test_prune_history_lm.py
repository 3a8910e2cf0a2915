"""`ngram -prune T -prune-history-lm FILE` against SRILM 1.7.3: contexts weighed by FILE's
marginals (read one order below -order), the words of FILE joining the vocabulary
(tests/data/prune_history/README.md)."""

import gzip
from pathlib import Path

import pytest
from conftest import REFERENCE
from test_estimate_srilm import sample_difference

from ngramkit.arpa import read_arpa
from ngramkit.cli import ngram, ngram_count

DATA = Path(__file__).resolve().parent / "data" / "prune_history"
MKN3 = REFERENCE / "en" / "srilm" / "mkn3.arpa.gz"
TEST = REFERENCE / "en" / "test.txt.gz"
TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """SRILM's hist.arpa: a Witten-Bell bigram of the training text and one line of a new word
    (ngram-count's, SRILM-exact: see test_estimate_srilm)."""
    folder = tmp_path_factory.mktemp("history")
    with gzip.open(REFERENCE / "en" / "train.txt.gz", "rt", encoding="utf-8") as f:
        (folder / "hist.txt").write_text(f.read() + "zzextra word\n")
    ngram_count.main(["-order", "2", "-wbdiscount", "-text", str(folder / "hist.txt"), "-lm", str(folder / "hist.arpa")])
    return folder / "hist.arpa"


def totals(out):
    first, second = out.splitlines()[-2:]
    return [first.split(": ", 1)[1], second]


def test_matches_srilm(cli, tmp_path, history):
    out = tmp_path / "pruned.arpa"
    status, stdout, err = cli(ngram.main, ["-lm", MKN3, "-prune", "1e-6", "-prune-history-lm", history,
                                           "-write-lm", out, "-ppl", TEST])
    assert status == 0, err
    pruned = read_arpa(out)
    assert sample_difference(pruned, DATA / "mkn3-prune-1e-6-history-wb2.sample.arpa.gz") < TOLERANCE
    assert totals(stdout) == ["1000 sentences, 22456 words, 1317 OOVs",
                              "0 zeroprobs, logprob= -54753.23 ppl= 297.2742 ppl1= 389.1815"]
    # the history's own word is a word of the model, of probability 0 (SRILM writes -99)
    row = pruned.vocab.id("zzextra")
    assert pruned.logprob[0][list(pruned.ngrams[0][:, 0]).index(row)] == -99


def test_history_words_score_as_zero_probabilities(cli, tmp_path, history):
    with gzip.open(TEST, "rt", encoding="utf-8") as f:
        text = "".join(next(f) for _ in range(3)) + "zzextra the\n"
    (tmp_path / "zt.txt").write_text(text)
    status, stdout, err = cli(ngram.main, ["-lm", MKN3, "-prune", "1e-6", "-prune-history-lm", history,
                                           "-ppl", tmp_path / "zt.txt"])
    assert status == 0, err
    assert totals(stdout) == ["4 sentences, 61 words, 4 OOVs",
                              "1 zeroprobs, logprob= -157.9904 ppl= 429.7071 ppl1= 662.6074"]


def test_api_matches_command(cli, tmp_path, history):
    out = tmp_path / "pruned.arpa"
    status, _, err = cli(ngram.main, ["-lm", MKN3, "-prune", "1e-6", "-prune-history-lm", history, "-write-lm", out])
    assert status == 0, err
    model = read_arpa(MKN3)
    ours = model.prune(1e-6, history=read_arpa(history).truncated(2))
    assert ours.sizes() == read_arpa(out).sizes()
    assert model.sizes() == read_arpa(MKN3).sizes()  # not pruned in place
    assert sample_difference(ours, DATA / "mkn3-prune-1e-6-history-wb2.sample.arpa.gz") < TOLERANCE


def test_needs_prune(cli, history):
    status, _, err = cli(ngram.main, ["-lm", MKN3, "-prune-history-lm", history, "-ppl", TEST])
    assert status != 0
    assert err.strip() == "ngram: -prune-history-lm needs -prune"


def test_tagged_refuses_it(cli, history):
    status, _, err = cli(ngram.main, ["-tagged", "-lm", MKN3, "-prune", "1e-6", "-prune-history-lm", history])
    assert status != 0
    assert err.strip() == "ngram: -tagged does not combine with -prune-history-lm"


def test_bad_history_file_names_file_and_line(cli, tmp_path):
    bad = tmp_path / "bad.arpa"
    bad.write_text("\\data\\\nngram 1=2\n\n\\1-grams:\n-0.6 </s>\nxyz <s>\n\n\\end\\\n")
    status, _, err = cli(ngram.main, ["-lm", MKN3, "-prune", "1e-6", "-prune-history-lm", bad,
                                      "-write-lm", tmp_path / "out.arpa"])
    assert status != 0
    assert err.strip() == f"ngram: {bad}:6: log probability is not a number"
    assert not (tmp_path / "out.arpa").exists()


def test_unknown_word_contexts_leave_out_its_zero_factor(cli, tmp_path):
    # SRILM 1.7.3 (data/prune_history/README.md): hist1 gives <unk>, no word without -unk, no
    # probability; SRILM's contextProb leaves that factor out, so "<unk> w" bigrams keep a weight
    out = tmp_path / "out.arpa"
    status, _, err = cli(ngram.main, ["-lm", DATA / "unk2.arpa.gz", "-prune", "1e-4", "-prune-history-lm",
                                      DATA / "hist1.arpa.gz", "-write-lm", out])
    assert status == 0, err
    assert out.read_bytes() == gzip.decompress((DATA / "unk2-prune-1e-4-history.arpa.gz").read_bytes())
