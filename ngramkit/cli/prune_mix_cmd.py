"""`ngramkit prune`, `ngramkit mix` and `ngramkit prune-curve`: pruning and interpolating
existing ARPA models (the arithmetic is SRILM's, see prune.py and mixing.py)."""

import os
import sys

import click

from ..errors import UsageError
from ..formats import load, save
from ..mixing import format_lambdas, mix, shared_vocab, tuned_weights
from ..prune import Pruner
from ..report import pruning_curve
from ..textio import atomic_output
from .common import run


@click.command("prune")
@click.argument("lm")
@click.option("--output", "-o", required=True, help="ARPA file to write.")
@click.option("--threshold", "-t", type=float, default=None, help="SRILM's -prune: largest relative perplexity change of a removed n-gram.")
@click.option("--target-ngrams", type=int, default=None, help="Find the threshold that leaves at most this many n-grams (all orders).")
@click.option("--minprune", type=int, default=2, show_default=True, help="Lowest order that is pruned.")
@click.option("--order", type=int, default=None, help="Use orders up to this (default: the model's).")
def prune_cmd(lm, output, threshold, target_ngrams, minprune, order):
    """Entropy-prune the ARPA model LM (Stolcke; SRILM's ngram -prune)."""

    def body():
        if (threshold is None) == (target_ngrams is None):
            raise UsageError("give one of --threshold and --target-ngrams")
        model = load(lm, order=order)
        total = sum(model.sizes())
        # a fixed threshold needs only its decisions (a byte an n-gram); a target size, every change
        pruner = Pruner(model, minprune, threshold)
        theta = threshold if threshold is not None else pruner.threshold_for_size(target_ngrams)
        pruned = pruner.pruned(theta, in_place=True)
        save(pruned, output)
        sizes = " ".join(f"{k}-grams {n}" for k, n in enumerate(pruned.sizes(), 1))
        print(f"threshold {theta:.6g}: {sizes} ({sum(pruned.sizes())} of {total})", file=sys.stderr)

    run("ngramkit prune", body, flags={"minprune": "--minprune", "order": "--order"})


@click.command("mix")
@click.argument("lms", nargs=-1, required=True)
@click.option("--output", "-o", required=True, help="ARPA file to write: one merged backoff model.")
@click.option("--weights", "-w", default=None, help="Weights of the models, e.g. '0.6 0.4' (default: equal, or tuned).")
@click.option("--tune", default=None, help="Held-out text: choose the weights that minimise its perplexity (EM).")
@click.option("--order", type=int, default=None, help="Use orders up to this (default: the models').")
def mix_cmd(lms, output, weights, tune, order):
    """Interpolate ARPA models LMS into one backoff model (SRILM's ngram -mix-lm)."""

    def body():
        if weights is not None and tune is not None:
            raise UsageError("give --weights or --tune, not both")
        models = shared_vocab([load(path, order=order) for path in lms])
        lam = None
        if tune is not None:
            lam, stats = tuned_weights(models, tune, report=lambda i, l, p: print(
                f"iteration {i}, lambda = {format_lambdas(l)}, ppl = {p:g}", file=sys.stderr))
            print(f"best lambda {format_lambdas(lam)}; {tune}: {stats.srilm_text()}", end="", file=sys.stderr)
        elif weights is not None:
            lam = weights.replace(",", " ").split()
        save(mix(models, lam, consume=True), output)

    run("ngramkit mix", body, flags={"models": "LMS"})


DEFAULT_THRESHOLDS = "1e-10 3e-10 1e-9 3e-9 1e-8 3e-8 1e-7 3e-7 1e-6 3e-6 1e-5"


@click.command("prune-curve")
@click.argument("lm")
@click.argument("text")
@click.option("--output", "-o", required=True, help="PNG file to write.")
@click.option("--thresholds", default=DEFAULT_THRESHOLDS, show_default=True, help="Pruning thresholds to try.")
@click.option("--minprune", type=int, default=2, show_default=True, help="Lowest order that is pruned.")
def prune_curve_cmd(lm, text, output, thresholds, minprune):
    """Plot the perplexity of TEXT against the size of LM pruned at a range of thresholds."""

    def body():
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise UsageError("prune-curve needs matplotlib: pip install 'ngramkit[plot]'") from None
        thetas = sorted(float(t) for t in thresholds.replace(",", " ").split())
        print("threshold\tn-grams\tppl")

        def show(point):
            size, ppl, theta = point
            print(f"{theta:g}\t{size}\t{ppl:.7g}", flush=True)

        points = pruning_curve(load(lm), text, thetas, minprune, show)
        fig, ax = plt.subplots(figsize=(7, 4.5))
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o")
        labelled = None
        for size, ppl, theta in sorted(points):
            # label only points that stand apart, so the labels stay readable
            if labelled is None or size > labelled * 1.12:
                ax.annotate(f"{theta:g}" if theta else "unpruned", (size, ppl), textcoords="offset points",
                            xytext=(4, 4), fontsize=7)
                labelled = size
        ax.set_xscale("log")
        ax.set_xlabel("n-grams")
        ax.set_ylabel(f"perplexity of {os.path.basename(text)}")
        ax.set_title(f"Entropy pruning of {os.path.basename(lm)} (labels: threshold)")
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        with atomic_output(output) as out:
            fig.savefig(out, format="png", dpi=120)
        plt.close(fig)

    run("ngramkit prune-curve", body)


COMMANDS = [prune_cmd, mix_cmd, prune_curve_cmd]
