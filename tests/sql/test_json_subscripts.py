"""Subscripts and members over JSON values of mixed shapes (PostgreSQL's ``->``): ``x[0]`` is an
element of an array, ``x['k']`` a field of a document, anything else is NULL, never an error."""

from __future__ import annotations

import pytest

from .json_table import column, create

DOCS = [
    (1, {"nested": {"456": 1, "a.b": 2, "$d": 3}, "array": [{"789": 1}, 5]}),
    (2, {"nested": [0, 1, 2], "k": None}),
    (3, [1, [2], {"k": "in array"}]),
    (4, None),
    (5, "text"),
]


@pytest.fixture
def j(cur):
    return create(cur, DOCS)


def test_integer_subscripts_index_arrays_only(j):
    assert column(j, "v[1]") == [None, None, [2], None, None]
    assert column(j, "v[-1]") == [None, None, {"k": "in array"}, None, None]
    assert column(j, "v.nested[2]") == [None, 2, None, None, None]


def test_string_subscripts_take_fields_of_documents_only(j):
    assert column(j, "v['nested']['456']") == [1, None, None, None, None]
    assert column(j, "v['nested']['a.b']") == [2, None, None, None, None]  # a dot is part of the key
    assert column(j, "v['nested']['$d']") == [3, None, None, None, None]  # and so is a dollar
    assert column(j, "v['k']") == [None, None, None, None, None]


def test_members_after_subscripts(j):
    assert column(j, "v.array[0]['789']") == [1, None, None, None, None]
    assert column(j, "v[2].k") == [None, None, "in array", None, None]
    assert column(j, "v.array[1].x") == [None, None, None, None, None]  # 5 is not a document


def test_placeholder_subscripts_decide_per_row(j):
    assert column(j, "v[%s]", [0]) == [None, None, 1, None, None]
    assert column(j, "v[%s]", ["nested"]) == [{"456": 1, "a.b": 2, "$d": 3}, [0, 1, 2], None, None, None]


def test_subscripts_in_where(j):
    j.execute("SELECT id FROM j WHERE v['nested']['456'] = 1 OR v[1] IS NOT NULL ORDER BY id")
    assert j.fetchall() == [(1,), (3,)]
