"""Estimates agree with SRILM 1.7.3's ngram-count: the same n-grams, and every log10
probability and backoff weight within 1e-4, for each reference configuration.

The small copies in tests/data hold samples of the reference ARPA files (cut by
tests/make_srilm_arpa_samples.py: full \\data\\ counts, n-grams whose first word is in a
fixed 1/16 of the vocabulary); the full references are compared when ../shared is present.
"""

import gzip
import math

import numpy as np
import pytest
from conftest import REFERENCE, SHARED_REFERENCE, needs_shared
from make_reference_samples import sampled

from ngramkit.arpa import read_arpa
from ngramkit.cli import ngram_count

TOLERANCE = 1e-4

# name -> ngram-count flags, as in the references' .cmd.txt files
CONFIGS = {
    "mkn3": "-order 3 -kndiscount -interpolate",
    "mkn3-backoff": "-order 3 -kndiscount",
    "mkn3-nocut": "-order 3 -kndiscount -interpolate -gt1min 1 -gt2min 1 -gt3min 1",
    "mkn3-unk-vocab": "-order 3 -kndiscount -interpolate -unk -vocab vocab-top2000.txt",
    "mkn3-limit-vocab": "-order 3 -kndiscount -interpolate -vocab vocab-top2000.txt -limit-vocab",
    "mkn4": "-order 4 -kndiscount -interpolate",
    "mkn5-nocut": "-order 5 -kndiscount -interpolate -gt1min 1 -gt2min 1 -gt3min 1 -gt4min 1 -gt5min 1",
    "ukn3": "-order 3 -ukndiscount -interpolate",
    "gt3": "-order 3",
    "gt3-cut": "-order 3 -gt2min 2 -gt3min 3",
    "wb3": "-order 3 -wbdiscount -interpolate",
    "wb3-backoff": "-order 3 -wbdiscount",
    "abs3": "-order 3 -cdiscount 0.7 -interpolate",
    "add3": "-order 3 -addsmooth 0.5",
    "mkn2-text-counts": "-order 2 -kndiscount -interpolate",
}
CASES = [(lang, name) for lang in ("en", "zh") for name in CONFIGS]


def estimate_like_srilm(lang, name, tmp_path):
    """Run our ngram-count with the configuration's flags; return the written model."""
    data = REFERENCE / lang
    flags = CONFIGS[name].replace("vocab-top2000.txt", str(data / "vocab-top2000.txt")).split()
    lm = tmp_path / f"{name}.arpa.gz"
    if name == "mkn2-text-counts":
        counts = tmp_path / "counts2.txt.gz"
        ngram_count.ngram_count(["-order", "2", "-text", str(data / "train.txt.gz"), "-sort",
                                 "-write", str(counts)])
        ngram_count.ngram_count(flags + ["-read", str(counts), "-lm", str(lm)])
    else:
        ngram_count.ngram_count(flags + ["-text", str(data / "train.txt.gz"), "-lm", str(lm)])
    return read_arpa(lm)


def read_sample(path, absent_backoff=None):
    """Announced sizes, and per order {words: (logprob, backoff)} of a sample file; a line
    without a backoff column gets `absent_backoff`."""
    sizes, entries, k = {}, {}, 0
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("ngram "):
                order, size = line[6:].split("=")
                sizes[int(order)] = int(size)
            elif line.endswith("-grams:"):
                k = int(line[1:line.index("-")])
                entries[k] = {}
            elif line and not line.startswith("\\") and k:
                fields = line.split("\t")
                bow = float(fields[2]) if len(fields) > 2 else absent_backoff
                entries[k][tuple(fields[1].split(" "))] = (float(fields[0]), bow)
    return sizes, entries


def sampled_entries(model, keep_word=sampled, absent_backoff=None):
    """Our model's entries in the form read_sample gives, for the first words keep_word accepts."""
    words = model.vocab.words
    keep = np.array([keep_word(w) for w in words])
    entries = {}
    for k in range(1, model.order + 1):
        rows = model.ngrams[k - 1]
        table = {}
        for i in np.flatnonzero(keep[rows[:, 0]]):
            bow = absent_backoff
            if k < model.order and not math.isnan(model.backoff[k - 1][i]):
                bow = float(model.backoff[k - 1][i])
            table[tuple(words[j] for j in rows[i])] = (float(model.logprob[k - 1][i]), bow)
        entries[k] = table
    return entries


def sample_difference(ours, sample_path, keep_word=sampled, absent_backoff=None, check_sizes=True):
    """Largest |difference| of log10 p and backoff weights against a sample file; asserts the
    same sizes, the same sampled n-grams and the same backoff columns first."""
    sizes, reference = read_sample(sample_path, absent_backoff)
    if check_sizes:
        assert ours.sizes() == [sizes[k] for k in sorted(sizes)]
    mine = sampled_entries(ours, keep_word, absent_backoff)
    worst = 0.0
    for k, table in reference.items():
        assert mine[k].keys() == table.keys(), f"order {k}: different n-grams"
        for key, (logprob, bow) in table.items():
            our_logprob, our_bow = mine[k][key]
            assert (our_bow is None) == (bow is None), f"backoff weight presence differs for {key}"
            worst = max(worst, abs(our_logprob - logprob), abs((our_bow or 0.0) - (bow or 0.0)))
    return worst


@pytest.mark.parametrize("lang,name", CASES)
def test_sample_matches_srilm(lang, name, tmp_path):
    ours = estimate_like_srilm(lang, name, tmp_path)
    worst = sample_difference(ours, REFERENCE / lang / "srilm" / f"{name}.sample.arpa.gz")
    print(f"{lang} {name}: largest difference {worst:.3g}")
    assert worst < TOLERANCE


def largest_difference(ours, ref, absent_backoff=None):
    """Largest |difference| of log10 p and backoff weights; asserts equal n-gram sets first.

    absent_backoff=None: the backoff columns must be present on the same lines; a number
    (KenLM, which writes 0 where SRILM writes nothing): an absent weight counts as that."""
    remap = ours.vocab.remap_from(ref.vocab)
    worst = 0.0
    for k in range(1, ref.order + 1):
        rows = remap[ref.ngrams[k - 1]]
        perm = np.lexsort(rows.T[::-1])
        assert np.array_equal(rows[perm], ours.ngrams[k - 1]), f"order {k}: different n-grams"
        diff = np.abs(ours.logprob[k - 1].astype(np.float64) - ref.logprob[k - 1][perm])
        worst = max(worst, float(diff.max()))
        if k < ref.order:
            mine, theirs = ours.backoff[k - 1], ref.backoff[k - 1][perm]
            if absent_backoff is not None:
                mine = np.nan_to_num(mine, nan=absent_backoff)
                theirs = np.nan_to_num(theirs, nan=absent_backoff)
            assert np.array_equal(np.isnan(mine), np.isnan(theirs)), f"order {k}: backoff columns differ"
            both = ~np.isnan(mine)
            if both.any():
                worst = max(worst, float(np.abs(mine[both].astype(np.float64) - theirs[both]).max()))
    return worst


@needs_shared
@pytest.mark.parametrize("lang,name", CASES)
def test_full_reference_matches_srilm(lang, name, tmp_path):
    ours = estimate_like_srilm(lang, name, tmp_path)
    worst = largest_difference(ours, read_arpa(SHARED_REFERENCE / lang / "srilm" / f"{name}.arpa.gz"))
    print(f"{lang} {name}: largest difference {worst:.3g}")
    assert worst < TOLERANCE


@needs_shared
def test_tiny_reference_matches_srilm(tmp_path):
    """tiny.arpa: SRILM mkn3 -gt3min 1 on 300 lines, a complete small reference."""
    lm = tmp_path / "tiny.arpa"
    ngram_count.ngram_count(["-order", "3", "-kndiscount", "-interpolate", "-gt3min", "1", "-text",
                             str(SHARED_REFERENCE / "en" / "fst" / "tiny.txt"), "-lm", str(lm)])
    worst = largest_difference(read_arpa(lm), read_arpa(SHARED_REFERENCE / "en" / "fst" / "tiny.arpa"))
    print(f"tiny: largest difference {worst:.3g}")
    assert worst < TOLERANCE
