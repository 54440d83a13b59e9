"""Bad input: syntax errors, unknown names, constraint violations, atomic failures, values as data,
unsupported SQL, and engine failures, each as the right PEP 249 exception."""

from __future__ import annotations

import pymongo.errors
import pytest

import mongodbapi

# ----------------------------------------------------------------- syntax errors


@pytest.mark.parametrize("sql,line,column,what,excerpt", [
    ("SELEC 1", 1, 1, "unexpected 'SELEC'", "SELEC 1\n^"),
    ("SELECT id FROM t WHERE", 1, 23, "unexpected end of statement", "SELECT id FROM t WHERE\n" + " " * 22 + "^"),
    ("SELECT id,, name FROM t", 1, 11, "unexpected ','", "SELECT id,, name FROM t\n" + " " * 10 + "^"),
    ("SELECT @ FROM t", 1, 8, "unexpected character '@'", "SELECT @ FROM t\n" + " " * 7 + "^"),
    ("SELECT id FROM t WHERE name = 'open", 1, 31, "unexpected character", "SELECT id FROM t WHERE name = 'open\n"
     + " " * 30 + "^"),
    ("SELECT id,\n       name\nFROM t\nWHERE id = = 1", 4, 12, "unexpected '='", "WHERE id = = 1\n" + " " * 11 + "^"),
    ("\n\n  SELECT id\n  FROM t\n  ORDER id", 5, 9, "unexpected 'id'", "  ORDER id\n" + " " * 8 + "^"),
], ids=["first-word", "end-of-statement", "double-comma", "bad-character", "unterminated-string", "multi-line",
        "leading-blank-lines"])
def test_syntax_error_has_line_column_and_caret_excerpt(cur, sql, line, column, what, excerpt):
    with pytest.raises(mongodbapi.ProgrammingError) as info:
        cur.execute(sql)
    error = info.value
    assert (error.line, error.column) == (line, column)
    message = str(error)
    assert message.startswith(f"syntax error at line {line}, column {column}: {what}")
    assert message.endswith("\n" + excerpt)


def test_syntax_error_is_not_wrapped_in_a_lark_exception(cur):
    with pytest.raises(mongodbapi.ProgrammingError) as info:
        cur.execute("SELECT FROM WHERE")
    assert info.value.__cause__ is None and info.value.__suppress_context__


# ----------------------------------------------------------------- unknown names


@pytest.fixture
def table(conn, cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, n INTEGER)")
    cur.executemany("INSERT INTO t VALUES (%s, %s, %s, %s)", [(1, "ann", "a@x", 1), (2, "bob", "b@x", 2)])
    conn.commit()
    return cur


def rows(cur):
    cur.execute("SELECT id, name, email, n FROM t ORDER BY id")
    return cur.fetchall()


BEFORE = [(1, "ann", "a@x", 1), (2, "bob", "b@x", 2)]


@pytest.mark.parametrize("sql", ["SELECT * FROM nosuch", "INSERT INTO nosuch VALUES (1)", "UPDATE nosuch SET a = 1",
                                 "DELETE FROM nosuch", "DROP TABLE nosuch"])
def test_unknown_table_is_a_programming_error(table, sql):
    with pytest.raises(mongodbapi.ProgrammingError, match="no such table: nosuch"):
        table.execute(sql)


@pytest.mark.parametrize("sql,position", [
    ("SELECT nosuch FROM t", "line 1, column 8"),
    ("SELECT id FROM t WHERE nosuch = 1", "line 1, column 24"),
    ("SELECT id FROM t GROUP BY nosuch", "line 1, column 27"),
    ("SELECT x.id FROM t", "line 1, column 8"),
    ("UPDATE t SET nosuch = 1", "line 1, column 14"),
])
def test_unknown_column_is_a_programming_error_with_its_position(table, sql, position):
    with pytest.raises(mongodbapi.ProgrammingError, match="no such column") as info:
        table.execute(sql)
    assert position in str(info.value)


def test_unknown_column_in_insert(table):
    with pytest.raises(mongodbapi.ProgrammingError, match="no column named nosuch"):
        table.execute("INSERT INTO t (id, nosuch) VALUES (3, 1)")


def test_wrong_number_of_insert_values(table):
    with pytest.raises(mongodbapi.ProgrammingError, match="3 values for 2 columns"):
        table.execute("INSERT INTO t (id, name) VALUES (3, 'x', 'y')")


# ----------------------------------------------------------------- constraints


def test_primary_key_violation_is_an_integrity_error(table):
    with pytest.raises(mongodbapi.IntegrityError, match="duplicate key") as info:
        table.execute("INSERT INTO t VALUES (1, 'again', 'z@x', 0)")
    assert info.value.code == 11000
    assert not isinstance(info.value, pymongo.errors.PyMongoError)


def test_unique_violation_is_an_integrity_error(table):
    with pytest.raises(mongodbapi.IntegrityError, match="duplicate key.*email"):
        table.execute("INSERT INTO t VALUES (3, 'cy', 'a@x', 0)")
    table.connection.rollback()
    with pytest.raises(mongodbapi.IntegrityError, match="duplicate key"):
        table.execute("UPDATE t SET email = 'a@x' WHERE id = 2")


def test_composite_unique_constraint_and_unique_index(conn, cur):
    cur.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, c TEXT, UNIQUE (a, b))")
    cur.execute("CREATE UNIQUE INDEX m_c ON m (c)")
    cur.execute("INSERT INTO m VALUES (1, 1, 1, 'x'), (2, 1, 2, 'y')")
    conn.commit()
    with pytest.raises(mongodbapi.IntegrityError):
        cur.execute("INSERT INTO m VALUES (3, 1, 2, 'z')")
    conn.rollback()
    with pytest.raises(mongodbapi.IntegrityError):
        cur.execute("INSERT INTO m VALUES (3, 2, 2, 'x')")
    conn.rollback()
    cur.execute("INSERT INTO m VALUES (3, 2, 2, 'z')")
    assert cur.rowcount == 1


@pytest.mark.parametrize("sql", [
    "INSERT INTO t (id, email) VALUES (3, 'c@x')",
    "INSERT INTO t VALUES (3, NULL, 'c@x', 0)",
    "UPDATE t SET name = NULL WHERE id = 1",
], ids=["omitted", "explicit-null", "update-to-null"])
def test_not_null_violation_is_an_integrity_error(table, sql):
    with pytest.raises(mongodbapi.IntegrityError, match="NOT NULL.*name"):
        table.execute(sql)
    table.connection.rollback()
    assert rows(table) == BEFORE


def test_not_null_violation_with_a_parameter(table):
    with pytest.raises(mongodbapi.IntegrityError, match="NOT NULL"):
        table.execute("INSERT INTO t (id, name) VALUES (%s, %s)", (3, None))


# ----------------------------------------------------------------- statements fail as a whole


@pytest.mark.parametrize("autocommit", [False, True], ids=["in-transaction", "autocommit"])
def test_multi_row_insert_failing_on_the_third_row_changes_nothing(table, autocommit):
    table.connection.autocommit = autocommit
    raw_before = list(table.connection.database.t.find())
    with pytest.raises(mongodbapi.IntegrityError):
        table.execute("INSERT INTO t VALUES (3, 'cy', 'c@x', 3), (4, 'dee', 'd@x', 4), (1, 'dup', 'e@x', 5)")
    # Checked on the raw collection before any rollback() (the engine shows uncommitted writes).
    assert list(table.connection.database.t.find()) == raw_before
    table.connection.rollback()
    assert rows(table) == BEFORE
    assert list(table.connection.database.t.find()) == raw_before


@pytest.mark.parametrize("autocommit", [False, True], ids=["in-transaction", "autocommit"])
def test_executemany_insert_failing_part_way_changes_nothing(table, autocommit):
    table.connection.autocommit = autocommit
    with pytest.raises(mongodbapi.IntegrityError):
        table.executemany("INSERT INTO t VALUES (%s, %s, %s, %s)",
                          [(3, "cy", "c@x", 3), (4, "dee", "d@x", 4), (5, "eve", "a@x", 5)])
    assert table.connection.database.t.count_documents({}) == 2
    table.connection.rollback()
    assert rows(table) == BEFORE


@pytest.mark.parametrize("autocommit", [False, True], ids=["in-transaction", "autocommit"])
def test_update_failing_part_way_changes_nothing(table, autocommit):
    table.connection.autocommit = autocommit
    table.execute("INSERT INTO t VALUES (3, 'cy', 'b@xx', 3)")
    table.connection.commit()
    before = rows(table)
    raw_before = list(table.connection.database.t.find())
    # Row 1 becomes 'a@xx' (fine), row 2 becomes 'b@xx', which row 3 already has.
    with pytest.raises(mongodbapi.IntegrityError):
        table.execute("UPDATE t SET email = email || 'x', n = n + 100 WHERE id IN (1, 2)")
    assert list(table.connection.database.t.find()) == raw_before
    table.connection.rollback()
    assert rows(table) == before


def test_a_failed_statement_inside_a_transaction_takes_the_transaction_with_it(table):
    table.execute("INSERT INTO t VALUES (3, 'cy', 'c@x', 3)")
    with pytest.raises(mongodbapi.IntegrityError):
        table.execute("INSERT INTO t VALUES (4, 'dee', 'd@x', 4), (1, 'dup', 'e@x', 5)")
    with pytest.raises(mongodbapi.InternalError, match="aborted"):
        table.execute("INSERT INTO t VALUES (5, 'eve', 'f@x', 5)")
    table.connection.rollback()
    assert rows(table) == BEFORE


# ----------------------------------------------------------------- values are data, never operators


@pytest.mark.parametrize("value", ["$gt", '{"$gt": ""}', {"$ne": 1}, {"$gt": ""}, ["$ne", 1], "$where", ".*"],
                         ids=repr)
def test_parameters_match_literally(table, value):
    table.execute("SELECT id FROM t WHERE name = %s", (value,))
    assert table.fetchall() == []
    table.execute("SELECT id FROM t WHERE name IN (%s, %s)", (value, "bob"))
    assert table.fetchall() == [(2,)]
    table.execute("DELETE FROM t WHERE name = %s", (value,))
    assert table.rowcount == 0
    table.execute("UPDATE t SET n = 0 WHERE email = %s", (value,))
    assert table.rowcount == 0
    assert rows(table) == BEFORE


@pytest.mark.parametrize("value", ["$gt", '{"$gt": ""}', "$where", ".*", "a%"])
def test_an_equal_row_is_found_exactly(table, value):
    table.execute("INSERT INTO t VALUES (9, %s, 'z@x', 9)", (value,))
    table.execute("SELECT id FROM t WHERE name = %s", (value,))
    assert table.fetchall() == [(9,)]
    table.execute("SELECT name FROM t WHERE id = 9")
    assert table.fetchall() == [(value,)]


def test_operator_shaped_json_values_are_stored_and_matched_as_values(conn, cur):
    cur.execute("CREATE TABLE j (id INTEGER PRIMARY KEY, doc JSON)")
    cur.executemany("INSERT INTO j VALUES (%s, %s)", [(1, {"$ne": 1}), (2, {"k": 1})])
    cur.execute("SELECT id FROM j WHERE doc = %s", ({"$ne": 1},))
    assert cur.fetchall() == [(1,)]
    cur.execute("SELECT doc FROM j WHERE id = 1")
    assert cur.fetchall() == [({"$ne": 1},)]
    cur.execute("UPDATE j SET doc = %s WHERE id = 2", ({"$inc": {"k": 1}},))
    cur.execute("SELECT doc FROM j WHERE id = 2")
    assert cur.fetchall() == [({"$inc": {"k": 1}},)]


def test_like_patterns_escape_regex_metacharacters(table):
    table.execute("INSERT INTO t VALUES (3, 'a.c', 'c@x', 3), (4, 'abc', 'd@x', 4), (5, 'a(c', 'e@x', 5)")
    table.execute("SELECT name FROM t WHERE name LIKE %s ORDER BY id", ("a.c",))
    assert table.fetchall() == [("a.c",)]
    table.execute("SELECT name FROM t WHERE name LIKE %s ORDER BY id", ("a(%",))
    assert table.fetchall() == [("a(c",)]
    table.execute("SELECT name FROM t WHERE name LIKE %s ORDER BY id", ("a_c",))
    assert table.fetchall() == [("a.c",), ("abc",), ("a(c",)]


@pytest.mark.parametrize("sql", [
    'SELECT "$x" FROM t',
    'SELECT id FROM t WHERE "$where" = 1',
    'CREATE TABLE bad ("$a" INTEGER)',
    'CREATE TABLE bad (id INTEGER, "a\x00b" INTEGER)',
    'ALTER TABLE t ADD COLUMN "$z" INTEGER',
    'INSERT INTO schemaless (a, "$b") VALUES (1, 2)',
    'INSERT INTO schemaless (a, "b\x00c") VALUES (1, 2)',
    'UPDATE schemaless SET "$set" = 1',
    'CREATE TABLE "$bad" (a INTEGER)',
    'CREATE TABLE "bad\x00name" (a INTEGER)',
], ids=["select", "where", "create", "create-nul", "alter", "insert", "insert-nul", "update", "table", "table-nul"])
def test_names_starting_with_dollar_or_containing_nul_are_rejected(conn, table, sql):
    conn.database.schemaless.insert_one({"a": 0})
    with pytest.raises(mongodbapi.ProgrammingError, match="(?i)invalid (identifier|name)"):
        table.execute(sql)
    assert conn.database.schemaless.count_documents({}) == 1


# ----------------------------------------------------------------- unsupported SQL


def test_call_is_not_supported(cur):
    with pytest.raises(mongodbapi.NotSupportedError, match="CALL"):
        cur.execute("CALL foo()")


@pytest.mark.parametrize("sql,match", [
    ("SELECT COUNT(*) OVER w FROM t WINDOW w AS (ORDER BY id)", r"(?i)window.*line 1, column \d+"),
    ("CREATE TABLE c (id INTEGER PRIMARY KEY, n INTEGER CHECK (n > 0))", "CHECK"),
    ("EXPLAIN CREATE TABLE e (id INTEGER)", "EXPLAIN"),
], ids=["named-window", "check", "explain-ddl"])
def test_unsupported_sql_names_the_construct(table, sql, match):
    with pytest.raises(mongodbapi.NotSupportedError, match=match):
        table.execute(sql)


def test_updating_the_primary_key_is_not_supported(table):
    with pytest.raises(mongodbapi.NotSupportedError, match="primary key"):
        table.execute("UPDATE t SET id = 10 WHERE id = 1")


# ----------------------------------------------------------------- nothing escapes unwrapped


@pytest.mark.parametrize("sql,expected", [
    ("SELECT name + 1 FROM t", mongodbapi.DataError),
    ("SELECT name * 2 FROM t", mongodbapi.DataError),
    ("SELECT id FROM t WHERE name + 1 > 0", mongodbapi.DataError),
    ("SELECT CAST(name AS INTEGER) FROM t", mongodbapi.DataError),
    ("SELECT POWER(name, 2) FROM t", mongodbapi.DataError),
    ("SELECT EXTRACT(YEAR FROM name) FROM t", mongodbapi.DataError),
    ("SELECT name ~ '[' FROM t", mongodbapi.DataError),
    ("SELECT CAST(name AS DATE) FROM t", mongodbapi.DataError),
    # The engine raises these without a server code (a server says 28765 / 5439012), so the
    # driver can only say DatabaseError; still never a pymongo or Python exception.
    ("SELECT SQRT(name) FROM t", mongodbapi.DatabaseError),
    ("SELECT DATE_TRUNC('month', name) FROM t", mongodbapi.DatabaseError),
], ids=["add-text", "multiply-text", "add-text-in-where", "cast-text-to-int", "power-text", "extract-from-text",
        "bad-regex", "cast-text-to-date", "sqrt-text", "date-trunc-text"])
def test_engine_failures_are_pep249_errors(table, sql, expected):
    with pytest.raises(mongodbapi.Error) as info:
        table.execute(sql)
        table.fetchall()
    error = info.value
    assert isinstance(error, expected)
    assert type(error).__module__ == "mongodbapi.errors"
    assert not isinstance(error, pymongo.errors.PyMongoError)
    assert "None" not in str(error).split(":")[0]  # no "MongoDB error None"


def test_failed_query_does_not_break_the_connection(table):
    table.connection.autocommit = True
    with pytest.raises(mongodbapi.DataError):
        table.execute("SELECT name + 1 FROM t")
    assert rows(table) == BEFORE


def test_failed_query_in_a_transaction_needs_a_rollback_as_the_server_aborted_it(table):
    table.execute("UPDATE t SET n = 10 WHERE id = 1")  # the first write starts the transaction
    with pytest.raises(mongodbapi.DataError):
        table.execute("SELECT name + 1 FROM t")
    with pytest.raises(mongodbapi.InternalError, match="call rollback"):
        rows(table)
    table.connection.rollback()
    assert rows(table) == BEFORE


def test_queries_before_the_first_write_start_no_transaction(table):
    """They read the latest committed data, and a failed one leaves nothing to roll back."""
    conn = table.connection
    with pytest.raises(mongodbapi.DataError):
        table.execute("SELECT name + 1 FROM t")
    assert not conn.in_transaction
    other = mongodbapi.connect(f"mongomock://{conn.database_name}")
    other.autocommit = True
    other.cursor().execute("UPDATE t SET n = 20 WHERE id = 2")
    assert rows(table)[1] == (2, "bob", "b@x", 20)  # committed by the other connection meanwhile
    table.execute("UPDATE t SET n = 11 WHERE id = 1")
    assert conn.in_transaction
    assert rows(table)[0] == (1, "ann", "a@x", 11)  # a query after a write sees the transaction's writes
    conn.rollback()
    assert rows(table)[0] == (1, "ann", "a@x", 1)
    other.close()


def test_translation_table_of_server_errors():
    from mongodbapi.exec.errors import translate

    cases = [
        (pymongo.errors.DuplicateKeyError("E11000", 11000, {"keyValue": {"a": 1}}), mongodbapi.IntegrityError),
        (pymongo.errors.OperationFailure("type mismatch", 14), mongodbapi.DataError),
        (pymongo.errors.OperationFailure("divide by zero", 16608), mongodbapi.DataError),
        (pymongo.errors.OperationFailure("can't convert from BSON type string to Date", 16006), mongodbapi.DataError),
        (pymongo.errors.OperationFailure("$sqrt only supports numeric types", 28765), mongodbapi.DataError),
        (pymongo.errors.OperationFailure("can't $mod by zero", 16610), mongodbapi.DataError),
        (pymongo.errors.OperationFailure("ns not found", 26), mongodbapi.ProgrammingError),
        (pymongo.errors.OperationFailure("unauthorized", 13), mongodbapi.OperationalError),
        (pymongo.errors.OperationFailure("no such transaction", 251), mongodbapi.InternalError),
        (pymongo.errors.OperationFailure("illegal operation", 20), mongodbapi.NotSupportedError),
        (pymongo.errors.OperationFailure("unknown", 999999), mongodbapi.DatabaseError),
        (pymongo.errors.ServerSelectionTimeoutError("no servers"), mongodbapi.OperationalError),
        (pymongo.errors.ExecutionTimeout("timeout", 50), mongodbapi.OperationalError),
        (pymongo.errors.InvalidName("bad $name"), mongodbapi.ProgrammingError),
        (pymongo.errors.BulkWriteError({"writeErrors": [{"code": 11000, "errmsg": "E11000 dup",
                                                         "keyValue": {"_id": 1}}]}), mongodbapi.IntegrityError),
        (ZeroDivisionError("division by zero"), mongodbapi.DataError),
        (NotImplementedError("$foo"), mongodbapi.NotSupportedError),
        (RuntimeError("odd"), mongodbapi.DatabaseError),
    ]
    for exc, cls in cases:
        translated = translate(exc)
        assert type(translated) is cls, (exc, translated)
    bulk = next(exc for exc, _ in cases if isinstance(exc, pymongo.errors.BulkWriteError))
    bulk = translate(bulk)
    assert "duplicate key" in str(bulk) and "_id" in str(bulk) and bulk.code == 11000


def test_driver_assertions_are_internal_errors_engine_assertions_are_data_errors():
    from mongodbapi.exec.errors import translate

    try:
        assert False, "driver invariant"
    except AssertionError as exc:
        assert type(translate(exc)) is mongodbapi.InternalError
    import mongomock_ng.aggregate as engine_aggregate

    try:
        exec(compile("assert False, '$add only uses numbers'", "<engine>", "exec"), vars(engine_aggregate).copy())
    except AssertionError as exc:
        assert type(translate(exc)) is mongodbapi.DataError
