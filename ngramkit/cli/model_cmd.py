"""`ngramkit ppl`: perplexity with SRILM's figures plus cross-entropy."""

import sys

import click

from ..formats import load, save
from ..perplexity import PerplexityScorer
from .common import run


@click.command("ppl")
@click.argument("lm")
@click.argument("text")
@click.option("--order", "-o", type=int, default=None, help="Use orders up to this (default: the model's).")
def ppl(lm, text, order):
    """Perplexity of TEXT (one sentence per line) under the ARPA model LM."""

    def body():
        model = load(lm, order=order)
        stats = PerplexityScorer(model).score_file(text)
        bits = stats.bits_per_word()
        lines = [
            f"file {text}: {stats.srilm_text()}".rstrip("\n"),
            f"cross-entropy= {'undefined' if bits is None else f'{bits:.7g}'} bits per word (including </s>)",
        ]
        sys.stdout.write("\n".join(lines) + "\n")

    run("ngramkit ppl", body)


@click.command("build-binary")
@click.argument("arpa")
@click.argument("binary")
def build_binary(arpa, binary):
    """Convert the model ARPA into a binary model file BINARY, which
    `ngramkit.Model` and `ngramkit.load` memory-map instead of parsing."""
    run("ngramkit build-binary", lambda: save(load(arpa), binary, "ngk"))


COMMANDS = [ppl, build_binary]
