"""Class-based n-gram models as SRILM makes and uses them.

A class LM is an `NgramModel` over tokens that are class names or words, plus a class
membership table (SRILM's classes file: `CLASS [p] word ...` lines, see classes-format(5)).

- `load_classes` reads a classes file into `ClassDefinitions`.
- `replace_words_with_classes` rewrites text with class names, as SRILM's
  `replace-words-with-classes` script does (longest expansion first, left to right).
- `ClassModel` scores text as `ngram -classes` does: by default with SRILM's ClassNgram, a
  forward pass over the ways the words can be read as classes or as themselves (the class
  LM's probabilities times the membership probabilities, summed); with `simple=True` as
  SimpleClassNgram, each word replaced by its only class. Its reports are the perplexity
  module's `PerplexityReport`/`TextStats`, and `-debug 1/2` text is written by that module's
  writer (at debug 2 each word shows one n-gram tag per path of the forward pass).
- `ClassModel.expand` is `ngram -expand-classes N`: the equivalent word n-gram model.

The forward pass keeps SRILM's arithmetic: float32 log probabilities summed with
`AddLogP` in double, and the states of a position visited in the order of SRILM's hash
table (its LHash, keyed by SRILM's vocabulary indices), which fixes both the order of the
debug-2 tags and the rounding of each sum.
"""

import math
import re
import sys
from dataclasses import dataclass

import numpy as np

from .constants import LN10, LOG_ZERO
from .errors import FormatError, UsageError
from .jit import njit
from .estimate.lookup import find_rows
from .model import NgramModel
from .numfmt import ascii_bytes, format_g, put_bytes, put_text, put_uint
from .perplexity import PerplexityScorer, TextStats, _format_debug, _ppl_block, _sentence_span
from .renorm import chain_logprob, recompute_backoffs
from .scoring import ScoringTables, WordTable, _extend, _find, tokenize_lines, unigram_key
from .textio import atomic_output, iter_line_blocks, iter_lines
from .vocab import BOS, EOS, UNK, Vocabulary

PAUSE = "-pau-"  # a word of every SRILM vocabulary (index 3), a non-event

# A C `sscanf("%lf")` prefix: SRILM takes a class line's second field as the expansion
# probability whenever it starts with a number.
_C_DOUBLE_PREFIX = re.compile(
    r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)", re.IGNORECASE)
# replace-words-with-classes (a gawk script) takes it only when the whole field looks numeric.
_GAWK_NUMBER = re.compile(r"[-+0-9.][-+0-9e.]*")


@dataclass
class ClassDefinitions:
    """The lines of a classes file, in file order: line i expands class `classes[i]` into the
    words `expansions[i]` with probability `probs[i]` (1 when the line gives none)."""

    classes: list
    probs: np.ndarray
    expansions: list
    path: object = None

    def names(self):
        """Class names in order of first appearance."""
        return list(dict.fromkeys(self.classes))

    def words(self):
        """Words of the expansions in order of first appearance."""
        return list(dict.fromkeys(w for e in self.expansions for w in e))

    def single_word(self):
        """True when every expansion is one word (what ngram-class makes)."""
        return all(len(e) == 1 for e in self.expansions)


def _read_class_lines(path, gawk_numbers):
    classes, probs, expansions = [], [], []
    for line_no, line in iter_lines(path):
        fields = line.split()
        if not fields:
            continue
        prob, first = 1.0, 1
        if len(fields) > 1:
            if gawk_numbers:
                match = _GAWK_NUMBER.fullmatch(fields[1])
            else:
                match = _C_DOUBLE_PREFIX.match(fields[1])
            if match:
                try:
                    prob = float(match.group(0))
                except ValueError:
                    raise FormatError(f"bad expansion probability {fields[1]!r}", path, line_no) from None
                first = 2
        if first >= len(fields):
            raise FormatError(f"class {fields[0]}: expansion contains no words", path, line_no)
        if not gawk_numbers and not prob >= 0.0:
            raise FormatError(f"class {fields[0]}: expansion probability {fields[1]} is not a probability",
                              path, line_no)
        classes.append(fields[0])
        probs.append(prob)
        expansions.append(tuple(fields[first:]))
    return ClassDefinitions(classes, np.array(probs, dtype=np.float64), expansions, path)


def load_classes(path):
    """Read an SRILM classes file (`CLASS [p] word1 word2 ...` per line; blank lines skipped).
    A second field that starts with a number is the expansion probability, as SRILM reads it."""
    return _read_class_lines(path, gawk_numbers=False)


# ---------------------------------------------------------------------------------------------
# replace-words-with-classes

_PIPE = 124
_SPACE = 32


@njit(cache=True)
def _trie_child(trans_keys, trans_child, node, word, n_words):
    """Child of `node` along `word` in the expansion trie, or -1 (keys sorted node * n_words + word)."""
    key = np.int64(node) * n_words + word
    lo, hi = 0, len(trans_keys)
    while lo < hi:
        mid = (lo + hi) // 2
        if trans_keys[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(trans_keys) and trans_keys[lo] == key:
        return trans_child[lo]
    return -1


@njit(cache=True)
def _blank_run(buf, start, end):
    """True if buf[start:end] holds two or more blanks (space or tab) in a row: what
    `partial=1` turns into a barrier."""
    run = 0
    for i in range(start, end):
        if buf[i] == 32 or buf[i] == 9:
            run += 1
            if run >= 2:
                return True
        else:
            run = 0
    return False


@njit(cache=True)
def _replace_block(buf, ids, starts, ends, line_offsets, line_starts, line_ends, pipe_id, n_words,
                   trans_keys, trans_child, node_class, name_pool, name_offsets, class_is_pipe,
                   have_counts, partial, node_count, class_count, out):
    """Rewrite each line of a block; returns the output length. Fields are the line's words,
    with `partial` a `|` barrier for every run of two or more blanks (as the script's gsub
    makes them); the longest expansion starting at each field becomes its class."""
    pos = 0
    n_lines = len(line_offsets) - 1
    cap = 2 * (ids.shape[0] + 2 * n_lines) + 4
    f_word = np.empty(cap, dtype=np.int32)  # trie word of a field (-1: none)
    f_token = np.empty(cap, dtype=np.int64)  # token index, -1 for a barrier
    o_kind = np.empty(cap, dtype=np.int64)  # output: >= 0 token index, -1 barrier, <= -2 class -(c+2)
    for s in range(n_lines):
        lo, hi = line_offsets[s], line_offsets[s + 1]
        nf = 0
        if partial:
            prev_end = line_starts[s]
            for t in range(lo, hi):
                if _blank_run(buf, prev_end, starts[t]):
                    f_word[nf] = pipe_id
                    f_token[nf] = -1
                    nf += 1
                f_word[nf] = ids[t]
                f_token[nf] = t
                nf += 1
                prev_end = ends[t]
            if _blank_run(buf, prev_end, line_ends[s]):
                f_word[nf] = pipe_id
                f_token[nf] = -1
                nf += 1
        else:
            for t in range(lo, hi):
                f_word[nf] = ids[t]
                f_token[nf] = t
                nf += 1
        max_pos = nf - 1 if have_counts else nf
        no = 0
        p = 0
        while p < max_pos:
            node = 0
            best = -1
            best_len = 0
            k = 0
            # the search may run into the count field, as the script's does
            while p + k < nf and f_word[p + k] >= 0:
                node = _trie_child(trans_keys, trans_child, node, f_word[p + k], n_words)
                if node < 0:
                    break
                if node_class[node] >= 0:
                    best = node
                    best_len = k + 1
                k += 1
            if best < 0:
                o_kind[no] = f_token[p]
                p += 1
            else:
                c = node_class[best]
                o_kind[no] = -(c + 2)
                node_count[best] += 1
                class_count[c] += 1
                p += best_len
            no += 1
        line_begin = pos
        removed_pipe = False
        for i in range(no):
            kind = o_kind[i]
            if kind >= 0:
                is_pipe = ends[kind] - starts[kind] == 1 and buf[starts[kind]] == _PIPE
            elif kind == -1:
                is_pipe = True
            else:
                is_pipe = class_is_pipe[-kind - 2]
            # partial: gsub(" [|] ", " ") drops a barrier between two fields (not right after
            # another dropped one, whose space it consumed)
            if partial and is_pipe and 0 < i < no - 1 and not removed_pipe:
                removed_pipe = True
                continue
            removed_pipe = False
            if i > 0:
                out[pos] = _SPACE
                pos += 1
            if kind >= 0:
                pos = put_bytes(out, pos, buf, starts[kind], ends[kind])
            elif kind == -1:
                out[pos] = _PIPE
                pos += 1
            else:
                c = -kind - 2
                pos = put_bytes(out, pos, name_pool, name_offsets[c], name_offsets[c + 1])
        if partial and pos > line_begin:
            # sub("^[|]", " ") and sub("[|]$", " ")
            if out[line_begin] == _PIPE:
                out[line_begin] = _SPACE
            if out[pos - 1] == _PIPE:
                out[pos - 1] = _SPACE
        if have_counts:
            out[pos] = _SPACE
            pos += 1
            if nf > 0:
                t = f_token[nf - 1]
                if t >= 0:
                    pos = put_bytes(out, pos, buf, starts[t], ends[t])
                else:
                    out[pos] = _PIPE
                    pos += 1
            else:
                pos = put_bytes(out, pos, buf, line_starts[s], line_ends[s])
        out[pos] = 10
        pos += 1
    return pos


def _awk_number(value):
    """A number as gawk prints it: integers whole, others with OFMT %.6g."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e16 else f"{value:.6g}"


def _awk_true(value):
    """gawk's truth of a command-line assignment (a numeric string is true when nonzero)."""
    if value is None:
        return False
    if _GAWK_NUMBER.fullmatch(value.strip()):
        try:
            return float(value) != 0
        except ValueError:
            pass
    return value != ""


class ClassReplacer:
    """SRILM's replace-words-with-classes over texts: the expansion trie of a classes file.
    When two lines expand to the same words, the first line's class is used."""

    def __init__(self, classes_path):
        self.definitions = _read_class_lines(classes_path, gawk_numbers=True)
        d = self.definitions
        names = d.names()
        class_index = {name: i for i, name in enumerate(names)}
        words = sorted(set(d.words()) | {"|"})
        self.vocab = Vocabulary(words)
        self.words = WordTable.from_vocab(self.vocab)
        n_words = len(self.vocab)
        children = {}
        node_class = [-1]
        self.expansion_node = []
        for cls, expansion in zip(d.classes, d.expansions):
            node = 0
            for w in expansion:
                key = (node, self.vocab.index[w])
                if key not in children:
                    children[key] = len(node_class)
                    node_class.append(-1)
                node = children[key]
            if node_class[node] < 0:
                node_class[node] = class_index[cls]
            self.expansion_node.append(node)
        keys = np.array(sorted(n * n_words + w for n, w in children), dtype=np.int64)
        by_key = {n * n_words + w: c for (n, w), c in children.items()}
        self.trans_keys = keys
        self.trans_child = np.array([by_key[int(k)] for k in keys], dtype=np.int64)
        self.node_class = np.array(node_class, dtype=np.int64)
        self.names = names
        encoded = [n.encode("utf-8") for n in names]
        self.name_offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=self.name_offsets[1:])
        self.name_pool = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
        self.class_is_pipe = np.array([n == "|" for n in names], dtype=np.bool_)
        self.max_name = max((len(e) for e in encoded), default=1)
        self.node_count = np.zeros(len(node_class), dtype=np.int64)
        self.class_count = np.zeros(len(names), dtype=np.int64)

    def replace(self, path, out, have_counts=False, partial=False):
        """Write the rewritten lines of `path` to the binary stream `out`; returns the lines read."""
        lines = 0
        n_words = np.int64(len(self.vocab))
        pipe_id = self.vocab.index["|"]
        for block, _ in iter_line_blocks(path):
            buf = np.frombuffer(block, dtype=np.uint8)
            ids, starts, ends, line_offsets = tokenize_lines(buf, *self.words.arrays(), -1, True)
            newlines = np.flatnonzero(buf == 10)
            n_lines = len(line_offsets) - 1
            line_starts = np.zeros(n_lines, dtype=np.int64)
            line_starts[1:] = newlines[:n_lines - 1] + 1
            line_ends = np.full(n_lines, len(buf), dtype=np.int64)
            line_ends[:min(n_lines, len(newlines))] = newlines[:n_lines]
            size = len(buf) + (len(ids) + 2 * n_lines + 2) * (self.max_name + 4) + 2 * len(buf)
            output = np.empty(size, dtype=np.uint8)
            used = _replace_block(buf, ids, starts, ends, line_offsets, line_starts, line_ends, pipe_id,
                                  n_words, self.trans_keys, self.trans_child, self.node_class,
                                  self.name_pool, self.name_offsets, self.class_is_pipe, have_counts,
                                  partial, self.node_count, self.class_count, output)
            out.write(output[:used].tobytes())
            lines += n_lines
        return lines

    def write_expansion_counts(self, path, normalize=True, addone=1.0):
        """The script's `outfile=`: each expansion with its relative frequency in the texts
        replaced so far, (count + addone) / (class count + expansions * addone), or with
        normalize off its count; classes in order of first appearance."""
        d = self.definitions
        lines_of = {}
        for i, cls in enumerate(d.classes):
            lines_of.setdefault(cls, []).append(i)
        with atomic_output(path, text=True) as out:
            for c, cls in enumerate(self.names):
                rows = lines_of[cls]
                total = int(self.class_count[c])
                for i in rows:
                    count = int(self.node_count[self.expansion_node[i]])
                    if normalize:
                        denom = total + len(rows) * addone
                        value = 0 if denom == 0 else (count + addone) / denom
                    else:
                        value = count
                    out.write(f"{cls} {_awk_number(value)} {' '.join(d.expansions[i])}\n")


def replace_words_with_classes(classes_path, texts, out, have_counts=False, partial=False,
                               counts_path=None, normalize=True, addone=1.0, log=sys.stderr):
    """replace-words-with-classes: rewrite `texts` (paths, `-` for stdin) to the binary stream
    `out`, each longest class expansion replaced by its class name; with `have_counts` each
    line's last field (a count) is left alone; with `partial` runs of two or more blanks block
    multi-word expansions. `counts_path`: where to write the expansion counts. Prints the
    script's `read N class expansions` to `log` once the first line is read."""
    replacer = None
    for path in texts:
        for block, _ in iter_line_blocks(path):
            if block:
                break
        else:
            continue
        if replacer is None:
            replacer = ClassReplacer(classes_path)
            print(f"read {len(replacer.definitions.classes)} class expansions", file=log)
        replacer.replace(path, out, have_counts, partial)
    if counts_path and replacer is not None:
        replacer.write_expansion_counts(counts_path, normalize, addone)
    return replacer


# ---------------------------------------------------------------------------------------------
# Class LM scoring (SRILM's ClassNgram and SimpleClassNgram)

_HASH_MULT = np.uint64(1103515245)
_HASH_ADD = np.uint64(12345)
_MIN_HASH_BITS = 3  # SRILM's LHash searches smaller tables linearly, in insertion order


@njit(cache=True, inline="always")
def _lhash_key(i, bits):
    """SRILM's LHash_hashKey of an unsigned integer for a table of 2**bits slots."""
    h = (np.uint64(i) * _HASH_MULT + _HASH_ADD) >> np.uint64(30 - bits)
    return np.int64(h & np.uint64((1 << bits) - 1))


@njit(cache=True)
def _state_hash(ctx, length, expansion, srilm_index, bits):
    """LHash slot of a forward-pass state: SRILM hashes the context's vocabulary indices (newest
    first) and adds the hash of the (empty) rest of a class expansion, if the state has one."""
    i = np.uint32(0)
    for j in range(length):
        i = np.uint32(i + (i << np.uint32(12)) + np.uint32(srilm_index[ctx[j]]))
    h = _lhash_key(i, bits)
    if expansion >= 0:
        h += _lhash_key(np.uint32(0), bits)
    return h & ((1 << bits) - 1)


@njit(cache=True)
def _round_size(n):
    return n if n < (1 << _MIN_HASH_BITS) else int(np.float32(n + 1) / np.float32(0.8))


@njit(cache=True)
def _same_state(ctx, lens, exps, s, new_ctx, new_len, new_exp):
    if lens[s] != new_len or exps[s] != new_exp:
        return False
    for j in range(new_len):
        if ctx[s, j] != new_ctx[j]:
            return False
    return True


@njit(cache=True)
def _locate(slots, bits, n, ctx, lens, exps, new_ctx, new_len, new_exp, srilm_index):
    """(slot, found) of a state in an LHash of 2**bits slots holding n states."""
    if bits < _MIN_HASH_BITS:
        for i in range(n):
            if _same_state(ctx, lens, exps, slots[i], new_ctx, new_len, new_exp):
                return i, True
        return n, False
    mask = (1 << bits) - 1
    i = _state_hash(new_ctx, new_len, new_exp, srilm_index, bits)
    while True:
        s = slots[i]
        if s < 0:
            return i, False
        if _same_state(ctx, lens, exps, s, new_ctx, new_len, new_exp):
            return i, True
        i = (i + 1) & mask


@njit(cache=True)
def _insert(slots, bits, n, ctx, lens, exps, new_ctx, new_len, new_exp, srilm_index):
    """Find or insert a state as SRILM's LHash::insert does, growing and rehashing the slot
    table alike; returns (slots, bits, state index, found). New states get index n."""
    slot, found = _locate(slots, bits, n, ctx, lens, exps, new_ctx, new_len, new_exp, srilm_index)
    if found:
        return slots, bits, slots[slot], True
    min_size = _round_size(n + 1)
    if min_size > (1 << bits):
        new_bits = 0
        while (1 << new_bits) < min_size:
            new_bits += 1
        grown = np.full(1 << new_bits, -1, dtype=np.int64)
        if new_bits < _MIN_HASH_BITS:
            grown[:n] = slots[:n]
        else:
            for i in range(1 << bits):
                s = slots[i]
                if s >= 0:
                    j, _ = _locate(grown, new_bits, n, ctx, lens, exps, ctx[s], lens[s], exps[s], srilm_index)
                    grown[j] = s
        slots, bits = grown, new_bits
        slot, _ = _locate(slots, bits, n, ctx, lens, exps, new_ctx, new_len, new_exp, srilm_index)
    slots[slot] = n
    return slots, bits, n, False


@njit(cache=True, inline="always")
def _add_logp(x, y):
    """SRILM's AddLogP in double."""
    if x < y:
        x, y = y, x
    if y == -np.inf:
        return x
    return x + math.log10(1.0 + math.exp((y - x) * LN10))


@njit(cache=True)
def _ngram_key(ctx, length, word):
    """Table key of the n-gram ctx[length-1] .. ctx[0] (then `word` if >= 0)."""
    key = unigram_key(ctx[length - 1])
    for j in range(length - 2, -1, -1):
        key = _extend(key, ctx[j])
    if word >= 0:
        key = _extend(key, word)
    return key


@njit(cache=True)
def _context_node(c_uni, c_meta, c_entries, c_values, ctx, length):
    """(exists, backoff weight) of the context ctx[0..length) (newest first): SRILM has a context
    node for each n-gram line with a backoff weight."""
    if length == 1:
        b = c_uni[ctx[0]]
        return not np.isnan(b), b
    if length >= c_meta.shape[0]:
        return False, np.float32(0.0)
    offset = c_meta[length, 0]
    slot = _find(c_entries, offset, c_meta[length, 1], _ngram_key(ctx, length, -1))
    if slot < 0:
        return False, np.float32(0.0)
    return True, c_values[offset + slot, 2]


@njit(cache=True)
def _word_prob(p_uni, p_meta, p_entries, p_values, c_uni, c_meta, c_entries, c_values, ctx, length, word):
    """SRILM's Ngram::wordProbBO: (float32 log10 p, matched n-gram length, 0: none)."""
    order = p_meta.shape[0] - 1
    clen = min(length, order - 1)
    logp = np.float32(-np.inf)
    bow = np.float32(0.0)
    found = 0
    p = p_uni[word]
    if not np.isnan(p):
        logp = p
        found = 1
    for level in range(1, clen + 1):
        exists, b = _context_node(c_uni, c_meta, c_entries, c_values, ctx, level)
        if not exists:
            break
        bow = np.float32(bow + b)
        offset = p_meta[level + 1, 0]
        slot = _find(p_entries, offset, p_meta[level + 1, 1], _ngram_key(ctx, level, word))
        if slot >= 0:
            logp = p_values[offset + slot, 2]
            bow = np.float32(0.0)
            found = level + 1
    return np.float32(logp + bow), found


@njit(cache=True)
def _used_length(c_uni, c_meta, c_entries, c_values, ctx, length, order):
    """SRILM's Ngram::contextID length: the longest context node along ctx (newest first)."""
    used = 0
    while used < min(length, order - 1):
        exists, _ = _context_node(c_uni, c_meta, c_entries, c_values, ctx, used + 1)
        if not exists:
            break
        used += 1
    return used


@njit(cache=True)
def _column_sum(slots, probs):
    """TrellisSlice::sum: AddLogP in double over the states in slot order, as float32."""
    total = -np.inf
    for i in range(len(slots)):
        s = slots[i]
        if s >= 0:
            total = _add_logp(total, float(probs[s]))
    return np.float32(total)


@njit(cache=True)
def _class_sentence(p_uni, p_meta, p_entries, p_values, c_uni, c_meta, c_entries, c_values,
                    member_offsets, member_class, member_logp, srilm_index,
                    words, n, bos, unk, per_word, word_logp, word_found):
    """The forward pass of SRILM's ClassNgram over one sentence, words[0:n] then </s> (the
    last entry of `words`).

    per_word False (ngram -debug 0/1, ClassNgram::sentenceProb): returns (log10 P(sentence)
    with positions where every path had probability zero left out, OOVs, zeroprobs).
    per_word True (-debug 2, LM::sentenceProb over ClassNgram::wordProb): word i's log10 p
    = P(prefix through i) / P(prefix before i) goes to word_logp[i], the longest n-gram of its
    paths to word_found[i]; returns (sum of the finite log10 p, OOVs, zeroprobs, tags,
    tag_offsets): word i's paths matched n-grams of lengths tags[tag_offsets[i]:tag_offsets[i+1]]
    (0: none), in the order SRILM visits them.
    """
    order = p_meta.shape[0] - 1
    width = max(order, 2)
    cap = 16
    # the previous column (a) and the one being built (b)
    a_ctx = np.empty((cap, width), dtype=np.int32)
    a_len = np.empty(cap, dtype=np.int64)
    a_exp = np.empty(cap, dtype=np.int64)
    a_prob = np.empty(cap, dtype=np.float32)
    a_slots = np.full(1, -1, dtype=np.int64)
    a_ctx[0, 0] = bos
    a_len[0] = 1
    a_exp[0] = -1
    a_prob[0] = 0.0
    a_slots[0] = 0
    a_n = 1
    new_ctx = np.empty(width, dtype=np.int32)
    oovs = 0
    zeros = 0
    total = 0.0
    logsum = np.float32(-np.inf)
    tags = np.empty(64 if per_word else 0, dtype=np.int8)
    tag_offsets = np.zeros(n + 2 if per_word else 0, dtype=np.int64)
    n_tags = 0
    for pos in range(n + 1):
        w = words[pos]
        final = pos == n
        build = not final
        need_b = a_n * (1 + member_offsets[w + 1] - member_offsets[w]) + 1
        b_ctx = np.empty((need_b, width), dtype=np.int32)
        b_len = np.empty(need_b, dtype=np.int64)
        b_exp = np.empty(need_b, dtype=np.int64)
        b_prob = np.empty(need_b, dtype=np.float32)
        b_slots = np.full(1, -1, dtype=np.int64)
        b_bits = 0
        b_n = 0
        logsum = np.float32(-np.inf)
        have_pos = False
        best = 0
        for i in range(len(a_slots)):
            s = a_slots[i]
            if s < 0:
                continue
            prev_prob = a_prob[s]
            for m in range(member_offsets[w] - 1, member_offsets[w + 1]):
                # m below the members' range: the word itself, then each class it belongs to
                token = w if m < member_offsets[w] else member_class[m]
                logp, found = _word_prob(p_uni, p_meta, p_entries, p_values, c_uni, c_meta, c_entries,
                                         c_values, a_ctx[s], a_len[s], token)
                if per_word:
                    if n_tags == len(tags):
                        grown = np.empty(2 * len(tags), dtype=np.int8)
                        grown[:n_tags] = tags
                        tags = grown
                    tags[n_tags] = found
                    n_tags += 1
                    best = max(best, found)
                if m < member_offsets[w]:
                    if prev_prob != -np.inf and logp != -np.inf:
                        have_pos = True
                    step = float(np.float32(prev_prob + logp))
                    trans = logp
                    expansion = -1
                else:
                    lp = member_logp[m]
                    if logp != -np.inf and lp != -np.inf:
                        have_pos = True
                    step = float(np.float32(prev_prob + logp)) + lp
                    trans = np.float32(float(logp) + lp)
                    expansion = token
                logsum = np.float32(_add_logp(float(logsum), step))
                if build:
                    new_ctx[0] = token
                    length = min(a_len[s] + 1, width)
                    new_ctx[1:length] = a_ctx[s, :length - 1]
                    used = _used_length(c_uni, c_meta, c_entries, c_values, new_ctx, length, order)
                    b_slots, b_bits, t, found_state = _insert(b_slots, b_bits, b_n, b_ctx, b_len, b_exp,
                                                              new_ctx, used, expansion, srilm_index)
                    new_prob = np.float32(prev_prob + trans)
                    if found_state:
                        b_prob[t] = np.float32(_add_logp(float(b_prob[t]), float(new_prob)))
                    else:
                        b_ctx[t, :used] = new_ctx[:used]
                        b_len[t] = used
                        b_exp[t] = expansion
                        b_prob[t] = new_prob
                        b_n += 1
        if per_word:
            context_prob = _column_sum(a_slots, a_prob)
            if context_prob == -np.inf and logsum == -np.inf:
                p = np.float32(-np.inf)
            else:
                p = np.float32(logsum - context_prob)
            word_logp[pos] = p
            word_found[pos] = best
            tag_offsets[pos + 1] = n_tags
            if p == -np.inf:
                if w == unk:
                    oovs += 1
                else:
                    zeros += 1
            else:
                total += float(p)
        if build and not have_pos:
            # every path has probability zero here: restart from the total so far, with the
            # sentence's own words as the context
            b_n = 1
            b_slots = np.full(1, 0, dtype=np.int64)
            b_bits = 0
            b_prob[0] = _column_sum(a_slots, a_prob)
            length = min(pos + 2, width)
            for j in range(length):
                b_ctx[0, j] = words[pos - j] if pos - j >= 0 else bos
            b_len[0] = length
            b_exp[0] = -1
            if not per_word:
                if w == unk:
                    oovs += 1
                else:
                    zeros += 1
        if build:
            a_ctx, a_len, a_exp, a_prob, a_slots, a_n = b_ctx, b_len, b_exp, b_prob, b_slots, b_n
    if per_word:
        return total, oovs, zeros, tags[:n_tags], tag_offsets
    return float(logsum), oovs, zeros, tags, tag_offsets


@njit(cache=True)
def _class_block(p_uni, p_meta, p_entries, p_values, c_uni, c_meta, c_entries, c_values,
                 member_offsets, member_class, member_logp, srilm_index, ids, line_offsets, bos, eos, unk,
                 total, per_word, token_logp, token_found, sentence_stats, tag_bounds):
    """_class_sentence over each line of a block, with _ppl_block's conventions (slot t + s for
    token t of line s, hi + s for its </s>); returns (stats, total, tags) where slot i's tags
    are tags[tag_bounds[i, 0]:tag_bounds[i, 1]] (per_word only)."""
    stats = np.zeros(4, dtype=np.int64)
    keep = len(token_logp) > 0
    all_tags = np.empty(0, dtype=np.int8)
    parts = []
    n_all = 0
    for s in range(len(line_offsets) - 1):
        lo, hi = _sentence_span(ids, line_offsets, s, bos, eos)
        n = hi - lo
        words = np.empty(n + 1, dtype=np.int32)
        words[:n] = ids[lo:hi]
        words[n] = eos
        word_logp = np.empty(n + 1 if per_word else 0, dtype=np.float32)
        word_found = np.empty(n + 1 if per_word else 0, dtype=np.int32)
        prob, oovs, zeros, tags, tag_offsets = _class_sentence(
            p_uni, p_meta, p_entries, p_values, c_uni, c_meta, c_entries, c_values,
            member_offsets, member_class, member_logp, srilm_index, words, n, bos, unk, per_word,
            word_logp, word_found)
        if keep and per_word:
            for i in range(n + 1):
                slot = lo + i + s
                token_logp[slot] = word_logp[i]
                token_found[slot] = word_found[i]
                tag_bounds[slot, 0] = n_all + tag_offsets[i]
                tag_bounds[slot, 1] = n_all + tag_offsets[i + 1]
            parts.append(tags)
            n_all += len(tags)
        stats[0] += 1
        stats[1] += n
        stats[2] += oovs
        stats[3] += zeros
        total += prob
        if keep:
            sentence_stats[s, 0] = prob
            sentence_stats[s, 1] = oovs
            sentence_stats[s, 2] = zeros
    if per_word:
        all_tags = np.empty(n_all, dtype=np.int8)
        pos = 0
        for part in parts:
            all_tags[pos:pos + len(part)] = part
            pos += len(part)
    return stats, total, all_tags


@njit(cache=True)
def _add_memberships(ids, line_offsets, bos, eos, member_logp, per_word, token_logp, sentence_stats):
    """SimpleClassNgram's membership probabilities added to a block _ppl_block scored over
    class tokens; returns the block's log10 probability. -debug 2 (per_word) adds each word's
    to its float32 log10 p; otherwise a sentence's are summed in float32 and added to it."""
    block_total = 0.0
    for s in range(len(line_offsets) - 1):
        lo, hi = _sentence_span(ids, line_offsets, s, bos, eos)
        if per_word:
            sentence = 0.0
            for t in range(lo, hi + 1):
                slot = t + s
                if t < hi:
                    token_logp[slot] = np.float32(np.float32(member_logp[ids[t]]) + token_logp[slot])
                if token_logp[slot] != -np.inf:
                    sentence += float(token_logp[slot])
        else:
            x = np.float32(0.0)
            for t in range(lo, hi):
                x = np.float32(float(x) + member_logp[ids[t]])
            sentence = sentence_stats[s, 0] + float(x)
        sentence_stats[s, 0] = sentence
        block_total += sentence
    return block_total


_TAG_OOV = ascii_bytes("[OOV]")
_TAG_GRAM = ascii_bytes("gram]")
_P_OPEN = ascii_bytes("\tp( ")
_GIVEN = ascii_bytes(" | ")
_CONTEXT_MORE = ascii_bytes(" ...) \t= ")
_CONTEXT_END = ascii_bytes(" ) \t= ")
_LOG_OPEN = ascii_bytes(" [ ")
_LOG_CLOSE = ascii_bytes(" ]\n")


@njit(cache=True)
def _format_word_lines(pool, offsets, ids, line_offsets, bos, eos, token_logp, tag_bounds, tags, out, ends):
    """The -debug 2 word lines of each sentence, one n-gram tag per path; sentence s's lines
    end at ends[s]. Returns the length."""
    pos = 0
    for s in range(len(line_offsets) - 1):
        lo, hi = _sentence_span(ids, line_offsets, s, bos, eos)
        prev = bos
        for t in range(lo, hi + 1):
            w = ids[t] if t < hi else eos
            slot = t + s
            pos = put_text(out, pos, _P_OPEN)
            pos = put_bytes(out, pos, pool, offsets[w], offsets[w + 1])
            pos = put_text(out, pos, _GIVEN)
            pos = put_bytes(out, pos, pool, offsets[prev], offsets[prev + 1])
            pos = put_text(out, pos, _CONTEXT_MORE if t > lo else _CONTEXT_END)
            for k in range(tag_bounds[slot, 0], tag_bounds[slot, 1]):
                if tags[k] == 0:
                    pos = put_text(out, pos, _TAG_OOV)
                else:
                    out[pos] = 91
                    pos = put_uint(out, pos + 1, tags[k])
                    pos = put_text(out, pos, _TAG_GRAM)
            out[pos] = 32
            pos += 1
            p = token_logp[slot]
            pos = format_g(0.0 if p == -np.inf else math.exp(float(p) * LN10), 7, out, pos)
            pos = put_text(out, pos, _LOG_OPEN)
            pos = format_g(float(p), 7, out, pos)
            pos = put_text(out, pos, _LOG_CLOSE)
            prev = w
        ends[s] = pos
    return pos


@njit(cache=True)
def _splice_word_lines(sentences, word_lines, ends, out):
    """Put each sentence's word lines after its text line in -debug 1 output (text line, two
    summary lines, a blank line per sentence); returns the length."""
    pos = 0
    i = 0
    start = 0
    for s in range(len(ends)):
        for lines in range(4):
            while sentences[i] != 10:
                out[pos] = sentences[i]
                pos += 1
                i += 1
            out[pos] = 10
            pos += 1
            i += 1
            if lines == 0:
                pos = put_bytes(out, pos, word_lines, start, ends[s])
                start = ends[s]
    return pos


@njit(cache=True)
def _expand_rows(rows, base, offsets, words, logps):
    """Every word n-gram a row of class-LM tokens stands for (token t: words[offsets[t]:
    offsets[t+1]], with membership log10 probabilities logps alike), with the row's base log10
    probability plus the memberships' (summed from the last token, in float32, as SRILM)."""
    n, k = rows.shape
    count = 0
    for r in range(n):
        product = 1
        for j in range(k):
            product *= offsets[rows[r, j] + 1] - offsets[rows[r, j]]
        count += product
    out = np.empty((count, k), dtype=np.int32)
    values = np.empty(count, dtype=np.float32)
    pick = np.zeros(k, dtype=np.int64)
    at = 0
    for r in range(n):
        if k == 0:
            continue
        pick[:] = 0
        while True:
            e = np.float32(0.0)
            for j in range(k - 1, -1, -1):
                m = offsets[rows[r, j]] + pick[j]
                out[at, j] = words[m]
                e = np.float32(logps[m] + e)
            values[at] = np.float32(base[r] + e)
            at += 1
            j = k - 1
            while j >= 0:
                pick[j] += 1
                if pick[j] < offsets[rows[r, j] + 1] - offsets[rows[r, j]]:
                    break
                pick[j] = 0
                j -= 1
            if j < 0:
                break
    return out, values


@njit(cache=True)
def _group_logsum(values, starts):
    """AddLogP over each group values[starts[g]:starts[g+1]], in order, kept in float32."""
    out = np.empty(len(starts) - 1, dtype=np.float32)
    for g in range(len(starts) - 1):
        total = np.float32(-np.inf)
        for i in range(starts[g], starts[g + 1]):
            total = np.float32(_add_logp(float(total), float(values[i])))
        out[g] = total
    return out


def _group_starts(rows, width):
    """Start of each run of rows (sorted) sharing their first `width` ids, and the end."""
    if len(rows) == 0:
        return np.zeros(1, dtype=np.int64)
    if width == 0:
        return np.array([0, len(rows)], dtype=np.int64)
    change = np.any(rows[1:, :width] != rows[:-1, :width], axis=1)
    return np.concatenate(([0], np.flatnonzero(change) + 1, [len(rows)])).astype(np.int64)


class ClassScorer(PerplexityScorer):
    """PerplexityScorer of a ClassModel: the same reports and -debug output, the forward pass
    (or SimpleClassNgram's class replacement) in place of plain back-off scoring."""

    def __init__(self, class_model, unk_word=None):
        super().__init__(class_model.model, unk_word)
        self.class_model = class_model
        self._per_word = True

    def _blocks(self, path, keep, per_word):
        cm = self.class_model
        vocab = cm.vocab
        total = 0.0
        for block, _ in iter_line_blocks(path):
            buf = np.frombuffer(block, dtype=np.uint8)
            ids, starts, ends, line_offsets = tokenize_lines(buf, *self.words.arrays(), self.unk)
            n_lines = len(line_offsets) - 1
            slots = len(ids) + len(line_offsets) if keep else 0
            token_logp = np.empty(slots, dtype=np.float32)
            token_found = np.empty(slots, dtype=np.int32)
            sentence_stats = np.empty((n_lines if keep else 0, 3))
            tag_bounds = np.zeros((slots, 2), dtype=np.int64)
            if cm.simple:
                token_logp = np.empty(len(ids) + len(line_offsets), dtype=np.float32)
                token_found = np.empty(len(token_logp), dtype=np.int32)
                sentence_stats = np.empty((n_lines, 3))
                stats, _ = _ppl_block(*self.tables.arrays(), cm.replacement[ids], line_offsets, vocab.bos,
                                      vocab.eos, self.unk, 0.0, token_logp, token_found, sentence_stats)
                total += _add_memberships(ids, line_offsets, vocab.bos, vocab.eos, cm.replacement_logp,
                                          per_word, token_logp, sentence_stats)
                tags = np.zeros(0, dtype=np.int8)
            else:
                p, c = self.tables, cm.context_tables
                stats, total, tags = _class_block(p.uni_logprob, p.meta, p.entries, p.values,
                                                  c.uni_logprob, c.meta, c.entries, c.values,
                                                  cm.member_offsets, cm.member_class,
                                                  cm.member_logp, cm.srilm_index, ids, line_offsets, vocab.bos,
                                                  vocab.eos, self.unk, total, per_word, token_logp, token_found,
                                                  sentence_stats, tag_bounds)
            yield (buf, ids, starts, ends, line_offsets, TextStats(*(int(x) for x in stats)), total,
                   token_logp, token_found, sentence_stats, tag_bounds, tags)

    def _scored_blocks(self, path, keep):
        for block in self._blocks(path, keep, keep and self._per_word):
            yield block[:10]

    def score_file(self, path, debug=0, out=None):
        """SRILM's `ngram -classes` totals of `path`, and its -debug 1/2 lines written to `out`:
        below -debug 2 sentences are scored by one forward pass each (ClassNgram::sentenceProb),
        at 2 word by word (LM::sentenceProb), whose rounding differs."""
        if debug < 2 or self.class_model.simple:
            self._per_word = debug >= 2
            try:
                return super().score_file(path, debug, out)
            finally:
                self._per_word = True
        vocab = self.model.vocab
        pool, offsets = vocab.byte_pool()
        total = TextStats()
        for buf, ids, starts, ends, line_offsets, counts, logprob, token_logp, token_found, sentence_stats, \
                tag_bounds, tags in self._blocks(path, True, True):
            total.add(counts)
            total.logprob = logprob
            n_lines = len(line_offsets) - 1
            sentences = np.empty(len(buf) + 2 * len(line_offsets) * 160, dtype=np.uint8)
            used = _format_debug(pool, offsets, buf, ids, starts, ends, line_offsets, vocab.bos, vocab.eos, 1,
                                 token_logp, token_found, sentence_stats, sentences)
            word_lines = np.empty((len(ids) + len(line_offsets)) * (2 * self.max_word + 80) + 8 * len(tags),
                                  dtype=np.uint8)
            sentence_ends = np.empty(n_lines, dtype=np.int64)
            n_word = _format_word_lines(pool, offsets, ids, line_offsets, vocab.bos, vocab.eos, token_logp,
                                        tag_bounds, tags, word_lines, sentence_ends)
            output = np.empty(used + n_word, dtype=np.uint8)
            size = _splice_word_lines(sentences[:used], word_lines[:n_word], sentence_ends, output)
            out.write(output[:size].tobytes())
        return total


class ClassModel:
    """A class n-gram model: `model` over class names and words, `classes` (ClassDefinitions or
    a classes file) saying which words each class stands for, as SRILM's `ngram -classes`.

    simple=False (SRILM's ClassNgram): a word's probability sums over reading each word as
    itself or as any class it belongs to. simple=True (SimpleClassNgram, -simple-classes):
    each word belongs to at most one class and is replaced by it. Expansions must be single
    words (what ngram-class writes).
    """

    def __init__(self, model, classes, simple=False):
        if not isinstance(classes, ClassDefinitions):
            classes = load_classes(classes)
        if not classes.single_word():
            raise UsageError("class expansions of more than one word are not supported", option="classes")
        self.classes = classes
        self.simple = simple
        self.class_model = model
        words = model.vocab.words
        self.vocab = Vocabulary(list(words) + classes.names() + classes.words())
        mapping = self.vocab.remap_from(model.vocab)
        self.model = NgramModel(self.vocab, [mapping[rows] for rows in model.ngrams], model.logprob,
                                model.backoff, model.estimation)
        self.srilm_index = self._srilm_indices(mapping)
        # each (class, word) once, the last probability given winning (as SRILM stores them)
        members = {}
        for cls, prob, expansion in zip(classes.classes, classes.probs, classes.expansions):
            members[(self.vocab.index[expansion[0]], self.vocab.index[cls])] = prob
        by_word = {}
        for (word, cls), prob in members.items():
            by_word.setdefault(word, []).append((cls, prob))
        n = len(self.vocab)
        counts = np.zeros(n + 1, dtype=np.int64)
        for word, entries in by_word.items():
            counts[word + 1] = len(entries)
        self.member_offsets = np.cumsum(counts)
        self.member_class = np.empty(int(self.member_offsets[-1]), dtype=np.int32)
        self.member_logp = np.empty(len(self.member_class), dtype=np.float64)
        for word, entries in by_word.items():
            at = self.member_offsets[word]
            for j, (cls, prob) in enumerate(entries):
                self.member_class[at + j] = cls
                self.member_logp[at + j] = math.log10(prob) if prob > 0 else -math.inf
        self.context_tables = ScoringTables.from_model(self._context_model())
        if simple:
            self._simple_tables(by_word)

    def _srilm_indices(self, mapping):
        """Each word's index in SRILM's vocabulary, which orders its hash tables: <unk>, <s>,
        </s>, -pau-, then the model's unigrams in file order (ARPA files SRILM writes are
        sorted, as ids are), then the classes file's new words in order of appearance."""
        order = [UNK, BOS, EOS, PAUSE]
        order += [self.vocab.words[i] for i in mapping[self.class_model.ngrams[0][:, 0]]]
        for cls, expansion in zip(self.classes.classes, self.classes.expansions):
            order.append(cls)
            order.extend(expansion)
        index = np.full(len(self.vocab), -1, dtype=np.int64)
        next_index = 0
        for word in order:
            i = self.vocab.index.get(word)
            if i is not None and index[i] < 0:
                index[i] = next_index
                next_index += 1
            elif i is None and word == PAUSE:
                next_index += 1
        rest = np.flatnonzero(index < 0)
        index[rest] = next_index + np.arange(len(rest))
        return index

    def _context_model(self):
        """The model's context nodes as a model: the n-grams of orders below the highest that
        have a backoff weight (their 'probability' is the weight)."""
        m = self.model
        rows, weights = [], []
        for k in range(1, m.order):
            bow = m.backoff[k - 1]
            keep = ~np.isnan(bow)
            rows.append(np.ascontiguousarray(m.ngrams[k - 1][keep]))
            weights.append(np.ascontiguousarray(bow[keep]))
        if not rows:
            rows, weights = [np.zeros((0, 1), dtype=np.int32)], [np.zeros(0, dtype=np.float32)]
        return NgramModel(self.vocab, rows, weights, [np.zeros(len(w), dtype=np.float32) for w in weights[:-1]])

    def _simple_tables(self, by_word):
        """SimpleClassNgram's replacement of each word by its class (when the class is a unigram
        of the model) and the membership log10 probability it adds."""
        unigrams = np.zeros(len(self.vocab), dtype=np.bool_)
        unigrams[self.model.ngrams[0][:, 0]] = True
        self.replacement = np.arange(len(self.vocab), dtype=np.int32)
        self.replacement_logp = np.zeros(len(self.vocab), dtype=np.float64)
        for word, entries in by_word.items():
            if len(entries) > 1:
                raise FormatError(f"word {self.vocab.words[word]} has multiple class memberships",
                                  self.classes.path)
            cls, prob = entries[0]
            if unigrams[cls]:
                self.replacement[word] = cls
                self.replacement_logp[word] = math.log10(prob) if prob > 0 else -math.inf

    def expand(self, order=None):
        """The word n-gram model this class model stands for (SRILM's `-expand-classes`): the
        joint probability of each word n-gram summed over the class n-grams that expand to it
        (context probability x n-gram probability x memberships), divided by its context's
        (or, where larger, by the sum over the context's expansions), with backoff weights then
        recomputed by normalisation. `order`: the highest order kept (None: the model's)."""
        m = self.model
        order = m.order if order is None or order > m.order else order
        if order < 1:
            raise UsageError(f"the expansion order must be at least 1, not {order}", option="expand_classes")
        n = len(self.vocab)
        is_class = np.zeros(n, dtype=np.bool_)
        is_class[[self.vocab.index[c] for c in self.classes.names()]] = True
        # what each token stands for: a class its member words, any other token itself
        members = [[] for _ in range(n)]
        for word in range(n):
            for j in range(self.member_offsets[word], self.member_offsets[word + 1]):
                members[self.member_class[j]].append((word, self.member_logp[j]))
        for t in np.flatnonzero(~is_class):
            members[t] = [(int(t), 0.0)]
        sizes = np.array([len(x) for x in members], dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        flat = [entry for x in members for entry in x]
        words = np.array([w for w, _ in flat], dtype=np.int32)
        logps = np.array([lp for _, lp in flat], dtype=np.float32)
        joint = []  # per order: sorted word n-grams and their float32 log10 joint probability
        for k in range(1, order + 1):
            rows = m.ngrams[k - 1]
            logprob = np.where(m.logprob[k - 1] <= LOG_ZERO, np.float32(-np.inf), m.logprob[k - 1])
            context = chain_logprob(m, rows[:, :k - 1]) if k > 1 else np.zeros(len(rows), dtype=np.float32)
            expanded, values = _expand_rows(rows, (context + logprob).astype(np.float32), offsets, words, logps)
            sort = np.lexsort(expanded.T[::-1]) if k > 1 else np.argsort(expanded[:, 0], kind="stable")
            expanded, values = expanded[sort], values[sort]
            starts = _group_starts(expanded, k)
            expanded = np.ascontiguousarray(expanded[starts[:-1]])
            values = _group_logsum(values, starts)
            # word n-grams the class model does not hold get their own joint probability too
            absent = find_rows(m.ngrams[k - 1], expanded, 0) < 0
            own = chain_logprob(m, expanded[absent])
            values[absent] = _group_logsum(np.stack([values[absent], own], axis=1).ravel(),
                                           np.arange(0, 2 * int(absent.sum()) + 1, 2))
            joint.append((expanded, values))
        logprobs = []
        for k in range(1, order + 1):
            rows, values = joint[k - 1]
            starts = _group_starts(rows, k - 1)
            total = _group_logsum(values, starts)
            if k == 1:
                context = total
            else:
                lower_rows, lower_values = joint[k - 2]
                context = lower_values[find_rows(lower_rows, rows[starts[:-1]], 0)]
                if k == 2:
                    # P(<s>) is zero; as a context it stands for P(</s>)
                    eos = m.ngrams[0][:, 0] == self.vocab.eos
                    bos_context = rows[starts[:-1], 0] == self.vocab.bos
                    if eos.any():
                        context = np.where(bos_context, m.logprob[0][eos][0], context)
                context = np.maximum(context, total)
            logprobs.append((values - np.repeat(context, np.diff(starts))).astype(np.float32))
        # the word model's vocabulary: every token but the class names
        word_vocab = Vocabulary([w for w, c in zip(self.vocab.words, is_class) if not c])
        mapping = word_vocab.remap_from(self.vocab)
        ngrams = [np.ascontiguousarray(mapping[rows]) for rows, _ in joint]
        logprobs = [np.where(np.isneginf(lp), np.float32(LOG_ZERO), lp).astype(np.float32) for lp in logprobs]
        backoff = [np.full(len(r), np.nan, dtype=np.float32) for r in ngrams[:-1]]
        expanded_model = NgramModel(word_vocab, ngrams, logprobs, backoff)
        recompute_backoffs(expanded_model)
        return expanded_model

    def to_fst(self, disambig_symbol="#0", bos_symbol=BOS, eos_symbol=EOS):
        """The G.fst of the class model as a Kaldi user builds it: the class n-gram model's
        G (arpa2fst's machine) with each class arc replaced (OpenFst's replace) by an arc per
        member word weighted -ln p(word | class). A sentence's path weighs -ln of the class
        model's probability along that reading (one reading per word when each word has one
        class). Returns (pynini.Fst, fst.SymbolTable of its labels)."""
        import pynini

        from .fst import compile_grammar

        grammar = compile_grammar(self.class_model, None, disambig_symbol, bos_symbol, eos_symbol)
        symbols = grammar.symbols
        root = grammar.to_fst(False)
        for word in self.classes.words():
            symbols.add(word)
        members = {}
        for cls, prob, expansion in zip(self.classes.classes, self.classes.probs, self.classes.expansions):
            members.setdefault(cls, {})[expansion[0]] = prob  # the last probability given wins
        pairs = []
        for cls, words in members.items():
            if cls not in symbols.ids:
                continue  # a class the model never uses
            expansion = pynini.Fst()
            start, end = expansion.add_state(), expansion.add_state()
            expansion.set_start(start)
            expansion.set_final(end)
            for word, prob in words.items():
                label = symbols.ids[word]
                weight = -math.log(prob) if prob > 0 else math.inf
                expansion.add_arc(start, pynini.Arc(label, label, pynini.Weight("tropical", weight), end))
            pairs.append((symbols.ids[cls], expansion))
        root_label = max(symbols.ids.values()) + 1
        fst = pynini.replace([(root_label, root)] + pairs, epsilon_on_replace=True)
        fst.set_input_symbols(symbols.to_pynini())
        fst.set_output_symbols(symbols.to_pynini())
        return fst, symbols

    def scorer(self, unk_word=None):
        return ClassScorer(self, unk_word)

    def perplexity(self, text, unk_word=None):
        """The PerplexityReport of a text file as `ngram -classes ... -debug 2 -ppl` scores it
        (word by word); token_order is the longest n-gram any path of the word matched."""
        return ClassScorer(self, unk_word).report(text)

    def score_file(self, path, debug=0, out=None, unk_word=None):
        """SRILM's `ngram -classes -ppl` TextStats of `path`, its -debug 1/2 lines to `out`."""
        return ClassScorer(self, unk_word).score_file(path, debug, out)


# ---------------------------------------------------------------------------------------------
# Class induction (SRILM's ngram-class): Brown et al.'s greedy merging of word classes by the
# bigram log likelihood, with SRILM's float32 bookkeeping (cached contributions updated in
# place after each merge) so that the same merges win.

@njit(cache=True, inline="always")
def _nlogn(n):
    return np.float32(0.0) if n == 0 else np.float32(n * math.log10(n))


@njit(cache=True, inline="always")
def _root(parent, c):
    r = c
    while parent[r] != r:
        r = parent[r]
    while parent[c] != r:  # path compression
        parent[c], c = r, parent[c]
    return r


@njit(cache=True)
def _neighbours(head, link, node, parent, c, stamp, seen, out):
    """Distinct current classes on c's list (merged-away entries resolved), into out; returns
    how many."""
    n = 0
    e = head[c]
    while e >= 0:
        x = _root(parent, node[e])
        if seen[x] != stamp:
            seen[x] = stamp
            out[n] = x
            n += 1
        e = link[e]
    return n


@njit(cache=True)
def _induce(n_tokens, rows_a, rows_b, bigram_counts, unigram_counts, is_class, num_classes, full, order):
    """Merge classes (each classed token starts as its own) down to num_classes; returns the
    class of each token (-1: not classed). `order`: the classes by decreasing count (ties:
    later first), the order incremental merging adds them in."""
    counts = dict()
    for i in range(len(rows_a)):
        counts[np.int64(rows_a[i]) * n_tokens + rows_b[i]] = np.int64(bigram_counts[i])
    uni = unigram_counts.astype(np.int64).copy()
    parent = np.arange(n_tokens)
    cap = 2 * len(rows_a) + 16
    succ_head = np.full(n_tokens, -1, dtype=np.int64)
    succ_tail = np.full(n_tokens, -1, dtype=np.int64)
    pred_head = np.full(n_tokens, -1, dtype=np.int64)
    pred_tail = np.full(n_tokens, -1, dtype=np.int64)
    node = np.empty(cap, dtype=np.int64)
    link = np.full(cap, -1, dtype=np.int64)
    used = 0
    for i in range(len(rows_a)):
        a, b = rows_a[i], rows_b[i]
        for side in range(2):
            owner, other = (a, b) if side == 0 else (b, a)
            head = succ_head if side == 0 else pred_head
            tail = succ_tail if side == 0 else pred_tail
            node[used] = other
            if head[owner] < 0:
                head[owner] = used
            else:
                link[tail[owner]] = used
            tail[owner] = used
            used += 1
    seen = np.zeros(n_tokens, dtype=np.int64)
    stamp = 0
    buf_a = np.empty(n_tokens, dtype=np.int64)
    buf_b = np.empty(n_tokens, dtype=np.int64)
    class_contrib = np.zeros(n_tokens, dtype=np.float32)
    class_cached = np.zeros(n_tokens, dtype=np.bool_)
    classes = np.flatnonzero(is_class)
    n_classes = len(classes)
    # merge contributions of pairs in the merge set, by slot
    slot_cap = n_classes if full else min(num_classes + 1, n_classes)
    slot_cap = max(slot_cap, 1)
    slot_of = np.full(n_tokens, -1, dtype=np.int64)
    members = np.full(slot_cap, -1, dtype=np.int64)  # class of each slot
    merge_contrib = np.zeros((slot_cap, slot_cap), dtype=np.float32)
    merge_cached = np.zeros((slot_cap, slot_cap), dtype=np.bool_)
    free = list(range(slot_cap - 1, -1, -1))

    def get(a, b):
        return counts.get(np.int64(a) * n_tokens + b, np.int64(0))

    result = np.full(n_tokens, -1, dtype=np.int64)
    in_set = 0
    next_add = 0
    if full:
        for c in classes:
            s = free.pop()
            slot_of[c] = s
            members[s] = c
        in_set = n_classes
        next_add = n_classes
    else:
        while next_add < len(order) and next_add < num_classes:
            s = free.pop()
            slot_of[order[next_add]] = s
            members[s] = order[next_add]
            next_add += 1
            in_set += 1
    live = n_classes
    while True:
        if full:
            if live <= num_classes:
                break
        else:
            if next_add >= len(order):
                break
            s = free.pop()
            slot_of[order[next_add]] = s
            members[s] = order[next_add]
            next_add += 1
            in_set += 1
        # the best merge: pairs in sorted (id) order, the first strictly best wins
        current = np.sort(members[members >= 0])
        best_1 = -1
        best_2 = -1
        best = np.float32(0.0)
        for x in range(len(current)):
            c1 = current[x]
            for y in range(x + 1, len(current)):
                c2 = current[y]
                for c in (c1, c2):
                    if not class_cached[c]:
                        stamp += 1
                        total = np.float32(0.0)
                        n = _neighbours(succ_head, link, node, parent, c, stamp, seen, buf_a)
                        for k in range(n):
                            total = np.float32(total + _nlogn(get(c, buf_a[k])))
                        stamp += 1
                        n = _neighbours(pred_head, link, node, parent, c, stamp, seen, buf_a)
                        for k in range(n):
                            if buf_a[k] != c:
                                total = np.float32(total + _nlogn(get(buf_a[k], c)))
                        class_contrib[c] = total
                        class_cached[c] = True
                s1, s2 = slot_of[c1], slot_of[c2]
                if not merge_cached[s1, s2]:
                    total = np.float32(0.0)
                    total = np.float32(total + _nlogn(get(c1, c1) + get(c1, c2) + get(c2, c1) + get(c2, c2)))
                    stamp += 1
                    n = _neighbours(pred_head, link, node, parent, c1, stamp, seen, buf_a)
                    for k in range(n):
                        p = buf_a[k]
                        if p != c1 and p != c2:
                            total = np.float32(total + _nlogn(get(p, c1) + get(p, c2)))
                    stamp += 1
                    n = _neighbours(pred_head, link, node, parent, c2, stamp, seen, buf_a)
                    for k in range(n):
                        p = buf_a[k]
                        if p != c1 and p != c2 and get(p, c1) == 0:
                            total = np.float32(total + _nlogn(get(p, c2)))
                    stamp += 1
                    n = _neighbours(succ_head, link, node, parent, c1, stamp, seen, buf_a)
                    for k in range(n):
                        q = buf_a[k]
                        if q != c1 and q != c2:
                            total = np.float32(total + _nlogn(get(c1, q) + get(c2, q)))
                    stamp += 1
                    n = _neighbours(succ_head, link, node, parent, c2, stamp, seen, buf_a)
                    for k in range(n):
                        q = buf_a[k]
                        if q != c1 and q != c2 and get(c1, q) == 0:
                            total = np.float32(total + _nlogn(get(c2, q)))
                    total = np.float32(total + np.float32(_nlogn(get(c1, c2)) + _nlogn(get(c2, c1))))
                    n1, n2 = uni[c1], uni[c2]
                    total = np.float32(total - np.float32(2 * _nlogn(n1 + n2)))
                    total = np.float32(total + np.float32(np.float32(2 * _nlogn(n1)) + np.float32(2 * _nlogn(n2))))
                    merge_contrib[s1, s2] = total
                    merge_contrib[s2, s1] = total
                    merge_cached[s1, s2] = True
                    merge_cached[s2, s1] = True
                diff = np.float32(np.float32(merge_contrib[s1, s2] - class_contrib[c1]) - class_contrib[c2])
                if best_1 < 0 or diff > best:
                    best_1, best_2, best = c1, c2, diff
        c1, c2 = best_1, best_2
        # cached class contributions of the other classes, updated in place
        class_cached[c1] = False
        class_cached[c2] = False
        for c in range(n_tokens):
            if class_cached[c]:
                upd = np.float32(_nlogn(get(c, c1) + get(c, c2)) + _nlogn(get(c1, c) + get(c2, c)))
                upd = np.float32(upd - _nlogn(get(c, c1)))
                upd = np.float32(upd - _nlogn(get(c, c2)))
                upd = np.float32(upd - _nlogn(get(c1, c)))
                upd = np.float32(upd - _nlogn(get(c2, c)))
                class_contrib[c] = np.float32(class_contrib[c] + upd)
        # cached merge contributions of pairs without c1, c2, likewise
        s1, s2 = slot_of[c1], slot_of[c2]
        merge_cached[s1, :] = False
        merge_cached[:, s1] = False
        merge_cached[s2, :] = False
        merge_cached[:, s2] = False
        for x in range(slot_cap):
            k1 = members[x]
            if k1 < 0:
                continue
            buf_a[x] = get(k1, c1)
            buf_b[x] = get(k1, c2)
        to_c1 = np.empty(slot_cap, dtype=np.int64)
        to_c2 = np.empty(slot_cap, dtype=np.int64)
        for x in range(slot_cap):
            k1 = members[x]
            if k1 >= 0:
                to_c1[x] = get(c1, k1)
                to_c2[x] = get(c2, k1)
        for x in range(slot_cap):
            for y in range(slot_cap):
                if x == y or not merge_cached[x, y] or members[x] > members[y]:
                    continue
                upd = np.float32(_nlogn(buf_a[x] + buf_a[y] + buf_b[x] + buf_b[y])
                                 + _nlogn(to_c1[x] + to_c1[y] + to_c2[x] + to_c2[y]))
                upd = np.float32(upd - _nlogn(buf_a[x] + buf_a[y]))
                upd = np.float32(upd - _nlogn(buf_b[x] + buf_b[y]))
                upd = np.float32(upd - _nlogn(to_c1[x] + to_c1[y]))
                upd = np.float32(upd - _nlogn(to_c2[x] + to_c2[y]))
                value = np.float32(merge_contrib[x, y] + upd)
                merge_contrib[x, y] = value
                merge_contrib[y, x] = value
        # the counts: c2's row and column move to c1
        stamp += 1
        n_s = _neighbours(succ_head, link, node, parent, c2, stamp, seen, buf_a)
        stamp += 1
        n_p = _neighbours(pred_head, link, node, parent, c2, stamp, seen, buf_b)
        moved_a = np.empty(n_s + n_p, dtype=np.int64)
        moved_b = np.empty(n_s + n_p, dtype=np.int64)
        moved_v = np.empty(n_s + n_p, dtype=np.int64)
        n_moved = 0
        for k in range(n_s):
            key = np.int64(c2) * n_tokens + buf_a[k]
            if key in counts:
                moved_a[n_moved], moved_b[n_moved], moved_v[n_moved] = c2, buf_a[k], counts.pop(key)
                n_moved += 1
        for k in range(n_p):
            if buf_b[k] == c2:
                continue
            key = np.int64(buf_b[k]) * n_tokens + c2
            if key in counts:
                moved_a[n_moved], moved_b[n_moved], moved_v[n_moved] = buf_b[k], c2, counts.pop(key)
                n_moved += 1
        for k in range(n_moved):
            a = c1 if moved_a[k] == c2 else moved_a[k]
            b = c1 if moved_b[k] == c2 else moved_b[k]
            key = np.int64(a) * n_tokens + b
            counts[key] = counts.get(key, np.int64(0)) + moved_v[k]
        uni[c1] += uni[c2]
        uni[c2] = 0
        parent[c2] = c1
        for head, tail in ((succ_head, succ_tail), (pred_head, pred_tail)):
            if head[c2] >= 0:
                if head[c1] < 0:
                    head[c1] = head[c2]
                else:
                    link[tail[c1]] = head[c2]
                tail[c1] = tail[c2]
            head[c2] = -1
            # keep c1's list to its distinct neighbours (in their order), so that lists of
            # large classes do not grow with every merge
            stamp += 1
            n = _neighbours(head, link, node, parent, c1, stamp, seen, buf_a)
            e = head[c1]
            for k in range(n):
                node[e] = buf_a[k]
                if k == n - 1:
                    tail[c1] = e
                    nxt = link[e]
                    link[e] = -1
                    e = nxt
                else:
                    e = link[e]
            if n == 0:
                head[c1] = -1
        # c2 leaves the merge set
        free.append(s2)
        members[s2] = -1
        slot_of[c2] = -1
        merge_cached[s2, :] = False
        merge_cached[:, s2] = False
        in_set -= 1
        live -= 1
    for c in classes:
        result[c] = _root(parent, c)
    keys = np.empty(len(counts), dtype=np.int64)
    values = np.empty(len(counts), dtype=np.int64)
    k = 0
    for key, value in counts.items():
        keys[k] = key
        values[k] = value
        k += 1
    return result, uni, keys, values


@njit(cache=True)
def _lhash_order(keys, groups):
    """For each group keys[groups[g]:groups[g+1]] inserted in that order into an SRILM LHash
    of unsigned keys (a fresh table per group), the group's positions in slot order (the order
    SRILM iterates the table in)."""
    out = np.empty(len(keys), dtype=np.int64)
    for g in range(len(groups) - 1):
        lo, hi = groups[g], groups[g + 1]
        slots = np.full(1, -1, dtype=np.int64)
        bits = 0
        n = 0
        for i in range(lo, hi):
            min_size = _round_size(n + 1)
            if min_size > (1 << bits):
                new_bits = 0
                while (1 << new_bits) < min_size:
                    new_bits += 1
                grown = np.full(1 << new_bits, -1, dtype=np.int64)
                if new_bits < _MIN_HASH_BITS:
                    grown[:n] = slots[:n]
                else:
                    mask = (1 << new_bits) - 1
                    for j in range(1 << bits):
                        e = slots[j]
                        if e >= 0:
                            at = _lhash_key(np.uint64(keys[e]), new_bits)
                            while grown[at] >= 0:
                                at = (at + 1) & mask
                            grown[at] = e
                slots, bits = grown, new_bits
            if bits < _MIN_HASH_BITS:
                slots[n] = i
            else:
                mask = (1 << bits) - 1
                at = _lhash_key(np.uint64(keys[i]), bits)
                while slots[at] >= 0:
                    at = (at + 1) & mask
                slots[at] = i
            n += 1
        k = lo
        for j in range(len(slots)):
            if slots[j] >= 0:
                out[k] = slots[j]
                k += 1
    return out


def _first_appearance(path, vocab):
    """Word ids of `path` in order of first appearance."""
    words = WordTable.from_vocab(vocab)
    first = np.full(len(vocab), np.iinfo(np.int64).max, dtype=np.int64)
    offset = 0
    for block, _ in iter_line_blocks(path):
        ids = tokenize_lines(np.frombuffer(block, dtype=np.uint8), *words.arrays(), vocab.unk, False, False)[0]
        unique, where = np.unique(ids, return_index=True)
        first[unique] = np.minimum(first[unique], where + offset)
        offset += len(ids)
    seen = np.flatnonzero(first < np.iinfo(np.int64).max)
    return seen[np.argsort(first[seen], kind="stable")]


@dataclass
class ClassInduction:
    """The classes ngram-class found: `vocab` the counted words, `word_class[w]` the founding
    word of w's class (-1: not classed), `names` each founding word's class name, `word_counts`
    the words' counts, and the class bigram counts over class names and unclassed words."""

    vocab: Vocabulary
    word_class: np.ndarray
    names: dict
    word_counts: np.ndarray
    class_unigrams: np.ndarray
    bigram_keys: np.ndarray
    bigram_values: np.ndarray

    srilm_index: np.ndarray = None  # each word's index in SRILM's vocabulary (-1: none)

    def definitions(self):
        """(class name, probability, word) lines in SRILM's order: classes by name, each
        word with its share of the class count, the words of a class in the order of SRILM's
        hash tables (the word counts' table, then the class's own)."""
        counted = np.flatnonzero(self.word_counts > 0)
        by_name = counted  # inserted in sorted order (ids are)
        table = by_name[_lhash_order(self.srilm_index[by_name], np.array([0, len(by_name)], dtype=np.int64))]
        classed = table[self.word_class[table] >= 0]
        founders = sorted(set(self.word_class[classed].tolist()), key=lambda c: self.names[c])
        rank = {c: i for i, c in enumerate(founders)}
        group = np.array([rank[c] for c in self.word_class[classed].tolist()], dtype=np.int64)
        grouped = classed[np.argsort(group, kind="stable")]
        starts = np.searchsorted(np.sort(group), np.arange(len(founders) + 1))
        ordered = grouped[_lhash_order(self.srilm_index[grouped], starts.astype(np.int64))]
        lines = []
        for w in ordered.tolist():
            founder = int(self.word_class[w])
            total = int(self.class_unigrams[founder])
            prob = 0.0 if total == 0 else int(self.word_counts[w]) / total
            lines.append((self.names[founder], prob, self.vocab.words[w]))
        return lines

    def write_classes(self, path):
        """The classes file (`CLASS p word` lines, p with 16 significant digits)."""
        with atomic_output(path, text=True) as out:
            out.write("".join(f"{c} {p:.16g} {w}\n" for c, p, w in self.definitions()))

    def class_counts(self):
        """The class uni- and bigram counts as NgramCounts over class names and unclassed words."""
        from .model import NgramCounts

        n = len(self.vocab)
        token_name = {}
        for w in range(n):
            c = self.word_class[w]
            if c >= 0:
                token_name[w] = self.names[c]
            elif self.word_counts[w] > 0:
                token_name[w] = self.vocab.words[w]
        vocab = Vocabulary(set(token_name.values()))
        token_id = np.full(n, -1, dtype=np.int32)
        for w, name in token_name.items():
            token_id[w] = vocab.index[name]
        live = np.flatnonzero((self.class_unigrams > 0) & (token_id >= 0))
        live = live[(self.word_class[live] < 0) | (self.word_class[live] == live)]
        uni_rows = token_id[live].reshape(-1, 1)
        uni_counts = self.class_unigrams[live]
        order = np.argsort(uni_rows[:, 0], kind="stable")
        a = token_id[self.bigram_keys // n]
        b = token_id[self.bigram_keys % n]
        rows = np.stack([a, b], axis=1).astype(np.int32)
        sort = np.lexsort((rows[:, 1], rows[:, 0]))
        return NgramCounts(vocab, [np.ascontiguousarray(uni_rows[order]), np.ascontiguousarray(rows[sort])],
                           [uni_counts[order].astype(np.int64), self.bigram_values[sort].astype(np.int64)])

    def stats(self):
        """SRILM's final statistics: sentences (</s> count), words (other than <s>, </s>) and,
        as logprob, the bigram class model's log likelihood of the text: sum n(w) log n(w) +
        sum n(c1,c2) log n(c1,c2) - 2 sum n(c) log n(c), in log10."""
        def nlogn(x):
            x = np.asarray(x, dtype=np.float64)
            x = x[x > 0]
            return float(np.sum(x * np.log10(x)))

        founder = (self.word_class < 0) | (self.word_class == np.arange(len(self.word_class)))
        live = (self.class_unigrams > 0) & founder
        logprob = nlogn(self.word_counts) + nlogn(self.bigram_values) - 2 * nlogn(self.class_unigrams[live])
        eos, bos = self.vocab.eos, self.vocab.bos
        words = int(self.word_counts.sum() - self.word_counts[eos] - self.word_counts[bos])
        return TextStats(sentences=int(self.word_counts[eos]), words=words, logprob=logprob)

    def write_class_counts(self, path):
        from .countfile import write_counts

        write_counts(self.class_counts(), path)


def induce_classes(text, num_classes, full=False, noclass_words=None):
    """SRILM's ngram-class on a text file: each word (but `noclass_words`, default <s> and
    </s>) starts as a class of its own, and the pair of classes whose merge loses the least
    bigram log likelihood is merged until `num_classes` remain. full=False merges
    incrementally (classes join by decreasing count, num_classes + 1 at a time: Brown et al.'s
    O(VC^2) algorithm); full=True over all classes (O(V^3))."""
    from .training import count

    noclass_list = list(noclass_words) if noclass_words is not None else None
    if num_classes < 1:
        num_classes = 1
    counts = count(text, order=2, progress=False)
    vocab = counts.vocab
    n = len(vocab)
    word_counts = np.zeros(n, dtype=np.int64)
    word_counts[counts.ngrams[0][:, 0]] = counts.counts[0]
    noclass = {BOS, EOS} if noclass_list is None else set(noclass_list)
    is_class = word_counts > 0
    for w in noclass:
        if w in vocab.index:
            is_class[vocab.index[w]] = False
    # class names in creation order (sorted words), skipping names that are words
    names = {}
    number = 0
    for w in np.flatnonzero(is_class):
        while True:
            number += 1
            name = f"CLASS-{number:05d}"
            if name not in vocab.index:
                break
        names[int(w)] = name
    classed = np.flatnonzero(is_class)
    order = classed[np.lexsort((-classed, -word_counts[classed]))]
    rows = counts.ngrams[1]
    word_class, class_unigrams, keys, values = _induce(
        n, rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64), counts.counts[1].astype(np.int64),
        word_counts, is_class, num_classes, full, order.astype(np.int64))
    # SRILM's vocabulary: <unk>, <s>, </s>, -pau-, the no-class list, then the text's words
    srilm_index = np.full(n, -1, dtype=np.int64)
    order_of = [vocab.index.get(w, -1) for w in (UNK, BOS, EOS, PAUSE)]
    order_of += [vocab.index.get(w, -1) for w in (noclass_list or [])]
    order_of += _first_appearance(text, vocab).tolist()
    next_index = 0
    for w in order_of:
        if w < 0 or srilm_index[w] < 0:
            if w >= 0:
                srilm_index[w] = next_index
            next_index += 1
    return ClassInduction(vocab, word_class, names, word_counts, class_unigrams, keys, values, srilm_index)
