"""`arpa2fst`: Kaldi's arpa2fst, same options (`--name=value`, `--flag`, `--flag=false`).

    arpa2fst [options] <input-arpa> [<output-fst>]

The output is an OpenFst binary FST (stdout if omitted or `-`); `--text` writes
OpenFst's text form instead, with a weight on every line.
"""

import sys
from dataclasses import dataclass

import click

from ..errors import UsageError
from ..fst import write_arpa_fst
from .common import run, warn

PROG = "arpa2fst"


@dataclass(frozen=True)
class KaldiOption:
    name: str
    kind: type
    default: object
    help: str


OPTIONS = [
    KaldiOption("bos-symbol", str, "<s>", "beginning-of-sentence symbol"),
    KaldiOption("eos-symbol", str, "</s>", "end-of-sentence symbol"),
    KaldiOption("disambig-symbol", str, "", "disambiguator on backoff arcs, e.g. #0; then <s> and </s> "
                "become the start state and final weights"),
    KaldiOption("read-symbol-table", str, "", "label words with this symbol table; n-grams with other "
                "words are skipped"),
    KaldiOption("write-symbol-table", str, "", "write the symbol table to this file"),
    KaldiOption("keep-symbols", bool, False, "store the symbol table in the FST (always when no table is "
                "read or written)"),
    KaldiOption("ilabel-sort", bool, True, "sort each state's arcs by input label"),
    KaldiOption("max-order", int, 0, "use n-grams up to this order only (0: all)"),
    KaldiOption("max-arpa-warnings", int, 30, "skipped n-grams to name one by one (-1: all); a total is "
                "always printed"),
    KaldiOption("text", bool, False, "write the FST in OpenFst's text form"),
]

_TRUE = ("true", "t", "1", "")
_FALSE = ("false", "f", "0")


def usage(prog):
    lines = [f"usage: {prog} [options] <input-arpa> [<output-fst>]"]
    for opt in OPTIONS:
        value = "" if opt.kind is bool else f"=<{opt.kind.__name__}>"
        lines.append(f"  --{opt.name}{value}  {opt.help} (default {opt.default!r})")
    return "\n".join(lines)


def parse_args(argv, prog):
    """(options by dest name, positional arguments), Kaldi style; `--help` prints usage and exits."""
    table = {opt.name: opt for opt in OPTIONS}
    values = {opt.name.replace("-", "_"): opt.default for opt in OPTIONS}
    positional = []
    for i, arg in enumerate(argv):
        if arg == "--":
            positional.extend(argv[i + 1:])
            break
        if not arg.startswith("--"):
            positional.append(arg)
            continue
        name, has_value, raw = arg[2:].partition("=")
        name = name.replace("_", "-")
        if name in ("help", "h"):
            print(usage(prog))
            sys.exit(0)
        opt = table.get(name)
        if opt is None:
            raise UsageError(f"unknown option {arg!r} (see {prog} --help)")
        if opt.kind is bool:
            if raw.lower() not in _TRUE + _FALSE:
                raise UsageError(f"option --{name} takes true or false, not {raw!r}")
            value = raw.lower() in _TRUE
        elif not has_value:
            raise UsageError(f"option --{name} needs a value: --{name}=VALUE")
        elif opt.kind is int:
            try:
                value = int(raw)
            except ValueError:
                raise UsageError(f"option --{name} needs an integer, not {raw!r}") from None
        else:
            value = raw
        values[name.replace("-", "_")] = value
    if not 1 <= len(positional) <= 2:
        raise UsageError(f"expected <input-arpa> [<output-fst>], got {len(positional)} arguments "
                         f"(see {prog} --help)")
    return values, positional


def main(argv=None, prog=PROG):
    def body():
        opts, positional = parse_args(sys.argv[1:] if argv is None else argv, prog)
        write_arpa_fst(positional[0], positional[1] if len(positional) > 1 else "-",
                       disambig_symbol=opts["disambig_symbol"] or None, symbol_table=opts["read_symbol_table"] or None,
                       bos_symbol=opts["bos_symbol"], eos_symbol=opts["eos_symbol"], ilabel_sort=opts["ilabel_sort"],
                       keep_symbols=opts["keep_symbols"], max_order=opts["max_order"] or None,
                       write_symbol_table=opts["write_symbol_table"] or None, text=opts["text"],
                       warn=lambda message: warn(prog, message), max_warnings=opts["max_arpa_warnings"])

    run(prog, body, flags={"order": "--max-order"})


@click.command("arpa2fst", add_help_option=False, context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def arpa2fst_command(args):
    """G.fst from an ARPA model, as Kaldi's arpa2fst (same options; --help lists them)."""
    main(list(args), prog="ngramkit arpa2fst")


COMMANDS = [arpa2fst_command]
