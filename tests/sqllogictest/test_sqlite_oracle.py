"""Tests of the sqllogictest runner itself, with the stdlib sqlite3 module as the oracle.

SQLite produced the expected answers of the select*.test files, so a correct runner must
report 100% on sqlite3; the unit tests below check that it also reports wrong results.
These tests never use mongodbapi.
"""
from __future__ import annotations

import decimal
import os
import sqlite3
import sys
import textwrap
from pathlib import Path

import pytest

from . import slt

# The corpus lives in ../shared beside the repository (as in CI); SQLLOGICTEST_DIR overrides it.
SHARED_DIR = Path(os.environ.get("SQLLOGICTEST_DIR", Path(__file__).resolve().parents[3] / "shared" / "sqllogictest"))
needs_shared = pytest.mark.skipif(not (SHARED_DIR / "select1.test").is_file(),
                                  reason=f"sqllogictest corpus not found in {SHARED_DIR}")


def connect() -> sqlite3.Connection:
    return sqlite3.connect(":memory:")


def run_text(tmp_path: Path, text: str, **kwargs) -> slt.FileResult:
    path = tmp_path / "t.test"
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return slt.run_file(path, connect, **kwargs)


# --------------------------------------------------------------------------- formatting

@pytest.mark.parametrize("value, expected", [
    (None, "NULL"), (7, "7"), (-7, "-7"), (True, "1"), (2.9, "2"), (-2.9, "-2"),
    (1e30, str(2**63 - 1)), (float("nan"), "0"), ("12abc", "12"), ("abc", "0"), ("", "0"),
    (" -3.5", "-3"), (decimal.Decimal("4.7"), "4"), (b"42", "42"),
])
def test_format_integer(value, expected):
    assert slt.format_value(value, "I") == expected


@pytest.mark.parametrize("value, expected", [
    (None, "NULL"), (3, "3.000"), (2.0005, "2.001"), (-0.25, "-0.250"), (1 / 3, "0.333"),
    ("1.5x", "1.500"), ("x", "0.000"), (decimal.Decimal("2.5"), "2.500"),
])
def test_format_real(value, expected):
    assert slt.format_value(value, "R") == expected


@pytest.mark.parametrize("value, expected", [
    (None, "NULL"), ("", "(empty)"), ("table t1 row 3", "table t1 row 3"), (12, "12"),
    (1.0, "1.0"), (2.5, "2.5"), (1e20, "1.0e+20"), (0.1 + 0.2, "0.3"), (True, "1"),
    ("a\tb\nc\x7f", "a@b@c@"), ("é", "@@"), (b"ab\x00\xff", "ab@@"),
])
def test_format_text(value, expected):
    assert slt.format_value(value, "T") == expected


def test_format_unknown_type_is_an_error():
    with pytest.raises(ValueError):
        slt.format_value(1, "X")


def test_sort_modes():
    values = ["9", "b", "10", "a", "9", "a"]
    assert slt.sort_values(values, 2, "nosort") == values
    # rows compare as strings, column by column: "10" < "9"
    assert slt.sort_values(values, 2, "rowsort") == ["10", "a", "9", "a", "9", "b"]
    assert slt.sort_values(values, 2, "valuesort") == ["10", "9", "9", "a", "a", "b"]


def test_hash_values_known_answers():
    assert slt.hash_values([]) == "0 values hashing to d41d8cd98f00b204e9800998ecf8427e"
    assert slt.hash_values(["a"]) == "1 values hashing to 60b725f10c9c85c70d97880dfe8191b3"
    assert slt.hash_values(["1", "2", "10"]) == "3 values hashing to b713b0fe24a6c0b2a38c6c8f60e27498"


# --------------------------------------------------------------------------- parsing

def test_parse_records():
    records = slt.parse(textwrap.dedent("""\
        # a comment
        hash-threshold 8

        statement ok
        CREATE TABLE t(x)

        skipif mysql
        onlyif sqlite
        query IT rowsort lbl
        SELECT 1,
          'a'
        ----
        1
        a

        query I
        SELECT 1

        statement error
        nonsense

        halt
        """))
    assert [r.kind for r in records] == ["hash-threshold", "statement", "query", "query", "statement", "halt"]
    th, st, q1, q2, err, _ = records
    assert th.threshold == 8
    assert st.sql == "CREATE TABLE t(x)" and not st.expect_error and st.line == 4
    assert q1.conditions == [("skipif", "mysql"), ("onlyif", "sqlite")]
    assert (q1.types, q1.sortmode, q1.label, q1.line) == ("IT", "rowsort", "lbl", 9)
    assert q1.sql == "SELECT 1,\n  'a'" and q1.expected == ["1", "a"]
    assert (q2.sortmode, q2.label, q2.expected) == ("nosort", None, None)
    assert err.expect_error
    assert q1.applies("sqlite") and not q1.applies("mysql") and not q1.applies("postgresql")


def test_parse_rejects_unknown_records():
    with pytest.raises(slt.ParseError, match="unknown record"):
        slt.parse("frobnicate\nSELECT 1\n")
    with pytest.raises(slt.ParseError, match="sort mode"):
        slt.parse("query I sideways\nSELECT 1\n----\n1\n")


# --------------------------------------------------------------------------- running

SCRIPT = """
    statement ok
    CREATE TABLE t1(a INTEGER, b TEXT, c REAL)

    statement ok
    INSERT INTO t1 VALUES(10, 'x', 1.5), (9, '', NULL), (11, 'y', 2)

    statement error
    INSERT INTO no_such_table VALUES(1)

    query ITR rowsort
    SELECT a, b, c FROM t1
    ----
    10
    x
    1.500
    11
    y
    2.000
    9
    (empty)
    NULL

    query I valuesort
    SELECT a FROM t1
    ----
    3 values hashing to 44f94a97979bb564102e0ba05d989a57

    query I nosort
    SELECT a % 4 FROM t1 ORDER BY a
    ----
    1
    2
    3
    """


def test_script_passes(tmp_path):
    res = run_text(tmp_path, SCRIPT)
    assert res.failures == []
    assert (res.statements_run, res.statements_failed) == (3, 0)
    assert (res.queries_total, res.queries_run, res.queries_passed, res.percent) == (3, 3, 3, 100.0)


def test_wrong_expected_value_is_reported(tmp_path):
    res = run_text(tmp_path, SCRIPT.replace("    y\n", "    z\n"))
    assert (res.queries_run, res.queries_passed, res.queries_failed) == (3, 2, 1)
    [failure] = res.failures
    assert (failure.kind, failure.error_type, failure.line) == ("query", "mismatch", 10)
    assert failure.sql == "SELECT a, b, c FROM t1"
    assert "z" in failure.expected.splitlines() and "y" in failure.got.splitlines()


def test_wrong_hash_is_reported(tmp_path):
    res = run_text(tmp_path, SCRIPT.replace("44f94a97979bb564102e0ba05d989a57", "0" * 32))
    [failure] = res.failures
    assert failure.error_type == "mismatch"
    assert failure.got == "3 values hashing to 44f94a97979bb564102e0ba05d989a57"


def test_wrong_order_fails_with_nosort_only(tmp_path):
    descending = SCRIPT.replace("ORDER BY a\n", "ORDER BY a DESC\n")
    assert [f.got for f in run_text(tmp_path, descending).failures] == ["3\n2\n1"]
    assert run_text(tmp_path, descending.replace("query I nosort", "query I valuesort")).failures == []
    assert run_text(tmp_path, descending.replace("query I nosort", "query I rowsort")).failures == []


def test_statement_outcomes_are_checked(tmp_path):
    res = run_text(tmp_path, """
        statement ok
        CREATE TABLE t(x)

        statement ok
        INSERT INTO missing VALUES(1)

        statement error
        INSERT INTO t VALUES(1)

        query I
        SELECT count(*) FROM t
        ----
        1
        """)
    assert (res.statements_run, res.statements_failed, res.queries_passed) == (3, 2, 1)
    assert [(f.line, f.error_type) for f in res.failures] == [(4, "OperationalError"), (7, "no error")]
    assert "missing" in res.failures[0].message


def test_query_errors_and_column_count(tmp_path):
    res = run_text(tmp_path, """
        query I
        SELECT nope FROM nowhere
        ----
        1

        query II
        SELECT 1
        ----
        1
        """)
    assert [f.error_type for f in res.failures] == ["OperationalError", "columns"]
    assert res.queries_failed == 2


def test_skipif_onlyif_and_halt(tmp_path):
    res = run_text(tmp_path, """
        skipif sqlite
        query I
        SELECT 'never run for sqlite'
        ----
        1

        onlyif mysql
        statement ok
        THIS IS NOT SQL

        onlyif sqlite
        query I
        SELECT 1
        ----
        1

        skipif sqlite
        halt

        onlyif mysql
        halt

        query I
        SELECT 2
        ----
        2

        onlyif sqlite
        halt

        query I
        SELECT 'after halt'
        ----
        0
        """)
    assert res.failures == [] and res.halted
    assert (res.statements_run, res.queries_run, res.queries_passed, res.queries_skipped) == (0, 2, 2, 2)
    other = run_text(tmp_path, (tmp_path / "t.test").read_text(), engine="mysql")
    assert other.statements_failed == 1  # the engine name decides which records run


def test_labels_must_agree(tmp_path):
    res = run_text(tmp_path, """
        query I nosort same
        SELECT 1

        query I nosort same
        SELECT 1

        query I nosort same
        SELECT 2
        """)
    assert (res.queries_passed, res.queries_failed) == (2, 1)
    assert res.failures[0].error_type == "label" and res.failures[0].line == 7


def test_percent_is_passed_to_execute_literally(tmp_path):
    """A pyformat driver interpolates only when given parameters, even an empty tuple."""
    calls = []

    class PyformatCursor:
        def __init__(self, cur):
            self._cur = cur

        def execute(self, sql, *params):
            calls.append(params)
            if params:
                sql = sql % params[0]  # what a pyformat driver does; "%" would break it
            return self._cur.execute(sql)

        def __getattr__(self, name):
            return getattr(self._cur, name)

    class PyformatConnection:
        def __init__(self):
            self._conn = sqlite3.connect(":memory:")

        def cursor(self):
            return PyformatCursor(self._conn.cursor())

        def __getattr__(self, name):
            return getattr(self._conn, name)

    path = tmp_path / "p.test"
    path.write_text("query I nosort\nSELECT 7 % 4\n----\n3\n")
    res = slt.run_file(path, PyformatConnection)
    assert res.failures == [] and res.queries_passed == 1 and calls == [()]


def test_stop_after(tmp_path):
    text = "\n\n".join(f"query I\nSELECT {i}\n----\n-1" for i in range(5)) + "\n"
    res = run_text(tmp_path, text, stop_after=2)
    assert res.stopped and res.queries_run == 2 and len(res.failures) == 2


def test_each_file_gets_a_fresh_connection(tmp_path):
    opened = []

    def counting_connect():
        opened.append(sqlite3.connect(":memory:"))
        return opened[-1]

    path = tmp_path / "t.test"
    path.write_text(textwrap.dedent(SCRIPT).lstrip("\n"))
    assert slt.run_file(path, counting_connect).failures == []
    assert slt.run_file(path, counting_connect).failures == []  # CREATE TABLE t1 again: fresh db
    assert len(opened) == 2
    with pytest.raises(sqlite3.ProgrammingError):  # closed after the file
        opened[0].execute("SELECT 1")


# --------------------------------------------------------------------------- sampling

def test_sample_runs_all_statements_and_n_queries():
    path = slt.SAMPLES_DIR / "select1.test"
    full = slt.run_file(path, connect)
    a = slt.run_file(path, connect, sample=10, seed=1)
    b = slt.run_file(path, connect, sample=10, seed=1)
    assert a.statements_run == full.statements_run > 0
    assert a.queries_run == a.queries_passed == 10 and a.failures == []
    records = slt.parse(path.read_text())
    chosen = slt.choose_queries(records, "sqlite", 10, seed=1)
    assert chosen == slt.choose_queries(records, "sqlite", 10, seed=1)  # deterministic
    assert chosen != slt.choose_queries(records, "sqlite", 10, seed=2)
    assert all(records[i].kind == "query" for i in chosen)
    assert b.queries_run == 10
    assert len(slt.choose_queries(records, "sqlite", 10_000, seed=1)) == full.queries_run


# --------------------------------------------------------------------------- samples and corpus

def test_samples_directory_passes_on_sqlite():
    files = sorted(slt.SAMPLES_DIR.glob("*.test"))
    assert [f.name for f in files] == [f"select{i}.test" for i in range(1, 6)]
    for f in files:
        assert f.read_text().startswith("# Cut from SQLite's sqllogictest")
        res = slt.run_file(f, connect)
        assert res.failures == [], f.name
        assert res.queries_run == res.queries_total == res.queries_passed >= 50


def test_a_corrupted_sample_fails_exactly_once(tmp_path):
    text = (slt.SAMPLES_DIR / "select3.test").read_text()
    marker = "values hashing to "
    pos = text.index(marker) + len(marker)
    corrupted = text[:pos] + ("0" if text[pos] != "0" else "1") + text[pos + 1:]
    path = tmp_path / "select3.test"
    path.write_text(corrupted)
    header_line = text[:text.rindex("\nquery", 0, pos) + 1].count("\n") + 1
    res = slt.run_file(path, connect)
    assert res.queries_failed == 1 and res.failures[0].line == header_line


@needs_shared
@pytest.mark.parametrize("name, sample", [
    ("select1.test", None), ("select2.test", None), ("select3.test", None),
    ("select4.test", 500), ("select5.test", None),
    pytest.param("select4.test", None, marks=pytest.mark.slow),  # ~10 s: a few costly compound queries
])
def test_corpus_passes_on_sqlite(name, sample):
    res = slt.run_file(SHARED_DIR / name, connect, sample=sample)
    assert res.failures[:3] == []
    assert res.statements_failed == 0 and res.queries_skipped == 0
    assert res.queries_run == (res.queries_total if sample is None else sample)
    assert res.percent == 100.0


# --------------------------------------------------------------------------- CLI

def test_cli_on_samples(capsys):
    assert slt.main(["--sample", "5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| file | queries run | passed | % |")
    assert "| select1.test | 5 | 5 | 100.0 |" in out
    assert "| **total** | 25 | 25 | 100.0 |" in out


def test_cli_reports_failures_grouped(tmp_path, capsys):
    path = tmp_path / "bad.test"
    path.write_text("query I\nSELECT 1\n----\n2\n\nquery I\nSELECT x\n----\n1\n\nquery I\nSELECT y\n----\n1\n")
    assert slt.main(["--failures", "2", str(path)]) == 1
    out = capsys.readouterr().out
    assert "| bad.test | 3 | 0 | 0.0 |" in out
    assert "first 2 of 3" in out
    assert "### OperationalError: no such column: x (1 in total)" in out
    assert "### wrong result (mismatch) (1 in total)" in out
    assert "no such column: y" not in out


def test_mongodbapi_is_imported_lazily(monkeypatch):
    monkeypatch.setitem(sys.modules, "mongodbapi", None)  # any import attempt fails
    factory = slt._connect_factory("mongodbapi")  # building the factory must not import it
    with pytest.raises(ImportError):
        factory()
