"""$sqrt, $exp, $ln, $log10, $log and $pow as the server evaluates them.

The engine evaluated these with Python's ``math`` only, so a Decimal128 argument was an error
("must evaluate to a number") and a domain error was a Python ``ValueError``. doc: null or
missing gives null; a decimal argument gives a Decimal128 (34 digits, half-even), any other
number a double ($pow of two integers an integer when it fits); NaN gives NaN; the logarithms
need a positive argument (errors 28766, 28761, 28758) and a base that is positive and not 1
(28759); $sqrt a non-negative one (28714); 0 to a negative power is error 28764. Server:
expression.cpp (ExpressionSqrt, ExpressionExp, ExpressionLn, ExpressionLog10, ExpressionLog,
ExpressionPow).
"""

from __future__ import annotations

import decimal
import math
from typing import Any, Callable

from bson.decimal128 import Decimal128
from pymongo.errors import OperationFailure

from .arithmetic import numeric_argument
from .numeric import DECIMAL128, coerce_decimal, fits_long, to_decimal128
from .values import arg_list, is_number, nullish, type_name


def _is_nan(number: Any) -> bool:
    return number.to_decimal().is_nan() if isinstance(number, Decimal128) else (
        isinstance(number, float) and math.isnan(number))


def _unary(op: str, decimal_function: Callable[[decimal.Decimal], decimal.Decimal],
           double_function: Callable[[float], float], domain: Callable[[Any], bool],
           message: str, code: int) -> Callable:
    def apply(number: Any) -> Any:
        if _is_nan(number):
            return number if isinstance(number, Decimal128) else math.nan
        value = number.to_decimal() if isinstance(number, Decimal128) else number
        if not domain(value):
            raise OperationFailure(f"{op}'s argument must be {message}, but is {number}", code)
        if isinstance(number, Decimal128):
            return to_decimal128(decimal_function(value))
        return double_function(float(number))

    return numeric_argument(op, apply)


def _finite_exp(value: float) -> float:
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def _numbers(op: str, values: Any, parser: Any) -> list[Any] | None:
    """Both arguments of a binary operator, or None when one is null or missing."""
    arguments = [parser.parse(value) for value in arg_list(op, values, 2, 2)]
    if any(nullish(argument) for argument in arguments):
        return None
    for argument in arguments:
        if not is_number(argument):
            raise OperationFailure(f"{op} only supports numeric types, not {type_name(argument)}", 28765)
    return arguments


def _log(parser: Any, values: Any, original: Callable) -> Any:
    arguments = _numbers("$log", values, parser)
    if arguments is None:
        return None
    number, base = arguments
    as_decimal = any(isinstance(argument, Decimal128) for argument in arguments)
    if any(_is_nan(argument) for argument in arguments):
        return Decimal128("NaN") if as_decimal else math.nan
    exact_number, exact_base = (coerce_decimal(argument) for argument in arguments)
    if exact_number <= 0:
        raise OperationFailure(f"$log's argument must be a positive number, but is {number}", 28758)
    if exact_base <= 0 or exact_base == 1:
        raise OperationFailure(f"$log's base must be a positive number not equal to 1, but is {base}", 28759)
    if as_decimal:
        return to_decimal128(DECIMAL128.divide(DECIMAL128.ln(exact_number), DECIMAL128.ln(exact_base)))
    return math.log(float(number)) / math.log(float(base))


def _double_power(base: float, exponent: float) -> float:
    """C's pow(): an overflow is an infinity, a negative base with a fractional exponent NaN."""
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return -math.inf if base < 0 and exponent.is_integer() and exponent % 2 else math.inf
    except ValueError:
        return math.nan


def _integer_power(base: int, exponent: int) -> Any:
    """Two integers: an integer when the result fits a long, else a double."""
    if exponent < 0:
        if base == 1 or base == -1:
            return 1 if base == 1 or exponent % 2 == 0 else -1
        return _double_power(float(base), float(exponent))
    if abs(base) > 1 and exponent > 64:
        return _double_power(float(base), float(exponent))  # cannot fit a long; avoid a huge integer
    result = base ** exponent
    return result if fits_long(result) else _double_power(float(base), float(exponent))


def _pow(parser: Any, values: Any, original: Callable) -> Any:
    arguments = _numbers("$pow", values, parser)
    if arguments is None:
        return None
    base, exponent = arguments
    exact_base, exact_exponent = (coerce_decimal(argument) for argument in arguments)
    if exact_base == 0 and exact_exponent < 0:
        raise OperationFailure("$pow cannot take a base of 0 and a negative exponent", 28764)
    if any(isinstance(argument, Decimal128) for argument in arguments):
        return to_decimal128(DECIMAL128.power(exact_base, exact_exponent))
    if isinstance(base, float) or isinstance(exponent, float):
        return _double_power(float(base), float(exponent))
    return _integer_power(base, exponent)


# By the engine's _Parser dispatch method: operator -> handler(parser, values, original).
HANDLERS = {"_handle_arithmetic_operator": {
    "$sqrt": _unary("$sqrt", DECIMAL128.sqrt, math.sqrt, lambda v: v >= 0,
                    "greater than or equal to 0", 28714),
    "$exp": _unary("$exp", DECIMAL128.exp, _finite_exp, lambda v: True, "a number", 0),
    "$ln": _unary("$ln", DECIMAL128.ln, math.log, lambda v: v > 0, "a positive number", 28766),
    "$log10": _unary("$log10", DECIMAL128.log10, math.log10, lambda v: v > 0, "a positive number", 28761),
    "$log": _log,
    "$pow": _pow,
}}
