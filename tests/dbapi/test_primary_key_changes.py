"""Changing a table's primary key (Django gap G31): what each change leaves in the documents, the
catalog and the indexes, and that the new key is enforced.

A single-column key is stored as ``_id``, which MongoDB cannot change in place: ADD PRIMARY KEY
rewrites the documents (``$out``), DROP CONSTRAINT <table>_pkey copies the key into its own field.
"""

from __future__ import annotations

import pytest

from mongodbapi.errors import IntegrityError, ProgrammingError


@pytest.fixture
def t(conn, cur):
    conn.autocommit = True
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT UNIQUE NOT NULL, n INTEGER)")
    cur.executemany("INSERT INTO t (code, n) VALUES (%s, %s)", [("a", 1), ("b", 2), ("c", None)])
    cur.execute("CREATE INDEX t_n_code ON t (n, code)")
    return cur


def docs(conn, table="t"):
    return sorted(conn.database[table].find(), key=lambda d: (type(d["_id"]).__name__, d["_id"]))


def entry(conn, table="t"):
    return conn.database["__schema__"].find_one({"name": table})


def index_keys(conn, table="t"):
    return {name: list(spec["key"]) for name, spec in conn.database[table].index_information().items()}


def rows(cur, order="code"):
    cur.execute(f"SELECT * FROM t ORDER BY {order}")
    return cur.fetchall()


def test_drop_primary_key_keeps_the_column(conn, t) -> None:
    t.execute("ALTER TABLE t DROP CONSTRAINT t_pkey")
    # the key's values are now a field of their own; _id keeps them as internal row ids
    assert docs(conn) == [{"_id": 1, "id": 1, "code": "a", "n": 1}, {"_id": 2, "id": 2, "code": "b", "n": 2},
                          {"_id": 3, "id": 3, "code": "c"}]
    assert entry(conn)["primary_key"] == []
    assert rows(t) == [(1, "a", 1), (2, "b", 2), (3, "c", None)]
    # no longer unique; still NOT NULL and still numbered by the sequence
    t.execute("INSERT INTO t (id, code, n) VALUES (1, 'd', 4)")
    t.execute("INSERT INTO t (code) VALUES ('e')")
    assert rows(t, "code")[-2:] == [(1, "d", 4), (4, "e", None)]
    assert entry(conn)["columns"][0] == {"name": "id", "type": "INTEGER", "params": [], "not_null": True,
                                         "default": None}
    # the index through _id was rebuilt on the new field
    assert index_keys(conn)["t_n_code"] == [("n", 1), ("code", 1)]
    # the key is gone: dropping it again is an error, IF EXISTS is not
    with pytest.raises(ProgrammingError, match="no such constraint"):
        t.execute("ALTER TABLE t DROP CONSTRAINT t_pkey")
    t.execute("ALTER TABLE t DROP CONSTRAINT IF EXISTS t_pkey")


def test_add_primary_key_rewrites_the_documents(conn, t) -> None:
    t.execute("ALTER TABLE t DROP CONSTRAINT t_pkey")
    t.execute("ALTER TABLE t DROP CONSTRAINT t_code_key")
    t.execute("ALTER TABLE t ADD CONSTRAINT t_code_pk PRIMARY KEY (code)")
    assert docs(conn) == [{"_id": "a", "id": 1, "n": 1}, {"_id": "b", "id": 2, "n": 2}, {"_id": "c", "id": 3}]
    schema = entry(conn)
    assert (schema["primary_key"], schema["primary_key_name"]) == (["code"], "t_code_pk")
    assert index_keys(conn)["t_n_code"] == [("n", 1), ("_id", 1)]
    assert rows(t) == [(1, "a", 1), (2, "b", 2), (3, "c", None)]
    t.execute("SELECT id FROM t WHERE code = 'b'")
    assert t.fetchall() == [(2,)]
    # the identity column keeps numbering
    t.execute("INSERT INTO t (code) VALUES ('d')")
    assert rows(t)[-1] == (4, "d", None)
    with pytest.raises(IntegrityError, match="duplicate key"):
        t.execute("INSERT INTO t (id, code) VALUES (9, 'a')")
    # dropped under the name it was given, or as <table>_pkey
    t.execute("ALTER TABLE t DROP CONSTRAINT t_code_pk")
    assert entry(conn)["primary_key"] == [] and rows(t)[0] == (1, "a", 1)


def test_move_the_key_back_and_forth(conn, t) -> None:
    t.execute("ALTER TABLE t DROP CONSTRAINT t_pkey")
    t.execute("ALTER TABLE t ADD PRIMARY KEY (code)")
    t.execute("ALTER TABLE t DROP CONSTRAINT t_pkey")
    t.execute("ALTER TABLE t ADD PRIMARY KEY (id)")
    assert [d["_id"] for d in docs(conn)] == [1, 2, 3]
    assert all("id" not in d for d in docs(conn))
    assert entry(conn)["primary_key"] == ["id"]
    assert index_keys(conn)["t_n_code"] == [("n", 1), ("code", 1)]
    t.execute("INSERT INTO t (code) VALUES ('z') RETURNING id")
    assert t.fetchall() == [(4,)]
    with pytest.raises(IntegrityError):
        t.execute("INSERT INTO t (id, code) VALUES (2, 'q')")


def test_add_primary_key_refuses_nulls_duplicates_and_a_second_key(conn, t) -> None:
    with pytest.raises(ProgrammingError, match="multiple primary keys"):
        t.execute("ALTER TABLE t ADD PRIMARY KEY (code)")
    t.execute("ALTER TABLE t DROP CONSTRAINT t_pkey")
    before = docs(conn)
    with pytest.raises(IntegrityError, match="null values"):
        t.execute("ALTER TABLE t ADD PRIMARY KEY (n)")
    t.execute("UPDATE t SET n = 1 WHERE code = 'c'")
    with pytest.raises(IntegrityError, match="duplicated"):
        t.execute("ALTER TABLE t ADD PRIMARY KEY (n)")
    # nothing changed, and the catalog still describes the table (the failed action is not kept)
    assert [d["_id"] for d in docs(conn)] == [d["_id"] for d in before]
    assert entry(conn)["primary_key"] == []
    assert rows(t) == [(1, "a", 1), (2, "b", 2), (3, "c", 1)]
    t.execute("INSERT INTO t (id, code, n) VALUES (1, 'x', 1)")  # not unique: allowed


def test_composite_primary_key(conn, t) -> None:
    t.execute("ALTER TABLE t DROP CONSTRAINT t_pkey")
    t.execute("UPDATE t SET n = 0 WHERE n IS NULL")
    t.execute("ALTER TABLE t ADD PRIMARY KEY (n, id)")
    assert entry(conn)["primary_key"] == ["n", "id"]
    assert index_keys(conn)["t_n_id_pkey"] == [("n", 1), ("id", 1)]
    with pytest.raises(IntegrityError):
        t.execute("INSERT INTO t (id, code, n) VALUES (1, 'x', 1)")
    t.execute("INSERT INTO t (id, code, n) VALUES (1, 'x', 2)")
    t.execute("ALTER TABLE t DROP CONSTRAINT t_pkey")
    assert "t_n_id_pkey" not in index_keys(conn) and entry(conn)["primary_key"] == []
    t.execute("INSERT INTO t (id, code, n) VALUES (1, 'y', 1)")


def test_drop_the_key_column(conn, t) -> None:
    t.execute("ALTER TABLE t DROP COLUMN id")
    schema = entry(conn)
    assert schema["primary_key"] == [] and schema["auto"]["field_names"] == []
    assert [c["name"] for c in schema["columns"]] == ["code", "n"]
    # the values stay as the rows' internal ids; new rows get ObjectIds
    t.execute("INSERT INTO t (code) VALUES ('d')")
    assert rows(t) == [("a", 1), ("b", 2), ("c", None), ("d", None)]
    assert sorted(type(d["_id"]).__name__ for d in docs(conn)) == ["ObjectId", "int", "int", "int"]
    # then another column can become the key
    t.execute("ALTER TABLE t ADD PRIMARY KEY (code)")
    assert sorted(d["_id"] for d in docs(conn)) == ["a", "b", "c", "d"]


def test_add_an_identity_primary_key_column(conn, cur) -> None:
    """What Django's AddField of an AutoField sends: existing rows are numbered, as in PostgreSQL."""
    conn.autocommit = True
    cur.execute('CREATE TABLE m (name VARCHAR(255) NOT NULL PRIMARY KEY)')
    cur.executemany("INSERT INTO m (name) VALUES (%s)", [("x",), ("y",)])
    cur.execute('ALTER TABLE m DROP CONSTRAINT m_pkey')
    cur.execute('ALTER TABLE m ADD COLUMN "id" integer NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY')
    assert docs(conn, "m") == [{"_id": 1, "name": "x"}, {"_id": 2, "name": "y"}]
    assert entry(conn, "m")["auto"] == {"field_names": ["id"], "seq": 2}
    cur.execute("INSERT INTO m (name) VALUES ('z') RETURNING id")
    assert cur.fetchall() == [(3,)]
    with pytest.raises(ProgrammingError, match="multiple primary keys"):
        cur.execute("ALTER TABLE m ADD COLUMN k TEXT PRIMARY KEY")
    with pytest.raises(IntegrityError, match="null values"):
        cur.execute("ALTER TABLE m DROP CONSTRAINT m_pkey, ADD COLUMN k TEXT PRIMARY KEY")
    assert entry(conn, "m")["primary_key"] == ["id"]  # the failed statement saved nothing


def test_change_the_key_type(conn, cur) -> None:
    conn.autocommit = True
    cur.execute("CREATE TABLE k (code TEXT PRIMARY KEY, v INTEGER)")
    cur.executemany("INSERT INTO k VALUES (%s, %s)", [("10", 1), ("2", 2)])
    cur.execute("ALTER TABLE k ALTER COLUMN code TYPE INTEGER")
    assert docs(conn, "k") == [{"_id": 2, "v": 2}, {"_id": 10, "v": 1}]
    cur.execute("SELECT code FROM k ORDER BY code")
    assert cur.fetchall() == [(2,), (10,)]
    cur.execute("INSERT INTO k VALUES ('07', 3)")  # '07' stored as the integer 7 now
    with pytest.raises(IntegrityError):
        cur.execute("INSERT INTO k VALUES (7, 3)")
    cur.execute("CREATE TABLE r (x REAL PRIMARY KEY)")
    cur.executemany("INSERT INTO r VALUES (%s)", [(1.2,), (1.4,)])
    with pytest.raises(IntegrityError, match="duplicated"):
        cur.execute("ALTER TABLE r ALTER COLUMN x TYPE INTEGER")
    assert sorted(d["_id"] for d in docs(conn, "r")) == [1.2, 1.4]


def test_add_and_drop_identity(conn, cur) -> None:
    """Django's AutoField <-> IntegerField changes, emitted as PostgreSQL's ALTER COLUMN ... IDENTITY."""
    conn.autocommit = True
    cur.execute("CREATE TABLE q (code TEXT PRIMARY KEY, n INTEGER NOT NULL, m INTEGER)")
    cur.executemany("INSERT INTO q VALUES (%s, %s, NULL)", [("a", 5), ("b", 7)])
    cur.execute("ALTER TABLE q ALTER COLUMN n ADD GENERATED BY DEFAULT AS IDENTITY")
    assert entry(conn, "q")["auto"]["field_names"] == ["n"]
    # the sequence starts after the stored values (PostgreSQL would start at 1 and collide)
    cur.execute("INSERT INTO q (code) VALUES ('c') RETURNING n")
    assert cur.fetchall() == [(8,)]
    with pytest.raises(ProgrammingError, match="NOT NULL"):
        cur.execute("ALTER TABLE q ALTER COLUMN m ADD GENERATED ALWAYS AS IDENTITY")
    with pytest.raises(ProgrammingError, match="integer"):
        cur.execute("ALTER TABLE q ALTER COLUMN code ADD GENERATED BY DEFAULT AS IDENTITY")
    cur.execute("ALTER TABLE q ALTER COLUMN n DROP IDENTITY")
    assert entry(conn, "q")["auto"]["field_names"] == []
    with pytest.raises(IntegrityError, match="NOT NULL"):
        cur.execute("INSERT INTO q (code) VALUES ('d')")
    with pytest.raises(ProgrammingError, match="not an identity column"):
        cur.execute("ALTER TABLE q ALTER COLUMN n DROP IDENTITY")
    cur.execute("ALTER TABLE q ALTER COLUMN n DROP IDENTITY IF EXISTS")
    cur.execute("SELECT code, n FROM q ORDER BY code")
    assert cur.fetchall() == [("a", 5), ("b", 7), ("c", 8)]


def test_drop_a_composite_key_after_renames(conn, cur) -> None:
    """The key's unique index keeps the name it was made with; DROP CONSTRAINT finds it by its fields."""
    conn.autocommit = True
    cur.execute("CREATE TABLE c (a INTEGER, b INTEGER, PRIMARY KEY (a, b))")
    cur.execute("ALTER TABLE c RENAME COLUMN b TO bb")
    cur.execute("ALTER TABLE c RENAME TO c2")
    cur.execute("ALTER TABLE c2 DROP CONSTRAINT c2_pkey")
    assert list(index_keys(conn, "c2")) == ["_id_"]
    cur.executemany("INSERT INTO c2 VALUES (%s, %s)", [(1, 1), (1, 1)])
    cur.execute("SELECT COUNT(*) FROM c2")
    assert cur.fetchall() == [(2,)]


def test_a_key_of_arrays_is_refused(conn, cur) -> None:
    from mongodbapi.errors import NotSupportedError

    conn.autocommit = True
    cur.execute("CREATE TABLE j (id INTEGER PRIMARY KEY, tags JSON NOT NULL)")
    cur.execute("INSERT INTO j (tags) VALUES (%s)", (["a", "b"],))
    cur.execute("ALTER TABLE j DROP CONSTRAINT j_pkey")
    with pytest.raises(NotSupportedError, match="_id cannot be an array"):
        cur.execute("ALTER TABLE j ADD PRIMARY KEY (tags)")
    assert entry(conn, "j")["primary_key"] == [] and docs(conn, "j")[0]["tags"] == ["a", "b"]
