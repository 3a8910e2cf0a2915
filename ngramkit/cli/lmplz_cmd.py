"""`lmplz` (also `ngramkit lmplz`): KenLM's lmplz on our pipeline, with its options and its numbers.

Text comes from stdin (or --text), the ARPA file goes to stdout (or --arpa), and
lmplz's `Statistics:` block (n-gram counts and discounts per order) goes to stderr.

The options parse as boost::program_options parses lmplz's: `-o 3`, `-o3`, `--order=3`;
`--prune` and `--discount_fallback` take the numbers that follow them; arguments that are
no option's value are ignored, as lmplz ignores them (recipes pass `-` or an empty string).
-s/--sort_block, --minimum_block, --block_count and --vocab_estimate size KenLM's sorting
and hash tables, not the model: they are checked and have no effect here. --renumber changes
KenLM's internal word ids only, so the ARPA file is the same with it.
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
UNSUPPORTED = {
    "--vocab_pad": "(padding the vocabulary with <unk>) is not supported",
    "--verbose_header": "(comment lines before \\data\\) is not supported",
    "--intermediate": "(KenLM's intermediate n-gram files) is not supported; write ARPA with --arpa",
    "--collapse_values": "(collapsed q values instead of probabilities and backoffs) is not supported",
}
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
                limit_vocab_file=None, vocab_pad=0, unsupported=()):
    """lmplz's options as given on its command line: estimate, write the ARPA file, print the
    Statistics block (unless quiet); returns the model. `unsupported`: the flags given that
    ask for an output this pipeline does not make."""
    if vocab_pad:
        unsupported = (*unsupported, "--vocab_pad")
    if unsupported:
        raise UsageError(f"{unsupported[0]} {UNSUPPORTED[unsupported[0]]}")
    fallback = None if discount_fallback is None else (discount_fallback.split() or True)
    model = estimate_lmplz(text, order, prune=prune.split(), discount_fallback=fallback,
                           interpolate_unigrams=interpolate_unigrams, skip_symbols=skip_symbols,
                           limit_vocab=limit_vocab_file, memory=lmplz_memory(memory) if memory else None,
                           temp_dir=temp_prefix, workers=workers, progress=not quiet, output=arpa,
                           warn=lambda message: warn(PROG, message))
    if not quiet:
        print("\n".join(lmplz_statistics(model)), file=sys.stderr)
    return model


def _checked_size(ctx, param, value):
    if value is not None:
        try:
            lmplz_memory(value)
        except UsageError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


@click.command("lmplz", cls=LmplzCommand, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option("--vocab_pad", type=int, default=0, help="Pad the vocabulary with <unk> to this size (only 0).")
@click.option("--sort_block", "-s", callback=_checked_size, help="KenLM's sort I/O size (no effect).")
@click.option("--minimum_block", callback=_checked_size, help="KenLM's smallest block (no effect).")
@click.option("--block_count", type=int, help="KenLM's blocks per order (no effect).")
@click.option("--vocab_estimate", type=int, help="KenLM's vocabulary size guess (no effect).")
@click.option("--renumber", is_flag=True, help="KenLM's id renumbering (the ARPA file is the same).")
@click.option("--verbose_header", is_flag=True, help="Not supported.")
@click.option("--intermediate", default=None, help="Not supported.")
@click.option("--collapse_values", is_flag=True, help="Not supported.")
@click.argument("ignored", nargs=-1)
def lmplz(order, text, arpa, prune, discount_fallback, interpolate_unigrams, limit_vocab_file, skip_symbols,
          memory, temp_prefix, workers, quiet, vocab_pad, sort_block, minimum_block, block_count, vocab_estimate,
          renumber, verbose_header, intermediate, collapse_values, ignored):
    """Estimate an interpolated modified Kneser-Ney model exactly as KenLM's lmplz does."""
    unsupported = [flag for flag, given in (("--verbose_header", verbose_header),
                                            ("--intermediate", intermediate is not None),
                                            ("--collapse_values", collapse_values)) if given]
    run(PROG, build_lmplz, order, text, arpa, prune, discount_fallback, interpolate_unigrams,
        skip_symbols, memory, temp_prefix, workers, quiet, limit_vocab_file, vocab_pad, unsupported, flags=FLAGS)


def main():
    """The `lmplz` console script."""
    lmplz.main(prog_name="lmplz")


COMMANDS = [lmplz]
