"""The one in-memory representation of n-gram statistics and models.

Per order k (1-based), n-grams are rows of a C-contiguous int32 array of shape
(n_k, k), sorted lexicographically by id (ids follow byte order, see vocab.py).
Values sit in parallel arrays. ARPA reading and writing, estimation, scoring,
pruning, mixing and FST building all work on these arrays.
"""

from dataclasses import dataclass, field, replace

import numpy as np

from .constants import LOG_ZERO
from .errors import UsageError
from .tables import find_rows
from .vocab import Vocabulary

INT32_MAX = np.iinfo(np.int32).max


def count_dtype(largest):
    """int32 for counts up to `largest` where it fits (half the memory of a table), else int64."""
    return np.int32 if largest <= INT32_MAX else np.int64


@dataclass
class NgramCounts:
    """Counts of n-grams of orders 1..order; counts[k-1], parallel to ngrams[k-1], is int32 when
    every count of the order fits (see count_dtype), else int64."""

    vocab: Vocabulary
    ngrams: list = field(default_factory=list)
    counts: list = field(default_factory=list)
    # counted from text: what SRILM's TextStats say of it (counting.TextTotals)
    text_totals: object = None

    @property
    def order(self):
        return len(self.ngrams)

    def sizes(self):
        return [len(c) for c in self.counts]


@dataclass
class NgramModel:
    """A backoff n-gram model.

    logprob[k-1]: float32 log10 p(w_k | w_1..w_{k-1}) for each row of ngrams[k-1].
    backoff[k-1]: float32 log10 backoff weight of the row as a context; NaN where
    the ARPA line has no backoff column (scoring treats it as 0). The highest
    order has no backoff array entry (backoff has order-1 arrays).
    """

    vocab: Vocabulary
    ngrams: list = field(default_factory=list)
    logprob: list = field(default_factory=list)
    backoff: list = field(default_factory=list)
    # how the model was estimated, when ngramkit estimated it: one dict per order with "order",
    # "method", "interpolate", "min_count", "discounts", "count_of_counts", "counted" (distinct
    # n-grams counted) and, for order 1, "tokens"
    estimation: list | None = None
    # the word ids in the order of the file the model was read from: its 1-grams' in an ARPA
    # file (KenLM's probing files number words so), every word of the index map in SRILM's
    # binary LM (SRILM's Vocab numbers them so), -1 for an index SRILM's Vocab gave a name that
    # is no word of the model (an expanded class model's class names); None: not read from one
    unigram_order: np.ndarray | None = None
    # row_order[k-2], for the k-grams (k >= 2): the indices of their rows in the order of the
    # ARPA file's lines (KenLM's probing build inserts them so), None where that is the rows'
    # own order; row_order None: not kept (see arpa.read_arpa)
    row_order: list | None = None
    # read from an ARPA file: the n-grams of each order its lines held, those limit_vocab leaves
    # out not counted, before the n-grams of one word (two 1-grams naming it) are merged
    read_sizes: list | None = None
    # log10 backoff weight of the empty context, which only SRILM's binary LM stores: its ARPA
    # reader sets log 0 (-99), a model it builds in memory (an estimate) starts with 0
    empty_context_backoff: float = LOG_ZERO
    # contexts that SRILM's trie of the model holds as nodes of weight 0 no n-gram needs (not
    # n-grams with a backoff weight, nor contexts of longer n-grams or their suffixes), as its
    # reader makes them from a binary LM read at a lower order (srilm_binary): extra_contexts[d-1]
    # the sorted (n, d) rows of length d, d up to the model's order; None: none. SRILM writes
    # them as nodes (-write-bin-lm), and an n-gram among them with the weight 0 when the model is
    # written at a higher order (padded)
    extra_contexts: list | None = None

    @property
    def order(self):
        return len(self.ngrams)

    def sizes(self):
        return [len(p) for p in self.logprob]

    def unigrams_in_file_order(self):
        """The 1-grams' word ids in the order of the file read (unigram_order), or in id order
        when the model was not read from one or has 1-grams the file did not list."""
        ids = self.ngrams[0][:, 0]
        read = self.unigram_order
        if read is not None:
            listed = read[np.isin(read, ids)]
            if len(listed) == len(ids):
                return listed
        return ids

    def rows_in_file_order(self, k):
        """The indices of the k-grams' rows (k >= 2) in the order of the ARPA file read
        (row_order), or None for the rows' own order: when that is the file's, when the order
        was not kept or when the k-grams have changed since."""
        kept = self.row_order
        if kept is None or len(kept) != self.order - 1:
            return None
        rows = kept[k - 2]
        if rows is None or len(rows) != len(self.ngrams[k - 1]):
            return None
        return rows

    def words_in_file_order(self):
        """The word ids in the order of the file read (unigram_order, 1-grams or not), then the
        1-grams it did not list, in id order: the order SRILM's Vocab met the model's words."""
        ids = self.ngrams[0][:, 0]
        read = self.unigram_order
        return ids if read is None else np.concatenate([read, ids[~np.isin(ids, read)]])

    def write(self, path, format=None, **options):
        """Write the model to `path`: the format by name ("arpa", "ngk", see formats.FORMATS) or
        by the file's extension (ARPA otherwise; .gz, .bz2, .xz compress). ARPA takes
        style="kenlm" for KenLM's layout."""
        from .formats import save

        save(self, path, format, **options)

    def perplexity(self, text, unk_word=None):
        """SRILM's perplexity of a text file (one sentence per line) as a PerplexityReport:
        totals (`.stats`, `.srilm_text()`), per sentence and per token. `unk_word`: the word
        OOVs are scored as (default <unk>)."""
        from .perplexity import PerplexityScorer

        return PerplexityScorer(self, unk_word).report(text)

    def generate(self, n=None, seed=None, prefixes=None, unk_is_word=False):
        """Random sentences as SRILM's `ngram -gen n -seed seed` draws them (the same ones for the
        same seed; None: time + process id, as SRILM), then one continuation per prefix
        (`-gen-prefixes`: a list of strings or word lists, or a file of them). A list of strings of
        space-separated words, without `<s>`, `</s>` and the prefix. `unk_is_word`: `<unk>` may be
        drawn (SRILM's -unk)."""
        from .generate import generate

        return generate(self, n, seed, prefixes, unk_is_word)

    def rescore_nbest(self, nbest, lm_weight=8.0, word_weight=0.0, max_hyps=0, reorder=True, split_multiwords=None,
                      encoding="utf-8", unk_is_word=False):
        """SRILM's `ngram -nbest`: an N-best list (a path, in SRILM's format or Decipher's
        NBestList1.0/2.0, or an nbest.NBestList) with LM scores lm_weight x log10 P under this
        model, totals acoustic + LM + word_weight x words, sorted by them unless not `reorder`.
        Returns an nbest.NBestList (`.write(path)`, `.lines()`). `max_hyps`: read only the first
        that many. `split_multiwords`: a character at which a path's words are split into words
        (SRILM's -split-multiwords). `encoding`: a path's (`bytes`: words are its bytes, as the
        model's read with that encoding). `unk_is_word`: an open vocabulary (SRILM's -unk), where
        a word outside the model is read, scored and written as its unknown word."""
        from .nbest import rescore_nbest

        return rescore_nbest(self, nbest, lm_weight, word_weight, max_hyps, reorder,
                             split_multiwords=split_multiwords, encoding=encoding, unk_is_word=unk_is_word)

    def prune(self, threshold=None, target_size=None, minprune=2, in_place=False, history=None):
        """Entropy pruning as SRILM's `ngram -prune threshold`, or with the threshold found that
        leaves at most `target_size` n-grams; orders below `minprune` are kept whole.
        `in_place`: this model is pruned in its own arrays (no second copy) and returned.
        `history`: a model whose marginals weigh the contexts (SRILM's -prune-history-lm, see
        prune.history_pruner)."""
        from .prune import Pruner, history_pruner

        if (threshold is None) == (target_size is None):
            raise UsageError("give one of threshold and target_size")
        pruner = Pruner(self, minprune, threshold) if history is None else \
            history_pruner(self, history, minprune, threshold, in_place)
        if threshold is None:
            threshold = pruner.threshold_for_size(target_size)
        return pruner.pruned(threshold, in_place)

    def prune_low_probs(self, minprune=2):
        """SRILM's -prune-lowprobs: n-grams whose probability is below their backed-off estimate."""
        from .prune import prune_low_probs

        return prune_low_probs(self, minprune)

    def renormalized(self):
        """The model with backoff weights recomputed so that every distribution sums to one
        (SRILM's -renorm)."""
        from .renorm import renormalised

        return renormalised(self)

    def to_fst(self, disambig_symbol="#0", symbols=None, bos_symbol="<s>", eos_symbol="</s>", keep_symbols=None):
        """Kaldi's G.fst of the model (arpa2fst's machine) as a pynini.Fst. `symbols`: a
        words.txt path or fst.SymbolTable to label words with (n-grams with other words are
        skipped, with warnings); otherwise a table is made and kept with the FST."""
        import warnings

        from .fst import SymbolTable, compile_grammar, report_skipped

        if isinstance(symbols, (str, bytes)) or hasattr(symbols, "__fspath__"):
            symbols = SymbolTable.read(symbols)
        grammar = compile_grammar(self, symbols, disambig_symbol, bos_symbol, eos_symbol)
        report_skipped(grammar, self, "model", lambda message: warnings.warn(message, stacklevel=3), 0)
        return grammar.to_fst(symbols is None if keep_symbols is None else keep_symbols)

    def scorer(self):
        """The kenlm-compatible scorer (`ngramkit.Model`) of this model."""
        from .lm import Model

        return Model.from_ngram_model(self)

    def padded(self, order):
        """The model with empty orders up to `order` (no backoff weights on the old highest
        order's n-grams but the 0 of those among extra_contexts); an order at most the model's:
        the model itself."""
        if order <= self.order:
            return self
        ngrams, logprob = list(self.ngrams), list(self.logprob)
        backoff = list(self.backoff) + [np.full(len(ngrams[-1]), np.nan, dtype=np.float32)]
        extra = self.extra_contexts
        if extra is not None and len(extra) == self.order:
            found = find_rows(ngrams[-1], extra[-1], 0)
            backoff[-1][found[found >= 0]] = 0
            extra = extra[:-1] + [np.ascontiguousarray(extra[-1][found < 0])]
            extra = extra if any(map(len, extra)) else None
        for k in range(self.order + 1, order + 1):
            ngrams.append(np.empty((0, k), dtype=np.int32))
            logprob.append(np.empty(0, dtype=np.float32))
            if k < order:
                backoff.append(np.empty(0, dtype=np.float32))
        return replace(self, ngrams=ngrams, logprob=logprob, backoff=backoff, extra_contexts=extra)

    def truncated(self, order):
        """The model cut to orders 1..order (backoff weights of the new highest order dropped);
        None or an order at least the model's: the model itself."""
        if order is None or order >= self.order:
            return self
        if order < 1:
            raise UsageError(f"the highest order must be at least 1, not {order}", option="order")
        extra = None if self.extra_contexts is None else self.extra_contexts[:order]
        return replace(self, ngrams=self.ngrams[:order], logprob=self.logprob[:order],
                       backoff=self.backoff[:order - 1], estimation=None,
                       read_sizes=None if self.read_sizes is None else self.read_sizes[:order],
                       extra_contexts=extra if extra and any(map(len, extra)) else None)
