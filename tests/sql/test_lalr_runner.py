"""The lean LALR runner (``mongodbapi.sql.lalr``) against Lark's own parser on the same tables.

The runner must build exactly the tree Lark builds, positions included, for every statement, and
give up (so that Lark reports the error) exactly where Lark rejects the text.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib

import pytest

from mongodbapi.sql import parser as sql_parser
from mongodbapi.sql.lalr import FastLALR
from sqllogictest import slt  # tests/ is on sys.path: pytest puts the root of each test package there

HERE = pathlib.Path(__file__).parent
SAMPLES = HERE.parent / "sqllogictest" / "samples"

TRICKY = [
    "select ID, Name from T where X = 1",  # keywords in any case
    "SeLeCt selected, fromage, \"select\", `from` FrOm wherever",  # keywords inside identifiers
    "SELECT 'SELECT FROM WHERE', 'it''s' FROM t -- a comment\nWHERE a = 1",
    "SELECT a\n  FROM t\n /* a comment\n over lines */ WHERE b IN (1, 2.5, .5, 1e3, %s)\n ORDER BY 1",
    "SELECT \"weird \"\"name\"\"\", \"a.b\", x[0], a.b.c FROM \"t\" AS \"Alias\"",
    "SELECT 'ünïcödé', \"ſelect\" FROM t",  # non-ASCII text: Lark's Unicode case folding decides
    "SELECT a FROM t WHERE n LIKE 'x%%' AND m = %(name)s",
    "SELECT 5 % 3, 7 %% 2, a || b, -c, a::integer FROM t",
    "INSERT INTO t (a, b) VALUES (1, DEFAULT), (%s, %s) RETURNING a",
    "UPDATE t SET a = a + 1, b = CASE WHEN c THEN 1 ELSE NULL END WHERE id = 3",
    "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, v VARCHAR(10) NOT NULL DEFAULT 'x')",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r",
    "SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b DESC NULLS LAST) FROM t;",
    "EXPLAIN SELECT COUNT(*) FROM a LEFT JOIN b ON a.id = b.a_id GROUP BY a.x HAVING COUNT(*) > 1",
    "BEGIN", "COMMIT", "ROLLBACK",
]

BROKEN = [
    "", "   ", "SELECT", "SELECT FROM t", "SELECT a FROM t WHERE", "SELECT a FROM t WHERE a = = 1",
    "SELECT a FROM t\nWHERE a ? 1", "SELECT 'unterminated FROM t", "SELECT a FROM t ORDER BY",
    "SELEC a FROM t", "SELECT a, FROM t", "SELECT (a FROM t", "SELECT a FROM t; SELECT b FROM t",
    "SELECT ſelect FROM t",
]


def _corpus() -> list[str]:
    statements = list(TRICKY)
    for golden in sorted((HERE / "golden").glob("*.json")):
        statements += [case["sql"] for case in json.loads(golden.read_text(encoding="utf-8")) if "sql" in case]
    for sample in sorted(SAMPLES.glob("*.test")):
        statements += [record.sql for record in slt.parse(sample.read_text(encoding="utf-8"), sample.name)
                       if record.sql]
    return statements


def _with_positions(value):
    """A node as nested tuples that include ``pos`` (which node equality ignores)."""
    if dataclasses.is_dataclass(value):
        return (type(value).__name__,) + tuple(
            (item.name, _with_positions(getattr(value, item.name))) for item in dataclasses.fields(value))
    if isinstance(value, (list, tuple)):
        return tuple(_with_positions(item) for item in value)
    return value


def _both(sql: str, unescape_percent: bool):
    """(runner result or exception, Lark result or exception), each from a fresh transformer state."""
    lark_parser = sql_parser._get_parser()
    results = []
    for run in (sql_parser._fast.parse, lark_parser.parse):
        sql_parser._transformer.reset(unescape_percent)
        try:
            results.append(("tree", _with_positions(run(sql))))
        except Exception as exc:  # noqa: BLE001 - the two must fail alike
            results.append(("error", type(exc).__name__, str(exc)))
    return results


@pytest.mark.parametrize("unescape_percent", [False, True])
def test_runner_builds_the_tree_lark_builds(unescape_percent):
    statements = _corpus()
    assert len(statements) > 500
    differences = []
    for sql in statements:
        fast, reference = _both(sql, unescape_percent)
        if reference[0] == "tree" and fast != reference:
            differences.append(sql)
        if reference[0] == "error" and fast not in (("tree", None), reference):
            differences.append(sql)
    assert not differences, differences[:5]


@pytest.mark.parametrize("sql", BROKEN)
def test_runner_gives_up_where_lark_rejects_the_text(sql):
    fast, reference = _both(sql, True)
    assert reference[0] == "error"
    assert fast == ("tree", None)


def test_syntax_errors_still_come_from_lark_with_their_position():
    with pytest.raises(Exception) as caught:
        sql_parser.parse.__wrapped__("SELECT a\nFROM t\nWHERE a = = 1", True)
    assert "line 3, column 11" in str(caught.value)


def test_unit_reduction_chains_are_remembered():
    runner = FastLALR(sql_parser._get_parser())
    sql_parser._transformer.reset(False)
    runner.parse("SELECT a + 1 FROM t WHERE b = 2")
    learned = len(runner._unit_chains)
    assert learned > 0
    sql_parser._transformer.reset(False)
    runner.parse("SELECT c + 1 FROM u WHERE d = 3")
    assert len(runner._unit_chains) == learned


def test_runner_works_on_tables_lark_builds_fresh_without_its_cache():
    # A new machine has no cached tables; a freshly built table names its rules with lark Tokens.
    from importlib import resources

    import lark

    from mongodbapi.sql.transformer import SQLTransformer

    transformer = SQLTransformer()
    grammar = resources.files("mongodbapi.grammar").joinpath("sql.lark").read_text(encoding="utf-8")
    fresh = lark.Lark(grammar, parser="lalr", lexer="basic", transformer=transformer, maybe_placeholders=False)
    runner = FastLALR(fresh)
    for sql in TRICKY:
        transformer.reset(False)
        expected = _with_positions(fresh.parse(sql))
        transformer.reset(False)
        assert _with_positions(runner.parse(sql)) == expected, sql
