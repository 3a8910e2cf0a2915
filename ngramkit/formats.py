"""The registry of model file formats: how `load`, `save` and the commands read and write models.

Each format is one `ModelFormat`: its name, the file extensions that choose it, a test of a
file's first bytes, a reader (path -> NgramModel) and a writer (model, path). `load` picks the
format by content, `save` by name or extension (ARPA when nothing else fits). Adding a format is
a module with its reader and writer, and one entry in FORMATS.
"""

import os
from dataclasses import dataclass

from .errors import FormatError, UsageError


@dataclass(frozen=True)
class ModelFormat:
    name: str
    description: str
    extensions: tuple  # file name endings that choose this format for writing
    sniff: object  # first bytes -> does the file hold this format? (None: the fallback)
    read: object  # (path, **options) -> NgramModel, or None when it cannot be read back
    write: object  # (model, path, **options) -> None
    reads: tuple = ()  # the options of reading text models (_TEXT_DEFAULTS) its reader takes


def _read_arpa(path, **options):
    from .arpa import read_arpa

    return read_arpa(path, **options)


def _write_arpa(model, path, style="srilm"):
    from .arpa import write_arpa

    write_arpa(model, path, style=style)


def _sniff_ngk(head):
    from .binary import MAGIC

    return head.startswith(MAGIC)


def _write_ngk(model, path):
    """The scorer's hash tables (memory-mapped by `Model`) and the model's sorted arrays
    (memory-mapped by `load`), in one file."""
    from .binary import write_arrays
    from .lm import BINARY_KIND, scorer_arrays

    arrays, info = scorer_arrays(model)
    for k in range(model.order):
        arrays[f"model.ngrams.{k + 1}"] = model.ngrams[k]
        arrays[f"model.logprob.{k + 1}"] = model.logprob[k]
        if k < model.order - 1:
            arrays[f"model.backoff.{k + 1}"] = model.backoff[k]
    info["model"] = True
    if model.estimation is not None:
        info["estimation"] = model.estimation
    write_arrays(path, BINARY_KIND, info, arrays)


def _read_ngk(path):
    from .binary import read_arrays
    from .lm import BINARY_KIND, vocabulary_of
    from .model import NgramModel

    info, arrays = read_arrays(path, BINARY_KIND)
    if not info.get("model"):
        raise FormatError("the binary model holds only scoring tables; rebuild it with this ngramkit", path)
    order = len(info["sizes"])
    try:
        ngrams = [arrays[f"model.ngrams.{k}"] for k in range(1, order + 1)]
        logprob = [arrays[f"model.logprob.{k}"] for k in range(1, order + 1)]
        backoff = [arrays[f"model.backoff.{k}"] for k in range(1, order)]
    except KeyError as exc:
        raise FormatError(f"binary model lacks its array {exc.args[0]}", path) from None
    vocab = vocabulary_of(arrays["word_pool"], arrays["word_offsets"], path)
    for k, rows in enumerate(ngrams, start=1):
        if rows.ndim != 2 or rows.shape != (info["sizes"][k - 1], k) or len(logprob[k - 1]) != len(rows) \
                or (k < order and len(backoff[k - 1]) != len(rows)) \
                or (len(rows) and (rows.min() < 0 or rows.max() >= len(vocab))):
            raise FormatError(f"binary model's {k}-gram arrays are inconsistent", path)
    return NgramModel(vocab, ngrams, logprob, backoff, estimation=info.get("estimation"))


def _sniff_srilm_binary(head):
    from .srilm_binary import sniff

    return sniff(head)


def _read_srilm_binary(path, **options):
    from .srilm_binary import read_srilm_binary

    return read_srilm_binary(path, **options)


def _write_srilm_binary(model, path, word_order=None, meta_tag=None):
    from .srilm_binary import write_srilm_binary

    write_srilm_binary(model, path, word_order, meta_tag)


def _sniff_kenlm(head):
    from .kenlm_binary.layout import SANITY, looks_like_kenlm

    return looks_like_kenlm(head[:len(SANITY)])


def _read_kenlm(path):
    from .kenlm_binary import read_kenlm_binary

    return read_kenlm_binary(path)


def _write_kenlm(model, path, layout="probing", **options):
    from .kenlm_binary import write_kenlm_binary

    write_kenlm_binary(model, path, layout, **options)


FORMATS = (
    ModelFormat("ngk", "ngramkit binary: memory-mapped scoring tables and model arrays", (".ngk",),
                _sniff_ngk, _read_ngk, _write_ngk),
    # before kenlm: its ".bin" would take "lm.srilm.bin"
    ModelFormat("srilm-binary", "SRILM's binary LM (ngram -write-bin-lm, SRILM_BINARY_NGRAM_002)", (".srilm.bin",),
                _sniff_srilm_binary, _read_srilm_binary, _write_srilm_binary, ("vocab", "limit_vocab")),
    ModelFormat("kenlm", "KenLM binary (probing or trie, as build_binary writes it)", (".bin", ".binary", ".klm"),
                _sniff_kenlm, _read_kenlm, _write_kenlm),
    ModelFormat("arpa", "ARPA text (.gz, .bz2, .xz compress)", (".arpa", ".arpa.gz", ".arpa.bz2", ".arpa.xz"),
                None, _read_arpa, _write_arpa, ("vocab", "limit_vocab", "encoding")),
)
_FALLBACK = "arpa"
_TEXT_DEFAULTS = {"vocab": None, "limit_vocab": False, "encoding": "utf-8"}


def model_format(name):
    """The registry entry called `name`."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise UsageError(f"unknown model format {name!r}; choose from {', '.join(f.name for f in FORMATS)}",
                     option="format")


def _head(path, size=256):
    try:
        with open(path, "rb") as f:
            return f.read(size)
    except OSError:
        return b""  # stdin, or a missing file: the fallback reader reports it


def format_of_file(path):
    """The format a file holds, by its first bytes."""
    head = b"" if str(path) == "-" else _head(path)
    for fmt in FORMATS:
        if fmt.sniff is not None and fmt.sniff(head):
            return fmt
    return model_format(_FALLBACK)


def format_for_path(path, name=None):
    """The format to write `path` in: `name`, else the one its extension names, else ARPA."""
    if name is not None:
        return model_format(name)
    lower = os.fspath(path).lower()
    for fmt in FORMATS:
        if lower.endswith(fmt.extensions):
            return fmt
    return model_format(_FALLBACK)


def load(path, format=None, order=None, **options):
    """Read a model file into an NgramModel; the format from the file's content unless named.
    `order`: keep orders up to this. ARPA and SRILM's binary LM take `vocab` and `limit_vocab`
    (see arpa.read_arpa), ARPA `encoding` too."""
    fmt = model_format(format) if format is not None else format_of_file(path)
    if fmt.read is None:
        raise UsageError(f"{fmt.name} files cannot be read as models", option="format")
    vocab = options.get("vocab")
    if fmt.name != "arpa" and vocab is not None and vocab.lowercase is not None:
        raise UsageError(f"applies to ARPA files, not to {fmt.name} files like {path} (the words of a binary "
                         "model are not lowercased as it is read)", option="tolower")
    # the other binary files hold their own vocabulary: those options apply only as their defaults
    for name, value in list(options.items()):
        if name not in _TEXT_DEFAULTS or name in fmt.reads:
            continue
        if value != _TEXT_DEFAULTS[name]:
            raise UsageError(f"applies to ARPA files, not to {fmt.name} files like {path}", option=name)
        del options[name]
    if fmt.name == "arpa" and order is not None:
        options.setdefault("checked_orders", order)  # SRILM checks the counts of the orders it reads
    if fmt.name == "srilm-binary" and order is not None:
        options["order"] = order  # SRILM's reader keeps nodes below the orders it reads
    model = fmt.read(path, **options)
    return model if order is None else model.truncated(order)


def save(model, path, format=None, **options):
    """Write `model` to `path` (atomically); the format by name, else by extension."""
    fmt = format_for_path(path, format)
    fmt.write(model, path, **options)
    return fmt
