"""Interrupting ngram-count (SIGINT, SIGTERM) leaves no output file and says so."""

import signal
import subprocess
import sys
import time

import pytest


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_leaves_no_output(tmp_path, sig):
    out = tmp_path / "counts.txt"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ngramkit.cli.ngram_count", "-order", "3", "-text", "-",
         "-write", str(out), "-q"],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    # Feed text and keep the input open, so the command is mid-way when the signal comes.
    proc.stdin.write(b"a b c d\n" * 100000)
    proc.stdin.flush()
    time.sleep(3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.decode().strip().splitlines()[-1] == "ngram-count: interrupted; no output was left behind"
    assert list(tmp_path.iterdir()) == []


def test_a_command_run_in_process_gives_sigterm_back():
    """A command called in-process (tests, notebooks) restores the SIGTERM handler it replaced:
    left behind, it would make SIGTERM raise in the caller and in workers it forks later
    (multiprocessing's Pool ends its workers with SIGTERM)."""
    from ngramkit.cli.common import run

    def mine(signum, frame):
        pass

    before = signal.signal(signal.SIGTERM, mine)
    try:
        seen = []
        run("test", lambda: seen.append(signal.getsignal(signal.SIGTERM)))
        assert seen[0] is not mine  # the command's own handler while it runs
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, before)
