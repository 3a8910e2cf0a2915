"""numfmt.format_g against C's printf `%.<precision>g` (Python's formatting rounds the same way,
from the exact binary value), above all at the 16 digits of SRILM's -debug 4 rank lines, where a
rounded product of value and 10**k can land on the wrong side of a half."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngramkit.numfmt import format_g


def formatted(value, precision):
    out = np.zeros(64, dtype=np.uint8)
    return bytes(out[:format_g(value, precision, out, 0)]).decode()


@pytest.mark.parametrize("value, text", [
    (0.43990074311287186, "0.4399007431128719"),  # the exact value is ...87185 58..., the product ...8718 rounded
    (0.9410135113054549, "0.9410135113054549"),  # ... above 2**53, where doubles are even
    (2 / 3, "0.6666666666666666"),
    (0.125, "0.125"),
    (3.0, "3"),
])
def test_sixteen_digits(value, text):
    assert formatted(value, 16) == text == f"{value:.16g}"


@settings(max_examples=3000, deadline=None)
@given(st.floats(min_value=1e-19, max_value=1e12), st.sampled_from([6, 7, 10, 15, 16, 17]))
def test_as_printf(value, precision):
    assert formatted(value, precision) == f"{value:.{precision}g}"
