"""`ngramkit`: the command group for new users. Each subcommand is a thin layer
over the library; subcommands live beside the code they drive and are added here."""

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ngramkit")
def main():
    """N-gram language models for speech recognition."""


def _register():
    from . import (
        arpa2fst,
        count_cmd,
        lmplz_cmd,
        model_cmd,
        precompile_cmd,
        prune_mix_cmd,
        report_cmd,
        segment_cmd,
        train_cmd,
        vocab_cmd,
    )

    for module in (arpa2fst, count_cmd, lmplz_cmd, model_cmd, precompile_cmd, prune_mix_cmd, report_cmd,
                   segment_cmd, train_cmd, vocab_cmd):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
