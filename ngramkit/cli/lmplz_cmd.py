"""`ngramkit lmplz`: KenLM's lmplz on our pipeline, with its options and its numbers.

Text comes from stdin (or --text), the ARPA file goes to stdout (or --arpa), and
lmplz's `Statistics:` block (n-gram counts and discounts per order) goes to stderr.
"""

import os
import re
import sys
import tempfile

import click
import numpy as np

from ..arpa import write_arpa
from ..counting import TextOptions, count_text, parse_memory
from ..spill import spill_directory
from ..errors import FormatError, UsageError
from ..estimate import EstimateOptions, OrderOptions, estimate
from ..estimate.policy import KenlmPolicy, check_fallback, parse_prune
from ..textio import iter_lines, open_input, read_blocks
from ..vocab import BOS, EOS, UNK
from .common import run, warn

PROG = "ngramkit lmplz"
MULTI_VALUE_OPTIONS = ("--prune", "--discount_fallback")
SPECIAL_TOKENS = re.compile(rb"(?<!\S)(?:<s>|</s>|<unk>)(?!\S)")
TOKEN = re.compile(r"[^ \t\r\v\f]+")  # what counting takes as a word (see ngramkit.tokenize)


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def join_multi_values(args):
    """lmplz takes `--prune 0 1 1` and `--discount_fallback [d1 d2 d3]`; click takes one value
    per option, so the numbers after such an option become one space-separated value."""
    out, i = [], 0
    while i < len(args):
        name, eq, value = args[i].partition("=")
        i += 1
        if name not in MULTI_VALUE_OPTIONS:
            out.append(args[i - 1])
            continue
        values = [value] if eq else []
        while i < len(args) and _is_number(args[i]):
            values.append(args[i])
            i += 1
        out += [name, " ".join(values)]
    return out


class LmplzCommand(click.Command):
    def parse_args(self, ctx, args):
        return super().parse_args(ctx, join_multi_values(args))


def lmplz_memory(text):
    """lmplz's -S: a size with unit b/K/M/G/T (no unit: K), or a percentage of physical memory."""
    s = str(text).strip()
    if s.endswith("%"):
        try:
            share = float(s[:-1]) / 100.0
        except ValueError:
            raise UsageError(f"cannot read memory size {text!r}") from None
        return int(share * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    if s.isdigit():
        return int(s) << 10
    return parse_memory(s)


def strip_special_tokens(source, workdir):
    """--skip_symbols: a copy of the text with <s>, </s> and <unk> turned into spaces."""
    fd, path = tempfile.mkstemp(prefix="lmplz-text-", suffix=".txt", dir=workdir)
    tail = b""
    with os.fdopen(fd, "wb") as out, open_input(source) as stream:
        for block in read_blocks(stream, source):
            block = tail + block
            cut = block.rfind(b"\n") + 1
            tail = block[cut:]
            out.write(SPECIAL_TOKENS.sub(b" ", block[:cut]))
        out.write(SPECIAL_TOKENS.sub(b" ", tail))
    return path


def read_limit_vocab(path):
    """--limit_vocab_file: the words of `path`, separated by whitespace as in the text. lmplz
    would take an empty file as keeping only <s>, </s> and <unk>; that is refused as a mistake."""
    words = set()
    for _, line in iter_lines(path):
        words.update(TOKEN.findall(line))
    if not words:
        raise FormatError("the vocabulary file holds no words", path)
    return words


def check_special_tokens(counts, source):
    """lmplz refuses text that holds <s>, </s> or <unk> (our counting takes a line's leading
    <s> and trailing </s> as its sentence marks, so only other places are seen)."""
    vocab = counts.vocab
    unigrams = counts.ngrams[0][:, 0]
    found = None
    if np.any(counts.counts[0][unigrams == vocab.unk] > 0):
        found = UNK
    elif counts.order > 1:
        bigrams = counts.ngrams[1]
        if np.any(bigrams[:, 1] == vocab.bos):
            found = BOS
        elif np.any(bigrams[:, 0] == vocab.eos):
            found = EOS
    if found:
        raise FormatError(f"special word {found} is not allowed in the corpus; --skip_symbols "
                          "turns <s>, </s> and <unk> into whitespace", source)


def count_statistics(counts):
    """What lmplz's stderr summary reads from the counts: unigram tokens and types, and the
    number of n-grams of each order (types for unigrams)."""
    vocab = counts.vocab
    unigrams = counts.ngrams[0][:, 0]
    sentence_marks = np.isin(unigrams, [vocab.bos, vocab.eos])
    types = len(unigrams) + (0 if vocab.unk in unigrams else 1)  # before --limit_vocab_file
    tokens = int(counts.counts[0][~sentence_marks].sum())
    return tokens, types, [types] + [len(c) for c in counts.counts[1:]]


def statistics_lines(statistics, model, discounts):
    """lmplz's stderr summary: tokens and types, then per order `k kept[/all] D1= D2= D3+=`."""
    tokens, types, sizes = statistics
    lines = [f"Unigram tokens {tokens} types {types}", "Statistics:"]
    for k, kept in enumerate(model.sizes(), start=1):
        total = sizes[k - 1]
        size = str(kept) if kept == total else f"{kept}/{total}"
        d1, d2, d3 = (float(d) for d in discounts[k])
        lines.append(f"{k} {size} D1={d1:g} D2={d2:g} D3+={d3:g}")
    return lines


def build_lmplz(order, text="-", arpa="-", prune="", discount_fallback=None, interpolate_unigrams=True,
                skip_symbols=False, memory=None, temp_prefix=None, workers=0, quiet=False,
                limit_vocab_file=None):
    """Count `text`, estimate as lmplz does and write the ARPA file; returns the model."""
    if order < 1:
        raise UsageError(f"the order must be at least 1, not {order}")
    limit_vocab = None if limit_vocab_file is None else read_limit_vocab(limit_vocab_file)
    policy = KenlmPolicy(parse_prune(prune.split(), order), limit_vocab)
    fallback = None if discount_fallback is None else check_fallback(
        discount_fallback.split() or ["0.5", "1", "1.5"])
    text_options = TextOptions(memory=lmplz_memory(memory) if memory else None, tmpdir=temp_prefix,
                               workers=workers, quiet=quiet)
    orders = [OrderOptions("kn", interpolate=k > 1 or interpolate_unigrams, min_count=1)
              for k in range(1, order + 1)]
    options = EstimateOptions(order=order, orders=orders, unk=True, discount_fallback=fallback)
    with spill_directory(text_options.memory, temp_prefix) as spill_dir:
        if skip_symbols:
            stripped = strip_special_tokens(text, temp_prefix)
            try:
                counts = count_text([stripped], order, text_options, spill_dir)
            finally:
                os.unlink(stripped)
        else:
            counts = count_text([text], order, text_options, spill_dir)
            check_special_tokens(counts, text)
        statistics = count_statistics(counts)
        model = estimate(counts, options, policy, warn=lambda message: warn(PROG, message), consume=True,
                         spill_dir=spill_dir)
        if not quiet:
            print("\n".join(statistics_lines(statistics, model, policy.discounts)), file=sys.stderr)
        # the model may still hold memory-mapped count rows
        write_arpa(model, arpa, style="kenlm")
    return model


@click.command("lmplz", cls=LmplzCommand)
@click.option("--order", "-o", type=int, required=True, help="Order of the model.")
@click.option("--text", default="-", show_default=True, help="Text to read (plain or compressed); - is stdin.")
@click.option("--arpa", default="-", show_default=True, help="ARPA file to write; - is stdout.")
@click.option("--prune", default="", metavar="T1 T2 ...",
              help="Prune n-grams of order k with raw count <= Tk; non-decreasing, the last one "
                   "applies to higher orders, T1 must be 0 (unigrams are never pruned).")
@click.option("--discount_fallback", default=None, metavar="[D1 [D2 [D3+]]]",
              help="Discounts to use where the closed-form estimate fails (default 0.5 1 1.5).")
@click.option("--interpolate_unigrams", type=click.BOOL, default=True, is_flag=False, flag_value=True,
              show_default=True,
              help="Interpolate unigrams with the uniform distribution; 0 gives the weight to <unk>.")
@click.option("--limit_vocab_file", default=None, metavar="FILE",
              help="Keep only the words of FILE (separated by whitespace) and <s>, </s>, <unk>; "
                   "n-grams holding any other word are pruned, their counts still feed the rest.")
@click.option("--skip_symbols", is_flag=True, help="Treat <s>, </s> and <unk> in the text as whitespace.")
@click.option("--memory", "-S", default=None, help="Memory bound for counting and estimation (lmplz units: 2G, 500M, 80%).")
@click.option("--temp_prefix", "-T", default=None, help="Directory for temporary files.")
@click.option("--workers", "-j", default=0, help="Counting threads (default: one per core, up to 4).")
@click.option("--quiet", "-q", is_flag=True, help="Nothing on stderr but errors.")
def lmplz(order, text, arpa, prune, discount_fallback, interpolate_unigrams, limit_vocab_file, skip_symbols,
          memory, temp_prefix, workers, quiet):
    """Estimate an interpolated modified Kneser-Ney model exactly as KenLM's lmplz does."""
    run(PROG, build_lmplz, order, text, arpa, prune, discount_fallback, interpolate_unigrams,
        skip_symbols, memory, temp_prefix, workers, quiet, limit_vocab_file)


COMMANDS = [lmplz]
