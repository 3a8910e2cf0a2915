"""G.fst from a backoff model: Kaldi's arpa2fst, built through pynini.

The machine is Kaldi's. State 0 is the empty history. Every kept n-gram below
the highest order that does not end in `</s>` is a state, with a backoff arc to
the state of its longest proper suffix that is a state. An n-gram is an arc from
the state of its history: to its own state, or for the highest order to the
state of its suffix of one word less (a new state when that suffix is none).
Weights are tropical, `-ln(10) * log10 p`.

With a disambiguation symbol (`#0`), backoff arcs read it and write `<eps>`, the
state of `<s>` is the start state and `p(</s> | h)` is the final weight of h.
Without one, backoff arcs are `<eps>:<eps>`, a start state of its own reads
`<s>`, and every `</s>` arc goes to one shared final state.

Skipped, as Kaldi skips them: n-grams holding a word outside a given symbol
table, with `<s>` not first or `</s>` not last, or whose history was not kept.

States and arcs are computed in compiled code over the model's sorted arrays;
the FST is OpenFst's binary serialisation, written by compiled code and read by
pynini in one call.
"""

import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field

import numpy as np
import pynini
import pywrapfst

from .constants import LN10
from .errors import FormatError, UsageError
from .jit import njit
from .numfmt import format_value, put_uint
from .tables import find_row_in, prefix_rows
from .textio import atomic_output, iter_lines
from .vocab import BOS, EOS

EPS = "<eps>"

# Why an n-gram was skipped (0: kept).
OUTSIDE_TABLE, MISPLACED, NO_HISTORY = 1, 2, 3
SKIP_REASONS = {
    OUTSIDE_TABLE: "a word outside the symbol table",
    MISPLACED: "<s> not first or </s> not last",
    NO_HISTORY: "a history (n-1)-gram that is absent or skipped",
}

# OpenFst's binary format (VectorFst, StdArc): header, then per state the final
# weight, the number of arcs and the arcs (ilabel, olabel, weight, nextstate).
_FST_MAGIC = 2125659606
_VECTOR_FST_VERSION = 2
_PROPERTY_EXPANDED_MUTABLE = 0x3
_PROPERTY_ILABEL_SORTED = 0x10000000


class SymbolTable:
    """Words and their integer labels, as in Kaldi's words.txt."""

    def __init__(self, ids):
        self.ids = dict(ids)

    def __len__(self):
        return len(self.ids)

    def items(self):
        """(word, label) pairs in label order."""
        return sorted(self.ids.items(), key=lambda item: item[1])

    def add(self, word):
        """Label of `word`, adding it after the highest label if absent (as OpenFst's AddSymbol)."""
        if word not in self.ids:
            self.ids[word] = max(self.ids.values(), default=-1) + 1
        return self.ids[word]

    @classmethod
    def read(cls, path):
        """Read `word label` lines; `<eps>` must have label 0."""
        ids = {}
        seen_labels = {}
        for line_no, line in iter_lines(path):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].isdigit():
                raise FormatError("expected 'word label' with a non-negative integer label", path, line_no)
            word, label = fields[0], int(fields[1])
            if word in ids:
                raise FormatError(f"word {word!r} listed twice", path, line_no)
            if label in seen_labels:
                raise FormatError(f"label {label} given to {seen_labels[label]!r} and {word!r}", path, line_no)
            ids[word] = label
            seen_labels[label] = word
        if ids.get(EPS) != 0:
            raise FormatError(f"symbol table must give {EPS} the label 0", path)
        return cls(ids)

    def write(self, path):
        with atomic_output(path, text=True) as out:
            out.write("".join(f"{word} {label}\n" for word, label in self.items()))

    def to_pynini(self):
        table = pynini.SymbolTable("words")
        for word, label in self.items():
            table.add_symbol(word, label)
        return table


@dataclass
class Grammar:
    """G as arrays: arcs of state s are arcs[arc_start[s]:arc_start[s + 1]].

    arcs columns: ilabel, olabel, weight (float32 bits), next state.
    final: float32 final weight per state (inf: not final). start: -1 if none.
    skipped[k-1]: per k-gram of the model, 0 if kept or the SKIP_REASONS key.
    """

    arc_start: np.ndarray
    arcs: np.ndarray
    final: np.ndarray
    start: int
    symbols: SymbolTable
    ilabel_sorted: bool
    skipped: list = field(repr=False)

    @property
    def num_states(self):
        return len(self.final)

    @property
    def num_arcs(self):
        return len(self.arcs)

    def skip_counts(self):
        """{reason: number of n-grams skipped for it}."""
        reasons = np.concatenate(self.skipped) if self.skipped else np.zeros(0, np.int8)
        counts = np.bincount(reasons, minlength=len(SKIP_REASONS) + 1)
        return {reason: int(counts[reason]) for reason in SKIP_REASONS if counts[reason]}

    def skipped_examples(self, model, limit):
        """Up to `limit` (n-gram text, reason) pairs of the model's skipped n-grams, lowest order first."""
        examples = []
        for k, reasons in enumerate(self.skipped, 1):
            for row in np.flatnonzero(reasons)[:limit - len(examples)].tolist():
                words = " ".join(model.vocab.words[w] for w in model.ngrams[k - 1][row].tolist())
                examples.append((words, int(reasons[row])))
        return examples

    def write_binary(self, stream):
        """Write OpenFst's binary serialisation (what fstinfo and pynini read) to a byte stream."""
        header = bytearray(np.int32(_FST_MAGIC).tobytes())
        for name in (b"vector", b"standard"):
            header += np.int32(len(name)).tobytes() + name
        properties = _PROPERTY_EXPANDED_MUTABLE | (_PROPERTY_ILABEL_SORTED if self.ilabel_sorted else 0)
        header += np.array([_VECTOR_FST_VERSION, 0], dtype=np.int32).tobytes()  # flags: no symbol tables
        header += np.array([properties], dtype=np.uint64).tobytes()
        header += np.array([self.start, self.num_states, self.num_arcs], dtype=np.int64).tobytes()
        stream.write(header)
        final_bits = self.final.view(np.int32)
        chunk_states = 1 << 18
        for lo in range(0, self.num_states, chunk_states):
            hi = min(lo + chunk_states, self.num_states)
            buffer = np.empty(12 * (hi - lo) + 16 * int(self.arc_start[hi] - self.arc_start[lo]), dtype=np.uint8)
            _serialize_states(buffer, lo, hi, self.arc_start, self.arcs, final_bits)
            stream.write(buffer)

    def to_openfst(self, keep_symbols=False):
        """The FST as pywrapfst's VectorFst (OpenFst's binding that pynini ships and wraps).

        It is read from our serialisation in a temporary file: from a string,
        OpenFst would hold two more copies of it. With keep_symbols the symbol
        table rides along as input and output symbols.
        """
        with tempfile.TemporaryDirectory(prefix="ngramkit-fst-") as tmp:
            path = os.path.join(tmp, "G.fst")
            with open(path, "wb") as stream:
                self.write_binary(stream)
            fst = pywrapfst.Fst.read(path)
        if keep_symbols:
            table = self.symbols.to_pynini()
            fst.set_input_symbols(table)
            fst.set_output_symbols(table)
        return fst

    def to_fst(self, keep_symbols=False):
        """The pynini.Fst (a copy of `to_openfst`'s, which holds half the memory at its peak)."""
        return pynini.Fst.from_pywrapfst(self.to_openfst(keep_symbols))

    def write_text(self, path):
        """OpenFst text form: start state first, weight always written (as k2's reader needs)."""
        with atomic_output(path) as out:
            if self.start < 0:
                return
            order = np.concatenate(([self.start], np.delete(np.arange(self.num_states), self.start)))
            weights = self.arcs[:, 2].view(np.float32)
            chunk_states = 1 << 16
            for lo in range(0, self.num_states, chunk_states):
                states = order[lo:lo + chunk_states]
                n_arcs = int((self.arc_start[states + 1] - self.arc_start[states]).sum())
                buffer = np.empty(80 * (n_arcs + len(states)), dtype=np.uint8)
                used = _format_text(states, self.arc_start, self.arcs, weights, self.final, buffer)
                out.write(buffer[:used].tobytes())


def write_fst(fst, path):
    """Write a pywrapfst or pynini FST in OpenFst's binary form to `path` (`-`: stdout, `.gz`: compressed).

    OpenFst writes a temporary file that is then copied over: its string form
    would hold the FST two or three times more in memory.
    """
    with tempfile.TemporaryDirectory(prefix="ngramkit-fst-") as tmp:
        written = os.path.join(tmp, "G.fst")
        fst.write(written)
        with open(written, "rb") as src, atomic_output(path) as out:
            shutil.copyfileobj(src, out, 1 << 24)


def _label_map(model, symbols, disambig_symbol, bos_symbol, eos_symbol, path):
    """(labels per model word id, -1 outside the table; the symbol table; disambig label or 0).

    Without a table one is made as Kaldi and k2 expect: `<eps>` 0, the model's
    words in byte order, then the disambiguation symbol, `<s>` and `</s>`.
    """
    vocab = model.vocab
    specials = {EPS, bos_symbol, eos_symbol} | ({disambig_symbol} if disambig_symbol else set())
    unigram_ids = model.ngrams[0][:, 0] if model.order else np.zeros(0, np.int32)
    if symbols is None:
        clash = [vocab.words[w] for w in unigram_ids.tolist() if vocab.words[w] in (EPS, disambig_symbol)]
        if clash:
            raise FormatError(f"the model holds the word {clash[0]!r}, which is reserved here", path)
        words = [vocab.words[w] for w in unigram_ids.tolist() if vocab.words[w] not in specials]
        symbols = SymbolTable({EPS: 0, **{word: label for label, word in enumerate(words, 1)}})
        disambig = symbols.add(disambig_symbol) if disambig_symbol else 0
        symbols.add(bos_symbol)
        symbols.add(eos_symbol)
    else:
        symbols = SymbolTable(symbols.ids)
        disambig = 0
        if disambig_symbol:
            if disambig_symbol not in symbols.ids:
                raise UsageError(f"the symbol table has no disambiguation symbol {disambig_symbol!r}")
            disambig = symbols.ids[disambig_symbol]
        symbols.add(bos_symbol)
        symbols.add(eos_symbol)
        if bos_symbol == eos_symbol or 0 in (symbols.ids[bos_symbol], symbols.ids[eos_symbol]):
            raise UsageError("<s> and </s> need different, non-epsilon symbols")
        reserved = [vocab.words[w] for w in unigram_ids.tolist()
                    if symbols.ids.get(vocab.words[w], -1) in (0, disambig)]
        if reserved:
            raise FormatError(f"the model's word {reserved[0]!r} has the label of <eps> or the "
                              "disambiguation symbol", path)
    get = symbols.ids.get
    labels = np.fromiter((get(w, -1) for w in vocab.words), dtype=np.int32, count=len(vocab))
    return labels, symbols, disambig


@njit(cache=True)
def _suffix_state(tables, first_starts, states, ids, i, col):
    """State of the longest suffix ids[i, c:] with c >= col that has one; 0 (empty history) at worst."""
    k = ids.shape[1]
    for c in range(col, k):
        m = k - c
        row = find_row_in(tables[m - 1], first_starts[m - 1][ids[i, c]], first_starts[m - 1][ids[i, c] + 1], ids, i, c)
        if row >= 0 and states[m - 1][row] >= 0:
            return states[m - 1][row]
    return 0


@njit(cache=True)
def _order_arcs(ids, logprob, backoff, history, is_highest, labels, bos, eos, disambig, eos_state,
                tables, first_starts, states, next_state, final, skipped, arc_src, arc_dst, arc_ilabel,
                arc_olabel, arc_weight):
    """States and arcs of one order's n-grams, appended to the arc arrays.

    Fills states[k-1] (k < highest) and skipped. Returns (arcs written, next free
    state, start state or -1 if this order has no `<s>` unigram, number of
    highest-order arcs whose destination is not a state yet, marked -(row + 1)).
    """
    n, k = ids.shape
    own_states = states[k - 1]
    history_states = states[k - 2] if k > 1 else own_states
    n_arcs = 0
    start = -1
    missing = 0
    for i in range(n):
        reason = 0
        for c in range(k):
            w = ids[i, c]
            if labels[w] < 0:
                reason = OUTSIDE_TABLE
                break
        if reason == 0:
            for c in range(k):
                w = ids[i, c]
                if (c > 0 and w == bos) or (c < k - 1 and w == eos):
                    reason = MISPLACED
                    break
        source = 0
        if reason == 0 and k > 1:
            h = history[i]
            if h < 0 or history_states[h] < 0:
                reason = NO_HISTORY
            else:
                source = history_states[h]
        skipped[i] = reason
        if reason != 0:
            continue
        word = ids[i, k - 1]
        weight = np.float32(-LN10 * np.float64(logprob[i]))
        if word == eos:
            if disambig != 0:
                final[source] = weight
            else:
                arc_src[n_arcs] = source
                arc_dst[n_arcs] = eos_state
                arc_ilabel[n_arcs] = labels[word]
                arc_olabel[n_arcs] = labels[word]
                arc_weight[n_arcs] = weight
                n_arcs += 1
            continue
        # The state of the suffix of one word less, -1 if it has none.
        suffix = 0
        if k > 1:
            row = find_row_in(tables[k - 2], first_starts[k - 2][ids[i, 1]], first_starts[k - 2][ids[i, 1] + 1], ids, i, 1)
            suffix = states[k - 2][row] if row >= 0 else -1
        if is_highest:
            dest = suffix
            if dest < 0:
                dest = -(i + 1)
                missing += 1
        else:
            dest = next_state
            next_state += 1
            own_states[i] = dest
            bow = backoff[i]
            arc_src[n_arcs] = dest
            arc_dst[n_arcs] = suffix if suffix >= 0 else _suffix_state(tables, first_starts, states, ids, i, 2)
            arc_ilabel[n_arcs] = disambig
            arc_olabel[n_arcs] = 0
            arc_weight[n_arcs] = np.float32(0.0) if np.isnan(bow) else np.float32(-LN10 * np.float64(bow))
            n_arcs += 1
        if word == bos:
            # Reading <s> is free: its state is the start, or follows the start.
            if disambig != 0:
                start = dest
                continue
            start = next_state
            next_state += 1
            source = start
            weight = np.float32(0.0)
        arc_src[n_arcs] = source
        arc_dst[n_arcs] = dest
        arc_ilabel[n_arcs] = labels[word]
        arc_olabel[n_arcs] = labels[word]
        arc_weight[n_arcs] = weight
        n_arcs += 1
    return n_arcs, next_state, start, missing


@njit(cache=True)
def _suffix_states_of(suffixes, tables, first_starts, states):
    """Backoff state of each new highest-order destination (a suffix that is not a state)."""
    out = np.empty(suffixes.shape[0], dtype=np.int32)
    for i in range(suffixes.shape[0]):
        out[i] = _suffix_state(tables, first_starts, states, suffixes, i, 1)
    return out


@njit(cache=True)
def _swap_rows(arcs, p, q):
    for c in range(arcs.shape[1]):
        arcs[p, c], arcs[q, c] = arcs[q, c], arcs[p, c]


@njit(cache=True)
def _insertion_sort_rows(arcs, lo, hi):
    """Sort arcs[lo:hi] by ilabel; linear when sorted or nearly so, as most states are."""
    for p in range(lo + 1, hi):
        q = p
        while q > lo and arcs[q - 1, 0] > arcs[q, 0]:
            _swap_rows(arcs, q - 1, q)
            q -= 1


@njit(cache=True)
def _sift_down(arcs, lo, root, size):
    while True:
        child = 2 * root + 1
        if child >= size:
            return
        if child + 1 < size and arcs[lo + child + 1, 0] > arcs[lo + child, 0]:
            child += 1
        if arcs[lo + root, 0] >= arcs[lo + child, 0]:
            return
        _swap_rows(arcs, lo + root, lo + child)
        root = child


@njit(cache=True)
def _heap_sort_rows(arcs, lo, hi):
    """Sort arcs[lo:hi] by ilabel in place, n log n for the states with many arcs."""
    size = hi - lo
    in_order = True
    for p in range(lo + 1, hi):
        if arcs[p, 0] < arcs[p - 1, 0]:
            in_order = False
            break
    if in_order:
        return
    for root in range(size // 2 - 1, -1, -1):
        _sift_down(arcs, lo, root, size)
    for end in range(size - 1, 0, -1):
        _swap_rows(arcs, lo, lo + end)
        _sift_down(arcs, lo, 0, end)


@njit(cache=True)
def _group_by_state(num_states, arc_src, arc_dst, arc_ilabel, arc_olabel, arc_weight_bits, ilabel_sort):
    """Arcs grouped by source state (stable), optionally sorted by ilabel within each state."""
    arc_start = np.zeros(num_states + 1, dtype=np.int64)
    for a in range(arc_src.shape[0]):
        arc_start[arc_src[a] + 1] += 1
    for s in range(num_states):
        arc_start[s + 1] += arc_start[s]
    fill = arc_start[:-1].copy()
    arcs = np.empty((arc_src.shape[0], 4), dtype=np.int32)
    for a in range(arc_src.shape[0]):
        p = fill[arc_src[a]]
        fill[arc_src[a]] += 1
        arcs[p, 0] = arc_ilabel[a]
        arcs[p, 1] = arc_olabel[a]
        arcs[p, 2] = arc_weight_bits[a]
        arcs[p, 3] = arc_dst[a]
    if ilabel_sort:
        for s in range(num_states):
            lo = arc_start[s]
            hi = arc_start[s + 1]
            if hi - lo <= 32:
                _insertion_sort_rows(arcs, lo, hi)
            else:
                _heap_sort_rows(arcs, lo, hi)
    return arc_start, arcs


@njit(cache=True)
def _put_int(out, pos, value, nbytes):
    """Little-endian integer bytes."""
    v = np.int64(value)
    for b in range(nbytes):
        out[pos + b] = (v >> (8 * b)) & 0xFF
    return pos + nbytes


@njit(cache=True)
def _serialize_states(out, first, end, arc_start, arcs, final_bits):
    """States first..end-1: final weight, number of arcs, arcs."""
    pos = 0
    for s in range(first, end):
        pos = _put_int(out, pos, final_bits[s], 4)
        pos = _put_int(out, pos, arc_start[s + 1] - arc_start[s], 8)
        for a in range(arc_start[s], arc_start[s + 1]):
            for c in range(4):
                pos = _put_int(out, pos, arcs[a, c], 4)
    return pos


@njit(cache=True)
def _format_text(states, arc_start, arcs, weights, final, out):
    """Text lines of `states`: `src dst ilabel olabel weight`, then `state weight` if final."""
    pos = 0
    for s in states:
        # arcs a of s, then a = end for the final weight, if any
        for a in range(arc_start[s], arc_start[s + 1] + 1):
            is_arc = a < arc_start[s + 1]
            if not is_arc and np.isinf(final[s]):
                break
            pos = put_uint(out, pos, s)
            if is_arc:
                out[pos] = 9
                pos = put_uint(out, pos + 1, arcs[a, 3])
                out[pos] = 9
                pos = put_uint(out, pos + 1, arcs[a, 0])
                out[pos] = 9
                pos = put_uint(out, pos + 1, arcs[a, 1])
            out[pos] = 9
            # + 0 turns -0 into 0, as OpenFst prints it
            weight = weights[a] if is_arc else final[s]
            pos = format_value(float(weight + np.float32(0.0)), 0, out, pos + 1)
            out[pos] = 10
            pos += 1
    return pos


def compile_grammar(model, symbols=None, disambig_symbol=None, bos_symbol=BOS, eos_symbol=EOS,
                    ilabel_sort=True, path=None):
    """Kaldi's G of `model` as a `Grammar` (arrays, symbol table, skipped n-grams).

    symbols: a `SymbolTable` to label words with (n-grams with other words are
    skipped), or None to make one. disambig_symbol: e.g. "#0", or None.
    path: the model's file, for error messages.
    """
    labels, symbols, disambig = _label_map(model, symbols, disambig_symbol, bos_symbol, eos_symbol, path)
    vocab = model.vocab
    bos = vocab.index.get(bos_symbol, -1)
    eos = vocab.index.get(eos_symbol, -1)
    order = model.order
    sizes = model.sizes()
    tables = tuple(model.ngrams)
    # Rows of order k starting with word w: first_starts[k-1][w] up to [w + 1]. The
    # highest order is never searched.
    first_starts = tuple(np.searchsorted(ids[:, 0], np.arange(len(vocab) + 1)).astype(np.int64)
                        if k < order else np.zeros(1, np.int64) for k, ids in enumerate(model.ngrams, 1))
    states = tuple(np.full(n if k < order else 0, -1, dtype=np.int32) for k, n in enumerate(sizes, 1))
    # States 0 (empty history) and, without a disambiguation symbol, 1 (after </s>);
    # then one per lower-order n-gram, one start state, and the new highest-order destinations.
    eos_state = 1 if not disambig else -1
    next_state = 1 if disambig else 2
    final = np.full(next_state + sum(sizes[:-1]) + 1, np.inf, dtype=np.float32)
    if not disambig:
        final[eos_state] = 0.0
    max_arcs = sum(sizes) + sum(sizes[:-1])
    arc_src = np.empty(max_arcs, dtype=np.int32)
    arc_dst = np.empty(max_arcs, dtype=np.int32)
    arc_ilabel = np.empty(max_arcs, dtype=np.int32)
    arc_olabel = np.empty(max_arcs, dtype=np.int32)
    arc_weight = np.empty(max_arcs, dtype=np.float32)
    n_arcs = 0
    start = -1
    skipped = []
    new_states = new_backoff = np.zeros(0, np.int32)
    for k in range(1, order + 1):
        ids = model.ngrams[k - 1]
        history = prefix_rows(ids, model.ngrams[k - 2]) if k > 1 else np.zeros(0, np.int64)
        backoff = model.backoff[k - 1] if k < order else model.logprob[k - 1]
        reasons = np.zeros(len(ids), dtype=np.int8)
        end = n_arcs + len(ids) * (1 if k == order else 2)
        written, next_state, order_start, missing = _order_arcs(
            ids, model.logprob[k - 1], backoff, history, k == order, labels, bos, eos, disambig, eos_state,
            tables, first_starts, states, next_state, final, reasons,
            arc_src[n_arcs:end], arc_dst[n_arcs:end], arc_ilabel[n_arcs:end], arc_olabel[n_arcs:end],
            arc_weight[n_arcs:end])
        if order_start >= 0:
            start = order_start
        if missing:
            new_states, new_backoff = _suffix_destinations(ids, arc_dst[n_arcs:n_arcs + written], next_state,
                                                           tables, first_starts, states)
            next_state += len(new_states)
        skipped.append(reasons)
        n_arcs += written
    final = np.concatenate((final[:next_state - len(new_states)], np.full(len(new_states), np.inf, np.float32)))
    if len(new_states):
        # Kaldi backs these states off at weight 0 (the highest order has no backoff weights).
        arc_src = np.concatenate((arc_src[:n_arcs], new_states))
        arc_dst = np.concatenate((arc_dst[:n_arcs], new_backoff))
        arc_ilabel = np.concatenate((arc_ilabel[:n_arcs], np.full(len(new_states), disambig, np.int32)))
        arc_olabel = np.concatenate((arc_olabel[:n_arcs], np.zeros(len(new_states), np.int32)))
        arc_weight = np.concatenate((arc_weight[:n_arcs], np.zeros(len(new_states), np.float32)))
        n_arcs += len(new_states)
    arc_start, arcs = _group_by_state(next_state, arc_src[:n_arcs], arc_dst[:n_arcs], arc_ilabel[:n_arcs],
                                      arc_olabel[:n_arcs], arc_weight[:n_arcs].view(np.int32), ilabel_sort)
    return Grammar(arc_start, arcs, final, start, symbols, ilabel_sort, skipped)


def _suffix_destinations(ids, dst, next_state, tables, first_starts, states):
    """New states for highest-order arcs whose suffix is not a state (dst marks them -(row + 1)).

    Kaldi creates one such state per distinct suffix. Patches dst; returns the
    new states and the states they back off to.
    """
    marked = np.flatnonzero(dst < 0)
    rows = -dst[marked].astype(np.int64) - 1
    suffixes, inverse = np.unique(ids[rows, 1:], axis=0, return_inverse=True)
    new_states = (next_state + np.arange(len(suffixes))).astype(np.int32)
    dst[marked] = new_states[inverse.ravel()]
    return new_states, _suffix_states_of(np.ascontiguousarray(suffixes), tables, first_starts, states)


def report_skipped(grammar, model, path, warn, limit=30):
    """Warn of the n-grams `grammar` skipped as Kaldi's arpa2fst does: the first `limit` by name
    (-1: all), then the totals per reason, and a missing start state."""
    limit = sum(model.sizes()) if limit < 0 else limit
    for words, reason in grammar.skipped_examples(model, limit):
        warn(f"{path}: skipped n-gram '{words}' with {SKIP_REASONS[reason]}")
    counts = grammar.skip_counts()
    if counts:
        warn(f"{path}: skipped {sum(counts.values())} n-grams: "
             + ", ".join(f"{n} with {SKIP_REASONS[r]}" for r, n in counts.items()))
    if grammar.start < 0:
        warn(f"{path}: no start state (the model has no 1-gram for the sentence start)")


def grammar_of_file(path, disambig_symbol=None, symbol_table=None, bos_symbol=BOS, eos_symbol=EOS,
                    ilabel_sort=True, max_order=None, warn=None, max_warnings=0):
    """The Grammar of the model file at `path` (any format `ngramkit.load` reads), its skipped
    n-grams reported to `warn` (default: Python warnings) as Kaldi's arpa2fst reports them.

    symbol_table: path of a words.txt to label words with, or None to make a table."""
    from .formats import load

    symbols = SymbolTable.read(symbol_table) if symbol_table else None
    model = load(path).truncated(max_order)
    grammar = compile_grammar(model, symbols, disambig_symbol, bos_symbol, eos_symbol, ilabel_sort, path)
    report_skipped(grammar, model, path, warn or (lambda message: warnings.warn(message, stacklevel=4)),
                   max_warnings)
    return grammar


def arpa_to_fst(path, disambig_symbol=None, symbol_table=None, bos_symbol=BOS, eos_symbol=EOS,
                ilabel_sort=True, keep_symbols=False, max_order=None):
    """Kaldi's arpa2fst as a function: the G `pynini.Fst` of the model file at `path`.

    symbol_table: path of a words.txt to label words with, or None to make a
    table (kept with the FST). Skipped n-grams are reported as warnings.
    """
    grammar = grammar_of_file(path, disambig_symbol, symbol_table, bos_symbol, eos_symbol, ilabel_sort, max_order)
    return grammar.to_fst(keep_symbols or symbol_table is None)


def write_arpa_fst(path, output, disambig_symbol=None, symbol_table=None, bos_symbol=BOS, eos_symbol=EOS,
                   ilabel_sort=True, keep_symbols=False, max_order=None, write_symbol_table=None, text=False,
                   warn=None, max_warnings=30):
    """Kaldi's arpa2fst as a command does it: the G of the model at `path` written to `output`
    (OpenFst binary, or its text form with `text`; `-`: stdout), and its words.txt to
    `write_symbol_table`. The symbols ride along in a binary FST with `keep_symbols`, or when
    no symbol table is read or written."""
    grammar = grammar_of_file(path, disambig_symbol, symbol_table, bos_symbol, eos_symbol, ilabel_sort, max_order,
                              warn, max_warnings)
    if write_symbol_table:
        grammar.symbols.write(write_symbol_table)
    if text:
        grammar.write_text(output)
        return
    fst = grammar.to_openfst(keep_symbols or not (symbol_table or write_symbol_table))
    del grammar  # OpenFst's copy is the one written: the arrays go first
    write_fst(fst, output)
