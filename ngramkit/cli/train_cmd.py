"""`ngramkit train` (text in, ARPA out, sensible defaults) and `ngramkit info` (what a model holds)."""

import os

import click

from ..arpa import write_arpa
from ..binary import is_binary
from ..counting import TextOptions, count_text, parse_memory
from ..spill import spill_directory
from ..estimate import EstimateOptions, estimate
from ..lm import Model
from ..vocab import Vocabulary
from .common import run, warn

METHODS = {
    "kn": "modified Kneser-Ney",
    "ukn": "original Kneser-Ney",
    "wb": "Witten-Bell",
    "gt": "Good-Turing (Katz)",
    "abs": "absolute discounting (--discount)",
    "add": "additive smoothing (--discount is the added count)",
}
_METHOD_NAMES = {"kn": "kn", "ukn": "ukn", "wb": "wb", "gt": "gt", "abs": "cdiscount", "add": "addsmooth"}


def estimate_options(order, method, backoff, min_counts, discount, unk):
    """EstimateOptions for `ngramkit train`: no cutoffs unless asked, interpolated unless --backoff."""
    options = EstimateOptions.srilm(order, _METHOD_NAMES[method], interpolate=not backoff and method != "gt",
                                    unk=unk)
    for k, oo in enumerate(options.orders, start=1):
        oo.min_count = min_counts[k - 1] if k <= len(min_counts) else (min_counts[-1] if min_counts else 1)
        if method in ("abs", "add"):
            oo.value = discount
    return options


@click.command("train")
@click.option("--text", "texts", multiple=True, required=True, help="Training text (one sentence per line).")
@click.option("--arpa", "-o", "output", required=True, help="ARPA file to write (.gz compresses).")
@click.option("--order", default=3, show_default=True, help="Highest n-gram order.")
@click.option("--method", type=click.Choice(sorted(METHODS)), default="kn", show_default=True,
              help="Smoothing: " + "; ".join(f"{k}: {v}" for k, v in METHODS.items()) + ".")
@click.option("--backoff", is_flag=True, help="Backoff form instead of interpolated.")
@click.option("--min-count", "min_counts", default="1", show_default=True,
              help="Cutoffs per order, e.g. '1 1 2' (the last repeats): n-grams seen fewer times are dropped.")
@click.option("--discount", default=0.5, show_default=True, help="The constant of --method abs or add.")
@click.option("--vocab", default=None, help="Vocabulary file: other words become <unk>.")
@click.option("--unk", is_flag=True, help="Keep <unk> as a word of the model (open vocabulary).")
@click.option("--kenlm", is_flag=True, help="Estimate exactly as KenLM's lmplz (see ngramkit lmplz).")
@click.option("--workers", "-j", default=0, help="Counting threads (default: one per core, up to 4).")
@click.option("--memory", "-S", default=None, help="Memory bound for counting and estimation, e.g. 1G.")
@click.option("--temp-dir", "-T", default=None, help="Where spilled runs go.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
def train(texts, output, order, method, backoff, min_counts, discount, vocab, unk, kenlm, workers, memory,
          temp_dir, quiet):
    """Train an n-gram model from text and write it as ARPA (default: interpolated modified
    Kneser-Ney, order 3, no count cutoffs)."""

    def body():
        if kenlm:
            from .lmplz_cmd import build_lmplz

            if len(texts) != 1 or vocab or method != "kn":
                raise click.UsageError("--kenlm takes one --text and no --vocab or --method")
            build_lmplz(order, texts[0], output, memory=memory, temp_prefix=temp_dir, workers=workers,
                        quiet=quiet)
            return
        cutoffs = [int(c) for c in min_counts.split()]
        vocabulary = Vocabulary.read(vocab)[0] if vocab else None
        options = TextOptions(vocab=vocabulary, memory=parse_memory(memory) if memory else None,
                              tmpdir=temp_dir, workers=workers, quiet=quiet)
        with spill_directory(options.memory, temp_dir) as spill_dir:
            counts = count_text(list(texts), order, options, spill_dir)
            model = estimate(counts, estimate_options(order, method, backoff, cutoffs, discount, unk),
                             warn=lambda message: warn("ngramkit train", message), consume=True,
                             spill_dir=spill_dir)
            write_arpa(model, output)  # the model may still hold memory-mapped count rows
        if not quiet:
            sizes = ", ".join(f"{k}-grams {n}" for k, n in enumerate(model.sizes(), start=1))
            click.echo(f"wrote {output}: order {model.order}, {sizes}", err=True)

    run("ngramkit train", body)


def model_summary(path):
    """Lines describing the model at `path`: format, size on disk, orders and n-gram counts, vocabulary."""
    model = Model(path)
    lines = [f"file: {path}",
             f"format: {'ngramkit binary' if is_binary(path) else 'ARPA'}, {os.path.getsize(path)} bytes",
             f"order: {model.order}"]
    lines += [f"ngram {k}={n}" for k, n in enumerate(model.sizes, start=1)]
    lines.append(f"n-grams: {sum(model.sizes)}")
    lines.append(f"vocabulary: {model.sizes[0]} words (with <s> and </s>); "
                 f"<unk> {'in' if '<unk>' in model.unigrams else 'not in'} the model")
    return lines


@click.command("info")
@click.argument("lm")
def info(lm):
    """Orders, n-gram counts, size and vocabulary of an ARPA or binary model."""
    run("ngramkit info", lambda: click.echo("\n".join(model_summary(lm))))


COMMANDS = [train, info]
