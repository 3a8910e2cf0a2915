"""Class LMs as SRILM's ngram uses them: ClassNgram's forward pass, SimpleClassNgram,
the expansion to a word model and the G.fst of a class model."""

import math

import numpy as np

from ..cache_lm import WordCache
from ..constants import LOG_ZERO, MAX_WORDS_PER_LINE
from ..errors import FormatError, UsageError
from ..jit import njit
from ..model import NgramModel
from ..numfmt import put_bytes, put_text, put_uint
from ..perplexity import (
    GRAM_TAG,
    OOV_TAG,
    PAUSE_TOKEN,
    SENTENCE_COLUMNS,
    PerplexityScorer,
    ScoredBlock,
    TextStats,
    add_logp,
    close_sentence,
    format_sentence_totals,
    long_line_warnings,
    mark_pauses,
    ppl_block,
    put_line_close,
    put_probability,
    put_word_given,
    sentence_span,
    tally_word,
)
from ..renorm import chain_logprob, recompute_backoffs
from ..scoring import (
    LOGPROB,
    ScoringTables,
    extend_key,
    find_entry,
    tokenize_lines_within,
    unigram_key,
)
from ..srilm_lhash import MIN_HASH_BITS, grown_bits, lhash_key, lhash_order
from ..tables import find_rows
from ..textio import iter_line_blocks
from ..vocab import BOS, EOS, PAUSE, UNK, Vocabulary
from .definitions import ClassDefinitions, load_classes

# class scoring has no cache and no multiword parts: their per-token arrays stay empty
_NONE_F64 = np.zeros(0)
_NONE_I32 = np.zeros(0, dtype=np.int32)
_NONE_I64 = np.zeros(0, dtype=np.int64)


@njit(cache=True)
def _state_hash(ctx, length, expansion, expansion_words, srilm_index, bits):
    """LHash slot of a forward-pass state: SRILM hashes the context's vocabulary indices (newest
    first) and adds the hash of the rest of a class expansion (the words still to come, up to
    the -1 ending it in `expansion_words`), if the state has one."""
    i = np.uint32(0)
    for j in range(length):
        i = np.uint32(i + (i << np.uint32(12)) + np.uint32(srilm_index[ctx[j]]))
    h = lhash_key(i, bits)
    if expansion >= 0:
        r = np.uint32(0)
        k = expansion
        while expansion_words[k] >= 0:
            r = np.uint32(r + (r << np.uint32(12)) + np.uint32(srilm_index[expansion_words[k]]))
            k += 1
        h += lhash_key(r, bits)
    return h & ((1 << bits) - 1)





@njit(cache=True)
def _same_state(ctx, lens, exps, s, new_ctx, new_len, new_exp):
    if lens[s] != new_len or exps[s] != new_exp:
        return False
    for j in range(new_len):
        if ctx[s, j] != new_ctx[j]:
            return False
    return True


@njit(cache=True)
def _locate(slots, bits, n, ctx, lens, exps, new_ctx, new_len, new_exp, expansion_words, srilm_index):
    """(slot, found) of a state in an LHash of 2**bits slots holding n states."""
    if bits < MIN_HASH_BITS:
        for i in range(n):
            if _same_state(ctx, lens, exps, slots[i], new_ctx, new_len, new_exp):
                return i, True
        return n, False
    mask = (1 << bits) - 1
    i = _state_hash(new_ctx, new_len, new_exp, expansion_words, srilm_index, bits)
    while True:
        s = slots[i]
        if s < 0:
            return i, False
        if _same_state(ctx, lens, exps, s, new_ctx, new_len, new_exp):
            return i, True
        i = (i + 1) & mask


@njit(cache=True)
def _insert(slots, bits, n, ctx, lens, exps, new_ctx, new_len, new_exp, expansion_words, srilm_index):
    """Find or insert a state as SRILM's LHash::insert does, growing and rehashing the slot
    table alike; returns (slots, bits, state index, found). New states get index n."""
    slot, found = _locate(slots, bits, n, ctx, lens, exps, new_ctx, new_len, new_exp, expansion_words, srilm_index)
    if found:
        return slots, bits, slots[slot], True
    new_bits = grown_bits(n, bits)
    if new_bits != bits:
        grown = np.full(1 << new_bits, -1, dtype=np.int64)
        if new_bits < MIN_HASH_BITS:
            grown[:n] = slots[:n]
        else:
            for i in range(1 << bits):
                s = slots[i]
                if s >= 0:
                    j, _ = _locate(grown, new_bits, n, ctx, lens, exps, ctx[s], lens[s], exps[s], expansion_words,
                                   srilm_index)
                    grown[j] = s
        slots, bits = grown, new_bits
        slot, _ = _locate(slots, bits, n, ctx, lens, exps, new_ctx, new_len, new_exp, expansion_words, srilm_index)
    slots[slot] = n
    return slots, bits, n, False


@njit(cache=True)
def _ngram_key(ctx, length, word):
    """Table key of the n-gram ctx[length-1] .. ctx[0] (then `word` if >= 0)."""
    key = unigram_key(ctx[length - 1])
    for j in range(length - 2, -1, -1):
        key = extend_key(key, ctx[j])
    if word >= 0:
        key = extend_key(key, word)
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
    cell = find_entry(c_entries, c_meta, length, _ngram_key(ctx, length, -1))
    if cell < 0:
        return False, np.float32(0.0)
    return True, c_values[cell + LOGPROB]


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
        cell = find_entry(p_entries, p_meta, level + 1, _ngram_key(ctx, level, word))
        if cell >= 0:
            logp = p_values[cell + LOGPROB]
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
            total = add_logp(total, float(probs[s]))
    return np.float32(total)


@njit(cache=True)
def _class_sentence(p_uni, p_meta, p_entries, p_values, c_uni, c_meta, c_entries, c_values,
                    member_offsets, member_class, member_logp, member_expansion, expansion_words, srilm_index,
                    words, n, bos, unk, per_word, word_logp, word_found):
    """The forward pass of SRILM's ClassNgram over one sentence, words[0:n] then </s> (the
    last entry of `words`).

    A state is a class context and, when a class expansion was entered, where in it the path
    is: an index into `expansion_words` (each expansion's words, then -1), the next word to
    match (the -1 once complete). Member m of word w (each expansion starting with w) enters
    the expansion at member_expansion[m], just after w.

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
            rest = a_exp[s]
            if rest >= 0 and expansion_words[rest] >= 0:
                # inside an expansion: only its next word goes on, at no cost (and no n-gram)
                if expansion_words[rest] != w:
                    continue
                if prev_prob != -np.inf:
                    have_pos = True
                logsum = np.float32(add_logp(float(logsum), float(prev_prob)))
                if build:
                    b_slots, b_bits, t, found_state = _insert(b_slots, b_bits, b_n, b_ctx, b_len, b_exp,
                                                              a_ctx[s], a_len[s], rest + 1, expansion_words,
                                                              srilm_index)
                    if found_state:
                        b_prob[t] = np.float32(add_logp(float(b_prob[t]), float(prev_prob)))
                    else:
                        b_ctx[t, :a_len[s]] = a_ctx[s, :a_len[s]]
                        b_len[t] = a_len[s]
                        b_exp[t] = rest + 1
                        b_prob[t] = prev_prob
                        b_n += 1
                continue
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
                    expansion = member_expansion[m]
                logsum = np.float32(add_logp(float(logsum), step))
                if build:
                    new_ctx[0] = token
                    length = min(a_len[s] + 1, width)
                    new_ctx[1:length] = a_ctx[s, :length - 1]
                    used = _used_length(c_uni, c_meta, c_entries, c_values, new_ctx, length, order)
                    b_slots, b_bits, t, found_state = _insert(b_slots, b_bits, b_n, b_ctx, b_len, b_exp,
                                                              new_ctx, used, expansion, expansion_words,
                                                              srilm_index)
                    new_prob = np.float32(prev_prob + trans)
                    if found_state:
                        b_prob[t] = np.float32(add_logp(float(b_prob[t]), float(new_prob)))
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
            total, oovs, zeros = tally_word(p, w, unk, total, oovs, zeros)
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
                 member_offsets, member_class, member_logp, member_expansion, expansion_words, srilm_index, ids,
                 line_offsets, bos, eos, unk, total, per_word, token_logp, token_found, sentence_stats, tag_bounds):
    """_class_sentence over each line of a block, with ppl_block's conventions (slot t + s for
    token t of line s, hi + s for its </s>); returns (stats, total, tags) where slot i's tags
    are tags[tag_bounds[i, 0]:tag_bounds[i, 1]] (per_word only)."""
    stats = np.zeros(4, dtype=np.int64)
    keep = len(token_logp) > 0
    all_tags = np.empty(0, dtype=np.int8)
    parts = []
    n_all = 0
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        # the sentence's words without -pau- (SRILM's prepareSentence), and the token of each
        words = np.empty(hi - lo + 1, dtype=np.int32)
        tokens = np.empty(hi - lo + 1, dtype=np.int64)
        n = 0
        for t in range(lo, hi):
            if ids[t] != PAUSE_TOKEN:
                words[n] = ids[t]
                tokens[n] = t
                n += 1
        words[n] = eos
        tokens[n] = hi
        word_logp = np.empty(n + 1 if per_word else 0, dtype=np.float32)
        word_found = np.empty(n + 1 if per_word else 0, dtype=np.int32)
        prob, oovs, zeros, tags, tag_offsets = _class_sentence(
            p_uni, p_meta, p_entries, p_values, c_uni, c_meta, c_entries, c_values,
            member_offsets, member_class, member_logp, member_expansion, expansion_words, srilm_index, words, n,
            bos, unk, per_word, word_logp, word_found)
        if keep and per_word:
            for i in range(n + 1):
                slot = tokens[i] + s
                token_logp[slot] = word_logp[i]
                token_found[slot] = word_found[i]
                tag_bounds[slot, 0] = n_all + tag_offsets[i]
                tag_bounds[slot, 1] = n_all + tag_offsets[i + 1]
            parts.append(tags)
            n_all += len(tags)
        close_sentence(stats, sentence_stats, s, n, prob, oovs, zeros, keep)
        total += prob
    if per_word:
        all_tags = np.empty(n_all, dtype=np.int8)
        pos = 0
        for part in parts:
            all_tags[pos:pos + len(part)] = part
            pos += len(part)
    return stats, total, all_tags


@njit(cache=True)
def _add_memberships(ids, line_offsets, bos, eos, member_logp, per_word, token_logp, sentence_stats):
    """SimpleClassNgram's membership probabilities added to a block ppl_block scored over
    class tokens; returns the block's log10 probability. -debug 2 (per_word) adds each word's
    to its float32 log10 p; otherwise a sentence's are summed in float32 and added to it."""
    block_total = 0.0
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        if per_word:
            sentence = 0.0
            for t in range(lo, hi + 1):
                if t < hi and ids[t] == PAUSE_TOKEN:
                    continue
                slot = t + s
                if t < hi:
                    token_logp[slot] = np.float32(np.float32(member_logp[ids[t]]) + token_logp[slot])
                if token_logp[slot] != -np.inf:
                    sentence += float(token_logp[slot])
        else:
            x = np.float32(0.0)
            for t in range(lo, hi):
                if ids[t] != PAUSE_TOKEN:
                    x = np.float32(float(x) + member_logp[ids[t]])
            sentence = sentence_stats[s, 0] + float(x)
        sentence_stats[s, 0] = sentence
        block_total += sentence
    return block_total


@njit(cache=True)
def format_tagged_word_lines(pool, offsets, ids, line_offsets, bos, eos, token_logp, tag_bounds, tags, token_sum,
                             out, ends):
    """The -debug 2 word lines of each sentence, one n-gram tag per path, with token_sum (-debug
    3) ` / ` and the context's sum after; sentence s's lines end at ends[s]. Returns the length."""
    pos = 0
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        prev = bos
        more = False  # a word before this one (else the context is the sentence's start)
        for t in range(lo, hi + 1):
            w = ids[t] if t < hi else eos
            if w == PAUSE_TOKEN:
                continue
            slot = t + s
            pos = put_word_given(out, pos, pool, offsets, w, prev, more)
            for k in range(tag_bounds[slot, 0], tag_bounds[slot, 1]):
                if tags[k] == 0:
                    pos = put_text(out, pos, OOV_TAG)
                else:
                    out[pos] = 91
                    pos = put_uint(out, pos + 1, tags[k])
                    pos = put_text(out, pos, GRAM_TAG)
            pos = put_probability(out, pos, token_logp[slot])
            pos = put_line_close(out, pos, token_sum, slot)
            prev = w
            more = True
        ends[s] = pos
    return pos


@njit(cache=True)
def splice_word_lines(sentences, word_lines, ends, out, lines_per_sentence=4):
    """Put each sentence's word lines after its text line in -debug 1 output (text line, two
    summary lines, a blank line per sentence; two rank lines more with -debug 4's
    `lines_per_sentence` 6); returns the length."""
    pos = 0
    i = 0
    start = 0
    for s in range(len(ends)):
        for lines in range(lines_per_sentence):
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
            total = np.float32(add_logp(float(total), float(values[i])))
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

    def __init__(self, class_model, unk_word=None, encoding=None):
        super().__init__(class_model.model, unk_word, encoding=encoding)
        self.class_model = class_model
        self._per_word = True

    def _blocks(self, path, keep, per_word):
        cm = self.class_model
        vocab = cm.vocab
        total = 0.0
        for block, first_line in iter_line_blocks(path, self.encoding, allow_bytes=True):
            buf = np.frombuffer(block, dtype=np.uint8)
            ids, starts, ends, line_offsets, long_lines = tokenize_lines_within(buf, *self.words.arrays(), self.unk,
                                                                                MAX_WORDS_PER_LINE)
            long_lines[:, 0] += first_line
            mark_pauses(block, ids)
            n_lines = len(line_offsets) - 1
            slots = len(ids) + len(line_offsets) if keep else 0
            token_logp = np.empty(slots, dtype=np.float32)
            token_found = np.empty(slots, dtype=np.int32)
            sentence_stats = np.empty((n_lines if keep else 0, 3))
            tag_bounds = np.zeros((slots, 2), dtype=np.int64)
            if cm.simple:
                token_logp = np.empty(len(ids) + len(line_offsets), dtype=np.float32)
                token_found = np.empty(len(token_logp), dtype=np.int32)
                sentence_stats = np.empty((n_lines, SENTENCE_COLUMNS))  # ppl_block's
                classes = np.where(ids == PAUSE_TOKEN, PAUSE_TOKEN, cm.replacement[np.maximum(ids, 0)])
                stats, _ = ppl_block(*self.tables.arrays(), classes, line_offsets, vocab.bos,
                                      vocab.eos, self.unk, 0.0, token_logp, token_found, sentence_stats,
                                      *WordCache.disabled().arrays(), _NONE_F64, _NONE_I32, _NONE_I64, _NONE_I32,
                                      True, True, _NONE_F64, _NONE_F64, False, np.nan, -1, _NONE_I32)
                total += _add_memberships(ids, line_offsets, vocab.bos, vocab.eos, cm.replacement_logp,
                                          per_word, token_logp, sentence_stats)
                tags = np.zeros(0, dtype=np.int8)
            else:
                p, c = self.tables, cm.context_tables
                stats, total, tags = _class_block(p.uni_logprob, p.meta, p.entries, p.values,
                                                  c.uni_logprob, c.meta, c.entries, c.values,
                                                  cm.member_offsets, cm.member_class, cm.member_logp,
                                                  cm.member_expansion, cm.expansion_words, cm.srilm_index,
                                                  ids, line_offsets, vocab.bos,
                                                  vocab.eos, self.unk, total, per_word, token_logp, token_found,
                                                  sentence_stats, tag_bounds)
            yield (buf, ids, starts, ends, line_offsets, TextStats(*(int(x) for x in stats)), total,
                   token_logp, token_found, sentence_stats, tag_bounds, tags, long_lines)

    def scored_blocks(self, path, keep):
        for block in self._blocks(path, keep, keep and self._per_word):
            yield ScoredBlock(*block[:10], _NONE_F64, _NONE_I64, _NONE_I32, long_lines=block[12])

    def score_file(self, path, debug=0, out=None, warnings=None):
        """SRILM's `ngram -classes` totals of `path`, and its -debug 1/2 lines written to `out`:
        below -debug 2 sentences are scored by one forward pass each (ClassNgram::sentenceProb),
        at 2 word by word (LM::sentenceProb), whose rounding differs. The warnings of the lines
        passed over for too many words go to `warnings`."""
        if debug < 2 or self.class_model.simple:
            self._per_word = debug >= 2
            try:
                return super().score_file(path, debug, out, warnings=warnings)
            finally:
                self._per_word = True
        vocab = self.model.vocab
        pool, offsets = vocab.byte_pool()
        total = TextStats()
        for buf, ids, starts, ends, line_offsets, counts, logprob, token_logp, token_found, sentence_stats, \
                tag_bounds, tags, long_lines in self._blocks(path, True, True):
            if warnings is not None:
                warnings.write(long_line_warnings(path, long_lines[:, 0]))
            total.add(counts)
            total.logprob = logprob
            n_lines = len(line_offsets) - 1
            sentences = np.empty(len(buf) + 2 * len(line_offsets) * 160, dtype=np.uint8)
            used = format_sentence_totals(pool, offsets, buf, ids, starts, ends, line_offsets, vocab.bos,
                                          vocab.eos, token_logp, token_found, sentence_stats, sentences)
            word_lines = np.empty((len(ids) + len(line_offsets)) * (2 * self.max_word + 80) + 8 * len(tags),
                                  dtype=np.uint8)
            sentence_ends = np.empty(n_lines, dtype=np.int64)
            n_word = format_tagged_word_lines(pool, offsets, ids, line_offsets, vocab.bos, vocab.eos, token_logp,
                                               tag_bounds, tags, np.zeros(0), word_lines, sentence_ends)
            output = np.empty(used + n_word, dtype=np.uint8)
            size = splice_word_lines(sentences[:used], word_lines[:n_word], sentence_ends, output)
            out.write(output[:size].tobytes())
        return total


class ClassModel:
    """A class n-gram model: `model` over class names and words, `classes` (ClassDefinitions or
    a classes file) saying which words each class stands for, as SRILM's `ngram -classes`.

    simple=False (SRILM's ClassNgram): a word's probability sums over reading each word as
    itself or as any class it belongs to, and an expansion of several words as its class once,
    the words after the first at no further cost (the sum runs over all such segmentations).
    simple=True (SimpleClassNgram, -simple-classes): each word belongs to at most one class and
    is replaced by it. `simple`, `expand` and `to_fst` need single-word expansions (what
    ngram-class writes). `vocab_words`: the words of -vocab, which SRILM's Vocab numbers before
    the model's (its hash tables follow the numbers; an expanded model's word order leaves them
    to come first, srilm_trie.srilm_given_words).
    """

    def __init__(self, model, classes, simple=False, vocab_words=()):
        if not isinstance(classes, ClassDefinitions):
            classes = load_classes(classes)
        if simple and not classes.single_word():
            raise UsageError("-simple-classes needs class expansions of one word each", option="classes")
        self.classes = classes
        self.simple = simple
        self.class_model = model
        self.vocab_words = list(vocab_words)
        words = model.vocab.words
        self.vocab = Vocabulary(list(words) + classes.names() + classes.words())
        mapping = self.vocab.remap_from(model.vocab)
        self.model = NgramModel(self.vocab, [mapping[rows] for rows in model.ngrams], model.logprob,
                                model.backoff, model.estimation)
        self.srilm_index = self._srilm_indices(mapping)
        # each (class, expansion) once, the last probability given winning (as SRILM stores them)
        members = {}
        for cls, prob, expansion in zip(classes.classes, classes.probs, classes.expansions):
            members[(self.vocab.index[cls], tuple(self.vocab.index[w] for w in expansion))] = prob
        # the expansions' words, each expansion ended by -1; by first word, where a path entering
        # the expansion goes on
        self.expansion_words = np.empty(sum(len(e) + 1 for _, e in members), dtype=np.int32)
        by_word = {}
        at = 0
        for (cls, expansion), prob in members.items():
            self.expansion_words[at:at + len(expansion)] = expansion
            self.expansion_words[at + len(expansion)] = -1
            by_word.setdefault(expansion[0], []).append((cls, prob, at + 1))
            at += len(expansion) + 1
        n = len(self.vocab)
        counts = np.zeros(n + 1, dtype=np.int64)
        for word, entries in by_word.items():
            counts[word + 1] = len(entries)
        self.member_offsets = np.cumsum(counts)
        self.member_class = np.empty(int(self.member_offsets[-1]), dtype=np.int32)
        self.member_logp = np.empty(len(self.member_class), dtype=np.float64)
        self.member_expansion = np.empty(len(self.member_class), dtype=np.int64)
        for word, entries in by_word.items():
            at = self.member_offsets[word]
            for j, (cls, prob, rest) in enumerate(entries):
                self.member_class[at + j] = cls
                self.member_logp[at + j] = math.log10(prob) if prob > 0 else -math.inf
                self.member_expansion[at + j] = rest
        self.context_tables = ScoringTables.from_model(self._context_model())
        if simple:
            self._simple_tables(by_word)

    def _srilm_names(self):
        """The names SRILM's Vocab numbers after -vocab's: the model's words in its file's order,
        then the classes file's."""
        names = [self.class_model.vocab.words[i] for i in self.class_model.words_in_file_order()]
        for cls, expansion in zip(self.classes.classes, self.classes.expansions):
            names.append(cls)
            names.extend(expansion)
        return names

    def _srilm_indices(self, mapping):
        """Each word's index in SRILM's vocabulary, which orders its hash tables: <unk>, <s>,
        </s>, -pau-, the words of -vocab, then _srilm_names'."""
        order = [UNK, BOS, EOS, PAUSE] + self.vocab_words + self._srilm_names()
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
            cls, prob, _ = entries[0]
            if unigrams[cls]:
                self.replacement[word] = cls
                self.replacement_logp[word] = math.log10(prob) if prob > 0 else -math.inf

    def expand(self, order=None):
        """The word n-gram model this class model stands for (SRILM's `-expand-classes`): the
        joint probability of each word n-gram summed over the class n-grams that expand to it
        (context probability x n-gram probability x memberships), divided by its context's
        (or, where larger, by the sum over the context's expansions), with backoff weights then
        recomputed by normalisation. `order`: the highest order kept (None: the model's)."""
        if not self.classes.single_word():
            raise UsageError("-expand-classes needs class expansions of one word each", option="expand_classes")
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
                # SRILM sums the unigrams' joint probabilities in its hash table's order
                order_of_sum = self._unigram_sum_order(rows[:, 0])
                total = _group_logsum(values[order_of_sum], np.array([0, len(order_of_sum)], dtype=np.int64))
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
        # a model SRILM builds in memory: its empty context's weight is 0
        expanded_model = NgramModel(word_vocab, ngrams, logprobs, backoff,
                                    unigram_order=self._expanded_word_order(word_vocab), empty_context_backoff=0.0)
        # SRILM's recomputeBOWs over the expansion's vocabulary: every word of it gets a unigram
        # (<s>, -pau- and <unk>, its non-events, none)
        recompute_backoffs(expanded_model, unk_is_word=False, vocabulary_unigrams=True)
        return expanded_model

    def _expanded_word_order(self, word_vocab):
        """The words of the expansion (ids of `word_vocab`) in the order SRILM's Vocab met them
        after -vocab's (which come first, as for any model): _srilm_names'. The class names keep
        their numbers in its Vocab, which no word of the expansion has: -1 stands for them
        (srilm_trie.srilm_given_words)."""
        given = set(self.vocab_words)
        return np.array([word_vocab.get(name, -1) for name in dict.fromkeys(self._srilm_names()) if name not in given],
                        dtype=np.int64)

    def _unigram_sum_order(self, words):
        """The positions of `words` (the expansion's sorted unigram word ids) in the order SRILM's
        expand() sums their joint probabilities: the slot order of its table of them, filled
        while it walks the class model's unigrams in their table's slot order, each class
        by its expansions in the slot order of that class's table (classes file order in)."""
        unigrams = self.model.ngrams[0][:, 0]
        tokens = unigrams[lhash_order(self.srilm_index[unigrams], np.array([0, len(unigrams)], dtype=np.int64))]
        expansions = {}
        for cls, expansion in zip(self.classes.classes, self.classes.expansions):
            expansions.setdefault(self.vocab.index[cls], {}).setdefault(self.vocab.index[expansion[0]], None)
        sequence = []
        for token in tokens.tolist():
            members = expansions.get(token)
            if members is None:
                sequence.append(token)
                continue
            members = np.array(list(members), dtype=np.int64)
            sequence.extend(members[lhash_order(self.srilm_index[members],
                                                np.array([0, len(members)], dtype=np.int64))].tolist())
        sequence = np.array(list(dict.fromkeys(sequence)), dtype=np.int64)
        ordered = sequence[lhash_order(self.srilm_index[sequence], np.array([0, len(sequence)], dtype=np.int64))]
        ordered = ordered[np.isin(ordered, words)]
        return np.searchsorted(words, ordered)

    def to_fst(self, disambig_symbol="#0", bos_symbol=BOS, eos_symbol=EOS):
        """The G.fst of the class model as a Kaldi user builds it: the class n-gram model's
        G (arpa2fst's machine) with each class arc replaced (OpenFst's replace) by an arc per
        member word weighted -ln p(word | class), or for an expansion of several words a path of
        arcs, the first weighted so. A sentence's path weighs -ln of the class model's probability
        along that reading (one reading per word when each word has one class). Returns
        (pynini.Fst, fst.SymbolTable of its labels)."""
        import pynini

        from ..fst import compile_grammar

        grammar = compile_grammar(self.class_model, None, disambig_symbol, bos_symbol, eos_symbol)
        symbols = grammar.symbols
        root = grammar.to_fst(False)
        for word in self.classes.words():
            symbols.add(word)
        members = {}
        for cls, prob, expansion in zip(self.classes.classes, self.classes.probs, self.classes.expansions):
            members.setdefault(cls, {})[expansion] = prob  # the last probability given wins
        pairs = []
        for cls, words in members.items():
            if cls not in symbols.ids:
                continue  # a class the model never uses
            expansion = pynini.Fst()
            start, end = expansion.add_state(), expansion.add_state()
            expansion.set_start(start)
            expansion.set_final(end)
            for path, prob in words.items():
                weight = pynini.Weight("tropical", -math.log(prob) if prob > 0 else math.inf)
                state = start
                for i, word in enumerate(path):
                    label = symbols.ids[word]
                    nxt = end if i == len(path) - 1 else expansion.add_state()
                    expansion.add_arc(state, pynini.Arc(label, label, weight if i == 0 else
                                                        pynini.Weight.one("tropical"), nxt))
                    state = nxt
            pairs.append((symbols.ids[cls], expansion))
        root_label = max(symbols.ids.values()) + 1
        fst = pynini.replace([(root_label, root)] + pairs, epsilon_on_replace=True)
        fst.set_input_symbols(symbols.to_pynini())
        fst.set_output_symbols(symbols.to_pynini())
        return fst, symbols

    def scorer(self, unk_word=None, encoding=None):
        """The ClassScorer of texts in `encoding` (see PerplexityScorer)."""
        return ClassScorer(self, unk_word, encoding)

    def perplexity(self, text, unk_word=None):
        """The PerplexityReport of a text file as `ngram -classes ... -debug 2 -ppl` scores it
        (word by word); token_order is the longest n-gram any path of the word matched."""
        return ClassScorer(self, unk_word).report(text)

    def score_file(self, path, debug=0, out=None, unk_word=None):
        """SRILM's `ngram -classes -ppl` TextStats of `path`, its -debug 1/2 lines to `out`."""
        return ClassScorer(self, unk_word).score_file(path, debug, out)
