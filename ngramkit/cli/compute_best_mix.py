"""`compute-best-mix`: SRILM's script for interpolation weights, from `ngram -debug 2 -ppl`
outputs of the same text under each model. Arguments as SRILM's gawk script takes them:

    compute-best-mix [lambda="0.5 0.5"] [precision=0.001] ppl-file1 ppl-file2 ...

Each EM iteration goes to stderr, the result to stdout, in SRILM's words; fewer weights than
files leave the rest of 1 to the others, as SRILM's script does.
"""

import sys

from ..errors import UsageError
from ..mixing import best_mix, cumulative_lambdas, format_lambdas
from ..perplexity import word_probs_from_ppl_files
from .common import run

PROG = "compute-best-mix"


def compute_best_mix(argv):
    lambdas, precision, files = None, 0.001, []
    for arg in argv:
        if arg.startswith("lambda="):
            lambdas = [float(x) for x in arg[len("lambda="):].split()]
        elif arg.startswith("precision="):
            precision = float(arg[len("precision="):])
        else:
            files.append(arg)
    if len(files) < 2:
        raise UsageError("usage: compute-best-mix [lambda=\"L1 L2 ...\"] [precision=P] ppl-file1 ppl-file2 ...")
    probs, counts = word_probs_from_ppl_files(files, warn=lambda line: print(line, file=sys.stderr))

    def report(iteration, lam, ppl):
        print(f"iteration {iteration}, lambda = {format_lambdas(lam)}, ppl = {ppl:g}", file=sys.stderr)

    best, words = best_mix(probs, lambdas, precision, report, counts)
    sys.stderr.flush()
    print(f"{int(words)} non-oov words, best lambda {format_lambdas(best)}")
    print(f"pairwise cumulative lambda {format_lambdas(cumulative_lambdas(best))}")


def main(argv=None):
    run(PROG, compute_best_mix, sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
