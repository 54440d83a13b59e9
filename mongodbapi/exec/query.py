"""Running a planned SELECT and turning documents into rows, streamed batch by batch."""

from __future__ import annotations

from typing import Any, Callable, Iterator, Optional

from ..mql.select import QueryPlan
from ..mql.template import bind, render
from ..types import reader_for
from . import residual
from .errors import translated
from .result import Column, Result, empty

BATCH_SIZE = 1000


def description(plan: QueryPlan) -> list[Column]:
    return [Column(c.name, c.type, null_ok=c.nullable) for c in plan.columns]


def _path_getter(path: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    if len(path) == 1:
        key = path[0]
        return lambda doc: doc.get(key)

    def get(doc: Any) -> Any:
        for part in path:
            if isinstance(doc, dict):
                doc = doc.get(part)
            elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
                doc = doc[int(part)]
            else:
                return None
        return doc
    return get


def row_builder(plan: QueryPlan) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    readers = [reader_for(c.type) for c in plan.columns]
    if plan.kind == "find":
        getters = [_path_getter(p) for p in plan.paths]
        pairs = list(zip(readers, getters))
        return lambda doc: tuple(read(get(doc)) for read, get in pairs)
    for i, finish in enumerate(plan.finish):
        if finish is not None:
            readers[i] = finisher(*finish)
    keyed = list(zip(readers, plan.keys))
    return lambda doc: tuple(read(doc.get(key)) for read, key in keyed)


def finisher(function: str, argument_type: Optional[str]) -> Callable[[Any], Any]:
    """Read a fetched argument as its type, then apply the function MongoDB could not."""
    read, apply = reader_for(argument_type), residual.function(function)
    return lambda value: apply(read(value))


def _stream(cursor: Any, build: Callable[[dict[str, Any]], tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    with translated():
        for doc in cursor:
            yield build(doc)


def run_query(plan: QueryPlan, database: Any, params: Any, session: Any,
              build: Callable[[dict[str, Any]], tuple[Any, ...]]) -> Result:
    skip = bind(plan.skip, params)
    limit = bind(plan.limit, params)
    columns = description(plan)
    if limit == 0:
        return empty(columns)
    with translated():
        if plan.kind == "count":
            return Result(columns, iter([(_count(database[plan.collection], bind(plan.count, params), session),)]))
        if plan.kind == "find":
            assert plan.find is not None
            collection = database[plan.collection]
            cursor = collection.find(bind(plan.find["filter"], params), plan.find["projection"],
                                     sort=plan.find["sort"], skip=skip or 0, limit=limit or 0,
                                     batch_size=BATCH_SIZE, session=session)
        else:
            pipeline = list(bind(plan.pipeline, params))
            if skip:
                pipeline.append({"$skip": skip})
            if limit is not None:
                pipeline.append({"$limit": limit})
            target = database[plan.collection] if plan.collection else database
            cursor = target.aggregate(pipeline, batchSize=BATCH_SIZE, session=session)
    return Result(columns, _stream(cursor, build), close=getattr(cursor, "close", None))


def _count(collection: Any, query: Any, session: Any) -> int:
    """count_documents' own pipeline; through count_documents itself outside a transaction (the
    in-process engine counts faster that way, and does not take a session there)."""
    if session is None:
        return collection.count_documents(query)
    counted = list(collection.aggregate([{"$match": query}, {"$group": {"_id": 1, "n": {"$sum": 1}}}],
                                        session=session))
    return counted[0]["n"] if counted else 0


def explain_rows(plan: QueryPlan) -> list[tuple[str, Any]]:
    """The MongoDB command a query becomes, as (command, body) rows for EXPLAIN."""
    if plan.kind == "count":  # what count_documents sends
        return [("aggregate", {"aggregate": plan.collection, "pipeline": [
            {"$match": render(plan.count)}, {"$group": {"_id": 1, "n": {"$sum": 1}}}]})]
    if plan.kind == "find":
        assert plan.find is not None
        body = {"find": plan.collection, "filter": render(plan.find["filter"]),
                "projection": plan.find["projection"]}
        if plan.find["sort"]:
            body["sort"] = dict(plan.find["sort"])
        if plan.skip is not None:
            body["skip"] = render(plan.skip)
        if plan.limit is not None:
            body["limit"] = render(plan.limit)
        return [("find", body)]
    pipeline = render(plan.pipeline)
    if plan.skip:
        pipeline.append({"$skip": render(plan.skip)})
    if plan.limit is not None:
        pipeline.append({"$limit": render(plan.limit)})
    return [("aggregate", {"aggregate": plan.collection or 1, "pipeline": pipeline})]
