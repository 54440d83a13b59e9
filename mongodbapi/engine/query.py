"""Query (``find`` filter) operators: BSON equality, dotted paths through null, ``$type``.

doc: ``{d: 25}`` matches Decimal128("25") and 25.0 but not true, an embedded document
matches in its own field order only; ``{"j.a": null}`` matches ``{j: null}`` and ``{j: 5}``
(a path that does not exist is missing, so equal to null); ``{$type: "null"}``, number
codes and the array-of-types form of ``$type`` work. :func:`install` puts these into
``mongomock_ng.filtering``, with BSON order for comparisons and sorts. Variables (``$lookup``'s
``let``) reach an ``$expr`` at any depth of a filter, inside ``$and``/``$or``/``$nor`` too: the
engine passed them to top-level ``$expr`` only.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from typing import Any, Callable

from bson import DBRef, ObjectId
from bson.decimal128 import Decimal128
from mongomock_ng import filtering

from .bson_order import bson_cmp, bson_compare
from .values import MARK, NOTHING, TYPE_CODES, is_number


def _wrap_operator_eq(original: Callable) -> Callable:
    if getattr(original, MARK, False):
        return original

    def operator_eq(doc_val: Any, search_val: Any) -> bool:
        # doc (query equality): values compare by BSON equality: 25, 25.0 and
        # Decimal128("25") are equal, true is not 1, field order of documents counts.
        if doc_val is NOTHING or search_val is NOTHING:
            return original(doc_val, search_val)
        if type(doc_val) is type(search_val) and type(doc_val) in (str, ObjectId):
            return doc_val == search_val
        try:
            return bson_cmp(doc_val, search_val) == 0
        except (NotImplementedError, TypeError, AttributeError):
            return original(doc_val, search_val)

    setattr(operator_eq, MARK, True)
    return operator_eq


def _is_index(part: str) -> bool:
    try:
        int(part)
    except ValueError:
        return False
    return True


def _wrap_iter_key_candidates(original: Callable) -> Callable:
    if getattr(original, MARK, False):
        return original

    def descend(rest: str, value: Any) -> Any:
        # doc (Query for Null or Missing Fields): a path through a null, a scalar or a
        # missing field does not exist, so it is missing (and so equal to null).
        if isinstance(value, (Mapping, list)) or (isinstance(value, DBRef) and rest == "$id"):
            return iter_key_candidates(rest, value)
        return [NOTHING]

    def iter_key_candidates(key: str, doc: Any) -> Any:
        if key and isinstance(doc, Mapping) and not isinstance(doc, DBRef) and "." in key:
            head, rest = key.split(".", 1)
            return descend(rest, doc.get(head, NOTHING))
        if key and isinstance(doc, list):
            head, _, rest = key.partition(".")
            if rest and not _is_index(head):
                # Each document of the array, as the engine does, but through descend().
                return [candidate for item in doc for candidate in (
                    descend(rest, item[head]) if isinstance(item, Mapping) and head in item
                    else [NOTHING])]
        return original(key, doc)

    setattr(iter_key_candidates, MARK, True)
    return iter_key_candidates


def _wrap_type_op(original: Callable) -> Callable:
    def type_op(doc_val: Any, search_val: Any, in_array: bool = False) -> bool:
        # doc: {$type: <alias | number | [types]>}; {$type: "null"} matches a null
        # value (or an array holding one), not a missing field.
        if isinstance(search_val, list):
            return any(type_op(doc_val, one, in_array) for one in search_val)
        if is_number(search_val) and not isinstance(search_val, Decimal128):
            search_val = TYPE_CODES.get(search_val, search_val)
        return original(doc_val, search_val, in_array)

    setattr(type_op, MARK, True)
    return type_op


_variables: contextvars.ContextVar[Any] = contextvars.ContextVar("filter_variables", default=None)


def _wrap_apply(original: Callable) -> Callable:
    """The filterer calls itself for each clause of $and/$or/$nor without the variables; keep
    the variables of the filter being applied for those nested calls."""
    if getattr(original, MARK, False):
        return original

    def apply(self: Any, search_filter: Any, document: Any, user_vars: Any = None) -> bool:
        if user_vars is None:
            return original(self, search_filter, document, user_vars=_variables.get())
        token = _variables.set(user_vars)
        try:
            return original(self, search_filter, document, user_vars=user_vars)
        finally:
            _variables.reset(token)

    setattr(apply, MARK, True)
    return apply


def install() -> None:
    """BSON order and equality in filters, sorts and groups; dotted paths through null;
    the ``$type`` query operator."""
    filtering.bson_compare = bson_compare
    filtering.operator_eq = _wrap_operator_eq(filtering.operator_eq)
    filtering.iter_key_candidates = _wrap_iter_key_candidates(filtering.iter_key_candidates)
    filterer = type(filtering._filterer_inst)
    filterer.apply = _wrap_apply(filterer.apply)
    operators = filtering._filterer_inst._operator_map
    operators["$eq"] = filtering._list_expand(filtering.operator_eq)
    operators["$ne"] = filtering._list_expand(
        lambda doc_val, search_val: not filtering.operator_eq(doc_val, search_val),
        negative=True)
    filtering.TYPE_MAP["null"] = lambda value: value is None
    if not getattr(filtering._type_op, MARK, False):
        filtering._type_op = _wrap_type_op(filtering._type_op)
    operators["$type"] = filtering._type_op
