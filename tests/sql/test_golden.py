"""Golden translation tests: SQL -> the exact MongoDB command, kept as data in ``golden/*.json``.

Each case holds the SQL, the command ``EXPLAIN`` must show for it (a ``find`` or an ``aggregate``
body), and a one-line ``why`` naming the documented MongoDB rule the command relies on, so that
correctness is checked against MongoDB's documented operator semantics rather than against what
the in-process engine happens to do. A case whose current output is wrong per those rules keeps
the *correct* command and an ``xfail`` reason (strict: it starts failing the suite when fixed,
so the marker is removed).

The catalog below declares types, as the planner's choices (integer division, LIKE only on text
columns, ...) depend on them. Dictionary order is ignored except where MongoDB gives it meaning:
the keys of ``sort`` and ``$sort`` documents, and the order of pipeline stages.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

import mongodbapi

GOLDEN = Path(__file__).with_name("golden")

SCHEMA = [
    "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, age INTEGER, score REAL, city TEXT,"
    " nick VARCHAR(20), born DATE, active BOOLEAN)",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, person INTEGER, qty INTEGER, price REAL, status TEXT)",
]


def _load() -> list[Any]:
    params = []
    for path in sorted(GOLDEN.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            marks = []
            if case.get("xfail"):
                marks.append(pytest.mark.xfail(reason=case["xfail"], strict=True))
            params.append(pytest.param(case, id=f"{path.stem}: {case['name']}", marks=marks))
    return params


CASES = _load()


@pytest.fixture(scope="module")
def cursor() -> Iterator[Any]:
    connection = mongodbapi.connect(f"mongomock://golden_{uuid.uuid4().hex[:12]}")
    cur = connection.cursor()
    for statement in SCHEMA:
        cur.execute(statement)
    yield cur
    connection.close()


def _sort_orders(node: Any, path: str = "") -> list[tuple[str, list[str]]]:
    """The key order of every ``sort``/``$sort`` document (the only place where it matters)."""
    found: list[tuple[str, list[str]]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("sort", "$sort") and isinstance(value, dict):
                found.append((f"{path}/{key}", list(value)))
            found.extend(_sort_orders(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.extend(_sort_orders(value, f"{path}[{i}]"))
    return found


@pytest.mark.parametrize("case", CASES)
def test_translation(cursor: Any, case: dict[str, Any]) -> None:
    cursor.execute("EXPLAIN " + case["sql"])
    rows = cursor.fetchall()
    expected = case["command"]
    kind = next(iter(expected))  # "find" or "aggregate"
    assert [row[0] for row in rows] == [kind], rows
    actual = json.loads(rows[0][1])
    assert actual == expected, "actual command:\n" + json.dumps(actual, indent=2)
    assert _sort_orders(actual) == _sort_orders(expected)


def test_every_case_says_why() -> None:
    names = set()
    for param in CASES:
        case = param.values[0]
        assert case["name"] not in names, f"duplicate golden case name {case['name']!r}"
        names.add(case["name"])
        assert case.get("why") and "\n" not in case["why"], case["name"]
        assert set(case) <= {"name", "sql", "why", "command", "xfail"}, case["name"]
    assert len(CASES) >= 40
