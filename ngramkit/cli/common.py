"""What every command line shares: one-line errors with distinct exit statuses,
clean exits on SIGINT/SIGTERM, stderr warnings, and how the process returns memory."""

import ctypes
import os
import signal
import sys

from ..errors import INTERRUPTED_EXIT_STATUS, DiscountEstimatorError, DiscountFileError, EncodingError, NgramkitError, Notice


class Interrupted(BaseException):
    """Raised on SIGTERM so that open outputs are removed like on Ctrl-C."""


def _on_sigterm(signum, frame):
    raise Interrupted()


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


def return_large_blocks_to_os():
    """Have glibc map every block of 1 MiB or more on its own, so that freeing it returns it.

    By default glibc raises that threshold to the size of the largest block freed so far (up to
    32 MiB) and keeps smaller freed blocks for reuse; over the many temporary arrays of counting
    and estimation, what it kept was a fifth of the peak RSS (en-large, order 3: 750 MB peak,
    630 MB with this). Commands only: a library should not change its host's allocator."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(_M_MMAP_THRESHOLD, 1 << 20)
    except (OSError, AttributeError):
        pass  # not glibc


def run(prog, body, *args, flags=None, **kwargs):
    """Call body(*args, **kwargs) and turn errors into `prog: message` and an exit status; an
    error about a library parameter is prefixed with the command's flag for it (`flags`: parameter
    name -> flag). SIGTERM ends the body as Ctrl-C does while it runs; the handler it replaced is
    restored afterwards, so that a caller in the same process (or a process it forks later) gets
    SIGTERM's usual meaning back."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    return_large_blocks_to_os()
    try:
        body(*args, **kwargs)
    except NgramkitError as exc:
        flag = (flags or {}).get(exc.option)
        message = str(exc)
        if isinstance(exc, EncodingError) and "encoding" in (flags or {}):  # the hint names this command's flag
            message = message.replace("use --encoding", f"use {flags['encoding']}")
        print(f"{prog}: {flag + ': ' if flag else ''}{message}", file=sys.stderr)
        sys.exit(exc.exit_status)
    except (KeyboardInterrupt, Interrupted):
        print(f"{prog}: interrupted; no output was left behind", file=sys.stderr)
        sys.exit(INTERRUPTED_EXIT_STATUS)
    except BrokenPipeError:
        # The reader of our stdout went away (e.g. `| head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
    finally:
        signal.signal(signal.SIGTERM, previous)


def report_text(opts, totals):
    """From -debug 1 on, SRILM's lines of each -text file counted (its totals so far)."""
    if opts["debug"] < 1 or totals is None:
        return
    from ..perplexity import TextStats

    seen = TextStats()
    for path, (line, sentences, words, oovs) in totals.files.items():
        seen.add(TextStats(sentences=sentences, words=words, oovs=oovs))
        sys.stderr.write(f"{path}: line {line}: {seen.srilm_text()}")


def with_srilm_discount_failures(body):
    """`body` that fails where SRILM's ngram-count fails to fit or read discounts as it does: the
    estimator's or reader's line, then `error in discount estimator for order N` or `error in
    reading discount parameter file F`, exit status 1."""
    def failing_as_srilm(*args, **kwargs):
        try:
            body(*args, **kwargs)
        except (DiscountEstimatorError, DiscountFileError) as exc:
            sys.stderr.write("".join(line + "\n" for line in exc.srilm_lines()))
            sys.exit(1)
    return failing_as_srilm


def warn(prog, message):
    print(f"{prog}: {message}" if isinstance(message, Notice) else f"{prog}: warning: {message}", file=sys.stderr)
