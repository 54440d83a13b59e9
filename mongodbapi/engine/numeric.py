"""Numbers as the server holds them: int/long bounds, Decimal128 and the widest type.

Decimal128 arithmetic follows the server (expression.cpp, accumulator_sum.cpp,
decimal128.cpp): 34 digits, ties to even; where a double meets a decimal it is
converted with 15 significant digits (0.1 -> 0.100000000000000), except a running
double total in ``$add`` and the double part of ``$sum``/``$avg``, which join the
decimal with 34 digits (so 0.1 + 0.2 there keeps its binary error).
"""

from __future__ import annotations

import decimal
import math
from typing import Any

from bson.decimal128 import Decimal128

# Decimal128 arithmetic: 34 digits, half to even, no traps (overflow gives Infinity and an
# invalid operation NaN, as in the server's IEEE 754 library).
DECIMAL128 = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, Emin=-6143, Emax=6144,
                             clamp=1, traps=[])
# Enough digits to hold any double or Decimal128 exactly while it is rounded.
WIDE = decimal.Context(prec=800, Emax=999_999, Emin=-999_999)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def exact_value(number: Any) -> decimal.Decimal:
    """A number's exact value (a double exactly, not rounded to 15 digits)."""
    if isinstance(number, Decimal128):
        return number.to_decimal()
    if isinstance(number, decimal.Decimal):
        return number
    return decimal.Decimal(number)


def double_to_decimal(value: float, digits34: bool = False) -> decimal.Decimal:
    """The server's ``Decimal128(double)``: 15 significant digits, trailing zeros kept
    (0.1 -> 0.100000000000000), or the double rounded to 34 digits (``kRoundTo34Digits``)."""
    exact = decimal.Decimal(value)
    if digits34 or value == 0 or not math.isfinite(value):
        return DECIMAL128.create_decimal(exact)
    # The base-10 exponent guessed from the base-2 one, and one more when 15 digits overflow.
    base10 = ((math.frexp(value)[1] - 1) * 30103) // 100_000
    for exponent in (base10 - 14, base10 - 13):
        result = exact.quantize(decimal.Decimal(1).scaleb(exponent),
                                rounding=decimal.ROUND_HALF_EVEN, context=WIDE)
        if len(result.as_tuple().digits) <= 15:
            break
    return result


def coerce_decimal(number: Any) -> decimal.Decimal:
    """``Value::coerceToDecimal``: an int exactly, a double with 15 digits."""
    if isinstance(number, float):
        return double_to_decimal(number)
    return exact_value(number)


def to_decimal128(value: decimal.Decimal) -> Decimal128:
    return Decimal128(DECIMAL128.create_decimal(value))


def widest_type(kind: type, value: Any) -> type:
    """``Value::getWidestNumeric`` over int (int and long), float and Decimal128."""
    for cls in (Decimal128, float):
        if kind is cls or isinstance(value, cls):
            return cls
    return int


def fits_long(number: int) -> bool:
    return INT64_MIN <= number <= INT64_MAX
