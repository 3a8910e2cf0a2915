"""SRILM's `make-big-lm`: a model from count files (typically merge-batch-counts' output), with
the count-of-counts, the discounts and Kneser-Ney's lower-order counts worked out over all the
counts first, and the estimation reading only the counts at or above their order's mincount: the
rest enter it as meta-counts (meta_counts.py, tag `__meta__`), so that its totals and discounts
are those of all the counts.

The script's intermediate files are written as it writes them, next to NAME (default `biglm`):

- `NAME.kncounts.gz` (Kneser-Ney methods): the lower orders' counts with the orders smoothed by
  Kneser-Ney replaced by continuation counts (make-kn-counts: n-grams starting with <s> keep
  theirs, those with none are left out), sorted;
- `NAME.gtNcounts`: order N's counts of counts 0..20 (`c n_c` lines) and `total T`, over the
  counts the estimation sees (get-gt-counts);
- `NAME.gtN` (Good-Turing: make-gt-discounts, `%g`) or `NAME.knN` (Kneser-Ney:
  make-kn-discounts, numbers as gawk prints them, a missing count-of-count below the highest
  estimated from log n_k - log n_(k+1) = a/k; original Kneser-Ney writes its one discount three
  times), the discount files the estimation reads (discount_files.py).

An existing NAME.kncounts.gz or NAME.gtNcounts (of the highest order) is used again, as the
script does. The estimation is ngram-count's `-read-with-mincounts -meta-tag __meta__`, with
`-kn-counts-modified` for Kneser-Ney; with `trust_totals` (Good-Turing and Witten-Bell only)
`-trust-totals` instead of the meta-counts: each context's total is its own count, so the counts
left out below the mincounts still count in it, but not among its seen words (Witten-Bell's
weights change). An `ngram_filter` command sees the count files' text before anything else does. With `test_text` (the script's -text), only the n-grams
whose context occurs in that text are kept (subset-context-ngrams), after the discounts. Per
order, `methods` says which discount file the order gets ("kneser-ney": make-kn-discounts'
modified one, "original-kneser-ney": its one discount three times) and `kn_counts_orders` which
orders make-kn-counts replaces by continuation counts; the command maps the script's flags onto
them as its table of per-order flags does (see cli/make_big_lm.py).
"""

import contextlib
import functools
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

from .countfile import count_blocks, read_counts, write_counts
from .counting import RunOptions, TextOptions, count_text
from .discount_files import DiscountFilePolicy
from .errors import FormatError, UsageError
from .estimate.adjust import continuation_counts
from .estimate.options import EstimateOptions, OrderOptions, default_min_count
from .estimate.pipeline import stderr_warning
from .estimate.smoothing import GoodTuring, KneserNey, ModifiedKneserNey
from .mincounts import min_counts_in_vocabulary
from .model import NgramCounts
from .srilm_sums import mincount_stream_word_order
from .tables import prefix_rows
from .textio import atomic_output, iter_lines, open_input, read_blocks
from .training import Output, build
from .vocab import Vocabulary

META_TAG = "__meta__"  # lowercase, so that it survives -tolower
SCRIPT_MAX_COUNT = 7  # the script's -gtNmax default, of every order (ngram-count's gt1max is 1)
MAX_COUNT = 20  # the highest count whose count-of-count the NAME.gtNcounts files hold
METHODS = ("good-turing", "kneser-ney", "original-kneser-ney", "witten-bell")


def _say(message):
    print(message, file=sys.stderr)


def make_big_lm(counts_paths, lm=None, *, order=3, methods="good-turing", interpolate=False, min_counts=None,
                max_counts=None, name="biglm", vocab=None, limit_vocab=False, unk=False, test_text=None,
                encoding="utf-8", lm_format=None, trust_totals=False, ngram_filter=None, kn_counts_orders=None,
                log=_say, warn=stderr_warning):
    """Estimate the model of `counts_paths` (count files) as make-big-lm does; write it to `lm`
    if given, and return it.

    methods: one of METHODS for every order, or one per order (Witten-Bell only for all);
    `interpolate`: a bool, or one per order; min_counts / max_counts: per order (-gtNmin,
    -gtNmax; for orders not given the script's defaults: 1, 1, 2, 2, ... and 7); `name`: the
    prefix of the intermediate files; vocab (a Vocabulary), limit_vocab, unk: as ngram-count's
    -vocab, -limit-vocab, -unk;
    `test_text`: text files whose contexts alone the model keeps n-grams of (see subset_contexts);
    `trust_totals`: the estimation reads no meta-counts and divides by each context's own count
    (ngram-count's -trust-totals), ignored with a warning when an order is Kneser-Ney's, as the
    script does; `ngram_filter`: a shell command the count files are piped through, one after
    the other and decompressed, before anything is read from them (the script's -ngram-filter);
    `kn_counts_orders`: the orders below the highest whose counts become continuation counts
    (make-kn-counts' kndiscountN; default: those of a Kneser-Ney method)."""
    paths = _paths(counts_paths)
    if not paths:
        raise UsageError("no counts specified")
    if any(p in ("-", "/dev/stdin") for p in paths):
        raise UsageError("cannot read from stdin: the counts are read more than once")
    methods = _per_order(methods, order, "methods")
    for m in methods:
        if m not in METHODS:
            raise UsageError(f"unknown method {m!r}; make-big-lm takes {', '.join(METHODS)}", option="methods")
    using_wb = "witten-bell" in methods
    if using_wb and set(methods) != {"witten-bell"}:
        raise UsageError("cannot mix GT, KN, and WB discounting", option="methods")
    using_kn = any(m in ("kneser-ney", "original-kneser-ney") for m in methods)
    kn_orders = ([k for k in range(1, order + 1) if methods[k - 1] in ("kneser-ney", "original-kneser-ney")]
                 if kn_counts_orders is None else list(kn_counts_orders))
    interpolate = _per_order(interpolate, order, "interpolate")
    min_counts = _filled(min_counts, order, default_min_count)
    max_counts = _filled(max_counts, order, lambda k: SCRIPT_MAX_COUNT)
    if trust_totals and using_kn:
        warn("-trust-totals incompatible with KN discounting; ignoring it")
        trust_totals = False
    meta_tag = None if trust_totals else META_TAG

    if ngram_filter is None:
        full = read_counts(paths, order, encoding=encoding)
    else:
        full = filtered_counts(paths, ngram_filter, order, encoding)
    counts = full
    kncounts = f"{name}.kncounts.gz"
    if using_kn:
        lower = _kn_counts(full, kn_orders, kncounts, order, log)
        counts = NgramCounts(full.vocab, lower.ngrams[:order - 1] + full.ngrams[order - 1:order],
                             lower.counts[:order - 1] + full.counts[order - 1:order])
    read = {}
    if not using_wb:
        coc = _count_of_count_files(counts, name, order, log)
        for k in range(1, order + 1):
            if k not in coc:
                continue
            if methods[k - 1] == "good-turing":
                path, text = f"{name}.gt{k}", gt_discount_text(coc[k], min_counts[k - 1], max_counts[k - 1], k, warn)
            else:
                path = f"{name}.kn{k}"
                text = kn_discount_text(coc[k], min_counts[k - 1], methods[k - 1] == "kneser-ney", k, warn, log)
            with atomic_output(path, text=True) as out:
                out.write(text)
            read[k] = path
    if test_text is not None and order > 1:
        counts = subset_contexts(counts, test_text, encoding, log)
    # the script pipes the Kneser-Ney counts' lower orders and the counts' highest, or the counts,
    # to ngram-count, whose Vocab numbers the words as the lines give them
    piped = _count_stream(paths, ngram_filter, encoding)
    streams = [(_count_stream([kncounts], None, encoding), 1, order - 1), (piped, order, order)] if using_kn else \
        [(piped, 1, order)]
    if vocab is not None:  # a closed vocabulary: its words in file order, and no others
        word_order = None if vocab.read_order is None else functools.partial(Vocabulary.ids, words=vocab.read_order)
    else:
        word_order = functools.partial(mincount_stream_word_order, streams, min_counts=min_counts, meta_tag=meta_tag,
                                       kept=counts if test_text is not None and order > 1 else None)
    counts = min_counts_in_vocabulary(counts, min_counts, vocab, limit_vocab, meta_tag)
    orders = []
    for k in range(1, order + 1):
        # a -knN file makes ngram-count's order modified Kneser-Ney: original KN's file has D1 = D2 = D3+
        method = {"good-turing": "good-turing", "witten-bell": "witten-bell"}.get(methods[k - 1], "kneser-ney")
        orders.append(OrderOptions(method, bool(interpolate[k - 1]), min_counts[k - 1], max_counts[k - 1]))
    options = EstimateOptions(order=order, orders=orders, unk=unk)
    policy = DiscountFilePolicy(orders, read, kn_counts_modified=using_kn, meta_tag=meta_tag,
                                trust_totals=trust_totals)
    return build(counts, options, policy=policy, output=None if lm is None else Output(lm, lm_format), warn=warn,
                 word_order=word_order)


def _count_stream(paths, command, encoding):
    """A function giving the count blocks of the count files `paths` (count_blocks'), piped
    through the -ngram-filter `command` when not None."""
    if command is None:
        return lambda: count_blocks(paths, encoding)
    return lambda: _filtered_blocks(paths, command, encoding)


@contextlib.contextmanager
def _filtered(paths, command):
    """A file of the count files `paths`, decompressed and one after the other, piped through the
    shell command `command` (the script's -ngram-filter: `gzip -dcf COUNTS | eval FILTER`), and
    its label."""
    label = _filter_label(command)
    with tempfile.TemporaryDirectory(prefix="ngramkit-filter-") as tmp:
        filtered = os.path.join(tmp, "counts")
        with open(filtered, "wb") as out:
            process = subprocess.Popen(["/bin/sh", "-c", command], stdin=subprocess.PIPE, stdout=out)
            try:
                for path in paths:
                    with open_input(path) as stream:
                        for block in read_blocks(stream, path):
                            process.stdin.write(block)
            except BrokenPipeError:  # the filter stopped reading: what it wrote is its output
                pass
            finally:
                try:
                    process.stdin.close()
                except BrokenPipeError:
                    pass
                status = process.wait()
        if status != 0:
            raise UsageError(f"-ngram-filter {command!r} failed (exit status {status})", option="ngram_filter")
        yield filtered, label


def _filter_label(command):
    return f"output of -ngram-filter {command!r}"


def _filtered_blocks(paths, command, encoding):
    """The count blocks (count_blocks') of the output of _filtered, labelled as it."""
    with _filtered(paths, command) as (filtered, label):
        for block, line, _ in count_blocks([filtered], encoding):
            yield block, line, label


def filtered_counts(paths, command, order, encoding="utf-8"):
    """The counts of the count files `paths`, decompressed and one after the other, piped through
    the shell command `command` (the script's -ngram-filter: `gzip -dcf COUNTS | eval FILTER`)."""
    return read_counts([_filter_label(command)], order, encoding=encoding,
                       blocks=_filtered_blocks(paths, command, encoding))


def subset_contexts(counts, test_text, encoding="utf-8", log=_say):
    """subset-context-ngrams: the unigrams, and the n-grams whose context is an n-gram of the
    test text (counted to the order below the highest, with <s> and </s>)."""
    contexts = count_text(_paths(test_text), counts.order - 1, TextOptions(encoding=encoding, vocab=counts.vocab),
                          RunOptions(quiet=True))
    log(f"read {sum(contexts.sizes())} contexts")
    result = NgramCounts(counts.vocab, counts.ngrams[:1], counts.counts[:1])
    for k in range(2, counts.order + 1):
        rows = counts.ngrams[k - 1]
        kept = prefix_rows(rows, contexts.ngrams[k - 2]) >= 0
        result.ngrams.append(np.ascontiguousarray(rows[kept]))
        result.counts.append(counts.counts[k - 1][kept])
    return result


def _paths(paths):
    return [str(paths)] if isinstance(paths, (str, os.PathLike)) else [str(p) for p in paths]


def _per_order(value, order, what):
    values = [value] * order if isinstance(value, (str, bool)) else list(value)
    if len(values) != order:
        raise UsageError(f"give one value or {order} (one per order), not {len(values)}", option=what)
    return values


def _filled(values, order, default):
    values = list(values or [])
    return [int(values[k - 1]) if k <= len(values) and values[k - 1] is not None else default(k)
            for k in range(1, order + 1)]


def kn_counts(counts, kn_orders):
    """make-kn-counts: the counts of orders below the highest with those of `kn_orders` replaced
    by continuation counts (n-grams starting with <s> keep theirs; those of none left out)."""
    vocab = counts.vocab
    start_only = np.zeros(len(vocab), dtype=np.bool_)
    start_only[vocab.bos] = True
    result = NgramCounts(vocab)
    for k in range(1, counts.order):
        rows, values = counts.ngrams[k - 1], counts.counts[k - 1]
        if k in kn_orders:
            values = continuation_counts(rows, values, counts.ngrams[k], counts.counts[k], start_only)
            seen = values > 0
            rows, values = np.ascontiguousarray(rows[seen]), values[seen]
        result.ngrams.append(rows)
        result.counts.append(values)
    return result


def _kn_counts(full, kn_orders, path, order, log):
    if os.path.exists(path):
        log(f"using existing {path}")
        return read_counts([path], order - 1, full.vocab) if order > 1 else NgramCounts(full.vocab)
    result = kn_counts(full, kn_orders)
    if result.order:
        write_counts(result, path)
    else:  # a unigram model has no lower orders: the script leaves an empty file
        with atomic_output(path, text=True):
            pass
    return result


def count_of_counts_text(values):
    """A NAME.gtNcounts file (get-gt-counts) of one order's counts."""
    small = values[(values >= 0) & (values <= MAX_COUNT)].astype(np.int64)
    coc = np.bincount(small, minlength=MAX_COUNT + 1)
    return "".join(f"{c} {int(n)}\n" for c, n in enumerate(coc)) + f"total {len(values)}\n"


def read_count_of_counts(path):
    """c -> n_c of a NAME.gtNcounts file (`total` left out)."""
    coc = {}
    for line_no, line in iter_lines(path):
        fields = line.split()
        if not fields or fields[0].startswith("#") or fields[0] == "total":
            continue
        try:
            coc[int(fields[0])] = float(fields[1])
        except (ValueError, IndexError):
            raise FormatError("expected a count and its count-of-count", path, line_no) from None
    return coc


def _count_of_count_files(counts, name, order, log):
    """Order -> {c: n_c}: NAME.gtNcounts read, written first unless the highest order's exists."""
    if os.path.exists(f"{name}.gt{order}counts"):
        log("using existing gtcounts")
    else:
        for k in range(1, order + 1):
            if len(counts.counts[k - 1]):
                with atomic_output(f"{name}.gt{k}counts", text=True) as out:
                    out.write(count_of_counts_text(counts.counts[k - 1]))
    return {k: read_count_of_counts(f"{name}.gt{k}counts") for k in range(1, order + 1)
            if os.path.exists(f"{name}.gt{k}counts")}


def _array(coc, size):
    return np.array([coc.get(c, 0.0) for c in range(size)])


def gt_discount_text(coc, min_count, max_count, order, warn):
    """make-gt-discounts: Good-Turing's discount file of counts of counts `coc` (c -> n_c)."""
    method = GoodTuring(min_count, max_count)
    method.estimate(_array(coc, max(max_count + 2, MAX_COUNT + 1)), order, warn)
    return (f"mincount {min_count}\nmaxcount {method.max_count}\n"
            + "".join(f"discount {c} {method.coeffs[c]:g}\n" for c in range(1, method.max_count + 1)))


def _awk(number):
    """A number as gawk's print writes it: integers as such, others as %.6g."""
    return str(int(number)) if float(number).is_integer() and abs(number) < 1e16 else f"{number:.6g}"


def fill_missing_counts(coc, log):
    """make-kn-discounts' estimate of the counts of counts missing below the highest one seen:
    with a the mean of k (log n_k - log n_(k+1)) over the run of nonzero n_k just below the
    highest, a missing n_k = n_(k+1) e^(a/k), from the top down."""
    seen = [c for c, n in coc.items() if n > 0]
    top = max(seen) if seen else 0
    k = top - 1
    a_sum = 0.0
    while k > 0 and coc.get(k, 0) != 0:
        a_sum += k * (math.log(coc[k]) - math.log(coc[k + 1]))
        k -= 1
    if k == top - 1:
        return coc
    a = a_sum / (top - k - 1)
    filled = dict(coc)
    for j in range(k, 0, -1):
        if filled.get(j, 0) == 0:
            filled[j] = math.exp(math.log(filled[j + 1]) + a / j)
            log(f"estimating missing count-of-count {j} = {_awk(filled[j])}")
    return filled


def kn_discount_text(coc, min_count, modified, order, warn, log=_say):
    """make-kn-discounts: a Kneser-Ney discount file (modified: D1, D2, D3+; original: its one
    discount as all three) of counts of counts `coc` (c -> n_c)."""
    coc = _array(fill_missing_counts(coc, log), 5)
    method = ModifiedKneserNey(min_count, True) if modified else KneserNey(min_count, True)
    method.estimate(coc, order, warn)
    d = method.discounts[1:] if modified else [method.discount] * 3
    return f"mincount {min_count}\ndiscount1 {_awk(d[0])}\ndiscount2 {_awk(d[1])}\ndiscount3+ {_awk(d[2])}\n"
