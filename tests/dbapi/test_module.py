"""PEP 249 module interface: globals, the nine exceptions, type objects and constructors."""

from __future__ import annotations

import datetime
import time

import pytest

import mongodbapi
from mongodbapi import BINARY, DATETIME, NUMBER, ROWID, STRING

EXCEPTIONS = ["Warning", "Error", "InterfaceError", "DatabaseError", "DataError", "OperationalError",
              "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError"]


# ----------------------------------------------------------------- globals


def test_apilevel_threadsafety_paramstyle():
    assert mongodbapi.apilevel == "2.0"
    # 1: threads may share the module, not connections (a connection's session is not thread-safe).
    assert mongodbapi.threadsafety == 1
    assert mongodbapi.paramstyle == "pyformat"


def test_connect_is_the_module_constructor():
    assert callable(mongodbapi.connect)
    connection = mongodbapi.connect("mongomock://module_ctor")
    try:
        assert isinstance(connection, mongodbapi.Connection)
    finally:
        connection.close()


# ----------------------------------------------------------------- exceptions


@pytest.mark.parametrize("name", EXCEPTIONS)
def test_exception_is_exported_by_exact_name(name):
    cls = getattr(mongodbapi, name)
    assert isinstance(cls, type) and issubclass(cls, Exception)
    assert cls.__name__ == name
    assert name in mongodbapi.__all__


@pytest.mark.parametrize("name", EXCEPTIONS)
def test_exception_is_a_connection_attribute(conn, name):
    assert getattr(conn, name) is getattr(mongodbapi, name)
    assert getattr(mongodbapi.Connection, name) is getattr(mongodbapi, name)


def test_exception_hierarchy():
    m = mongodbapi
    assert issubclass(m.Warning, Exception) and not issubclass(m.Warning, m.Error)
    assert issubclass(m.Error, Exception)
    assert issubclass(m.InterfaceError, m.Error) and not issubclass(m.InterfaceError, m.DatabaseError)
    assert issubclass(m.DatabaseError, m.Error)
    for name in ["DataError", "OperationalError", "IntegrityError", "InternalError", "ProgrammingError",
                 "NotSupportedError"]:
        cls = getattr(m, name)
        assert cls.__bases__ == (m.DatabaseError,), name


def test_exceptions_carry_a_message_and_an_optional_code():
    error = mongodbapi.IntegrityError("duplicate key", code=11000)
    assert str(error) == "duplicate key" and error.code == 11000
    assert mongodbapi.ProgrammingError("x").code is None


def test_driver_errors_are_catchable_from_the_connection(conn, cur):
    with pytest.raises(conn.ProgrammingError):
        cur.execute("SELECT * FROM no_such_table")
    with pytest.raises(conn.Error):
        cur.execute("SELEC 1")


# ----------------------------------------------------------------- type objects


# (column type as written in CREATE TABLE, the type code description reports, its type object)
COLUMN_TYPES = [
    ("INTEGER", "INTEGER", NUMBER),
    ("INT", "INTEGER", NUMBER),
    ("BIGINT", "BIGINT", NUMBER),
    ("SMALLINT", "SMALLINT", NUMBER),
    ("REAL", "REAL", NUMBER),
    ("DOUBLE PRECISION", "REAL", NUMBER),
    ("NUMERIC(10,2)", "DECIMAL", NUMBER),
    ("DECIMAL(5,1)", "DECIMAL", NUMBER),
    ("BOOLEAN", "BOOLEAN", NUMBER),  # the module groups BOOLEAN with NUMBER (it sorts and sums as 0/1)
    ("TEXT", "TEXT", STRING),
    ("VARCHAR(20)", "VARCHAR", STRING),
    ("CHAR(3)", "CHAR", STRING),
    ("UUID", "UUID", STRING),
    ("JSON", "JSON", STRING),
    ("BLOB", "BLOB", BINARY),
    ("BYTEA", "BLOB", BINARY),
    ("DATE", "DATE", DATETIME),
    ("TIME", "TIME", DATETIME),
    ("TIMESTAMP", "TIMESTAMP", DATETIME),
    ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ", DATETIME),
    ("OBJECTID", "OBJECTID", ROWID),
]
TYPE_OBJECTS = [STRING, BINARY, NUMBER, DATETIME, ROWID]


@pytest.mark.parametrize("sql_type,code,type_object", COLUMN_TYPES, ids=[t[0] for t in COLUMN_TYPES])
def test_description_type_code_equals_its_type_object(cur, sql_type, code, type_object):
    cur.execute(f"CREATE TABLE t (id INTEGER PRIMARY KEY, c {sql_type})")
    cur.execute("SELECT c FROM t")
    type_code = cur.description[0][1]
    assert type_code == code
    assert type_code == type_object and type_object == type_code
    assert not type_code != type_object
    others = [t for t in TYPE_OBJECTS if t is not type_object and not (code == "OBJECTID" and t is STRING)]
    for other in others:
        assert type_code != other, f"{code} should not equal {other}"


def test_objectid_is_both_a_rowid_and_a_string(cur):
    cur.execute("CREATE TABLE t (id OBJECTID PRIMARY KEY)")
    cur.execute("SELECT id FROM t")
    assert cur.description[0][1] == ROWID
    assert cur.description[0][1] == STRING


def test_type_codes_of_expressions_and_sampled_collections(conn, cur):
    conn.database.raw.insert_one({"n": 1, "s": "x", "at": datetime.datetime(2020, 1, 1)})
    cur.execute("SELECT _id, n, s, at FROM raw")
    assert [d[1] for d in cur.description] == [ROWID, NUMBER, STRING, DATETIME]
    cur.execute("SELECT n + 1 AS m, COUNT(*) AS c, UPPER(s) AS u FROM raw GROUP BY n, s")
    assert [d[1] for d in cur.description] == [NUMBER, NUMBER, STRING]


def test_type_objects_are_distinct_and_hashable():
    assert len({STRING, BINARY, NUMBER, DATETIME, ROWID}) == 5
    assert STRING == STRING and STRING != NUMBER
    assert "not a type" != STRING and 5 != NUMBER


# ----------------------------------------------------------------- constructors


def test_date_time_timestamp_constructors():
    assert mongodbapi.Date(2024, 2, 29) == datetime.date(2024, 2, 29)
    assert mongodbapi.Time(13, 14, 15) == datetime.time(13, 14, 15)
    assert mongodbapi.Timestamp(2024, 2, 29, 13, 14, 15) == datetime.datetime(2024, 2, 29, 13, 14, 15)


def test_from_ticks_constructors_use_local_time():
    ticks = 1_700_000_000.75
    local = datetime.datetime.fromtimestamp(ticks)
    assert mongodbapi.DateFromTicks(ticks) == local.date()
    assert mongodbapi.TimeFromTicks(ticks) == local.time().replace(microsecond=0)
    assert mongodbapi.TimestampFromTicks(ticks) == local.replace(microsecond=0)
    assert mongodbapi.DateFromTicks(time.time()) == datetime.date.today()


def test_binary_constructor():
    value = mongodbapi.Binary(b"\x00\xffabc")
    assert value == b"\x00\xffabc" and isinstance(value, bytes)


def test_constructed_values_round_trip(cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, d DATE, tm TIME, ts TIMESTAMP, b BLOB)")
    row = (1, mongodbapi.Date(2001, 2, 3), mongodbapi.Time(4, 5, 6), mongodbapi.Timestamp(2001, 2, 3, 4, 5, 6),
           mongodbapi.Binary(b"\x01\x02"))
    cur.execute("INSERT INTO t VALUES (%s, %s, %s, %s, %s)", row)
    cur.execute("SELECT id, d, tm, ts, b FROM t")
    assert cur.fetchall() == [row]
