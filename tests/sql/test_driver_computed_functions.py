"""MD5, SHA1/224/256/384/512, CHR and ASCII (Django gap G28).

MongoDB has no hash operator, and MongoDB 7.0 none that turns a code point into a character or
back. Over constant arguments the driver computes them exactly when it plans the statement, over
placeholders when the values are bound (and in INSERT/UPDATE values and RETURNING, which it
evaluates itself). As an item of the outermost
select list, over anything, the server projects the argument and the driver applies the function
to each fetched value. Anywhere else (WHERE, ORDER BY, DISTINCT, subqueries, compound members)
they raise NotSupportedError naming the function, never a wrong value.
Oracles: hashlib (PostgreSQL's md5() and Django's SHA* functions give the lowercase hex digest of
the UTF-8 text), SQLite's unicode()/char() for ASCII/CHR.
"""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

import mongodbapi

TEXTS = ["abc", "", "é", "日本語", "😀 smile", "line\nbreak", "x" * 200]
HASHES = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@pytest.mark.parametrize("name", HASHES)
def test_hashes_of_constants(cur, name: str) -> None:
    cur.execute("SELECT " + ", ".join(f"{name.upper()}({_quoted(t)})" for t in TEXTS) + f", {name}(NULL)")
    row = cur.fetchall()[0]
    assert list(row) == [hashlib.new(name, t.encode("utf-8")).hexdigest() for t in TEXTS] + [None]
    assert [c.type_code for c in cur.description][:1] == ["TEXT"]


def test_hash_of_a_constant_expression(cur) -> None:
    cur.execute("SELECT MD5('a' || 'b' || CAST(12 AS TEXT)), SHA256(UPPER('abc'))")
    assert cur.fetchall() == [(hashlib.md5(b"ab12").hexdigest(), hashlib.sha256(b"ABC").hexdigest())]


def test_chr_and_ascii_of_constants_as_sqlite(cur) -> None:
    lite = sqlite3.connect(":memory:")
    codes = [65, 97, 233, 0x7FF, 0x800, 0xFFFD, 0x10000, 0x1F600, 0x10FFFF]
    cur.execute("SELECT " + ", ".join(f"CHR({c})" for c in codes))
    assert list(cur.fetchall()[0]) == [lite.execute(f"SELECT char({c})").fetchone()[0] for c in codes]
    texts = [t for t in TEXTS if t]
    cur.execute("SELECT " + ", ".join(f"ASCII({_quoted(t)})" for t in texts) + ", ASCII(''), ASCII(NULL), CHR(NULL)")
    want = [lite.execute("SELECT unicode(?)", (t,)).fetchone()[0] for t in texts]
    assert list(cur.fetchall()[0]) == want + [0, None, None]  # ASCII('') is 0 in PostgreSQL


@pytest.mark.parametrize("code", [0, -1, 0xD800, 0x110000])
def test_chr_of_no_character_is_an_error(cur, code: int) -> None:
    with pytest.raises(mongodbapi.DataError):
        cur.execute(f"SELECT CHR({code})")


@pytest.fixture
def table(cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT, n INTEGER)")
    cur.execute("INSERT INTO t VALUES (1, 'abc', 65)")
    return cur


def test_select_list_items_are_computed_from_the_fetched_argument(table) -> None:
    table.execute("INSERT INTO t VALUES (2, NULL, NULL), (3, 'é', 233)")
    table.execute("SELECT id, MD5(b), SHA256(b), ASCII(b), CHR(n), SHA1(%s), MD5(b || 'x') FROM t ORDER BY id",
                  ["p"])
    assert table.fetchall() == [
        (1, hashlib.md5(b"abc").hexdigest(), hashlib.sha256(b"abc").hexdigest(), 97, "A",
         hashlib.sha1(b"p").hexdigest(), hashlib.md5(b"abcx").hexdigest()),
        (2, None, None, None, None, hashlib.sha1(b"p").hexdigest(), None),
        (3, hashlib.md5("é".encode()).hexdigest(), hashlib.sha256("é".encode()).hexdigest(), 233, "é",
         hashlib.sha1(b"p").hexdigest(), hashlib.md5("éx".encode()).hexdigest())]
    assert [(d.name, d.type_code) for d in table.description][1:5] == [
        ("md5", "TEXT"), ("sha256", "TEXT"), ("ascii", "INTEGER"), ("chr", "TEXT")]
    table.execute("SELECT b, MD5(b), COUNT(*) FROM t GROUP BY b ORDER BY b")
    assert table.fetchall()[1:] == [("abc", hashlib.md5(b"abc").hexdigest(), 1), ("é", hashlib.md5("é".encode()).hexdigest(), 1)]
    table.execute("INSERT INTO t (id, b) SELECT id + 10, SHA1(b) FROM t WHERE id = 1")
    table.execute("SELECT b FROM t WHERE id = 11")
    assert table.fetchall() == [(hashlib.sha1(b"abc").hexdigest(),)]


@pytest.mark.parametrize("name, sql, params", [
    ("SHA256", "SELECT id FROM t WHERE SHA256(b) = 'x'", None),
    ("SHA1", "SELECT id FROM t ORDER BY SHA1(b)", None),
    ("ASCII", "SELECT DISTINCT ASCII(b) FROM t", None),
    ("CHR", "SELECT x FROM (SELECT CHR(n) AS x FROM t) AS d", None),
    ("MD5", "SELECT b FROM t UNION SELECT MD5(b) FROM t", None),
    ("MD5", "SELECT UPPER(MD5(b)) FROM t", None),
    ("SHA512", "SELECT id FROM t WHERE b = SHA512((SELECT MAX(b) FROM t))", None),
    ("MD5", "SELECT id, MD5(CAST(CURRENT_TIMESTAMP AS TEXT)) = 'x' FROM t", None),
])
def test_anywhere_else_values_that_are_not_constants_are_refused(table, name: str, sql: str, params) -> None:
    with pytest.raises(mongodbapi.NotSupportedError, match=rf"^{name}\(\) of a value that is not a constant"):
        table.execute(sql, params)


def test_placeholders_are_computed_when_the_values_are_bound(table) -> None:
    table.execute("INSERT INTO t VALUES (2, 'É', 201)")
    for code, expected in ((ord("É"), [(2,)]), (ord("a"), []), (None, [])):
        table.execute("SELECT id FROM t WHERE b = CHR(%s) OR (n > 200 AND b = CHR(%s)) ORDER BY id", [code, code])
        assert table.fetchall() == expected  # one cached plan, computed anew for each execution
    table.execute("SELECT id, UPPER(MD5(%s)) FROM t WHERE ASCII(%s) = 97 ORDER BY id", ["x", "abc"])
    assert table.fetchall() == [(1, hashlib.md5(b"x").hexdigest().upper()), (2, hashlib.md5(b"x").hexdigest().upper())]


def test_ordering_by_a_driver_computed_column_is_refused(table) -> None:
    with pytest.raises(mongodbapi.NotSupportedError, match="ORDER BY MD5"):
        table.execute("SELECT MD5(b) AS h FROM t ORDER BY h")


def test_insert_update_and_returning_compute_them(table) -> None:
    """INSERT/UPDATE values and RETURNING are evaluated by the driver (exec/residual.py)."""
    table.execute("INSERT INTO t VALUES (2, MD5('abc'), ASCII('é')), (3, CHR(9731), NULL) RETURNING SHA1(b), n")
    assert table.fetchall() == [(hashlib.sha1(hashlib.md5(b"abc").hexdigest().encode()).hexdigest(), 233),
                                (hashlib.sha1("☃".encode()).hexdigest(), None)]
    table.execute("UPDATE t SET b = SHA224(%s) WHERE id = 1 RETURNING b", ["x"])
    assert table.fetchall() == [(hashlib.sha224(b"x").hexdigest(),)]
