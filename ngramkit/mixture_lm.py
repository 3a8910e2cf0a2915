"""Models combined word by word, scored as SRILM's `ngram -ppl` scores them.

- Bayes mixture (`-mix-lm ... -bayes N`, SRILM's BayesMix): p(w|h) = sum_k q_k p_k(w|h) / sum_k q_k
  with q_k = prior_k * P_k(last N words)^scale, P_k the model's probability of those words alone
  (LM::contextProb: a <s> opening them is scored as </s>, non-events that get probability zero
  are left out); N = 0 keeps the priors. If every q_k is zero the priors are used.
  `-context-priors` replaces the priors by those of the longest matching context of a file
  (lines `w1 .. wn q1 .. qK`, w1 the most recent word; the deepest node holding only zeros falls
  back to the global priors; one without a line of its own gives two models' weights as 1, 0,
  as SRILM 1.7.3 reads them there: see ContextPriors).
- Log-linear mixture (`-loglinear-mix`, LoglinearMix): log p(w|h) = sum_k l_k log p_k(w|h) - log Z(h),
  Z(h) the sum of the numerator over every word of the vocabulary but the non-events (<s>, and
  <unk> unless it is a word), for the context cut to the longest any model knows.
- Adapted marginals (`-adapt-marginals`, AdaptiveMarginals): p(w|h) = p(w|h) a(w) / Z(h) with
  a(w) = (pA(w) / pB(w))^beta, pA the unigrams to adapt to, pB the base marginals (by default
  the model's own unigrams); with ratios the result is a(w) / Z(h).

Each component scores the text with the ordinary scorer (perplexity.PerplexityScorer); the
combination, the contexts' marginals and the normalisers are computed over flat arrays.
`-debug 2` lines carry SRILM's tags: each component's `[kgram]`, then `[post=q1,..]` (Bayes,
N > 0), `[denom=Z]` or `[cached=Z]` (log-linear, adapted), `[alpha=a]` (adapted).
"""

import shlex
from dataclasses import dataclass

import numpy as np

from .constants import LN10, LOG_ZERO
from .errors import FormatError, UsageError
from .jit import njit
from .mixing import shared_vocab
from .numfmt import ascii_bytes, format_g, put_line, put_text
from .perplexity import (
    NO_RANKS,
    RANK_COLUMNS,
    SUM_TOLERANCE,
    PerplexityScorer,
    TextStats,
    _add_rank,
    _add_rank_rows,
    _sum_warning,
    put_line_close,
    put_probability,
    put_sentence_totals,
    put_tag,
    put_word_given,
    rank_or_sum,
    scored_slots,
    write_among_long_lines,
)
from .progress import Progress
from .renorm import CHUNK_ROWS, backoff_logprob, log_zero_read
from .tables import find_rows
from .textio import open_input, split_words
from .vocab import BOS, PAUSE

# -read-mix-lms

@dataclass
class MixComponent:
    """One line of a -read-mix-lms file: a model file, the order it is read to, its prior weight."""

    path: str
    order: int = 3
    weight: float = 1.0


def read_mix_lms(path):
    """The components listed in `path` (SRILM's -read-mix-lms file): one model per line, its file
    name first, then `-order N` (default 3), `-weight W` (default 1), `-type ARPA`. Returns the
    MixComponents and their weights normalised to sum to one."""
    components = []
    with open_input(path) as stream:
        for number, raw in enumerate(stream, 1):
            line = raw.decode("utf-8", "surrogateescape") if isinstance(raw, bytes) else raw
            fields = line.split()
            if not fields:
                continue
            component = MixComponent(fields[0])
            rest = fields[1:]
            while rest:
                name = rest.pop(0)
                if name not in ("-order", "-weight", "-type") or not rest:
                    raise FormatError(f"option {shlex.quote(name)} of mixture LM {fields[0]}: allowed are "
                                      "-order N, -weight W, -type ARPA", path, number)
                value = rest.pop(0)
                try:
                    if name == "-order":
                        component.order = int(value)
                    elif name == "-weight":
                        component.weight = float(value)
                except ValueError:
                    raise FormatError(f"{name} {value!r} of mixture LM {fields[0]} is not a number", path,
                                      number) from None
                if name == "-type" and value != "ARPA":
                    raise FormatError(f"{value} is not a supported LM type (ARPA only)", path, number)
            if component.order < 1:
                raise FormatError(f"-order of mixture LM {fields[0]} must be at least 1", path, number)
            components.append(component)
    if not components:
        raise FormatError("no mixture LMs listed", path)
    total = sum(c.weight for c in components)
    if total <= 0:
        raise FormatError("the mixture LMs' weights sum to zero", path)
    return components, [c.weight / total for c in components]


# -context-priors

class ContextPriors:
    """SRILM's context-dependent mixture weights (-context-priors FILE): a trie of contexts, most
    recent word first, each with one weight per model. Stored per depth d as the sorted d-word
    keys of every node, those of the file's lines and those made only as the prefix of a longer
    context (weights zero, `own` False), and their weights; `root` the weights of the empty
    context (None without a line for it).

    A context whose deepest node has no weights of its own (the root without a line, a prefix
    node) reads, in SRILM 1.7.3, weights that were never set: BayesMix::findPriors grows the
    node's empty ZeroArray through Array<Prob>::operator[], which does not zero what it adds.
    `lookup` gives such contexts the weights `unset` (`unset_root` at the root)."""

    def __init__(self, keys, weights, own, root):
        self.keys, self.weights, self.own, self.root = keys, weights, own, root

    @classmethod
    def read(cls, path, vocab, n_models, max_length):
        """Read `path`: lines of words then `n_models` weights; contexts longer than
        `max_length` are ignored, and so is a line with a word outside `vocab`, as SRILM's
        reader skips it under -limit-vocab (without, the vocabulary holds the file's words)."""
        entries = {}
        for words, values in _prior_entries(path, n_models, max_length):
            ids = [vocab.index.get(w) for w in words]
            if None not in ids:
                entries[tuple(ids)] = values
        root = entries.pop((), None)
        root = None if root is None else np.array(root, dtype=np.float64)
        keys, weights, own = [], [], []
        for depth in range(1, max_length + 1):
            nodes = {key[:depth] for key in entries if len(key) >= depth}
            ordered = sorted(nodes)
            keys.append(np.array(ordered, dtype=np.int32).reshape(len(ordered), depth))
            weights.append(np.array([entries.get(k, [0.0] * n_models) for k in ordered],
                                    dtype=np.float64).reshape(len(ordered), n_models))
            own.append(np.array([k in entries for k in ordered], dtype=bool))
        return cls(keys, weights, own, root)

    def lookup(self, history, lengths, global_priors, unset=None, unset_root=None):
        """The weights for each context: `history` (n, width) most recent word first, the
        first `lengths` of each used. The deepest node on the path; the global priors where its
        weights are all zero, `unset` where it has none, `unset_root` where that node is the
        root (both by default the global priors)."""
        n = len(history)
        out = np.zeros((n, len(global_priors))) if self.root is None else np.tile(self.root, (n, 1))
        missing = np.full(n, self.root is None)
        at_root = missing.copy()
        alive = np.ones(n, dtype=bool)
        for depth, (keys, weights, own) in enumerate(zip(self.keys, self.weights, self.own), 1):
            alive &= lengths >= depth
            rows = np.flatnonzero(alive)
            if len(keys) == 0 or len(rows) == 0:
                break
            idx = find_rows(keys, np.ascontiguousarray(history[rows, :depth]), 0)
            hit = idx >= 0
            out[rows[hit]] = weights[idx[hit]]
            missing[rows[hit]] = ~own[idx[hit]]
            at_root[rows[hit]] = False
            alive[rows[~hit]] = False
        out[~out.any(axis=1)] = global_priors
        out[missing & ~at_root] = global_priors if unset is None else unset
        out[missing & at_root] = global_priors if unset_root is None else unset_root
        return out


def _prior_entries(path, n_models, max_length):
    """(words, weights) of each -context-priors line of at most `max_length` words."""
    with open_input(path) as stream:
        for number, raw in enumerate(stream, 1):
            line = raw.decode("utf-8", "surrogateescape") if isinstance(raw, bytes) else raw
            fields = split_words(line)
            if not fields:
                continue
            if len(fields) < n_models:
                raise FormatError(f"bad {n_models}-dimensional probs vector", path, number)
            try:
                values = [float(x) for x in fields[len(fields) - n_models:]]
            except ValueError:
                raise FormatError(f"bad {n_models}-dimensional probs vector", path, number) from None
            words = fields[:len(fields) - n_models]
            if len(words) <= max_length:
                yield words, values


def context_prior_words(path, n_models, max_length):
    """The words of the -context-priors contexts of at most `max_length` words, in file order:
    SRILM's reader adds them to the vocabulary (unless -limit-vocab), so that such a word of a
    text is a word without probability (a zeroprob), not an OOV."""
    return list(dict.fromkeys(w for words, _ in _prior_entries(path, n_models, max_length) for w in words))


# The text, scored by each component

@dataclass
class _Mixed:
    """A mixture's scores of a text's tokens and what its -debug lines print: float32 log10 p,
    how many components' tags to print, `[post=..]` rows (none: empty), `[alpha=..]` and
    `[denom=..]`/`[cached=..]` values (none: empty) and which denominators were cached;
    `context_keys`: (T, W) the history words a word's probability after the token's history
    depends on, most recent first, -1 beyond them; `context_state`: what it needs of the token
    besides (log10 Z of log-linear and adapted mixtures, a Bayes mixture's weights)."""

    logprob: np.ndarray
    tags: np.ndarray
    post: np.ndarray
    alpha: np.ndarray
    denom: np.ndarray
    cached: np.ndarray
    context_keys: np.ndarray
    context_state: np.ndarray


@dataclass
class _Scored:
    """The text's tokens and each component's scores: token arrays over the scored tokens
    (words and </s>) as PerplexityReport holds them, and per block what its lines print."""

    ids: np.ndarray          # (T,)
    offsets: np.ndarray      # sentence i holds tokens offsets[i]:offsets[i+1]
    logprob: np.ndarray      # (K, T) float32
    found: np.ndarray        # (K, T) matched n-gram length, 0: OOV
    blocks: list             # per block: (ScoredBlock, first sentence)


def _score_components(scorers, path):
    """Every scorer's tokens of `path`, block by block: on one vocabulary their blocks and
    tokens agree, so the first one's give the text."""
    ids, lengths, logprob, found, blocks = [], [], [], [], []
    sentences = 0
    for scored in zip(*(s.scored_blocks(path, True) for s in scorers)):
        first = scored[0]
        vocab = scorers[0].vocab
        mask, words = scored_slots(first.ids, first.line_offsets, vocab.bos, vocab.eos)
        slot_ids = np.full(len(mask), vocab.eos, dtype=np.int32)
        token_slot = np.arange(len(first.ids)) + np.repeat(np.arange(len(first.line_offsets) - 1),
                                                            np.diff(first.line_offsets))
        slot_ids[token_slot] = first.ids
        ids.append(slot_ids[mask])
        lengths.append(words + 1)
        logprob.append(np.stack([b.token_logp[mask] for b in scored]))
        found.append(np.stack([b.token_found[mask] for b in scored]))
        blocks.append((first, sentences))
        sentences += len(words)
    k = len(scorers)
    if not ids:
        return _Scored(np.zeros(0, np.int32), np.zeros(1, np.int64), np.zeros((k, 0), np.float32),
                       np.zeros((k, 0), np.int32), [])
    offsets = np.zeros(sentences + 1, dtype=np.int64)
    np.cumsum(np.concatenate(lengths), out=offsets[1:])
    return _Scored(np.concatenate(ids), offsets, np.concatenate(logprob, axis=1),
                   np.concatenate(found, axis=1), blocks)


def _history(ids, offsets, width, bos):
    """(T, width): the words before each token, most recent first: <s> before a sentence's
    first word, -1 before that."""
    n = len(ids)
    sentence = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    position = np.arange(n) - offsets[sentence]  # words before the token
    out = np.full((n, width), -1, dtype=np.int32)
    for j in range(width):
        back = j + 1
        inside = position >= back
        out[inside, j] = ids[np.flatnonzero(inside) - back]
        out[position == j, j] = bos
    return out, position


def _ngram_rows(history, ids, length):
    """Rows (oldest word first) of each token after `length` words of its history."""
    return np.ascontiguousarray(np.concatenate([history[:, :length][:, ::-1], ids[:, None]], axis=1))


def _context_nodes(model):
    """The contexts SRILM's Ngram holds for a model read from ARPA, per length j = 1..order-1
    (sorted rows, oldest word first): the j-grams whose line has a backoff weight, the contexts
    of the (j+1)-grams, and the ends of the longer ones (the trie's path to them)."""
    nodes = [None] * model.order
    longer = np.zeros((0, model.order), dtype=np.int32)
    for j in range(model.order - 1, 0, -1):
        weighted = model.ngrams[j - 1][~np.isnan(model.backoff[j - 1])]
        rows = np.concatenate([weighted, model.ngrams[j][:, :j], longer[:, 1:]]).astype(np.int32)
        nodes[j] = longer = np.unique(rows, axis=0) if len(rows) else rows.reshape(0, j)
    return nodes


def _used_context_length(models, history, position):
    """The context length SRILM's contextID finds: the longest run of history words, most
    recent first, along which one of the models' context tries holds a node."""
    best = np.zeros(len(history), dtype=np.int64)
    for model in models:
        nodes = _context_nodes(model)
        alive = np.ones(len(history), dtype=bool)
        for j in range(1, model.order):
            alive &= position + 1 >= j  # the history holds <s> too
            rows = np.flatnonzero(alive)
            if len(rows) == 0:
                break
            idx = find_rows(nodes[j], np.ascontiguousarray(history[rows, :j][:, ::-1]), 0)
            alive[rows[idx < 0]] = False
            best[alive] = np.maximum(best[alive], j)
    return best


def _non_events(vocab, unk_is_word):
    """Vocabulary words that are not events: <s>, and <unk> unless it is a word."""
    return {vocab.index[BOS]} | (set() if unk_is_word else {vocab.unk})


def _used_contexts(history, used):
    """Each token's history cut to its used context length, -1 beyond."""
    return np.where(np.arange(history.shape[1])[None, :] < used[:, None], history, -1)


def _distinct_contexts(keys):
    """(the distinct rows of `keys`, each one's first token, each token's row, each row's length)."""
    contexts, first_token, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    lengths = (contexts >= 0).sum(axis=1) if keys.shape[1] else np.zeros(len(contexts), np.int64)
    return contexts, first_token, inverse.reshape(-1), lengths


def _over_words(contexts, lengths, words, what, quiet, each):
    """each(part, rows) for chunks `part` of the distinct contexts, `rows` every (context, word)
    of the part, oldest word first, words varying fastest."""
    per_chunk = max(1, CHUNK_ROWS // max(len(words), 1))
    progress = Progress(what, quiet=quiet, unit="context", total=len(contexts))
    for length in np.unique(lengths):
        group = np.flatnonzero(lengths == length)
        for lo in range(0, len(group), per_chunk):
            part = group[lo:lo + per_chunk]
            ctx = contexts[part, :length][:, ::-1]
            rows = np.concatenate([np.repeat(ctx, len(words), axis=0),
                                   np.tile(words, len(part))[:, None]], axis=1)
            each(part, np.ascontiguousarray(rows))
            progress.advance(len(part))
    progress.close()


def _context_normalisers(keyed, event_words, numerator, quiet=True, summed_first=False):
    """Z(h) of each distinct used context (`keyed`, see _used_contexts), summed over
    `event_words` of exp(numerator) in double: (float32 log10 Z per token, double Z per token,
    whether the token's Z was found cached). `numerator(rows)` gives the float32 log10
    numerators of rows (context, word); `summed_first`: each token's context was summed over
    before the token was scored (-debug 3), which cached its Z."""
    contexts, first_token, inverse, lengths = _distinct_contexts(keyed)
    sums = np.zeros(len(contexts), dtype=np.float64)
    words = np.asarray(event_words, dtype=np.int32)

    def normalise(part, rows):
        sums[part] = _sum_exp(numerator(rows).reshape(len(part), len(words)))

    _over_words(contexts, lengths, words, "normalising contexts", quiet, normalise)
    with np.errstate(divide="ignore"):
        log_z = np.log10(sums).astype(np.float32)
    # SRILM caches Z in a trie whose zero value means "not computed": Z = 1 is recomputed
    cached = ((first_token[inverse] != np.arange(len(keyed))) | summed_first) & (log_z[inverse] != 0)
    return log_z[inverse], sums[inverse], cached


@njit(cache=True)
def _sum_exp(logp):
    """Row sums of exp(logp ln 10) in double, word after word."""
    out = np.zeros(logp.shape[0])
    for i in range(logp.shape[0]):
        total = 0.0
        for j in range(logp.shape[1]):
            if logp[i, j] != -np.inf:
                total += np.exp(float(logp[i, j]) * LN10)
        out[i] = total
    return out


@njit(cache=True)
def _context_logprob(window_logp, eos_logp, position, non_event_zero, length):
    """SRILM's contextProb of each token's last `length` words, <s> counted (float32):
    window_logp[c, t] is log p(token t | its c previous words); a window opening with <s>
    scores it as </s> (eos_logp); zero probabilities of non-events are left out. `position`:
    the words before each token in its sentence."""
    n = len(position)
    out = np.zeros(n, dtype=np.float32)
    for t in range(n):
        use = min(position[t] + 1, length)  # the context holds <s> too
        total = np.float32(0.0)
        for d in range(use, 0, -1):
            if position[t] + 1 - d == 0:
                total += eos_logp
                continue
            p = window_logp[use - d, t - d]
            if p == -np.inf and non_event_zero[t - d]:
                continue
            total += p
        out[t] = total
    return out


@njit(cache=True)
def _bayes_mix(logprob, weights):
    """log10 of sum_k w_k p_k / sum_k w_k per token (float32), and the normalised weights."""
    k, n = logprob.shape
    out = np.empty(n, dtype=np.float32)
    post = np.empty((k, n))
    for t in range(n):
        total_w = 0.0
        for i in range(k):
            total_w += weights[i, t]
        total = 0.0
        for i in range(k):
            p = 0.0 if logprob[i, t] == -np.inf else np.exp(float(logprob[i, t]) * LN10)
            total += weights[i, t] * p
            post[i, t] = weights[i, t] / total_w
        out[t] = np.float32(np.log10(total / total_w)) if total > 0 else np.float32(-np.inf)
    return out, post


@njit(cache=True)
def _weighted_logsum(logprob, lambdas, stop_at_zero):
    """float32 sum_k l_k log p_k per token, as SRILM accumulates it; with `stop_at_zero` the sum
    ends at the first model giving -inf, and `tags` counts the models asked."""
    k, n = logprob.shape
    out = np.zeros(n, dtype=np.float32)
    tags = np.full(n, k, dtype=np.int32)
    for t in range(n):
        acc = np.float32(0.0)
        for i in range(k):
            acc = np.float32(float(acc) + lambdas[i] * float(logprob[i, t]))
            if stop_at_zero and acc == -np.inf:
                tags[t] = i + 1
                break
        out[t] = acc
    return out, tags


# Debug lines

_POST = ascii_bytes("[post=")
_PROBS = ascii_bytes("[probs=")
_DENOM = ascii_bytes("[denom=")
_CACHED = ascii_bytes("[cached=")
_ALPHA = ascii_bytes("[alpha=")


@njit(cache=True)
def _format_mixture_debug(pool, offsets, buf, starts, ends, line_offsets, ids, sentence_offsets, first_sentence,
                          bos, debug, logprob, found, tags, post, probs, alpha, denom, cached, sums, sentence_stats,
                          sentence_ranks, out):
    """SRILM's -debug 1/2 lines of a block's sentences: the line as written, then per token
    `\\tp( w | prev ...) \\t= ` with the first tags[t] components' tags, `[post=..]` (post not
    empty), `[probs=..]` (probs not empty), `[alpha=..]` (alpha not empty), `[denom=..]` or
    `[cached=..]` (denom not empty), the probability and its log, ` / ` and the context's sum
    (sums not empty); then the sentence totals, with their rank row (sentence_ranks not empty)."""
    pos = 0
    for s in range(len(line_offsets) - 1):
        pos = put_line(out, pos, buf, starts, ends, line_offsets[s], line_offsets[s + 1])
        g = first_sentence + s
        lo, hi = sentence_offsets[g], sentence_offsets[g + 1]
        if debug >= 2:
            for t in range(lo, hi):
                pos = put_word_given(out, pos, pool, offsets, ids[t], ids[t - 1] if t > lo else bos, t > lo)
                for i in range(tags[t]):
                    pos = put_tag(out, pos, found[i, t])
                pos = _put_values(out, pos, _POST, post, t)
                pos = _put_values(out, pos, _PROBS, probs, t)
                if len(alpha) > 0:
                    pos = put_text(out, pos, _ALPHA)
                    pos = format_g(alpha[t], 7, out, pos)
                    out[pos] = 93
                    pos += 1
                if len(denom) > 0:
                    pos = put_text(out, pos, _CACHED if cached[t] else _DENOM)
                    pos = format_g(denom[t], 7, out, pos)
                    out[pos] = 93
                    pos += 1
                pos = put_probability(out, pos, logprob[t])
                pos = put_line_close(out, pos, sums, t)
        ranks = sentence_ranks[g] if len(sentence_ranks) > 0 else NO_RANKS
        pos = put_sentence_totals(out, pos, hi - lo - 1, sentence_stats[g, 0], int(sentence_stats[g, 1]),
                                  int(sentence_stats[g, 2]), ranks)
    return pos


@njit(cache=True, inline="always")
def _put_values(out, pos, name, values, t):
    """`name` and values[:, t], comma-separated, and `]` (nothing when values has no rows)."""
    if values.shape[0] == 0:
        return pos
    pos = put_text(out, pos, name)
    for i in range(values.shape[0]):
        if i > 0:
            out[pos] = 44
            pos += 1
        pos = format_g(values[i, t], 7, out, pos)
    out[pos] = 93
    return pos + 1


def _totals(logprob, ids, offsets, unk):
    """TextStats and per-sentence (logprob, OOVs, zeroprobs) of the combined token log probs."""
    zero = np.isneginf(logprob)
    oov = zero & (ids == unk)
    sentences = len(offsets) - 1
    per = np.zeros((sentences, 3))
    if sentences:
        starts = offsets[:-1]
        per[:, 0] = np.add.reduceat(np.where(zero, 0.0, logprob.astype(np.float64)), starts)
        per[:, 1] = np.add.reduceat(oov.astype(np.int64), starts)
        per[:, 2] = np.add.reduceat((zero & ~oov).astype(np.int64), starts)
    stats = TextStats(sentences=sentences, words=len(ids) - sentences, oovs=int(oov.sum()),
                      zeroprobs=int((zero & ~oov).sum()))
    total = 0.0
    for value in per[:, 0].tolist():  # sentence by sentence, as SRILM sums
        total += value
    stats.logprob = total
    return stats, per


class _WordByWord:
    """What the mixtures share: components on one vocabulary, each scoring the text with the
    ordinary scorer, and the writing of the totals and debug lines."""

    shows_component_probs = False  # -debug 3 and above print `[probs=p1,..]` (SRILM's BayesMix)
    # -skipoovs in the components' scores of the whole history (BayesMix); the normalised mixtures
    # ask their components in the context cut to what they use (_skip)
    skips_in_components = True

    def __init__(self, models, unk_word=None, unk_is_word=False, encoding=None, scoring=None, quiet=True,
                 skip_oovs=0, unk_logprob=None):
        """`scoring`: how many of `models`, the first, score the text (default all); `quiet`:
        no progress on stderr. `skip_oovs`: each component's -skipoovs (see PerplexityScorer),
        the order of SRILM's Ngram checks;
        `unk_logprob`: the log10 probability of the unknown word in the mixture (SRILM's
        -unk-prob, whose NonzeroLM holds the mixture; -99 is log 0)."""
        self.models = [log_zero_read(m) for m in shared_vocab(models)]
        self.quiet = quiet
        self.vocab = self.models[0].vocab
        in_components = skip_oovs if self.skips_in_components else 0
        self.scorers = [PerplexityScorer(m, unk_word=unk_word, encoding=encoding, skip_oovs=in_components)
                        for m in self.models[:scoring]]
        self.skip_order = 0 if not skip_oovs else self.models[0].order if skip_oovs is True else int(skip_oovs)
        self.unk_logprob = None if unk_logprob is None else -np.inf if unk_logprob == LOG_ZERO else unk_logprob
        self.unk = self.scorers[0].unk
        self.unk_is_word = unk_is_word
        self.non_events = _non_events(self.vocab, unk_is_word)

    def _skipped(self, words, newest, second):
        """SRILM's -skipoovs (Ngram::wordProb): where a word, or its context's newest (order > 1)
        or second newest (order > 2) word (-1: none), is <unk>, its probability is zero."""
        order = self.skip_order
        return (words == self.unk) | ((order > 1) & (newest == self.unk)) | ((order > 2) & (second == self.unk))

    def _skip(self, rows, logp):
        """logp of rows (context, word) with -skipoovs applied (logp: one row per model or not)."""
        if not self.skip_order:
            return logp
        length = rows.shape[1] - 1
        none = np.full(len(rows), -1, dtype=rows.dtype)
        skipped = self._skipped(rows[:, -1], rows[:, length - 1] if length >= 1 else none,
                                rows[:, length - 2] if length >= 2 else none)
        logp = logp.copy()
        logp[..., skipped] = -np.inf
        return logp

    def _skipped_tokens(self, text, keyed):
        """-skipoovs of each token, in its history cut to what the mixture uses (`keyed`, see
        _used_contexts); None without -skipoovs."""
        if not self.skip_order:
            return None
        return self._skipped(text.ids, keyed[:, 0], keyed[:, 1] if keyed.shape[1] > 1 else -1)

    def _normalisers(self, keyed, summing):
        """(float32 log10 Z, the Z the debug lines show, whether it was cached) per token, Z summed
        over the event words of the numerators (see _context_normalisers)."""
        log_z, z, cached = _context_normalisers(keyed, self._event_words(), self._numerator, self.quiet, summing)
        return log_z, np.where(cached, np.exp(log_z.astype(np.float64) * LN10), z), cached

    def _event_words(self):
        non_events = list(self.non_events) + ([self.vocab.id(PAUSE)] if PAUSE in self.vocab else [])
        return np.setdiff1d(np.arange(len(self.vocab), dtype=np.int32), non_events)

    def combine(self, text, summing=False):
        """The _Mixed scores of the scored text; `summing`: -debug 3, where SRILM sums each
        context's probabilities before it scores the token, normalisers computed then."""
        raise NotImplementedError

    def _context_logprobs(self, rows, tokens, mixed):
        """float32 log10 p of rows (context, word), each in the context of token tokens[i]."""
        raise NotImplementedError

    def score_file(self, path, debug=0, out=None, warnings=None):
        """The TextStats of `path`; with debug >= 1 SRILM's per-sentence (2: per-word) lines go
        to the binary stream `out`; at debug 3 each word line gets its context's probability sum
        (and a sum off 1 SRILM's warning on the binary stream `warnings`, among those of the lines
        passed over for too many words in the text's order), at 4 the sentences and totals
        SRILM's rank lines."""
        if debug >= 3 and self.unk_logprob is not None:
            raise UsageError("-debug 3 and above sum a word-by-word mixture's probabilities alone: not with "
                             "-unk-prob", option="debug")
        text = _score_components(self.scorers, path)
        mixed = self.combine(text, summing=debug == 3)
        logprob = mixed.logprob
        if self.unk_logprob is not None:  # the mixture's tags stay: SRILM asks it first
            logprob[text.ids == self.unk] = np.float32(self.unk_logprob)
        stats, per_sentence = _totals(logprob, text.ids, text.offsets, self.unk)
        sums, sentence_ranks = np.zeros(0), np.zeros((0, RANK_COLUMNS))
        probs = np.zeros((0, len(logprob)))
        notes = []
        if debug >= 3:
            sums, token_ranks = self._context_checks(text, mixed, debug >= 4)
            if debug >= 4:
                sums = np.zeros(0)  # SRILM ranks instead of summing
                sentence_ranks = np.zeros((len(text.offsets) - 1, RANK_COLUMNS))
                _rank_rows(token_ranks, logprob, text.ids, text.offsets, self.vocab.eos, self.unk, sentence_ranks)
                _add_rank_rows(stats, sentence_ranks)
            elif warnings is not None:
                notes = self._sum_warnings(text, sums)
            if self.shows_component_probs:
                probs = np.exp(text.logprob.astype(np.float64) * LN10)
        if warnings is not None:
            # the lines passed over, numbered among all the text's sentences
            long_lines = np.concatenate([np.zeros((0, 2), dtype=np.int64),
                                         *(block.long_lines + np.array([0, first]) for block, first in text.blocks)])
            write_among_long_lines(warnings, path, long_lines, notes)
        if debug >= 1:
            pool, offsets = self.vocab.byte_pool()
            longest = int(np.diff(offsets).max())
            for block, first in text.blocks:
                n_lines = len(block.line_offsets) - 1
                tokens = int(text.offsets[first + n_lines] - text.offsets[first])
                per_token = 2 * longest + 72 + 16 * (len(self.models) + mixed.post.shape[0] + probs.shape[0] + 3)
                size = 2 * len(block.buf) + n_lines * (160 + 320 * (debug >= 4)) + \
                    (tokens * per_token if debug >= 2 else 0)
                buffer = np.empty(size, dtype=np.uint8)
                used = _format_mixture_debug(pool, offsets, block.buf, block.starts, block.ends, block.line_offsets,
                                             text.ids, text.offsets, first, self.vocab.bos, debug, logprob,
                                             text.found, mixed.tags, mixed.post, probs, mixed.alpha, mixed.denom,
                                             mixed.cached, sums, per_sentence, sentence_ranks, buffer)
                out.write(buffer[:used].tobytes())
        return stats

    def _context_checks(self, text, mixed, ranks):
        """Each token's context's probability sum over the event words (-debug 3) or, with
        `ranks` (-debug 4), each token's rank among them (see perplexity.probability_checks):
        (sums per token, ranks per token)."""
        contexts, first_token, inverse, lengths = _distinct_contexts(mixed.context_keys)
        words = self._event_words()
        sums = np.zeros(len(contexts))
        token_ranks = np.zeros(len(text.ids), dtype=np.int64)
        by_context = np.argsort(inverse, kind="stable")
        starts = np.searchsorted(inverse[by_context], np.arange(len(contexts) + 1))

        def check(part, rows):
            logp = self._context_logprobs(rows, np.repeat(first_token[part], len(words)), mixed)
            logp = logp.reshape(len(part), len(words))
            if ranks:
                _rank_tokens(logp, part, by_context, starts, mixed.logprob, token_ranks)
            else:
                sums[part] = _sum_exp(logp)

        _over_words(contexts, lengths, words, "ranking words" if ranks else "summing contexts", self.quiet, check)
        return sums[inverse], token_ranks

    def _sum_warnings(self, text, sums):
        """(sentence, SRILM's warning) for each token whose context's probabilities do not sum to 1."""
        sentence = np.repeat(np.arange(len(text.offsets) - 1), np.diff(text.offsets))
        warnings = []
        for t in np.flatnonzero(np.abs(sums - 1.0) > SUM_TOLERANCE).tolist():
            context = text.ids[text.offsets[sentence[t]]:t][::-1].tolist() + [self.vocab.bos]
            warnings.append((int(sentence[t]), _sum_warning(sums[t], [self.vocab.words[w] for w in context])))
        return warnings


@njit(cache=True)
def _rank_tokens(logp, part, by_context, starts, token_logp, out):
    """The rank (see perplexity.probability_checks) of each token of the contexts `part` among
    their words' probabilities logp[i] (context part[i]), to out."""
    for i in range(len(part)):
        c = part[i]
        for j in range(starts[c], starts[c + 1]):
            t = by_context[j]
            prob = 0.0 if token_logp[t] == -np.inf else np.exp(float(token_logp[t]) * LN10)
            total, rank, ties = 0.0, 0, 0
            for v in range(logp.shape[1]):
                total, rank, ties, done = rank_or_sum(logp[i, v], prob, True, total, rank, ties)
                if done:
                    break
            out[t] = rank + ties // 2


@njit(cache=True)
def _rank_rows(token_ranks, logprob, ids, offsets, eos, unk, rows):
    """Each sentence's -debug 4 rank row (see perplexity.probability_checks) from its tokens' ranks."""
    for s in range(len(offsets) - 1):
        for t in range(offsets[s], offsets[s + 1]):
            _add_rank(rows[s], token_ranks[t], logprob[t], ids[t] == eos, ids[t] == unk, 1.0)


class BayesMixture(_WordByWord):
    """SRILM's BayesMix of backoff models (see the module docstring)."""

    shows_component_probs = True

    def __init__(self, models, weights, length=0, scale=1.0, context_priors=None, listed=False, **options):
        """`weights`: the priors (normalised to sum to one); `length` N and `scale` of the
        posteriors (-bayes N, -bayes-scale); `context_priors`: a file of context-dependent
        priors for contexts up to `length` words; `listed`: the models came from a
        -read-mix-lms file. `options`: unk_word, unk_is_word, encoding."""
        super().__init__(models, **options)
        weights = np.clip(np.asarray(weights, dtype=np.float64), 0.0, 1.0)
        if len(weights) != len(self.models) or weights.sum() <= 0:
            raise UsageError(f"need {len(self.models)} mixture weights, not all zero", option="weights")
        if length < 0:
            raise UsageError(f"-bayes must be at least 0, not {length}", option="length")
        self.priors = weights / weights.sum()
        self.length, self.scale = length, scale
        self.context_priors = None if context_priors is None else ContextPriors.read(
            context_priors, self.vocab, len(self.models), length)
        # the never-set weights SRILM reads for a context without priors of its own (see
        # ContextPriors): a reused heap chunk's nonzero first word, then a second that glibc
        # zeroed, so that with two models the first takes all the weight; at the root of a
        # -read-mix-lms mixture, zeros (so the global priors); with more models the rest varies
        # from run to run (heap addresses), and the global priors stand in for it
        self.unset_priors = np.array([1.0, 0.0]) if len(self.models) == 2 else None
        self.unset_root_priors = None if listed else self.unset_priors

    def combine(self, text, summing=False):
        k, n = text.logprob.shape
        # a word's probability depends on the models' contexts and, through the weights, on the
        # last N words
        width = max(max(m.order for m in self.models) - 1, self.length, 1)
        keys, position = _history(text.ids, text.offsets, width, self.vocab.bos)
        history = keys[:, :max(self.length, 1)]
        if self.context_priors is not None:
            weights = self.context_priors.lookup(history, np.minimum(position + 1, self.length), self.priors,
                                                 self.unset_priors, self.unset_root_priors).T.copy()
        else:
            weights = np.repeat(self.priors[:, None], n, axis=1)
        if self.length > 0 and self.scale > 0:
            non_event = np.isin(text.ids, list(self.non_events))
            for i, model in enumerate(self.models):
                weights[i] *= np.exp(self.scale * self._context_logprob(model, text, history, position,
                                                                        non_event).astype(np.float64) * LN10)
            none = ~weights.any(axis=0)
            weights[:, none] = self.priors[:, None] if self.context_priors is None else self.context_priors.lookup(
                history[none], np.minimum(position[none] + 1, self.length), self.priors, self.unset_priors,
                self.unset_root_priors).T
        logprob, post = _bayes_mix(text.logprob, weights)
        if self.length == 0:
            post = np.zeros((0, n))
        empty = np.zeros(0)
        return _Mixed(logprob, np.full(n, k, dtype=np.int32), post, empty, empty, np.zeros(0, dtype=bool), keys,
                      weights)

    def _context_logprobs(self, rows, tokens, mixed):
        logp = self._skip(rows, np.stack([backoff_logprob(m, rows) for m in self.models]))
        return _bayes_mix(logp, np.ascontiguousarray(mixed.context_state[:, tokens]))[0]

    def _context_logprob(self, model, text, history, position, non_event):
        """contextProb of each token's last `length` words under `model`."""
        n = len(text.ids)
        window = np.full((self.length, n), -np.inf, dtype=np.float32)
        for c in range(self.length):
            # contexts of c words that stay inside the sentence (<s> included)
            rows = np.flatnonzero(position + 1 >= c)
            window[c, rows] = backoff_logprob(model, _ngram_rows(history[rows], text.ids[rows], c))
            if self.skip_order:  # Ngram::wordProb's -skipoovs, in the context cut to c words
                skipped = text.ids == self.unk
                for j in range(min(c, 2)):
                    skipped |= (self.skip_order > j + 1) & (history[:, j] == self.unk)
                window[c, skipped] = -np.inf
        eos = backoff_logprob(model, np.array([[self.vocab.eos]], dtype=np.int32))[0]
        return _context_logprob(window, np.float32(eos), position, non_event, self.length)


class LoglinearMixture(_WordByWord):
    """SRILM's LoglinearMix (see the module docstring): `weights` are used as given."""

    def __init__(self, models, weights, **options):
        super().__init__(models, **options)
        if len(weights) != len(self.models):
            raise UsageError(f"need {len(self.models)} mixture weights", option="weights")
        self.lambdas = np.asarray(weights, dtype=np.float64)

    skips_in_components = False

    def _numerator(self, rows):
        logp = self._skip(rows, np.stack([backoff_logprob(m, rows) for m in self.models]))
        return _weighted_logsum(logp, self.lambdas, False)[0]

    def combine(self, text, summing=False):
        width = max(m.order for m in self.models) - 1
        history, position = _history(text.ids, text.offsets, max(width, 1), self.vocab.bos)
        keyed = _used_contexts(history, _used_context_length(self.models, history, position))
        numerator, tags = _weighted_logsum(text.logprob, self.lambdas, True)
        skipped = self._skipped_tokens(text, keyed)
        if skipped is not None:  # the first model gives zero, and no tag
            numerator[skipped], tags[skipped] = -np.inf, 0
        log_z, denom, cached = self._normalisers(keyed, summing)
        with np.errstate(invalid="ignore"):  # no event after a context -skipoovs zeroes: 0 / 0, as in SRILM
            logprob = (numerator - log_z).astype(np.float32)
        return _Mixed(logprob, tags, np.zeros((0, len(logprob))), np.zeros(0), denom, cached, keyed, log_z)

    def _context_logprobs(self, rows, tokens, mixed):
        with np.errstate(invalid="ignore"):  # as in combine
            return (self._numerator(rows) - mixed.context_state[tokens]).astype(np.float32)


class AdaptedMarginals(_WordByWord):
    """SRILM's AdaptiveMarginals over one backoff model (see the module docstring)."""

    def __init__(self, model, adapt_marginals, base_marginals=None, beta=0.5, ratios=False, **options):
        """`adapt_marginals`, `base_marginals`: unigram models (NgramModels; the base's by default
        the model itself); `beta`: the adaptation weight; `ratios`: return a(w)/Z(h)."""
        if not 0.0 <= beta <= 1.0:
            raise UsageError(f"-adapt-marginals-beta must lie in [0, 1], not {beta:g}", option="beta")
        given = [model, adapt_marginals] + ([base_marginals] if base_marginals is not None else [])
        super().__init__(given, scoring=1, **options)
        self.model = self.models[0]
        self.beta, self.ratios = beta, ratios
        self.alpha = self._alphas(self.models[1], self.models[-1] if base_marginals is not None else self.model)
        if self.skip_order and base_marginals is None:  # the model's own marginal of <unk> is skipped: zero
            self.alpha[self.unk] = 0.0 if beta == 0.0 else -np.inf
        self.models = self.models[:1]

    def _alphas(self, adapt, base):
        """log10 a(w) of every word (float32): beta (log pA(w) - log pB(w)); where either is zero,
        0 with beta 0, else -inf."""
        words = np.arange(len(self.vocab), dtype=np.int32)[:, None]
        adapted = backoff_logprob(adapt, words)
        based = backoff_logprob(base, words)
        with np.errstate(invalid="ignore"):
            # the difference of two floats is a float, then scaled in double
            alpha = (self.beta * (adapted - based).astype(np.float64)).astype(np.float32)
        zero = np.isneginf(adapted) | np.isneginf(based)
        alpha[zero] = 0.0 if self.beta == 0.0 else -np.inf
        return alpha

    skips_in_components = False

    def _numerator(self, rows):
        return (self._skip(rows, backoff_logprob(self.model, rows)) + self.alpha[rows[:, -1]]).astype(np.float32)

    def combine(self, text, summing=False):
        width = self.model.order - 1
        history, position = _history(text.ids, text.offsets, max(width, 1), self.vocab.bos)
        keyed = _used_contexts(history, _used_context_length(self.models, history, position))
        alpha = self.alpha[text.ids]
        log_z, denom, cached = self._normalisers(keyed, summing)
        tags = np.ones(len(alpha), dtype=np.int32)
        base = text.logprob[0]
        skipped = self._skipped_tokens(text, keyed)
        if skipped is not None:  # the model gives zero, and no tag
            base, tags[skipped] = np.where(skipped, np.float32(-np.inf), base), 0
        top = alpha if self.ratios else (base + alpha).astype(np.float32)
        with np.errstate(invalid="ignore"):  # as in LoglinearMixture.combine
            logprob = (top - log_z).astype(np.float32)
        with np.errstate(over="ignore"):
            shown = np.exp(alpha.astype(np.float64) * LN10)
        return _Mixed(logprob, tags, np.zeros((0, len(logprob))), shown, denom, cached, keyed, log_z)

    def _context_logprobs(self, rows, tokens, mixed):
        top = self.alpha[rows[:, -1]] if self.ratios else self._numerator(rows)
        with np.errstate(invalid="ignore"):  # as in combine
            return (top - mixed.context_state[tokens]).astype(np.float32)
