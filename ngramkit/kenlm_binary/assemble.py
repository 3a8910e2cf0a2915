"""From the n-grams a KenLM binary holds to an `NgramModel`: dropping the entries KenLM made
up (blanks and a missing `<unk>`) and renumbering its word ids into ours.

A blank is an n-gram KenLM inserts when a stored n-gram's suffix is missing from the ARPA
(SRILM's pruning leaves such holes), valued as backing off would value it: its log
probability is its suffix's plus its context's backoff, added in float32, and its backoff is
zero. Nothing in the file marks it, so an entry is taken for a blank when it has exactly that
value, is the suffix of a longer entry (as every blank is) and is not the context of a longer
kept entry. Dropping such an entry changes no score, since backing off gives the same float.
"""

import numpy as np

from ..errors import FormatError
from ..jit import njit
from ..model import NgramModel
from ..vocab import UNK, Vocabulary
from .layout import NO_EXTENSION

KENLM_MISSING_UNK = np.float32(-100.0)


class Order:
    """The entries of one order in KenLM ids: rows (n, k), log10 probabilities (float32,
    sign restored), backoff bits (uint32, None for the highest order), whether each entry is
    the suffix of a longer one, and the index of each entry's context (prefix) and suffix in
    the order below (-1 where absent; unigrams have none)."""

    def __init__(self, rows, logprob, backoff_bits, extends_left, prefix, suffix):
        self.rows = rows
        self.logprob = logprob
        self.backoff_bits = backoff_bits
        self.extends_left = extends_left
        self.prefix = prefix
        self.suffix = suffix


@njit(cache=True)
def _blank_mask(logprob, backoff_bits, extends_left, prefix, suffix, lower_logprob, lower_backoff,
                is_context):
    """Which entries of an order are blanks (see the module docstring)."""
    n = len(logprob)
    blank = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        bits = backoff_bits[i]
        if (bits != 0 and bits != NO_EXTENSION) or not extends_left[i] or is_context[i] or suffix[i] < 0:
            continue
        value = lower_logprob[suffix[i]]
        if prefix[i] >= 0:
            value = np.float32(value + lower_backoff[prefix[i]])
        blank[i] = value == logprob[i]
    return blank


def _prefix_of_kept(n, higher, keep):
    is_context = np.zeros(n, dtype=np.bool_)
    prefixes = higher.prefix if keep is None else higher.prefix[keep]
    is_context[prefixes[prefixes >= 0]] = True
    return is_context


def drop_blanks(orders):
    """Masks of the entries to keep per order (None: keep all), highest order first."""
    keeps = [None] * len(orders)
    for k in range(len(orders) - 1, 1, -1):  # orders k (1-based) from N-1 down to 2
        entries, lower, higher = orders[k - 1], orders[k - 2], orders[k]
        is_context = _prefix_of_kept(len(entries.logprob), higher, keeps[k])
        lower_backoff = lower.backoff_bits.view(np.float32)
        blank = _blank_mask(entries.logprob, entries.backoff_bits, entries.extends_left, entries.prefix,
                            entries.suffix, lower.logprob, lower_backoff, is_context)
        if blank.any():
            keeps[k - 1] = ~blank
    return keeps


def to_model(orders, words, path, unk_added, remove_blanks=True):
    """The NgramModel of `orders` (list of Order, KenLM ids) over `words` (KenLM id -> word).

    unk_added: whether the file says KenLM gave `<unk>` its probability (None: unknown); a
    `<unk>` valued -100 with zero backoff that no longer n-gram holds is then taken as added."""
    if len(set(words)) != len(words):
        raise FormatError("KenLM binary: a vocabulary word appears twice", path)
    vocab = Vocabulary(words)
    mapping = vocab.ids(words)
    keeps = drop_blanks(orders) if remove_blanks else [None] * len(orders)
    unigrams = orders[0]
    unk_keep = np.ones(len(unigrams.logprob), dtype=np.bool_)
    if unk_added is not False and words[0] == UNK:
        in_longer = any(bool((o.rows == 0).any()) for o in orders[1:])
        bits = unigrams.backoff_bits[0]
        if (unigrams.logprob[0] == KENLM_MISSING_UNK and bits in (0, int(NO_EXTENSION)) and not in_longer):
            unk_keep[0] = False
    keeps[0] = None if unk_keep.all() else unk_keep
    model = NgramModel(vocab)
    top = len(orders)
    for k, (entries, keep) in enumerate(zip(orders, keeps), 1):
        rows, logprob, backoff = entries.rows, entries.logprob, entries.backoff_bits
        if keep is not None:
            rows, logprob = rows[keep], logprob[keep]
            backoff = backoff[keep] if backoff is not None else None
        ids = mapping[rows]
        perm = np.lexsort(ids.T[::-1]) if k > 1 else np.argsort(ids[:, 0], kind="stable")
        model.ngrams.append(np.ascontiguousarray(ids[perm], dtype=np.int32))
        model.logprob.append(np.ascontiguousarray(logprob[perm], dtype=np.float32))
        if k < top:
            # KenLM marks zero backoffs with the sign bit; either way the weight is 0.
            values = backoff[perm].view(np.float32).copy()
            values[values == 0] = 0.0
            model.backoff.append(values)
    return model
