"""`ngram-count`: SRILM's counting and estimation front end, same options, same files; also
fractional counts (`-float-counts`: read, summed and written as %.16g, and estimated from with
-wbdiscount, -cdiscount, -addsmooth or discounts read from -gtN/-knN files, -gtNmin fractional
too; other methods are refused as SRILM refuses them), natural discounting (`-ndiscount`),
Google Web1T count directories (`-read-google`) and the EM training of a count LM's weights
(`-count-lm -init-lm`, `-em-iters`, `-em-delta`; count_lm) and of skip n-gram models (`-skip -lm
FILE`, `-skip-init P`; skip_lm: counted to -order + 1). `-write-binary-lm` writes -lm in
SRILM's binary format; `-nonevents FILE` names words never predicted (as `<s>`); `-vocab-aliases
FILE` counts each ALIAS of the text or count files as its WORD (stdout counts then come sorted); `-tag` is
accepted, and arguments that are no options are ignored, as SRILM does (make-batch-counts passes
both). `-gtN FILE`, `-knN FILE` (`-gt`, `-kn`: all orders) write the estimated discounts without
-lm and are read instead of estimating them with it; `-kn-counts-modified` takes the counts as
Kneser-Ney's modified ones; `-read-with-mincounts` leaves out counts below -gtNmin as -read
reads them. `-meta-tag TAG`: a -read count line ending in
the word TAG<n> with count m stands for m n-grams of count n not in the counts, which enter the
discounts' count-of-counts and their context's totals but get no probability; with
-read-with-mincounts the n-grams left out become such lines (make-big-lm's way of estimating from
cut counts). `-tagged` counts word/tag text as SRILM's
tagged LMs (words, tags and their mixes; tags are never predicted), its counts written sorted
and -write-vocab as SRILM's tagged vocabulary (words, then /TAG lines). `-text-has-weights`
(`-text-has-weights-last`): each -text line's first (last) word is the count its n-grams add
(text_weights; with -float-counts fractional), the counts on stdout then sorted.

`-prune T` (`-minprune N`) entropy-prunes the estimated model before -lm is written, as SRILM's
ngram-count does: the model as it is in memory, not as its ARPA file rounds it, with the
non-events of its vocabulary (-nonevents) left out of each context's marginal. `-trust-totals`
divides by each context's own count above the unigrams (with Kneser-Ney, its continuation count);
`-gtmin`, `-gtmax` are -gtNmin, -gtNmax of the orders above 9. `-recompute` makes each n-gram
with extensions count the sum of theirs (counting.sum_counts) before anything is written or
estimated. `-write-text FILE` copies the lines of -text as SRILM reads them (no blank lines nor
## comments) instead of counting them. `-memuse` prints SRILM's line of memory use on stderr, with
the bytes of ngramkit's count tables. `-kn-modify-counts-at-end` estimates Kneser-Ney's discounts
from the counts before they are made continuation counts. `-intersect FILE` keeps the n-grams of
the count file FILE and their prefixes, with their -read counts (0 where none). Count files are
read as SRILM reads them into its count trie: the prefixes of their n-grams are n-grams too,
counted 0 where the files do not hold them (written by -write, and observed followers of their
context in the estimate). `-write-vocab-index FILE` writes SRILM's
index map of the words of -text or -read (srilm_trie.write_vocab_index; not with a vocabulary
given by -vocab, -vocab-aliases or -nonevents).

Counts of -text on stdout (nothing else written) come in SRILM's unsorted order unless -sort (or
-vocab, -memory) makes them sorted; -write and -writeN files are sorted. -version prints
ngramkit's release.

stderr is SRILM's: its warnings as it prints them, and from -debug 1 on its lines of the text
counted, of each order's discounts, of the contexts estimated again and the n-grams left out
(estimate's `trace`) and of the n-grams written. Lines naming contexts come in the order of
SRILM's hash tables (srilm_sums), found from the text or count file again only when such lines
are printed. A text without sentences counts nothing, as SRILM's does."""

import functools
import sys

from ..aliases import read_aliases
from ..countfile import count_blocks, intersect_counts, read_counts, write_counts
from ..counting import RunOptions, TextOptions, count_text, sum_counts
from ..discount_files import DiscountFilePolicy, write_discount_file
from ..errors import UsageError
from ..estimate.pipeline import adjusted_count_tables, discounted_counts, stderr_warning
from ..estimate.policy import SRILM
from ..meta_counts import check_meta_words
from ..mincounts import in_vocabulary, min_counts_in_vocabulary
from ..model import NgramCounts
from ..nonevents import read_nonevents
from ..prune import check_minprune
from ..release import release_text
from ..srilm_sums import count_file_srilm_order, count_file_word_order, mincount_stream_word_order
from ..srilm_trie import UnsortedCounts
from ..textio import BYTES, atomic_output, copy_text_lines, held_outputs
from ..training import Output, build
from ..vocab import UNK, Vocabulary, lowercase
from .common import report_text, run, warn, with_srilm_discount_failures
from .estimate_options import ESTIMATE_OPTIONS, methods_given, check_default_methods, estimate_options, min_count
from .srilm_options import ENCODING_HELP, Option, parse, per_order

PROG = "ngram-count"

COUNT_OPTIONS = [
    Option("order", int, 3, "max n-gram order"),
    Option("text", list, help="text file to count (plain, .gz, .bz2, .xz, or - for stdin); may repeat"),
    Option("read", list, help="count file to read; several are summed"),
    Option("write", str, help="write counts of all orders (or of -write-order) to this file; "
                              "without it, -lm, -write-vocab and -writeN, the counts go to stdout"),
    *per_order("write{n}", str, help="write counts of order {n} to this file"),
    Option("write-order", int, help="write only this order to -write or stdout (0: all)"),
    Option("sort", bool, False, "sort the counts written (counts of -read, -vocab, -memory, -lm or "
                                "-write-vocab are always sorted)"),
    Option("vocab", str, help="vocabulary file: other words are out of vocabulary"),
    Option("limit-vocab", bool, False, "drop n-grams with words outside -vocab"),
    Option("unk", bool, False, "keep <unk> as a word of the model"),
    Option("map-unk", str, UNK, "word that out-of-vocabulary words become"),
    Option("write-vocab", str, help="write the vocabulary to this file"),
    Option("tolower", bool, False, "lowercase all words"),
    Option("no-sos", bool, False, "do not add <s> at sentence starts"),
    Option("no-eos", bool, False, "do not add </s> at sentence ends"),
    Option("text-has-weights", bool, False, "each line of -text starts with the count its n-grams add"),
    Option("text-has-weights-last", bool, False, "each line of -text ends with the count its n-grams add"),
    Option("memory", str, help="bound memory (counting and estimation), e.g. 500M or 2G; spills to -temp-dir"),
    Option("temp-dir", str, help="directory for spilled runs (default $TMPDIR)"),
    Option("workers", int, 0, "counting threads (default one per core, up to 4)"),
    Option("encoding", str, "utf-8", ENCODING_HELP),
    Option("debug", int, 0, "debug level: from 1 on, SRILM's lines of the text counted, the discounts and the "
                            "n-grams left out (on stderr)"),
    Option("q", bool, False, "quiet: no progress on stderr"),
    Option("quiet", bool, False, "quiet: no progress on stderr"),
]

# SRILM's vocabulary extras, big-LM building and binary LMs
EXTRA_OPTIONS = [
    Option("write-binary-lm", bool, False, "write -lm in SRILM's binary format"),
    Option("nonevents", str, help="file of words never predicted (as <s>): no n-gram ends in one"),
    Option("vocab-aliases", str, help="file of 'ALIAS WORD' lines: ALIAS in the text or count files is counted as WORD"),
    Option("tag", str, help="a name for the run (accepted and unused, as in SRILM)"),
    Option("gt", str, help="Good-Turing discount file of all orders: written without -lm, read with it"),
    *per_order("gt{n}", str, help="Good-Turing discount file of order {n}: written without -lm, read with it"),
    Option("kn", str, help="Kneser-Ney discount file of all orders: written without -lm, read with it"),
    *per_order("kn{n}", str, help="Kneser-Ney discount file of order {n}: written without -lm, read with it"),
    Option("kn-counts-modified", bool, False, "the counts read are Kneser-Ney's modified counts already"),
    Option("read-with-mincounts", bool, False, "leave out counts below -gtNmin as -read reads them"),
    Option("prune", float, 0.0, "entropy-prune -lm before writing it: n-grams whose removal changes perplexity "
                                "by less than this (relative)"),
    Option("minprune", int, 2, "lowest order that -prune removes"),
    Option("intersect", str, help="keep only the n-grams of this count file, counted as -read counts them (0 if not)"),
    Option("write-vocab-index", str, help="write SRILM's vocabulary index map ('INDEX WORD' lines, then '.')"),
    Option("memuse", bool, False, "print the memory the counts take (on stderr)"),
    Option("write-text", str, help="copy the lines of -text (no blank lines nor ## comments) here, counting nothing"),
    Option("recompute", bool, False, "recompute the counts of n-grams that have extensions as the sum of theirs"),
    Option("trust-totals", bool, False, "above the unigrams, divide by each context's own count rather than "
                                        "its followers' total"),
]

# Estimation (-lm and the smoothing options) lives in estimate_options.py.
OPTIONS = COUNT_OPTIONS + ESTIMATE_OPTIONS + EXTRA_OPTIONS + [
    Option("float-counts", bool, False, "counts are fractional (-read, -read-google files); written as %.16g; "
                                        "-lm takes -wbdiscount, -cdiscount, -addsmooth or -gtN/-knN files"),
    Option("read-google", str, help="read the counts of a Google Web1T directory (1gms/vocab.gz, Ngms/Ngm.idx)"),
    Option("count-lm", bool, False, "with -init-lm and -lm: train a count LM's weights by EM on the counts"),
    Option("init-lm", str, help="the count LM whose weights -count-lm trains"),
    Option("em-iters", int, 100, "most EM iterations of -count-lm and -skip"),
    Option("em-delta", float, 0.001, "EM stops when the log likelihood changes by less than this (relative)"),
    Option("skip", bool, False, "with -lm: estimate a skip n-gram model by EM (-skip-init, -em-iters, -em-delta)"),
    Option("skip-init", float, 0.5, "initial skip probability of -skip"),
    Option("version", bool, False, "print the release of ngramkit and exit"),
    # meta-counts
    Option("meta-tag", str, help="words TAG<n> ending -read count lines hold count-of-counts (n-grams of count n "
                                 "left out); -read-with-mincounts writes those of what it leaves out"),
] + [
    # SRILM's tagged LMs (tagged_lm)
    Option("tagged", bool, False, "tokens are word/tag: count words, tags and their mixes as SRILM's tagged LM"),
]
FLAGS = {"order": "-order", "minprune": "-minprune", "memory": "-memory", "discount_fallback": "-discount-fallback",
         "float_counts": "-float-counts", "encoding": "-encoding"}


def _per_order_outputs(opts):
    return [k for k in range(1, 10) if opts[f"write{k}"]]


def _counts_to_stdout(opts):
    """As in SRILM, the counts go to stdout when nothing else is written."""
    return not (opts["write"] or opts["lm"] or opts["write_vocab"] or opts["write_vocab_index"]
                or _per_order_outputs(opts) or discount_files(opts))


def _method_flags(opts, k):
    """The smoothing flags given for order k itself (-wbdiscount2, ...)."""
    return [m.srilm_flag for m, _ in methods_given(opts, str(k))]


def discounted_orders(opts, files):
    """The orders SRILM fits discounts of without -lm: those a smoothing flag or discount file names."""
    every = bool(methods_given(opts))
    return {k for k in range(1, opts["order"] + 1)
            if every or k in files or (k <= 9 and methods_given(opts, str(k)))}


def discount_files(opts):
    """Order -> ("gt" or "kn", path) of the discount files, as SRILM assigns them: an order's
    own -gtN/-knN, else (when no flag names the order's method) -gt/-kn of all orders."""
    files = {}
    for k in range(1, min(opts["order"], 9) + 1):
        own = [(kind, opts[f"{kind}{k}"]) for kind in ("kn", "gt") if opts[f"{kind}{k}"]]
        flags = [f for f in _method_flags(opts, k) if not (f == "kndiscount" and own and own[0][0] == "kn")]
        if len(own) + len(flags) > 1:
            raise UsageError(f"conflicting discounting options for order {k}")
        if own:
            files[k] = own[0] + (True,)
        elif not flags and (opts["kn"] or opts["gt"]):
            files[k] = ("kn", opts["kn"], False) if opts["kn"] else ("gt", opts["gt"], False)
    return files


def _choose_file_methods(est, files):
    """SRILM's method of an order with a discount file: modified Kneser-Ney for a -kn file unless
    a method flag comes first, Good-Turing for an order's own -gtN file."""
    for k, (kind, _, own) in files.items():
        oo = est.orders[k - 1]
        if kind == "kn" and (own or oo.method == "good-turing"):
            oo.method = "kneser-ney"
        elif kind == "gt" and own:
            oo.method = "good-turing"


def _write_order(opts):
    """The orders -write-order asks for (None: all, as for 0)."""
    k = opts["write_order"]
    if k and not 1 <= k <= opts["order"]:
        raise UsageError(f"-write-order {k} is outside 1..{opts['order']}")
    return [k] if k else None


def write_requested_counts(counts, opts):
    """-memuse, -recompute, then -write-vocab, -write (or stdout) of -write-order, and -write1..-write9."""
    prepare_counts(counts, opts)
    write_count_outputs(counts, opts)


def prepare_counts(counts, opts):
    """-memuse, -recompute: what ngram-count does to the counts before estimating from them."""
    if opts["memuse"]:
        report_memory(sum(a.nbytes for a in counts.ngrams + counts.counts))
    if opts["recompute"]:
        sum_counts(counts)


def write_count_outputs(counts, opts):
    """-write-vocab, -write (or stdout) of -write-order, and -write1..-write9."""
    if opts["write_vocab"] and opts["tagged"]:
        from ..tagged_lm import write_tagged_vocab
        write_tagged_vocab(counts.vocab, opts["write_vocab"])
    elif opts["write_vocab"]:
        counts.vocab.write(opts["write_vocab"])
    path = opts["write"] or ("-" if _counts_to_stdout(opts) else None)
    if path:
        write_counts(counts, path, _write_order(opts))
    for k in _per_order_outputs(opts):
        write_counts(counts, opts[f"write{k}"], [k])


def _writes_counts(opts):
    """Whether -write-vocab, -write, stdout or -write1..-write9 get counts or words."""
    return bool(opts["write_vocab"] or opts["write"] or _counts_to_stdout(opts) or _per_order_outputs(opts))


def report_memory(nbytes):
    """-memuse: the bytes the counts take, in SRILM's line (nothing is allocated but not used)."""
    megabytes = nbytes / (1 << 20)
    sys.stderr.write(f"total memory {nbytes} ({megabytes:g}M), used {nbytes} ({megabytes:g}M), wasted 0 (0M)\n")


def _lm_output(opts):
    """Where -lm goes, in SRILM's binary format with -write-binary-lm."""
    if not opts["lm"]:
        if opts["write_binary_lm"]:
            raise UsageError("-write-binary-lm needs -lm")
        return None
    return Output(opts["lm"], "srilm-binary" if opts["write_binary_lm"] else None)


def write_unsorted_counts(opts, text, quiet):
    """Count -text and write the counts (of -write-order) to stdout in SRILM's unsorted order
    (the order of a trie built as SRILM builds it)."""
    counts = UnsortedCounts(opts["text"], opts["order"], text, quiet)
    report_text(opts, counts.text_totals)
    if opts["memuse"]:
        report_memory(counts.trie.nbytes())
    with atomic_output("-") as out:
        counts.write(out, (_write_order(opts) or [0])[0])


def _trace(opts):
    """Where estimation's -debug 1 lines go: stderr, from -debug 1 on."""
    return (lambda line: sys.stderr.write(f"{line}\n")) if opts["debug"] >= 1 else None


def _options_only(argv):
    """argv without the arguments that are no options nor their values: SRILM ignores them."""
    table = {opt.name: opt for opt in OPTIONS}
    kept = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not (arg.startswith("-") and len(arg) > 1):
            i += 1
            continue
        kept.append(arg)
        opt = table.get(arg.lstrip("-"))
        if opt is not None and opt.kind is not bool and i + 1 < len(argv):
            kept.append(argv[i + 1])
            i += 1
        i += 1
    return kept


def ngram_count(argv):
    opts = parse(_options_only(argv), OPTIONS, PROG)
    if opts["version"]:
        sys.stdout.write(release_text(PROG))
        return
    if opts["order"] < 1:
        raise UsageError(f"-order must be at least 1, not {opts['order']}")
    for k in _per_order_outputs(opts):
        if k > opts["order"]:
            raise UsageError(f"-write{k} asks for order {k} but -order is {opts['order']}")
    vocab = None
    if opts["vocab"]:
        vocab = Vocabulary.read(opts["vocab"], opts["encoding"], unk_word=opts["map_unk"])
        if opts["tolower"]:  # SRILM's vocabulary lowercases the words it is given
            read_order = lowercase(vocab.read_order, opts["encoding"])
            vocab = vocab.like(read_order)
            vocab.read_order = read_order
    if opts["tagged"]:
        check_tagged(opts)
    if opts["prune"]:
        check_minprune(opts["minprune"])
    check_default_methods(opts)
    check_other_estimates(opts)
    aliases = None
    if opts["vocab_aliases"]:
        if opts["read_google"]:
            raise UsageError("-vocab-aliases applies to -text and -read, not to -read-google")
        aliases = read_aliases(opts["vocab_aliases"], opts["encoding"],
                               lambda message, line: warn(PROG, f"{opts['vocab_aliases']}:{line}: {message}"))
        if opts["tolower"]:
            aliases = dict(zip(lowercase(aliases, opts["encoding"]), lowercase(aliases.values(), opts["encoding"])))
        if vocab is not None:  # SRILM adds the aliased words to the vocabulary, the aliases as their names
            vocab = vocab.aliased(aliases)
    nonevents = ()
    if opts["nonevents"]:
        nonevents = read_nonevents(opts["nonevents"], opts["encoding"])
        if opts["tolower"]:
            nonevents = lowercase(nonevents, opts["encoding"])
        if vocab is not None:  # SRILM adds them to the vocabulary
            read_order, vocab = vocab.read_order, vocab.like(vocab.words + nonevents)
            vocab.read_order = read_order
    files = discount_files(opts)
    # as SRILM, discounts are fitted for a model, or (without one) for the orders a discount file
    # or a smoothing flag names
    fitted_orders = discounted_orders(opts, files)
    est = estimate_options(opts) if opts["lm"] or fitted_orders else None
    policy = SRILM
    if est is not None:
        _choose_file_methods(est, files)
        policy = DiscountFilePolicy(est.orders, {k: path for k, (_, path, _) in files.items()} if opts["lm"] else None,
                                    opts["kn_counts_modified"], nonevents, opts["meta_tag"], opts["trust_totals"])
    if opts["text"] and (opts["read"] or opts["read_google"]):
        raise UsageError(f"give -text or {'-read' if opts['read'] else '-read-google'}, not both")
    srilm_order = word_order = None
    if opts["read"] or opts["read_google"]:
        paths = list(opts["read"])
        if opts["read_google"]:
            from ..google_counts import google_count_files, limit_words

            google = google_count_files(opts["read_google"], opts["order"], limit_words(vocab, opts["limit_vocab"]))
            if opts["debug"] >= 1:
                sys.stderr.write("".join(f"reading {path}\n" for path in google))
            paths += google
        # mincounts and meta-count words are seen in the words as written, before -vocab
        as_written = opts["read_with_mincounts"] or opts["meta_tag"]
        source = read_counts(paths, count_order(opts), None if as_written else vocab, opts["limit_vocab"],
                             opts["encoding"], opts["float_counts"], unk_word=opts["map_unk"], tolower=opts["tolower"],
                             aliases=aliases, nonevents=nonevents)
        if opts["intersect"]:
            source = intersect_counts(read_counts([opts["intersect"]], count_order(opts), vocab, opts["limit_vocab"],
                                                  opts["encoding"], opts["float_counts"]), source)
        if opts["meta_tag"]:
            check_meta_words(source, opts["meta_tag"], paths)
        if opts["read_with_mincounts"]:
            source = min_counts_in_vocabulary(  # SRILM's read cutoffs are integers
                source, [int(min_count(opts, k)) for k in range(1, source.order + 1)], vocab, opts["limit_vocab"],
                opts["meta_tag"])
        elif as_written and vocab is not None:
            source = in_vocabulary(source, vocab, opts["limit_vocab"], opts["meta_tag"])
        if opts["read_with_mincounts"] and not (vocab or opts["intersect"] or opts["read_google"]
                                                or opts["float_counts"]):
            word_order = functools.partial(
                mincount_stream_word_order, [(functools.partial(count_blocks, paths, opts["encoding"]), 1,
                                              count_order(opts))],
                min_counts=[int(min_count(opts, k)) for k in range(1, count_order(opts) + 1)],
                meta_tag=opts["meta_tag"], nonevents=nonevents)
        elif not (vocab or opts["intersect"] or opts["read_google"]):
            if not (aliases or as_written):
                # SRILM's order of the counts, which its fractional totals and its lines of contexts show
                srilm_order = functools.partial(count_file_srilm_order, paths, encoding=opts["encoding"],
                                                nonevents=nonevents)
            word_order = functools.partial(count_file_word_order, paths, order=count_order(opts),
                                           encoding=opts["encoding"], nonevents=nonevents)
        elif vocab is not None and vocab.read_order is not None:
            # a closed vocabulary: SRILM numbers its words in file order, and no others
            word_order = functools.partial(_given_words, vocab.read_order, aliases or {}, nonevents)
    elif opts["text"]:
        if opts["meta_tag"] or opts["intersect"]:
            raise UsageError(f"{'-meta-tag' if opts['meta_tag'] else '-intersect'} applies to the count files of -read")
        source = opts["text"]
    else:
        raise UsageError("no input: give -text FILE or -read COUNTS")
    if opts["write_text"] and opts["text"]:  # as SRILM: the text is copied instead of counted
        if not _counts_to_stdout(opts):
            raise UsageError("-write-text copies -text without counting it: it takes no -lm, -write or other output")
        copy_text_lines(opts["text"], opts["write_text"])
        return
    if opts["write_vocab_index"]:
        write_index_map(opts, vocab or aliases or nonevents)
    if opts["tolower"] and opts["encoding"] == BYTES:
        warn(PROG, "-tolower with -encoding bytes lowercases ASCII letters only (as SRILM in the C locale); "
                   "name the text's encoding to lowercase other letters")
    weights = "last" if opts["text_has_weights_last"] else "first" if opts["text_has_weights"] else None
    if weights and opts["tagged"]:
        raise UsageError("-text-has-weights does not combine with -tagged")
    text = TextOptions(encoding=opts["encoding"], add_sos=not opts["no_sos"], add_eos=not opts["no_eos"],
                       tolower=opts["tolower"], vocab=vocab, map_unk=opts["map_unk"], aliases=aliases,
                       nonevents=tuple(nonevents),
                       tagged=opts["tagged"], float_counts=opts["float_counts"], weights=weights, allow_empty=True,
                       getline_skips=True)
    if opts["tagged"]:
        policy = tagged_policy(policy)
    quiet = opts["q"] or opts["quiet"]
    # -recompute changes text counts only without </s> (every other n-gram is followed)
    if _counts_to_stdout(opts) and opts["text"] and not (vocab or aliases or opts["sort"] or opts["memory"]
                                                         or opts["count_lm"] or opts["tagged"] or text.weights
                                                         or (opts["recompute"] and opts["no_eos"]) or est):
        # SRILM's unsorted order, which only a trie built as SRILM builds it gives. Files are written
        # sorted: filling that trie on one thread takes three times as long as counting in blocks.
        write_unsorted_counts(opts, text, quiet)
        return
    run_options = RunOptions(memory=opts["memory"], temp_dir=opts["temp_dir"], workers=opts["workers"],
                             quiet=quiet)
    if opts["count_lm"]:
        train_count_lm(opts, source, text, run_options, vocab)
        return
    if opts["skip"]:
        train_skip(opts, source, text, run_options, est, policy)
        return
    adjusted = []  # with -lm, SRILM writes the counts its estimate left (Kneser-Ney's continuation counts)

    def on_counts(counts):
        if aliases and counts.vocab.aliases != aliases:  # names of the counted words, as in SRILM's vocabulary
            counts.vocab = counts.vocab.aliased(aliases)
        report_text(opts, counts.text_totals)
        prepare_counts(counts, opts)
        if est is not None and not opts["lm"]:  # discounts alone: the counts as they leave them
            write_count_outputs(discounted_counts(counts, est, policy, stderr_warning, _trace(opts),
                                                  orders=fitted_orders), opts)
            return
        left = adjusted_count_tables(counts, est, policy) if est is not None and _writes_counts(opts) else counts
        if left is not counts:
            if opts["prune"]:  # the model may hold the counts' rows, which its pruning moves in place
                left.ngrams = [rows.copy() for rows in left.ngrams]
            adjusted.append(left)  # written once the model is: the raw counts are estimated from first
        else:
            write_count_outputs(counts, opts)  # before estimating, which frees the tables as it goes

    # the files appear once the estimate succeeds, as SRILM writes them then
    with held_outputs():
        # the estimate's warnings as SRILM prints them
        model = build(source, est if opts["lm"] else None, order=opts["order"], text=text, policy=policy,
                      run=run_options, output=_lm_output(opts), warn=stderr_warning, on_counts=on_counts,
                      prune=(opts["prune"], opts["minprune"]), trace=_trace(opts), srilm_order=srilm_order,
                      word_order=word_order)
        if model is not None and opts["debug"] >= 1 and not opts["write_binary_lm"]:
            sys.stderr.write("".join(f"writing {n} {k}-grams\n" for k, n in enumerate(model.sizes(), 1)))
        if adjusted:
            write_count_outputs(adjusted[0], opts)
        if files and not opts["lm"]:
            for k, (_, path, _) in files.items():
                if k in policy.methods:
                    write_discount_file(policy.methods[k], path)


def _given_words(vocab_words, aliases, nonevents, vocab):
    """The word ids of `vocab` in the order SRILM's Vocab numbers -vocab, -vocab-aliases and
    -nonevents (srilm_trie.srilm_given_words)."""
    from ..srilm_trie import srilm_given_words
    return srilm_given_words(vocab, vocab_words, aliases, nonevents)[0]


def write_index_map(opts, vocabulary_given):
    """-write-vocab-index: SRILM's index map of the words of -text or -read."""
    from ..srilm_trie import write_vocab_index

    others = [flag for flag, given in (("-vocab, -vocab-aliases or -nonevents", vocabulary_given),
                                       ("standard input (read twice)", "-" in (opts["read"] or opts["text"])),
                                       ("-intersect", opts["intersect"]), ("-read-google", opts["read_google"]),
                                       ("-tagged", opts["tagged"])) if given]
    if others:
        raise UsageError(f"-write-vocab-index is supported without {others[0]}")
    text = TextOptions(encoding=opts["encoding"], tolower=opts["tolower"], map_unk=opts["map_unk"])
    write_vocab_index(opts["read"] or opts["text"], text, opts["write_vocab_index"], count_files=bool(opts["read"]))


def check_tagged(opts):
    """SRILM's exclusions of -tagged."""
    excluded = [flag for flag, given in (("-float-counts", opts["float_counts"]), ("-skip", opts["skip"]),
                                         ("-count-lm", opts["count_lm"]), ("-read-google", opts["read_google"]))
                if given]
    if excluded:
        raise UsageError(f"-tagged does not combine with {excluded[0]}")


def tagged_policy(policy):
    """-tagged: the estimation `policy` with the tags as non-events."""
    from ..tagged_lm import TaggedPolicy
    return TaggedPolicy(policy)


def check_other_estimates(opts):
    """SRILM's refusals for -count-lm and -skip, before any counting."""
    if opts["skip"]:
        if opts["float_counts"] or opts["count_lm"]:
            raise UsageError("fractional counts, count LMs and skip N-gram models are mutually exclusive")
        if not opts["lm"]:
            raise UsageError("-skip needs -lm FILE, where the skip model goes")
        if opts["init_lm"] or opts["write_binary_lm"] or opts["memory"] or opts["prune"]:
            flag = ("-init-lm" if opts["init_lm"] else "-write-binary-lm" if opts["write_binary_lm"] else
                    "-memory" if opts["memory"] else "-prune")
            raise UsageError(f"-skip does not combine with {flag}")
        from ..skip_lm import check_skip_methods
        check_skip_methods(estimate_options(opts))
    if opts["count_lm"]:
        if opts["float_counts"]:
            raise UsageError("cannot use -float-counts with count-lm")
        if not opts["lm"]:
            raise UsageError("-count-lm needs -lm FILE, where the trained count LM goes")
        if not opts["init_lm"]:
            raise UsageError("count-lm estimation needs initial model (-init-lm FILE)")
    elif opts["init_lm"] and not opts["skip"]:
        raise UsageError("-init-lm is the initial model of -count-lm")


def train_count_lm(opts, source, text, run_options, vocab):
    """-count-lm: the counts (of -text or -read) are the held-out data of EM on -init-lm's weights;
    the trained parameters go to -lm, naming the init model's counts rather than copying them."""
    from ..count_lm import over_vocabulary, read_count_lm

    if isinstance(source, NgramCounts):
        counts = source
    else:
        counts = count_text(source, opts["order"], text, run_options)
    write_requested_counts(counts, opts)
    words = list(counts.vocab.words) + (list(vocab.words) if vocab else [])
    lm = read_count_lm(opts["init_lm"], opts["order"], words, opts["limit_vocab"], opts["unk"], opts["encoding"])
    lm.train(over_vocabulary(counts, lm), opts["em_iters"], opts["em_delta"], opts["debug"])
    lm.write(opts["lm"], with_counts=False)


def count_order(opts):
    """The order counted: -order, one more for -skip (its EM reads the (N+1)-grams)."""
    return opts["order"] + 1 if opts["skip"] else opts["order"]


def train_skip(opts, source, text, run_options, est, policy):
    """-skip: the counts of orders 1..N+1 (of -text or -read; -write and -writeN see them all)
    train a skip model of order N by EM (skip_lm.train_skip_lm), written to -lm."""
    from ..skip_lm import train_skip_lm

    counts = source if isinstance(source, NgramCounts) else count_text(source, count_order(opts), text, run_options)
    write_requested_counts(counts, opts)
    lm = train_skip_lm(counts, est, opts["skip_init"], opts["em_iters"], opts["em_delta"], policy,
                       lambda message: warn(PROG, message))
    lm.write(opts["lm"])


def main(argv=None):
    run(PROG, with_srilm_discount_failures(ngram_count), sys.argv[1:] if argv is None else argv, flags=FLAGS)


if __name__ == "__main__":
    main()
