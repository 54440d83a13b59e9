"""$sqrt $exp $ln $log10 $log $pow on the engine, as MongoDB's manual describes them.

Decimal128 arguments give Decimal128 results (the engine raised "must evaluate to a number"),
domain errors carry the server's codes (the engine raised Python's ValueError), and integer
powers stay integers while they fit a long.
"""

from __future__ import annotations

import math

import mongomock_ng
import pytest
from bson.decimal128 import Decimal128
from pymongo.errors import OperationFailure

from mongodbapi.engine import embedded


@pytest.fixture(scope="module")
def coll():
    embedded.install()
    collection = mongomock_ng.MongoClient().db.numbers
    collection.insert_one({"_id": 1, "dec": Decimal128("2"), "int": 2, "dbl": 2.0, "null": None, "neg": -1})
    return collection


def ev(coll, expression):
    (doc,) = coll.aggregate([{"$project": {"_id": 0, "r": expression}}])
    return doc.get("r", "<missing>")


@pytest.mark.parametrize("expression, expected", [
    ({"$sqrt": "$dec"}, Decimal128("1.414213562373095048801688724209698")),
    ({"$exp": "$dec"}, Decimal128("7.389056098930650227230427460575008")),
    ({"$ln": "$dec"}, Decimal128("0.6931471805599453094172321214581766")),
    ({"$log10": "$dec"}, Decimal128("0.3010299956639811952137388947244930")),
    ({"$pow": ["$dec", 3]}, Decimal128("8")),
    ({"$sqrt": "$int"}, math.sqrt(2)),
    ({"$log": [8, 2]}, 3.0),
    ({"$pow": [2, 10]}, 1024),
    ({"$pow": [2, 62]}, 2 ** 62),
    ({"$pow": [2, 64]}, 2.0 ** 64),  # no longer fits a long: a double
    ({"$pow": [2, -1]}, 0.5),
    ({"$pow": [-1, -3]}, -1),
    ({"$pow": [2.0, 0.5]}, math.sqrt(2)),
    ({"$exp": 1000}, math.inf),
    ({"$sqrt": "$null"}, None),
    ({"$ln": "$nope"}, None),
    ({"$pow": ["$null", 2]}, None),
])
def test_values(coll, expression, expected):
    got = ev(coll, expression)
    assert got == expected and type(got) is type(expected)


def test_nan_stays_nan(coll):
    assert math.isnan(ev(coll, {"$ln": math.nan}))
    assert ev(coll, {"$sqrt": Decimal128("NaN")}).to_decimal().is_nan()
    assert math.isnan(ev(coll, {"$pow": [-8.0, 0.5]}))


@pytest.mark.parametrize("expression, code", [
    ({"$sqrt": "$neg"}, 28714),
    ({"$ln": 0}, 28766),
    ({"$log10": Decimal128("-1")}, 28761),
    ({"$log": [0, 10]}, 28758),
    ({"$log": [8, 1]}, 28759),
    ({"$pow": [0, -1]}, 28764),
    ({"$sqrt": "text"}, 28765),
])
def test_domain_errors_carry_the_server_codes(coll, expression, code):
    with pytest.raises(OperationFailure) as caught:
        ev(coll, expression)
    assert caught.value.code == code
