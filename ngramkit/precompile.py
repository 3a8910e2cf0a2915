"""Compile and cache the compiled kernels ahead of use.

Numba compiles each kernel on its first call and caches the machine code on
disk, so the first run of each command on a fresh installation spends most of
its time compiling. `precompile` runs the commands on a tiny model, so that a
container image can be built with the cache filled, or a recipe can fill it on
an idle core while its first stages run.
"""

import contextlib
import io
import os
import tempfile

import numpy as np

# Parts in the order a recipe needs them.
PARTS = ("count", "estimate", "ppl", "prune", "fst", "score")

_TEXT = "a b c\nb c a\nc a b a\na c\n"

# Witten-Bell 3-gram of _TEXT (ngram-count -order 3 -wbdiscount -interpolate -gt3min 1).
_ARPA = """
\\data\\
ngram 1=5
ngram 2=10
ngram 3=12

\\1-grams:
-0.60206\t</s>
-99\t<s>\t-0.3679768
-0.5228788\ta\t-0.4259687
-0.69897\tb\t-0.39794
-0.60206\tc\t-0.4771213

\\2-grams:
-0.3827001\t<s> a\t-0.30103
-0.640978\t<s> b\t-0.30103
-0.60206\t<s> c\t-0.30103
-0.4637573\ta </s>
-0.4881167\ta b\t-0.30103
-0.6600519\ta c\t-0.30103
-0.49485\tb a\t-0.30103
-0.30103\tb c\t-0.3010301
-0.3802112\tc </s>
-0.3631779\tc a\t-0.30103

\\3-grams:
-0.3845761\t<s> a b
-0.4444521\t<s> a c
-0.1249387\t<s> b c
-0.1446828\t<s> c a
-0.3872162\ta b a
-0.30103\ta b c
-0.1497623\ta c </s>
-0.1727115\tb a </s>
-0.3388186\tb c </s>
-0.3309932\tb c a
-0.3748162\tc a </s>
-0.3845761\tc a b

\\end\\
"""


def _unsorted(arpa):
    """The ARPA text with each section's n-gram lines in reverse order."""
    sections = arpa.split("\n\n")
    return "\n\n".join(part if not part.startswith("\\") or "grams:" not in part.split("\n")[0] else
                       "\n".join([part.split("\n")[0]] + part.split("\n")[1:][::-1]) for part in sections)


def precompile(parts=PARTS):
    """Run the library calls of `parts` (see PARTS) once on a tiny model, with the options a
    recipe uses, so that their kernels are compiled and cached."""
    from .arpa import _count_lines
    from .countfile import write_counts
    from .formats import load
    from .lm import Model
    from .training import count, train

    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    with tempfile.TemporaryDirectory(prefix="ngramkit-precompile-") as tmp:
        text, arpa = os.path.join(tmp, "text.txt"), os.path.join(tmp, "lm.arpa")
        with open(text, "w", encoding="utf-8") as f:
            f.write(_TEXT)
        with open(arpa, "w", encoding="utf-8") as f:
            f.write(_ARPA)
        out = os.path.join(tmp, "out")
        # the commands' reports and warnings about the tiny model go nowhere
        sink = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            for part in PARTS:
                if part not in parts:
                    continue
                if part == "count":
                    counts = count(text, 3, progress=False)
                    write_counts(counts, out)
                    counts.vocab.write(out)
                elif part == "estimate":
                    train(text, order=3, unk=True, discount_fallback=True, cutoffs=[1, 1, 2], progress=False,
                          output=out, warn=lambda message: None)
                elif part == "ppl":
                    load(arpa).perplexity(text)
                    # the reader's sort, which sorted files (as the one above) never reach
                    unsorted = os.path.join(tmp, "unsorted.arpa")
                    with open(unsorted, "w", encoding="utf-8") as f:
                        f.write(_unsorted(_ARPA))
                    load(unsorted)
                    # what only files of PARALLEL_PARSE_BYTES and more reach
                    _count_lines(np.frombuffer(_ARPA.encode(), dtype=np.uint8), 0, len(_ARPA))
                elif part == "prune":
                    load(arpa).prune(1e-7).write(out)
                elif part == "fst":
                    fst = load(arpa).to_fst("#0")
                    fst.write(out)
                elif part == "score":
                    model = Model(arpa)
                    model.score("a b c")
                    model.score_batch(["a b c", "c a"])
                    list(model.full_scores("a b c"))
