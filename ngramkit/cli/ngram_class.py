"""`ngram-class`: SRILM's word class induction (Brown et al.'s greedy merging by bigram
likelihood), with SRILM's options:

    ngram-class -text T -numclasses N [-full | -incremental] [-noclass-vocab F]
                [-classes F] [-class-counts F] [-debug 1]
    ngram-class -version

`-classes` gets the classes file `ngram -classes` reads, `-class-counts` the class uni- and
bigram counts; `-debug 1` prints the final text statistics to stderr; `-version` the
release of ngramkit, in the shape of SRILM's release lines.
"""

import sys

from ..classes import induce_classes
from ..errors import UsageError
from ..release import release_text
from .common import run
from .srilm_options import Option, parse

PROG = "ngram-class"

OPTIONS = [
    Option("text", str, help="text file to count (one sentence per line)"),
    Option("numclasses", int, 1, "number of classes to induce"),
    Option("full", bool, False, "full greedy merging over all classes (O(V^3))"),
    Option("incremental", bool, False, "incremental greedy merging (the default)"),
    Option("noclass-vocab", str, help="words not to be classed (default <s> and </s>)"),
    Option("classes", str, help="class definitions output"),
    Option("class-counts", str, help="class N-gram count output"),
    Option("debug", int, 0, "1: print the final text statistics"),
    Option("version", bool, False, "print the release of ngramkit and exit"),
]


def ngram_class(argv):
    opts = parse(argv, OPTIONS, PROG)
    if opts["version"]:
        sys.stdout.write(release_text(PROG))
        return
    if not opts["text"]:
        raise UsageError("Specify a text file as input (-text)")
    if opts["full"] and opts["incremental"]:
        raise UsageError("-full and -incremental exclude each other")
    # the file's words replace the default (<s> and </s>), as in SRILM
    noclass = _file_words(opts["noclass_vocab"]) if opts["noclass_vocab"] else None
    induction = induce_classes(opts["text"], opts["numclasses"], full=opts["full"], noclass_words=noclass)
    if opts["classes"]:
        induction.write_classes(opts["classes"])
    if opts["class_counts"]:
        induction.write_class_counts(opts["class_counts"])
    if opts["debug"] >= 1:
        sys.stderr.write(induction.stats().srilm_text())


def _file_words(path):
    """The first field of each line of a word list, in file order."""
    from ..textio import iter_lines

    return list(dict.fromkeys(line.split()[0] for _, line in iter_lines(path) if line.split()))


def main(argv=None):
    run(PROG, ngram_class, sys.argv[1:] if argv is None else argv, flags={"noclass_words": "-noclass-vocab"})


if __name__ == "__main__":
    main()
