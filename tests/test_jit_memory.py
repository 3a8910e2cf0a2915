"""`jit.release_compiler_code`: LLVM's code pages leave the resident memory once Numba is set
up, and compiled code (loaded from the cache or compiled afresh) runs as before afterwards. In a
child process, so that the pages this test process uses stay as they are."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="needs Linux's /proc")

CHILD = textwrap.dedent("""
    import numpy as np
    from ngramkit.jit import njit, release_compiler_code
    from ngramkit.scoring import _keys, extend_key, unigram_key

    def llvm_code_kb():
        total, counted = 0, False
        for line in open("/proc/self/smaps"):
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5:
                counted = fields[1] == "r-xp" and "llvmlite" in line.rsplit("/", 1)[-1]
            elif fields[0] == "Rss:" and counted:
                total += int(fields[1])
        return total

    ids = np.array([[3, 5], [7, 11]], dtype=np.int32)
    keys = _keys(ids, 0, 2)  # Numba is set up: its runtime module compiled by LLVM
    before = llvm_code_kb()
    release_compiler_code()
    after = llvm_code_kb()

    @njit
    def fresh(a):  # compiled now: LLVM's optimiser runs again from pages read back
        return a * 3 + 1

    print(before, after, list(_keys(ids, 0, 2)) == list(keys), fresh(np.int64(4)),
          keys[0] == extend_key(unigram_key(3), 5))
""")


def test_llvm_code_pages_released_and_code_still_runs():
    result = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
    before, after, same, fresh, key = result.stdout.split()
    # Setting Numba up leaves tens of MB of LLVM's code resident; after the release, none.
    assert int(before) > 10_000
    assert int(after) == 0
    assert same == "True" and fresh == "13" and key == "True"
