"""SRILM's hidden-event n-gram models (`HiddenNgram`, `ngram -hidden-vocab FILE`; `-hidden-not`)
and hidden-sentence-boundary models (`HiddenSNgram`, `ngram -hiddens`).

A hidden event (a tag such as `<#s>` of the model's vocabulary) may occur unseen between any
two words. `-hidden-vocab` scores a sentence as the sum over all sequences of events, by a
forward pass whose state after word k is (the model's context, hidden events included,
truncated to what the model uses; words still to repeat; the event before word k). From a
state with context h, event e then word w moves with probability p(e | h) p(w | e h)
(p(e | h) = 1 for the no-event), and the event's properties in the vocabulary file change the
context: `-omit` keeps the event out of it, `-insert W` puts W in its place, `-delete N`
drops N words before it (never past `<s>`), `-repeat N` makes the next N words free copies of
the N before, `-observed` makes the word an ordinary word of the text (with `-omit`: left out
of the contexts that follow it). A word of probability zero in every state (an OOV) starts the
pass again from the total so far. At `-debug 2` the word probabilities are the ratios of
successive prefix probabilities and each sentence's most likely events follow its word lines
(`Hidden events: ...`, the no-event as `*noevent*`).

With `-hidden-not` the events are overt words of the text: an event has probability zero (a
zeroprob) and any other word p(w | h) / (1 - sum of p(e | h) over the events).

`-hiddens` scores w after h as the larger of p(w | h) and p(<#s> | h) p(w | <#s>).

`-debug 3` adds to each word line the sum of p(v | context) over the vocabulary's words (the
hidden events and the no-event left out: HiddenNgram's non-words) and `-debug 4` each sentence's
rank and loss lines, p(v | context) being what the model's word probability is for v in that
place: under -hidden-vocab the ratio of v's prefix probability to the context's, from the
forward pass's previous column. A state keeps the longest context the model has a node for
(SRILM's reader makes one only for an n-gram listed with a backoff weight).

All arithmetic is float32 as SRILM's LogP, sums of probabilities in float64 as its AddLogP.
A word's -debug 2 probability is the difference of two float32 prefix sums, so its last digits
depend on the order of the sums: the events and each column's states are taken in the order
SRILM's hash tables iterate them (from its word indices: `<unk> <s> </s> -pau-`, the no-event,
the events as read, then the model's words in byte order).
"""

import math
import re
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from .classes.model import splice_word_lines
from .constants import LN10, MAX_WORDS_PER_LINE
from .errors import FormatError
from .formats import load
from .jit import njit
from .numfmt import ascii_bytes, put_bytes, put_text
from .perplexity import (
    PAUSE,
    RANK_COLUMNS,
    SUM_TOLERANCE,
    TextStats,
    _add_rank,
    _add_rank_rows,
    _sum_warning,
    add_logp,
    close_sentence,
    drop_pauses,
    format_debug,
    mark_pauses,
    put_line_close,
    put_probability,
    put_tag,
    put_word_given,
    rank_or_sum,
    sentence_span,
    srilm_tables,
    tally_word,
    write_among_long_lines,
)
from .progress import Progress
from .scoring import (
    ScoringTables,
    WordTable,
    advance_words,
    extend_key,
    find_entry,
    tokenize_lines_within,
    unigram_key,
)
from .srilm_lhash import lhash_order, lhash_order_shifted, string_keys
from .textio import iter_line_blocks, iter_lines, split_words
from .vocab import BOS, EOS, UNK, Vocabulary

NO_EVENT = "*noevent*"
HIDDEN_SENTENCE = "<#s>"
_NONE = -1  # the end of a context
_NO_EVENT_ID = -2  # the no-event as a context word: in no n-gram
_MISSING = -3  # a word the model does not have: in no n-gram, probability zero

# Tags of a -debug 2 word line besides [kgram] and [OOV]
_EVENT_TAG_CODE = -1
_HIDDEN_SENTENCE_TAG_CODE = -2
_EVENT_TAG = ascii_bytes("[event]")
_HIDDEN_SENTENCE_TAG = ascii_bytes("[<#s>]")
_HIDDEN_EVENTS = ascii_bytes("Hidden events:")
_BACKTRACE_FAILED = ascii_bytes("Viterbi backtrace failed\n")

_PROPERTIES = {"delete": int, "repeat": int, "insert": str, "observed": bool, "omit": bool}


@dataclass
class HiddenEvent:
    """A word of a hidden vocabulary and its properties (HiddenVocabProps)."""

    word: str
    delete: int = 0
    repeat: int = 0
    insert: str = None
    observed: bool = False
    omit: bool = False


def read_hidden_vocab(path, encoding="utf-8"):
    """The events of a hidden vocabulary file: a word a line, then its properties among
    `-delete N`, `-repeat N`, `-insert WORD`, `-observed`, `-omit` (an `-insert` event is hidden).
    A word given twice takes its last line's properties."""
    return list(_parse_events(iter_lines(path, encoding, allow_bytes=True), path).values())


def read_model_events(path, encoding="utf-8"):
    """The events a hidden-event model file lists after its ARPA model's `\\end\\` line, in the
    hidden vocabulary's format (HiddenNgram::read): [] when nothing follows."""
    return list(_parse_events(_lines_after_end(path, encoding), path).values())


def merged_events(*lists):
    """The events of several lists, a word's properties from the last list that has it, in the
    order the words first appear (as SRILM's property table keeps them)."""
    events = {}
    for listed in lists:
        for event in listed:
            events[event.word] = event
    return list(events.values())


_END_LINE = re.compile(rb"^\\end\\[ \t\r\v\f]*$", re.MULTILINE)


def _lines_after_end(path, encoding):
    """(line number, text) of the lines after the first `\\end\\` line of `path`."""
    seen_end = False
    for block, first_line in iter_line_blocks(path, encoding, allow_bytes=True):
        start = 0
        if not seen_end:
            match = _END_LINE.search(block)
            if match is None:
                continue
            seen_end = True
            start = block.find(b"\n", match.end())
            start = len(block) if start < 0 else start + 1
        line_no = first_line + block.count(b"\n", 0, start)
        lines = block[start:].split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for raw in lines:
            yield line_no, raw.decode("utf-8", "surrogateescape")
            line_no += 1


def _parse_events(lines, path):
    """{word: HiddenEvent} of the hidden vocabulary lines (line number, text)."""
    events = {}
    for line_no, text in lines:
        fields = split_words(text)
        if not fields:
            continue
        event = HiddenEvent(fields[0])
        i = 1
        while i < len(fields):
            name = fields[i][1:] if fields[i].startswith("-") else None
            kind = _PROPERTIES.get(name)
            if kind is None:
                raise FormatError(f"unknown property {fields[i]} of hidden event {fields[0]} (allowed: "
                                  + ", ".join(f"-{p}" for p in _PROPERTIES) + ")", path, line_no)
            if kind is bool:
                setattr(event, name, True)
                i += 1
                continue
            if i + 1 >= len(fields):
                raise FormatError(f"property -{name} of hidden event {fields[0]} needs a value", path, line_no)
            value = fields[i + 1]
            if kind is int:
                if not value.isdigit() or int(value) > 255:
                    raise FormatError(f"-{name} of hidden event {fields[0]} takes a count of 0 to 255, not {value}",
                                      path, line_no)
                value = int(value)
            setattr(event, name, value)
            i += 2
        if event.word == NO_EVENT:
            raise FormatError(f"{NO_EVENT} is the no-event itself: it cannot be a hidden event", path, line_no)
        if event.insert is not None:
            event.observed = False
        events[event.word] = event
    return events


class HiddenEventModel:
    """A backoff model (NgramModel) with hidden events (`events`, from read_hidden_vocab);
    `overt`: the events are words of the text (`-hidden-not`)."""

    def __init__(self, model, events, overt=False):
        self.model = model
        self.events = list(events)
        self.overt = overt

    def scorer(self, unk_word=None):
        return HiddenScorer(self.model, self, unk_word)


class HiddenSentenceModel:
    """A backoff model (NgramModel) read as SRILM's HiddenSNgram: a hidden `<#s>` may precede any word."""

    def __init__(self, model):
        self.model = model

    def scorer(self, unk_word=None):
        return HiddenScorer(self.model, None, unk_word)


def load_hidden_event_model(path, hidden_vocab, overt=False, vocab=None, encoding="utf-8", **options):
    """Read the model file `path` as SRILM's `ngram -hidden-vocab` does: the events of the file
    `hidden_vocab` and of the lines after the model's `\\end\\` join the vocabulary (`vocab`, a
    Vocabulary, or the model's words) before the model is read. The other options as formats.load's."""
    events = read_events(hidden_vocab, path, encoding)
    model = load(path, vocab=_with_words(vocab, event_words_in_order(events)), encoding=encoding, **options)
    return HiddenEventModel(model, events, overt)


def load_hidden_sentence_model(path, vocab=None, **options):
    """Read the model file `path` as SRILM's `ngram -hiddens` does (`<#s>` joins the vocabulary)."""
    return HiddenSentenceModel(load(path, vocab=_with_words(vocab, [HIDDEN_SENTENCE]), **options))


def _with_words(vocab, words):
    return Vocabulary(list(vocab.words if vocab is not None else []) + list(words))


def _word_id(vocab, word):
    return vocab.index.get(word, _MISSING)


@njit(cache=True)
def _word_prob(uni_logprob, uni_backoff, meta, entries, values, word, ctx, start, words, keys, bows, next_keys,
               next_bows):
    """Ngram::wordProbBO of `word` after the context ctx[start:] (newest first, ending at _NONE):
    (log10 p, matched length)."""
    order = meta.shape[0] - 1
    m = 0
    while m < order - 1 and start + m < len(ctx) and ctx[start + m] != _NONE:
        m += 1
    for c in range(m):
        words[c] = ctx[start + m - 1 - c]
    words[m] = word
    p, found, _, _, _ = advance_words(uni_logprob, uni_backoff, meta, entries, values, words, m + 1, keys, bows,
                                      next_keys, next_bows)
    return p, found


@njit(cache=True)
def _used_length(uni_logprob, meta, entries, ctx, start):
    """Ngram::contextID's length: how many words of ctx[start:] (newest first) form a context
    the model holds, at most order - 1; the tables hold those contexts (see _context_tables)."""
    order = meta.shape[0]
    used = 0
    for i in range(1, order):
        if start + i - 1 >= len(ctx) or ctx[start + i - 1] < 0:
            break
        if i == 1:
            if np.isnan(uni_logprob[ctx[start]]):
                break
        else:
            key = unigram_key(ctx[start + i - 1])
            for j in range(i - 2, -1, -1):
                key = extend_key(key, ctx[start + j])
            if find_entry(entries, meta, i, key) < 0:
                break
        used = i
    return used


@njit(cache=True, inline="always")
def _add_logp(x, y):
    """AddLogP of float32 log probabilities, stored as SRILM's LogP (float32)."""
    return np.float32(add_logp(float(x), float(y)))


@njit(cache=True, inline="always")
def _sub_logp(x, y):
    """SRILM's SubLogP (x >= y) in float64, stored as float32."""
    a = float(x)
    b = float(y)
    if a == b:
        return np.float32(-np.inf)
    if b == -np.inf:
        return np.float32(a)
    return np.float32(a + math.log10(1.0 - math.exp((b - a) * LN10)))


@njit(cache=True)
def _grow(arr, need):
    if need <= arr.shape[0]:
        return arr
    shape = (max(need, 2 * arr.shape[0]),) + arr.shape[1:]
    bigger = np.empty(shape, dtype=arr.dtype)
    bigger[:arr.shape[0]] = arr
    return bigger


@njit(cache=True)
def _find_state(st_ctx, st_len, st_rep, st_ev, lo, hi, buf, start, length, rep, ev):
    for i in range(lo, hi):
        if st_len[i] == length and st_rep[i] == rep and st_ev[i] == ev:
            same = True
            for j in range(length):
                if st_ctx[i, j] != buf[start + j]:
                    same = False
                    break
            if same:
                return i
    return -1


@njit(cache=True, inline="always")
def _srilm_word(w, srilm_index):
    """SRILM's index of a context word (the no-event's for _NO_EVENT_ID)."""
    return srilm_index[w] if w >= 0 else srilm_index[len(srilm_index) - 1]


@njit(cache=True)
def _state_compare(st_ctx, st_len, st_rep, st_ev, a, b, srilm_index, ev_index):
    """SRILM's order of two trellis states (SArray_compareKey): contexts word by word (a shorter
    prefix first), then events, then the words still to repeat; negative, 0 or positive."""
    for j in range(min(st_len[a], st_len[b])):
        x = _srilm_word(st_ctx[a, j], srilm_index)
        y = _srilm_word(st_ctx[b, j], srilm_index)
        if x != y:
            return -1 if x < y else 1
    if st_len[a] != st_len[b]:
        return -1 if st_len[a] < st_len[b] else 1
    if st_ev[a] != st_ev[b]:
        return -1 if ev_index[st_ev[a]] < ev_index[st_ev[b]] else 1
    return st_rep[a] - st_rep[b]


@njit(cache=True)
def _slice_order(st_ctx, st_len, st_rep, st_ev, lo, hi, srilm_index, ev_index):
    """The order SRILM iterates the trellis column of states lo..hi-1 (inserted in that order)
    in: the slot order of its LHash, whose hash of a state is its context's (i += (i << 12) + w
    over the words' indices, in 32 bits, then LHash's multiplicative hash) plus the words to
    repeat plus the event's index, masked."""
    n = hi - lo
    context_keys = np.empty(n, dtype=np.uint64)
    extra = np.empty(n, dtype=np.int64)
    for q in range(lo, hi):
        h = np.uint64(0)
        for j in range(st_len[q]):
            h = (h + (h << np.uint64(12)) + np.uint64(_srilm_word(st_ctx[q, j], srilm_index))) & np.uint64(0xFFFFFFFF)
        context_keys[q - lo] = h
        extra[q - lo] = st_rep[q] + ev_index[st_ev[q]]
    return lhash_order_shifted(context_keys, extra, np.array([0, n], dtype=np.int64))


@njit(cache=True)
def _to_slice_order(st_ctx, st_len, st_rep, st_ev, st_lp, st_vs, st_vp, lo, hi, srilm_index, ev_index):
    """Put the states lo..hi-1 of a finished column in the order SRILM iterates them (_slice_order):
    the order of the next column's sums and of its states. Nothing points into the column yet."""
    order = _slice_order(st_ctx, st_len, st_rep, st_ev, lo, hi, srilm_index, ev_index)
    in_order = True
    for i in range(len(order)):
        if order[i] != i:
            in_order = False
    if in_order:
        return
    ctx = st_ctx[lo:hi].copy()
    length = st_len[lo:hi].copy()
    rep = st_rep[lo:hi].copy()
    ev = st_ev[lo:hi].copy()
    lp = st_lp[lo:hi].copy()
    vs = st_vs[lo:hi].copy()
    vp = st_vp[lo:hi].copy()
    for i in range(len(order)):
        src = order[i]
        st_ctx[lo + i] = ctx[src]
        st_len[lo + i] = length[src]
        st_rep[lo + i] = rep[src]
        st_ev[lo + i] = ev[src]
        st_lp[lo + i] = lp[src]
        st_vs[lo + i] = vs[src]
        st_vp[lo + i] = vp[src]


@njit(cache=True)
def _transition(uni_logprob, uni_backoff, meta, entries, values, st_ctx, st_len, st_rep, p, e, w, bos, unk,
                ev_word, ev_omit, ev_repeat, ev_delete, ev_insert, no_event, word_omit, buf, words, keys, bows,
                next_keys, next_bows):
    """HiddenNgram's step from trellis state p by event e, then word w: (allowed, p(e | h),
    p(w | e h), the length of the n-gram that gave p(w | e h) (-1 for a repeated word, which
    costs nothing), where the new context starts in buf, the words still to repeat)."""
    if st_rep[p] > 0 and e != no_event:
        return False, np.float32(0.0), np.float32(0.0), -1, 0, 0
    # the context p's, with room for the event and the word in front
    length = st_len[p]
    for j in range(length):
        buf[2 + j] = st_ctx[p, j]
    buf[2 + length] = _NONE
    start = 2
    if not ev_omit[e]:
        start = 1
        buf[1] = ev_word[e]
    word_start = start
    rep = st_rep[p] if st_rep[p] > 0 else ev_repeat[e]
    if rep > 0:
        if rep > length or w != st_ctx[p, rep - 1] or w == unk:
            return False, np.float32(0.0), np.float32(0.0), -1, 0, 0
        event_p = np.float32(0.0)
        if st_rep[p] == 0:
            event_p, _ = _word_prob(uni_logprob, uni_backoff, meta, entries, values, ev_word[e], buf, 2, words, keys,
                                    bows, next_keys, next_bows)
        return True, event_p, np.float32(0.0), -1, start, rep - 1
    # p(e | context of p), before the context is changed
    event_p = np.float32(0.0)
    if e != no_event:
        event_p, _ = _word_prob(uni_logprob, uni_backoff, meta, entries, values, ev_word[e], buf, 2, words, keys,
                                bows, next_keys, next_bows)
    if ev_insert[e] != _NONE:
        if ev_omit[e]:
            start -= 1
        buf[start] = ev_insert[e]
    deleted = 0
    while deleted < ev_delete[e]:
        if buf[start] == _NONE or buf[start] == bos:
            break
        start += 1
        deleted += 1
    if deleted < ev_delete[e]:
        return False, np.float32(0.0), np.float32(0.0), -1, 0, 0
    # the word goes in front of the new context, over what may be a word of the word's own
    # context when words were deleted, as SRILM's shared buffer does
    if w < 0 or not word_omit[w]:
        start -= 1
        buf[start] = w
    word_p, found = _word_prob(uni_logprob, uni_backoff, meta, entries, values, w, buf, word_start, words, keys, bows,
                               next_keys, next_bows)
    return True, event_p, word_p, found, start, rep


@njit(cache=True)
def _prefix_prob(uni_logprob, uni_backoff, meta, entries, values, st_ctx, st_len, st_rep, st_lp, prev_lo, prev_hi,
                 w, bos, unk, ev_word, ev_omit, ev_repeat, ev_delete, ev_insert, no_event, word_omit, buf, words,
                 keys, bows, next_keys, next_bows):
    """HiddenNgram::prefixProb of word w after the trellis column prev_lo..prev_hi: the sum over
    its states and the events of the probability of the path through them to w."""
    total = np.float32(-np.inf)
    for p in range(prev_lo, prev_hi):
        for e in range(len(ev_word)):
            allowed, event_p, word_p, _, _, _ = _transition(
                uni_logprob, uni_backoff, meta, entries, values, st_ctx, st_len, st_rep, p, e, w, bos, unk, ev_word,
                ev_omit, ev_repeat, ev_delete, ev_insert, no_event, word_omit, buf, words, keys, bows, next_keys,
                next_bows)
            if allowed:
                total = _add_logp(total, np.float32(np.float32(st_lp[p] + event_p) + word_p))
    return total


@njit(cache=True)
def _hidden_block(uni_logprob, uni_backoff, meta, entries, values, ctx_uni_logprob, ctx_meta, ctx_entries, ids,
                  line_offsets, bos, eos, unk,
                  ev_word, ev_omit, ev_repeat, ev_delete, ev_insert, no_event, word_omit, srilm_index, ev_index,
                  per_word, sum_words, ranks, total, token_logp, tag_bounds, tags, sentence_stats, best_events,
                  backtrace_ok, token_sum, sentence_ranks):
    """Score each line as a sentence of the hidden-event model (see the module's docstring);
    returns ([sentences, words, OOVs, zeroprobs], total, tags used, tags). ctx_*: the tables of
    the model's contexts (_context_tables), which bound each state's context. Events are in the
    order SRILM's property table iterates them, `no_event` the no-event's place; srilm_index
    holds SRILM's index of each word, ev_index of each event, for the order of each column's
    states (_slice_order) and the ties of the most likely path (_state_compare).

    `per_word` (-debug 2): the probabilities are the ratios of prefix probabilities, one per
    slot (t + s, </s> at hi + s) in token_logp, with the n-gram tags of the no-event paths in
    tags[tag_bounds[slot, 0]:tag_bounds[slot, 1]] and the events of the most likely path in
    best_events (backtrace_ok[s] false where the pass restarted at an OOV). With `sum_words`
    (the words that are events to SRILM, in its vocabulary's order) each slot's context is
    checked as LM::wordProbSum and LM::updateRanks do, each word's probability the ratio of its
    prefix probability to the context's (probability_checks): without `ranks` the sum of their
    probabilities to token_sum, with `ranks` each sentence's rank row to sentence_ranks. Otherwise the
    sentence's probability is its whole prefix probability and OOVs are the words the pass
    restarted at."""
    order = meta.shape[0] - 1
    n_events = len(ev_word)
    max_repeat = 0
    for e in range(n_events):
        max_repeat = max(max_repeat, ev_repeat[e])
    width = max(order - 1, max_repeat, 1) + 1
    scratch = max(order - 1, 1)
    keys = np.empty(scratch, dtype=np.int64)
    bows = np.empty(scratch, dtype=np.float32)
    next_keys = np.empty(scratch, dtype=np.int64)
    next_bows = np.empty(scratch, dtype=np.float32)
    words = np.empty(order, dtype=np.int32)
    buf = np.empty(width + 4, dtype=np.int32)
    capacity = 64
    st_ctx = np.empty((capacity, width), dtype=np.int32)
    st_len = np.empty(capacity, dtype=np.int32)
    st_rep = np.empty(capacity, dtype=np.int32)
    st_ev = np.empty(capacity, dtype=np.int32)
    st_lp = np.empty(capacity, dtype=np.float32)
    st_vs = np.empty(capacity, dtype=np.float32)
    st_vp = np.empty(capacity, dtype=np.int64)
    columns = np.empty(16, dtype=np.int64)
    stats = np.zeros(4, dtype=np.int64)
    n_tags = 0
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        columns = _grow(columns, hi - lo + 3)
        # column 0: <s> (or nothing) in the no-event state
        st_ctx[0, 0] = bos
        st_len[0] = 1
        st_rep[0] = 0
        st_ev[0] = no_event
        st_lp[0] = 0.0
        st_vs[0] = 0.0
        st_vp[0] = -1
        columns[0] = 0
        columns[1] = 1
        context_sum = np.float32(0.0)
        sentence_prob = 0.0
        oovs = 0
        zeros = 0
        restarted = False
        for t in range(lo, hi + 1):
            w = ids[t] if t < hi else eos
            k = t - lo + 1
            slot = t + s
            prev_lo = columns[k - 1]
            prev_hi = columns[k]
            n_states = prev_hi
            prefix_sum = np.float32(-np.inf)
            positive = False
            if per_word:
                tag_bounds[slot, 0] = n_tags
                tags = _grow(tags, n_tags + (prev_hi - prev_lo))
            for p in range(prev_lo, prev_hi):
                for e in range(n_events):
                    allowed, event_p, word_p, found, start, rep = _transition(
                        uni_logprob, uni_backoff, meta, entries, values, st_ctx, st_len, st_rep, p, e, w, bos, unk,
                        ev_word, ev_omit, ev_repeat, ev_delete, ev_insert, no_event, word_omit, buf, words, keys,
                        bows, next_keys, next_bows)
                    if not allowed:
                        continue
                    if found >= 0:
                        if per_word and e == no_event and st_ev[p] == no_event:
                            tags[n_tags] = found
                            n_tags += 1
                        if st_lp[p] != -np.inf and word_p != -np.inf:
                            positive = True
                    used = _used_length(ctx_uni_logprob, ctx_meta, ctx_entries, buf, start)
                    if used < rep:
                        used = rep
                    elif used == 0:
                        used = 1
                    # a context shorter than `used` ends at _NONE
                    length_new = 0
                    while length_new < used and buf[start + length_new] != _NONE:
                        length_new += 1
                    trans = np.float32(event_p + word_p)
                    prefix_sum = _add_logp(prefix_sum, np.float32(np.float32(st_lp[p] + event_p) + word_p))
                    if t == hi and not per_word:
                        continue
                    q = _find_state(st_ctx, st_len, st_rep, st_ev, prev_hi, n_states, buf, start, length_new, rep, e)
                    score = np.float32(st_vs[p] + trans)
                    if q < 0:
                        if n_states >= st_len.shape[0]:
                            st_ctx = _grow(st_ctx, n_states + 1)
                            st_len = _grow(st_len, n_states + 1)
                            st_rep = _grow(st_rep, n_states + 1)
                            st_ev = _grow(st_ev, n_states + 1)
                            st_lp = _grow(st_lp, n_states + 1)
                            st_vs = _grow(st_vs, n_states + 1)
                            st_vp = _grow(st_vp, n_states + 1)
                        q = n_states
                        n_states += 1
                        for j in range(length_new):
                            st_ctx[q, j] = buf[start + j]
                        st_len[q] = length_new
                        st_rep[q] = rep
                        st_ev[q] = e
                        st_lp[q] = np.float32(st_lp[p] + trans)
                        st_vs[q] = score
                        st_vp[q] = p
                    else:
                        st_lp[q] = _add_logp(st_lp[q], np.float32(st_lp[p] + trans))
                        # SRILM's n-best insertion: a tie goes to the predecessor not before the
                        # current one in its key order
                        if score > st_vs[q] or (score == st_vs[q] and _state_compare(
                                st_ctx, st_len, st_rep, st_ev, st_vp[q], p, srilm_index, ev_index) <= 0):
                            st_vs[q] = score
                            st_vp[q] = p
            if t < hi and not positive:
                # the word is impossible in every state: start again from the total so far
                q = prev_hi
                n_states = q + 1
                if n_states > st_len.shape[0]:
                    st_ctx = _grow(st_ctx, n_states)
                    st_len = _grow(st_len, n_states)
                    st_rep = _grow(st_rep, n_states)
                    st_ev = _grow(st_ev, n_states)
                    st_lp = _grow(st_lp, n_states)
                    st_vs = _grow(st_vs, n_states)
                    st_vp = _grow(st_vp, n_states)
                st_ctx[q, 0] = _NO_EVENT_ID
                st_ctx[q, 1] = w
                st_len[q] = 2
                st_rep[q] = 0
                st_ev[q] = no_event
                st_lp[q] = context_sum
                st_vs[q] = context_sum
                st_vp[q] = -1
                restarted = True
                if not per_word:
                    if w == unk:
                        oovs += 1
                    else:
                        zeros += 1
            columns[k + 1] = n_states
            if n_states - prev_hi > 1:
                _to_slice_order(st_ctx, st_len, st_rep, st_ev, st_lp, st_vs, st_vp, prev_hi, n_states, srilm_index,
                                ev_index)
            if per_word:
                p_word = np.float32(prefix_sum - context_sum)
                token_logp[slot] = p_word
                tag_bounds[slot, 1] = n_tags
                if len(sum_words) > 0:
                    prob = 0.0 if p_word == -np.inf else math.exp(float(p_word) * LN10)
                    word_sum = 0.0
                    rank = 0
                    ties = 0
                    for i in range(len(sum_words)):
                        p_v = np.float32(_prefix_prob(
                            uni_logprob, uni_backoff, meta, entries, values, st_ctx, st_len, st_rep, st_lp, prev_lo,
                            prev_hi, sum_words[i], bos, unk, ev_word, ev_omit, ev_repeat, ev_delete, ev_insert,
                            no_event, word_omit, buf, words, keys, bows, next_keys, next_bows) - context_sum)
                        word_sum, rank, ties, done = rank_or_sum(p_v, prob, ranks, word_sum, rank, ties)
                        if done:
                            break
                    if ranks:
                        _add_rank(sentence_ranks[s], rank + ties // 2, p_word, t == hi, w == unk, 1.0)
                    else:
                        token_sum[slot] = word_sum
                sentence_prob, oovs, zeros = tally_word(p_word, w, unk, sentence_prob, oovs, zeros)
            elif t == hi:
                sentence_prob = float(prefix_sum)
            column_sum = -np.inf
            for q in range(prev_hi, n_states):
                column_sum = add_logp(column_sum, float(st_lp[q]))
            context_sum = np.float32(column_sum)
        if per_word:
            # the most likely path into the last column
            last_lo = columns[hi - lo + 1]
            last_hi = columns[hi - lo + 2]
            best = -1
            for q in range(last_lo, last_hi):
                if st_vs[q] != -np.inf and (best < 0 or st_vs[q] > st_vs[best] or (st_vs[q] == st_vs[best] and _state_compare(
                        st_ctx, st_len, st_rep, st_ev, best, q, srilm_index, ev_index) <= 0)):
                    best = q
            ok = best >= 0 and not restarted
            backtrace_ok[s] = ok
            if ok:
                q = best
                for x in range(hi - lo, -1, -1):
                    best_events[lo + s + x] = st_ev[q]
                    q = st_vp[q]
        close_sentence(stats, sentence_stats, s, hi - lo, sentence_prob, oovs, zeros, True)
        total += sentence_prob
    return stats, total, n_tags, tags


@njit(cache=True)
def _overt_prob(uni_logprob, uni_backoff, meta, entries, values, w, ctx, is_event, ev_word, boundaries,
                hidden_sentence, sentence_ctx, words, keys, bows, next_keys, next_bows, tags, n_tags):
    """log10 p(w | ctx) of the -hidden-not model (events ev_word, marked in is_event) or, with
    `boundaries`, of the -hiddens one (hidden_sentence: the id of <#s>, sentence_ctx: the context
    of <#s> alone); the tags of its lookups to tags[n_tags:]; returns (log10 p, tags used)."""
    if boundaries:
        p, found = _word_prob(uni_logprob, uni_backoff, meta, entries, values, w, ctx, 0, words, keys, bows,
                              next_keys, next_bows)
        boundary, boundary_found = _word_prob(uni_logprob, uni_backoff, meta, entries, values, hidden_sentence, ctx,
                                              0, words, keys, bows, next_keys, next_bows)
        after, after_found = _word_prob(uni_logprob, uni_backoff, meta, entries, values, w, sentence_ctx, 0, words,
                                        keys, bows, next_keys, next_bows)
        tags[n_tags] = found
        tags[n_tags + 1] = boundary_found
        tags[n_tags + 2] = after_found
        n_tags += 3
        via_boundary = np.float32(boundary + after)
        if not p >= via_boundary:
            p = via_boundary
            tags[n_tags] = _HIDDEN_SENTENCE_TAG_CODE
            n_tags += 1
        return p, n_tags
    if w >= 0 and is_event[w]:
        tags[n_tags] = _EVENT_TAG_CODE
        return np.float32(-np.inf), n_tags + 1
    rest = np.float32(0.0)
    for e in range(len(ev_word)):
        event_p, _ = _word_prob(uni_logprob, uni_backoff, meta, entries, values, ev_word[e], ctx, 0, words, keys, bows,
                                next_keys, next_bows)
        rest = _sub_logp(rest, event_p)
    p, found = _word_prob(uni_logprob, uni_backoff, meta, entries, values, w, ctx, 0, words, keys, bows, next_keys,
                          next_bows)
    tags[n_tags] = found
    return np.float32(p - rest), n_tags + 1


@njit(cache=True)
def _overt_block(uni_logprob, uni_backoff, meta, entries, values, ids, line_offsets, bos, eos, unk,
                 is_event, ev_word, boundaries, hidden_sentence, sum_words, ranks, total, token_logp, tag_bounds, tags,
                 sentence_stats, token_sum, sentence_ranks):
    """Score each line under -hidden-not or, with `boundaries`, -hiddens (see _overt_prob);
    returns ([sentences, words, OOVs, zeroprobs], total). Per slot the log10 p and the tags of
    its lookups, and with `sum_words` its context's sum or rank, as _hidden_block's."""
    order = meta.shape[0] - 1
    scratch = max(order - 1, 1)
    keys = np.empty(scratch, dtype=np.int64)
    bows = np.empty(scratch, dtype=np.float32)
    next_keys = np.empty(scratch, dtype=np.int64)
    next_bows = np.empty(scratch, dtype=np.float32)
    words = np.empty(order, dtype=np.int32)
    ctx = np.empty(order, dtype=np.int32)
    sentence_ctx = np.empty(2, dtype=np.int32)
    sentence_ctx[0] = hidden_sentence
    sentence_ctx[1] = _NONE
    unused_tags = np.empty(4, dtype=np.int8)
    stats = np.zeros(4, dtype=np.int64)
    n_tags = 0
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        sentence_prob = 0.0
        oovs = 0
        zeros = 0
        for t in range(lo, hi + 1):
            w = ids[t] if t < hi else eos
            slot = t + s
            # the context, newest first: up to order - 1 words back to <s>
            m = 0
            while m < order - 1 and t - 1 - m >= lo - 1:
                ctx[m] = ids[t - 1 - m] if t - 1 - m >= lo else bos
                m += 1
            ctx[m] = _NONE
            tag_bounds[slot, 0] = n_tags
            p, n_tags = _overt_prob(uni_logprob, uni_backoff, meta, entries, values, w, ctx, is_event, ev_word,
                                    boundaries, hidden_sentence, sentence_ctx, words, keys, bows, next_keys, next_bows,
                                    tags, n_tags)
            tag_bounds[slot, 1] = n_tags
            token_logp[slot] = p
            if len(sum_words) > 0:
                prob = 0.0 if p == -np.inf else math.exp(float(p) * LN10)
                word_sum = 0.0
                rank = 0
                ties = 0
                for i in range(len(sum_words)):
                    p_v, _ = _overt_prob(uni_logprob, uni_backoff, meta, entries, values, sum_words[i], ctx, is_event,
                                         ev_word, boundaries, hidden_sentence, sentence_ctx, words, keys, bows,
                                         next_keys, next_bows, unused_tags, 0)
                    word_sum, rank, ties, done = rank_or_sum(p_v, prob, ranks, word_sum, rank, ties)
                    if done:
                        break
                if ranks:
                    _add_rank(sentence_ranks[s], rank + ties // 2, p, t == hi, w == unk, 1.0)
                else:
                    token_sum[slot] = word_sum
            sentence_prob, oovs, zeros = tally_word(p, w, unk, sentence_prob, oovs, zeros)
        close_sentence(stats, sentence_stats, s, hi - lo, sentence_prob, oovs, zeros, True)
        total += sentence_prob
    return stats, total


@njit(cache=True)
def _format_word_lines(pool, offsets, ids, line_offsets, bos, eos, token_logp, tag_bounds, tags, token_sum,
                       event_pool, event_offsets, best_events, backtrace_ok, out, ends):
    """The -debug 2 lines of each sentence: its word lines with their tags (and, with token_sum,
    -debug 3's ` / ` and the context's probability sum) and, when event_offsets is not empty,
    its `Hidden events:` line; sentence s's end at ends[s]."""
    pos = 0
    for s in range(len(line_offsets) - 1):
        lo, hi = sentence_span(ids, line_offsets, s, bos, eos)
        prev = bos
        for t in range(lo, hi + 1):
            w = ids[t] if t < hi else eos
            slot = t + s
            pos = put_word_given(out, pos, pool, offsets, w, prev, t > lo)
            for k in range(tag_bounds[slot, 0], tag_bounds[slot, 1]):
                if tags[k] == _EVENT_TAG_CODE:
                    pos = put_text(out, pos, _EVENT_TAG)
                elif tags[k] == _HIDDEN_SENTENCE_TAG_CODE:
                    pos = put_text(out, pos, _HIDDEN_SENTENCE_TAG)
                else:
                    pos = put_tag(out, pos, tags[k])
            pos = put_probability(out, pos, token_logp[slot])
            pos = put_line_close(out, pos, token_sum, slot)
            prev = w
        if len(event_offsets) > 0:
            if backtrace_ok[s]:
                pos = put_text(out, pos, _HIDDEN_EVENTS)
                for t in range(lo, hi + 1):
                    e = best_events[t + s]
                    out[pos] = 32
                    pos = put_bytes(out, pos + 1, event_pool, event_offsets[e], event_offsets[e + 1])
                out[pos] = 10
                pos += 1
            else:
                pos = put_text(out, pos, _BACKTRACE_FAILED)
        ends[s] = pos
    return pos


def _context_tables(model):
    """Scoring tables of the n-grams below the highest order that have a backoff weight: the
    contexts SRILM's model has nodes for (its ARPA reader makes one only for a line with a
    backoff weight), so the longest context of a trellis state (Ngram::contextID) is one of them."""
    if model.order == 1:
        return ScoringTables.from_model(model)
    kept = [~np.isnan(model.backoff[k]) for k in range(model.order - 1)]
    contexts = SimpleNamespace(vocab=model.vocab, order=model.order - 1,
                               ngrams=[model.ngrams[k][kept[k]] for k in range(model.order - 1)],
                               logprob=[model.logprob[k][kept[k]] for k in range(model.order - 1)],
                               backoff=[model.backoff[k][kept[k]] for k in range(model.order - 1)])
    return ScoringTables.from_model(contexts)


class HiddenScorer:
    """SRILM's `ngram -ppl` of a hidden-event model (`events`: a HiddenEventModel) or, with
    `events` None, of the -hiddens model over `model`: totals and the -debug 1 to 4 lines."""

    def __init__(self, model, events=None, unk_word=None):
        vocab = model.vocab
        self.vocab = vocab
        self.tables = srilm_tables(model)
        self.hidden = events is not None and not events.overt
        self.context_tables = _context_tables(model) if self.hidden else None
        self.words = WordTable.from_vocab(vocab)
        self.unk = vocab.index[unk_word] if unk_word is not None else vocab.unk
        self.max_word = int(np.diff(vocab.byte_pool()[1]).max())
        self.boundaries = events is None
        self.hidden_sentence = np.int32(_word_id(vocab, HIDDEN_SENTENCE))
        listed = [] if events is None else events.events
        # SRILM adds every listed word to its hidden vocabulary, the observed too; the pass runs
        # over the hidden ones, after the no-event
        self.is_event = np.zeros(len(vocab), dtype=np.bool_)
        self.word_omit = np.zeros(len(vocab), dtype=np.bool_)
        for event in listed:
            w = vocab.index.get(event.word)
            if w is not None:
                self.is_event[w] = True
                self.word_omit[w] = event.omit
        if events is not None and events.overt:
            # summed in the slot order of the hidden vocabulary's word table (the no-event, of
            # probability zero, first, then the listed words)
            names = [NO_EVENT] + [e.word for e in listed]
            encoded = [w.encode("utf-8", "surrogateescape") for w in names]
            offsets = np.concatenate([[0], np.cumsum([len(w) for w in encoded])]).astype(np.int64)
            keys = string_keys(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)
            in_order = lhash_order(keys, np.array([0, len(names)], dtype=np.int64))
            self.overt_words = np.array([_word_id(vocab, names[i]) for i in in_order if i > 0], dtype=np.int32)
        else:
            self.overt_words = np.zeros(0, dtype=np.int32)
        # SRILM's indices: <unk> <s> </s> -pau-, the no-event, the events (and the words they
        # insert) as read, then the model's words in byte order, the order of our ids; the
        # no-event's index last, for _srilm_word
        first = [UNK, BOS, EOS, PAUSE, NO_EVENT] + event_words_in_order(listed)
        indexed = list(dict.fromkeys(first + list(vocab.words)))
        self.srilm_words = indexed
        position = {w: i for i, w in enumerate(indexed)}
        self.srilm_index = np.array([position[w] for w in vocab.words] + [position[NO_EVENT]], dtype=np.int64)
        # the events in the order SRILM's property table (no-event first, then every listed word)
        # iterates them, the observed left out of the pass
        table = [HiddenEvent(NO_EVENT, omit=True)] + listed
        keys = np.array([position[e.word] for e in table], dtype=np.int64)
        slot_order = lhash_order(keys, np.array([0, len(table)], dtype=np.int64))
        hidden = [table[i] for i in slot_order if not table[i].observed]
        self.no_event = int(next(i for i, e in enumerate(hidden) if e.word == NO_EVENT))
        self.ev_index = np.array([position[e.word] for e in hidden], dtype=np.int64)
        self.event_names = [e.word for e in hidden]
        self.ev_word = np.array([_NO_EVENT_ID if e.word == NO_EVENT else _word_id(vocab, e.word) for e in hidden],
                                dtype=np.int32)
        self.ev_omit = np.array([e.omit for e in hidden], dtype=np.bool_)
        self.ev_repeat = np.array([e.repeat for e in hidden], dtype=np.int32)
        self.ev_delete = np.array([e.delete for e in hidden], dtype=np.int32)
        self.ev_insert = np.array([_NONE if e.insert is None else _word_id(vocab, e.insert) for e in hidden],
                                  dtype=np.int32)
        # HiddenNgram's non-words besides the vocabulary's: the no-event and the events not observed
        self.non_words = set() if events is None else {NO_EVENT} | {e.word for e in listed if not e.observed}

    def sum_words(self):
        """The words -debug 3 sums over and -debug 4 ranks among (LM::wordProbSum, updateRanks),
        in the order SRILM's vocabulary iterates them (its LHash of words, filled in index order):
        all but `<s>`, `-pau-`, `<unk>` in a closed vocabulary (no `<unk>` unigram) and the
        model's non-words (the no-event and the hidden events)."""
        vocab = self.vocab
        non_words = {BOS, PAUSE} | self.non_words
        if np.isnan(self.tables.uni_logprob[self.unk]):
            non_words.add(vocab.words[self.unk])
        encoded = [w.encode("utf-8", "surrogateescape") for w in self.srilm_words]
        offsets = np.concatenate([[0], np.cumsum([len(w) for w in encoded])]).astype(np.int64)
        keys = string_keys(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets)
        in_order = lhash_order(keys, np.array([0, len(encoded)], dtype=np.int64))
        words = [self.srilm_words[i] for i in in_order]
        return np.array([vocab.index[w] for w in words if w not in non_words and w in vocab.index], dtype=np.int32)

    def score_file(self, path, debug=0, out=None, encoding="utf-8", quiet=False, warnings=None):
        """The `TextStats` of `path`; with debug >= 1 SRILM's per-sentence (and at 2 per-word)
        lines go to the binary stream `out`. At debug 3 each word line also gets its context's
        probability sum over the model's words (see sum_words), and a context whose sum is off 1
        by more than SUM_TOLERANCE gets SRILM's warning on the binary stream `warnings` (default:
        none); at debug 4 and above the totals get SRILM's rank and loss lines. A line of more
        than MAX_WORDS_PER_LINE tokens is passed over with SRILM's warning on `warnings`, at
        every level (at 3 among the sums'). Progress goes to stderr unless `quiet`."""
        vocab = self.vocab
        pool, offsets = vocab.byte_pool()
        names = [n.encode("utf-8", "surrogateescape") for n in self.event_names]
        event_pool = np.frombuffer(b"".join(names), dtype=np.uint8)
        event_offsets = np.concatenate([[0], np.cumsum([len(n) for n in names])]).astype(np.int64)
        total = TextStats()
        logprob = 0.0
        per_word = debug >= 2
        ranks = debug >= 4
        sum_words = self.sum_words() if debug >= 3 else np.zeros(0, dtype=np.int32)
        progress = Progress("scoring", quiet, unit="B")
        for block, first_line in iter_line_blocks(path, encoding, allow_bytes=True):
            progress.advance(len(block))
            buf = np.frombuffer(block, dtype=np.uint8)
            ids, starts, ends, line_offsets, long_lines = tokenize_lines_within(buf, *self.words.arrays(), self.unk,
                                                                                MAX_WORDS_PER_LINE)
            long_lines[:, 0] += first_line
            # the kernels score the sentence without -pau- (SRILM's prepareSentence); the echo keeps it
            scored, scored_offsets = drop_pauses(mark_pauses(block, ids), line_offsets)
            n_lines = len(line_offsets) - 1
            slots = len(ids) + len(line_offsets)
            token_logp = np.zeros(slots, dtype=np.float32)
            sentence_stats = np.empty((n_lines, 3))
            tag_bounds = np.zeros((slots, 2), dtype=np.int64)
            best_events = np.zeros(slots, dtype=np.int32)
            backtrace_ok = np.zeros(n_lines, dtype=np.bool_)
            token_sum = np.ones(slots if debug == 3 else 0)  # slots never scored sum to 1
            sentence_ranks = np.zeros((n_lines if ranks else 0, RANK_COLUMNS))
            if self.hidden:
                tags = np.zeros(2 * slots if per_word else 0, dtype=np.int8)
                contexts = self.context_tables
                stats, logprob, n_tags, tags = _hidden_block(
                    *self.tables.arrays(), contexts.uni_logprob, contexts.meta, contexts.entries, scored,
                    scored_offsets, vocab.bos, vocab.eos, self.unk, self.ev_word,
                    self.ev_omit, self.ev_repeat, self.ev_delete, self.ev_insert, self.no_event, self.word_omit,
                    self.srilm_index, self.ev_index, per_word, sum_words, ranks, logprob,
                    token_logp, tag_bounds, tags, sentence_stats, best_events, backtrace_ok, token_sum,
                    sentence_ranks)
            else:
                tags = np.zeros(4 * slots, dtype=np.int8)
                n_tags = len(tags)
                stats, logprob = _overt_block(*self.tables.arrays(), scored, scored_offsets, vocab.bos, vocab.eos,
                                              self.unk, self.is_event, self.overt_words, self.boundaries,
                                              self.hidden_sentence, sum_words, ranks, logprob, token_logp,
                                              tag_bounds, tags, sentence_stats, token_sum, sentence_ranks)
            total.add(TextStats(*(int(x) for x in stats)))
            total.logprob = logprob
            if warnings is not None:
                sums = self._sum_warnings(scored, scored_offsets, token_sum) if debug == 3 else ()
                write_among_long_lines(warnings, path, long_lines, sums)
            if debug < 1:
                continue
            _add_rank_rows(total, sentence_ranks)
            token_found = np.zeros(slots, dtype=np.int32)
            sentences = np.empty(len(buf) + 2 * len(line_offsets) * (160 + 320 * ranks), dtype=np.uint8)
            used = format_debug(pool, offsets, buf, ids, starts, ends, line_offsets, vocab.bos, vocab.eos, 1,
                                token_logp, token_found, sentence_stats, _NO_FLOATS, _NO_OFFSETS, _NO_FOUND,
                                _NO_FLOATS, sentence_ranks, sentences)
            if debug < 2:
                out.write(sentences[:used].tobytes())
                continue
            longest_event = int(np.diff(event_offsets).max())
            # per slot its word line (two words, three numbers) and its event; per tag `[NNgram]` at most
            word_lines = np.empty(slots * (2 * self.max_word + longest_event + 104) + 8 * n_tags + n_lines * 40,
                                  dtype=np.uint8)
            sentence_ends = np.empty(n_lines, dtype=np.int64)
            n_word = _format_word_lines(pool, offsets, scored, scored_offsets, vocab.bos, vocab.eos, token_logp,
                                        tag_bounds, tags, token_sum, event_pool,
                                        event_offsets if self.hidden else event_offsets[:0], best_events,
                                        backtrace_ok, word_lines, sentence_ends)
            output = np.empty(used + n_word, dtype=np.uint8)
            size = splice_word_lines(sentences[:used], word_lines[:n_word], sentence_ends, output, 6 if ranks else 4)
            out.write(output[:size].tobytes())
        progress.close()
        return total

    def _sum_warnings(self, ids, line_offsets, token_sum):
        """(line, SRILM's warning) for each context whose probabilities do not sum to 1 (see
        score_file): the sum and the context, newest word first, back to `<s>`."""
        vocab = self.vocab
        warnings = []
        for slot in np.flatnonzero(np.abs(token_sum - 1.0) > SUM_TOLERANCE).tolist():
            s = int(np.searchsorted(line_offsets + np.arange(len(line_offsets)), slot, side="right")) - 1
            lo, _ = sentence_span(ids, line_offsets, s, vocab.bos, vocab.eos)
            context = [vocab.words[w] for w in ids[lo:slot - s][::-1].tolist() + [vocab.bos]]
            warnings.append((s, _sum_warning(token_sum[slot], context)))
        return warnings


_NO_FLOATS = np.zeros(0)
_NO_OFFSETS = np.zeros(0, dtype=np.int64)
_NO_FOUND = np.zeros(0, dtype=np.int32)


def read_events(hidden_vocab, lm_path=None, encoding="utf-8"):
    """The events of the file `hidden_vocab` and, from `lm_path` (the model's file), those listed
    after its `\\end\\` (which take precedence)."""
    events = read_hidden_vocab(hidden_vocab, encoding)
    if lm_path is not None and str(lm_path) != "-":
        events = merged_events(events, read_model_events(lm_path, encoding))
    return events


def event_words_in_order(events):
    """The words SRILM adds to the vocabulary for `events`, in its order: each event's own, then
    the word it inserts. The text's copies of them are words of probability zero, not OOVs."""
    return [w for e in events for w in ((e.word,) if e.insert is None else (e.word, e.insert))]
