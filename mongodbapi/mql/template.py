"""Command templates: MongoDB commands with holes where parameter values go.

A statement is planned once per SQL text; the plan holds its filter, pipeline or update as a
template (plain dicts and lists with :class:`Slot` objects in them). Executing the statement
binds the parameters by copying the template with each slot replaced. Values are inserted as
data only: in aggregation expressions they are wrapped in ``$literal``, in the query language
they only ever appear as operands of an operator (``{"f": {"$eq": value}}``), so a parameter
such as ``'$gt'`` or ``{'$ne': 1}`` is matched literally.
"""

from __future__ import annotations

import re
from typing import Any, Optional, Sequence

from bson import Regex

from ..errors import DataError, ProgrammingError
from ..types import to_bson_as

# A filter that matches no document (used when a comparison meets a NULL parameter).
NEVER: dict[str, Any] = {"_id": {"$in": []}}


def lookup(params: Any, key: Any) -> Any:
    """The value of placeholder ``key`` (an index for %s, a name for %(name)s)."""
    try:
        return params[key]
    except (KeyError, IndexError, TypeError):
        if isinstance(key, int):
            raise ProgrammingError(f"the statement needs at least {key + 1} parameters") from None
        raise ProgrammingError(f"no value given for parameter %({key})s") from None


class Slot:
    """Something in a template that becomes a value when parameters are bound."""

    __slots__ = ()

    def bind(self, params: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def keys(self) -> list[Any]:
        """The placeholders this slot reads."""
        return []


class Value(Slot):
    """A parameter value, converted to the column type it is compared with or stored in."""

    __slots__ = ("key", "type", "literal")

    def __init__(self, key: Any, type_code: Optional[str] = None, literal: bool = False) -> None:
        self.key = key
        self.type = type_code
        self.literal = literal  # wrap in $literal (aggregation-expression context)

    def bind(self, params: Any) -> Any:
        value = to_bson_as(lookup(params, self.key), self.type)
        return {"$literal": value} if self.literal else value

    def keys(self) -> list[Any]:
        return [self.key]

    def __repr__(self) -> str:
        return f"Value({self.key!r}, {self.type!r})"


class Computed(Slot):
    """A function of constants and placeholders that MongoDB cannot compute (``MD5(%s)``): the
    driver evaluates ``node`` with ``evaluate(node, params)`` when the values are bound, and the
    server sees the result as a literal."""

    __slots__ = ("node", "evaluate")

    def __init__(self, node: Any, evaluate: Any) -> None:
        self.node = node
        self.evaluate = evaluate

    def bind(self, params: Any) -> Any:
        return {"$literal": to_bson_as(self.evaluate(self.node, params), None)}

    def keys(self) -> list[Any]:
        from ..sql.walk import param_keys

        return param_keys(self.node)


class NullGuard(Slot):
    """A query-language filter that must match nothing when one of its parameters is NULL.

    ``{"a": {"$eq": None}}`` would match documents where ``a`` is null or missing, but in SQL
    ``a = NULL`` is never true; the guard swaps in :data:`NEVER` for such values.
    """

    __slots__ = ("template", "params")

    def __init__(self, template: Any, keys: Sequence[Any]) -> None:
        self.template = template
        self.params = list(keys)

    def bind(self, params: Any) -> Any:
        for key in self.params:
            if lookup(params, key) is None:
                return NEVER
        return bind(self.template, params)

    def keys(self) -> list[Any]:
        return self.params + template_keys(self.template)


class KeyEquals(Slot):
    """``{"_id": v}``: the plain form of a key lookup, used when the value is a scalar.

    For a scalar, ``{"_id": v}`` and ``{"_id": {"$eq": v}}`` match the same documents (the
    server treats them alike, and MongoDB's drivers send the plain form for key lookups); a
    document, array or regex value keeps ``$eq`` so it can only ever be matched literally.
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def bind(self, params: Any) -> Any:
        return key_equals(bind(self.value, params))

    def keys(self) -> list[Any]:
        return template_keys(self.value)


def key_equals(value: Any) -> dict[str, Any]:
    if isinstance(value, (dict, list, Regex, re.Pattern)):
        return {"_id": {"$eq": value}}
    return {"_id": value}


class InValues(Slot):
    """The value list of ``IN``/``NOT IN`` in the query language, with SQL's NULL rules applied.

    ``a IN (1, NULL)`` is true only where ``a = 1``; ``a NOT IN (1, NULL)`` is never true.
    """

    __slots__ = ("path", "items", "negated")

    def __init__(self, path: str, items: list[Any], negated: bool) -> None:
        self.path = path
        self.items = items  # plain values or Value slots
        self.negated = negated

    def bind(self, params: Any) -> Any:
        values = [bind(item, params) for item in self.items]
        present = [v for v in values if v is not None]
        if not self.negated:
            return {self.path: {"$in": present}}
        if len(present) != len(values):
            return NEVER
        return {self.path: {"$nin": present + [None]}}

    def keys(self) -> list[Any]:
        return [key for item in self.items for key in template_keys(item)]


class LikePattern(Slot):
    """A LIKE pattern given as a parameter, turned into an anchored regex when bound."""

    __slots__ = ("key", "escape", "options")

    def __init__(self, key: Any, escape: Optional[str], options: Optional[str] = None) -> None:
        self.key = key
        self.escape = escape
        self.options = options  # None: the pattern text; else a BSON regex with these options

    def bind(self, params: Any) -> Any:
        pattern = lookup(params, self.key)
        if pattern is None:
            return None
        if not isinstance(pattern, str):
            raise DataError(f"LIKE pattern must be a string, not {type(pattern).__name__}")
        regex = like_to_regex(pattern, self.escape)
        return regex if self.options is None else Regex(regex, self.options)

    def keys(self) -> list[Any]:
        return [self.key]


class Limit(Slot):
    """A LIMIT or OFFSET value: a non-negative integer."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def bind(self, params: Any) -> Any:
        return check_count(lookup(params, self.key))

    def keys(self) -> list[Any]:
        return [self.key]


def check_count(value: Any) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise DataError(f"LIMIT and OFFSET take integers, not {value!r}") from None
    if value < 0:
        raise DataError(f"LIMIT and OFFSET must not be negative (got {value})")
    return value


# "$" alone also matches before a final newline (PCRE and Python alike); the look-ahead makes
# it the very end, as LIKE requires ("abc\n" LIKE 'abc' is false).
END_OF_TEXT = r"$(?!\n)"

REGEX_SPECIAL = frozenset("\\^$.|?*+()[]{}/#- \t\n")


def like_to_regex(pattern: str, escape: Optional[str] = None) -> str:
    """An anchored regular expression matching what SQL ``LIKE pattern`` matches.

    ``%`` and ``_`` are the only wildcards; every other character, regex metacharacters
    included, matches itself. ``escape`` makes the next character literal.
    """
    out = ["^"]
    chars = iter(pattern)
    for char in chars:
        if escape is not None and char == escape:
            literal = next(chars, None)
            if literal is None:
                raise DataError("LIKE pattern ends with its escape character")
            out.append("\\" + literal if literal in REGEX_SPECIAL else literal)
        elif char == "%":
            out.append(".*")
        elif char == "_":
            out.append(".")
        elif char in REGEX_SPECIAL:
            out.append("\\" + char)
        else:
            out.append(char)
    out.append(END_OF_TEXT)
    return "".join(out)


def bind(template: Any, params: Any) -> Any:
    """A copy of ``template`` with every slot replaced by its bound value."""
    kind = type(template)
    if kind is dict:
        return {key: bind(value, params) for key, value in template.items()}
    if kind is list:
        return [bind(value, params) for value in template]
    if isinstance(template, Slot):
        return template.bind(params)
    return template


def template_keys(template: Any) -> list[Any]:
    """Every placeholder a template reads."""
    kind = type(template)
    if kind is dict:
        return [key for value in template.values() for key in template_keys(value)]
    if kind is list:
        return [key for value in template for key in template_keys(value)]
    if isinstance(template, Slot):
        return template.keys()
    return []


def _placeholder(key: Any) -> str:
    return "%s" if isinstance(key, int) else f"%({key})s"


def render(template: Any) -> Any:
    """A readable form of a template for EXPLAIN and error messages: slots print as ``%s``."""
    kind = type(template)
    if kind is dict:
        return {key: render(value) for key, value in template.items()}
    if kind is list:
        return [render(value) for value in template]
    if isinstance(template, Value):
        text = _placeholder(template.key)
        return {"$literal": text} if template.literal else text
    if isinstance(template, Computed):
        return f"<computed by the driver: {template.node.name.upper()}(...)>"
    if isinstance(template, NullGuard):
        return render(template.template)
    if isinstance(template, KeyEquals):
        return {"_id": render(template.value)}
    if isinstance(template, InValues):
        values = [render(item) for item in template.items]
        return {template.path: {"$nin": values + [None]} if template.negated else {"$in": values}}
    if isinstance(template, LikePattern):
        return f"<regex of LIKE {_placeholder(template.key)}>"
    if isinstance(template, Limit):
        return _placeholder(template.key)
    if isinstance(template, re.Pattern):
        return template.pattern
    return template


__all__ = ["NEVER", "Slot", "Value", "Computed", "NullGuard", "InValues", "LikePattern", "Limit", "bind", "template_keys",
           "render", "like_to_regex", "check_count", "lookup"]
