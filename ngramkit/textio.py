"""Reading and writing files: compression by extension, `-` for stdin/stdout,
UTF-8 checking with file:line errors, and outputs that appear only when complete.

Text is handed on as UTF-8: UTF-8 is checked, another named encoding is decoded and re-encoded,
and the encoding `bytes` (SRILM's way) passes the bytes on unchecked, words being whatever lies
between blanks. In every encoding, a UTF-8 byte-order mark at the start of a file is dropped and
a file that starts with a UTF-16 byte-order mark is decoded from UTF-16, as SRILM's reader does.
"""

import bz2
import codecs
import contextlib
import gzip
import io
import itertools
import lzma
import os
import re
import sys
import tempfile
import zlib

from .constants import WORD_SEPARATORS
from .errors import (
    EncodingError,
    FormatError,
    MissingFileError,
    NgramkitError,
    OutputError,
    UsageError,
)

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}

CHUNK_BYTES = 1 << 24

BYTES = "bytes"  # the encoding that keeps words as the file's bytes
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# patterns of what a word is made of and of the blanks between words in a line (WORD_SEPARATORS)
WORD_BYTE = rb"[^" + re.escape(WORD_SEPARATORS) + rb"]"
BLANK_RUN = rb"[" + re.escape(WORD_SEPARATORS.replace(b"\n", b"")) + rb"]+"
_BLANKS = re.compile(BLANK_RUN.decode())
_ISSPACE = " \t\r\v\f"  # C's isspace, within a line

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


def _check_encoding(encoding, allow_bytes, path):
    """Refuse the encoding `bytes` where text must be characters (segmentation, normalisation)."""
    if encoding == BYTES and not allow_bytes:
        raise UsageError("the encoding 'bytes' keeps words as raw bytes, but this needs characters: "
                         "name the text's encoding (e.g. utf-8, gbk, latin-1)", path, option="encoding")


def iter_line_blocks(path, encoding="utf-8", chunk_bytes=CHUNK_BYTES, byte_range=None, allow_bytes=False):
    """Yield (utf8_bytes, first_line_number) blocks of whole lines.

    Each block ends at a line end (the last may not). The bytes are checked to be
    valid in `encoding` and handed on as UTF-8; a bad byte raises an error naming
    the file and line. NUL bytes are refused the same way. The encoding `bytes`
    hands the bytes on as they are; only callers that treat words as byte strings
    pass allow_bytes. A leading byte-order mark is handled as the module says.

    byte_range=(start, end), for an uncompressed file: only the lines that start
    in [start, end), so that ranges that tile a file read every line once. Line
    numbers then count from the range (see absolute_line_numbers).
    """
    _check_encoding(encoding, allow_bytes, path)
    line_no = 1
    carry = b""
    with open_input(path) as stream:
        if byte_range is not None:
            line_no, blocks = _range_blocks(stream, path, chunk_bytes, *byte_range)
        else:
            blocks = read_blocks(stream, path, chunk_bytes)
        if byte_range is None or byte_range[0] == 0:
            blocks, encoding = _after_byte_order_mark(blocks, path, encoding)
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


def _after_byte_order_mark(blocks, path, encoding):
    """(blocks, encoding) of a file's text after its byte-order mark: a UTF-8 mark is dropped;
    after a UTF-16 mark the blocks are the text decoded and re-encoded as UTF-8 (SRILM 1.7.3
    converts such files too, but garbles lines longer than a few dozen bytes)."""
    head = b""
    for block in blocks:
        head += block
        if len(head) >= len(_UTF8_BOM):
            break
    if head.startswith(_UTF8_BOM):
        head = head[len(_UTF8_BOM):]
    elif head[:2] in _UTF16_BOMS:
        codec = "utf-16-le" if head[:2] == codecs.BOM_UTF16_LE else "utf-16-be"
        return _decoded_as_utf8(itertools.chain([head[2:]], blocks), path, codec), "utf-8"
    return itertools.chain([head] if head else [], blocks), encoding


def _decoded_as_utf8(blocks, path, codec):
    decoder = codecs.getincrementaldecoder(codec)()
    line = 1
    try:
        for block in blocks:
            text = decoder.decode(block)
            line += text.count("\n")
            yield text.encode("utf-8")
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        line += exc.object[:exc.start].decode(codec, "replace").count("\n")
        raise EncodingError(f"invalid {codec.upper()} ({exc.reason})", path, line) from None


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
    """Byte ranges tiling an uncompressed file, for reading it in parallel; None if compressed
    or UTF-16 (whose pieces cannot be cut at byte newlines)."""
    if _opener(path) is not open or str(path) == "-":
        return None
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            if f.read(2) in _UTF16_BOMS:
                return None
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
    if encoding == BYTES:
        return block
    try:
        text = block.decode(encoding)
    except UnicodeDecodeError as exc:
        _bad_encoding(block, exc, path, first_line, encoding)
    except LookupError:
        raise EncodingError(f"unknown encoding {encoding!r}", path) from None
    return block if encoding == "utf-8" else text.encode("utf-8")


def word_text(raw):
    """The str that stands for the bytes `raw` of words: UTF-8 decoded, and any byte that is not
    part of valid UTF-8 (text read with the encoding `bytes`) kept as its surrogate escape
    U+DC80 + byte, as os.fsdecode does; word_bytes gives the bytes back unchanged."""
    return raw.decode("utf-8", "surrogateescape")


def word_bytes(text):
    """The bytes of words held as word_text makes them."""
    return text.encode("utf-8", "surrogateescape")


def split_words(line):
    """The words of a line: what lies between blanks (space, tab, CR), as in counting; none in a
    line of C's isspace only, which SRILM's File::getline passes over."""
    words = [word for word in _BLANKS.split(line) if word]
    return words if not words or line.strip(_ISSPACE) else []


def is_blank_line(line):
    """Is `line` (no newline) one SRILM's File::getline passes over as blank (C's isspace only)?"""
    return not line.strip(_ISSPACE)


def iter_lines(path, encoding="utf-8", allow_bytes=False):
    """Yield (line_number, text) for small files such as vocabularies and symbol tables.

    Lines end at newlines only; a CR before one stays (a blank to split_words). Text read with
    the encoding `bytes` (allow_bytes) comes as word_text makes it."""
    for block, first in iter_line_blocks(path, encoding, allow_bytes=allow_bytes):
        lines = block.split(b"\n")
        if not lines[-1]:
            lines.pop()
        for offset, line in enumerate(lines):
            yield first + offset, word_text(line)


def getline_lines(path, encoding="utf-8", allow_bytes=False):
    """iter_lines without the lines SRILM's File::getline passes over: blank ones (C's isspace
    only) and ## comments."""
    return ((line_no, line) for line_no, line in iter_lines(path, encoding, allow_bytes)
            if not is_blank_line(line) and not line.startswith("##"))


def _text_stream(binary):
    # surrogate escapes (words of text read as bytes) go out as the bytes they stand for
    return io.TextIOWrapper(binary, encoding="utf-8", errors="surrogateescape", newline="\n")


def _stdout_text():
    if getattr(sys.stdout, "buffer", None) is None:
        return sys.stdout
    sys.stdout.flush()
    return _text_stream(sys.stdout.buffer)


_held = None  # while outputs are held (held_outputs): the finished ones, (temporary file, path)


@contextlib.contextmanager
def held_outputs():
    """Within it, a file atomic_output finishes appears at its path only when the block ends
    without an error (SRILM's ngram-count writes its files once its estimate succeeds); an error
    removes them all."""
    global _held
    outer, _held = _held, []
    try:
        yield
    except BaseException:
        for tmp, _ in _held:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    else:
        for tmp, path in _held:
            try:
                os.replace(tmp, path)
            except OSError as err:
                raise OutputError(f"cannot write: {err.strerror or err}", path) from None
    finally:
        _held = outer


class AtomicOutput:
    """A file that appears at `path` only if writing it completes.

    Writes go to a temporary file in the same directory, renamed over `path` on
    success (at the end of held_outputs, within it) and removed on any failure. `-`
    writes to stdout. A `.gz`, `.bz2` or `.xz` name compresses.
    """

    def __init__(self, path, text=False):
        self.path = str(path)
        self.text = text
        self._tmp = None
        self._raw = None
        self.stream = None

    def __enter__(self):
        if self.path == "-":
            self.stream = _stdout_text() if self.text else sys.stdout.buffer
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
        self.stream = _text_stream(binary) if self.text else binary
        return self.stream

    def __exit__(self, exc_type, exc, tb):
        if self.path == "-":
            try:
                self.stream.flush()
            except BrokenPipeError:
                pass
            if self.stream is not sys.stdout and isinstance(self.stream, io.TextIOWrapper):
                self.stream.detach()  # stdout's own buffer stays open
            return False
        try:
            if exc_type is None:
                try:
                    self.stream.close()
                    if not self._raw.closed:
                        self._raw.close()
                    if _held is None:
                        os.replace(self._tmp, self.path)
                    else:
                        _held.append((self._tmp, self.path))
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


# lines that SRILM's File::getline passes over: blank ones (C's isspace) and ## comments
_SKIPPED_LINE = re.compile(rb"^(?:[ \t\v\f\r]*|##[^\n]*)\n", re.MULTILINE)
# the skipped lines the tokenizers would not pass over: ## comments, and blank lines holding a
# form feed or vertical tab (a word's byte elsewhere in a line)
_UNSEEN_SKIPPED_LINE = re.compile(rb"^(?:##[^\n]*|[ \t\v\f\r]*[\v\f][ \t\v\f\r]*)$", re.MULTILINE)


def blank_skipped_lines(block):
    """`block` (whole lines) with each line that SRILM's File::getline passes over (a ## comment,
    a line of C's isspace only) turned into spaces, which the tokenizers pass over as a blank
    line; every other byte stays where it was."""
    if b"##" not in block and b"\v" not in block and b"\f" not in block:
        return block
    return _UNSEEN_SKIPPED_LINE.sub(lambda match: b" " * len(match.group()), block)


def copy_text_lines(paths, out_path):
    """The lines of the text files `paths` as SRILM reads them (no blank lines nor ## comments),
    byte for byte, to `out_path` (ngram-count's -write-text)."""
    with atomic_output(out_path) as out:
        for path in paths:
            rest = b""
            with open_input(path) as stream:
                for block in read_blocks(stream, path):
                    block = rest + block
                    cut = block.rfind(b"\n") + 1
                    rest = block[cut:]
                    out.write(_SKIPPED_LINE.sub(b"", block[:cut]))
            if not _SKIPPED_LINE.fullmatch(rest + b"\n"):
                out.write(rest)
