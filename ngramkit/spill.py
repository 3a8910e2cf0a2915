"""Large per-n-gram arrays kept in memory-mapped files, for runs under a memory cap.

Under a cap (`-memory`), the count tables and the estimation arrays indexed by count row live
in files of a temporary spill directory. The stages read them through the mapping and hand the
pages they touched back to the system when done (`release`), so the process holds little more
than what the running stage touches; the data stays in the files (the page cache keeps what
fits). Within a stage, a pager thread holds the process to the cap: when its resident size
passes the cap, or the spilled pages resident pass an eighth of it, the pages of every spilled
array are handed back, and re-read as they are used (from the page cache: a minor fault, so
few of them need stay resident). Compiled kernels run without the GIL, so the pager runs while
they do.
"""

import contextlib
import mmap
import os
import tempfile
import threading
import weakref

import numpy as np

from .errors import OutputError

_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
_PAGER_SECONDS = 0.01  # how often the pager looks at the resident size

_spilled = weakref.WeakSet()  # the mappings of live spilled arrays
_spilled_lock = threading.Lock()


def resident_bytes():
    """This process's resident set size."""
    return _resident_pages()[0] * _PAGE_BYTES


def _resident_pages():
    """(resident pages, of which file-backed or shared) of this process."""
    with open("/proc/self/statm", "rb") as statm:
        fields = statm.read().split()
    return int(fields[1]), int(fields[2])


SPILLED_SHARE = 8  # the spilled pages resident at once: at most 1/SPILLED_SHARE of the cap


def _page(limit, stop):
    limit_pages = limit // _PAGE_BYTES
    # file-backed pages resident before any array is spilled: the program's own
    spilled_limit = _resident_pages()[1] + limit_pages // SPILLED_SHARE
    while not stop.wait(_PAGER_SECONDS):
        resident, shared = _resident_pages()
        if resident > limit_pages or shared > spilled_limit:
            with _spilled_lock:
                mappings = list(_spilled)
            # a pass stops when the run ends: the rest of it would only delay the run's end
            _release_mappings(mappings, stop)
            # the list held every mapping alive: an array dropped meanwhile would keep its file
            # (and its cached pages) until the next pass, or the end of the run
            del mappings


@contextlib.contextmanager
def spill_directory(memory, tmpdir=None):
    """A temporary directory for the arrays of a run capped at `memory` bytes (None: no cap and
    no directory), removed on exit; while it exists, the pager holds the process to the cap."""
    if memory is None:
        yield None
        return
    stop = threading.Event()
    pager = threading.Thread(target=_page, args=(memory, stop), name="ngramkit-pager", daemon=True)
    if os.path.exists("/proc/self/statm"):  # elsewhere only the stages' own releases bound memory
        pager.start()
    try:
        with temporary_directory("ngramkit-", tmpdir) as directory:
            yield directory
    finally:
        stop.set()
        if pager.is_alive():
            pager.join()


def temporary_directory(prefix, tmpdir=None):
    """tempfile.TemporaryDirectory in `tmpdir`; one that cannot be made is an OutputError naming
    where."""
    try:
        return tempfile.TemporaryDirectory(prefix=prefix, dir=tmpdir)
    except OSError as exc:
        raise OutputError(f"cannot make a temporary directory: {exc.strerror}",
                          tmpdir or tempfile.gettempdir()) from None


def spill_array(directory, shape, dtype, name="array"):
    """An uninitialised array: in memory, or memory-mapped from a file in `directory`. The file
    is unlinked at once: its blocks live as long as the array, and are freed with it."""
    if directory is None:
        return np.empty(shape, dtype=dtype)
    path = tempfile.mktemp(prefix=f"{name}-", suffix=".npy", dir=directory)
    array = np.lib.format.open_memmap(path, "w+", dtype, shape if isinstance(shape, tuple) else (int(shape),))
    os.unlink(path)
    with _spilled_lock:
        _spilled.add(array._mmap)
    return array


def map_file(path, dtype, shape):
    """The data of a file in a spill directory as a read-only memory-mapped array, which the pager
    watches; the file is unlinked at once, its blocks freed with the array."""
    array = np.memmap(path, dtype=dtype, mode="r", shape=shape)
    os.unlink(path)
    with _spilled_lock:
        _spilled.add(array._mmap)
    return array


def release(*arrays):
    """Drop the resident pages of memory-mapped arrays from this process (their data stays in
    the files, re-read on the next access); other arrays and None are left alone."""
    _release_mappings(getattr(array, "_mmap", None) for array in arrays)


def _release_mappings(mappings, stop=None):
    # madvise holds the GIL, so no mapping is closed while it is being released
    for mapping in mappings:
        if stop is not None and stop.is_set():
            return
        if mapping is not None and not mapping.closed:
            mapping.madvise(mmap.MADV_DONTNEED)
