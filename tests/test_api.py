"""The Python API (`import ngramkit`): each stage one call, values as SRILM and KenLM give them."""

import gzip
import re

import numpy as np
import pytest
from conftest import REFERENCE, SHARED_REFERENCE, needs_shared
from test_estimate_srilm import largest_difference, sample_difference

import ngramkit
from ngramkit.arpa import read_arpa

EN = REFERENCE / "en"
SRILM = EN / "srilm"
TRAIN = EN / "train.txt.gz"
TEST = EN / "test.txt.gz"


@pytest.fixture(scope="module")
def test20(tmp_path_factory):
    path = tmp_path_factory.mktemp("api") / "test20.txt"
    with gzip.open(TEST, "rt", encoding="utf-8") as f:
        path.write_text("".join(f.readlines()[:20]), encoding="utf-8")
    return path


def summary(text):
    """SRILM's two summary lines without the file name."""
    first, second = text.strip().splitlines()[-2:]
    return [first.split(": ", 1)[-1], second]


def test_train_is_ngram_count(tmp_path):
    # ngram-count -order 3 -kndiscount -interpolate: SRILM's default cutoffs gt3min=2
    model = ngramkit.train(TRAIN, order=3, method="kneser-ney", cutoffs=[1, 1, 2], progress=False)
    assert isinstance(model, ngramkit.NgramModel) and model.sizes() == [12040, 63039, 6637]
    assert largest_difference(model, read_arpa(SRILM / "mkn3.arpa.gz")) < 1e-6
    # what was estimated is on the model: modified KN's three discounts per order
    assert [e["method"] for e in model.estimation] == ["modified Kneser-Ney"] * 3
    assert all(len(e["discounts"]) == 3 and e["interpolate"] for e in model.estimation)
    assert model.estimation[2]["min_count"] == 2


@pytest.mark.parametrize("method,name", [("witten-bell", "wb3"), ("good-turing", "gt3"), ("absolute", "abs3")])
def test_train_methods_match_srilm_samples(method, name):
    # gt3: ngram-count -order 3; wb3: -wbdiscount -interpolate; abs3: -cdiscount 0.7 -interpolate
    model = ngramkit.train(TRAIN, order=3, method=method, cutoffs=[1, 1, 2],
                           discount=0.7 if method == "absolute" else None, progress=False)
    assert sample_difference(model, SRILM / f"{name}.sample.arpa.gz") < 1e-4


def test_train_kenlm_is_lmplz():
    model = ngramkit.train(TRAIN, order=3, kenlm=True, progress=False)
    assert largest_difference(model, read_arpa(EN / "kenlm" / "o3.arpa.gz"), absent_backoff=0.0) < 5e-7
    # lmplz's Statistics block reports these discounts (o3.stderr.txt)
    stderr = (EN / "kenlm" / "o3.stderr.txt").read_text()
    for k, entry in enumerate(model.estimation, start=1):
        d1 = float(re.search(rf"^{k} \S+ D1=(\S+)", stderr, re.M).group(1))
        assert entry["discounts"][0] == pytest.approx(d1, rel=1e-5)


def test_train_from_counts_equals_train_from_text():
    counts = ngramkit.count(TRAIN, order=2, progress=False)
    assert isinstance(counts, ngramkit.NgramCounts) and counts.order == 2
    from_counts = ngramkit.train(counts=counts, order=2, method="witten-bell", progress=False)
    from_text = ngramkit.train(TRAIN, order=2, method="witten-bell", progress=False)
    assert largest_difference(from_counts, from_text) == 0.0


def test_perplexity_report_is_ngram_ppl(test20):
    model = ngramkit.load(SRILM / "mkn3.arpa.gz")
    full = model.perplexity(TEST)
    assert summary(full.srilm_text()) == summary((SRILM / "mkn3.ppl0.txt").read_text())
    report = model.perplexity(test20)
    # -debug 1: one summary per sentence
    blocks = (SRILM / "mkn3.ppl1.txt").read_text().split("\n\n")[:20]
    expected_ppl = [float(re.search(r" ppl= (\S+)", b).group(1)) for b in blocks]
    np.testing.assert_allclose(report.sentence_ppl(), expected_ppl, rtol=1e-6)
    assert report.sentence_words.tolist() == [int(re.search(r"1 sentences, (\d+) words", b).group(1))
                                              for b in blocks]
    # -debug 2: every token's log10 p and the order of the n-gram that scored it
    lines = re.findall(r"= \[(OOV|\d)(?:gram)?\] \S+ \[ (\S+) \]", (SRILM / "mkn3.ppl2.txt").read_text())
    assert report.token_order.tolist() == [0 if kind == "OOV" else int(kind) for kind, _ in lines]
    np.testing.assert_allclose(report.token_logprob, [float(v) for _, v in lines], atol=5e-7)
    assert sum(report.oov_words.values()) == report.stats.oovs == 16


def test_load_write_round_trip(tmp_path):
    model = ngramkit.load(SRILM / "mkn3.arpa.gz")
    model.write(tmp_path / "lm.ngk")
    model.write(tmp_path / "lm.arpa.gz")
    for path in (tmp_path / "lm.ngk", tmp_path / "lm.arpa.gz"):
        assert largest_difference(ngramkit.load(path), model) == 0.0
    assert ngramkit.load(tmp_path / "lm.ngk", order=2).sizes() == [12040, 63039]
    # the binary keeps the scorer's tables: kenlm's API on it scores as on the ARPA
    assert ngramkit.Model(tmp_path / "lm.ngk").score("we welcome them") == model.scorer().score("we welcome them")
    with pytest.raises(ngramkit.UsageError, match="unknown model format"):
        model.write(tmp_path / "lm.x", format="nope")


def test_prune_and_mix_are_ngram_prune_and_mix(tmp_path):
    model = ngramkit.load(SRILM / "mkn3.arpa.gz")
    assert sample_difference(model.prune(1e-6), SRILM / "prune-mkn3-1e-6.sample.arpa.gz") < 1e-4
    small = model.prune(target_size=20000)
    assert sum(small.sizes()) <= 20000
    mixed = ngramkit.mix([model, ngramkit.load(SRILM / "wb3.closure.arpa.gz")], [0.6, 0.4])
    assert sample_difference(mixed, SRILM / "mix-mkn3-wb3-0.6.sample.arpa.gz", check_sizes=False) < 1e-4
    with pytest.raises(ngramkit.UsageError, match="weights summing to 1"):
        ngramkit.mix([model, model], [0.5])


@needs_shared
def test_best_mix_of_reports_is_compute_best_mix():
    srilm = SHARED_REFERENCE / "en" / "srilm"
    text = SHARED_REFERENCE / "en" / "test.txt.gz"
    reports = [ngramkit.load(srilm / name).perplexity(text) for name in ("mkn3.arpa.gz", "wb3.arpa.gz")]
    expected = (srilm / "best-mix.txt").read_text().split("best lambda (")[1].split(")")[0].split()
    np.testing.assert_allclose(ngramkit.best_mix(reports), [float(x) for x in expected], atol=1e-3)


def test_to_fst_is_arpa2fst():
    fst_dir = EN / "fst"
    fst = ngramkit.load(fst_dir / "tiny.arpa.gz").to_fst("#0", symbols=fst_dir / "words.txt")
    lines = (fst_dir / "tiny.G.disambig.fstinfo.txt").read_text()
    states = int(re.search(r"# of states\s+(\d+)", lines).group(1))
    arcs = int(re.search(r"# of arcs\s+(\d+)", lines).group(1))
    assert fst.num_states() == states and sum(fst.num_arcs(s) for s in fst.states()) == arcs


def test_import_is_cheap_and_names_are_public():
    import subprocess
    import sys

    code = "import sys, ngramkit; print(sorted(m for m in sys.modules if m.startswith('ngramkit')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['ngramkit']"
    for name in ("train", "count", "load", "mix", "best_mix", "Model", "State", "NgramModel", "METHODS"):
        assert getattr(ngramkit, name) is not None


def test_kenlm_binaries_load_through_the_format_registry():
    from ngramkit.formats import format_of_file
    from ngramkit.kenlm_binary import read_kenlm_binary

    kenlm_dir = REFERENCE.parent / "kenlm"
    for name in ("test.probing", "test.trie", "test.q8b8.trie"):
        path = kenlm_dir / name
        assert format_of_file(path).name == "kenlm"
        assert largest_difference(ngramkit.load(path), read_kenlm_binary(path)) == 0.0
    assert format_of_file(SRILM / "mkn3.arpa.gz").name == "arpa"
