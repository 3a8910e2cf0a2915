"""SRILM's replace-words-with-classes: text rewritten with class names, longest expansion
first, left to right, with the gawk script's options."""

import itertools
import sys

import numpy as np

from ..jit import njit
from ..numfmt import put_bytes
from ..scoring import WordTable, tokenize_lines
from ..textio import atomic_output, iter_line_blocks
from ..vocab import Vocabulary
from .definitions import GAWK_NUMBER, read_class_lines

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


def awk_true(value):
    """gawk's truth of a command-line assignment (a numeric string is true when nonzero)."""
    if value is None:
        return False
    if GAWK_NUMBER.fullmatch(value.strip()):
        try:
            return float(value) != 0
        except ValueError:
            pass
    return value != ""


class ClassReplacer:
    """SRILM's replace-words-with-classes over texts: the expansion trie of a classes file.
    When two lines expand to the same words, the first line's class is used."""

    def __init__(self, classes_path, encoding="utf-8"):
        self.definitions = read_class_lines(classes_path, gawk_numbers=True, encoding=encoding)
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

    def replace(self, blocks, out, have_counts=False, partial=False):
        """Write the rewritten lines of `blocks` (iter_line_blocks's, of one text) to the binary
        stream `out`; returns the lines read."""
        lines = 0
        n_words = np.int64(len(self.vocab))
        pipe_id = self.vocab.index["|"]
        for block, _ in blocks:
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
                               counts_path=None, normalize=True, addone=1.0, log=None, encoding="utf-8"):
    """replace-words-with-classes: rewrite `texts` (paths, `-` for stdin) to the binary stream
    `out`, each longest class expansion replaced by its class name; with `have_counts` each
    line's last field (a count) is left alone; with `partial` runs of two or more blanks block
    multi-word expansions. `counts_path`: where to write the expansion counts. Prints the
    script's `read N class expansions` to `log` (default stderr) once the first line is read. `encoding`: the
    classes file's and the texts' (`bytes`: words are their bytes, as the gawk script's)."""
    replacer = None
    for path in texts:
        blocks = iter_line_blocks(path, encoding, allow_bytes=True)  # read once: stdin cannot be read again
        first = next((item for item in blocks if item[0]), None)
        if first is None:
            continue
        if replacer is None:
            replacer = ClassReplacer(classes_path, encoding)
            print(f"read {len(replacer.definitions.classes)} class expansions", file=log or sys.stderr)
        replacer.replace(itertools.chain([first], blocks), out, have_counts, partial)
    if counts_path and replacer is not None:
        replacer.write_expansion_counts(counts_path, normalize, addone)
    return replacer
