"""What every command line shares: one-line errors with distinct exit statuses,
clean exits on SIGINT/SIGTERM, and stderr warnings."""

import os
import signal
import sys

from ..errors import INTERRUPTED_EXIT_STATUS, NgramkitError


class Interrupted(BaseException):
    """Raised on SIGTERM so that open outputs are removed like on Ctrl-C."""


def _on_sigterm(signum, frame):
    raise Interrupted()


def run(prog, body, *args, **kwargs):
    """Call body(*args, **kwargs) and turn errors into `prog: message` and an exit status."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        body(*args, **kwargs)
    except NgramkitError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        sys.exit(exc.exit_status)
    except (KeyboardInterrupt, Interrupted):
        print(f"{prog}: interrupted; no output was left behind", file=sys.stderr)
        sys.exit(INTERRUPTED_EXIT_STATUS)
    except BrokenPipeError:
        # The reader of our stdout went away (e.g. `| head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)


def warn(prog, message):
    print(f"{prog}: warning: {message}", file=sys.stderr)
