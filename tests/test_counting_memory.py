"""Counting in less memory: a merge that grows the larger table into the merged one, and the
highest order sorted without positions; the counts are those of one block counted whole."""

import numpy as np
import pytest

from ngramkit import counting
from ngramkit.counting import RunOptions, count_text
from ngramkit.sorting import merge_in_place, merge_tables, merged_size


def sorted_table(rng, n, k, words):
    rows = np.unique(rng.integers(0, words, (n, k)), axis=0).astype(np.int32)
    return rows, rng.integers(1, 50, len(rows)).astype(np.int32)


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("sizes", [(4000, 900), (900, 4000), (3000, 0), (0, 10)])
def test_merge_in_place_is_merge_tables(k, sizes):
    rng = np.random.default_rng(k)
    a, a_counts = sorted_table(rng, sizes[0], k, 30)
    b, b_counts = sorted_table(rng, sizes[1], k, 30)
    # order-keeping maps into a larger merged vocabulary
    a_map, b_map = (np.sort(rng.choice(100, 30, replace=False)).astype(np.int32) for _ in range(2))
    size = merged_size(a, a_map, b, b_map)
    rows, counts = np.empty((size, k), dtype=np.int32), np.empty(size, dtype=np.int32)
    merge_tables(a, a_counts, a_map, b, b_counts, b_map, rows, counts)
    got = merge_in_place(a.copy(), a_counts.copy(), a_map, b, b_counts, b_map, size)
    np.testing.assert_array_equal(got[0], rows)
    np.testing.assert_array_equal(got[1], counts)


def test_merge_in_place_refuses_arrays_it_does_not_own():
    rows = np.zeros((10, 2), dtype=np.int32)
    view = rows[:5]
    counts = np.ones(5, dtype=np.int32)
    identity = np.arange(1, dtype=np.int32)
    assert merge_in_place(view, counts, identity, view[:0], counts[:0], identity, 5) is None


def test_counts_of_many_blocks_are_those_of_one(tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(300)]
    text = tmp_path / "text.txt"
    text.write_text("\n".join(" ".join(rng.choice(words, rng.integers(1, 12))) for _ in range(20000)) + "\n")
    whole = count_text([text], 3, run=RunOptions(workers=1, quiet=True))
    monkeypatch.setattr(counting, "DEFAULT_MEMORY", 1 << 21)  # blocks of 64 KB: many merges
    assert counting.block_bytes(3, counting.DEFAULT_MEMORY, 2) < text.stat().st_size // 4
    blocks = count_text([text], 3, run=RunOptions(workers=2, quiet=True))
    assert blocks.vocab == whole.vocab
    for k in range(3):
        np.testing.assert_array_equal(blocks.ngrams[k], whole.ngrams[k])
        np.testing.assert_array_equal(blocks.counts[k], whole.counts[k])
    # a hand count: every sentence has one <s>
    bos = np.flatnonzero(whole.ngrams[0][:, 0] == whole.vocab.bos)
    assert whole.counts[0][bos] == 20000
