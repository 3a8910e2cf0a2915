"""`ngramkit draw` and `ngramkit report`: pictures of a G.fst or a model's automaton, and one
HTML page on a model and a text (see draw.py and report.py)."""

import sys

import click

from ..draw import LAYOUTS, draw
from ..report import DEFAULT_THRESHOLDS, write_report
from .common import run


@click.command("draw")
@click.argument("source")
@click.option("--output", "-o", required=True, help="Picture to write: .svg, .png or .dot.")
@click.option("--around", default=None, help="Draw only the neighbourhood of this history, e.g. 'the old' ('' for the empty history).")
@click.option("--depth", type=int, default=1, show_default=True, help="Word arcs to follow from the history.")
@click.option("--probabilities", "-p", is_flag=True, help="Label arcs with probabilities (and backoff weights) instead of tropical weights.")
@click.option("--symbols", default=None, help="words.txt for a G.fst without its own table, or to label an ARPA model's G.")
@click.option("--disambig-symbol", default="#0", show_default=True, help="For an ARPA model: the symbol on backoff arcs ('' for <eps>, Kaldi's G without one).")
@click.option("--max-states", type=int, default=60, show_default=True, help="Refuse to draw more states than this.")
@click.option("--max-arcs", type=int, default=120, show_default=True, help="Refuse to draw more arcs than this.")
@click.option("--layout", type=click.Choice(LAYOUTS), default="auto", show_default=True, help="layered: igraph and matplotlib; graphviz: Graphviz's dot; auto: Graphviz when dot is installed.")
@click.option("--title", default=None, help="A title above the picture.")
def draw_cmd(source, output, around, depth, probabilities, symbols, disambig_symbol, max_states, max_arcs, layout, title):
    """Draw SOURCE, a G.fst or an ARPA model (its G as arpa2fst builds it): states labelled with
    their histories, word arcs with weights, backoff arcs dashed, start and final states marked."""

    def body():
        picture = draw(source, output, around, depth, symbols, disambig_symbol or None, probabilities,
                       max_states, max_arcs, layout, title=title)
        print(f"{output}: {len(picture.states)} states, {len(picture.arcs)} arcs", file=sys.stderr)

    run("ngramkit draw", body)


@click.command("report")
@click.argument("model")
@click.option("--output", "-o", required=True, help="HTML file to write.")
@click.option("--text", default=None, help="Held-out text: perplexity, OOVs, the worst sentences.")
@click.option("--vs", default=None, help="A second ARPA model to compare with, side by side.")
@click.option("--prune-curve", "prune", is_flag=True, help="Add a pruning curve of MODEL on --text.")
@click.option("--thresholds", default=" ".join(f"{t:g}" for t in DEFAULT_THRESHOLDS), show_default=True, help="Pruning thresholds of the curve.")
@click.option("--minprune", type=int, default=2, show_default=True, help="Lowest order that is pruned.")
@click.option("--worst", type=int, default=12, show_default=True, help="Sentences to show in each list.")
@click.option("--unk", "unk_word", default=None, help="The unknown-word token of the models (default <unk>).")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of the ARPA models and the text; 'bytes': words as SRILM's byte strings (bytes that are not UTF-8 shown as \\xNN).")
def report_cmd(model, output, text, vs, prune, thresholds, minprune, worst, unk_word, quiet, encoding):
    """Write one self-contained HTML report on the ARPA model MODEL (opens offline, prints).
    --encoding bytes reads the models and the text as ngram -encoding bytes does."""

    def body():
        values = [float(t) for t in thresholds.replace(",", " ").split()]
        write_report(output, model, text=text, vs=vs, prune=prune, thresholds=values, minprune=minprune,
                     worst=worst, unk_word=unk_word, quiet=quiet, encoding=encoding)
        if not quiet:
            print(f"report written to {output}", file=sys.stderr)

    run("ngramkit report", body)


COMMANDS = [draw_cmd, report_cmd]
