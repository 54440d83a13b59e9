"""The README's claims that can be run: the SQL table's examples and the two opening commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import mongodbapi
from mongodbapi import demo

pytest.importorskip("mongomock_ng")

README = Path(__file__).resolve().parents[2] / "README.md"


def _cells(line: str) -> list[str]:
    """A markdown table row's cells; ``\\|`` is a literal bar."""
    parts = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [p.strip().replace("\\|", "|") for p in parts]


def sql_table() -> list[tuple[str, list[str], str]]:
    """(feature, example statements, status) for each row of the "Supported SQL" table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Supported SQL\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("|") or line.startswith("| ---") or line.startswith("| Feature"):
            continue
        feature, example, status = _cells(line)
        rows.append((feature, re.findall(r"`([^`]+)`", example), status))
    return rows


ROWS = sql_table()


def test_the_table_is_there() -> None:
    assert len(ROWS) > 30
    assert {status for _, _, status in ROWS} <= {"yes", "yes¹", "not yet"}


@pytest.mark.parametrize("feature, statements, status", ROWS, ids=[f"{i:02d}" for i in range(len(ROWS))])
def test_sql_table_row(feature: str, statements: list[str], status: str) -> None:
    assert statements, feature
    connection = mongodbapi.connect(f"mongomock://readme_{ROWS.index((feature, statements, status))}")
    connection.autocommit = True
    try:
        demo.load(connection)
        cursor = connection.cursor()
        if status == "not yet":
            with pytest.raises(mongodbapi.Error):
                for sql in statements:
                    cursor.execute(sql)
                    if cursor.description is not None:
                        cursor.fetchall()
            return
        if status == "yes¹":
            pytest.skip("a correct MongoDB command that the in-process engine cannot run (README, footnote 1)")
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()
    finally:
        connection.close()


def test_opening_commands() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", text, re.S)
    assert blocks[0] == ("python3 -m venv .venv && .venv/bin/pip install -e '.[embedded]' && "
                         ".venv/bin/python -m mongodbapi --demo")
    assert blocks[1] == ("python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && "
                         ".venv/bin/python -m pytest")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m venv .venv" in ci and ".venv/bin/pip install --quiet -e '.[test]'" in ci
    assert '.venv/bin/python -m pytest -m "not slow"' in ci


def test_running_sql_example(capsys: pytest.CaptureFixture[str]) -> None:
    """The "Running SQL" example runs and prints what its comment says."""
    text = README.read_text(encoding="utf-8")
    block = text.split("### Running SQL\n\n```python\n", 1)[1].split("\n```", 1)[0]
    expected = block.split("# ", 1)[1].split("\n", 1)[0] if "print(" in block else None
    connection = mongodbapi.connect("mongomock://shop")
    connection.cursor().execute("DROP TABLE IF EXISTS orders")
    connection.commit()
    connection.close()
    exec(compile(block, "README.md", "exec"), {"mongodbapi": mongodbapi})
    assert expected and capsys.readouterr().out.strip() == expected.strip()
