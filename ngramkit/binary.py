"""The binary model file: named numpy arrays behind a small versioned header,
each 64-byte aligned so that loading is a memory map and no copy.

Layout: MAGIC (16 bytes), format version (uint32), header length (uint32),
file size (uint64), then a UTF-8 JSON header {"kind", "info", "arrays":
[[name, dtype, shape, offset], ...], "crc32": {name: CRC-32 of the array's
bytes}}, then the arrays. All numbers are little-endian. Files written before
the checksums lack "crc32"; they are read without them.
"""

import json
import mmap
import os
import struct
import zlib

import numpy as np

from .errors import FormatError, MissingFileError, OutputError
from .textio import atomic_output

MAGIC = b"\x89ngramkit-lm\r\n\x1a\n"
VERSION = 1
_PREFIX = struct.Struct("<16sIIQ")
ALIGN = 64


def _aligned(offset):
    return -(-offset // ALIGN) * ALIGN


def is_binary(path):
    """Does `path` start with the binary model magic? (False if it cannot be read.)"""
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def write_arrays(path, kind, info, arrays):
    """Write `arrays` (name -> array) with the JSON-able `info` to `path`, atomically."""
    if str(path).endswith((".gz", ".bz2", ".xz")) or str(path) == "-":
        raise OutputError("a binary model must be a plain file (it is memory-mapped)", path)
    arrays = {name: np.ascontiguousarray(array, dtype=np.asarray(array).dtype.newbyteorder("<"))
              .reshape(np.shape(array)) for name, array in arrays.items()}
    checksums = {name: _crc32(array) for name, array in arrays.items()}
    header = b""
    # The header's length moves the arrays' offsets, which are in the header: repeat until it settles.
    while True:
        offset = _aligned(_PREFIX.size + len(header))
        entries = []
        for name, array in arrays.items():
            entries.append([name, array.dtype.newbyteorder("<").str, list(array.shape), offset])
            offset = _aligned(offset + array.nbytes)
        settled = json.dumps({"kind": kind, "info": info, "arrays": entries, "crc32": checksums}).encode("utf-8")
        settles = len(settled) == len(header)
        header = settled
        if settles:
            break
    size = offset
    with atomic_output(path) as out:
        out.write(_PREFIX.pack(MAGIC, VERSION, len(header), size))
        out.write(header)
        written = _PREFIX.size + len(header)
        for (name, _, _, array_offset), array in zip(entries, arrays.values()):
            out.write(b"\0" * (array_offset - written))
            out.write(_bytes_of(array))
            written = array_offset + array.nbytes
        out.write(b"\0" * (size - written))


def _bytes_of(array):
    return memoryview(array.reshape(-1)).cast("B")  # 1-d: an empty table casts too


def _crc32(array):
    return zlib.crc32(_bytes_of(array))


def read_arrays(path, kind):
    """Memory-map a file written by `write_arrays`: returns (info, name -> read-only array);
    the arrays' `verify` checks their stored checksums."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise MissingFileError("no such file", path) from None
    except OSError as exc:
        raise MissingFileError(f"cannot open: {exc.strerror}", path) from None
    with f:
        prefix = f.read(_PREFIX.size)
        if len(prefix) < _PREFIX.size or not prefix.startswith(MAGIC):
            if len(prefix) < _PREFIX.size and MAGIC.startswith(prefix[:len(MAGIC)]) and prefix:
                raise FormatError("binary model truncated (header incomplete)", path)
            raise FormatError("not an ngramkit binary model", path)
        _, version, header_len, size = _PREFIX.unpack(prefix)
        if version != VERSION:
            raise FormatError(f"binary model format version {version}; this ngramkit reads version {VERSION} "
                              "(rebuild it with ngramkit build-binary)", path)
        actual = os.fstat(f.fileno()).st_size
        if actual < size:
            raise FormatError(f"binary model truncated ({actual} of {size} bytes)", path)
        try:
            header = json.loads(f.read(header_len).decode("utf-8"))
            if header["kind"] != kind:
                raise FormatError(f"binary file holds a {header['kind']}, not a {kind}", path)
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            checksums = header.get("crc32")
            if checksums is not None and not (isinstance(checksums, dict)
                                              and all(isinstance(c, int) for c in checksums.values())):
                raise FormatError("binary model header is corrupt (checksums)", path)
            arrays = _Arrays(path, checksums)
            # The arrays lie one after the other as write_arrays lays them out: a damaged
            # shape, type or offset breaks the chain before any code trusts the array.
            expected = _aligned(_PREFIX.size + header_len)
            for name, dtype, shape, offset in header["arrays"]:
                dtype = np.dtype(dtype)
                if (not isinstance(name, str) or dtype.hasobject or offset != expected
                        or not all(isinstance(n, int) and n >= 0 for n in shape)):
                    raise FormatError(f"binary model header is corrupt (array {name!r})", path)
                count = int(np.prod(shape, dtype=np.int64))
                arrays[name] = np.frombuffer(mapped, dtype=dtype, count=count, offset=offset).reshape(shape)
                expected = _aligned(offset + count * dtype.itemsize)
            if expected != size or not isinstance(header["info"], dict):
                raise FormatError("binary model header is corrupt (array layout)", path)
            info = _Checked("header entry", path, header["info"])
        except (ValueError, KeyError, TypeError, SyntaxError) as exc:  # numpy parses dtype text
            raise FormatError(f"binary model header is corrupt ({exc})", path) from None
    return info, arrays


class _Checked(dict):
    """A header's entries or arrays by name: a name the file lacks (its header damaged) is a
    FormatError, not a KeyError from deep inside a reader."""

    def __init__(self, what, path, entries=()):
        super().__init__(entries)
        self.what = what
        self.path = path

    def __missing__(self, name):
        raise FormatError(f"binary model lacks its {self.what} {name!r} (corrupt header)", self.path)


class _Arrays(_Checked):
    """The arrays of a binary model file by name, with the CRC-32 checksums its header lists
    (None: a file written before checksums)."""

    def __init__(self, path, checksums):
        super().__init__("array", path)
        self.checksums = checksums

    def verify(self, names, required=False):
        """Check the named arrays against their checksums: a mismatch is a FormatError. A file
        without checksums passes, unless `required`."""
        if self.checksums is None:
            if required:
                raise FormatError("binary model holds no checksums to verify (written by an older ngramkit; "
                                  "rebuild it with ngramkit build-binary)", self.path)
            return
        for name in names:
            stored = self.checksums.get(name)
            if stored is None:
                raise FormatError(f"binary model lacks the checksum of its array {name!r} (corrupt header)",
                                  self.path)
            if _crc32(self[name]) != stored:
                raise FormatError(f"binary model is damaged: its array {name!r} fails its CRC-32 check", self.path)
