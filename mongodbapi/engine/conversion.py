"""Types, conversions and fields: $type, $convert, $to*, $toDecimal, $getField.

doc: $convert's input null or missing gives onNull (default null), a failed conversion
gives onError or ConversionFailure (241), the only error onError catches; $toInt and the
like are $convert without onError/onNull. The engine raised KeyError for a missing input,
TypeError for null, Python errors for failed conversions, "None" for $toString of null,
lost the seconds of a date, kept 14 decimal places in $toDecimal (doc: 15 significant
digits), did not know $toBool, and read $getField's input only from a "$path".
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Callable

from bson import DBRef
from mongomock_ng import aggregate
from pymongo.errors import OperationFailure

from .numeric import double_to_decimal, to_decimal128
from .values import (BAD_VALUE, MARK, NOTHING, TYPE_ALIASES, TYPE_CODES, is_number, literal,
                     nullish, single_argument, type_name, whole_number)


def _type(parser: Any, values: Any, original: Callable) -> Any:
    # doc: the BSON type alias of the argument ("decimal", "long", ...); "missing".
    value = parser.parse(single_argument("$type", values))
    name = type_name(value)
    return name if name in TYPE_ALIASES else original(literal(value))


def _to_string(parser: Any, values: Any, original: Callable) -> Any:
    # doc: null or missing -> null; a date -> "2018-03-27T16:58:51.538Z".
    value = parser.parse(single_argument("$toString", values))
    if nullish(value):
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return original(literal(value))


def _to_bool(parser: Any, values: Any, original: Callable) -> Any:
    # doc: null/missing -> null; numbers -> non-zero; every other type -> true.
    value = parser.parse(single_argument("$toBool", values))
    return type(parser)._handle_type_convertion_to_bool(parser, literal(value))


_CONVERSION_FAILURE, _FAILED_TO_PARSE = 241, 9  # error_codes.yml: ConversionFailure, FailedToParse
_CONVERT_FIELDS = ("input", "to", "onError", "onNull")
_TO_OPERATORS = {"$toInt": "int", "$toLong": "long", "$toDouble": "double", "$toDecimal": "decimal",
                 "$toDate": "date", "$toObjectId": "objectId"}


def _target_type(to: Any) -> str:
    """The type alias named by $convert's ``to`` (server: computeTargetType)."""
    if isinstance(to, str):
        if to not in TYPE_CODES.values():
            raise OperationFailure(f"Unknown type name: {to}", BAD_VALUE)
        return to
    if is_number(to):
        code = whole_number(to)
        if code is None:
            raise OperationFailure("In $convert, numeric 'to' argument is not an integer",
                                   _FAILED_TO_PARSE)
        if code not in TYPE_CODES:
            raise OperationFailure(f"In $convert, numeric value for 'to' does not correspond to a "
                                   f"BSON type: {code}", _FAILED_TO_PARSE)
        return TYPE_CODES[code]
    raise OperationFailure(f"$convert's 'to' argument must be a string or number, but is "
                           f"{type_name(to)}", _FAILED_TO_PARSE)


def _convert_value(parser: Any, value: Any, target: str) -> Any:
    """``value`` (not null) converted by the engine's handler for ``target``; a value it cannot
    convert is a ConversionFailure (the error that $convert's onError catches)."""
    handler = type(parser)._CONVERT_TO_HANDLERS.get(target)
    if handler is None:
        raise OperationFailure(f"Unsupported conversion from {type_name(value)} to {target} in "
                               "$convert with no onError value", _CONVERSION_FAILURE)
    try:
        return handler(parser, literal(value))
    except (OperationFailure, ValueError, TypeError, ArithmeticError) as error:
        raise OperationFailure(f"Failed to convert {type_name(value)} {value!r} to {target} in "
                               f"$convert with no onError value: {error}",
                               _CONVERSION_FAILURE) from error


def _convert(parser: Any, values: Any, original: Callable) -> Any:
    # doc: {input, to, onError, onNull}; input null or missing -> onNull (default null);
    # to null or missing -> null; a failed conversion -> onError if given, else an error.
    # Server: ExpressionConvert::evaluate (to, then input; onNull/onError evaluated lazily).
    if not isinstance(values, dict):
        raise OperationFailure(f"$convert expects an object of named arguments but found: "
                               f"{type_name(values)}")
    for name in values:
        if name not in _CONVERT_FIELDS:
            raise OperationFailure(f"$convert found an unknown argument: {name}")
    for name in ("input", "to"):
        if name not in values:
            raise OperationFailure(f"Missing '{name}' parameter to $convert")
    to = parser.parse(values["to"])
    value = parser.parse(values["input"])
    target = None if nullish(to) else _target_type(to)
    if nullish(value):
        return parser.parse(values["onNull"]) if "onNull" in values else None
    if target is None:
        return None
    try:
        return _convert_value(parser, value, target)
    except OperationFailure as error:
        if error.code == _CONVERSION_FAILURE and "onError" in values:
            return parser.parse(values["onError"])
        raise


def _to_type(op: str) -> Callable:
    target = _TO_OPERATORS[op]

    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: {$toInt: <expression>} is {$convert: {input: <expression>, to: "int"}}:
        # null or missing -> null; a value that cannot be converted is an error.
        value = parser.parse(single_argument(op, values))
        return None if nullish(value) else _convert_value(parser, value, target)

    return handler


def _is_constant(expression: Any) -> bool:
    """Whether an expression reads no field or variable (what the server folds to a constant)."""
    if isinstance(expression, str):
        return not expression.startswith("$")
    if isinstance(expression, list):
        return all(_is_constant(item) for item in expression)
    if isinstance(expression, dict):
        if len(expression) == 1 and next(iter(expression)) in ("$literal", "$const"):
            return True
        return "$rand" not in expression and all(_is_constant(v) for v in expression.values())
    return True


def _get_field(parser: Any, values: Any, original: Callable) -> Any:
    # doc: {$getField: {field: <string constant expression>, input: <expression> =
    # $$CURRENT}} or {$getField: <field>}; input null or missing -> null, not a document ->
    # error; a field the input lacks -> missing; no traversal of "a.b" or arrays.
    if isinstance(values, dict) and not (values and next(iter(values)).startswith("$")):
        for name in values:
            if name not in ("field", "input"):
                raise OperationFailure(f"$getField found an unknown argument: {name}", 3041701)
        if "field" not in values:
            raise OperationFailure("$getField requires 'field' to be specified", 3041702)
        field_expression, input_expression = values["field"], values.get("input", "$$CURRENT")
    else:
        field_expression, input_expression = values, "$$CURRENT"
    if not _is_constant(field_expression):
        raise OperationFailure("$getField requires 'field' to evaluate to a constant, but got a "
                               "non-constant argument", 5654602)
    field = parser.parse(field_expression)
    if not isinstance(field, str):
        raise OperationFailure(f"$getField requires 'field' to evaluate to type String, but got "
                               f"{type_name(field)}", 5654601)
    document = parser.parse(input_expression)
    if nullish(document):
        return None
    if not isinstance(document, Mapping) or isinstance(document, DBRef):
        raise OperationFailure(f"$getField requires 'input' to evaluate to type Object, but got "
                               f"{type_name(document)}", 3041705)
    return document.get(field, NOTHING)


def _wrap_to_decimal(original: Callable) -> Callable:
    if getattr(original, MARK, False):
        return original

    def to_decimal(self: Any, values: Any) -> Any:
        # doc ($toDecimal): {$toDecimal: 2.5} -> Decimal128("2.50000000000000"): a double
        # keeps 15 significant digits (the engine kept 14 decimal places).
        value = self.parse(values)
        if isinstance(value, float):
            return to_decimal128(double_to_decimal(value))
        return original(self, literal(value))

    setattr(to_decimal, MARK, True)
    return to_decimal


# By the engine's _Parser dispatch method: operator -> handler(parser, values, original).
HANDLERS = {
    "_handle_type_operator": {"$type": _type},
    "_handle_type_convertion_operator": {
        "$toString": _to_string, "$toBool": _to_bool, "$convert": _convert,
        **{op: _to_type(op) for op in _TO_OPERATORS},
    },
    "_handle_field_operator": {"$getField": _get_field},
}


def install() -> None:
    """$toDecimal of a double, also as $convert's handler for "decimal" (19)."""
    handlers = aggregate._Parser._TYPE_CONVERTION_HANDLERS
    to_decimal = _wrap_to_decimal(handlers["$toDecimal"])
    handlers["$toDecimal"] = to_decimal
    aggregate._Parser._CONVERT_TO_HANDLERS.update({"decimal": to_decimal, 19: to_decimal})
