"""A small evaluator for the expressions the driver computes itself.

It serves exactly these places, and nothing is evaluated client-side silently elsewhere:

* INSERT ... VALUES items and UPDATE ... SET values that do not read the row (``1 + 1``,
  ``CAST(%s AS DATE)``, ``CURRENT_TIMESTAMP``, ``-5``): constants, computed once per row
  before the write;
* DEFAULT expressions of columns;
* RETURNING lists, evaluated on the documents the statement wrote.

Anything else raises ``NotSupportedError`` naming the construct.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
from typing import Any, Callable, Optional

from ..errors import DataError, NotSupportedError, ProgrammingError
from ..mql.template import lookup
from ..sql import ast
from ..types import canonical_type, from_bson, reader_for, to_bson_as

Row = Callable[[ast.Column], Any]


def _no_row(node: ast.Column) -> Any:
    raise NotSupportedError(f"column {'.'.join(node.parts)} cannot be used here "
                            f"(line {node.pos[0]}, column {node.pos[1]})")


def _null_if_any(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any) -> Any:
        return None if any(a is None for a in args) else function(*args)
    return wrapped


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _bytes_of(value: Any) -> bytes:
    """The bytes a hash function reads: text as UTF-8, binary data as it is, numbers as their text."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return str(value).encode("ascii")
    raise DataError(f"cannot hash a value of type {type(value).__name__}")


def _digest(name: str) -> Callable[[Any], Any]:
    """MD5(x), SHA256(x), ...: the lowercase hexadecimal digest (PostgreSQL's md5(), and Django's
    SHA* functions on it, give the same text)."""
    return _null_if_any(lambda value: hashlib.new(name, _bytes_of(value), usedforsecurity=False).hexdigest())


def _chr(code: Any) -> str:
    """CHR(n): the character with code point ``n``; as PostgreSQL, 0, surrogates and numbers beyond
    U+10FFFF are errors."""
    if isinstance(code, bool) or not isinstance(code, int):
        raise DataError(f"chr() takes an integer code point, not {code!r}")
    if code == 0:
        raise DataError("chr(0): the null character is not permitted")
    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise DataError(f"chr({code}): not a Unicode code point of a character")
    return chr(code)


def _ascii(text: Any) -> int:
    """ASCII(s): the code point of the first character; 0 for the empty string (PostgreSQL)."""
    text = text if isinstance(text, str) else str(text)
    return ord(text[0]) if text else 0


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "md5": _digest("md5"), "sha1": _digest("sha1"), "sha224": _digest("sha224"), "sha256": _digest("sha256"),
    "sha384": _digest("sha384"), "sha512": _digest("sha512"),
    "chr": _null_if_any(_chr), "ascii": _null_if_any(_ascii),
    "upper": _null_if_any(lambda s: str(s).upper()),
    "lower": _null_if_any(lambda s: str(s).lower()),
    "length": _null_if_any(lambda s: len(str(s))),
    "abs": _null_if_any(abs),
    "coalesce": lambda *args: next((a for a in args if a is not None), None),
    "ifnull": lambda *args: next((a for a in args if a is not None), None),
    "nullif": lambda a, b: None if a == b else a,
    "concat": lambda *args: "".join(str(a) for a in args if a is not None),
    "current_timestamp": _now,
    "now": _now,
    "current_date": lambda: _now().date(),
    "current_time": lambda: _now().time().replace(tzinfo=None),
}


def evaluate(node: ast.Expr, params: Any, row: Row = _no_row) -> Any:
    """The value of ``node``; ``row`` supplies column values (RETURNING), else columns are refused."""
    if isinstance(node, ast.Literal):
        return node.value
    if isinstance(node, ast.Param):
        return lookup(params, node.key)
    if isinstance(node, ast.Column):
        return row(node)
    if isinstance(node, ast.Unary):
        value = evaluate(node.operand, params, row)
        if node.op == "not":
            return None if value is None else not value
        if value is None:
            return None
        if node.op == "~":
            return ~_integer(value, "~")
        return -value if node.op == "-" else value
    if isinstance(node, ast.Binary) and node.op in ("+", "-", "*", "/", "%", "||", "&", "|", "#", "<<", ">>"):
        left = evaluate(node.left, params, row)
        right = evaluate(node.right, params, row)
        if left is None or right is None:
            return None
        if node.op in ("&", "|", "#", "<<", ">>"):
            return bitwise(node.op, _integer(left, node.op), _integer(right, node.op))
        return _arithmetic(node.op, left, right)
    if isinstance(node, ast.Cast):
        value = evaluate(node.operand, params, row)
        target = canonical_type(node.type.name)
        return reader_for(target)(to_bson_as(value, target))
    if isinstance(node, ast.Func) and node.name in _FUNCTIONS and not node.over and not node.star:
        args = [evaluate(a, params, row) for a in node.args]
        try:
            return _FUNCTIONS[node.name](*args)
        except TypeError:
            raise ProgrammingError(f"{node.name}() does not take {len(args)} arguments "
                                   f"(line {node.pos[0]}, column {node.pos[1]})") from None
    if isinstance(node, ast.Case):
        return _case(node, params, row)
    line, column = node.pos if hasattr(node, "pos") else (0, 0)
    raise NotSupportedError(f"{type(node).__name__} expressions are not supported in this position "
                            f"(line {line}, column {column})")


def _case(node: ast.Case, params: Any, row: Row) -> Any:
    operand = evaluate(node.operand, params, row) if node.operand is not None else None
    for condition, result in node.whens:
        if node.operand is not None:
            matched = operand is not None and operand == evaluate(condition, params, row)
        else:
            matched = bool(_truth(condition, params, row))
        if matched:
            return evaluate(result, params, row)
    return evaluate(node.else_, params, row) if node.else_ is not None else None


def _truth(node: ast.Expr, params: Any, row: Row) -> Optional[bool]:
    if isinstance(node, ast.Binary) and node.op in ("=", "<>", "<", "<=", ">", ">="):
        left, right = evaluate(node.left, params, row), evaluate(node.right, params, row)
        if left is None or right is None:
            return None
        return {"=": left == right, "<>": left != right, "<": left < right, "<=": left <= right,
                ">": left > right, ">=": left >= right}[node.op]
    if isinstance(node, ast.IsNull):
        return (evaluate(node.operand, params, row) is None) != node.negated
    value = evaluate(node, params, row)
    return None if value is None else bool(value)


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    if op == "||":
        return f"{left}{right}"
    try:
        if op == "+":
            return left + right
        if op == "-":
            return left - right
        if op == "*":
            return left * right
        if right == 0:
            return None  # as SQLite, and as the server-side translation does
        if op == "/":
            if isinstance(left, int) and isinstance(right, int):
                quotient = abs(left) // abs(right)
                return quotient if (left >= 0) == (right >= 0) else -quotient
            return left / right
        remainder = abs(left) % abs(right)
        return remainder if left >= 0 else -remainder
    except (TypeError, decimal.InvalidOperation) as exc:
        raise DataError(f"cannot compute {left!r} {op} {right!r}: {exc}") from None


def _integer(value: Any, op: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DataError(f"operator {op} takes integers, not {value!r}")
    return value


def _wrap64(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def bitwise(op: str, left: int, right: int) -> int:
    """``& | # << >>`` on 64-bit integers as SQLite computes them (the server-side translation in
    ``mql.expr`` does the same): a negative shift goes the other way, ``<<`` wraps around,
    ``>>`` rounds toward minus infinity, shifts of 64 or more give 0 or -1."""
    if op == "&":
        return left & right
    if op == "|":
        return left | right
    if op == "#":
        return left ^ right
    distance = right if op == "<<" else -right
    if distance >= 64:
        return 0
    if distance >= 0:
        return _wrap64(left << distance)
    return left >> min(-distance, 64)


def row_reader(document: dict[str, Any], field_of: Callable[[ast.Column], tuple[str, Optional[str]]]) -> Row:
    """Column values of one written document, converted back to their SQL types."""
    def read(node: ast.Column) -> Any:
        path, type_code = field_of(node)
        value: Any = document
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return reader_for(type_code)(value) if type_code else from_bson(value)
    return read

