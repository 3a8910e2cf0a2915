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
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..arpa import read_arpa, stream_arpa
from ..errors import FormatError, MissingFileError, UsageError
from ..textio import atomic_output
from ..vocab import BOS, EOS, UNK
from . import probing, trie
from .assemble import to_model
from .layout import (
    ARRAY_TRIE,
    MAX_ORDER,
    PROBING,
    QUANT_TRIE,
    SANITY,
    TRIE,
    looks_like_kenlm,
    parse_header,
    words_blob,
)

__all__ = ["arpa_to_kenlm_binary", "is_kenlm_binary", "read_kenlm_binary", "write_kenlm_binary"]

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


def _value_bits(k, order, logprob, backoff, allow_positive, path):
    """uint32 bits of k-grams' log probabilities and backoffs as KenLM stores them on reading
    the ARPA (no backoff -> 0; backoff None at the highest order)."""
    logprob = np.asarray(logprob, dtype=np.float32)
    if np.isnan(logprob).any():
        raise FormatError(f"a {k}-gram's log probability is not a number", path)
    if (logprob > 0).any():
        if not allow_positive:
            raise FormatError(f"a {k}-gram has a positive log probability (build_binary -i maps them to 0)", path)
        logprob = np.where(logprob > 0, np.float32(0), logprob)
    prob_bits = np.ascontiguousarray(logprob).view(np.uint32)
    if k == order:
        return prob_bits, None
    backoff = np.nan_to_num(np.asarray(backoff, dtype=np.float32), nan=0.0)
    if not np.isfinite(backoff).all():
        raise FormatError(f"a {k}-gram's backoff weight is infinite", path)
    return prob_bits, np.ascontiguousarray(backoff).view(np.uint32)


def _checked_values(model, allow_positive, path):
    """Per order, the value bits (`_value_bits`) of the model's n-grams."""
    values = [_value_bits(k, model.order, model.logprob[k - 1], model.backoff[k - 1] if k < model.order else None,
                          allow_positive, path) for k in range(1, model.order + 1)]
    return [p for p, _ in values], [b for _, b in values]


def _unk_added(vocab, unigram_ids, allow_missing_markers, unk_logprob, messages, path):
    """Whether `<unk>` is missing from the 1-grams (KenLM then substitutes unk_logprob, and says
    so); FormatError when `<s>` or `</s>` is, unless allow_missing_markers."""
    present = set(vocab.words[i] for i in unigram_ids[np.isin(unigram_ids, [vocab.bos, vocab.eos, vocab.unk])])
    for marker in (BOS, EOS):
        if marker not in present and not allow_missing_markers:
            raise FormatError(f"the model is missing {marker} (build_binary -s allows this)", path)
    unk_added = UNK not in present
    if unk_added and messages is not None:
        messages(f"The ARPA file is missing <unk>.  Substituting log10 probability {unk_logprob:g}.")
    return unk_added


def _checked_options(layout, prob_bits, backoff_bits, pointer_bits, probing_multiplier):
    """backoff_bits as the trie takes them; UsageError for what build_binary refuses."""
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
    return backoff_bits


def write_kenlm_binary(model, path, layout="probing", prob_bits=None, backoff_bits=None, pointer_bits=None,
                       probing_multiplier=DEFAULT_PROBING_MULTIPLIER, unk_logprob=-100.0,
                       allow_missing_markers=False, allow_positive=False, include_vocab=True, messages=None,
                       source=None, consume=False):
    """Write `model` as a KenLM binary file, as `build_binary` writes it from `write_arpa(model)`,
    or, for a model read with `read_arpa(..., row_order=True)`, from the ARPA file read.

    layout "probing" or "trie"; prob_bits/backoff_bits quantize the trie (-q/-b; backoff_bits
    defaults to prob_bits), pointer_bits compresses its pointers (-a); probing_multiplier
    sizes the hash tables (-p); unk_logprob is `<unk>`'s log10 probability when the model has
    none (-u); allow_missing_markers accepts a model without `<s>`/`</s>` (-s), allow_positive
    maps positive log probabilities to 0 (-i); include_vocab=False leaves the words out (-v).
    messages(line) receives what build_binary would print about the model; errors in the model
    name `source` (the file it was read from), or else `path`. `consume`: the trie may give back
    the model's arrays above the 1-grams as it is built, which leaves the model without them."""
    backoff_bits = _checked_options(layout, prob_bits, backoff_bits, pointer_bits, probing_multiplier)
    named = path if source is None else source
    if not 2 <= model.order <= MAX_ORDER:
        raise FormatError(f"KenLM binaries hold models of order 2 to {MAX_ORDER}, not {model.order}", named)
    vocab = model.vocab
    unk_added = _unk_added(vocab, np.asarray(model.ngrams[0][:, 0]), allow_missing_markers, unk_logprob, messages,
                           named)
    probs, backoffs = _checked_values(model, allow_positive, named)
    if layout == "probing":
        tables = probing.ProbingTables(model.sizes(), probing_multiplier, include_vocab, unk_added, unk_logprob,
                                       named)
        # KenLM inserts n-grams into its hash tables in the ARPA's order, which decides where
        # each lands among the keys that collide.
        ordered = model.unigrams_in_file_order()
        unigram_row = np.empty(len(vocab), dtype=np.int64)
        unigram_row[model.ngrams[0][:, 0]] = np.arange(model.sizes()[0])
        rows = unigram_row[ordered]
        tables.add_unigrams(vocab, ordered, probs[0][rows], backoffs[0][rows])
        for k in range(2, model.order + 1):
            rows = model.rows_in_file_order(k)
            ids, prob, backoff = model.ngrams[k - 1], probs[k - 1], backoffs[k - 1]
            if rows is not None:
                ids, prob = ids[rows], prob[rows]
                backoff = None if backoff is None else backoff[rows]
            tables.add_ngrams(k, ids, prob, backoff)
            del ids, prob, backoff
    with atomic_output(path) as out:
        if layout == "probing":
            kenlm_words = tables.write(out)
        else:
            model_type = TRIE + (QUANT_TRIE - TRIE if prob_bits is not None else 0) + (
                ARRAY_TRIE - TRIE if pointer_bits is not None else 0)
            kenlm_words = trie.write(out, model, model_type, probing_multiplier, include_vocab, probs, backoffs,
                                     (prob_bits, backoff_bits) if prob_bits is not None else None, pointer_bits,
                                     unk_logprob, unk_added, named, consume)
        if include_vocab:
            out.write(words_blob(kenlm_words))


class _ProbingSink:
    """The sink of `arpa.stream_arpa` that fills KenLM's probing tables as the ARPA is read.
    It stops the reading (the caller then reads the model) where the file is not as its header
    says: a section holding another number of n-grams, or a duplicate n-gram.

    Each run of n-grams is inserted on a thread of its own while the reader parses the next
    (one run at a time, in the file's order): the insertion is one core's work, which the
    parsing would otherwise wait for."""

    def __init__(self, path, probing_multiplier, unk_logprob, allow_missing_markers, allow_positive, include_vocab,
                 messages):
        self.path = path
        self.probing_multiplier, self.unk_logprob = probing_multiplier, unk_logprob
        self.allow_missing_markers, self.allow_positive = allow_missing_markers, allow_positive
        self.include_vocab = include_vocab
        self.messages = messages
        self.tables = None
        self.inserting = None  # the run being inserted (a future of add_ngrams)
        self.inserter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ngramkit-probing")

    def begin(self, counts, vocab):
        if not 2 <= len(counts) <= MAX_ORDER:
            return False
        self.counts, self.vocab = counts, vocab
        self.sizes = [0] * len(counts)
        probing.ProbingTables.link_kernels()
        return True

    def finish(self):
        """Whether every run went in (False: a duplicate n-gram stopped it); the inserter's
        errors are raised here. The sink takes no more runs."""
        inserted = self.inserting is None or self.inserting.result()
        self.inserting = None
        self.inserter.shutdown()
        return inserted

    def rows(self, k, ids, logprob, backoff):
        if self.inserting is not None and not self.inserting.result():
            return False
        self.inserting = None
        if k > 1 and self.sizes[k - 2] != self.counts[k - 2] or self.sizes[k - 1] + len(ids) > self.counts[k - 1]:
            return False
        order = len(self.counts)
        prob_bits, backoff_bits = _value_bits(k, order, logprob, backoff, self.allow_positive, self.path)
        if k == 1:
            words = ids[:, 0]
            if len(words) != self.counts[0]:
                return False
            unk_added = _unk_added(self.vocab, words, self.allow_missing_markers, self.unk_logprob, self.messages,
                                   self.path)
            self.tables = probing.ProbingTables(self.counts, self.probing_multiplier, self.include_vocab, unk_added,
                                                self.unk_logprob, self.path)
            self.tables.add_unigrams(self.vocab, words, prob_bits, backoff_bits)
        else:  # the reader reuses its arrays: the run goes to the inserter as copies
            self.inserting = self.inserter.submit(self.tables.add_ngrams, k, ids.copy(), prob_bits.copy(),
                                                  None if backoff_bits is None else backoff_bits, True)
        self.sizes[k - 1] += len(ids)
        return True


def arpa_to_kenlm_binary(source, path, layout="probing", probing_multiplier=DEFAULT_PROBING_MULTIPLIER,
                         unk_logprob=-100.0, allow_missing_markers=False, allow_positive=False, include_vocab=True,
                         messages=None, **trie_options):
    """Write the ARPA file `source` as a KenLM binary file, as `build_binary` does; the options
    and `messages` as for `write_kenlm_binary`.

    The probing tables are filled as the ARPA is read (`arpa.stream_arpa`), in its line order
    as KenLM fills them, so the model's own arrays are never held. Where that cannot be (a
    section holding another number of n-grams than the header gives, a duplicate n-gram, a word
    named twice), and for the trie, which sorts, the model is read first (`read_arpa`), which
    also names what is wrong."""
    options = dict(probing_multiplier=probing_multiplier, unk_logprob=unk_logprob,
                   allow_missing_markers=allow_missing_markers, allow_positive=allow_positive,
                   include_vocab=include_vocab, **trie_options)
    if layout == "probing":
        _checked_options(layout, trie_options.get("prob_bits"), trie_options.get("backoff_bits"),
                         trie_options.get("pointer_bits"), probing_multiplier)
        said = []  # said only once the tables are made: the model reader would say it again
        sink = _ProbingSink(source, probing_multiplier, unk_logprob, allow_missing_markers, allow_positive,
                            include_vocab, said.append)
        # a count's warning comes with a stop (sizes differ): the model reader gives it
        streamed = stream_arpa(source, sink, warn=lambda line: None)
        if sink.finish() and streamed and sink.sizes == list(sink.counts):
            for line in said if messages is not None else ():
                messages(line)
            with atomic_output(path) as out:
                kenlm_words = sink.tables.write(out)
                if include_vocab:
                    out.write(words_blob(kenlm_words))
            return
        del sink
    model = read_arpa(source, row_order=layout == "probing")
    write_kenlm_binary(model, path, layout, messages=messages, source=source, consume=True, **options)
