"""Parenthesised members of UNION / INTERSECT / EXCEPT with their own ORDER BY / LIMIT (gap G40).

SQLite does not accept a parenthesised member, so its side of each comparison wraps the member in
``SELECT * FROM (...)``, which means the same. Results are compared in order when the statement
ends with ORDER BY, else as sorted lists.
"""

from __future__ import annotations

import pytest

import mongodbapi

from .twins import twin_tables

ROWS = [(1, 5), (2, 3), (3, 8), (4, None), (5, 3), (6, 1), (7, 9), (8, 6)]

CASES = [
    ('(SELECT "t"."id" FROM "t" ORDER BY "t"."id" DESC LIMIT 1) UNION (SELECT "t"."id" FROM "t" WHERE "t"."id" = 1) '
     'ORDER BY 1',
     'SELECT * FROM (SELECT "t"."id" FROM "t" ORDER BY "t"."id" DESC LIMIT 1) UNION '
     'SELECT * FROM (SELECT "t"."id" FROM "t" WHERE "t"."id" = 1) ORDER BY 1', None),
    ("(SELECT a FROM t ORDER BY a LIMIT 3) UNION ALL (SELECT a FROM t ORDER BY a DESC LIMIT 2) ORDER BY 1",
     "SELECT * FROM (SELECT a FROM t ORDER BY a LIMIT 3) UNION ALL SELECT * FROM (SELECT a FROM t ORDER BY a DESC "
     "LIMIT 2) ORDER BY 1", None),
    ("(SELECT a FROM t ORDER BY a LIMIT 5) INTERSECT (SELECT a FROM t ORDER BY a DESC LIMIT 5)",
     "SELECT * FROM (SELECT a FROM t ORDER BY a LIMIT 5) INTERSECT SELECT * FROM (SELECT a FROM t ORDER BY a DESC "
     "LIMIT 5)", None),
    ("(SELECT a FROM t) EXCEPT (SELECT a FROM t ORDER BY a LIMIT 2 OFFSET 1) ORDER BY 1",
     "SELECT a FROM t EXCEPT SELECT * FROM (SELECT a FROM t ORDER BY a LIMIT 2 OFFSET 1) ORDER BY 1", None),
    ("(SELECT a FROM t WHERE a < 4) UNION (SELECT a FROM t WHERE a > 5) INTERSECT (SELECT a FROM t WHERE a > 7) "
     "ORDER BY 1",
     "SELECT a FROM t WHERE a < 4 UNION SELECT * FROM (SELECT a FROM t WHERE a > 5 INTERSECT "
     "SELECT a FROM t WHERE a > 7) ORDER BY 1", None),
    ("((SELECT a FROM t WHERE a < 4) UNION (SELECT a FROM t WHERE a > 7)) EXCEPT (SELECT 1) ORDER BY 1",
     "SELECT * FROM (SELECT a FROM t WHERE a < 4 UNION SELECT a FROM t WHERE a > 7) EXCEPT SELECT 1 ORDER BY 1",
     None),
    ("(SELECT a FROM t ORDER BY a LIMIT %s) UNION (SELECT a FROM t WHERE a = %s) ORDER BY 1",
     "SELECT * FROM (SELECT a FROM t ORDER BY a LIMIT ?) UNION SELECT a FROM t WHERE a = ? ORDER BY 1", (3, 9)),
    ("SELECT id FROM t WHERE a IN ((SELECT a FROM t ORDER BY a DESC LIMIT 2) UNION (SELECT 1)) ORDER BY id",
     "SELECT id FROM t WHERE a IN (SELECT * FROM (SELECT a FROM t ORDER BY a DESC LIMIT 2) UNION SELECT 1) "
     "ORDER BY id", None),
    ("(WITH w AS (SELECT a FROM t WHERE a IS NOT NULL) SELECT a FROM w ORDER BY a LIMIT 1) UNION SELECT 100 "
     "ORDER BY 1",
     "SELECT * FROM (WITH w AS (SELECT a FROM t WHERE a IS NOT NULL) SELECT a FROM w ORDER BY a LIMIT 1) "
     "UNION SELECT 100 ORDER BY 1", None),
    ("SELECT a FROM t WHERE id < 3 UNION (SELECT a FROM t ORDER BY a DESC LIMIT 1 OFFSET 1)",
     "SELECT a FROM t WHERE id < 3 UNION SELECT * FROM (SELECT a FROM t ORDER BY a DESC LIMIT 1 OFFSET 1)", None),
]


@pytest.fixture(scope="module")
def both():
    with twin_tables("compound_parens", "t", 'CREATE TABLE "t" ("id" INTEGER PRIMARY KEY, "a" INTEGER)', ROWS) as both:
        yield both


def _key(row: tuple) -> tuple:
    return tuple((v is not None, v) for v in row)


@pytest.mark.parametrize("sql, lite_sql, params", CASES)
def test_as_sqlite(both, sql: str, lite_sql: str, params) -> None:
    cur, lite = both
    cur.execute(sql, params)
    got = cur.fetchall()
    want = lite.execute(lite_sql, params or ()).fetchall()
    if not sql.rstrip().upper().endswith(("ORDER BY 1", "ORDER BY ID")):
        got, want = sorted(got, key=_key), sorted(want, key=_key)
    assert got == want


def test_parentheses_around_a_scalar_subquery_stay_an_expression(both) -> None:
    cur, _ = both
    cur.execute("SELECT ((SELECT MAX(a) FROM t)), id FROM t WHERE id IN ((SELECT 2)) ")
    assert cur.fetchall() == [(9, 2)]


def test_a_lone_parenthesised_query_is_a_statement(both) -> None:
    """As in PostgreSQL; Django sends one for a union whose other members are empty."""
    cur, lite = both
    cur.execute("(SELECT id FROM t WHERE a IS NOT NULL ORDER BY a DESC, id LIMIT 3)")
    assert cur.fetchall() == lite.execute("SELECT id FROM t WHERE a IS NOT NULL ORDER BY a DESC, id LIMIT 3").fetchall()
    cur.execute("(SELECT COUNT(*) FROM t);")
    assert cur.fetchall() == [(len(ROWS),)]
    outer = "(SELECT id, a FROM t WHERE a IS NOT NULL ORDER BY a LIMIT 4) ORDER BY id DESC LIMIT 2"
    cur.execute(outer)
    assert cur.fetchall() == lite.execute(f"SELECT * FROM {outer[:outer.index(')') + 1]} ORDER BY id DESC LIMIT 2").fetchall()
    cur.execute("(SELECT id FROM t) ORDER BY id LIMIT 2 OFFSET 1")  # Django: a union left with one member
    assert cur.fetchall() == [(2,), (3,)]
