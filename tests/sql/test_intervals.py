"""INTERVAL values and date/time arithmetic (Django gap G15).

SQLite has no interval type, so results are compared with Python's own datetime arithmetic, with the
one rule BSON imposes: a timestamp holds milliseconds, so a computed timestamp is the exact result
truncated (toward the past) to the millisecond, as a stored one is. Intervals are exact to the
microsecond (stored as int64 microseconds) and come back as ``datetime.timedelta``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

import mongodbapi
from mongodbapi.errors import DataError, NotSupportedError, ProgrammingError
from mongodbapi.types import parse_interval

US = dt.timedelta(microseconds=1)
ROWS = [
    (1, dt.datetime(2020, 1, 1, 10, 30), dt.date(2020, 3, 1), dt.timedelta(days=1, hours=2), 2, 1.5),
    (2, dt.datetime(2021, 1, 1, 0, 0, 0, 999000), dt.date(2021, 1, 1), -1500 * US, 3, 2.0),
    (3, dt.datetime(1969, 12, 31, 23, 59, 59, 1000), dt.date(1960, 2, 29), 999 * US, -4, 0.25),
    (4, dt.datetime(2024, 2, 29, 12, 0), dt.date(2024, 2, 29), dt.timedelta(days=-400, microseconds=7), 1, 3.0),
    (5, None, None, None, None, None),
]


def floor_ms(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def midnight(value: dt.date) -> dt.datetime:
    return dt.datetime(value.year, value.month, value.day)


def rounded(value: float) -> dt.timedelta:
    return dt.timedelta(microseconds=round(value))  # half to even, as the driver rounds


def nulls(function):
    def apply(*args):
        return None if any(a is None for a in args) else function(*args)
    return apply


DELTA = dt.timedelta(microseconds=1500)
STAMP = dt.datetime(2020, 1, 1)

# SQL over the columns ts, d, iv, k (integer), f (real), and what Python computes for a row.
CASES = [
    ("{ts} + {iv}", nulls(lambda ts, d, iv, k, f: floor_ms(ts + iv))),
    ("{iv} + {ts}", nulls(lambda ts, d, iv, k, f: floor_ms(ts + iv))),
    ("{ts} - {iv}", nulls(lambda ts, d, iv, k, f: floor_ms(ts - iv))),
    ("{d} + {iv}", nulls(lambda ts, d, iv, k, f: floor_ms(midnight(d) + iv))),
    ("{d} - {iv}", nulls(lambda ts, d, iv, k, f: floor_ms(midnight(d) - iv))),
    ("{ts} - TIMESTAMP '2020-01-01 00:00:00'", nulls(lambda ts, d, iv, k, f: ts - STAMP)),
    ("{ts} - {d}", nulls(lambda ts, d, iv, k, f: ts - midnight(d))),
    ("{d} - {ts}", nulls(lambda ts, d, iv, k, f: midnight(d) - ts)),
    ("{ts} + INTERVAL '1 day 00:00:00.0015'", nulls(lambda ts, d, iv, k, f: floor_ms(ts + dt.timedelta(1) + DELTA))),
    ("{ts} - INTERVAL '1.5' millisecond", nulls(lambda ts, d, iv, k, f: floor_ms(ts - DELTA))),
    ("{d} + INTERVAL '36 hours'", nulls(lambda ts, d, iv, k, f: midnight(d) + dt.timedelta(hours=36))),
    ("{iv} + {iv}", nulls(lambda ts, d, iv, k, f: iv + iv)),
    ("{iv} - INTERVAL '1 hour'", nulls(lambda ts, d, iv, k, f: iv - dt.timedelta(hours=1))),
    ("-{iv}", nulls(lambda ts, d, iv, k, f: -iv)),
    ("{iv} * {k}", nulls(lambda ts, d, iv, k, f: iv * k)),
    ("{k} * {iv}", nulls(lambda ts, d, iv, k, f: iv * k)),
    ("{iv} * {f}", nulls(lambda ts, d, iv, k, f: rounded(iv / US * f))),
    ("{iv} * 0.1", nulls(lambda ts, d, iv, k, f: rounded(iv / US * 0.1))),
    ("{iv} / {k}", nulls(lambda ts, d, iv, k, f: rounded(iv / US / k))),
    ("{iv} / {f}", nulls(lambda ts, d, iv, k, f: rounded(iv / US / f))),
    ("{iv} / 0", lambda ts, d, iv, k, f: None),  # division by zero is NULL, as the driver's numeric division
    ("({ts} - {d}) * 2 + {iv}", nulls(lambda ts, d, iv, k, f: (ts - midnight(d)) * 2 + iv)),
    ("{ts} + ({ts} - {d})", nulls(lambda ts, d, iv, k, f: floor_ms(ts + (ts - midnight(d))))),
    ("{d} + {k}", nulls(lambda ts, d, iv, k, f: d + dt.timedelta(days=k))),
    ("{d} - DATE '2020-01-01'", nulls(lambda ts, d, iv, k, f: (d - dt.date(2020, 1, 1)).days)),
]


@pytest.fixture(scope="module")
def cur():
    conn = mongodbapi.connect(f"mongomock://intervals_{uuid.uuid4().hex[:10]}")
    conn.autocommit = True
    cursor = conn.cursor()
    cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, ts TIMESTAMP, d DATE, iv INTERVAL, k INTEGER, f REAL)")
    cursor.executemany("INSERT INTO t VALUES (%s, %s, %s, %s, %s, %s)", ROWS)
    yield cursor
    conn.client.drop_database(conn.database.name)
    conn.close()


COLUMNS = {"ts": "ts", "d": "d", "iv": "iv", "k": "k", "f": "f"}
CASTS = {"ts": "CAST(%(ts)s AS TIMESTAMP)", "d": "CAST(%(d)s AS DATE)", "iv": "CAST(%(iv)s AS INTERVAL)",
         "k": "CAST(%(k)s AS INTEGER)", "f": "CAST(%(f)s AS REAL)"}
IDS = [c[0].format(**COLUMNS) for c in CASES]


@pytest.mark.parametrize("sql, python", CASES, ids=IDS)
def test_as_python_computes(cur, sql, python) -> None:
    cur.execute(f"SELECT id, {sql.format(**COLUMNS)} FROM t ORDER BY id")
    got = dict(cur.fetchall())
    for row in ROWS:
        args = (floor_ms(row[1]) if row[1] else None,) + row[2:]
        assert got[row[0]] == python(*args), (sql, row)


@pytest.mark.parametrize("sql, python", CASES, ids=IDS)
def test_driver_computed_values_agree(cur, sql, python) -> None:
    """The same expressions over parameters: computed by the server in a SELECT, and by the driver in
    RETURNING (exec/residual.py), they agree with each other and with Python."""
    expression = sql.format(**CASTS)
    for row in ROWS[:4]:
        args = (floor_ms(row[1]),) + row[2:]
        params = dict(zip(("ts", "d", "iv", "k", "f"), args))
        cur.execute(f"SELECT {expression} FROM t WHERE id = 1", params)
        on_server = cur.fetchall()
        cur.execute(f"UPDATE t SET k = k WHERE id = 1 RETURNING {expression}", params)
        assert cur.fetchall() == on_server == [(python(*args),)], (sql, row)


def test_the_django_gap_reproduction(cur) -> None:
    cur.execute("SELECT (ts - TIMESTAMP '2020-01-01 00:00:00'), (ts + %s) FROM t WHERE id = 1", (DELTA,))
    assert cur.fetchall() == [(dt.timedelta(hours=10, minutes=30), dt.datetime(2020, 1, 1, 10, 30, 0, 1000))]
    assert [d[1] for d in cur.description] == ["INTERVAL", "TIMESTAMP"]


@pytest.mark.parametrize("value", [dt.timedelta(0), US, -US, dt.timedelta(days=-1, microseconds=3),
                                   dt.timedelta(days=99999, seconds=86399, microseconds=999999),
                                   dt.timedelta(days=-99999, microseconds=1)])
def test_interval_column_round_trip_is_exact(cur, value) -> None:
    cur.execute("INSERT INTO t (id, iv) VALUES (100, %s)", (value,))
    try:
        cur.execute("SELECT iv FROM t WHERE id = 100")
        assert cur.fetchall() == [(value,)]
        cur.execute("SELECT id FROM t WHERE iv = %s", (value,))
        assert cur.fetchall() == [(100,)]
    finally:
        cur.execute("DELETE FROM t WHERE id = 100")


def test_stored_as_int64_microseconds(cur) -> None:
    cur.execute("INSERT INTO t (id, iv) VALUES (101, INTERVAL '1 day 00:00:01.000001')")
    try:
        stored = cur.connection.database["t"].find_one({"_id": 101})
        assert stored["iv"] == 86_401_000_001
    finally:
        cur.execute("DELETE FROM t WHERE id = 101")


def test_comparisons_order_and_aggregates(cur) -> None:
    cur.execute("SELECT id FROM t WHERE iv > %s ORDER BY id", (dt.timedelta(0),))
    assert cur.fetchall() == [(1,), (3,)]
    cur.execute("SELECT id FROM t WHERE iv < '0 seconds' ORDER BY iv")
    assert cur.fetchall() == [(4,), (2,)]
    cur.execute("SELECT id FROM t WHERE iv BETWEEN INTERVAL '-1 second' AND INTERVAL '1 second' ORDER BY id")
    assert cur.fetchall() == [(2,), (3,)]
    cur.execute("SELECT id FROM t WHERE ts - d > INTERVAL '1 day' ORDER BY id")
    assert cur.fetchall() == [(3,)]
    cur.execute("SELECT id FROM t WHERE ts + iv < %s ORDER BY id", (dt.datetime(2020, 1, 1),))
    assert cur.fetchall() == [(3,)]
    ivs = [r[3] for r in ROWS if r[3] is not None]
    cur.execute("SELECT SUM(iv), MIN(iv), MAX(iv), AVG(iv) FROM t")
    assert cur.fetchall() == [(sum(ivs, dt.timedelta(0)), min(ivs), max(ivs), rounded(sum(ivs, dt.timedelta(0)) / US / 4))]
    assert [d[1] for d in cur.description] == ["INTERVAL"] * 4


@pytest.mark.parametrize("text, micros", [
    ("1 day", 86_400_000_000), ("2 hours 30 minutes", 9_000_000_000), ("1.5 seconds", 1_500_000),
    ("1 day 02:00:00", 93_600_000_000), ("-00:00:01.5", -1_500_000), ("3 days ago", -259_200_000_000),
    ("10", 10_000_000), ("1 week -1 day", 518_400_000_000), ("-1 days +02:03:00", -79_020_000_000),
    ("0.0000005 s", 0), ("0.0000015 s", 2), ("250 ms", 250_000), ("7 microseconds", 7), ("1:30", 5_400_000_000),
])
def test_interval_text(text, micros) -> None:
    assert parse_interval(text) == micros


@pytest.mark.parametrize("text", ["", "1 fortnight", "day", "abc", "1 day,"])
def test_invalid_interval_text(text) -> None:
    with pytest.raises(DataError):
        parse_interval(text)


@pytest.mark.parametrize("sql, params, error, message", [
    ("SELECT ts + 1 FROM t", (), ProgrammingError, "timestamp \\+ integer"),
    ("SELECT ts + ts FROM t", (), ProgrammingError, "timestamp \\+ timestamp"),
    ("SELECT iv + 1 FROM t", (), ProgrammingError, "interval \\+ integer"),
    ("SELECT iv * ts FROM t", (), ProgrammingError, "interval \\* timestamp"),
    ("SELECT ts * 2 FROM t", (), ProgrammingError, "timestamp \\* integer"),
    ("SELECT k / iv FROM t", (), ProgrammingError, "integer / interval"),
    ("SELECT ts + %s FROM t", (5,), DataError, "a number cannot be added"),
    ("SELECT d + %s FROM t", (5,), DataError, "a number cannot be added"),
    ("SELECT ts - %s FROM t", (DELTA,), DataError, "CAST\\(%s AS INTERVAL\\)"),
    ("SELECT ts + %s FROM t", (dt.datetime(2020, 1, 1),), DataError, "invalid INTERVAL value"),
    ("SELECT INTERVAL '1 month' FROM t", (), NotSupportedError, "months and years"),
    ("SELECT CAST(iv AS TEXT) FROM t", (), NotSupportedError, "CAST of a INTERVAL to TEXT"),
    ("SELECT CAST(k AS INTERVAL) FROM t", (), NotSupportedError, "CAST of a INTEGER to INTERVAL"),
    ("SELECT iv || 'x' FROM t", (), NotSupportedError, "INTERVAL as text"),
    ("SELECT CAST('10:00' AS TIME) + iv FROM t", (), NotSupportedError, "TIME \\+ INTERVAL is not supported"),
    ("SELECT %s", (DELTA,), DataError, "only where an INTERVAL is expected"),
])
def test_refused(cur, sql, params, error, message) -> None:
    with pytest.raises(error, match=message):
        cur.execute(sql, params)
        cur.fetchall()


def test_decimal_factor_computed_by_the_driver(cur) -> None:
    cur.execute("UPDATE t SET k = k WHERE id = 1 RETURNING iv * %s", (Decimal("0.5"),))
    assert cur.fetchall() == [(dt.timedelta(hours=13),)]


def test_time_minus_time() -> None:
    conn = mongodbapi.connect(f"mongomock://intervals_{uuid.uuid4().hex[:10]}")
    conn.autocommit = True
    cur = conn.cursor()
    try:
        cur.execute("CREATE TABLE tm (id INTEGER PRIMARY KEY, a TIME, b TIME)")
        rows = [(1, dt.time(10, 30), dt.time(9, 15, 0, 123456)), (2, None, dt.time(1)),
                (3, dt.time(0, 0, 0, 1), dt.time(23, 59, 59, 999999))]
        cur.executemany("INSERT INTO tm VALUES (%s, %s, %s)", rows)

        def python(a, b):
            return None if a is None or b is None else dt.datetime.combine(dt.date.min, a) - dt.datetime.combine(dt.date.min, b)

        cur.execute("SELECT id, a - b, a - %s, TIME '10:00' - TIME '09:59:59.5' FROM tm ORDER BY id", (dt.time(10),))
        assert cur.fetchall() == [(i, python(a, b), python(a, dt.time(10)), dt.timedelta(seconds=0.5)) for i, a, b in rows]
        cur.execute("UPDATE tm SET a = a WHERE id = 1 RETURNING a - b")
        assert cur.fetchall() == [(python(rows[0][1], rows[0][2]),)]
    finally:
        conn.client.drop_database(conn.database.name)
        conn.close()


def test_placeholders_take_the_other_operands_type(cur) -> None:
    cur.execute("SELECT ts - %s, %s - ts, ts - CAST(%s AS INTERVAL), iv - %s, d - %s FROM t WHERE id = 1",
                (STAMP, STAMP, DELTA, DELTA, dt.date(2020, 2, 28)))
    assert cur.fetchall() == [(dt.timedelta(hours=10, minutes=30), -dt.timedelta(hours=10, minutes=30),
                               dt.datetime(2020, 1, 1, 10, 29, 59, 998000), dt.timedelta(days=1, hours=2) - DELTA, 2)]


def test_integers_are_microseconds_in_columns_and_comparisons(cur) -> None:
    """The stored form: Django's DurationField, on a database without an interval type, sends microseconds."""
    cur.execute("SELECT id FROM t WHERE iv = %s OR ts - d = %s ORDER BY id", (999, 0))
    assert cur.fetchall() == [(3,)]
    cur.execute("INSERT INTO t (id, iv) VALUES (102, %s)", (86_400_000_001,))
    try:
        cur.execute("SELECT iv FROM t WHERE id = 102")
        assert cur.fetchall() == [(dt.timedelta(days=1, microseconds=1),)]
    finally:
        cur.execute("DELETE FROM t WHERE id = 102")


def test_interval_compared_with_an_integer_column() -> None:
    """A column holding microseconds (Django's DurationField is a bigint) compares with an interval as
    the numbers they both are stored as; it is a field, never read as a constant."""
    conn = mongodbapi.connect(f"mongomock://intervals_{uuid.uuid4().hex[:10]}")
    conn.autocommit = True
    cur = conn.cursor()
    try:
        cur.execute("CREATE TABLE e (id INTEGER PRIMARY KEY, a TIMESTAMP, b TIMESTAMP, est BIGINT)")
        cur.execute("INSERT INTO e VALUES (1, TIMESTAMP '2020-01-02 00:00:00', TIMESTAMP '2020-01-01 00:00:00', %s), "
                    "(2, TIMESTAMP '2020-01-02 00:00:00', TIMESTAMP '2020-01-01 00:00:00', %s)",
                    (3_600_000_000, 100_000_000_000))
        cur.execute("SELECT id FROM e WHERE a - b > est ORDER BY id")
        assert cur.fetchall() == [(1,)]
    finally:
        conn.client.drop_database(conn.database.name)
        conn.close()
