"""Counting on a Dask cluster: shards of the input are counted by workers and the
results merged by workers in a tree, with the same block counting and merging as
on one machine (counting.py), so the counts are identical.

Every worker must see the input paths. Uncompressed files are split into byte
ranges; a compressed file is one shard.
"""

import os

from .counting import (
    DEFAULT_MEMORY,
    RunOptions,
    block_bytes,
    count_blocks,
    merge_counts,
    text_blocks,
)
from .errors import EmptyInputError, UsageError
from .textio import split_byte_ranges


def _count_shard(shard, order, options):
    path, byte_range = shard
    return count_blocks(text_blocks([path], options, block_bytes(order, DEFAULT_MEMORY, 1), byte_range),
                        order, options, RunOptions(workers=1, quiet=True))


def _merge_shards(a, b):
    if a[0] is None or b[0] is None:
        return a if b[0] is None else b
    return merge_counts(a[0], b[0]), a[1] + b[1]


def _client(scheduler, workers):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("counting on a cluster needs dask: pip install 'dask[distributed]'") from None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout="20s"), None
    except OSError as exc:
        raise UsageError(f"cannot reach Dask scheduler {scheduler}: {exc}") from None


def shards_of(paths, parts):
    """(absolute path, byte range or None) pieces covering the inputs."""
    shards = []
    for path in paths:
        if str(path) == "-":
            raise UsageError("stdin cannot be read by cluster workers; give file paths")
        path = os.path.abspath(path)
        ranges = split_byte_ranges(path, parts)
        shards.extend([(path, r) for r in ranges] if ranges else [(path, None)])
    return shards


def count_text_distributed(paths, order, options, scheduler="local", workers=2):
    """NgramCounts of the text files, counted on a Dask cluster."""
    client, cluster = _client(scheduler, workers)
    try:
        parts = max(2 * len(client.scheduler_info().get("workers", {}) or [None] * workers), 1)
        futures = client.map(_count_shard, shards_of(paths, parts), order=order, options=options,
                             pure=False)
        while len(futures) > 1:
            pairs = [client.submit(_merge_shards, futures[i], futures[i + 1], pure=False)
                     for i in range(0, len(futures) - 1, 2)]
            futures = pairs + ([futures[-1]] if len(futures) % 2 else [])
        counts, totals = futures[0].result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if not totals.sentences:
        raise EmptyInputError("no sentences in text (empty or blank input)", ", ".join(map(str, paths)))
    counts.text_totals = totals
    return counts
