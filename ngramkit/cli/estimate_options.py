"""ngram-count's estimation options (SRILM's names), derived from the smoothing registry."""

from ..errors import UsageError
from ..estimate import EstimateOptions, OrderOptions
from ..estimate.options import PER_ORDER, default_max_count, default_min_count
from ..estimate.smoothing import FALLBACK_DISCOUNTS, METHODS
from .srilm_options import Option, per_order

SRILM_METHODS = [m for m in METHODS if m.srilm_flag]  # in SRILM's precedence order


def _method_options():
    options = []
    for m in SRILM_METHODS:
        if m.takes_value:
            options.append(Option(m.srilm_flag, float, help=f"{m.title} with this constant, all orders"))
            options += per_order(m.srilm_flag + "{n}", float, help=f"{m.title} constant for order {{n}}")
        else:
            options.append(Option(m.srilm_flag, bool, False, f"{m.title} for all orders"))
            options += per_order(m.srilm_flag + "{n}", bool, help=f"{m.title} for order {{n}}")
    return options


ESTIMATE_OPTIONS = [
    Option("lm", str, help="estimate a backoff model and write it (ARPA; .gz by extension, .ngk binary)"),
    *_method_options(),
    Option("interpolate", bool, False, "interpolate with lower orders (KN, WB, cdiscount)"),
    *per_order("interpolate{n}", bool, help="interpolate order {n} with lower orders"),
    *per_order("gt{n}min", float, help="drop {n}-grams counted fewer times than this (Good-Turing and "
                                       "Kneser-Ney: its integer part)"),
    *per_order("gt{n}max", int, help="Good-Turing discounts counts up to this for order {n}"),
    Option("gtmin", float, help="-gtNmin of the orders above 9 (default 1)"),
    Option("gtmax", int, help="-gtNmax of the orders above 9 (default 5)"),
    Option("kn-modify-counts-at-end", bool, False, "estimate Kneser-Ney discounts from the counts before they are "
                                                   "made continuation counts"),
    Option("discount-fallback", bool, False,
           "use fixed Kneser-Ney discounts 0.5 1 1.5 where they cannot be estimated"),
    Option("fallback-discounts", str, help="the fixed discounts 'D1 D2 D3+' for -discount-fallback"),
]


def _per_order(opts, name, k):
    """The value of option `name` for order k: its per-order form (1..9) first."""
    value = opts.get(f"{name}{k}") if k <= 9 else None
    return opts.get(name) if value is None or value is False else value


def min_count(opts, k):
    """Order k's -gtNmin (-gtmin above order 9), or SRILM's default."""
    value = opts.get(f"gt{k}min" if k <= PER_ORDER else "gtmin")
    return default_min_count(k) if value is None else value


def max_count(opts, k):
    """Order k's -gtNmax (-gtmax above order 9), or SRILM's default."""
    value = opts.get(f"gt{k}max" if k <= PER_ORDER else "gtmax")
    return default_max_count(k) if value is None else value


def methods_given(opts, suffix=""):
    """(method, its value) of each smoothing flag given with `suffix` (an order, or "" for the
    flags of all orders); a constant of -1 is SRILM's "not given"."""
    given = []
    for m in SRILM_METHODS:
        value = opts.get(m.srilm_flag.replace("-", "_") + suffix)
        if (value is not None and value != -1.0) if m.takes_value else value:
            given.append((m, value))
    return given


def check_default_methods(opts):
    """SRILM refuses two methods (a -kn or -gt file among them) for all orders."""
    methods = {m.name for m, _ in methods_given(opts)}
    files = bool(opts.get("kn")) and "kneser-ney" not in methods
    if len(methods) + files + bool(opts.get("gt")) > 1:
        raise UsageError("conflicting default discounting options")


def estimate_options(opts):
    """EstimateOptions from parsed ngram-count options: each order's method its own flag's
    (-wbdiscount2), else the one of all orders (-wbdiscount), as SRILM inherits them."""
    order = opts["order"]
    orders = []
    defaults = methods_given(opts)
    for k in range(1, order + 1):
        oo = OrderOptions(interpolate=bool(_per_order(opts, "interpolate", k)), min_count=min_count(opts, k),
                          max_count=max_count(opts, k))
        given = (methods_given(opts, str(k)) if k <= PER_ORDER else []) or defaults
        if given:  # more than one of an order's own is refused (discount_files)
            m, value = given[0]
            oo.method = m.name
            if m.takes_value:
                oo.value = value
        orders.append(oo)
    fallback = None
    if opts.get("fallback_discounts"):
        try:
            fallback = tuple(float(x) for x in opts["fallback_discounts"].replace(",", " ").split())
        except ValueError:
            fallback = ()
        if len(fallback) != 3:
            raise UsageError("-fallback-discounts needs three numbers: D1 D2 D3+")
    elif opts.get("discount_fallback"):
        fallback = FALLBACK_DISCOUNTS
    return EstimateOptions(order=order, orders=orders, unk=bool(opts.get("unk")), discount_fallback=fallback,
                           float_counts=bool(opts.get("float_counts")),
                           kn_discounts_from_raw_counts=bool(opts.get("kn_modify_counts_at_end")))
