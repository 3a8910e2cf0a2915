"""KenLM's `query`: score text with a model and print what KenLM's query prints, number for number.

Per word `word=id ngram_length log10p` and a tab, per sentence `Total: <log10 p> OOV: <n>`,
then the summary (perplexity with and without OOVs, OOV and token counts). Numbers are
written as KenLM writes them (double-conversion's shortest text: float32 for per-word and
per-sentence values, float64 for perplexities; exponents only below 1e-6 or from 1e21).

Word ids are KenLM's: for an ARPA file the order of its 1-grams with `<unk>` as 0 (what
KenLM's probing vocabulary gives it), for a KenLM probing binary the ids stored in it, for a
KenLM trie the rank of the word's hash (KenLM's sorted vocabulary); in an ngramkit binary
`<unk>` is 0 and the other words follow in ngramkit's (byte) order. As in KenLM, a word is
looked up by its 64-bit MurmurHash, and 0 is an unknown word; the text's bytes are taken as they
are (no encoding is checked, a byte-order mark or a NUL byte is part of a word), and an ARPA file
without `<s>` or `</s>` is refused with KenLM's message.

KenLM's quirk at the end of the input is kept: words after the last newline are scored,
printed and counted as tokens, but get no `</s>`, no `Total:` line, and their sum does not
enter the perplexity's numerator.
"""

import math
import re
import sys
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from .errors import FormatError
from .formats import format_of_file
from .jit import njit
from .kenlm_binary import map_file
from .kenlm_binary.layout import (
    MODEL_NAMES,
    PROBING,
    hash_words,
    parse_header,
    read_words,
    word_pool,
)
from .kenlm_binary.probing import Layout
from .kenlm_binary.trie_scorer import kenlm_token_ids
from .lm import KENLM_MISSING_UNK, Model
from .numfmt import format_value, put_uint
from .textio import BLANK_RUN, WORD_BYTE, iter_line_blocks, open_input, read_blocks
from .vocab import BOS, EOS, UNK

BLOCK_BYTES = 1 << 22  # text scored per compiled call
_NAN = np.frombuffer(b"NaN", dtype=np.uint8)
_INF = np.frombuffer(b"inf", dtype=np.uint8)
_TOTAL = np.frombuffer(b"Total: ", dtype=np.uint8)
_OOV = np.frombuffer(b" OOV: ", dtype=np.uint8)


class QuerySummary(NamedTuple):
    """What query's summary reports (perplexities are NaN for no tokens, as in KenLM)."""

    perplexity_including_oovs: float
    perplexity_excluding_oovs: float
    oovs: int
    tokens: int


@njit(cache=True)
def _put_shortest(digits, n_digits, point, negative, out, pos):
    """double-conversion's ToShortest layout (KenLM's flags) of the decimal 0.d1d2... * 10**point."""
    if negative:
        out[pos] = 45
        pos += 1
    exponent = point - 1
    if -6 <= exponent < 21:
        if point <= 0:
            out[pos] = 48
            out[pos + 1] = 46
            pos += 2
            for _ in range(-point):
                out[pos] = 48
                pos += 1
            for j in range(n_digits):
                out[pos] = digits[j]
                pos += 1
        else:
            for j in range(max(n_digits, point)):
                if j == point:
                    out[pos] = 46
                    pos += 1
                out[pos] = digits[j] if j < n_digits else 48
                pos += 1
        return pos
    out[pos] = digits[0]
    pos += 1
    if n_digits > 1:
        out[pos] = 46
        pos += 1
        for j in range(1, n_digits):
            out[pos] = digits[j]
            pos += 1
    out[pos] = 101  # 'e'
    pos += 1
    if exponent < 0:
        out[pos] = 45
        pos += 1
        exponent = -exponent
    return put_uint(out, pos, exponent)


@njit(cache=True)
def put_kenlm_float32(value, out, pos, scratch):
    """KenLM's text of a float32 (shortest digits that read back as the same float32)."""
    if np.isnan(value):
        for j in range(3):
            out[pos + j] = _NAN[j]
        return pos + 3
    negative = value < 0 or (value == 0 and np.signbit(value))
    if np.isinf(value):
        if negative:
            out[pos] = 45
            pos += 1
        for j in range(3):
            out[pos + j] = _INF[j]
        return pos + 3
    if value == 0:
        if negative:
            out[pos] = 45
            pos += 1
        out[pos] = 48
        return pos + 1
    # The shortest %g text, taken apart into its digits and decimal point.
    end = format_value(abs(value), 0, scratch, 0)
    digits = np.empty(12, dtype=np.uint8)
    n_digits = 0
    point = 0
    seen_point = False
    exponent = 0
    i = 0
    while i < end:
        c = scratch[i]
        if c == 46:
            seen_point = True
        elif c == 101:
            sign = -1 if scratch[i + 1] == 45 else 1
            e = 0
            for j in range(i + 2, end):
                e = e * 10 + (scratch[j] - 48)
            exponent = sign * e
            break
        elif n_digits > 0 or c != 48:
            digits[n_digits] = c
            n_digits += 1
            if not seen_point:
                point += 1
        elif seen_point:
            point -= 1  # a zero between the point and the first digit
        i += 1
    while n_digits > 1 and digits[n_digits - 1] == 48:
        n_digits -= 1
    return _put_shortest(digits, n_digits, point + exponent, negative, out, pos)


def kenlm_double_text(value):
    """KenLM's text of a float64 (the shortest digits that read back, as repr finds them)."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "-inf" if value < 0 else "inf"
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    digit_list = list(digit_tuple)
    while len(digit_list) > 1 and digit_list[-1] == 0:
        digit_list.pop()
        exponent += 1
    if digit_list == [0]:
        return "-0" if sign else "0"
    digits = np.array([48 + d for d in digit_list], dtype=np.uint8)
    out = np.empty(len(digits) + 32, dtype=np.uint8)
    end = _put_shortest(digits, len(digits), exponent + len(digits), bool(sign), out, 0)
    return out[:end].tobytes().decode("ascii")


@njit(cache=True)
def _print_block(buf, starts, ends, ids, line_start, logprob, found, score_offsets, with_eos, complete,
                 eos_id, print_word, print_line, eos_text):
    """query's output for the lines of one block: (bytes, corpus log10 sum, OOV-only sum, OOVs,
    tokens). `complete`: the last line ends in a newline (else it is KenLM's unterminated tail)."""
    n_lines = len(line_start) - 1
    n_tokens = len(starts)
    size = 64 * (n_tokens + 2 * n_lines + 1)
    for t in range(n_tokens):
        size += ends[t] - starts[t]
    out = np.empty(size, dtype=np.uint8)
    scratch = np.empty(40, dtype=np.uint8)
    pos = 0
    corpus_total = 0.0
    oov_only = 0.0
    corpus_oov = 0
    tokens = 0
    for line in range(n_lines):
        terminated = complete or line < n_lines - 1
        total = np.float32(0.0)
        oov = 0
        s = score_offsets[line]
        for t in range(line_start[line], line_start[line + 1]):
            p = logprob[s]
            if ids[t] == 0:
                oov += 1
                oov_only += p
            total = np.float32(total + p)
            if print_word:
                for j in range(starts[t], ends[t]):
                    out[pos] = buf[j]
                    pos += 1
                out[pos] = 61  # '='
                pos = put_uint(out, pos + 1, ids[t])
                out[pos] = 32
                pos = put_uint(out, pos + 1, found[s])
                out[pos] = 32
                pos = put_kenlm_float32(p, out, pos + 1, scratch)
                out[pos] = 9
                pos += 1
            tokens += 1
            s += 1
        if not terminated:
            break
        if with_eos:
            p = logprob[s]
            total = np.float32(total + p)
            tokens += 1
            if print_word:
                for j in range(len(eos_text)):
                    out[pos] = eos_text[j]
                    pos += 1
                out[pos] = 61
                pos = put_uint(out, pos + 1, eos_id)
                out[pos] = 32
                pos = put_uint(out, pos + 1, found[s])
                out[pos] = 32
                pos = put_kenlm_float32(p, out, pos + 1, scratch)
                out[pos] = 9
                pos += 1
        if print_line:
            for j in range(len(_TOTAL)):
                out[pos] = _TOTAL[j]
                pos += 1
            pos = put_kenlm_float32(total, out, pos, scratch)
            for j in range(len(_OOV)):
                out[pos] = _OOV[j]
                pos += 1
            pos = put_uint(out, pos, oov)
            out[pos] = 10
            pos += 1
        corpus_total += total
        corpus_oov += oov
    return out[:pos], corpus_total, oov_only, corpus_oov, tokens


def _arpa_unigram_words(path):
    """The words of an ARPA file's 1-gram section, in file order (KenLM numbers them so)."""
    head = bytearray()
    end_pattern = re.compile(rb"\n\\(2-grams|end\\)")
    for block, _ in iter_line_blocks(path, chunk_bytes=1 << 20):
        head += block
        found = end_pattern.search(head)
        if found:
            del head[found.start():]
            break
    start = head.find(b"\\1-grams:")
    section = bytes(head[start + len(b"\\1-grams:"):]) if start >= 0 else b""
    line = rb"(?m)^(?:" + BLANK_RUN + rb")?" + WORD_BYTE + rb"+" + BLANK_RUN + rb"(" + WORD_BYTE + rb"+)"
    return [w.decode("utf-8") for w in re.findall(line, section)]


def kenlm_vocabulary(path, model):
    """KenLM's words of the model file at `path` in KenLM id order (index 0 is `<unk>`)."""
    fmt = format_of_file(path).name
    if fmt == "kenlm":
        data = map_file(path)
        header = parse_header(data, path)
        if header.model_type == PROBING:
            # the words are stored in id order after the tables
            bound = int(np.frombuffer(data, dtype="<u4", count=2, offset=header.size)[1])
            return read_words(data, Layout(header).end, bound, path)
        # KenLM's sorted vocabulary: ids follow the hashes of the 1-grams' words, <unk> first.
        others = [w for w in model.unigrams if w != UNK]
        order = np.argsort(hash_words(*word_pool(others)), kind="stable")
        return [UNK] + [others[i] for i in order]
    if fmt == "arpa":
        return [UNK] + [w for w in _arpa_unigram_words(path) if w != UNK]
    return [UNK] + [w for w in model.unigrams if w != UNK]


def _lookup_table(words):
    """Sorted hashes of `words` and the KenLM id of each (its index in `words`)."""
    hashes = hash_words(*word_pool(words))
    order = np.argsort(hashes, kind="stable")
    return hashes[order], order.astype(np.int64)


def _text_blocks(text, flush):
    """The bytes of the text as they are (KenLM hashes a word's bytes, whatever they encode): in
    large blocks of whole lines, or with `flush` one line at a time so that each answer comes
    out as soon as its line is in."""
    with open_input(text) as stream:
        if flush:
            yield from iter(stream.readline, b"")
            return
        carry = b""
        for block in read_blocks(stream, text, BLOCK_BYTES):
            data = carry + block
            cut = data.rfind(b"\n") + 1
            carry = data[cut:]
            if cut:
                yield data[:cut]
        if carry:
            yield carry


def _perplexity(log10_sum, count):
    return 10.0 ** -(log10_sum / count) if count else math.nan


def loading_messages(path):
    """What KenLM's query prints on stderr while it loads `path`."""
    fmt = format_of_file(path).name
    if fmt == "kenlm":
        return [f"This binary file contains {MODEL_NAMES[parse_header(map_file(path), path).model_type]}."]
    if fmt == "arpa":
        scale = "".join(f"{k:->5}" for k in range(5, 101, 5))
        missing = [] if UNK in _arpa_unigram_words(path) else [
            f"The ARPA file is missing {UNK}.  Substituting log10 probability {KENLM_MISSING_UNK:g}."]
        return ["Loading the LM will be faster if you build a binary file.", f"Reading {path}", scale, *missing,
                "*" * 100]
    return []


def check_sentence_markers(path):
    """KenLM refuses an ARPA file without `<s>` or `</s>` (unless build_binary -s made a binary of it)."""
    if format_of_file(path).name != "arpa":
        return
    words = set(_arpa_unigram_words(path))
    for marker in (BOS, EOS):
        if marker not in words:
            raise FormatError(f"The ARPA file is missing {marker} and the model is configured to reject these "
                              "models.  Run build_binary -s to disable this check.", path)


def query(path, text="-", out=None, sentence_context=True, print_word=True, print_line=True,
          print_summary=True, flush=False, messages=None):
    """Score `text` (a path, "-" for stdin) with the model at `path` and write to `out` (a binary
    stream; default stdout) what KenLM's `query` writes. Without `sentence_context` (query -n)
    words are scored from the empty context and no `</s>` is added. `messages(line)` receives
    query's stderr lines about loading. Returns the QuerySummary."""
    out = sys.stdout.buffer if out is None else out
    for line in loading_messages(path) if messages is not None else ():
        messages(line)
    check_sentence_markers(path)
    model = Model(path)
    words = kenlm_vocabulary(path, model)
    hashes_sorted, ids_sorted = _lookup_table(words)
    eos_id = words.index(EOS) if EOS in words else 0
    eos_text = np.frombuffer(EOS.encode(), dtype=np.uint8)
    corpus_total = oov_only = 0.0
    corpus_oov = tokens = 0
    for block in _text_blocks(text, flush):
        buf = np.frombuffer(block, dtype=np.uint8)
        ids, starts, ends, line_start = kenlm_token_ids(buf, hashes_sorted, ids_sorted, True)
        lines = block.split(b"\n")
        complete = block.endswith(b"\n")
        if complete:
            lines.pop()
        logprob, found, _, offsets = model.full_scores_batch(lines, bos=sentence_context, eos=sentence_context)
        printed, total, oov_part, oov, n = _print_block(
            buf, starts, ends, ids, line_start, logprob, found, offsets, sentence_context, complete, eos_id,
            print_word, print_line, eos_text)
        out.write(printed.tobytes())
        if flush:
            out.flush()
        corpus_total += total
        oov_only += oov_part
        corpus_oov += oov
        tokens += n
    summary = QuerySummary(_perplexity(corpus_total, tokens),
                           _perplexity(corpus_total - oov_only, tokens - corpus_oov), corpus_oov, tokens)
    if print_summary:
        out.write((f"Perplexity including OOVs:\t{kenlm_double_text(summary.perplexity_including_oovs)}\n"
                   f"Perplexity excluding OOVs:\t{kenlm_double_text(summary.perplexity_excluding_oovs)}\n"
                   f"OOVs:\t{summary.oovs}\nTokens:\t{summary.tokens}\n").encode())
    out.flush()
    return summary
