"""N-best rescoring as SRILM's `ngram -nbest`, `-nbest-files`, `-rescore` do it.

Hypotheses are read in SRILM's own format (`ascore lscore nwords w1 w2 ...`, log10 scores) or
Decipher's NBestList1.0 (`(bytelog) w1 w2 ...`) and NBestList2.0 (words each followed by
`( st: S et: E g: G a: A )`); a header line `NBestList1.0`/`NBestList2.0` fixes the format for
the file, otherwise a hypothesis whose first field starts with `(` is NBestList1.0.

Rescoring replaces the LM score by lmw x log10 P(words) under the model (P as a float, the
way SRILM's sentenceProb returns it), counts the words anew (`-pau-` neither scored nor counted:
SRILM's sentenceProb drops it), and sets the total to ascore +
lmw x log10 P + wtw x nwords, stored as a float and sorted by in descending order (ties as SRILM's
own qsort leaves them). A word
outside the model is a zeroprob (SRILM adds it to the vocabulary): it is left out of the LM score
and a warning names the hypothesis. With an open vocabulary (SRILM's -unk) such a word is read as
the unknown word instead, and written so: an OOV, unless the model gives `<unk>` a probability.
SRILM's N-best lists hold word indices, so a hypothesis is written back with its words as the
vocabulary names them (lowercased with -tolower, an alias as its word). From -debug 2 on,
each hypothesis scored gets SRILM's word lines on stderr, before its warnings.
"""

import os
import sys
from dataclasses import dataclass

import numpy as np

from .constants import LN10, MAX_WORDS_PER_LINE
from .errors import FormatError, Notice, UsageError
from .estimate.pipeline import stderr_warning
from .jit import njit
from .numfmt import ascii_bytes, put_bytes, put_text, put_uint
from .perplexity import (
    CONTEXT_END,
    CONTEXT_MORE,
    GIVEN,
    GRAM_TAG,
    LOG_CLOSE,
    NEW_WORD,
    P_OPEN,
    PAUSE_TOKEN,
    PerplexityScorer,
    drop_pauses,
    mark_pauses,
    put_probability,
    put_token,
    sentence_spans,
    srilm_tables,
)
from .scoring import (
    BACKOFF,
    LOGPROB,
    WordTable,
    extend_key,
    find_entry,
    tokenize_lines,
    unigram_key,
)
from .textio import atomic_output, getline_lines, split_words, word_bytes, word_text
from .vocab import lowercase_text

NBEST1_MAGIC = "NBestList1.0"
NBEST2_MAGIC = "NBestList2.0"
BYTELOG_PER_LOG10 = LN10 * 10000.5 / 1024.0  # Decipher's bytelog scale, as SRILM's Prob.h
BACKOFF_TAG = ascii_bytes("[bo]")
# SRILM's NBestHyp::parse does not read a hypothesis of this many fields or more (NBestList2.0's
# 11 a token, and 4)
MAX_FIELDS_PER_LINE = 11 * MAX_WORDS_PER_LINE + 4
TAKEN_IN = -4  # a token of a word outside the model that SRILM's vocabulary took in from another model
# what SRILM's idFromFilename strips from a file name to get the utterance id, in this order
ID_SUFFIXES = (".Z", ".gz", ".score", ".nbest", ".wav", ".wav_cep", ".wv", ".wv1", ".sph", ".lat", ".slf", ".plp")


def bytelog_to_log10(score):
    """SRILM's BytelogToLogP: a float."""
    return float(np.float32(score * (1024.0 / 10000.5 / LN10)))


@dataclass
class NBestList:
    """Hypotheses with their scores: acoustic and LM (log10, double), word counts, totals
    (float, as SRILM keeps them) and words (each hypothesis's words as one string)."""

    acoustic: np.ndarray
    lm: np.ndarray
    nwords: np.ndarray
    total: np.ndarray
    words: list

    def __len__(self):
        return len(self.words)

    def sorted(self):
        """The hypotheses by descending total score, in the order SRILM's own qsort (not a stable
        sort) leaves them: ties, infinite totals of hypotheses a -decipher-lm gives probability
        zero among them, come out as they do in SRILM."""
        order = np.arange(len(self.words), dtype=np.int64)
        _srilm_qsort(order, self.total.astype(np.float32))
        return NBestList(self.acoustic[order], self.lm[order], self.nwords[order], self.total[order],
                         [self.words[i] for i in order])

    def lines(self, decipher=False):
        """The list as SRILM writes it: `%.15g %.15g nwords words`, or with `decipher`
        NBestList1.0, `(bytelog of the total)` and the words."""
        if decipher:
            out = [NBEST1_MAGIC + "\n"]
            for total, words in zip(self.total.tolist(), self.words):
                score = total * BYTELOG_PER_LOG10
                out.append(f"({score:.{0 if score.is_integer() else 6}f}){' ' if words else ''}{words}\n")
            return out
        return [f"{a:.15g} {l:.15g} {n}{' ' if w else ''}{w}\n"
                for a, l, n, w in zip(self.acoustic.tolist(), self.lm.tolist(), self.nwords.tolist(), self.words)]

    def write(self, path, decipher=False):
        """Write the list to `path` (`-`: stdout; `.gz` compresses)."""
        with atomic_output(path, text=True) as out:
            out.write("".join(self.lines(decipher)))


_QSORT_THRESH = 4  # SRILM's qsort: partitions below this size are left to the insertion sort
_QSORT_MTHRESH = 6  # and from this size on it takes the median of three


@njit(cache=True, inline="always")
def _by_descending(totals, order, x, y):
    """SRILM's compareHyps of the hypotheses at positions x and y of `order`."""
    a = totals[order[x]]
    b = totals[order[y]]
    return -1 if a > b else 1 if a < b else 0


@njit(cache=True, inline="always")
def _swap(order, x, y):
    order[x], order[y] = order[y], order[x]


@njit(cache=True)
def _srilm_qsort(order, totals):
    """Sort `order` (hypothesis indices) by descending `totals` as SRILM's dstruct qsort.c (the
    SunOS qsort it links in place of the C library's) does: median-of-three quicksort of
    partitions of at least _QSORT_THRESH, then an insertion sort behind the smallest of the first
    ones as a sentinel. Its partitions, which it sorts recursively, are kept on a stack here:
    they are disjoint, so the order they are sorted in does not matter."""
    n = len(order)
    if n <= 1:
        return
    if n >= _QSORT_THRESH:
        stack = [(0, n)]
        while stack:
            base, top = stack.pop()
            size = top - base
            while True:
                mid = i = base + (size >> 1)
                if size >= _QSORT_MTHRESH:
                    first = base
                    j = first if _by_descending(totals, order, first, i) > 0 else i
                    last = top - 1
                    if _by_descending(totals, order, j, last) > 0:
                        j = i if j == first else first  # the first loser
                        if _by_descending(totals, order, j, last) < 0:
                            j = last
                    if j != i:
                        _swap(order, i, j)
                i = base
                j = top - 1
                while True:
                    while i < mid and _by_descending(totals, order, i, mid) <= 0:
                        i += 1
                    swapped = False
                    while j > mid:
                        if _by_descending(totals, order, mid, j) <= 0:
                            j -= 1
                            continue
                        after = i + 1
                        if i == mid:
                            mid = other = j  # j <-> mid, j the new mid
                        else:
                            other = j  # i <-> j
                            j -= 1
                        swapped = True
                        break
                    if not swapped:
                        if i == mid:
                            break
                        other = mid  # i <-> mid, i the new mid
                        after = mid = i
                        j -= 1
                    _swap(order, i, other)
                    i = after
                j = mid
                i = mid + 1
                low = j - base
                high = top - i
                if low <= high:
                    if low >= _QSORT_THRESH:
                        stack.append((base, j))
                    base = i
                    size = high
                else:
                    if high >= _QSORT_THRESH:
                        stack.append((i, top))
                    top = j
                    size = low
                if size < _QSORT_THRESH:
                    break
        head = _QSORT_THRESH
    else:
        head = n
    smallest = 0
    for x in range(1, head):
        if _by_descending(totals, order, smallest, x) > 0:
            smallest = x
    if smallest != 0:
        _swap(order, 0, smallest)
    for x in range(1, n):
        at = x - 1
        while _by_descending(totals, order, at, x) > 0:
            at -= 1
        at += 1
        if at != x:
            moved = order[x]
            order[at + 1:x + 1] = order[at:x].copy()
            order[at] = moved


INT_MIN = -(1 << 31)


@njit(cache=True, inline="always")
def _wrap_int32(x):
    """`x` (int64) as C's 32-bit int arithmetic leaves it (two's complement wrap-around)."""
    return ((x - INT_MIN) & 0xFFFFFFFF) + INT_MIN


@njit(cache=True, inline="always")
def _round_to_bytelog(logp):
    """The float log10 the recognizer keeps of `logp`: intlog, then bytelog (at most 255), then
    back (SRILM's RoundToBytelog), in SRILM's 32-bit ints: a log10 beyond the int range (log 0,
    which SRILM reads -99 as) is the int minimum, whose negation wraps around to itself, so log 0
    comes back as +93259.37 (2097152 bytelogs above 0), as SRILM's recognizer LM has it."""
    scaled = np.rint(np.float64(logp) * (LN10 * 10000.5))
    # x86's conversion of what no int holds (NaN too) to the int minimum, which LogPtoIntlog
    # takes for the int maximum where the log is positive
    intlog = np.int64(scaled) if INT_MIN <= scaled <= -INT_MIN - 1 else np.int64(INT_MIN)
    if intlog < 0 and logp > 0:
        intlog = np.int64(-INT_MIN - 1)
    bytelog = min(_wrap_int32(_wrap_int32(-intlog) + 512) >> 10, 255)
    return np.float32(-bytelog * (1024.0 / 10000.5 / LN10))


@njit(cache=True)
def _decipher_sentences(uni_logprob, uni_backoff, meta, entries, values, ids, line_offsets, bos, eos, unk,
                        backoff_hack, logprob, oovs, zeroprobs, token_logp, token_found, token_backoff):
    """Each line scored as the recognizer's LM scored it (SRILM's DecipherNgram): probabilities
    and backoff weights rounded to bytelogs, and with `backoff_hack` the backed-off estimate taken
    where it is higher than the n-gram's own. Fills the double sum of the log10 p of each line
    (`</s>` included, zero probabilities left out), its OOVs (`unk` of probability zero) and its
    zeroprobs. With token_logp not empty, for -debug 2: in the slot t + s of token t of line s
    (hi + s: its </s>) its log10 p, and as bits k - 1 of token_found the orders k whose n-gram
    was found, of token_backoff those whose backed-off estimate was taken instead."""
    order = meta.shape[0] - 1
    keep = len(token_logp) > 0
    for s in range(len(line_offsets) - 1):
        lo = line_offsets[s]
        hi = line_offsets[s + 1]
        total = 0.0
        zeros = 0
        unknown = 0
        for t in range(lo, hi + 1):
            w = ids[t] if t < hi else eos
            clen = min(t - lo + 1, order - 1)  # context words, <s> at position lo - 1
            result = np.float32(-np.inf)
            found = 0
            backed = 0
            if w >= 0 and not np.isnan(uni_logprob[w]):
                result = _round_to_bytelog(uni_logprob[w])
                found = 1
            # longer and longer contexts: the last c words before w
            key = np.int64(0)
            for c in range(1, clen + 1):
                first = t - c
                u = ids[first] if first >= lo else bos
                if u < 0 or np.isnan(uni_logprob[u]):
                    break
                # the key of the context (first .. t-1) and of the n-gram with w
                key = unigram_key(u)
                for x in range(first + 1, t):
                    key = extend_key(key, ids[x])
                if c == 1:
                    bow = uni_backoff[u]
                    context_found = True
                else:
                    cell = find_entry(entries, meta, c, key)
                    context_found = cell >= 0
                    bow = values[cell + BACKOFF] if context_found else np.float32(0.0)
                backed_off = _round_to_bytelog(bow) + result if context_found else result
                cell = find_entry(entries, meta, c + 1, extend_key(key, w)) if w >= 0 else -1
                if cell >= 0:
                    result = _round_to_bytelog(values[cell + LOGPROB])
                    found |= 1 << c
                    if backoff_hack and backed_off > result:
                        result = backed_off
                        backed |= 1 << c
                else:
                    result = backed_off
            if result == -np.inf:
                if w == unk:
                    unknown += 1
                else:
                    zeros += 1
            else:
                total += np.float64(result)
            if keep:
                token_logp[t + s] = result
                token_found[t + s] = found
                token_backoff[t + s] = backed
        logprob[s] = total
        oovs[s] = unknown
        zeroprobs[s] = zeros


@njit(cache=True)
def _format_decipher_lines(pool, offsets, buf, ids, starts, ends, line_offsets, bos, eos, token_logp, token_found,
                           token_backoff, out, line_ends):
    """The -debug 2 word lines of _decipher_sentences' slots, as SRILM's DecipherNgram prints
    them: the tag of each order whose n-gram was found, from the 1-gram up, each followed by
    `[bo]` where the backed-off estimate was taken. Words are printed as written; line_ends gets
    the length written after each line's lines. Returns the length."""
    pos = 0
    for s in range(len(line_offsets) - 1):
        lo = line_offsets[s]
        hi = line_offsets[s + 1]
        for t in range(lo, hi + 1):
            pos = put_text(out, pos, P_OPEN)
            pos = put_token(out, pos, pool, offsets, buf, starts, ends, ids, t, hi, bos, eos, True)
            pos = put_text(out, pos, GIVEN)
            pos = put_token(out, pos, pool, offsets, buf, starts, ends, ids, t - 1 if t > lo else -1, hi, bos, eos,
                            True)
            pos = put_text(out, pos, CONTEXT_MORE if t > lo else CONTEXT_END)
            found = token_found[t + s]
            for k in range(64):
                if found >> k == 0:
                    break
                if found >> k & 1:
                    out[pos] = 91
                    pos = put_uint(out, pos + 1, k + 1)
                    pos = put_text(out, pos, GRAM_TAG)
                if token_backoff[t + s] >> k & 1:
                    pos = put_text(out, pos, BACKOFF_TAG)
            pos = put_probability(out, pos, token_logp[t + s])
            pos = put_text(out, pos, LOG_CLOSE)
        line_ends[s] = pos
    return pos


def _stderr_bytes(data):
    """`data` (bytes) onto stderr, after what went there as text."""
    sys.stderr.flush()
    sys.stderr.buffer.write(data)
    sys.stderr.buffer.flush()


def _hypothesis_notes(words, lines, counts):
    """What SRILM writes to stderr scoring each hypothesis, by its index: its -debug word lines
    (bytes; `lines`: per hypothesis, or None), then a warning (str) naming `words` for each of
    `counts` ((per-hypothesis counts, what they count)) not 0 there."""
    notes = {} if lines is None else {i: [chunk] for i, chunk in enumerate(lines)}
    for count, what in counts:
        for i in np.flatnonzero(count > 0).tolist():
            notes.setdefault(i, []).append(f"hyp contains {what} words: {words[i]}")
    return notes


def emit_notes(warn, *notes):
    """The notes of _hypothesis_notes written hypothesis by hypothesis, those of each of `notes`
    in turn (SRILM's -rescore scores each hypothesis with both LMs before the next): the word
    lines to stderr, the warnings through `warn`."""
    pending = []
    for i in sorted(set().union(*notes)):
        for items in notes:
            for item in items.get(i, ()):
                if isinstance(item, bytes):
                    pending.append(item)
                    continue
                if pending:
                    _stderr_bytes(b"".join(pending))
                    pending = []
                warn(item)
    if pending:
        _stderr_bytes(b"".join(pending))


class RecognizerLM:
    """The recognizer's LM of Decipher N-best lists (`-decipher-lm`): its scores, weighted by
    `lm_weight` and with `word_weight` per word, are taken off the total to recover the acoustic
    score. `order`: -decipher-order; `backoff_hack`: not -decipher-nobackoff; `debug` (2 and up):
    SRILM's word lines of its scores on stderr (the recognizer's LM takes -debug too);
    `on_read`: run each time SRILM reads the model's file (before each N-best list's scores,
    once for -rescore), for its -debug 1 lines. A hypothesis's words are looked up as read: the
    model's unknown word is an OOV of the model it rescores, so the model's vocabulary is to
    hold that model's unknown word (-map-unk)."""

    def __init__(self, model, lm_weight=8.0, word_weight=0.0, order=2, backoff_hack=True, debug=0, on_read=None):
        if debug == 3:
            raise UsageError("-debug 3 sums the recognizer's LM's probabilities over SRILM's vocabulary: not "
                             "reproduced", option="debug")
        self.model = model.truncated(order)
        self.tables = srilm_tables(self.model)
        self.words = WordTable.from_vocab(self.model.vocab)
        self.lm_weight = lm_weight
        self.word_weight = word_weight
        self.backoff_hack = backoff_hack
        self.debug = debug
        self.on_read = on_read

    def read(self):
        """SRILM reads the model's file (again): on_read's lines."""
        if self.on_read is not None:
            self.on_read()

    def acoustic_scores(self, nbest, warn):
        """SRILM's decipherFix: the totals less the weighted recognizer LM scores and word weights."""
        acoustic, notes = self.scores(nbest)
        emit_notes(warn, notes)
        return acoustic

    def scores(self, nbest):
        """(acoustic scores, notes for emit_notes) of acoustic_scores."""
        vocab = self.model.vocab
        text = word_bytes("".join(w + "\n" for w in nbest.words))
        buf = np.frombuffer(text, dtype=np.uint8)
        keep = self.debug >= 2
        ids, starts, ends, all_offsets = tokenize_lines(buf, *self.words.arrays(), NEW_WORD, True, keep)
        # the recognizer's LM scores the words without -pau- and without a hypothesis's own <s>
        # and </s> at its ends (dropped as -pau- is), which SRILM's sentenceProb takes for the
        # sentence's; its word weight counts them all, as the recognizer applied it
        ids = mark_pauses(text, ids)
        lo, hi = sentence_spans(ids, all_offsets, vocab.bos, vocab.eos)
        ids[lo[lo > all_offsets[:-1]] - 1] = PAUSE_TOKEN
        ids[hi[hi < all_offsets[1:]]] = PAUSE_TOKEN
        ids, line_offsets, starts, ends = drop_pauses(ids, all_offsets, starts, ends)
        n = len(line_offsets) - 1
        logprob = np.empty(n)
        oovs = np.empty(n, dtype=np.int64)
        zeroprobs = np.empty(n, dtype=np.int64)
        slots = len(ids) + n if keep else 0
        token_logp = np.empty(slots, dtype=np.float32)
        token_found = np.empty(slots, dtype=np.int64)
        token_backoff = np.empty(slots, dtype=np.int64)
        _decipher_sentences(*self.tables.arrays(), ids, line_offsets, vocab.bos, vocab.eos, vocab.unk,
                            self.backoff_hack, logprob, oovs, zeroprobs, token_logp, token_found, token_backoff)
        lines = None
        if keep:
            pool, offsets = vocab.byte_pool()
            # per line: its text and numbers, and at most `[kgram][bo]` of each order
            per_slot = 2 * int(np.diff(offsets).max()) + 64 + 12 * max(self.model.order, 1)
            out = np.empty(2 * len(buf) + slots * per_slot, dtype=np.uint8)
            line_ends = np.empty(n, dtype=np.int64)
            used = _format_decipher_lines(pool, offsets, buf, ids, starts, ends, line_offsets, vocab.bos, vocab.eos,
                                          token_logp, token_found, token_backoff, out, line_ends)
            text = out[:used].tobytes()
            lines = [text[a:b] for a, b in zip([0] + line_ends[:-1].tolist(), line_ends.tolist())]
        lm = self.lm_weight * logprob.astype(np.float32).astype(np.float64) if self.lm_weight else np.zeros(n)
        # decipherFix takes a hypothesis the recognizer's LM gives probability zero for log 0
        lm[(zeroprobs > 0) | (oovs > 0)] = -np.inf
        notes = _hypothesis_notes(nbest.words, lines, ((zeroprobs, "zero prob"), (oovs, "OOV")))
        return nbest.total.astype(np.float64) - lm - self.word_weight * np.diff(all_offsets), notes


def _parse_hyp(fields, decipher_format, path, line_no):
    """(acoustic, lm, nwords, total, words) of one hypothesis line split into fields."""
    def bad(what):
        return FormatError(f"bad n-best hypothesis: {what}", path, line_no)

    if not fields:
        raise bad("empty line")
    too_long = _too_long(fields, decipher_format)
    if too_long is not None:
        raise bad(too_long)
    if decipher_format == 2:
        if (len(fields) - 1) % 11:
            raise bad("an NBestList2.0 hypothesis is a score and blocks of 11 fields")
        score = _decipher_score(fields[0], bad)
        words, acoustic, lm = [], 0.0, 0.0
        previous_end = -1.0
        for i in range(1, len(fields), 11):
            token = fields[i]
            try:
                start, end = float(fields[i + 3]), float(fields[i + 5])
                g, a = float(fields[i + 7]), float(fields[i + 9])
            except ValueError:
                raise bad(f"the times and scores of {token!r} are not numbers") from None
            # phone and HMM-state tokens lie within the word before them; states end in -digit
            state = len(token) >= 2 and token[-2] == "-" and token[-1].isdigit()
            if start > previous_end and not state:
                words.append(token)
                acoustic += a
                lm += g
                previous_end = end
        return (bytelog_to_log10(acoustic), bytelog_to_log10(lm), len(words), bytelog_to_log10(score), words)
    if _is_nbest1(fields, decipher_format):
        score = bytelog_to_log10(_decipher_score(fields[0], bad))
        return score, 0.0, len(fields) - 1, score, fields[1:]
    if len(fields) < 3:
        raise bad("expected acoustic score, LM score, number of words and the words")
    try:
        acoustic, lm = float(fields[0]), float(fields[1])
    except ValueError:
        raise bad(f"the scores {fields[0]!r} {fields[1]!r} are not numbers") from None
    # ASCII digits (str.isdigit takes other scripts' too), as many as an int64 holds
    if not (fields[2].isascii() and fields[2].isdigit()) or int(fields[2]) >= 1 << 63:
        raise bad(f"the number of words {fields[2]!r} is not a count")
    return acoustic, lm, int(fields[2]), acoustic, fields[3:]


def _is_nbest1(fields, decipher_format):
    """Whether a hypothesis (not NBestList2.0) is NBestList1.0's: in a file of that format, or
    else where its first field starts with `(`."""
    return decipher_format == 1 or (decipher_format == 0 and fields[0].startswith("("))


def _too_long(fields, decipher_format):
    """SRILM's reason (NBestHyp::parse's line) for not reading a hypothesis of more fields or
    words than it reads, or None. An NBestList2.0 hypothesis of more than MAX_WORDS_PER_LINE
    tokens has more fields than that."""
    if len(fields) >= MAX_FIELDS_PER_LINE:
        return f"more than {MAX_FIELDS_PER_LINE} fields per line"
    if decipher_format != 2 and len(fields) - (1 if _is_nbest1(fields, decipher_format) else 3) > MAX_WORDS_PER_LINE:
        return f"more than {MAX_WORDS_PER_LINE} words in hyp"
    return None


def _decipher_score(field, bad):
    if not (field.startswith("(") and field.endswith(")")):
        raise bad(f"bad Decipher score {field!r}")
    try:
        return float(field[1:-1])
    except ValueError:
        raise bad(f"bad Decipher score {field!r}") from None


def _hyp_list(parsed):
    acoustic, lm, nwords, total, words = zip(*parsed) if parsed else ((),) * 5
    return NBestList(np.array(acoustic, dtype=np.float64), np.array(lm, dtype=np.float64),
                     np.array(nwords, dtype=np.int64), np.array(total, dtype=np.float32),
                     [" ".join(w) for w in words])


@njit(cache=True)
def _words_as_held(buf, ids, starts, ends, line_offsets, pool, offsets, unknown, out):
    """The lines of tokens of `buf` written again, each token as the vocabulary holds it: a word
    of it (ids[t] >= 0) by its name, one outside it (NEW_WORD) as the word `unknown` (an id; -1:
    as written), any other (-pau-, TAKEN_IN) as written. Returns the length."""
    pos = 0
    for s in range(len(line_offsets) - 1):
        for t in range(line_offsets[s], line_offsets[s + 1]):
            if t > line_offsets[s]:
                out[pos] = 32
                pos += 1
            w = unknown if ids[t] == NEW_WORD else ids[t]
            if w >= 0:
                pos = put_bytes(out, pos, pool, offsets[w], offsets[w + 1])
            else:
                pos = put_bytes(out, pos, buf, starts[t], ends[t])
        out[pos] = 10
        pos += 1
    return pos


def read_nbest(path, max_hyps=0, split_multiwords=None, encoding="utf-8"):
    """An N-best file in any of the three formats; `max_hyps` > 0: only the first that many.
    `split_multiwords`: a character at which the hypotheses' words are split into words (SRILM's
    -split-multiwords with -multi-char). `encoding`: the file's, as the model's (`bytes`: words
    are the file's bytes)."""
    parsed = []
    decipher_format = None
    for line_no, line in getline_lines(path, encoding, allow_bytes=True):
        if decipher_format is None:
            decipher_format = 1 if line.startswith(NBEST1_MAGIC) else 2 if line.startswith(NBEST2_MAGIC) else 0
            if decipher_format:
                continue
        if max_hyps and len(parsed) == max_hyps:
            break
        hyp = _parse_hyp(split_words(line), decipher_format, path, line_no)
        if split_multiwords is not None:
            hyp = hyp[:4] + (_split_multiwords(hyp[4], split_multiwords, path, line_no),)
        parsed.append(hyp)
    return _hyp_list(parsed)


def _split_multiwords(words, separator, path, line_no):
    """`words` split at `separator`. SRILM keeps an empty part as a word (the empty string),
    which a hypothesis of blank-separated words cannot hold: such a hypothesis is an error."""
    parts = [part for word in words for part in word.split(separator)]
    if "" in parts:
        empty = next(w for w in words if "" in w.split(separator))
        raise FormatError(f"bad n-best hypothesis: the multiword {empty!r} has an empty part", path, line_no)
    return parts


def utterance_id(path):
    """SRILM's idFromFilename: the base name less its known suffixes (`utt01.nbest.gz` -> `utt01`)."""
    name = os.path.basename(str(path))
    for suffix in ID_SUFFIXES:
        if len(suffix) < len(name) and name.endswith(suffix):
            name = name[:-len(suffix)]
    return name


class NBestRescorer:
    """Rescoring with one model: `lm_weight` and `word_weight` are SRILM's -rescore-lmw and
    -rescore-wtw; `warn` gets SRILM's warnings of each hypothesis with zeroprob words and with
    OOVs; `unk_is_word`: an open vocabulary (-unk), where a word outside the model is read as the
    unknown word; `debug` (2 and up): SRILM's word lines of each hypothesis scored on stderr;
    `nonevents`: words left out of their -debug 3 sums, as `<s>` is (SRILM's -nonevents)."""

    def __init__(self, model, lm_weight=8.0, word_weight=0.0, warn=stderr_warning, unk_is_word=False, debug=0,
                 nonevents=()):
        self.scorer = PerplexityScorer(model, unk_is_word=unk_is_word, nonevents=nonevents)
        self.lm_weight = lm_weight
        self.word_weight = word_weight
        self.warn = warn
        self.unk_is_word = unk_is_word
        self.debug = debug

    def read_into(self, nbest, taken_in=None):
        """`nbest` with its words as SRILM's vocabulary holds them (its N-best lists hold word
        indices): lowercased where it lowercases (-tolower), an alias as its word and, with
        `unk_is_word`, a word outside it as the unknown word. `taken_in`: a WordTable of words
        SRILM's vocabulary took in since the model (those of a -decipher-lm model read before),
        which are not unknown."""
        if not len(nbest):
            return nbest
        scorer = self.scorer
        text = word_bytes("".join(w + "\n" for w in nbest.words))
        if scorer.vocab.lowercase is not None:
            text = lowercase_text(text, scorer.vocab.lowercase)
        buf = np.frombuffer(text, dtype=np.uint8)
        ids, starts, ends, line_offsets = tokenize_lines(buf, *scorer.words.arrays(), NEW_WORD, True)
        mark_pauses(text, ids)
        if taken_in is not None and self.unk_is_word:
            known, _, _, _ = tokenize_lines(buf, *taken_in.arrays(), NEW_WORD, True, False)
            ids[(ids == NEW_WORD) & (known != NEW_WORD)] = TAKEN_IN
        pool, offsets = scorer.vocab.byte_pool()
        out = np.empty(len(buf) + len(ids) * int(np.diff(offsets).max()), dtype=np.uint8)
        used = _words_as_held(buf, ids, starts, ends, line_offsets, pool, offsets,
                              scorer.unk if self.unk_is_word else -1, out)
        words = [word_text(line) for line in out[:used].tobytes().split(b"\n")[:-1]]
        return NBestList(nbest.acoustic, nbest.lm, nbest.nwords, nbest.total, words)

    def rescore(self, nbest):
        """A new NBestList with the model's LM scores, word counts and totals (input order)."""
        rescored, notes, _ = self.scores(nbest)
        emit_notes(self.warn, notes)
        return rescored

    def scores(self, nbest, null_lines=False):
        """(the NBestList of rescore, notes for emit_notes, and with `null_lines` those of SRILM's
        NullLM, the recognizer's LM of -rescore without -decipher-lm, or else None)."""
        text = word_bytes("".join(w + "\n" for w in nbest.words))
        logprob, words, oovs, zeroprobs, scored = self.scorer.sentence_scores(text)
        # sentenceProb returns a float; weightLogP gives 0 for weight 0 (no NaN from 0 x -inf)
        lm = (self.lm_weight * logprob.astype(np.float32).astype(np.float64) if self.lm_weight != 0.0
              else np.zeros(len(logprob)))
        total = ((nbest.acoustic + lm) + self.word_weight * words).astype(np.float32)
        with_lines = self.debug >= 2
        lines = self.scorer.word_lines(scored, self.debug) if with_lines else None
        notes = _hypothesis_notes(nbest.words, lines, ((zeroprobs, "zero prob"), (oovs, "OOV")))
        null = _hypothesis_notes(nbest.words, self.scorer.word_lines(scored, self.debug, null=True), ()) \
            if with_lines and null_lines else None
        return NBestList(nbest.acoustic.copy(), lm, words.astype(np.int64), total, list(nbest.words)), notes, null

    def rescore_stream(self, path, out, recognizer=None, decipher_word_weight=0.0, escape=None, encoding="utf-8"):
        """SRILM's `-rescore`: each line of `path` a hypothesis, rescored in place and written to
        the text stream `out` as `%.16g %.16g nwords words`. The acoustic score is the total (a
        float) less the `recognizer`'s (a RecognizerLM) scores, or without one less
        decipher_word_weight x nwords (-decipher-wtw). `escape` (bytes, SRILM's -escape): lines
        starting with it are copied to `out` unchanged, where they stand among the hypotheses.
        `encoding`: see read_nbest. SRILM scores each hypothesis with the recognizer's LM, then
        with the model, before the next: their notes on stderr go out so. A hypothesis of more
        words than SRILM reads is passed over with its two lines (given to warn as Notices)."""
        parsed, passed = [], []  # passed: (hypotheses before it, the escaped line)
        too_long = {}  # by the hypothesis after them: SRILM's lines of those it passes over
        for line_no, line in getline_lines(path, encoding, allow_bytes=True):
            if escape is not None and word_bytes(line).startswith(escape):
                passed.append((len(parsed), line))
                continue
            fields = split_words(line)
            why = _too_long(fields, 0)
            if why is None:
                parsed.append(_parse_hyp(fields, 0, path, line_no))
            else:
                too_long.setdefault(len(parsed), []).extend(
                    (Notice(why), Notice(f"{path}: line {line_no}: bad n-best hyp format")))
        if recognizer is not None:
            recognizer.read()  # SRILM reads it before the stream, its words into the vocabulary
        nbest = self.read_into(_hyp_list(parsed), recognizer.words if recognizer is not None else None)
        recognized = {}
        if recognizer is not None:
            nbest.acoustic, recognized = recognizer.scores(nbest)
        else:
            all_words = np.array([len(split_words(w)) for w in nbest.words], dtype=np.int64)
            nbest.acoustic = nbest.total.astype(np.float64) - decipher_word_weight * all_words
        rescored, notes, null = self.scores(nbest, null_lines=recognizer is None)
        emit_notes(self.warn, too_long, recognized if null is None else null, notes)
        lines = [f"{a:.16g} {l:.16g} {n}{' ' if w else ''}{w}\n" for a, l, n, w in zip(
            rescored.acoustic.tolist(), rescored.lm.tolist(), rescored.nwords.tolist(), rescored.words)]
        for at, line in reversed(passed):
            lines.insert(at, line + "\n")
        out.write("".join(lines))


def read_file_list(path, encoding="utf-8"):
    """The N-best file names of a `-nbest-files` list: the first field of each line (but those
    SRILM's File::getline passes over)."""
    return [split_words(line)[0] for _, line in getline_lines(path, encoding, allow_bytes=True)]


def rescore_nbest(model, nbest, lm_weight=8.0, word_weight=0.0, max_hyps=0, reorder=True, warn=stderr_warning,
                  split_multiwords=None, encoding="utf-8", unk_is_word=False):
    """SRILM's `ngram -nbest`: `nbest` (a path or an NBestList) rescored and, unless not
    `reorder`, sorted by the new total. Returns the NBestList. `split_multiwords`, `encoding`:
    see read_nbest (a path's hypotheses only); `unk_is_word`: see NBestRescorer."""
    if max_hyps < 0:
        raise UsageError(f"the number of hypotheses must be at least 0, not {max_hyps}", option="max_hyps")
    if not isinstance(nbest, NBestList):
        nbest = read_nbest(nbest, max_hyps, split_multiwords, encoding)
    elif max_hyps:
        nbest = NBestList(nbest.acoustic[:max_hyps], nbest.lm[:max_hyps], nbest.nwords[:max_hyps],
                          nbest.total[:max_hyps], nbest.words[:max_hyps])
    rescorer = NBestRescorer(model, lm_weight, word_weight, warn, unk_is_word)
    rescored = rescorer.rescore(rescorer.read_into(nbest))
    return rescored.sorted() if reorder else rescored


def rescore_nbest_files(model, paths, out="-", out_dir=None, lm_weight=8.0, word_weight=0.0, max_hyps=0,
                        reorder=True, decipher_output=False, recognizer=None, warn=stderr_warning,
                        split_multiwords=None, encoding="utf-8", unk_is_word=False, debug=0, nonevents=()):
    """`-nbest FILE` / `-nbest-files LIST`: each N-best file of `paths` rescored and written, one
    after the other, to `out`, or with `out_dir` to out_dir/<utterance id>.gz each. `recognizer`:
    a RecognizerLM whose scores are taken off the totals first (-decipher-lm), read again for
    each list as SRILM does, after the list: its words join the vocabulary the lists after the
    first are read into. `split_multiwords`, `encoding`: see read_nbest; `unk_is_word`, `debug`,
    `nonevents`: see NBestRescorer."""
    if out_dir is not None and not os.path.isdir(out_dir):
        raise UsageError(f"{out_dir}: no such directory", option="out_dir")
    rescorer = NBestRescorer(model, lm_weight, word_weight, warn, unk_is_word, debug, nonevents)
    written = []
    taken_in = None
    for path in paths:
        nbest = rescorer.read_into(read_nbest(path, max_hyps, split_multiwords, encoding), taken_in)
        if not len(nbest):
            warn(f"{path} is empty, not rescored")
            continue
        if recognizer is not None:
            recognizer.read()
            taken_in = recognizer.words
            nbest.acoustic = recognizer.acoustic_scores(nbest, warn)
        rescored = rescorer.rescore(nbest)
        rescored = rescored.sorted() if reorder else rescored
        if out_dir is not None:
            rescored.write(os.path.join(out_dir, utterance_id(path) + ".gz"), decipher_output)
        else:
            written.extend(rescored.lines(decipher_output))
    if out_dir is None:
        with atomic_output(out, text=True) as stream:
            stream.write("".join(written))
