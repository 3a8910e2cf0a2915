"""SRILM's machine-independent binary LM (`ngram -write-bin-lm`, `SRILM_BINARY_NGRAM_002`).

The file is three text lines' worth of header and a binary trie:

- `SRILM_BINARY_NGRAM_002\\n`, then `maxorder N\\n`;
- the index map: `INDEX WORD\\n` per word in index order, ended by `.\\n`. Indices are SRILM's
  Vocab numbering: `<unk>` 0, `<s>` 1, `</s>` 2, `-pau-` 3 (its constructor adds those four),
  then the other words as they were added: a -map-unk word (index 0, `<unk>`'s, is then left
  out), the words of -vocab, then the model's as its files list them (ngram-count: the text's
  in order of first appearance). Every word of the vocabulary is listed, with n-grams or not;
- the trie of contexts, most recent word first. A node is: the byte length of its subtree
  (counted from the length field itself), its context's backoff weight, the number of
  probabilities, (word, probability) pairs, then (word, subtree) per longer context. Pairs and
  subtrees come in index order. The root is the empty context: its probabilities are the
  unigrams, its weight NgramModel.empty_context_backoff (log 0 when SRILM read the model from
  an ARPA file, 0 when it estimated or mixed it anew).

Numbers are big-endian: probabilities and weights float32; counts and indices in 2 bytes below
2^15, else 4 bytes with the top bit set below 2^30, else 8 bytes with the two top bits set. A
subtree's length field is 2 bytes at the deepest level, 4 up to three levels above it, 8 higher
up, or larger when its value does not fit (SRILM's writer retries with the larger size).

log 0 is -inf here and -99 in the model (as in ARPA files). A context that has no backoff weight
in the model but has longer n-grams gets a node of weight 0 (the weight scoring uses); reading
keeps the root's weight and those of nodes whose context is an n-gram of the file.

Read at a lower -order than its maxorder, SRILM makes the nodes of that depth without reading
them (weight 0, no probabilities), and writes them back as such: their length fields take 8
bytes, its guess below the model's order in unsigned arithmetic. At the file's maxorder, where
only such empty nodes can be, its reader makes the node and reads the node's bytes as the keys
of further empty nodes. Nodes that no n-gram needs are NgramModel.extra_contexts.
"""

import mmap
import os

import numpy as np

from .constants import LOG_ZERO
from .errors import FormatError, MissingFileError
from .jit import njit
from .meta_counts import meta_types
from .model import NgramModel
from .srilm_trie import srilm_word_indices
from .tables import find_rows, first_duplicate_row, merged_duplicate_rows, prefix_rows
from .textio import atomic_output, word_bytes, word_text
from .vocab import BOS, EOS, PAUSE, UNK, reading_vocabulary

MAGIC = b"SRILM_BINARY_NGRAM_002\n"
OLD_MAGIC = b"SRILM_BINARY_NGRAM_001\n"

_SHORT_LIMIT = 1 << 15
_LONG_LIMIT = 1 << 30
_LONG_LONG_LIMIT = 1 << 62

# status codes of the trie reader
_OK, _TRUNCATED, _BAD_LENGTH, _BAD_INDEX, _MISALIGNED = range(5)
_MESSAGES = {
    _TRUNCATED: "binary LM ends inside its n-gram trie",
    _BAD_LENGTH: "subtree length runs past its parent",
    _BAD_INDEX: "word index out of range of the index map",
    _MISALIGNED: "data misaligned: a subtree does not end where its length says",
}


def sniff(head):
    """Do these first bytes start an SRILM binary LM (either version)?"""
    return head.startswith(MAGIC) or head.startswith(OLD_MAGIC)


# ---------------------------------------------------------------- numbers


@njit(cache=True, inline="always")
def _count_bytes(value, min_bytes):
    """Bytes SRILM's writeBinaryCount takes for `value` when asked for at least `min_bytes`
    (0 when it does not fit in 8)."""
    if min_bytes <= 2 and value < _SHORT_LIMIT:
        return 2
    if min_bytes <= 4 and value < _LONG_LIMIT:
        return 4
    if value < _LONG_LONG_LIMIT:
        return 8
    return 0


@njit(cache=True, inline="always")
def _put_u32(buf, pos, value):
    buf[pos] = (value >> 24) & 255
    buf[pos + 1] = (value >> 16) & 255
    buf[pos + 2] = (value >> 8) & 255
    buf[pos + 3] = value & 255
    return pos + 4


@njit(cache=True, inline="always")
def _put_count(buf, pos, value, size):
    if size == 2:
        buf[pos] = (value >> 8) & 255
        buf[pos + 1] = value & 255
        return pos + 2
    if size == 4:
        return _put_u32(buf, pos, value | 0x80000000)
    pos = _put_u32(buf, pos, (value >> 32) | 0xC0000000)
    return _put_u32(buf, pos, value & 0xFFFFFFFF)


@njit(cache=True, inline="always")
def _get_u32(buf, pos):
    return (np.int64(buf[pos]) << 24) | (np.int64(buf[pos + 1]) << 16) | (np.int64(buf[pos + 2]) << 8) \
        | np.int64(buf[pos + 3])


@njit(cache=True, inline="always")
def _get_count(buf, pos, limit):
    """(value, new position), or (-1, pos) when the count runs past `limit`."""
    if pos + 2 > limit:
        return -1, pos
    high = (np.int64(buf[pos]) << 8) | np.int64(buf[pos + 1])
    if high < _SHORT_LIMIT:
        return high, pos + 2
    if pos + 4 > limit:
        return -1, pos
    value = _get_u32(buf, pos) & 0x7FFFFFFF
    if value < _LONG_LIMIT:
        return value, pos + 4
    if pos + 8 > limit:
        return -1, pos
    return ((value & 0x3FFFFFFF) << 32) | _get_u32(buf, pos + 4), pos + 8


# ---------------------------------------------------------------- writing


def srilm_index_map(vocab, word_order=None, meta_tag=None):
    """SRILM's index map of `vocab`: the (index, word) lines in index order, and each word id's
    index. `word_order`: word ids in the order SRILM's Vocab added them (specials and repeats
    passed over, -1 for an index no word keeps); the vocabulary's other words follow in id
    order. The meta-count words of `meta_tag` (meta_counts.py) keep their indices but are not
    listed, as Vocab::writeIndexMap leaves them out of a model."""
    met = np.arange(len(vocab)) if word_order is None else np.concatenate([word_order, np.arange(len(vocab))])
    index, by_index = srilm_word_indices(met, vocab)
    if meta_tag:
        meta = {vocab.words[i] for i in np.flatnonzero(meta_types(vocab, meta_tag) >= 0)}
        by_index = [None if w in meta else w for w in by_index]
    return [(i, w) for i, w in enumerate(by_index) if w is not None], index.astype(np.int64)


def _log_zero_to_inf(values):
    out = np.asarray(values, dtype=np.float32).copy()
    out[out == LOG_ZERO] = -np.inf
    return out


def _contexts(model):
    """The contexts that get nodes, per length d = 1..order (sorted (n, d) id rows): n-grams
    with a backoff weight, the contexts of longer n-grams, the model's extra_contexts, and the
    suffixes of those (a node's parent is its context less the oldest word)."""
    order = model.order
    extra = model.extra_contexts or []
    contexts = [None] * (order + 1)
    for d in range(order, 0, -1):
        parts = [extra[d - 1]] if d <= len(extra) else []
        if d < order:
            parts += [model.ngrams[d - 1][~np.isnan(model.backoff[d - 1])], model.ngrams[d][:, :d],
                      contexts[d + 1][:, 1:]]
        rows = np.ascontiguousarray(np.concatenate(parts).astype(np.int32)) if parts else \
            np.zeros((0, d), dtype=np.int32)
        contexts[d] = np.unique(rows, axis=0) if len(rows) else rows.reshape(0, d)
    return contexts


def _trie_arrays(model, index):
    """The nodes in file order (depth, key, weight bits, first probability) and the
    probabilities grouped by node (word index, value bits)."""
    order = model.order
    contexts = _contexts(model)
    depth = [np.zeros(1, dtype=np.int64)]
    paths = [np.full((1, order), -1, dtype=np.int64)]
    weights = [_log_zero_to_inf([model.empty_context_backoff])]
    for d in range(1, order + 1):
        rows = contexts[d]
        path = np.full((len(rows), order), -1, dtype=np.int64)
        path[:, :d] = index[rows[:, ::-1]]
        paths.append(path)
        depth.append(np.full(len(rows), d, dtype=np.int64))
        weight = np.zeros(len(rows), dtype=np.float32)
        if d < order:
            found = find_rows(model.ngrams[d - 1], rows, 0)
            backoff = model.backoff[d - 1][found[found >= 0]]
            weight[found >= 0] = np.where(np.isnan(backoff), 0.0, backoff)
        weights.append(_log_zero_to_inf(weight))
    path = np.concatenate(paths)
    # file order is the preorder of the trie: paths compared index by index, shorter first
    preorder = np.lexsort(path.T[::-1])
    node_of = np.empty(len(preorder), dtype=np.int64)
    node_of[preorder] = np.arange(len(preorder))
    depth = np.concatenate(depth)[preorder]
    keys = path[preorder, np.maximum(depth - 1, 0)]
    weight_bits = np.concatenate(weights)[preorder].view(np.uint32).astype(np.int64)

    first_node = np.cumsum([0] + [len(contexts[d]) for d in range(1, order + 1)])
    owners, words, values = [], [], []
    for k in range(1, order + 1):
        rows = model.ngrams[k - 1]
        if k == 1:
            owner = np.zeros(len(rows), dtype=np.int64)
        else:
            owner = node_of[1 + first_node[k - 2] + prefix_rows(rows, contexts[k - 1])]
        owners.append(owner)
        words.append(index[rows[:, -1]])
        values.append(_log_zero_to_inf(model.logprob[k - 1]))
    owner, word, value = np.concatenate(owners), np.concatenate(words), np.concatenate(values)
    grouped = np.lexsort((word, owner))
    prob_start = np.zeros(len(depth) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=len(depth)), out=prob_start[1:])
    return depth, keys, weight_bits, prob_start, word[grouped], value[grouped].view(np.uint32).astype(np.int64)


@njit(cache=True)
def _subtree_sizes(depth, keys, prob_start, prob_word, order):
    """Length field size and subtree length of each node, as SRILM's writer settles them;
    (-1, -1) when a length does not fit in 8 bytes."""
    n = len(depth)
    parent = np.full(n, -1, dtype=np.int64)
    last_at = np.zeros(order + 1, dtype=np.int64)
    content = np.zeros(n, dtype=np.int64)
    for i in range(n):
        d = depth[i]
        last_at[d] = i
        if d > 0:
            parent[i] = last_at[d - 1]
        size = 4 + _count_bytes(prob_start[i + 1] - prob_start[i], 0)
        for p in range(prob_start[i], prob_start[i + 1]):
            size += _count_bytes(prob_word[p], 0) + 4
        content[i] = size
    field = np.zeros(n, dtype=np.int64)
    total = np.zeros(n, dtype=np.int64)
    for i in range(n - 1, -1, -1):
        # SRILM's guess, in unsigned arithmetic: a node below the model's order (extra_contexts
        # of its highest) starts at 8 bytes
        levels_below = order - 1 - depth[i]
        size = 2 if levels_below == 0 else (4 if 0 < levels_below <= 3 else 8)
        need = _count_bytes(size + content[i], size)
        while need != size:  # the field grows until its length, itself included, fits in it
            if need == 0:
                return field, total, False
            size = need
            need = _count_bytes(size + content[i], size)
        field[i] = size
        total[i] = size + content[i]
        if parent[i] >= 0:
            content[parent[i]] += _count_bytes(keys[i], 0) + total[i]
    return field, total, True


@njit(cache=True)
def _write_trie(buf, depth, keys, weight_bits, field, total, prob_start, prob_word, prob_bits):
    pos = 0
    for i in range(len(depth)):
        if depth[i] > 0:
            pos = _put_count(buf, pos, keys[i], _count_bytes(keys[i], 0))
        pos = _put_count(buf, pos, total[i], field[i])
        pos = _put_u32(buf, pos, weight_bits[i])
        count = prob_start[i + 1] - prob_start[i]
        pos = _put_count(buf, pos, count, _count_bytes(count, 0))
        for p in range(prob_start[i], prob_start[i + 1]):
            pos = _put_count(buf, pos, prob_word[p], _count_bytes(prob_word[p], 0))
            pos = _put_u32(buf, pos, prob_bits[p])
    return pos


def write_srilm_binary(model, path, word_order=None, meta_tag=None):
    """Write `model` as SRILM's `-write-bin-lm` does (atomically). `word_order`: the word ids in
    the order SRILM's Vocab numbered them (see srilm_index_map; default: the model's in the order
    of the file read, NgramModel.words_in_file_order); `meta_tag`: the tag of the meta-count
    words the vocabulary holds (ngram-count's -meta-tag), which the index map leaves out."""
    entries, index = srilm_index_map(model.vocab, model.words_in_file_order() if word_order is None else word_order,
                                     meta_tag)
    depth, keys, weight_bits, prob_start, prob_word, prob_bits = _trie_arrays(model, index)
    field, total, fits = _subtree_sizes(depth, keys, prob_start, prob_word, model.order)
    if not fits:
        raise FormatError("the model is too large for SRILM's binary format", path)
    trie = np.empty(int(total[0]), dtype=np.uint8)
    _write_trie(trie, depth, keys, weight_bits, field, total, prob_start, prob_word, prob_bits)
    header = MAGIC + f"maxorder {model.order}\n".encode()
    header += b"".join(b"%d %s\n" % (i, word_bytes(w)) for i, w in entries) + b".\n"
    with atomic_output(path) as out:
        out.write(header)
        out.write(trie.tobytes())


# ---------------------------------------------------------------- reading


@njit(cache=True)
def _read_trie(buf, pos, order, read_order, map_size, fill, ctx_paths, ctx_weight, ctx_depth, gram_rows, gram_prob,
               gram_order, gram_node):
    """Walk the trie from `pos` as SRILM's readBinaryNode does at -order `read_order`. Without
    `fill`, count nodes and probabilities; with it, store each node's context (oldest word
    first) and weight, and each n-gram (padded with -1) with its probability bits and the node
    holding it (-1: the root). Returns (status, position, nodes, n-grams)."""
    n = len(buf)
    ends = np.zeros(order + 1, dtype=np.int64)
    path = np.zeros(order + 1, dtype=np.int64)
    node_at = np.full(order + 1, -1, dtype=np.int64)
    read_depth = min(order, read_order)
    nodes = 0
    grams = 0
    d = 0
    limit = n
    while True:
        # a node of depth d at pos, inside `limit`
        start = pos
        length, pos = _get_count(buf, pos, limit)
        if length < 0:
            return _TRUNCATED, pos, nodes, grams
        end = start + length
        if end > n:
            return _TRUNCATED, start, nodes, grams
        if end > limit or end < pos:
            return _BAD_LENGTH, start, nodes, grams
        if pos + 4 > end:
            return _TRUNCATED, pos, nodes, grams
        weight = _get_u32(buf, pos)
        pos += 4
        count, pos = _get_count(buf, pos, end)
        if count < 0:
            return _TRUNCATED, pos, nodes, grams
        if d > 0:
            if fill:
                _put_context(ctx_paths, nodes, path, d)
                ctx_weight[nodes] = weight
                ctx_depth[nodes] = d
            node_at[d] = nodes
            nodes += 1
        for _ in range(count):
            word, pos = _get_count(buf, pos, end)
            if word < 0 or pos + 4 > end:
                return _TRUNCATED, pos, nodes, grams
            if word >= map_size:
                return _BAD_INDEX, pos, nodes, grams
            if fill:
                for j in range(d):
                    gram_rows[grams, j] = path[d - 1 - j]
                gram_rows[grams, d] = word
                gram_prob[grams] = _get_u32(buf, pos)
                gram_order[grams] = d + 1
                gram_node[grams] = node_at[d]
            pos += 4
            grams += 1
        ends[d] = end
        while True:
            # the next subtree to read: a child of the deepest node not yet finished
            while d >= 0 and pos == ends[d]:
                d -= 1
            if d < 0:
                return _OK, pos, nodes, grams
            if pos > ends[d]:
                return _MISALIGNED, pos, nodes, grams
            key, pos = _get_count(buf, pos, ends[d])
            if key < 0:
                return _TRUNCATED, pos, nodes, grams
            if key >= map_size:
                return _BAD_INDEX, pos, nodes, grams
            if d + 1 < read_depth:
                break
            # SRILM makes the child without reading it (weight 0, no probabilities): below
            # -order it passes over the child's bytes; at the file's maxorder, where only a model
            # read at a lower order leaves (empty) nodes, it reads them as further children's keys
            if d + 1 < order:
                length, at = _get_count(buf, pos, ends[d])
                if length < 0:
                    return _TRUNCATED, pos, nodes, grams
                if pos + length > ends[d] or pos + length < at:
                    return _BAD_LENGTH, pos, nodes, grams
                pos += length
            if fill:
                path[d] = key
                _put_context(ctx_paths, nodes, path, d + 1)
                ctx_weight[nodes] = 0
                ctx_depth[nodes] = d + 1
            nodes += 1
        path[d] = key
        limit = ends[d]
        d += 1


@njit(cache=True, inline="always")
def _put_context(ctx_paths, node, path, d):
    """Node `node`'s context, oldest word first, from the trie path (most recent word first)."""
    for j in range(d):
        ctx_paths[node, j] = path[d - 1 - j]


@njit(cache=True)
def _with_probabilities(ctx_depth, holds_probs):
    """Which nodes (in file order) hold probabilities themselves or in a subtree."""
    n = len(ctx_depth)
    parent = np.full(n, -1, dtype=np.int64)
    last_at = np.full(ctx_depth.max() + 1 if n else 1, -1, dtype=np.int64)
    for i in range(n):
        last_at[ctx_depth[i]] = i
        if ctx_depth[i] > 1:
            parent[i] = last_at[ctx_depth[i] - 1]
    live = holds_probs.copy()
    for i in range(n - 1, -1, -1):
        if live[i] and parent[i] >= 0:
            live[parent[i]] = True
    return live


def _header(data, path):
    """maxorder, the index map (index -> word) and the trie's offset."""
    pos = len(MAGIC)
    end = data.find(b"\n", pos)
    fields = data[pos:end].split() if end >= 0 else []
    if len(fields) != 2 or fields[0] != b"maxorder" or not fields[1].isdigit() or int(fields[1]) < 1:
        raise FormatError("could not read the n-gram order (expected 'maxorder N')", path, 2)
    order = int(fields[1])
    words = {}
    line = 2
    while True:
        pos = end + 1
        end = data.find(b"\n", pos)
        line += 1
        if end < 0:
            raise FormatError("index map not ended by a '.' line", path, line)
        fields = data[pos:end].split()
        if not fields:
            continue
        if fields == [b"."]:
            return order, words, end + 1
        if len(fields) < 2 or not fields[0].isdigit():
            raise FormatError("malformed vocab index line (expected 'INDEX WORD')", path, line)
        words[int(fields[0])] = word_text(fields[1])


def _mapped(path):
    try:
        with open(path, "rb") as f:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if os.fstat(f.fileno()).st_size else b""
    except FileNotFoundError:
        raise MissingFileError("no such file", path) from None
    except OSError as exc:
        raise MissingFileError(f"cannot read: {exc.strerror}", path) from None


def read_srilm_binary(path, vocab=None, limit_vocab=False, order=None):
    """Read an SRILM binary LM (`SRILM_BINARY_NGRAM_002`) into an NgramModel. Its vocabulary is
    the index map's words plus `vocab`'s; with `limit_vocab`, `vocab`'s, and n-grams holding
    other words are left out (vocab.reading_vocabulary, as for ARPA files). `order`: read the
    orders up to this, as SRILM's reader at that -order (None: all)."""
    data = _mapped(path)
    head = bytes(data[:len(MAGIC)])
    if head == OLD_MAGIC:
        raise FormatError("SRILM's old machine-dependent binary format (SRILM_BINARY_NGRAM_001) is not "
                          "read; write the model with -write-bin-lm", path, 1)
    if head != MAGIC:
        raise FormatError("not an SRILM binary LM (no SRILM_BINARY_NGRAM_002 line)", path, 1)
    max_order, index_words, trie_start = _header(data, path)
    read_order = max_order if order is None else order
    map_size = max(index_words) + 1 if index_words else 0
    buf = np.frombuffer(data, dtype=np.uint8)
    empty2 = np.zeros((0, max_order), dtype=np.int64)
    empty1 = np.zeros(0, dtype=np.int64)
    status, pos, n_nodes, n_grams = _read_trie(buf, trie_start, max_order, read_order, map_size, False,
                                               empty2, empty1, empty1, empty2, empty1, empty1, empty1)
    if status != _OK:
        raise FormatError(f"{_MESSAGES[status]} (byte {pos})", path)
    if pos != len(buf):
        raise FormatError(f"{len(buf) - pos} bytes after the n-gram trie (byte {pos})", path)
    ctx_paths = np.full((n_nodes, max_order), -1, dtype=np.int64)
    ctx_weight, ctx_depth = np.empty(n_nodes, dtype=np.int64), np.empty(n_nodes, dtype=np.int64)
    gram_rows = np.full((n_grams, max_order), -1, dtype=np.int64)
    gram_prob, gram_order = np.empty(n_grams, dtype=np.int64), np.empty(n_grams, dtype=np.int64)
    gram_node = np.empty(n_grams, dtype=np.int64)
    _read_trie(buf, trie_start, max_order, read_order, map_size, True, ctx_paths, ctx_weight, ctx_depth, gram_rows,
               gram_prob, gram_order, gram_node)
    trie = (ctx_paths, ctx_weight.astype(np.uint32).view(np.float32), ctx_depth, gram_rows,
            gram_prob.astype(np.uint32).view(np.float32), gram_order, gram_node)
    # the root's weight follows its length field
    _, at = _get_count(buf, trie_start, len(buf))
    empty_backoff = np.array([_get_u32(buf, at)], dtype=np.int64).astype(np.uint32).view(np.float32)[0]
    model = _model(path, min(max_order, read_order), index_words, map_size, trie, empty_backoff, vocab, limit_vocab)
    # nodes at the file's maxorder make a model of the higher -order: its n-grams among them have
    # the weight 0, which SRILM writes at that order, and pruning removes them as its contexts
    return model.padded(read_order) if model.extra_contexts is not None else model


def _distinct(rows, values, vocab, what, path):
    """Sorted rows (equal ones in file order) and their values, one row each: an n-gram met again
    through an alias keeps its last entry, as SRILM's reader overwrites it; else it is an error."""
    duplicate = first_duplicate_row(rows)
    if duplicate < 0:
        return rows, values
    if vocab.aliases:
        rows, (values,) = merged_duplicate_rows(rows, [values])
        return rows, values
    raise FormatError(f"duplicate {what} {' '.join(vocab.words[i] for i in rows[duplicate])!r}", path)


def _model(path, order, index_words, map_size, trie, empty_backoff, extra_vocab, limit_vocab):
    ctx_paths, ctx_weight, ctx_depth, gram_rows, gram_prob, gram_order, gram_node = trie
    used = np.zeros(map_size + 1, dtype=bool)
    used[gram_rows[gram_rows >= 0]] = True
    listed = np.zeros(map_size + 1, dtype=bool)
    listed[list(index_words)] = True
    if (used[:-1] & ~listed[:-1]).any():
        raise FormatError("an n-gram holds a word index missing from the index map", path)
    # SRILM's vocabulary always holds -pau-; it is a word of the model only where an n-gram has it
    words = {i: w for i, w in index_words.items() if w != PAUSE or used[i]}
    for special in (BOS, EOS, UNK):
        if special not in words.values():
            raise FormatError(f"index map lacks {special}", path)
    vocab, ids = reading_vocabulary(list(words.values()), extra_vocab, limit_vocab)
    id_of = np.full(map_size + 1, -1, dtype=np.int32)  # the last entry stands for the -1 padding
    id_of[list(words)] = ids
    ngrams, logprob, backoff = [], [], []
    holds_probs = np.zeros(len(ctx_depth) + 1, dtype=bool)  # the last entry stands for the root
    for k in range(1, order + 1):
        pick = gram_order == k
        rows = np.ascontiguousarray(id_of[gram_rows[pick, :k]])
        values, owner = gram_prob[pick], gram_node[pick]
        if limit_vocab:
            keep = (rows >= 0).all(axis=1)
            rows, values, owner = np.ascontiguousarray(rows[keep]), values[keep], owner[keep]
        holds_probs[owner] = True
        sort = np.lexsort(rows.T[::-1])  # stable: equal rows stay in file order
        rows, values = _distinct(rows[sort], values[sort], vocab, f"{k}-gram", path)
        ngrams.append(rows)
        logprob.append(np.where(np.isneginf(values), np.float32(LOG_ZERO), values).astype(np.float32))
        if k < order:
            pick = ctx_depth == k
            contexts = np.ascontiguousarray(id_of[ctx_paths[pick, :k]])
            weights = ctx_weight[pick]
            if limit_vocab:
                keep = (contexts >= 0).all(axis=1)
                contexts, weights = np.ascontiguousarray(contexts[keep]), weights[keep]
            sort = np.lexsort(contexts.T[::-1])
            contexts, weights = _distinct(contexts[sort], weights[sort], vocab, f"{k}-gram context", path)
            found = find_rows(contexts, rows, 0)
            weight = np.full(len(rows), np.nan, dtype=np.float32)
            weight[found >= 0] = weights[found[found >= 0]]
            backoff.append(np.where(np.isneginf(weight), np.float32(LOG_ZERO), weight).astype(np.float32))
    # SRILM numbers the words as the index map lists them, those without n-grams too
    listing = ids[ids >= 0]
    listing = listing[np.sort(np.unique(listing, return_index=True)[1])]
    root = np.float32(empty_backoff)
    return NgramModel(vocab, ngrams, logprob, backoff, unigram_order=listing,
                      empty_context_backoff=float(LOG_ZERO if np.isneginf(root) else root),
                      extra_contexts=_extra_contexts(ctx_paths, ctx_depth, holds_probs[:-1], id_of, ngrams))


def _extra_contexts(ctx_paths, ctx_depth, holds_probs, id_of, ngrams):
    """NgramModel.extra_contexts of the nodes read (None: none): those with no probabilities in
    their subtree whose context is not an n-gram with a backoff weight (one of the top order, or
    none), as the reader makes them below -order and at the file's maxorder."""
    order = len(ngrams)
    live = _with_probabilities(ctx_depth, holds_probs)
    extra = []
    for d in range(1, order + 1):
        rows = id_of[ctx_paths[(ctx_depth == d) & ~live, :d]]
        rows = np.ascontiguousarray(rows[(rows >= 0).all(axis=1)])
        if d < order:
            rows = np.ascontiguousarray(rows[find_rows(ngrams[d - 1], rows, 0) < 0])
        extra.append(np.unique(rows, axis=0) if len(rows) else rows)
    return extra if any(len(rows) for rows in extra) else None
