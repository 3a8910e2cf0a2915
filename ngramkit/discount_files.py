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
import re

import numpy as np

from .constants import MAX_NGRAM_ORDER
from .errors import DiscountFileError, Notice
from .estimate.smoothing import GoodTuring, KneserNey, ModifiedKneserNey
from .nonevents import NonEventPolicy
from .textio import atomic_output, iter_lines



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


# What SRILM's Discount readers take of a line (sscanf): a keyword at the line's start, then a
# number's prefix; what follows it is ignored.
_COUNT = r"\s*(\+?\d+)"  # stringToCount: %u of a word that starts with no '-'
_SIGNED_COUNT = r"\s*([+-]?\d+)"  # a bare %u, which takes a sign and wraps
_FLOAT = r"\s*([+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|(?i:inf(?:inity)?|nan)))"  # %lf
_KEYWORDS = {"mincount": re.compile("mincount" + _COUNT), "maxcount": re.compile("maxcount" + _COUNT),
             "discount": re.compile("discount" + _SIGNED_COUNT + _FLOAT),
             "discount1": re.compile("discount1" + _FLOAT),
             "discount2": re.compile("discount2" + _FLOAT),
             "discount3+": re.compile("discount3\\+" + _FLOAT)}
_READ_BY = {GoodTuring: ("mincount", "maxcount", "discount"),
            ModifiedKneserNey: ("mincount", "discount1", "discount2", "discount3+"),
            KneserNey: ("mincount", "discount1")}


def read_discount_file(method, path):
    """Let `method` take its parameters from a discount file when its estimate is due, where
    SRILM's ngram-count reads the file: a file it cannot read fails after the lower orders'
    estimates and their lines, its warnings come in their place (zero coefficients at the file's
    last line, where SRILM's reader is when it checks them)."""
    method.estimate = functools.partial(_read_parameters, method, path)
    method.parameters_read = True
    method.float_counts_reason = None  # parameters read are used with fractional counts too


def _read_parameters(method, path, coc, order, warn):
    """The estimate of a method whose parameters are read from `path`: SRILM's reader of its
    kind (a method without parameters reads nothing), its warnings given to `warn`."""
    keywords = next((names for kind, names in _READ_BY.items() if isinstance(method, kind)), None)
    if keywords is None:
        return
    coeffs = {0: 1.0}  # a zero count is not discounted
    max_count = None
    line_no = 0
    for line_no, line in iter_lines(path):
        if not line.strip() or line.startswith("##"):
            continue
        for name in keywords:
            found = _KEYWORDS[name].match(line)
            if found:
                break
        else:
            raise DiscountFileError("unrecognized parameter", path, line_no)
        value = found.group(found.lastindex)
        if name == "mincount":
            method.min_count = int(value)
        elif name == "maxcount":
            max_count = int(value)
            if max_count > MAX_NGRAM_ORDER:
                raise DiscountFileError("maxcount value out of range", path, line_no)
            coeffs = {}  # SRILM zeroes the coefficients a maxcount line covers, that of 0 too
        elif name == "discount":
            count = int(found.group(1)) % 2 ** 32
            if count <= MAX_NGRAM_ORDER:
                coeffs[count] = float(value)
            else:
                warn(Notice(f"{path}: line {line_no}: warning: count value out of range"))
        elif isinstance(method, ModifiedKneserNey):
            method.discounts[{"discount1": 1, "discount2": 2, "discount3+": 3}[name]] = float(value)
        else:
            method.discount = float(value)
    if isinstance(method, GoodTuring):
        top = method.max_count if max_count is None else max_count
        method.max_count = top
        method.coeffs = np.ones(top + 1)
        for c in range(1, top + 1):
            method.coeffs[c] = coeffs.get(c, 0.0)
        for c in range(method.min_count, top + 1):
            if coeffs.get(c, 0.0) == 0.0:
                warn(Notice(f"{path}: line {line_no}: warning: discount coefficient {c} = 0.0"))


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
