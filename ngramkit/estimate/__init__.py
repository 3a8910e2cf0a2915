"""Estimating backoff n-gram models from counts, stage by stage (see pipeline.py)."""

from .options import EstimateOptions, OrderOptions
from .pipeline import StageTimes, estimate
from .policy import SRILM, Policy

__all__ = ["EstimateOptions", "OrderOptions", "estimate", "StageTimes",
           "SRILM", "Policy"]
