"""Expression operators: which handler evaluates each one, and the hook into the engine.

The engine evaluates an expression operator in one of ``mongomock_ng.aggregate._Parser``'s
dispatch methods (``_handle_string_operator``, ``_handle_arithmetic_operator``...). Each
operator module lists its handlers in ``HANDLERS``, by dispatch method; :func:`install`
wraps each dispatch method so that the operators listed go to their handler and every
other operator to the engine's method, and registers the names the engine did not know.
A handler is called as ``handler(parser, values, original)``: ``original(values)`` is the
engine's evaluation of the same operator.

The comparison operators ($eq ... $cmp: BSON comparison order; the engine took missing as
null, never less or greater than anything, and 1 as equal to true) and ``$not`` (the
documented form ``{$not: [<expr>]}`` was always false) are defined here.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from mongomock_ng import aggregate

from . import accumulators, arithmetic, conversion, dates, exponentials, strings, trigonometry
from .bson_order import compare
from .values import MARK, arg_list, literal, single_argument

_COMPARISONS = {
    "$cmp": lambda c: c, "$eq": lambda c: c == 0, "$ne": lambda c: c != 0,
    "$lt": lambda c: c < 0, "$lte": lambda c: c <= 0,
    "$gt": lambda c: c > 0, "$gte": lambda c: c >= 0,
}


def _comparison(op: str) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: compares value and type using the BSON comparison order.
        a, b = (parser.parse(arg) for arg in arg_list(op, values, 2, 2))
        try:
            return _COMPARISONS[op](compare(a, b))
        except (NotImplementedError, TypeError, AttributeError):  # types it cannot order
            return original([literal(a), literal(b)])

    return handler


def _not(parser: Any, values: Any, original: Callable) -> bool:
    # doc: {$not: [<expression>]}; false, null, 0 and missing are false, the rest true.
    return not parser._parse_to_bool(single_argument("$not", values))


_HANDLERS = {
    "_handle_comparison_operator": {op: _comparison(op) for op in _COMPARISONS},
    "_handle_boolean_operator": {"$not": _not},
}
# Operators the engine does not know by name: its dispatch would not reach the handler.
_NEW_NAMES = {"string_operators": ("$replaceAll", "$replaceOne"),
              "type_convertion_operators": ("$toBool",),
              "custom_operators": ("$rand",),
              "date_operators": ("$dateToParts",)}


def _wrap_dispatch(cls: type, name: str, overrides: dict[str, Callable]) -> None:
    """Route the operators in ``overrides`` to our handlers, the rest to the original."""
    original = getattr(cls, name)
    if getattr(original, MARK, False):
        return

    @functools.wraps(original)
    def dispatch(self: Any, operator: str, values: Any) -> Any:
        handler = overrides.get(operator)
        if handler is None:
            return original(self, operator, values)
        return handler(self, values, lambda v: original(self, operator, v))

    setattr(dispatch, MARK, True)
    setattr(cls, name, dispatch)


def install() -> None:
    for list_name, names in _NEW_NAMES.items():
        known = getattr(aggregate, list_name)
        known.extend(op for op in names if op not in known)
    # The trigonometric operators are new names too (in a set).
    aggregate.arithmetic_operators.update(trigonometry.HANDLERS["_handle_arithmetic_operator"])
    overrides: dict[str, dict[str, Callable]] = {}
    for module_handlers in (strings.HANDLERS, _HANDLERS, arithmetic.HANDLERS, exponentials.HANDLERS,
                            trigonometry.HANDLERS, accumulators.HANDLERS, conversion.HANDLERS,
                            dates.HANDLERS):
        for method, handlers in module_handlers.items():
            overrides.setdefault(method, {}).update(handlers)
    for method, handlers in overrides.items():
        _wrap_dispatch(aggregate._Parser, method, handlers)
