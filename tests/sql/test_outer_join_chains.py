"""RIGHT and FULL joins anywhere in a join chain, against sqlite3 (3.39+ has both).

``A JOIN B ... RIGHT JOIN C ON cond`` keeps every row of C, with the (A JOIN B ...) rows that
satisfy ``cond`` or NULLs; ``FULL`` is the LEFT join plus the right side's rows that match
nothing, with NULLs on the left. The tables have duplicate join keys on every side, NULL keys
(stored both as an explicit null and as a missing field, which MongoDB's equality match would
pair with each other and SQL never does) and an empty table.

Where SQLite is not the right oracle the query carries its SQLite text: SQLite reads a comma in
FROM as a join of the same precedence as JOIN, where standard SQL (and the driver) binds the
comma last, so ``FROM s, a FULL JOIN b ON ...`` is ``s CROSS JOIN (a FULL JOIN b ON ...)``.
"""
from __future__ import annotations

import random
import sqlite3
import uuid
from collections import Counter

import pytest

import mongodbapi

MISSING = object()  # absent from the MongoDB document; NULL in SQLite

TABLES = {
    "ta": ("CREATE TABLE ta (id INTEGER PRIMARY KEY, k INTEGER, v TEXT)",
           [(1, 1, "a1"), (2, 1, "a2"), (3, 2, "a3"), (4, None, "a4"), (5, 5, None), (6, MISSING, "a6")]),
    "tb": ("CREATE TABLE tb (id INTEGER PRIMARY KEY, k INTEGER, w INTEGER)",
           [(1, 1, 10), (2, 2, 20), (3, 2, 30), (4, None, 40), (5, 3, None), (6, 7, 70), (7, MISSING, MISSING)]),
    "tc": ("CREATE TABLE tc (id INTEGER PRIMARY KEY, k INTEGER, z TEXT)",
           [(1, 2, "x"), (2, 3, "y"), (3, 3, "y"), (4, None, "z"), (5, 9, None), (6, 1, "w"), (7, 5, "v")]),
    "te": ("CREATE TABLE te (id INTEGER PRIMARY KEY, k INTEGER)", []),
}
COLUMNS = {"ta": ("id", "k", "v"), "tb": ("id", "k", "w"), "tc": ("id", "k", "z"), "te": ("id", "k")}


@pytest.fixture(scope="module")
def engines():
    lite = sqlite3.connect(":memory:")
    mongo = mongodbapi.connect(f"mongomock://outer_chains_{uuid.uuid4().hex[:12]}")
    mongo.autocommit = True
    cursor = mongo.cursor()
    for name, (ddl, rows) in TABLES.items():
        lite.execute(ddl)
        cursor.execute(ddl)
        lite.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(COLUMNS[name]))})",
                         [tuple(None if v is MISSING else v for v in row) for row in rows])
        collection = mongo.database[mongo.catalog.get(name).name]
        for row in rows:  # written directly, so NULL is stored as null and MISSING as no field at all
            collection.insert_one({("_id" if c == "id" else c): v for c, v in zip(COLUMNS[name], row)
                                   if v is not MISSING})
    lite.commit()
    assert mongo.database[mongo.catalog.get("ta").name].count_documents({"k": {"$exists": False}}) == 1
    yield lite, mongo
    mongo.close()
    lite.close()


def _same_rows(engines, sql: str, oracle: str | None = None) -> None:
    lite, mongo = engines
    expected = lite.execute(oracle or sql).fetchall()
    cursor = mongo.cursor()
    cursor.execute(sql)
    got = cursor.fetchall()
    if "ORDER BY" in sql.upper().split(")")[-1]:
        assert got == expected
    else:
        assert Counter(got) == Counter(expected), (sorted(got, key=repr), sorted(expected, key=repr))
    for row, theirs in zip(sorted(got, key=repr), sorted(expected, key=repr)):
        for mine, want in zip(row, theirs):  # integers stay integers
            assert type(mine) is type(want) or mine is None or want is None, (sql, row, theirs)


IDS = "SELECT a.id, b.id, c.id FROM "
QUERIES = [
    # RIGHT/FULL in second and third position, after and before every other kind of join
    IDS + "ta a RIGHT JOIN tb b ON b.k = a.k JOIN tc c ON c.k = b.k",
    IDS + "ta a JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k",
    IDS + "ta a FULL JOIN tb b ON b.k = a.k JOIN tc c ON c.k = b.k",
    IDS + "ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k",
    IDS + "ta a LEFT JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k",
    IDS + "ta a LEFT JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k",
    IDS + "ta a RIGHT JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k",
    IDS + "ta a RIGHT JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k",
    IDS + "ta a FULL JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k",
    IDS + "ta a FULL JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k",
    IDS + "ta a FULL JOIN tb b ON b.k = a.k LEFT JOIN tc c ON c.k = a.k",
    IDS + "ta a RIGHT JOIN tb b ON b.k = a.k LEFT JOIN tc c ON c.k = a.k",
    IDS + "ta a CROSS JOIN tb b RIGHT JOIN tc c ON c.k = b.k AND c.k = a.k",
    IDS + "ta a CROSS JOIN tb b FULL JOIN tc c ON c.k = a.k + b.k",
    IDS + "ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = a.k",
    IDS + "ta a JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = a.k",
    # non-equality and compound ON conditions, conditions on two earlier tables
    IDS + "ta a JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k > b.k",
    IDS + "ta a JOIN tb b ON b.k <> a.k FULL JOIN tc c ON c.k < a.k",
    IDS + "ta a LEFT JOIN tb b ON b.k = a.k AND b.w > 15 RIGHT JOIN tc c ON c.k = b.k AND c.z <> 'y'",
    IDS + "ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k AND c.id > a.id",
    IDS + "ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k OR c.id = a.id",
    IDS + "ta a JOIN tb b ON b.id = a.id RIGHT JOIN tc c ON c.z IS NULL",
    IDS + "ta a JOIN tb b ON b.id = a.id FULL JOIN tc c ON 1 = 0",
    # a lookup filter of two conditions on one field and a let variable: {$and: [..., {$expr: ...$$o0...}]}
    IDS + "ta a RIGHT JOIN tb b ON b.k = a.k JOIN tc c ON c.k > 0 AND c.k <> 2 AND b.id < 3",
    # empty tables in every position
    "SELECT a.id, e.id, c.id FROM ta a JOIN te e ON e.k = a.k RIGHT JOIN tc c ON c.k = a.k",
    "SELECT a.id, e.id, c.id FROM ta a LEFT JOIN te e ON e.k = a.k FULL JOIN tc c ON c.k = a.k",
    "SELECT a.id, b.id, e.id FROM ta a JOIN tb b ON b.k = a.k FULL JOIN te e ON e.k = b.k",
    "SELECT a.id, b.id, e.id FROM ta a JOIN tb b ON b.k = a.k RIGHT JOIN te e ON e.k = b.k",
    "SELECT e.id, b.id, c.id FROM te e RIGHT JOIN tb b ON b.k = e.k FULL JOIN tc c ON c.k = b.k",
    "SELECT e.id, b.id, c.id FROM te e FULL JOIN tb b ON b.k = e.k RIGHT JOIN tc c ON c.k = b.k",
    # four tables, self-joins and aliases
    "SELECT a.id, b.id, c.id, d.id FROM ta a JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k "
    "FULL JOIN ta d ON d.k = c.k",
    "SELECT a.id, b.id, c.id, d.id FROM ta a FULL JOIN tb b ON b.k = a.k JOIN tc c ON c.k = b.k "
    "RIGHT JOIN tb d ON d.k = c.k",
    "SELECT a.id, b.id, c.id, d.id FROM ta a RIGHT JOIN tb b ON b.k = a.k LEFT JOIN tc c ON c.k = b.k "
    "FULL JOIN tc d ON d.k = a.k",
    "SELECT a.id, b.id, c.id, d.id FROM ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k "
    "RIGHT JOIN tb d ON d.k = c.k",
    "SELECT a.id, b.id, c.id, d.id FROM ta a FULL JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k "
    "FULL JOIN tb d ON d.k = c.k OR d.k = a.k",
    "SELECT a.id, __probe.id, __matched.id FROM ta a JOIN tb __probe ON __probe.k = a.k "
    "FULL JOIN tc __matched ON __matched.k = __probe.k",
    "SELECT x.id, y.id, z.id FROM ta x JOIN ta y ON y.k = x.k AND y.id <> x.id RIGHT JOIN ta z ON z.k = y.k",
    "SELECT x.id, y.id, z.id FROM ta x JOIN ta y ON y.k = x.k FULL JOIN ta z ON z.id = y.id + 1",
    "SELECT x.v, y.w, z.z FROM ta AS x JOIN tb AS y ON y.k = x.k FULL OUTER JOIN tc AS z ON z.k = y.k",
    "SELECT x.v, y.w, z.z FROM ta AS x JOIN tb AS y ON y.k = x.k RIGHT OUTER JOIN tc AS z ON z.k = y.k",
    # WHERE on either side, IS NULL finds the rows the outer join made up
    IDS + "ta a JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k WHERE a.id IS NULL",
    IDS + "ta a JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k WHERE c.z = 'y'",
    IDS + "ta a JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k WHERE b.w > 15",
    IDS + "ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k WHERE c.id IS NULL",
    IDS + "ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k WHERE a.id IS NULL",
    IDS + "ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k WHERE a.v <> 'a1' OR c.z IS NULL",
    IDS + "ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k WHERE c.k IS NOT NULL AND b.k IS NOT NULL",
    IDS + "ta a FULL JOIN tb b ON b.k = a.k JOIN tc c ON c.k = b.k WHERE c.id > 1 AND a.id IS NULL",
    IDS + "ta a RIGHT JOIN tb b ON b.k = a.k JOIN tc c ON c.k = b.k WHERE b.w >= 20 AND c.z = 'x'",
    IDS + "ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k WHERE 1 = 0",
    IDS + "ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k "
          "WHERE c.k IN (SELECT k FROM tb WHERE w IS NOT NULL) OR a.id = 1",
    # GROUP BY, aggregates, DISTINCT
    "SELECT c.z, COUNT(*), COUNT(a.id), SUM(b.w) FROM ta a JOIN tb b ON b.k = a.k "
    "RIGHT JOIN tc c ON c.k = b.k GROUP BY c.z",
    "SELECT b.k, COUNT(*), COUNT(c.id), MAX(a.v) FROM ta a JOIN tb b ON b.k = a.k "
    "FULL JOIN tc c ON c.k = b.k GROUP BY b.k",
    "SELECT COUNT(*), COUNT(a.id), COUNT(b.id), COUNT(c.id) FROM ta a LEFT JOIN tb b ON b.k = a.k "
    "FULL JOIN tc c ON c.k = b.k",
    "SELECT a.k, COUNT(*) FROM ta a FULL JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = a.k "
    "GROUP BY a.k HAVING COUNT(*) > 1",
    "SELECT DISTINCT c.k, b.k FROM ta a JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k",
    # ORDER BY + LIMIT (a total order, so the rows compare as lists)
    IDS + "ta a JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k ORDER BY c.id, a.id, b.id LIMIT 4",
    IDS + "ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k ORDER BY c.id DESC, a.id, b.id LIMIT 5 OFFSET 2",
    IDS + "ta a RIGHT JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k ORDER BY c.id, b.id, a.id LIMIT 3",
    IDS + "ta a FULL JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k ORDER BY a.id, b.id, c.id LIMIT 6",
    # USING, SELECT * (columns in FROM order, whatever drives the pipeline)
    "WITH x(xid, w) AS (SELECT id, k * 10 FROM tc) "
    "SELECT a.id, b.id, x.xid FROM ta a JOIN tb b USING (k) RIGHT JOIN x USING (w)",
    "WITH x(xid, w) AS (SELECT id, k * 10 FROM tc) "
    "SELECT a.id, b.id, x.xid FROM ta a JOIN tb b USING (k) FULL JOIN x USING (w)",
    "SELECT a.id, b.id, c.id FROM ta a RIGHT JOIN tb b USING (k) FULL JOIN tc c ON c.k = b.k",
    "SELECT * FROM ta a JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k",
    "SELECT * FROM ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k",
    "SELECT b.*, a.v FROM ta a RIGHT JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k",
    # derived tables and CTEs in the chain
    "SELECT a.id, s.k, c.id FROM ta a JOIN (SELECT k, COUNT(*) AS n FROM tb GROUP BY k) s ON s.k = a.k "
    "RIGHT JOIN tc c ON c.k = s.k",
    "WITH bb AS (SELECT id, k FROM tb WHERE w IS NOT NULL) "
    "SELECT a.id, bb.id, c.id FROM ta a JOIN bb ON bb.k = a.k FULL JOIN tc c ON c.k = bb.k",
    "SELECT a.id, b.id, c.id FROM ta a JOIN tb b ON b.k = a.k FULL JOIN (SELECT id, k FROM tc WHERE id > 2) c "
    "ON c.k = b.k",
    # a subquery correlated with the chain, and the chain inside a subquery
    "SELECT c.id, (SELECT COUNT(*) FROM tb x WHERE x.k = a.k) FROM ta a JOIN tb b ON b.k = a.k "
    "RIGHT JOIN tc c ON c.k = b.k",
    "SELECT c.id FROM tc c WHERE EXISTS (SELECT 1 FROM ta a JOIN tb b ON b.k = a.k "
    "FULL JOIN tc d ON d.k = b.k WHERE d.id = c.id AND a.id IS NULL)",
    # comma joins: the driver binds the comma last (standard SQL); SQLite's text says so explicitly
    ("SELECT x.id, a.id, b.id FROM tc x, ta a FULL JOIN tb b ON b.k = a.k WHERE x.id < 3",
     "SELECT x.id, a.id, b.id FROM tc x CROSS JOIN (ta a FULL JOIN tb b ON b.k = a.k) WHERE x.id < 3"),
    ("SELECT x.id, a.id, b.id FROM tc x, ta a RIGHT JOIN tb b ON b.k = a.k WHERE x.id < 3",
     "SELECT x.id, a.id, b.id FROM tc x CROSS JOIN (ta a RIGHT JOIN tb b ON b.k = a.k) WHERE x.id < 3"),
    ("SELECT x.id, a.id, b.id FROM ta a FULL JOIN tb b ON b.k = a.k, tc x WHERE x.k = a.k OR x.k = b.k",
     None),
]


@pytest.mark.parametrize("query", QUERIES, ids=[q if isinstance(q, str) else q[0] for q in QUERIES])
def test_same_rows_as_sqlite(engines, query):
    sql, oracle = (query, None) if isinstance(query, str) else query
    _same_rows(engines, sql, oracle)


def test_explain_shows_the_sub_join_keyed_by_the_on_condition(engines):
    """RIGHT JOIN after an inner join: the right table drives and the inner join is looked up as
    one pipeline, reordered so that the table the ON condition keys drives it (localField)."""
    _, mongo = engines
    cursor = mongo.cursor()
    cursor.execute("EXPLAIN SELECT a.id, b.id, c.id FROM ta a JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON c.k = b.k")
    kind, body = cursor.fetchall()[0]
    assert kind == "aggregate"
    assert '"aggregate": "tc"' in body and '"localField": "c.k", "foreignField": "k"' in body


@pytest.mark.parametrize("sql", [
    "SELECT a.id FROM ta a JOIN tb b ON b.k = a.k RIGHT JOIN tc c ON k = 1",
    "SELECT a.id FROM ta a JOIN tb b ON b.k = a.k FULL JOIN tc c ON c.k = b.k WHERE k = 1",
    "SELECT a.id FROM ta a LEFT JOIN tb b ON k = 1",
    "SELECT a.id FROM ta a JOIN tb b ON b.k = a.k WHERE k = 1",
])
def test_an_ambiguous_column_is_an_error_wherever_its_condition_is_planned(engines, sql):
    """SQLite: "ambiguous column name"; the driver must not resolve it against whichever table
    the part of the condition happens to be planned next to."""
    lite, mongo = engines
    with pytest.raises(sqlite3.OperationalError, match="ambiguous"):
        lite.execute(sql)
    with pytest.raises(mongodbapi.ProgrammingError, match="ambiguous"):
        mongo.cursor().execute(sql)


# ------------------------------------------------------------ random chains

KINDS = ["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "CROSS JOIN"]
CONDITIONS = ["{r}.k = {l}.k", "{r}.k < {l}.k", "{r}.k = {l}.k AND {r}.id > 2", "{r}.k = {l}.k OR {r}.id = {l}.id",
              "{r}.k = {l}.k AND {r}.k = {m}.k", "{r}.id = {l}.id + 1", "{r}.k IS NULL AND {l}.id < 3"]
NAMES = ["ta", "tb", "tc"] * 4 + ["te"]  # the empty table now and then
WHERES = ["", "", " WHERE {x}.id IS NULL", " WHERE {x}.k > 1", " WHERE {x}.id IS NOT NULL AND {y}.id IS NULL",
          " WHERE {x}.k = {y}.k OR {x}.id = 2"]


def _random_chain(rng: random.Random) -> str:
    count = rng.choice([3, 3, 4])
    aliases = [f"t{i}" for i in range(count)]
    sql = f"{rng.choice(NAMES)} {aliases[0]}"
    for i in range(1, count):
        kind = rng.choice(KINDS)
        sql += f" {kind} {rng.choice(NAMES)} {aliases[i]}"
        if kind != "CROSS JOIN":
            left, other = rng.choice(aliases[:i]), rng.choice(aliases[:i])
            sql += " ON " + rng.choice(CONDITIONS).format(r=aliases[i], l=left, m=other)
    x, y = rng.sample(aliases, 2)
    where = rng.choice(WHERES).format(x=x, y=y)
    return f"SELECT {', '.join(a + '.id' for a in aliases)} FROM {sql}{where}"


RANDOM = [_random_chain(random.Random(seed)) for seed in range(160)]


@pytest.mark.parametrize("sql", RANDOM, ids=[f"{i:03d}" for i in range(len(RANDOM))])
def test_random_chains_match_sqlite(engines, sql):
    _same_rows(engines, sql)
