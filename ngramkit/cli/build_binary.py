"""`build_binary`: KenLM's build_binary, same arguments, same files.

    build_binary [-u log10_unknown] [-s] [-i] [-v] [-w mmap|after] [-q N] [-b N] [-a N]
                 [-p P] [-T dir] [-S mem] [type] input.arpa output

type is `probing` (default) or `trie`. The output is byte for byte what KenLM's build_binary
writes from the same ARPA, whatever the order of its n-grams (lmplz's, SRILM's). -w, -T and -S
steer how KenLM builds, not what it writes, so they are accepted and have no effect here.
Messages go to stderr as KenLM prints them: the `<unk>` substitution, then SUCCESS.
"""

import getopt
import sys

from ..errors import UsageError
from ..kenlm_binary import arpa_to_kenlm_binary
from .common import run

PROG = "build_binary"
USAGE = ("usage: build_binary [-u log10_unknown_probability] [-s] [-i] [-v] [-w mmap|after] "
         "[-p probing_multiplier] [-T trie_temporary] [-S trie_building_mem] [-q bits] [-b bits] [-a bits] "
         "[type] input.arpa output")


def _number(text, kind, flag):
    try:
        return kind(text)
    except ValueError:
        raise UsageError(f"-{flag}: not a number: {text!r}") from None


def _bits(text, flag):
    value = _number(text, int, flag)
    if not 0 <= value <= 25:
        raise UsageError(f"-{flag} {text}: bit counts are limited to 25")
    return value


def parse_args(argv):
    """(options for arpa_to_kenlm_binary, input, output) from build_binary's arguments."""
    try:
        # options anywhere, as KenLM's build_binary takes them (GNU getopt)
        opts, positional = getopt.gnu_getopt(argv, "q:b:a:u:p:t:T:m:S:w:sivh")
    except getopt.GetoptError as exc:
        raise UsageError(f"{exc}; {USAGE}") from None
    options = {}
    for flag, value in opts:
        flag = flag[1:]
        if flag == "q":
            options["prob_bits"] = _bits(value, flag)
        elif flag == "b":
            options["backoff_bits"] = _bits(value, flag)
        elif flag == "a":
            options["pointer_bits"] = _bits(value, flag)
        elif flag == "u":
            options["unk_logprob"] = _number(value, float, flag)
        elif flag == "p":
            options["probing_multiplier"] = _number(value, float, flag)
        elif flag == "w":
            if value not in ("mmap", "after"):
                raise UsageError(f"-w {value}: mmap or after")
        elif flag == "s":
            options["allow_missing_markers"] = True
        elif flag == "i":
            options["allow_positive"] = True
        elif flag == "v":
            options["include_vocab"] = False
        elif flag == "h":
            raise UsageError(USAGE)
        # -T/-t (temporary files), -S/-m (sorting memory): how KenLM builds, not what it writes.
    if len(positional) == 2:
        layout, source, target = "probing", positional[0], positional[1]
    elif len(positional) == 3:
        layout, source, target = positional
    elif len(positional) == 1:
        raise UsageError("memory estimates (an ARPA without an output file) are not given; " + USAGE)
    else:
        raise UsageError(USAGE)
    if layout not in ("probing", "trie"):
        raise UsageError(f"unknown type {layout!r}: probing or trie")
    if layout == "probing" and ("prob_bits" in options or "backoff_bits" in options):
        raise UsageError("Quantization is only implemented in the trie data structure.")
    options["layout"] = layout
    return options, source, target


def build(options, source, target):
    arpa_to_kenlm_binary(source, target, messages=lambda line: print(line, file=sys.stderr), **options)
    print("SUCCESS", file=sys.stderr)


def main(argv=None, prog=PROG):
    def body():
        options, source, target = parse_args(sys.argv[1:] if argv is None else argv)
        build(options, source, target)

    run(prog, body)


if __name__ == "__main__":
    main()
