"""Window functions whose window has no ORDER BY (Django gap G42), compared with SQLite.

Without ORDER BY the rows of a partition come in no defined order, so only what SQL defines is
compared: the multiset of (partition, value) pairs. MongoDB needs a ``sortBy`` for
``$documentNumber``, ``$shift`` and bounded windows; the driver sorts by ``_id`` there. Every row
is a peer of every other, so RANK() and DENSE_RANK() are 1 and PERCENT_RANK() is 0.
"""

from __future__ import annotations

import collections

import pytest

import mongodbapi

from .twins import twin_tables

ROWS = [(1, 1, 10), (2, 1, 20), (3, 2, 30), (4, 1, 40), (5, 3, 50), (6, 2, 60), (7, None, 70), (8, None, 80)]


@pytest.fixture(scope="module")
def both():
    with twin_tables("window_unordered", "p", "CREATE TABLE p (id INTEGER PRIMARY KEY, a INTEGER, x INTEGER)",
                     ROWS) as both:
        yield both


@pytest.mark.parametrize("window", [
    "ROW_NUMBER() OVER (PARTITION BY a)", "ROW_NUMBER() OVER ()", "RANK() OVER (PARTITION BY a)",
    "DENSE_RANK() OVER ()", "PERCENT_RANK() OVER (PARTITION BY a)", "NTILE(2) OVER (PARTITION BY a)",
    "COUNT(*) OVER (PARTITION BY a ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
    "SUM(x) OVER (PARTITION BY a RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)",
    "SUM(x) OVER (PARTITION BY a)", "COUNT(*) OVER (ROWS UNBOUNDED PRECEDING)",
    "LAG(x) OVER (PARTITION BY a) IS NULL",  # one row per partition has no previous row
])
def test_multisets_as_sqlite(both, window: str) -> None:
    cur, lite = both
    query = f"SELECT a, {window} FROM p"
    cur.execute(query)
    got = collections.Counter(tuple(int(v) if isinstance(v, bool) else v for v in row) for row in cur.fetchall())
    want = collections.Counter(lite.execute(query).fetchall())
    assert got == want


def test_row_number_with_the_select_ordered(both) -> None:
    cur, _ = both
    cur.execute('SELECT "p"."id", ROW_NUMBER() OVER (PARTITION BY "p"."a") AS "rn" FROM "p" ORDER BY 1')
    rows = cur.fetchall()
    assert [r[0] for r in rows] == list(range(1, 9))
    per_partition = collections.defaultdict(list)
    for (id_, rn), (_, a, _x) in zip(rows, ROWS):
        per_partition[a].append(rn)
    assert all(sorted(numbers) == list(range(1, len(numbers) + 1)) for numbers in per_partition.values())


def test_range_offsets_need_an_order(both) -> None:
    cur, _ = both
    with pytest.raises(mongodbapi.ProgrammingError, match="ORDER BY"):
        cur.execute("SELECT SUM(x) OVER (RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM p")
