"""pandas.read_sql on a mongodbapi connection: dtypes, values, NULLs, parameters and chunks.

pandas talks to non-SQLAlchemy DB-API connections through its generic fallback and warns that it
only tests sqlite3 there; the warning is expected and filtered here.
"""

from __future__ import annotations

import datetime
import decimal

import pytest

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

pytestmark = pytest.mark.filterwarnings("ignore:pandas only supports SQLAlchemy:UserWarning")

UTC = datetime.timezone.utc


@pytest.fixture
def measurements(conn, cur):
    cur.execute("""
        CREATE TABLE m (
            id INTEGER PRIMARY KEY,
            name TEXT,
            score REAL,
            hits INTEGER,
            ok BOOLEAN,
            at TIMESTAMP,
            atz TIMESTAMP WITH TIME ZONE,
            day DATE,
            price NUMERIC(10,2)
        )""")
    rows = []
    for i in range(1, 8):
        rows.append((
            i,
            None if i == 3 else f"n{i}",
            None if i == 2 else i * 1.5,
            i * 10,
            i % 2 == 0,
            datetime.datetime(2020, 1, i, 12, 30),
            datetime.datetime(2020, 1, i, 12, 30, tzinfo=UTC),
            datetime.date(2020, 1, i),
            decimal.Decimal(f"{i}.25"),
        ))
    cur.executemany("INSERT INTO m VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
    conn.commit()
    return conn


def test_read_sql_dtypes_and_values(measurements):
    df = pd.read_sql("SELECT id, name, score, hits, ok, at FROM m ORDER BY id", measurements)
    assert list(df.columns) == ["id", "name", "score", "hits", "ok", "at"]
    assert len(df) == 7
    assert df["id"].dtype == np.int64 and df["hits"].dtype == np.int64
    assert df["score"].dtype == np.float64
    assert df["ok"].dtype == np.bool_
    assert pd.api.types.is_datetime64_any_dtype(df["at"]) and df["at"].dt.tz is None
    # text: object in pandas 2, the "str" dtype in pandas 3; either way a string column
    assert df["name"].dtype == object or pd.api.types.is_string_dtype(df["name"])
    assert df["id"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert df["hits"].tolist() == [10, 20, 30, 40, 50, 60, 70]
    assert df["ok"].tolist() == [False, True, False, True, False, True, False]
    assert df["at"].iloc[0] == pd.Timestamp("2020-01-01 12:30")
    assert df["name"].iloc[0] == "n1"


def test_nulls_become_nan_or_none(measurements):
    df = pd.read_sql("SELECT id, name, score FROM m ORDER BY id", measurements)
    assert np.isnan(df["score"].iloc[1])  # REAL NULL -> NaN in a float64 column
    assert df["score"].iloc[0] == 1.5
    assert pd.isna(df["name"].iloc[2])  # TEXT NULL -> None/NaN
    assert df["name"].isna().sum() == 1 and df["score"].isna().sum() == 1


def test_integer_column_with_null_becomes_float_with_nan(measurements):
    measurements.cursor().execute("INSERT INTO m (id) VALUES (8)")
    df = pd.read_sql("SELECT id, hits FROM m ORDER BY id", measurements)
    assert df["id"].dtype == np.int64
    assert df["hits"].dtype == np.float64 and np.isnan(df["hits"].iloc[-1])
    assert df["hits"].iloc[:7].tolist() == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0]


def test_aware_timestamps_dates_and_decimals(measurements):
    df = pd.read_sql("SELECT atz, day, price FROM m ORDER BY id", measurements)
    assert pd.api.types.is_datetime64_any_dtype(df["atz"]) and str(df["atz"].dt.tz) == "UTC"
    assert df["atz"].iloc[0] == pd.Timestamp("2020-01-01 12:30", tz="UTC")
    assert df["day"].iloc[0] == datetime.date(2020, 1, 1)  # dates stay Python dates (object column)
    # read_sql's coerce_float (on by default) turns decimal.Decimal into float64
    assert df["price"].dtype == np.float64 and df["price"].iloc[0] == 1.25
    exact = pd.read_sql("SELECT price FROM m ORDER BY id", measurements, coerce_float=False)
    assert exact["price"].iloc[0] == decimal.Decimal("1.25")


def test_parse_dates_and_index_col(measurements):
    df = pd.read_sql("SELECT id, day FROM m ORDER BY id", measurements, index_col="id", parse_dates=["day"])
    assert df.index.tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert pd.api.types.is_datetime64_any_dtype(df["day"])
    assert df.loc[3, "day"] == pd.Timestamp("2020-01-03")


def test_positional_and_named_params(measurements):
    df = pd.read_sql("SELECT id FROM m WHERE hits > %s AND ok = %s ORDER BY id", measurements, params=(20, True))
    assert df["id"].tolist() == [4, 6]
    df = pd.read_sql("SELECT id, name FROM m WHERE id >= %(low)s ORDER BY id", measurements, params={"low": 6})
    assert df.to_dict("records") == [{"id": 6, "name": "n6"}, {"id": 7, "name": "n7"}]


def test_chunksize_yields_frames_of_the_right_size(measurements):
    chunks = list(pd.read_sql("SELECT id, name, score FROM m WHERE id > %s ORDER BY id", measurements,
                              params=(1,), chunksize=2))
    assert [len(chunk) for chunk in chunks] == [2, 2, 2]
    assert [chunk["id"].tolist() for chunk in chunks] == [[2, 3], [4, 5], [6, 7]]
    for chunk in chunks:
        assert chunk["id"].dtype == np.int64
        assert list(chunk.columns) == ["id", "name", "score"]
    assert pd.concat(chunks)["score"].isna().tolist() == [True, False, False, False, False, False]


def test_chunksize_larger_than_the_result(measurements):
    chunks = list(pd.read_sql("SELECT id FROM m ORDER BY id", measurements, chunksize=100))
    assert len(chunks) == 1 and chunks[0]["id"].tolist() == [1, 2, 3, 4, 5, 6, 7]


def test_empty_result_keeps_the_columns(measurements):
    df = pd.read_sql("SELECT id, name FROM m WHERE id > 100", measurements)
    assert list(df.columns) == ["id", "name"] and len(df) == 0


def test_aggregates(measurements):
    df = pd.read_sql("SELECT ok, COUNT(*) AS n, SUM(hits) AS total, AVG(score) AS mean FROM m GROUP BY ok ORDER BY ok",
                     measurements)
    assert df.to_dict("records") == [
        {"ok": False, "n": 4, "total": 160, "mean": pytest.approx((1.5 + 4.5 + 7.5 + 10.5) / 4)},
        {"ok": True, "n": 3, "total": 120, "mean": pytest.approx((6.0 + 9.0) / 2)},
    ]
    assert df["n"].dtype == np.int64 and df["total"].dtype == np.int64


def test_read_sql_query_on_an_existing_collection(conn):
    conn.database.events.insert_many([{"kind": "a", "v": 1}, {"kind": "b", "v": 2}, {"kind": "a", "v": 3}])
    df = pd.read_sql_query("SELECT kind, v FROM events WHERE kind = %s ORDER BY v", conn, params=("a",))
    assert df["v"].tolist() == [1, 3] and df["v"].dtype == np.int64
