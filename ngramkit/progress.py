"""Progress on stderr for long work. Off with --quiet, and off when stderr is not
a terminal, so logs and pipes stay clean."""

import sys

from tqdm import tqdm


class Progress:
    def __init__(self, description, quiet=False, unit="it", total=None):
        self._bar = tqdm(
            total=total, desc=description, unit=unit, unit_scale=True, file=sys.stderr,
            disable=True if quiet else None, leave=False, mininterval=0.5,
        )

    def advance(self, amount):
        self._bar.update(amount)

    def close(self):
        self._bar.close()
