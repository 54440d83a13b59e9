"""FIELD_EXISTS(path) over JSON values of mixed shapes: true when the object the path's last step
reads from has the key, even holding null (PostgreSQL's ``?``, Django's ``has_key``), and never
through an array (a dotted MongoDB path would look into the documents of an array)."""

from __future__ import annotations

import json

import pytest

from .json_table import column, create, ids

DOCS = [
    (1, {"a": 1, "nested": {"456": 1, "k": None}, "array": [{"789": 1}, 5]}),
    (2, {"nested": [{"456": 1}, {"k": 2}], "a": None}),
    (3, [{"a": 1}, {"nested": {"456": 1}}]),
    (4, {"nested": {"0": "key zero"}, "list": [[{"a": 1}]]}),
    (5, None),
    (6, "text"),
    (7, {}),
]


@pytest.fixture
def j(cur):
    return create(cur, DOCS)


def filter_of(cur, where):
    cur.execute(f"EXPLAIN SELECT id FROM j WHERE {where}")
    (command, body), = cur.fetchall()
    return command, json.loads(body)


def test_a_key_holding_null_exists_and_arrays_are_not_looked_into(j):
    assert ids(j, "FIELD_EXISTS(v.a)") == [1, 2]  # 2 holds null; 3 has "a" only inside its array
    assert ids(j, "FIELD_EXISTS(v.nested.k)") == [1]  # 2's nested is an array of documents
    assert ids(j, "FIELD_EXISTS(v.nested.\"456\")") == [1]
    assert ids(j, "FIELD_EXISTS(v.nested.\"0\")") == [4]  # a numeric name is a key, not element 0


def test_negation_is_the_complement(j):
    assert ids(j, "NOT FIELD_EXISTS(v.a)") == [3, 4, 5, 6, 7]
    assert ids(j, "NOT FIELD_EXISTS(v.nested.k)") == [2, 3, 4, 5, 6, 7]


def test_dotted_paths_stay_in_the_query_language_with_array_guards(j):
    command, body = filter_of(j, "FIELD_EXISTS(v.nested.k)")
    assert command == "find"
    assert body["filter"] == {"v": {"$not": {"$type": "array"}}, "v.nested": {"$not": {"$type": "array"}},
                              "v.nested.k": {"$exists": True}}
    command, body = filter_of(j, "NOT FIELD_EXISTS(v.a)")
    assert body["filter"] == {"$or": [{"v": {"$type": "array"}}, {"v.a": {"$exists": False}}]}


def test_expression_form_agrees(j):
    # In the select list (and under OR with an expression) FIELD_EXISTS is an aggregation expression.
    assert column(j, "FIELD_EXISTS(v.a)") == [True, True, False, False, False, False, False]
    assert column(j, "FIELD_EXISTS(v.nested.k)") == [True, False, False, False, False, False, False]
    assert ids(j, "FIELD_EXISTS(v.a) OR id + 0 = 6") == [1, 2, 6]


def test_subscripts_and_members(j):
    assert column(j, "FIELD_EXISTS(v.array[0]['789'])") == [True, False, False, False, False, False, False]
    assert column(j, "FIELD_EXISTS(v[1].nested)") == [False, False, True, False, False, False, False]
    assert column(j, "FIELD_EXISTS(v.nested[1].k)") == [False, True, False, False, False, False, False]
    assert column(j, "FIELD_EXISTS(v.list[0][0].a)") == [False, False, False, True, False, False, False]
    assert column(j, "FIELD_EXISTS(v['nested']['k'])") == [True, False, False, False, False, False, False]


def test_array_elements_exist_within_bounds(j):
    assert column(j, "FIELD_EXISTS(v[1])") == [False, False, True, False, False, False, False]
    assert column(j, "FIELD_EXISTS(v[-2])") == [False, False, True, False, False, False, False]
    assert column(j, "FIELD_EXISTS(v[2])") == [False] * 7
    assert column(j, "FIELD_EXISTS(v.nested[1])") == [False, True, False, False, False, False, False]


def test_top_level_column(j):
    assert ids(j, "FIELD_EXISTS(v)") == [1, 2, 3, 4, 6, 7]  # SQL NULL is stored as no value
