"""UPDATE ... SET of a NOT NULL column to an expression that is NULL is an IntegrityError, as in SQLite and
PostgreSQL, and the statement leaves no trace. (A NULL result removes the field, since NULL is stored as no
field; before this check, the constraint was silently not enforced for expressions over the row.)"""

from __future__ import annotations

import sqlite3
import uuid

import pytest

import mongodbapi
from mongodbapi.errors import IntegrityError


@pytest.mark.parametrize("transactions", [True, False])
@pytest.mark.parametrize("sql", [
    "UPDATE t SET a = a + NULL",
    "UPDATE t SET a = CASE WHEN id = 2 THEN NULL ELSE a + 1 END",
    "UPDATE t SET a = b WHERE id >= 1",
    "UPDATE t SET a = b RETURNING id",
])
def test_null_into_not_null_column(monkeypatch, transactions: bool, sql: str) -> None:
    lite = sqlite3.connect(":memory:")
    conn = mongodbapi.connect(f"mongomock://notnull_{uuid.uuid4().hex[:10]}")
    conn.autocommit = True
    if not transactions:
        monkeypatch.setattr(conn, "_transactions_supported", False)
    cur = conn.cursor()
    try:
        for target in (lite, cur):
            target.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b INTEGER)")
            target.execute("INSERT INTO t VALUES (1, 10, 5), (2, 20, NULL), (3, 30, 7)")
        with pytest.raises(sqlite3.IntegrityError):
            lite.execute(sql)
        with pytest.raises(IntegrityError, match="NOT NULL constraint failed: t.a"):
            cur.execute(sql)
        cur.execute("SELECT id, a, b FROM t ORDER BY id")
        assert cur.fetchall() == lite.execute("SELECT id, a, b FROM t ORDER BY id").fetchall()
        cur.execute("UPDATE t SET a = COALESCE(b, 0) + a")  # no NULL: runs
        lite.execute("UPDATE t SET a = COALESCE(b, 0) + a")
        cur.execute("SELECT id, a, b FROM t ORDER BY id")
        assert cur.fetchall() == lite.execute("SELECT id, a, b FROM t ORDER BY id").fetchall()
    finally:
        conn.client.drop_database(conn.database.name)
        conn.close()
        lite.close()
