"""Subqueries in INSERT ... VALUES (Django gap G49: ``Model.objects.create(x=Subquery(...))``).

A VALUES row that holds subqueries has those items computed by MongoDB as a SELECT without FROM,
once per parameter set and before the statement writes anything; the table afterwards is compared
with stdlib sqlite3's. executemany runs the parameter sets one after another, so a subquery reading
the target table sees what the earlier sets inserted, as it does on SQLite.
"""

from __future__ import annotations

import uuid

import pytest

from mongodbapi.errors import DataError, IntegrityError, ProgrammingError

from .twins import twin_tables

CREATE = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a INTEGER, b TEXT DEFAULT 'd', c INTEGER UNIQUE)"
ROWS = [(1, 10, "x", 100), (2, 20, "y", 200), (3, None, None, None)]
U_ROWS = [(1, 5), (2, 7), (3, 9)]

CASES = [
    # an aggregate over another table, one target column
    ("INSERT INTO t (a) VALUES ((SELECT MAX(x) FROM u))", ()),
    # over the target table itself (read before the write)
    ("INSERT INTO t (a) VALUES ((SELECT MAX(a) FROM t) + 1)", ()),
    # no row / NULL aggregate: NULL
    ("INSERT INTO t (a) VALUES ((SELECT x FROM u WHERE x > 100))", ()),
    ("INSERT INTO t (a) VALUES ((SELECT SUM(x) FROM u WHERE x > 100))", ()),
    # mixed with constants and placeholders in one row and over several rows
    ("INSERT INTO t (a, b, c) VALUES (%s, (SELECT 'n' || COUNT(*) FROM u WHERE x > %s), %s)", (4, 6, 400)),
    ("INSERT INTO t (a, b) VALUES ((SELECT MIN(x) FROM u), 'm'), (42, 'plain'), "
     "((SELECT COUNT(*) FROM t), (SELECT 'z'))", ()),
    # the explicit key from a subquery (the sequence follows it)
    ("INSERT INTO t (id, a) VALUES ((SELECT MAX(id) FROM t) + 10, 1)", ()),
    # EXISTS and IN as values
    ("INSERT INTO t (a) VALUES (CASE WHEN EXISTS (SELECT 1 FROM u WHERE x = 7) THEN 1 ELSE 0 END)", ()),
    ("INSERT INTO t (a) VALUES (CASE WHEN 8 IN (SELECT x FROM u) THEN 1 ELSE 0 END)", ()),
    # a subquery with its own correlated subquery and ORDER BY/LIMIT
    ("INSERT INTO t (a) VALUES ((SELECT y FROM u WHERE y > (SELECT MIN(a) FROM t) ORDER BY y DESC LIMIT 1))", ()),
    # ON CONFLICT with a subquery value
    ("INSERT INTO t (id, a) VALUES (1, (SELECT MAX(x) FROM u)) ON CONFLICT DO NOTHING", ()),
    ("INSERT INTO t (id, a) VALUES (1, (SELECT MAX(x) FROM u)), (8, (SELECT MIN(x) FROM u)) "
     "ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a + t.a", ()),
]


@pytest.fixture
def twins():
    with twin_tables(f"ins_sq_{uuid.uuid4().hex[:12]}", "t", CREATE, ROWS) as (cur, lite):
        for connection in (cur, lite):
            connection.execute("CREATE TABLE u (y INTEGER PRIMARY KEY, x INTEGER)")
        cur.executemany("INSERT INTO u VALUES (%s, %s)", U_ROWS)
        lite.executemany("INSERT INTO u VALUES (?, ?)", U_ROWS)
        yield cur, lite


def _table(connection) -> list[tuple]:
    return list(connection.execute("SELECT id, a, b, c FROM t ORDER BY id").fetchall())


@pytest.mark.parametrize("sql, params", CASES)
def test_as_sqlite(twins, sql: str, params: tuple) -> None:
    cur, lite = twins
    lite_cursor = lite.execute(sql.replace("%s", "?"), params)
    cur.execute(sql, params)
    assert cur.rowcount == lite_cursor.rowcount
    assert _table(cur) == _table(lite)
    # the sequence continues after whatever the statement stored
    lite.execute("INSERT INTO t (a) VALUES (-1)")
    cur.execute("INSERT INTO t (a) VALUES (-1)")
    assert _table(cur) == _table(lite)


def test_lastrowid_and_returning(twins) -> None:
    cur, lite = twins
    # (SQLite has no DEFAULT in VALUES: the expected rows are written out)
    sql = "INSERT INTO t (a, b) VALUES ((SELECT MAX(x) FROM u), %s), ((SELECT MIN(x) FROM u), DEFAULT) RETURNING id, a, b"
    cur.execute(sql, ("r",))
    assert cur.fetchall() == [(4, 9, "r"), (5, 5, "d")]
    assert [d[0] for d in cur.description] == ["id", "a", "b"]
    cur.execute("INSERT INTO t (a) VALUES ((SELECT MAX(x) FROM u))")
    assert cur.lastrowid == 6


def test_executemany_sees_earlier_sets(twins) -> None:
    cur, lite = twins
    sql = "INSERT INTO t (a, b) VALUES ((SELECT COALESCE(MAX(a), 0) FROM t) + %s, %s)"
    sets = [(1, "p"), (2, "q"), (3, "r")]
    lite.executemany(sql.replace("%s", "?"), sets)
    cur.executemany(sql, sets)
    assert cur.rowcount == 3
    assert _table(cur) == _table(lite)


def test_executemany_returning(twins) -> None:
    cur, _ = twins
    cur.executemany("INSERT INTO t (a) VALUES ((SELECT MAX(x) FROM u WHERE x < %s)) RETURNING id, a", [(6,), (8,)])
    assert cur.fetchall() == [(4, 5), (5, 7)]


def test_more_than_one_row_is_an_error(twins) -> None:
    """SQLite takes the first row; SQL (and PostgreSQL) make it an error. Nothing is written."""
    cur, _ = twins
    with pytest.raises(DataError, match="more than one row"):
        cur.execute("INSERT INTO t (a) VALUES (1), ((SELECT x FROM u))")
    assert len(_table(cur)) == 3


def test_constraint_errors_still_apply(twins) -> None:
    cur, _ = twins
    with pytest.raises(IntegrityError):
        cur.execute("INSERT INTO t (a, c) VALUES (1, (SELECT MAX(c) FROM t))")
    assert len(_table(cur)) == 3


def test_a_column_outside_a_subquery_is_named(twins) -> None:
    cur, _ = twins
    with pytest.raises(ProgrammingError, match=r"VALUES cannot refer to columns: a \(line 1"):
        cur.execute("INSERT INTO t (a) VALUES (a + (SELECT 1))")


def test_explain_shows_the_computed_item(twins) -> None:
    cur, _ = twins
    cur.execute("EXPLAIN INSERT INTO t (a, b) VALUES ((SELECT MAX(x) FROM u), 'k')")
    (command, body), = cur.fetchall()
    assert command == "insert"
    assert '"a": "<computed before the write>"' in body and '"b": "k"' in body
