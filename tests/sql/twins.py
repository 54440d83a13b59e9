"""The same table in stdlib sqlite3 (the oracle for SQL results) and through the driver."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Any, Iterator

import mongodbapi


@contextmanager
def twin_tables(database: str, table: str, create: str, rows: list[tuple[Any, ...]]) \
        -> Iterator[tuple[Any, sqlite3.Connection]]:
    """``create`` run on both sides and ``rows`` inserted into ``table``; yields (driver cursor with
    autocommit on, sqlite3 connection), and drops the MongoDB database afterwards."""
    lite = sqlite3.connect(":memory:")
    conn = mongodbapi.connect(f"mongomock://{database}")
    conn.autocommit = True
    cur = conn.cursor()
    try:
        lite.execute(create)
        cur.execute(create)
        if rows:
            width = len(rows[0])
            lite.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * width)})", rows)
            cur.executemany(f"INSERT INTO {table} VALUES ({', '.join(['%s'] * width)})", rows)
        yield cur, lite
    finally:
        conn.client.drop_database(database)
        conn.close()
        lite.close()
