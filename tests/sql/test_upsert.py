"""INSERT ... ON CONFLICT (target) DO UPDATE SET ... [WHERE ...] (Django gap G39), compared with SQLite.

Each case runs the same statement on stdlib sqlite3 and through the driver and compares the whole
table afterwards, and the rowcount (inserted plus updated rows, as PostgreSQL counts them). SQLite
takes the proposed rows one by one, so a later row of one statement may update a row an earlier one
inserted or updated; the driver does the same (PostgreSQL refuses such a statement).
"""

from __future__ import annotations

import uuid

import pytest

import mongodbapi
from mongodbapi.errors import IntegrityError, NotSupportedError, ProgrammingError

from .twins import twin_tables

CREATE = ("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, u INTEGER UNIQUE, "
          "x INTEGER, y INTEGER, UNIQUE (x, y))")
ROWS = [(1, 10, "p", 100, 1, 1), (2, 20, "q", 200, 1, 2), (3, None, None, None, None, None)]

CASES = [
    # one row, conflicting on the primary key
    "INSERT INTO t (id, a) VALUES (1, 7) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a",
    # no conflict: inserted
    "INSERT INTO t (id, a) VALUES (9, 7) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a",
    # several rows, some conflicting, some not
    "INSERT INTO t (id, a, b) VALUES (1, 5, 'n'), (4, 40, 'm'), (2, 6, 'o') "
    "ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a, b = EXCLUDED.b",
    # EXCLUDED in expressions with the stored row's columns, plain and qualified
    "INSERT INTO t (id, a, b) VALUES (1, 5, 'n'), (2, 6, 'o') "
    "ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a * 10 + t.a, b = b || EXCLUDED.b",
    # NULLs: a NULL proposed value is stored as NULL; a NULL stored value in an expression
    "INSERT INTO t (id, a, b) VALUES (1, NULL, NULL), (3, 4, 'z') "
    "ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a, b = COALESCE(t.b, EXCLUDED.b)",
    "INSERT INTO t (id, a) VALUES (3, 4) ON CONFLICT (id) DO UPDATE SET a = t.a + EXCLUDED.a",
    # WHERE on DO UPDATE: a row that fails it is neither updated nor inserted
    "INSERT INTO t (id, a) VALUES (1, 1), (2, 2), (5, 5) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a "
    "WHERE t.a > 15",
    "INSERT INTO t (id, a) VALUES (1, 1), (2, 2) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a "
    "WHERE EXCLUDED.a <> 1 AND a IS NOT NULL",
    "INSERT INTO t (id, a) VALUES (3, 1) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a WHERE t.a > 0",
    # a single-column UNIQUE target
    "INSERT INTO t (id, a, u) VALUES (7, 70, 100), (8, 80, 300) ON CONFLICT (u) DO UPDATE SET a = EXCLUDED.a",
    # a NULL in the target conflicts with nothing
    "INSERT INTO t (id, a, u) VALUES (7, 70, NULL) ON CONFLICT (u) DO UPDATE SET a = EXCLUDED.a",
    # a composite UNIQUE target, its columns in any order
    "INSERT INTO t (id, a, x, y) VALUES (7, 70, 1, 2), (8, 80, 2, 2) ON CONFLICT (y, x) DO UPDATE SET a = EXCLUDED.a",
    "INSERT INTO t (id, a, x, y) VALUES (7, 70, 1, NULL) ON CONFLICT (x, y) DO UPDATE SET a = EXCLUDED.a",
    # one statement hitting the same key twice: the second row updates what the first wrote
    "INSERT INTO t (id, a) VALUES (6, 1), (6, 2), (6, 3) ON CONFLICT (id) DO UPDATE SET a = t.a + EXCLUDED.a",
    "INSERT INTO t (id, a) VALUES (1, 1), (1, 2) ON CONFLICT (id) DO UPDATE SET a = t.a * 10 + EXCLUDED.a",
    # the update changes a column of the target: a later row conflicts with the new value
    "INSERT INTO t (id, a, u) VALUES (7, 0, 100), (8, 0, 101) ON CONFLICT (u) DO UPDATE SET u = t.u + 1, "
    "a = EXCLUDED.id",
    # constants in SET, CASE over EXCLUDED
    "INSERT INTO t (id, a) VALUES (1, 3), (2, 30) ON CONFLICT (id) DO UPDATE SET b = NULL, "
    "a = CASE WHEN EXCLUDED.a > 10 THEN EXCLUDED.a ELSE -1 END",
    # INSERT ... SELECT with DO UPDATE
    "INSERT INTO t (id, a) SELECT id, a + 1 FROM t WHERE id < 3 ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a",
]


@pytest.mark.parametrize("sql", CASES)
def test_table_as_sqlite(sql: str) -> None:
    with twin_tables(f"upsert_{uuid.uuid4().hex[:10]}", "t", CREATE, ROWS) as (cur, lite):
        expected_count = lite.execute(sql).rowcount
        cur.execute(sql)
        assert cur.rowcount == expected_count
        query = "SELECT id, a, b, u, x, y FROM t ORDER BY id"
        assert cur.execute(query) or cur.fetchall() == lite.execute(query).fetchall()


def test_parameters_and_executemany() -> None:
    sql = "INSERT INTO t (id, a) VALUES (%s, %s) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a + %s"
    with twin_tables(f"upsert_{uuid.uuid4().hex[:10]}", "t", CREATE, ROWS) as (cur, lite):
        rows = [(1, 5, 100), (4, 6, 200), (2, 7, 300)]
        lite.executemany(sql.replace("%s", "?"), rows)
        cur.executemany(sql, rows)
        assert cur.rowcount == 3
        query = "SELECT id, a FROM t ORDER BY id"
        cur.execute(query)
        assert cur.fetchall() == lite.execute(query).fetchall()


def test_returning_inserted_and_updated_rows() -> None:
    sql = ("INSERT INTO t (id, a) VALUES (1, 5), (4, 6), (2, 7) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a + t.a "
           "WHERE t.a < 15 RETURNING id, a")
    with twin_tables(f"upsert_{uuid.uuid4().hex[:10]}", "t", CREATE, ROWS) as (cur, lite):
        expected = lite.execute(sql).fetchall()
        cur.execute(sql)
        assert cur.fetchall() == expected == [(1, 15), (4, 6)]
        assert cur.rowcount == 2


@pytest.mark.parametrize("target, message", [
    ("a", "no unique or exclusion constraint matching"),  # not a key
    ("x", "no unique or exclusion constraint matching"),  # part of a key
    ("id, u", "no unique or exclusion constraint matching"),
    ("nope", "column nope named in ON CONFLICT does not exist"),
])
def test_target_must_be_a_unique_key(target: str, message: str) -> None:
    with twin_tables(f"upsert_{uuid.uuid4().hex[:10]}", "t", CREATE, ROWS) as (cur, _):
        with pytest.raises(ProgrammingError, match=message):
            cur.execute(f"INSERT INTO t (id, a) VALUES (1, 1) ON CONFLICT ({target}) DO UPDATE SET a = 1")


def test_unique_index_is_a_target() -> None:
    with twin_tables(f"upsert_{uuid.uuid4().hex[:10]}", "t", CREATE, ROWS) as (cur, _):
        cur.execute("CREATE UNIQUE INDEX t_a ON t (a)")
        cur.execute("INSERT INTO t (id, a, b) VALUES (9, 10, 'via index') ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b")
        cur.execute("SELECT id, b FROM t WHERE a = 10")
        assert cur.fetchall() == [(1, "via index")]


def test_refused_constructs() -> None:
    with twin_tables(f"upsert_{uuid.uuid4().hex[:10]}", "t", CREATE, ROWS) as (cur, _):
        with pytest.raises(NotSupportedError, match="primary key"):
            cur.execute("INSERT INTO t (id, a) VALUES (1, 1) ON CONFLICT (u) DO UPDATE SET id = 5")
        with pytest.raises(NotSupportedError, match="subqueries"):
            cur.execute("INSERT INTO t (id, a) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET a = (SELECT 1)")
        with pytest.raises(ProgrammingError, match="no such column: EXCLUDED.nope"):
            cur.execute("INSERT INTO t (id, a) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.nope")


def _state(cur):
    cur.execute("SELECT id, a, b, u FROM t ORDER BY id")
    return cur.fetchall()


@pytest.mark.parametrize("transactions", [True, False])
def test_a_failing_statement_leaves_no_trace(monkeypatch, transactions: bool) -> None:
    """A later row colliding on another unique key, or a NULL put into a NOT NULL column, undoes the
    rows already inserted and updated: in a MongoDB transaction, or by the driver's own undo."""
    conn = mongodbapi.connect(f"mongomock://upsert_{uuid.uuid4().hex[:10]}")
    conn.autocommit = True
    if not transactions:
        monkeypatch.setattr(conn, "_transactions_supported", False)
    cur = conn.cursor()
    try:
        cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT, u INTEGER UNIQUE)")
        cur.execute("INSERT INTO t VALUES (1, 10, 'p', 100), (2, 20, 'q', 200)")
        before = _state(cur)
        with pytest.raises(IntegrityError, match="duplicate key"):
            cur.execute("INSERT INTO t (id, a, u) VALUES (5, 50, 500), (1, 11, 101), (6, 60, 200) "
                        "ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a, u = EXCLUDED.u")
        assert _state(cur) == before
        with pytest.raises(IntegrityError, match="NOT NULL constraint failed: t.a"):
            cur.execute("INSERT INTO t (id, a, b) VALUES (5, 50, 'r'), (1, 11, NULL), (2, 12, 's') "
                        "ON CONFLICT (id) DO UPDATE SET b = EXCLUDED.b, a = CASE WHEN EXCLUDED.b IS NULL "
                        "THEN NULL ELSE EXCLUDED.a END")
        assert _state(cur) == before
    finally:
        conn.client.drop_database(conn.database.name)
        conn.close()


def test_explain_shows_the_update_run_for_a_conflict() -> None:
    with twin_tables(f"upsert_{uuid.uuid4().hex[:10]}", "t", CREATE, ROWS) as (cur, _):
        cur.execute("EXPLAIN INSERT INTO t (id, a) VALUES (1, 1) ON CONFLICT (id) DO UPDATE "
                    "SET a = EXCLUDED.a + t.a WHERE t.b = %s", ("p",))
        commands = dict(cur.fetchall())
        assert '"$add": [{"$literal": "<EXCLUDED.a>"}, "$a"]' in commands["update"]
        assert '"$eq": ["$b", {"$literal": "%s"}]' in commands["update"]


def test_set_default() -> None:
    """``SET c = DEFAULT`` (PostgreSQL; SQLite has no such form) stores the column's default."""
    with twin_tables(f"upsert_{uuid.uuid4().hex[:10]}", "d", "CREATE TABLE d (id INTEGER PRIMARY KEY, "
                     "a INTEGER DEFAULT 42, b TEXT)", [(1, 5, "x")]) as (cur, _):
        cur.execute("INSERT INTO d (id, b) VALUES (1, 'y') ON CONFLICT (id) DO UPDATE SET a = DEFAULT, b = EXCLUDED.b")
        cur.execute("SELECT id, a, b FROM d")
        assert cur.fetchall() == [(1, 42, "y")]
