"""SRILM's batch counting scripts: `make-batch-counts` counts a list of text files in batches,
one sorted count file each; `merge-batch-counts` merges such files pairwise, iteration by
iteration, until one is left. Their sum is the counts of the whole text, as one `ngram-count`
over all of it gives them.

Files and names follow the scripts (utils/src/make-batch-counts, merge-batch-counts): batch N
of `NAME.files` goes to `COUNTDIR/NAME-N.ngrams.gz`; merging writes
`COUNTDIR/merge-iterI-J.ngrams.gz` and removes the files it has merged, a file left alone in an
iteration is linked to its new name and put first in the next one, and an output that exists
already is kept (so that a run can be restarted from iteration I).
"""

import os
import re
import shlex
import subprocess
import tempfile

from .countfile import read_counts, write_counts
from .errors import MissingFileError, OutputError, UsageError
from .textio import iter_lines


def read_file_list(path):
    """The lines of a file list but comments (`#...`) and blank ones; a line may name several
    files (separated by blanks)."""
    return [line.strip() for _, line in iter_lines(path) if line.strip() and not line.startswith("#")]


def batches(lines, size):
    """The lines in groups of `size` (the last may be smaller), each a list of file names."""
    if size < 1:
        raise UsageError(f"the batch size must be at least 1, not {size}", option="batch_size")
    groups = [lines[i:i + size] for i in range(0, len(lines), size)]
    return [" ".join(group).split() for group in groups]


def list_name(file_list):
    """NAME of NAME.files, as the scripts name their outputs."""
    name = os.path.basename(file_list)
    return name[:-len(".files")] if name.endswith(".files") else name


def make_batch_counts(file_list, count_batch, batch_size=10, text_filter=None, count_dir="./counts", log=None):
    """Count the files of `file_list` in batches of `batch_size` lines: `count_batch(paths,
    out_path)` writes the counts of `paths` (all orders, sorted) to `out_path`. `text_filter`: a
    command run with each batch's files as its arguments, whose output is counted instead of
    them (the scripts' default, cat, counts the files themselves). Returns the count files."""
    os.makedirs(count_dir, exist_ok=True)
    what = list_name(file_list)
    written = []
    for number, files in enumerate(batches(read_file_list(file_list), batch_size), start=1):
        out = f"{count_dir}/{what}-{number}.ngrams.gz"
        if log is not None:
            log(f"counting in {out} sources {' '.join(files)}")
        if text_filter is None:
            count_batch(files, out)
        else:
            with tempfile.NamedTemporaryFile(dir=count_dir, prefix=".batch-", suffix=".txt") as text:
                try:
                    subprocess.run(shlex.split(text_filter) + files, stdout=text, check=True)
                except (OSError, subprocess.CalledProcessError) as exc:
                    raise UsageError(f"the filter {text_filter!r} failed: {exc}", option="text_filter") from None
                text.flush()
                count_batch([text.name], out)
        written.append(out)
    return written


def _found_counts(count_dir, pattern):
    """Count files under count_dir whose names match `pattern`, as `find COUNTDIR/. | sort`
    lists them."""
    found = []
    for root, _, names in os.walk(os.path.join(count_dir, ".")):
        found += [os.path.join(root, name) for name in names if re.fullmatch(pattern, name)]
    return sorted(found, key=os.fsencode)


def _in_lines(files, per_line):
    return [files[i:i + per_line] for i in range(0, len(files), per_line)]


def _write_list(path, groups):
    with open(path, "w") as out:
        out.write("".join(" ".join(group) + "\n" for group in groups))


def merge_batch_counts(count_dir="./counts", start=None, merge_size=2, log=None):
    """Merge the count files of `count_dir` until one is left, and return its path. `start`:
    a file list (each line: files to merge into one), or the number of an iteration to restart
    after; None: every `*.ngrams(.gz)` file there, two by two."""
    say = log or (lambda message: None)
    if merge_size < 2:
        raise UsageError(f"-l must be at least 2, not {merge_size}", option="merge_size")
    if not os.path.isdir(count_dir):
        raise MissingFileError("no such count directory", count_dir)
    iteration = 0
    what = "merge"
    if start is None:
        groups = _in_lines(_found_counts(count_dir, r".*\.ngrams(\.gz)?"), 2)
    elif str(start).isdigit():  # restart after that iteration
        iteration = int(start) + 1
        groups = _in_lines(_found_counts(count_dir, rf"{what}-iter{int(start)}-.*\.ngrams(\.gz)?"), 2)
    else:
        what = list_name(str(start))
        groups = [line.split() for line in read_file_list(start)]
    _write_list(f"{count_dir}/{what}-iter{iteration}.files", groups)
    while sum(len(g) for g in groups) > 1:
        say(f"ITERATION {iteration}, {sum(len(g) for g in groups)} files")
        new = []
        for number, group in enumerate((g for g in groups if g), start=1):
            out = f"{count_dir}/{what}-iter{iteration}-{number}.ngrams.gz"
            if os.path.exists(out):
                say(f"retaining old {out}")
                new.append(out)
            elif len(group) == 1:
                say(f"linking {group[0]} to {out}")
                _link(group[0], out)
                new.insert(0, out)  # first in the next iteration, to keep the sizes balanced
            else:
                say(f"merging {' '.join(group)} into {out}")
                write_counts(read_counts(group, prefixes=False), out)
                new.append(out)
        for group in groups:
            for path in group:
                if os.path.exists(path):
                    os.remove(path)
        iteration += 1
        groups = _in_lines(new, merge_size)
        _write_list(f"{count_dir}/{what}-iter{iteration}.files", groups)
    final = [path for group in groups for path in group]
    say(f"final counts in {' '.join(final)}")
    return final[0] if final else None


def _link(source, target):
    try:
        if os.path.exists(target):
            os.remove(target)
        os.link(source, target)
    except FileNotFoundError:
        raise MissingFileError("no such count file", source) from None
    except OSError:
        try:
            with open(source, "rb") as src, open(target, "wb") as dst:
                dst.write(src.read())
        except OSError as exc:
            raise OutputError(f"cannot write: {exc.strerror}", target) from None
