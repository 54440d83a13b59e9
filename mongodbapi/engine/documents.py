"""$documents: ``db.aggregate()`` and the ``$unionWith``/``$lookup`` sub-pipelines over it.

doc ($documents, 6.0+): only valid as the first stage of a pipeline without a collection:
``db.aggregate()`` (the engine's ``db.aggregate`` was a collection), or the pipeline of
``$unionWith``/``$lookup``, which may then omit coll/from (the engine rejected it).
Elsewhere it is an OperationFailure (the engine: NotImplementedError). The ``$lookup``
handler also copies its input, so that the joined field does not appear in the other
pipelines of a ``$facet``, which share the documents.
"""

from __future__ import annotations

import copy
import functools
from typing import Any, Callable

from mongomock_ng import aggregate, filtering, helpers
from mongomock_ng.collection import Collection
from mongomock_ng.database import Database
from pymongo.errors import OperationFailure

from .clock import command_clock
from .stages import wrap_stage
from .values import MARK, NOTHING, type_name


def _is_documents_stage(stage: Any) -> bool:
    return isinstance(stage, dict) and len(stage) == 1 and "$documents" in stage


def _starts_with_documents(pipeline: Any) -> bool:
    return isinstance(pipeline, list) and bool(pipeline) and _is_documents_stage(pipeline[0])


def _documents(spec: Any, user_vars: dict | None) -> list[dict]:
    # doc: "$documents accepts any valid expression that resolves to an array of
    # objects" (system variables, $let, $lookup variables); there is no current
    # document, so "$field" or "$$ROOT" does not give an array and is an error.
    value = aggregate._Parser({}, user_vars=dict(user_vars or {})).parse(spec)
    if not isinstance(value, list):
        raise OperationFailure(f"$documents must evaluate to an array of objects, "
                               f"found: {type_name(value)}")
    for document in value:
        if not isinstance(document, dict):
            raise OperationFailure(f"$documents must evaluate to an array of objects, "
                                   f"found an element of type: {type_name(document)}")
    return copy.deepcopy(value)


def _run_documents_pipeline(database: Any, pipeline: list, user_vars: dict | None,
                            session: Any = None) -> Any:
    """``pipeline`` (which starts with $documents) over its literal documents."""
    documents = _documents(pipeline[0]["$documents"], user_vars)
    return aggregate.process_pipeline(documents, database, pipeline[1:], session,
                                      user_vars=user_vars)


def _misplaced_documents(in_collection: Any, database: Any, options: Any, user_vars: Any) -> Any:
    # Reached only when $documents is not the first stage of a db.aggregate() or
    # $lookup/$unionWith sub-pipeline: later in a pipeline, or inside $facet.
    raise OperationFailure("$documents is only valid as the first stage in a pipeline")


_DB_LEVEL_STAGES = ("$changeStream", "$currentOp", "$listLocalSessions")
_IGNORED_OPTIONS = ("batchSize", "batch_size")  # cursor batching: no effect on the result


def _database_aggregate(self: Any, pipeline: Any, session: Any = None, **kwargs: Any) -> Any:
    """``Database.aggregate``, the ``{aggregate: 1}`` command.

    doc ($documents): only valid as the first stage; the rest of the pipeline
    runs over its documents. Other collection-less stages are not implemented.
    """
    if not isinstance(pipeline, list):
        raise TypeError("pipeline must be an instance of list")
    let = kwargs.pop("let", None)
    for name in kwargs:
        if name not in _IGNORED_OPTIONS:
            helpers.warn_noop(name, "aggregate")
    if not pipeline:
        raise OperationFailure("{aggregate: 1} is not valid for an empty pipeline.")
    first = pipeline[0]
    if not isinstance(first, dict) or len(first) != 1:
        raise OperationFailure("A pipeline stage specification object must contain "
                               "exactly one field.")
    stage = next(iter(first))
    if stage in _DB_LEVEL_STAGES:
        raise NotImplementedError(f"{stage} is valid in db.aggregate() but the embedded "
                                  "engine does not implement it")
    if stage != "$documents":
        raise OperationFailure(f"{{aggregate: 1}} is not valid for '{stage}'; "
                               "a collection is required.")
    with command_clock():
        if let is not None and not isinstance(let, dict):
            raise TypeError("let must be an instance of dict")
        parse = aggregate._Parser({}).parse
        user_vars = {name: parse(expression) for name, expression in (let or {}).items()}
        return _run_documents_pipeline(self, pipeline, user_vars, session)


def _wrap_collection_aggregate(original: Callable) -> Callable:
    if getattr(original, MARK, False):
        return original

    @functools.wraps(original)
    def collection_aggregate(self: Any, pipeline: Any, *args: Any, **kwargs: Any) -> Any:
        # $documents needs a pipeline without a collection: db.aggregate(). One
        # clock for the command, as in _one_clock.
        if _starts_with_documents(pipeline):
            raise OperationFailure(f"{{aggregate: \"{self.name}\"}} is not valid for "
                                   "'$documents'; use db.aggregate() (no collection)")
        with command_clock():
            return original(self, pipeline, *args, **kwargs)

    setattr(collection_aggregate, MARK, True)
    return collection_aggregate


def _wrap_union_with(original: Callable) -> Callable:
    def union_with(in_collection: Any, database: Any, options: Any, user_vars: Any) -> Any:
        # doc ($unionWith, 6.0+): "coll" may be omitted when the pipeline starts
        # with $documents; the union then takes those documents. (7.0 also lets
        # such a pipeline replace a given coll.)
        if isinstance(options, dict) and _starts_with_documents(options.get("pipeline")):
            unknown = set(options) - {"coll", "pipeline"}
            if unknown:
                raise OperationFailure(f"BSON field '$unionWith.{min(unknown)}' "
                                       "is an unknown field.")
            added = _run_documents_pipeline(database, options["pipeline"], user_vars)
            return list(in_collection) + list(added)
        if isinstance(options, dict) and "coll" not in options:
            raise OperationFailure("$unionWith stage without explicit collection must have "
                                   "a pipeline with $documents as first stage")
        return original(in_collection, database, options, user_vars)

    setattr(union_with, MARK, True)
    return union_with


def _wrap_lookup(original: Callable) -> Callable:
    def lookup(in_collection: Any, database: Any, options: Any, user_vars: Any) -> Any:
        # doc ($lookup, 6.0+): "from" is optional when the pipeline starts with
        # $documents; localField/foreignField then match against those documents,
        # before the rest of the pipeline runs with the "let" variables.
        if not isinstance(options, dict) or not _starts_with_documents(options.get("pipeline")):
            if isinstance(options, dict) and "from" not in options:
                raise OperationFailure("$lookup stage without explicit collection must have "
                                       "a pipeline with $documents as first stage")
            # The engine sets "as" on the documents it is given: copies, so that the
            # other pipelines of a $facet, which share them, do not see the join.
            return original([dict(document) for document in in_collection], database,
                            options, user_vars)
        name = options.get("as")
        if not isinstance(name, str):
            raise OperationFailure("Must specify 'as' field for a $lookup" if name is None
                                   else "Arguments to $lookup must be strings")
        if name.startswith("$"):
            raise OperationFailure("FieldPath field names may not start with '$'")
        if "." in name:
            raise NotImplementedError("Although '.' is valid in the 'as' parameter of "
                                      "$lookup, the embedded engine does not implement it.")
        local, foreign = options.get("localField"), options.get("foreignField")
        if (local is None) != (foreign is None):
            raise OperationFailure("$lookup requires both or neither of 'localField' "
                                   "and 'foreignField' to be specified")
        pipeline, let = options["pipeline"], options.get("let") or {}
        joined = []
        for document in in_collection:
            variables = dict(user_vars or {})
            variables.update({var: aggregate._parse_expression(expr, document,
                                                               user_vars=user_vars)
                              for var, expr in let.items()})
            matches = _documents(pipeline[0]["$documents"], variables)
            if local is not None:
                value = helpers.get_value_by_dot(document, local, can_generate_array=True)
                value = None if value is NOTHING else value
                query = {foreign: {"$in": value} if isinstance(value, list) else {"$eq": value}}
                matches = [match for match in matches if filtering.filter_applies(query, match)]
            matches = aggregate.process_pipeline(matches, database, pipeline[1:], None,
                                                 user_vars=variables)
            joined.append(dict(document, **{name: list(matches)}))
        return joined

    setattr(lookup, MARK, True)
    return lookup


def install() -> None:
    handlers = aggregate._PIPELINE_HANDLERS
    handlers.setdefault("$documents", _misplaced_documents)
    wrap_stage(handlers, "$unionWith", _wrap_union_with)
    wrap_stage(handlers, "$lookup", _wrap_lookup)
    Collection.aggregate = _wrap_collection_aggregate(Collection.aggregate)
    if "aggregate" not in vars(Database):
        Database.aggregate = _database_aggregate
