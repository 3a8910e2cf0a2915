"""Errors that reach the user as one line: what went wrong, in which file, on which line.

Each kind has its own exit status so that scripts can tell them apart.
"""


class NgramkitError(Exception):
    """An error caused by input, options or the environment, not by a bug."""

    exit_status = 1

    def __init__(self, message, path=None, line=None, option=None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.option = option  # the library parameter the error is about; commands print their flag

    def __reduce__(self):
        # Keep path and line when the error crosses a process boundary (cluster workers).
        return (self.__class__, (self.message, self.path, self.line, self.option))

    def __str__(self):
        where = ""
        if self.path is not None:
            where = f"{self.path}:"
            if self.line is not None:
                where += f"{self.line}:"
            where += " "
        return where + self.message


class UsageError(NgramkitError):
    """Unknown or malformed command-line options."""

    exit_status = 2


class MissingFileError(NgramkitError):
    """An input file does not exist or cannot be opened."""

    exit_status = 3


class FormatError(NgramkitError):
    """An input file is malformed (ARPA, counts, vocabulary, text)."""

    exit_status = 4


class EncodingError(NgramkitError):
    """An input file is not valid in the expected encoding."""

    exit_status = 5


class OutputError(NgramkitError):
    """An output file cannot be written."""

    exit_status = 6


class EstimationError(NgramkitError):
    """The data do not support the requested estimate (e.g. discounts out of range)."""

    exit_status = 7


class DiscountEstimatorError(EstimationError):
    """A method cannot fit its parameters for one order. `srilm_message` is the line SRILM's
    estimator prints for it (None: none); SRILM's ngram-count follows it with its own line and
    exit status 1 (srilm_lines), which the SRILM commands reproduce. `parameters_found`: the
    method fitted parameters it then rejects, which SRILM's -debug 1 prints before failing."""

    def __init__(self, message, order, srilm_message, option=None, parameters_found=False):
        super().__init__(message, option=option)
        self.order = order
        self.srilm_message = srilm_message
        self.parameters_found = parameters_found

    def __reduce__(self):
        return (self.__class__, (self.message, self.order, self.srilm_message, self.option, self.parameters_found))

    def srilm_lines(self):
        own = [] if self.srilm_message is None else [self.srilm_message]
        return own + [f"error in discount estimator for order {self.order}"]


class DiscountFileError(FormatError):
    """A discount parameter file SRILM's reader refuses; SRILM's ngram-count prints the reader's
    line and its own, then exits with status 1 (srilm_lines), which the SRILM commands reproduce."""

    def srilm_lines(self):
        return [f"{self.path}: line {self.line}: {self.message}", f"error in reading discount parameter file {self.path}"]


class EmptyInputError(NgramkitError):
    """The input holds no usable data."""

    exit_status = 8


INTERRUPTED_EXIT_STATUS = 130


class Notice(str):
    """A message given to a `warn` callable that is no warning: SRILM prints it as it is, without
    "warning:" before it (Good-Turing's "GT discounting disabled")."""


def warning_line(message):
    """The stderr line of a message given to a `warn` callable, as SRILM prints it."""
    return f"{message}\n" if isinstance(message, Notice) else f"warning: {message}\n"
