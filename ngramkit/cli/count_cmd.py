"""`ngramkit count` and `ngramkit merge-counts`."""

import click

from ..countfile import read_counts, write_counts
from ..counting import TextOptions
from ..training import count as count_ngrams
from .common import run


@click.command("count")
@click.option("--order", "-o", default=3, show_default=True, help="Highest n-gram order.")
@click.option("--text", "texts", multiple=True, required=True, help="Text file(s); - for stdin.")
@click.option("--write", "output", required=True, help="Count file to write (.gz compresses).")
@click.option("--memory", "-S", default=None, help="Memory bound for counting, e.g. 1G.")
@click.option("--temp-dir", "-T", default=None, help="Where spilled runs go.")
@click.option("--tolower", is_flag=True, help="Lowercase all words.")
@click.option("--encoding", default="utf-8", show_default=True)
@click.option("--workers", "-j", default=0, help="Counting threads (default: one per core, up to 4), "
              "or Dask workers with --scheduler local.")
@click.option("--scheduler", default=None,
              help="Count on a Dask cluster: tcp://host:8786, or 'local' for a LocalCluster.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
def count(order, texts, output, memory, temp_dir, tolower, encoding, workers, scheduler, quiet):
    """Count n-grams of orders 1..ORDER and write them in SRILM's count format."""

    def body():
        if scheduler:
            from ..distributed import count_text_distributed

            counts = count_text_distributed(list(texts), order, TextOptions(encoding=encoding, tolower=tolower),
                                            scheduler, workers or 2)
        else:
            counts = count_ngrams(list(texts), order, tolower=tolower, encoding=encoding, memory=memory,
                                  temp_dir=temp_dir, workers=workers, progress=not quiet)
        write_counts(counts, output)

    run("ngramkit count", body, flags={"memory": "--memory", "order": "--order"})


@click.command("merge-counts")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--write", "output", required=True, help="Merged count file.")
def merge_counts(inputs, output):
    """Sum count files (SRILM's ngram-merge)."""
    run("ngramkit merge-counts", lambda: write_counts(read_counts(list(inputs)), output))


COMMANDS = [count, merge_counts]
