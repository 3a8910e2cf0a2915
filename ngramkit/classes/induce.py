"""Class induction (SRILM's ngram-class): Brown et al.'s greedy merging of word classes by
the bigram log likelihood, with SRILM's float32 bookkeeping (cached contributions updated in
place after each merge) so that the same merges win."""

import math
from dataclasses import dataclass

import numpy as np

from ..jit import njit
from ..perplexity import TextStats
from ..scoring import WordTable, tokenize_lines
from ..textio import atomic_output, iter_line_blocks
from ..vocab import BOS, EOS, UNK, Vocabulary
from .definitions import PAUSE
from .lhash import lhash_order


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
        from ..countfile import write_counts

        write_counts(self.class_counts(), path)


def induce_classes(text, num_classes, full=False, noclass_words=None):
    """SRILM's ngram-class on a text file: each word (but `noclass_words`, default <s> and
    </s>) starts as a class of its own, and the pair of classes whose merge loses the least
    bigram log likelihood is merged until `num_classes` remain. full=False merges
    incrementally (classes join by decreasing count, num_classes + 1 at a time: Brown et al.'s
    O(VC^2) algorithm); full=True over all classes (O(V^3))."""
    from ..training import count

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
