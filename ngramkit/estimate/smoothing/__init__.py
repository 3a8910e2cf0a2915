"""Smoothing methods, one per module, behind the interface in base.py."""

from .absolute import Absolute
from .additive import Additive
from .base import Smoothing
from .good_turing import GoodTuring
from .kneser_ney import FALLBACK_DISCOUNTS, KneserNey, ModifiedKneserNey
from .witten_bell import WittenBell

__all__ = ["Absolute", "Additive", "Smoothing", "GoodTuring", "KneserNey", "ModifiedKneserNey",
           "WittenBell", "FALLBACK_DISCOUNTS"]
