"""Update operators $inc, $mul, $min and $max with the server's number types and order.

doc: $inc/$mul take a number, set a missing field to the value ($inc) or to zero of its
type ($mul), reject a non-numeric field and follow the arithmetic type rules (a long
overflow is an error); $min/$max compare in BSON order. The engine raised TypeError for
Decimal128 and mixed types and did not know $mul.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Callable

from bson.decimal128 import Decimal128
from mongomock_ng import collection
from pymongo.errors import WriteError

from .bson_order import compare
from .numeric import DECIMAL128, coerce_decimal, fits_long, to_decimal128
from .values import MARK, is_number, type_name


def _field_of(doc: Any, field_name: str) -> tuple[bool, Any]:
    """Whether ``field_name`` is in ``doc`` (a document or an array), and its value."""
    if isinstance(doc, MutableMapping):
        return field_name in doc, doc.get(field_name)
    index = int(field_name)
    if index < 0:
        raise WriteError("Negative index provided", 2)
    return index < len(doc), doc[index] if index < len(doc) else None


def _set_field(doc: Any, field_name: str, value: Any) -> None:
    if isinstance(doc, MutableMapping):
        doc[field_name] = value
        return
    index = int(field_name)
    doc.extend([None] * (index + 1 - len(doc)))  # the server pads an array with nulls
    doc[index] = value


def _arithmetic_updater(op: str) -> Callable:
    verb = {"$inc": "increment", "$mul": "multiply"}[op]

    def updater(doc: Any, field_name: str, value: Any, codec_options: Any = None) -> None:
        # doc ($inc/$mul): the value must be a number; a missing field is set to the value
        # ($inc) or to zero of the value's type ($mul); a field holding a non-number (null
        # too) is an error; the result follows the arithmetic type rules (int, long,
        # double, decimal; an int32 overflow gives a long, a long overflow is an error).
        if not is_number(value):
            raise WriteError(f"Cannot {verb} with non-numeric argument: "
                             f"{{{field_name}: {value!r}}}", 14)
        if not isinstance(doc, (MutableMapping, list)):
            return
        present, current = _field_of(doc, field_name)
        if not present:
            current = value if op == "$mul" else 0
            value = 0 if op == "$mul" else value
        elif not is_number(current):
            raise WriteError(f"Cannot apply {op} to a value of non-numeric type. The field "
                             f"'{field_name}' has non-numeric type {type_name(current)}", 14)
        if isinstance(current, Decimal128) or isinstance(value, Decimal128):
            combine = DECIMAL128.add if op == "$inc" else DECIMAL128.multiply
            result: Any = to_decimal128(combine(coerce_decimal(current), coerce_decimal(value)))
        elif isinstance(current, float) or isinstance(value, float):
            a, b = float(current), float(value)
            result = a + b if op == "$inc" else a * b
        else:
            result = current + value if op == "$inc" else current * value
            if not fits_long(result):
                raise WriteError(f"Failed to apply {op} operations to current value "
                                 f"({type_name(current)}){current}", 2)
        _set_field(doc, field_name, result)

    setattr(updater, MARK, True)
    return updater


def _extreme_updater(sign: int) -> Callable:
    def updater(doc: Any, field_name: str, value: Any, codec_options: Any = None) -> None:
        # doc ($min/$max): sets the field when it is missing or when the value is less
        # (greater) in BSON comparison order; numbers compare by value across types.
        if not isinstance(doc, (MutableMapping, list)):
            return
        present, current = _field_of(doc, field_name)
        if not present or compare(value, current) * sign > 0:
            _set_field(doc, field_name, value)

    setattr(updater, MARK, True)
    return updater


def install() -> None:
    """The update operators above, in place of the engine's."""
    updaters = {"$inc": lambda: _arithmetic_updater("$inc"),
                "$mul": lambda: _arithmetic_updater("$mul"),
                "$min": lambda: _extreme_updater(-1), "$max": lambda: _extreme_updater(1)}
    for name, make in updaters.items():
        if not getattr(collection._updaters.get(name), MARK, False):
            collection._updaters[name] = make()
