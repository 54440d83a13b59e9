"""Filters on string subscripts over JSON values of mixed shapes (Django's JSON key lookups):
``v['a']['b']`` is PostgreSQL's ``v -> 'a' -> 'b'``, NULL wherever an enclosing value is not a
document. In WHERE it stays in the query language as the dotted path ``v.a.b`` (an index on it
serves), with every enclosing path required not to be an array, since a dotted path reads
through arrays of documents."""

from __future__ import annotations

import json

import pytest

from .json_table import create, ids

DOCS = [
    (1, {"a": "b", "k": {"l": "m"}, "foo": "bar", "bax": {"foo": "bar"}}),
    (2, [{"a": "b", "k": {"l": "m"}, "foo": "bar"}]),  # the same keys, inside an array
    (3, {"k": [{"l": "m"}], "a": None}),
    (4, []),
    (5, None),
    (6, {"a": "c", "foo": "baz", "bax": {"foo": "qux"}, "dot.ted": 1}),
]


@pytest.fixture
def j(cur):
    return create(cur, DOCS)


def explain(cur, where, params=None):
    cur.execute(f"EXPLAIN SELECT id FROM j WHERE {where}", params)
    (command, body), = cur.fetchall()
    return command, json.loads(body)


def test_comparisons_do_not_read_through_arrays(j):
    assert ids(j, "v['a'] = 'b'") == [1]
    assert ids(j, "v['a'] = %s", ["b"]) == [1]
    assert ids(j, "v['k']['l'] = 'm'") == [1]  # 3's k is an array of documents
    assert ids(j, "v['a'] IN ('b', 'c')") == [1, 6]
    assert ids(j, "v['a'] LIKE 'b%%'", []) == [1]


def test_negations_are_null_through_arrays(j):
    # Django's exclude(value__a="b"): rows where v['a'] is NULL are neither in nor out.
    assert ids(j, "NOT (v['a'] = 'b' AND v IS NOT NULL)") == [5, 6]
    assert ids(j, "v['a'] <> 'b'") == [6]
    assert ids(j, "v['a'] NOT IN ('c')") == [1]


def test_is_null_holds_through_arrays(j):
    assert ids(j, "v['k']['l'] IS NULL") == [2, 3, 4, 5, 6]
    assert ids(j, "v['k']['l'] IS NOT NULL") == [1]
    assert ids(j, "v['a'] IS NULL") == [2, 3, 4, 5]


def test_the_filter_is_the_guarded_dotted_path(j):
    command, body = explain(j, "v['k']['l'] = %s", ["m"])
    assert command == "find"
    # the dotted path for an index, and the whole value compared exactly
    assert body["filter"] == {"$and": [{"v": {"$not": {"$type": "array"}}}, {"v.k": {"$not": {"$type": "array"}}},
                                       {"$and": [{"v.k.l": {"$eq": "%s"}},
                                                 {"$expr": {"$eq": ["$v.k.l", {"$literal": "%s"}]}}]}]}
    command, body = explain(j, "v['a'] IS NULL")
    assert body["filter"] == {"$or": [{"v": {"$type": "array"}},
                                      {"$and": [{"v.a": None}, {"v.a": {"$not": {"$type": "array"}}}]}]}


def test_a_key_holding_an_array_is_compared_as_a_whole(cur):
    cur.execute("CREATE TABLE w (id INTEGER PRIMARY KEY, v JSON)")
    cur.executemany("INSERT INTO w VALUES (%s, %s)", [
        (1, {"d": ["e", {"f": "g"}]}), (2, {"d": "e"}), (3, {"d": [["e"]]}), (4, {"d": None}), (5, ["e"]), (6, None)])

    def w(where, params=None):
        cur.execute(f"SELECT id FROM w WHERE {where} ORDER BY id", params)
        return [row[0] for row in cur.fetchall()]

    # {"v.d": "e"} alone would also match 1, whose d is an array holding "e".
    assert w("v['d'] = 'e'") == [2]
    assert w("v['d'] = %s", ["e"]) == [2]
    assert w("v['d'] = %s", [["e", {"f": "g"}]]) == [1]
    assert w("v['d'] = %s", [["e"]]) == []  # 3's d holds ["e"] as an element, it is not ["e"]
    assert w("v['d'] IN (%s, %s)", [None, "e"]) == [2]
    assert w("v['d'] <> 'e'") == [1, 3]  # an array is unequal to "e"; JSON null and NULL are neither
    assert w("v['d'] <> %s", [None]) == []
    assert w("v['d'] NOT IN (%s)", [["e"]]) == [1, 2, 3]
    assert w("v['d'] NOT IN (%s, %s)", ["x", None]) == []
    # {"v.d": null} would match 3 if d held [null]: IS NULL is about the whole value
    cur.execute("INSERT INTO w VALUES (7, %s)", [{"d": [None, 1]}])
    assert w("v['d'] IS NULL") == [4, 5, 6]
    assert w("v['d'] IS NOT NULL") == [1, 2, 3, 7]
    # a JSON column compared as a whole too
    assert w("v = %s", [["e"]]) == [5]
    assert w("v = 'e'") == []


def test_keys_that_are_not_field_names_and_paths_compared_with_paths(j):
    assert ids(j, "v['dot.ted'] = 1") == [6]  # not a path: an aggregation expression reads it
    command, _ = explain(j, "v['dot.ted'] = 1")
    assert command == "aggregate"
    # Two paths: v['foo'] and v['bax']['foo'] are both NULL for arrays, and NULL = NULL is not true.
    assert ids(j, "v['foo'] IN (v['bax']['foo'])") == [1]
    assert ids(j, "v['foo'] = v['bax']['foo']") == [1]


def test_field_exists_on_subscripts_uses_the_query_language(j):
    assert ids(j, "FIELD_EXISTS(v['a'])") == [1, 3, 6]
    assert ids(j, "FIELD_EXISTS(v['k']['l'])") == [1]
    command, body = explain(j, "NOT FIELD_EXISTS(v['k']['l'])")
    assert command == "find"
    assert body["filter"] == {"$or": [{"v": {"$type": "array"}}, {"v.k": {"$type": "array"}},
                                      {"v.k.l": {"$exists": False}}]}
    assert ids(j, "NOT FIELD_EXISTS(v['k']['l'])") == [2, 3, 4, 5, 6]


def test_integer_steps_after_string_subscripts_are_read_exactly(j):
    assert ids(j, "v['k'][0]['l'] = 'm'") == [3]
    command, _ = explain(j, "v['k'][0]['l'] = 'm'")
    assert command == "aggregate"
