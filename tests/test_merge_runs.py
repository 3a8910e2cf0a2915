"""Counting under a memory cap: every block's tables are runs of one file per order, merged in
one pass by a winner tree (sorting.merge_runs); the counts are those of one block counted whole."""

import numpy as np
import pytest

from ngramkit import counting
from ngramkit.cli.ngram_count import main as ngram_count
from ngramkit.counting import RunOptions, count_text
from ngramkit.sorting import merge_runs
from ngramkit.spill import spill_directory


def test_merge_runs_by_hand():
    # run 0 has words (a, c), run 1 (a, b, c), run 2 (b): global ids a=0 b=1 c=2
    rows = np.array([[0, 0], [0, 1], [1, 0],          # run 0: a a, a c, c a
                     [0, 2], [1, 1], [2, 0], [2, 2],  # run 1: a c, b b, c a, c c
                     [0, 0]], dtype=np.int32)         # run 2: b b
    counts = np.array([1, 2, 3, 10, 20, 30, 40, 100], dtype=np.int32)
    maps = np.array([0, 2, 0, 1, 2, 1], dtype=np.int32)
    out, out_counts = np.zeros((8, 2), np.int32), np.zeros(8, np.int64)
    size = merge_runs(rows, counts, [0, 3, 7, 8], maps, [0, 2, 5, 6], out, out_counts)
    assert size == 5
    assert out[:size].tolist() == [[0, 0], [0, 2], [1, 1], [2, 0], [2, 2]]
    # a a: 1; a c: 2 + 10; b b: 20 + 100; c a: 3 + 30; c c: 40
    assert out_counts[:size].tolist() == [1, 12, 120, 33, 40]


@pytest.mark.parametrize("runs", [1, 2, 5, 17])
@pytest.mark.parametrize("k", [1, 3])
def test_merge_runs_sums_equal_rows(runs, k):
    rng = np.random.default_rng(runs * 10 + k)
    parts, part_counts, maps, expected = [], [], [], {}
    for r in range(runs):
        words = np.sort(rng.choice(40, rng.integers(1, 12), replace=False)).astype(np.int32)
        n = 0 if r == 1 else int(rng.integers(1, 300))  # an empty run too
        rows = np.unique(rng.integers(0, len(words), (n, k)), axis=0).astype(np.int32).reshape(-1, k)
        values = rng.integers(1, 9, len(rows)).astype(np.int32)
        for row, value in zip(words[rows].tolist(), values.tolist()):
            expected[tuple(row)] = expected.get(tuple(row), 0) + value
        parts.append(rows), part_counts.append(values), maps.append(words)
    run_starts = np.concatenate([[0], np.cumsum([len(p) for p in parts])])
    map_starts = np.concatenate([[0], np.cumsum([len(m) for m in maps])])
    total = int(run_starts[-1])
    out, out_counts = np.zeros((total, k), np.int32), np.zeros(total, np.int32)
    size = merge_runs(np.concatenate(parts), np.concatenate(part_counts), run_starts, np.concatenate(maps),
                      map_starts, out, out_counts)
    keys = sorted(expected)
    assert out[:size].tolist() == [list(key) for key in keys]
    assert out_counts[:size].tolist() == [expected[key] for key in keys]


@pytest.mark.parametrize("order", [1, 3, 5])
def test_capped_counts_of_many_blocks_are_those_of_one(tmp_path, monkeypatch, order):
    rng = np.random.default_rng(order)
    words = [f"w{i}" for i in range(300)]
    text = tmp_path / "text.txt"
    text.write_text("\n".join(" ".join(rng.choice(words, rng.integers(1, 12))) for _ in range(20000)) + "\n")
    whole = count_text([text], order, run=RunOptions(workers=1, quiet=True))
    monkeypatch.setattr(counting, "DEFAULT_MEMORY", 1 << 21)  # blocks of 64 KB: many runs
    assert counting.block_bytes(order, counting.DEFAULT_MEMORY, 2) < text.stat().st_size // 4
    with spill_directory(1 << 30, tmp_path) as spill_dir:
        capped = count_text([text], order, run=RunOptions(memory=1 << 30, workers=2, quiet=True),
                            spill_dir=spill_dir)
        assert capped.vocab == whole.vocab
        for k in range(order):
            assert isinstance(capped.ngrams[k], np.memmap)
            np.testing.assert_array_equal(capped.ngrams[k], whole.ngrams[k])
            np.testing.assert_array_equal(capped.counts[k], whole.counts[k])
        del capped
    # a hand count: every sentence has one <s>
    bos = np.flatnonzero(whole.ngrams[0][:, 0] == whole.vocab.bos)
    assert whole.counts[0][bos] == 20000


# -sort: counts of -text without it are written in SRILM's unsorted order, from a trie in memory
@pytest.mark.parametrize("cap", [["-sort"], ["-memory", "1G"]])
def test_temp_dir_that_cannot_be_made_is_a_one_line_error(tmp_path, cli, cap):
    text = tmp_path / "text.txt"
    text.write_text("a b\n")
    missing = tmp_path / "missing"
    status, _, err = cli(ngram_count, ["-order", 2, "-text", text, "-write", tmp_path / "c", "-temp-dir", missing,
                                       *cap])
    assert status == 6
    assert err.strip().splitlines() == [f"ngram-count: {missing}: cannot make a temporary directory: "
                                        "No such file or directory"]
