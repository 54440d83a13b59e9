"""CAST between UUID and text (Django gap G37).

MongoDB 8.0's ``$convert`` turns a UUID (binary subtype 4) into its hyphenated lowercase text and
back with ``format: "uuid"``. MongoDB 7.0 has no conversion from binary data to text at all; it
rejects the ``format`` argument with an error (never a wrong value). The embedded engine behaves
like 7.0 here, so the engine test is a strict expected failure: it starts passing, and fails the
suite, the day the engine learns the conversion.
"""

from __future__ import annotations

import json
import uuid

import pytest

import mongodbapi

U = uuid.UUID("550e8400-e29b-41d4-a716-446655440000")


@pytest.fixture
def table(cur):
    cur.execute('CREATE TABLE "uu" ("id" integer PRIMARY KEY, "u" uuid NULL, "s" text NULL)')
    cur.execute('INSERT INTO "uu" ("id", "u", "s") VALUES (1, %s, %s), (2, NULL, NULL)', [U, str(U)])
    return cur


def _command(cur, sql: str):
    cur.execute("EXPLAIN " + sql)
    (kind, body), = cur.fetchall()
    return kind, json.loads(body)


def test_uuid_to_text_command(table) -> None:
    """$convert to "string" with format "uuid" (8.0+) gives the hyphenated form; onNull keeps NULL."""
    kind, body = _command(table, 'SELECT CAST("uu"."u" AS TEXT), "uu"."u"::varchar FROM "uu"')
    assert kind == "aggregate"
    converted = {"$convert": {"input": "$u", "to": "string", "format": "uuid", "onNull": None}}
    assert body["pipeline"] == [{"$project": {"_id": 0, "c0": converted, "c1": converted}}]


def test_text_to_uuid_command(table) -> None:
    """The reverse is $toUUID's own form: to binData subtype 4 with format "uuid" (8.0+)."""
    kind, body = _command(table, 'SELECT "uu"."id" FROM "uu" WHERE CAST("uu"."s" AS UUID) = "uu"."u"')
    converted = {"$convert": {"input": "$s", "to": {"type": "binData", "subtype": 4}, "format": "uuid",
                              "onNull": None}}
    assert json.dumps(converted) in json.dumps(body)


def test_the_django_lookup_command(table) -> None:
    """uuid__contains: REPLACE(CAST(u AS TEXT), '-', '') LIKE ..., on the converted text."""
    _, body = _command(table, "SELECT \"uu\".\"id\" FROM \"uu\" WHERE REPLACE(CAST(\"uu\".\"u\" AS TEXT), '-', '') "
                              "LIKE '%%8400e29b%%'")
    assert '"format": "uuid"' in json.dumps(body) and "$replaceAll" in json.dumps(body)


@pytest.mark.xfail(strict=True, raises=mongodbapi.DatabaseError,
                   reason="$convert's format argument is new in MongoDB 8.0; the embedded engine, like 7.0, "
                          "rejects it")
def test_uuid_to_text_runs(table) -> None:
    table.execute('SELECT CAST("uu"."u" AS TEXT) FROM "uu" ORDER BY "uu"."id"')
    assert table.fetchall() == [(str(U),), (None,)]


def test_blob_to_text_is_refused(cur) -> None:
    cur.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, data BLOB)")
    with pytest.raises(mongodbapi.NotSupportedError, match="BLOB"):
        cur.execute("SELECT CAST(data AS TEXT) FROM b")
