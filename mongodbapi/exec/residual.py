"""A small evaluator for the expressions the driver computes itself.

It serves exactly these places, and nothing is evaluated client-side silently elsewhere:

* INSERT ... VALUES items and UPDATE ... SET values that do not read the row (``1 + 1``,
  ``CAST(%s AS DATE)``, ``CURRENT_TIMESTAMP``, ``-5``): constants, computed once per row
  before the write;
* DEFAULT expressions of columns;
* RETURNING lists, evaluated on the documents the statement wrote.

It computes literals, placeholders, arithmetic, ``||``, the bitwise operators, CAST, CASE and the
deterministic scalar functions of ``mql/functions.py`` (with the same SQL rules), the clock, and the
functions MongoDB has no operator for (MD5, SHA*, CHR, ASCII). Subqueries, aggregates and window
functions are not computed here. Anything else raises ``NotSupportedError`` naming the construct.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import hashlib
import inspect
import math
import random
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
    @functools.wraps(function)  # keeps the signature, which evaluate() checks the arguments against
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


# ----------------------------------------------------------------- scalar functions
# The same results as their translations in ``mql/functions.py`` (SQL's rules where MongoDB's
# operators differ, e.g. ROUND half away from zero), for values the driver computes itself.

# What $trim removes by default (MongoDB manual): the null character and Unicode whitespace.
_TRIMMED = "\0 \t\n\v\f\r\u00a0\u1680" + "".join(chr(c) for c in range(0x2000, 0x200B)) + "\u2028\u2029\u202f\u205f\u3000"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _number(value: Any, function: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
        raise DataError(f"{function}() takes a number, not {value!r}")
    return value


def _math(function: str, compute: Callable[[float], float],
          exact: Optional[Callable[[decimal.Decimal], decimal.Decimal]] = None) -> Callable[..., Any]:
    """A function of one number: a float result, or a Decimal for a Decimal (as $sqrt, $ln... on a
    decimal); a domain error is a DataError, as in SQL."""
    def apply(value: Any) -> Any:
        value = _number(value, function)
        try:
            if isinstance(value, decimal.Decimal) and exact is not None:
                result = exact(value)
                if result.is_nan():
                    raise ValueError("not a number")
                return result
            return compute(float(value))
        except (ValueError, OverflowError, ZeroDivisionError, decimal.InvalidOperation) as exc:
            raise DataError(f"{function}({value}): {exc}") from None
    return _null_if_any(apply)


def _positive(function: str, compute: Callable[[float], float],
              exact: Callable[[decimal.Decimal], decimal.Decimal]) -> Callable[..., Any]:
    """LN and LOG10: a logarithm of zero or of a negative number is an error (PostgreSQL)."""
    def check(value: Any) -> Any:
        if _number(value, function) <= 0:
            raise DataError(f"{function}({value}): cannot take the logarithm of zero or a negative number")
        return value
    inner = _math(function, compute, exact)
    return _null_if_any(lambda value: inner(check(value)))


def _round(value: Any, places: Any = 0) -> Any:
    """Half away from zero, as SQL databases round; integers stay integers, decimals decimals."""
    value = _number(value, "round")
    if isinstance(places, bool) or not isinstance(places, int):
        raise DataError(f"round() takes an integer number of places, not {places!r}")
    if isinstance(value, int) and places >= 0:
        return value
    step = decimal.Decimal(1).scaleb(-places)
    rounded = decimal.Decimal(str(value) if isinstance(value, float) else value).quantize(
        step, rounding=decimal.ROUND_HALF_UP)
    if isinstance(value, decimal.Decimal):
        return rounded
    return int(rounded) if isinstance(value, int) else float(rounded)


def _ceil_floor(up: bool) -> Callable[..., Any]:
    def apply(value: Any) -> Any:
        value = _number(value, "ceil" if up else "floor")
        if isinstance(value, int):
            return value
        if isinstance(value, decimal.Decimal):
            return value.to_integral_value(rounding=decimal.ROUND_CEILING if up else decimal.ROUND_FLOOR)
        return float(math.ceil(value) if up else math.floor(value))  # a double stays a double ($ceil)
    return _null_if_any(apply)


def _power(base: Any, exponent: Any) -> Any:
    base, exponent = _number(base, "power"), _number(exponent, "power")
    try:
        if isinstance(base, int) and isinstance(exponent, int) and exponent >= 0:
            return base ** exponent
        result = float(base) ** float(exponent)
    except (OverflowError, ZeroDivisionError) as exc:
        raise DataError(f"power({base}, {exponent}): {exc}") from None
    if isinstance(result, complex):
        raise DataError(f"power({base}, {exponent}): a negative number to a fractional power")
    return result


def _log(first: Any, second: Any = None) -> Any:
    """LOG(x) is the base-10 logarithm, LOG(b, x) the base-b one (PostgreSQL)."""
    if second is None:
        return _positive("log", math.log10, lambda d: d.log10())(first)
    base, value = _number(first, "log"), _number(second, "log")
    if base <= 0 or base == 1 or value <= 0:
        raise DataError(f"log({base}, {value}): the base must be positive and not 1, the number positive")
    return math.log(float(value)) / math.log(float(base))


def _substring(text: Any, start: Any, length: Any = None) -> str:
    """SQL counts from 1; a start before 1 shortens the length (the SQL standard and SQLite)."""
    text = _text(text)
    begin = start - 1
    if length is None:
        return text[max(begin, 0):]
    return text[max(begin, 0):max(begin, 0) + max(0, length + min(begin, 0))]


def _trim(where: str) -> Callable[..., Any]:
    def apply(text: Any, chars: Any = None) -> str:
        strip = {"both": str.strip, "leading": str.lstrip, "trailing": str.rstrip}[where]
        return strip(_text(text), _TRIMMED if chars is None else _text(chars))
    return apply


def _replace(text: Any, find: Any, replacement: Any) -> str:
    text, find = _text(text), _text(find)
    return text.replace(find, _text(replacement)) if find else text  # PostgreSQL: an empty pattern replaces nothing


def _pad(left: bool) -> Callable[..., Any]:
    def apply(text: Any, length: Any, fill: Any = " ") -> str:
        text, fill = _text(text), _text(fill)
        missing = length - len(text)
        if missing <= 0:
            return text[:max(length, 0)]
        pad = (fill * missing)[:missing]
        return pad + text if left else text + pad
    return apply


def _extreme(pick: Callable[..., Any]) -> Callable[..., Any]:
    """GREATEST/LEAST skip NULL arguments; NULL only when all are NULL (PostgreSQL)."""
    def apply(*args: Any) -> Any:
        present = [a for a in args if a is not None]
        if not present:
            return None
        try:
            return pick(present)
        except TypeError:
            raise DataError(f"cannot compare {present!r}") from None
    return apply


def _sign(value: Any) -> int:
    value = _number(value, "sign")
    return (value > 0) - (value < 0)


_SCALARS: dict[str, Callable[..., Any]] = {
    "pi": lambda: math.pi, "random": random.random,
    "sqrt": _math("sqrt", math.sqrt, lambda d: d.sqrt()), "exp": _math("exp", math.exp, lambda d: d.exp()),
    "ln": _positive("ln", math.log, lambda d: d.ln()), "log10": _positive("log10", math.log10, lambda d: d.log10()),
    "log": _null_if_any(_log), "power": _null_if_any(_power), "pow": _null_if_any(_power),
    "sign": _null_if_any(_sign), "round": _null_if_any(_round),
    "ceil": _ceil_floor(True), "ceiling": _ceil_floor(True), "floor": _ceil_floor(False),
    "mod": _null_if_any(lambda a, b: _arithmetic("%", a, b)),
    "sin": _math("sin", math.sin), "cos": _math("cos", math.cos), "tan": _math("tan", math.tan),
    "asin": _math("asin", math.asin), "acos": _math("acos", math.acos), "atan": _math("atan", math.atan),
    "atan2": _null_if_any(lambda y, x: math.atan2(float(_number(y, "atan2")), float(_number(x, "atan2")))),
    "cot": _math("cot", lambda x: 1 / math.tan(x)),
    "degrees": _math("degrees", math.degrees), "radians": _math("radians", math.radians),
    "char_length": _null_if_any(lambda s: len(_text(s))), "character_length": _null_if_any(lambda s: len(_text(s))),
    "ucase": _null_if_any(lambda s: _text(s).upper()), "lcase": _null_if_any(lambda s: _text(s).lower()),
    "substr": _null_if_any(_substring), "substring": _null_if_any(_substring),
    "trim": _null_if_any(_trim("both")), "btrim": _null_if_any(_trim("both")),
    "ltrim": _null_if_any(_trim("leading")), "rtrim": _null_if_any(_trim("trailing")),
    "replace": _null_if_any(_replace), "reverse": _null_if_any(lambda s: _text(s)[::-1]),
    "position": _null_if_any(lambda needle, haystack: _text(haystack).find(_text(needle)) + 1),
    "repeat": _null_if_any(lambda s, n: _text(s) * max(n, 0)),
    "lpad": _null_if_any(_pad(True)), "rpad": _null_if_any(_pad(False)),
    "greatest": _extreme(max), "least": _extreme(min), "nvl": lambda *args: next((a for a in args if a is not None), None),
}


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    **_SCALARS,
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


def function(name: str) -> Callable[..., Any]:
    """The driver's implementation of the SQL function ``name`` (lower case)."""
    return _FUNCTIONS[name]


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
        function = _FUNCTIONS[node.name]
        try:
            inspect.signature(function).bind(*node.args)
        except TypeError:
            raise ProgrammingError(f"{node.name}() does not take {len(node.args)} arguments "
                                   f"(line {node.pos[0]}, column {node.pos[1]})") from None
        args = [evaluate(a, params, row) for a in node.args]
        try:
            return function(*args)
        except TypeError as exc:  # e.g. SUBSTR('abc', 'x')
            raise DataError(f"cannot compute {node.name}() of {args!r}: {exc}") from None
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
    left, right = _temporal_operands(op, left, right)
    try:
        if op == "+":
            return _as_stored(left + right)
        if op == "-":
            if _is_date(left) and _is_date(right):
                return (left - right).days  # date - date is a number of days (PostgreSQL)
            return _as_stored(left - right)
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


def _as_stored(value: Any) -> Any:
    """A timestamp computed by the driver, truncated to the millisecond as the server-side
    translation truncates it (a BSON date holds milliseconds)."""
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value


def _is_date(value: Any) -> bool:
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def _temporal_operands(op: str, left: Any, right: Any) -> tuple[Any, Any]:
    """The operands of date/time arithmetic as the server-side translation takes them (mql/expr.py):
    a date with an interval is a timestamp at midnight; a date with an integer moves by days; a
    timestamp with a number, or an interval with a non-number, is an error."""
    values = (left, right)
    if op == "-" and all(isinstance(v, datetime.time) for v in values):  # TIME - TIME is an interval
        values = tuple(datetime.datetime.combine(datetime.date.min, v.replace(tzinfo=None)) for v in values)
        return values[0], values[1]
    if op in ("+", "-") and any(isinstance(v, (datetime.timedelta, datetime.datetime)) for v in values):
        if any(_is_date(v) for v in values):  # a date with an interval or a timestamp: midnight
            values = tuple(datetime.datetime(v.year, v.month, v.day) if _is_date(v) else v for v in values)
    if op in ("+", "-") and any(_is_date(v) for v in values) and any(
            isinstance(v, int) and not isinstance(v, bool) for v in values):
        values = tuple(datetime.timedelta(days=v) if isinstance(v, int) and not isinstance(v, bool) else v
                       for v in values)
    if any(isinstance(v, datetime.timedelta) for v in values) and op in ("*", "/"):
        factor = values[1] if isinstance(values[0], datetime.timedelta) else values[0]
        if isinstance(factor, decimal.Decimal):
            values = tuple(float(v) if v is factor else v for v in values)
    if any(isinstance(v, datetime.datetime) for v in values) and any(
            isinstance(v, (int, float, decimal.Decimal)) for v in values):
        raise DataError(f"cannot compute {left!r} {op} {right!r}: a timestamp takes an interval, not a number")
    return values[0], values[1]


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

