"""`replace-words-with-classes`: SRILM's script that rewrites text with class names.
Arguments as the gawk script takes them:

    replace-words-with-classes classes=FILE [outfile=F] [normalize=0|1] [addone=N]
                               [have_counts=1] [partial=1] [encoding=E] [text ...]

Each longest class expansion is replaced by its class, left to right; the text goes to
stdout (stdin when no text is given), `read N class expansions` to stderr. `encoding=` names
the files' encoding (default utf-8, checked; `bytes`: words are the files' bytes, as the
script's).
"""

import sys

from ..classes.replace import awk_true, replace_words_with_classes
from ..errors import UsageError
from .common import run

PROG = "replace-words-with-classes"
_NAMES = ("classes", "outfile", "normalize", "addone", "have_counts", "partial", "encoding")


def replace_words_with_classes_cmd(argv):
    values, texts = {}, []
    for arg in argv:
        name, eq, value = arg.partition("=")
        if eq and name in _NAMES:
            values[name] = value
        elif eq and name.isidentifier():
            raise UsageError(f"unknown assignment {arg!r} (known: {', '.join(_NAMES)})")
        else:
            texts.append(arg)
    if not values.get("classes"):
        raise UsageError("no classes file specified (classes=FILE)")
    try:
        addone = float(values.get("addone", "1"))
    except ValueError:
        raise UsageError(f"addone= needs a number, not {values['addone']!r}") from None
    out = sys.stdout.buffer
    replace_words_with_classes(values["classes"], texts or ["-"], out,
                               have_counts=awk_true(values.get("have_counts")),
                               partial=awk_true(values.get("partial")),
                               counts_path=values.get("outfile") or None,
                               normalize=awk_true(values.get("normalize", "1")), addone=addone,
                               encoding=values.get("encoding") or "utf-8")
    out.flush()


def main(argv=None):
    run(PROG, replace_words_with_classes_cmd, sys.argv[1:] if argv is None else argv, flags={"encoding": "encoding="})


if __name__ == "__main__":
    main()
