"""Estimating backoff n-gram models from counts, stage by stage (see pipeline.py)."""

from .options import EstimateOptions, OrderOptions, options_from_srilm
from .pipeline import StageTimes, estimate
from .policy import SRILM, Policy

__all__ = ["EstimateOptions", "OrderOptions", "options_from_srilm", "estimate", "StageTimes",
           "SRILM", "Policy"]
