"""Values as the server sees them: missing, numbers, BSON type names, operator arguments.

The helpers every operator module shares: mongomock_ng's marker for a missing value
(``NOTHING``), the BSON type alias of a value (as in ``$type`` and the server's error
messages), the argument checks of expression operators, and the server's error codes.
"""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Any

from bson import ObjectId, Regex, Timestamp
from bson.code import Code
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from mongomock_ng.aggregate import NOTHING
from pymongo.errors import OperationFailure

# Set on every function that install() puts into the engine, so that installing again
# does not wrap a wrapper.
MARK = "_mongodbapi_embedded_compat"


def nullish(value: Any) -> bool:
    return value is None or value is NOTHING


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal128)) and not isinstance(value, bool)


def type_name(value: Any) -> str:
    """The BSON type alias the server uses in its error messages (and ``$type``)."""
    if value is NOTHING or value is None:
        return "missing" if value is NOTHING else "null"
    if isinstance(value, Int64):
        return "long"
    if isinstance(value, int) and not isinstance(value, bool):
        return "int" if -(2**31) <= value < 2**31 else "long"
    if isinstance(value, Code):
        return "javascript" if value.scope is None else "javascriptWithScope"
    names = [(bool, "bool"), (float, "double"), (Decimal128, "decimal"), (str, "string"),
             (dict, "object"), (list, "array"), (datetime.datetime, "date"),
             (bytes, "binData"), (uuid.UUID, "binData"), (ObjectId, "objectId"),
             (Timestamp, "timestamp"), (re.Pattern, "regex"), (Regex, "regex"),
             (MinKey, "minKey"), (MaxKey, "maxKey")]
    return next((name for cls, name in names if isinstance(value, cls)), type(value).__name__)


def arg_list(op: str, values: Any, low: int, high: int) -> list:
    """The operands of ``op``; a non-array value is a single operand."""
    args = values if isinstance(values, list) else [values]
    if not low <= len(args) <= high:
        expected = f"exactly {low}" if low == high else f"at least {low}, and at most {high},"
        raise OperationFailure(f"Expression {op} takes {expected} arguments. "
                               f"{len(args)} were passed in.")
    return args


def single_argument(op: str, values: Any) -> Any:
    return arg_list(op, values, 1, 1)[0]


def literal(value: Any) -> dict:
    """An expression evaluating to ``value``: hands an evaluated operand to the engine."""
    return {"$literal": value}


def whole_number(value: Any) -> int | None:
    """``value`` as an int when it is an integral number (2, 2.0, Decimal128("2")), else None."""
    if not is_number(value):
        return None
    number = value.to_decimal() if isinstance(value, Decimal128) else value
    try:
        return int(number) if number == int(number) else None
    except (ValueError, OverflowError):  # NaN, Infinity
        return None


# Server error codes (error_codes.yml) of the arithmetic errors, which the driver maps.
BAD_VALUE, TYPE_MISMATCH, OVERFLOW = 2, 14, 15

# doc (BSON types): number codes of the $type query operator, by alias.
TYPE_CODES = {1: "double", 2: "string", 3: "object", 4: "array", 5: "binData", 6: "undefined",
              7: "objectId", 8: "bool", 9: "date", 10: "null", 11: "regex", 12: "dbPointer",
              13: "javascript", 14: "symbol", 15: "javascriptWithScope", 16: "int",
              17: "timestamp", 18: "long", 19: "decimal", -1: "minKey", 127: "maxKey"}
TYPE_ALIASES = frozenset(TYPE_CODES.values()) | {"missing"}
INT32_RANGE = range(-(2**31), 2**31)
