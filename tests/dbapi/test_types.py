"""Types both ways: values bound as parameters, stored as BSON, and read back as Python values.

The storage policy is the table in ``mongodbapi/types.py``; each test checks the Python value that
comes back and, where the policy names a BSON type, the raw document through ``conn.database``.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest
from bson import Binary, Decimal128, ObjectId
from bson.binary import UUID_SUBTYPE

import mongodbapi

UTC = datetime.timezone.utc
PLUS2 = datetime.timezone(datetime.timedelta(hours=2))


def round_trip(cur, sql_type, value):
    """Insert ``value`` into a column of ``sql_type`` with a parameter; return (read back, raw)."""
    cur.execute("DROP TABLE IF EXISTS rt")
    cur.execute(f"CREATE TABLE rt (id INTEGER PRIMARY KEY, v {sql_type})")
    cur.execute("INSERT INTO rt (id, v) VALUES (%s, %s)", (1, value))
    cur.execute("SELECT v FROM rt WHERE id = 1")
    (back,) = cur.fetchone()
    raw = cur.connection.database.rt.find_one({"_id": 1}).get("v", MISSING)
    return back, raw


MISSING = object()  # no such field in the stored document


# ----------------------------------------------------------------- numbers


@pytest.mark.parametrize("sql_type", ["INTEGER", "BIGINT", "SMALLINT"])
@pytest.mark.parametrize("value", [0, 1, -1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63 - 1, -(2**63)])
def test_integers_round_trip_exactly_within_int64(cur, sql_type, value):
    back, raw = round_trip(cur, sql_type, value)
    assert back == value and type(back) is int
    assert raw == value and type(raw) is int


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
def test_integers_outside_int64_raise_data_error(conn, cur, value):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BIGINT)")
    conn.commit()
    with pytest.raises(mongodbapi.DataError, match="64-bit"):
        cur.execute("INSERT INTO t (id, v) VALUES (1, %s)", (value,))
    conn.rollback()
    with pytest.raises(mongodbapi.DataError, match="64-bit"):
        cur.execute(f"INSERT INTO t (id, v) VALUES (1, {value})")
    conn.rollback()
    cur.execute("SELECT COUNT(*) FROM t")
    assert cur.fetchone() == (0,)


def test_integer_column_keeps_integral_floats_and_decimals_as_int(cur):
    assert round_trip(cur, "INTEGER", 7.0) == (7, 7)
    back, _ = round_trip(cur, "INTEGER", decimal.Decimal("8"))
    assert back == 8 and type(back) is int


@pytest.mark.parametrize("sql_type", ["REAL", "DOUBLE PRECISION", "FLOAT"])
@pytest.mark.parametrize("value", [1.5, -2.25, 1e300, 5e-324, 0.1 + 0.2])
def test_reals_round_trip(cur, sql_type, value):
    back, raw = round_trip(cur, sql_type, value)
    assert back == value and type(back) is float
    assert raw == value


def test_real_column_stores_ints_as_doubles(cur):
    back, raw = round_trip(cur, "REAL", 2)
    assert back == 2.0 and type(back) is float and type(raw) is float


def test_real_infinities_and_nan(cur):
    assert round_trip(cur, "REAL", float("inf"))[0] == float("inf")
    assert round_trip(cur, "REAL", float("-inf"))[0] == float("-inf")
    back, _ = round_trip(cur, "REAL", float("nan"))
    assert back != back


@pytest.mark.parametrize("value", ["12345678.91", "-0.01", "0", "1.10", "99999999.99"])
def test_numeric_round_trips_as_decimal_stored_as_decimal128(cur, value):
    back, raw = round_trip(cur, "NUMERIC(10,2)", decimal.Decimal(value))
    assert back == decimal.Decimal(value) and type(back) is decimal.Decimal
    assert str(back) == value  # not through float: no binary rounding, digits kept
    assert isinstance(raw, Decimal128) and raw.to_decimal() == decimal.Decimal(value)


def test_numeric_from_int_float_and_text(cur):
    assert round_trip(cur, "DECIMAL(10,2)", 3) == (decimal.Decimal("3"), Decimal128("3"))
    assert round_trip(cur, "DECIMAL(10,2)", 1.1) == (decimal.Decimal("1.1"), Decimal128("1.1"))
    assert round_trip(cur, "DECIMAL(10,2)", "2.50") == (decimal.Decimal("2.50"), Decimal128("2.50"))


def test_numeric_that_does_not_fit_decimal128_is_a_data_error_not_rounded(conn, cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v NUMERIC)")
    conn.commit()
    for value in [decimal.Decimal("1" * 35), decimal.Decimal("1E+7000")]:
        with pytest.raises(mongodbapi.DataError, match="Decimal128"):
            cur.execute("INSERT INTO t VALUES (1, %s)", (value,))
        conn.rollback()
    with pytest.raises(mongodbapi.DataError, match="DECIMAL"):
        cur.execute("INSERT INTO t VALUES (1, 'abc')")


def test_numeric_arithmetic_and_aggregates_stay_decimal(cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v NUMERIC(10,2))")
    cur.executemany("INSERT INTO t VALUES (%s, %s)", [(1, decimal.Decimal("0.10")), (2, decimal.Decimal("0.20"))])
    cur.execute("SELECT SUM(v) FROM t")
    (total,) = cur.fetchone()
    assert total == decimal.Decimal("0.30") and isinstance(total, decimal.Decimal)
    cur.execute("SELECT id, v * 2 FROM t WHERE v > %s", (decimal.Decimal("0.15"),))
    assert cur.fetchall() == [(2, decimal.Decimal("0.40"))]


def test_numeric_min_max(cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v NUMERIC(10,2))")
    cur.executemany("INSERT INTO t VALUES (%s, %s)", [(1, decimal.Decimal("0.10")), (2, decimal.Decimal("0.20"))])
    cur.execute("SELECT MIN(v), MAX(v) FROM t")
    assert cur.fetchone() == (decimal.Decimal("0.10"), decimal.Decimal("0.20"))


def test_numeric_equality_ignores_trailing_zeros(cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v NUMERIC(10,2))")
    cur.execute("INSERT INTO t VALUES (1, %s)", (decimal.Decimal("1.1"),))
    cur.execute("SELECT id FROM t WHERE v = %s", (decimal.Decimal("1.10"),))
    assert cur.fetchall() == [(1,)]


# ----------------------------------------------------------------- text and booleans


@pytest.mark.parametrize("sql_type", ["TEXT", "VARCHAR(100)", "CHAR(10)"])
@pytest.mark.parametrize("value", ["", "plain", "it's \"quoted\"", "héllo wörld ✓ 𝄞", "line\nbreak\ttab",
                                   "%s %(x)s %%", "$gt", "a.b"])
def test_text_round_trips(cur, sql_type, value):
    back, raw = round_trip(cur, sql_type, value)
    assert back == value and raw == value


def test_text_column_stores_numbers_as_their_text(cur):
    assert round_trip(cur, "TEXT", 42) == ("42", "42")


@pytest.mark.parametrize("value", [True, False])
def test_booleans_round_trip(cur, value):
    back, raw = round_trip(cur, "BOOLEAN", value)
    assert back is value and raw is value


@pytest.mark.parametrize("given,expected", [(1, True), (0, False), ("true", True), ("f", False)])
def test_boolean_column_converts_common_spellings(cur, given, expected):
    back, raw = round_trip(cur, "BOOLEAN", given)
    assert back is expected and raw is expected


def test_boolean_filters(cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, ok BOOLEAN)")
    cur.executemany("INSERT INTO t VALUES (%s, %s)", [(1, True), (2, False), (3, None)])
    cur.execute("SELECT id FROM t WHERE ok = %s", (True,))
    assert cur.fetchall() == [(1,)]
    cur.execute("SELECT id FROM t WHERE NOT ok")
    assert cur.fetchall() == [(2,)]


# ----------------------------------------------------------------- dates and times


def test_date_round_trips_as_date_stored_as_midnight_utc(cur):
    back, raw = round_trip(cur, "DATE", datetime.date(2024, 2, 29))
    assert back == datetime.date(2024, 2, 29) and type(back) is datetime.date
    assert raw == datetime.datetime(2024, 2, 29, 0, 0)


def test_date_column_accepts_iso_text_and_drops_a_time_part(cur):
    assert round_trip(cur, "DATE", "1999-12-31")[0] == datetime.date(1999, 12, 31)
    assert round_trip(cur, "DATE", datetime.datetime(2020, 5, 6, 7, 8, 9))[0] == datetime.date(2020, 5, 6)


def test_invalid_date_is_a_data_error(cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, d DATE)")
    with pytest.raises(mongodbapi.DataError, match="DATE"):
        cur.execute("INSERT INTO t VALUES (1, %s)", ("not a date",))


@pytest.mark.parametrize("value", [datetime.time(0, 0), datetime.time(13, 14, 15), datetime.time(23, 59, 59, 123456)])
def test_time_round_trips_with_microseconds(cur, value):
    # BSON has no time type: TIME is stored as ISO text, so nothing is truncated.
    back, raw = round_trip(cur, "TIME", value)
    assert back == value and type(back) is datetime.time
    assert raw == value.isoformat()


def test_naive_timestamp_round_trips_naive(cur):
    value = datetime.datetime(2021, 3, 4, 5, 6, 7, 8000)
    back, raw = round_trip(cur, "TIMESTAMP", value)
    assert back == value and back.tzinfo is None
    assert raw == value


def test_timestamp_microseconds_are_truncated_to_milliseconds(cur):
    # Documented policy: BSON dates hold milliseconds; the driver truncates (never rounds up).
    back, raw = round_trip(cur, "TIMESTAMP", datetime.datetime(2021, 3, 4, 5, 6, 7, 123999))
    assert back == datetime.datetime(2021, 3, 4, 5, 6, 7, 123000)
    assert raw == back
    back, _ = round_trip(cur, "TIMESTAMP WITH TIME ZONE",
                         datetime.datetime(2021, 3, 4, 5, 6, 7, 999999, tzinfo=UTC))
    assert back == datetime.datetime(2021, 3, 4, 5, 6, 7, 999000, tzinfo=UTC)


def test_timestamp_with_time_zone_returns_aware_utc(cur):
    value = datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=PLUS2)
    back, raw = round_trip(cur, "TIMESTAMP WITH TIME ZONE", value)
    assert back == value  # the same instant ...
    assert back.tzinfo == UTC and back.hour == 3  # ... expressed in UTC
    assert raw == datetime.datetime(2021, 3, 4, 3, 6, 7)  # stored as a UTC date


def test_timestamptz_treats_a_naive_value_as_utc(cur):
    back, _ = round_trip(cur, "TIMESTAMPTZ", datetime.datetime(2021, 3, 4, 5, 6, 7))
    assert back == datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_plain_timestamp_converts_an_aware_value_to_naive_utc(cur):
    back, _ = round_trip(cur, "TIMESTAMP", datetime.datetime(2021, 3, 4, 5, 6, 7, tzinfo=PLUS2))
    assert back == datetime.datetime(2021, 3, 4, 3, 6, 7) and back.tzinfo is None


def test_timestamp_from_iso_text(cur):
    assert round_trip(cur, "TIMESTAMP", "2021-03-04 05:06:07.5")[0] == datetime.datetime(2021, 3, 4, 5, 6, 7, 500000)
    back, _ = round_trip(cur, "TIMESTAMPTZ", "2021-03-04T05:06:07+02:00")
    assert back == datetime.datetime(2021, 3, 4, 3, 6, 7, tzinfo=UTC)


def test_timestamps_compare_with_parameters(cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, at TIMESTAMP, atz TIMESTAMPTZ, d DATE)")
    at = datetime.datetime(2020, 1, 1, 12)
    cur.execute("INSERT INTO t VALUES (1, %s, %s, %s)", (at, at.replace(tzinfo=UTC), at.date()))
    cur.execute("INSERT INTO t VALUES (2, %s, %s, %s)", (at.replace(year=2021), at.replace(year=2021, tzinfo=UTC),
                                                         datetime.date(2021, 1, 1)))
    cur.execute("SELECT id FROM t WHERE at < %s", (datetime.datetime(2020, 6, 1),))
    assert cur.fetchall() == [(1,)]
    cur.execute("SELECT id FROM t WHERE atz = %s", (datetime.datetime(2020, 1, 1, 14, tzinfo=PLUS2),))
    assert cur.fetchall() == [(1,)]
    cur.execute("SELECT id FROM t WHERE d = %s", (datetime.date(2021, 1, 1),))
    assert cur.fetchall() == [(2,)]


def test_date_plus_integer_adds_days(cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, d DATE)")
    cur.execute("INSERT INTO t VALUES (1, %s)", (datetime.date(2020, 1, 31),))
    cur.execute("SELECT d + 1, d - 1 FROM t")
    assert cur.fetchall() == [(datetime.date(2020, 2, 1), datetime.date(2020, 1, 30))]
    assert cur.description[0][1] == mongodbapi.DATETIME


# ----------------------------------------------------------------- UUID, bytes, ObjectId


def test_uuid_round_trips_stored_as_binary_subtype_4(cur):
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    back, raw = round_trip(cur, "UUID", value)
    assert back == value and type(back) is uuid.UUID
    assert isinstance(raw, Binary) and raw.subtype == UUID_SUBTYPE and raw.as_uuid() == value


def test_uuid_accepts_text_and_compares_with_text_or_uuid(cur):
    text = "0b9b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
    assert round_trip(cur, "UUID", text)[0] == uuid.UUID(text)
    cur.execute("SELECT id FROM rt WHERE v = %s", (text,))
    assert cur.fetchall() == [(1,)]
    cur.execute("SELECT id FROM rt WHERE v = %s", (uuid.UUID(text),))
    assert cur.fetchall() == [(1,)]
    cur.execute(f"SELECT id FROM rt WHERE v = '{text}'")
    assert cur.fetchall() == [(1,)]


def test_invalid_uuid_is_a_data_error(cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, u UUID)")
    with pytest.raises(mongodbapi.DataError, match="UUID"):
        cur.execute("INSERT INTO t VALUES (1, %s)", ("not-a-uuid",))


@pytest.mark.parametrize("sql_type", ["BLOB", "BYTEA"])
@pytest.mark.parametrize("value", [b"", b"\x00\x01\xfe\xff", bytes(range(256)), bytearray(b"ba"), memoryview(b"mv")])
def test_bytes_round_trip(cur, sql_type, value):
    back, raw = round_trip(cur, sql_type, value)
    assert back == bytes(value) and type(back) is bytes
    assert bytes(raw) == bytes(value) and getattr(raw, "subtype", 0) == 0


def test_bytes_compare_with_a_parameter(cur):
    round_trip(cur, "BLOB", b"\x00key")
    cur.execute("SELECT id FROM rt WHERE v = %s", (b"\x00key",))
    assert cur.fetchall() == [(1,)]


def test_objectid_column_accepts_a_24_hex_string(cur):
    oid = ObjectId("0123456789abcdef01234567")
    back, raw = round_trip(cur, "OBJECTID", str(oid))
    assert back == oid and isinstance(raw, ObjectId)
    for param in (str(oid), oid):
        cur.execute("SELECT id FROM rt WHERE v = %s", (param,))
        assert cur.fetchall() == [(1,)]
    cur.execute(f"SELECT id FROM rt WHERE v = '{oid}'")
    assert cur.fetchall() == [(1,)]
    cur.execute("SELECT id FROM rt WHERE v = %s", ("ffffffffffffffffffffffff",))
    assert cur.fetchall() == []


def test_object_id_of_existing_documents_compared_with_a_hex_string(conn, cur):
    inserted = conn.database.things.insert_many([{"name": "a"}, {"name": "b"}]).inserted_ids
    cur.execute("SELECT _id, name FROM things WHERE _id = %s", (str(inserted[1]),))
    assert cur.fetchall() == [(inserted[1], "b")]
    cur.execute("SELECT name FROM things WHERE _id IN (%s, %s) ORDER BY name", tuple(str(i) for i in inserted))
    assert cur.fetchall() == [("a",), ("b",)]
    cur.execute("SELECT _id FROM things")
    assert cur.description[0][1] == mongodbapi.ROWID


# ----------------------------------------------------------------- JSON and embedded documents


def test_json_values_round_trip(cur):
    for value in [{"a": 1, "b": [1, 2, {"c": None}]}, [1, "two", 3.0, True, None], {"nested": {"deeper": {"x": "y"}}},
                  {}, []]:
        back, raw = round_trip(cur, "JSON", value)
        assert back == value and raw == value


def test_json_keeps_typed_values_inside(cur):
    value = {"price": decimal.Decimal("9.99"), "when": datetime.datetime(2020, 1, 2, 3, 4, 5),
             "id": uuid.UUID(int=7), "raw": b"\x01"}
    back, raw = round_trip(cur, "JSON", value)
    assert back == value
    assert isinstance(raw["price"], Decimal128)


@pytest.fixture
def customers(conn, cur):
    cur.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, address JSON, tags JSON)")
    cur.executemany("INSERT INTO customers VALUES (%s, %s, %s, %s)", [
        (1, "ann", {"city": "Paris", "zip": "75001", "geo": {"lat": 48.85, "lon": 2.35}}, ["vip", "early"]),
        (2, "bob", {"city": "Rome", "zip": "00100", "geo": {"lat": 41.9, "lon": 12.5}}, ["late"]),
        (3, "cy", {"city": "Paris", "zip": "75002"}, []),
    ])
    conn.commit()
    return cur


def test_select_star_returns_embedded_documents_and_arrays(customers):
    customers.execute("SELECT * FROM customers WHERE id = 1")
    assert [d[0] for d in customers.description] == ["id", "name", "address", "tags"]
    ((_, _, address, tags),) = customers.fetchall()
    assert address == {"city": "Paris", "zip": "75001", "geo": {"lat": 48.85, "lon": 2.35}}
    assert type(address) is dict and tags == ["vip", "early"] and type(tags) is list


def test_dotted_paths_read_embedded_fields(customers):
    customers.execute('SELECT id, address.city, "address.zip", address.geo.lat FROM customers ORDER BY id')
    assert [d[0] for d in customers.description][0] == "id"
    assert customers.fetchall() == [(1, "Paris", "75001", 48.85), (2, "Rome", "00100", 41.9), (3, "Paris", "75002", None)]


def test_dotted_paths_filter_and_sort(customers):
    customers.execute("SELECT name FROM customers WHERE address.city = %s ORDER BY address.zip DESC", ("Paris",))
    assert customers.fetchall() == [("cy",), ("ann",)]
    customers.execute('SELECT name FROM customers WHERE "address.geo.lat" > 45')
    assert customers.fetchall() == [("ann",)]
    customers.execute("SELECT address.city, COUNT(*) FROM customers GROUP BY address.city ORDER BY address.city")
    assert customers.fetchall() == [("Paris", 2), ("Rome", 1)]


def test_array_elements_by_index(customers):
    customers.execute("SELECT id, tags[0], tags[1] FROM customers WHERE id IN (1, 2) ORDER BY id")
    assert customers.fetchall() == [(1, "vip", "early"), (2, "late", None)]
    customers.execute("SELECT name FROM customers WHERE tags[0] = %s", ("late",))
    assert customers.fetchall() == [("bob",)]


def test_array_element_of_an_empty_or_missing_array_is_null(customers):
    customers.execute("INSERT INTO customers (id, name) VALUES (4, 'dee')")  # no tags at all
    customers.execute("SELECT id, tags[0] FROM customers ORDER BY id")
    assert customers.fetchall() == [(1, "vip"), (2, "late"), (3, None), (4, None)]


def test_embedded_documents_of_an_existing_collection(conn, cur):
    conn.database.orders.insert_many([
        {"_id": 1, "customer": {"name": "ann", "address": {"city": "Oslo"}}, "items": [{"sku": "a", "qty": 2}]},
        {"_id": 2, "customer": {"name": "bob"}, "items": []},
    ])
    cur.execute("SELECT _id, customer.name, customer.address.city FROM orders ORDER BY _id")
    assert cur.fetchall() == [(1, "ann", "Oslo"), (2, "bob", None)]
    cur.execute("SELECT * FROM orders WHERE _id = 1")
    row = cur.fetchone()
    assert row == (1, {"name": "ann", "address": {"city": "Oslo"}}, [{"sku": "a", "qty": 2}])


# ----------------------------------------------------------------- NULL in every type

ALL_TYPES = ["INTEGER", "BIGINT", "SMALLINT", "REAL", "DOUBLE PRECISION", "NUMERIC(10,2)", "TEXT", "VARCHAR(10)",
             "CHAR(2)", "BOOLEAN", "DATE", "TIME", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "UUID", "BLOB",
             "BYTEA", "JSON", "OBJECTID"]


@pytest.mark.parametrize("sql_type", ALL_TYPES)
def test_null_round_trips_in_every_type(cur, sql_type):
    back, raw = round_trip(cur, sql_type, None)
    # NULL is stored as no field at all (so unique indexes exempt NULLs, as SQL wants)
    assert back is None and raw is MISSING
    cur.execute("INSERT INTO rt (id) VALUES (2)")  # omitted: stored as null too
    cur.execute("SELECT id FROM rt WHERE v IS NULL ORDER BY id")
    assert cur.fetchall() == [(1,), (2,)]
    cur.execute("SELECT COUNT(v), COUNT(*) FROM rt")
    assert cur.fetchone() == (0, 2)


def test_missing_fields_read_as_null(conn, cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT)")
    conn.database.t.insert_one({"_id": 1})  # written by another client: no a, no b
    cur.execute("SELECT id, a, b FROM t")
    assert cur.fetchall() == [(1, None, None)]
    cur.execute("SELECT id FROM t WHERE a IS NULL AND b IS NULL")
    assert cur.fetchall() == [(1,)]
