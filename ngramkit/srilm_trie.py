"""Counts in SRILM's unsorted order: what `ngram-count` writes without `-sort`.

SRILM keeps counts in a trie whose nodes hold their children in open-addressing hash tables
(dstruct/src/LHash.cc) keyed by vocabulary index, and writes the trie depth first, each node's
children in table-slot order. That order follows from the indices (`<unk>` 0, `<s>` 1, `</s>`
2, `-pau-` 3, then words by first appearance), the order of insertion (text order) and the
table rules (srilm_lhash).

The trie is built by reading the text once more, in compiled code; the counts it holds are the
text's counts, the same as ngramkit.counting makes.
"""

import sys

import numpy as np

from .counting import TextTotals, build_vocabulary, passed_over_warnings, unk_seen_in
from .errors import EmptyInputError, UsageError
from .jit import njit
from .numfmt import put_uint
from .progress import Progress
from .srilm_lhash import MIN_HASH_BITS, grown_bits, lhash_key
from .textio import atomic_output, blank_skipped_lines, iter_line_blocks, word_bytes
from .tokenize import PROV_BOS, PROV_EOS, PROV_UNK, Interner
from .vocab import BOS, EOS, PAUSE, UNK, lowercase

SRILM_UNK, SRILM_BOS, SRILM_EOS, SRILM_PAUSE = 0, 1, 2, 3
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


_LINK_BITS = 31


@njit(cache=True, inline="always")
def _take_table(bits, used, free_head, slot_key, slot_node):
    """The offset of an empty table of 2**bits slots: one left by growth, else new at the end."""
    head = free_head[bits]
    if head == 0:
        offset = used[0]
        used[0] += 1 << bits
        return offset
    offset = head - 1
    # the link to the next free table of this size sits in the first slot
    free_head[bits] = (np.int64(slot_key[offset]) << _LINK_BITS) | np.int64(slot_node[offset])
    slot_key[offset] = -1
    slot_node[offset] = -1
    return offset


@njit(cache=True, inline="always")
def _release_table(offset, bits, free_head, slot_key, slot_node):
    """Empty the table at `offset` and keep it for the next table of its size."""
    for j in range(1 << bits):
        slot_key[offset + j] = -1
        slot_node[offset + j] = -1
    link = free_head[bits]
    slot_key[offset] = np.int32(link >> _LINK_BITS)
    slot_node[offset] = np.int32(link & ((1 << _LINK_BITS) - 1))
    free_head[bits] = offset + 1


@njit(cache=True)
def _child(node, key, tab_offset, tab_bits, tab_entries, slot_key, slot_node, n_nodes, used, free_head):
    """The child of `node` under `key`, inserted (as node n_nodes[0]) if new."""
    offset = tab_offset[node]
    if offset < 0:  # alloc(1)
        offset = _take_table(0, used, free_head, slot_key, slot_node)
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
        new_offset = _take_table(new_bits, used, free_head, slot_key, slot_node)
        for j in range(1 << bits):
            old_key = slot_key[offset + j]
            if old_key >= 0:
                if new_bits < MIN_HASH_BITS:
                    k = j
                else:
                    _, k = _locate(slot_key, new_offset, new_bits, n, old_key)
                slot_key[new_offset + k] = old_key
                slot_node[new_offset + k] = slot_node[offset + j]
        _release_table(offset, bits, free_head, slot_key, slot_node)
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
def _insert_windows(tokens, start, order, node_count, tab_offset, tab_bits, tab_entries, slot_key, slot_node,
                    n_nodes, used, free_head, largest_table):
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
                           slot_node, n_nodes, used, free_head)
            node_count[child] += 1
            size = 1 << tab_bits[node]
            if size > largest_table[0]:
                largest_table[0] = size
            node = child
        start += 1
    return DONE, start


@njit(cache=True)
def _format(stack_node, stack_slot, stack_word, depth, only, tab_offset, tab_bits, slot_key, slot_node, node_count,
            pool, offsets, buf):
    """Write count lines depth first from the state on the stack (depth > 0) into buf; returns
    (bytes written, depth), depth 0 when the trie is done. stack_word holds the words of the
    path (a child's word is the key of its slot). `only`: the order to write, 0 all."""
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
                stack_word[depth - 1] = slot_key[offset + slot - 1]
                break
            child = -1
        stack_slot[depth - 1] = slot
        if child < 0:
            depth -= 1
            continue
        if only == 0 or depth == only:
            need = 24 + depth
            for level in range(depth):
                w = stack_word[level]
                need += offsets[w + 1] - offsets[w]
            if pos + need > len(buf):
                stack_slot[depth - 1] = slot - 1  # this child again, into the next buffer
                return pos, depth
            for level in range(depth):
                if level:
                    buf[pos] = 32
                    pos += 1
                w = stack_word[level]
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


def srilm_word_indices(ids, vocab):
    """SRILM's vocabulary index of each word of `vocab` (-1 for words not in `ids`), where `ids`
    are word ids in order of first appearance: `<unk>`, `<s>`, `</s>`, `-pau-`, then the others
    in that order (a -map-unk word, which SRILM adds after taking `<unk>` out, first of them;
    -1: an index that no word keeps, srilm_given_words'); and the words by index (None where
    `<unk>` was and at the indices no word keeps)."""
    index = np.full(len(vocab), -1, dtype=np.int32)
    index[[vocab.bos, vocab.eos]] = [SRILM_BOS, SRILM_EOS]
    if PAUSE in vocab:
        index[vocab.index[PAUSE]] = SRILM_PAUSE
    mapped = vocab.unk_word != UNK
    index[vocab.unk] = SRILM_PAUSE + 1 if mapped else SRILM_UNK
    by_index = [None if mapped else vocab.unk_word, BOS, EOS, PAUSE] + [vocab.unk_word] * mapped
    for word in ids.tolist():
        if word < 0:
            by_index.append(None)
        elif index[word] < 0:
            index[word] = len(by_index)
            by_index.append(vocab.words[word])
    return index, by_index


def srilm_given_words(vocab, vocab_words=(), aliases=None, nonevents=()):
    """The word ids of `vocab` in the order SRILM's Vocab numbers the words it is given before a
    model's or a text's: those of -vocab (`vocab_words`, in file order), the words of
    -vocab-aliases (`aliases`, alias -> word, in file order; default the vocabulary's), then the
    -nonevents; and where the aliases' words start. A -vocab word that an alias names is a word
    no more (Vocab::addWordAlias removes it), nor is one outside `vocab` (a class name of an
    expanded class model): -1 stands for its index, which no word keeps."""
    aliases = vocab.aliases if aliases is None else aliases
    names = list(vocab_words) if vocab.lowercase is None else lowercase(list(vocab_words), vocab.lowercase)
    listed = np.array([-1 if name in aliases else vocab.get(name, -1) for name in dict.fromkeys(names)],
                      dtype=np.int64)
    extra = vocab.ids(list(nonevents), unknown=-1)
    return np.concatenate([listed, vocab.ids(list(aliases.values())), extra[extra >= 0]]), len(listed)


def srilm_vocab_size(index):
    """The words of SRILM's Vocab (its numWords) that gave the word numbers `index`
    (srilm_word_indices'): <unk>, <s>, </s> and -pau- always (a -map-unk word in <unk>'s stead)."""
    return max(int(index.max(initial=-1)) + 1, SRILM_PAUSE + 1) - int(not (index == SRILM_UNK).any())


def _srilm_indices(words, options, unk_seen):
    """Each provisional word's SRILM vocabulary index, and the words by index (after -tolower);
    `unk_seen`: see build_vocabulary."""
    vocab, remap = build_vocabulary(words, options, unk_seen)
    # provisional ids are in order of first appearance, after the -nonevents; an unseen <unk> gets
    # no index
    given, _ = srilm_given_words(vocab, (), options.aliases or {}, options.nonevents)
    index, by_index = srilm_word_indices(np.concatenate([given, remap if unk_seen else np.delete(remap, PROV_UNK)]),
                                         vocab)
    return index[remap], by_index


def text_tokens(paths, options, quiet, warn=False):
    """The text's token stream (-1 between sentences) over one table of provisional ids, and
    its TextTotals (an open vocabulary's: no OOVs); with `warn`, SRILM's warnings of the lines
    passed over go to stderr."""
    interner = Interner()
    parts = []
    totals = TextTotals()
    progress = Progress("reading text", quiet=quiet, unit="B")
    for path in paths:
        for block, first_line in iter_line_blocks(path, options.encoding, allow_bytes=True):
            if options.getline_skips:
                block = blank_skipped_lines(block)
            tokens, _ = interner.tokenize(block, options.add_sos, options.add_eos, path=path,
                                          first_line=first_line, max_words=options.max_words)
            if warn:
                sys.stderr.write(passed_over_warnings(path, interner.long_lines))
            parts.append(tokens)
            totals += TextTotals.of_block(block, first_line, path, tokens, PROV_BOS, PROV_EOS, -1)
            progress.advance(len(block))
    progress.close()
    return (np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)), interner.words(), totals


def write_vocab_index(paths, options, path, count_files=False):
    """SRILM's vocabulary index map (ngram-count's -write-vocab-index) of the words of text files
    (or, with `count_files`, count files) `paths`, without a closed vocabulary: 'INDEX WORD'
    lines in index order, then '.'. With -map-unk, its word takes the index after -pau- and
    index 0 is left unused."""
    interner = Interner()
    first = []  # per block, the first position of each provisional id in the text read so far
    read = 0
    for name in paths:
        for block, first_line in iter_line_blocks(name, options.encoding, allow_bytes=True):
            tokens, _ = interner.tokenize(block, count_lines=count_files, path=name, first_line=first_line,
                                          max_words=options.max_words)
            ids, at = np.unique(tokens, return_index=True)
            first.append(np.stack([ids[ids >= 0], at[ids >= 0] + read]))
            read += len(tokens)
    words = interner.words()
    # the interner holds <s>, </s> and <unk> from the start: words go by their first appearance
    met = np.full(len(words), np.iinfo(np.int64).max)
    for ids, at in first:
        met[ids] = np.minimum(met[ids], at)
    words = [words[i] for i in np.argsort(met, kind="stable") if met[i] < np.iinfo(np.int64).max]
    if options.tolower:
        words = lowercase(words, options.encoding)
    # -map-unk's word replaces <unk>, which becomes a word like the others
    by_index = [UNK, BOS, EOS, PAUSE] if options.map_unk == UNK else [None, BOS, EOS, PAUSE, options.map_unk]
    by_index += [w for w in dict.fromkeys(words) if w not in by_index]
    entries = [(i, w) for i, w in enumerate(by_index) if w is not None]
    with atomic_output(path) as out:
        out.write(b"".join(b"%d %s\n" % (i, word_bytes(w)) for i, w in entries) + b".\n")


@njit(cache=True)
def _apply(tokens, index):
    out = np.empty(len(tokens), dtype=np.int32)
    for i in range(len(tokens)):
        out[i] = -1 if tokens[i] < 0 else index[tokens[i]]
    return out


_GROWTH = 1.5


def _grown(array, fill):
    """`array` extended by half its length with `fill`."""
    out = np.empty(int(len(array) * _GROWTH) + 16, dtype=array.dtype)
    out[:len(array)] = array
    out[len(array):] = fill
    return out


class _Trie:
    """Nodes (node 0 the root) with their counts and the table of their children; the tables'
    slots hold (word, child), tables of 2**bits slots at offsets into one pool of slots, where a
    table left by growth is reused for the next table of its size. Counts are int32 when no count
    can exceed it (fewer tokens than 2**31), offsets while the pool is smaller than 2**31."""

    _NODE_FIELDS = (("node_count", 0), ("tab_offset", -1), ("tab_bits", 0), ("tab_entries", 0))
    _SLOT_FIELDS = (("slot_key", -1), ("slot_node", -1))

    def __init__(self, nodes, slots, count_dtype):
        self.node_count = np.zeros(nodes, dtype=count_dtype)
        self.tab_offset = np.full(nodes, -1, dtype=self._offset_dtype(slots))
        self.tab_bits = np.zeros(nodes, dtype=np.int8)
        self.tab_entries = np.zeros(nodes, dtype=np.int32)
        self.slot_key = np.full(slots, -1, dtype=np.int32)
        self.slot_node = np.full(slots, -1, dtype=np.int32)
        self.n_nodes = np.ones(1, dtype=np.int64)
        self.used = np.zeros(1, dtype=np.int64)
        self.free_head = np.zeros(64, dtype=np.int64)  # per size, 1 + offset of a free table, 0 none
        self.largest_table = np.ones(1, dtype=np.int64)

    @staticmethod
    def _offset_dtype(slots):
        return np.int32 if slots < np.iinfo(np.int32).max else np.int64

    def nbytes(self):
        return sum(getattr(self, name).nbytes for name, _ in self._NODE_FIELDS + self._SLOT_FIELDS)

    def insert(self, tokens, order):
        """Count the windows of `tokens`, growing the arrays the kernel finds short."""
        start = 0
        while True:
            status, start = _insert_windows(
                tokens, start, order, self.node_count, self.tab_offset, self.tab_bits, self.tab_entries,
                self.slot_key, self.slot_node, self.n_nodes, self.used, self.free_head, self.largest_table)
            if status == DONE:
                return
            if self.n_nodes[0] + order > len(self.node_count):
                for name, fill in self._NODE_FIELDS:
                    setattr(self, name, _grown(getattr(self, name), fill))
            while self.used[0] + order * (2 * self.largest_table[0] + 16) > len(self.slot_key):
                for name, fill in self._SLOT_FIELDS:
                    setattr(self, name, _grown(getattr(self, name), fill))
            if self._offset_dtype(len(self.slot_key)) != self.tab_offset.dtype:
                self.tab_offset = self.tab_offset.astype(np.int64)


class UnsortedCounts:
    """The counts of a text in SRILM's trie, ready to be written in its unsorted order."""

    def __init__(self, paths, order, options, quiet=False):
        """Count orders 1..order of the text files `paths` (TextOptions `options`). The text's
        tokens and the trie are held in memory. A closed vocabulary is not supported: SRILM
        numbers its words in file order."""
        if options.vocab is not None:
            raise UsageError("SRILM's unsorted order is reproduced for counts without a vocabulary",
                             option="vocab")
        tokens, words, self.text_totals = text_tokens(paths, options, quiet, warn=True)
        if not np.any(tokens < 0) and not options.allow_empty:
            raise EmptyInputError("no sentences in text (empty or blank input)", ", ".join(map(str, paths)))
        self.text_totals.cover(paths)
        index, by_index = _srilm_indices(words, options, unk_seen_in(tokens, options.map_unk))
        tokens = _apply(tokens, index)
        self.order = order
        # about what a text needs (a 3-gram count of 17M tokens: 11M nodes, 17M slots in tables)
        count_dtype = np.int32 if len(tokens) < np.iinfo(np.int32).max else np.int64
        self.trie = _Trie(len(tokens) * 3 // 4 + 16, len(tokens) * 5 // 4 + 64, count_dtype)
        self.trie.insert(tokens, order)
        del tokens
        encoded = [word_bytes(w or "") for w in by_index]  # None: where <unk> was, before -map-unk
        self.offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=self.offsets[1:])
        self.pool = np.frombuffer(b"".join(encoded), dtype=np.uint8)

    def write(self, out, only=0):
        """Write the counts of all orders (or of order `only`) to the binary stream `out`, byte
        for byte as `ngram-count` without `-sort` writes them."""
        order, trie = self.order, self.trie
        longest = int(np.diff(self.offsets).max())
        buf = np.empty(max(_BUFFER_BYTES, order * (longest + 1) + 64), dtype=np.uint8)
        stack_node = np.zeros(order + 1, dtype=np.int64)
        stack_slot = np.zeros(order + 1, dtype=np.int64)
        stack_word = np.zeros(order + 1, dtype=np.int32)
        depth = 1
        while depth > 0:
            used, depth = _format(stack_node, stack_slot, stack_word, depth, only, trie.tab_offset, trie.tab_bits,
                                  trie.slot_key, trie.slot_node, trie.node_count, self.pool, self.offsets, buf)
            out.write(buf[:used].tobytes())

