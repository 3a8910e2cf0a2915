"""What to estimate: per order a smoothing method with its cutoffs, plus vocabulary options.

Defaults are SRILM's: Good-Turing with gt1min=gt2min=1, gtNmin=2 above, gt1max=1, gtNmax=7;
orders above 9 gtmin=1, gtmax=5.
"""

from dataclasses import dataclass, field

from ..errors import UsageError
from .smoothing import DEFAULT_METHOD, smoothing_method


# SRILM keeps per-order defaults for orders 1..9; higher orders share those of -gtmin, -gtmax
PER_ORDER = 9


def default_min_count(k):
    return 1 if k <= 2 or k > PER_ORDER else 2


def default_max_count(k):
    return 1 if k == 1 else 7 if k <= PER_ORDER else 5


@dataclass
class OrderOptions:
    method: str = DEFAULT_METHOD  # a name of the registry (estimate.smoothing.METHODS)
    interpolate: bool = False
    min_count: float = 1  # SRILM's -gtNmin: fractional with fractional counts
    max_count: int = 7
    value: float = 0.0  # the constant of absolute discounting / additive smoothing

    def __post_init__(self):
        self.method = smoothing_method(self.method).name


@dataclass
class EstimateOptions:
    order: int = 3
    orders: list = field(default_factory=list)  # OrderOptions per order 1..order
    unk: bool = False  # <unk> is a word of the model
    discount_fallback: tuple | None = None  # fixed Kneser-Ney discounts (D1, D2, D3+) when estimation fails
    float_counts: bool = False  # estimate as from fractional counts (SRILM's -float-counts), as float64 counts are
    kn_discounts_from_raw_counts: bool = False  # Kneser-Ney's discounts from the counts before they are made
    # continuation counts (SRILM's -kn-modify-counts-at-end)

    def __post_init__(self):
        if self.order < 1:
            raise UsageError(f"the order must be at least 1, not {self.order}", option="order")
        if self.discount_fallback is not None and len(self.discount_fallback) != 3:
            raise UsageError("the fallback discounts are three numbers: D1 D2 D3+", option="discount_fallback")

    @classmethod
    def srilm(cls, order, method=DEFAULT_METHOD, interpolate=False, **kwargs):
        """All orders with one method and SRILM's default cutoffs."""
        orders = [OrderOptions(method, interpolate, default_min_count(k), default_max_count(k))
                  for k in range(1, order + 1)]
        return cls(order=order, orders=orders, **kwargs)


def make_method(oo, vocab_size, fallback):
    """The smoothing object for one order."""
    return smoothing_method(oo.method).make(oo, vocab_size, fallback)
