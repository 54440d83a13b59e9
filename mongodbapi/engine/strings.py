"""String expression operators the engine lacks or evaluates differently.

$strLenCP, $substrCP, $indexOfCP, $replaceAll and $replaceOne were missing; $concat gave
"...<NOTHING>" for a missing operand (doc: null) and str()-ed non-strings (doc: an error);
$toUpper/$toLower gave "<NOTHING>" for missing (doc: "") and changed non-ASCII letters.
"""

from __future__ import annotations

import string

from typing import Any, Callable

from pymongo.errors import OperationFailure

from .values import arg_list, literal, nullish, single_argument, type_name, whole_number


def _index(op: str, what: str, value: Any) -> int:
    """A non-negative integral index argument ("2.0" is accepted, as documented)."""
    index = whole_number(value)
    if index is None:
        raise OperationFailure(f"{op} requires an integral {what}, found a value of type: "
                               f"{type_name(value)}, with value: {value!r}")
    if index < 0:
        raise OperationFailure(f"{op} requires a nonnegative {what}, found: {value!r}")
    return index


def _str_len_cp(parser: Any, values: Any, original: Callable) -> int:
    # doc: code points of the string; null or missing is an error.
    value = parser.parse(single_argument("$strLenCP", values))
    if not isinstance(value, str):
        raise OperationFailure(f"$strLenCP requires a string argument, "
                               f"found: {type_name(value)}")
    return len(value)


def _substr_cp(parser: Any, values: Any, original: Callable) -> str:
    # doc: null or missing string -> ""; other non-strings and negative or
    # non-integral index/count -> error.
    text, start, count = (parser.parse(arg) for arg in arg_list("$substrCP", values, 3, 3))
    if not nullish(text) and not isinstance(text, str):
        raise OperationFailure(f"$substrCP requires a string argument, "
                               f"found: {type_name(text)}")
    start = _index("$substrCP", "starting index", start)
    count = _index("$substrCP", "length", count)
    return "" if nullish(text) else text[start:start + count]


def _index_of_cp(parser: Any, values: Any, original: Callable) -> int | None:
    # doc: null/missing string -> null; non-string string or substring -> error;
    # negative start/end -> error; not found, start > end or start past the end -> -1.
    args = arg_list("$indexOfCP", values, 2, 4)
    text, token = parser.parse(args[0]), parser.parse(args[1])
    if nullish(text):
        return None
    for position, value in (("first", text), ("second", token)):
        if not isinstance(value, str):
            raise OperationFailure(f"$indexOfCP requires a string as the {position} argument, "
                                   f"found: {type_name(value)}")
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
                                   f"found: {type_name(values)}")
        for name in set(values) - set(fields):
            raise OperationFailure(f"{op} found an unknown argument: {name}")
        for name in set(fields) - set(values):
            raise OperationFailure(f"{op} requires '{name}' to be specified")
        parsed = [parser.parse(values[name]) for name in fields]
        for name, value in zip(fields, parsed):
            if not nullish(value) and not isinstance(value, str):
                raise OperationFailure(f"{op} requires that '{name}' be a string, "
                                       f"found: {type_name(value)}")
        if any(nullish(value) for value in parsed):
            return None
        text, find, replacement = parsed
        return text.replace(find, replacement, count)

    return handler


def _concat(parser: Any, values: Any, original: Callable) -> str | None:
    # doc: an operand that is null or refers to a missing field -> null; only strings.
    parts = []
    for arg in values if isinstance(values, list) else [values]:
        value = parser.parse(arg)
        if nullish(value):
            return None
        if not isinstance(value, str):
            raise OperationFailure(f"$concat only supports strings, not {type_name(value)}")
        parts.append(value)
    return "".join(parts)


def _change_case(op: str, table: dict) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: null -> "" (missing too); only ASCII letters change.
        value = parser.parse(single_argument(op, values))
        if nullish(value):
            return ""
        if isinstance(value, str):
            return value.translate(table)
        return original(literal(value))

    return handler


# By the engine's _Parser dispatch method: operator -> handler(parser, values, original).
HANDLERS = {"_handle_string_operator": {
    "$strLenCP": _str_len_cp, "$substrCP": _substr_cp, "$indexOfCP": _index_of_cp,
    "$replaceAll": _replace("$replaceAll", -1), "$replaceOne": _replace("$replaceOne", 1),
    "$concat": _concat,
    "$toUpper": _change_case("$toUpper", str.maketrans(string.ascii_lowercase,
                                                       string.ascii_uppercase)),
    "$toLower": _change_case("$toLower", str.maketrans(string.ascii_uppercase,
                                                       string.ascii_lowercase)),
}}
