"""Random sentences from a back-off model, as SRILM's `ngram -gen N -seed S` and `-gen-prefixes`
draw them, word for word the same for the same seed.

SRILM (`LM::generateWord`) draws r = drand48() and walks the vocabulary in the slot order of its
word hash table (`LHash<const char*, VocabIndex>`), summing p(w | context) in double until the sum
exceeds r; that word is taken (the last word if the sum never does), and a non-event (`<s>`,
`-pau-`, `<unk>` unless it is a word of the model) is drawn again, as often as it takes (SRILM's
limit of 10 tries is never reached: its counter is not advanced). A sentence starts from `<s>`
(or from the words of a prefix, without `<s>`) and ends at `</s>`; neither is printed.

The walk order follows from the words' insertion order, which is reproduced here: SRILM's Vocab
inserts `<unk> <s> </s> -pau-`, then the words of `-vocab` (in file order) and of `-nonevents`,
then each unigram of the model in the order of the ARPA file, which for
SRILM's own files is byte order, the order of our ids. The table is simulated once, in
compiled code; the per-word walk and draw run compiled too.
"""

import os
import time

import numpy as np

from .constants import LN10, MAX_WORDS_PER_LINE
from .errors import EstimationError, UsageError
from .jit import njit
from .scoring import ScoringTables, advance, context_buffers, sentence_start
from .srilm_lhash import lhash_order, string_keys
from .srilm_trie import srilm_given_words
from .textio import getline_lines, split_words, word_bytes
from .vocab import PAUSE

# draws of one word, all of them non-events, after which the context is taken to leave real words
# no mass (SRILM would draw forever there)
MAX_DRAWS = 1 << 16

_DRAND48_A = np.uint64(0x5DEECE66D)
_DRAND48_C = np.uint64(0xB)
_MASK48 = np.uint64((1 << 48) - 1)


@njit(cache=True)
def _drand48(state):
    """glibc's drand48 on state[0]: step the 48-bit LCG, return the new X / 2**48."""
    state[0] = (_DRAND48_A * state[0] + _DRAND48_C) & _MASK48
    return np.float64(state[0]) / 281474976710656.0


@njit(cache=True)
def _generate(uni_logprob, uni_backoff, meta, entries, values, walk, non_event, eos,
              prefix_ids, prefix_offsets, use_bos, bos, state, max_words, out_ids, out_offsets, stuck):
    """One sentence per prefix (prefix_ids[prefix_offsets[i]:prefix_offsets[i+1]], after `<s>`
    when use_bos); the words go to out_ids, sentence i at out_offsets[i]:out_offsets[i+1].
    out_ids grows as needed; returns it. Stops (stuck[0] set) where MAX_DRAWS draws of a word
    give non-events only."""
    order = meta.shape[0] - 1
    width = max(order - 1, 1)
    keys, bows, next_keys, next_bows = context_buffers(width)
    probe_keys = np.empty(width, dtype=np.int64)
    probe_bows = np.empty(width, dtype=np.float32)
    pos = 0
    for s in range(len(prefix_offsets) - 1):
        ctx_len = sentence_start(uni_logprob, uni_backoff, bos, use_bos, order, keys, bows)
        for t in range(prefix_offsets[s], prefix_offsets[s + 1]):
            _, _, ctx_len = advance(uni_logprob, uni_backoff, meta, entries, values,
                                    keys, bows, 0, ctx_len, prefix_ids[t], next_keys, next_bows)
            keys, next_keys = next_keys, keys
            bows, next_bows = next_bows, bows
        generated = 0
        ended = False
        while generated < max_words:
            word = -1
            draws = 0
            while word < 0 and draws < MAX_DRAWS:
                draws += 1
                r = _drand48(state)
                total = 0.0
                for i in range(len(walk)):
                    word = i
                    w = walk[i]
                    if w >= 0:
                        p, _, _ = advance(uni_logprob, uni_backoff, meta, entries, values,
                                          keys, bows, 0, ctx_len, w, probe_keys, probe_bows)
                        if p != -np.inf:
                            total += np.exp(np.float64(p) * LN10)
                    if total > r:
                        break
                if non_event[word]:
                    word = -1
            if word < 0:
                stuck[0] = 1
                return out_ids
            w = walk[word]
            generated += 1
            if w == eos:
                ended = True
                break
            if pos == len(out_ids):
                grown = np.empty(2 * len(out_ids), dtype=out_ids.dtype)
                grown[:pos] = out_ids
                out_ids = grown
            out_ids[pos] = w
            pos += 1
            _, _, ctx_len = advance(uni_logprob, uni_backoff, meta, entries, values,
                                    keys, bows, 0, ctx_len, w, next_keys, next_bows)
            keys, next_keys = next_keys, keys
            bows, next_bows = next_bows, bows
        if not ended:
            pos -= 1  # without </s>, SRILM's buffer keeps one word less than it generated
        out_offsets[s + 1] = pos
    return out_ids


def srand48_state(seed):
    """drand48's state after srand48((long)seed): the seed's low 32 bits, then 0x330E."""
    return np.array([((int(seed) & 0xFFFFFFFF) << 16) | 0x330E], dtype=np.uint64)


class SentenceGenerator:
    """Draws sentences from `model` as SRILM's `ngram -gen` does; one drand48 stream per
    generator, seeded as `-seed` seeds it (default: time + process id, as SRILM)."""

    def __init__(self, model, seed=None, unk_is_word=False, nonevents=(), vocab_words=()):
        """`nonevents`: more words never drawn (SRILM's -nonevents); `vocab_words`: the words of
        -vocab, in file order. SRILM's Vocab takes both (-vocab's first) before the model's
        unigrams (those of the model's vocabulary count)."""
        self.model = model
        self.tables = ScoringTables.from_model(model)
        vocab = model.vocab
        self.state = srand48_state(int(time.time()) + os.getpid() if seed is None else seed)
        pause = vocab.index.get(PAUSE, -1)  # -1: a word outside the model
        extra = vocab.ids(list(nonevents), unknown=-1)
        met, aliases_at = srilm_read_order(model, vocab_words, nonevents)
        # the walk is over names: an index that no word keeps has none
        aliases_at -= int((met[:aliases_at] < 0).sum())
        self.walk = srilm_vocabulary_order(vocab, met[met >= 0], pause, aliases_at)
        non_event = (self.walk == vocab.bos) | (self.walk == pause) | np.isin(self.walk, extra[extra >= 0])
        if not unk_is_word:
            non_event |= self.walk == vocab.unk
        self.non_event = non_event

    def sentences(self, n=None, prefixes=None, encoding="utf-8"):
        """`n` sentences from `<s>`, then one continuation per prefix (each a string of
        space-separated words or a list of words; unknown words become `<unk>`; or the path of a
        file of them, one per line), from the one random stream, as `-gen` and `-gen-prefixes`
        draw them. A list of strings of space-separated words, without `<s>`, `</s>` and the
        prefix. `encoding`: the prefix file's (`bytes`: words are its bytes)."""
        if n is not None and n < 0:
            raise UsageError(f"the number of sentences must be at least 0, not {n}", option="n")
        prefixes = prefix_lines(prefixes, encoding)
        sentences = []
        if n:
            sentences += self._draw(np.zeros(0, dtype=np.int32), np.zeros(n + 1, dtype=np.int64), True)
        if prefixes is not None:
            # SRILM reads a prefix's first MAX_WORDS_PER_LINE words, no more
            split = [(split_words(p) if isinstance(p, str) else list(p))[:MAX_WORDS_PER_LINE] for p in prefixes]
            offsets = np.zeros(len(split) + 1, dtype=np.int64)
            np.cumsum([len(words) for words in split], out=offsets[1:])
            sentences += self._draw(self.model.vocab.ids([w for words in split for w in words]), offsets, False)
        return sentences

    def _draw(self, prefix_ids, prefix_offsets, use_bos):
        vocab = self.model.vocab
        out_offsets = np.zeros(len(prefix_offsets), dtype=np.int64)
        stuck = np.zeros(1, dtype=np.int64)
        out_ids = _generate(*self.tables.arrays(), self.walk, self.non_event, vocab.eos, prefix_ids,
                            prefix_offsets, use_bos, vocab.bos, self.state, MAX_WORDS_PER_LINE,
                            np.empty(1024, dtype=np.int32), out_offsets, stuck)
        check_not_stuck(stuck)
        words = vocab.words
        return [" ".join(words[w] for w in out_ids[out_offsets[s]:out_offsets[s + 1]])
                for s in range(len(out_offsets) - 1)]


def prefix_lines(prefixes, encoding):
    """-gen-prefixes' prefixes: the lines of the file `prefixes` names (in `encoding`) but the
    blank ones and ## comments, which SRILM's File::getline passes over; or `prefixes` as they are."""
    if isinstance(prefixes, (str, bytes, os.PathLike)):
        return [line for _, line in getline_lines(prefixes, encoding, allow_bytes=True)]
    return prefixes


def check_not_stuck(stuck):
    """The error for a generation kernel that found a context whose mass lies on non-events only."""
    if stuck[0]:
        raise EstimationError(f"no word to generate: {MAX_DRAWS} draws in one context gave only non-events "
                              "(<s>, -pau-, <unk> or -nonevents words)")


def srilm_read_order(model, vocab_words=(), nonevents=()):
    """The word ids of `model` in the order `ngram`'s Vocab adds them: the words of -vocab
    (`vocab_words`, in file order), those -vocab-aliases names (the vocabulary's aliases), the
    -nonevents, then the model's words as its files list them (NgramModel.words_in_file_order;
    repeats kept; -1: an index that no word keeps, srilm_trie.srilm_given_words); and where the
    aliases' words start."""
    given, aliases_at = srilm_given_words(model.vocab, vocab_words, nonevents=nonevents)
    return np.concatenate([given, model.words_in_file_order()]), aliases_at


def srilm_vocabulary_order(vocab, unigram_ids, pause, aliases_at=0):
    """Word ids in the order SRILM's unsorted VocabIter visits its names: its Vocab inserts `<unk>
    <s> </s> -pau-` (`pause`: the id of -pau-, -1 if not a word of ours), then the words
    `unigram_ids` as listed, then the other words of `vocab`. The aliases of `vocab` (SRILM's
    -vocab-aliases) are names too, visited as their word: the i-th follows its word, listed
    at unigram_ids[aliases_at + i], as SRILM's readAliases inserts them."""
    specials = np.array([vocab.unk, vocab.bos, vocab.eos, pause], dtype=np.int64)
    rest = np.concatenate([unigram_ids, np.arange(len(vocab), dtype=np.int32)]).astype(np.int64)
    _, first = np.unique(rest, return_index=True)  # each word where it first appears
    first = np.sort(first)
    first = first[~np.isin(rest[first], specials)]
    alias_pool, alias_offsets = _pool_of([word_bytes(w) for w in vocab.aliases])
    # where each name goes: a word at its first place, an alias just after its word's line
    places = np.concatenate([first, aliases_at + np.arange(len(vocab.aliases)) + 0.5]).argsort(kind="stable")
    ids = np.concatenate([rest[first], vocab.ids(list(vocab.aliases.values())).astype(np.int64)])[places]
    special_pool, special_offsets = _pool_of([vocab.words[w].encode("utf-8") for w in specials[:3]] + [PAUSE.encode()])
    hashes = np.concatenate([string_keys(special_pool, special_offsets),
                             np.concatenate([string_keys(*_word_pool(*vocab.byte_pool(), rest[first])),
                                             string_keys(alias_pool, alias_offsets)])[places]])
    return np.concatenate([specials, ids])[lhash_order(hashes, np.array([0, len(hashes)], dtype=np.int64))]


def _pool_of(encoded):
    """The byte pool and offsets of the words `encoded` (bytes)."""
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(w) for w in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def _word_pool(pool, offsets, ids):
    """The byte pool and offsets of the words `ids` (in that order) out of a vocabulary's pool."""
    lengths = offsets[ids + 1] - offsets[ids]
    sub_offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(lengths, out=sub_offsets[1:])
    if len(ids) == 0:
        return np.zeros(0, dtype=np.uint8), sub_offsets
    starts = np.repeat(offsets[ids] - sub_offsets[:-1], lengths)
    return pool[np.arange(sub_offsets[-1]) + starts], sub_offsets


def generate(model, n=None, seed=None, prefixes=None, unk_is_word=False, nonevents=(), vocab_words=()):
    """SRILM's `ngram -gen n -seed seed [-gen-prefixes prefixes] [-nonevents] [-vocab]`: see
    `SentenceGenerator` and its `sentences`."""
    return SentenceGenerator(model, seed, unk_is_word, nonevents, vocab_words).sentences(n, prefixes)
