"""Fetching a large result: 100,000 rows of 5 columns through the driver vs the raw pymongo cursor.

Driver: ``cursor.execute("SELECT id, name, category, price, qty FROM big")`` + ``fetchall()``, and
``pandas.read_sql`` of the same statement. Raw: iterating ``collection.find({}, projection)`` into
a list. Target (issue 2): driver / raw <= 1.5x for both, on the in-process engine.

The in-process engine's cursor costs O(n) per document (mongomock-ng 7.11.1 slices its whole result
list on every ``next()``), so a full run takes minutes and its ratios approach 1 as the row count grows;
the script also prints the driver's own time per row, which does not depend on that.

    python bench/fetch.py [--quick] [--profile] [--cpu-time] [--rows N]   (--quick: 10,000 rows)
"""

from __future__ import annotations

import sys
import warnings

import _common

SQL = "SELECT id, name, category, price, qty FROM big"
PROJECTION = {"_id": 1, "name": 1, "category": 1, "price": 1, "qty": 1}
TARGET = 1.5


def main() -> int:
    args = _common.arguments(__doc__.splitlines()[0], rows=True)
    rows = args.rows or (10_000 if args.quick else 100_000)
    repeat = 3
    connection = _common.connect("bench_fetch")
    collection = _common.create_products(connection, rows, table="big")
    cursor = connection.cursor()

    def raw() -> list:
        return list(collection.find({}, PROJECTION, batch_size=1000))

    def driver() -> list:
        cursor.execute(SQL)
        return cursor.fetchall()

    try:
        import pandas
    except ImportError:
        pandas = None

    def read_sql() -> object:
        with warnings.catch_warnings():  # pandas warns about DB-API connections other than sqlite3
            warnings.simplefilter("ignore", UserWarning)
            return pandas.read_sql(SQL, connection)

    contestants = {"raw": raw, "driver": driver}
    assert len(driver()) == rows and len(raw()) == rows  # also the warm-up
    if pandas is not None:
        assert read_sql().shape == (rows, 5)
        contestants["pandas"] = read_sql
    times = _common.compare(contestants, 1, repeat, warmup=False)
    raw_time = times["raw"]
    print(f"fetch {rows:,} rows x 5 columns: {SQL}")
    print(f"  ({_common.machine()}; median of {repeat} runs)")
    print(f"  {'raw pymongo: list(find({}, projection))':<44} {raw_time * 1e3:10.1f} ms")
    print(f"  {'driver: execute + fetchall':<44} {times['driver'] * 1e3:10.1f} ms")
    if pandas is not None:
        print(f"  {'driver: pandas.read_sql':<44} {times['pandas'] * 1e3:10.1f} ms")
    ok = _common.verdict("fetchall / raw", times["driver"] / raw_time, TARGET)
    if pandas is not None:
        ok &= _common.verdict("pandas.read_sql / raw", times["pandas"] / raw_time, TARGET)
    else:
        print("  pandas.read_sql: skipped (pandas is not installed: pip install 'mongodbapi[pandas]')")
    print(f"  {'driver own time per row (fetchall - raw)':<44} {(times['driver'] - raw_time) / rows * 1e6:8.2f} µs")
    if pandas is not None:
        print(f"  {'pandas own time per row (read_sql - raw)':<44} {(times['pandas'] - raw_time) / rows * 1e6:8.2f} µs")
    if args.profile:
        print("\nprofile of execute + fetchall (top entries by own time):")
        _common.profile(driver, 1)
    connection.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
