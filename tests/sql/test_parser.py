"""Parser tests: SQL text -> the typed syntax tree of ``mongodbapi.sql.ast``.

Nodes compare without their source positions (``pos`` is ``compare=False``), so the expected
trees below are written without positions; positions are checked separately where they matter
(syntax errors, placeholder errors).
"""

from __future__ import annotations

import pytest

import mongodbapi
from mongodbapi.errors import NotSupportedError, ProgrammingError
from mongodbapi.sql import ast as A
from mongodbapi.sql.parser import parse

# ----------------------------------------------------------------- builders


def col(*parts: str) -> A.Column:
    return A.Column(tuple(parts))


def lit(value) -> A.Literal:
    if value is None:
        return A.Literal(None, "null")
    if isinstance(value, bool):
        return A.Literal(value, "boolean")
    if isinstance(value, int):
        return A.Literal(value, "integer")
    if isinstance(value, float):
        return A.Literal(value, "real")
    return A.Literal(value, "text")


def b(op: str, left, right) -> A.Binary:
    return A.Binary(op, left, right)


def func(name: str, *args, **kw) -> A.Func:
    return A.Func(name, tuple(args), **kw)


def typ(name: str, *params: int, array: bool = False) -> A.TypeName:
    return A.TypeName(name, tuple(params), array)


def item(expr, alias=None) -> A.SelectItem:
    return A.SelectItem(expr, alias)


def core(items, from_=("t",), where=None, group_by=(), having=None, distinct=False) -> A.SelectCore:
    tables = tuple(A.TableRef(f, None) if isinstance(f, str) else f for f in from_)
    return A.SelectCore(distinct, tuple(items), tables, where, tuple(group_by), having)


def select(items, **kw) -> A.Select:
    outer = {k: kw.pop(k) for k in ("order_by", "limit", "offset", "with_", "recursive") if k in kw}
    return A.Select(core(items, **kw), **outer)


def expr_of(text: str, params: bool = False) -> A.Expr:
    """The single select-list expression of ``SELECT <text> FROM t``."""
    tree = parse(f"SELECT {text} FROM t", params)
    assert isinstance(tree, A.Select) and len(tree.body.items) == 1
    return tree.body.items[0].expr


def where_of(text: str, params: bool = False) -> A.Expr:
    tree = parse(f"SELECT * FROM t WHERE {text}", params)
    return tree.body.where


def sub(sql: str) -> A.Select:
    """A subquery's tree, parsed on its own (nodes compare structurally)."""
    tree = parse(sql)
    assert isinstance(tree, A.Select)
    return tree


a, b_, c = col("a"), col("b"), col("c")
one, two, three = lit(1), lit(2), lit(3)


# ----------------------------------------------------------------- select lists


def test_select_star():
    assert parse("SELECT * FROM t") == select([A.Star(None)])


def test_select_list_aliases_and_qualified_names():
    assert parse("SELECT t.*, t.a AS x, b y, c 'z', a + 1 AS \"Sum\" FROM t") == select([
        A.Star("t"),
        item(col("t", "a"), "x"),
        item(b_, "y"),
        item(c, "z"),
        item(b("+", a, one), "Sum"),
    ])


def test_from_alias_with_and_without_as():
    assert parse("SELECT x.a FROM t AS x").body.from_ == (A.TableRef("t", "x"),)
    assert parse("SELECT x.a FROM t x").body.from_ == (A.TableRef("t", "x"),)
    # a schema qualifier names the database the connection already fixes: only the table is kept
    assert parse("SELECT a FROM db.t").body.from_ == (A.TableRef("t", None),)


def test_dotted_paths_and_subscripts():
    assert expr_of("address.city") == col("address", "city")
    assert expr_of("a.b.c.d") == col("a", "b", "c", "d")
    assert expr_of("tags[0]") == A.Subscript(col("tags"), lit(0))


def test_quoted_identifiers():
    # a quoted name holding a dot still addresses the embedded field
    assert expr_of('"address.city"') == col("address", "city")
    assert expr_of('t."address.city"') == col("t", "address", "city")
    assert expr_of("`address.city`") == col("address", "city")
    assert expr_of("`select`") == col("select")
    assert expr_of('"order"') == col("order")
    assert expr_of('"a""b"') == col('a"b')
    # quoting keeps case (MongoDB field names are case-sensitive); so does a bare name
    assert expr_of('"CamelCase"') == col("CamelCase")
    assert expr_of("CamelCase") == col("CamelCase")


def test_select_distinct_and_all():
    assert parse("SELECT DISTINCT a FROM t") == select([item(a)], distinct=True)
    assert parse("SELECT ALL a FROM t") == select([item(a)])


def test_select_without_from():
    assert parse("SELECT 1") == A.Select(core([item(one)], from_=()))


def test_trailing_semicolon_and_comments():
    expected = select([item(a)], where=b("=", a, one))
    assert parse("SELECT a FROM t WHERE a = 1;") == expected
    assert parse("SELECT a -- the column\nFROM /* the table */ t\nWHERE a = 1") == expected


# ----------------------------------------------------------------- literals


@pytest.mark.parametrize("text, expected", [
    ("1", lit(1)),
    ("1.5", lit(1.5)),
    (".5", lit(0.5)),
    ("1e3", lit(1000.0)),
    ("2E-2", lit(0.02)),
    ("'it''s'", lit("it's")),
    ("''", lit("")),
    ("NULL", lit(None)),
    ("TRUE", lit(True)),
    ("false", lit(False)),
    ("-1", lit(-1)),           # a negative number literal is folded
    ("- 2.5", lit(-2.5)),
    ("-(1)", lit(-1)),
    ("- - 1", lit(1)),
    ("DATE '2024-01-31'", A.Cast(lit("2024-01-31"), typ("DATE"))),
    ("TIMESTAMP '2024-01-31 10:00:00'", A.Cast(lit("2024-01-31 10:00:00"), typ("TIMESTAMP"))),
    ("TIME '10:00'", A.Cast(lit("10:00"), typ("TIME"))),
    ("INTERVAL '1' day", A.Cast(lit("1 day"), typ("INTERVAL"))),
])
def test_literals(text, expected):
    assert expr_of(text) == expected


def test_integer_and_real_literal_types():
    assert type(expr_of("7").value) is int
    assert type(expr_of("7.0").value) is float


# ----------------------------------------------------------------- operators and precedence


@pytest.mark.parametrize("text, expected", [
    # arithmetic: * / % bind tighter than + -, all left-associative
    ("1 + 2 * 3", b("+", one, b("*", two, three))),
    ("1 - 2 - 3", b("-", b("-", one, two), three)),
    ("a / b % c", b("%", b("/", a, b_), c)),
    ("(1 + 2) * 3", b("*", b("+", one, two), three)),
    ("a % b", b("%", a, b_)),
    # unary minus binds tighter than binary operators; on a column it stays a node
    ("-a", A.Unary("-", a)),
    ("+a", A.Unary("+", a)),
    ("-a * b", b("*", A.Unary("-", a), b_)),
    ("a - -b", b("-", a, A.Unary("-", b_))),
    # || binds tighter than + and * (SQLite's precedence: it is the tightest binary operator)
    ("a || b || c", b("||", b("||", a, b_), c)),
    ("a || b + 1", b("+", b("||", a, b_), one)),
    ("a + b || c", b("+", a, b("||", b_, c))),
    ("a || b * 2", b("*", b("||", a, b_), two)),
])
def test_arithmetic_and_concatenation(text, expected):
    assert expr_of(text) == expected


@pytest.mark.parametrize("op, normalised", [
    ("=", "="), ("==", "="), ("<>", "<>"), ("!=", "<>"), ("<", "<"), ("<=", "<="), (">", ">"), (">=", ">="),
])
def test_comparison_operators(op, normalised):
    assert where_of(f"a {op} 1") == b(normalised, a, one)


def test_comparison_binds_looser_than_arithmetic():
    assert where_of("a + 1 > b * 2") == b(">", b("+", a, one), b("*", b_, two))


@pytest.mark.parametrize("text, expected", [
    ("a = 1 AND b = 2 OR c = 3", b("or", b("and", b("=", a, one), b("=", b_, two)), b("=", c, three))),
    ("a = 1 OR b = 2 AND c = 3", b("or", b("=", a, one), b("and", b("=", b_, two), b("=", c, three)))),
    ("NOT a = 1 AND b = 2", b("and", A.Unary("not", b("=", a, one)), b("=", b_, two))),
    ("NOT (a = 1 AND b = 2)", A.Unary("not", b("and", b("=", a, one), b("=", b_, two)))),
    ("NOT NOT a = 1", A.Unary("not", A.Unary("not", b("=", a, one)))),
    ("(a = 1 OR b = 2) AND c = 3", b("and", b("or", b("=", a, one), b("=", b_, two)), b("=", c, three))),
    ("a = 1 AND b = 2 AND c = 3", b("and", b("and", b("=", a, one), b("=", b_, two)), b("=", c, three))),
])
def test_boolean_precedence(text, expected):
    assert where_of(text) == expected


# ----------------------------------------------------------------- predicates


@pytest.mark.parametrize("text, expected", [
    ("a IS NULL", A.IsNull(a, False)),
    ("a IS NOT NULL", A.IsNull(a, True)),
    ("a IS TRUE", A.IsBool(a, True, False)),
    ("a IS NOT FALSE", A.IsBool(a, False, True)),
    ("a IS DISTINCT FROM b", A.IsDistinct(a, b_, False)),
    ("a IS NOT DISTINCT FROM 1", A.IsDistinct(a, one, True)),
    ("a IN (1, 2)", A.InList(a, (one, two), False)),
    ("a IN (1)", A.InList(a, (one,), False)),
    ("a NOT IN (1, NULL)", A.InList(a, (one, lit(None)), True)),
    ("a BETWEEN 1 AND 3", A.Between(a, one, three, False)),
    ("a NOT BETWEEN 1 AND 3", A.Between(a, one, three, True)),
    ("a BETWEEN b + 1 AND 3", A.Between(a, b("+", b_, one), three, False)),
    ("a LIKE 'x%'", A.Like(a, lit("x%"), None, False, False)),
    ("a NOT LIKE 'x!%%' ESCAPE '!'", A.Like(a, lit("x!%%"), lit("!"), True, False)),
    ("a ILIKE 'X_'", A.Like(a, lit("X_"), None, False, True)),
    ("a NOT ILIKE 'x'", A.Like(a, lit("x"), None, True, True)),
    ("a ~ '^x'", A.RegexMatch(a, lit("^x"), False, False)),
    ("a ~* '^x'", A.RegexMatch(a, lit("^x"), False, True)),
    ("a !~ '^x'", A.RegexMatch(a, lit("^x"), True, False)),
    ("a !~* '^x'", A.RegexMatch(a, lit("^x"), True, True)),
    ("a REGEXP '^x'", A.RegexMatch(a, lit("^x"), False, False)),
])
def test_predicates(text, expected):
    assert where_of(text) == expected


def test_between_and_binds_inside_the_predicate():
    # the AND of BETWEEN belongs to BETWEEN; the next AND is the connective
    assert where_of("a BETWEEN 1 AND 2 AND b = 3") == b(
        "and", A.Between(a, one, two, False), b("=", b_, three))


def test_not_before_predicates():
    assert where_of("NOT a IN (1)") == A.Unary("not", A.InList(a, (one,), False))
    assert where_of("NOT a IS NULL") == A.Unary("not", A.IsNull(a, False))


# ----------------------------------------------------------------- CASE, CAST and special forms


def test_case_simple_and_searched():
    assert expr_of("CASE a WHEN 1 THEN 'x' WHEN 2 THEN 'y' ELSE 'z' END") == A.Case(
        a, ((one, lit("x")), (two, lit("y"))), lit("z"))
    assert expr_of("CASE WHEN a > 1 THEN 1 END") == A.Case(None, ((b(">", a, one), one),), None)
    assert expr_of("CASE WHEN a IS NULL THEN b ELSE CASE WHEN c THEN 1 END END") == A.Case(
        None, ((A.IsNull(a, False), b_),), A.Case(None, ((c, one),), None))


@pytest.mark.parametrize("text, expected", [
    ("CAST(a AS INTEGER)", A.Cast(a, typ("INTEGER"))),
    ("CAST(a AS numeric(10, 2))", A.Cast(a, typ("NUMERIC", 10, 2))),
    ("CAST(a AS VARCHAR(20))", A.Cast(a, typ("VARCHAR", 20))),
    ("CAST(a AS double precision)", A.Cast(a, typ("DOUBLE PRECISION"))),
    ("CAST(a AS timestamp with time zone)", A.Cast(a, typ("TIMESTAMPTZ"))),
    ("a::text", A.Cast(a, typ("TEXT"))),
    ("a::varchar(10)", A.Cast(a, typ("VARCHAR", 10))),
    ("a::int::text", A.Cast(A.Cast(a, typ("INT")), typ("TEXT"))),
    ("-a::int", A.Unary("-", A.Cast(a, typ("INT")))),  # :: binds tighter than unary minus
    ("a::integer[]", A.Cast(a, typ("INTEGER", array=True))),
])
def test_casts(text, expected):
    assert expr_of(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("EXTRACT(YEAR FROM d)", func("extract", lit("year"), col("d"))),
    ("extract(month from d)", func("extract", lit("month"), col("d"))),
    ("POSITION('x' IN b)", func("position", lit("x"), b_)),
    ("SUBSTRING(b FROM 2 FOR 3)", func("substring", b_, two, three)),
    ("SUBSTRING(b FROM 2)", func("substring", b_, two)),
    ("SUBSTRING(b, 2, 3)", func("substring", b_, two, three)),
    ("substr(b, 2)", func("substr", b_, two)),
    ("TRIM(b)", func("trim", b_)),
    ("TRIM(b, 'x')", func("trim", b_, lit("x"))),
    ("TRIM(BOTH FROM b)", func("trim", b_)),
    ("TRIM('x' FROM b)", func("trim", b_, lit("x"))),
    ("TRIM(LEADING 'x' FROM b)", func("ltrim", b_, lit("x"))),
    ("TRIM(TRAILING FROM b)", func("rtrim", b_)),
    ("CURRENT_DATE", func("current_date")),
    ("CURRENT_TIMESTAMP", func("current_timestamp")),
    ("CURRENT_TIME", func("current_time")),
    ("NOW()", func("current_timestamp")),
    ("LOCALTIMESTAMP", func("current_timestamp")),
    ("COALESCE(a, b, 0)", func("coalesce", a, b_, lit(0))),
    ("NULLIF(a, 0)", func("nullif", a, lit(0))),
    ("UPPER(b)", func("upper", b_)),
    ("Lower(b)", func("lower", b_)),     # function names are lower-cased
    ("replace(b, 'x', 'y')", func("replace", b_, lit("x"), lit("y"))),
    ("left(b, 2)", func("left", b_, two)),
    ("round(a, 2)", func("round", a, two)),
    ("date_trunc('month', d)", func("date_trunc", lit("month"), col("d"))),
])
def test_special_functions(text, expected):
    assert expr_of(text) == expected


# ----------------------------------------------------------------- aggregates, grouping, ordering


@pytest.mark.parametrize("text, expected", [
    ("COUNT(*)", A.Func("count", (), star=True)),
    ("count(a)", func("count", a)),
    ("COUNT(DISTINCT a)", func("count", a, distinct=True)),
    ("SUM(a)", func("sum", a)),
    ("avg(a + b)", func("avg", b("+", a, b_))),
    ("MIN(a)", func("min", a)),
    ("MAX(a)", func("max", a)),
    ("count(*) FILTER (WHERE a > 1)", A.Func("count", (), star=True, filter=b(">", a, one))),
])
def test_aggregates(text, expected):
    assert expr_of(text) == expected


def test_group_by_having_order_by_limit():
    tree = parse("SELECT b, count(*) FROM t WHERE a > 0 GROUP BY b, 2 HAVING count(*) > 1 "
                 "ORDER BY 2 DESC NULLS LAST, b NULLS FIRST, a ASC, c LIMIT 10 OFFSET 5")
    count_star = A.Func("count", (), star=True)
    assert tree == select(
        [item(b_), item(count_star)],
        where=b(">", a, lit(0)),
        group_by=[b_, two],
        having=b(">", count_star, one),
        order_by=(A.OrderItem(two, True, False), A.OrderItem(b_, False, True),
                  A.OrderItem(a, False, None), A.OrderItem(c, False, None)),
        limit=lit(10), offset=lit(5),
    )


@pytest.mark.parametrize("tail, limit, offset", [
    ("LIMIT 3", lit(3), None),
    ("LIMIT 3 OFFSET 4", lit(3), lit(4)),
    ("LIMIT 4, 3", lit(3), lit(4)),                       # MySQL/SQLite: LIMIT offset, count
    ("OFFSET 4", None, lit(4)),
    ("OFFSET 4 ROWS", None, lit(4)),
    ("OFFSET 4 ROWS FETCH FIRST 3 ROWS ONLY", lit(3), lit(4)),
    ("OFFSET 4 ROW FETCH NEXT 3 ROW ONLY", lit(3), lit(4)),
    ("FETCH FIRST 3 ROWS ONLY", lit(3), None),
    ("FETCH FIRST ROW ONLY", lit(1), None),
])
def test_limit_offset_fetch(tail, limit, offset):
    tree = parse(f"SELECT a FROM t ORDER BY a {tail}")
    assert (tree.limit, tree.offset) == (limit, offset)


# ----------------------------------------------------------------- placeholders


def test_positional_placeholders_are_numbered_in_text_order():
    tree = parse("SELECT %s, a FROM t WHERE a = %s AND b IN (%s, %s) LIMIT %s OFFSET %s")
    assert tree == select(
        [item(A.Param(0)), item(a)],
        where=b("and", b("=", a, A.Param(1)), A.InList(b_, (A.Param(2), A.Param(3)), False)),
        limit=A.Param(4), offset=A.Param(5))


def test_named_placeholders_may_repeat():
    assert where_of("a = %(x)s AND b = %(y)s OR c = %(x)s") == b(
        "or", b("and", b("=", a, A.Param("x")), b("=", b_, A.Param("y"))), b("=", c, A.Param("x")))


def test_placeholders_in_insert():
    tree = parse("INSERT INTO t (a, b) VALUES (%s, %s), (%s, %s)")
    assert tree.rows == ((A.Param(0), A.Param(1)), (A.Param(2), A.Param(3)))


def test_placeholders_inside_strings_and_comments_are_text():
    tree = parse("SELECT '%s', '%(x)s' FROM t -- %s\nWHERE a = %s /* %(y)s */")
    assert tree == select([item(lit("%s")), item(lit("%(x)s"))], where=b("=", a, A.Param(0)))


def test_comment_markers_inside_strings_and_quoted_names():
    assert parse("SELECT 'a--b', '/* c */', \"x--y\" FROM t").body.items == (
        item(lit("a--b")), item(lit("/* c */")), item(col("x--y")))


def test_numbering_restarts_for_every_statement():
    parse("SELECT a FROM t WHERE a = %s AND b = %s")
    assert where_of("a = %s") == b("=", a, A.Param(0))


@pytest.mark.parametrize("sql, line, column", [
    ("SELECT a FROM t WHERE a = %s AND b = %(y)s", 1, 38),
    ("SELECT a FROM t WHERE a = %(y)s AND b = %s", 1, 41),
    ("SELECT a FROM t\nWHERE a = %s\n  AND b = %(y)s", 3, 11),
])
def test_mixing_placeholder_styles_is_a_programming_error(sql, line, column):
    with pytest.raises(ProgrammingError) as info:
        parse(sql)
    assert f"line {line}, column {column}" in str(info.value)
    assert "mix" in str(info.value)


def test_percent_percent_in_a_string_is_a_percent_only_with_parameters():
    assert expr_of("'100%%'", params=True) == lit("100%")
    assert expr_of("'100%%'", params=False) == lit("100%%")
    assert where_of("a LIKE 'x%%'", params=True) == A.Like(a, lit("x%"), None, False, False)
    assert where_of("a LIKE 'x%%'", params=False) == A.Like(a, lit("x%%"), None, False, False)
    # a single % stays as written either way
    assert expr_of("'5%'", params=True) == lit("5%")


def test_percent_percent_between_operands_is_modulo():
    assert expr_of("a %% 2", params=True) == b("%", a, two)


# ----------------------------------------------------------------- keywords


def test_keywords_are_case_insensitive():
    expected = parse("select a from t where a is not null order by a desc limit 1")
    assert parse("SELECT a FROM t WHERE a IS NOT NULL ORDER BY a DESC LIMIT 1") == expected
    assert parse("SeLeCt a FrOm t WhErE a Is NoT nUlL oRdEr By a DeSc LiMiT 1") == expected


@pytest.mark.parametrize("word", [
    "date", "key", "time", "timestamp", "type", "data", "first", "last", "next", "no", "row", "rows",
    "zone", "work", "column", "action", "replace", "position", "substring", "trim", "filter", "range",
    "interval", "only", "precision", "identity", "always", "generated", "current", "partition", "over",
    "nulls", "escape", "left", "right", "value", "name", "year", "status",
])
def test_non_reserved_keywords_as_column_names(word):
    assert parse(f"SELECT {word} FROM t") == select([item(col(word))])
    assert parse(f"SELECT t.{word} FROM t WHERE {word} = 1").body.where == b("=", col(word), one)


def test_non_reserved_keywords_as_table_and_column_definitions():
    tree = parse("CREATE TABLE key (key TEXT, date DATE, time TIME, type TEXT, data JSON, value INT)")
    assert [(cd.name, cd.type.name) for cd in tree.columns] == [
        ("key", "TEXT"), ("date", "DATE"), ("time", "TIME"), ("type", "TEXT"), ("data", "JSON"), ("value", "INT")]
    assert parse("SELECT key.date FROM key").body.items == (item(col("key", "date")),)


def test_reserved_words_need_quotes():
    with pytest.raises(ProgrammingError):
        parse("SELECT select FROM t")
    assert expr_of('"select"') == col("select")


# ----------------------------------------------------------------- DML


def test_insert_values_default_and_returning():
    tree = parse("INSERT INTO t (a, b) VALUES (1, 'x'), (2, DEFAULT) RETURNING id, a AS aa")
    assert tree == A.Insert("t", ("a", "b"), ((one, lit("x")), (two, A.Default())), None,
                            (item(col("id")), item(a, "aa")))


def test_insert_without_columns_and_default_values():
    assert parse("INSERT INTO t VALUES (1)") == A.Insert("t", (), ((one,),), None, ())
    assert parse("INSERT INTO t DEFAULT VALUES") == A.Insert("t", (), ((),), None, ())


def test_insert_select():
    assert parse("INSERT INTO t (a) SELECT b FROM u") == A.Insert(
        "t", ("a",), (), select([item(b_)], from_=("u",)), ())


def test_update_with_expressions_where_and_returning():
    tree = parse("UPDATE t SET a = a + 1, b = DEFAULT, address.city = 'x' WHERE id = %s RETURNING *")
    assert tree == A.Update("t", None, (
        A.Assignment(a, b("+", a, one)),
        A.Assignment(b_, A.Default()),
        A.Assignment(col("address", "city"), lit("x")),
    ), b("=", col("id"), A.Param(0)), (A.Star(None),))
    assert parse("UPDATE t AS x SET a = 1").alias == "x"


def test_delete_with_where_and_returning():
    assert parse("DELETE FROM t WHERE a IS NULL RETURNING id") == A.Delete(
        "t", None, A.IsNull(a, False), (item(col("id")),))
    assert parse("DELETE FROM t") == A.Delete("t", None, None, ())


# ----------------------------------------------------------------- DDL


def column(name, type_=None, **kw) -> A.ColumnDef:
    return A.ColumnDef(name, type_, **kw)


@pytest.mark.parametrize("declared, expected", [
    ("INTEGER", typ("INTEGER")),
    ("int", typ("INT")),
    ("BIGINT", typ("BIGINT")),
    ("SMALLINT", typ("SMALLINT")),
    ("REAL", typ("REAL")),
    ("DOUBLE PRECISION", typ("DOUBLE PRECISION")),
    ("NUMERIC(10, 2)", typ("NUMERIC", 10, 2)),
    ("DECIMAL(5,1)", typ("DECIMAL", 5, 1)),
    ("NUMERIC", typ("NUMERIC")),
    ("VARCHAR(20)", typ("VARCHAR", 20)),
    ("CHARACTER VARYING(20)", typ("VARCHAR", 20)),
    ("CHAR(3)", typ("CHAR", 3)),
    ("TEXT", typ("TEXT")),
    ("BOOLEAN", typ("BOOLEAN")),
    ("DATE", typ("DATE")),
    ("TIME", typ("TIME")),
    ("TIMESTAMP", typ("TIMESTAMP")),
    ("TIMESTAMP WITHOUT TIME ZONE", typ("TIMESTAMP")),
    ("TIMESTAMP WITH TIME ZONE", typ("TIMESTAMPTZ")),
    ("UUID", typ("UUID")),
    ("BLOB", typ("BLOB")),
    ("BYTEA", typ("BYTEA")),
    ("JSON", typ("JSON")),
    ("unsigned big int", typ("UNSIGNED BIG INT")),  # SQLite-style multi-word names
])
def test_create_table_column_types(declared, expected):
    tree = parse(f"CREATE TABLE t (c {declared})")
    assert tree == A.CreateTable("t", False, (column("c", expected),), ())


def test_create_table_column_constraints():
    tree = parse(
        "CREATE TABLE IF NOT EXISTS t ("
        " id INTEGER PRIMARY KEY,"
        " a BIGINT NOT NULL,"
        " b TEXT UNIQUE NULL,"
        " c REAL DEFAULT 1.5,"
        " d INT DEFAULT -1,"
        " e TEXT DEFAULT 'x' NOT NULL,"
        " f TIMESTAMP DEFAULT CURRENT_TIMESTAMP,"
        " g INT CONSTRAINT g_fk REFERENCES u (id) ON DELETE CASCADE,"
        " h INT REFERENCES u(id) NOT NULL,"
        " i INT CHECK (i > 0),"
        " j BOOLEAN DEFAULT (1 = 1),"
        " k TEXT COLLATE nocase)")
    assert tree == A.CreateTable("t", True, (
        column("id", typ("INTEGER"), primary_key=True, not_null=True),
        column("a", typ("BIGINT"), not_null=True),
        column("b", typ("TEXT"), unique=True),
        column("c", typ("REAL"), default=lit(1.5)),
        column("d", typ("INT"), default=lit(-1)),
        column("e", typ("TEXT"), default=lit("x"), not_null=True),
        column("f", typ("TIMESTAMP"), default=func("current_timestamp")),
        column("g", typ("INT"), references=A.References("u", ("id",), "CASCADE")),
        column("h", typ("INT"), references=A.References("u", ("id",)), not_null=True),
        column("i", typ("INT"), check=b(">", col("i"), lit(0))),
        column("j", typ("BOOLEAN"), default=b("=", one, one)),
        column("k", typ("TEXT")),
    ), ())


@pytest.mark.parametrize("definition, expected", [
    ("id INTEGER PRIMARY KEY AUTOINCREMENT",
     column("id", typ("INTEGER"), primary_key=True, not_null=True, autoincrement=True)),
    ("id INTEGER AUTO_INCREMENT PRIMARY KEY",
     column("id", typ("INTEGER"), primary_key=True, not_null=True, autoincrement=True)),
    ("id INTEGER AUTOINCREMENT", column("id", typ("INTEGER"), autoincrement=True)),
    ("id SERIAL PRIMARY KEY", column("id", typ("INTEGER"), primary_key=True, not_null=True, autoincrement=True)),
    ("id BIGSERIAL", column("id", typ("BIGINT"), not_null=True, autoincrement=True)),
    ("id INT GENERATED ALWAYS AS IDENTITY",
     column("id", typ("INT"), not_null=True, autoincrement=True)),
    ("id INT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
     column("id", typ("INT"), not_null=True, autoincrement=True, primary_key=True)),
])
def test_create_table_auto_increment(definition, expected):
    assert parse(f"CREATE TABLE t ({definition})").columns == (expected,)


def test_create_table_table_constraints():
    tree = parse("CREATE TABLE t (a INT, b INT, "
                 "CONSTRAINT pk PRIMARY KEY (a, b), UNIQUE (b), "
                 "FOREIGN KEY (b) REFERENCES u (id) ON DELETE SET NULL NOT DEFERRABLE, "
                 "CHECK (a < b))")
    assert tree.constraints == (
        A.TableConstraint("primary_key", "pk", ("a", "b")),
        A.TableConstraint("unique", None, ("b",)),
        A.TableConstraint("foreign_key", None, ("b",), references=A.References("u", ("id",), "SET NULL")),
        A.TableConstraint("check", None, check=b("<", a, b_)),
    )


def test_drop_table():
    assert parse("DROP TABLE t") == A.DropTable(("t",), False)
    assert parse("DROP TABLE IF EXISTS t, u CASCADE") == A.DropTable(("t", "u"), True)


@pytest.mark.parametrize("action, expected", [
    ("ADD COLUMN c INT NOT NULL DEFAULT 0",
     A.AlterAction("add_column", "c", column_def=column("c", typ("INT"), not_null=True, default=lit(0)))),
    ("ADD c TEXT", A.AlterAction("add_column", "c", column_def=column("c", typ("TEXT")))),
    ("ADD COLUMN IF NOT EXISTS c TEXT",
     A.AlterAction("add_column", "c", column_def=column("c", typ("TEXT")), if_exists=True)),
    ("DROP COLUMN c", A.AlterAction("drop_column", "c")),
    ("DROP c", A.AlterAction("drop_column", "c")),
    ("DROP COLUMN IF EXISTS c", A.AlterAction("drop_column", "c", if_exists=True)),
    ("RENAME COLUMN a TO b", A.AlterAction("rename_column", "a", new_name="b")),
    ("RENAME a TO b", A.AlterAction("rename_column", "a", new_name="b")),
    ("RENAME TO u", A.AlterAction("rename_table", new_name="u")),
    ("ALTER COLUMN a TYPE BIGINT", A.AlterAction("set_type", "a", type=typ("BIGINT"))),
    ("ALTER COLUMN a SET DATA TYPE VARCHAR(5)", A.AlterAction("set_type", "a", type=typ("VARCHAR", 5))),
    ("ALTER a SET NOT NULL", A.AlterAction("set_not_null", "a")),
    ("ALTER COLUMN a DROP NOT NULL", A.AlterAction("drop_not_null", "a")),
    ("ALTER COLUMN a SET DEFAULT 5", A.AlterAction("set_default", "a", default=lit(5))),
    ("ALTER COLUMN a DROP DEFAULT", A.AlterAction("drop_default", "a")),
    ("ADD CONSTRAINT uq UNIQUE (a)",
     A.AlterAction("add_constraint", constraint=A.TableConstraint("unique", "uq", ("a",)))),
    ("DROP CONSTRAINT uq", A.AlterAction("drop_constraint", "uq")),
    ("DROP CONSTRAINT IF EXISTS uq", A.AlterAction("drop_constraint", "uq", if_exists=True)),
])
def test_alter_table_actions(action, expected):
    assert parse(f"ALTER TABLE t {action}") == A.AlterTable("t", (expected,))


def test_alter_table_several_actions():
    tree = parse("ALTER TABLE IF EXISTS t ADD COLUMN c INT, DROP COLUMN d")
    assert tree == A.AlterTable("t", (
        A.AlterAction("add_column", "c", column_def=column("c", typ("INT"))),
        A.AlterAction("drop_column", "d")), if_exists=True)


def test_create_and_drop_index():
    assert parse("CREATE INDEX ix ON t (a)") == A.CreateIndex("ix", "t", ((a, False),), False, False)
    assert parse("CREATE UNIQUE INDEX IF NOT EXISTS ix ON t (a DESC, b ASC)") == A.CreateIndex(
        "ix", "t", ((a, True), (b_, False)), True, True)
    assert parse("CREATE INDEX ix ON t (address.city)").columns == ((col("address", "city"), False),)
    assert parse("DROP INDEX ix") == A.DropIndex("ix", False)
    assert parse("DROP INDEX IF EXISTS ix") == A.DropIndex("ix", True)
    assert parse("DROP INDEX ix ON t") == A.DropIndex("ix", False, "t")


# ----------------------------------------------------------------- transactions and EXPLAIN


@pytest.mark.parametrize("sql, expected", [
    ("BEGIN", A.Begin()),
    ("BEGIN TRANSACTION", A.Begin()),
    ("begin work", A.Begin()),
    ("START TRANSACTION", A.Begin()),
    ("COMMIT", A.Commit()),
    ("COMMIT WORK", A.Commit()),
    ("END", A.Commit()),
    ("ROLLBACK", A.Rollback()),
    ("ROLLBACK TRANSACTION", A.Rollback()),
    ("ROLLBACK TO SAVEPOINT s", A.Rollback("s")),
    ("SAVEPOINT s", A.Savepoint("s")),
    ("RELEASE SAVEPOINT s", A.ReleaseSavepoint("s")),
])
def test_transaction_statements(sql, expected):
    assert parse(sql) == expected


def test_explain():
    assert parse("EXPLAIN SELECT a FROM t") == A.Explain(select([item(a)]))


# ----------------------------------------------------------------- relational syntax (parse only)


def test_joins():
    tree = parse("SELECT a FROM t JOIN u ON t.id = u.tid LEFT JOIN v USING (id) "
                 "LEFT OUTER JOIN w x ON 1 = 1 RIGHT JOIN y ON 1 = 1 FULL OUTER JOIN z ON 1 = 1 CROSS JOIN q")
    on1 = b("=", one, one)
    inner = A.Join("inner", A.TableRef("t", None), A.TableRef("u", None), b("=", col("t", "id"), col("u", "tid")))
    left = A.Join("left", inner, A.TableRef("v", None), None, ("id",))
    left2 = A.Join("left", left, A.TableRef("w", "x"), on1)
    right = A.Join("right", left2, A.TableRef("y", None), on1)
    full = A.Join("full", right, A.TableRef("z", None), on1)
    assert tree.body.from_ == (A.Join("cross", full, A.TableRef("q", None), None),)


@pytest.mark.parametrize("sql", [
    "SELECT a FROM t LEFT JOIN u ON t.x = u.x",
    "SELECT a FROM t x LEFT JOIN u ON t.x = u.x",
    "SELECT a FROM t AS x LEFT OUTER JOIN u ON t.x = u.x",
])
def test_left_join_after_a_table_is_not_an_alias(sql):
    # regression: LEFT/RIGHT used to be taken as the alias of t, silently making an inner join
    join = parse(sql).body.from_[0]
    assert isinstance(join, A.Join) and join.kind == "left"
    assert join.left.alias in (None, "x")


def test_left_and_right_are_still_names_elsewhere():
    assert parse("SELECT a FROM t AS left").body.from_ == (A.TableRef("t", "left"),)
    assert expr_of("right(b, 2)") == func("right", b_, two)


def test_comma_join_natural_join_and_self_join():
    assert parse("SELECT a FROM t, u WHERE t.a = u.a").body.from_ == (A.TableRef("t", None), A.TableRef("u", None))
    assert parse("SELECT a FROM t NATURAL JOIN u").body.from_ == (
        A.Join("inner", A.TableRef("t", None), A.TableRef("u", None), None, natural=True),)
    assert parse("SELECT x.a FROM t x JOIN t y ON x.p = y.id").body.from_ == (
        A.Join("inner", A.TableRef("t", "x"), A.TableRef("t", "y"), b("=", col("x", "p"), col("y", "id"))),)


def test_subqueries():
    inner = sub("SELECT b FROM u")
    assert where_of("a IN (SELECT b FROM u)") == A.InSubquery(a, inner, False)
    assert where_of("a NOT IN (SELECT b FROM u)") == A.InSubquery(a, inner, True)
    assert where_of("EXISTS (SELECT b FROM u)") == A.Exists(inner)
    assert where_of("NOT EXISTS (SELECT b FROM u)") == A.Unary("not", A.Exists(inner))
    assert where_of("a > ANY (SELECT b FROM u)") == A.Quantified(">", "any", a, inner)
    assert where_of("a = SOME (SELECT b FROM u)") == A.Quantified("=", "any", a, inner)
    assert where_of("a <> ALL (SELECT b FROM u)") == A.Quantified("<>", "all", a, inner)
    assert where_of("a = (SELECT b FROM u)") == b("=", a, A.ScalarSubquery(inner))
    assert parse("SELECT s.b FROM (SELECT b FROM u) AS s").body.from_ == (A.DerivedTable(inner, "s", ()),)
    assert parse("SELECT s.x FROM (SELECT b FROM u) s (x)").body.from_ == (A.DerivedTable(inner, "s", ("x",)),)


def test_set_operations():
    ta, ub, vc = (core([item(a)], from_=("t",)), core([item(b_)], from_=("u",)), core([item(c)], from_=("v",)))
    tree = parse("SELECT a FROM t UNION SELECT b FROM u UNION ALL SELECT c FROM v ORDER BY 1 LIMIT 2")
    assert tree == A.Select(
        A.SetOperation("union", True, A.SetOperation("union", False, ta, ub), vc),
        order_by=(A.OrderItem(one, False, None),), limit=two)
    # INTERSECT binds tighter than UNION and EXCEPT
    tree = parse("SELECT a FROM t EXCEPT SELECT b FROM u INTERSECT SELECT c FROM v")
    assert tree.body == A.SetOperation("except", False, ta, A.SetOperation("intersect", False, ub, vc))


def test_with_clauses():
    tree = parse("WITH x AS (SELECT 1 AS a), y (b) AS (SELECT 2) SELECT * FROM x")
    assert tree.with_ == (
        A.CommonTable("x", (), A.Select(core([item(one, "a")], from_=()))),
        A.CommonTable("y", ("b",), A.Select(core([item(two)], from_=()))),
    )
    assert tree.recursive is False
    assert parse("WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r").recursive is True


def test_window_functions():
    assert expr_of("row_number() OVER (PARTITION BY a ORDER BY b DESC "
                   "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)") == A.Func(
        "row_number", (), over=A.WindowSpec((a,), (A.OrderItem(b_, True, None),),
                                            ("rows", ("unbounded_preceding", None), ("current_row", None))))
    assert expr_of("sum(a) OVER ()") == A.Func("sum", (a,), over=A.WindowSpec((), (), None))
    assert expr_of("lag(a, 1) OVER (ORDER BY b RANGE 2 PRECEDING)") == A.Func(
        "lag", (a, one), over=A.WindowSpec((), (A.OrderItem(b_, False, None),),
                                           ("range", ("preceding", two), ("current_row", None))))


@pytest.mark.parametrize("sql, what, line, column", [
    ("SELECT a FROM t WINDOW w AS (ORDER BY a)", "WINDOW clause", 1, 17),
    ("SELECT sum(a) OVER w FROM t", "named windows", 1, 15),
])
def test_named_windows_are_not_supported(sql, what, line, column):
    with pytest.raises(NotSupportedError) as info:
        parse(sql)
    assert what in str(info.value) and f"line {line}, column {column}" in str(info.value)


@pytest.mark.parametrize("sql, what, line, column", [
    ("CREATE VIEW v AS SELECT a FROM t", "CREATE VIEW", 1, 1),
    ("create or replace view v as select 1", "CREATE OR REPLACE VIEW", 1, 1),
    ("  TRUNCATE t", "TRUNCATE", 1, 3),
    ("SELECT a FROM t\nWHERE a > 1 FOR UPDATE", "SELECT ... FOR UPDATE", 2, 13),
    ("SELECT a FROM t FOR SHARE", "SELECT ... FOR SHARE", 1, 17),
    ("GRANT SELECT ON t TO u", "GRANT", 1, 1),
    ("SELECT 1 FROM a JOIN (b JOIN c ON b.x = c.x) ON a.x = b.x", "a parenthesised join or table reference in FROM",
     1, 22),
])
def test_statements_we_do_not_support_yet_are_named(sql, what, line, column):
    with pytest.raises(NotSupportedError) as info:
        parse(sql)
    assert str(info.value) == f"{what} is not supported (line {line}, column {column})"


def test_malformed_text_is_still_a_syntax_error_near_unsupported_words():
    with pytest.raises(ProgrammingError, match="syntax error at line 1, column 10: unexpected 'FOR'"):
        parse("SELECT 1 FOR")
    with pytest.raises(ProgrammingError, match="syntax error"):
        parse("CREAT VIEW v AS SELECT 1")


# ----------------------------------------------------------------- syntax errors


@pytest.mark.parametrize("sql, line, column, what", [
    ("selec a from t", 1, 1, "unexpected 'selec'"),
    ("SELECT a FROM", 1, 14, "unexpected end of statement"),
    ("SELECT a FROM t WHERE", 1, 22, "unexpected end of statement"),
    ("SELECT a,\n  b\nFROM t WHERE )", 3, 14, "unexpected ')'"),
    ("SELECT a\nFROM t\nWHERE a = 1 AND\n  b = ?", 4, 7, "unexpected character '?'"),
    ("SELECT a FROM t WHERE a = 1 @ 2", 1, 29, "unexpected character '@'"),
    ("SELECT a FROM t WHERE a = 'abc", 1, 27, "unexpected character"),
    ("SELECT * FROM t WHERE a IN ()", 1, 29, "unexpected ')'"),
    ("SELECT a FROM t WHERE a = = 1", 1, 27, "unexpected '='"),
    ("INSERT INTO t VALUES", 1, 21, "unexpected end of statement"),
    ("CREATE TABLE t (a INT,)", 1, 23, "unexpected ')'"),
    ("SELECT 1; SELECT 2", 1, 11, "unexpected 'SELECT'"),  # one statement per execute()
    ("SELECT a\nFROM t\nORDER a", 3, 7, "unexpected 'a'"),
    ("", 1, 1, "unexpected end of statement"),
])
def test_syntax_errors_point_at_the_problem(sql, line, column, what):
    with pytest.raises(ProgrammingError) as info:
        parse(sql)
    error = info.value
    assert isinstance(error, mongodbapi.ProgrammingError)
    assert (error.line, error.column) == (line, column)
    message = str(error)
    assert message.startswith(f"syntax error at line {line}, column {column}: {what}")
    # a caret excerpt: the offending line, then a caret under the column
    source_line = (sql.splitlines() or [""])[line - 1]
    assert message.endswith(f"\n{source_line}\n{' ' * (column - 1)}^")
    # Lark's exception is not chained: users see only the driver's error
    assert error.__cause__ is None and error.__suppress_context__


# ----------------------------------------------------------------- the parse cache


def test_same_text_returns_the_identical_tree():
    sql = "SELECT a, b FROM cache_probe WHERE a > %s ORDER BY b"
    first = parse(sql, True)
    assert parse(sql, True) is first
    # the cache key includes whether parameters are given (it changes what '%%' means)
    assert parse(sql, False) == first
    assert parse(sql, False) is not first


def test_trees_are_immutable():
    tree = parse("SELECT a FROM t")
    with pytest.raises(AttributeError):
        tree.limit = lit(1)  # type: ignore[misc]


def test_positions_are_recorded_but_ignored_by_equality():
    tree = parse("SELECT a,\n       b + 1 FROM t\nWHERE c = 2")
    assert tree.body.items[1].expr.pos == (2, 8)
    assert tree.body.where.pos == (3, 7)
    assert tree.body.where.right.pos == (3, 11)
    assert A.Column(("a",), pos=(9, 9)) == A.Column(("a",), pos=(1, 1))
