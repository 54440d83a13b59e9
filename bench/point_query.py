"""A cached point query through the driver vs the same lookup in raw pymongo, on the same engine.

Driver: ``cursor.execute("SELECT * FROM products WHERE id = %s", (v,))`` + ``fetchone()`` (the plan
comes from the statement cache). Raw: ``collection.find_one({"_id": v})`` (a single-column primary
key is stored as ``_id``). Target (issue 2): driver / raw <= 1.3x, on the in-process engine with a
100-document table.

    python bench/point_query.py [--quick] [--profile]
"""

from __future__ import annotations

import itertools
import json
import sys
from typing import Any

import _common

SQL = "SELECT * FROM products WHERE id = %s"
TARGET = 1.3
ROWS = 100


def substitute(template: Any, value: Any) -> Any:
    """EXPLAIN's rendering of a command with its ``"%s"`` placeholder replaced by ``value``."""
    if template == "%s":
        return value
    if isinstance(template, dict):
        return {k: substitute(v, value) for k, v in template.items()}
    if isinstance(template, list):
        return [substitute(v, value) for v in template]
    return template


def main() -> int:
    args = _common.arguments(__doc__.splitlines()[0])
    number, repeat = (100, 5) if args.quick else (1000, 11)
    connection = _common.connect("bench_point_query")
    collection = _common.create_products(connection, ROWS)
    cursor = connection.cursor()
    ids = itertools.cycle(range(1, ROWS + 1))

    def driver() -> tuple:
        cursor.execute(SQL, (next(ids),))
        return cursor.fetchone()

    def raw() -> dict:
        return collection.find_one({"_id": next(ids)})

    cursor.execute("EXPLAIN " + SQL, (1,))
    command = cursor.fetchall()
    (kind, body), = command
    assert kind == "find", command
    body = json.loads(body)
    filter_template, projection = body["filter"], body.get("projection")

    def same_command() -> dict:  # the find() the driver sends (from EXPLAIN), run with raw pymongo
        return next(collection.find(substitute(filter_template, next(ids)), projection, batch_size=1000), None)

    in_transaction = _common.connect("bench_point_query_tx")
    _common.create_products(in_transaction, ROWS)
    in_transaction.autocommit = False
    tx_cursor = in_transaction.cursor()

    def driver_tx() -> tuple:
        tx_cursor.execute(SQL, (next(ids),))
        return tx_cursor.fetchone()

    assert driver() is not None and raw() is not None and driver_tx() is not None and same_command() is not None
    times = _common.compare({"raw": raw, "same": same_command, "driver": driver, "tx": driver_tx}, number, repeat)
    raw_time, driver_time, tx_time = times["raw"], times["driver"], times["tx"]
    in_transaction.rollback()

    print(f"point query: {SQL} + fetchone()  vs  collection.find_one({{'_id': v}})")
    print(f"  ({_common.machine()}; {ROWS} documents; median of {repeat} runs of {number} calls)")
    print(f"  the driver sends: {command}")
    _common.report("raw pymongo find_one", raw_time)
    _common.report("raw pymongo, the driver's find() command", times["same"])
    _common.report("driver, autocommit (cached plan)", driver_time)
    _common.report("driver, inside a transaction (PEP 249 default)", tx_time)
    _common.report("driver's own Python time per query", driver_time - times["same"])
    ok = _common.verdict("driver / raw (autocommit)", driver_time / raw_time, TARGET)
    _common.verdict("driver / raw (in a transaction)", tx_time / raw_time, TARGET)
    print(f"  {'driver / the same find() in raw pymongo':<44} {driver_time / times['same']:8.2f}x")
    if args.profile:
        print("\nprofile of the driver's point query (top entries by own time):")
        _common.profile(driver, number)
    connection.close()
    in_transaction.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
