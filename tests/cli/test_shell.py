"""The ``python -m mongodbapi`` shell: as a program (subprocess) and piece by piece."""

from __future__ import annotations

import datetime
import decimal
import io
import os
import subprocess
import sys
import uuid

import pytest

import mongodbapi
from mongodbapi import demo, shell

pytest.importorskip("mongomock_ng")


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "mongodbapi", *args], input=stdin, capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.fixture
def connection(request: pytest.FixtureRequest):
    conn = mongodbapi.connect(f"mongomock://cli_{request.node.name[:40]}")
    conn.autocommit = True
    cursor = conn.cursor()
    cursor.execute("DROP TABLE IF EXISTS people")
    cursor.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score NUMERIC(5, 1), "
                   "born DATE, tags JSON)")
    cursor.executemany("INSERT INTO people (id, name, score, born, tags) VALUES (%s, %s, %s, %s, %s)",
                       [(1, "Ann", decimal.Decimal("9.5"), datetime.date(1990, 4, 1), ["a", "b"]),
                        (2, "Bo", None, None, None)])
    yield conn
    conn.close()


# ----------------------------------------------------------------- the program


def test_command_prints_an_aligned_table_with_nulls_and_a_row_count() -> None:
    result = run_cli("mongomock://cli_c", "--no-timing", "-c",
                     "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER); "
                     "INSERT INTO t (id, name, n) VALUES (1, 'a;b', 10), (2, NULL, 7); "
                     "SELECT id, name, n FROM t ORDER BY id")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "CREATE TABLE",
        "INSERT 2",
        " id | name | n",
        "----+------+----",
        "  1 | a;b  | 10",
        "  2 | NULL |  7",
        "(2 rows)",
    ]


def test_command_prints_timing_by_default() -> None:
    result = run_cli("mongomock://cli_t", "-c", "CREATE TABLE t (id INTEGER PRIMARY KEY)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "CREATE TABLE"
    assert result.stdout.splitlines()[1].startswith("Time: ") and result.stdout.rstrip().endswith(" ms")


def test_command_failure_exits_non_zero_with_the_message_on_stderr() -> None:
    result = run_cli("mongomock://cli_e", "-c", "SELEC 1")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "ProgrammingError: syntax error at line 1, column 1" in result.stderr
    assert "SELEC 1\n^" in result.stderr


def test_command_stops_at_the_first_failing_statement() -> None:
    result = run_cli("mongomock://cli_s", "--no-timing", "-c",
                     "CREATE TABLE t (id INTEGER PRIMARY KEY); SELECT * FROM nowhere; DROP TABLE t")
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["CREATE TABLE"]
    assert "no such table: nowhere" in result.stderr


def test_unterminated_command_is_reported() -> None:
    result = run_cli("mongomock://cli_u", "-c", "SELECT 'open")
    assert result.returncode == 1
    assert "ProgrammingError" in result.stderr


def test_no_uri_is_a_usage_error() -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "give a connection URI" in result.stderr


def test_bad_uri_is_reported_without_a_traceback() -> None:
    result = run_cli("postgres://localhost/db", "-c", "SELECT 1")
    assert result.returncode == 1
    assert "InterfaceError" in result.stderr and "Traceback" not in result.stderr


def test_piped_statements_span_lines_and_meta_commands_work() -> None:
    script = ("CREATE TABLE t (id INTEGER PRIMARY KEY,\n"
              "  name TEXT);\n"
              "INSERT INTO t (id, name)\n VALUES (1, 'x'), (2, 'y');\n"
              "\\d\n"
              "\\d t\n"
              "SELECT name FROM t\n WHERE id = 2;\n"
              "\\q\n"
              "SELECT 'never runs';\n")
    result = run_cli("mongomock://cli_p", "--no-timing", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "CREATE TABLE\nINSERT 2\n" in out
    assert " t    | table |         2" in out  # \d
    assert 'Table "t"' in out and " id     | INTEGER | NOT NULL | PRIMARY KEY" in out  # \d t
    assert " name\n------\n y\n(1 row)" in out
    assert "never runs" not in out


def test_piped_errors_continue_and_set_the_exit_status() -> None:
    result = run_cli("mongomock://cli_pe", "--no-timing", stdin="SELECT * FROM nowhere;\n\\d\n")
    assert result.returncode == 1
    assert "no such table: nowhere" in result.stderr
    assert "(0 rows)" in result.stdout


def test_demo_runs_the_tour() -> None:
    result = run_cli("--demo")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "5 customers, 7 orders" in out
    assert out.count("\nSQL:     ") == len(demo.TOUR)
    assert 'MongoDB: find {"find": "customers"' in out
    assert 'MongoDB: aggregate {"aggregate": "orders", "pipeline": [{"$group"' in out
    assert '"address.city": {"$nin": ["London", null]}' in out  # dotted path, SQL's <> never matches NULL
    assert '{"$regex": "^A.*' in out  # LIKE
    assert "UPDATE 2\n" in out
    assert '{"$lookup": {"from": "customers"' in out and '"as": "c"' in out  # the join, keyed by the SQL alias
    assert "NULL" in out and "Time: " in out
    assert result.stderr == ""


def test_demo_then_command() -> None:
    result = run_cli("--demo", "--no-timing", "-c", "SELECT COUNT(*) AS n FROM orders WHERE address.city = 'London'")
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(" n\n---\n 2\n(1 row)\n")


# ----------------------------------------------------------------- the pieces


@pytest.mark.parametrize("value, text", [
    (None, "NULL"), (True, "true"), (False, "false"), (3, "3"), (1.5, "1.5"),
    (decimal.Decimal("1.10"), "1.10"), ("a\nb", "a\\nb"), (b"\x00\xff", "\\x00ff"),
    (datetime.date(2024, 2, 29), "2024-02-29"), (datetime.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02 03:04:05"),
    (datetime.time(1, 2, 3), "01:02:03"), (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    ({"city": "Paris", "n": [1, None]}, '{"city": "Paris", "n": [1, null]}'),
    ([{"d": decimal.Decimal("2.5")}], '[{"d": "2.5"}]'),
])
def test_format_value(value: object, text: str) -> None:
    assert shell.format_value(value) == text


def test_format_table_aligns_numbers_right_and_text_left() -> None:
    table = shell.format_table(["name", "total"], [("a", 1), ("bbbbbb", None), ("c", 12345)])
    assert table.splitlines() == [
        "  name  | total",
        "--------+-------",
        " a      |     1",
        " bbbbbb |  NULL",
        " c      | 12345",
        "(3 rows)",
    ]


def test_format_table_empty_and_single() -> None:
    assert shell.format_table(["x"], []).splitlines() == [" x", "---", "(0 rows)"]
    assert shell.format_table(["x"], [("y",)]).endswith("(1 row)")


@pytest.mark.parametrize("text, statements, rest", [
    ("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"], ""),
    ("SELECT 1; SELECT", ["SELECT 1"], " SELECT"),
    ("SELECT 'a;b' AS \"c;d\"; x", ["SELECT 'a;b' AS \"c;d\""], " x"),
    ("SELECT 'it''s; here';", ["SELECT 'it''s; here'"], ""),
    ("SELECT 1 -- no; end\n;", ["SELECT 1 -- no; end"], ""),
    ("SELECT /* ; */ 1;", ["SELECT /* ; */ 1"], ""),
    ("SELECT 'open;", [], "SELECT 'open;"),
    (";;  ;", [], ""),
])
def test_split_statements(text: str, statements: list[str], rest: str) -> None:
    assert shell.split_statements(text) == (statements, rest)


@pytest.mark.parametrize("sql, rowcount, line", [
    ("update t set a = 1", 3, "UPDATE 3"), ("create table t (a int)", -1, "CREATE TABLE"),
    ("  BEGIN", -1, "BEGIN"), ("DELETE FROM t", 0, "DELETE 0"),
    ("-- note; here\n/* more */ drop table t", -1, "DROP TABLE"),
])
def test_status_line(sql: str, rowcount: int, line: str) -> None:
    assert shell.status_line(sql, rowcount) == line


def test_run_statement(connection) -> None:
    out = io.StringIO()
    shell.run_statement(connection, "SELECT name, score, born, tags FROM people ORDER BY id", out, timing=False)
    assert out.getvalue().splitlines() == [
        " name | score |    born    |    tags",
        "------+-------+------------+------------",
        " Ann  |   9.5 | 1990-04-01 | [\"a\", \"b\"]",
        " Bo   |  NULL | NULL       | NULL",
        "(2 rows)",
    ]


def test_describe_table_uses_description_and_catalog(connection) -> None:
    columns, rows = shell.describe_table(connection, "people")
    assert columns == ["column", "type", "null", "key", "default", "stored as"]
    assert [r[:4] for r in rows] == [
        ("id", "INTEGER", "NOT NULL", "PRIMARY KEY"), ("name", "TEXT", "NOT NULL", ""),
        ("score", "DECIMAL(5, 1)", "", ""), ("born", "DATE", "", ""), ("tags", "JSON", "", ""),
    ]
    assert rows[0][5] == "_id"


def test_describe_missing_table_raises(connection) -> None:
    with pytest.raises(mongodbapi.ProgrammingError):
        shell.describe_table(connection, "nowhere")


def test_list_tables_includes_collections_without_catalog(connection) -> None:
    connection.database["raw_events"].insert_one({"kind": "click"})
    columns, rows = shell.list_tables(connection)
    assert columns == ["name", "kind", "documents"]
    assert ("people", "table", 2) in rows
    assert ("raw_events", "collection (sampled)", 1) in rows


def test_shell_run_lines_and_meta(connection) -> None:
    out, err = io.StringIO(), io.StringIO()
    session = shell.Shell(connection, out, err, timing=False)
    session.run_lines(["SELECT id\n", "FROM people\n", "WHERE name = 'Bo';\n", "\\timing on\n", "\\nope\n",
                       "SELECT 1 FROM nowhere;\n", "SELECT id FROM people WHERE id = 1"])
    text = out.getvalue()
    assert " id\n----\n  2\n(1 row)\n" in text
    assert "Timing is on." in text
    assert "unknown command \\nope" in err.getvalue()
    assert "no such table: nowhere" in err.getvalue()
    assert "missing ';'" in err.getvalue()
    assert session.errors == 3


def test_main_in_process_with_command() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = shell.main(["mongomock://cli_main", "--no-timing", "-c", "CREATE TABLE IF NOT EXISTS m (id INTEGER)"],
                      out=out, err=err)
    assert code == 0, err.getvalue()
    assert out.getvalue() == "CREATE TABLE\n"


def test_every_tour_statement_runs_and_explains() -> None:
    out, err = io.StringIO(), io.StringIO()
    connection, failures = demo.main(out, err, timing=False)
    try:
        assert failures == 0, err.getvalue()
        text = out.getvalue()
        for title, sql in demo.TOUR:
            assert f"SQL:     {sql}\n" in text
            if sql.startswith("SELECT"):
                assert demo.explain(connection, sql), sql
        cursor = connection.cursor()
        cursor.execute("SELECT COUNT(*) FROM orders WHERE status = 'shipped'")
        assert cursor.fetchone() == (5,)
    finally:
        connection.close()


def test_demo_load_is_repeatable() -> None:
    connection = mongodbapi.connect(demo.DEMO_URI)
    connection.autocommit = True
    try:
        assert demo.load(connection) == {"customers": 5, "orders": 7}
        assert demo.load(connection) == {"customers": 5, "orders": 7}
        cursor = connection.cursor()
        cursor.execute("SELECT address.city, items FROM orders WHERE id = 3")
        assert cursor.fetchone() == ("Manchester", [{"sku": "LAMP-7", "qty": 1, "price": "120.00"}])
    finally:
        connection.close()
