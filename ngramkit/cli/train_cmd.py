"""`ngramkit train` (text in, ARPA out, sensible defaults) and `ngramkit info` (what a model holds)."""

import os

import click

from ..binary import is_binary
from ..estimate.smoothing import METHODS, method_names, smoothing_method
from ..lm import Model
from ..training import train as train_model
from .common import run, warn

FLAGS = {"order": "--order", "discount": "--discount", "cutoffs": "--min-count", "kenlm": "--kenlm",
         "memory": "--memory", "discount_fallback": "--discount-fallback"}


@click.command("train")
@click.option("--text", "texts", multiple=True, required=True, help="Training text (one sentence per line).")
@click.option("--arpa", "-o", "output", required=True, help="Model file to write (.gz compresses; .ngk: binary).")
@click.option("--order", default=3, show_default=True, help="Highest n-gram order.")
@click.option("--method", type=click.Choice(method_names()), default="kn", show_default=True,
              help="Smoothing: " + "; ".join(f"{m.name} ({', '.join(m.aliases)}): {m.title}" for m in METHODS) + ".")
@click.option("--backoff", is_flag=True, help="Backoff form instead of interpolated.")
@click.option("--min-count", "min_counts", default="1", show_default=True,
              help="Cutoffs per order, e.g. '1 1 2' (the last repeats): n-grams seen fewer times are dropped.")
@click.option("--discount", default=0.5, show_default=True, help="The constant of absolute discounting or additive smoothing.")
@click.option("--vocab", default=None, help="Vocabulary file: other words become <unk>.")
@click.option("--unk", is_flag=True, help="Keep <unk> as a word of the model (open vocabulary).")
@click.option("--kenlm", is_flag=True, help="Estimate exactly as KenLM's lmplz (see ngramkit lmplz).")
@click.option("--workers", "-j", default=0, help="Counting threads (default: one per core, up to 4).")
@click.option("--memory", "-S", default=None, help="Memory bound for counting and estimation, e.g. 1G.")
@click.option("--temp-dir", "-T", default=None, help="Where spilled runs go.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
def train(texts, output, order, method, backoff, min_counts, discount, vocab, unk, kenlm, workers, memory,
          temp_dir, quiet):
    """Train an n-gram model from text and write it (default: interpolated modified Kneser-Ney,
    order 3, no count cutoffs)."""

    def body():
        entry = smoothing_method(method)
        model = train_model(list(texts), order=order, method=entry.name, interpolate=not backoff,
                            cutoffs=[int(c) for c in min_counts.split()],
                            discount=discount if entry.takes_value else None, vocab=vocab, unk=unk, kenlm=kenlm,
                            memory=memory, temp_dir=temp_dir, workers=workers, progress=not quiet,
                            output=output, warn=lambda message: warn("ngramkit train", message))
        if not quiet:
            sizes = ", ".join(f"{k}-grams {n}" for k, n in enumerate(model.sizes(), start=1))
            click.echo(f"wrote {output}: order {model.order}, {sizes}", err=True)

    run("ngramkit train", body, flags=FLAGS)


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
