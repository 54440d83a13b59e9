"""Cost of turning SQL into a MongoDB command: parse + plan cold (no caches) and warm (cached).

Targets (issue 2): cold parse+plan < 300 µs, warm (statement cache hit) < 15 µs, for a typical
statement on the in-process engine with a 100-document table.

    python bench/parse_plan.py [--quick] [--profile]
"""

from __future__ import annotations

import sys

import _common

from mongodbapi.exec.statement import _prepare_node, prepare
from mongodbapi.sql.parser import parse

SQL = "SELECT id, name, price FROM products WHERE category = %s AND price > %s ORDER BY price DESC LIMIT 10"
COLD_TARGET_US = 300.0
WARM_TARGET_US = 15.0


def main() -> int:
    args = _common.arguments(__doc__.splitlines()[0])
    number, repeat = (200, 5) if args.quick else (2000, 15)
    connection = _common.connect("bench_parse_plan")
    collection = _common.create_products(connection, 100)

    parse_raw = parse.__wrapped__  # the parser without its lru_cache
    tree = parse_raw(SQL, True)
    prepare(connection, SQL, True)
    times = _common.compare({
        "parse": lambda: parse_raw(SQL, True),
        "plan": lambda: _prepare_node(tree, connection),
        "cold": lambda: _prepare_node(parse_raw(SQL, True), connection),
        "find_one": lambda: collection.find_one({"_id": 50}),
    }, number, repeat)
    parse_time, plan_time, cold_time, find_one = times["parse"], times["plan"], times["cold"], times["find_one"]
    warm_time = _common.measure(lambda: prepare(connection, SQL, True), number * 10, repeat)

    print(f"parse + plan of: {SQL}")
    print(f"  ({_common.machine()}; median of {repeat} runs of {number} calls)")
    _common.report("parse (parse.__wrapped__, no cache)", parse_time)
    _common.report("plan (_prepare_node, fresh)", plan_time)
    _common.report("cold: parse + plan", cold_time)
    _common.report("warm: prepare() from the statement cache", warm_time)
    _common.report("for scale: raw find_one({_id}) on 100 documents", find_one)
    ok = _common.verdict("cold / 300 µs target", cold_time * 1e6 / COLD_TARGET_US, 1.0)
    ok &= _common.verdict("warm / 15 µs target", warm_time * 1e6 / WARM_TARGET_US, 1.0)
    print(f"  {'cold parse+plan / raw find_one':<44} {cold_time / find_one:8.2f}x")
    if args.profile:
        print("\nprofile of cold parse + plan (top entries by own time):")
        _common.profile(lambda: _prepare_node(parse_raw(SQL, True), connection), number)
        print("\nprofile of warm prepare():")
        _common.profile(lambda: prepare(connection, SQL, True), number * 10)
    connection.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
