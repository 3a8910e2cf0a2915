"""SRILM's discount parameter files (`ngram-count -gtN FILE`, `-knN FILE`, and `-gt`/`-kn` for
all orders), as Discount.cc writes and reads them.

Without -lm, ngram-count estimates the discounts and writes them; with -lm, it reads them
instead of estimating them. Good-Turing files hold `mincount M`, `maxcount K` and `discount c
d(c)` for c = 1..K (%.16g); modified Kneser-Ney files `mincount M`, `discount1`, `discount2`,
`discount3+` (%.16f); original Kneser-Ney files `mincount M` and `discount1` (%.16g). A file's
mincount replaces the order's -gtNmin. Other methods write an empty file and read nothing.
`-kn-counts-modified` says the counts are Kneser-Ney's continuation counts already (as
make-big-lm makes them), so they are used as they are.
"""

import functools

import numpy as np

from .errors import FormatError, Notice
from .estimate.smoothing import GoodTuring, KneserNey, ModifiedKneserNey
from .nonevents import NonEventPolicy
from .textio import atomic_output, iter_lines

MAX_ORDER = 100  # SRILM's maxNgramOrder: the largest count a Good-Turing file may name


def discount_file_text(method):
    """The parameters of a fitted smoothing method as SRILM's Discount::write prints them."""
    lines = [f"mincount {int(method.min_count)}"]
    if isinstance(method, GoodTuring):
        lines.append(f"maxcount {int(method.max_count)}")
        lines += [f"discount {c} {method.coeffs[c]:.16g}" for c in range(1, method.max_count + 1)]
    elif isinstance(method, ModifiedKneserNey):
        d = method.discounts
        lines += [f"discount1 {d[1]:.16f}", f"discount2 {d[2]:.16f}", f"discount3+ {d[3]:.16f}"]
    elif isinstance(method, KneserNey):
        lines.append(f"discount1 {method.discount:.16g}")
    else:
        return ""
    return "".join(line + "\n" for line in lines)


def write_discount_file(method, path):
    with atomic_output(path, text=True) as out:
        out.write(discount_file_text(method))


def _number(text, kind, path, line):
    try:
        return kind(text)
    except ValueError:
        raise FormatError(f"unrecognized parameter value {text!r}", path, line) from None


def read_discount_file(method, path):
    """Set `method`'s parameters from a discount file, and keep them: its estimate only gives
    SRILM's warnings of the file to its `warn`, where SRILM reads the file, when the order's
    discounts are due (zero coefficients at the file's last line, where SRILM's reader is when
    it checks them)."""
    gt, mkn, kn = isinstance(method, GoodTuring), isinstance(method, ModifiedKneserNey), isinstance(method, KneserNey)
    names = {"mincount"} | ({"maxcount", "discount"} if gt else {"discount1", "discount2", "discount3+"} if mkn
                            else {"discount1"} if kn else set())
    coeffs = {}
    max_count = None
    warnings = []
    line_no = 0
    for line_no, line in iter_lines(path):
        fields = line.split()
        if not fields:
            continue
        if fields[0] not in names or len(fields) < (3 if fields[0] == "discount" else 2):
            raise FormatError("unrecognized parameter", path, line_no)
        if fields[0] == "mincount":
            method.min_count = _number(fields[1], int, path, line_no)
        elif fields[0] == "maxcount":
            max_count = _number(fields[1], int, path, line_no)
            if not 0 <= max_count <= MAX_ORDER:
                raise FormatError("maxcount value out of range", path, line_no)
            coeffs = {}  # SRILM zeroes the coefficients a maxcount line covers
        elif fields[0] == "discount":
            count = _number(fields[1], int, path, line_no)
            if 0 <= count <= MAX_ORDER:
                coeffs[count] = _number(fields[2], float, path, line_no)
            else:
                warnings.append(f"{path}: line {line_no}: warning: count value out of range")
        elif mkn:
            method.discounts[{"discount1": 1, "discount2": 2, "discount3+": 3}[fields[0]]] = \
                _number(fields[1], float, path, line_no)
        else:
            method.discount = _number(fields[1], float, path, line_no)
    if gt:
        top = method.max_count if max_count is None else max_count
        method.max_count = top
        method.coeffs = np.ones(top + 1)
        for c in range(1, top + 1):
            method.coeffs[c] = coeffs.get(c, 0.0)
            if method.coeffs[c] == 0.0 and c >= method.min_count:
                warnings.append(f"{path}: line {line_no}: warning: discount coefficient {c} = 0.0")
    method.estimate = functools.partial(_keep_parameters, warnings)
    method.parameters_read = True
    method.float_counts_reason = None  # parameters read are used with fractional counts too


def _keep_parameters(warnings, coc, order, warn):
    """The estimate of a method whose parameters were read from a file: its file's warnings."""
    for message in warnings:
        warn(Notice(message))


class DiscountFilePolicy(NonEventPolicy):
    """SRILM's estimation with discount files read (`read`: order -> path), the fitted methods
    kept for writing (`methods`: order -> method), counts taken as Kneser-Ney modified ones
    (`kn_counts_modified`), non-events, and meta-count words starting with `meta_tag`;
    `trust_totals`: ngram-count's -trust-totals (see Policy)."""

    def __init__(self, orders, read=None, kn_counts_modified=False, nonevents=(), meta_tag=None, trust_totals=False):
        super().__init__(nonevents)
        self.meta_tag = meta_tag
        self.trust_totals = trust_totals
        self.orders = orders  # the EstimateOptions' OrderOptions, to tell which order is asked for
        self.read = dict(read or {})
        self.kn_counts_modified = kn_counts_modified
        self.methods = {}

    def smoothing(self, order_options, uniform_size, fallback):
        method = super().smoothing(order_options, uniform_size, fallback)
        k = next(i for i, oo in enumerate(self.orders, start=1) if oo is order_options)
        if self.kn_counts_modified:
            method.continuation_counts = False
        if k in self.read:
            path = self.read[k]
            read_discount_file(method, path)
        self.methods[k] = method
        return method
