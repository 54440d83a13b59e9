"""``mongomock://db?file=PATH``: the in-process engine keeps committed data in a file between runs.

Each "run" is a separate Python process, as ``migrate``, ``createsuperuser`` and ``runserver`` are.
"""

from __future__ import annotations

import datetime
import decimal
import subprocess
import sys
import textwrap
import uuid

import bson
import pytest

import mongodbapi


def run(code: str, path) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter with ``conn`` connected to the data file ``path``."""
    program = "import datetime, decimal, uuid, mongodbapi\n" \
              f"conn = mongodbapi.connect('mongomock://shop?file={path}')\ncur = conn.cursor()\n" + textwrap.dedent(code)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_committed_rows_tables_and_indexes_outlive_the_process(tmp_path):
    path = tmp_path / "shop.mongo"
    run("""
        cur.execute("CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, sku TEXT UNIQUE, "
                    "price NUMERIC(8,2), added DATE, tag UUID, blob BYTEA, extra JSON)")
        cur.execute("INSERT INTO items (sku, price, added, tag, blob, extra) VALUES (%s, %s, %s, %s, %s, %s)",
                    ("a-1", decimal.Decimal("9.99"), datetime.date(2026, 1, 2),
                     uuid.UUID("12345678-1234-5678-1234-567812345678"), b"\\x00\\x01", {"k": [1, None]}))
        conn.commit()
    """, path)
    done = run("""
        cur.execute("SELECT id, sku, price, added, tag, blob, extra FROM items")
        print(repr(cur.fetchall()))
        cur.execute("INSERT INTO items (sku) VALUES ('a-2')")
        conn.commit()
        cur.execute("SELECT id FROM items ORDER BY id")
        print(repr(cur.fetchall()))
        try:
            cur.execute("INSERT INTO items (sku) VALUES ('a-1')")
        except mongodbapi.IntegrityError:
            print("unique")
    """, path)
    lines = done.stdout.splitlines()
    assert lines[0] == repr([(1, "a-1", decimal.Decimal("9.99"), datetime.date(2026, 1, 2),
                              uuid.UUID("12345678-1234-5678-1234-567812345678"), b"\x00\x01", {"k": [1, None]})])
    assert lines[1] == "[(1,), (2,)]"  # the sequence came back with the data
    assert lines[2] == "unique"  # so did the unique index


def test_uncommitted_and_rolled_back_writes_are_not_saved(tmp_path):
    path = tmp_path / "shop.mongo"
    run("""
        conn.autocommit = True
        cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        cur.execute("INSERT INTO t VALUES (1, 'kept')")
        conn.autocommit = False
        cur.execute("INSERT INTO t VALUES (2, 'rolled back')")
        conn.rollback()
        cur.execute("UPDATE t SET v = 'never committed' WHERE id = 1")
        # the process ends with the transaction open
    """, path)
    done = run("""
        cur.execute("SELECT id, v FROM t ORDER BY id")
        print(cur.fetchall())
    """, path)
    assert done.stdout.strip() == "[(1, 'kept')]"


def test_a_second_process_cannot_open_a_file_in_use(tmp_path):
    path = tmp_path / "shop.mongo"
    holder = mongodbapi.connect(f"mongomock://shop?file={path}")
    try:
        program = f"import mongodbapi\nmongodbapi.connect('mongomock://shop?file={path}')"
        done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120)
        assert done.returncode != 0
        assert "OperationalError" in done.stderr and "in use by another process" in done.stderr
    finally:
        holder.close()


def test_connections_naming_the_same_file_share_one_server_and_others_do_not(tmp_path):
    path = tmp_path / "shared.mongo"
    first = mongodbapi.connect(f"mongomock://db1?file={path}")
    second = mongodbapi.connect(f"mongomock://db1?file={tmp_path}/../{tmp_path.name}/shared.mongo")
    memory = mongodbapi.connect("mongomock://db1")
    first.autocommit = True
    first.cursor().execute("CREATE TABLE only_in_file (id INTEGER PRIMARY KEY)")
    first.cursor().execute("INSERT INTO only_in_file VALUES (7)")
    cursor = second.cursor()
    cursor.execute("SELECT id FROM only_in_file")
    assert cursor.fetchall() == [(7,)]
    assert "only_in_file" not in memory.database.list_collection_names()


def test_bad_files_and_options_raise_driver_errors(tmp_path):
    with pytest.raises(mongodbapi.InterfaceError, match="unknown mongomock:// option"):
        mongodbapi.connect(f"mongomock://db?path={tmp_path}/x")
    garbage = tmp_path / "garbage.mongo"
    garbage.write_bytes(bson.encode({"format": "something else"}))
    with pytest.raises(mongodbapi.InterfaceError, match="not a mongodbapi data file"):
        mongodbapi.connect(f"mongomock://db?file={garbage}")
    truncated = tmp_path / "truncated.mongo"
    truncated.write_bytes(b"\x30\x00\x00\x00\x02format")
    with pytest.raises(mongodbapi.OperationalError, match="cannot read the data file"):
        mongodbapi.connect(f"mongomock://db?file={truncated}")
