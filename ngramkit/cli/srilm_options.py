"""SRILM-style command lines: single-dash options, each taking zero or one value.

Commands declare their options as `Option`s; anything not declared is an error,
so a recipe never silently loses a flag.
"""

import sys
from dataclasses import dataclass

from ..errors import UsageError

_KIND_NAMES = {int: "an integer", float: "a number"}

ENCODING_HELP = ("encoding of text, vocabulary, count and model files: utf-8 (checked), bytes (words are "
                 "the files' bytes, as SRILM reads them; -tolower then lowercases ASCII only), or another "
                 "codec such as gbk or latin-1 (decoded; outputs are UTF-8)")


@dataclass(frozen=True)
class Option:
    name: str  # without the dash, e.g. "order" or "gt3min"
    kind: type = bool  # bool (a flag), str, int, float; list = str that may repeat
    default: object = None
    help: str = ""

    @property
    def dest(self):
        return self.name.replace("-", "_")


def per_order(template, kind, orders=range(1, 10), help=""):
    """Options such as -gt1min .. -gt9min: `template` holds `{n}`."""
    return [Option(template.format(n=n), kind, help=help.format(n=n)) for n in orders]


def usage(prog, options):
    lines = [f"usage: {prog} [options]"]
    for opt in options:
        arg = "" if opt.kind is bool else f" {opt.kind.__name__ if opt.kind is not list else 'str'}"
        default = "" if opt.default in (None, False) else f" (default {opt.default})"
        lines.append(f"  -{opt.name}{arg}  {opt.help}{default}")
    return "\n".join(lines)


def parse(argv, options, prog):
    """Return a dict dest -> value. `-help` prints usage and exits 0."""
    table = {opt.name: opt for opt in options}
    values = {opt.dest: ([] if opt.kind is list else opt.default) for opt in options}
    given = set()
    i = 0
    while i < len(argv):
        arg = argv[i]
        name = arg[1:] if arg.startswith("-") and len(arg) > 1 else None
        if name and name.startswith("-"):
            name = name[1:]  # accept --order as well as -order
        if name in ("help", "h"):
            print(usage(prog, options))
            sys.exit(0)
        if name is None or name not in table:
            raise UsageError(f"unknown option {arg!r} (see {prog} -help)")
        opt = table[name]
        given.add(opt.dest)
        if opt.kind is bool:
            values[opt.dest] = True
            i += 1
            continue
        if i + 1 >= len(argv):
            raise UsageError(f"option {arg} needs a value")
        raw = argv[i + 1]
        if opt.kind is list:
            values[opt.dest].append(raw)
        else:
            try:
                values[opt.dest] = opt.kind(raw)
            except ValueError:
                raise UsageError(f"option {arg} needs {_KIND_NAMES[opt.kind]}, not {raw!r}") from None
        i += 2
    values["_given"] = given
    return values
