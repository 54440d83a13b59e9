"""Joins through the driver against the same logic written by hand as one aggregation pipeline.

Data: 10,000 orders x 1,000 customers (``--quick``: 2,000 x 200) in the in-process engine.
Two statements, each compared with the pipeline a developer would write for it, on the same
collections (target: the driver at most 1.2x the hand-written pipeline):

* an equality join with a filter on the driving table;
* a GROUP BY over that join.
"""

from __future__ import annotations

import _common

JOIN_SQL = ("SELECT o.id, o.amount, c.name FROM orders o JOIN customers c ON c.id = o.customer_id "
            "WHERE o.status = %s")
GROUP_SQL = ("SELECT c.country, COUNT(*), SUM(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id "
             "WHERE o.status = %s GROUP BY c.country")
COUNTRIES = ["fr", "de", "it", "es", "pt", "nl", "be", "at"]
STATUSES = ["new", "paid", "shipped", "cancelled", "returned"]


def load(connection, orders: int, customers: int) -> None:
    cursor = connection.cursor()
    cursor.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL)")
    cursor.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, "
                   "amount INTEGER NOT NULL, status TEXT NOT NULL)")
    cursor.executemany("INSERT INTO customers VALUES (%s, %s, %s)",
                       [(i, f"customer {i}", COUNTRIES[i % len(COUNTRIES)]) for i in range(1, customers + 1)])
    cursor.executemany("INSERT INTO orders VALUES (%s, %s, %s, %s)",
                       [(i, i % customers + 1, i % 97, STATUSES[i % len(STATUSES)]) for i in range(1, orders + 1)])
    connection.commit()


def main() -> int:
    args = _common.arguments(__doc__)
    orders, customers = (2_000, 200) if args.quick else (10_000, 1_000)
    connection = _common.connect("bench_join")
    connection.autocommit = True
    load(connection, orders, customers)
    database = connection.database
    cursor = connection.cursor()

    def driver(sql: str):
        return lambda: (cursor.execute(sql, ("paid",)), cursor.fetchall())

    hand_join = [{"$match": {"status": "paid"}},
                 {"$lookup": {"from": "customers", "localField": "customer_id", "foreignField": "_id", "as": "c"}},
                 {"$unwind": "$c"},
                 {"$project": {"_id": 1, "amount": 1, "name": "$c.name"}}]
    hand_group = hand_join[:3] + [{"$group": {"_id": "$c.country", "n": {"$sum": 1}, "total": {"$sum": "$amount"}}}]
    repeat = 3 if args.quick else 5
    print(f"joins: {orders:,} orders x {customers:,} customers, filter on the driving table (status = 'paid')")
    print(f"  ({_common.machine()}; median of {repeat} runs)")
    ok = True
    for label, sql, pipeline in (("equality join", JOIN_SQL, hand_join), ("GROUP BY over the join", GROUP_SQL, hand_group)):
        times = _common.compare({"driver": driver(sql),
                                 "hand": lambda p=pipeline: list(database.orders.aggregate(p))}, 1, repeat)
        _common.report(f"{label}: hand-written pipeline", times["hand"])
        _common.report(f"{label}: driver", times["driver"])
        ok &= _common.verdict(f"{label}: driver / hand-written", times["driver"] / times["hand"], 1.2)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
