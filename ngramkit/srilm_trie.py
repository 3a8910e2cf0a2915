"""Counts in SRILM's unsorted order: what `ngram-count` writes without `-sort`.

SRILM keeps counts in a trie whose nodes hold their children in open-addressing hash tables
(dstruct/src/LHash.cc) keyed by vocabulary index, and writes the trie depth first, each node's
children in table-slot order. That order follows from the indices (`<unk>` 0, `<s>` 1, `</s>`
2, `-pau-` 3, then words by first appearance), the order of insertion (text order) and the
table rules (srilm_lhash).

The trie is built by reading the text once more, in compiled code; the counts it holds are the
text's counts, the same as ngramkit.counting makes.
"""

import numpy as np

from .counting import build_vocabulary
from .errors import EmptyInputError, UsageError
from .jit import njit
from .numfmt import put_uint
from .progress import Progress
from .srilm_lhash import MIN_HASH_BITS, grown_bits, lhash_key
from .textio import iter_line_blocks, word_bytes
from .tokenize import Interner

SRILM_UNK, SRILM_BOS, SRILM_EOS, SRILM_PAUSE = 0, 1, 2, 3
PAUSE = "-pau-"
_BUFFER_BYTES = 1 << 23
DONE, GROW = 0, 1


@njit(cache=True)
def _locate(slot_key, offset, bits, n_entries, key):
    """(found, slot index within the table) of key, as LHash::locate."""
    if bits < MIN_HASH_BITS:
        for i in range(n_entries):
            if slot_key[offset + i] == key:
                return True, i
        return False, n_entries
    mask = (1 << bits) - 1
    i = lhash_key(key, bits)
    while slot_key[offset + i] >= 0:
        if slot_key[offset + i] == key:
            return True, i
        i = (i + 1) & mask
    return False, i


@njit(cache=True)
def _child(node, key, tab_offset, tab_bits, tab_entries, slot_key, slot_node, n_nodes, used):
    """The child of `node` under `key`, inserted (as node n_nodes[0]) if new."""
    offset = tab_offset[node]
    if offset < 0:  # alloc(1)
        offset = used[0]
        used[0] += 1
        tab_offset[node] = offset
        tab_bits[node] = 0
        tab_entries[node] = 0
    bits = tab_bits[node]
    n = tab_entries[node]
    found, i = _locate(slot_key, offset, bits, n, key)
    if found:
        return slot_node[offset + i]
    new_bits = grown_bits(n, bits)
    if new_bits != bits:
        new_offset = used[0]
        used[0] += 1 << new_bits
        for j in range(1 << bits):
            old_key = slot_key[offset + j]
            if old_key >= 0:
                if new_bits < MIN_HASH_BITS:
                    k = j
                else:
                    _, k = _locate(slot_key, new_offset, new_bits, n, old_key)
                slot_key[new_offset + k] = old_key
                slot_node[new_offset + k] = slot_node[offset + j]
        offset = new_offset
        bits = new_bits
        tab_offset[node] = offset
        tab_bits[node] = bits
        _, i = _locate(slot_key, offset, bits, n, key)
    child = n_nodes[0]
    n_nodes[0] += 1
    slot_key[offset + i] = key
    slot_node[offset + i] = child
    tab_entries[node] = n + 1
    return child


@njit(cache=True)
def _insert_windows(tokens, start, order, node_count, node_word, node_parent, tab_offset, tab_bits,
                    tab_entries, slot_key, slot_node, n_nodes, used, largest_table):
    """Count the windows starting at tokens[start:] as SRILM's NgramCounts::countSentence does;
    returns (status, next start): GROW when the arrays may not hold the next start's windows."""
    n = len(tokens)
    while start < n:
        if tokens[start] < 0:
            start += 1
            continue
        if (n_nodes[0] + order > len(node_count)
                or used[0] + order * (2 * largest_table[0] + 16) > len(slot_key)):
            return GROW, start
        node = 0
        for j in range(order):
            if start + j >= n or tokens[start + j] < 0:
                break
            child = _child(node, tokens[start + j], tab_offset, tab_bits, tab_entries, slot_key,
                           slot_node, n_nodes, used)
            node_count[child] += 1
            node_word[child] = tokens[start + j]
            node_parent[child] = node
            size = 1 << tab_bits[node]
            if size > largest_table[0]:
                largest_table[0] = size
            node = child
        start += 1
    return DONE, start


@njit(cache=True)
def _format(stack_node, stack_slot, depth, only, tab_offset, tab_bits, slot_node, node_word, node_count,
            node_parent, pool, offsets, buf, path):
    """Write count lines depth first from the state on the stack (depth > 0) into buf; returns
    (bytes written, depth), depth 0 when the trie is done. `only`: the order to write, 0 all."""
    pos = 0
    while depth > 0:
        node = stack_node[depth - 1]
        slot = stack_slot[depth - 1]
        offset = tab_offset[node]
        size = 0 if offset < 0 else 1 << tab_bits[node]
        child = -1
        while slot < size:
            child = slot_node[offset + slot]
            slot += 1
            if child >= 0:
                break
            child = -1
        stack_slot[depth - 1] = slot
        if child < 0:
            depth -= 1
            continue
        if only == 0 or depth == only:
            need = 24 + depth
            k = child
            for level in range(depth):
                path[depth - 1 - level] = k
                w = node_word[k]
                need += offsets[w + 1] - offsets[w]
                k = node_parent[k]
            if pos + need > len(buf):
                stack_slot[depth - 1] = slot - 1  # this child again, into the next buffer
                return pos, depth
            for level in range(depth):
                if level:
                    buf[pos] = 32
                    pos += 1
                w = node_word[path[level]]
                for b in range(offsets[w], offsets[w + 1]):
                    buf[pos] = pool[b]
                    pos += 1
            buf[pos] = 9
            pos = put_uint(buf, pos + 1, node_count[child])
            buf[pos] = 10
            pos += 1
        if only == 0 or depth < only:
            stack_node[depth] = child
            stack_slot[depth] = 0
            depth += 1
    return pos, depth


def _srilm_indices(words, options):
    """Each provisional word's SRILM vocabulary index, and the words by index: `<unk>`, `<s>`,
    `</s>`, `-pau-`, then the others in order of first appearance (after -tolower)."""
    vocab, remap = build_vocabulary(words, options)
    index_of = {vocab.unk: SRILM_UNK, vocab.bos: SRILM_BOS, vocab.eos: SRILM_EOS}
    if PAUSE in vocab:
        index_of[vocab.index[PAUSE]] = SRILM_PAUSE
    by_index = [vocab.words[i] for i in (vocab.unk, vocab.bos, vocab.eos)] + [PAUSE]
    for ours in remap.tolist():  # provisional ids are in order of first appearance
        if ours not in index_of:
            index_of[ours] = len(by_index)
            by_index.append(vocab.words[ours])
    return np.array([index_of[ours] for ours in remap.tolist()], dtype=np.int32), by_index


def _tokens(paths, options, quiet):
    """The text's token stream (-1 between sentences) over one table of provisional ids."""
    interner = Interner()
    parts = []
    progress = Progress("reading text", quiet=quiet, unit="B")
    for path in paths:
        for block, first_line in iter_line_blocks(path, options.encoding, allow_bytes=True):
            tokens, _ = interner.tokenize(block, options.add_sos, options.add_eos, path=path,
                                          first_line=first_line)
            parts.append(tokens)
            progress.advance(len(block))
    progress.close()
    return (np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)), interner.words()


@njit(cache=True)
def _apply(tokens, index):
    out = np.empty(len(tokens), dtype=np.int32)
    for i in range(len(tokens)):
        out[i] = -1 if tokens[i] < 0 else index[tokens[i]]
    return out


class _Trie:
    def __init__(self, nodes, slots):
        self.node_count = np.zeros(nodes, dtype=np.int64)
        self.node_word = np.zeros(nodes, dtype=np.int32)
        self.node_parent = np.zeros(nodes, dtype=np.int32)
        self.tab_offset = np.full(nodes, -1, dtype=np.int64)
        self.tab_bits = np.zeros(nodes, dtype=np.int64)
        self.tab_entries = np.zeros(nodes, dtype=np.int64)
        self.slot_key = np.full(slots, -1, dtype=np.int32)
        self.slot_node = np.full(slots, -1, dtype=np.int32)
        self.n_nodes = np.ones(1, dtype=np.int64)  # node 0 is the root
        self.used = np.zeros(1, dtype=np.int64)
        self.largest_table = np.ones(1, dtype=np.int64)

    def grow(self):
        for name, fill in (("node_count", 0), ("node_word", 0), ("node_parent", 0), ("tab_offset", -1),
                           ("tab_bits", 0), ("tab_entries", 0)):
            old = getattr(self, name)
            setattr(self, name, np.concatenate([old, np.full(len(old), fill, dtype=old.dtype)]))
        for name in ("slot_key", "slot_node"):
            old = getattr(self, name)
            setattr(self, name, np.concatenate([old, np.full(len(old), -1, dtype=old.dtype)]))

    def insert(self, tokens, order):
        """Count the windows of `tokens`, doubling the arrays whenever the kernel asks."""
        start = 0
        while True:
            status, start = _insert_windows(
                tokens, start, order, self.node_count, self.node_word, self.node_parent, self.tab_offset,
                self.tab_bits, self.tab_entries, self.slot_key, self.slot_node, self.n_nodes, self.used,
                self.largest_table)
            if status == DONE:
                return
            self.grow()


def write_counts_unsorted(paths, order, options, out, only=0, quiet=False):
    """Count the text files `paths` (TextOptions `options`) and write the counts of orders
    1..order (or of order `only`) to the binary stream `out` in SRILM's unsorted order, byte for
    byte as `ngram-count` without `-sort` writes them. The text's tokens and the trie are held in
    memory. A closed vocabulary is not supported: SRILM numbers its words in file order."""
    if options.vocab is not None:
        raise UsageError("SRILM's unsorted order is reproduced for counts without a vocabulary",
                         option="vocab")
    tokens, words = _tokens(paths, options, quiet)
    if not np.any(tokens < 0):
        raise EmptyInputError("no sentences in text (empty or blank input)", ", ".join(map(str, paths)))
    index, by_index = _srilm_indices(words, options)
    tokens = _apply(tokens, index)
    trie = _Trie(len(tokens) + 16, 4 * len(tokens) + 64)
    trie.insert(tokens, order)
    encoded = [word_bytes(w) for w in by_index]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    pool = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    longest = int(np.diff(offsets).max())
    buf = np.empty(max(_BUFFER_BYTES, order * (longest + 1) + 64), dtype=np.uint8)
    stack_node = np.zeros(order + 1, dtype=np.int64)
    stack_slot = np.zeros(order + 1, dtype=np.int64)
    path = np.zeros(order + 1, dtype=np.int64)
    depth = 1
    while depth > 0:
        used, depth = _format(stack_node, stack_slot, depth, only, trie.tab_offset, trie.tab_bits,
                              trie.slot_node, trie.node_word, trie.node_count, trie.node_parent, pool,
                              offsets, buf, path)
        out.write(buf[:used].tobytes())
