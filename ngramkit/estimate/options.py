"""What to estimate: per order a smoothing method with its cutoffs, plus vocabulary options.

Defaults are SRILM's: Good-Turing with gt1min=gt2min=1, gtNmin=2 above, gt1max=1, gtNmax=7.
"""

from dataclasses import dataclass, field

from ..errors import UsageError
from .smoothing import (FALLBACK_DISCOUNTS, Absolute, Additive, GoodTuring, KneserNey,
                        ModifiedKneserNey, WittenBell)

PER_ORDER_FLAGS = range(1, 10)  # SRILM's per-order options go up to 9


def default_min_count(k):
    return 1 if k <= 2 else 2


def default_max_count(k):
    return 1 if k == 1 else 7


@dataclass
class OrderOptions:
    method: str = "gt"  # gt, kn (modified), ukn, wb, cdiscount, addsmooth
    interpolate: bool = False
    min_count: int = 1
    max_count: int = 7
    value: float = 0.0  # the constant of cdiscount / addsmooth


@dataclass
class EstimateOptions:
    order: int = 3
    orders: list = field(default_factory=list)  # OrderOptions per order 1..order
    unk: bool = False  # <unk> is a word of the model
    discount_fallback: tuple | None = None  # fixed Kneser-Ney discounts when estimation fails

    @classmethod
    def srilm(cls, order, method="gt", interpolate=False, **kwargs):
        """All orders with one method and SRILM's default cutoffs."""
        orders = [OrderOptions(method, interpolate, default_min_count(k), default_max_count(k))
                  for k in range(1, order + 1)]
        return cls(order=order, orders=orders, **kwargs)


def options_from_srilm(opts):
    """EstimateOptions from parsed ngram-count options (see ESTIMATE_OPTIONS in the CLI)."""
    order = opts["order"]
    orders = []
    for k in range(1, order + 1):
        def flag(name, k=k):
            return bool(opts.get(name)) or (k in PER_ORDER_FLAGS and bool(opts.get(f"{name}{k}")))

        def number(name, k=k):
            value = opts.get(f"{name}{k}") if k in PER_ORDER_FLAGS else None
            return value if value is not None else opts.get(name)

        oo = OrderOptions(interpolate=flag("interpolate"))
        min_count = opts.get(f"gt{k}min") if k in PER_ORDER_FLAGS else None
        max_count = opts.get(f"gt{k}max") if k in PER_ORDER_FLAGS else None
        oo.min_count = default_min_count(k) if min_count is None else min_count
        oo.max_count = default_max_count(k) if max_count is None else max_count
        # SRILM's precedence when several methods are given for one order
        if flag("wbdiscount"):
            oo.method = "wb"
        elif number("cdiscount") is not None:
            oo.method, oo.value = "cdiscount", number("cdiscount")
        elif number("addsmooth") is not None:
            oo.method, oo.value = "addsmooth", number("addsmooth")
        elif flag("kndiscount"):
            oo.method = "kn"
        elif flag("ukndiscount"):
            oo.method = "ukn"
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
    return EstimateOptions(order=order, orders=orders, unk=bool(opts.get("unk")),
                           discount_fallback=fallback)


def make_method(oo, vocab_size, fallback):
    """The smoothing object for one order."""
    if oo.method == "gt":
        return GoodTuring(oo.min_count, oo.max_count, oo.interpolate)
    if oo.method == "kn":
        return ModifiedKneserNey(oo.min_count, oo.interpolate, fallback)
    if oo.method == "ukn":
        return KneserNey(oo.min_count, oo.interpolate, fallback)
    if oo.method == "wb":
        return WittenBell(oo.min_count, oo.interpolate)
    if oo.method == "cdiscount":
        return Absolute(oo.value, oo.min_count, oo.interpolate)
    if oo.method == "addsmooth":
        return Additive(oo.value, oo.min_count, oo.interpolate, vocab_size)
    raise UsageError(f"unknown smoothing method {oo.method!r}")
