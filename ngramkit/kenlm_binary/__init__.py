"""KenLM's binary model files (format version 5, as `build_binary` writes them): reading into
and writing from `NgramModel`.

Both of KenLM's layouts are read and written: `probing` (hash tables) and `trie` (sorted
records packed to the bit), the trie also with quantized values (`-q`, `-b`) and compressed
pointers (`-a`). Every size, offset and count in a file is checked against the file's length
and against each other before compiled code walks the arrays, so a truncated or corrupt file
is a one-line FormatError.
"""

import mmap
import os

import numpy as np

from ..errors import FormatError, MissingFileError, UsageError
from . import probing, trie
from .assemble import to_model
from .layout import PROBING, SANITY, looks_like_kenlm, parse_header

__all__ = ["is_kenlm_binary", "read_kenlm_binary", "write_kenlm_binary", "BuildOptions"]


def is_kenlm_binary(path):
    """Does `path` begin like a KenLM binary file (any format version)? False if unreadable."""
    try:
        with open(path, "rb") as f:
            return looks_like_kenlm(f.read(len(SANITY)))
    except OSError:
        return False


def _map(path):
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise MissingFileError("no such file", path) from None
    except IsADirectoryError:
        raise MissingFileError("is a directory", path) from None
    except OSError as exc:
        raise MissingFileError(f"cannot open: {exc.strerror}", path) from None
    with f:
        if os.fstat(f.fileno()).st_size == 0:
            raise FormatError("not a KenLM binary file (empty)", path)
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def read_kenlm_binary(path, drop_blanks=False):
    """Read a KenLM binary file into an `NgramModel` that scores as KenLM scores the file.

    A `<unk>` KenLM gave -100 because the ARPA had none is left out (scoring gives it -100).
    Blanks, the n-grams KenLM inserts where an ARPA lacks the suffix of one of its n-grams,
    are kept: KenLM's scores depend on them (they carry context into the next word's state).
    With `drop_blanks`, the entries of an unquantized file that have exactly a blank's value
    are left out instead, which gives back the n-grams of the ARPA the file was built from.
    Zero backoffs come back as 0 (the file cannot tell 0 from no backoff)."""
    data = _map(path)
    buf = np.frombuffer(data, dtype=np.uint8)
    header = parse_header(data, path)
    if header.model_type == PROBING:
        orders, words, unk_added = probing.read(data, buf, header, path)
        quantized = False
    else:
        orders, words, unk_added, quantized = trie.read(data, buf, header, path)
    return to_model(orders, words, path, unk_added, remove_blanks=drop_blanks and not quantized)
