"""Reading and writing files: compression by extension, `-` for stdin/stdout,
UTF-8 checking with file:line errors, and outputs that appear only when complete."""

import bz2
import contextlib
import gzip
import io
import lzma
import os
import sys
import tempfile
import zlib

from .errors import (
    EncodingError,
    FormatError,
    MissingFileError,
    NgramkitError,
    OutputError,
)

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}

CHUNK_BYTES = 1 << 24

_UMASK = os.umask(0)
os.umask(_UMASK)


def _opener(path):
    for ext, opener in _OPENERS.items():
        if str(path).endswith(ext):
            return opener
    return open


def open_input(path):
    """Binary stream of a plain or compressed file, or stdin for `-`."""
    if str(path) == "-":
        return contextlib.nullcontext(sys.stdin.buffer)
    try:
        return _opener(path)(path, "rb")
    except FileNotFoundError:
        raise MissingFileError("no such file", path) from None
    except IsADirectoryError:
        raise MissingFileError("is a directory, not a file", path) from None
    except PermissionError:
        raise MissingFileError("permission denied", path) from None


def read_blocks(stream, path, chunk_bytes=CHUNK_BYTES):
    """Yield raw blocks of `stream`, turning decompression failures into clean errors."""
    try:
        while True:
            block = stream.read(chunk_bytes)
            if not block:
                return
            yield block
    except (EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
        raise FormatError(f"cannot read compressed data ({exc})", path) from None


def _bad_encoding(block, exc, path, first_line, encoding):
    line = first_line + block.count(b"\n", 0, exc.start)
    raise EncodingError(
        f"invalid {encoding} byte 0x{block[exc.start]:02x} (use --encoding to read other encodings)",
        path,
        line,
    ) from None


def iter_line_blocks(path, encoding="utf-8", chunk_bytes=CHUNK_BYTES, byte_range=None):
    """Yield (utf8_bytes, first_line_number) blocks of whole lines.

    Each block ends at a line end (the last may not). The bytes are checked to be
    valid in `encoding` and handed on as UTF-8; a bad byte raises an error naming
    the file and line. NUL bytes are refused the same way.

    byte_range=(start, end), for an uncompressed file: only the lines that start
    in [start, end), so that ranges that tile a file read every line once. Line
    numbers then count from the range (see absolute_line_numbers).
    """
    line_no = 1
    carry = b""
    with open_input(path) as stream:
        if byte_range is not None:
            line_no, blocks = _range_blocks(stream, path, chunk_bytes, *byte_range)
        else:
            blocks = read_blocks(stream, path, chunk_bytes)
        pending = None
        for block in blocks:
            data = carry + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            carry = data[cut:]
            if pending is not None:
                yield pending
            pending = (_checked(data[:cut], path, line_no, encoding), line_no)
            line_no += data.count(b"\n", 0, cut)
        if carry:
            if pending is not None:
                yield pending
            pending = (_checked(carry, path, line_no, encoding), line_no)
        if pending is not None:
            yield pending


def _range_blocks(stream, path, chunk_bytes, start, end):
    """(1, blocks) of the lines starting in [start, end). Line numbers count from the
    range's first line; iter_line_blocks makes them absolute if an error needs one."""
    if start > 0:
        stream.seek(start - 1)
        if stream.read(1) != b"\n":
            stream.readline()  # this line started before `start`: the previous range reads it
    begin = stream.tell()

    def blocks():
        position = begin
        while position < end:
            block = stream.read(chunk_bytes)
            if not block:
                return
            position += len(block)
            if position >= end:
                # End with the line that holds byte end-1, which starts in the range.
                cut = end - (position - len(block))
                newline = block.find(b"\n", max(cut - 1, 0))
                if newline >= 0:
                    yield block[: newline + 1]
                else:
                    yield block + stream.readline()
                return
            yield block

    return 1, blocks()


def _lines_before(path, offset):
    """Number of lines before the first line that starts at or after byte `offset`."""
    lines = 0
    last = b"\n"
    with open(path, "rb") as f:
        while offset > 0:
            block = f.read(min(CHUNK_BYTES, offset))
            if not block:
                break
            lines += block.count(b"\n")
            last = block[-1:]
            offset -= len(block)
    return lines + (last != b"\n")


@contextlib.contextmanager
def absolute_line_numbers(path, byte_range):
    """Around the reading of a byte range: an error's line number, counted from the
    range's first line, becomes the line number in the whole file."""
    try:
        yield
    except NgramkitError as exc:
        if exc.line is not None and byte_range is not None and byte_range[0] > 0:
            exc.line += _lines_before(path, byte_range[0])
        raise


def split_byte_ranges(path, parts):
    """Byte ranges tiling an uncompressed file, for reading it in parallel; None if compressed."""
    if _opener(path) is not open or str(path) == "-":
        return None
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        raise MissingFileError("no such file", path) from None
    step = max(1, -(-size // parts))
    return [(s, min(s + step, size)) for s in range(0, size, step)] or [(0, 0)]


def _checked(block, path, first_line, encoding):
    nul = block.find(b"\x00")
    if nul >= 0:
        raise EncodingError(
            "NUL byte in text", path, first_line + block.count(b"\n", 0, nul)
        )
    try:
        text = block.decode(encoding)
    except UnicodeDecodeError as exc:
        _bad_encoding(block, exc, path, first_line, encoding)
    except LookupError:
        raise EncodingError(f"unknown encoding {encoding!r}", path) from None
    return block if encoding == "utf-8" else text.encode("utf-8")


def iter_lines(path, encoding="utf-8"):
    """Yield (line_number, text) for small files such as vocabularies and symbol tables."""
    for block, first in iter_line_blocks(path, encoding):
        for offset, line in enumerate(block.decode("utf-8").splitlines()):
            yield first + offset, line


class AtomicOutput:
    """A file that appears at `path` only if writing it completes.

    Writes go to a temporary file in the same directory, renamed over `path` on
    success and removed on any failure. `-` writes to stdout. A `.gz`, `.bz2` or
    `.xz` name compresses.
    """

    def __init__(self, path, text=False):
        self.path = str(path)
        self.text = text
        self._tmp = None
        self._raw = None
        self.stream = None

    def __enter__(self):
        if self.path == "-":
            self.stream = sys.stdout if self.text else sys.stdout.buffer
            return self.stream
        directory = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(directory):
            raise OutputError("cannot write: directory does not exist", self.path)
        try:
            fd, self._tmp = tempfile.mkstemp(
                prefix="." + os.path.basename(self.path) + ".", suffix=".tmp", dir=directory
            )
        except OSError as exc:
            raise OutputError(f"cannot write: {exc.strerror}", self.path) from None
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file a normal file's mode
        self._raw = os.fdopen(fd, "wb")
        opener = _opener(self.path)
        if opener is gzip.open:
            binary = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0)
        elif opener is open:
            binary = self._raw
        else:
            binary = opener(self._raw, "wb")
        self.stream = io.TextIOWrapper(binary, encoding="utf-8", newline="\n") if self.text else binary
        return self.stream

    def __exit__(self, exc_type, exc, tb):
        if self.path == "-":
            try:
                self.stream.flush()
            except BrokenPipeError:
                pass
            return False
        try:
            if exc_type is None:
                try:
                    self.stream.close()
                    if not self._raw.closed:
                        self._raw.close()
                    os.replace(self._tmp, self.path)
                    self._tmp = None
                except OSError as err:
                    raise OutputError(f"cannot write: {err.strerror or err}", self.path) from None
            elif issubclass(exc_type, OSError) and not isinstance(exc, NgramkitError):
                raise OutputError(f"cannot write: {exc.strerror or exc}", self.path) from None
        finally:
            if self._tmp is not None:
                for f in (self.stream, self._raw):
                    try:
                        f.close()
                    except Exception:
                        pass
                with contextlib.suppress(OSError):
                    os.unlink(self._tmp)
        return False


def atomic_output(path, text=False):
    return AtomicOutput(path, text=text)
