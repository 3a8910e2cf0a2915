"""Class induction (SRILM's ngram-class): Brown et al.'s greedy merging of word classes by
the bigram log likelihood, with SRILM's float32 bookkeeping (cached contributions updated in
place after each merge) so that the same merges win."""

import math
from dataclasses import dataclass

import numpy as np

from ..constants import MAX_NGRAM_ORDER
from ..errors import FormatError, UsageError
from ..jit import njit
from ..perplexity import TextStats
from ..scoring import WordTable, tokenize_lines
from ..srilm_lhash import MIN_HASH_BITS, grown_bits, lhash_key, lhash_order
from ..textio import atomic_output, getline_lines, iter_line_blocks, split_words
from ..vocab import BOS, EOS, PAUSE, UNK, Vocabulary, lowercase, lowercase_text
from .definitions import C_DOUBLE_PREFIX


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




# SRILM keeps class bigram counts in two tries (forward and reversed), each node's children in an
# LHash; its sums run over those tables in slot order, and float32 sums depend on that order.
# The tables are emulated here: keys are SRILM vocabulary indices, table t's slots sit at
# keys[offset[t]:offset[t] + 2**bits[t]] (counts alike), in a pool that grows as tables do.

@njit(cache=True)
def _t_locate(pool_keys, off, bits, n, key):
    """(absolute slot, found) of key in a table, as LHash::locate."""
    if off < 0:
        return -1, False
    if bits < MIN_HASH_BITS:
        for i in range(n):
            if pool_keys[off + i] == key:
                return off + i, True
        return off + n, False
    mask = (1 << bits) - 1
    i = lhash_key(np.uint64(key), bits)
    while True:
        k = pool_keys[off + i]
        if k < 0:
            return off + i, False
        if k == key:
            return off + i, True
        i = (i + 1) & mask


@njit(cache=True)
def _t_get(pool_keys, pool_vals, tab_off, tab_bits, tab_n, t, key):
    slot, found = _t_locate(pool_keys, tab_off[t], tab_bits[t], tab_n[t], key)
    return pool_vals[slot] if found else np.int64(0)


@njit(cache=True)
def _t_alloc(pool_keys, pool_vals, used, size):
    """A fresh body of `size` slots at the pool's end; returns the pool and the offset."""
    if used + size > len(pool_keys):
        grown = max(2 * len(pool_keys), used + size)
        k = np.full(grown, -1, dtype=np.int64)
        v = np.zeros(grown, dtype=np.int64)
        k[:used] = pool_keys[:used]
        v[:used] = pool_vals[:used]
        pool_keys, pool_vals = k, v
    return pool_keys, pool_vals, used


@njit(cache=True)
def _t_add(pool, tab_off, tab_bits, tab_n, t, key, amount):
    """*insertCount(key) += amount in table t, growing and rehashing it as LHash::insert does.
    `pool` = (keys, values, used); returns the pool."""
    pool_keys, pool_vals, used = pool
    if tab_off[t] < 0:
        pool_keys, pool_vals, off = _t_alloc(pool_keys, pool_vals, used, 1)
        used += 1
        tab_off[t], tab_bits[t], tab_n[t] = off, 0, 0
    off, bits, n = tab_off[t], tab_bits[t], tab_n[t]
    slot, found = _t_locate(pool_keys, off, bits, n, key)
    if found:
        pool_vals[slot] += amount
        return pool_keys, pool_vals, used
    new_bits = grown_bits(n, bits)
    if new_bits != bits:
        pool_keys, pool_vals, new_off = _t_alloc(pool_keys, pool_vals, used, 1 << new_bits)
        used += 1 << new_bits
        if new_bits < MIN_HASH_BITS:
            for i in range(n):
                pool_keys[new_off + i] = pool_keys[off + i]
                pool_vals[new_off + i] = pool_vals[off + i]
        else:
            for i in range(1 << bits):
                k = pool_keys[off + i]
                if k >= 0:
                    j, _ = _t_locate(pool_keys, new_off, new_bits, n, k)
                    pool_keys[j] = k
                    pool_vals[j] = pool_vals[off + i]
        tab_off[t], tab_bits[t] = new_off, new_bits
        off, bits = new_off, new_bits
        slot, _ = _t_locate(pool_keys, off, bits, n, key)
    pool_keys[slot] = key
    pool_vals[slot] = amount
    tab_n[t] = n + 1
    return pool_keys, pool_vals, used


@njit(cache=True)
def _t_remove(pool_keys, pool_vals, tab_off, tab_bits, tab_n, t, key):
    """LHash::remove: the key's count (0 if absent); later keys of its probe run move back."""
    off, bits, n = tab_off[t], tab_bits[t], tab_n[t]
    slot, found = _t_locate(pool_keys, off, bits, n, key)
    if not found:
        return np.int64(0)
    removed = pool_vals[slot]
    pool_keys[slot] = -1
    if bits < MIN_HASH_BITS:
        for i in range(slot, off + n - 1):
            pool_keys[i] = pool_keys[i + 1]
            pool_vals[i] = pool_vals[i + 1]
        pool_keys[off + n - 1] = -1
    else:
        mask = (1 << bits) - 1
        i = slot - off
        while True:
            i = (i + 1) & mask
            k = pool_keys[off + i]
            if k < 0:
                break
            j, ok = _t_locate(pool_keys, off, bits, n, k)
            if not ok:
                pool_keys[j] = k
                pool_vals[j] = pool_vals[off + i]
                pool_keys[off + i] = -1
    tab_n[t] = n - 1
    return removed


@njit(cache=True)
def _t_items(pool_keys, pool_vals, tab_off, tab_bits, tab_n, t, keys_out, vals_out):
    """Table t's keys and counts in slot order; returns how many."""
    off = tab_off[t]
    if off < 0:
        return 0
    m = 0
    size = tab_n[t] if tab_bits[t] < MIN_HASH_BITS else (1 << tab_bits[t])
    for i in range(size):
        k = pool_keys[off + i]
        if k >= 0:
            keys_out[m] = k
            vals_out[m] = pool_vals[off + i]
            m += 1
    return m


@njit(cache=True)
def _induce(n_tokens, token_key, key_token, rows_a, rows_b, bigram_counts, unigram_counts, is_class,
            num_classes, full, order, max_words, name_rank, class_words, root_keys, table_word_counts, trace):
    """Merge classes (each classed token starts as its own) down to num_classes; returns (the
    class of each token, -1 where not classed; class unigram counts; class bigram rows and
    counts; the merges made, (kept, merged into it) per iteration). Bigrams come in the order
    SRILM inserts them; `token_key`/`key_token`: SRILM's vocabulary index of each token and
    back. `order`: the classes by decreasing count (ties: later first), the order incremental
    merging adds them in. max_words > 0 (incremental only): a class that reaches that many
    words leaves the merge set, and the next class joins it. `name_rank`: each class's place
    in the byte order of class names (the order pairs are tried in); `class_words`: each
    class's number of words. `root_keys`: the tokens' keys as SRILM's trie first holds them
    (its unigrams: one per word, in word order); `table_word_counts`: the word counts in the
    slot order of SRILM's table of them. Also returns the final total log likelihood (float32,
    as SRILM's totalLogP sums it), and what `-debug 2` traces: each merge's (float32) loss of
    log likelihood, whether a full class then let the next class join, and, with `trace`, the
    total log likelihood before merging and after each merge (else empty)."""
    n_tables = 2 * n_tokens + 1  # forward table of token x: x; reversed: n_tokens + x; the trie's root
    root = 2 * n_tokens
    tab_off = np.full(n_tables, -1, dtype=np.int64)
    tab_bits = np.zeros(n_tables, dtype=np.int64)
    tab_n = np.zeros(n_tables, dtype=np.int64)
    pool = (np.full(8 * len(rows_a) + 64, -1, dtype=np.int64), np.zeros(8 * len(rows_a) + 64, dtype=np.int64), 0)
    for i in range(len(rows_a)):
        a, b = rows_a[i], rows_b[i]
        pool = _t_add(pool, tab_off, tab_bits, tab_n, a, token_key[b], bigram_counts[i])
        pool = _t_add(pool, tab_off, tab_bits, tab_n, n_tokens + b, token_key[a], bigram_counts[i])
    for i in range(len(root_keys)):
        pool = _t_add(pool, tab_off, tab_bits, tab_n, root, root_keys[i], 1)
    uni = unigram_counts.astype(np.int64).copy()
    parent = np.arange(n_tokens)
    keys_a = np.empty(n_tokens, dtype=np.int64)
    vals_a = np.empty(n_tokens, dtype=np.int64)
    keys_b = np.empty(n_tokens, dtype=np.int64)
    vals_b = np.empty(n_tokens, dtype=np.int64)
    buf_a = np.empty(n_tokens, dtype=np.int64)
    buf_b = np.empty(n_tokens, dtype=np.int64)
    class_contrib = np.zeros(n_tokens, dtype=np.float32)
    class_cached = np.zeros(n_tokens, dtype=np.bool_)
    classes = np.flatnonzero(is_class)
    n_classes = len(classes)
    # merge contributions of pairs in the merge set, by slot
    slot_cap = max(n_classes if full else min(num_classes + 1, n_classes), 1)
    slot_of = np.full(n_tokens, -1, dtype=np.int64)
    members = np.full(slot_cap, -1, dtype=np.int64)  # class of each slot
    merge_contrib = np.zeros((slot_cap, slot_cap), dtype=np.float32)
    merge_cached = np.zeros((slot_cap, slot_cap), dtype=np.bool_)
    free = list(range(slot_cap - 1, -1, -1))
    next_add = 0
    if full:
        for c in classes:
            s = free.pop()
            slot_of[c] = s
            members[s] = c
        next_add = n_classes
    else:
        while next_add < len(order) and next_add < num_classes:
            s = free.pop()
            slot_of[order[next_add]] = s
            members[s] = order[next_add]
            next_add += 1
    live = n_classes
    class_words = class_words.copy()
    merges = np.empty((max(n_classes - 1, 0), 2), dtype=np.int64)
    diffs = np.empty(max(n_classes - 1, 0), dtype=np.float32)
    refills = np.zeros(max(n_classes - 1, 0), dtype=np.bool_)
    # SRILM's totalLogP, a pass over all counts, after every merge: only when traced
    logps = np.empty(n_classes if trace else 0, dtype=np.float32)
    if trace:
        logps[0] = _total_logp(pool[0], pool[1], tab_off, tab_bits, tab_n, root, key_token, uni, table_word_counts,
                               keys_a, vals_a, keys_b, vals_b)
    iters = 0
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
        pk, pv = pool[0], pool[1]
        # the best merge: pairs in class name order, the first strictly best wins
        current = members[members >= 0]
        current = current[np.argsort(name_rank[current])]
        best_1 = -1
        best_2 = -1
        best = np.float32(0.0)
        for x in range(len(current)):
            c1 = current[x]
            for y in range(x + 1, len(current)):
                c2 = current[y]
                for c in (c1, c2):
                    if not class_cached[c]:
                        total = np.float32(0.0)
                        m = _t_items(pk, pv, tab_off, tab_bits, tab_n, c, keys_a, vals_a)
                        for k in range(m):
                            total = np.float32(total + _nlogn(vals_a[k]))
                        m = _t_items(pk, pv, tab_off, tab_bits, tab_n, n_tokens + c, keys_a, vals_a)
                        for k in range(m):
                            if key_token[keys_a[k]] != c:
                                total = np.float32(total + _nlogn(vals_a[k]))
                        class_contrib[c] = total
                        class_cached[c] = True
                s1, s2 = slot_of[c1], slot_of[c2]
                if not merge_cached[s1, s2]:
                    k1, k2 = token_key[c1], token_key[c2]
                    g11 = _t_get(pk, pv, tab_off, tab_bits, tab_n, c1, k1)
                    g12 = _t_get(pk, pv, tab_off, tab_bits, tab_n, c1, k2)
                    g21 = _t_get(pk, pv, tab_off, tab_bits, tab_n, c2, k1)
                    g22 = _t_get(pk, pv, tab_off, tab_bits, tab_n, c2, k2)
                    total = np.float32(0.0)
                    total = np.float32(total + _nlogn(g11 + g12 + g21 + g22))
                    for side in range(4):
                        # predecessors of c1, of c2 (reversed tables), successors of c1, of c2
                        first = side % 2 == 0
                        table = (c1 if first else c2) + (n_tokens if side < 2 else 0)
                        other = (c2 if first else c1) + (n_tokens if side < 2 else 0)
                        m = _t_items(pk, pv, tab_off, tab_bits, tab_n, table, keys_a, vals_a)
                        for k in range(m):
                            t = key_token[keys_a[k]]
                            if t == c1 or t == c2:
                                continue
                            there = _t_get(pk, pv, tab_off, tab_bits, tab_n, other, keys_a[k])
                            if first:
                                total = np.float32(total + _nlogn(vals_a[k] + there))
                            elif there == 0:
                                total = np.float32(total + _nlogn(vals_a[k]))
                    total = np.float32(total + np.float32(_nlogn(g12) + _nlogn(g21)))
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
        k1, k2 = token_key[c1], token_key[c2]

        # cached class contributions of the other classes, updated in place
        class_cached[c1] = False
        class_cached[c2] = False
        for c in range(n_tokens):
            if class_cached[c]:
                kc = token_key[c]
                a1 = _t_get(pk, pv, tab_off, tab_bits, tab_n, c, k1)
                a2 = _t_get(pk, pv, tab_off, tab_bits, tab_n, c, k2)
                b1 = _t_get(pk, pv, tab_off, tab_bits, tab_n, c1, kc)
                b2 = _t_get(pk, pv, tab_off, tab_bits, tab_n, c2, kc)
                upd = np.float32(_nlogn(a1 + a2) + _nlogn(b1 + b2))
                upd = np.float32(upd - _nlogn(a1))
                upd = np.float32(upd - _nlogn(a2))
                upd = np.float32(upd - _nlogn(b1))
                upd = np.float32(upd - _nlogn(b2))
                class_contrib[c] = np.float32(class_contrib[c] + upd)
        # cached merge contributions of pairs without c1, c2, likewise
        s1, s2 = slot_of[c1], slot_of[c2]
        merge_cached[s1, :] = False
        merge_cached[:, s1] = False
        merge_cached[s2, :] = False
        merge_cached[:, s2] = False
        to_c1 = np.zeros(slot_cap, dtype=np.int64)
        to_c2 = np.zeros(slot_cap, dtype=np.int64)
        for x in range(slot_cap):
            m1 = members[x]
            if m1 >= 0:
                km = token_key[m1]
                buf_a[x] = _t_get(pk, pv, tab_off, tab_bits, tab_n, m1, k1)
                buf_b[x] = _t_get(pk, pv, tab_off, tab_bits, tab_n, m1, k2)
                to_c1[x] = _t_get(pk, pv, tab_off, tab_bits, tab_n, c1, km)
                to_c2[x] = _t_get(pk, pv, tab_off, tab_bits, tab_n, c2, km)
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
        # the counts, as SRILM's mergeCounts on the forward, then the reversed trie: c2's
        # entries added to c1's table (in slot order), c2's table dropped, and in every table
        # holding c2 its count moved to c1
        n_succ = _t_items(pk, pv, tab_off, tab_bits, tab_n, c2, keys_a, vals_a)
        n_pred = _t_items(pk, pv, tab_off, tab_bits, tab_n, n_tokens + c2, keys_b, vals_b)
        for side in range(2):
            base = 0 if side == 0 else n_tokens
            keys, vals, n_own = (keys_a, vals_a, n_succ) if side == 0 else (keys_b, vals_b, n_pred)
            holders, n_holders = (keys_b, n_pred) if side == 0 else (keys_a, n_succ)
            for k in range(n_own):
                pool = _t_add(pool, tab_off, tab_bits, tab_n, base + c1, keys[k], vals[k])
            tab_off[base + c2] = -1
            tab_n[base + c2] = 0
            tab_bits[base + c2] = 0
            pk, pv = pool[0], pool[1]
            if side == 0:
                _t_remove(pk, pv, tab_off, tab_bits, tab_n, root, k2)  # c2's node leaves the trie's root
            done_c1 = False
            for k in range(n_holders + 1):
                t = key_token[holders[k]] if k < n_holders else c1
                if t == c2 or (t == c1 and done_c1):
                    continue
                if t == c1:
                    done_c1 = True
                moved = _t_remove(pk, pv, tab_off, tab_bits, tab_n, base + t, k2)
                if moved:
                    pool = _t_add(pool, tab_off, tab_bits, tab_n, base + t, k1, moved)
                    pk, pv = pool[0], pool[1]
        uni[c1] += uni[c2]
        uni[c2] = 0
        parent[c2] = c1
        # c2 leaves the merge set
        free.append(s2)
        members[s2] = -1
        slot_of[c2] = -1
        merge_cached[s2, :] = False
        merge_cached[:, s2] = False
        live -= 1
        merges[iters, 0], merges[iters, 1] = c1, c2
        diffs[iters] = best
        if trace:
            logps[iters + 1] = _total_logp(pool[0], pool[1], tab_off, tab_bits, tab_n, root, key_token, uni,
                                           table_word_counts, keys_a, vals_a, keys_b, vals_b)
        iters += 1
        class_words[c1] += class_words[c2]
        if not full and max_words > 0 and class_words[c1] >= max_words:
            # c1 is full: it leaves the merge set, and the next class joins now
            free.append(s1)
            members[s1] = -1
            slot_of[c1] = -1
            merge_cached[s1, :] = False
            merge_cached[:, s1] = False
            if next_add < len(order):
                refills[iters - 1] = True
                s = free.pop()
                slot_of[order[next_add]] = s
                members[s] = order[next_add]
                next_add += 1
    result = np.full(n_tokens, -1, dtype=np.int64)
    for c in classes:
        result[c] = _root(parent, c)
    n_rows = 0
    for t in range(n_tokens):
        n_rows += tab_n[t]
    out_a = np.empty(n_rows, dtype=np.int64)
    out_b = np.empty(n_rows, dtype=np.int64)
    out_v = np.empty(n_rows, dtype=np.int64)
    r = 0
    pk, pv = pool[0], pool[1]
    for t in range(n_tokens):
        m = _t_items(pk, pv, tab_off, tab_bits, tab_n, t, keys_a, vals_a)
        for k in range(m):
            out_a[r], out_b[r], out_v[r] = t, key_token[keys_a[k]], vals_a[k]
            r += 1
    logp = _total_logp(pk, pv, tab_off, tab_bits, tab_n, root, key_token, uni, table_word_counts, keys_a, vals_a,
                       keys_b, vals_b)
    return (result, uni, out_a, out_b, out_v, merges[:iters], logp, diffs[:iters], refills[:iters],
            logps[:iters + 1] if trace else logps)


@njit(cache=True)
def _total_logp(pk, pv, tab_off, tab_bits, tab_n, root, key_token, uni, table_word_counts, keys_a, vals_a,
                keys_b, vals_b):
    """SRILM's totalLogP: sum n(w) log n(w) + sum n(c1,c2) log n(c1,c2) - 2 sum n(c) log n(c),
    in float32 and in its tables' slot order (the words', then the trie's: bigrams by their
    first token's node, then the unigrams); each unigram term is subtracted in double."""
    total = np.float32(0.0)
    for i in range(len(table_word_counts)):
        total = np.float32(total + _nlogn(table_word_counts[i]))
    m = _t_items(pk, pv, tab_off, tab_bits, tab_n, root, keys_b, vals_b)
    for i in range(m):
        t = key_token[keys_b[i]]
        n = _t_items(pk, pv, tab_off, tab_bits, tab_n, t, keys_a, vals_a)
        for k in range(n):
            total = np.float32(total + _nlogn(vals_a[k]))
    for i in range(m):
        total = np.float32(np.float64(total) - 2.0 * np.float64(_nlogn(uni[key_token[keys_b[i]]])))
    return total


def _lowered(block, tolower, encoding):
    """A block of text lowercased as counting lowercases its words (-tolower)."""
    return lowercase_text(block, encoding) if tolower else block


def _first_occurrences(path, vocab, bigrams, tolower=False, encoding="utf-8"):
    """Word ids in order of first appearance in `path` (sentences as <s> words </s>), and the
    stream position where each of `bigrams` (sorted rows) first occurs."""
    words = WordTable.from_vocab(vocab)
    n = np.int64(len(vocab))
    first = np.full(len(vocab), np.iinfo(np.int64).max, dtype=np.int64)
    bigram_keys = bigrams[:, 0].astype(np.int64) * n + bigrams[:, 1]
    first_bigram = np.full(len(bigrams), np.iinfo(np.int64).max, dtype=np.int64)
    offset = 0
    for block, _ in iter_line_blocks(path, encoding, allow_bytes=True):
        ids, _, _, line_offsets = tokenize_lines(np.frombuffer(_lowered(block, tolower, encoding), dtype=np.uint8),
                                                 *words.arrays(), vocab.unk, False, False)
        lines = len(line_offsets) - 1
        stream = np.empty(len(ids) + 2 * lines, dtype=np.int64)
        line_of = np.repeat(np.arange(lines), np.diff(line_offsets))
        stream[np.arange(len(ids)) + 2 * line_of + 1] = ids
        stream[line_offsets[:-1] + 2 * np.arange(lines)] = vocab.bos
        ends = line_offsets[1:] + 2 * np.arange(lines) + 1
        stream[ends] = vocab.eos
        unique, where = np.unique(stream, return_index=True)
        first[unique] = np.minimum(first[unique], where + offset)
        pair_ok = np.ones(max(len(stream) - 1, 0), dtype=np.bool_)
        pair_ok[ends[:-1]] = False  # </s> then the next line's <s>
        pairs = stream[:-1][pair_ok] * n + stream[1:][pair_ok]
        unique, where = np.unique(pairs, return_index=True)
        at = np.searchsorted(bigram_keys, unique)
        first_bigram[at] = np.minimum(first_bigram[at], np.flatnonzero(pair_ok)[where] + offset)
        offset += len(stream)
    seen = np.flatnonzero(first < np.iinfo(np.int64).max)
    appearance = seen[np.argsort(first[seen], kind="stable")]
    return appearance, appearance, first_bigram


def _count_file_occurrences(path, vocab, bigrams, followers, tolower=False, encoding="utf-8"):
    """As `_first_occurrences` for a count file read as SRILM reads it (`-counts`): lines of one
    or two words (longer ones are skipped) fill the vocabulary in order of appearance and the
    count trie in line order, up to a line of more than MAX_NGRAM_ORDER fields, where SRILM
    stops reading (countfile.count_line_tokens). A bigram's second word is to be one of
    `followers` (a mask: the words SRILM's class of a word or the word itself stands for; the
    first word always is). Returns (words in order of first appearance, words in order of first
    appearance as a line's first word, position of each bigram's first line)."""
    words = WordTable.from_vocab(vocab)
    n = np.int64(len(vocab))
    none = np.iinfo(np.int64).max
    first = np.full(len(vocab), none, dtype=np.int64)
    first_root = np.full(len(vocab), none, dtype=np.int64)
    bigram_keys = bigrams[:, 0].astype(np.int64) * n + bigrams[:, 1]
    first_bigram = np.full(len(bigrams), none, dtype=np.int64)
    offset = 0
    for block, first_line in iter_line_blocks(path, encoding, allow_bytes=True):
        ids, _, _, line_offsets = tokenize_lines(np.frombuffer(_lowered(block, tolower, encoding), dtype=np.uint8),
                                                 *words.arrays(), vocab.unk, True, False)
        lengths = np.diff(line_offsets)  # the words and the count
        too_long = np.flatnonzero(lengths > MAX_NGRAM_ORDER)
        if len(too_long):
            line_offsets = line_offsets[:too_long[0] + 1]
            ids, lengths = ids[:line_offsets[-1]], lengths[:too_long[0]]
        starts = line_offsets[:-1]
        line_of = np.repeat(np.arange(len(lengths)), lengths)
        kept = (lengths == 2) | (lengths == 3)
        is_word = kept[line_of] & (np.arange(len(ids)) - starts[line_of] < lengths[line_of] - 1)
        where = np.flatnonzero(is_word)
        unique, at = np.unique(ids[where], return_index=True)
        first[unique] = np.minimum(first[unique], where[at] + offset)
        heads = starts[kept]
        unique, at = np.unique(ids[heads], return_index=True)
        first_root[unique] = np.minimum(first_root[unique], heads[at] + offset)
        pair_lines = np.flatnonzero(lengths == 3)
        pair_at = starts[pair_lines]
        bad = np.flatnonzero(~followers[ids[pair_at + 1]])
        if len(bad):
            raise FormatError(f"word 2 in bigram \"{vocab.words[ids[pair_at[bad[0]]]]} "
                              f"{vocab.words[ids[pair_at[bad[0]] + 1]]}\" has no unigram count",
                              path, first_line + int(pair_lines[bad[0]]))
        unique, at = np.unique(ids[pair_at] * n + ids[pair_at + 1], return_index=True)
        found = np.searchsorted(bigram_keys, unique)
        first_bigram[found] = np.minimum(first_bigram[found], pair_at[at] + offset)
        offset += len(ids)
        if len(too_long):
            break

    def by_first(positions):
        seen = np.flatnonzero(positions < none)
        return seen[np.argsort(positions[seen], kind="stable")]

    return by_first(first), by_first(first_root), first_bigram


def _with_bigrams(counts):
    """Counts with an (empty) bigram order where they have none."""
    if len(counts.ngrams) < 2:
        counts.ngrams.append(np.zeros((0, 2), dtype=np.int32))
        counts.counts.append(np.zeros(0, dtype=np.int64))
    return counts


def _lowercased(counts, encoding):
    """Counts with their words lowercased (SRILM's -tolower on a count file): counts of words
    that become the same word are summed."""
    from ..model import NgramCounts

    lowered = lowercase(counts.vocab.words, encoding)
    vocab = Vocabulary(lowered)
    remap = vocab.ids(lowered)
    ngrams, values = [], []
    for rows, row_counts in zip(counts.ngrams, counts.counts):
        rows, where = np.unique(remap[rows], axis=0, return_inverse=True)
        values.append(np.bincount(where.ravel(), weights=row_counts, minlength=len(rows)).astype(np.int64))
        ngrams.append(rows.astype(np.int32))
    return NgramCounts(vocab, ngrams, values)


def _trie_order(appearance, bigrams, bigram_counts, first_bigram, srilm_index):
    """The bigrams (and counts) in the order SRILM's count trie lists them: its words' table in
    slot order (filled in `appearance` order), each word's followers likewise."""
    root = appearance[lhash_order(srilm_index[appearance], np.array([0, len(appearance)], dtype=np.int64))]
    rank = np.empty(len(srilm_index), dtype=np.int64)
    rank[root] = np.arange(len(root))
    sort = np.lexsort((first_bigram, rank[bigrams[:, 0]]))
    rows = bigrams[sort]
    starts = np.concatenate(([0], np.flatnonzero(np.diff(rows[:, 0])) + 1, [len(rows)])).astype(np.int64)
    final = sort[lhash_order(srilm_index[rows[:, 1]], starts)]
    return bigrams[final], bigram_counts[final].astype(np.int64)


@dataclass
class ClassInduction:
    """The classes ngram-class found: `vocab` the counted words, `word_class[w]` the founding
    word of w's class (-1: not classed), `names` each founding word's class name, `word_counts`
    the words' counts, `unigram_words` the words SRILM's counts hold as unigrams (a count file's
    zero counts and the first words of its bigrams too), and the class bigram counts over class
    names and unclassed words."""

    vocab: Vocabulary
    word_class: np.ndarray
    names: dict
    word_counts: np.ndarray
    unigram_words: np.ndarray
    class_unigrams: np.ndarray
    bigram_keys: np.ndarray
    bigram_values: np.ndarray

    srilm_index: np.ndarray = None  # each word's index in SRILM's vocabulary (-1: none)
    merges: np.ndarray = None  # (kept class, class merged into it) per iteration, in order
    word_bigram_keys: np.ndarray = None  # the counted word bigrams (a * len(vocab) + b) and counts
    word_bigram_counts: np.ndarray = None
    initial_class: np.ndarray = None  # each classed word's class before merging (-1: not classed)
    text_totals: object = None  # counting.TextTotals of the text counted (None: a count file alone)
    total_logp: float = None  # the log likelihood as SRILM's float32 totalLogP gives it (None: not known)
    merge_trace: str = None  # SRILM's -debug 2 trace of the class creation and merging (None: not kept)

    def after(self, iterations):
        """The classes as they were after the first `iterations` merges (what `-save` writes)."""
        n = len(self.vocab)
        classed = self.initial_class >= 0
        founders = np.flatnonzero(classed & (self.initial_class == np.arange(n)))
        replayed = _replayed(n, founders, self.merges[:iterations])
        word_class = np.where(classed, replayed[np.maximum(self.initial_class, 0)], -1)
        token = np.where(word_class >= 0, word_class, np.arange(n))
        class_unigrams = np.bincount(token, weights=self.word_counts, minlength=n).astype(np.int64)
        keys = token[self.word_bigram_keys // n] * n + token[self.word_bigram_keys % n]
        keys, where = np.unique(keys, return_inverse=True)
        values = np.bincount(where, weights=self.word_bigram_counts, minlength=len(keys)).astype(np.int64)
        return ClassInduction(self.vocab, word_class, self.names, self.word_counts, self.unigram_words, class_unigrams,
                              keys, values, self.srilm_index, initial_class=self.initial_class)

    def definitions(self):
        """(class name, probability, word) lines in SRILM's order: classes by name, each
        word with its share of the class count, the words of a class in the order of SRILM's
        hash tables (the word counts' table, then the class's own)."""
        by_name = np.flatnonzero(self.unigram_words)  # inserted in sorted order (ids are)
        table = by_name[lhash_order(self.srilm_index[by_name], np.array([0, len(by_name)], dtype=np.int64))]
        classed = table[self.word_class[table] >= 0]
        founders = sorted(set(self.word_class[classed].tolist()), key=lambda c: self.names[c])
        rank = {c: i for i, c in enumerate(founders)}
        group = np.array([rank[c] for c in self.word_class[classed].tolist()], dtype=np.int64)
        grouped = classed[np.argsort(group, kind="stable")]
        starts = np.searchsorted(np.sort(group), np.arange(len(founders) + 1))
        ordered = grouped[lhash_order(self.srilm_index[grouped], starts.astype(np.int64))]
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
        from ..model import NgramCounts

        n = len(self.vocab)
        # unclassed words: the unigrams, and a count file's words that follow others only
        named = self.unigram_words.copy()
        named[self.bigram_keys % n] = True
        token_name = {}
        for w in range(n):
            c = self.word_class[w]
            if c >= 0:
                token_name[w] = self.names[c]
            elif named[w]:
                token_name[w] = self.vocab.words[w]
        vocab = Vocabulary(set(token_name.values()))
        token_id = np.full(n, -1, dtype=np.int32)
        for w, name in token_name.items():
            token_id[w] = vocab.index[name]
        # the unigrams of the class trie: its classes and unclassed words, zero counts too
        live = np.flatnonzero(self.unigram_words & (token_id >= 0))
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
        sum n(c1,c2) log n(c1,c2) - 2 sum n(c) log n(c), in log10 (SRILM's float32 sum where
        the induction gave it, else summed in double)."""
        def nlogn(x):
            x = np.asarray(x, dtype=np.float64)
            x = x[x > 0]
            return float(np.sum(x * np.log10(x)))

        founder = (self.word_class < 0) | (self.word_class == np.arange(len(self.word_class)))
        live = (self.class_unigrams > 0) & founder
        logprob = self.total_logp
        if logprob is None:
            logprob = nlogn(self.word_counts) + nlogn(self.bigram_values) - 2 * nlogn(self.class_unigrams[live])
        eos, bos = self.vocab.eos, self.vocab.bos
        words = int(self.word_counts.sum() - self.word_counts[eos] - self.word_counts[bos])
        return TextStats(sentences=int(self.word_counts[eos]), words=words, logprob=logprob)

    def write_class_counts(self, path):
        from ..countfile import write_counts

        write_counts(self.class_counts(), path)


@njit(cache=True)
def _replayed(n_tokens, classed, merges):
    """Each token's class after `merges` ((kept, merged) pairs; -1: not classed)."""
    parent = np.arange(n_tokens)
    for i in range(len(merges)):
        parent[merges[i, 1]] = merges[i, 0]
    result = np.full(n_tokens, -1, dtype=np.int64)
    for c in classed:
        result[c] = _root(parent, c)
    return result


def save_schedule(n_merges, n_classes, every, max_classes=0):
    """[(merges done, number in the file name)] of SRILM's `-save every [-save-maxclasses M]`:
    every `every`-th iteration is saved, numbered by iteration; with M > 0 the count starts at 0
    once at most M classes are left (of `n_classes` before merging, one fewer per merge)."""
    if every <= 0:
        return []
    saves, label = [], -1
    for done in range(1, n_merges + 1):
        if max_classes == 0:
            label = done
        elif label < 0:
            if n_classes - done <= max_classes:
                label = 0
        else:
            label += 1
        if label >= 0 and label % every == 0:
            saves.append((done, label))
    return saves


def saved_path(base, label):
    """SRILM's name of an intermediate file: base.NNNNNN, the compression suffix repeated."""
    base = str(base)
    suffix = ".gz" if base.endswith(".gz") else ".Z" if base.endswith(".Z") else ""
    return f"{base}.{label:06d}{suffix}"


def save_intermediate(induction, every, max_classes=0, classes=None, class_counts=None):
    """Write the classes and class counts after the merges `save_schedule` picks, to the files
    `saved_path` names (to stdout, each after a `*** SAVE FOR ITERATION N ***` line, for `-`)."""
    import sys

    initial = induction.initial_class
    n_classes = int(np.count_nonzero(initial == np.arange(len(initial))))
    for done, label in save_schedule(len(induction.merges), n_classes, every, max_classes):
        state = induction.after(done)
        for base, write in ((classes, state.write_classes), (class_counts, state.write_class_counts)):
            if base is None:
                continue
            if str(base) == "-":
                sys.stdout.write(f"*** SAVE FOR ITERATION {label:06d} ***\n")
                sys.stdout.flush()
                write("-")
            else:
                write(saved_path(base, label))


def _initial_classes(path, vocab, fold, encoding):
    """The `CLASS p word` lines of a classes file (`-read`): {word id: class name}, the class
    names in order of appearance, and SRILM's `-debug 2` trace of the lines read. Unknown words
    are skipped, as SRILM skips them, and so are the lines File::getline passes over (blank ones
    and ## comments)."""
    assigned, names, trace = {}, [], []
    for line_no, line in getline_lines(path, encoding, allow_bytes=True):
        fields = split_words(line)
        if len(fields) != 3:
            raise FormatError("malformed class expansion (not 'CLASS p word')", path, line_no)
        word = vocab.index.get(fold(fields[2]))
        if word is None:
            trace.append(f"\tIgnoring unknown word {fields[2]}\n")
            continue
        if not C_DOUBLE_PREFIX.match(fields[1]):
            raise FormatError(f"malformed class expansion probability {fields[1]!r}", path, line_no)
        if word in assigned:
            raise FormatError(f"only single class expansion per word allowed ({fields[2]})", path, line_no)
        assigned[word] = fold(fields[0])
        names.append(assigned[word])
        trace.append(f"\tassigning word {fields[2]} to class {fields[0]}\n")
    return assigned, list(dict.fromkeys(names)), trace


def induce_classes(text, num_classes, full=False, noclass_words=None, max_words_per_class=0, counts=None,
                   vocab=None, tolower=False, initial_classes=None, encoding="utf-8", trace=False):
    """SRILM's ngram-class on a text file and/or (`counts`) an SRILM count file of uni- and
    bigrams (added to the text's): each word (but `noclass_words`, default <s> and </s>) starts as a class of its
    own, or in its class of `initial_classes` (a classes file of `CLASS p word` lines, such as
    ngram-class writes: `-read`), and the pair of classes whose merge loses the least
    bigram log likelihood is merged until `num_classes` remain (none when it is 0). full=False merges
    incrementally (classes join by decreasing count, num_classes + 1 at a time: Brown et al.'s
    O(VC^2) algorithm); full=True over all classes (O(V^3)). max_words_per_class > 0
    (incremental merging): a class with that many words takes no more. `vocab` (a list of
    words): a closed vocabulary, other words counted as <unk>; `tolower`: words lowercased.
    `encoding`: the files' (`bytes`: words are their bytes, as SRILM's). `trace`: keep SRILM's
    `-debug 2` trace of the classes created and the merges (`merge_trace`)."""
    from ..countfile import read_counts
    from ..counting import merge_counts
    from ..training import count

    if text is None and counts is None:
        raise UsageError("give a text or a count file (or both)")
    fold = (lambda w: lowercase([w], encoding)[0]) if tolower else (lambda w: w)
    noclass_list = [fold(w) for w in noclass_words] if noclass_words is not None else None
    vocab_list = [fold(w) for w in vocab] if vocab is not None else None
    no_merging = num_classes < 1  # SRILM merges only for -numclasses > 0
    closed = None if vocab_list is None else Vocabulary(
        vocab_list + (noclass_list if noclass_list is not None else [BOS, EOS]))
    counted = text_totals = None
    if text is not None:
        counted = _with_bigrams(count(text, order=2, vocab=closed, tolower=tolower, encoding=encoding, progress=False))
        text_totals = counted.text_totals
    if counts is not None:
        from_file = _with_bigrams(read_counts([counts], order=2, vocab=closed, encoding=encoding))
        if tolower:
            from_file = _lowercased(from_file, encoding)
        # SRILM counts the text, then adds the count file's counts
        counted = from_file if counted is None else merge_counts(counted, from_file)
    vocab = counted.vocab
    n = len(vocab)
    word_counts = np.zeros(n, dtype=np.int64)
    word_counts[counted.ngrams[0][:, 0]] = counted.counts[0]
    # SRILM classes the words of its count trie's unigrams, counted or not
    unigram_words = np.zeros(n, dtype=np.bool_)
    unigram_words[counted.ngrams[0][:, 0]] = True
    noclass = {BOS, EOS} if noclass_list is None else set(noclass_list)
    is_noclass = np.zeros(n, dtype=np.bool_)
    is_noclass[[vocab.index[w] for w in noclass if w in vocab.index]] = True
    is_class = unigram_words & ~is_noclass
    assigned, read_names, read_trace = (_initial_classes(initial_classes, vocab, fold, encoding) if initial_classes
                                        else ({}, [], []))
    assigned = {w: name for w, name in assigned.items() if unigram_words[w]}
    for w in assigned:
        is_class[w] = True  # even a word of the no-class list
    # each class is represented by its first word (in byte order); new class names in creation
    # order (sorted words), skipping names that are words or read classes
    classed = np.flatnonzero(is_class)
    founder = np.arange(n)
    names, founder_of = {}, {}
    taken = set(vocab.index) | set(read_names) | set(noclass_list or []) | set(vocab_list or [])
    number = 0
    created = []  # the classes made for words, in order
    for w in classed.tolist():
        if w in assigned:
            founder[w] = founder_of.setdefault(assigned[w], w)
            names[int(founder[w])] = assigned[w]
            continue
        while True:
            number += 1
            name = fold(f"CLASS-{number:05d}")  # SRILM's -tolower lowercases the names it adds too
            if name not in taken:
                break
        names[w] = name
        created.append(w)
    founders = np.array(sorted(names), dtype=np.int64)
    is_founder = np.zeros(n, dtype=np.bool_)
    is_founder[founders] = True
    class_count = np.bincount(founder[classed], weights=word_counts[classed], minlength=n).astype(np.int64)
    class_size = np.bincount(founder[classed], minlength=n).astype(np.int64)
    unigram_counts = np.where(is_class, class_count, word_counts)
    # SRILM's vocabulary: <unk>, <s>, </s>, -pau-, the no-class list, the text's words in order
    # of appearance, then the classes in order of creation
    if text is not None:
        first_token, appearance, first_bigram = _first_occurrences(text, vocab, counted.ngrams[1], tolower, encoding)
        appearance = appearance[np.isin(appearance, counted.ngrams[0][:, 0])]
    if counts is not None:
        file_token, file_appearance, file_bigram = _count_file_occurrences(counts, vocab, counted.ngrams[1],
                                                                           unigram_words | is_noclass, tolower,
                                                                           encoding)
        if text is None:
            first_token, appearance, first_bigram = file_token, file_appearance, file_bigram
        else:
            # what the count file adds comes after all of the text
            first_token = np.concatenate((first_token, file_token[~np.isin(file_token, first_token)]))
            appearance = np.concatenate((appearance, file_appearance[~np.isin(file_appearance, appearance)]))
            none = np.iinfo(np.int64).max
            first_bigram = np.where(first_bigram < none, first_bigram,
                                    np.where(file_bigram < none, file_bigram + (1 << 48), none))
    # vocab file words precede the no-class list
    index_of = {}
    for word in ([UNK, BOS, EOS, PAUSE] + (vocab_list or []) + (noclass_list or [])
                 + [vocab.words[w] for w in first_token]):
        index_of.setdefault(word, len(index_of))
    srilm_index = np.array([index_of.get(w, -1) for w in vocab.words], dtype=np.int64)
    # the classes' indices: those read (in order of appearance), then the new ones
    for name in read_names + [names[f] for f in founders.tolist() if names[f] not in read_names]:
        index_of.setdefault(name, len(index_of))
    token_key = srilm_index.copy()
    token_key[founders] = [index_of[names[f]] for f in founders.tolist()]
    key_token = np.full(int(token_key.max()) + 1, -1, dtype=np.int64)
    key_token[token_key[token_key >= 0]] = np.flatnonzero(token_key >= 0)
    # incremental merging adds classes by count, ties by index (later first)
    order = founders[np.lexsort((-token_key[founders], -class_count[founders]))]
    name_rank = np.zeros(n, dtype=np.int64)
    by_name = sorted(founders.tolist(), key=lambda f: names[f].encode("utf-8", "surrogateescape"))
    name_rank[by_name] = np.arange(len(by_name))
    rows, row_counts = _trie_order(appearance, counted.ngrams[1], counted.counts[1], first_bigram, srilm_index)
    token = np.where(is_class, founder, np.arange(n))  # each word's class (its founder) or itself
    # SRILM's table of word counts and its trie's unigrams are filled in word (byte) order
    counted_words = np.flatnonzero(unigram_words)
    table_words = counted_words[lhash_order(srilm_index[counted_words],
                                            np.array([0, len(counted_words)], dtype=np.int64))]
    classes, class_unigrams, out_a, out_b, values, merges, logp, diffs, refills, logps = _induce(
        n, token_key, key_token, token[rows[:, 0]].astype(np.int64), token[rows[:, 1]].astype(np.int64),
        row_counts, unigram_counts, is_founder, n if no_merging else num_classes, full, order.astype(np.int64),
        max(int(max_words_per_class), 0), name_rank, class_size, token_key[token[counted_words]],
        word_counts[table_words], bool(trace))
    word_class = np.where(is_class, classes[founder], -1)
    keys = out_a * n + out_b
    word_bigrams = counted.ngrams[1].astype(np.int64)
    return ClassInduction(vocab, word_class, names, word_counts, unigram_words, class_unigrams, keys, values,
                          srilm_index, merges, word_bigrams[:, 0] * n + word_bigrams[:, 1], counted.counts[1].astype(np.int64),
                          np.where(is_class, founder, -1), text_totals, float(logp),
                          _merge_trace(vocab, names, read_trace, created, word_counts, None if no_merging else (
                              full, order, num_classes, max_words_per_class, merges, diffs, refills, logps))
                          if trace else None)


def _merge_trace(vocab, names, read_trace, created, word_counts, merging):
    """SRILM's `-debug 2` trace (UniqueWordClasses::readClasses' lines, `read_trace`, initialize, fullMerge/incrementalMerge,
    bestMerge): a line per class created for a word, then, if merging, the perplexity before
    merging and after each merge (exp of float32 totalLogP / tokens, in double), each merge's loss
    (float diff) and, incrementally, each class joining the merge set; numbers as C++ streams print them."""
    lines = read_trace + [f"\tcreating {names[w]} for word {vocab.words[w]}\n" for w in created]
    if merging is None:
        return "".join(lines)
    full, order, num_classes, max_words, merges, diffs, refills, logps = merging
    num_classes = max(num_classes, 1)
    # SRILM's token count: words and sentences (</s>), not <s>
    tokens = np.float32(int(word_counts.sum()) - int(word_counts[vocab.bos]))

    def perplexity(logp):
        # C's: no tokens (a count file of bigrams only) give an infinite or NaN exponent
        with np.errstate(divide="ignore", invalid="ignore"):
            exponent = -float(np.float32(logp) / tokens) * math.log(10)
        try:
            return "%g" % math.exp(exponent)
        except OverflowError:
            return "inf"

    n_classes = len(names)
    lines.append(f"iter 0: {n_classes} classes, perplexity = {perplexity(logps[0])}\n")
    joined = 0
    if not full:
        joined = min(len(order), num_classes)
        lines += [f"\tadding {names[c]}\n" for c in order[:joined].tolist()]
    for k, (kept, merged) in enumerate(merges.tolist()):
        if not full:
            lines.append(f"\tadding {names[int(order[joined])]}\n")
            joined += 1
        lines.append(f"\tmerging {names[kept]} and {names[merged]} diff = {'%g' % diffs[k]}\n")
        lines.append(f"iter {k + 1}: {n_classes - k - 1} classes, perplexity = {perplexity(logps[k + 1])}\n")
        if refills[k]:
            lines.append(f"\tclass {names[kept]} now contains {max_words} words\n")
            lines.append(f"\tadding {names[int(order[joined])]}\n")
            joined += 1
    return "".join(lines)
