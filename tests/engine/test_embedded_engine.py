"""The embedded engine, after install(), answers like a MongoDB 7.0+ server.

Each test runs a real pipeline or find through ``mongomock_ng.MongoClient()``
and asserts the result documented on the operator's page of the MongoDB
manual (quoted briefly in a comment).
"""

from __future__ import annotations

import datetime
import math
import time
import warnings

import mongomock_ng
import pytest
from bson import ObjectId, Timestamp
from bson.decimal128 import Decimal128
from pymongo.errors import OperationFailure, WriteError

from mongodbapi.engine import embedded, stages

MISSING = "<field absent>"


@pytest.fixture(scope="module", autouse=True)
def _install():
    embedded.install()


@pytest.fixture
def coll():
    collection = mongomock_ng.MongoClient().db.things
    collection.insert_one({
        "_id": 1, "word": "cafétéria", "text": "blue paint with blue paintbrush",
        "null": None, "seven": 7, "two": 2, "minus13": -13, "nine": 9, "half": 2.5,
        "when": datetime.datetime(2018, 3, 27, 16, 58, 51),
    })
    return collection


def ev(coll, expression):
    """Evaluate ``expression`` against the single document of ``coll``."""
    (doc,) = coll.aggregate([{"$project": {"_id": 0, "r": expression}}])
    return doc.get("r", MISSING)


# ------------------------------------------------------------------ install()


def test_install_is_idempotent_and_wraps_once():
    from mongomock_ng import aggregate

    embedded.install()
    embedded.install()
    wrapped = aggregate._Parser._handle_string_operator
    assert getattr(wrapped, "_mongodbapi_embedded_compat", False)
    assert not getattr(wrapped.__wrapped__, "_mongodbapi_embedded_compat", False)
    assert aggregate.string_operators.count("$replaceAll") == 1


def test_install_again_keeps_the_command_wrappers_single(monkeypatch):
    from mongomock_ng import Database, aggregate, collection

    before = (dict(aggregate._PIPELINE_HANDLERS), collection.Collection.aggregate,
              Database.aggregate, aggregate.process_pipeline)
    monkeypatch.setattr(embedded, "_installed", False)
    embedded.install()
    after = (dict(aggregate._PIPELINE_HANDLERS), collection.Collection.aggregate,
             Database.aggregate, aggregate.process_pipeline)
    assert after == before
    inner = collection.Cursor._compute_results.__wrapped__
    assert not getattr(inner, "_mongodbapi_embedded_compat", False)


def test_other_operators_fall_through_to_the_engine(coll):
    assert ev(coll, {"$split": ["a-b", "-"]}) == ["a", "b"]
    assert ev(coll, {"$add": ["$seven", "$two"]}) == 9
    assert ev(coll, {"$and": [True, 1]}) is True


# ------------------------------------------------------------------ $strLenCP


def test_str_len_cp_counts_code_points(coll):
    # doc: { $strLenCP: "cafétéria" } -> 9; { $strLenCP: "寿司" } -> 2; "" -> 0
    assert ev(coll, {"$strLenCP": "$word"}) == 9
    assert ev(coll, {"$strLenCP": "寿司"}) == 2
    assert ev(coll, {"$strLenCP": ""}) == 0
    assert ev(coll, {"$strLenCP": ["$word"]}) == 9


@pytest.mark.parametrize("arg", ["$null", "$nope", 5])
def test_str_len_cp_of_null_missing_or_number_is_an_error(coll, arg):
    # doc: "If the argument resolves to a value of null or refers to a missing
    # field, $strLenCP returns an error." It must resolve to a string.
    with pytest.raises(OperationFailure):
        ev(coll, {"$strLenCP": arg})


# ------------------------------------------------------------------ $substrCP


def test_substr_cp_uses_code_point_index_and_count(coll):
    # doc: ["cafétéria", 0, 5] -> "cafét"; [.., 7, 3] -> "ia"; [.., 3, 1] -> "é"
    assert ev(coll, {"$substrCP": ["$word", 0, 5]}) == "cafét"
    assert ev(coll, {"$substrCP": ["$word", 7, 3]}) == "ia"
    assert ev(coll, {"$substrCP": ["$word", 3, 1]}) == "é"
    assert ev(coll, {"$substrCP": ["Hello World!", 6, 5]}) == "World"
    # doc: the count may be a number representable as an integer, such as 2.0
    assert ev(coll, {"$substrCP": ["abcde", 1, 2.0]}) == "bc"


@pytest.mark.parametrize("arg", ["$null", "$nope"])
def test_substr_cp_of_null_or_missing_is_empty_string(coll, arg):
    # doc: "If the argument resolves to a value of null or refers to a field
    # that is missing, $substrCP returns an empty string."
    assert ev(coll, {"$substrCP": [arg, 0, 2]}) == ""


@pytest.mark.parametrize("args", [[5, 0, 1], ["abc", -1, 1], ["abc", 0, -1], ["abc", 0.5, 1]])
def test_substr_cp_errors(coll, args):
    # doc: a non-string (not null/missing) is an error; index and count must
    # resolve to non-negative integers.
    with pytest.raises(OperationFailure):
        ev(coll, {"$substrCP": args})


# ------------------------------------------------------------------ $indexOfCP


@pytest.mark.parametrize("args, expected", [
    (["cafeteria", "e"], 3),
    (["cafétéria", "é"], 3),
    (["cafétéria", "e"], -1),
    (["cafétéria", "t"], 4),
    (["foo.bar.fi", ".", 5], 7),
    (["vanilla", "ll", 0, 2], -1),
    (["vanilla", "ll", 12], -1),
    (["vanilla", "ll", 5, 2], -1),
    (["vanilla", "nilla", 3], -1),
    ([None, "foo"], None),
    (["$nope", "foo"], None),
])
def test_index_of_cp_documented_examples(coll, args, expected):
    # doc: the Example/Results table of $indexOfCP, plus "returns null if the
    # string refers to a non-existing field".
    assert ev(coll, {"$indexOfCP": args}) == expected


@pytest.mark.parametrize("args", [["vanilla", "ll", -1], ["abc", None], ["abc", "$nope"], [5, "a"]])
def test_index_of_cp_errors(coll, args):
    # doc: error if start/end is negative, if the substring is null, missing or
    # not a string, or if the string is neither a string nor null.
    with pytest.raises(OperationFailure):
        ev(coll, {"$indexOfCP": args})


# ------------------------------------------------------------------ $replaceAll / $replaceOne


def test_replace_all_replaces_every_instance(coll):
    # doc: "blue paint with blue paintbrush" -> "red paint with red paintbrush"
    expr = {"input": "$text", "find": "blue paint", "replacement": "red paint"}
    assert ev(coll, {"$replaceAll": expr}) == "red paint with red paintbrush"


def test_replace_one_replaces_the_first_instance_only(coll):
    # doc: "blue paint with blue paintbrush" -> "red paint with blue paintbrush";
    # no occurrence -> the input string.
    expr = {"input": "$text", "find": "blue paint", "replacement": "red paint"}
    assert ev(coll, {"$replaceOne": expr}) == "red paint with blue paintbrush"
    expr = {"input": "$word", "find": "Cafe", "replacement": "CAFE"}
    assert ev(coll, {"$replaceOne": expr}) == "cafétéria"


@pytest.mark.parametrize("op", ["$replaceAll", "$replaceOne"])
@pytest.mark.parametrize("field", ["input", "find", "replacement"])
@pytest.mark.parametrize("value", [None, "$nope"])
def test_replace_with_null_or_missing_is_null(coll, op, field, value):
    # doc: "If any one of input, find, or replacement evaluates to a null, the
    # entire expression evaluates to null"; a missing input/find returns null.
    expr = dict({"input": "abc", "find": "abc", "replacement": "ABC"}, **{field: value})
    assert ev(coll, {op: expr}) is None


@pytest.mark.parametrize("op", ["$replaceAll", "$replaceOne"])
def test_replace_with_a_non_string_is_an_error(coll, op):
    # doc: "must evaluate to a string or a null, or $replaceAll fails with an error."
    with pytest.raises(OperationFailure):
        ev(coll, {op: {"input": "$seven", "find": "7", "replacement": "x"}})


# ------------------------------------------------------------------ $toBool


@pytest.mark.parametrize("arg, expected", [
    (False, False), (1.99999, True), (Decimal128("5"), True), (Decimal128("0"), False),
    (100, True), (0, False), (datetime.datetime(2018, 3, 26, 4, 38, 28), True),
    ("false", True), ("", True), (None, None), ("$nope", None),
])
def test_to_bool_documented_examples(coll, arg, expected):
    # doc: the $toBool example table; all strings convert to true; null -> null.
    assert ev(coll, {"$toBool": {"$literal": arg} if arg != "$nope" else arg}) is expected


def test_to_bool_accepts_a_one_element_array(coll):
    assert ev(coll, {"$toBool": ["$two"]}) is True


# ------------------------------------------------------------------ $cmp and comparisons


def test_cmp_documented_example(coll):
    # doc: qty 300 -> 1, 200 -> -1, 250 -> 0 when compared with 250
    assert ev(coll, {"$cmp": [300, 250]}) == 1
    assert ev(coll, {"$cmp": [200, 250]}) == -1
    assert ev(coll, {"$cmp": [250, 250.0]}) == 0


def test_cmp_uses_bson_order_across_types(coll):
    # doc: "compares both value and type, using the specified BSON comparison
    # order": null < numbers < string < object < array < ... < boolean < date.
    assert ev(coll, {"$cmp": [None, 0]}) == -1
    assert ev(coll, {"$cmp": ["a", 99]}) == 1
    assert ev(coll, {"$cmp": [True, "z"]}) == 1
    assert ev(coll, {"$cmp": ["$when", True]}) == 1


def test_missing_sorts_below_null(coll):
    # Expression comparisons keep missing apart from null and order it first
    # (missing < null < numbers): {$lte: ["$f", null]} is the idiom for
    # "null or missing", and {$eq: ["$f", null]} is false for a missing field.
    assert ev(coll, {"$cmp": ["$nope", None]}) == -1
    assert ev(coll, {"$cmp": ["$nope", "$alsoNope"]}) == 0
    assert ev(coll, {"$eq": ["$nope", None]}) is False
    assert ev(coll, {"$ne": ["$nope", None]}) is True
    assert ev(coll, {"$eq": ["$nope", "$alsoNope"]}) is True
    assert ev(coll, {"$lt": ["$nope", None]}) is True
    assert ev(coll, {"$lte": ["$nope", None]}) is True
    assert ev(coll, {"$lt": ["$nope", 5]}) is True
    assert ev(coll, {"$gt": [5, "$nope"]}) is True
    assert ev(coll, {"$gte": ["$nope", 0]}) is False


def test_expr_lte_null_finds_null_and_missing(coll):
    coll.insert_many([{"_id": 2}, {"_id": 3, "null": 0}])
    found = coll.find({"$expr": {"$lte": ["$null", None]}}, {"_id": 1})
    assert sorted(doc["_id"] for doc in found) == [1, 2]
    found = coll.find({"$expr": {"$eq": ["$null", None]}}, {"_id": 1})
    assert [doc["_id"] for doc in found] == [1]


def test_comparison_compares_type_so_one_is_not_true(coll):
    # doc: comparison expressions compare value *and* type.
    assert ev(coll, {"$eq": [1, True]}) is False
    assert ev(coll, {"$eq": [2, 2.0]}) is True
    assert ev(coll, {"$eq": [[1, "a"], [1, "a"]]}) is True


# ------------------------------------------------------------------ $concat


def test_concat_strings(coll):
    assert ev(coll, {"$concat": ["$word", " ", "x"]}) == "cafétéria x"


@pytest.mark.parametrize("arg", ["$null", "$nope"])
def test_concat_with_null_or_missing_is_null(coll, arg):
    # doc: "If array element has a value of null or refers to a field that is
    # missing, $concat will return null."
    assert ev(coll, {"$concat": ["a", arg, "b"]}) is None


def test_concat_only_accepts_strings(coll):
    # doc: "$concat can only accept an array of strings."
    with pytest.raises(OperationFailure):
        ev(coll, {"$concat": ["a", "$seven"]})


# ------------------------------------------------------------------ $toUpper / $toLower


@pytest.mark.parametrize("op", ["$toUpper", "$toLower"])
@pytest.mark.parametrize("arg", ["$null", "$nope"])
def test_case_of_null_or_missing_is_empty_string(coll, op, arg):
    # doc: "If the argument resolves to null, $toUpper returns an empty string".
    # A missing field evaluates the same way on the server.
    assert ev(coll, {op: arg}) == ""


def test_case_of_strings(coll):
    # doc: well-defined for ASCII; non-ASCII characters are left as they are.
    assert ev(coll, {"$toUpper": "abc1"}) == "ABC1"
    assert ev(coll, {"$toLower": ["PRODUCT 1"]}) == "product 1"
    assert ev(coll, {"$toUpper": "$word"}) == "CAFéTéRIA"


# ------------------------------------------------------------------ $toString


@pytest.mark.parametrize("arg", ["$null", "$nope"])
def test_to_string_of_null_or_missing_is_null(coll, arg):
    # doc: "If the value is null or missing, $toString returns null."
    assert ev(coll, {"$toString": arg}) is None


def test_to_string_documented_examples(coll):
    # doc: true -> "true"; 2.5 -> "2.5"; NumberInt(2) -> "2";
    # ISODate("2018-03-27T16:58:51.538Z") -> "2018-03-27T16:58:51.538Z"
    assert ev(coll, {"$toString": True}) == "true"
    assert ev(coll, {"$toString": "$half"}) == "2.5"
    assert ev(coll, {"$toString": "$two"}) == "2"
    when = datetime.datetime(2018, 3, 27, 16, 58, 51, 538000)
    assert ev(coll, {"$toString": {"$literal": when}}) == "2018-03-27T16:58:51.538Z"
    assert ev(coll, {"$toString": "$when"}) == "2018-03-27T16:58:51.000Z"


# ------------------------------------------------------------------ $mod


def test_mod_of_ints_is_an_int(coll):
    # doc: "the output data type of the $mod operator is the larger of the two
    # input data types"; hours 80, tasks 7 -> remainder 3.
    result = ev(coll, {"$mod": [80, "$seven"]})
    assert result == 3 and type(result) is int


def test_mod_negative_dividend_gives_negative_remainder(coll):
    # doc (Negative Dividend): dividend -13, divisor 9 -> remainder -4
    assert ev(coll, {"$mod": ["$minus13", "$nine"]}) == -4


def test_mod_with_a_double_is_a_double(coll):
    result = ev(coll, {"$mod": ["$seven", 2.0]})
    assert result == 1.0 and type(result) is float


def test_mod_with_null_is_null_and_by_zero_is_an_error(coll):
    assert ev(coll, {"$mod": ["$nope", 2]}) is None
    with pytest.raises(OperationFailure):
        ev(coll, {"$mod": ["$seven", 0]})


# ------------------------------------------------------------------ $round


@pytest.mark.parametrize("value, expected", [(10.5, 10.0), (11.5, 12.0), (12.5, 12.0), (13.5, 14.0)])
def test_round_half_to_even(coll, value, expected):
    # doc (Rounding to Even Values): 10.5 -> 10, 11.5 -> 12, 12.5 -> 12, 13.5 -> 14
    assert ev(coll, {"$round": [value, 0]}) == expected


@pytest.mark.parametrize("args, expected", [
    ([1234.5678, 2], 1234.57), ([1234.5678, -2], 1200.0), ([1234.5678, -4], 0.0),
    ([1234.5678, 0], 1235.0), ([19.25, 1], 19.2), ([-45.39, 1], -45.4), ([25, -1], 20),
])
def test_round_documented_places(coll, args, expected):
    # doc: the <place> bullets and the samples example of $round.
    assert ev(coll, {"$round": args}) == expected


def test_round_keeps_the_input_type(coll):
    # doc: "The returned data type matches the data type of the input".
    assert type(ev(coll, {"$round": ["$half"]})) is float
    assert ev(coll, {"$round": ["$half"]}) == 2.0
    assert type(ev(coll, {"$round": ["$seven", 0]})) is int
    assert ev(coll, {"$round": [Decimal128("2.25"), 1]}) == Decimal128("2.2")


def test_round_null_nan_infinity(coll):
    # doc: null -> null, NaN -> NaN, +/-Infinity -> same infinity
    assert ev(coll, {"$round": ["$nope", 1]}) is None
    assert ev(coll, {"$round": [None, 1]}) is None
    assert math.isnan(ev(coll, {"$round": [float("nan"), 1]}))
    assert ev(coll, {"$round": [float("-inf"), 1]}) == float("-inf")


@pytest.mark.parametrize("args", [["abc", 1], [1.5, 0.5], [1.5, 100], [1.5, -20]])
def test_round_errors(coll, args):
    # doc: a non-numeric number is an error; place is an integer, -20 < place < 100.
    with pytest.raises(OperationFailure):
        ev(coll, {"$round": args})


# ------------------------------------------------------------------ $trunc


@pytest.mark.parametrize("args, expected", [
    ([1234.5678, 2], 1234.56), ([1234.5678, -2], 1200.0), ([1234.5678, -5], 0.0),
    ([1234.5678, 0], 1234.0), ([-2.37, 1], -2.3), ([1299, -2], 1200),
])
def test_trunc_with_place(coll, args, expected):
    # doc: $trunc: [1234.5678, 2] -> 1234.56; [.., -2] -> 1200; [.., -5] -> 0; [.., 0] -> 1234
    assert ev(coll, {"$trunc": args}) == expected


def test_trunc_type_and_nulls(coll):
    # doc: truncating to a decimal place keeps the input type; null/missing -> null.
    assert type(ev(coll, {"$trunc": [2.75, 1]})) is float
    assert type(ev(coll, {"$trunc": ["$seven", 1]})) is int
    assert ev(coll, {"$trunc": 7.80}) == 7
    assert ev(coll, {"$trunc": ["$nope", 1]}) is None
    assert ev(coll, {"$trunc": [float("inf"), 1]}) == float("inf")


# ------------------------------------------------------------------ $not


@pytest.mark.parametrize("arg, expected", [
    ([True], False), ([[False]], False), ([False], True), ([None], True), ([0], True),
    (["$nope"], True), ([{"$gt": ["$seven", 250]}], True), (False, True),
])
def test_not_documented_examples(coll, arg, expected):
    # doc: { $not: [ true ] } -> false; [ [ false ] ] -> false; [ false ] -> true;
    # [ null ] -> true; [ 0 ] -> true
    assert ev(coll, {"$not": arg}) is expected


def test_not_takes_exactly_one_argument(coll):
    with pytest.raises(OperationFailure):
        ev(coll, {"$not": [True, False]})


# ------------------------------------------------------------------ $type in find


@pytest.fixture
def typed():
    collection = mongomock_ng.MongoClient().db.typed
    collection.insert_many([
        {"_id": 1, "x": None}, {"_id": 2}, {"_id": 3, "x": 1},
        {"_id": 4, "x": [None, "a"]}, {"_id": 5, "x": "s"},
    ])
    return collection


def ids(cursor):
    return sorted(doc["_id"] for doc in cursor)


@pytest.mark.parametrize("spec", ["null", 10])
def test_type_null_matches_null_not_missing(typed, spec):
    # doc (Query for Null or Missing Fields): { item : { $type: 10 } } returns
    # only the document where item has a null value; arrays match on elements.
    assert ids(typed.find({"x": {"$type": spec}})) == [1, 4]


def test_type_number_codes_and_lists(typed):
    # doc: $type takes the BSON type number or alias, or an array of them.
    assert ids(typed.find({"x": {"$type": 2}})) == [4, 5]
    assert ids(typed.find({"x": {"$type": ["null", "int"]}})) == [1, 3, 4]
    assert ids(typed.find({"x": {"$not": {"$type": "null"}}})) == [2, 3, 5]


# ------------------------------------------------------------------ db.aggregate + $documents


@pytest.fixture
def db():
    return mongomock_ng.MongoClient().db


def test_db_aggregate_documents_returns_the_documents(db):
    # doc ($documents): "Returns literal documents from input values"; no _id is added.
    docs = list(db.aggregate([{"$documents": [{"x": 10}, {"x": 2}, {"x": 5}]}]))
    assert docs == [{"x": 10}, {"x": 2}, {"x": 5}]
    assert list(db.aggregate([{"$documents": [{"a": [1, 2, 3]}]}])) == [{"a": [1, 2, 3]}]
    assert list(db.aggregate([{"$documents": []}])) == []


def test_db_aggregate_documents_feeds_the_following_stages(db):
    # doc: "It uses the input data in the $documents stage as input to the next stage".
    docs = db.aggregate([
        {"$documents": [{"x": 10}, {"x": 2}, {"x": 5}]},
        {"$match": {"x": {"$gt": 3}}},
        {"$sort": {"x": 1}},
        {"$project": {"y": {"$multiply": ["$x", 2]}}},
    ])
    assert list(docs) == [{"y": 10}, {"y": 20}]


def test_db_aggregate_documents_takes_an_expression(db):
    # doc: "$documents accepts any valid expression that resolves to an array of
    # objects", such as $let expressions.
    pipeline = [{"$documents": {"$map": {"input": [0, 1, 2], "in": {"x": "$$this"}}}}]
    assert list(db.aggregate(pipeline)) == [{"x": 0}, {"x": 1}, {"x": 2}]
    pipeline = [{"$documents": {"$let": {"vars": {"v": 7}, "in": [{"v": "$$v"}]}}}]
    assert list(db.aggregate(pipeline)) == [{"v": 7}]


def test_db_aggregate_documents_with_facet(db):
    docs = db.aggregate([
        {"$documents": [{"x": 1, "y": 1, "val": 1}, {"x": 2, "y": 2, "val": 1},
                        {"x": 3, "y": 1, "val": 2}, {"x": 2, "y": 2, "val": 1}]},
        {"$facet": {"sumByX": [{"$group": {"_id": "$x", "sum": {"$sum": "$val"}}},
                               {"$sort": {"_id": 1}}],
                    "sumByY": [{"$group": {"_id": "$y", "sum": {"$sum": "$val"}}},
                               {"$sort": {"_id": 1}}]}},
    ])
    assert list(docs) == [{
        "sumByX": [{"_id": 1, "sum": 1}, {"_id": 2, "sum": 2}, {"_id": 3, "sum": 2}],
        "sumByY": [{"_id": 1, "sum": 3}, {"_id": 2, "sum": 2}],
    }]


def test_db_aggregate_documents_then_union_with_a_collection(db):
    db.things.insert_one({"_id": 0, "arr": [{}, {}]})
    docs = db.aggregate([{"$documents": [{"_id": 2}, {"_id": 4}]},
                         {"$unionWith": {"coll": "things", "pipeline": []}}])
    assert list(docs) == [{"_id": 2}, {"_id": 4}, {"_id": 0, "arr": [{}, {}]}]


def test_db_aggregate_documents_into_out(db):
    db.aggregate([{"$documents": [{"_id": 2, "x": "foo"}, {"_id": 4, "x": "bar"}]},
                  {"$out": "target"}])
    assert list(db.target.find({}, sort=[("_id", 1)])) == [
        {"_id": 2, "x": "foo"}, {"_id": 4, "x": "bar"}]


def test_db_aggregate_returns_the_engines_command_cursor(db):
    cursor = db.aggregate([{"$documents": [{"a": 1}]}])
    assert type(cursor) is type(db.things.aggregate([]))
    with cursor:
        assert next(cursor) == {"a": 1}


def test_db_aggregate_accepts_session_and_batch_size(db):
    client = db.client
    with client.start_session() as session, warnings.catch_warnings():
        warnings.simplefilter("error")
        for options in ({"batchSize": 2}, {"batch_size": 2}, {}):
            docs = db.aggregate([{"$documents": [{"a": 1}, {"a": 2}, {"a": 3}]}],
                                session=session, **options)
            assert [doc["a"] for doc in docs] == [1, 2, 3]


def test_db_aggregate_let_variables(db):
    # doc (aggregate command, let): variables usable in the pipeline with "$$<name>".
    docs = db.aggregate([{"$documents": "$$docs"}, {"$set": {"b": "$$two"}}],
                        let={"docs": [{"a": 1}], "two": {"$add": [1, 1]}})
    assert list(docs) == [{"a": 1, "b": 2}]


@pytest.mark.parametrize("stage", [{"$match": {}}, {"$unionWith": {"coll": "things"}},
                                   {"$project": {"a": 1}}])
def test_db_aggregate_needs_documents_first(db, stage):
    # doc: "You must use $documents as the first stage"; other stages need a collection.
    name = next(iter(stage))
    with pytest.raises(OperationFailure, match=(
            rf"^\{{aggregate: 1\}} is not valid for '\{name}'; a collection is required\.$")):
        db.aggregate([stage, {"$documents": [{"a": 1}]}])


def test_db_aggregate_rejects_an_empty_pipeline(db):
    with pytest.raises(OperationFailure):
        db.aggregate([])


def test_documents_only_as_the_first_stage(db):
    db.things.insert_one({"a": 1})
    with pytest.raises(OperationFailure):
        db.aggregate([{"$documents": [{"a": 1}]}, {"$documents": [{"a": 2}]}])
    with pytest.raises(OperationFailure):
        db.things.aggregate([{"$project": {"a": 1}}, {"$documents": [{"a": 1}]}])
    # doc: "You can only use $documents in a database-level aggregation pipeline".
    with pytest.raises(OperationFailure):
        db.things.aggregate([{"$documents": [{"a": 1}]}])
    with pytest.raises(OperationFailure):
        db.things.aggregate([{"$facet": {"test": [{"$documents": []}]}}])


@pytest.mark.parametrize("spec", ["string", [1, 2, 3], [{"a": 1}, 2], "$myField", "$$ROOT"])
def test_documents_must_resolve_to_an_array_of_objects(db, spec):
    # doc: "Expressions that do not resolve to a current document, like $myField
    # or $$ROOT, will result in an error."
    with pytest.raises(OperationFailure):
        list(db.aggregate([{"$documents": spec}]))


def test_documents_are_not_shared_between_runs(db):
    pipeline = [{"$documents": [{"a": {"b": 1}}]}, {"$set": {"a.c": 2}}]
    assert list(db.aggregate(pipeline)) == [{"a": {"b": 1, "c": 2}}]
    assert pipeline[0] == {"$documents": [{"a": {"b": 1}}]}


# ------------------------------------------------------------------ $documents in sub-pipelines


def test_union_with_documents_without_coll(db):
    # doc ($unionWith): coll may be omitted when the pipeline starts with $documents.
    db.things.insert_one({"_id": 0, "arr": [{}, {}]})
    docs = db.things.aggregate([{"$unionWith": {"pipeline": [{"$documents": [{"_id": "gen"}]}]}}])
    assert list(docs) == [{"_id": 0, "arr": [{}, {}]}, {"_id": "gen"}]


def test_union_with_documents_then_stages(db):
    db.things.insert_one({"a": 1})
    docs = db.things.aggregate([
        {"$unionWith": {"pipeline": [
            {"$documents": {"$map": {"input": [0, 1, 2, 3, 4], "in": {"x": "$$this"}}}},
            {"$match": {"x": {"$gte": 3}}}]}},
        {"$project": {"_id": 0}},
    ])
    assert list(docs) == [{"a": 1}, {"x": 3}, {"x": 4}]


def test_union_with_without_coll_needs_documents(db):
    db.things.insert_one({"a": 1})
    with pytest.raises(OperationFailure):
        list(db.things.aggregate([{"$unionWith": {"pipeline": [{"$project": {"a": 1}}]}}]))


def test_lookup_documents_with_local_and_foreign_field(db):
    # doc ($documents, "Use a $documents Stage in a $lookup Stage").
    db.locations.insert_many([{"_id": 1, "zip": 94301, "name": "Palo Alto"},
                              {"_id": 2, "zip": 10019, "name": "New York"}])
    docs = db.locations.aggregate([
        {"$match": {}},
        {"$lookup": {"localField": "zip", "foreignField": "zip_id", "as": "city_state",
                     "pipeline": [{"$documents": [{"zip_id": 94301, "name": "Palo Alto, CA"},
                                                  {"zip_id": 10019, "name": "New York, NY"}]}]}},
    ])
    assert list(docs) == [
        {"_id": 1, "zip": 94301, "name": "Palo Alto",
         "city_state": [{"zip_id": 94301, "name": "Palo Alto, CA"}]},
        {"_id": 2, "zip": 10019, "name": "New York",
         "city_state": [{"zip_id": 10019, "name": "New York, NY"}]},
    ]


def test_lookup_documents_with_let(db):
    # doc ($documents): "variables in scope from $lookup expressions".
    db.things.insert_many([{"_id": 0, "arr": [{"x": 2}]}, {"_id": 1, "arr": []},
                           {"_id": 2, "k": 1}])
    docs = db.things.aggregate([
        {"$lookup": {"let": {"documents": {"$ifNull": ["$arr", []]}},
                     "pipeline": [{"$documents": "$$documents"}], "as": "duplicated"}},
        {"$lookup": {"let": {"k": "$k"},
                     "pipeline": [{"$documents": [{"xx": 1}, {"xx": 2}]},
                                  {"$match": {"$expr": {"$eq": ["$$k", "$xx"]}}}],
                     "as": "names"}},
    ])
    assert list(docs) == [
        {"_id": 0, "arr": [{"x": 2}], "duplicated": [{"x": 2}], "names": []},
        {"_id": 1, "arr": [], "duplicated": [], "names": []},
        {"_id": 2, "k": 1, "duplicated": [], "names": [{"xx": 1}]},
    ]


def test_lookup_without_from_needs_documents(db):
    db.things.insert_one({"a": 1})
    with pytest.raises(OperationFailure):
        list(db.things.aggregate([{"$lookup": {"pipeline": [{"$match": {}}], "as": "x"}}]))


def test_nested_collectionless_sub_pipelines(db):
    docs = list(db.aggregate([
        {"$documents": [{"_id": "first"}]},
        {"$unionWith": {"pipeline": [
            {"$documents": [{"_id": "uw"}]},
            {"$unionWith": {"pipeline": [{"$documents": [{"_id": "uw_2"}]}]}},
            {"$group": {"_id": None, "all": {"$push": "$_id"}}},
            {"$lookup": {"pipeline": [{"$documents": [{"x": "lu1"}, {"x": "lu2"}]}],
                         "as": "xs"}},
            {"$set": {"xs": {"$map": {"input": "$xs", "in": "$$this.x"}}}},
        ]}},
    ]))
    assert docs == [{"_id": "first"}, {"_id": None, "all": ["uw", "uw_2"], "xs": ["lu1", "lu2"]}]


# ------------------------------------------------------------------ $$NOW / $$CLUSTER_TIME


def _utc_now_ms():
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def test_now_is_the_current_utc_datetime_in_milliseconds(coll):
    # doc (NOW): "returns the current datetime value"; a BSON date has millisecond precision.
    before = _utc_now_ms()
    now = ev(coll, "$$NOW")
    after = _utc_now_ms()
    assert isinstance(now, datetime.datetime)
    assert before <= now <= after
    assert now.microsecond % 1000 == 0


def test_now_is_one_value_for_the_whole_pipeline(db):
    # doc (NOW): "remains the same throughout all stages of the aggregation pipeline".
    db.things.insert_many([{"_id": i} for i in range(50)])
    docs = list(db.things.aggregate([
        {"$set": {"a": "$$NOW"}},
        {"$lookup": {"from": "things", "pipeline": [{"$match": {"_id": 0}},
                                                    {"$project": {"n": "$$NOW"}}],
                     "as": "sub"}},
        {"$unionWith": {"coll": "things", "pipeline": [{"$set": {"a": "$$NOW"}}]}},
        {"$set": {"b": {"$add": ["$$NOW", 0]}}},
        {"$match": {"$expr": {"$eq": ["$b", "$$NOW"]}}},
    ]))
    assert len(docs) == 100
    values = {doc["a"] for doc in docs} | {doc["b"] for doc in docs}
    values |= {doc["sub"][0]["n"] for doc in docs if "sub" in doc}
    assert len(values) == 1


def test_now_in_documents_find_and_update(db):
    # doc ($documents): accepts "system variables, such as $$NOW".
    (doc,) = db.aggregate([{"$documents": [{"t": "$$NOW"}]}, {"$set": {"u": "$$NOW"}}])
    assert isinstance(doc["t"], datetime.datetime) and doc["t"] == doc["u"]
    db.things.insert_many([{"_id": i, "when": datetime.datetime(2020, 1, 1)} for i in range(20)])
    assert db.things.count_documents({"$expr": {"$lt": ["$when", "$$NOW"]}}) == 20
    assert len(list(db.things.find({"$expr": {"$gt": ["$when", "$$NOW"]}}))) == 0
    db.things.update_many({}, [{"$set": {"touched": "$$NOW"}}])
    assert len(db.things.distinct("touched")) == 1


def test_now_is_read_again_by_the_next_command(coll):
    first = ev(coll, "$$NOW")
    time.sleep(0.005)
    assert ev(coll, "$$NOW") > first


def test_cluster_time_is_a_timestamp_for_the_command(db):
    # doc (CLUSTER_TIME): "returns the current timestamp value", "the same
    # throughout all stages of the pipeline".
    db.things.insert_many([{"_id": i} for i in range(20)])
    docs = list(db.things.aggregate([{"$project": {"c": "$$CLUSTER_TIME", "n": "$$NOW"}},
                                     {"$set": {"d": "$$CLUSTER_TIME"}}]))
    assert len({(doc["c"], doc["d"]) for doc in docs}) == 1
    stamp, now = docs[0]["c"], docs[0]["n"]
    assert isinstance(stamp, Timestamp)
    assert stamp.time == int(now.replace(tzinfo=datetime.timezone.utc).timestamp())


# ------------------------------------------------------------------ $dateTrunc


def trunc(coll, **spec):
    """Evaluate $dateTrunc with ``spec``; a date that is not a string is passed as a literal."""
    literal = "date" in spec and not isinstance(spec["date"], str)
    return ev(coll, {"$dateTrunc": {key: {"$literal": value} if key == "date" and literal
                                    else value for key, value in spec.items()}})


ORDER = datetime.datetime(2021, 3, 20, 11, 30, 5)  # a Saturday


@pytest.mark.parametrize("unit, expected", [
    ("year", datetime.datetime(2021, 1, 1)),
    ("quarter", datetime.datetime(2021, 1, 1)),
    ("month", datetime.datetime(2021, 3, 1)),
    ("week", datetime.datetime(2021, 3, 14)),
    ("day", datetime.datetime(2021, 3, 20)),
    ("hour", datetime.datetime(2021, 3, 20, 11)),
    ("minute", datetime.datetime(2021, 3, 20, 11, 30)),
    ("second", datetime.datetime(2021, 3, 20, 11, 30, 5)),
])
def test_date_trunc_units(coll, unit, expected):
    # doc: binSize 1 sets the parts below unit to their start; the quarters start in
    # January, April, July and October; the week starts on Sunday by default.
    assert trunc(coll, date=ORDER.replace(microsecond=123000), unit=unit) == expected


@pytest.mark.parametrize("date, unit, expected", [
    (datetime.datetime(2021, 8, 17), "quarter", datetime.datetime(2021, 7, 1)),
    (datetime.datetime(2021, 12, 31, 23), "quarter", datetime.datetime(2021, 10, 1)),
    (datetime.datetime(2021, 3, 14, 5), "week", datetime.datetime(2021, 3, 14)),
    (datetime.datetime(1999, 12, 31, 23), "week", datetime.datetime(1999, 12, 26)),
    (datetime.datetime(1969, 7, 20, 20, 17, 40), "day", datetime.datetime(1969, 7, 20)),
])
def test_date_trunc_unit_boundaries(coll, date, unit, expected):
    assert trunc(coll, date=date, unit=unit) == expected


def test_date_trunc_bin_size(coll):
    # doc: binSize 2, unit hour: 2021-03-20T11:30:05Z -> 2021-03-20T10:00:00Z; the bins
    # count from 2000-01-01T00:00:00Z (binSize 10, unit year: 2000, 2010, 2020).
    assert trunc(coll, date=ORDER, unit="hour", binSize=1) == datetime.datetime(2021, 3, 20, 11)
    assert trunc(coll, date=ORDER, unit="hour", binSize=2) == datetime.datetime(2021, 3, 20, 10)
    assert trunc(coll, date=ORDER, unit="year", binSize=10) == datetime.datetime(2020, 1, 1)
    assert trunc(coll, date=datetime.datetime(2020, 11, 1, 18, 23, 36), unit="hour",
                 binSize=2) == datetime.datetime(2020, 11, 1, 18)
    assert trunc(coll, date=datetime.datetime(2020, 1, 30, 18, 59), unit="minute",
                 binSize=Decimal128("15")) == datetime.datetime(2020, 1, 30, 18, 45)
    assert trunc(coll, date=datetime.datetime(2020, 1, 30, 18, 59, 0, 3000), unit="millisecond",
                 binSize=1000) == datetime.datetime(2020, 1, 30, 18, 59)
    assert trunc(coll, date=datetime.datetime(1999, 12, 31, 23), unit="year",
                 binSize=10) == datetime.datetime(1990, 1, 1)


CAKE_SALES = [
    (0, datetime.datetime(2020, 5, 18, 14, 10, 30), 120, datetime.datetime(2020, 5, 11, 7)),
    (1, datetime.datetime(2021, 3, 20, 11, 30, 5), 140, datetime.datetime(2021, 3, 15, 7)),
    (2, datetime.datetime(2021, 1, 11, 6, 31, 15), 145, datetime.datetime(2021, 1, 4, 8)),
    (3, datetime.datetime(2020, 2, 8, 13, 13, 23), 104, datetime.datetime(2020, 2, 3, 8)),
    (4, datetime.datetime(2019, 5, 18, 16, 9, 1), 162, datetime.datetime(2019, 5, 13, 7)),
    (5, datetime.datetime(2019, 1, 8, 6, 12, 3), 134, datetime.datetime(2019, 1, 7, 8)),
]


@pytest.fixture
def cake_sales(db):
    db.cakeSales.insert_many([{"_id": i, "orderDate": when, "quantity": quantity}
                              for i, when, quantity, _ in CAKE_SALES])
    return db.cakeSales


def test_date_trunc_documented_project_example(cake_sales):
    # doc: two-week bins in America/Los_Angeles with weeks starting on Monday.
    docs = cake_sales.aggregate([{"$project": {"_id": 1, "orderDate": 1, "truncatedOrderDate": {
        "$dateTrunc": {"date": "$orderDate", "unit": "week", "binSize": 2,
                       "timezone": "America/Los_Angeles", "startOfWeek": "Monday"}}}}])
    assert [(doc["_id"], doc["truncatedOrderDate"]) for doc in docs] == [
        (i, expected) for i, _, _, expected in CAKE_SALES]


def test_date_trunc_documented_group_example(cake_sales):
    # doc: six-month bins; sumQuantity 224 (2020), 285 (2021), 296 (2019).
    docs = cake_sales.aggregate([{"$group": {
        "_id": {"truncatedOrderDate": {"$dateTrunc": {"date": "$orderDate", "unit": "month",
                                                      "binSize": 6}}},
        "sumQuantity": {"$sum": "$quantity"}}}])
    assert sorted((doc["_id"]["truncatedOrderDate"], doc["sumQuantity"]) for doc in docs) == [
        (datetime.datetime(2019, 1, 1), 296), (datetime.datetime(2020, 1, 1), 224),
        (datetime.datetime(2021, 1, 1), 285)]


def test_date_trunc_time_zones_and_start_of_week(coll):
    date = datetime.datetime(2021, 12, 1, 18, 23, 36)
    # New York is UTC-5 in December: 4-hour bins start at 01:00, 05:00, ... UTC.
    assert trunc(coll, date=date, unit="hour", binSize=4, timezone="America/New_York",
                 startOfWeek="IGNORED") == datetime.datetime(2021, 12, 1, 17)
    assert trunc(coll, date=datetime.datetime(2000, 1, 30, 18), unit="week", binSize=2,
                 timezone="America/New_York", startOfWeek="mon") == datetime.datetime(
                     2000, 1, 17, 5)
    # 18:23Z is 23:08 on Dec 1 at +04:45, 12:53 at -05:30 and 21:23 at +03.
    assert trunc(coll, date=date, unit="day", timezone="+04:45") == datetime.datetime(
        2021, 11, 30, 19, 15)
    assert trunc(coll, date=date, unit="day", timezone="-0530") == datetime.datetime(
        2021, 12, 1, 5, 30)
    assert trunc(coll, date=date, unit="month", timezone="+03") == datetime.datetime(
        2021, 11, 30, 21)
    assert trunc(coll, date=date, unit="week", startOfWeek="WEDNESDAY") == datetime.datetime(
        2021, 12, 1)
    assert trunc(coll, date=date, unit="week", startOfWeek="thu") == datetime.datetime(
        2021, 11, 25)
    # doc: startOfWeek is ignored for other units, whatever its value.
    assert trunc(coll, date=date, unit="year", startOfWeek=1) == datetime.datetime(2021, 1, 1)


def test_date_trunc_of_object_id_and_timestamp(coll):
    # doc: date can be a Date, a Timestamp or an ObjectId.
    oid = ObjectId("507c7f79bcf86cd7994f6c0e")  # 2012-10-15T21:26:17Z
    assert trunc(coll, date=oid, unit="minute", binSize=10) == datetime.datetime(
        2012, 10, 15, 21, 20)
    assert trunc(coll, date=Timestamp(1350336377, 0), unit="second",
                 binSize=10) == datetime.datetime(2012, 10, 15, 21, 26, 10)


@pytest.mark.parametrize("spec", [
    {"date": None, "unit": "hour"},
    {"date": "$nope", "unit": "H", "binSize": "string", "timezone": 1},
    {"date": ORDER, "unit": None},
    {"date": "invalid", "unit": "$nope"},
    {"date": ORDER, "unit": "hour", "binSize": None},
    {"date": ORDER, "unit": "hour", "binSize": "$nope"},
    {"date": ORDER, "unit": "hour", "timezone": None},
    {"date": 1, "unit": "century", "binSize": "1", "timezone": "$nope"},
    {"date": ORDER, "unit": "week", "startOfWeek": None},
    {"date": 1, "unit": "week", "binSize": "", "timezone": 1, "startOfWeek": "$nope"},
])
def test_date_trunc_null_or_missing_is_null(coll, spec):
    # doc: null if any field but startOfWeek is null or missing, or if unit is week
    # and startOfWeek is null or missing; before the other fields are checked.
    assert trunc(coll, **spec) is None


@pytest.mark.parametrize("spec", [
    {"date": "string", "unit": "hour"},
    {"date": ORDER, "unit": 1},
    {"date": ORDER, "unit": "century"},
    {"date": ORDER, "unit": "hour", "binSize": "Number"},
    {"date": ORDER, "unit": "hour", "binSize": 0},
    {"date": ORDER, "unit": "hour", "binSize": -1},
    {"date": ORDER, "unit": "hour", "binSize": 2.5},
    {"date": ORDER, "unit": "hour", "timezone": 1},
    {"date": ORDER, "unit": "hour", "timezone": "America/Invalid"},
    {"date": ORDER, "unit": "week", "startOfWeek": 1},
    {"date": ORDER, "unit": "week", "startOfWeek": "FRIDIE"},
])
def test_date_trunc_errors(coll, spec):
    # doc: date must be a Date/Timestamp/ObjectId, unit one of the units, binSize a
    # positive whole number, timezone an Olson name or UTC offset, startOfWeek a day.
    with pytest.raises(OperationFailure):
        trunc(coll, **spec)


@pytest.mark.parametrize("argument", ["A", {"endDate": 1}, {"unit": "week"}, {"date": ORDER}])
def test_date_trunc_argument_errors(coll, argument):
    # doc: {date, unit} are required; no other fields.
    with pytest.raises(OperationFailure):
        ev(coll, {"$dateTrunc": argument})


# ------------------------------------------------------------------ $lookup from + pipeline


@pytest.fixture
def joined(db):
    db.t.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 3}])
    db.u.insert_many([{"_id": 10, "tid": 1}, {"_id": 11, "tid": 1}, {"_id": 12, "tid": 2}])
    return db


def lookup(db, pipeline, **spec):
    """``{_id: [joined documents]}`` of a $lookup from ``u`` with ``pipeline``."""
    stage = {"from": "u", "pipeline": pipeline, "as": "x", **spec}
    return {doc["_id"]: doc["x"] for doc in db.t.aggregate([{"$lookup": stage}])}


def test_lookup_pipeline_project_limit_group_with_let(joined):
    # doc ($lookup, "Join Conditions and Subqueries"): the let variables are visible in
    # every stage of the pipeline. The engine handed the stages a generator: $project
    # made empty documents, $limit/$skip raised "'generator' object is not subscriptable".
    pipeline = [
        {"$project": {"_id": 0, "c0": "$tid", "e": {"$eq": ["$$q", "$tid"]}}},
        {"$limit": 5},
        {"$group": {"_id": None, "n": {"$sum": 1}, "s": {"$sum": {"$cond": ["$e", 1, 0]}}}},
    ]
    assert lookup(joined, pipeline, let={"q": "$_id"}) == {
        1: [{"_id": None, "n": 3, "s": 2}],
        2: [{"_id": None, "n": 3, "s": 1}],
        3: [{"_id": None, "n": 3, "s": 0}],
    }


def test_lookup_pipeline_limit_skip_project_add_fields(joined):
    assert lookup(joined, [{"$limit": 1}])[1] == [{"_id": 10, "tid": 1}]
    assert lookup(joined, [{"$skip": 2}])[3] == [{"_id": 12, "tid": 2}]
    assert lookup(joined, [{"$project": {"a": "$tid"}}])[2] == [
        {"_id": 10, "a": 1}, {"_id": 11, "a": 1}, {"_id": 12, "a": 2}]
    assert lookup(joined, [{"$addFields": {"q": "$$q"}}, {"$sort": {"_id": -1}}, {"$limit": 1}],
                  let={"q": {"$multiply": ["$_id", 10]}}) == {
        1: [{"_id": 12, "tid": 2, "q": 10}], 2: [{"_id": 12, "tid": 2, "q": 20}],
        3: [{"_id": 12, "tid": 2, "q": 30}]}


def test_lookup_pipeline_let_in_match_expr_and_group(joined):
    pipeline = [{"$match": {"$expr": {"$eq": ["$tid", "$$q"]}}},
                {"$group": {"_id": "$$q", "ids": {"$push": "$_id"}, "k": {"$max": "$$q"}}}]
    assert lookup(joined, pipeline, let={"q": "$_id"}) == {
        1: [{"_id": 1, "ids": [10, 11], "k": 1}], 2: [{"_id": 2, "ids": [12], "k": 2}], 3: []}


def test_lookup_pipeline_with_local_and_foreign_field(joined):
    # doc (5.0+): localField/foreignField match first, then the pipeline runs.
    pipeline = [{"$project": {"_id": 1, "q": "$$q"}}, {"$skip": 1}]
    assert lookup(joined, pipeline, let={"q": "$_id"}, localField="_id",
                  foreignField="tid") == {1: [{"_id": 11, "q": 1}], 2: [], 3: []}


def test_nested_lookup_sees_the_outer_let_variables(joined):
    # doc: "The let variables are accessible by the stages in the pipeline, including
    # additional $lookup stages nested in the pipeline", also in their let.
    inner = {"from": "t", "let": {"r": {"$add": ["$$q", 100]}}, "as": "y",
             "pipeline": [{"$match": {"$expr": {"$eq": ["$_id", "$$q"]}}},
                          {"$project": {"_id": 0, "q": "$$q", "r": "$$r", "tid": "$$t"}}]}
    pipeline = [{"$match": {"$expr": {"$eq": ["$tid", "$$q"]}}},
                {"$lookup": {**inner, "let": {**inner["let"], "t": "$tid"}}},
                {"$project": {"y": 1}}]
    assert lookup(joined, pipeline, let={"q": "$_id"}) == {
        1: [{"_id": 10, "y": [{"q": 1, "r": 101, "tid": 1}]},
            {"_id": 11, "y": [{"q": 1, "r": 101, "tid": 1}]}],
        2: [{"_id": 12, "y": [{"q": 2, "r": 102, "tid": 2}]}],
        3: [],
    }


def test_lookup_in_facet_does_not_change_the_other_facets(joined):
    (doc,) = joined.t.aggregate([{"$match": {"_id": 1}}, {"$facet": {
        "a": [{"$lookup": {"from": "u", "pipeline": [{"$limit": 1}], "as": "j"}}],
        "b": [],
    }}])
    assert doc == {"a": [{"_id": 1, "j": [{"_id": 10, "tid": 1}]}], "b": [{"_id": 1}]}


# ------------------------------------------------------------------ $range


@pytest.mark.parametrize("args, expected", [
    ([0, 10, 2], [0, 2, 4, 6, 8]),
    ([10, 0, -2], [10, 8, 6, 4, 2]),
    ([0, 10, -2], []),
    ([0, 5], [0, 1, 2, 3, 4]),
    ([0, "$seven", 3], [0, 3, 6]),
    ([2.0, 4], [2, 3]),
    ([3, 3], []),
])
def test_range_documented_examples(coll, args, expected):
    # doc ($range): the Example/Results table; start and end are integers, the step
    # (default 1) a non-zero integer; the end is exclusive.
    assert ev(coll, {"$range": args}) == expected


@pytest.mark.parametrize("args", [
    [0, 2.5], [0.5, 2], [0, 5, 0], [0, 5, 1.5], ["0", 5], [None, 5], [0, "$nope"],
    [0, 2**31], [0], [0, 1, 2, 3], 5,
])
def test_range_errors(coll, args):
    # doc: "The <start> and <end> arguments are required and must be integers"; the
    # step must be a non-zero integer (32-bit values, as on the server).
    with pytest.raises(OperationFailure):
        ev(coll, {"$range": args})


def test_range_documented_rest_stops_example(db):
    db.distances.insert_many([{"_id": 0, "city": "San Jose", "distance": 42},
                              {"_id": 1, "city": "Sacramento", "distance": 88}])
    docs = db.distances.aggregate([
        {"$project": {"_id": 0, "city": 1, "Rest stops": {"$range": [0, "$distance", 25]}}}])
    assert list(docs) == [{"city": "San Jose", "Rest stops": [0, 25]},
                          {"city": "Sacramento", "Rest stops": [0, 25, 50, 75]}]


def test_unwind_an_array_made_by_range(db):
    # doc ($unwind): one document per element, the field set to the element.
    db.things.insert_many([{"_id": 1, "n": 3}, {"_id": 2, "n": 0}])
    docs = db.things.aggregate([{"$set": {"i": {"$range": [0, "$n"]}}},
                                {"$unwind": {"path": "$i", "includeArrayIndex": "at"}},
                                {"$project": {"n": 0}}])
    assert list(docs) == [{"_id": 1, "i": 0, "at": 0}, {"_id": 1, "i": 1, "at": 1},
                          {"_id": 1, "i": 2, "at": 2}]


# ------------------------------------------------------------------ $group / $count on no input


COUNT_ALL = {"$group": {"_id": None, "n": {"$sum": 1}, "s": {"$sum": "$a"}}}


def test_group_with_null_id_over_no_documents_returns_nothing(db):
    # doc ($group): "If there are no documents from the prior pipeline stage, the
    # $group stage returns nothing" (the engine returned {_id: null, n: 0, s: 0}).
    db.things.insert_many([{"a": 1}, {"a": 2}])
    assert list(db.things.aggregate([{"$match": {"a": 99}}, COUNT_ALL])) == []
    assert list(db.empty.aggregate([COUNT_ALL])) == []
    assert list(db.things.aggregate([COUNT_ALL])) == [{"_id": None, "n": 2, "s": 3}]


def test_group_in_facet_over_no_documents(db):
    # SELECT COUNT(*) FROM t WHERE false: $facet + $ifNull default.
    db.things.insert_many([{"a": 1}, {"a": 2}])
    pipeline = [{"$match": {"a": 99}},
                {"$facet": {"c": [COUNT_ALL]}},
                {"$project": {"n": {"$ifNull": [{"$arrayElemAt": ["$c.n", 0]}, 0]}, "c": 1}}]
    assert list(db.things.aggregate(pipeline)) == [{"c": [], "n": 0}]
    (doc,) = db.things.aggregate([{"$facet": {"c": [COUNT_ALL]}}])
    assert doc == {"c": [{"_id": None, "n": 2, "s": 3}]}


def test_count_over_no_documents_returns_nothing(db):
    # doc ($count): the same as $group {_id: null, <n>: {$sum: 1}} then $project {_id: 0}.
    db.things.insert_one({"a": 1})
    assert list(db.things.aggregate([{"$match": {"a": 99}}, {"$count": "n"}])) == []
    assert list(db.things.aggregate([{"$count": "n"}])) == [{"n": 1}]
    with pytest.raises(OperationFailure):
        list(db.empty.aggregate([{"$count": "$n"}]))


# ------------------------------------------------------------------ $setWindowFields


@pytest.fixture
def sales(db):
    db.sales.insert_many([
        {"_id": 1, "g": "a", "k": 1, "v": 10, "d": {"x": 2}},
        {"_id": 2, "g": "a", "k": 2, "v": 20, "d": {"x": 1}},
        {"_id": 3, "g": "a", "k": 2, "v": 30, "d": {"x": 1, "y": 0}},
        {"_id": 4, "g": "b", "k": 5, "v": None, "d": {"x": 3}},
        {"_id": 5, "g": "b", "k": 7, "v": 50, "d": None},
        {"_id": 6, "g": "b", "k": 8, "d": {"x": 3}},
    ])
    return db.sales


def window(coll, output, **options):
    """``{_id: {field: value}}`` of the output fields of one $setWindowFields stage."""
    stage = {"$setWindowFields": {**options, "output": output}}
    return {doc["_id"]: {f: doc.get(f, MISSING) for f in output}
            for doc in coll.aggregate([stage])}


def column(coll, field, spec, **options):
    """The values of one output field, in output order."""
    stage = {"$setWindowFields": {**options, "output": {field: spec}}}
    return [doc.get(field, MISSING) for doc in coll.aggregate([stage])]


def test_window_output_order_partitions_then_sort(sales):
    # $setWindowFields sorts by partitionBy, then by sortBy inside each partition.
    docs = sales.aggregate([{"$setWindowFields": {"partitionBy": "$g", "sortBy": {"_id": -1},
                                                  "output": {"n": {"$documentNumber": {}}}}}])
    assert [(d["_id"], d["n"]) for d in docs] == [(3, 1), (2, 2), (1, 3), (6, 1), (5, 2), (4, 3)]


def test_window_document_number_rank_dense_rank(sales):
    # doc: $documentNumber numbers ties apart; $rank gives ties one rank and then
    # skips; $denseRank does not skip.
    out = window(sales, {"n": {"$documentNumber": {}}, "r": {"$rank": {}},
                         "dr": {"$denseRank": {}}}, partitionBy="$g", sortBy={"k": 1})
    assert out == {
        1: {"n": 1, "r": 1, "dr": 1}, 2: {"n": 2, "r": 2, "dr": 2}, 3: {"n": 3, "r": 2, "dr": 2},
        4: {"n": 1, "r": 1, "dr": 1}, 5: {"n": 2, "r": 2, "dr": 2}, 6: {"n": 3, "r": 3, "dr": 3},
    }
    dense = column(sales, "r", {"$denseRank": {}}, sortBy={"v": 1})
    # null and missing are different values (doc: "Dense Rank for Duplicate, Null, and
    # Missing Values"); they sort before numbers.
    assert sorted(dense) == [1, 2, 3, 4, 5, 6]


def test_rank_with_duplicates_null_and_missing(db):
    db.cakes.insert_many([{"_id": 1, "q": 162}, {"_id": 2, "q": 162}, {"_id": 3, "q": 145},
                          {"_id": 4, "q": None}, {"_id": 5}])
    out = window(db.cakes, {"r": {"$rank": {}}, "d": {"$denseRank": {}}}, sortBy={"q": -1})
    assert out == {1: {"r": 1, "d": 1}, 2: {"r": 1, "d": 1}, 3: {"r": 3, "d": 2},
                   4: {"r": 4, "d": 3}, 5: {"r": 5, "d": 4}}


def test_window_shift(sales):
    # doc ($shift): the output expression on the document `by` positions away in the
    # sorted partition, else the default (null when not given).
    out = window(sales, {"prev": {"$shift": {"output": "$v", "by": -1, "default": "none"}},
                         "next": {"$shift": {"output": "$v", "by": 1}}},
                 partitionBy="$g", sortBy={"k": 1})
    assert out == {
        1: {"prev": "none", "next": 20}, 2: {"prev": 10, "next": 30},
        3: {"prev": 20, "next": None}, 4: {"prev": "none", "next": 50},
        5: {"prev": None, "next": None},  # the next document has no v: null
        6: {"prev": 50, "next": None},
    }


def test_window_documents_bounds(sales):
    # doc: documents windows count positions from the current document; "current" is
    # the current document and "unbounded" the first or last of the partition.
    out = window(sales, {
        "f": {"$first": "$v", "window": {"documents": [-1, 0]}},
        "l": {"$last": "$v", "window": {"documents": [0, 1]}},
        "s": {"$sum": "$v", "window": {"documents": ["unbounded", "current"]}},
        "a": {"$avg": "$v", "window": {"documents": [-1, 1]}},
        "mn": {"$min": "$v", "window": {"documents": ["unbounded", "unbounded"]}},
        "mx": {"$max": "$v", "window": {"documents": [1, 2]}},
        "c": {"$count": {}, "window": {"documents": ["current", "unbounded"]}},
        "p": {"$push": "$v", "window": {"documents": [-2, -1]}},
    }, partitionBy="$g", sortBy={"k": 1})
    assert out == {
        1: {"f": 10, "l": 20, "s": 10, "a": 15.0, "mn": 10, "mx": 30, "c": 3, "p": []},
        2: {"f": 10, "l": 30, "s": 30, "a": 20.0, "mn": 10, "mx": 30, "c": 2, "p": [10]},
        3: {"f": 20, "l": 30, "s": 60, "a": 25.0, "mn": 10, "mx": None, "c": 1, "p": [10, 20]},
        # doc: $first/$last turn missing into null; $sum of no numbers is 0, $avg, $min
        # and $max give null; $push leaves missing values out.
        4: {"f": None, "l": 50, "s": 0, "a": 50.0, "mn": 50, "mx": 50, "c": 3, "p": []},
        5: {"f": None, "l": None, "s": 50, "a": 50.0, "mn": 50, "mx": None, "c": 2, "p": [None]},
        6: {"f": 50, "l": None, "s": 50, "a": 50.0, "mn": 50, "mx": None, "c": 1, "p": [None, 50]},
    }


def test_window_default_is_the_whole_partition(sales):
    # doc: "Default is an unbounded window, which includes all documents in the
    # partition", with or without sortBy.
    out = window(sales, {"s": {"$sum": "$v"}, "c": {"$count": {}}}, partitionBy="$g",
                 sortBy={"k": 1})
    assert {key: (value["s"], value["c"]) for key, value in out.items()} == {
        1: (60, 3), 2: (60, 3), 3: (60, 3), 4: (50, 3), 5: (50, 3), 6: (50, 3)}
    assert column(sales, "s", {"$sum": "$v", "window": {}}) == [110] * 6


def test_window_range_unbounded_to_current(sales):
    # doc: in a range window "current" is the current document's position: the window
    # runs from the first document to the current one, and ties after it are left out.
    out = window(sales, {"s": {"$sum": "$v", "window": {"range": ["unbounded", "current"]}},
                         "c": {"$count": {}, "window": {"range": ["unbounded", "current"]}}},
                 sortBy={"k": 1})
    assert out == {1: {"s": 10, "c": 1}, 2: {"s": 30, "c": 2}, 3: {"s": 60, "c": 3},
                   4: {"s": 60, "c": 4}, 5: {"s": 110, "c": 5}, 6: {"s": 110, "c": 6}}


def test_window_range_with_numbers_includes_ties(sales):
    # doc: a number is added to the current sortBy value and a document is in the window
    # when its sortBy value is inclusively within the bounds: 0 takes in the ties.
    spec = {"$sum": "$v", "window": {"range": ["unbounded", 0]}}
    assert column(sales, "s", spec, sortBy={"k": 1}) == [10, 60, 60, 60, 110, 110]
    spec = {"$push": "$_id", "window": {"range": [-1, 1]}}
    assert column(sales, "w", spec, sortBy={"k": 1}) == [
        [1, 2, 3], [1, 2, 3], [1, 2, 3], [4], [5, 6], [5, 6]]
    spec = {"$push": "$_id", "window": {"range": [0, "unbounded"]}}
    assert column(sales, "w", spec, sortBy={"k": 1})[1:3] == [[2, 3, 4, 5, 6]] * 2


def test_window_range_server_examples(db):
    # The server's range-window cases (jstests setWindowFields/range.js).
    db.c.insert_many([{"x": v} for v in [0, 1, 1.5, 2, 3, 100, 100, 101]])
    spec = {"$push": "$x", "window": {"range": [-1, -1]}}
    assert column(db.c, "y", spec, sortBy={"x": 1}) == [
        [], [0], [], [1], [2], [], [], [100, 100]]
    spec = {"$push": "$x", "window": {"range": ["current", 1]}}
    assert column(db.c, "y", spec, sortBy={"x": 1})[5:7] == [[100, 100, 101], [100, 101]]
    spec = {"$push": "$x", "window": {"range": [-97, "current"]}}
    assert column(db.c, "y", spec, sortBy={"x": 1})[5:7] == [[3, 100], [3, 100, 100]]
    spec = {"$push": "$x", "window": {"range": [99, "unbounded"]}}
    assert column(db.c, "y", spec, sortBy={"x": 1})[:5] == [
        [100, 100, 101], [100, 100, 101], [101], [101], []]


def test_window_range_needs_numbers(sales, db):
    # doc: "Range windows require all sortBy values to be numbers"; only numbers are in
    # the window, and a current document without one is an error.
    spec = {"$sum": "$v", "window": {"range": ["unbounded", "unbounded"]}}
    with pytest.raises(OperationFailure):
        column(sales, "s", spec, sortBy={"v": 1})  # null and missing v
    db.m.insert_many([{"_id": 1, "x": 1}, {"_id": 2, "x": 2}])
    assert column(db.m, "s", {**spec, "window": {"range": [-5, 5]}}, sortBy={"x": 1}) == [0, 0]


def test_window_time_range_with_unit(db):
    # doc: with a unit the bounds are integers added as by $dateAdd; sortBy must be a date.
    start = datetime.datetime(2020, 1, 1)
    minutes = [30, 91, 92, 93, 155]
    db.temps.insert_many([{"_id": i, "t": start + datetime.timedelta(minutes=m)}
                          for i, m in enumerate(minutes)])
    spec = {"$push": "$_id", "window": {"range": [-1, 0], "unit": "hour"}}
    assert column(db.temps, "w", spec, sortBy={"t": 1}) == [[0], [1], [1, 2], [1, 2, 3], [4]]
    with pytest.raises(OperationFailure):  # a date sortBy needs a unit
        column(db.temps, "w", {**spec, "window": {"range": [-1, 0]}}, sortBy={"t": 1})
    with pytest.raises(OperationFailure):  # with a unit the bounds are whole numbers
        column(db.temps, "w", {**spec, "window": {"range": [-1.5, 0], "unit": "hour"}},
               sortBy={"t": 1})


def test_window_partition_by_a_document_expression(sales):
    # doc: partitionBy is any expression; equal documents share a partition.
    out = window(sales, {"n": {"$documentNumber": {}}, "s": {"$sum": "$v"}},
                 partitionBy={"g": "$g", "big": {"$gt": ["$k", 1]}}, sortBy={"k": 1})
    assert out == {1: {"n": 1, "s": 10}, 2: {"n": 1, "s": 50}, 3: {"n": 2, "s": 50},
                   4: {"n": 1, "s": 50}, 5: {"n": 2, "s": 50}, 6: {"n": 3, "s": 50}}


def test_window_partition_by_missing_is_null_and_array_is_an_error(db):
    db.p.insert_many([{"_id": 1, "g": None}, {"_id": 2}, {"_id": 3, "g": 0}])
    assert window(db.p, {"c": {"$count": {}}}, partitionBy="$g") == {
        1: {"c": 2}, 2: {"c": 2}, 3: {"c": 1}}
    db.p.insert_one({"_id": 4, "g": [1]})
    with pytest.raises(OperationFailure):
        window(db.p, {"c": {"$count": {}}}, partitionBy="$g")


def test_window_sort_by_a_sub_document(sales):
    # sortBy uses the $sort order: null first, then documents field by field
    # ({x: 1} < {x: 1, y: 0} < {x: 2}); equal sub-documents tie in $rank.
    out = window(sales, {"n": {"$documentNumber": {}}, "r": {"$rank": {}}}, sortBy={"d": 1})
    assert out == {5: {"n": 1, "r": 1}, 2: {"n": 2, "r": 2}, 3: {"n": 3, "r": 3},
                   1: {"n": 4, "r": 4}, 4: {"n": 5, "r": 5}, 6: {"n": 6, "r": 5}}


def test_window_accumulators_follow_bson_types(db):
    db.mixed.insert_many([{"_id": 1, "v": 1}, {"_id": 2, "v": "s"}, {"_id": 3, "v": 2.5},
                          {"_id": 4, "v": True}, {"_id": 5, "v": Decimal128("1.5")},
                          {"_id": 6, "v": 0.1}, {"_id": 7, "v": 0.2}, {"_id": 8, "v": 1}])
    first_four = {"window": {"documents": ["unbounded", 3]}}
    assert column(db.mixed, "m", {"$max": "$v", **first_four}, sortBy={"_id": 1})[0] is True
    assert column(db.mixed, "m", {"$min": "$v", **first_four}, sortBy={"_id": 1})[0] == 1
    # doc: $sum/$avg ignore non-numbers (strings, booleans); a decimal makes a decimal.
    assert column(db.mixed, "s", {"$sum": "$v", **first_four}, sortBy={"_id": 1})[0] == 3.5
    total = column(db.mixed, "s", {"$sum": "$v"})[0]
    # Server (AccumulatorSum): the doubles are summed in double-double precision and that
    # sum joins the decimals rounded to 34 digits, so 0.1 + 0.2 keeps its binary error.
    assert total == Decimal128("6.300000000000000016653345369377348")
    assert column(db.mixed, "a", {"$avg": "$v", **first_four}, sortBy={"_id": 1})[0] == 1.75
    last_three = {"window": {"documents": [-2, 0]}}
    assert column(db.mixed, "s", {"$sum": "$v", **last_three}, sortBy={"_id": 1})[-1] == 1.3
    # doc ($addToSet): one of each value; true is not 1 (BSON types differ).
    sets = column(db.mixed, "u", {"$addToSet": "$v"})
    assert sets[0] == [1, "s", 2.5, True, Decimal128("1.5"), 0.1, 0.2]


def test_window_sees_lookup_variables(joined):
    pipeline = [{"$setWindowFields": {"sortBy": {"_id": 1}, "output": {
        "s": {"$sum": "$$q", "window": {"documents": ["unbounded", "current"]}}}}},
        {"$project": {"s": 1}}]
    assert lookup(joined, pipeline, let={"q": "$_id"})[2] == [
        {"_id": 10, "s": 2}, {"_id": 11, "s": 4}, {"_id": 12, "s": 6}]


def test_window_dotted_output_field(db):
    db.things.insert_one({"_id": 1, "a": {"b": 1}})
    (doc,) = db.things.aggregate([{"$setWindowFields": {"output": {"a.c": {"$count": {}}}}}])
    assert doc == {"_id": 1, "a": {"b": 1, "c": 1}}
    assert db.things.find_one() == {"_id": 1, "a": {"b": 1}}


@pytest.mark.parametrize("options", [
    {"output": {"r": {"$rank": {}}}},
    {"sortBy": {"k": 1, "v": 1}, "output": {"r": {"$rank": {}}}},
    {"sortBy": {"k": 1}, "output": {"r": {"$rank": {}, "window": {"documents": [0, 1]}}}},
    {"sortBy": {"k": 1}, "output": {"r": {"$documentNumber": 1}}},
    {"output": {"s": {"$shift": {"output": "$v", "by": 1}}}},
    {"sortBy": {"k": 1}, "output": {"s": {"$shift": {"output": "$v", "by": 1.5}}}},
    {"sortBy": {"k": 1}, "output": {"s": {"$shift": {"output": "$v"}}}},
    {"output": {"s": {"$sum": "$v", "window": {"documents": [-1, 0]}}}},
    {"sortBy": {"k": 1}, "output": {"s": {"$sum": "$v", "window": {"documents": [1, 0]}}}},
    {"sortBy": {"k": 1}, "output": {"s": {"$sum": "$v", "window": {"documents": [0.5, 1]}}}},
    {"sortBy": {"k": 1}, "output": {"s": {"$sum": "$v", "window": {"documents": [0]}}}},
    {"sortBy": {"k": 1}, "output": {"s": {"$sum": "$v", "window": {"rows": [0, 1]}}}},
    {"sortBy": {"k": 1}, "output": {"s": {"$sum": "$v", "window": {
        "documents": [0, 1], "range": [0, 1]}}}},
    {"sortBy": {"k": -1}, "output": {"s": {"$sum": "$v", "window": {"range": [0, 1]}}}},
    {"sortBy": {"k": 1, "v": 1}, "output": {"s": {"$sum": "$v", "window": {"range": [0, 1]}}}},
    {"sortBy": {"k": 1}, "output": {"s": {"$sum": "$v", "window": {"range": ["x", 1]}}}},
    {"sortBy": {"k": 1}, "output": {"s": {"$sum": "$v", "window": {"range": [2, 1]}}}},
    {"output": {"s": {"$nope": "$v"}}},
    {"output": {"s": {"$sum": "$v", "$avg": "$v"}}},
    {"output": {"s": {"$sum": "$v", "extra": 1}}},
    {"output": {"s": "$v"}},
    {"sortBy": {"k": 1}},
    {"output": {"s": {"$sum": "$v"}}, "other": 1},
])
def test_window_spec_errors(sales, options):
    # doc ($setWindowFields Restrictions) and the server's argument checks.
    with pytest.raises(OperationFailure):
        list(sales.aggregate([{"$setWindowFields": options}]))


def test_window_functions_left_unimplemented(sales):
    with pytest.raises(NotImplementedError):
        column(sales, "d", {"$derivative": {"input": "$v"}, "window": {"documents": [-1, 0]}},
               sortBy={"k": 1})


# ------------------------------------------------------------------ Decimal128 in expressions

D = Decimal128


def same(value, expected):
    """Equal value and BSON type (Decimal128 compares its digits and exponent too)."""
    return type(value) is type(expected) and (value == expected or value != value != expected)


@pytest.mark.parametrize("expression, expected", [
    ({"$add": [1, D("2.5")]}, D("3.5")),
    ({"$add": [D("2.5"), 1, 0.5]}, D("4.000000000000000")),
    ({"$add": [1.5, D("1"), 2]}, D("4.5")),
    ({"$subtract": [1, D("2.5")]}, D("-1.5")),
    ({"$subtract": [D("2.5"), 0.5]}, D("2.000000000000000")),
    ({"$multiply": [D("2.5"), 2]}, D("5.0")),
    ({"$multiply": [2, 3, D("0.5")]}, D("3.0")),
    ({"$divide": [D("5"), 2]}, D("2.5")),
    ({"$divide": [1, D("3")]}, D("0.3333333333333333333333333333333333")),
    ({"$mod": [D("7.5"), 2]}, D("1.5")),
    ({"$mod": [-7, D("3")]}, D("-1")),
    ({"$abs": D("-2.5")}, D("2.5")),
    ({"$ceil": D("2.1")}, D("3")),
    ({"$ceil": D("-2.5")}, D("-2")),
    ({"$floor": D("-2.1")}, D("-3")),
    ({"$floor": [D("2.9")]}, D("2")),
    ({"$round": [D("2.5"), 0]}, D("2")),
    ({"$trunc": [D("2.57"), 1]}, D("2.5")),
])
def test_arithmetic_with_a_decimal_gives_a_decimal(coll, expression, expected):
    # doc ($add, $multiply, ...): mixed input types are promoted to the larger one,
    # integer -> long -> double -> decimal, which is also the result type; the server
    # computes in Decimal128 (34 digits) and converts a double with 15 significant
    # digits (doc $toDecimal: 2.5 -> Decimal128("2.50000000000000")).
    assert same(ev(coll, expression), expected)


def test_a_double_meets_a_decimal_with_15_digits(coll):
    # doc ($toDecimal): "{$toDecimal: 2.5} -> Decimal128("2.50000000000000")"; the
    # server converts a double operand of a decimal operation the same way.
    assert same(ev(coll, {"$toDecimal": 2.5}), D("2.50000000000000"))
    assert same(ev(coll, {"$toDecimal": 0.1}), D("0.100000000000000"))
    assert same(ev(coll, {"$convert": {"input": 12345.678, "to": "decimal"}}),
                D("12345.6780000000"))
    assert same(ev(coll, {"$add": [D("1"), 0.1]}), D("1.100000000000000"))
    assert same(ev(coll, {"$multiply": [D("1"), 0.1]}), D("0.100000000000000"))


@pytest.mark.parametrize("expression, expected", [
    ({"$add": [2**31 - 1, 1]}, 2**31),              # int overflow -> long
    ({"$add": [2**62, 2**62]}, 2.0**63),            # long overflow -> double
    ({"$multiply": [2**62, 4]}, 2.0**64),
    ({"$subtract": [-(2**63), 1]}, -(2.0**63) - 1),
    ({"$add": [1, 2.5]}, 3.5),
    ({"$divide": [1, 4]}, 0.25),
    ({"$divide": [4, 2]}, 2.0),                     # a double, even for ints
    ({"$ceil": 2.5}, 3.0),                          # a double stays a double
    ({"$floor": -2.5}, -3.0),
    ({"$ceil": "$seven"}, 7),
    ({"$abs": -2**31}, 2**31),
    ({"$add": [1, None]}, None),
    ({"$multiply": ["$nope", 2]}, None),
    ({"$abs": "$null"}, None),
])
def test_arithmetic_result_types(coll, expression, expected):
    # doc ($add/$multiply/$sum Result Data Type): the larger input type, "If the larger
    # input type is integer, the result type is promoted to long. If the larger input
    # type is long, the result type is promoted to double"; $divide returns a double;
    # $ceil/$floor keep the input type; null or missing -> null.
    assert same(ev(coll, expression), expected)


@pytest.mark.parametrize("expression", [
    {"$add": [1, "a"]}, {"$add": [True, 1]}, {"$subtract": ["a", 1]},
    {"$subtract": [1, "$when"]}, {"$multiply": [2, "a"]}, {"$divide": [2, "a"]},
    {"$divide": [1, 0]}, {"$divide": [D("1"), D("0")]}, {"$mod": [D("1"), 0]},
    {"$mod": ["a", 1]}, {"$abs": "a"}, {"$ceil": "a"}, {"$abs": -2**63},
    {"$add": ["$when", "$when"]},
])
def test_arithmetic_errors(coll, expression):
    # doc: the arguments must resolve to numbers (one date for $add); "can't $divide by
    # zero"; $abs of the smallest long cannot be represented.
    with pytest.raises(OperationFailure):
        ev(coll, expression)


def test_dates_in_add_and_subtract(coll):
    # doc ($add): "If one of the arguments is a date, $add treats the other arguments as
    # milliseconds to add to the date"; ($subtract) date - date gives milliseconds and
    # date - number a date.
    when = datetime.datetime(2018, 3, 27, 16, 58, 51)
    assert ev(coll, {"$add": ["$when", 1000, D("500")]}) == when + datetime.timedelta(seconds=1.5)
    assert ev(coll, {"$subtract": ["$when", D("1000")]}) == when - datetime.timedelta(seconds=1)
    assert ev(coll, {"$subtract": ["$when", {"$subtract": ["$when", 60000]}]}) == 60000


@pytest.mark.parametrize("expression, expected", [
    ({"$lt": [D("2.5"), 3]}, True), ({"$gt": [D("2.5"), 2.4]}, True),
    ({"$eq": [D("3.0"), 3]}, True), ({"$eq": [D("0.1"), 0.1]}, False),
    ({"$cmp": [D("2.5"), 2]}, 1), ({"$cmp": [1, D("1.00")]}, 0), ({"$ne": [D("1"), True]}, True),
    ({"$lt": [D("NaN"), -1e308]}, True), ({"$lt": [D("1E+400"), "a"]}, True),
])
def test_decimal_comparisons_are_numeric(coll, expression, expected):
    # doc (Comparison/Sort Order): "MongoDB treats some types as equivalent for comparison
    # purposes. For instance, numeric types undergo conversion before comparison"; a
    # double compares by its exact binary value (0.1 is not 0.1 exactly).
    assert ev(coll, expression) == expected


@pytest.mark.parametrize("value, expected", [
    (D("1.5"), "decimal"), (2**40, "long"), (-(2**40), "long"), (5, "int"), (2.5, "double"),
    (Timestamp(1, 1), "timestamp"), (ObjectId(), "objectId"), (b"\x00", "binData"),
])
def test_type_of_values(coll, value, expected):
    # doc ($type): returns the BSON type alias of the argument.
    assert ev(coll, {"$type": {"$literal": value}}) == expected


def test_rand_is_a_double_in_0_1(db):
    # doc ($rand): "Returns a random float between 0 and 1 each time it is called";
    # {$rand: {}} takes no arguments.
    db.r.insert_many([{"_id": i} for i in range(50)])
    values = [doc["r"] for doc in db.r.aggregate([{"$project": {"r": {"$rand": {}}}}])]
    assert all(type(v) is float and 0 <= v < 1 for v in values)
    assert len(set(values)) > 1
    picked = ids(db.r.find({"$expr": {"$lt": [{"$rand": {}}, 0.5]}}))
    assert 0 < len(picked) < 50
    with pytest.raises(OperationFailure):
        list(db.r.aggregate([{"$project": {"r": {"$rand": {"seed": 1}}}}]))


# ------------------------------------------------------------------ numbers in find and $sort


@pytest.fixture
def numbers(db):
    db.n.insert_many([
        {"_id": 1, "d": D("2.5")}, {"_id": 2, "d": D("25")}, {"_id": 3, "d": 1},
        {"_id": 4, "d": 3.0}, {"_id": 5, "d": D("-1")}, {"_id": 6, "d": None},
        {"_id": 7, "d": "s"}, {"_id": 8, "d": float("nan")}, {"_id": 9, "d": True},
        {"_id": 10, "d": 25},
    ])
    return db.n


def test_find_compares_decimals_with_numbers(numbers):
    # doc (Comparison/Sort Order): numeric types compare by value; doc (type bracketing):
    # a query comparison only matches values of the same type class; booleans are not
    # numbers; NaN matches only NaN.
    assert ids(numbers.find({"d": {"$gt": 2}})) == [1, 2, 4, 10]
    assert ids(numbers.find({"d": {"$lte": D("2.5")}})) == [1, 3, 5]
    assert ids(numbers.find({"d": 25})) == [2, 10]
    assert ids(numbers.find({"d": D("25.00")})) == [2, 10]
    assert ids(numbers.find({"d": {"$in": [3, D("1")]}})) == [3, 4]
    assert ids(numbers.find({"d": 1})) == [3]
    assert ids(numbers.find({"d": True})) == [9]
    assert ids(numbers.find({"d": {"$gte": float("nan")}})) == [8]


def test_find_equality_of_embedded_documents_is_field_order_and_bson(db):
    # doc (Match an Embedded/Nested Document): "Equality matches on the whole embedded
    # document require an exact match of the specified <value> document, including the
    # field order"; the values compare as BSON values.
    db.e.insert_one({"_id": 1, "o": {"x": 1, "y": D("2")}})
    assert ids(db.e.find({"o": {"x": 1.0, "y": 2}})) == [1]
    assert ids(db.e.find({"o": {"y": 2, "x": 1}})) == []


def test_sort_orders_decimals_among_numbers(numbers):
    # doc (Comparison/Sort Order): null < numbers (ints, longs, doubles, decimals by
    # value; NaN lowest) < strings < ... < booleans.
    expected = [6, 8, 5, 3, 1, 4, 2, 10, 7, 9]
    assert [doc["_id"] for doc in numbers.find().sort([("d", 1), ("_id", 1)])] == expected
    out = numbers.aggregate([{"$sort": {"d": -1, "_id": 1}}])
    assert [doc["_id"] for doc in out] == [9, 7, 2, 10, 4, 1, 3, 5, 8, 6]


# ------------------------------------------------------------------ $group accumulators


@pytest.fixture
def mixed(db):
    db.m.insert_many([
        {"_id": 1, "g": "a", "v": 1}, {"_id": 2, "g": "a", "v": [5, 6]},
        {"_id": 3, "g": "a", "v": True}, {"_id": 4, "g": "a", "v": "x"},
        {"_id": 5, "g": "a", "v": None}, {"_id": 6, "g": "a"},
        {"_id": 7, "g": "int", "v": 2**31 - 1}, {"_id": 8, "g": "int", "v": 5},
        {"_id": 9, "g": "long", "v": 2**62}, {"_id": 10, "g": "long", "v": 2**62},
        {"_id": 11, "g": "double", "v": 1.5}, {"_id": 12, "g": "double", "v": 2},
        {"_id": 13, "g": "dec", "v": D("1.10")}, {"_id": 14, "g": "dec", "v": 2},
        {"_id": 15, "g": "dec", "v": "y"},
        {"_id": 16, "g": "date", "v": datetime.datetime(2021, 1, 1)},
        {"_id": 17, "g": "date", "v": datetime.datetime(2020, 1, 1)},
        {"_id": 18, "g": "none", "v": None},
    ])
    return db.m


def grouped(coll, **accumulators):
    stage = {"$group": {"_id": "$g", **accumulators}}
    return {doc.pop("_id"): doc for doc in coll.aggregate([stage])}


def test_group_sum_and_avg_ignore_non_numbers(mixed):
    # doc ($sum): "$sum ignores non-numeric values" (arrays and booleans too); a field
    # that is missing everywhere gives 0; ($avg) "ignores non-numeric values", no number
    # gives null.
    out = grouped(mixed, s={"$sum": "$v"}, a={"$avg": "$v"}, n={"$sum": 1})
    assert same(out["a"]["s"], 1) and same(out["a"]["a"], 1.0) and out["a"]["n"] == 6
    assert same(out["none"]["s"], 0) and out["none"]["a"] is None


def test_group_sum_result_types(mixed):
    # doc ($sum Result Data Type): integer -> long -> double -> decimal; an integer sum
    # that overflows becomes a long, a long sum that overflows a double.
    out = grouped(mixed, s={"$sum": "$v"}, a={"$avg": "$v"})
    assert same(out["int"]["s"], 2**31 + 4)
    assert same(out["long"]["s"], 2.0**63)
    assert same(out["double"]["s"], 3.5) and same(out["double"]["a"], 1.75)
    assert same(out["dec"]["s"], D("3.10")) and same(out["dec"]["a"], D("1.55"))


def test_group_min_max_use_bson_order(mixed):
    # doc ($min/$max): null and missing values are ignored; "compares both value and
    # type, using the specified BSON comparison order for values of different types".
    out = grouped(mixed, lo={"$min": "$v"}, hi={"$max": "$v"})
    assert same(out["a"]["lo"], 1) and out["a"]["hi"] is True
    assert same(out["dec"]["lo"], D("1.10")) and out["dec"]["hi"] == "y"
    assert out["date"] == {"lo": datetime.datetime(2020, 1, 1),
                           "hi": datetime.datetime(2021, 1, 1)}
    assert out["none"] == {"lo": None, "hi": None}


def test_accumulator_expressions_traverse_a_single_array(coll):
    # doc ($sum/$avg/$max as expressions): "With a single expression as its operand, if
    # the expression resolves to an array, $sum traverses into the array ... With a list
    # of expressions as its operand, if any of the expressions resolves to an array, $sum
    # does not traverse into the array but instead treats the array as a non-numeric value."
    array = {"$literal": [1, D("0.5"), "x", True]}
    assert same(ev(coll, {"$sum": array}), D("1.5"))
    assert same(ev(coll, {"$sum": [array, 2]}), 2)
    assert same(ev(coll, {"$avg": array}), D("0.75"))
    assert ev(coll, {"$max": array}) is True and ev(coll, {"$min": [array, 3]}) == 3
    assert same(ev(coll, {"$sum": "$nope"}), 0) and ev(coll, {"$avg": "$nope"}) is None


def test_group_id_uses_bson_equality(db):
    # doc ($group): documents are grouped by the _id value; numbers compare by value
    # (1, 1.0 and Decimal128("1.0") are one group), true is not 1.
    db.k.insert_many([{"k": 1, "v": 1}, {"k": True, "v": 2}, {"k": 1.0, "v": 4},
                      {"k": D("1.0"), "v": 8}, {"v": 16}, {"k": None, "v": 32}])
    out = {repr(doc["_id"]): doc["s"] for doc in db.k.aggregate(
        [{"$group": {"_id": "$k", "s": {"$sum": "$v"}}}])}
    assert out == {"1": 13, "True": 2, "None": 48}


# ------------------------------------------------------------------ dotted paths through null


def test_dotted_path_through_null_or_a_scalar_is_missing(db):
    # doc (Query for Null or Missing Fields): "{ item : null } matches documents that
    # either contain the item field whose value is null or that do not contain the item
    # field"; j.a does not exist when j is null, a number, or absent.
    db.j.insert_many([{"_id": 1, "j": None}, {"_id": 2}, {"_id": 3, "j": 5},
                      {"_id": 4, "j": {"a": None}}, {"_id": 5, "j": {"a": 1}},
                      {"_id": 6, "j": {"b": {"c": None}}}])
    assert ids(db.j.find({"j.a": None})) == [1, 2, 3, 4, 6]
    assert ids(db.j.find({"j.a": {"$exists": False}})) == [1, 2, 3, 6]
    assert ids(db.j.find({"j.a": {"$exists": True}})) == [4, 5]
    assert ids(db.j.find({"j.a": {"$ne": None}})) == [5]
    assert ids(db.j.find({"j.b.c.d": None})) == [1, 2, 3, 4, 5, 6]
    assert ids(db.j.find({"j.a": {"$in": [None, 1]}})) == [1, 2, 3, 4, 5, 6]


# ------------------------------------------------------------------ update operators


@pytest.fixture
def account(db):
    db.acc.insert_one({"_id": 1, "d": D("2.5"), "i": 2**31 - 1, "l": 2**63 - 1, "f": 1.5,
                       "s": "x", "n": None, "arr": [1, D("2")]})
    return db.acc


def updated(coll, update):
    coll.update_one({"_id": 1}, update)
    return coll.find_one({"_id": 1})


def test_inc_and_mul_with_decimals(account):
    # doc ($inc/$mul Mixed Type): 32-bit integer, 64-bit integer, Double, Decimal128 ->
    # the larger type; "If the product of two 32-bit integers exceeds the maximum value
    # for a 32-bit integer, the result is a 64-bit integer."
    doc = updated(account, {"$inc": {"d": 1, "i": 1, "f": D("1"), "arr.1": 1}})
    assert same(doc["d"], D("3.5")) and same(doc["i"], 2**31)
    assert same(doc["f"], D("2.50000000000000")) and same(doc["arr"][1], D("3"))
    doc = updated(account, {"$mul": {"d": 2, "i": D("0.5"), "arr.0": 2.5}})
    assert same(doc["d"], D("7.0")) and same(doc["i"], D("1073741824.0"))
    assert same(doc["arr"][0], 2.5)


def test_mul_on_a_missing_field_sets_zero_of_the_multipliers_type(account):
    # doc ($mul Missing Field): "creates the field and sets the value to zero of the same
    # numeric type as the multiplier"; ($inc) a missing field is set to the value.
    doc = updated(account, {"$mul": {"m1": D("2.5"), "m2": 3, "m3": 1.5},
                            "$inc": {"new.x": D("1.25")}})
    assert same(doc["m1"], D("0.0")) and same(doc["m2"], 0) and same(doc["m3"], 0.0)
    assert same(doc["new"]["x"], D("1.25"))


@pytest.mark.parametrize("update", [
    {"$inc": {"s": 1}}, {"$inc": {"n": 1}}, {"$inc": {"i": "1"}}, {"$mul": {"s": 2}},
    {"$mul": {"d": None}}, {"$inc": {"l": 1}}, {"$mul": {"l": 2}},
])
def test_inc_and_mul_errors(account, update):
    # doc: "The field to update must contain a numeric value" (null too), the operand
    # must be a number, and "Integer operations of any type that exceed the maximum value
    # for a 64-bit integer produce an error".
    before = account.find_one()
    with pytest.raises(WriteError):
        account.update_one({"_id": 1}, update)
    assert account.find_one() == before


def test_min_and_max_updates_use_bson_order(account):
    # doc ($min/$max update): updates the field when the value is less (greater), "using
    # the BSON comparison order"; a missing field is set to the value.
    doc = updated(account, {"$max": {"d": 3, "f": D("1.2"), "new": D("1")},
                            "$min": {"i": D("1E+3"), "s": 5}})
    assert same(doc["d"], 3) and same(doc["f"], 1.5) and same(doc["new"], D("1"))
    assert same(doc["i"], D("1E+3")) and same(doc["s"], 5)


@pytest.mark.parametrize("expression, code", [
    ({"$add": ["$word", 1]}, 14), ({"$multiply": [2, "$word"]}, 14),
    ({"$subtract": ["$word", 1]}, 14), ({"$divide": ["$word", 1]}, 14),
    ({"$divide": [1, 0]}, 2), ({"$mod": [1, 0]}, 16610), ({"$abs": "$word"}, 28765),
])
def test_arithmetic_errors_carry_the_server_codes(coll, expression, code):
    # Server (expression.cpp): type errors are TypeMismatch (14), "can't $divide by zero"
    # is BadValue (2); the driver maps these codes to PEP 249 classes.
    with pytest.raises(OperationFailure) as info:
        ev(coll, expression)
    assert info.value.code == code


# ------------------------------------------------------------------ trigonometry


def failure_code(coll, expression):
    with pytest.raises(OperationFailure) as info:
        ev(coll, expression)
    return info.value.code


TRIG = {"$sin": math.sin, "$cos": math.cos, "$tan": math.tan, "$asin": math.asin,
        "$acos": math.acos, "$atan": math.atan, "$sinh": math.sinh, "$cosh": math.cosh,
        "$tanh": math.tanh, "$asinh": math.asinh, "$acosh": math.acosh, "$atanh": math.atanh}


@pytest.mark.parametrize("op", sorted(TRIG))
def test_trigonometry_of_numbers_gives_a_double(coll, op):
    # doc ($sin, $acos, ...): "By default $sin returns values as a double"; an int is
    # converted to a double first.
    value = 2 if op == "$acosh" else 0.5
    assert same(ev(coll, {op: value}), TRIG[op](value))
    assert same(ev(coll, {op: [value]}), TRIG[op](value))
    whole = 2 if op == "$acosh" else 0
    assert same(ev(coll, {op: whole}), TRIG[op](float(whole)))
    assert same(ev(coll, {"$atan2": [1, 2]}), math.atan2(1, 2))
    assert same(ev(coll, {"$degreesToRadians": 180}), math.pi)
    assert same(ev(coll, {"$radiansToDegrees": math.pi}), 180.0)


@pytest.mark.parametrize("op", [*sorted(TRIG), "$degreesToRadians", "$radiansToDegrees"])
def test_trigonometry_of_null_missing_and_nan(coll, op):
    # doc: "If the argument resolves to a value of null or refers to a field that is
    # missing, $sin returns null. If the argument resolves to NaN, $sin returns NaN."
    assert ev(coll, {op: "$null"}) is None
    assert ev(coll, {op: "$nope"}) is None
    assert ev(coll, {op: None}) is None
    assert math.isnan(ev(coll, {op: math.nan}))
    assert ev(coll, {op: D("NaN")}).to_decimal().is_nan()


def test_atan2_null_missing_and_nan(coll):
    # doc ($atan2): null or missing in either argument -> null; NaN -> NaN.
    assert ev(coll, {"$atan2": ["$nope", 1]}) is None
    assert ev(coll, {"$atan2": [1, None]}) is None
    assert math.isnan(ev(coll, {"$atan2": [math.nan, 1]}))


@pytest.mark.parametrize("expression, message", [
    ({"$sin": -math.inf}, "cannot apply $sin to -inf, value must in (-inf,inf)"),
    ({"$cos": math.inf}, "cannot apply $cos to inf, value must in (-inf,inf)"),
    ({"$tan": D("Infinity")}, "cannot apply $tan to Infinity, value must in (-inf,inf)"),
    ({"$asin": 2}, "cannot apply $asin to 2, value must in [-1,1]"),
    ({"$acos": -1.5}, "cannot apply $acos to -1.5, value must in [-1,1]"),
    ({"$asin": D("1.5")}, "cannot apply $asin to 1.5, value must in [-1,1]"),
    ({"$atanh": 1.5}, "cannot apply $atanh to 1.5, value must in [-1,1]"),
    ({"$acosh": 0.5}, "cannot apply $acosh to 0.5, value must in [1,inf]"),
    ({"$acosh": D("-Infinity")}, "cannot apply $acosh to -Infinity, value must in [1,inf]"),
])
def test_trigonometry_domain_errors(coll, expression, message):
    # doc ($sin): "If the argument resolves to negative or positive infinity, $sin throws
    # an error ... cannot apply $sin to -inf, value must in (-inf,inf)"; ($asin) "If the
    # argument resolves to a value outside the bounds of [-1, 1] inclusive, $asin throws
    # an error". Server: error 50989.
    with pytest.raises(OperationFailure) as info:
        ev(coll, expression)
    assert info.value.code == 50989
    assert message in str(info.value)


def test_trigonometry_of_infinities_and_poles(coll):
    # doc ($atan, $sinh, $cosh, $tanh, $asinh, $acosh, $degreesToRadians): no bounds, so an
    # infinity gives the function's limit; ($atanh) the bounds [-1, 1] are inclusive and
    # the poles give +/-Infinity.
    assert ev(coll, {"$atan": math.inf}) == math.pi / 2
    assert ev(coll, {"$sinh": -1000}) == -math.inf
    assert ev(coll, {"$cosh": -1000}) == math.inf
    assert ev(coll, {"$tanh": math.inf}) == 1.0
    assert ev(coll, {"$asinh": -math.inf}) == -math.inf
    assert ev(coll, {"$acosh": math.inf}) == math.inf
    assert ev(coll, {"$atanh": 1}) == math.inf
    assert ev(coll, {"$atanh": -1}) == -math.inf
    assert ev(coll, {"$degreesToRadians": -math.inf}) == -math.inf
    assert same(ev(coll, {"$atanh": D("1")}), D("Infinity"))
    assert same(ev(coll, {"$atan": D("-Infinity")}), D("-1.570796326794896619231321691639751"))


@pytest.mark.parametrize("expression, code", [
    ({"$sin": "$word"}, 28765), ({"$radiansToDegrees": True}, 28765),
    ({"$atan2": ["$word", None]}, 51044), ({"$atan2": [1, "$word"]}, 51045),
])
def test_trigonometry_of_non_numbers_is_an_error(coll, expression, code):
    # doc: the argument must resolve to a number. Server: ExpressionSingleNumericArg (28765),
    # ExpressionTwoNumericArgs (51044/51045; a null first argument wins).
    assert failure_code(coll, expression) == code
    assert ev(coll, {"$atan2": [None, "$word"]}) is None


DEGREES_A = D("53.13010235415597870314438744090659")


@pytest.mark.parametrize("expression, expected", [
    # doc ($sin, $cos examples): the sides of a right triangle, hypotenuse 5
    ({"$multiply": [{"$sin": {"$degreesToRadians": DEGREES_A}}, D("5")]},
     D("4.000000000000000000000000000000000")),
    ({"$multiply": [{"$cos": {"$degreesToRadians": DEGREES_A}}, D("5")]},
     D("2.999999999999999999999999999999999")),
    # doc ($degreesToRadians, $radiansToDegrees examples)
    ({"$degreesToRadians": DEGREES_A}, D("0.9272952180016122324285124629224290")),
    ({"$degreesToRadians": D("36.86989764584402129685561255909341")},
     D("0.6435011087932843868028092287173227")),
    ({"$degreesToRadians": D("90")}, D("1.570796326794896619231321691639752")),
    ({"$radiansToDegrees": D("0.6435011087932843868028092287173227")},
     D("36.86989764584402129685561255909341")),
    # 34 correctly rounded digits: pi/6, pi/4, pi, 3pi/4, sinh(1), atanh(1/2), acosh(2)
    ({"$asin": D("0.5")}, D("0.5235987755982988730771072305465838")),
    ({"$atan": D("1")}, D("0.7853981633974483096156608458198757")),
    ({"$acos": D("-1")}, D("3.141592653589793238462643383279503")),
    ({"$atan2": [D("1"), -1]}, D("2.356194490192344928846982537459627")),
    ({"$sinh": D("1")}, D("1.175201193643801456882381850595601")),
    ({"$atanh": D("0.5")}, D("0.5493061443340548456976226184612629")),
    ({"$acosh": D("2")}, D("1.316957896924816708625046347307968")),
    ({"$tanh": D("1")}, D("0.7615941559557648881194582826047936")),
    ({"$asinh": D("1")}, D("0.8813735870195430252326093249797923")),
    ({"$cosh": D("1")}, D("1.543080634815243778477905620757062")),
    ({"$sin": D("0")}, D("0")),
])
def test_trigonometry_of_a_decimal_gives_a_decimal(coll, expression, expected):
    # doc: "$sin can also return values as a 128-bit decimal as long as the <expression>
    # resolves to a 128-bit decimal value"; ($atan2) a decimal if either argument is one.
    assert same(ev(coll, expression), expected)


# ------------------------------------------------------------------ date parts

PARTS_DATE = datetime.datetime(2017, 1, 1, 1, 29, 9, 123000)  # doc ($dateToParts example)


@pytest.fixture
def dated(db):
    db.sales.insert_one({"_id": 2, "date": PARTS_DATE, "tz": "America/Chicago", "null": None,
                         "ts": Timestamp(1483234149, 1),
                         "oid": ObjectId("58685b6500000000000000aa")})
    return db.sales


def test_date_to_parts_documented_examples(dated):
    # doc ($dateToParts): date 2017-01-01T01:29:09.123Z; in "America/Chicago" it is
    # 2016-12-31T19:29:09.123; with iso8601 the ISO week-numbering parts.
    assert ev(dated, {"$dateToParts": {"date": "$date"}}) == {
        "year": 2017, "month": 1, "day": 1, "hour": 1, "minute": 29, "second": 9,
        "millisecond": 123}
    chicago = {"year": 2016, "month": 12, "day": 31, "hour": 19, "minute": 29, "second": 9,
               "millisecond": 123}
    assert ev(dated, {"$dateToParts": {"date": "$date", "timezone": "America/Chicago"}}) == chicago
    assert ev(dated, {"$dateToParts": {"date": "$date", "timezone": "$tz"}}) == chicago
    iso = ev(dated, {"$dateToParts": {"date": "$date", "timezone": {"$literal": "America/Chicago"},
                                      "iso8601": True}})
    assert iso == {"isoWeekYear": 2016, "isoWeek": 52, "isoDayOfWeek": 6, "hour": 19,
                   "minute": 29, "second": 9, "millisecond": 123}
    assert list(iso) == ["isoWeekYear", "isoWeek", "isoDayOfWeek", "hour", "minute", "second",
                         "millisecond"]


def test_date_to_parts_utc_offsets_timestamps_and_object_ids(dated):
    # doc: timezone is an Olson identifier or a UTC offset "+/-[hh]:[mm]", "+/-[hh][mm]" or
    # "+/-[hh]"; date is a Date, a Timestamp or an ObjectId.
    parts = ev(dated, {"$dateToParts": {"date": "$date", "timezone": "+05:30"}})
    assert (parts["day"], parts["hour"], parts["minute"]) == (1, 6, 59)
    parts = ev(dated, {"$dateToParts": {"date": "$date", "timezone": "-04"}})
    assert (parts["day"], parts["hour"]) == (31, 21)
    for field in ("$ts", "$oid"):
        parts = ev(dated, {"$dateToParts": {"date": field}})
        assert (parts["year"], parts["hour"], parts["second"]) == (2017, 1, 9)
        assert parts["millisecond"] == 0


@pytest.mark.parametrize("spec", [
    {"date": "$nope"}, {"date": "$null"}, {"date": "$date", "timezone": "$nope"},
    {"date": "$date", "timezone": None}, {"date": "$date", "iso8601": "$nope"},
])
def test_date_to_parts_null_or_missing_is_null(dated, spec):
    # doc ($dateToParts): null if date, timezone or iso8601 is null or missing (server:
    # ExpressionDateToParts::evaluate).
    assert ev(dated, {"$dateToParts": spec}) is None


@pytest.mark.parametrize("argument, code", [
    ({"date": "$date", "timezone": 5}, 40517),
    ({"date": "$date", "timezone": "Mars/Olympus"}, 40485),
    ({"date": "$date", "iso8601": 1}, 40521),
    ({"date": "$date", "format": "x"}, 40520),
    ({"timezone": "UTC"}, 40522),
    ("$date", 40524),
    ({"date": "$tz"}, 16006),
])
def test_date_to_parts_errors(dated, argument, code):
    assert failure_code(dated, {"$dateToParts": argument}) == code


@pytest.mark.parametrize("spec, expected", [
    # doc ($dateFromParts examples)
    ({"year": 2017, "month": 2, "day": 8, "hour": 12}, datetime.datetime(2017, 2, 8, 12)),
    ({"isoWeekYear": 2017, "isoWeek": 6, "isoDayOfWeek": 3, "hour": 12},
     datetime.datetime(2017, 2, 8, 12)),
    ({"year": 2016, "month": 12, "day": 31, "hour": 23, "minute": 46, "second": 12,
      "timezone": "America/New_York"}, datetime.datetime(2017, 1, 1, 4, 46, 12)),
    ({"year": 2017, "month": 2, "day": 8, "hour": 12, "timezone": {"$literal": "America/New_York"}},
     datetime.datetime(2017, 2, 8, 17)),
    ({"year": 2017, "month": 2, "day": 8, "hour": 12, "timezone": "-05:00"},
     datetime.datetime(2017, 2, 8, 17)),
    ({"year": 2017, "timezone": "$tz"}, datetime.datetime(2017, 1, 1, 6)),
    # doc: "If the number specified is outside this range, $dateFromParts incorporates the
    # difference in the date calculation"
    ({"year": 2017, "month": 14, "day": 1}, datetime.datetime(2018, 2, 1)),
    ({"year": 2017, "month": 0, "day": 0}, datetime.datetime(2016, 11, 30)),
    ({"year": 2017, "hour": -1, "minute": 30}, datetime.datetime(2016, 12, 31, 23, 30)),
    ({"year": 2017, "millisecond": 5}, datetime.datetime(2017, 1, 1, 0, 0, 0, 5000)),
    ({"year": 2017.0, "month": D("3")}, datetime.datetime(2017, 3, 1)),
])
def test_date_from_parts(dated, spec, expected):
    # doc ($dateFromParts): the parts are read in the timezone (default UTC).
    assert ev(dated, {"$dateFromParts": spec}) == expected


def test_date_from_parts_round_trips_date_to_parts(dated):
    for timezone in ("America/Chicago", "+05:30", "UTC"):
        parts = {"$dateToParts": {"date": "$date", "timezone": timezone}}
        rebuilt = {"$dateFromParts": {**{key: {"$getField": {"field": key, "input": parts}}
                                         for key in ("year", "month", "day", "hour", "minute",
                                                     "second", "millisecond")},
                                      "timezone": timezone}}
        assert ev(dated, rebuilt) == PARTS_DATE


@pytest.mark.parametrize("spec", [
    {"year": "$nope"}, {"year": 2017, "month": None}, {"year": 2017, "hour": "$null"},
    {"year": 2017, "timezone": "$nope"}, {"isoWeekYear": 2017, "isoWeek": "$nope"},
])
def test_date_from_parts_null_or_missing_part_is_null(dated, spec):
    assert ev(dated, {"$dateFromParts": spec}) is None


@pytest.mark.parametrize("spec, code", [
    ({"year": 2017, "month": 2.5}, 40515), ({"year": "2017"}, 40515),
    ({"year": 2017, "month": 40000}, 31034), ({"year": 2017, "minute": -40000}, 31034),
    ({"year": 0}, 40523), ({"isoWeekYear": 10000}, 31095),
    ({"year": 2017, "isoWeek": 1}, 40489), ({"isoWeekYear": 2017, "day": 1}, 40525),
    ({"month": 1}, 40516), ({"year": 2017, "bogus": 1}, 40518),
    ({"year": 2017, "timezone": 1}, 40517), ({"year": 2017, "timezone": "Nowhere"}, 40485),
])
def test_date_from_parts_errors(dated, spec, code):
    assert failure_code(dated, {"$dateFromParts": spec}) == code


@pytest.mark.parametrize("op, expected", [
    ("$year", 2017), ("$month", 1), ("$dayOfMonth", 1), ("$hour", 1), ("$minute", 29),
    ("$second", 9), ("$millisecond", 123), ("$dayOfYear", 1), ("$dayOfWeek", 1), ("$week", 1),
    ("$isoWeek", 52), ("$isoWeekYear", 2016), ("$isoDayOfWeek", 7),
])
def test_date_part_operators_in_every_form(dated, op, expected):
    # doc ($hour, ...): {op: <date>}, {op: [<date>]} or {op: {date, timezone}}; 2017-01-01
    # is a Sunday: $dayOfWeek 1 (Sunday) to 7, $week counts from the first Sunday, ISO
    # weeks start on Monday (so it is day 7 of week 52 of ISO year 2016).
    assert ev(dated, {op: "$date"}) == expected
    assert ev(dated, {op: ["$date"]}) == expected
    assert ev(dated, {op: {"date": "$date"}}) == expected
    assert ev(dated, {op: {"date": "$date", "timezone": "UTC"}}) == expected
    assert ev(dated, {op: "$nope"}) is None
    assert ev(dated, {op: {"date": "$null", "timezone": "UTC"}}) is None
    assert ev(dated, {op: {"date": "$date", "timezone": "$nope"}}) is None


@pytest.mark.parametrize("expression, expected", [
    # doc ($hour/$minute behaviour tables)
    ({"$hour": {"date": {"$literal": datetime.datetime(2016, 1, 1)},
                "timezone": "America/New_York"}}, 19),
    ({"$minute": {"date": {"$literal": datetime.datetime(2016, 1, 1)}, "timezone": "+0430"}}, 30),
    # doc ($isoWeek, $isoWeekYear examples): 2016-01-01 is in week 53 of ISO year 2015
    ({"$isoWeek": {"$literal": datetime.datetime(2016, 1, 1)}}, 53),
    ({"$isoWeekYear": {"$literal": datetime.datetime(2016, 1, 1)}}, 2015),
    ({"$isoDayOfWeek": {"$literal": datetime.datetime(1998, 11, 7)}}, 6),
    ({"$week": {"$literal": datetime.datetime(2014, 1, 1, 8, 15, 39)}}, 0),
    ({"$dayOfWeek": {"$literal": datetime.datetime(2014, 1, 1, 8, 15, 39)}}, 4),
    ({"$dayOfYear": {"date": "$date", "timezone": "$tz"}}, 366),
    ({"$isoWeekYear": {"date": "$date", "timezone": {"$literal": "America/Chicago"}}}, 2016),
    ({"$hour": {"$add": ["$date", 3_600_000]}}, 2),
    ({"$second": "$ts"}, 9),
])
def test_date_parts_with_timezones(dated, expression, expected):
    assert ev(dated, expression) == expected


@pytest.mark.parametrize("expression, code", [
    ({"$hour": ["$date", "$date"]}, 40536),
    ({"$hour": {"date": "$date", "tz": "UTC"}}, 40535),
    ({"$hour": {"timezone": "UTC"}}, 40539),
    ({"$hour": {"date": "$date", "timezone": 3}}, 40533),
    ({"$week": {"date": "$date", "timezone": "Mars/Olympus"}}, 40485),
    ({"$isoWeek": "$tz"}, 16006),
])
def test_date_part_errors(dated, expression, code):
    # Server: DateExpressionAcceptingTimeZone::parse/evaluate, Value::coerceToDate.
    assert failure_code(dated, expression) == code


# ------------------------------------------------------------------ $convert and $toX


@pytest.mark.parametrize("spec, expected", [
    ({"input": "$nope", "to": "int"}, None),
    ({"input": "$nope", "to": "int", "onNull": 7}, 7),
    ({"input": "$null", "to": "string", "onNull": "none"}, "none"),
    ({"input": "$nope", "to": "decimal", "onNull": None}, None),
    ({"input": "$nope", "to": "date", "onNull": {"$concat": ["$word", "!"]}}, "cafétéria!"),
    ({"input": "$seven", "to": "$nope"}, None),
    ({"input": "$word", "to": "int", "onError": -1}, -1),
    ({"input": "12", "to": "int", "onError": -1}, 12),
    ({"input": "12", "to": 16}, 12),
    ({"input": "$seven", "to": "double"}, 7.0),
])
def test_convert_null_missing_and_errors(coll, spec, expected):
    # doc ($convert): "onNull: the value to return if the input is null or missing ... If
    # unspecified, $convert returns null"; "If 'to' is null or missing, returns null";
    # onError: "the value to return on encountering an error during conversion".
    assert ev(coll, {"$convert": spec}) == expected


def test_convert_on_null_may_be_missing(coll):
    assert ev(coll, {"$convert": {"input": "$nope", "to": "int", "onNull": "$alsoNope"}}) == MISSING


@pytest.mark.parametrize("spec, code", [
    ({"input": "$word", "to": "int"}, 241),        # ConversionFailure, what onError catches
    ({"input": "$nope", "to": "bogus"}, 2),         # "to" is checked before the input
    ({"input": 1, "to": 2.5}, 9), ({"input": 1, "to": 99}, 9), ({"input": 1, "to": True}, 9),
])
def test_convert_error_codes(coll, spec, code):
    assert failure_code(coll, {"$convert": spec}) == code


@pytest.mark.parametrize("op", ["$toInt", "$toLong", "$toDouble", "$toDecimal", "$toDate",
                                "$toObjectId", "$toString", "$toBool"])
def test_to_type_of_null_or_missing_is_null(coll, op):
    # doc ($toInt, ...): "If the value is null or missing, $toInt returns null".
    assert ev(coll, {op: "$nope"}) is None
    assert ev(coll, {op: "$null"}) is None
    assert ev(coll, {op: [None]}) is None


def test_to_type_converts_and_fails_like_convert(coll):
    # doc ($toInt): {$toInt: <expr>} is {$convert: {input: <expr>, to: "int"}}.
    assert same(ev(coll, {"$toInt": "12"}), 12)
    assert same(ev(coll, {"$toInt": ["$half"]}), 2)
    assert same(ev(coll, {"$toDouble": "$seven"}), 7.0)
    assert same(ev(coll, {"$toDecimal": "$half"}), D("2.50000000000000"))
    assert failure_code(coll, {"$toInt": "$word"}) == 241
    assert failure_code(coll, {"$toDouble": "$word"}) == 241


# ------------------------------------------------------------------ $getField


@pytest.mark.parametrize("expression, expected", [
    ({"$getField": {"field": "hour", "input": {"$dateToParts": {"date": "$when"}}}}, 16),
    ({"$getField": {"field": {"$literal": "minute"},
                    "input": {"$dateToParts": {"date": "$when", "timezone": "+05:30"}}}}, 28),
    ({"$getField": {"field": {"$literal": "$x"}, "input": {"$literal": {"$x": 1}}}}, 1),
    ({"$getField": {"field": "a.b", "input": {"$literal": {"a.b": 1, "a": {"b": 2}}}}}, 1),
    ({"$getField": {"field": "x", "input": "$nope"}}, None),
    ({"$getField": {"field": "x", "input": "$null"}}, None),
    ({"$getField": {"field": "seven"}}, 7),
    ({"$getField": {"field": {"$concat": ["se", "ven"]}, "input": "$$CURRENT"}}, 7),
    ({"$getField": "seven"}, 7),
    ({"$getField": {"$literal": "seven"}}, 7),
])
def test_get_field(coll, expression, expected):
    # doc ($getField): input is any expression resolving to a document (default
    # $$CURRENT); "If input evaluates to missing, undefined, or null, $getField returns
    # null"; a field not present -> missing; a field name starting with $ goes in $literal;
    # no traversal of "a.b".
    assert ev(coll, expression) == expected


def test_get_field_missing_field_is_missing(coll):
    assert ev(coll, {"$getField": {"field": "x", "input": {"$literal": {"a": 1}}}}) == MISSING
    assert ev(coll, {"$getField": "nope"}) == MISSING


@pytest.mark.parametrize("argument, code", [
    ({"field": "x", "input": 5}, 3041705), ({"field": "x", "input": "$word"}, 3041705),
    ({"field": "$word"}, 5654602), ({"field": "$x", "input": {"$literal": {"$x": 1}}}, 5654602),
    ({"field": 5}, 5654601),
    ({"field": "x", "other": 1}, 3041701), ({"input": "$$ROOT"}, 3041702),
])
def test_get_field_errors(coll, argument, code):
    # doc ($getField): field must resolve to a string constant; "If input evaluates to
    # anything other than an object, missing, undefined, or null, $getField returns an error".
    assert failure_code(coll, {"$getField": argument}) == code


# ------------------------------------------------------------------ $concat with $let and $literal


def test_concat_of_let_and_a_literal_dollar_string(coll):
    # doc ($literal): a string starting with "$" inside $literal is not a field path;
    # ($let) "in" sees the variables; ($concat) concatenates the strings.
    pattern = {"$concat": ["^", {"$let": {"vars": {"v": "$word"}, "in": {"$toUpper": "$$v"}}},
                           {"$literal": "$(?!\\n)"}]}
    assert ev(coll, pattern) == "^CAFéTéRIA$(?!\\n)"
    assert ev(coll, {"$concat": ["^", {"$let": {"vars": {"v": "$nope"}, "in": "$$v"}},
                                 {"$literal": "$"}]}) is None


def test_new_operator_names_are_registered_once(monkeypatch):
    from mongomock_ng import aggregate

    monkeypatch.setattr(embedded, "_installed", False)
    embedded.install()
    assert aggregate.date_operators.count("$dateToParts") == 1
    trigonometry = {"$sin", "$atan2", "$degreesToRadians", "$radiansToDegrees"}
    assert trigonometry <= aggregate.arithmetic_operators


# ------------------------------------------------------------------ $$REMOVE in $set / $addFields


@pytest.fixture
def two():
    collection = mongomock_ng.MongoClient().db.two
    collection.insert_many([{"_id": 1, "a": 1, "s": {"x": 1, "y": 2}},
                            {"_id": 2, "a": 2, "s": {"x": 3, "y": 4}}])
    return collection


def test_remove_in_pipeline_update_removes_an_existing_field(two):
    # doc ($$REMOVE): "use $$REMOVE to exclude a field"; a pipeline update's $set is $addFields.
    two.update_many({}, [{"$set": {"a": {"$ifNull": [
        {"$cond": [{"$eq": ["$_id", 1]}, 5, None]}, "$$REMOVE"]}}}])
    assert list(two.find({}, {"s": 0})) == [{"_id": 1, "a": 5}, {"_id": 2}]


@pytest.mark.parametrize("stage", ["$set", "$addFields"])
def test_remove_in_set_and_add_fields_stages(two, stage):
    out = list(two.aggregate([{stage: {"a": "$$REMOVE", "s.y": "$$REMOVE", "new": "$$REMOVE",
                                       "b": {"$cond": [{"$eq": ["$_id", 1]}, "$$REMOVE", 7]}}}]))
    assert out == [{"_id": 1, "s": {"x": 1}}, {"_id": 2, "s": {"x": 3}, "b": 7}]
    assert two.find_one({"_id": 1}) == {"_id": 1, "a": 1, "s": {"x": 1, "y": 2}}


def test_remove_by_a_missing_path_and_expressions_see_the_input(two):
    # Every expression reads the input document, not the fields set by the same stage.
    out = list(two.aggregate([{"$set": {"a": "$nope", "c": "$a"}}, {"$project": {"s": 0}}]))
    assert out == [{"_id": 1, "c": 1}, {"_id": 2, "c": 2}]


def test_remove_under_a_missing_parent_leaves_an_empty_document(two):
    # Server: a dotted computed path makes its parents documents, even for a missing value.
    (doc,) = two.aggregate([{"$match": {"_id": 1}}, {"$set": {"p.q": "$$REMOVE", "s.x.z": 1}}])
    assert doc == {"_id": 1, "a": 1, "s": {"x": {"z": 1}, "y": 2}, "p": {}}


def test_remove_in_add_fields_still_needs_a_field(two):
    with pytest.raises(OperationFailure):
        list(two.aggregate([{"$addFields": {}}]))


def test_remove_in_project_omits_the_computed_field(two):
    out = list(two.aggregate([{"$project": {"a": 1, "x": "$$REMOVE", "y": {
        "$cond": [{"$eq": ["$_id", 1]}, "$$REMOVE", "$a"]}}}]))
    assert out == [{"_id": 1, "a": 1}, {"_id": 2, "a": 2, "y": 2}]


def test_remove_in_replace_with_merge_objects(two):
    # doc ($mergeObjects): a field that evaluates to missing is not in its document.
    out = list(two.aggregate([{"$replaceWith": {"$mergeObjects": [
        "$s", {"x": "$$REMOVE", "a": "$a"}]}}]))
    assert out == [{"x": 1, "y": 2, "a": 1}, {"x": 3, "y": 4, "a": 2}]


def test_set_expressions_read_the_input_embedded_document(two):
    # doc ($addFields): every expression reads the stage's input document, so c gets the
    # old s.x (the engine changed the input's embedded document before evaluating c).
    (doc,) = two.aggregate([{"$match": {"_id": 1}}, {"$set": {"s.x": 5, "c": "$s.x"}}])
    assert doc == {"_id": 1, "a": 1, "s": {"x": 5, "y": 2}, "c": 1}


def test_dotted_set_and_unset_leave_the_other_facets_alone(two):
    # doc ($facet): each sub-pipeline gets the same input documents; a dotted $set or $unset
    # in one of them must not change what the others see.
    (doc,) = two.aggregate([{"$facet": {"set": [{"$set": {"s.z": 9}}],
                                        "unset": [{"$unset": ["s.x", "a", "nope.x", "a.b"]}],
                                        "as_is": []}}])
    assert doc["as_is"] == [{"_id": 1, "a": 1, "s": {"x": 1, "y": 2}},
                            {"_id": 2, "a": 2, "s": {"x": 3, "y": 4}}]
    assert doc["set"][0] == {"_id": 1, "a": 1, "s": {"x": 1, "y": 2, "z": 9}}
    assert doc["unset"] == [{"_id": 1, "s": {"y": 2}}, {"_id": 2, "s": {"y": 4}}]


def test_unset_still_checks_its_argument(two):
    with pytest.raises(OperationFailure, match="string or list of strings"):
        list(two.aggregate([{"$unset": 1}]))


def test_remove_add_fields_handler_installed_once(monkeypatch):
    from mongomock_ng import aggregate

    monkeypatch.setattr(embedded, "_installed", False)
    embedded.install()
    assert aggregate._PIPELINE_HANDLERS["$set"] is stages.add_fields
    assert aggregate._PIPELINE_HANDLERS["$addFields"] is stages.add_fields


def test_lookup_variables_reach_expr_inside_and_or_nor():
    # doc ($lookup): let variables are visible to $expr in the pipeline's $match, at any depth.
    db = mongomock_ng.MongoClient().db
    db.a.insert_many([{"_id": i, "x": i} for i in range(1, 5)])
    db.b.insert_many([{"_id": i, "k": i} for i in range(1, 5)])
    condition = {"$expr": {"$lt": ["$$o0", 3]}}
    for match in ({"$and": [{"k": {"$gt": 0}}, condition]}, {"$or": [{"k": {"$lt": 0}}, condition]},
                  {"$nor": [{"$and": [{"k": {"$gt": 0}}, {"$nor": [condition]}]}]}):
        pipeline = [{"$lookup": {"from": "b", "let": {"o0": "$x"}, "pipeline": [{"$match": match}], "as": "j"}},
                    {"$project": {"n": {"$size": "$j"}}}]
        assert [d["n"] for d in db.a.aggregate(pipeline)] == [4, 4, 0, 0], match


def test_projection_through_an_array_of_mixed_elements():
    # doc: an inclusion keeps (projected) documents and arrays of the array and drops other
    # elements; an exclusion keeps them.
    things = mongomock_ng.MongoClient().db.mixed
    things.insert_one({"_id": 1, "a": [1, {"b": 2}, {"c": 3}, [{"b": 4}, 5]], "z": 0})
    assert list(things.find({}, {"a.b": 1, "_id": 0})) == [{"a": [{"b": 2}, {}, [{"b": 4}]]}]
    assert list(things.find({}, {"a.b": 0, "_id": 0})) == [{"a": [1, {}, {"c": 3}, [{}, 5]], "z": 0}]


def test_decimal128_ids_are_keys_by_value():
    # doc: an _id may be a Decimal128; the unique _id index compares numbers by value.
    from pymongo.errors import DuplicateKeyError

    things = mongomock_ng.MongoClient().db.decimal_ids
    things.insert_many([{"_id": Decimal128("1.5"), "a": 1}, {"_id": Decimal128("2"), "a": 2}])
    assert things.find_one({"_id": 2}) == {"_id": Decimal128("2"), "a": 2}
    with pytest.raises(DuplicateKeyError):
        things.insert_one({"_id": 2.0})
    things.update_one({"_id": Decimal128("1.5")}, {"$set": {"a": 9}})
    things.delete_one({"_id": Decimal128("2")})
    assert list(things.find()) == [{"_id": Decimal128("1.5"), "a": 9}]
