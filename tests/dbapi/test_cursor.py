"""Cursor: executing statements, fetching rows, description, rowcount, lastrowid, parameters."""

from __future__ import annotations

import pytest

import mongodbapi

ROWS = [(1, "ann", 10), (2, "bob", 20), (3, "cy", 30), (4, "dee", 40), (5, "eve", 50)]


@pytest.fixture
def people(conn, cur):
    cur.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, age INTEGER)")
    cur.executemany("INSERT INTO people (id, name, age) VALUES (%s, %s, %s)", ROWS)
    conn.commit()
    return cur


# ----------------------------------------------------------------- execute and fetch


def test_fetchall_returns_tuples_in_order(people):
    people.execute("SELECT id, name, age FROM people ORDER BY id")
    rows = people.fetchall()
    assert rows == ROWS
    assert all(type(row) is tuple for row in rows)
    assert people.fetchall() == []


def test_fetchone_then_none_at_the_end(people):
    people.execute("SELECT name FROM people WHERE id <= 2 ORDER BY id")
    assert people.fetchone() == ("ann",)
    assert people.fetchone() == ("bob",)
    assert people.fetchone() is None
    assert people.fetchone() is None


def test_fetchmany_uses_arraysize_and_size(people):
    assert people.arraysize == 1
    people.execute("SELECT id FROM people ORDER BY id")
    assert people.fetchmany() == [(1,)]
    people.arraysize = 3
    assert people.fetchmany() == [(2,), (3,), (4,)]
    assert people.fetchmany(10) == [(5,)]
    assert people.fetchmany(10) == []


def test_mixed_fetches_continue_where_the_last_stopped(people):
    people.execute("SELECT id FROM people ORDER BY id")
    assert people.fetchone() == (1,)
    assert people.fetchmany(2) == [(2,), (3,)]
    assert people.fetchall() == [(4,), (5,)]


def test_iteration(people):
    people.execute("SELECT id FROM people ORDER BY id")
    assert [row[0] for row in people] == [1, 2, 3, 4, 5]
    people.execute("SELECT id FROM people WHERE id > 3 ORDER BY id")
    assert next(people) == (4,)
    assert list(people) == [(5,)]
    with pytest.raises(StopIteration):
        next(people)


def test_a_new_execute_replaces_the_previous_result(people):
    people.execute("SELECT id FROM people ORDER BY id")
    assert people.fetchone() == (1,)
    people.execute("SELECT name FROM people WHERE id = 5")
    assert people.fetchall() == [("eve",)]


def test_two_cursors_on_one_connection_are_independent(conn, people):
    other = conn.cursor()
    people.execute("SELECT id FROM people ORDER BY id")
    other.execute("SELECT name FROM people ORDER BY id DESC")
    assert people.fetchone() == (1,)
    assert other.fetchone() == ("eve",)
    assert people.fetchone() == (2,)


def test_a_select_of_no_rows(people):
    people.execute("SELECT id, name FROM people WHERE id > 100")
    assert [d[0] for d in people.description] == ["id", "name"]
    assert people.fetchone() is None and people.fetchall() == [] and people.fetchmany(3) == []


def test_constant_and_expression_columns(people):
    people.execute("SELECT id, age + 1 AS older, name || '!' AS shout FROM people WHERE id = 1")
    assert people.fetchall() == [(1, 11, "ann!")]


def test_select_without_from(cur):
    cur.execute("SELECT 1 AS one, %s AS two, %s || %s AS s", (2, "a", "b"))
    assert cur.fetchall() == [(1, 2, "ab")]
    assert [c[0] for c in cur.description] == ["one", "two", "s"]


def test_numeric_literal_in_the_select_list(people):
    people.execute("SELECT 1 AS one, id FROM people WHERE id = 2")
    assert people.fetchall() == [(1, 2)]


# ----------------------------------------------------------------- description


def test_description_is_seven_item_sequences_with_name_and_type_code(people):
    people.execute("SELECT id, name, age FROM people")
    description = people.description
    assert len(description) == 3
    for column in description:
        assert len(column) == 7
        assert isinstance(column[0], str)
    assert [(c[0], c[1]) for c in description] == [("id", "INTEGER"), ("name", "VARCHAR"), ("age", "INTEGER")]
    assert description[0].name == "id" and description[0].type_code == "INTEGER"
    # null_ok (the 7th item) follows NOT NULL and PRIMARY KEY
    assert [c[6] for c in description] == [False, False, True]


def test_description_uses_aliases_and_star_expands_in_declared_order(people):
    people.execute("SELECT name AS who, age AS years FROM people")
    assert [c[0] for c in people.description] == ["who", "years"]
    people.execute("SELECT * FROM people")
    assert [c[0] for c in people.description] == ["id", "name", "age"]


def test_description_is_none_without_a_result_set(conn, cur):
    assert cur.description is None
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
    assert cur.description is None
    cur.execute("INSERT INTO t VALUES (1, 1)")
    assert cur.description is None
    cur.execute("UPDATE t SET v = 2 WHERE id = 1")
    assert cur.description is None
    cur.execute("SELECT id FROM t")
    assert cur.description is not None
    cur.execute("DELETE FROM t")
    assert cur.description is None


def test_insert_returning_has_a_description_and_rows(conn, cur):
    cur.execute("CREATE TABLE t (id SERIAL PRIMARY KEY, name TEXT)")
    cur.execute("INSERT INTO t (name) VALUES ('a'), ('b') RETURNING id, name")
    assert [c[0] for c in cur.description] == ["id", "name"]
    assert cur.fetchall() == [(1, "a"), (2, "b")]
    assert cur.rowcount == 2


# ----------------------------------------------------------------- rowcount


def test_rowcount_is_exact_for_insert_update_delete(people):
    people.execute("INSERT INTO people VALUES (6, 'fay', 60), (7, 'gus', 70)")
    assert people.rowcount == 2
    people.execute("UPDATE people SET age = age + 1 WHERE age >= 40")
    assert people.rowcount == 4
    people.execute("UPDATE people SET age = 0 WHERE id = 999")
    assert people.rowcount == 0
    people.execute("DELETE FROM people WHERE id > 5")
    assert people.rowcount == 2
    people.execute("DELETE FROM people")
    assert people.rowcount == 5


def test_rowcount_counts_matched_rows_even_when_unchanged(people):
    people.execute("UPDATE people SET age = 10 WHERE id = 1")  # already 10
    assert people.rowcount == 1


def test_rowcount_is_minus_one_for_select_and_never_consumes_rows(people):
    assert people.rowcount == 5  # the fixture's executemany
    people.execute("SELECT id FROM people ORDER BY id")
    for _ in range(3):
        assert people.rowcount == -1
    assert people.fetchone() == (1,)
    assert people.rowcount == -1
    assert len(people.fetchall()) == 4


def test_rowcount_is_minus_one_before_anything_runs_and_for_ddl(conn, cur):
    assert cur.rowcount == -1
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    assert cur.rowcount == -1


# ----------------------------------------------------------------- lastrowid


@pytest.mark.parametrize("column", [
    "id SERIAL PRIMARY KEY",
    "id INTEGER PRIMARY KEY AUTOINCREMENT",
    "id INTEGER PRIMARY KEY AUTO_INCREMENT",
    "id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    "id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    "id INTEGER NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY",
])
def test_lastrowid_is_the_auto_increment_id(conn, cur, column):
    cur.execute(f"CREATE TABLE t ({column}, name TEXT)")
    assert cur.lastrowid is None
    cur.execute("INSERT INTO t (name) VALUES ('a')")
    assert cur.lastrowid == 1
    cur.execute("INSERT INTO t (name) VALUES ('b'), ('c')")
    assert cur.lastrowid == 3  # the last row's id
    cur.execute("SELECT id, name FROM t ORDER BY id")
    assert cur.fetchall() == [(1, "a"), (2, "b"), (3, "c")]


def test_an_explicit_id_moves_the_sequence_past_it(conn, cur):
    cur.execute("CREATE TABLE t (id SERIAL PRIMARY KEY, name TEXT)")
    cur.execute("INSERT INTO t (id, name) VALUES (10, 'ten')")
    cur.execute("INSERT INTO t (name) VALUES ('next')")
    assert cur.lastrowid == 11
    schema = conn.database["__schema__"].find_one({"name": "t"})
    assert schema["auto"]["field_names"] == ["id"] and schema["auto"]["seq"] >= 11


def test_lastrowid_of_executemany_is_the_last_row(conn, cur):
    cur.execute("CREATE TABLE t (id SERIAL PRIMARY KEY, name TEXT)")
    cur.executemany("INSERT INTO t (name) VALUES (%s)", [("a",), ("b",), ("c",)])
    assert cur.lastrowid == 3


def test_lastrowid_of_a_schemaless_collection_is_the_new_object_id(conn, cur):
    from bson import ObjectId

    conn.database.raw.insert_one({"a": 0})
    cur.execute("INSERT INTO raw (a) VALUES (1)")
    assert isinstance(cur.lastrowid, ObjectId)
    assert conn.database.raw.find_one({"_id": cur.lastrowid})["a"] == 1


# ----------------------------------------------------------------- executemany


def test_executemany_insert_is_one_bulk_insert(conn, cur, monkeypatch):
    cur.execute("CREATE TABLE t (id SERIAL PRIMARY KEY, name TEXT, n INTEGER)")
    collection_class = type(conn.database["t"])
    calls = []
    original_many, original_one = collection_class.insert_many, collection_class.insert_one

    def insert_many(self, documents, *args, **kwargs):
        documents = list(documents)
        calls.append(("insert_many", self.name, len(documents)))
        return original_many(self, documents, *args, **kwargs)

    def insert_one(self, document, *args, **kwargs):
        calls.append(("insert_one", self.name, 1))
        return original_one(self, document, *args, **kwargs)

    monkeypatch.setattr(collection_class, "insert_many", insert_many)
    monkeypatch.setattr(collection_class, "insert_one", insert_one)
    cur.executemany("INSERT INTO t (name, n) VALUES (%s, %s)", [(f"row{i}", i) for i in range(50)])
    assert calls == [("insert_many", "t", 50)]
    assert cur.rowcount == 50
    assert cur.lastrowid == 50
    monkeypatch.undo()
    cur.execute("SELECT COUNT(*), MIN(id), MAX(id), SUM(n) FROM t")
    assert cur.fetchone() == (50, 1, 50, sum(range(50)))


def test_executemany_with_named_parameters(conn, cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    cur.executemany("INSERT INTO t (id, name) VALUES (%(id)s, %(name)s)",
                    [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    assert cur.rowcount == 2
    cur.execute("SELECT id, name FROM t ORDER BY id")
    assert cur.fetchall() == [(1, "a"), (2, "b")]


def test_executemany_update_rowcount_is_the_total(people):
    people.executemany("UPDATE people SET age = age + 1 WHERE age >= %s", [(40,), (50,), (1000,)])
    assert people.rowcount == 3  # 2 + 1 + 0
    people.execute("SELECT age FROM people ORDER BY id")
    assert [r[0] for r in people.fetchall()] == [10, 20, 30, 41, 52]


def test_executemany_with_no_parameter_sets(conn, cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    cur.executemany("INSERT INTO t VALUES (%s)", [])
    assert cur.rowcount == 0
    cur.execute("SELECT COUNT(*) FROM t")
    assert cur.fetchone() == (0,)


def test_executemany_accepts_a_generator(conn, cur):
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    cur.executemany("INSERT INTO t VALUES (%s)", ((i,) for i in range(7)))
    assert cur.rowcount == 7


def test_executemany_of_a_query_is_a_programming_error(people):
    with pytest.raises(mongodbapi.ProgrammingError, match="no rows"):
        people.executemany("SELECT * FROM people WHERE id = %s", [(1,), (2,)])


# ----------------------------------------------------------------- parameters


def test_positional_parameters(people):
    people.execute("SELECT name FROM people WHERE age > %s AND age < %s ORDER BY id", (15, 45))
    assert people.fetchall() == [("bob",), ("cy",), ("dee",)]
    people.execute("SELECT name FROM people WHERE id = %s", [3])  # a list is a sequence too
    assert people.fetchall() == [("cy",)]


def test_named_parameters_may_repeat_and_extra_keys_are_ignored(people):
    people.execute("SELECT id FROM people WHERE age >= %(lo)s AND id >= %(lo)s / 10 ORDER BY id",
                   {"lo": 30, "unused": object()})
    assert people.fetchall() == [(3,), (4,), (5,)]


def test_parameters_are_values_never_sql(people):
    people.execute("SELECT id FROM people WHERE name = %s", ("ann' OR '1'='1",))
    assert people.fetchall() == []
    people.execute("INSERT INTO people VALUES (%s, %s, %s)", (9, "x'); DROP TABLE people; --", None))
    people.execute("SELECT name, age FROM people WHERE id = 9")
    assert people.fetchall() == [("x'); DROP TABLE people; --", None)]


def test_double_percent_is_a_literal_percent_only_with_parameters(people):
    people.execute("SELECT name FROM people WHERE name LIKE 'a%%' AND id > %s", (0,))
    assert people.fetchall() == [("ann",)]
    people.execute("SELECT name || '%%' FROM people WHERE id = %s", (1,))
    assert people.fetchall() == [("ann%",)]
    people.execute("SELECT name FROM people WHERE name LIKE 'a%%'", ())  # empty params: still given
    assert people.fetchall() == [("ann",)]
    # Without parameters the text is taken as written: '%%' is two percent signs.
    people.execute("SELECT name || '%%' FROM people WHERE id = 1")
    assert people.fetchall() == [("ann%%",)]
    people.execute("SELECT name FROM people WHERE name LIKE 'b%'")
    assert people.fetchall() == [("bob",)]


def test_percent_inside_a_parameter_value_is_data(people):
    people.execute("SELECT name FROM people WHERE name LIKE %s", ("%o%",))
    assert people.fetchall() == [("bob",)]
    people.execute("SELECT %s || name FROM people WHERE id = 1", ("100%s ",))
    assert people.fetchall() == [("100%s ann",)]


@pytest.mark.parametrize("sql,params,match", [
    ("SELECT id FROM people WHERE id = %s", (1, 2), "1 placeholder.*2 parameter"),
    ("SELECT id FROM people WHERE id = %s AND age = %s", (1,), "2 placeholder.*1 parameter"),
    ("SELECT id FROM people WHERE id = %s", None, "1 placeholder.*0 parameter"),
    ("SELECT id FROM people WHERE id = 1", (1,), "0 placeholder.*1 parameter"),
    ("SELECT id FROM people WHERE id = %(id)s", {"other": 1}, "no value given for parameter.*id"),
    ("SELECT id FROM people WHERE id = %(id)s", (1,), "mapping"),
    ("SELECT id FROM people WHERE id = %s", {"id": 1}, "mapping"),
    ("SELECT id FROM people WHERE id = %s", 1, r"sequence.*not int.*\(1,\)"),
    ("SELECT id FROM people WHERE name = %s", "ann", r"sequence.*not str"),
    ("SELECT id FROM people WHERE id = %s AND age = %(age)s", {"age": 1}, "cannot mix"),
], ids=["too-many", "too-few", "none-given", "none-needed", "missing-name", "sequence-for-named",
        "mapping-for-positional", "scalar", "string", "mixed-styles"])
def test_wrong_parameters_raise_a_helpful_programming_error(people, sql, params, match):
    with pytest.raises(mongodbapi.ProgrammingError, match=match):
        people.execute(sql, params)


def test_executemany_checks_every_parameter_set(people):
    with pytest.raises(mongodbapi.ProgrammingError, match="1 placeholder.*2 parameter"):
        people.executemany("DELETE FROM people WHERE id = %s", [(1,), (2, 3)])
    people.execute("SELECT COUNT(*) FROM people")
    assert people.fetchone() == (5,)  # checked before anything ran


def test_a_cached_statement_binds_new_values(people):
    sql = "SELECT name FROM people WHERE id = %s"
    results = []
    for key in (1, 2, 3, 2):
        people.execute(sql, (key,))
        results.append(people.fetchone()[0])
    assert results == ["ann", "bob", "cy", "bob"]


# ----------------------------------------------------------------- the rest of PEP 249


def test_callproc_is_not_supported(cur):
    with pytest.raises(mongodbapi.NotSupportedError):
        cur.callproc("anything", (1, 2))


def test_nextset_says_there_is_no_other_set(people):
    people.execute("SELECT id FROM people")
    assert people.nextset() is None
    assert people.fetchone() is not None  # the current set is untouched


def test_setinputsizes_and_setoutputsize_are_accepted_and_ignored(people):
    assert people.setinputsizes([int, 20]) is None
    assert people.setoutputsize(100) is None
    assert people.setoutputsize(100, 0) is None
    people.execute("SELECT name FROM people WHERE id = %s", (1,))
    assert people.fetchall() == [("ann",)]


def test_cursor_knows_its_connection(conn, cur):
    assert cur.connection is conn


def test_closed_cursor_raises_interface_error(people):
    people.execute("SELECT id FROM people")
    people.close()
    assert people.closed
    for call in (people.fetchone, people.fetchall, people.fetchmany, people.nextset,
                 lambda: people.execute("SELECT id FROM people"),
                 lambda: people.executemany("DELETE FROM people WHERE id = %s", [(1,)])):
        with pytest.raises(mongodbapi.InterfaceError, match="closed"):
            call()
    people.close()  # closing twice is harmless


def test_fetch_without_a_result_set_raises_programming_error(conn, cur):
    with pytest.raises(mongodbapi.ProgrammingError, match="no result set"):
        cur.fetchone()
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    cur.execute("INSERT INTO t VALUES (1)")
    for call in (cur.fetchone, cur.fetchall, cur.fetchmany):
        with pytest.raises(mongodbapi.ProgrammingError, match="no result set"):
            call()


def test_failed_execute_leaves_no_result_set(people):
    people.execute("SELECT id FROM people")
    with pytest.raises(mongodbapi.ProgrammingError):
        people.execute("SELECT nope FROM people")
    assert people.description is None
    with pytest.raises(mongodbapi.ProgrammingError, match="no result set"):
        people.fetchone()
