"""Witten-Bell: the lower-order weight is the share of distinct followers among all events."""

from .base import Smoothing


class WittenBell(Smoothing):
    def discounted(self, count, total, observed):
        return total / (total + observed)

    def lower_order_weight(self, total, observed, min2, min3):
        return observed / (total + observed)
