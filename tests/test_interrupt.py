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
