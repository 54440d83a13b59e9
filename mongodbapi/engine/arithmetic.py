"""Arithmetic expression operators with the server's number types, and $rand, $range.

doc: the result has the widest operand type (int, long when an int overflows, double when
a long overflows, decimal); null or missing gives null; $add takes one date, $subtract
date - date in milliseconds; dividing by zero is an error. The engine gave a double for
int % int, raised TypeError for Decimal128 operands and Python errors for other types;
$ceil/$floor of a double gave an int; $round/$trunc lost the input type; $rand and $range
were missing. Server: AddState, MultiplyState in expression.cpp.
"""

from __future__ import annotations

import datetime
import decimal
import math
import random
from typing import Any, Callable

from bson.decimal128 import Decimal128
from pymongo.errors import OperationFailure

from .dates import epoch_millis
from .numeric import (DECIMAL128, INT64_MIN, WIDE, coerce_decimal, double_to_decimal, fits_long,
                      to_decimal128, widest_type)
from .values import (BAD_VALUE, INT32_RANGE, OVERFLOW, TYPE_MISMATCH, arg_list, is_number, nullish,
                     single_argument, type_name, whole_number)

_RANDOM = random.Random()  # noqa: S311 - $rand is not for cryptography


def _round_half_away(number: float) -> int:
    """C's llround (half away from zero); non-finite or out of the long range is None."""
    if not math.isfinite(number) or not -(2.0**63) <= number < 2.0**63:
        return None
    return int(math.copysign(math.floor(abs(number) + 0.5), number))


def _millis_of(op: str, number: Any) -> int:
    """A number of milliseconds to add to a date: a double rounded half away from zero, a
    decimal half to even (``Decimal128::toLong``)."""
    if isinstance(number, float):
        millis = _round_half_away(number)
    elif isinstance(number, Decimal128):
        value = number.to_decimal()
        millis = (int(value.to_integral_value(rounding=decimal.ROUND_HALF_EVEN))
                  if value.is_finite() else None)
    else:
        millis = number
    if millis is None or not fits_long(millis):
        raise OperationFailure(f"date overflow in {op}", OVERFLOW)
    return millis


def _date_plus(op: str, date: datetime.datetime, millis: int) -> datetime.datetime:
    try:
        return date + datetime.timedelta(milliseconds=millis)
    except OverflowError as error:
        raise OperationFailure(f"date overflow in {op}", OVERFLOW) from error


def _add(parser: Any, values: Any, original: Callable) -> Any:
    # doc: numbers and at most one date; null or missing -> null. The result has the
    # widest type (int, long, double, decimal; a long that overflows becomes a double),
    # or is a date when a date is added. Server: AddState in expression.cpp.
    total_long, total_double, total_decimal = 0, 0.0, decimal.Decimal(0)
    widest: type = int
    date = None
    for arg in values if isinstance(values, list) else [values]:
        value = parser.parse(arg)
        if nullish(value):
            return None
        if isinstance(value, datetime.datetime):
            if date is not None:
                raise OperationFailure("only one date allowed in an $add expression", 16612)
            date, value = value, epoch_millis(value)
        elif is_number(value):
            old, widest = widest, widest_type(widest, value)
            if widest is float and old is int:
                total_double = float(total_long)
            elif widest is Decimal128 and old is not Decimal128:
                total_decimal = (decimal.Decimal(total_long) if old is int
                                 else double_to_decimal(total_double, digits34=True))
        else:
            raise OperationFailure(f"$add only supports numeric or date types, "
                                   f"not {type_name(value)}", TYPE_MISMATCH)
        if widest is int:
            if fits_long(total_long + value):
                total_long += value
            else:  # long overflow: the sum goes on as a double
                widest, total_double = float, float(total_long) + float(value)
        elif widest is float:
            total_double += float(value)
        else:
            total_decimal = DECIMAL128.add(total_decimal, coerce_decimal(value))
    if date is not None:
        millis = {int: lambda: total_long, float: lambda: _millis_of("$add", total_double),
                  Decimal128: lambda: _millis_of("$add", to_decimal128(total_decimal))}[widest]()
        return _date_plus("$add", date, millis - epoch_millis(date))
    if widest is Decimal128:
        return to_decimal128(total_decimal)
    return total_double if widest is float else total_long


def _subtract(parser: Any, values: Any, original: Callable) -> Any:
    # doc: number - number (widest type; a long overflow gives a double), date - date
    # (milliseconds), date - number (a date); null or missing -> null; else an error.
    a, b = (parser.parse(arg) for arg in arg_list("$subtract", values, 2, 2))
    if is_number(a) and is_number(b):
        widest = widest_type(widest_type(int, a), b)
        if widest is Decimal128:
            return to_decimal128(DECIMAL128.subtract(coerce_decimal(a), coerce_decimal(b)))
        if widest is int and fits_long(a - b):
            return a - b
        return float(a) - float(b)
    if nullish(a) or nullish(b):
        return None
    if isinstance(a, datetime.datetime):
        if isinstance(b, datetime.datetime):
            return epoch_millis(a) - epoch_millis(b)
        if is_number(b):
            return _date_plus("$subtract", a, -_millis_of("$subtract", b))
        raise OperationFailure(f"can't $subtract {type_name(b)} from Date", TYPE_MISMATCH)
    raise OperationFailure(f"can't $subtract {type_name(b)} from {type_name(a)}",
                           TYPE_MISMATCH)


def _multiply(parser: Any, values: Any, original: Callable) -> Any:
    # doc: numbers only; null or missing -> null; the widest type of the operands (an int
    # product that overflows a long becomes a double). Server: MultiplyState.
    product_long, product_double, product_decimal = 1, 1.0, decimal.Decimal(1)
    widest: type = int
    for arg in values if isinstance(values, list) else [values]:
        value = parser.parse(arg)
        if nullish(value):
            return None
        if not is_number(value):
            raise OperationFailure(f"$multiply only supports numeric types, "
                                   f"not {type_name(value)}", TYPE_MISMATCH)
        old, widest = widest, widest_type(widest, value)
        if widest is Decimal128:
            if old is not Decimal128:
                product_decimal = (double_to_decimal(product_double) if old is float
                                   else decimal.Decimal(product_long))
            product_decimal = DECIMAL128.multiply(product_decimal, coerce_decimal(value))
            continue
        product_double *= float(value)
        if widest is int:
            if fits_long(product_long * value):
                product_long *= value
            else:
                widest = float
    if widest is Decimal128:
        return to_decimal128(product_decimal)
    return product_double if widest is float else product_long


def _divide(parser: Any, values: Any, original: Callable) -> Any:
    # doc: a double, or a decimal if either operand is one; dividing by zero is an error;
    # null or missing -> null.
    a, b = (parser.parse(arg) for arg in arg_list("$divide", values, 2, 2))
    if is_number(a) and is_number(b):
        if isinstance(a, Decimal128) or isinstance(b, Decimal128):
            denominator = coerce_decimal(b)
            if denominator.is_zero():
                raise OperationFailure("can't $divide by zero", BAD_VALUE)
            return to_decimal128(DECIMAL128.divide(coerce_decimal(a), denominator))
        if float(b) == 0:
            raise OperationFailure("can't $divide by zero", BAD_VALUE)
        return float(a) / float(b)
    if nullish(a) or nullish(b):
        return None
    raise OperationFailure(f"$divide only supports numeric types, not {type_name(a)} "
                           f"and {type_name(b)}", TYPE_MISMATCH)


def _mod(parser: Any, values: Any, original: Callable) -> Any:
    # doc: output type is the larger input type; the remainder takes the dividend's sign;
    # a decimal operand gives a decimal; modulo zero is an error; null/missing -> null.
    a, b = (parser.parse(arg) for arg in arg_list("$mod", values, 2, 2))
    if is_number(a) and is_number(b):
        if isinstance(a, Decimal128) or isinstance(b, Decimal128):
            divisor = coerce_decimal(b)
            if divisor.is_zero():
                raise OperationFailure("can't $mod by zero", 5733415)
            return to_decimal128(DECIMAL128.remainder(coerce_decimal(a), divisor))
        if float(b) == 0:
            raise OperationFailure("can't $mod by zero", 16610)
        if isinstance(a, float) or isinstance(b, float):
            try:
                return math.fmod(a, b)
            except ValueError:  # fmod(Infinity, x) is NaN in C
                return math.nan
        remainder = abs(a) % abs(b)
        return -remainder if a < 0 else remainder
    if nullish(a) or nullish(b):
        return None
    raise OperationFailure(f"$mod only supports numeric types, not {type_name(a)} "
                           f"and {type_name(b)}", 16611)


def _abs(number: Any) -> Any:
    if isinstance(number, Decimal128):
        return Decimal128(number.to_decimal().copy_abs())
    if isinstance(number, int) and number == INT64_MIN:
        raise OperationFailure("can't take $abs of long long min", 28680)
    return abs(number)


def _ceil_or_floor(rounding: str, function: Callable) -> Callable:
    def apply(number: Any) -> Any:
        # Server: a double stays a double; a decimal is quantized to a whole number;
        # an int or long is returned as it is.
        if isinstance(number, Decimal128):
            return to_decimal128(number.to_decimal().quantize(
                decimal.Decimal(1), rounding=rounding, context=DECIMAL128))
        if isinstance(number, float):
            return math.copysign(float(function(number)), number) if math.isfinite(number) \
                else number
        return number

    return apply


def numeric_argument(op: str, function: Callable) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: one number; null or missing -> null; another type is an error.
        value = parser.parse(single_argument(op, values))
        if nullish(value):
            return None
        if not is_number(value):
            raise OperationFailure(f"{op} only supports numeric types, "
                                   f"not {type_name(value)}", 28765)
        return function(value)

    return handler


def _rand(parser: Any, values: Any, original: Callable) -> float:
    # doc: {$rand: {}} returns a random double in [0, 1), a new one each evaluation.
    if not isinstance(values, dict):
        raise OperationFailure("invalid parameter: expected an object ($rand)", 10065)
    if values:
        raise OperationFailure("$rand does not currently accept arguments", 3040501)
    return _RANDOM.random()


def _round_or_trunc(op: str, rounding: str) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: null/missing -> null; NaN and +/-Infinity unchanged; -20 < place < 100;
        # the result has the input's type; $round rounds a 5 to the even digit.
        args = arg_list(op, values, 1, 2)
        number = parser.parse(args[0])
        place = parser.parse(args[1]) if len(args) > 1 else 0
        if nullish(number) or nullish(place):
            return None
        if not is_number(number):
            raise OperationFailure(f"{op} only supports numeric types, "
                                   f"not {type_name(number)}")
        digits = whole_number(place)
        if digits is None:
            raise OperationFailure(f"precision argument to {op} must be a integral value")
        if not -20 < digits < 100:
            raise OperationFailure(f"cannot apply {op} with precision value {digits}: "
                                   "value must be in (-20, 100)")
        return _quantize(number, digits, rounding)

    return handler


def _quantize(number: Any, place: int, rounding: str) -> Any:
    """``number`` rounded at 10**-place, keeping its type (the server goes through Decimal128)."""
    quantum = decimal.Decimal(1).scaleb(-place)
    if isinstance(number, int):
        if place >= 0:
            return number
        return int(decimal.Decimal(number).quantize(quantum, rounding=rounding, context=WIDE))
    if isinstance(number, float):
        if not math.isfinite(number):
            return number
        value = decimal.Context(prec=34).create_decimal(number)  # the double as a Decimal128
    else:
        value = number.to_decimal()
        if not value.is_finite():
            return number
    if value.as_tuple().exponent >= -place:  # already whole at that place
        return number
    result = value.quantize(quantum, rounding=rounding, context=WIDE)
    return float(result) if isinstance(number, float) else Decimal128(result)


def _range(parser: Any, values: Any, original: Callable) -> list[int]:
    # doc: {$range: [<start>, <end>, <non-zero step> = 1]}; each operand must be an
    # integer (a number holding a 32-bit integral value: 2.0 is accepted); the end is
    # exclusive; a step that moves away from the end gives [].
    args = [parser.parse(arg) for arg in arg_list("$range", values, 2, 3)]
    bounds = []
    for what, article, value in zip(("starting", "ending", "step"), ("a", "an", "a"), args):
        if not is_number(value):
            raise OperationFailure(f"$range requires a numeric {what} value, "
                                   f"found value of type: {type_name(value)}")
        whole = whole_number(value)
        if whole is None or whole not in INT32_RANGE:
            raise OperationFailure(f"$range requires {article} {what} value that can be "
                                   f"represented as a 32-bit integer, found value: {value}")
        bounds.append(whole)
    if len(bounds) == 3 and bounds[2] == 0:
        raise OperationFailure("$range requires a non-zero step value")
    return list(range(*bounds))


# By the engine's _Parser dispatch method: operator -> handler(parser, values, original).
HANDLERS = {
    "_handle_arithmetic_operator": {
        "$add": _add, "$subtract": _subtract, "$multiply": _multiply, "$divide": _divide,
        "$mod": _mod, "$round": _round_or_trunc("$round", decimal.ROUND_HALF_EVEN),
        "$trunc": _round_or_trunc("$trunc", decimal.ROUND_DOWN),
        "$abs": numeric_argument("$abs", _abs),
        "$ceil": numeric_argument("$ceil", _ceil_or_floor(decimal.ROUND_CEILING, math.ceil)),
        "$floor": numeric_argument("$floor", _ceil_or_floor(decimal.ROUND_FLOOR, math.floor)),
    },
    "_handle_custom_operator": {"$rand": _rand},
    "_handle_array_operator": {"$range": _range},
}
