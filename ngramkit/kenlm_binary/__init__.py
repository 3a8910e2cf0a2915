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
from ..textio import atomic_output
from ..vocab import BOS, EOS, UNK
from . import probing, trie
from .assemble import to_model
from .layout import (
    ARRAY_TRIE,
    MAX_ORDER,
    PROBING,
    PROBING_SEARCH_VERSION,
    QUANT_TRIE,
    SANITY,
    TRIE,
    Header,
    looks_like_kenlm,
    parse_header,
    words_blob,
)

__all__ = ["is_kenlm_binary", "read_kenlm_binary", "write_kenlm_binary"]

DEFAULT_PROBING_MULTIPLIER = 1.5


def is_kenlm_binary(path):
    """Does `path` begin like a KenLM binary file (any format version)? False if unreadable."""
    try:
        with open(path, "rb") as f:
            return looks_like_kenlm(f.read(len(SANITY)))
    except OSError:
        return False


def map_file(path):
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
    data = map_file(path)
    buf = np.frombuffer(data, dtype=np.uint8)
    header = parse_header(data, path)
    if header.model_type == PROBING:
        orders, words, unk_added = probing.read(data, buf, header, path)
        quantized = False
    else:
        orders, words, unk_added, quantized = trie.read(data, buf, header, path)
    return to_model(orders, words, path, unk_added, remove_blanks=drop_blanks and not quantized)


def _checked_values(model, allow_positive, path):
    """Per order, uint32 bits of the log probabilities and backoffs as KenLM stores them on
    reading the ARPA (no backoff -> 0)."""
    probs, backoffs = [], []
    for k in range(1, model.order + 1):
        logprob = np.asarray(model.logprob[k - 1], dtype=np.float32)
        if np.isnan(logprob).any():
            raise FormatError(f"a {k}-gram's log probability is not a number", path)
        if (logprob > 0).any():
            if not allow_positive:
                raise FormatError(f"a {k}-gram has a positive log probability (build_binary -i maps them to 0)",
                                  path)
            logprob = np.where(logprob > 0, np.float32(0), logprob)
        probs.append(np.ascontiguousarray(logprob).view(np.uint32))
        if k < model.order:
            backoff = np.nan_to_num(np.asarray(model.backoff[k - 1], dtype=np.float32), nan=0.0)
            if not np.isfinite(backoff).all():
                raise FormatError(f"a {k}-gram's backoff weight is infinite", path)
            backoffs.append(np.ascontiguousarray(backoff).view(np.uint32))
        else:
            backoffs.append(None)
    return probs, backoffs


def write_kenlm_binary(model, path, layout="probing", prob_bits=None, backoff_bits=None, pointer_bits=None,
                       probing_multiplier=DEFAULT_PROBING_MULTIPLIER, unk_logprob=-100.0,
                       allow_missing_markers=False, allow_positive=False, include_vocab=True, messages=None):
    """Write `model` as a KenLM binary file, as `build_binary` writes it from `write_arpa(model)`,
    or, for a model read with `read_arpa(..., row_order=True)`, from the ARPA file read.

    layout "probing" or "trie"; prob_bits/backoff_bits quantize the trie (-q/-b; backoff_bits
    defaults to prob_bits), pointer_bits compresses its pointers (-a); probing_multiplier
    sizes the hash tables (-p); unk_logprob is `<unk>`'s log10 probability when the model has
    none (-u); allow_missing_markers accepts a model without `<s>`/`</s>` (-s), allow_positive
    maps positive log probabilities to 0 (-i); include_vocab=False leaves the words out (-v).
    messages(line) receives what build_binary would print about the model."""
    if layout not in ("probing", "trie"):
        raise UsageError(f"unknown KenLM layout {layout!r} (probing or trie)")
    if backoff_bits is not None and prob_bits is None:
        raise UsageError("backoff quantization (-b) needs probability quantization (-q)")
    if layout == "probing" and prob_bits is not None:
        raise UsageError("Quantization is only implemented in the trie data structure.")
    for name, bits in (("probability", prob_bits), ("backoff", backoff_bits), ("pointer", pointer_bits)):
        if bits is not None and not 0 <= bits <= 25:
            raise UsageError(f"{name} bit counts are limited to 25")
    if prob_bits is not None:
        backoff_bits = prob_bits if backoff_bits is None else backoff_bits
        if prob_bits == 0 or backoff_bits == 0:
            raise UsageError("You can't quantize probability or backoff to zero bits")
    if not probing_multiplier > 1.0:
        raise UsageError("probing multiplier must be > 1.0")
    if not 2 <= model.order <= MAX_ORDER:
        raise FormatError(f"KenLM binaries hold models of order 2 to {MAX_ORDER}, not {model.order}", path)
    vocab = model.vocab
    unigram_ids = np.asarray(model.ngrams[0][:, 0])
    present = set(vocab.words[i] for i in unigram_ids[np.isin(unigram_ids, [vocab.bos, vocab.eos, vocab.unk])])
    for marker in (BOS, EOS):
        if marker not in present and not allow_missing_markers:
            raise FormatError(f"the model is missing {marker} (build_binary -s allows this)", path)
    unk_added = UNK not in present
    if unk_added and messages is not None:
        messages(f"The ARPA file is missing <unk>.  Substituting log10 probability {unk_logprob:g}.")
    probs, backoffs = _checked_values(model, allow_positive, path)
    with atomic_output(path) as out:
        if layout == "probing":
            # KenLM numbers words in the order of the ARPA's 1-grams, <unk> first.
            kenlm_of = np.zeros(len(vocab), dtype=np.int64)
            ordered = model.unigrams_in_file_order()
            others = ordered[ordered != vocab.unk]
            kenlm_of[others] = np.arange(1, len(others) + 1)
            kenlm_words = [UNK] + [vocab.words[i] for i in others]
            header = Header(model.order, probing_multiplier, PROBING, include_vocab, PROBING_SEARCH_VERSION,
                            model.sizes())
            # KenLM inserts n-grams into its hash tables in the ARPA's order, which decides
            # where each lands among the keys that collide.
            ids_by_order = [kenlm_of[model.ngrams[0]]]
            for k in range(2, model.order + 1):
                rows = model.rows_in_file_order(k)
                ids_by_order.append(kenlm_of[model.ngrams[k - 1] if rows is None else model.ngrams[k - 1][rows]])
                if rows is not None:
                    probs[k - 1] = probs[k - 1][rows]
                    if backoffs[k - 1] is not None:
                        backoffs[k - 1] = backoffs[k - 1][rows]
            probing.write(out, header, kenlm_words, ids_by_order, probs, backoffs, unk_logprob, unk_added, path)
        else:
            model_type = TRIE + (QUANT_TRIE - TRIE if prob_bits is not None else 0) + (
                ARRAY_TRIE - TRIE if pointer_bits is not None else 0)
            kenlm_words = trie.write(out, model, model_type, probing_multiplier, include_vocab, probs, backoffs,
                                     (prob_bits, backoff_bits) if prob_bits is not None else None, pointer_bits,
                                     unk_logprob, unk_added, path)
        if include_vocab:
            out.write(words_blob(kenlm_words))
