"""`ngramkit precompile`: fill the compiled-code cache ahead of the first real run."""

import click

from ..precompile import PARTS, precompile
from .common import run


@click.command("precompile")
@click.argument("parts", nargs=-1, type=click.Choice(PARTS))
def precompile_cmd(parts):
    """Compile and cache the kernels of PARTS (default: all) by running them on a tiny model.

    The first run of a command on a fresh installation otherwise spends most of its time
    compiling; run this once when building a container image, or in the background while a
    recipe's first stages run."""
    run("ngramkit precompile", precompile, parts or PARTS)


COMMANDS = [precompile_cmd]
