"""Smoothing methods, one per module, behind the interface in base.py, and their registry.

Every name a method goes by (the API's, the `ngramkit train --method` choices, SRILM's
`ngram-count` flag) comes from its one `SmoothingMethod` entry in METHODS. Adding a method is a
module here and one entry below.
"""

from dataclasses import dataclass

from ...errors import UsageError
from .absolute import Absolute
from .additive import Additive
from .base import Smoothing
from .good_turing import GoodTuring
from .kneser_ney import FALLBACK_DISCOUNTS, KneserNey, ModifiedKneserNey
from .natural import Natural
from .witten_bell import WittenBell


@dataclass(frozen=True)
class SmoothingMethod:
    """One smoothing method: its names and how to make it for one order.

    `make(order_options, uniform_size, fallback)` returns the method's Smoothing object;
    `order_options` is an estimate.OrderOptions, `uniform_size` the number of predicted words,
    `fallback` the fixed Kneser-Ney discounts (or None)."""

    name: str
    title: str
    aliases: tuple
    srilm_flag: str | None  # ngram-count's option (with per-order variants flag1..flag9)
    srilm_class: str  # SRILM's name of it in ngram-count's -debug 1 lines ("using GoodTuring for 1-grams")
    takes_value: bool  # the flag takes the method's constant (oo.value)
    make: object


METHODS = (
    # SRILM's precedence when several flags name one order: the first listed wins
    SmoothingMethod("natural", "natural discounting", ("nd", "ndiscount"), "ndiscount", "NaturalDiscount", False,
                    lambda oo, size, fallback: Natural(oo.min_count, oo.interpolate, size)),
    SmoothingMethod("witten-bell", "Witten-Bell", ("wb",), "wbdiscount", "WittenBell", False,
                    lambda oo, size, fallback: WittenBell(oo.min_count, oo.interpolate)),
    SmoothingMethod("absolute", "absolute discounting", ("abs", "cdiscount"), "cdiscount", "ConstDiscount", True,
                    lambda oo, size, fallback: Absolute(oo.value, oo.min_count, oo.interpolate)),
    SmoothingMethod("additive", "additive smoothing", ("add", "addsmooth"), "addsmooth", "AddSmooth", True,
                    lambda oo, size, fallback: Additive(oo.value, oo.min_count, oo.interpolate, size)),
    SmoothingMethod("kneser-ney", "modified Kneser-Ney", ("kn", "modified-kneser-ney", "mkn"), "kndiscount",
                    "ModKneserNey", False, lambda oo, size, fallback: ModifiedKneserNey(oo.min_count, oo.interpolate, fallback)),
    SmoothingMethod("original-kneser-ney", "original Kneser-Ney", ("ukn",), "ukndiscount", "KneserNey", False,
                    lambda oo, size, fallback: KneserNey(oo.min_count, oo.interpolate, fallback)),
    SmoothingMethod("good-turing", "Good-Turing (Katz)", ("gt", "katz"), None, "GoodTuring", False,
                    lambda oo, size, fallback: GoodTuring(oo.min_count, oo.max_count, oo.interpolate)),
)
DEFAULT_METHOD = "good-turing"  # SRILM's, when no flag names a method

_BY_NAME = {name: m for m in METHODS for name in (m.name, *m.aliases)}


def smoothing_method(name):
    """The registry entry called `name` (its name or an alias)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UsageError(f"unknown smoothing method {name!r}; choose from "
                         + ", ".join(m.name for m in METHODS)) from None


def method_names():
    """Every name and alias, for option choices."""
    return sorted(_BY_NAME)


__all__ = ["Absolute", "Additive", "Smoothing", "GoodTuring", "KneserNey", "ModifiedKneserNey",
           "Natural", "WittenBell", "FALLBACK_DISCOUNTS", "METHODS", "DEFAULT_METHOD", "SmoothingMethod",
           "smoothing_method", "method_names"]
