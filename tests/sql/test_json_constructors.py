"""JSON_ARRAY and JSON_OBJECT with NULL values (Django gap G38), compared with SQLite's JSON1.

SQL NULL becomes JSON null: an array keeps the element, an object keeps the key (PostgreSQL's
json_build_array/json_build_object and SQLite's json_array/json_object agree). JSON_OBJECT() is {}
and JSON_ARRAY() is []. Rows with a missing field and with a stored null both read as NULL.
"""

from __future__ import annotations

import json

import pytest

import mongodbapi

from .twins import twin_tables

ROWS = [(1, 1, "x", 1.5), (2, None, "y", None), (3, 3, None, 2.0)]


@pytest.fixture(scope="module")
def both():
    with twin_tables("json_constructors", "t", "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, r REAL)",
                     ROWS) as (cur, lite):
        lite.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [(4, None, None, None), (5, None, None, None)])
        collection = cur.connection.database[cur.connection.catalog.get("t").name]
        collection.insert_one({"_id": 4})  # every field missing
        collection.insert_one({"_id": 5, "a": None, "b": None, "r": None})  # every field a stored null
        yield cur, lite


@pytest.mark.parametrize("expression", [
    "JSON_ARRAY(a, b, r)", "JSON_OBJECT('a', a, 'b', b, 'r', r)", "JSON_OBJECT()", "JSON_ARRAY()",
    "JSON_ARRAY(a, NULL, 1, 'z')", "JSON_OBJECT('n', NULL, 'one', 1, 'zero', 0)",
    "JSON_OBJECT('k', JSON_ARRAY(a, b), 'o', JSON_OBJECT('r', r))", "JSON_ARRAY(a + 1, b || '!')",
])
def test_as_sqlite(both, expression: str) -> None:
    cur, lite = both
    query = f"SELECT id, {expression} FROM t ORDER BY id"
    cur.execute(query)
    got = cur.fetchall()
    want = [(id_, json.loads(text)) for id_, text in lite.execute(query).fetchall()]
    assert got == want


def test_the_django_statement(both) -> None:
    cur, _ = both
    cur.execute('SELECT JSON_ARRAY("t"."a", "t"."b"), JSON_OBJECT(\'a\', "t"."a", \'b\', "t"."b"), JSON_OBJECT() '
                'FROM "t" WHERE "t"."id" = 3')
    assert cur.fetchall() == [([3, None], {"a": 3, "b": None}, {})]


def test_in_a_filter(both) -> None:
    cur, _ = both
    cur.execute("SELECT id FROM t WHERE JSON_OBJECT('a', a) = JSON_OBJECT('a', 1) ORDER BY id")
    assert cur.fetchall() == [(1,)]


@pytest.mark.parametrize("key", ["'a.b'", "'$a'", "b"])
def test_keys_must_be_plain_literals(both, key: str) -> None:
    cur, _ = both
    with pytest.raises(mongodbapi.NotSupportedError, match="json_object"):
        cur.execute(f"SELECT JSON_OBJECT({key}, a) FROM t")
