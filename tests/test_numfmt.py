"""numfmt's `%g` writer against C's printf (Python's `%` operator and format rounds the same
way, from the exact binary value): on random doubles, on the values next to every power of ten
(where the decimal exponent is decided), at the 16 digits of SRILM's -debug 4 rank lines, where a
rounded product of value and 10**k can land on the wrong side of a half; and the shortest float32
text of 6 to 9 digits that reads back as the same float32."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ngramkit.jit import njit
from ngramkit.numfmt import format_value


@njit(cache=True)
def _format_all(values, precision, out):
    pos = 0
    for i in range(len(values)):
        pos = format_value(values[i], precision, out, pos)
        out[pos] = 10
        pos += 1
    return pos


def formatted(values, precision):
    out = np.empty(32 * len(values) + 32, dtype=np.uint8)
    n = _format_all(np.asarray(values, dtype=np.float64), precision, out)
    return out[:n].tobytes().decode("ascii").split("\n")[:-1]


def powers_of_ten_and_neighbours():
    powers = np.array([float(f"1e{k}") for k in range(-307, 309)])
    return np.concatenate([powers, np.nextafter(powers, 0), np.nextafter(powers, np.inf), -powers])


@pytest.mark.parametrize("precision", [6, 7])
def test_g_is_printf_on_random_doubles_and_next_to_powers_of_ten(precision):
    rng = np.random.default_rng(11)
    doubles = rng.integers(0, 2**63, size=200_000, dtype=np.uint64).view(np.float64)
    doubles = doubles[np.isfinite(doubles)]
    logprobs = -rng.gamma(2.0, 0.8, size=50_000)  # the values of ARPA files
    values = np.concatenate([doubles, -doubles[:1000], logprobs, powers_of_ten_and_neighbours(),
                             [0.0, -0.0, 1.0, -1.0, 5e-324, 1.7976931348623157e308]])
    ours = formatted(values, precision)
    expected = [f"%.{precision}g" % v for v in values]
    assert ours == expected


def shortest_float32(value):
    """The first of %.6g .. %.9g whose text reads back as the float32 `value`."""
    for digits in range(6, 10):
        text = f"%.{digits}g" % value
        if np.float32(float(text)) == np.float32(value):
            return text
    raise AssertionError("9 digits always read back")


def test_shortest_float32_text_reads_back_with_the_fewest_digits():
    rng = np.random.default_rng(12)
    bits = rng.integers(0, 2**32, size=100_000, dtype=np.uint64).astype(np.uint32)
    singles = bits.view(np.float32)
    singles = singles[np.isfinite(singles) & (singles != 0)]
    near_powers = powers_of_ten_and_neighbours()
    near_powers = near_powers[np.abs(near_powers) < np.finfo(np.float32).max].astype(np.float32)
    near_powers = near_powers[near_powers != 0]
    values = np.concatenate([singles, near_powers, (-rng.gamma(2.0, 0.8, size=50_000)).astype(np.float32)])
    assert formatted(values.astype(np.float64), 0) == [shortest_float32(float(v)) for v in values]


def formatted_one(value, precision):
    return formatted([value], precision)[0]


@pytest.mark.parametrize("value, text", [
    (0.43990074311287186, "0.4399007431128719"),  # the exact value is ...87185 58..., the product ...8718 rounded
    (0.9410135113054549, "0.9410135113054549"),  # ... above 2**53, where doubles are even
    (2 / 3, "0.6666666666666666"),
    (0.125, "0.125"),
    (3.0, "3"),
])
def test_sixteen_digits(value, text):
    assert formatted_one(value, 16) == text == f"{value:.16g}"


@settings(max_examples=3000, deadline=None)
@given(st.floats(min_value=1e-19, max_value=1e12), st.sampled_from([6, 7, 10, 15, 16, 17]))
def test_as_printf(value, precision):
    assert formatted_one(value, precision) == f"{value:.{precision}g}"
