import os
from pathlib import Path

import pytest
from hypothesis import settings

# The suite draws the same examples on every run, so a red run can be reproduced;
# HYPOTHESIS_PROFILE=default draws fresh random ones.
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DATA = Path(__file__).parent / "data"
REFERENCE = DATA / "reference"
SHARED_REFERENCE = Path(os.environ.get(
    "NGRAMKIT_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "reference"

needs_shared = pytest.mark.skipif(not SHARED_REFERENCE.is_dir(), reason="../shared/reference is absent")


def run_ngram(argv, cwd, capsysbinary):
    """`ngram argv` run in-process in the folder `cwd` (references name files relative to it);
    returns its stdout bytes."""
    from ngramkit.cli.ngram import ngram

    old = os.getcwd()
    os.chdir(cwd)
    try:
        ngram(argv)
    finally:
        os.chdir(old)
    return capsysbinary.readouterr().out


def run_cli(main, argv, capsys=None):
    """Run a command's main(argv) in-process; return (exit status, stdout, stderr)."""
    try:
        main(argv)
        status = 0
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr() if capsys else ("", "")
    return status, out, err


@pytest.fixture
def cli(capsys):
    return lambda main, argv: run_cli(main, [str(a) for a in argv], capsys)
