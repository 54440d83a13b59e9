"""$sum, $avg, $min, $max, $stdDevPop/Samp and friends as the server accumulates them.

One implementation serves $group/$bucket, $setWindowFields and the expression forms. doc:
non-numbers are ignored by $sum/$avg (the engine added array elements and booleans, and
gave null for an $avg of decimals), $min/$max ignore null and missing and compare in BSON
order (the engine used Python order: TypeError on mixed types); with decimals the result
is a decimal. Server: accumulator_sum.cpp.
"""

from __future__ import annotations

import decimal
import fractions
import math
from typing import Any, Callable

from bson.decimal128 import Decimal128
from mongomock_ng import aggregate

from .bson_order import compare, same
from .numeric import DECIMAL128, INT64_MAX, INT64_MIN, to_decimal128
from .values import NOTHING, is_number, nullish


def _sum_numbers(numbers: list) -> Any:
    """The $sum of numbers as the server's accumulator makes it: an int (long) if all are
    integers and the sum fits a long, else a double if there is no decimal; with decimals,
    the decimals are added up and then the sum of the other numbers, rounded to 34 digits
    (AccumulatorSum: ``decimalTotal.add(nonDecimalTotal.getDecimal())``)."""
    decimals = [n.to_decimal() for n in numbers if isinstance(n, Decimal128)]
    others = [n for n in numbers if not isinstance(n, Decimal128)]
    doubles = any(isinstance(n, float) for n in others)
    finite = all(math.isfinite(n) for n in others if isinstance(n, float))
    if decimals:
        total = decimal.Decimal(0)
        for number in decimals:
            total = DECIMAL128.add(total, number)
        if not finite:
            rest = decimal.Decimal(sum(float(n) for n in others))
        else:  # the server sums them in double-double precision; this is the exact sum
            exact = sum(map(fractions.Fraction, others), fractions.Fraction(0))
            rest = DECIMAL128.divide(decimal.Decimal(exact.numerator),
                                     decimal.Decimal(exact.denominator))
        return to_decimal128(DECIMAL128.add(total, rest))
    if doubles:
        as_doubles = [float(n) for n in others]
        # The server sums doubles in double-double precision; fsum is the closest.
        return math.fsum(as_doubles) if finite else sum(as_doubles)
    total = sum(others)
    return total if INT64_MIN <= total <= INT64_MAX else float(total)  # long overflow -> double


def _window_sum(values: list) -> Any:
    # doc: non-numeric values are ignored; an empty window (or one without numbers) gives 0.
    numbers = [v for v in values if is_number(v)]
    return _sum_numbers(numbers) if numbers else 0


def _window_avg(values: list) -> Any:
    # doc: non-numeric values are ignored; no numbers gives null; a double unless a
    # decimal takes part.
    numbers = [v for v in values if is_number(v)]
    if not numbers:
        return None
    total = _sum_numbers(numbers)
    if isinstance(total, Decimal128):
        return to_decimal128(DECIMAL128.divide(total.to_decimal(), len(numbers)))
    return float(total) / len(numbers)


def _window_extreme(sign: int) -> Callable[[list], Any]:
    def extreme(values: list) -> Any:
        # doc ($min/$max): null and missing values are ignored; none left gives null;
        # values of different types compare in BSON order.
        best = NOTHING
        for value in values:
            if not nullish(value) and (best is NOTHING or compare(value, best) * sign > 0):
                best = value
        return None if best is NOTHING else best

    return extreme


def _window_std_dev(sample: bool) -> Callable[[list], Any]:
    def std_dev(values: list) -> Any:
        # doc: non-numeric values are ignored; null without numbers (sample: fewer than two).
        numbers = [float(v.to_decimal()) if isinstance(v, Decimal128) else float(v)
                   for v in values if is_number(v)]
        if len(numbers) < (2 if sample else 1):
            return None
        mean = math.fsum(numbers) / len(numbers)
        squares = math.fsum((n - mean) ** 2 for n in numbers)
        return math.sqrt(squares / (len(numbers) - (1 if sample else 0)))

    return std_dev


def _window_add_to_set(values: list) -> list:
    unique: list = []
    for value in values:
        if value is not NOTHING and not any(same(value, seen) for seen in unique):
            unique.append(value)
    return unique


WINDOW_ACCUMULATORS: dict[str, Callable[[list], Any]] = {
    "$sum": _window_sum, "$avg": _window_avg,
    "$min": _window_extreme(-1), "$max": _window_extreme(1),
    # doc ($first/$last in a window): missing converts to null; an empty window gives null.
    "$first": lambda values: None if not values or values[0] is NOTHING else values[0],
    "$last": lambda values: None if not values or values[-1] is NOTHING else values[-1],
    # doc ($push/$addToSet): an empty window gives []; a missing value adds nothing.
    "$push": lambda values: [v for v in values if v is not NOTHING],
    "$addToSet": _window_add_to_set,
    "$stdDevPop": _window_std_dev(False), "$stdDevSamp": _window_std_dev(True),
}


# The same accumulators in $group (and $bucket) and as expressions: doc ($sum): "$sum
# ignores non-numeric values"; a decimal makes the result a decimal; $min/$max ignore
# null and missing and compare in BSON order.
_ACCUMULATORS = {op: WINDOW_ACCUMULATORS[op]
                 for op in ("$sum", "$avg", "$min", "$max", "$stdDevPop", "$stdDevSamp")}


def _expression_accumulator(op: str) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc ($sum/$avg/$min/$max in expressions): with one operand, an array is
        # traversed (its elements are the values); with a list of operands, each operand
        # is a value and an array is not a number. Non-numbers (and nulls for $min/$max)
        # are ignored, as in $group.
        args = values if isinstance(values, list) else [values]
        parsed = [parser.parse(arg) for arg in args]
        if len(parsed) == 1 and isinstance(parsed[0], list):
            parsed = parsed[0]
        return _ACCUMULATORS[op]([value for value in parsed if value is not NOTHING])

    return handler


# By the engine's _Parser dispatch method: operator -> handler(parser, values, original).
HANDLERS = {"_handle_project_operator": {op: _expression_accumulator(op) for op in _ACCUMULATORS}}


def install() -> None:
    """The accumulators of $group and $bucket."""
    aggregate._GROUPING_OPERATOR_MAP.update(_ACCUMULATORS)
