"""The cache LM (`ngram -cache N -cache-lambda L`) against SRILM 1.7.3's outputs."""

import gzip
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import run_ngram as run

from ngramkit.cache_lm import WordCache, cache_probability, mixed_logprob

DATA = Path(__file__).parent / "data"
MORE = DATA / "srilm_more"
EN_MKN3 = DATA / "reference" / "en" / "srilm" / "mkn3.arpa.gz"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"


def texts(where, lang_dir):
    with gzip.open(lang_dir / "test.txt.gz", "rb") as f:
        text = f.read()
    (where / "test.txt").write_bytes(text)
    (where / "test20.txt").write_bytes(b"".join(text.splitlines(keepends=True)[:20]))


def test_cache_probabilities_by_hand():
    # history of 2: a (first word: 0), b (a is 1 of 1: b 0), a (1 of 2), a (a b -> b a: 1 of 2),
    # b (a a: 0 of 2)
    cache = WordCache(3, 2, 0.1)
    probs = [cache_probability(w, *cache.arrays()[:3]) for w in (0, 1, 0, 0, 1)]
    assert probs == [0.0, 0.0, 0.5, 0.5, 0.0]
    assert cache.counts.tolist() == [1.0, 1.0, 0.0]


def test_mixture_by_hand():
    # 0.9 * 10**-2 + 0.1 * (1/6, through a float log10) = 0.02566667, log10 -1.590631
    weights = WordCache(1, 1, 0.1).weights
    mixed = mixed_logprob(np.float32(-2.0), 1 / 6, weights)
    cached = 10 ** float(np.float32(math.log10(1 / 6)))
    assert mixed == np.float32(math.log10(0.9 * 0.01 + (1 - 0.9) * cached))
    assert f"{mixed:.7g}" == "-1.590631"


@pytest.mark.parametrize("debug, text, name", [([], "test.txt", "cache-en-200.ppl0.txt"),
                                               (["-debug", "2"], "test20.txt", "cache-en-200.ppl2.txt")])
def test_matches_srilm(tmp_path, capsysbinary, debug, text, name):
    texts(tmp_path, DATA / "reference" / "en")
    argv = ["-lm", str(EN_MKN3), "-order", "3", "-cache", "200", "-cache-lambda", "0.1", *debug, "-ppl", text]
    assert run(argv, tmp_path, capsysbinary) == (MORE / name).read_bytes()


@pytest.mark.skipif(not (SHARED / "more" / "zh" / "cache200.ppl2.txt").exists(), reason="shared references not available")
@pytest.mark.parametrize("debug, text, name", [([], "test.txt", "cache200.ppl0.txt"),
                                               (["-debug", "2"], "test20.txt", "cache200.ppl2.txt")])
def test_zh_matches_srilm(tmp_path, capsysbinary, debug, text, name):
    texts(tmp_path, SHARED / "zh")
    argv = ["-lm", str(SHARED / "zh" / "srilm" / "mkn3.arpa.gz"), "-order", "3", "-cache", "200",
            "-cache-lambda", "0.1", *debug, "-ppl", text]
    assert run(argv, tmp_path, capsysbinary) == (SHARED / "more" / "zh" / name).read_bytes()


def test_bad_weight_is_one_line(tmp_path):
    (tmp_path / "t.txt").write_text("a b\n")
    proc = subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram", "-lm", str(EN_MKN3), "-cache", "10",
                           "-cache-lambda", "1.5", "-ppl", str(tmp_path / "t.txt")], check=False, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "ngram: -cache-lambda: the cache weight must lie in [0, 1], not 1.5"


def test_cache_only_with_ppl():
    proc = subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram", "-lm", str(EN_MKN3), "-cache", "10", "-gen", "2"],
                          check=False, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr == "ngram: -cache applies to -ppl only, not to -gen\n"
