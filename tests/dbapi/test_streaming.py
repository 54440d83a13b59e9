"""Results stream: a fetchmany loop holds one batch of rows, never the whole result.

Two halves, because the in-process engine cannot show the second one itself:

* With the engine: rows are pulled from the engine's cursor one at a time as the caller fetches
  them (a counting wrapper around ``find``/``aggregate`` results shows how many were read).
* Memory: ``mongomock_ng``'s ``Cursor`` materialises its whole result on the first ``next()`` and
  re-slices that list on every later ``next()`` (quadratic: 20,000 rows take ~6 s, 200,000 would
  take minutes), while a real server sends batches of ``batch_size`` documents. So the 200,000-row
  test stands a lazy generator in for the server cursor (fresh documents made on demand, like
  batches off the wire) and measures, with tracemalloc, what the driver itself holds.
"""

from __future__ import annotations

import collections.abc
import itertools
import tracemalloc

import pytest

from mongodbapi.exec import query

N_ENGINE = 3_000
N_LARGE = 200_000


class CountingCursor:
    """Wraps an engine cursor and counts the documents read from it."""

    def __init__(self, inner):
        self.inner = iter(inner)
        self.pulled = 0
        self.closed = False

    def __iter__(self):
        return self

    def __next__(self):
        document = next(self.inner)
        self.pulled += 1
        return document

    def close(self):
        self.closed = True


@pytest.fixture
def big_engine_table(conn):
    conn.database.big.insert_many([{"_id": i, "a": i, "s": f"row-{i:06d}"} for i in range(N_ENGINE)])
    return conn


@pytest.mark.parametrize("sql,kind", [
    ("SELECT a, s FROM big", "find"),
    ("SELECT a + 1 AS b, s FROM big", "aggregate"),
])
def test_rows_are_pulled_from_the_engine_as_they_are_fetched(big_engine_table, monkeypatch, sql, kind):
    conn = big_engine_table
    collection_class = type(conn.database.big)
    original = getattr(collection_class, kind)
    opened = []

    def counting(self, *args, **kwargs):
        cursor = CountingCursor(original(self, *args, **kwargs))
        opened.append(cursor)
        return cursor

    cur = conn.cursor()
    cur.execute(sql)  # plans the statement (and samples the schemaless collection) before counting
    monkeypatch.setattr(collection_class, kind, counting)
    cur.execute(sql)
    (cursor,) = opened
    assert cursor.pulled == 0  # execute() reads nothing yet
    assert isinstance(cur._rows, collections.abc.Iterator) and not isinstance(cur._rows, (list, tuple))

    first = cur.fetchone()
    assert first[1] == "row-000000" and cursor.pulled == 1
    assert len(cur.fetchmany(1000)) == 1000 and cursor.pulled == 1001
    assert cur.rowcount == -1 and cursor.pulled == 1001  # rowcount never reads ahead

    total = 1001
    while True:
        batch = cur.fetchmany(1000)
        if not batch:
            break
        assert len(batch) <= 1000
        total += len(batch)
    assert total == N_ENGINE and cursor.pulled == N_ENGINE


def test_a_new_execute_or_close_releases_the_engine_cursor(big_engine_table, monkeypatch):
    conn = big_engine_table
    collection_class = type(conn.database.big)
    original = collection_class.find
    opened = []
    cur = conn.cursor()
    cur.execute("SELECT s FROM big")  # planned and sampled before counting
    monkeypatch.setattr(collection_class, "find",
                        lambda self, *a, **k: opened.append(CountingCursor(original(self, *a, **k))) or opened[-1])
    cur.execute("SELECT a FROM big")
    cur.fetchone()
    cur.execute("SELECT s FROM big")
    assert opened[0].closed and not opened[1].closed
    cur.close()
    assert opened[1].closed


def _lazy_server_cursor(documents, calls):
    """Stands in for find()/aggregate() on a server: documents are produced only when read."""
    def method(self, *args, **kwargs):
        calls.append(kwargs)
        return documents()
    return method


@pytest.mark.parametrize("sql,kind", [
    ("SELECT a, s FROM big", "find"),
    ("SELECT a + 1 AS b, UPPER(s) AS u FROM big", "aggregate"),
])
def test_fetchmany_loop_over_a_large_result_holds_one_batch(conn, cur, monkeypatch, sql, kind):
    conn.database.big.insert_many([{"_id": i, "a": i, "s": f"row-{i:08d}"} for i in range(10)])  # sampled columns
    if kind == "find":
        def documents():
            return ({"_id": i, "a": i, "s": f"row-{i:08d}"} for i in range(N_LARGE))
    else:
        sample = list(conn.database.big.aggregate(
            [{"$project": {"_id": 0, "c0": {"$add": ["$a", 1]}, "c1": {"$toUpper": "$s"}}}]))
        keys = list(sample[0])
        def documents():
            return ({keys[0]: i + 1, keys[1]: f"ROW-{i:08d}"} for i in range(N_LARGE))
    calls = []
    cur.execute(sql)  # planned (and the collection sampled) before the stand-in takes over
    monkeypatch.setattr(type(conn.database.big), kind, _lazy_server_cursor(documents, calls))

    tracemalloc.start()
    try:
        cur.execute(sql)
        assert cur.fetchone() == ((0, "row-00000000") if kind == "find" else (1, "ROW-00000000"))
        count, last = 1, None
        while True:
            batch = cur.fetchmany(1000)
            if not batch:
                break
            assert len(batch) <= 1000
            count += len(batch)
            last = batch[-1]
        _, loop_peak = tracemalloc.get_traced_memory()

        # For scale: what 10,000 of these rows take when kept, times 20 for all 200,000.
        cur.execute(sql)
        baseline, _ = tracemalloc.get_traced_memory()
        kept = cur.fetchmany(10_000)
        kept_size = tracemalloc.get_traced_memory()[0] - baseline
        all_rows_size = kept_size * (N_LARGE // len(kept))
    finally:
        tracemalloc.stop()

    assert count == N_LARGE
    assert last == ((N_LARGE - 1, f"row-{N_LARGE - 1:08d}") if kind == "find" else (N_LARGE, f"ROW-{N_LARGE - 1:08d}"))
    assert len(calls) == 2
    batch_size = calls[0].get("batch_size", calls[0].get("batchSize"))
    assert batch_size == query.BATCH_SIZE == 1000  # the server is asked for batches, not everything
    # One batch of 1,000 small rows is a few hundred kilobytes; all 200,000 rows are tens of megabytes.
    assert all_rows_size > 10 * 1024 * 1024
    assert loop_peak < 2 * 1024 * 1024, f"the fetchmany loop peaked at {loop_peak / 1e6:.1f} MB"
    assert loop_peak * 20 < all_rows_size, (loop_peak, all_rows_size)


def test_fetchone_before_the_end_of_a_large_result(conn, cur, monkeypatch):
    conn.database.big.insert_one({"_id": 0, "a": 0, "s": "x"})
    produced = itertools.count()

    def documents():
        for i in range(N_LARGE):
            next(produced)
            yield {"_id": i, "a": i, "s": "x"}

    cur.execute("SELECT a FROM big")  # planned and sampled first
    monkeypatch.setattr(type(conn.database.big), "find", _lazy_server_cursor(documents, []))
    cur.execute("SELECT a FROM big")
    assert [cur.fetchone() for _ in range(3)] == [(0,), (1,), (2,)]
    assert next(produced) == 3  # only three documents were ever produced
