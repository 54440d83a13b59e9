"""Bitwise operators ``& | # << >> ~`` on integers (Django gap G34), compared with SQLite.

SQLite is the oracle for the values: 64-bit two's complement, ``<<`` wrapping around, ``>>``
rounding toward minus infinity, a negative shift distance shifting the other way, distances of 64
or more giving 0 (or -1 for a negative number shifted right). SQLite has no XOR operator:
``a # b`` is compared with ``(a | b) - (a & b)``. Precedence follows PostgreSQL (all these
operators alike, below ``+ -``, above comparisons; prefix ``~`` at the same level), which agrees
with SQLite except for prefix ``~``: ``~5 + 1`` is ``~(5 + 1)`` in PostgreSQL.
"""

from __future__ import annotations

import itertools
import sqlite3

import pytest

import mongodbapi

from mongodbapi.exec.residual import bitwise

from .twins import twin_tables

NUMBERS = [0, 1, -1, 5, -5, 3, 42, -42, 2**31 - 1, -(2**31), 2**62 + 3, -(2**62) - 7, 2**63 - 1, -(2**63), None]
DISTANCES = [-100, -64, -63, -62, -33, -1, 0, 1, 2, 31, 32, 33, 61, 62, 63, 64, 65, 100, None]
ROWS = [(i, a, n) for i, (a, n) in enumerate(itertools.product(NUMBERS, DISTANCES), start=1)]


@pytest.fixture(scope="module")
def both():
    with twin_tables("bitwise_test", "t", "CREATE TABLE t (id INTEGER PRIMARY KEY, a BIGINT, n INTEGER)",
                     ROWS) as (cur, lite):
        cur.execute("INSERT INTO t (id) VALUES (1000)")  # a and n missing
        lite.execute("INSERT INTO t (id) VALUES (1000)")
        yield cur, lite


@pytest.mark.parametrize("driver_sql, sqlite_sql", [
    ("a << n", None), ("a >> n", None), ("a & n", None), ("a | n", None), ("a # n", "(a | n) - (a & n)"),
    ("~a", None), ("~n", None), ("a << 3", None), ("a >> 3", None), ("n << 62", None), ("-5 >> n", None),
    ("a & n | 7", None), ("a | n & 7", None), ("n + 1 & a", None), ("a << n + 1", None), ("a & -1", None),
    ("a << -1", None), ("a >> -3", None), ("a << 64", None), ("a << 63", None), ("a >> 62", None), ("a >> 63", None),
    ("a << 0", None), ("(a + 0) << 1", None), ("(a + 0) >> n", None),
])
def test_values_as_sqlite(both, driver_sql: str, sqlite_sql: str | None) -> None:
    cur, lite = both
    query = "SELECT id, {} FROM t ORDER BY id"
    cur.execute(query.format(driver_sql))
    got = cur.fetchall()
    want = lite.execute(query.format(sqlite_sql or driver_sql)).fetchall()
    assert got == want
    assert all(type(value) is int for _, value in got if value is not None)


@pytest.mark.parametrize("condition", ["a & 1 = 1", "a & n <> 0", "a >> 1 > 2", "(a | n) IS NULL", "~a < 0"])
def test_filters_as_sqlite(both, condition: str) -> None:
    cur, lite = both
    query = f"SELECT id FROM t WHERE {condition} ORDER BY id"
    cur.execute(query)
    assert cur.fetchall() == lite.execute(query).fetchall()


def test_parameters(both) -> None:
    cur, lite = both
    cur.execute("SELECT id, a << %s, a >> %s, a & %s FROM t WHERE id < 40 ORDER BY id", [2, 2, 6])
    want = lite.execute("SELECT id, a << ?, a >> ?, a & ? FROM t WHERE id < 40 ORDER BY id", [2, 2, 6]).fetchall()
    assert cur.fetchall() == want


def test_precedence(cur) -> None:
    cur.execute("SELECT 1 | 2 & 3, 1 + 2 & 3, 1 << 2 + 1, 6 & 3 = 2, ~5 + 1, ~5 & 3, 1 & ~5 & 3, 12 # 10 # 1, "
                "-5 >> 1, 1 << 63, 1 << 64")
    assert cur.fetchall() == [(3, 3, 8, True, -7, 2, 0, 7, -3, -(2**63), 0)]


def test_regex_match_still_parses(cur) -> None:
    cur.execute("CREATE TABLE s (id INTEGER PRIMARY KEY, s TEXT, n INTEGER)")
    cur.execute("INSERT INTO s VALUES (1, 'abc', 1), (2, 'xyz', 2)")
    cur.execute("SELECT id, s || 'q', n & 1, ~n FROM s WHERE s ~ '^a' OR s !~* 'Y'")
    assert cur.fetchall() == [(1, "abcq", 1, -2)]


def test_only_integers(cur) -> None:
    cur.execute("CREATE TABLE r (id INTEGER PRIMARY KEY, x REAL, s TEXT)")
    for expression in ("x & 1", "1 | x", "s << 1", "~x", "x # 2"):
        with pytest.raises(mongodbapi.ProgrammingError, match="takes integers"):
            cur.execute(f"SELECT {expression} FROM r")


def test_constants_in_insert_values(cur) -> None:
    """INSERT ... VALUES constants are computed by the driver (exec/residual.py), the same way."""
    cur.execute("CREATE TABLE v (id INTEGER PRIMARY KEY, x BIGINT)")
    cur.execute("INSERT INTO v VALUES (1, 1 << 63), (2, -5 >> 1), (3, 6 # 3), (4, ~0), (5, NULL & 1), (6, 5 << -1)")
    cur.execute("SELECT id, x FROM v ORDER BY id")
    assert cur.fetchall() == [(1, -(2**63)), (2, -3), (3, 5), (4, -1), (5, None), (6, 2)]


def test_residual_evaluator_matches_sqlite() -> None:
    lite = sqlite3.connect(":memory:")
    for a, n in itertools.product([x for x in NUMBERS if x is not None], [d for d in DISTANCES if d is not None]):
        for op in ("<<", ">>", "&", "|"):
            assert bitwise(op, a, n) == lite.execute(f"SELECT ? {op} ?", (a, n)).fetchone()[0], (a, op, n)
