"""Spilled arrays: memory-mapped, unlinked at once, pages handed back, the pager holding the cap."""

import os
import time

import numpy as np

from ngramkit.spill import (
    SPILLED_SHARE,
    release,
    resident_bytes,
    spill_array,
    spill_directory,
)

MB = 1 << 20


def test_without_a_directory_arrays_are_in_memory():
    array = spill_array(None, (3, 2), np.int32)
    assert type(array) is np.ndarray and array.shape == (3, 2)
    release(array, None)  # nothing to hand back


def test_spilled_array_keeps_its_data_after_release(tmp_path):
    with spill_directory(1 << 40, tmp_path) as directory:
        array = spill_array(directory, 64 * MB // 8, np.int64)
        assert os.listdir(directory) == []  # the file is unlinked; its blocks live with the array
        array[:] = np.arange(len(array))
        before = resident_bytes()
        release(array)
        after = resident_bytes()
        assert before - after > 48 * MB
        assert int(array[-1000:].sum()) == sum(range(len(array) - 1000, len(array)))
        assert resident_bytes() < before - 32 * MB  # only the pages read again are back
        assert np.array_equal(array[::4096], np.arange(0, len(array), 4096))


def test_pager_holds_the_process_to_the_cap(tmp_path):
    cap = resident_bytes() + 32 * MB
    with spill_directory(cap, tmp_path) as directory:
        array = spill_array(directory, 256 * MB // 8, np.int64)
        array[:] = 7  # 256 MB written, well over the cap
        deadline = time.monotonic() + 2
        while resident_bytes() > cap and time.monotonic() < deadline:
            time.sleep(0.01)
        assert resident_bytes() <= cap
        assert int(array[::512].sum()) == 7 * len(array[::512])
    assert not os.path.exists(directory)


def test_pager_keeps_few_spilled_pages_resident_below_the_cap(tmp_path):
    # a cap far above what the process holds: only the share of spilled pages can bind
    start = resident_bytes()
    cap = start + 1024 * MB
    share = cap // SPILLED_SHARE
    with spill_directory(cap, tmp_path) as directory:
        array = spill_array(directory, 512 * MB // 8, np.int64)
        array[:] = 3  # 512 MB written: far below the cap, far above its share of spilled pages
        deadline = time.monotonic() + 2
        while resident_bytes() > start + share and time.monotonic() < deadline:
            time.sleep(0.01)
        assert resident_bytes() <= start + share
        assert int(array[::512].sum()) == 3 * len(array[::512])
