"""Trigonometric expression operators, which the engine did not know.

doc: null/missing gives null, NaN gives NaN; $sin/$cos/$tan of an infinity and
$asin/$acos/$atanh outside [-1, 1], $acosh below 1 are a domain error (50989); $atan2
takes [y, x] (C's special cases). A decimal gives a Decimal128 correctly rounded to 34
digits (evaluated with more and more guard digits until two evaluations round alike), any
other number a double from the C library; degrees <-> radians multiply by the server's
constants. Server: expression_trigonometric.cpp.
"""

from __future__ import annotations

import decimal
import functools
import math
from typing import Any, Callable

from bson.decimal128 import Decimal128
from pymongo.errors import OperationFailure

from .arithmetic import numeric_argument
from .numeric import DECIMAL128, coerce_decimal, to_decimal128
from .values import arg_list, is_number, nullish, type_name


# Server (expression_trigonometric.cpp): a double (or an int/long converted to one) goes
# through the C library function; a decimal through Decimal128 (34 digits); the bounded
# functions check their domain first (error 50989) and return NaN unchanged.
_TRIG_BOUNDS_ERROR = 50989
_DOUBLE_PI_OVER_180 = math.pi / 180.0
_DOUBLE_180_OVER_PI = 180.0 / math.pi
# decimal128.cpp: kPi is parsed from 51 digits (so rounded to 34), kPiOver180 = kPi / 180
# and k180OverPi = 180 / kPi, each rounded to 34 digits.
_DECIMAL_PI = DECIMAL128.create_decimal("3.14159265358979323846264338327950288419716939937510")
_DECIMAL_PI_OVER_180 = DECIMAL128.divide(_DECIMAL_PI, 180)
_DECIMAL_180_OVER_PI = DECIMAL128.divide(decimal.Decimal(180), _DECIMAL_PI)


def _working_context(precision: int) -> decimal.Context:
    return decimal.Context(prec=precision, rounding=decimal.ROUND_HALF_EVEN,
                           Emax=999_999, Emin=-999_999, traps=[])


@functools.lru_cache(maxsize=16)
def _pi_at(precision: int) -> decimal.Decimal:
    """Pi to ``precision`` digits (Machin's formula in integers)."""
    scale = 10 ** (precision + 10)

    def arctan_inverse(n: int) -> int:  # atan(1/n) * scale
        total = term = scale // n
        square, k, sign = n * n, 1, 1
        while term:
            term //= square
            k, sign = k + 2, -sign
            total += sign * (term // k)
        return total

    digits = 4 * (4 * arctan_inverse(5) - arctan_inverse(239))
    return _working_context(precision).divide(decimal.Decimal(digits), decimal.Decimal(scale))


def _pi() -> decimal.Decimal:
    """Pi at the current context's precision (rounded up to a multiple of 50 for the cache)."""
    precision = decimal.getcontext().prec
    return +_pi_at(-(-precision // 50) * 50)


def _series(first: decimal.Decimal, step: Callable[[decimal.Decimal, int], decimal.Decimal]
            ) -> decimal.Decimal:
    """The sum of first + step(first, 1) + step(step(...), 2) ... until a term adds nothing."""
    total, term, n = first, first, 1
    while True:
        term = step(term, n)
        if not term or total + term == total:
            return total
        total, n = total + term, n + 1


def _sin_cos(x: decimal.Decimal) -> tuple[decimal.Decimal, decimal.Decimal]:
    """sin and cos of a finite x: reduced by multiples of pi/2 (with as many more digits as x
    has before the point), then Taylor series on [-pi/4, pi/4]."""
    context = decimal.getcontext()
    with decimal.localcontext(_working_context(context.prec + max(0, x.adjusted()) + 5)):
        half_pi = _pi() / 2
        quarters = (x / half_pi).to_integral_value(rounding=decimal.ROUND_HALF_EVEN)
        reduced = x - quarters * half_pi
    square = reduced * reduced
    sine = _series(reduced, lambda term, n: -term * square / ((2 * n) * (2 * n + 1)))
    cosine = _series(decimal.Decimal(1), lambda term, n: -term * square / ((2 * n - 1) * (2 * n)))
    quadrant = int(quarters) % 4
    return [(sine, cosine), (cosine, -sine), (-sine, -cosine), (-cosine, sine)][quadrant]


def _atan(x: decimal.Decimal) -> decimal.Decimal:
    if x.is_infinite():
        return (_pi() / 2).copy_sign(x)
    sign, x = x, abs(x)
    inverted = x > 1
    if inverted:
        x = 1 / x
    halvings = 0
    while x > decimal.Decimal("0.1"):  # atan(x) = 2 atan(x / (1 + sqrt(1 + x^2)))
        x = x / (1 + (1 + x * x).sqrt())
        halvings += 1
    square = x * x
    result = _series(x, lambda term, n: -term * square * (2 * n - 1) / (2 * n + 1)) * 2 ** halvings
    if inverted:
        result = _pi() / 2 - result
    return result.copy_sign(sign)


def _log1p(x: decimal.Decimal) -> decimal.Decimal:
    """ln(1 + x), without losing the digits of a small x."""
    if abs(x) >= decimal.Decimal("0.01"):
        return (1 + x).ln()
    return _series(x, lambda term, n: -term * x * n / (n + 1))


def _sinh_small(x: decimal.Decimal) -> decimal.Decimal:
    square = x * x
    return _series(x, lambda term, n: term * square / ((2 * n) * (2 * n + 1)))


def _decimal_sin(x: decimal.Decimal) -> decimal.Decimal:
    return _sin_cos(x)[0]


def _decimal_cos(x: decimal.Decimal) -> decimal.Decimal:
    return _sin_cos(x)[1]


def _decimal_tan(x: decimal.Decimal) -> decimal.Decimal:
    sine, cosine = _sin_cos(x)
    return sine / cosine


def _decimal_asin(x: decimal.Decimal) -> decimal.Decimal:
    if abs(x) == 1:
        return (_pi() / 2).copy_sign(x)
    return _atan(x / ((1 - x) * (1 + x)).sqrt())


def _decimal_acos(x: decimal.Decimal) -> decimal.Decimal:
    if x == -1:
        return _pi()
    return 2 * _atan(((1 - x) / (1 + x)).sqrt())  # no cancellation near 1


def _decimal_sinh(x: decimal.Decimal) -> decimal.Decimal:
    if x.is_infinite() or abs(x) > 20_000:  # beyond the largest Decimal128
        return decimal.Decimal("Infinity").copy_sign(x)
    if abs(x) < 1:
        return _sinh_small(x)
    return (x.exp() - (-x).exp()) / 2


def _decimal_cosh(x: decimal.Decimal) -> decimal.Decimal:
    if x.is_infinite() or abs(x) > 20_000:
        return decimal.Decimal("Infinity")
    return (x.exp() + (-x).exp()) / 2


def _decimal_tanh(x: decimal.Decimal) -> decimal.Decimal:
    if x.is_infinite() or abs(x) > 20_000:
        return decimal.Decimal(1).copy_sign(x)
    if abs(x) < 1:
        sinh = _sinh_small(x)
        return sinh / (1 + sinh * sinh).sqrt()
    small = (-2 * abs(x)).exp()
    return ((1 - small) / (1 + small)).copy_sign(x)


def _decimal_asinh(x: decimal.Decimal) -> decimal.Decimal:
    if x.is_infinite():
        return x
    magnitude = abs(x)
    if magnitude < decimal.Decimal("0.5"):  # asinh x = sum (-1)^n (2n)!/(4^n n!^2 (2n+1)) x^(2n+1)
        square = x * x
        coefficients = _series(x, lambda term, n: -term * square * (2 * n - 1) * (2 * n - 1)
                               / ((2 * n) * (2 * n + 1)))
        return coefficients
    return (magnitude + (magnitude * magnitude + 1).sqrt()).ln().copy_sign(x)


def _decimal_acosh(x: decimal.Decimal) -> decimal.Decimal:
    if x.is_infinite():
        return x
    excess = x - 1  # acosh x = log1p(d + sqrt(d (2 + d))), d = x - 1
    return _log1p(excess + (excess * (2 + excess)).sqrt())


def _decimal_atanh(x: decimal.Decimal) -> decimal.Decimal:
    if abs(x) == 1:  # the poles: +/-Infinity, as in IEEE 754
        return decimal.Decimal("Infinity").copy_sign(x)
    return _log1p(2 * x / (1 - x)) / 2


def _decimal_atan2(y: decimal.Decimal, x: decimal.Decimal) -> decimal.Decimal:
    # C99 atan2 (the IEEE 754 special cases), as bid128_atan2.
    if y.is_nan() or x.is_nan():
        return decimal.Decimal("NaN")
    if y.is_infinite():
        if x.is_infinite():
            return (_pi() / 4 if x > 0 else 3 * _pi() / 4).copy_sign(y)
        return (_pi() / 2).copy_sign(y)
    if x.is_infinite():
        return (decimal.Decimal(0) if x > 0 else _pi()).copy_sign(y)
    if y.is_zero():
        return _pi().copy_sign(y) if x.is_signed() else y
    if x.is_zero():
        return (_pi() / 2).copy_sign(y)
    angle = _atan(abs(y / x))
    return (angle if x > 0 else _pi() - angle).copy_sign(y)


def _decimal_function(function: Callable, *args: decimal.Decimal) -> Decimal128:
    """``function`` correctly rounded to 34 digits: evaluated with more and more guard
    digits until two evaluations round alike (Ziv's strategy)."""
    previous = None
    for guard in (20, 40, 80, 160, 320, 640):
        with decimal.localcontext(_working_context(34 + guard)):
            value = function(*args)
        rounded = DECIMAL128.create_decimal(value)
        if previous is not None and rounded.as_tuple() == previous.as_tuple():
            break
        previous = rounded
    return Decimal128(rounded)


def _overflowing(function: Callable, overflow: Callable[[float], float]) -> Callable:
    """A C library function: where Python raises OverflowError, C returns +/-HUGE_VAL."""
    def apply(x: float) -> float:
        try:
            return function(x)
        except OverflowError:
            return overflow(x)

    return apply


def _double_atanh(x: float) -> float:
    if abs(x) == 1:  # C: atanh(+/-1) is +/-Infinity (a pole error, no exception)
        return math.copysign(math.inf, x)
    return math.atanh(x)


_INF = math.inf
# op: (double function, decimal function, bounds and whether they are inclusive, or None).
_TRIG_FUNCTIONS: dict[str, tuple[Callable, Callable, tuple | None]] = {
    "$sin": (math.sin, _decimal_sin, (-_INF, _INF, False)),
    "$cos": (math.cos, _decimal_cos, (-_INF, _INF, False)),
    "$tan": (math.tan, _decimal_tan, (-_INF, _INF, False)),
    "$asin": (math.asin, _decimal_asin, (-1.0, 1.0, True)),
    "$acos": (math.acos, _decimal_acos, (-1.0, 1.0, True)),
    "$atanh": (_double_atanh, _decimal_atanh, (-1.0, 1.0, True)),
    "$acosh": (math.acosh, _decimal_acosh, (1.0, _INF, True)),
    "$atan": (math.atan, _atan, None),
    "$sinh": (_overflowing(math.sinh, lambda x: math.copysign(_INF, x)), _decimal_sinh, None),
    "$cosh": (_overflowing(math.cosh, lambda x: _INF), _decimal_cosh, None),
    "$tanh": (math.tanh, _decimal_tanh, None),
    "$asinh": (math.asinh, _decimal_asinh, None),
}


def _trigonometric(op: str) -> Callable:
    double_function, decimal_function, bounds = _TRIG_FUNCTIONS[op]

    def check_bounds(value: Any, shown: str) -> None:
        low, high, inclusive = bounds
        inside = low <= value <= high if inclusive else low < value < high
        if not inside:
            brackets = "[]" if inclusive else "()"
            raise OperationFailure(f"cannot apply {op} to {shown}, value must in "
                                   f"{brackets[0]}{low:g},{high:g}{brackets[1]}",
                                   _TRIG_BOUNDS_ERROR)

    def apply(number: Any) -> Any:
        # doc: null/missing -> null (numeric_argument); NaN -> NaN; a decimal gives a
        # decimal, any other number a double; out of the domain (an infinity for
        # $sin/$cos/$tan) is an error.
        if isinstance(number, Decimal128):
            value = number.to_decimal()
            if value.is_nan():
                return number
            if bounds:
                check_bounds(value, str(value))
            if value.is_zero() and op not in ("$cos", "$cosh", "$acos", "$acosh"):
                return number  # an odd function: f(+/-0) = +/-0
            return _decimal_function(decimal_function, value)
        value = float(number)
        if value != value:
            return value
        if bounds:
            check_bounds(value, f"{value:g}")
        return double_function(value)

    return numeric_argument(op, apply)


def _atan2(parser: Any, values: Any, original: Callable) -> Any:
    # doc: {$atan2: [y, x]}; null or missing -> null; a decimal operand gives a decimal
    # (the other one converted), else a double. Server: ExpressionTwoNumericArgs.
    args = arg_list("$atan2", values, 2, 2)
    numbers = []
    for code, arg in zip((51044, 51045), args):
        value = parser.parse(arg)
        if nullish(value):
            return None
        if not is_number(value):
            raise OperationFailure(f"$atan2 only supports numeric types, not {type_name(value)}",
                                   code)
        numbers.append(value)
    y, x = numbers
    if isinstance(y, Decimal128) or isinstance(x, Decimal128):
        return _decimal_function(_decimal_atan2, coerce_decimal(y), coerce_decimal(x))
    return math.atan2(float(y), float(x))


def _angle_conversion(op: str, decimal_factor: decimal.Decimal, double_factor: float) -> Callable:
    def apply(number: Any) -> Any:
        # doc: null -> null, NaN -> NaN, +/-Infinity -> +/-Infinity; a decimal stays a
        # decimal (times pi/180 or 180/pi in Decimal128), anything else gives a double.
        if isinstance(number, Decimal128):
            return to_decimal128(DECIMAL128.multiply(number.to_decimal(), decimal_factor))
        return float(number) * double_factor

    return numeric_argument(op, apply)


# By the engine's _Parser dispatch method: operator -> handler(parser, values, original).
HANDLERS = {"_handle_arithmetic_operator": {
    **{op: _trigonometric(op) for op in _TRIG_FUNCTIONS}, "$atan2": _atan2,
    "$degreesToRadians": _angle_conversion("$degreesToRadians", _DECIMAL_PI_OVER_180,
                                           _DOUBLE_PI_OVER_180),
    "$radiansToDegrees": _angle_conversion("$radiansToDegrees", _DECIMAL_180_OVER_PI,
                                           _DOUBLE_180_OVER_PI),
}}
