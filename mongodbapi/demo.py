"""A sample dataset and a short tour of the SQL the driver runs, for ``python -m mongodbapi --demo``.

Everything goes through the driver: the tables are created and filled with SQL statements, and
each query of the tour is shown with the MongoDB command it became (from ``EXPLAIN``).
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any, TextIO

DEMO_URI = "mongomock://demo"

SCHEMA = [
    "DROP TABLE IF EXISTS orders",
    "DROP TABLE IF EXISTS customers",
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email VARCHAR(100), "
    "city TEXT, joined DATE)",
    "CREATE TABLE orders (id SERIAL PRIMARY KEY, customer_id INTEGER NOT NULL, status TEXT NOT NULL, "
    "total NUMERIC(10, 2), address JSON, items JSON)",
]

CUSTOMERS = [
    (1, "Ada Lovelace", "ada@example.com", "London", datetime.date(2023, 1, 5)),
    (2, "Alan Turing", "alan@example.org", "Manchester", datetime.date(2023, 3, 17)),
    (3, "Grace Hopper", None, "New York", datetime.date(2023, 6, 2)),
    (4, "Edsger Dijkstra", "edsger@example.nl", "Amsterdam", datetime.date(2024, 2, 29)),
    (5, "Barbara Liskov", "barbara@example.com", None, datetime.date(2024, 9, 12)),
]


def _order(customer_id: int, status: str, total: str, street: str, city: str, items: list[tuple[str, int, str]]
           ) -> tuple[Any, ...]:
    return (customer_id, status, decimal.Decimal(total), {"street": street, "city": city},
            [{"sku": sku, "qty": qty, "price": price} for sku, qty, price in items])


ORDERS = [
    _order(1, "shipped", "42.50", "12 St James's Square", "London", [("BOOK-1", 1, "30.00"), ("PEN-3", 5, "2.50")]),
    _order(1, "paid", "18.00", "12 St James's Square", "London", [("INK-2", 2, "9.00")]),
    _order(2, "shipped", "120.00", "Oxford Road", "Manchester", [("LAMP-7", 1, "120.00")]),
    _order(3, "paid", "9.99", "1 Navy Yard", "New York", [("BUG-0", 1, "9.99")]),
    _order(3, "cancelled", "55.00", "1 Navy Yard", "New York", [("TAPE-9", 11, "5.00")]),
    _order(4, "paid", "64.00", "Dam 1", "Amsterdam", [("BOOK-1", 2, "30.00"), ("PEN-3", 1, "4.00")]),
    _order(5, "shipped", "7.00", "77 Mass Ave", "Cambridge", [("PEN-3", 2, "3.50")]),
]

INSERT_CUSTOMER = "INSERT INTO customers (id, name, email, city, joined) VALUES (%s, %s, %s, %s, %s)"
INSERT_ORDER = "INSERT INTO orders (customer_id, status, total, address, items) VALUES (%s, %s, %s, %s, %s)"

# (what it shows, SQL). Every statement here is checked by tests/cli/test_shell.py.
TOUR = [
    ("A WHERE filter on one column becomes a find() filter",
     "SELECT id, name, city FROM customers WHERE city = 'London' OR joined >= DATE '2024-01-01' ORDER BY id"),
    ("LIKE becomes an anchored regex; IS NULL matches missing and null fields alike",
     "SELECT name, email FROM customers WHERE name LIKE 'A%' OR email IS NULL ORDER BY name"),
    ("A dotted path reads a field of an embedded document",
     "SELECT id, status, address.city AS city, total FROM orders WHERE address.city <> 'London' "
     "AND total > 10 ORDER BY total DESC"),
    ("Embedded documents and arrays come back as dicts and lists; items[0] is an array element",
     "SELECT id, items[0] AS first_item, items FROM orders WHERE customer_id = 1 ORDER BY id"),
    ("GROUP BY with aggregates becomes a $group stage",
     "SELECT status, COUNT(*) AS orders, COUNT(DISTINCT customer_id) AS customers, SUM(total) AS revenue "
     "FROM orders GROUP BY status ORDER BY revenue DESC"),
    ("ORDER BY and LIMIT become sort and limit",
     "SELECT id, customer_id, total FROM orders ORDER BY total DESC, id LIMIT 3"),
    ("Expressions, CASE and COALESCE run inside MongoDB",
     "SELECT UPPER(name) AS name, COALESCE(email, '(no email)') AS email, "
     "CASE WHEN city IS NULL THEN 'unknown' ELSE city END AS city FROM customers WHERE id >= 3 ORDER BY id"),
    ("UPDATE reports how many rows it changed (cursor.rowcount)",
     "UPDATE orders SET status = 'shipped' WHERE status = 'paid' AND total < 50"),
    ("The same GROUP BY after the UPDATE",
     "SELECT status, COUNT(*) AS orders FROM orders GROUP BY status ORDER BY status"),
    ("A JOIN filters the driving table first, then becomes a $lookup named after the SQL alias",
     "SELECT c.name, o.id, o.total FROM orders o JOIN customers c ON o.customer_id = c.id "
     "WHERE o.status = 'shipped' ORDER BY o.id"),
]


def load(connection: Any) -> dict[str, int]:
    """Create and fill the demo tables with SQL through ``connection``; returns rows per table."""
    cursor = connection.cursor()
    for statement in SCHEMA:
        cursor.execute(statement)
    cursor.executemany(INSERT_CUSTOMER, CUSTOMERS)
    customers = cursor.rowcount
    cursor.executemany(INSERT_ORDER, ORDERS)
    orders = cursor.rowcount
    connection.commit()
    return {"customers": customers, "orders": orders}


def explain(connection: Any, sql: str) -> list[tuple[str, str]]:
    """The MongoDB command(s) ``sql`` becomes, as (command, JSON body) rows; [] when EXPLAIN cannot say."""
    from . import errors

    cursor = connection.cursor()
    try:
        cursor.execute("EXPLAIN " + sql)
        return [(str(command), str(body)) for command, body in cursor.fetchall()]
    except errors.NotSupportedError:
        return []
    finally:
        cursor.close()


def run_tour(connection: Any, out: TextIO, err: TextIO, timing: bool = True) -> int:
    """Run every statement of :data:`TOUR`, printing its SQL, MongoDB command and rows.

    A statement that fails is reported on ``err`` and the tour goes on; returns the failures.
    """
    from . import errors
    from .shell import run_statement

    failures = 0
    for number, (title, sql) in enumerate(TOUR, 1):
        out.write(f"\n-- {number}. {title}\n")
        out.write(f"SQL:     {sql}\n")
        try:
            commands = explain(connection, sql)
            if commands:
                for command, body in commands:
                    out.write(f"MongoDB: {command} {body}\n")
            else:
                out.write("MongoDB: (EXPLAIN shows SELECT statements only)\n")
            run_statement(connection, sql, out, timing=timing)
        except errors.Error as exc:
            failures += 1
            out.flush()
            err.write(f"ERROR: {type(exc).__name__}: {exc}\n")
    return failures


def main(out: TextIO, err: TextIO, timing: bool = True) -> tuple[Any, int]:
    """Load the dataset into the in-process engine and run the tour.

    Returns the open connection and the number of tour statements that failed.
    """
    import mongodbapi

    connection = mongodbapi.connect(DEMO_URI)
    connection.autocommit = True
    counts = load(connection)
    out.write(f"Loaded the demo dataset into {DEMO_URI} (the in-process engine) with INSERT statements: "
              + ", ".join(f"{n} {table}" for table, n in counts.items()) + ".\n")
    out.write("Each order embeds an address document and an items array of sub-documents.\n")
    return connection, run_tour(connection, out, err, timing=timing)
