"""Aggregation stages $group, $count, $addFields/$set and $unset, as the manual describes them.

doc: no input documents give no output document from $group (also with _id: null) and
from $count (the engine gave one); documents with BSON-equal _id values form one group
(the engine used Python equality: true joined 1, 1.0 split from 1); a field that
$addFields/$set evaluates to missing is removed (the engine kept its old value); a
dotted path set or unset changes a copy of the embedded document, never the input's.
"""

from __future__ import annotations

from typing import Any, Callable

from mongomock_ng import aggregate, filtering
from pymongo.errors import OperationFailure

from .bson_order import same
from .values import MARK, NOTHING


def _wrap_group(original: Callable) -> Callable:
    def group(in_collection: Any, database: Any, options: Any, user_vars: Any) -> Any:
        # doc ($group, Missing Values in $first): "If there are no documents from the
        # prior pipeline stage, the $group stage returns nothing", also with _id: null
        # (the engine made one document of empty accumulators).
        documents = list(in_collection)
        if not documents or not isinstance(options, dict) or options.get("_id") is None:
            result = original(documents, database, options, user_vars)
            return result if documents else []
        # doc ($group): documents with equal _id values (BSON equality: 1, 1.0 and
        # Decimal128("1") are one group, true and 1 are two) form one group. The engine
        # grouped by Python equality, which merged true with 1 and split 1 from 1.0.
        keyed = []
        for document in documents:
            key = aggregate._parse_expression(options["_id"], document, user_vars=user_vars)
            keyed.append((None if key is NOTHING else key, document))
        keyed.sort(key=lambda pair: filtering.BsonComparable(pair[0]))
        groups: list[tuple[Any, list]] = []
        for key, document in keyed:
            if groups and same(key, groups[-1][0]):
                groups[-1][1].append(document)
            else:
                groups.append((key, [document]))
        result = []
        for key, members in groups:
            fields = aggregate._accumulate_group(options, members, user_vars=user_vars)
            fields["_id"] = key
            result.append(fields)
        return result

    setattr(group, MARK, True)
    return group


def _wrap_count(original: Callable) -> Callable:
    def count(in_collection: Any, database: Any, options: Any, user_vars: Any) -> Any:
        # doc: $count is $group {_id: null, <n>: {$sum: 1}} then $project {_id: 0},
        # so no input documents give no output document (the engine gave {<n>: 0}).
        documents = list(in_collection)
        result = original(documents, database, options, user_vars)  # validates the name
        return result if documents else []

    setattr(count, MARK, True)
    return count


def set_path(document: dict, path: str, value: Any) -> None:
    """Sets the dotted ``path`` of ``document`` to ``value``, or removes it if ``value`` is
    missing; the documents on the way are made documents, and copied, so that the input
    document, which other $facet pipelines and the stage's other expressions read, keeps
    its embedded documents."""
    head, _, rest = path.partition(".")
    if rest:
        inner = document.get(head)
        document[head] = inner = dict(inner) if isinstance(inner, dict) else {}
        set_path(inner, rest, value)
    elif value is NOTHING:
        document.pop(head, None)
    else:
        document[head] = value


def add_fields(in_collection: Any, database: Any, options: Any, user_vars: Any) -> list:
    """``$addFields`` / ``$set`` (also in pipeline updates), replacing the engine's handler.

    doc ($addFields, $$REMOVE): a field whose value evaluates to missing
    (``$$REMOVE``, a missing field path) is removed from the output document; the
    engine skipped it and so kept an existing value. Every expression sees the input
    document (the engine changed the input's embedded document for a dotted path, which
    later expressions and the other pipelines of a $facet then saw); a dotted path still
    makes its parents documents (server: ``{"a.b": "$$REMOVE"}`` on ``{}`` gives ``{a: {}}``).
    """
    if not options:
        raise OperationFailure(
            "Invalid $addFields :: caused by :: specification must have at least one field")
    out_collection = [dict(doc) for doc in in_collection]
    for field, value in options.items():
        for in_doc, out_doc in zip(in_collection, out_collection):
            set_path(out_doc, field, aggregate._parse_expression(value, in_doc,
                                                                 user_vars=user_vars))
    return out_collection


def _unset_path(document: dict, parts: list[str]) -> None:
    head = parts[0]
    if len(parts) == 1:
        document.pop(head, None)
    elif isinstance(document.get(head), dict):
        document[head] = inner = dict(document[head])
        _unset_path(inner, parts[1:])


def _unset(in_collection: Any, database: Any, options: Any, user_vars: Any = None) -> list:
    """``$unset``, replacing the engine's handler, which removed a dotted field from the
    input's embedded document (so from the other pipelines of a $facet too)."""
    fields = [options] if isinstance(options, str) else options
    if not isinstance(fields, list):
        raise OperationFailure("$unset options must be a string or list of strings")
    out_collection = []
    for document in in_collection:
        out_doc = dict(document)
        for field in fields:
            _unset_path(out_doc, field.split("."))
        out_collection.append(out_doc)
    return out_collection


def wrap_stage(handlers: dict, name: str, wrap: Callable) -> None:
    """Wraps the engine's handler of stage ``name`` once."""
    if not getattr(handlers[name], MARK, False):
        handlers[name] = wrap(handlers[name])


def install() -> None:
    handlers = aggregate._PIPELINE_HANDLERS
    wrap_stage(handlers, "$group", _wrap_group)
    wrap_stage(handlers, "$count", _wrap_count)
    handlers["$addFields"] = handlers["$set"] = add_fields
    handlers["$unset"] = _unset
