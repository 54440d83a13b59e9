"""SAVEPOINT, ROLLBACK TO SAVEPOINT and RELEASE SAVEPOINT inside the driver's transactions.

MongoDB has none; the connection emulates them with a redo log of the writes it sent in the
open transaction (connection.py, exec/writes.py). Every test reads the data back.
"""

from __future__ import annotations

import pytest

import mongodbapi


@pytest.fixture
def t(conn, cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)")
    cur.execute("INSERT INTO t (name, n) VALUES ('ann', 1), ('bob', 2)")
    conn.commit()
    return cur


def rows(cur):
    cur.execute("SELECT id, name, n FROM t ORDER BY id")
    return cur.fetchall()


def stored(conn):
    """What the database holds, read around the driver."""
    return sorted((d["_id"], d["name"], d.get("n")) for d in conn.database.t.find())


def test_rollback_to_savepoint_undoes_only_what_came_after_it(conn, t):
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    t.execute("SAVEPOINT a")
    t.execute("INSERT INTO t (name, n) VALUES ('dee', 4)")
    assert [r[1] for r in rows(t)] == ["ann", "bob", "cy", "dee"]
    t.execute("ROLLBACK TO SAVEPOINT a")
    assert rows(t) == [(1, "ann", 1), (2, "bob", 2), (3, "cy", 3)]
    conn.commit()
    assert stored(conn) == [(1, "ann", 1), (2, "bob", 2), (3, "cy", 3)]


def test_a_failed_insert_then_rollback_to_savepoint_keeps_the_transaction(conn, t):
    """What Django's get_or_create() does: savepoint, INSERT fails, roll back to it, go on."""
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    t.execute('SAVEPOINT "s1_x1"')
    with pytest.raises(mongodbapi.IntegrityError):
        t.execute("INSERT INTO t (name, n) VALUES ('ann', 9)")
    with pytest.raises(mongodbapi.InternalError, match="aborted"):
        t.execute("SELECT * FROM t")
    t.execute('ROLLBACK TO SAVEPOINT "s1_x1"')
    t.execute('RELEASE SAVEPOINT "s1_x1"')
    t.execute("SELECT n FROM t WHERE name = 'ann'")
    assert t.fetchall() == [(1,)]
    t.execute("INSERT INTO t (name, n) VALUES ('dee', 4)")
    conn.commit()
    # cy kept, the failed ann not stored, dee after it; the failed insert used up id 4 (as a
    # PostgreSQL sequence would), so ids stay unique and increasing.
    assert stored(conn) == [(1, "ann", 1), (2, "bob", 2), (3, "cy", 3), (5, "dee", 4)]
    t.execute("INSERT INTO t (name) VALUES ('eve')")
    assert t.lastrowid == 6
    conn.commit()


def test_a_failed_multi_row_insert_leaves_none_of_its_rows(conn, t):
    t.execute("SAVEPOINT a")
    with pytest.raises(mongodbapi.IntegrityError):
        t.execute("INSERT INTO t (name, n) VALUES ('cy', 3), ('bob', 9), ('dee', 4)")
    t.execute("ROLLBACK TO a")
    conn.commit()
    assert stored(conn) == [(1, "ann", 1), (2, "bob", 2)]


def test_nested_savepoints_and_rollback_to_the_outer_one(conn, t):
    t.execute("SAVEPOINT outer_sp")
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    t.execute("SAVEPOINT inner_sp")
    t.execute("INSERT INTO t (name, n) VALUES ('dee', 4)")
    t.execute("ROLLBACK TO SAVEPOINT outer_sp")
    assert [r[1] for r in rows(t)] == ["ann", "bob"]
    with pytest.raises(mongodbapi.InternalError, match="no such savepoint"):
        t.execute("ROLLBACK TO SAVEPOINT inner_sp")  # made after outer_sp: gone with it
    t.execute("INSERT INTO t (name, n) VALUES ('eve', 5)")
    t.execute("ROLLBACK TO SAVEPOINT outer_sp")  # the savepoint stays after a rollback to it
    t.execute("INSERT INTO t (name, n) VALUES ('fay', 6)")
    conn.commit()
    assert [r[1] for r in stored(conn)] == ["ann", "bob", "fay"]


def test_rollback_to_an_inner_savepoint_keeps_the_outer_work(conn, t):
    t.execute("SAVEPOINT a")
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    t.execute("SAVEPOINT b")
    t.execute("UPDATE t SET n = 30 WHERE name = 'cy'")
    t.execute("SAVEPOINT c")
    t.execute("DELETE FROM t WHERE name = 'ann'")
    t.execute("ROLLBACK TO SAVEPOINT b")
    assert rows(t) == [(1, "ann", 1), (2, "bob", 2), (3, "cy", 3)]
    t.execute("ROLLBACK TO SAVEPOINT a")
    assert rows(t) == [(1, "ann", 1), (2, "bob", 2)]
    conn.commit()
    assert stored(conn) == [(1, "ann", 1), (2, "bob", 2)]


def test_update_and_delete_are_undone(conn, t):
    t.execute("UPDATE t SET n = n + 10")
    t.execute("SAVEPOINT a")
    t.execute("UPDATE t SET n = n * 100, name = 'x' || name WHERE id = 1")
    t.execute("DELETE FROM t WHERE id = 2")
    assert rows(t) == [(1, "xann", 1100)]
    t.execute("ROLLBACK TO SAVEPOINT a")
    assert rows(t) == [(1, "ann", 11), (2, "bob", 12)]
    t.execute("DELETE FROM t WHERE id = 1 RETURNING name")
    assert t.fetchall() == [("ann",)]
    conn.commit()
    assert stored(conn) == [(2, "bob", 12)]


def test_update_and_delete_with_subqueries_and_returning_replay_exactly(conn, t):
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    t.execute("UPDATE t SET n = 0 WHERE n = (SELECT MAX(n) FROM t) RETURNING id")
    assert t.fetchall() == [(3,)]
    t.execute("SAVEPOINT a")
    t.execute("DELETE FROM t WHERE n < (SELECT MAX(n) FROM t)")  # deletes cy (0) and ann (1)
    t.execute("ROLLBACK TO a")
    assert rows(t) == [(1, "ann", 1), (2, "bob", 2), (3, "cy", 0)]
    conn.commit()
    assert stored(conn) == [(1, "ann", 1), (2, "bob", 2), (3, "cy", 0)]


def test_values_computed_before_the_write_are_replayed_not_recomputed(conn, cur):
    cur.execute("CREATE TABLE r (id INTEGER PRIMARY KEY, x REAL, ts TIMESTAMP, d TIMESTAMP DEFAULT CURRENT_TIMESTAMP)")
    cur.execute("INSERT INTO r (x, ts) SELECT RANDOM(), CURRENT_TIMESTAMP")
    cur.execute("INSERT INTO r (x, ts) VALUES (%s, CURRENT_TIMESTAMP)", (0.5,))
    cur.execute("SELECT id, x, ts, d FROM r ORDER BY id")
    before = cur.fetchall()
    assert len(before) == 2
    cur.execute("SAVEPOINT a")
    cur.execute("INSERT INTO r (x) VALUES (1.5)")
    cur.execute("ROLLBACK TO SAVEPOINT a")
    cur.execute("SELECT id, x, ts, d FROM r ORDER BY id")
    assert cur.fetchall() == before  # same ids, same random value, same timestamps
    cur.execute("INSERT INTO r (x) VALUES (2.5)")
    cur.execute("SELECT id FROM r ORDER BY id")
    assert [r[0] for r in cur.fetchall()] == [1, 2, 4]  # id 3 was taken by the undone insert
    conn.commit()


def test_insert_select_and_on_conflict_do_nothing_are_replayed(conn, t):
    t.execute("CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)")
    t.execute("INSERT INTO u (name, n) SELECT name, n * 2 FROM t")
    t.execute("INSERT INTO u (name, n) VALUES ('ann', 0), ('cy', 6) ON CONFLICT DO NOTHING")
    t.execute("SAVEPOINT a")
    t.execute("DELETE FROM u")
    t.execute("ROLLBACK TO SAVEPOINT a")
    conn.commit()
    assert sorted((d["name"], d["n"]) for d in conn.database.u.find()) == [("ann", 2), ("bob", 4), ("cy", 6)]


def test_release_forgets_the_savepoint_and_later_ones_but_keeps_the_work(conn, t):
    t.execute("SAVEPOINT a")
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    t.execute("SAVEPOINT b")
    t.execute("INSERT INTO t (name, n) VALUES ('dee', 4)")
    t.execute("RELEASE SAVEPOINT a")
    for name in ("a", "b"):
        with pytest.raises(mongodbapi.InternalError, match="no such savepoint"):
            t.execute(f"ROLLBACK TO SAVEPOINT {name}")
    conn.commit()
    assert [r[1] for r in stored(conn)] == ["ann", "bob", "cy", "dee"]


def test_release_of_an_inner_savepoint_keeps_the_outer_one(conn, t):
    t.execute("SAVEPOINT a")
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    t.execute("SAVEPOINT b")
    t.execute("INSERT INTO t (name, n) VALUES ('dee', 4)")
    t.execute("RELEASE b")
    t.execute("ROLLBACK TO a")
    conn.commit()
    assert [r[1] for r in stored(conn)] == ["ann", "bob"]


def test_a_repeated_name_shadows_the_older_savepoint(conn, t):
    t.execute("SAVEPOINT a")
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    t.execute("SAVEPOINT A")  # names are case-insensitive: this is a second "a"
    t.execute("INSERT INTO t (name, n) VALUES ('dee', 4)")
    t.execute("ROLLBACK TO SAVEPOINT a")  # the newer one
    assert [r[1] for r in rows(t)] == ["ann", "bob", "cy"]
    t.execute("RELEASE SAVEPOINT a")  # releases the newer one; the older is visible again
    t.execute("ROLLBACK TO SAVEPOINT a")
    assert [r[1] for r in rows(t)] == ["ann", "bob"]
    conn.commit()
    assert [r[1] for r in stored(conn)] == ["ann", "bob"]


def test_rollback_to_a_savepoint_with_nothing_written_since_is_cheap_and_right(conn, t):
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    t.execute("SAVEPOINT a")
    t.execute("SELECT COUNT(*) FROM t")
    t.execute("ROLLBACK TO SAVEPOINT a")
    assert conn.in_transaction
    conn.commit()
    assert len(stored(conn)) == 3


def test_savepoint_can_be_the_first_statement_of_the_transaction(conn, t):
    t.execute("SAVEPOINT a")
    assert conn.in_transaction
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    t.execute("ROLLBACK TO SAVEPOINT a")
    t.execute("INSERT INTO t (name, n) VALUES ('dee', 4)")
    conn.commit()
    assert [r[1] for r in stored(conn)] == ["ann", "bob", "dee"]


def test_full_rollback_after_savepoints_undoes_everything_and_forgets_them(conn, t):
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    t.execute("SAVEPOINT a")
    t.execute("INSERT INTO t (name, n) VALUES ('dee', 4)")
    t.execute("ROLLBACK TO SAVEPOINT a")
    conn.rollback()
    assert stored(conn) == [(1, "ann", 1), (2, "bob", 2)]
    with pytest.raises(mongodbapi.InternalError, match="no such savepoint|none is open"):
        t.execute("ROLLBACK TO SAVEPOINT a")


def test_commit_forgets_the_savepoints(conn, t):
    t.execute("SAVEPOINT a")
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    conn.commit()
    with pytest.raises(mongodbapi.InternalError):
        t.execute("ROLLBACK TO SAVEPOINT a")
    assert len(stored(conn)) == 3


def test_a_failed_transaction_refuses_savepoint_and_release_but_not_rollback_to(conn, t):
    t.execute("SAVEPOINT a")
    with pytest.raises(mongodbapi.IntegrityError):
        t.execute("INSERT INTO t (id, name) VALUES (1, 'dup')")
    with pytest.raises(mongodbapi.InternalError, match="aborted"):
        t.execute("SAVEPOINT b")
    with pytest.raises(mongodbapi.InternalError, match="aborted"):
        t.execute("RELEASE SAVEPOINT a")
    with pytest.raises(mongodbapi.InternalError, match="no such savepoint"):
        t.execute("ROLLBACK TO SAVEPOINT nope")
    with pytest.raises(mongodbapi.InternalError, match="aborted"):  # still failed
        t.execute("SELECT 1")
    t.execute("ROLLBACK TO SAVEPOINT a")
    assert len(rows(t)) == 2


def test_a_failure_before_any_savepoint_still_needs_a_full_rollback(conn, t):
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    with pytest.raises(mongodbapi.IntegrityError):
        t.execute("INSERT INTO t (name) VALUES ('ann')")
    with pytest.raises(mongodbapi.InternalError, match="rolled back"):
        conn.commit()
    assert stored(conn) == [(1, "ann", 1), (2, "bob", 2)]


def test_savepoints_inside_an_explicit_transaction_with_autocommit_on(conn, t):
    conn.autocommit = True
    t.execute("BEGIN")
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    t.execute("SAVEPOINT a")
    with pytest.raises(mongodbapi.IntegrityError):
        t.execute("UPDATE t SET name = 'ann' WHERE name = 'cy'")
    t.execute("ROLLBACK TO SAVEPOINT a")
    t.execute("UPDATE t SET n = 33 WHERE name = 'cy'")
    t.execute("COMMIT")
    assert stored(conn) == [(1, "ann", 1), (2, "bob", 2), (3, "cy", 33)]


def test_savepoint_with_autocommit_on_and_no_transaction_is_an_error(conn, t):
    conn.autocommit = True
    with pytest.raises(mongodbapi.InternalError, match="only be used in a transaction"):
        t.execute("SAVEPOINT a")
    with pytest.raises(mongodbapi.InternalError, match="only be used in a transaction"):
        t.execute("ROLLBACK TO SAVEPOINT a")
    with pytest.raises(mongodbapi.InternalError, match="only be used in a transaction"):
        t.execute("RELEASE SAVEPOINT a")
    assert not conn.in_transaction


def test_savepoints_need_a_server_with_transactions(conn, t, monkeypatch):
    # A standalone server answers "hello" without a replica set name; the connection caches that.
    monkeypatch.setattr(conn, "_transactions_supported", False)
    assert conn.savepoints_supported is False
    with pytest.raises(mongodbapi.NotSupportedError, match="replica set"):
        t.execute("SAVEPOINT a")


def test_savepoints_supported_follows_transactions(conn):
    assert conn.savepoints_supported is conn.transactions_supported is True


def test_ddl_commits_the_transaction_and_ends_its_savepoints(conn, t):
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    t.execute("SAVEPOINT a")
    t.execute("INSERT INTO t (name, n) VALUES ('dee', 4)")
    t.execute("CREATE TABLE other (id INTEGER PRIMARY KEY)")
    assert not conn.in_transaction
    with pytest.raises(mongodbapi.InternalError):
        t.execute("ROLLBACK TO SAVEPOINT a")
    conn.rollback()
    assert [r[1] for r in stored(conn)] == ["ann", "bob", "cy", "dee"]  # committed by the DDL


def test_ddl_in_a_failed_transaction_is_refused(conn, t):
    with pytest.raises(mongodbapi.IntegrityError):
        t.execute("INSERT INTO t (id, name) VALUES (1, 'dup')")
    with pytest.raises(mongodbapi.InternalError, match="aborted"):
        t.execute("CREATE TABLE other (id INTEGER PRIMARY KEY)")
    conn.rollback()
    t.execute("CREATE TABLE other (id INTEGER PRIMARY KEY)")


def test_a_replay_that_no_longer_fits_the_data_fails_the_transaction_for_good(conn, t, dbname):
    """Another client deletes a row our transaction updated: replay finds it gone."""
    t.execute("UPDATE t SET n = 10 WHERE name = 'bob'")
    t.execute("SAVEPOINT a")
    t.execute("INSERT INTO t (name, n) VALUES ('cy', 3)")
    # The in-process engine shows uncommitted writes to other sessions, so the other client
    # works on a collection our transaction has not touched in a way it can see: it removes bob
    # behind our back once our transaction is aborted for the replay, as a concurrent commit would.
    other = mongodbapi.connect(f"mongomock://{dbname}")
    try:
        original = conn._session.abort_transaction

        def abort_then_commit_elsewhere():
            original()
            other.database.t.delete_one({"name": "bob"})

        conn._session.abort_transaction = abort_then_commit_elsewhere
        with pytest.raises(mongodbapi.OperationalError, match="affected 0 document"):
            t.execute("ROLLBACK TO SAVEPOINT a")
    finally:
        del conn._session.abort_transaction
        other.close()
    with pytest.raises(mongodbapi.InternalError, match="aborted"):
        t.execute("SELECT * FROM t")
    with pytest.raises(mongodbapi.InternalError):
        t.execute("ROLLBACK TO SAVEPOINT a")  # the savepoints went with the transaction
    conn.rollback()
    assert [r[1] for r in rows(t)] == ["ann"]


def test_executemany_and_bulk_inserts_are_replayed(conn, t):
    t.executemany("INSERT INTO t (name, n) VALUES (%s, %s)", [("cy", 3), ("dee", 4)])
    t.executemany("UPDATE t SET n = n + %s WHERE name = %s", [(100, "cy"), (100, "dee")])
    t.execute("SAVEPOINT a")
    t.executemany("DELETE FROM t WHERE name = %s", [("cy",), ("ann",)])
    t.execute("ROLLBACK TO SAVEPOINT a")
    conn.commit()
    assert stored(conn) == [(1, "ann", 1), (2, "bob", 2), (3, "cy", 103), (4, "dee", 104)]


def test_the_log_holds_what_was_sent_not_what_the_caller_changed_later(conn, cur):
    cur.execute("CREATE TABLE j (id INTEGER PRIMARY KEY, tags JSON)")
    tags = ["a"]
    cur.execute("INSERT INTO j (tags) VALUES (%s)", (tags,))
    tags.append("changed after the insert")
    cur.execute("SAVEPOINT a")
    cur.execute("INSERT INTO j (tags) VALUES (%s)", (["b"],))
    cur.execute("ROLLBACK TO SAVEPOINT a")
    conn.commit()
    assert [d["tags"] for d in conn.database.j.find()] == [["a"]]
