"""N-best rescoring as SRILM's `ngram -nbest`, `-nbest-files`, `-rescore` do it.

Hypotheses are read in SRILM's own format (`ascore lscore nwords w1 w2 ...`, log10 scores) or
Decipher's NBestList1.0 (`(bytelog) w1 w2 ...`) and NBestList2.0 (words each followed by
`( st: S et: E g: G a: A )`); a header line `NBestList1.0`/`NBestList2.0` fixes the format for
the file, otherwise a hypothesis whose first field starts with `(` is NBestList1.0.

Rescoring replaces the LM score by lmw x log10 P(words) under the model (P as a float, the
way SRILM's sentenceProb returns it), counts the words anew (`-pau-` neither scored nor counted:
SRILM's sentenceProb drops it), and sets the total to ascore +
lmw x log10 P + wtw x nwords, stored as a float and sorted by in descending order (stably). A word
outside the model is a zeroprob (SRILM adds it to the vocabulary): it is left out of the LM score
and a warning names the hypothesis.
"""

import os
from dataclasses import dataclass

import numpy as np

from .constants import LN10
from .errors import FormatError, UsageError
from .estimate.pipeline import stderr_warning
from .jit import njit
from .perplexity import PerplexityScorer, drop_pauses, mark_pauses, srilm_tables
from .scoring import (
    BACKOFF,
    LOGPROB,
    WordTable,
    extend_key,
    find_entry,
    tokenize_lines,
    unigram_key,
)
from .textio import atomic_output, is_blank_line, iter_lines, split_words, word_bytes
from .vocab import lowercase

NBEST1_MAGIC = "NBestList1.0"
NBEST2_MAGIC = "NBestList2.0"
BYTELOG_PER_LOG10 = LN10 * 10000.5 / 1024.0  # Decipher's bytelog scale, as SRILM's Prob.h
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
        """The hypotheses by descending total score; ties keep their order."""
        order = np.argsort(-self.total.astype(np.float64), kind="stable")
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


@njit(cache=True, inline="always")
def _round_to_bytelog(logp):
    """The float log10 the recognizer keeps of `logp`: intlog, then bytelog (at most 255), then
    back (SRILM's RoundToBytelog)."""
    if logp == -np.inf:
        return np.float32(-np.inf)
    intlog = np.int64(np.rint(np.float64(logp) * (LN10 * 10000.5)))
    bytelog = min(((-intlog) + 512) >> 10, 255)
    return np.float32(-bytelog * (1024.0 / 10000.5 / LN10))


@njit(cache=True)
def _decipher_sentences(uni_logprob, uni_backoff, meta, entries, values, ids, line_offsets, bos, eos,
                        backoff_hack, logprob, zeroprobs):
    """Each line scored as the recognizer's LM scored it (SRILM's DecipherNgram): probabilities
    and backoff weights rounded to bytelogs, and with `backoff_hack` the backed-off estimate taken
    where it is higher than the n-gram's own. Fills the double sum of the log10 p of each line
    (`</s>` included, zero probabilities left out) and their number of zero probabilities."""
    order = meta.shape[0] - 1
    for s in range(len(line_offsets) - 1):
        lo = line_offsets[s]
        hi = line_offsets[s + 1]
        total = 0.0
        zeros = 0
        for t in range(lo, hi + 1):
            w = ids[t] if t < hi else eos
            clen = min(t - lo + 1, order - 1)  # context words, <s> at position lo - 1
            result = np.float32(-np.inf)
            if w >= 0 and not np.isnan(uni_logprob[w]):
                result = _round_to_bytelog(uni_logprob[w])
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
                    if backoff_hack and backed_off > result:
                        result = backed_off
                else:
                    result = backed_off
            if result == -np.inf:
                zeros += 1
            else:
                total += np.float64(result)
        logprob[s] = total
        zeroprobs[s] = zeros


class RecognizerLM:
    """The recognizer's LM of Decipher N-best lists (`-decipher-lm`): its scores, weighted by
    `lm_weight` and with `word_weight` per word, are taken off the total to recover the acoustic
    score. `order`: -decipher-order; `backoff_hack`: not -decipher-nobackoff."""

    def __init__(self, model, lm_weight=8.0, word_weight=0.0, order=2, backoff_hack=True):
        self.model = model.truncated(order)
        self.tables = srilm_tables(self.model)
        self.words = WordTable.from_vocab(self.model.vocab)
        self.lm_weight = lm_weight
        self.word_weight = word_weight
        self.backoff_hack = backoff_hack

    def acoustic_scores(self, nbest, warn):
        """SRILM's decipherFix: the totals less the weighted recognizer LM scores and word weights."""
        vocab = self.model.vocab
        text = word_bytes("".join(w + "\n" for w in nbest.words))
        ids, _, _, all_offsets = tokenize_lines(np.frombuffer(text, dtype=np.uint8), *self.words.arrays(), -2, True,
                                                False)
        # the recognizer's LM scores the words without -pau- (SRILM's sentenceProb); its word
        # weight counts them all, as the recognizer applied it
        ids, line_offsets = drop_pauses(mark_pauses(text, ids), all_offsets)
        logprob = np.empty(len(line_offsets) - 1)
        zeroprobs = np.empty(len(line_offsets) - 1, dtype=np.int64)
        _decipher_sentences(*self.tables.arrays(), ids, line_offsets, vocab.bos, vocab.eos, self.backoff_hack,
                            logprob, zeroprobs)
        lm = self.lm_weight * logprob.astype(np.float32).astype(np.float64) if self.lm_weight else np.zeros(len(logprob))
        for i in np.flatnonzero(zeroprobs > 0).tolist():
            warn(f"hyp contains zero prob words: {nbest.words[i]}")
        lm[zeroprobs > 0] = -np.inf
        return nbest.total.astype(np.float64) - lm - self.word_weight * np.diff(all_offsets)


def _parse_hyp(fields, decipher_format, path, line_no):
    """(acoustic, lm, nwords, total, words) of one hypothesis line split into fields."""
    def bad(what):
        return FormatError(f"bad n-best hypothesis: {what}", path, line_no)

    if not fields:
        raise bad("empty line")
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
    if decipher_format == 1 or (decipher_format == 0 and fields[0].startswith("(")):
        score = bytelog_to_log10(_decipher_score(fields[0], bad))
        return score, 0.0, len(fields) - 1, score, fields[1:]
    if len(fields) < 3:
        raise bad("expected acoustic score, LM score, number of words and the words")
    try:
        acoustic, lm = float(fields[0]), float(fields[1])
    except ValueError:
        raise bad(f"the scores {fields[0]!r} {fields[1]!r} are not numbers") from None
    if not fields[2].isdigit():
        raise bad(f"the number of words {fields[2]!r} is not a count")
    return acoustic, lm, int(fields[2]), acoustic, fields[3:]


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


def _as_read_into(nbest, vocab):
    """`nbest` with its words as `vocab` holds them: lowercased where it lowercases names (SRILM's
    N-best lists hold the words of the model's vocabulary, -tolower's lowercased)."""
    if vocab.lowercase is None:
        return nbest
    return NBestList(nbest.acoustic, nbest.lm, nbest.nwords, nbest.total, lowercase(nbest.words, vocab.lowercase))


def _hypothesis_lines(path, encoding):
    """(line number, line) of an N-best or -rescore file but its blank lines and ## comments,
    which SRILM's File::getline passes over (before -escape sees them)."""
    return ((line_no, line) for line_no, line in iter_lines(path, encoding, allow_bytes=True)
            if not is_blank_line(line) and not line.startswith("##"))


def read_nbest(path, max_hyps=0, split_multiwords=None, encoding="utf-8"):
    """An N-best file in any of the three formats; `max_hyps` > 0: only the first that many.
    `split_multiwords`: a character at which the hypotheses' words are split into words (SRILM's
    -split-multiwords with -multi-char). `encoding`: the file's, as the model's (`bytes`: words
    are the file's bytes)."""
    parsed = []
    decipher_format = None
    for line_no, line in _hypothesis_lines(path, encoding):
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
    -rescore-wtw; `warn` gets SRILM's warning for each hypothesis with zeroprob words."""

    def __init__(self, model, lm_weight=8.0, word_weight=0.0, warn=stderr_warning):
        self.scorer = PerplexityScorer(model)
        self.lm_weight = lm_weight
        self.word_weight = word_weight
        self.warn = warn

    def rescore(self, nbest):
        """A new NBestList with the model's LM scores, word counts and totals (input order)."""
        text = word_bytes("".join(w + "\n" for w in nbest.words))
        logprob, words, oovs, zeroprobs = self.scorer.sentence_scores(text)
        # sentenceProb returns a float; weightLogP gives 0 for weight 0 (no NaN from 0 x -inf)
        lm = (self.lm_weight * logprob.astype(np.float32).astype(np.float64) if self.lm_weight != 0.0
              else np.zeros(len(logprob)))
        total = ((nbest.acoustic + lm) + self.word_weight * words).astype(np.float32)
        for i in np.flatnonzero(zeroprobs > 0).tolist():
            self.warn(f"hyp contains zero prob words: {nbest.words[i]}")
        for i in np.flatnonzero(oovs > 0).tolist():
            self.warn(f"hyp contains OOV words: {nbest.words[i]}")
        return NBestList(nbest.acoustic.copy(), lm, words.astype(np.int64), total, list(nbest.words))

    def rescore_stream(self, path, out, recognizer=None, decipher_word_weight=0.0, escape=None, encoding="utf-8"):
        """SRILM's `-rescore`: each line of `path` a hypothesis, rescored in place and written to
        the text stream `out` as `%.16g %.16g nwords words`. The acoustic score is the total (a
        float) less the `recognizer`'s (a RecognizerLM) scores, or without one less
        decipher_word_weight x nwords (-decipher-wtw). `escape` (bytes, SRILM's -escape): lines
        starting with it are copied to `out` unchanged, where they stand among the hypotheses.
        `encoding`: see read_nbest."""
        parsed, passed = [], []  # passed: (hypotheses before it, the escaped line)
        for line_no, line in _hypothesis_lines(path, encoding):
            if escape is not None and word_bytes(line).startswith(escape):
                passed.append((len(parsed), line))
            else:
                parsed.append(_parse_hyp(split_words(line), 0, path, line_no))
        nbest = _as_read_into(_hyp_list(parsed), self.scorer.vocab)
        if recognizer is not None:
            nbest.acoustic = recognizer.acoustic_scores(nbest, self.warn)
        else:
            all_words = np.array([len(split_words(w)) for w in nbest.words], dtype=np.int64)
            nbest.acoustic = nbest.total.astype(np.float64) - decipher_word_weight * all_words
        rescored = self.rescore(nbest)
        lines = [f"{a:.16g} {l:.16g} {n}{' ' if w else ''}{w}\n" for a, l, n, w in zip(
            rescored.acoustic.tolist(), rescored.lm.tolist(), rescored.nwords.tolist(), rescored.words)]
        for at, line in reversed(passed):
            lines.insert(at, line + "\n")
        out.write("".join(lines))


def read_file_list(path, encoding="utf-8"):
    """The N-best file names of a `-nbest-files` list: the first field of each non-blank line."""
    return [words[0] for words in (split_words(line) for _, line in iter_lines(path, encoding, allow_bytes=True))
            if words]


def rescore_nbest(model, nbest, lm_weight=8.0, word_weight=0.0, max_hyps=0, reorder=True, warn=stderr_warning,
                  split_multiwords=None, encoding="utf-8"):
    """SRILM's `ngram -nbest`: `nbest` (a path or an NBestList) rescored and, unless not
    `reorder`, sorted by the new total. Returns the NBestList. `split_multiwords`, `encoding`:
    see read_nbest (a path's hypotheses only)."""
    if max_hyps < 0:
        raise UsageError(f"the number of hypotheses must be at least 0, not {max_hyps}", option="max_hyps")
    if not isinstance(nbest, NBestList):
        nbest = read_nbest(nbest, max_hyps, split_multiwords, encoding)
    elif max_hyps:
        nbest = NBestList(nbest.acoustic[:max_hyps], nbest.lm[:max_hyps], nbest.nwords[:max_hyps],
                          nbest.total[:max_hyps], nbest.words[:max_hyps])
    rescored = NBestRescorer(model, lm_weight, word_weight, warn).rescore(_as_read_into(nbest, model.vocab))
    return rescored.sorted() if reorder else rescored


def rescore_nbest_files(model, paths, out="-", out_dir=None, lm_weight=8.0, word_weight=0.0, max_hyps=0,
                        reorder=True, decipher_output=False, recognizer=None, warn=stderr_warning,
                        split_multiwords=None, encoding="utf-8"):
    """`-nbest FILE` / `-nbest-files LIST`: each N-best file of `paths` rescored and written, one
    after the other, to `out`, or with `out_dir` to out_dir/<utterance id>.gz each. `recognizer`:
    a RecognizerLM whose scores are taken off the totals first (-decipher-lm).
    `split_multiwords`, `encoding`: see read_nbest."""
    if out_dir is not None and not os.path.isdir(out_dir):
        raise UsageError(f"{out_dir}: no such directory", option="out_dir")
    rescorer = NBestRescorer(model, lm_weight, word_weight, warn)
    written = []
    for path in paths:
        nbest = _as_read_into(read_nbest(path, max_hyps, split_multiwords, encoding), model.vocab)
        if not len(nbest):
            warn(f"{path} is empty, not rescored")
            continue
        if recognizer is not None:
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
