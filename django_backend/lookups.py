"""SQL for Django expressions whose generic form the driver's dialect spells differently.

Django compiles ``as_<vendor>()`` before ``as_sql()``; these are the ``as_mongodbapi`` methods,
attached when the backend is imported. JSON documents are stored natively, so a key lookup
is a chain of string subscripts (``"t"."data"['owner']['name']``, PostgreSQL's ``->``: NULL
wherever an enclosing value is not a document, never read through an array) rather than a
JSON-extraction function; the driver filters on it with the dotted path an index serves.

``has_key`` and ``key__isnull`` use the driver's ``FIELD_EXISTS()`` ($exists, never through
arrays), so a key holding null is told apart from a missing one. The whole value cannot be: SQL
NULL and JSON null are both stored as no value, so ``filter(value=None)`` matches both.
"""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError
from django.db.models import Value, lookups
from django.db.models.fields import json as json_fields
from django.db.models.functions import JSONObject, Left, Length, Right, StrIndex, Substr

from .fields import path_sql

VENDOR = "mongodbapi"


def _key_transform(self: Any, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
    base, keys = _base_and_keys(self, compiler, connection)
    return path_sql(compiler, connection, base, keys, json=True)


def _base_and_keys(self: Any, compiler: Any, connection: Any) -> tuple[Any, list[str]]:
    """The expression a chain of KeyTransforms starts from, and the keys taken from it."""
    _, _, keys = self.preprocess_lhs(compiler, connection)
    previous = self
    while isinstance(previous, json_fields.KeyTransform):
        previous = previous.lhs
    return previous, keys


def _json_exact(self: Any, compiler: Any, connection: Any) -> tuple[str, Any]:
    lhs, lhs_params = self.process_lhs(compiler, connection)
    if self.rhs is None or (isinstance(self.rhs, Value) and self.rhs.value is None):
        if isinstance(self.lhs, json_fields.KeyTransform):
            # PostgreSQL's value -> 'k' = 'null': TRUE where the key holds JSON null, FALSE where it
            # holds anything else, and NULL where there is no such key, so that exclude() keeps
            # only the rows whose key holds a value (a missing key is neither).
            return (f"(CASE WHEN FIELD_EXISTS({lhs}) THEN {lhs} IS NULL END)",
                    (*lhs_params, *lhs_params))
        # The whole value: SQL NULL and JSON null are both stored as no value.
        return f"{lhs} IS NULL", tuple(lhs_params)
    rhs, rhs_params = lookups.Exact.process_rhs(self, compiler, connection)
    return f"{lhs} = {rhs}", (*lhs_params, *rhs_params)


def _has_key(self: Any, compiler: Any, connection: Any) -> tuple[str, Any]:
    if isinstance(self.lhs, json_fields.KeyTransform):
        base, prefix = _base_and_keys(self.lhs, compiler, connection)
    else:
        base, prefix = self.lhs, []
    keys = self.rhs if isinstance(self.rhs, (list, tuple)) else [self.rhs]
    parts, params = [], []
    for key in keys:
        if isinstance(key, json_fields.KeyTransform):
            _, _, key_path = key.preprocess_lhs(compiler, connection)
        else:
            key_path = [str(key)]
        sql, sql_params = path_sql(compiler, connection, base, list(prefix) + list(key_path),
                                    last_is_name=True, json=True)
        parts.append(f"FIELD_EXISTS({sql})")
        params.extend(sql_params)
    joiner = f" {self.logical_operator} " if self.logical_operator else ""
    return "(%s)" % joiner.join(parts), tuple(params)


def _key_isnull(self: Any, compiler: Any, connection: Any) -> tuple[str, Any]:
    # key__isnull=True: the key is absent (Django's meaning), not "holds null".
    sql, params = compiler.compile(self.lhs)
    return f"{'NOT ' if self.rhs else ''}FIELD_EXISTS({sql})", tuple(params)


def _json_object(self: Any, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
    """JSON_OBJECT('key', value, ...): the driver takes the keys as string literals."""
    expressions = self.get_source_expressions()
    parts, params = [], []
    for key, value in zip(expressions[::2], expressions[1::2]):
        if not isinstance(key, Value) or not isinstance(key.value, str):
            raise NotSupportedError("JSONObject keys must be strings")
        sql, value_params = compiler.compile(value)
        parts.append(f"{_literal(key.value)}, {sql}")
        params.extend(value_params)
    return "JSON_OBJECT(%s)" % ", ".join(parts), tuple(params)


def _literal(text: str) -> str:
    return "'%s'" % text.replace("'", "''").replace("%", "%%")


def _json_contains(self: Any, compiler: Any, connection: Any) -> tuple[str, Any]:
    # Document containment needs an operator the driver does not have yet (features.supports_json_field_contains).
    raise NotSupportedError(f"{self.lookup_name} lookup is not supported on this database backend.")


def _left(self: Any, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
    return self.get_substr().as_sql(compiler, connection, **extra)


def _right(self: Any, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
    """RIGHT(x, n) as SUBSTRING(x, LENGTH(x) - n + 1): the driver's SUBSTRING counts from 1, as SQL does."""
    text, length = self.get_source_expressions()
    return Substr(text, Length(text) - length + Value(1)).as_sql(compiler, connection, **extra)


def _str_index(self: Any, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
    (string, string_params), (sub, sub_params) = (compiler.compile(e) for e in self.get_source_expressions())
    return f"POSITION({sub} IN {string})", (*sub_params, *string_params)


def register() -> None:
    json_fields.KeyTransform.as_mongodbapi = _key_transform
    json_fields.JSONExact.as_mongodbapi = _json_exact
    json_fields.KeyTransformExact.as_mongodbapi = _json_exact
    json_fields.HasKeyLookup.as_mongodbapi = _has_key
    json_fields.KeyTransformIsNull.as_mongodbapi = _key_isnull
    json_fields.DataContains.as_mongodbapi = _json_contains
    json_fields.ContainedBy.as_mongodbapi = _json_contains
    JSONObject.as_mongodbapi = _json_object
    Left.as_mongodbapi = _left
    Right.as_mongodbapi = _right
    StrIndex.as_mongodbapi = _str_index
