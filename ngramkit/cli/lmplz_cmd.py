"""`ngramkit lmplz`: KenLM's lmplz on our pipeline, with its options and its numbers.

Text comes from stdin (or --text), the ARPA file goes to stdout (or --arpa), and
lmplz's `Statistics:` block (n-gram counts and discounts per order) goes to stderr.
"""

import os
import sys

import click

from ..counting import parse_memory
from ..errors import UsageError
from ..training import lmplz as estimate_lmplz
from ..training import lmplz_statistics
from .common import run, warn

PROG = "ngramkit lmplz"
MULTI_VALUE_OPTIONS = ("--prune", "--discount_fallback")
FLAGS = {"order": "--order", "prune": "--prune", "discount_fallback": "--discount_fallback",
         "skip_symbols": "--skip_symbols", "memory": "--memory"}


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


def build_lmplz(order, text="-", arpa="-", prune="", discount_fallback=None, interpolate_unigrams=True,
                skip_symbols=False, memory=None, temp_prefix=None, workers=0, quiet=False,
                limit_vocab_file=None):
    """lmplz's options as given on its command line: estimate, write the ARPA file, print the
    Statistics block (unless quiet); returns the model."""
    fallback = None if discount_fallback is None else (discount_fallback.split() or True)
    model = estimate_lmplz(text, order, prune=prune.split(), discount_fallback=fallback,
                           interpolate_unigrams=interpolate_unigrams, skip_symbols=skip_symbols,
                           limit_vocab=limit_vocab_file, memory=lmplz_memory(memory) if memory else None,
                           temp_dir=temp_prefix, workers=workers, progress=not quiet, output=arpa,
                           warn=lambda message: warn(PROG, message))
    if not quiet:
        print("\n".join(lmplz_statistics(model)), file=sys.stderr)
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
        skip_symbols, memory, temp_prefix, workers, quiet, limit_vocab_file, flags=FLAGS)


COMMANDS = [lmplz]
