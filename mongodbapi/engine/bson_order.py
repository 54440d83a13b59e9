"""BSON comparison order (doc: Comparison/Sort Order), which the engine replaces.

The engine compared with Python's order: a Decimal128 raised or compared wrongly with ints
and doubles, true equalled 1, documents matched in any field order and NaN sorted anywhere.
Here numbers of every type compare by value (NaN below them), then types in BSON order.
``bson_compare`` becomes ``filtering.bson_compare`` (query comparisons, ``$sort``, sortBy,
group keys); ``compare`` and ``same`` serve the expression operators and accumulators.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, Callable

from bson import DBRef, Timestamp
from bson.code import Code
from bson.decimal128 import Decimal128
from bson.max_key import MaxKey
from bson.min_key import MinKey
from mongomock_ng import filtering

from .numeric import exact_value
from .values import MARK, NOTHING


def _compare_numbers(a: Any, b: Any) -> int:
    """-1/0/1 by numeric value across int, long, double and decimal; NaN equals NaN and
    sorts below every other number (BSON comparison order)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if a != a or b != b:  # only NaN differs from itself
            return int(b != b) - int(a != a)
        return (a > b) - (a < b)  # Python compares ints and floats exactly
    x, y = exact_value(a), exact_value(b)
    if x.is_nan() or y.is_nan():
        return int(y.is_nan()) - int(x.is_nan())
    return (x > y) - (x < y)


def _is_nan(value: Any) -> bool:
    if isinstance(value, float):
        return value != value
    return isinstance(value, Decimal128) and value.to_decimal().is_nan()


def _rank(value: Any) -> int:
    """The canonical type of ``value`` in BSON comparison order (null and missing share one)."""
    if isinstance(value, bool):
        return 40
    if isinstance(value, (int, float, Decimal128, decimal.Decimal)):
        return 10
    if isinstance(value, Code):
        return 60
    if isinstance(value, Timestamp):
        return 47
    if isinstance(value, MinKey):
        return -1
    if isinstance(value, MaxKey):
        return 127
    return filtering._get_compare_type(value)


def _sign(number: int) -> int:
    return (number > 0) - (number < 0)


def _binary(value: Any) -> tuple[int, int, bytes]:
    if isinstance(value, uuid.UUID):
        return 16, 4, value.bytes
    return len(value), getattr(value, "subtype", 0), bytes(value)


def _utc(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def bson_cmp(a: Any, b: Any) -> int:
    """-1/0/1 in BSON comparison order (doc: Comparison/Sort Order): the type first, then
    numbers by value, documents field by field (type, name, value), arrays element by
    element, binary data by length, subtype and bytes, dates in time."""
    rank_a, rank_b = _rank(a), _rank(b)
    if rank_a != rank_b:
        return -1 if rank_a < rank_b else 1
    if rank_a == 10:
        return _compare_numbers(a, b)
    if rank_a == 5:  # null (and missing)
        return 0
    if rank_a == 20:
        a, b = (v.as_doc() if isinstance(v, DBRef) else v for v in (a, b))
        for (key_a, value_a), (key_b, value_b) in zip(a.items(), b.items()):
            result = (_sign(_rank(value_a) - _rank(value_b)) or (key_a > key_b) - (key_a < key_b)
                      or bson_cmp(value_a, value_b))
            if result:
                return result
        return _sign(len(a) - len(b))
    if rank_a == 25:
        for item_a, item_b in zip(a, b):
            result = bson_cmp(item_a, item_b)
            if result:
                return result
        return _sign(len(a) - len(b))
    if rank_a == 30:
        a, b = _binary(a), _binary(b)
    elif rank_a == 45:
        a, b = _utc(a), _utc(b)
    elif rank_a == 50:
        a, b = ((v.pattern, v.flags) for v in (a, b))
    return (a > b) - (a < b)


def compare(a: Any, b: Any) -> int:
    """-1/0/1 in BSON comparison order, with missing below null."""
    if a is NOTHING or b is NOTHING:
        return int(b is NOTHING) - int(a is NOTHING)
    return bson_cmp(a, b)


def bson_compare(op: Callable, a: Any, b: Any, can_compare_types: bool = True) -> bool:
    """``filtering.bson_compare``: ``op`` applied in BSON order; numbers of every type by value.

    With ``can_compare_types`` false (the $lt/$lte/$gt/$gte query operators), values of
    different types never match (type bracketing) and NaN only equals NaN: the server's
    query matcher makes every $lt/$gt involving NaN false and $lte/$gte true only for two
    NaNs, where the sort order puts NaN below the other numbers.
    """
    rank_a, rank_b = _rank(a), _rank(b)
    if rank_a != rank_b:
        return can_compare_types and op(rank_a, rank_b)
    if not can_compare_types and rank_a == 10 and (_is_nan(a) or _is_nan(b)):
        return _is_nan(a) and _is_nan(b) and op(0, 0)
    return op(bson_cmp(a, b), 0)


setattr(bson_compare, MARK, True)


def same(a: Any, b: Any) -> bool:
    """Equal in BSON comparison order (1 == 1.0; missing differs from null)."""
    try:
        return compare(a, b) == 0
    except (NotImplementedError, TypeError, AttributeError):
        return a == b
