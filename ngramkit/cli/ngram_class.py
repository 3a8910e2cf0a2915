"""`ngram-class`: SRILM's word class induction (Brown et al.'s greedy merging by bigram
likelihood), with SRILM's options:

    ngram-class [-text T] [-counts C] -numclasses N [-full | -incremental] [-noclass-vocab F]
                [-vocab F] [-tolower] [-read F] [-maxwordsperclass N] [-classes F] [-class-counts F]
                [-save N [-save-maxclasses M]] [-debug 1|2] [-encoding E]
    ngram-class -version

`-classes` gets the classes file `ngram -classes` reads, `-class-counts` the class uni- and
bigram counts; `-debug 1` prints the final text statistics to stderr, `-debug 2` also SRILM's
trace of the classes created and of each merge (its loss and the perplexity after it); `-numclasses 0` merges
nothing; `-version` the release of ngramkit, in the shape of SRILM's release lines.
`-counts` reads a count file (uni- and bigram lines; longer ones are skipped), added to the
text's counts when both are given; `-vocab` closes the vocabulary (other words are counted as <unk>); `-tolower`
lowercases every word. `-encoding` names the files' encoding (`bytes`: SRILM's byte strings). `-read F` starts from the classes of F (`CLASS p word` lines, as
`-classes` writes them; words not counted are skipped) instead of one class per word.
`-maxwordsperclass N` (incremental merging): a class of N words takes
no more. `-save N` also writes the classes and class counts every N merges, to
`F.NNNNNN` (`F.NNNNNN.gz` for `F.gz`; to stdout after a `*** SAVE FOR ITERATION ***` line
for `-`), numbered by iteration; with `-save-maxclasses M` numbered from 0 once at most M
classes are left, and only from then on.
"""

import sys

from ..classes import induce_classes
from ..classes.induce import save_intermediate
from ..errors import UsageError
from ..release import release_text
from .common import report_text, run
from .srilm_options import ENCODING_HELP, Option, parse

PROG = "ngram-class"

OPTIONS = [
    Option("text", str, help="text file to count (one sentence per line)"),
    Option("numclasses", int, 1, "number of classes to induce"),
    Option("full", bool, False, "full greedy merging over all classes (O(V^3))"),
    Option("incremental", bool, False, "incremental greedy merging (the default)"),
    Option("noclass-vocab", str, help="words not to be classed (default <s> and </s>)"),
    Option("classes", str, help="class definitions output"),
    Option("class-counts", str, help="class N-gram count output"),
    Option("debug", int, 0, "1: print the final text statistics; 2: also trace the merges"),
    Option("counts", str, help="count file to read (added to -text's counts)"),
    Option("vocab", str, help="vocabulary file: other words are counted as <unk>"),
    Option("tolower", bool, False, "map the vocabulary to lowercase"),
    Option("maxwordsperclass", int, 0, "maximum number of words per class (incremental merging)"),
    Option("save", int, 0, "save classes/counts every this many iterations"),
    Option("save-maxclasses", int, 0, "save only once at most this many classes are left"),
    Option("read", str, help="read initial class definitions (CLASS p word lines) from this file"),
    Option("encoding", str, "utf-8", ENCODING_HELP),
    Option("version", bool, False, "print the release of ngramkit and exit"),
]


def ngram_class(argv):
    opts = parse(argv, OPTIONS, PROG)
    if opts["version"]:
        sys.stdout.write(release_text(PROG))
        return
    if not opts["text"] and not opts["counts"]:
        raise UsageError("Specify counts or text file as input (-counts or -text)")
    full = opts["full"]
    if opts["full"] and opts["incremental"]:  # one flag of SRILM's: the last given wins
        full = [a for a in argv if a in ("-full", "-incremental")][-1] == "-full"
    # the file's words replace the default (<s> and </s>), as in SRILM
    noclass = _file_words(opts["noclass_vocab"], opts["encoding"]) if opts["noclass_vocab"] else None
    vocab = _file_words(opts["vocab"], opts["encoding"]) if opts["vocab"] else None
    induction = induce_classes(opts["text"], opts["numclasses"], full=full, noclass_words=noclass,
                               max_words_per_class=opts["maxwordsperclass"], counts=opts["counts"], vocab=vocab,
                               tolower=opts["tolower"], initial_classes=opts["read"], encoding=opts["encoding"],
                               trace=opts["debug"] >= 2)
    report_text(opts, induction.text_totals)  # SRILM prints them as it counts
    if induction.merge_trace is not None:
        sys.stderr.write(induction.merge_trace)
    save_intermediate(induction, opts["save"], opts["save_maxclasses"], opts["classes"], opts["class_counts"])
    if opts["classes"]:
        induction.write_classes(opts["classes"])
    if opts["class_counts"]:
        induction.write_class_counts(opts["class_counts"])
    if opts["debug"] >= 1:
        sys.stderr.write(induction.stats().srilm_text())


def _file_words(path, encoding):
    """The first field of each line of a word list, in file order."""
    from ..textio import iter_lines, split_words

    return list(dict.fromkeys(words[0] for words in (split_words(line) for _, line in
                                                     iter_lines(path, encoding, allow_bytes=True)) if words))


def main(argv=None):
    flags = {"noclass_words": "-noclass-vocab", "encoding": "-encoding", "initial_classes": "-read", "max_words_per_class": "-maxwordsperclass"}
    run(PROG, ngram_class, sys.argv[1:] if argv is None else argv, flags=flags)


if __name__ == "__main__":
    main()
