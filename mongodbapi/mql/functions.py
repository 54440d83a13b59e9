"""Scalar SQL functions -> aggregation expressions.

Each function returns NULL when a required argument is NULL, as SQL functions do (MongoDB's
string operators would return "" instead, so arguments are guarded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

import math

from ..errors import NotSupportedError, ProgrammingError
from ..sql import ast
from ..sql.walk import walk
from ..types import INTEGER_TYPES, TEXT_TYPES
from .expr import Typed, element_of_array, field_of_document, literal, null_guard, unsupported
from .template import Computed

if TYPE_CHECKING:  # pragma: no cover
    from .expr import ExprCompiler

_EXTRACT_FIELDS = {
    "year": "$year", "month": "$month", "day": "$dayOfMonth", "hour": "$hour", "minute": "$minute",
    "doy": "$dayOfYear", "week": "$isoWeek", "isoyear": "$isoWeekYear", "millisecond": "$millisecond",
}
_TRUNC_UNITS = {"year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond"}


def _arity(node: ast.Func, *counts: int) -> None:
    if len(node.args) not in counts:
        expected = " or ".join(str(c) for c in counts)
        raise ProgrammingError(f"{node.name}() takes {expected} arguments, not {len(node.args)} "
                               f"(line {node.pos[0]}, column {node.pos[1]})")


def _text_function(operator: str) -> Callable[["ExprCompiler", ast.Func], Typed]:
    def build(compiler: "ExprCompiler", node: ast.Func) -> Typed:
        _arity(node, 1)
        arg = compiler.value(node.args[0])
        return Typed(null_guard([arg], {operator: compiler.as_text(arg)}), "TEXT", arg.nullable)
    return build


def _numeric_function(operator: str, keeps_integer: bool) -> Callable[["ExprCompiler", ast.Func], Typed]:
    def build(compiler: "ExprCompiler", node: ast.Func) -> Typed:
        _arity(node, 1)
        arg = compiler.value(node.args[0])
        result_type = arg.type if keeps_integer or arg.type not in INTEGER_TYPES else "REAL"
        return Typed({operator: arg.mql}, result_type if arg.type else None, arg.nullable)
    return build


def _length(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 1)
    arg = compiler.value(node.args[0])
    return Typed(null_guard([arg], {"$strLenCP": compiler.as_text(arg)}), "INTEGER", arg.nullable)


def _substring(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 2, 3)
    args = [compiler.value(a, "INTEGER" if i else None) for i, a in enumerate(node.args)]
    text = compiler.as_text(args[0])
    # SQL counts from 1; a start before 1 shortens the length (SQL standard and SQLite).
    start = {"$subtract": [args[1].mql, 1]}
    if len(args) == 3:
        length: Any = {"$max": [0, {"$add": [args[2].mql, {"$min": [start, 0]}]}]}
    else:
        length = {"$strLenCP": text}
    result = {"$substrCP": [text, {"$max": [start, 0]}, length]}
    return Typed(null_guard(args, result), "TEXT", any(a.nullable for a in args))


def _trim(operator: str) -> Callable[["ExprCompiler", ast.Func], Typed]:
    def build(compiler: "ExprCompiler", node: ast.Func) -> Typed:
        _arity(node, 1, 2)
        args = [compiler.value(a) for a in node.args]
        spec: dict[str, Any] = {"input": compiler.as_text(args[0])}
        if len(args) == 2:
            spec["chars"] = args[1].mql
        return Typed(null_guard(args, {operator: spec}), "TEXT", any(a.nullable for a in args))
    return build


def _replace(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 3)
    args = [compiler.value(a) for a in node.args]
    spec = {"input": compiler.as_text(args[0]), "find": compiler.as_text(args[1]),
            "replacement": compiler.as_text(args[2])}
    return Typed(null_guard(args, {"$replaceAll": spec}), "TEXT", any(a.nullable for a in args))


def _concat(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    """CONCAT() skips NULL arguments (unlike ``||``), as in PostgreSQL and MySQL 8."""
    args = [compiler.value(a) for a in node.args]
    parts = [{"$ifNull": [compiler.as_text(a), ""]} if a.nullable else compiler.as_text(a) for a in args]
    return Typed({"$concat": parts}, "TEXT", False)


def _position(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 2)
    needle, haystack = (compiler.value(a) for a in node.args)
    found = {"$add": [{"$indexOfCP": [compiler.as_text(haystack), compiler.as_text(needle)]}, 1]}
    return Typed(null_guard([needle, haystack], found), "INTEGER", needle.nullable or haystack.nullable)


def _round(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    """Half away from zero, as SQL databases round (MongoDB's $round rounds half to even)."""
    _arity(node, 1, 2)
    value = compiler.value(node.args[0])
    places = compiler.value(node.args[1], "INTEGER") if len(node.args) == 2 else Typed(0, "INTEGER", False)
    scale = {"$pow": [10, places.mql]}
    magnitude = {"$floor": {"$add": [{"$multiply": [{"$abs": value.mql}, scale]}, 0.5]}}
    signed = {"$cond": [{"$lt": [value.mql, 0]}, {"$multiply": [-1, magnitude]}, magnitude]}
    result_type = value.type if value.type in INTEGER_TYPES or value.type == "DECIMAL" else "REAL"
    if value.type in INTEGER_TYPES and len(node.args) == 1:
        return value
    return Typed(null_guard([value, places], {"$divide": [signed, scale]}), result_type, value.nullable)


def _mod(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 2)
    return compiler.value(ast.Binary("%", node.args[0], node.args[1], pos=node.pos))


def _power(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 2)
    base, exponent = (compiler.value(a) for a in node.args)
    return Typed(null_guard([base, exponent], {"$pow": [base.mql, exponent.mql]}), "REAL", True)


def _sign(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 1)
    arg = compiler.value(node.args[0])
    sign = {"$cond": [{"$gt": [arg.mql, 0]}, 1, {"$cond": [{"$lt": [arg.mql, 0]}, -1, 0]}]}
    return Typed(null_guard([arg], sign), "INTEGER", arg.nullable)


def _coalesce(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    if not node.args:
        raise ProgrammingError(f"{node.name}() needs at least one argument")
    args = [compiler.value(a) for a in node.args]
    result: Any = args[-1].mql
    for arg in reversed(args[:-1]):
        result = {"$ifNull": [arg.mql, result]}
    result_type = next((a.type for a in args if a.type), None)
    return Typed(result, result_type, all(a.nullable for a in args))


def _nullif(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 2)
    first = compiler.value(node.args[0])
    second = compiler.value(node.args[1], first.type)
    return Typed({"$cond": [{"$eq": [first.mql, second.mql]}, None, first.mql]}, first.type, True)


_TIME_PARTS = {"hour": 0, "minute": 3, "second": 6}


def _extract(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    field = node.args[0].value  # type: ignore[attr-defined]
    source = compiler.value(node.args[1])
    date = source.mql
    if source.type == "TIME":  # stored as 'HH:MM:SS[.ffffff]' text (BSON has no time type)
        if field not in _TIME_PARTS:
            raise ProgrammingError(f"EXTRACT cannot take field {field!r} from a TIME (line {node.pos[0]})")
        part = {"$toInt": {"$substrCP": [date, _TIME_PARTS[field], 2]}}
        return Typed(null_guard([source], part), "INTEGER", source.nullable)
    if field in _EXTRACT_FIELDS:
        result: Any = {_EXTRACT_FIELDS[field]: date}
    elif field == "second":
        result = {"$second": date}
    elif field in ("dow", "dayofweek"):
        result = {"$subtract": [{"$dayOfWeek": date}, 1]}  # SQL: Sunday is 0
    elif field == "isodow":
        result = {"$isoDayOfWeek": date}
    elif field == "quarter":
        result = {"$ceil": {"$divide": [{"$month": date}, 3]}}
    elif field == "epoch":
        result = {"$divide": [{"$toLong": date}, 1000]}
        return Typed(null_guard([source], result), "REAL", source.nullable)
    else:
        raise ProgrammingError(f"EXTRACT cannot take field {field!r} (line {node.pos[0]})")
    return Typed(null_guard([source], result), "INTEGER", source.nullable)


def _date_trunc(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 2)
    unit_node, source_node = node.args
    if not isinstance(unit_node, ast.Literal) or str(unit_node.value).lower() not in _TRUNC_UNITS:
        raise ProgrammingError(f"date_trunc() takes a unit literal, one of {sorted(_TRUNC_UNITS)}")
    source = compiler.value(source_node)
    unit = str(unit_node.value).lower()
    result: dict[str, Any] = {"$dateTrunc": {"date": source.mql, "unit": unit}}
    if unit == "week":
        result["$dateTrunc"]["startOfWeek"] = "monday"  # SQL weeks are ISO weeks
    return Typed(null_guard([source], result), source.type or "TIMESTAMP", source.nullable)


def _current(kind: str) -> Callable[["ExprCompiler", ast.Func], Typed]:
    def build(compiler: "ExprCompiler", node: ast.Func) -> Typed:
        _arity(node, 0)
        if kind == "DATE":
            return Typed({"$dateTrunc": {"date": "$$NOW", "unit": "day"}}, "DATE", False)
        if kind == "TIME":
            return Typed({"$dateToString": {"date": "$$NOW", "format": "%H:%M:%S"}}, "TIME", False)
        return Typed("$$NOW", "TIMESTAMPTZ", False)
    return build


def _extreme(operator: str) -> Callable[["ExprCompiler", ast.Func], Typed]:
    """GREATEST/LEAST: NULL arguments are ignored; NULL only when all are NULL (PostgreSQL)."""
    def build(compiler: "ExprCompiler", node: ast.Func) -> Typed:
        if not node.args:
            raise ProgrammingError(f"{node.name}() needs at least one argument")
        args = [compiler.value(a) for a in node.args]
        result_type = next((a.type for a in args if a.type), None)
        return Typed({operator: [a.mql for a in args]}, result_type, all(a.nullable for a in args))
    return build


def _at_time_zone(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    """``ts AT TIME ZONE zone``: the wall-clock time in ``zone`` of an instant, as a TIMESTAMP."""
    zone = compiler.value(node.args[0], "TEXT")
    source = compiler.value(node.args[1])
    parts = {"$dateToParts": {"date": source.mql, "timezone": zone.mql}}
    local = {"$let": {"vars": {"parts": parts}, "in": {"$dateFromParts": {
        f: f"$$parts.{f}" for f in ("year", "month", "day", "hour", "minute", "second", "millisecond")}}}}
    return Typed(null_guard([source, zone], local), "TIMESTAMP", source.nullable or zone.nullable)


def _json_value(value: Typed) -> Any:
    """A JSON member: SQL NULL is JSON null. A missing field would drop an object's key, and an
    array element must be null too (the embedded engine showed a missing element as <NOTHING>)."""
    return {"$ifNull": [value.mql, None]} if value.nullable else value.mql


def _json_array(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    """JSON_ARRAY(v, ...): NULL arguments stay as JSON nulls (PostgreSQL's json_build_array)."""
    items = [_json_value(compiler.value(a)) for a in node.args]
    return Typed(items if items else {"$literal": []}, "JSON", False)


def _json_object(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    """JSON_OBJECT(key, value, ...): keys must be string literals (they become field names); a NULL
    value keeps its key with a JSON null (PostgreSQL's json_build_object); JSON_OBJECT() is {}.

    The document is an argument of ``$mergeObjects`` so that it is always read as an expression: a
    bare ``{"a": 1}`` as a ``$project`` value would be a projection (include ``a``), and ``{}``
    there is an error."""
    if len(node.args) % 2:
        raise ProgrammingError("json_object() takes key, value pairs")
    document: dict[str, Any] = {}
    for key, value in zip(node.args[::2], node.args[1::2]):
        if not isinstance(key, ast.Literal) or not isinstance(key.value, str) or key.value.startswith("$") \
                or "." in key.value:
            raise NotSupportedError("json_object() keys must be string literals without '.' and not starting with '$'")
        document[key.value] = _json_value(compiler.value(value))
    return Typed({"$mergeObjects": [document]} if document else {"$literal": {}}, "JSON", False)


def _field_exists(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    """FIELD_EXISTS(path): whether the object the path's last step reads from has that key, even
    when it holds null (PostgreSQL's ``?`` on the addressed value, MongoDB's ``$exists``).

    The path is walked one step at a time, never through arrays: a name step reads a field of a
    document, an integer subscript an element of an array, and any other shape ends the walk
    (false). A dotted field path (``"$v.a.b"``) would traverse arrays of documents, and
    ``$type`` of the array it then yields is not "missing"."""
    _arity(node, 1)
    step = _last_step(compiler, node.args[0])
    if step is None:
        arg = compiler.value(node.args[0])
        return Typed({"$ne": [{"$type": arg.mql}, "missing"]}, "BOOLEAN", False)
    parent, key = step
    if isinstance(key, int):  # an element of an array: the index is within its bounds
        size = {"$size": "$$parent"}
        present: Any = {"$cond": [{"$isArray": "$$parent"},
                                  {"$and": [{"$lt": [key, size]}, {"$gte": [key, {"$multiply": [-1, size]}]}]},
                                  False]}
    else:
        present = {"$cond": [{"$eq": [{"$type": "$$parent"}, "object"]},
                             {"$ne": [{"$type": {"$getField": {"field": literal(key), "input": "$$parent"}}},
                                      "missing"]},
                             False]}
    return Typed({"$let": {"vars": {"parent": parent}, "in": present}}, "BOOLEAN", False)


def _last_step(compiler: "ExprCompiler", node: ast.Expr) -> Optional[tuple[Any, Any]]:
    """(the exact value the path's last step reads from, that step: a key or an array index), or
    None when ``node`` is a top-level field or not a path."""
    if isinstance(node, ast.Member):
        return exact_path(compiler, node.operand), node.name
    if isinstance(node, ast.Subscript) and isinstance(node.index, ast.Literal) \
            and isinstance(node.index.value, (str, int)) and not isinstance(node.index.value, bool):
        return exact_path(compiler, node.operand), node.index.value
    if isinstance(node, ast.Column):
        steps = _field_steps(compiler.value(node).mql)
        if steps is not None and len(steps) > 1:
            return _walk(steps[:-1]), steps[-1]
    return None


def exact_path(compiler: "ExprCompiler", node: ast.Expr) -> Any:
    """The value a path addresses, read step by step as PostgreSQL's ``->`` does: a field of a
    document, an element of an array, and NULL for any other shape (never an array of the
    values found in an array of documents, as a dotted field path gives)."""
    step = _last_step(compiler, node)
    if step is None:
        return compiler.value(node).mql
    parent, key = step
    if isinstance(key, int):
        return element_of_array(parent, key)
    return field_of_document(parent, literal(key))


def _field_steps(mql: Any) -> Optional[list[str]]:
    """``"$a.b.c"`` -> ["$a", "b", "c"] (``"$$v.b"`` -> ["$$v", "b"]); None for other expressions."""
    if not isinstance(mql, str) or not mql.startswith("$"):
        return None
    sigil = "$$" if mql.startswith("$$") else "$"
    head, *names = mql[len(sigil):].split(".")
    return [sigil + head] + names


def _walk(steps: list[str]) -> Any:
    value: Any = steps[0]
    for name in steps[1:]:
        value = field_of_document(value, literal(name))
    return value


def _trig(operator: str) -> Callable[["ExprCompiler", ast.Func], Typed]:
    def build(compiler: "ExprCompiler", node: ast.Func) -> Typed:
        args = [compiler.value(a) for a in node.args]
        mql = args[0].mql if len(args) == 1 else [a.mql for a in args]
        return Typed(null_guard(args, {operator: mql}), "REAL", any(a.nullable for a in args))
    return build


def _log(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    """LOG(x) is the base-10 logarithm; LOG(b, x) the base-b one (PostgreSQL)."""
    _arity(node, 1, 2)
    args = [compiler.value(a) for a in node.args]
    if len(args) == 1:
        return Typed(null_guard(args, {"$log10": args[0].mql}), "REAL", args[0].nullable)
    return Typed(null_guard(args, {"$log": [args[1].mql, args[0].mql]}), "REAL", True)


def _pi(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 0)
    return Typed(math.pi, "REAL", False)


def _repeat_text(text: Any, times: Any) -> Any:
    return {"$reduce": {"input": {"$range": [0, {"$max": [times, 0]}]}, "initialValue": "",
                        "in": {"$concat": ["$$value", text]}}}


def _repeat(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 2)
    text, times = compiler.value(node.args[0]), compiler.value(node.args[1], "INTEGER")
    return Typed(null_guard([text, times], _repeat_text(compiler.as_text(text), times.mql)), "TEXT", True)


def _pad(left: bool) -> Callable[["ExprCompiler", ast.Func], Typed]:
    """LPAD/RPAD(text, length[, fill]): padded with ``fill`` (a space) or cut to ``length``."""
    def build(compiler: "ExprCompiler", node: ast.Func) -> Typed:
        _arity(node, 2, 3)
        args = [compiler.value(a, "INTEGER" if i == 1 else None) for i, a in enumerate(node.args)]
        text, length = compiler.as_text(args[0]), args[1].mql
        fill = compiler.as_text(args[2]) if len(args) == 3 else " "
        missing = {"$subtract": [length, {"$strLenCP": text}]}
        pad = {"$substrCP": [_repeat_text(fill, length), 0, {"$max": [missing, 0]}]}
        padded = {"$concat": [pad, text] if left else [text, pad]}
        cut = {"$substrCP": [text, 0, {"$max": [length, 0]}]}
        result = {"$cond": [{"$lte": [missing, 0]}, cut, padded]}
        return Typed(null_guard(args, result), "TEXT", True)
    return build


def _reverse(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 1)
    arg = compiler.value(node.args[0])
    text = compiler.as_text(arg)
    reversed_ = {"$reduce": {"input": {"$range": [0, {"$strLenCP": text}]}, "initialValue": "",
                             "in": {"$concat": [{"$substrCP": [text, "$$this", 1]}, "$$value"]}}}
    return Typed(null_guard([arg], reversed_), "TEXT", arg.nullable)


def _cot(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 1)
    arg = compiler.value(node.args[0])
    return Typed(null_guard([arg], {"$divide": [1, {"$tan": arg.mql}]}), "REAL", arg.nullable)


def _random(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 0)
    return Typed({"$rand": {}}, "REAL", False)


_VOLATILE = frozenset({"now", "current_timestamp", "current_date", "current_time", "localtimestamp", "random"})


def _varies_per_row(node: ast.Expr) -> bool:
    """Whether ``node`` reads a row, a subquery or the clock (its value is not known before the
    server runs the statement)."""
    for item in walk(node):
        if isinstance(item, (ast.Column, ast.ScalarSubquery, ast.Exists, ast.InSubquery, ast.Quantified, ast.Default)):
            return True
        if isinstance(item, ast.Func) and (item.name in _VOLATILE or item.over is not None):
            return True
    return False


def _is_constant(node: ast.Expr) -> bool:
    """Whether ``node`` has the same value on every row and every execution (no column, placeholder,
    subquery or clock), so that the driver may compute it once, when the statement is planned."""
    return not _varies_per_row(node) and not any(isinstance(item, ast.Param) for item in walk(node))


def _computed_by_driver(result_type: str, reason: str) -> Callable[["ExprCompiler", ast.Func], Typed]:
    """A function MongoDB has no operator for. Over constant arguments the driver computes it
    when the statement is planned, over placeholders when the values are bound (exactly, with
    Python's hashlib and chr/ord, as in ``exec/residual.py``). Over anything read per row it
    raises NotSupportedError: a value computed after the rows are read could not be filtered,
    sorted or grouped on by the server, so it would be right in some positions and wrong in
    others. The one place where it can be right is a top-level item of the outermost select
    list, which the select planner handles itself (``finished_by_driver``) before anything is
    compiled here."""
    def build(compiler: "ExprCompiler", node: ast.Func) -> Typed:
        _arity(node, 1)
        if _varies_per_row(node):
            raise NotSupportedError(f"{node.name.upper()}() of a value that is not a constant (a column, a subquery, "
                                    f"the clock) is not supported here: {reason}; the driver computes it for "
                                    f"constants and parameters, and for other values only as an item of the "
                                    f"outermost select list (line {node.pos[0]}, column {node.pos[1]})")
        from ..exec.residual import evaluate  # the driver's own evaluator; exec imports mql, not the reverse

        if _is_constant(node):
            value = evaluate(node, None)
            return Typed(literal(value), result_type, value is None)
        return Typed(Computed(node, evaluate), result_type, True)
    return build


_NO_HASH = "MongoDB has no hash operator"
_NO_CHR = "MongoDB 7.0 has no operator that makes a character from its code point"
_NO_ORD = "MongoDB 7.0 has no operator that gives a character's code point"
# Functions MongoDB cannot compute: name -> (result type, why not).
DRIVER_COMPUTED = {
    **{name: ("TEXT", _NO_HASH) for name in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")},
    "chr": ("TEXT", _NO_CHR), "ascii": ("INTEGER", _NO_ORD),
}


def _abs(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    _arity(node, 1)
    arg = compiler.value(node.args[0])
    return Typed({"$abs": arg.mql}, arg.type, arg.nullable)


FUNCTIONS: dict[str, Callable[["ExprCompiler", ast.Func], Typed]] = {
    "upper": _text_function("$toUpper"), "lower": _text_function("$toLower"),
    "ucase": _text_function("$toUpper"), "lcase": _text_function("$toLower"),
    "length": _length, "char_length": _length, "character_length": _length,
    "substr": _substring, "substring": _substring,
    "trim": _trim("$trim"), "ltrim": _trim("$ltrim"), "rtrim": _trim("$rtrim"),
    "btrim": _trim("$trim"),
    "replace": _replace, "concat": _concat, "position": _position,
    "abs": _abs, "round": _round, "ceil": _numeric_function("$ceil", True),
    "ceiling": _numeric_function("$ceil", True), "floor": _numeric_function("$floor", True),
    "sqrt": _numeric_function("$sqrt", False), "exp": _numeric_function("$exp", False),
    "ln": _numeric_function("$ln", False), "log10": _numeric_function("$log10", False),
    "mod": _mod, "power": _power, "pow": _power, "sign": _sign,
    "coalesce": _coalesce, "ifnull": _coalesce, "nvl": _coalesce, "nullif": _nullif,
    "extract": _extract, "date_trunc": _date_trunc,
    "current_date": _current("DATE"), "current_timestamp": _current("TIMESTAMPTZ"),
    "current_time": _current("TIME"), "now": _current("TIMESTAMPTZ"),
    "greatest": _extreme("$max"), "least": _extreme("$min"), "random": _random, "timezone": _at_time_zone,
    "json_array": _json_array, "json_object": _json_object, "field_exists": _field_exists,
    "sin": _trig("$sin"), "cos": _trig("$cos"), "tan": _trig("$tan"), "asin": _trig("$asin"),
    "acos": _trig("$acos"), "atan": _trig("$atan"), "atan2": _trig("$atan2"),
    "radians": _trig("$degreesToRadians"), "degrees": _trig("$radiansToDegrees"), "log": _log, "pi": _pi,
    "cot": _cot, "repeat": _repeat, "lpad": _pad(True), "rpad": _pad(False), "reverse": _reverse,
    **{name: _computed_by_driver(result_type, reason) for name, (result_type, reason) in DRIVER_COMPUTED.items()},
}


def finished_by_driver(node: ast.Expr) -> Optional[str]:
    """The result type when ``node`` is one of ``DRIVER_COMPUTED`` over a per-row argument, which a
    top-level select-list item may compute from the fetched argument (``select.py``), else None."""
    if (isinstance(node, ast.Func) and node.name in DRIVER_COMPUTED and len(node.args) == 1
            and node.over is None and node.filter is None and not node.distinct and _varies_per_row(node)):
        return DRIVER_COMPUTED[node.name][0]
    return None


def call(compiler: "ExprCompiler", node: ast.Func) -> Typed:
    builder = FUNCTIONS.get(node.name)
    if builder is None:
        raise unsupported(node, f"function {node.name}()")
    if node.distinct or node.star or node.filter is not None:
        raise ProgrammingError(f"{node.name}() is not an aggregate function (line {node.pos[0]})")
    return builder(compiler, node)


# ----------------------------------------------------------------- CAST

_CONVERT_TO = {
    "INTEGER": "long", "BIGINT": "long", "SMALLINT": "int", "REAL": "double", "DECIMAL": "decimal",
    "TEXT": "string", "VARCHAR": "string", "CHAR": "string", "BOOLEAN": "bool", "TIMESTAMP": "date",
    "TIMESTAMPTZ": "date", "OBJECTID": "objectId",
}


def cast(operand: Typed, target: str) -> Typed:
    """CAST(x AS target) with ``$convert``; a value that cannot convert is an error, as in SQL."""
    if "INTERVAL" in (target, operand.type):
        if operand.type == target:
            return operand
        raise NotSupportedError(f"CAST of a {operand.type or 'value of unknown type'} to {target} is not supported: "
                                "an INTERVAL is a number of microseconds (constants and parameters can be cast to it)")
    if target == "DATE":
        converted: Any = {"$dateTrunc": {"date": {"$convert": {"input": operand.mql, "to": "date"}}, "unit": "day"}}
        return Typed(null_guard([operand], converted), "DATE", operand.nullable)
    if operand.type == "UUID" and target in ("TEXT", "VARCHAR", "CHAR"):
        # The hyphenated lowercase form, as PostgreSQL's uuid::text. $convert's "format" is new in
        # MongoDB 8.0: a 7.0 server (and the embedded engine) refuses the argument with an error.
        converted = {"$convert": {"input": operand.mql, "to": "string", "format": "uuid", "onNull": None}}
        return Typed(converted, target, operand.nullable)
    if operand.type in TEXT_TYPES and target == "UUID":
        converted = {"$convert": {"input": operand.mql, "to": {"type": "binData", "subtype": 4}, "format": "uuid",
                                  "onNull": None}}
        return Typed(converted, target, operand.nullable)
    if operand.type == "BLOB" and target in ("TEXT", "VARCHAR", "CHAR"):
        raise NotSupportedError(f"CAST of a {operand.type} value to {target} is not supported: MongoDB 7.0 "
                                "cannot convert binary data to text")
    to = _CONVERT_TO.get(target)
    if to is None:
        return Typed(operand.mql, target, operand.nullable)  # JSON, BLOB, UUID, TIME: reinterpreted as is
    mql = operand.mql
    if target in INTEGER_TYPES and operand.type not in INTEGER_TYPES:
        # SQL truncates toward zero when casting a fractional number to an integer
        mql = {"$cond": [{"$isNumber": mql}, {"$trunc": [mql, 0]}, mql]}
    converted = {"$convert": {"input": mql, "to": to, "onNull": None}}
    return Typed(converted, target, operand.nullable)


__all__ = ["call", "cast", "FUNCTIONS"]
