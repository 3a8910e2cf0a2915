"""`query`: KenLM's query, same arguments, same output.

    query [-b] [-n] [-v summary|sentence|word] [-l lazy|populate|read|parallel] lm_file < text

-v may be repeated (`-v 0`, `-v 1`, `-v 2` are KenLM's shorthands); without it everything is
printed. -l says how KenLM loads the file; every way gives the same scores, so it is checked
and has no effect here. After the summary, the resource line (peak memory and times) goes to
stderr as KenLM's util::PrintUsage writes it.
"""

import getopt
import os
import resource
import sys
import time

from ..errors import INTERRUPTED_EXIT_STATUS, UsageError
from ..kenlm_query import query
from .common import run

PROG = "query"
USAGE = ("usage: query [-b] [-n] [-v summary|sentence|word] [-l lazy|populate|read|parallel] lm_file "
         "(text on stdin)")
LEVELS = {"0": ("summary",), "1": ("sentence", "summary"), "2": ("word", "sentence", "summary"),
          "word": ("word",), "sentence": ("sentence",), "summary": ("summary",)}
LOAD_METHODS = ("lazy", "populate", "read", "parallel")
KENLM_ERROR_STATUS = 1  # query.cc's main: `catch (const std::exception &e) { ...; return 1; }`, Usage: exit(1)


def parse_args(argv):
    """(options for kenlm_query.query, model path) from query's arguments."""
    if not argv or argv == ["--help"]:
        raise UsageError(USAGE)
    try:
        opts, positional = getopt.getopt(argv, "bnv:l:")
    except getopt.GetoptError as exc:
        raise UsageError(f"{exc}; {USAGE}") from None
    options, levels = {}, set()
    for flag, value in opts:
        if flag == "-b":
            options["flush"] = True
        elif flag == "-n":
            options["sentence_context"] = False
        elif flag == "-v":
            if value not in LEVELS:
                raise UsageError(f"-v {value}: summary, sentence or word; {USAGE}")
            levels.update(LEVELS[value])
        elif value not in LOAD_METHODS:
            raise UsageError(f"-l {value}: one of {', '.join(LOAD_METHODS)}; {USAGE}")
    if len(positional) != 1:
        raise UsageError(USAGE)
    levels = levels or {"word", "sentence", "summary"}
    options.update(print_word="word" in levels, print_line="sentence" in levels,
                   print_summary="summary" in levels)
    return options, positional[0]


def usage_line(started):
    """KenLM's util::PrintUsage line: peak and current virtual/resident memory, CPU and wall times."""
    status = {}
    try:
        with open("/proc/self/status") as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        pass
    own = resource.getrusage(resource.RUSAGE_SELF)
    fields = [f"Name:{os.path.basename(sys.argv[0]) or PROG}"]
    fields += [f"{key}:{status[key].split()[0]} kB" for key in ("VmPeak", "VmRSS") if key in status]
    fields += [f"RSSMax:{own.ru_maxrss} kB", f"user:{own.ru_utime:g}", f"sys:{own.ru_stime:g}",
               f"CPU:{own.ru_utime + own.ru_stime:g}", f"real:{time.monotonic() - started:g}"]
    return "\t".join(fields)


def main(argv=None, prog=PROG):
    started = time.monotonic()

    def body():
        options, path = parse_args(sys.argv[1:] if argv is None else argv)
        query(path, messages=lambda line: print(line, file=sys.stderr), **options)
        print(usage_line(started), file=sys.stderr)

    try:
        run(prog, body)
    except SystemExit as done:
        if done.code not in (None, 0, INTERRUPTED_EXIT_STATUS):
            raise SystemExit(KENLM_ERROR_STATUS) from None
        raise


if __name__ == "__main__":
    main()
