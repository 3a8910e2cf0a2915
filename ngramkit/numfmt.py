"""Compiled number parsing and formatting (`%g`, integers, ASCII text) over byte buffers.

ARPA files and `-debug 2` outputs hold millions of numbers; parsing and
printing them one Python call at a time would dominate the run time.
"""

import math

import numpy as np

from .jit import njit

_POW10 = np.array([10.0**k for k in range(23)], dtype=np.float64)
_POW10_INT = np.array([10**k for k in range(10)], dtype=np.int64)
# 10**k for k in -325..309 (all of float64's), correctly rounded
_POW10_ALL = np.array([float(f"1e{k}") for k in range(-325, 310)], dtype=np.float64)
_DIGIT_PAIRS = np.frombuffer("".join(f"{i:02d}" for i in range(100)).encode("ascii"), dtype=np.uint8).copy()


@njit(cache=True, inline="always")
def _exponent10(value):
    """floor(log10(value)) of a finite value > 0, from its binary exponent and one comparison
    (a libm log10 cost a third of a number's formatting). Next to a power of ten it may be one
    off, as log10's rounding may; the digit steps correct that."""
    _, b = math.frexp(value)  # value in [2**(b-1), 2**b)
    e = int(math.floor((b - 1) * 0.30102999566398120))  # log10(value) in [e, e + 1] or [e + 1, e + 2)
    if value >= _POW10_ALL[e + 326]:
        e += 1
    return e


@njit(cache=True)
def _scale10(x, k):
    """x * 10**k, exact in each step where 10**k is (|k| <= 22)."""
    while k > 22:
        x *= 1e22
        k -= 22
    while k < -22:
        x /= 1e22
        k += 22
    if k >= 0:
        return x * _POW10[k]
    return x / _POW10[-k]


@njit(cache=True)
def parse_float(buf, start, end):
    """Parse buf[start:end] as a decimal number; returns (value, ok)."""
    i = start
    neg = False
    if i < end and (buf[i] == 45 or buf[i] == 43):  # '-' '+'
        neg = buf[i] == 45
        i += 1
    if end - i == 3 and (buf[i] | 32) == 105 and (buf[i + 1] | 32) == 110 and (buf[i + 2] | 32) == 102:
        return (-np.inf if neg else np.inf), True  # "inf"
    mant = np.int64(0)
    ndigits = 0
    exp10 = 0
    seen = False
    while i < end and 48 <= buf[i] <= 57:
        seen = True
        if ndigits < 18:
            mant = mant * 10 + (buf[i] - 48)
            if mant > 0:
                ndigits += 1
        else:
            exp10 += 1
        i += 1
    if i < end and buf[i] == 46:  # '.'
        i += 1
        while i < end and 48 <= buf[i] <= 57:
            seen = True
            if ndigits < 18:
                mant = mant * 10 + (buf[i] - 48)
                if mant > 0:
                    ndigits += 1
                exp10 -= 1
            i += 1
    if not seen:
        return 0.0, False
    if i < end and (buf[i] | 32) == 101:  # 'e'
        i += 1
        eneg = False
        if i < end and (buf[i] == 45 or buf[i] == 43):
            eneg = buf[i] == 45
            i += 1
        if i >= end:
            return 0.0, False
        e = 0
        while i < end and 48 <= buf[i] <= 57:
            if e < 100000:
                e = e * 10 + (buf[i] - 48)
            i += 1
        exp10 += -e if eneg else e
    if i != end:
        return 0.0, False
    value = _scale10(float(mant), exp10)
    return (-value if neg else value), True


def ascii_bytes(text):
    """A constant for put_bytes. Compiled code takes text as uint8 arrays: Numba's unicode
    strings cost seconds of compile time in every function that touches them."""
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8)


@njit(cache=True)
def put_bytes(out, pos, src, start, end):
    """Copy src[start:end] into out at pos; returns the new end."""
    for i in range(start, end):
        out[pos] = src[i]
        pos += 1
    return pos


@njit(cache=True)
def put_line(out, pos, src, starts, ends, first, stop):
    """Tokens first..stop-1 of a text (src[starts[t]:ends[t]]) as written, one space apart, and a
    newline: the line -debug 1 and 2 print before a sentence's scores. Returns the new end."""
    for t in range(first, stop):
        if t > first:
            out[pos] = 32
            pos += 1
        pos = put_bytes(out, pos, src, starts[t], ends[t])
    out[pos] = 10
    return pos + 1


@njit(cache=True)
def put_text(out, pos, text):
    """Copy a constant made by ascii_bytes into out at pos; returns the new end."""
    return put_bytes(out, pos, text, 0, len(text))


_NAN = ascii_bytes("nan")
_INF = ascii_bytes("inf")


@njit(cache=True)
def put_uint(out, pos, value):
    """Write the decimal digits of a non-negative integer into out at pos; returns the new end."""
    if value == 0:
        out[pos] = 48
        return pos + 1
    digits = 0
    v = value
    while v > 0:
        digits += 1
        v //= 10
    end = pos + digits
    v = value
    for p in range(end - 1, pos - 1, -1):
        out[p] = 48 + v % 10
        v //= 10
    return end


@njit(cache=True, inline="always")
def _split(a):
    """Dekker's split of a double into two halves of 26 bits each (hi + lo == a)."""
    c = 134217729.0 * a  # 2**27 + 1
    hi = c - (c - a)
    return hi, a - hi


@njit(cache=True, inline="always")
def _exact_product(a, b):
    """a * b as hi + lo, hi the rounded product and lo its rounding error (Dekker's product)."""
    hi = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    return hi, ((a_hi * b_hi - hi) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


@njit(cache=True, inline="always")
def _rounded_scaled(value, k, precision):
    """value * 10**k rounded to an integer. With more than 9 digits the rounded product can fall
    on the wrong side of a half, so there (k >= 0) the product is carried in two doubles, exact
    where 10**k is (k <= 22), and rounded as C's printf rounds the exact value."""
    if precision <= 9 or k < 0 or k > 44:
        return np.int64(np.rint(_scale10(value, k)))
    hi, lo = _exact_product(value, _POW10[min(k, 22)])
    if k > 22:
        hi, low_error = _exact_product(hi, _POW10[k - 22])
        lo = lo * _POW10[k - 22] + low_error
    n = np.rint(hi)
    rest = (hi - n) + lo
    whole = np.floor(rest)
    # above 2**53 doubles are spaced 2 or more apart: the correction is made in integers
    digits = np.int64(n) + np.int64(whole)
    part = rest - whole
    if part > 0.5 or (part == 0.5 and digits % 2 == 1):
        digits += 1
    return digits


@njit(cache=True, inline="always")
def _decimal_digits(value, precision, e):
    """`%.<precision>g`'s digits of a finite value > 0 whose exponent is about `e`: (d, nd, e)
    with value ~ d * 10**(e-nd+1), d of nd <= precision digits and no trailing zero."""
    low = 10 ** (precision - 1)
    high = 10 * low
    digits = _rounded_scaled(value, precision - 1 - e, precision)
    if digits >= high:
        e += 1
        digits = _rounded_scaled(value, precision - 1 - e, precision)
    elif digits < low:
        e -= 1
        digits = _rounded_scaled(value, precision - 1 - e, precision)
    elif digits == low:
        # a value just below 10**e whose logarithm rounded up: its digits one place further
        # down, unless they round up to 10**e again
        below = _rounded_scaled(value, precision - e, precision)
        if below < high:
            e -= 1
            digits = below
    if digits >= high:  # rounding carried into a new digit
        digits //= 10
        e += 1
    # digits holds exactly `precision` decimal digits d0 d1 ...; drop trailing zeros.
    nd = precision
    while nd > 1 and digits % 10 == 0:
        digits //= 10
        nd -= 1
    return digits, nd, e


@njit(cache=True, inline="always")
def _shortest_float32_digits(value, e):
    """(d, nd, e, precision) of the shortest `%.6g` to `%.9g` of a float32 value > 0 whose
    exponent is about `e` that reads back as the same float32.

    parse_float reads the text of (d, nd, e) as d * 10**(e-nd+1) in these same steps, so each
    try is checked without writing and parsing its text. Where every power of ten involved is
    exact (|e| <= 13) and the try's digits need no new exponent, a try is one product or
    quotient each way: digits and their trailing zeros give the same correctly rounded
    quotient, so the zeros are dropped once, from the digits kept."""
    for precision in range(6, 10):
        if -13 <= e <= 13:
            scale = precision - 1 - e
            scaled = value * _POW10[scale] if scale >= 0 else value / _POW10[-scale]
            digits = np.int64(np.rint(scaled))
            low = _POW10_INT[precision - 1]
            if low <= digits < 10 * low:
                if precision < 9:
                    back = float(digits) / _POW10[scale] if scale >= 0 else float(digits) * _POW10[-scale]
                    if np.float32(back) != value:
                        continue
                nd = precision
                while nd > 1 and digits % 10 == 0:
                    digits //= 10
                    nd -= 1
                return digits, nd, e, precision
        digits, nd, exponent = _decimal_digits(value, precision, e)
        if precision == 9 or np.float32(_scale10(float(digits), exponent - nd + 1)) == value:
            return digits, nd, exponent, precision
    return np.int64(0), 0, e, 9  # not reached: the 9-digit try is always taken


@njit(cache=True, inline="always")
def _put_digits(out, pos, digits, nd, point):
    """Write the nd decimal digits d0 d1 ... of `digits`, digit j at out[pos + j + (j > point)]
    (after the point), last to first, two at a time: half the chain of divisions."""
    j = nd - 1
    while j >= 1:
        pair = digits % 100
        digits //= 100
        out[pos + j + (j > point)] = _DIGIT_PAIRS[2 * pair + 1]
        out[pos + j - 1 + (j - 1 > point)] = _DIGIT_PAIRS[2 * pair]
        j -= 2
    if j == 0:
        out[pos] = 48 + digits


@njit(cache=True)
def format_g(value, precision, out, pos):
    """Write C's `%.<precision>g` of a float64 into out[pos:]; returns the new end. Precision 0:
    the shortest of `%.6g` to `%.9g` that reads back (parse_float) as the same float32 (value
    is then a float32's).

    Needs at most max(precision, 9) + 8 bytes.
    """
    if value < 0 or (not value > 0 and math.copysign(1.0, value) < 0):  # -0 and a NaN of sign bit set too
        out[pos] = 45
        pos += 1
        value = -value
    if math.isnan(value):
        return put_text(out, pos, _NAN)
    if math.isinf(value):
        return put_text(out, pos, _INF)
    if value == 0:
        out[pos] = 48
        return pos + 1
    e = _exponent10(value)
    if precision > 0:
        digits, nd, e = _decimal_digits(value, precision, e)
    else:
        digits, nd, e, precision = _shortest_float32_digits(value, e)
    if e < -4 or e >= precision:
        _put_digits(out, pos, digits, nd, 0)
        pos += 1
        if nd > 1:
            out[pos] = 46
            pos += nd
        out[pos] = 101  # 'e'
        out[pos + 1] = 45 if e < 0 else 43
        pos += 2
        ae = -e if e < 0 else e
        if ae >= 100:
            out[pos] = 48 + ae // 100
            pos += 1
        out[pos] = 48 + (ae // 10) % 10
        out[pos + 1] = 48 + ae % 10
        return pos + 2
    if e < 0:
        out[pos] = 48
        out[pos + 1] = 46
        pos += 2
        for _ in range(-e - 1):
            out[pos] = 48
            pos += 1
        _put_digits(out, pos, digits, nd, nd)
        return pos + nd
    # e + 1 digits before the point (zeros after the last one), the rest after it
    for j in range(nd, e + 1):
        out[pos + j] = 48
    _put_digits(out, pos, digits, nd, e)
    if nd > e + 1:
        out[pos + e + 1] = 46
        return pos + nd + 1
    return pos + e + 1


def c_format_g(value, precision):
    """C's `%.<precision>g` of a float: Python's, but a NaN whose sign bit is set (as invalid
    operations make it) is `-nan`."""
    if math.isnan(value) and math.copysign(1.0, value) < 0:
        return "-nan"
    return f"{value:.{precision}g}"


@njit(cache=True)
def format_value(value, precision, out, pos):
    """`%.<precision>g` of value, or with precision 0 the shortest `%g` text (6 to 9 digits)
    that reads back as the same float32."""
    if precision == 0:
        value = float(np.float32(value))
    return format_g(value, precision, out, pos)
