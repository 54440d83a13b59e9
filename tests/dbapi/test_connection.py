"""Connecting, sharing clients, closing, autocommit, and transactions."""

from __future__ import annotations

import time
import uuid

import mongomock_ng
import pytest

import mongodbapi


def unique_name() -> str:
    return f"conn_{uuid.uuid4().hex[:16]}"


def count(cursor, table="t"):
    cursor.execute(f"SELECT COUNT(*) FROM {table}")
    return cursor.fetchone()[0]


# ----------------------------------------------------------------- connect forms


def test_mongomock_uri_connects_to_the_named_database(dbname):
    connection = mongodbapi.connect(f"mongomock://{dbname}")
    try:
        assert connection.database.name == dbname
        assert connection.embedded and not connection.closed
        cursor = connection.cursor()
        cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        cursor.execute("INSERT INTO t VALUES (1)")
        assert connection.database.list_collection_names().count("t") == 1
    finally:
        connection.close()
        connection.client.drop_database(dbname)


def test_mongomock_connections_share_one_server_and_see_each_others_data(dbname):
    first = mongodbapi.connect(f"mongomock://{dbname}")
    second = mongodbapi.connect(f"mongomock://{dbname}")
    try:
        assert first.client is second.client  # clients are reused, not created per connection
        c1, c2 = first.cursor(), second.cursor()
        c1.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        c1.execute("INSERT INTO t VALUES (1, 'one')")
        first.commit()
        c2.execute("SELECT id, name FROM t")
        assert c2.fetchall() == [(1, "one")]
        c2.execute("INSERT INTO t VALUES (2, 'two')")
        second.commit()
        assert count(c1) == 2
    finally:
        first.close()
        second.close()
        first.client.drop_database(dbname)


def test_connections_to_other_databases_are_separate():
    a, b = unique_name(), unique_name()
    first, second = mongodbapi.connect(f"mongomock://{a}"), mongodbapi.connect(f"mongomock://{b}")
    try:
        first.cursor().execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        with pytest.raises(mongodbapi.ProgrammingError, match="no such table"):
            second.cursor().execute("SELECT * FROM t")
    finally:
        first.close()
        second.close()
        first.client.drop_database(a)


def test_client_keyword_shares_an_existing_client_and_never_closes_it(monkeypatch):
    client = mongomock_ng.MongoClient()
    name = unique_name()
    client[name].people.insert_many([{"_id": 1, "name": "Ann"}, {"_id": 2, "name": "Bob"}])
    closed = []
    monkeypatch.setattr(client, "close", lambda *a, **k: closed.append(True), raising=False)

    connection = mongodbapi.connect(client=client, database=name)
    assert connection.client is client and connection.database.name == name
    cursor = connection.cursor()
    cursor.execute("SELECT name FROM people WHERE _id = %s", (2,))
    assert cursor.fetchall() == [("Bob",)]
    cursor.execute("INSERT INTO people (_id, name) VALUES (3, 'Cy')")
    connection.commit()
    connection.close()

    assert closed == []  # the caller's client is left open ...
    assert client[name].people.count_documents({}) == 3  # ... and still usable
    assert client[name].people.find_one({"_id": 3})["name"] == "Cy"


def test_client_keyword_without_database_is_an_interface_error():
    with pytest.raises(mongodbapi.InterfaceError, match="database"):
        mongodbapi.connect(client=mongomock_ng.MongoClient())


@pytest.mark.parametrize("kwargs,match", [
    ({}, "connection string"),
    ({"dsn": "postgres://localhost/db"}, "unsupported connection string"),
    ({"dsn": "mongomock://"}, "no database"),
    ({"dsn": "mongodb://localhost:27017/"}, "no database"),
    ({"host": "localhost"}, "no database"),
], ids=["nothing", "wrong-scheme", "mongomock-no-db", "mongodb-no-db", "host-no-db"])
def test_bad_connect_arguments_raise_interface_error(kwargs, match):
    started = time.monotonic()
    with pytest.raises(mongodbapi.InterfaceError, match=match):
        mongodbapi.connect(**kwargs)
    assert time.monotonic() - started < 1  # refused before any network access


def test_keyword_form_database_overrides_the_uri(dbname):
    connection = mongodbapi.connect("mongomock://ignored_name", database=dbname)
    try:
        assert connection.database.name == dbname
    finally:
        connection.close()


def test_unreachable_server_raises_operational_error_quickly_with_the_host():
    started = time.monotonic()
    with pytest.raises(mongodbapi.OperationalError) as info:
        mongodbapi.connect("mongodb://127.0.0.1:1/db", serverSelectionTimeoutMS=300)
    assert time.monotonic() - started < 5
    assert "127.0.0.1:1" in str(info.value)
    assert str(info.value).startswith("cannot connect to MongoDB at 127.0.0.1:1")


def test_unreachable_server_keyword_form():
    started = time.monotonic()
    with pytest.raises(mongodbapi.OperationalError, match="127.0.0.1:1"):
        mongodbapi.connect(host="127.0.0.1", port=1, database="db", serverSelectionTimeoutMS=300)
    assert time.monotonic() - started < 5


def test_failed_connect_does_not_leave_a_client_registered():
    from mongodbapi import connection as connection_module

    before = dict(connection_module._clients)
    with pytest.raises(mongodbapi.OperationalError):
        mongodbapi.connect("mongodb://127.0.0.1:1/leak_check", serverSelectionTimeoutMS=200)
    assert connection_module._clients == before


# ----------------------------------------------------------------- lifecycle


def test_close_then_use_raises_interface_error(dbname):
    connection = mongodbapi.connect(f"mongomock://{dbname}")
    cursor = connection.cursor()
    connection.close()
    assert connection.closed
    for call in (connection.cursor, connection.commit, connection.rollback):
        with pytest.raises(mongodbapi.InterfaceError, match="closed"):
            call()
    with pytest.raises(mongodbapi.InterfaceError, match="closed"):
        cursor.execute("SELECT 1")
    with pytest.raises(mongodbapi.InterfaceError):
        connection.autocommit = True
    connection.close()  # closing twice is harmless


def test_close_rolls_back_an_open_transaction(dbname):
    connection = mongodbapi.connect(f"mongomock://{dbname}")
    cursor = connection.cursor()
    cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    cursor.execute("INSERT INTO t VALUES (1)")
    assert connection.in_transaction
    connection.close()
    other = mongodbapi.connect(f"mongomock://{dbname}")
    try:
        assert count(other.cursor()) == 0
    finally:
        other.close()
        other.client.drop_database(dbname)


def test_context_manager_commits_and_closes(dbname):
    with mongodbapi.connect(f"mongomock://{dbname}") as connection:
        cursor = connection.cursor()
        cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        cursor.execute("INSERT INTO t VALUES (1)")
    assert connection.closed
    with mongodbapi.connect(f"mongomock://{dbname}") as other:
        assert count(other.cursor()) == 1
    other.client.drop_database(dbname)


def test_context_manager_rolls_back_on_error_and_reraises(dbname):
    with mongodbapi.connect(f"mongomock://{dbname}") as setup:
        setup.cursor().execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    with pytest.raises(ZeroDivisionError):
        with mongodbapi.connect(f"mongomock://{dbname}") as connection:
            connection.cursor().execute("INSERT INTO t VALUES (1)")
            1 / 0
    assert connection.closed
    with mongodbapi.connect(f"mongomock://{dbname}") as other:
        assert count(other.cursor()) == 0
    other.client.drop_database(dbname)


def test_cursor_context_manager_closes_the_cursor(conn):
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    assert cursor.closed
    with pytest.raises(mongodbapi.InterfaceError):
        cursor.execute("SELECT * FROM t")


# ----------------------------------------------------------------- autocommit and transactions


def test_the_engine_supports_transactions(conn):
    assert conn.transactions_supported is True


def test_autocommit_is_off_by_default_and_settable(conn, cur):
    assert conn.autocommit is False
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    conn.autocommit = True
    assert conn.autocommit is True
    cur.execute("INSERT INTO t VALUES (1)")
    assert not conn.in_transaction
    conn.rollback()  # nothing to undo: the insert was committed when it ran
    assert count(cur) == 1
    conn.autocommit = False
    assert conn.autocommit is False


def test_turning_autocommit_on_commits_the_open_transaction(conn, cur, dbname):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    cur.execute("INSERT INTO t VALUES (1)")
    assert conn.in_transaction
    conn.autocommit = True
    assert not conn.in_transaction
    conn.rollback()
    assert count(cur) == 1


def test_rollback_undoes_an_insert(conn, cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    cur.execute("INSERT INTO t VALUES (1, 'kept')")
    conn.commit()
    cur.execute("INSERT INTO t VALUES (2, 'undone')")
    cur.execute("UPDATE t SET name = 'changed' WHERE id = 1")
    assert conn.in_transaction
    conn.rollback()
    assert not conn.in_transaction
    cur.execute("SELECT id, name FROM t ORDER BY id")
    assert cur.fetchall() == [(1, "kept")]
    assert conn.database.t.count_documents({}) == 1


def test_commit_keeps_an_insert_and_other_connections_see_it(conn, cur, dbname):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    cur.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.rollback()  # too late: it is committed
    assert count(cur) == 1
    other = mongodbapi.connect(f"mongomock://{dbname}")
    try:
        assert count(other.cursor()) == 1
    finally:
        other.close()


def test_sql_transaction_statements(conn, cur):
    conn.autocommit = True
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    cur.execute("BEGIN")
    assert conn.in_transaction
    cur.execute("INSERT INTO t VALUES (1)")
    cur.execute("ROLLBACK")
    assert not conn.in_transaction and count(cur) == 0
    cur.execute("START TRANSACTION")
    cur.execute("INSERT INTO t VALUES (2)")
    cur.execute("COMMIT")
    assert count(cur) == 1
    assert cur.description is not None  # the COUNT above; COMMIT itself has no result set
    cur.execute("BEGIN")
    with pytest.raises(mongodbapi.ProgrammingError, match="already in progress"):
        cur.execute("BEGIN")
    conn.rollback()


def test_savepoints_are_emulated_inside_transactions(conn, cur):
    # tests/dbapi/test_savepoints.py has the details
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    cur.execute("SAVEPOINT sp1")
    cur.execute("INSERT INTO t VALUES (1)")
    cur.execute("ROLLBACK TO SAVEPOINT sp1")
    conn.commit()
    assert count(cur) == 0


def test_ddl_commits_the_open_transaction(conn, cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    cur.execute("INSERT INTO t VALUES (1)")
    cur.execute("CREATE TABLE u (id INTEGER PRIMARY KEY)")  # MongoDB DDL is not transactional
    conn.rollback()
    assert count(cur) == 1


def test_a_failed_write_rolls_back_the_transaction_until_rollback(conn, cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    cur.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    cur.execute("INSERT INTO t VALUES (2)")
    with pytest.raises(mongodbapi.IntegrityError):
        cur.execute("INSERT INTO t VALUES (1)")
    # No savepoint was set: the whole transaction is gone, and the connection says so.
    with pytest.raises(mongodbapi.InternalError, match="rollback"):
        cur.execute("SELECT * FROM t")
    assert conn.database.t.count_documents({}) == 1
    conn.rollback()
    assert count(cur) == 1
    cur.execute("INSERT INTO t VALUES (3)")
    conn.commit()
    assert count(cur) == 2


def test_commit_after_a_failed_write_raises_and_ends_the_transaction(conn, cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    conn.commit()
    cur.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(mongodbapi.IntegrityError):
        cur.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(mongodbapi.InternalError, match="rolled back"):
        conn.commit()
    assert count(cur) == 0  # usable again, and the lost insert is really gone


def test_a_statement_rejected_before_it_runs_does_not_end_the_transaction(conn, cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)")
    conn.commit()
    cur.execute("INSERT INTO t VALUES (1, 'a')")
    with pytest.raises(mongodbapi.ProgrammingError):
        cur.execute("SELECT nope FROM t")  # planning fails: nothing reached the server
    conn.commit()
    assert count(cur) == 1


def test_a_query_that_fails_on_the_server_fails_the_transaction_as_the_server_does(conn, cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)")
    conn.commit()
    cur.execute("INSERT INTO t VALUES (1, 'a')")
    cur.execute("SAVEPOINT before_query")
    cur.execute("INSERT INTO t VALUES (2, 'b')")
    with pytest.raises(mongodbapi.DatabaseError, match="more than one row"):
        cur.execute("SELECT (SELECT id FROM t) FROM t")
    with pytest.raises(mongodbapi.InternalError, match="rollback"):
        cur.execute("SELECT * FROM t")
    cur.execute("ROLLBACK TO SAVEPOINT before_query")
    conn.commit()
    cur.execute("SELECT id FROM t")
    assert cur.fetchall() == [(1,)]
