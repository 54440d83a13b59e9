"""A table ``j (id, v JSON)`` of JSON values of mixed shapes, and the questions the JSON tests ask it."""

from __future__ import annotations

from typing import Any


def create(cur: Any, docs: list[tuple[int, Any]]) -> Any:
    cur.execute("CREATE TABLE j (id INTEGER PRIMARY KEY, v JSON)")
    cur.executemany("INSERT INTO j VALUES (%s, %s)", docs)
    return cur


def ids(cur: Any, where: str, params: Any = None) -> list[int]:
    """The ids of the rows ``where`` holds for, in id order."""
    cur.execute(f"SELECT id FROM j WHERE {where} ORDER BY id", params)
    return [row[0] for row in cur.fetchall()]


def column(cur: Any, expression: str, params: Any = None) -> list[Any]:
    """``expression`` over every row, in id order."""
    cur.execute(f"SELECT {expression} FROM j ORDER BY id", params)
    return [row[0] for row in cur.fetchall()]
