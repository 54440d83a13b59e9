"""MongoDB-server semantics for the in-process engine ``mongomock_ng`` (7.11.1).

The driver emits commands for a real MongoDB 7.0+ server and never bends them
for the embedded engine. Where ``mongomock_ng`` lacks an operator, or evaluates
one differently from the MongoDB manual, :func:`install` fills the gap in the
engine only, following the operator's page in the manual (null/missing handling
and error cases included).

How: the ``mongomock_ng.aggregate._Parser`` dispatch methods for string,
comparison, arithmetic, boolean and conversion operators are wrapped; the
wrapper evaluates the operators below and hands every other operator to the
original method. For ``find`` filters, ``filtering.TYPE_MAP`` gets its "null"
entry and the ``$type`` query operator is wrapped the same way.

==================  ==============================================================
Filled              Engine behaviour without ``install()``
==================  ==============================================================
$strLenCP           NotImplementedError
$substrCP           NotImplementedError
$indexOfCP          NotImplementedError
$replaceAll         "Unrecognized expression"
$replaceOne         "Unrecognized expression"
$toBool             "Unrecognized expression"
$cmp                NotImplementedError
$eq $ne $lt $lte    missing was equal to null and never less/greater than anything;
$gt $gte            1 equalled true. Server: missing < null < numbers < ... (BSON
                    comparison order; NaN equals NaN, below other numbers)
$concat             missing gave "...<NOTHING>" (doc: null); non-strings were
                    str()-ed (doc: error); {$concat: "$f"} iterated "$f"
$toUpper $toLower   missing gave "<NOTHING>" (server: "", as for null); only ASCII
                    letters change, as on the server
$toString           null gave "None" (doc: null); a date without milliseconds lost
                    its seconds
$mod                int % int gave a double (doc: larger input type, remainder
                    takes the dividend's sign); dividing by 0 is an error
$round              [x] of a double gave an int (doc: input type); place range not
                    checked (doc: -20 < place < 100). Half-to-even was already right
$trunc              [x, place] rejected; a double stays a double (as $round)
$not                the documented form {$not: [<expr>]} was always false
$type (find)        "null"/10 raised NotImplementedError; number codes and the
                    array-of-types form were rejected
==================  ==============================================================

Single-argument operators above also take their argument as a one-element
array, as the server does (``{$toBool: ["$x"]}``). Seen but left alone:
``$floor``/``$ceil`` give an int for a double; ``$toString`` of a double is
Python's ``str``; query-side ``{f: null}`` is untouched (already right).
"""

from __future__ import annotations

import datetime
import decimal
import functools
import math
import string
import threading
from typing import Any, Callable

from bson import ObjectId
from bson.decimal128 import Decimal128
from pymongo.errors import OperationFailure

__all__ = ["install"]

_lock = threading.Lock()
_installed = False
_MARK = "_mongodbapi_embedded_compat"

# Bound by install(): mongomock_ng's marker for a missing value, and its filtering module.
_NOTHING: Any = object()
_filtering: Any = None


def _nullish(value: Any) -> bool:
    return value is None or value is _NOTHING


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal128)) and not isinstance(value, bool)


def _type_name(value: Any) -> str:
    """The BSON type alias the server uses in its error messages."""
    if value is _NOTHING or value is None:
        return "missing" if value is _NOTHING else "null"
    if isinstance(value, int) and not isinstance(value, bool):
        return "int" if -(2**31) <= value < 2**31 else "long"
    names = [(bool, "bool"), (float, "double"), (Decimal128, "decimal"), (str, "string"),
             (dict, "object"), (list, "array"), (datetime.datetime, "date"),
             (bytes, "binData"), (ObjectId, "objectId")]
    return next((name for cls, name in names if isinstance(value, cls)), type(value).__name__)


def _arg_list(op: str, values: Any, low: int, high: int) -> list:
    """The operands of ``op``; a non-array value is a single operand."""
    args = values if isinstance(values, list) else [values]
    if not low <= len(args) <= high:
        expected = f"exactly {low}" if low == high else f"at least {low}, and at most {high},"
        raise OperationFailure(f"Expression {op} takes {expected} arguments. "
                               f"{len(args)} were passed in.")
    return args


def _single(op: str, values: Any) -> Any:
    return _arg_list(op, values, 1, 1)[0]


def _literal(value: Any) -> dict:
    """An expression evaluating to ``value``: hands an evaluated operand to the engine."""
    return {"$literal": value}


def _whole(value: Any) -> int | None:
    """``value`` as an int when it is an integral number (2, 2.0, Decimal128("2")), else None."""
    if not _is_number(value):
        return None
    number = value.to_decimal() if isinstance(value, Decimal128) else value
    try:
        return int(number) if number == int(number) else None
    except (ValueError, OverflowError):  # NaN, Infinity
        return None


def _index(op: str, what: str, value: Any) -> int:
    """A non-negative integral index argument ("2.0" is accepted, as documented)."""
    index = _whole(value)
    if index is None:
        raise OperationFailure(f"{op} requires an integral {what}, found a value of type: "
                               f"{_type_name(value)}, with value: {value!r}")
    if index < 0:
        raise OperationFailure(f"{op} requires a nonnegative {what}, found: {value!r}")
    return index


def _str_len_cp(parser: Any, values: Any, original: Callable) -> int:
    # doc: code points of the string; null or missing is an error.
    value = parser.parse(_single("$strLenCP", values))
    if not isinstance(value, str):
        raise OperationFailure(f"$strLenCP requires a string argument, "
                               f"found: {_type_name(value)}")
    return len(value)


def _substr_cp(parser: Any, values: Any, original: Callable) -> str:
    # doc: null or missing string -> ""; other non-strings and negative or
    # non-integral index/count -> error.
    text, start, count = (parser.parse(arg) for arg in _arg_list("$substrCP", values, 3, 3))
    if not _nullish(text) and not isinstance(text, str):
        raise OperationFailure(f"$substrCP requires a string argument, "
                               f"found: {_type_name(text)}")
    start = _index("$substrCP", "starting index", start)
    count = _index("$substrCP", "length", count)
    return "" if _nullish(text) else text[start:start + count]


def _index_of_cp(parser: Any, values: Any, original: Callable) -> int | None:
    # doc: null/missing string -> null; non-string string or substring -> error;
    # negative start/end -> error; not found, start > end or start past the end -> -1.
    args = _arg_list("$indexOfCP", values, 2, 4)
    text, token = parser.parse(args[0]), parser.parse(args[1])
    if _nullish(text):
        return None
    for position, value in (("first", text), ("second", token)):
        if not isinstance(value, str):
            raise OperationFailure(f"$indexOfCP requires a string as the {position} argument, "
                                   f"found: {_type_name(value)}")
    bounds = [_index("$indexOfCP", what, parser.parse(arg))
              for what, arg in zip(("starting index", "ending index"), args[2:])]
    return text.find(token, *bounds)


def _replace(op: str, count: int) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> str | None:
        # doc: each of input/find/replacement must be a string or null (missing
        # counts as null), else error; any null -> null.
        fields = ("input", "find", "replacement")
        if not isinstance(values, dict):
            raise OperationFailure(f"{op} requires an object as an argument, "
                                   f"found: {_type_name(values)}")
        for name in set(values) - set(fields):
            raise OperationFailure(f"{op} found an unknown argument: {name}")
        for name in set(fields) - set(values):
            raise OperationFailure(f"{op} requires '{name}' to be specified")
        parsed = [parser.parse(values[name]) for name in fields]
        for name, value in zip(fields, parsed):
            if not _nullish(value) and not isinstance(value, str):
                raise OperationFailure(f"{op} requires that '{name}' be a string, "
                                       f"found: {_type_name(value)}")
        if any(_nullish(value) for value in parsed):
            return None
        text, find, replacement = parsed
        return text.replace(find, replacement, count)

    return handler


def _concat(parser: Any, values: Any, original: Callable) -> str | None:
    # doc: an operand that is null or refers to a missing field -> null; only strings.
    parts = []
    for arg in values if isinstance(values, list) else [values]:
        value = parser.parse(arg)
        if _nullish(value):
            return None
        if not isinstance(value, str):
            raise OperationFailure(f"$concat only supports strings, not {_type_name(value)}")
        parts.append(value)
    return "".join(parts)


def _change_case(op: str, table: dict) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: null -> "" (missing too); only ASCII letters change.
        value = parser.parse(_single(op, values))
        if _nullish(value):
            return ""
        if isinstance(value, str):
            return value.translate(table)
        return original(_literal(value))

    return handler


def _compare(a: Any, b: Any) -> int:
    """-1/0/1 in BSON comparison order, with missing below null."""
    rank_a = -1 if a is _NOTHING else _filtering._get_compare_type(a)
    rank_b = -1 if b is _NOTHING else _filtering._get_compare_type(b)
    if rank_a != rank_b:
        return -1 if rank_a < rank_b else 1
    if a is _NOTHING:
        return 0
    a, b = (v.to_decimal() if isinstance(v, Decimal128) else v for v in (a, b))
    nan_a, nan_b = (v != v for v in (a, b))  # only NaN differs from itself
    if nan_a or nan_b:  # NaN equals NaN and sorts below every other number
        return int(nan_b) - int(nan_a)
    if _filtering.bson_compare(lambda x, y: x < y, a, b):
        return -1
    return 1 if _filtering.bson_compare(lambda x, y: x > y, a, b) else 0


_COMPARISONS = {
    "$cmp": lambda c: c, "$eq": lambda c: c == 0, "$ne": lambda c: c != 0,
    "$lt": lambda c: c < 0, "$lte": lambda c: c <= 0,
    "$gt": lambda c: c > 0, "$gte": lambda c: c >= 0,
}


def _comparison(op: str) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: compares value and type using the BSON comparison order.
        a, b = (parser.parse(arg) for arg in _arg_list(op, values, 2, 2))
        try:
            return _COMPARISONS[op](_compare(a, b))
        except (NotImplementedError, TypeError, AttributeError):  # types it cannot order
            return original([_literal(a), _literal(b)])

    return handler


def _mod(parser: Any, values: Any, original: Callable) -> Any:
    # doc: output type is the larger input type; the remainder takes the dividend's sign.
    a, b = (parser.parse(arg) for arg in _arg_list("$mod", values, 2, 2))
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (a, b)):
        return original([_literal(a), _literal(b)])  # doubles/decimals: the engine's fmod
    if b == 0:
        raise OperationFailure("can't $mod by zero")
    remainder = abs(a) % abs(b)
    return -remainder if a < 0 else remainder


def _round_or_trunc(op: str, rounding: str) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: null/missing -> null; NaN and +/-Infinity unchanged; -20 < place < 100;
        # the result has the input's type; $round rounds a 5 to the even digit.
        args = _arg_list(op, values, 1, 2)
        number = parser.parse(args[0])
        place = parser.parse(args[1]) if len(args) > 1 else 0
        if _nullish(number) or _nullish(place):
            return None
        if not _is_number(number):
            raise OperationFailure(f"{op} only supports numeric types, "
                                   f"not {_type_name(number)}")
        digits = _whole(place)
        if digits is None:
            raise OperationFailure(f"precision argument to {op} must be a integral value")
        if not -20 < digits < 100:
            raise OperationFailure(f"cannot apply {op} with precision value {digits}: "
                                   "value must be in (-20, 100)")
        return _quantize(number, digits, rounding)

    return handler


_WIDE = decimal.Context(prec=800, Emax=999_999, Emin=-999_999)


def _quantize(number: Any, place: int, rounding: str) -> Any:
    """``number`` rounded at 10**-place, keeping its type (the server goes through Decimal128)."""
    quantum = decimal.Decimal(1).scaleb(-place)
    if isinstance(number, int):
        if place >= 0:
            return number
        return int(decimal.Decimal(number).quantize(quantum, rounding=rounding, context=_WIDE))
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
    result = value.quantize(quantum, rounding=rounding, context=_WIDE)
    return float(result) if isinstance(number, float) else Decimal128(result)


def _not(parser: Any, values: Any, original: Callable) -> bool:
    # doc: {$not: [<expression>]}; false, null, 0 and missing are false, the rest true.
    return not parser._parse_to_bool(_single("$not", values))


def _to_string(parser: Any, values: Any, original: Callable) -> Any:
    # doc: null or missing -> null; a date -> "2018-03-27T16:58:51.538Z".
    value = parser.parse(_single("$toString", values))
    if _nullish(value):
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return original(_literal(value))


def _to_bool(parser: Any, values: Any, original: Callable) -> Any:
    # doc: null/missing -> null; numbers -> non-zero; every other type -> true.
    value = parser.parse(_single("$toBool", values))
    return type(parser)._handle_type_convertion_to_bool(parser, _literal(value))


# doc (BSON types): number codes of the $type query operator, by alias.
_TYPE_CODES = {1: "double", 2: "string", 3: "object", 4: "array", 5: "binData", 6: "undefined",
               7: "objectId", 8: "bool", 9: "date", 10: "null", 11: "regex", 12: "dbPointer",
               13: "javascript", 14: "symbol", 15: "javascriptWithScope", 16: "int",
               17: "timestamp", 18: "long", 19: "decimal", -1: "minKey", 127: "maxKey"}


def _wrap_type_op(original: Callable) -> Callable:
    def type_op(doc_val: Any, search_val: Any, in_array: bool = False) -> bool:
        # doc: {$type: <alias | number | [types]>}; {$type: "null"} matches a null
        # value (or an array holding one), not a missing field.
        if isinstance(search_val, list):
            return any(type_op(doc_val, one, in_array) for one in search_val)
        if _is_number(search_val) and not isinstance(search_val, Decimal128):
            search_val = _TYPE_CODES.get(search_val, search_val)
        return original(doc_val, search_val, in_array)

    setattr(type_op, _MARK, True)
    return type_op


def _parser_overrides() -> dict[str, dict[str, Callable]]:
    upper = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
    lower = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
    return {
        "_handle_string_operator": {
            "$strLenCP": _str_len_cp, "$substrCP": _substr_cp, "$indexOfCP": _index_of_cp,
            "$replaceAll": _replace("$replaceAll", -1), "$replaceOne": _replace("$replaceOne", 1),
            "$concat": _concat, "$toUpper": _change_case("$toUpper", upper),
            "$toLower": _change_case("$toLower", lower),
        },
        "_handle_comparison_operator": {op: _comparison(op) for op in _COMPARISONS},
        "_handle_arithmetic_operator": {
            "$mod": _mod, "$round": _round_or_trunc("$round", decimal.ROUND_HALF_EVEN),
            "$trunc": _round_or_trunc("$trunc", decimal.ROUND_DOWN),
        },
        "_handle_boolean_operator": {"$not": _not},
        "_handle_type_convertion_operator": {"$toString": _to_string, "$toBool": _to_bool},
    }


def _wrap_dispatch(cls: type, name: str, overrides: dict[str, Callable]) -> None:
    """Route the operators in ``overrides`` to our handlers, the rest to the original."""
    original = getattr(cls, name)
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def dispatch(self: Any, operator: str, values: Any) -> Any:
        handler = overrides.get(operator)
        if handler is None:
            return original(self, operator, values)
        return handler(self, values, lambda v: original(self, operator, v))

    setattr(dispatch, _MARK, True)
    setattr(cls, name, dispatch)


def install() -> None:
    """Make ``mongomock_ng`` evaluate the operators above like a MongoDB server.

    Idempotent and thread-safe; a repeated call costs one flag check. Affects
    every ``mongomock_ng`` client in the process, and nothing else.
    """
    global _installed, _NOTHING, _filtering
    if _installed:
        return
    with _lock:
        if _installed:
            return
        from mongomock_ng import aggregate, filtering

        _NOTHING, _filtering = aggregate.NOTHING, filtering
        # New operator names must reach the handler that we wrap.
        for names, extra in ((aggregate.string_operators, ("$replaceAll", "$replaceOne")),
                             (aggregate.type_convertion_operators, ("$toBool",))):
            names.extend(op for op in extra if op not in names)
        for name, overrides in _parser_overrides().items():
            _wrap_dispatch(aggregate._Parser, name, overrides)

        filtering.TYPE_MAP["null"] = lambda value: value is None
        if not getattr(filtering._type_op, _MARK, False):
            filtering._type_op = _wrap_type_op(filtering._type_op)
        filtering._filterer_inst._operator_map["$type"] = filtering._type_op
        _installed = True
