"""`ngramkit train` and `ngramkit info` against SRILM's and KenLM's reference models."""

import gzip

from click.testing import CliRunner
from conftest import REFERENCE, SHARED_REFERENCE, needs_shared
from test_estimate_srilm import largest_difference

from ngramkit.arpa import read_arpa
from ngramkit.cli.main import main as ngramkit_main

TRAIN = REFERENCE / "en" / "train.txt.gz"


def train(tmp_path, *args):
    out = tmp_path / "lm.arpa"
    result = CliRunner().invoke(ngramkit_main, ["train", "--text", str(TRAIN), "-o", str(out), "-q", *args])
    assert result.exit_code == 0, result.output
    return read_arpa(out)


def test_train_with_srilm_cutoffs_is_srilm_mkn3(tmp_path):
    # SRILM: ngram-count -order 3 -kndiscount -interpolate (default cutoffs 1 1 2).
    worst = largest_difference(train(tmp_path, "--min-count", "1 1 2"),
                               read_arpa(REFERENCE / "en" / "srilm" / "mkn3.arpa.gz"))
    assert worst < 1e-4


@needs_shared
def test_train_defaults_keep_every_ngram(tmp_path):
    # No cutoffs: SRILM's mkn3-nocut (-gt1min 1 -gt2min 1 -gt3min 1).
    worst = largest_difference(train(tmp_path), read_arpa(SHARED_REFERENCE / "en" / "srilm" / "mkn3-nocut.arpa.gz"))
    assert worst < 1e-4


@needs_shared
def test_train_witten_bell_backoff(tmp_path):
    worst = largest_difference(train(tmp_path, "--method", "wb", "--backoff", "--min-count", "1 1 2"),
                               read_arpa(SHARED_REFERENCE / "en" / "srilm" / "wb3-backoff.arpa.gz"))
    assert worst < 1e-4


def test_train_kenlm_is_lmplz(tmp_path):
    text = tmp_path / "train.txt"
    with gzip.open(TRAIN, "rb") as f:
        text.write_bytes(f.read())
    out = tmp_path / "lm.arpa"
    result = CliRunner().invoke(ngramkit_main, ["train", "--kenlm", "--text", str(text), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    worst = largest_difference(read_arpa(out), read_arpa(REFERENCE / "en" / "kenlm" / "o3.arpa.gz"))
    assert worst < 1e-4


def test_info_reports_the_header_counts(tmp_path):
    result = CliRunner().invoke(ngramkit_main, ["info", str(REFERENCE / "en" / "srilm" / "mkn3.arpa.gz")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # The reference's \data\ section: ngram 1=12040, ngram 2=63039, ngram 3=6637.
    assert lines[2:7] == ["order: 3", "ngram 1=12040", "ngram 2=63039", "ngram 3=6637", "n-grams: 81716"]
    assert lines[7] == "vocabulary: 12040 words (with <s> and </s>); <unk> not in the model"
    binary = tmp_path / "lm.ngk"
    assert CliRunner().invoke(ngramkit_main, ["build-binary", str(REFERENCE / "en" / "kenlm" / "o3.arpa.gz"),
                                              str(binary)]).exit_code == 0
    result = CliRunner().invoke(ngramkit_main, ["info", str(binary)])
    assert result.exit_code == 0, result.output
    assert "format: ngramkit binary" in result.output
    assert "<unk> in the model" in result.output


def test_info_missing_file():
    result = CliRunner().invoke(ngramkit_main, ["info", "no-such-model.arpa"])
    assert result.exit_code == 3
