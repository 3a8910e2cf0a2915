"""Counting in threads, in byte-range shards and on a Dask LocalCluster gives exactly the
counts (and models) of one process."""

import numpy as np
import pytest
from conftest import REFERENCE

from ngramkit.arpa import write_arpa
from ngramkit.countfile import write_counts
from ngramkit.counting import (
    RunOptions,
    TextOptions,
    count_blocks,
    count_text,
    text_blocks,
)
from ngramkit.errors import EncodingError
from ngramkit.estimate import estimate
from ngramkit.estimate.options import EstimateOptions
from ngramkit.textio import split_byte_ranges


def same_counts(a, b):
    assert a.vocab.words == b.vocab.words
    assert a.order == b.order
    for k in range(a.order):
        assert np.array_equal(a.ngrams[k], b.ngrams[k])
        assert np.array_equal(a.counts[k], b.counts[k])


@pytest.fixture(scope="module")
def train_text(tmp_path_factory):
    import gzip

    path = tmp_path_factory.mktemp("par") / "train.txt"
    with gzip.open(REFERENCE / "en" / "train.txt.gz", "rb") as f:
        path.write_bytes(f.read())
    return path


@pytest.fixture(scope="module")
def single(train_text):
    return count_text([train_text], 4, run=RunOptions(quiet=True, workers=1))


def test_threads_and_small_blocks_match_single(train_text, single):
    # Many small blocks over 3 threads: every merge path is taken.
    options = TextOptions()
    counts, totals = count_blocks(text_blocks([train_text], options, 1 << 16), 4, options,
                                  RunOptions(quiet=True, workers=3))
    # SRILM's -debug 1 line of this text: "line 5000: 5000 sentences, 110452 words, 0 OOVs"
    assert totals.files == {train_text: [5000, 5000, 110452, 0]}
    same_counts(counts, single)


def test_byte_range_shards_match_single(train_text, single):
    options, run = TextOptions(), RunOptions(quiet=True, workers=1)
    ranges = split_byte_ranges(train_text, 7)
    assert len(ranges) == 7
    shards = [count_blocks(text_blocks([train_text], options, 1 << 15, r), 4, options, run) for r in ranges]
    from ngramkit.counting import merge_counts

    total = shards[0][0]
    for counts, _ in shards[1:]:
        total = merge_counts(total, counts)
    assert sum(n.sentences for _, n in shards) == 5000
    same_counts(total, single)


def test_error_line_is_absolute_in_a_shard(tmp_path):
    text = tmp_path / "t.txt"
    text.write_bytes(b"a b\n" * 1000 + b"caf\xe9\n" + b"c d\n" * 10)
    options, run = TextOptions(), RunOptions(quiet=True, workers=1)
    last = split_byte_ranges(text, 2)[-1]
    with pytest.raises(EncodingError) as err:
        count_blocks(text_blocks([text], options, 1 << 12, last), 2, options, run)
    assert err.value.line == 1001


def test_dask_local_cluster_matches_single_process(train_text, single, tmp_path):
    pytest.importorskip("dask.distributed")
    from ngramkit.distributed import count_text_distributed

    counts = count_text_distributed([train_text], 4, TextOptions(), "local", workers=2)
    same_counts(counts, single)
    # The same count file and the same model as the single process.
    for name, c in (("single", single), ("dask", counts)):
        write_counts(c, tmp_path / f"{name}.counts")
        write_arpa(estimate(c, EstimateOptions.srilm(4, "kn", True), warn=lambda m: None),
                   tmp_path / f"{name}.arpa")
    assert (tmp_path / "dask.counts").read_bytes() == (tmp_path / "single.counts").read_bytes()
    assert (tmp_path / "dask.arpa").read_bytes() == (tmp_path / "single.arpa").read_bytes()
