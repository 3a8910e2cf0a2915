"""Witten-Bell: the lower-order weight is the share of distinct followers among all events."""

from .base import Smoothing


class WittenBell(Smoothing):
    def formula(self):
        return self.make_formula(follower_discount=(1.0, 1.0, 1.0), observed_share=1.0)
