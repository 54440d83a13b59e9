"""Relational SQL (joins, subqueries, set operations, CTEs, window functions) against sqlite3.

The same tables are loaded into stdlib sqlite3 and into the driver; every query must give the
same rows (in the same order where ORDER BY fixes it, as multisets otherwise). The data has
NULLs in join keys and in subquery results, duplicate keys, and rows without partners, which
is where outer joins, NOT IN and set operations go wrong.
"""
from __future__ import annotations

import sqlite3
import uuid
from collections import Counter

import pytest

import mongodbapi

CUSTOMERS = [(1, "ann", "paris"), (2, "bob", "rome"), (3, "cid", None), (4, "dee", "paris"), (5, "eve", "oslo")]
ORDERS = [(10, 1, 50, "book"), (11, 1, 20, "pen"), (12, 2, 70, "book"), (13, 3, None, "ink"),
          (14, None, 15, "pen"), (15, 9, 30, "cup"), (16, 2, 20, "pen")]
STAFF = [(1, "root", None), (2, "a", 1), (3, "b", 1), (4, "c", 2), (5, "d", 4), (6, "lone", None)]

SCHEMA = [
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT)",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, amount INTEGER, item TEXT)",
    "CREATE TABLE staff (id INTEGER PRIMARY KEY, name TEXT, boss INTEGER)",
]


def _load(connection, placeholder: str) -> None:
    cursor = connection.cursor()
    for statement in SCHEMA:
        cursor.execute(statement)
    for table, rows in (("customers", CUSTOMERS), ("orders", ORDERS), ("staff", STAFF)):
        marks = ", ".join([placeholder] * len(rows[0]))
        cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    connection.commit()


@pytest.fixture(scope="module")
def engines():
    lite = sqlite3.connect(":memory:")
    _load(lite, "?")
    mongo = mongodbapi.connect(f"mongomock://relational_{uuid.uuid4().hex}")
    _load(mongo, "%s")
    yield lite, mongo
    mongo.close()
    lite.close()


QUERIES = [
    # joins
    "SELECT c.name, o.item FROM customers c JOIN orders o ON o.customer_id = c.id",
    "SELECT c.name, o.item FROM customers c LEFT JOIN orders o ON o.customer_id = c.id",
    "SELECT c.name, o.item FROM orders o RIGHT JOIN customers c ON o.customer_id = c.id",
    "SELECT c.name, o.id FROM customers c, orders o WHERE o.customer_id = c.id AND o.amount > 20",
    "SELECT c.name, o.item FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.amount >= 50",
    "SELECT c.name, o.item FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE o.id IS NULL",
    "SELECT a.name, b.name FROM customers a JOIN customers b ON a.city = b.city AND a.id < b.id",
    "SELECT a.name, b.name FROM staff a JOIN staff b ON b.boss = a.id",
    "SELECT a.name, b.name, c.name FROM staff a JOIN staff b ON b.boss = a.id JOIN staff c ON c.boss = b.id",
    "SELECT c.name, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id AND o.amount < c.id * 30",
    "SELECT c.name, o.item FROM customers c CROSS JOIN orders o WHERE c.city = 'oslo'",
    "SELECT c.name, o.id FROM customers c FULL JOIN orders o ON o.customer_id = c.id",
    "SELECT c.name, o.id FROM customers c FULL OUTER JOIN orders o ON o.customer_id = c.id WHERE o.amount > 15 OR c.city IS NULL",
    "SELECT COUNT(*), COUNT(c.id), COUNT(o.id) FROM customers c FULL JOIN orders o ON o.customer_id = c.id AND o.amount > 20",
    "SELECT customers.name, orders.item FROM customers JOIN orders USING (id)",
    "SELECT c.city, COUNT(o.id), SUM(o.amount) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.city",
    "SELECT c.name FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.name HAVING COUNT(*) > 1",
    "SELECT c.name, o.item FROM customers c LEFT JOIN orders o ON o.customer_id = c.id ORDER BY c.name, o.item LIMIT 3",
    "SELECT c.name, o.item FROM customers c LEFT JOIN orders o ON o.customer_id = c.id ORDER BY c.name DESC LIMIT 2 OFFSET 1",
    # RIGHT/FULL after another join: NOT NULL columns of the left side become nullable
    "SELECT * FROM orders o RIGHT JOIN customers c ON o.customer_id = c.id",
    "SELECT c.name, o.id, s.id FROM customers c JOIN orders o ON o.customer_id = c.id "
    "RIGHT JOIN staff s ON s.id = o.id - 9 WHERE c.name IS NULL",
    "SELECT COUNT(c.name), COUNT(*), COUNT(s.name) FROM customers c JOIN orders o ON o.customer_id = c.id "
    "FULL JOIN staff s ON s.boss = c.id",
    "SELECT s.name, c.name FROM staff s JOIN orders o ON o.id = s.id + 9 FULL JOIN customers c ON c.id = o.customer_id "
    "WHERE c.name IS NOT NULL AND s.name IS NULL",
    "SELECT c.city, COUNT(o.id), SUM(o.amount) FROM staff s JOIN customers c ON c.id = s.boss "
    "RIGHT JOIN orders o ON o.customer_id = c.id GROUP BY c.city",
    "SELECT c.name, o.item, s.name FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
    "FULL JOIN staff s ON s.id = c.id ORDER BY s.name, c.name, o.item LIMIT 4",
    # subqueries
    "SELECT name FROM customers WHERE id IN (SELECT customer_id FROM orders)",
    "SELECT name FROM customers WHERE id NOT IN (SELECT customer_id FROM orders)",
    "SELECT name FROM customers WHERE id NOT IN (SELECT customer_id FROM orders WHERE customer_id IS NOT NULL)",
    "SELECT name FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.item = 'pen')",
    "SELECT name FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
    "SELECT name, (SELECT COUNT(*) FROM orders o WHERE o.customer_id = c.id) FROM customers c",
    "SELECT name, (SELECT MAX(amount) FROM orders o WHERE o.customer_id = c.id) FROM customers c",
    "SELECT id FROM orders WHERE amount > (SELECT AVG(amount) FROM orders)",
    # SQLite has no ANY/ALL: the oracle runs the equivalent EXISTS form
    ("SELECT id FROM orders WHERE amount >= ALL (SELECT amount FROM orders WHERE amount IS NOT NULL)",
     "SELECT id FROM orders o WHERE amount IS NOT NULL AND NOT EXISTS "
     "(SELECT 1 FROM orders i WHERE i.amount IS NOT NULL AND NOT (o.amount >= i.amount))"),
    ("SELECT id FROM orders WHERE amount > ANY (SELECT amount FROM orders WHERE item = 'pen')",
     "SELECT id FROM orders o WHERE EXISTS (SELECT 1 FROM orders i WHERE i.item = 'pen' AND o.amount > i.amount)"),
    "SELECT id FROM orders o WHERE amount = (SELECT MAX(amount) FROM orders i WHERE i.item = o.item)",
    "SELECT t.item, t.total FROM (SELECT item, SUM(amount) AS total FROM orders GROUP BY item) AS t WHERE t.total > 30",
    "SELECT name FROM customers WHERE id IN (SELECT customer_id FROM orders WHERE amount > 15) AND city IS NOT NULL",
    "SELECT name FROM customers WHERE (SELECT COUNT(*) FROM orders WHERE customer_id = customers.id) = 0",
    # set operations
    "SELECT city FROM customers UNION SELECT item FROM orders",
    "SELECT city FROM customers UNION ALL SELECT city FROM customers",
    "SELECT customer_id FROM orders INTERSECT SELECT id FROM customers",
    "SELECT id FROM customers EXCEPT SELECT customer_id FROM orders",
    "SELECT item FROM orders EXCEPT SELECT 'pen'",
    "SELECT city FROM customers UNION SELECT NULL",
    "SELECT id, name FROM customers WHERE id < 3 UNION SELECT id, item FROM orders WHERE id > 14 ORDER BY 1 DESC",
    "SELECT name FROM customers UNION SELECT item FROM orders ORDER BY name LIMIT 4",
    # CTEs and table-less SELECT
    "WITH big AS (SELECT * FROM orders WHERE amount >= 30) SELECT item, COUNT(*) FROM big GROUP BY item",
    "WITH a AS (SELECT id FROM customers WHERE city = 'paris'), b AS (SELECT customer_id FROM orders) "
    "SELECT id FROM a WHERE id IN (SELECT customer_id FROM b)",
    "WITH x AS (SELECT customer_id AS c, amount FROM orders) SELECT x1.c, x2.amount FROM x x1 JOIN x x2 ON x1.c = x2.c",
    "SELECT 1 + 1, 'a' || 'b', 7 / 2, NULL IS NULL",
    "WITH RECURSIVE sub(id, name) AS (SELECT id, name FROM staff WHERE id = 2 UNION ALL "
    "SELECT s.id, s.name FROM staff s JOIN sub ON s.boss = sub.id) SELECT name FROM sub",
    # window functions
    "SELECT id, ROW_NUMBER() OVER (ORDER BY amount, id) FROM orders",
    "SELECT id, RANK() OVER (PARTITION BY item ORDER BY amount) FROM orders",
    "SELECT id, DENSE_RANK() OVER (ORDER BY item) FROM orders",
    "SELECT id, SUM(amount) OVER (PARTITION BY item) FROM orders",
    "SELECT id, SUM(amount) OVER (ORDER BY customer_id) FROM orders",
    "SELECT id, COUNT(amount) OVER (PARTITION BY customer_id ORDER BY id) FROM orders",
    "SELECT id, AVG(amount) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM orders",
    "SELECT id, LAG(amount) OVER (ORDER BY id), LEAD(item, 2, 'none') OVER (ORDER BY id) FROM orders",
    "SELECT id, FIRST_VALUE(item) OVER (PARTITION BY customer_id ORDER BY id), "
    "LAST_VALUE(item) OVER (PARTITION BY customer_id ORDER BY id) FROM orders",
    "SELECT id, MIN(amount) OVER (), MAX(amount) OVER () FROM orders",
    "SELECT id, NTILE(3) OVER (ORDER BY id), NTILE(2) OVER (PARTITION BY item ORDER BY id) FROM orders",
    "SELECT id, PERCENT_RANK() OVER (ORDER BY amount), PERCENT_RANK() OVER (PARTITION BY item ORDER BY id) FROM orders",
]


def _normalise(rows):
    return [tuple(round(v, 9) if isinstance(v, float) else (int(v) if isinstance(v, bool) else v) for v in row)
            for row in rows]


@pytest.mark.parametrize("query", QUERIES, ids=[q if isinstance(q, str) else q[0] for q in QUERIES])
def test_same_rows_as_sqlite(engines, query):
    lite, mongo = engines
    sql, oracle = (query, query) if isinstance(query, str) else query
    expected = _normalise(lite.execute(oracle).fetchall())
    cursor = mongo.cursor()
    cursor.execute(sql)
    got = _normalise(cursor.fetchall())
    if "ORDER BY" in sql.upper().split(")")[-1]:
        assert got == expected
    else:
        assert Counter(got) == Counter(expected)
    for row in got:  # integers stay integers
        for mine, theirs in zip(row, expected[0] if expected else row):
            if isinstance(theirs, int) and mine is not None:
                assert isinstance(mine, int), (sql, row)


WRITES = [
    ("UPDATE orders SET amount = amount + 1 WHERE customer_id IN (SELECT id FROM customers WHERE city = 'paris')",
     "SELECT id, amount FROM orders"),
    ("DELETE FROM orders WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = orders.customer_id)",
     "SELECT id FROM orders"),
    ("INSERT INTO orders (id, customer_id, amount, item) SELECT id + 100, id, 1, name FROM customers WHERE city = 'paris'",
     "SELECT id, customer_id, amount, item FROM orders"),
]


@pytest.mark.parametrize("write, check", WRITES)
def test_writes_with_subqueries_match_sqlite(write, check):
    lite = sqlite3.connect(":memory:")
    _load(lite, "?")
    mongo = mongodbapi.connect(f"mongomock://relational_w_{uuid.uuid4().hex}")
    _load(mongo, "%s")
    lite_count = lite.execute(write).rowcount
    cursor = mongo.cursor()
    cursor.execute(write)
    assert cursor.rowcount == lite_count
    cursor.execute(check)
    assert Counter(cursor.fetchall()) == Counter(lite.execute(check).fetchall())


def test_scalar_subquery_with_two_rows_is_an_error(engines):
    _, mongo = engines
    cursor = mongo.cursor()
    with pytest.raises(mongodbapi.DatabaseError, match="more than one row"):
        cursor.execute("SELECT name, (SELECT id FROM orders WHERE customer_id = c.id) FROM customers c")
        cursor.fetchall()


def test_unsupported_recursion_names_the_construct(engines):
    _, mongo = engines
    with pytest.raises(mongodbapi.NotSupportedError, match="WITH RECURSIVE"):
        mongo.cursor().execute("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) "
                               "SELECT x FROM n")


def test_join_output_is_named_by_alias_not_table(engines):
    """Two joins to one table under different aliases must not overwrite each other."""
    _, mongo = engines
    cursor = mongo.cursor()
    cursor.execute("EXPLAIN SELECT a.name, b.name FROM staff a JOIN staff b ON b.boss = a.id")
    pipeline = cursor.fetchall()[0][1]
    assert '"as": "b"' in pipeline and '"a": "$$ROOT"' in pipeline
