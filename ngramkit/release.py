"""The text `-version` prints for ngramkit's SRILM commands, in the shape of SRILM's own
(misc/src/version.c): a release line, what it was built with, a blank line, the program's
version, a blank line, the compression note, a blank line and the licence."""

import platform
from importlib.metadata import PackageNotFoundError, version

PACKAGE = "ngramkit"


def package_version(name=PACKAGE):
    """The installed version of distribution `name` ("unknown" when it is not installed)."""
    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def release_text(program):
    """The lines `program -version` prints on stdout."""
    release = package_version()
    built = ", ".join(f"{name} {package_version(name.lower())}" for name in ("NumPy", "Numba"))
    return (f"{PACKAGE} release {release}\n"
            f"Built with Python {platform.python_version()}, {built}\n"
            f"\nProgram version {program} ({PACKAGE} {release})\n"
            "\nSupport for compressed files is included.\n"
            "\nThis software is licensed under the Apache License, Version 2.0.\n")
