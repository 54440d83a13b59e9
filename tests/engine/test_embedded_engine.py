"""The embedded engine, after install(), answers like a MongoDB 7.0+ server.

Each test runs a real pipeline or find through ``mongomock_ng.MongoClient()``
and asserts the result documented on the operator's page of the MongoDB
manual (quoted briefly in a comment).
"""

from __future__ import annotations

import datetime
import math

import mongomock_ng
import pytest
from bson.decimal128 import Decimal128
from pymongo.errors import OperationFailure

from mongodbapi.engine import embedded

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
