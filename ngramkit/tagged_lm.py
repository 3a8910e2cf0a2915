"""SRILM's tagged n-gram models (`ngram-count -tagged`, `ngram -tagged`): text of `word/tag`
tokens, counted and scored as SRILM's TaggedVocab, TaggedNgramStats and TaggedNgram do.

A token's tag follows its last `/` that does not follow a `<` (so `</s>` holds none). A tag
alone is a vocabulary word of its own, written `/TAG`, which is never predicted (a non-event:
its unigram has probability 0, no n-gram ends in one) but serves as context.

Counting: at each position, the word n-grams starting there (orders 1..N, tags dropped), and
for each of the next N tokens that has a tag, the n-grams whose tokens up to and including that
one are replaced by their tags (where they have one), from that length on. So `a/A b/B c/C`
counts `a`, `a b`, `a b c`; `/A`, `/A b`, `/A b c`; `/A /B`, `/A /B c`; `/A /B /C`.

Estimation is SRILM's, with the tags as non-events; where a backed-off estimate is needed (the
lower-order term, the backoff weights' denominators, context n-grams added to the model), a
context whose oldest token is a tag gives its weight twice, as TaggedNgram's backoff (below)
looks up the same context again with that tag replaced by its own tag.

Scoring (the model is an ordinary ARPA file over words and tags): p(w | context) looks up the
word n-gram; if it is absent, adds its context's backoff weight and looks up the n-gram with the
oldest context token replaced by its tag (`[k+Tgram]` at -debug 2); if that is absent too, adds
that context's weight and backs off to the shorter context, recursively. The predicted token's
tag plays no part. A model is read back as SRILM's TaggedVocab reads it, every word split at its
tag separator: a word `a/b` (counted from `a/b/c` tokens) is `a` tagged `b`, out of reach of
the lookups, and `a` and `b` are known without n-grams.

The rest of `ngram -tagged` goes through the same backoff: `-counts`, `-debug 3` and `4` (sums
and ranks over SRILM's words, never its tags), `-gen` (LM::generateWord over those words),
`-prune` and static `-mix-lm` (the backed-off estimates, context marginals and recomputed
weights of NgramLM.cc under TaggedNgram: see tagged_backoff_logprob).
"""

import math
import os
import re
import time
from bisect import bisect_left

import numpy as np

from .constants import LN10, MAX_WORDS_PER_LINE, PROB_EPSILON
from .countfile import read_counts
from .counting import TextTotals, _distinct, _group, closed_unk, passed_over_warnings
from .errors import FormatError, UsageError
from .generate import MAX_DRAWS, _drand48, check_not_stuck, prefix_lines, srand48_state
from .jit import njit
from .model import NgramCounts
from .numfmt import put_bytes, put_line, put_text
from .perplexity import (
    _TOP_RANK,
    CONTEXT_END,
    CONTEXT_MORE,
    GIVEN,
    NO_RANKS,
    P_OPEN,
    RANK_COLUMNS,
    SUM_TOLERANCE,
    TextStats,
    _add_rank,
    _add_rank_rows,
    close_sentence,
    format_counts_debug,
    long_line_warnings,
    put_line_close,
    put_probability,
    put_sentence_totals,
    put_tag,
    srilm_tables,
    tally_word,
)
from .renorm import backoff_logprob, recompute_backoffs
from .scoring import (
    BACKOFF,
    LOGPROB,
    build_word_table,
    extend_key,
    find_entry,
    tokenize_lines,
    tokenize_lines_within,
    unigram_key,
    word_key,
    word_of_key,
)
from .sorting import radix_sort_pairs, sort_and_sum
from .srilm_lhash import lhash_order, string_keys
from .tables import find_rows
from .textio import WORD_BYTE, atomic_output, iter_line_blocks, word_bytes
from .tokenize import Interner
from .vocab import BOS, EOS, PAUSE, UNK, Vocabulary, lowercase

SEPARATOR = "/"
# Every SRILM vocabulary holds these four; its tag set, a vocabulary too, holds them as tags.
SRILM_SPECIALS = (UNK, BOS, EOS, PAUSE)
NO_TAG = -1  # a token without a tag
NO_NGRAMS = -2  # a word or tag SRILM knows that no n-gram of the model holds
PAUSE_WORD = -4  # `-pau-` when the model lacks it: SRILM drops it from sentences, and tagged it is a zeroprob


def tag_separator(token):
    """Index of the `/` that starts the tag of `token`, or -1 (SRILM's findTagSep)."""
    at = len(token)
    while True:
        at = token.rfind(SEPARATOR, 0, at)
        if at <= 0 or token[at - 1] != "<":
            return at
        at -= 1


def split_tagged(token):
    """(word, tag) of a token: tag None without one, word "" for a tag alone (`/TAG`)."""
    at = tag_separator(token)
    return (token, None) if at < 0 else (token[:at], token[at + 1:])


def is_tag(word):
    """Is this vocabulary word a tag alone (`/TAG`)?"""
    return tag_separator(word) == 0


def tag_mask(vocab):
    """Mask over the word ids of `vocab`: its tags (among the words that start with `/`, which
    the byte order keeps together)."""
    mask = np.zeros(len(vocab), dtype=np.bool_)
    words = vocab.words
    for i in range(bisect_left(words, SEPARATOR), bisect_left(words, "0")):
        mask[i] = is_tag(words[i])
    return mask


class TaggedPolicy:
    """An estimation policy (`base`, e.g. estimate.policy.SRILM) whose tags are non-events too,
    as SRILM's TaggedVocab makes them."""

    def __init__(self, base):
        self.base = base

    def __getattr__(self, name):
        if name == "base":  # not set yet (a copy being made)
            raise AttributeError(name)
        return getattr(self.base, name)

    def nonevents(self, vocab, unk):
        return self.base.nonevents(vocab, unk) | tag_mask(vocab)

    def entropy_prune(self, model, threshold, minprune, unk):
        return prune_tagged(model, threshold, minprune)

    def lower_logprob(self, links, k, lower_backed_off, tables, rows, vocab):
        """TaggedNgram::wordProbBO's lower-order probability: where the context less its oldest
        token holds a tag but as its oldest token, the lookups find nothing until the context
        starts at its newest tag (see tagged_backoff_logprob), so the row backs off from there."""
        lower = self.base.lower_logprob(links, k, lower_backed_off, tables, rows, vocab)
        if k < 4:
            return lower  # a suffix context of one token: its tag, if any, is its oldest
        start = _newest_context_tag(rows[:, 1:], tag_mask(vocab)) + 1
        for first in np.unique(start[start > 1]).tolist():
            where = np.flatnonzero(start == first)
            lower[where] = tables.backoff_logprob(np.asarray(rows[where]), first)
        return lower



# Counting


def _token_line(block, token, first_line):
    """The line of `block` (numbered from first_line) where `token` first stands as a word."""
    match = re.search(rb"(?<!" + WORD_BYTE + rb")" + re.escape(word_bytes(token)) + rb"(?!" + WORD_BYTE + rb")", block)
    return first_line + (block.count(b"\n", 0, match.start()) if match else 0)


def _split_block_words(words, block, first_line, path):
    """(word, tag) of each distinct token of a training block; a token of an empty word or an
    empty tag is an error naming its line."""
    parts = []
    for token in words:
        word, tag = split_tagged(token)
        if tag is not None and (word == "" or tag == ""):
            what = "a tag without a word" if word == "" else "an empty tag"
            raise FormatError(f"token {token!r} is {what}: tagged text holds word/tag tokens", path,
                              _token_line(block, token, first_line))
        parts.append((word, tag))
    return parts


def _closed_parts(vocab):
    """The words and the tags a -vocab file (of words, word/tag entries and /TAG tags) makes
    known, as SRILM's TaggedVocab reads it: SRILM's four special words among both."""
    words, tags = set(SRILM_SPECIALS), set(SRILM_SPECIALS)
    for entry in vocab.words:
        word, tag = split_tagged(entry)
        if word:
            words.add(word)
        if tag:
            tags.add(tag)
    return words, tags


def count_tagged_block(block, first_line, path, order, options):
    """counting.count_block of tagged text: (NgramCounts over words and `/TAG` words, TextTotals,
    SRILM's warnings of the lines passed over)."""
    interner = Interner()
    tokens, _ = interner.tokenize(block, options.add_sos, options.add_eos, path=path, first_line=first_line,
                                  max_words=options.max_words)
    warnings = passed_over_warnings(path, interner.long_lines)
    parts = _split_block_words(interner.words(), block, first_line, path)
    del interner
    words = [w for w, _ in parts]
    tags = [t for _, t in parts]
    if options.tolower:  # SRILM lowercases the words; its tag set does not
        words = lowercase(words, options.encoding)
    if options.aliases:
        words = [options.aliases.get(w, w) for w in words]
    closed = []
    if options.vocab is not None:
        # a token whose word or tag the vocabulary lacks is the unknown word, untagged
        known_words, known_tags = _closed_parts(options.vocab)
        if options.map_unk != UNK:  # SRILM's vocabulary then holds the word of -map-unk instead of <unk>
            known_words.discard(UNK)
            known_words.add(options.map_unk)
        for i, (w, t) in enumerate(zip(words, tags)):
            if w not in known_words or (t is not None and t not in known_tags):
                words[i], tags[i] = options.map_unk, None
        closed = [w for w in known_words if w != PAUSE] + [SEPARATOR + t for t in known_tags
                                                           if t not in SRILM_SPECIALS]
    vocab = Vocabulary(words + [SEPARATOR + t for t in set(tags) if t is not None] + closed + [options.map_unk])
    word_of = vocab.ids(words)
    tag_of = np.fromiter((NO_TAG if t is None else vocab.index[SEPARATOR + t] for t in tags), dtype=np.int32,
                         count=len(tags))
    word_ids = np.empty(len(tokens), dtype=np.int32)
    tag_ids = np.empty(len(tokens), dtype=np.int32)
    _split_tokens(tokens, word_of, tag_of, word_ids, tag_ids)
    del tokens
    totals = TextTotals.of_block(block, first_line, path, word_ids, vocab.bos, vocab.eos, closed_unk(vocab, options))
    ngrams, counts = tagged_count_tokens(word_ids, tag_ids, len(vocab), order)
    return NgramCounts(vocab, ngrams, counts), totals, warnings


@njit(cache=True)
def _split_tokens(tokens, word_of, tag_of, words, tags):
    for i in range(len(tokens)):
        t = tokens[i]
        words[i] = -1 if t < 0 else word_of[t]
        tags[i] = -1 if t < 0 else tag_of[t]


@njit(cache=True)
def _tagged_unigrams(words, tags, vocab_size, columns):
    """Unigram ids and counts of words and tags, and the rank of each position's two unigrams
    (column 0: its word, 1: its tag; -1 where none) in a (positions, columns) matrix."""
    counts = np.zeros(vocab_size, dtype=np.int64)
    for i in range(len(words)):
        if words[i] >= 0:
            counts[words[i]] += 1
            if tags[i] >= 0:
                counts[tags[i]] += 1
    rank_of_id = np.full(vocab_size, -1, dtype=np.int32)
    n = 0
    for w in range(vocab_size):
        if counts[w] > 0:
            rank_of_id[w] = n
            n += 1
    ids = np.empty((n, 1), dtype=np.int32)
    table_counts = np.empty(n, dtype=np.int32)
    for w in range(vocab_size):
        if rank_of_id[w] >= 0:
            ids[rank_of_id[w], 0] = w
            table_counts[rank_of_id[w]] = counts[w]
    rank = np.full((len(words), columns), -1, dtype=np.int32)
    for i in range(len(words)):
        if words[i] >= 0:
            rank[i, 0] = rank_of_id[words[i]]
            if tags[i] >= 0:
                rank[i, 1] = rank_of_id[tags[i]]
    return ids, table_counts, rank


@njit(cache=True)
def _tagged_keys(rank, words, tags, n, vocab_size):
    """Keys (prefix rank * V + last id) and flat (position, column) slots of the order-n
    n-grams. Column c of position i is the n-gram from i with its first c tokens replaced by
    their tags (c = 0: none; the c-th token has a tag), counted from length c on: it extends
    its own column's (n-1)-gram by the word at i+n-1, and at c = n, the most replaced
    (n-1)-gram from i by the tag at i+n-1."""
    columns = rank.shape[1]
    last = len(words) - n + 1
    m = 0
    for i in range(max(last, 0)):
        if rank[i, 0] < 0 or words[i + n - 1] < 0:
            continue
        for c in range(n):
            m += rank[i, c] >= 0
        m += tags[i + n - 1] >= 0
    keys = np.empty(m, dtype=np.uint64)
    slots = np.empty(m, dtype=np.int64)
    v = np.uint64(vocab_size)
    max_key = np.uint64(0)
    m = 0
    for i in range(max(last, 0)):
        if rank[i, 0] < 0 or words[i + n - 1] < 0:
            continue
        most = 0
        for c in range(n):
            if rank[i, c] >= 0:
                keys[m] = np.uint64(rank[i, c]) * v + np.uint64(words[i + n - 1])
                slots[m] = i * columns + c
                most = c
                m += 1
        if tags[i + n - 1] >= 0:
            keys[m] = np.uint64(rank[i, most]) * v + np.uint64(tags[i + n - 1])
            slots[m] = i * columns + n
            m += 1
    for j in range(m):
        max_key = max(max_key, keys[j])
    return keys, slots, max_key


def tagged_count_tokens(words, tags, vocab_size, order):
    """counting.count_tokens of a tagged stream: words (-1 after each sentence) and each
    position's tag id (-1: none), counted as SRILM's TaggedNgramStats (see the module's
    docstring). Returns the tables of orders 1..order: lists of (rows, k) int32 and counts."""
    columns = order + 1
    ngrams, counts, rank = _tagged_unigrams(words, tags, vocab_size, columns)
    tables, table_counts = [ngrams], [counts]
    for n in range(2, order + 1):
        keys, slots, max_key = _tagged_keys(rank, words, tags, n, vocab_size)
        del rank
        keys, slots = radix_sort_pairs(keys, slots, max_key)
        distinct = _distinct(keys)
        prefix, last = np.empty(distinct, dtype=np.int32), np.empty(distinct, dtype=np.int32)
        counts = np.zeros(distinct, dtype=np.int32)
        rank = np.full((len(words) if n < order else 0, columns), -1, dtype=np.int32)
        _group(keys, slots, vocab_size, prefix, last, counts, rank.reshape(-1))
        del keys, slots
        rows = np.empty((len(last), n), dtype=np.int32)
        rows[:, : n - 1] = tables[-1][prefix]
        rows[:, n - 1] = last
        tables.append(rows)
        table_counts.append(counts)
    return tables, table_counts


# The vocabulary


def tagged_vocabulary(vocab, read_back=False):
    """(words, tags) of a vocabulary of words and `/TAG` words as SRILM's TaggedVocab holds
    them: each list with SRILM's four special words, in byte order. `read_back`: the words of
    a model read back (ngram -tagged), where SRILM splits every word at its tag separator, so
    that a word `a/b` (of `a/b/c` tokens counted) is the word `a` with the tag `b`."""
    words = set(SRILM_SPECIALS)
    tags = set(SRILM_SPECIALS)
    for w in vocab.words:
        word, tag = split_tagged(w) if read_back else (("", w[1:]) if is_tag(w) else (w, None))
        if word:
            words.add(word)
        if tag is not None:
            tags.add(tag)
    return sorted(words, key=word_bytes), sorted(tags, key=word_bytes)


def write_tagged_vocab(vocab, path, read_back=False):
    """SRILM's -write-vocab of a tagged vocabulary: the words, then `/TAG` for each tag
    (`read_back`: see tagged_vocabulary)."""
    words, tags = tagged_vocabulary(vocab, read_back)
    with atomic_output(path) as out:
        out.write(word_bytes("".join(w + "\n" for w in words) + "".join(SEPARATOR + t + "\n" for t in tags)))


def read_back_lookup(vocab):
    """How SRILM's TaggedVocab sees the words of a model it read: (extra, as_word, as_tag).
    `extra`: the strings it knows that are not words of `vocab` (-pau-, its special tags, the
    word and tag parts of model words `a/b`), taking ids from len(vocab) on; over those ids,
    `as_word` and `as_tag`: what the string is as a token's word and as its tag (`/TAG`): a
    model id where the model's n-grams hold it (a word without a tag, or a tag alone), NO_NGRAMS
    where SRILM knows it without n-grams, PAUSE_WORD for a -pau- the model lacks, -1 where
    SRILM does not know it. A model word `a/b` is none of these: SRILM reads it as `a` tagged
    `b`, whose n-grams no lookup reaches (lookups take words untagged)."""
    words, tags = tagged_vocabulary(vocab, read_back=True)
    known_words, known_tags = set(words), set(tags)
    index = vocab.index
    extra = [w for w in [PAUSE] + [SEPARATOR + t for t in tags] + words if w not in index]
    extra = list(dict.fromkeys(extra))
    strings = list(vocab.words) + extra
    as_word = np.full(len(strings), -1, dtype=np.int32)
    as_tag = np.full(len(strings), -1, dtype=np.int32)
    for i, s in enumerate(strings):
        word, tag = split_tagged(s)
        in_model = i < len(vocab)
        if tag is None and in_model:
            as_word[i] = i
        elif s in known_words:
            as_word[i] = PAUSE_WORD if s == PAUSE else NO_NGRAMS
        if word == "" and tag is not None:
            as_tag[i] = i if in_model else NO_NGRAMS
        elif s.startswith(SEPARATOR) and s[1:] in known_tags:
            as_tag[i] = NO_NGRAMS
    return extra, as_word, as_tag


# Scoring


@njit(cache=True)
def _tagged_token_ids(buf, starts, ends, table, as_word, as_tag, unk, words, tags):
    """Each token's word id and tag id as SRILM's TaggedVocab::getIndex finds them (as_word and
    as_tag map the ids of `table`: see read_back_lookup): an unknown word or tag makes the token
    `unk`, untagged; a tag alone has the word NO_NGRAMS."""
    for t in range(len(starts)):
        s, e = starts[t], ends[t]
        sep = -1
        p = e - 1
        while p >= s:
            if buf[p] == 47 and (p == s or buf[p - 1] != 60):  # '/' not after '<'
                sep = p
                break
            p -= 1
        word_end = e if sep < 0 else sep
        w = NO_NGRAMS
        if word_end > s:
            found = word_of_key(table, word_key(buf, s, word_end))
            w = as_word[found] if found >= 0 else -1
        tag = NO_TAG
        known_tag = True
        if sep >= 0:
            found = word_of_key(table, word_key(buf, sep, e))
            tag = as_tag[found] if found >= 0 else -1
            known_tag = tag != -1
        if w == -1 or not known_tag:
            words[t] = unk
            tags[t] = NO_TAG
        else:
            words[t] = w
            tags[t] = tag


@njit(cache=True, inline="always")
def _context_key(ctx, clen):
    """Key of the context ctx[clen-1] .. ctx[0] (newest first)."""
    key = unigram_key(ctx[clen - 1])
    for c in range(clen - 2, -1, -1):
        key = extend_key(key, ctx[c])
    return key


@njit(cache=True)
def _find_prob(uni_logprob, meta, entries, values, ctx, clen, word):
    """log10 p of the n-gram (context ctx[:clen], newest first) when the model holds it, else NaN."""
    order = meta.shape[0] - 1
    if word < 0 or clen + 1 > order:
        return np.float32(np.nan)
    for c in range(clen):
        if ctx[c] < 0:
            return np.float32(np.nan)
    if clen == 0:
        return uni_logprob[word]
    cell = find_entry(entries, meta, clen + 1, extend_key(_context_key(ctx, clen), word))
    return values[cell + LOGPROB] if cell >= 0 else np.float32(np.nan)


@njit(cache=True)
def _find_bow(uni_logprob, uni_backoff, meta, entries, values, ctx, clen):
    """The backoff weight of the context ctx[:clen] (newest first), 0 where the model lacks it."""
    for c in range(clen):
        if ctx[c] < 0:
            return np.float32(0.0)
    if clen == 1:
        return uni_backoff[ctx[0]] if not np.isnan(uni_logprob[ctx[0]]) else np.float32(0.0)
    cell = find_entry(entries, meta, clen, _context_key(ctx, clen))
    return values[cell + BACKOFF] if cell >= 0 else np.float32(0.0)


@njit(cache=True)
def tagged_logprob(uni_logprob, uni_backoff, meta, entries, values, ctx_words, ctx_tags, clen, word, used,
                   level_bows):
    """TaggedNgram::wordProbBO of `word` after the context ctx_words[:clen] (newest first; its
    tags in ctx_tags alike): (log10 p, what was found: k for the k-gram, -k for the k-gram whose
    oldest context token is replaced by its tag, 0 for nothing). `used` and `level_bows` are
    scratch of clen + 1 entries. Each level's backoff weights are summed, and the levels added
    from the innermost out, in float32 as SRILM's recursion adds them."""
    level = clen
    p = np.float32(-np.inf)
    found = 0
    while True:
        for c in range(level):
            used[c] = ctx_words[c]
        q = _find_prob(uni_logprob, meta, entries, values, used, level, word)
        if not np.isnan(q):
            p = q
            found = level + 1
            break
        if level == 0:
            break
        bow = _find_bow(uni_logprob, uni_backoff, meta, entries, values, used, level)
        used[level - 1] = ctx_tags[level - 1]
        q = _find_prob(uni_logprob, meta, entries, values, used, level, word)
        if not np.isnan(q):
            p = bow + q
            found = -level
            break
        level_bows[level] = bow + _find_bow(uni_logprob, uni_backoff, meta, entries, values, used, level)
        level -= 1
    if found == 0:
        return np.float32(-np.inf), 0
    for outer in range(level + 1, clen + 1):
        p = level_bows[outer] + p
    return p, found


@njit(cache=True, inline="always")
def _context_check(uni_logprob, uni_backoff, meta, entries, values, ctx_words, ctx_tags, clen, events, zero_events,
                   prob, ranks, used, level_bows):
    """LM::wordProbSum and LM::updateRanks under TaggedNgram: over the words marked in `events`
    and `zero_events` more words of probability 0, after the context, the sum of their
    probabilities, or with `ranks` the rank of a token of probability `prob`
    (perplexity.probability_checks says how ranks count)."""
    total = 0.0
    rank = 0
    ties = 0
    for v in range(len(events)):
        if not events[v]:
            continue
        q, _ = tagged_logprob(uni_logprob, uni_backoff, meta, entries, values, ctx_words, ctx_tags, clen, v, used,
                              level_bows)
        p = 0.0 if q == -np.inf else math.exp(float(q) * LN10)
        if not ranks:
            total += p
            continue
        if abs(p - prob) < PROB_EPSILON:
            ties += 1
        elif p > prob:
            rank += 1
        if rank + ties // 2 > _TOP_RANK:
            break
    if ranks and prob < PROB_EPSILON:
        ties += zero_events
    return total, rank + ties // 2


@njit(cache=True)
def _sentence_tokens(words, tags, lo, hi, bos, eos, pause, keep):
    """The tokens of words[lo:hi] that are scored (SRILM drops -pau-) into keep; returns
    (their number, the first scored (1 after a <s> of the line's own, else 0), the end (before
    a </s> of its own))."""
    n = 0
    for t in range(lo, hi):
        if not (words[t] == pause and tags[t] == NO_TAG):
            keep[n] = t
            n += 1
    first = 1 if n > 0 and words[keep[0]] == bos and tags[keep[0]] == NO_TAG else 0
    end = n - 1 if n > first and words[keep[n - 1]] == eos and tags[keep[n - 1]] == NO_TAG else n
    return first, end


@njit(cache=True)
def tagged_ppl_block(uni_logprob, uni_backoff, meta, entries, values, words, tags, line_offsets, bos, eos, unk,
                     pause, total, token_logp, token_found, slot_token, sentence_stats, sentence_words, events,
                     zero_events, ranks, token_sum, sentence_ranks):
    """Score each line as a sentence under TaggedNgram; returns ([sentences, words, OOVs,
    zeroprobs], total + the log10 probability). With token_logp not empty, per scored token
    (slots in order, a line's </s> last) its log10 p, what was found (see tagged_logprob) and
    the token (-1: the sentence's </s>), and per line its (logprob, OOVs, zeroprobs) and words.
    With `events` not empty (-debug 3 and 4, the words SRILM sums over marked, and zero_events
    more of probability 0 that the model lacks), per slot the
    sum of p(word | the token's context) over them to token_sum, or with `ranks` each line's
    rank statistics to sentence_ranks (see perplexity.probability_checks)."""
    order = meta.shape[0] - 1
    width = max(order, 1)
    ctx_words = np.empty(width, dtype=np.int32)
    ctx_tags = np.empty(width, dtype=np.int32)
    used = np.empty(width, dtype=np.int32)
    level_bows = np.empty(width, dtype=np.float32)
    keep = np.empty(max(len(words), 1), dtype=np.int64)
    stats = np.zeros(4, dtype=np.int64)
    detail = len(token_logp) > 0
    slot = 0
    for s in range(len(line_offsets) - 1):
        if ranks:
            sentence_ranks[s, :] = 0.0
        first, end = _sentence_tokens(words, tags, line_offsets[s], line_offsets[s + 1], bos, eos, pause, keep)
        sentence_prob = 0.0
        oovs = 0
        zeros = 0
        for x in range(first, end + 1):
            w = words[keep[x]] if x < end else eos
            tag = tags[keep[x]] if x < end else NO_TAG
            # the context, newest first, back to <s>, cut to order - 1 tokens
            clen = 0
            y = x - 1
            while clen < order - 1 and y >= first - 1:
                ctx_words[clen] = words[keep[y]] if y >= first else bos
                ctx_tags[clen] = tags[keep[y]] if y >= first else NO_TAG
                clen += 1
                y -= 1
            p, found = tagged_logprob(uni_logprob, uni_backoff, meta, entries, values, ctx_words, ctx_tags, clen, w,
                                      used, level_bows)
            if len(events) > 0:
                prob = 0.0 if p == -np.inf else math.exp(float(p) * LN10)
                probability_sum, rank = _context_check(uni_logprob, uni_backoff, meta, entries, values, ctx_words,
                                                       ctx_tags, clen, events, zero_events, prob, ranks, used,
                                                       level_bows)
                if ranks:
                    _add_rank(sentence_ranks[s], rank, p, x == end, w == unk and tag == NO_TAG, 1.0)
                else:
                    token_sum[slot] = probability_sum
            if detail:
                token_logp[slot] = p
                token_found[slot] = found
                slot_token[slot] = keep[x] if x < end else -1
                slot += 1
            # an OOV is the unknown word untagged; tagged, it scoring 0 is a zeroprob
            sentence_prob, oovs, zeros = tally_word(p, w if tag == NO_TAG else -3, unk, sentence_prob, oovs, zeros)
        close_sentence(stats, sentence_stats, s, end - first, sentence_prob, oovs, zeros, detail)
        if detail:
            sentence_words[s] = end - first
        total += sentence_prob
    return stats, total




@njit(cache=True, inline="always")
def _put_token(out, pos, pool, offsets, buf, starts, ends, words, tags, unk, t, fallback):
    """Token t as SRILM prints it: as written, or the unknown word's spelling for an OOV
    (t = -1: the word id `fallback`)."""
    if t < 0:
        return put_bytes(out, pos, pool, offsets[fallback], offsets[fallback + 1])
    if words[t] == unk and tags[t] == NO_TAG:
        return put_bytes(out, pos, pool, offsets[unk], offsets[unk + 1])
    return put_bytes(out, pos, buf, starts[t], ends[t])


@njit(cache=True)
def format_tagged_debug(pool, offsets, buf, starts, ends, words, tags, unk, bos, eos, line_offsets, debug,
                        token_logp, token_found, slot_token, sentence_stats, sentence_words, token_sum, sentence_ranks,
                        out):
    """SRILM's -debug 1 (and 2) lines of a block tagged_ppl_block scored; returns the length.
    With token_sum (-debug 3) each word line ends in ` / ` and its context's probability sum;
    with sentence_ranks (-debug 4) each sentence's totals have the two rank lines."""
    pos = 0
    slot = 0
    for s in range(len(line_offsets) - 1):
        pos = put_line(out, pos, buf, starts, ends, line_offsets[s], line_offsets[s + 1])
        prev = -1
        while True:
            t = slot_token[slot]
            if debug >= 2:
                pos = put_text(out, pos, P_OPEN)
                pos = _put_token(out, pos, pool, offsets, buf, starts, ends, words, tags, unk, t, eos)
                pos = put_text(out, pos, GIVEN)
                pos = _put_token(out, pos, pool, offsets, buf, starts, ends, words, tags, unk, prev, bos)
                pos = put_text(out, pos, CONTEXT_MORE if prev >= 0 else CONTEXT_END)
                pos = put_tag(out, pos, token_found[slot], True)
                pos = put_probability(out, pos, token_logp[slot])
                pos = put_line_close(out, pos, token_sum, slot)
            slot += 1
            prev = t
            if t < 0:
                break
        pos = put_sentence_totals(out, pos, sentence_words[s], sentence_stats[s, 0], int(sentence_stats[s, 1]),
                                  int(sentence_stats[s, 2]), sentence_ranks[s] if len(sentence_ranks) > 0 else NO_RANKS)
    return pos


@njit(cache=True)
def _tagged_score_ngrams(uni_logprob, uni_backoff, meta, entries, values, rows, token_words, token_tags, eos, unk,
                         logp, found, events, zero_events, ranks, weights, row_sum, row_ranks):
    """log10 p(last token | the others, newest first, cut to the model's order - 1) of each row
    of k-grams `rows` (ids of tokens whose word and tag ids are token_words, token_tags) under
    TaggedNgram, and what was found (see tagged_logprob); with `events` not empty the sums or,
    with `ranks`, the rank rows weighted by the counts, as tagged_ppl_block has them."""
    order = meta.shape[0] - 1
    width = max(order, 1)
    ctx_words = np.empty(width, dtype=np.int32)
    ctx_tags = np.empty(width, dtype=np.int32)
    used = np.empty(width, dtype=np.int32)
    level_bows = np.empty(width, dtype=np.float32)
    k = rows.shape[1]
    for r in range(rows.shape[0]):
        clen = min(k - 1, order - 1)
        for c in range(clen):
            ctx_words[c] = token_words[rows[r, k - 2 - c]]
            ctx_tags[c] = token_tags[rows[r, k - 2 - c]]
        last = rows[r, k - 1]
        w = token_words[last]
        p, found[r] = tagged_logprob(uni_logprob, uni_backoff, meta, entries, values, ctx_words, ctx_tags, clen, w,
                                     used, level_bows)
        logp[r] = p
        if len(events) > 0:
            prob = 0.0 if p == -np.inf else math.exp(float(p) * LN10)
            total, rank = _context_check(uni_logprob, uni_backoff, meta, entries, values, ctx_words, ctx_tags, clen,
                                         events, zero_events, prob, ranks, used, level_bows)
            if ranks:
                untagged = token_tags[last] == NO_TAG
                _add_rank(row_ranks[r], rank, p, w == eos and untagged, w == unk and untagged, weights[r])
            else:
                row_sum[r] = total




class TaggedScorer:
    """SRILM's `ngram -tagged -ppl` and `-counts` of an NgramModel over words and `/TAG` words
    (read back as SRILM's TaggedVocab reads it: see read_back_lookup): totals, and the -debug 1
    to 4 lines. `unk_word`: the unknown word's spelling (default `<unk>`)."""

    def __init__(self, model, unk_word=None, encoding="utf-8"):
        self.model = model
        vocab = model.vocab
        self.vocab = vocab
        self.encoding = encoding
        self.tables = srilm_tables(model)
        self.unk = vocab.index[unk_word] if unk_word is not None else vocab.unk
        extra, self.as_word, self.as_tag = read_back_lookup(vocab)
        self.pause = vocab.index.get(PAUSE, PAUSE_WORD)
        pool, offsets = vocab.byte_pool()
        encoded = [word_bytes(w) for w in extra]
        lookup_offsets = np.concatenate([offsets, offsets[-1] + np.cumsum([len(e) for e in encoded], dtype=np.int64)])
        lookup_pool = np.concatenate([pool, np.frombuffer(b"".join(encoded), dtype=np.uint8)])
        self.table = np.full((max(16, 2 * (len(vocab) + len(extra))), 2), -1, dtype=np.int64)
        build_word_table(lookup_pool, lookup_offsets, self.table)
        self.max_word = int(np.diff(offsets).max()) if len(offsets) > 1 else 0

    def score_file(self, path, debug=0, out=None, warnings=None):
        """The TextStats of `path`; with debug >= 1 SRILM's per-sentence (and at 2 per-word)
        lines go to the binary stream `out`. At debug 3 each word line gets the sum of the
        probabilities of its context (SRILM's warning for a sum off 1 by more than SUM_TOLERANCE
        to the binary stream `warnings`, if given); from debug 4 on the totals get the rank
        and loss lines instead. A line of more than MAX_WORDS_PER_LINE tokens is passed over,
        with SRILM's warning on `warnings` (before those of its block's sums)."""
        vocab = self.vocab
        pool, offsets = vocab.byte_pool()
        total = TextStats()
        logprob = 0.0
        events, zero_events = self._events() if debug >= 3 else (np.zeros(0, dtype=np.bool_), 0)
        for block, first_line in iter_line_blocks(path, self.encoding, allow_bytes=True):
            buf = np.frombuffer(block, dtype=np.uint8)
            _, starts, ends, line_offsets, long_lines = tokenize_lines_within(buf, self.table, self.unk,
                                                                              MAX_WORDS_PER_LINE)
            if warnings is not None:
                warnings.write(long_line_warnings(path, long_lines[:, 0] + first_line))
            words = np.empty(len(starts), dtype=np.int32)
            tags = np.empty(len(starts), dtype=np.int32)
            _tagged_token_ids(buf, starts, ends, self.table, self.as_word, self.as_tag, self.unk, words, tags)
            detail = debug >= 1
            slots = len(words) + len(line_offsets) if detail else 0
            lines = len(line_offsets) - 1 if detail else 0
            token_logp = np.empty(slots, dtype=np.float32)
            token_found = np.empty(slots, dtype=np.int32)
            slot_token = np.empty(slots, dtype=np.int64)
            sentence_stats = np.empty((lines, 3))
            sentence_words = np.empty(lines, dtype=np.int64)
            token_sum = np.ones(slots if debug == 3 else 0)
            sentence_ranks = np.zeros((lines if debug >= 4 else 0, RANK_COLUMNS))
            stats, logprob = tagged_ppl_block(*self.tables.arrays(), words, tags, line_offsets, vocab.bos, vocab.eos,
                                              self.unk, self.pause, logprob, token_logp, token_found, slot_token,
                                              sentence_stats, sentence_words, events, zero_events, debug >= 4,
                                              token_sum, sentence_ranks)
            total.add(TextStats(*(int(x) for x in stats)))
            total.logprob = logprob
            if not detail:
                continue
            _add_rank_rows(total, sentence_ranks)
            if warnings is not None and len(token_sum):
                self._warn_of_sums(block, starts, ends, words, tags, slot_token, token_sum, warnings)
            size = len(buf) + len(line_offsets) * (600 if debug >= 4 else 200)
            if debug >= 2:
                size += slots * (2 * max(self.max_word, int((ends - starts).max(initial=0))) + 100)
            output = np.empty(size, dtype=np.uint8)
            used = format_tagged_debug(pool, offsets, buf, starts, ends, words, tags, self.unk, vocab.bos, vocab.eos,
                                       line_offsets, debug, token_logp, token_found, slot_token, sentence_stats,
                                       sentence_words, token_sum, sentence_ranks, output)
            out.write(output[:used].tobytes())
        return total

    def _token_ids(self, vocab):
        """(word ids, tag ids) of the words of `vocab` read as tokens of a tagged text."""
        pool, offsets = vocab.byte_pool()
        words = np.empty(len(vocab), dtype=np.int32)
        tags = np.empty(len(vocab), dtype=np.int32)
        _tagged_token_ids(pool, offsets[:-1], offsets[1:], self.table, self.as_word, self.as_tag, self.unk, words,
                          tags)
        return words, tags

    def score_counts(self, path, order=None, debug=0, out=None, warnings=None):
        """SRILM's perplexity from a count file of word/tag tokens (`ngram -tagged -counts`):
        each n-gram of orders up to `order` (default: the model's) scores count x log10
        p(last token | the others) under TaggedNgram; those ending in `</s>` count as sentences,
        the others as words. Tokens SRILM does not know are `<unk>`, their counts summed.
        Returns the `TextStats`; with debug >= 2 one line per n-gram goes to the binary stream
        `out`, in SRILM's sorted order (with sums at debug 3, warnings of those off 1 to
        `warnings`), and with debug >= 1 the totals line (from debug 4 on with ranks and losses)."""
        counts = read_counts([path], order or self.model.order, encoding=self.encoding, prefixes=False,
                             stop_at_long=False)
        words, tags = self._token_ids(counts.vocab)
        unknown = (words == self.unk) & (tags == NO_TAG)
        unk_word = self.vocab.words[self.unk]
        if np.any(unknown & (np.array(counts.vocab.words, dtype=object) != unk_word)):
            # the tokens SRILM reads as <unk> are one token: their n-grams merge
            spelled = [unk_word if u else w for w, u in zip(counts.vocab.words, unknown.tolist())]
            merged = Vocabulary(spelled)
            remap = merged.ids(spelled)
            for k, (rows, values) in enumerate(zip(counts.ngrams, counts.counts)):
                counts.ngrams[k], counts.counts[k] = sort_and_sum(remap[rows], values)
            counts.vocab = merged
            words, tags = self._token_ids(merged)
        vocab = counts.vocab
        pool, offsets = vocab.byte_pool()
        events, zero_events = self._events() if debug >= 3 else (np.zeros(0, dtype=np.bool_), 0)
        stats = TextStats()
        contributions, rank_rows = [], []
        eos, unk = self.vocab.eos, self.unk
        for rows, values in zip(counts.ngrams, counts.counts):
            keep = values != 0
            rows, weights = np.ascontiguousarray(rows[keep]), values[keep].astype(np.float64)
            logp = np.empty(len(rows), dtype=np.float32)
            found = np.empty(len(rows), dtype=np.int32)
            row_sum = np.ones(len(rows) if debug == 3 else 0)
            row_ranks = np.zeros((len(rows) if debug >= 4 else 0, RANK_COLUMNS))
            _tagged_score_ngrams(*self.tables.arrays(), rows, words, tags, eos, unk, logp, found, events, zero_events,
                                 debug >= 4, weights, row_sum, row_ranks)
            last = rows[:, -1]
            untagged = tags[last] == NO_TAG
            zero = logp == -np.inf
            ends = (words[last] == eos) & untagged
            oov = zero & (words[last] == unk) & untagged
            stats.add(TextStats(sentences=int(weights[ends].sum()), words=int(weights[~ends].sum()),
                                oovs=int(weights[oov].sum()), zeroprobs=int(weights[zero & ~oov].sum())))
            contributions.append(np.where(zero, 0.0, weights * logp.astype(np.float64)))
            rank_rows.append(row_ranks)
            if warnings is not None and len(row_sum):
                for r in np.flatnonzero(np.abs(row_sum - 1.0) > SUM_TOLERANCE).tolist():
                    context = " ".join(vocab.words[i] for i in rows[r, -2::-1].tolist())
                    text = f"\nwarning: word probs for this context sum to {row_sum[r]:g} != 1 : {context}\n"
                    warnings.write(text.encode("utf-8", "surrogateescape"))
            if debug >= 2 and len(rows):
                longest = int(np.diff(offsets).max())
                output = np.empty(len(rows) * (rows.shape[1] * (longest + 1) + 110), dtype=np.uint8)
                used = format_counts_debug(pool, offsets, rows, logp, found, weights, row_sum, output, True)
                out.write(output[:used].tobytes())
        # summed n-gram by n-gram in double, as SRILM's TextStats
        summed = np.cumsum(np.concatenate(contributions))
        stats.logprob = float(summed[-1]) if len(summed) else 0.0
        if debug >= 4:
            _add_rank_rows(stats, np.concatenate(rank_rows))
        if debug >= 1:
            out.write(f"{stats.srilm_text()}\n".encode())
        return stats

    def _events(self):
        """The words LM::wordProbSum and LM::updateRanks walk over under SRILM's TaggedVocab: its
        words (not its tags, nor a model word `a/b`, which it reads as `a` tagged `b`) but for
        its non-events `<s>`, `-pau-` and, in a closed vocabulary (no `<unk>` unigram), `<unk>`:
        (a mask over the model's words, how many more it knows without n-grams, of probability 0)."""
        vocab = self.vocab
        events = self.as_word[:len(vocab)] == np.arange(len(vocab))
        events[vocab.bos] = False
        if PAUSE in vocab.index:
            events[vocab.index[PAUSE]] = False
        if np.isnan(self.tables.uni_logprob[self.unk]) or self.tables.uni_logprob[self.unk] == -np.inf:
            events[self.unk] = False
        words, _ = tagged_vocabulary(vocab, read_back=True)
        return events, sum(w not in vocab.index and w != PAUSE for w in words)

    def _warn_of_sums(self, block, starts, ends, words, tags, slot_token, token_sum, warnings):
        """SRILM's warning for each slot whose context's probabilities do not sum to 1: the sum
        (`%g`) and the context, newest token first (as TaggedVocab spells it), back to `<s>`."""
        off = np.flatnonzero(np.abs(token_sum - 1.0) > SUM_TOLERANCE)
        if not len(off):
            return
        unk = self.vocab.words[self.unk]

        def spelled(t):
            if words[t] == self.unk and tags[t] == NO_TAG:
                return unk
            return block[starts[t]:ends[t]].decode("utf-8", "surrogateescape")

        # the slots of a sentence run to its </s> (-1)
        sentence_ends = np.flatnonzero(slot_token < 0)
        for slot in off.tolist():
            k = int(np.searchsorted(sentence_ends, slot))
            first = int(sentence_ends[k - 1]) + 1 if k > 0 else 0
            context = [spelled(t) for t in slot_token[first:slot][::-1].tolist()] + [BOS]
            text = f"\nwarning: word probs for this context sum to {token_sum[slot]:g} != 1 : {' '.join(context)}\n"
            warnings.write(text.encode("utf-8", "surrogateescape"))


# Random sentences (-gen, -gen-prefixes)


def _walk_words(model):
    """The words of SRILM's TaggedVocab after it read `model`, in its word table's insertion
    order: its four special words, then each unigram's word part in the order of the model's
    unigrams (a tag alone goes to the tag set; `a/b` gives `a`)."""
    vocab = model.vocab
    words = [vocab.words[vocab.unk], BOS, EOS, PAUSE]
    for w in model.ngrams[0][:, 0]:
        word, _ = split_tagged(vocab.words[w])
        if word:
            words.append(word)
    return list(dict.fromkeys(words))


@njit(cache=True)
def _tagged_generate(uni_logprob, uni_backoff, meta, entries, values, walk, non_event, eos_at, prefix_words,
                     prefix_tags, prefix_offsets, use_bos, bos, state, max_words, out, out_offsets, stuck):
    """One sentence per prefix (prefix_words[prefix_offsets[i]:prefix_offsets[i+1]] and their
    tags, after `<s>` when use_bos), each word drawn as LM::generateWord draws it under
    TaggedNgram: the walk positions go to out, sentence i at out_offsets[i]:out_offsets[i+1]; out
    grows as needed and is returned. Stops (stuck[0] set) where MAX_DRAWS draws of a word give
    non-events only."""
    order = meta.shape[0] - 1
    width = max(order, 1)
    ctx_words = np.empty(width, dtype=np.int32)
    ctx_tags = np.empty(width, dtype=np.int32)
    used = np.empty(width, dtype=np.int32)
    level_bows = np.empty(width, dtype=np.float32)
    longest = 0
    for s in range(len(prefix_offsets) - 1):
        longest = max(longest, prefix_offsets[s + 1] - prefix_offsets[s])
    history_words = np.empty(longest + max_words + 1, dtype=np.int32)
    history_tags = np.empty(longest + max_words + 1, dtype=np.int32)
    pos = 0
    for s in range(len(prefix_offsets) - 1):
        n = 0
        if use_bos:
            history_words[0] = bos
            history_tags[0] = NO_TAG
            n = 1
        for t in range(prefix_offsets[s], prefix_offsets[s + 1]):
            history_words[n] = prefix_words[t]
            history_tags[n] = prefix_tags[t]
            n += 1
        generated = 0
        ended = False
        while generated < max_words:
            clen = min(n, order - 1)
            for c in range(clen):
                ctx_words[c] = history_words[n - 1 - c]
                ctx_tags[c] = history_tags[n - 1 - c]
            drawn = -1
            draws = 0
            while drawn < 0 and draws < MAX_DRAWS:
                draws += 1
                r = _drand48(state)
                total = 0.0
                for i in range(len(walk)):
                    drawn = i
                    if walk[i] >= 0:
                        p, _ = tagged_logprob(uni_logprob, uni_backoff, meta, entries, values, ctx_words, ctx_tags,
                                              clen, walk[i], used, level_bows)
                        if p != -np.inf:
                            total += np.exp(np.float64(p) * LN10)
                    if total > r:
                        break
                if non_event[drawn]:
                    drawn = -1
            if drawn < 0:
                stuck[0] = 1
                return out
            generated += 1
            if drawn == eos_at:
                ended = True
                break
            if pos == len(out):
                grown = np.empty(2 * len(out), dtype=out.dtype)
                grown[:pos] = out
                out = grown
            out[pos] = drawn
            pos += 1
            history_words[n] = walk[drawn]
            history_tags[n] = NO_TAG
            n += 1
        if not ended:
            pos -= 1  # without </s>, SRILM's buffer keeps one word less than it generated
        out_offsets[s + 1] = pos
    return out


class TaggedGenerator:
    """SRILM's `ngram -tagged -gen N -seed S` (and `-gen-prefixes`) of an NgramModel over words
    and `/TAG` words: LM::generateWord's walk over the words of SRILM's TaggedVocab (never its
    tags, nor a model word `a/b`, which it reads as `a` tagged `b`), each word's probability
    TaggedNgram's. Prefix tokens may be word/tag. One drand48 stream per generator, seeded as
    -seed seeds it (default: time + process id)."""

    def __init__(self, model, seed=None, unk_is_word=False):
        self.scorer = TaggedScorer(model)
        self.state = srand48_state(int(time.time()) + os.getpid() if seed is None else seed)
        self.words = _walk_words(model)
        encoded = [word_bytes(w) for w in self.words]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        order = lhash_order(string_keys(np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets),
                            np.array([0, len(encoded)], dtype=np.int64))
        self.words = [self.words[i] for i in order]
        index = model.vocab.index
        # a word SRILM knows without n-grams has probability 0 (NO_NGRAMS: never summed)
        self.walk = np.array([index.get(w, NO_NGRAMS) for w in self.words], dtype=np.int32)
        vocab = model.vocab
        non_event = {vocab.words[vocab.bos], PAUSE} | (set() if unk_is_word else {vocab.words[vocab.unk]})
        self.non_event = np.array([w in non_event for w in self.words], dtype=np.bool_)
        self.eos_at = self.words.index(EOS)

    def sentences(self, n=None, prefixes=None, encoding="utf-8"):
        """`n` sentences from `<s>`, then one continuation per prefix (a string of
        space-separated tokens or a list of them, or the path of a file of them, one a line),
        from the one random stream: strings of space-separated words, without `<s>`, `</s>`
        and the prefix. `encoding`: the prefix file's (`bytes`: words are its bytes)."""
        if n is not None and n < 0:
            raise UsageError(f"the number of sentences must be at least 0, not {n}", option="n")
        prefixes = prefix_lines(prefixes, encoding)
        sentences = []
        none = np.zeros(0, dtype=np.int32)
        if n:
            sentences += self._draw(none, none, np.zeros(n + 1, dtype=np.int64), True)
        if prefixes is not None:
            lines = [p if isinstance(p, str) else " ".join(p) for p in prefixes]
            buf = np.frombuffer(word_bytes("".join(line + "\n" for line in lines)), dtype=np.uint8)
            scorer = self.scorer
            _, starts, ends, line_offsets = tokenize_lines(buf, scorer.table, scorer.unk, keep_empty=True)
            # SRILM reads a prefix's first MAX_WORDS_PER_LINE tokens, no more
            kept = np.minimum(np.diff(line_offsets), MAX_WORDS_PER_LINE)
            first = np.repeat(line_offsets[:-1], kept)
            line_offsets = np.concatenate(([0], np.cumsum(kept)))
            within = np.arange(len(first)) - np.repeat(line_offsets[:-1], kept)
            starts, ends = starts[first + within], ends[first + within]
            words = np.empty(len(starts), dtype=np.int32)
            tags = np.empty(len(starts), dtype=np.int32)
            _tagged_token_ids(buf, starts, ends, scorer.table, scorer.as_word, scorer.as_tag, scorer.unk, words, tags)
            sentences += self._draw(words, tags, line_offsets[:len(lines) + 1], False)
        return sentences

    def _draw(self, prefix_words, prefix_tags, prefix_offsets, use_bos):
        out_offsets = np.zeros(len(prefix_offsets), dtype=np.int64)
        vocab = self.scorer.vocab
        stuck = np.zeros(1, dtype=np.int64)
        out = _tagged_generate(*self.scorer.tables.arrays(), self.walk, self.non_event, self.eos_at, prefix_words,
                               prefix_tags, prefix_offsets, use_bos, vocab.bos, self.state, MAX_WORDS_PER_LINE,
                               np.empty(1024, dtype=np.int64), out_offsets, stuck)
        check_not_stuck(stuck)
        return [" ".join(self.words[i] for i in out[out_offsets[s]:out_offsets[s + 1]])
                for s in range(len(out_offsets) - 1)]


# Pruning (-prune): SRILM's Ngram::pruneProbs and recomputeBOWs, through TaggedNgram's backoff


def _newest_context_tag(rows, tags):
    """The position in each row of the newest tag of its context (the tokens before its last),
    0 where there is none."""
    if rows.shape[1] < 2:
        return np.zeros(len(rows), dtype=np.int64)
    is_tag = tags[rows[:, :-1]]
    newest = rows.shape[1] - 2 - np.argmax(is_tag[:, ::-1], axis=1)
    return np.where(is_tag.any(axis=1), newest, 0)


def tagged_backoff_logprob(model, rows):
    """renorm.backoff_logprob under TaggedNgram::wordProbBO, for n-grams of the model's own
    words and tags. Its lookups take the context's tokens untagged, a tag becoming a word that
    no n-gram holds, and give the oldest token its tag back: so every level whose context holds
    a tag but as its oldest token finds nothing (no probability, no weight), and the n-gram
    backs off as from its tokens from the newest tag of its context on. A tag is never
    predicted (log 0)."""
    tags = tag_mask(model.vocab)
    rows = np.ascontiguousarray(rows, dtype=np.int32)
    start = _newest_context_tag(rows, tags)
    logp = np.empty(len(rows), dtype=np.float32)
    for first in np.unique(start).tolist():
        where = start == first
        logp[where] = backoff_logprob(model, rows[where, first:])
    logp[tags[rows[:, -1]]] = -np.inf
    return logp


def tagged_chain_logprob(model, rows):
    """renorm.chain_logprob under TaggedNgram (LM::contextProb): a tag's factor is log 0 (its
    word untagged is no word of any n-gram) and, a tag being a non-event, is left out."""
    rows = np.ascontiguousarray(rows, dtype=np.int32)
    vocab = model.vocab
    tags = tag_mask(vocab)
    total = np.zeros(len(rows), dtype=np.float32)
    for j in range(1, rows.shape[1] + 1):
        prefix = rows[:, :j].copy()
        if j == 1:
            prefix[prefix == vocab.bos] = vocab.eos
        factor = tagged_backoff_logprob(model, prefix)
        factor[tags[rows[:, j - 1]]] = 0.0
        total += factor
    return total


def recompute_tagged_backoffs(model, **options):
    """renorm.recompute_backoffs of a tagged model (SRILM's recomputeBOWs under TaggedNgram, as
    -renorm and static -mix-lm call it): its backoff estimates TaggedNgram's, no unigram mass to
    its tags. `options`: recompute_backoffs' min_backoff, report and unk_is_word."""
    return recompute_backoffs(model, lower=tagged_backoff_logprob, nonevents=tag_mask(model.vocab), **options)


def _refuse_tagged_words(model, option):
    """A model word holding a `/` (`a/b`, which SRILM reads as `a` tagged `b`, whose n-grams its
    lookups do not reach) is not supported by the tagged model's rewriting."""
    tagged_words = [w for w in model.vocab.words if tag_separator(w) > 0]
    if tagged_words:
        raise UsageError(f"the model's word {tagged_words[0]!r} holds a tag: -{option} of a tagged model of such "
                         "words is not supported", option=option)


def prune_tagged(model, threshold, minprune=2):
    """SRILM's `ngram -tagged -prune threshold [-minprune minprune]`, in place: prune.Pruner with
    TaggedNgram's backed-off probabilities and context marginals, the tags getting no unigram
    mass in the recomputed weights (see _refuse_tagged_words for the models refused)."""
    from .prune import Pruner

    _refuse_tagged_words(model, "prune")
    pruner = Pruner(model, minprune, threshold, backoff=tagged_backoff_logprob, chain=tagged_chain_logprob,
                    nonevents=tag_mask(model.vocab))
    return pruner.pruned(threshold, in_place=True)


def prune_tagged_low_probs(model, minprune=2, report=None):
    """SRILM's `ngram -tagged -prune-lowprobs`: prune.prune_low_probs with TaggedNgram's backed-off
    estimates (pruneLowProbs and fixupProbs through its wordProbBO), the tags getting no unigram
    mass in the recomputed weights (see _refuse_tagged_words for the models refused)."""
    from .prune import prune_low_probs

    _refuse_tagged_words(model, "prune-lowprobs")
    return prune_low_probs(model, minprune, report, lower=tagged_backoff_logprob, nonevents=tag_mask(model.vocab))


# Static interpolation (-mix-lm): SRILM's Ngram::mixProbs of a TaggedNgram with plain Ngrams


def tagged_model_logprob(model, rows):
    """A tagged model's probabilities of n-grams as Ngram::mixProbs reads them: its own where it
    holds them, else TaggedNgram's backed-off ones."""
    rows = np.ascontiguousarray(rows, dtype=np.int32)
    logp = tagged_backoff_logprob(model, rows)
    k = rows.shape[1]
    if k > model.order:
        return logp
    if k == 1:
        unigram_rows = np.full(len(model.vocab), -1, dtype=np.int64)
        unigram_rows[model.ngrams[0][:, 0]] = np.arange(len(model.ngrams[0]))
        where = unigram_rows[rows[:, 0]]
    else:
        where = find_rows(model.ngrams[k - 1], rows, 0)
    held = where >= 0
    values = model.logprob[k - 1][where[held]]
    held[held] = ~np.isnan(values)
    logp[held] = model.logprob[k - 1][where[held]]
    return logp


def mix_tagged(models, weights):
    """SRILM's `ngram -tagged -lm A -mix-lm B [-mix-lm2 C ...]` (static interpolation): the first
    model is the TaggedNgram, whose probabilities of the n-grams it lacks are TaggedNgram's and
    whose merges' backoff weights are recomputed through TaggedNgram's backoff; the others are
    read as SRILM reads them, plain Ngrams over the same tagged vocabulary. The models' arrays
    are consumed (see mixing.mix_static); `models` may be an iterator, each model then read as
    it is merged in."""
    from .mixing import mix_static

    def checked(models):
        for model in models:
            _refuse_tagged_words(model, "mix-lm")
            yield model
    return mix_static(checked(models), weights, consume=True, lookup_first=tagged_model_logprob,
                      recompute=recompute_tagged_backoffs)


def mix_tagged_all(models, weights, order=None):
    """SRILM's `ngram -tagged -read-mix-lms -lm LIST` (static): its BayesMix reads the models as plain
    Ngrams, mixed all at once (mixing.mix_all) into the TaggedNgram, whose backoff weights are then
    recomputed through TaggedNgram's backoff."""
    from .mixing import mix_all

    for model in models:
        _refuse_tagged_words(model, "read-mix-lms")
    return mix_all(models, weights, order, recompute=recompute_tagged_backoffs)
