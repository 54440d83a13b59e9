"""Pipelines run lazily up to a $limit, as on a server, with the results of a full run.

Each pipeline runs twice on the same data: through the engine as installed (runs of
per-document stages that feed a $limit are evaluated document by document) and through the
engine's own ``process_pipeline``, which runs every stage over all of its input ("full").
"""

from __future__ import annotations

import datetime

import mongomock_ng
import pytest
from mongomock_ng import aggregate
from pymongo.errors import OperationFailure

from mongodbapi.engine import clock, embedded


@pytest.fixture(scope="module", autouse=True)
def _install():
    embedded.install()


@pytest.fixture
def db():
    db = mongomock_ng.MongoClient().db
    db.books.insert_many([
        {"_id": i, "title": f"book {i}", "author": i % 4 if i != 7 else 99, "pages": i * 30,
         "tags": [f"t{j}" for j in range(i % 3)], "meta": {"year": 2000 + i, "isbn": str(i)},
         "zero": 0 if i == 11 else 1}
        for i in range(12)])
    db.authors.insert_many([{"_id": i, "name": f"author {i}", "boss": i - 1 if i else None}
                            for i in range(4)])
    return db


def full(db, pipeline, collection="books"):
    """``pipeline`` with every stage over all of its input, sub-pipelines too."""
    lazy = aggregate.process_pipeline
    engine = lazy.__wrapped__

    def process_pipeline(documents, database, stages, session, user_vars=None):
        with clock.command_clock():
            return engine(list(documents), database, stages, session, user_vars=user_vars)

    aggregate.process_pipeline = process_pipeline
    try:
        return outcome(db, pipeline, collection)
    finally:
        aggregate.process_pipeline = lazy


def outcome(db, pipeline, collection="books"):
    """The documents, or the error as (type, message)."""
    try:
        return list(db[collection].aggregate(pipeline))
    except (OperationFailure, NotImplementedError, ValueError, TypeError, KeyError) as error:
        return type(error), str(error)


LOOKUP_AUTHOR = {"$lookup": {"from": "authors", "localField": "author", "foreignField": "_id",
                             "as": "a"}}
LOOKUP_LET = {"$lookup": {"from": "authors", "let": {"who": "$author", "me": "$$ROOT"},
                          "pipeline": [{"$match": {"$expr": {"$eq": ["$_id", "$$who"]}}},
                                       {"$addFields": {"book": "$$me.title", "root": "$$ROOT"}},
                                       {"$limit": 1}],
                          "as": "a"}}

PIPELINES = {
    "select_related": [{"$match": {"pages": {"$gte": 60}}}, {"$project": {"_id": 0, "b": "$$ROOT"}},
                       {"$lookup": {"from": "authors", "localField": "b.author",
                                    "foreignField": "_id", "pipeline": [], "as": "a"}},
                       {"$unwind": {"path": "$a", "preserveNullAndEmptyArrays": False}},
                       {"$project": {"t": "$b.title", "n": "$a.name"}}, {"$limit": 5}],
    "inner join drops a dangling key": [LOOKUP_AUTHOR, {"$unwind": "$a"}, {"$limit": 8}],
    "let, $$ROOT, limit inside": [LOOKUP_LET, {"$unwind": "$a"}, {"$skip": 2}, {"$limit": 3}],
    "unwind with index": [{"$unwind": {"path": "$tags", "includeArrayIndex": "i",
                                       "preserveNullAndEmptyArrays": True}}, {"$limit": 7}],
    "two limits": [{"$set": {"m": {"$multiply": ["$pages", 2]}, "meta.x": 1}},
                   {"$unset": ["tags", "meta.isbn"]}, {"$limit": 6},
                   {"$addFields": {"k": "$$REMOVE", "c": {"$concat": ["$title", "!"]}}},
                   {"$limit": 2}],
    "replace root and redact": [
        {"$replaceRoot": {"newRoot": {"$mergeObjects": ["$meta", {"id": "$_id"}]}}},
        {"$redact": {"$cond": [{"$gt": ["$year", 2003]}, "$$KEEP", "$$PRUNE"]}},
        {"$replaceWith": {"y": "$year"}}, {"$limit": 3}],
    "graph lookup": [{"$graphLookup": {"from": "authors", "startWith": "$author",
                                       "connectFromField": "boss", "connectToField": "_id",
                                       "as": "chain", "depthField": "d"}},
                     {"$project": {"chain._id": 1, "chain.d": 1}}, {"$limit": 4}],
    "sort blocks": [LOOKUP_AUTHOR, {"$sort": {"pages": -1}}, {"$limit": 3}],
    "group then lazy run": [{"$group": {"_id": "$author", "n": {"$sum": 1}}},
                            {"$sort": {"_id": 1}}, {"$lookup": {
                                "from": "authors", "localField": "_id", "foreignField": "_id",
                                "as": "a"}}, {"$unwind": "$a"}, {"$limit": 2}],
    "facet": [{"$facet": {"first": [LOOKUP_AUTHOR, {"$limit": 1}],
                          "unset": [{"$unset": "meta.year"}, {"$limit": 2}],
                          "all": [{"$project": {"meta": 1}}]}}],
    "union then limit": [{"$unionWith": {"coll": "authors", "pipeline": [{"$limit": 2}]}},
                         {"$match": {"name": {"$exists": True}}}, {"$limit": 1}],
    "skip past the end": [{"$match": {"pages": {"$lt": 90}}}, {"$skip": 10}, {"$limit": 5}],
    "nothing matches": [{"$match": {"pages": -1}}, LOOKUP_AUTHOR, {"$limit": 5}],
    "limit of 0 and below": [{"$match": {}}, {"$limit": 0}],
    "negative limit slices": [{"$project": {"pages": 1}}, {"$limit": -2}],
    "a limit that is not an int": [{"$project": {"pages": 1}}, {"$limit": 2.0}],
    "stage of two operators": [{"$project": {"pages": 1}, "$limit": 3}],
    "now": [{"$set": {"now": {"$eq": ["$$NOW", "$$NOW"]}}}, {"$limit": 2}],
    "bad spec on no input": [{"$match": {"pages": -1}}, {"$unset": 5}, {"$limit": 1}],
    "bad spec": [{"$addFields": {}}, {"$limit": 1}],
    "bad projection": [{"$project": {"a": 1, "b": 0}}, {"$limit": 1}],
    "error on a returned document": [{"$set": {"r": {"$divide": [1, "$zero"]}}},
                                     {"$match": {"_id": 11}}, {"$limit": 1}],
    "unknown stage after the run": [LOOKUP_AUTHOR, {"$limit": 1}, {"$nope": {}}],
}


@pytest.mark.parametrize("name", PIPELINES)
def test_lazy_gives_the_documents_of_a_full_run(db, name):
    assert outcome(db, PIPELINES[name]) == full(db, PIPELINES[name])


def test_out_after_a_lazy_run_writes_what_the_limit_passed(db):
    list(db.books.aggregate([{"$project": {"pages": 1}}, {"$limit": 2}, {"$out": "copy"}]))
    assert list(db.copy.find()) == [{"_id": 0, "pages": 0}, {"_id": 1, "pages": 30}]


def test_lazy_sub_pipeline_of_db_aggregate(db):
    pipeline = [{"$documents": [{"x": i} for i in range(6)]},
                {"$lookup": {"from": "authors", "localField": "x", "foreignField": "_id",
                             "as": "a"}}, {"$unwind": "$a"}, {"$limit": 2}]
    assert list(db.aggregate(pipeline)) == [{"x": 0, "a": {"_id": 0, "name": "author 0",
                                                           "boss": None}},
                                            {"x": 1, "a": {"_id": 1, "name": "author 1",
                                                           "boss": 0}}]


@pytest.fixture
def lookups(monkeypatch):
    """How many documents the $lookup stage was given, in all."""
    seen = []
    handler = aggregate._PIPELINE_HANDLERS["$lookup"]

    def counting(documents, *args):
        seen.extend(document["_id"] for document in documents)
        return handler(documents, *args)

    monkeypatch.setitem(aggregate._PIPELINE_HANDLERS, "$lookup", counting)
    return seen


def test_limit_stops_the_lookups_before_it(db, lookups):
    # A server pulls documents through the pipeline: $limit 2 asks $lookup for two.
    docs = list(db.books.aggregate([LOOKUP_AUTHOR, {"$unwind": "$a"}, {"$limit": 2}]))
    assert [doc["_id"] for doc in docs] == [0, 1]
    assert lookups == [0, 1]


def test_limit_counts_the_documents_that_reach_it(db, lookups):
    # Book 7 has no author: the inner join drops it, so $lookup sees one more document.
    docs = list(db.books.aggregate([{"$match": {"_id": {"$gte": 5}}}, LOOKUP_AUTHOR,
                                    {"$unwind": "$a"}, {"$skip": 1}, {"$limit": 2}]))
    assert [doc["_id"] for doc in docs] == [6, 8]
    assert lookups == [5, 6, 7, 8]


def test_a_blocking_stage_takes_all_its_input(db, lookups):
    list(db.books.aggregate([LOOKUP_AUTHOR, {"$sort": {"_id": -1}}, {"$limit": 2}]))
    assert lookups == list(range(12))
    lookups.clear()
    list(db.books.aggregate([LOOKUP_AUTHOR, {"$unwind": "$a"}]))  # no limit: no laziness
    assert lookups == list(range(12))


def test_limit_inside_a_lookup_pipeline_is_lazy_too(db, lookups):
    pipeline = [{"$lookup": {"from": "books", "pipeline": [LOOKUP_AUTHOR, {"$limit": 1}],
                             "as": "first"}}, {"$limit": 1}]
    (doc,) = db.authors.aggregate(pipeline)
    assert doc["first"][0]["_id"] == 0
    assert lookups == [0, 0]  # the outer author 0, then the inner book 0


def test_now_is_one_value_across_lazy_stages_and_sub_pipelines(db):
    pipeline = [{"$set": {"t": "$$NOW"}},
                {"$lookup": {"from": "authors", "pipeline": [{"$set": {"u": "$$NOW"}},
                                                             {"$limit": 1}], "as": "a"}},
                {"$unwind": "$a"}, {"$limit": 3}]
    docs = list(db.books.aggregate(pipeline))
    assert len(docs) == 3
    assert {doc["t"] for doc in docs} | {doc["a"]["u"] for doc in docs} == {docs[0]["t"]}
    assert isinstance(docs[0]["t"], datetime.datetime)


def test_an_error_past_the_limit_is_not_raised(db):
    # As on a server: book 11 (zero: 0) is never evaluated. A full run divides by zero.
    pipeline = [{"$set": {"r": {"$divide": [1, "$zero"]}}}, {"$limit": 3}]
    assert [doc["r"] for doc in db.books.aggregate(pipeline)] == [1.0, 1.0, 1.0]
    assert full(db, pipeline)[0] is OperationFailure
