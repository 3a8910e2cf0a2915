"""ngram-count's estimation options (SRILM's names) and its -lm output."""

from ..arpa import write_arpa
from ..estimate import estimate, options_from_srilm
from .common import warn
from .srilm_options import Option, per_order

ESTIMATE_OPTIONS = [
    Option("lm", str, help="estimate a backoff model and write it as ARPA (.gz by extension)"),
    Option("kndiscount", bool, False, "modified Kneser-Ney discounting for all orders"),
    *per_order("kndiscount{n}", bool, help="modified Kneser-Ney discounting for order {n}"),
    Option("ukndiscount", bool, False, "original Kneser-Ney discounting for all orders"),
    *per_order("ukndiscount{n}", bool, help="original Kneser-Ney discounting for order {n}"),
    Option("wbdiscount", bool, False, "Witten-Bell discounting for all orders"),
    *per_order("wbdiscount{n}", bool, help="Witten-Bell discounting for order {n}"),
    Option("cdiscount", float, help="absolute discounting with this constant, all orders"),
    *per_order("cdiscount{n}", float, help="absolute discounting constant for order {n}"),
    Option("addsmooth", float, help="additive smoothing with this constant, all orders"),
    *per_order("addsmooth{n}", float, help="additive smoothing constant for order {n}"),
    Option("interpolate", bool, False, "interpolate with lower orders (KN, WB, cdiscount)"),
    *per_order("interpolate{n}", bool, help="interpolate order {n} with lower orders"),
    *per_order("gt{n}min", int, help="drop {n}-grams counted fewer times than this"),
    *per_order("gt{n}max", int, help="Good-Turing discounts counts up to this for order {n}"),
    Option("discount-fallback", bool, False,
           "use fixed Kneser-Ney discounts 0.5 1 1.5 where they cannot be estimated"),
    Option("fallback-discounts", str, help="the fixed discounts 'D1 D2 D3+' for -discount-fallback"),
]


def write_lm(counts, opts, prog, spill_dir=None):
    """Estimate from `counts` as the parsed options say and write the ARPA file; `counts` is
    consumed (left empty) to free each order's tables as soon as estimation is done with them.
    `spill_dir`: where a run under -memory keeps its large arrays."""
    model = estimate(counts, options_from_srilm(opts), warn=lambda message: warn(prog, message),
                     consume=True, spill_dir=spill_dir)
    write_arpa(model, opts["lm"])
