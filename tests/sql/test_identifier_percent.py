"""``%%`` in quoted identifiers (Django gap G47).

With parameters, the pyformat paramstyle makes ``%%`` a literal ``%`` everywhere in the statement
text, as psycopg does: in string literals and in quoted identifiers alike. Without parameters the
text is taken as written.
"""

from __future__ import annotations

from mongodbapi.sql.parser import parse


def test_percent_unescaped_in_quoted_identifiers_with_parameters(cur) -> None:
    cur.execute('CREATE TABLE "j" ("id" integer PRIMARY KEY, "j" json NULL)')
    cur.execute('INSERT INTO "j" ("id", "j") VALUES (1, %s)', [{"%total": 10, "%%total": 20}])
    cur.execute('SELECT "j"."j"."%%total", \'%%\' FROM "j" WHERE "j"."id" = %s', [1])
    assert cur.fetchall() == [(10, "%")]
    cur.execute('SELECT "j"."j"."%%total", \'%%\' FROM "j" WHERE "j"."id" = 1')
    assert cur.fetchall() == [(20, "%%")]


def test_percent_in_backtick_names_and_column_names() -> None:
    with_params = parse('SELECT `a%%b`, "c%%d" FROM t WHERE x = %s', True)
    without = parse('SELECT `a%%b`, "c%%d" FROM t', False)
    assert [item.expr.parts for item in with_params.body.items] == [("a%b",), ("c%d",)]
    assert [item.expr.parts for item in without.body.items] == [("a%%b",), ("c%%d",)]


def test_unquoted_names_are_unchanged() -> None:
    tree = parse("SELECT a FROM t WHERE a %% 2 = %s", True)
    assert tree.body.items[0].expr.parts == ("a",)
