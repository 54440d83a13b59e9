"""MD5, SHA1/224/256/384/512, CHR and ASCII (Django gap G28).

MongoDB has no hash operator, and MongoDB 7.0 none that turns a code point into a character or
back. Over constant arguments the driver computes them exactly when it plans the statement (and
in INSERT/UPDATE values and RETURNING, which it evaluates itself); over a column, a parameter, a
subquery or the clock they raise NotSupportedError naming the function, never a wrong value.
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


@pytest.mark.parametrize("name, sql, params", [
    ("MD5", "SELECT MD5(b) FROM t", None),
    ("SHA256", "SELECT id FROM t WHERE SHA256(b) = 'x'", None),
    ("SHA1", "SELECT id FROM t ORDER BY SHA1(b)", None),
    ("ASCII", "SELECT ASCII(b) FROM t", None),
    ("CHR", "SELECT CHR(n) FROM t", None),
    ("MD5", "SELECT MD5(%s) FROM t", ["abc"]),
    ("SHA512", "SELECT SHA512((SELECT MAX(b) FROM t))", None),
    ("MD5", "SELECT MD5(CAST(CURRENT_TIMESTAMP AS TEXT))", None),
])
def test_values_that_are_not_constants_are_refused(table, name: str, sql: str, params) -> None:
    with pytest.raises(mongodbapi.NotSupportedError, match=rf"^{name}\(\) of a value that is not a constant"):
        table.execute(sql, params)


def test_insert_update_and_returning_compute_them(table) -> None:
    """INSERT/UPDATE values and RETURNING are evaluated by the driver (exec/residual.py)."""
    table.execute("INSERT INTO t VALUES (2, MD5('abc'), ASCII('é')), (3, CHR(9731), NULL) RETURNING SHA1(b), n")
    assert table.fetchall() == [(hashlib.sha1(hashlib.md5(b"abc").hexdigest().encode()).hexdigest(), 233),
                                (hashlib.sha1("☃".encode()).hexdigest(), None)]
    table.execute("UPDATE t SET b = SHA224(%s) WHERE id = 1 RETURNING b", ["x"])
    assert table.fetchall() == [(hashlib.sha224(b"x").hexdigest(),)]
