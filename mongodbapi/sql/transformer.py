"""Turns Lark's parse tree into the typed syntax tree of :mod:`mongodbapi.sql.ast`.

The transformer runs inline while the LALR parser reduces, so no intermediate tree is built.
It only builds nodes: names are resolved later, by the binder.
"""

from __future__ import annotations

import threading
from typing import Any

from lark import Token, Transformer

from . import ast

class _State(threading.local):
    def __init__(self) -> None:
        self.positional = 0
        self.named = False
        self.unescape_percent = False


def _pos_of(children: Any) -> ast.Pos:
    """Line and column of the first token under ``children``."""
    for child in children:
        if isinstance(child, Token):
            return (child.line or 0, child.column or 0)
        pos = getattr(child, "pos", None)
        if pos and pos != (0, 0):
            return pos
        if isinstance(child, (list, tuple)):
            found = _pos_of(child)
            if found != (0, 0):
                return found
    return (0, 0)


def _has(children: Any, token_type: str) -> bool:
    return any(isinstance(c, Token) and c.type == token_type for c in children)


def _nodes(children: Any, cls: Any = ast.Node) -> list[Any]:
    return [c for c in children if isinstance(c, cls)]


def _unquote_identifier(token: Token) -> str:
    text = str(token)
    if token.type == "QUOTED_NAME":
        return text[1:-1].replace('""', '"')
    if token.type == "BACKTICK_NAME":
        return text[1:-1]
    return text


class _Name(str):
    """An identifier, remembering where it stood and whether it was quoted."""

    pos: ast.Pos = (0, 0)
    quoted: bool = False


class SQLTransformer(Transformer):
    """Builds :mod:`ast` nodes; one instance serves every parse (state is thread-local)."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.state = _State()

    def reset(self, unescape_percent: bool) -> None:
        self.state.positional = 0
        self.state.named = False
        self.state.unescape_percent = unescape_percent

    # ------------------------------------------------------------- names and literals

    def ident(self, children: list[Token]) -> _Name:
        token = children[0]
        # Case is kept as written: MongoDB field names are case-sensitive, and the binder
        # matches unquoted names case-insensitively when there is no exact match.
        quoted = token.type in ("QUOTED_NAME", "BACKTICK_NAME")
        text = _unquote_identifier(token)
        if quoted and self.state.unescape_percent:
            text = text.replace("%%", "%")  # as in string literals: with parameters, %% is a literal %
        result = _Name(text)
        result.pos = (token.line, token.column)
        result.quoted = quoted
        return result

    soft_keyword = ident  # LEFT, RIGHT, WINDOW, GENERATED where they name a column or function

    def alias(self, children: list[Any]) -> str:
        child = children[0]
        if isinstance(child, Token):  # a string literal used as an alias
            return self._string_value(child)
        return child

    def table_name(self, children: list[_Name]) -> _Name:
        return children[-1]  # a schema qualifier names the database, which the connection fixes

    def column_ref(self, children: list[_Name]) -> ast.Column:
        parts: list[str] = []
        for part in children:
            # "address.city" quoted as one identifier still addresses an embedded field
            parts.extend(part.split(".") if part.quoted and "." in part else [str(part)])
        return ast.Column(tuple(parts), pos=children[0].pos)

    def column_names(self, children: list[_Name]) -> tuple[str, ...]:
        return tuple(str(c) for c in children)

    def _string_value(self, token: Token) -> str:
        text = str(token)[1:-1].replace("''", "'")
        if self.state.unescape_percent:
            text = text.replace("%%", "%")
        return text

    def number(self, children: list[Token]) -> ast.Literal:
        text = str(children[0])
        pos = (children[0].line, children[0].column)
        if any(c in text for c in ".eE"):
            return ast.Literal(float(text), "real", pos=pos)
        return ast.Literal(int(text), "integer", pos=pos)

    def string(self, children: list[Token]) -> ast.Literal:
        token = children[0]
        return ast.Literal(self._string_value(token), "text", pos=(token.line, token.column))

    def null(self, children: list[Token]) -> ast.Literal:
        return ast.Literal(None, "null", pos=_pos_of(children))

    def true(self, children: list[Token]) -> ast.Literal:
        return ast.Literal(True, "boolean", pos=_pos_of(children))

    def false(self, children: list[Token]) -> ast.Literal:
        return ast.Literal(False, "boolean", pos=_pos_of(children))

    def typed_literal(self, children: list[Token]) -> ast.Cast:
        kind = children[0].type
        value = ast.Literal(self._string_value(children[1]), "text", pos=_pos_of(children[1:]))
        return ast.Cast(value, ast.TypeName(kind), pos=_pos_of(children))

    def interval(self, children: list[Any]) -> ast.Cast:
        """``INTERVAL '1 day'`` and the standard's ``INTERVAL '1' DAY``: the text cast to INTERVAL."""
        unit = str(children[2]) if len(children) > 2 else ""
        text = self._string_value(children[1])
        value = ast.Literal(f"{text} {unit}".strip(), "text", pos=_pos_of(children[1:]))
        return ast.Cast(value, ast.TypeName("INTERVAL"), pos=_pos_of(children))

    def signed_number(self, children: list[Token]) -> ast.Literal:
        literal = self.number(children)
        return ast.Literal(-literal.value, literal.kind, pos=literal.pos)

    def param(self, children: list[Token]) -> ast.Param:
        token = children[0]
        pos = (token.line, token.column)
        text = str(token)
        if text == "%s":
            if self.state.named:
                raise _MixedPlaceholders(pos)
            key: Any = self.state.positional
            self.state.positional += 1
        else:
            if self.state.positional:
                raise _MixedPlaceholders(pos)
            self.state.named = True
            key = text[2:-2]
        return ast.Param(key, pos=pos)

    # ------------------------------------------------------------- expressions

    def _binary(op: str):  # noqa: N805 - a factory for the methods below
        def build(self: "SQLTransformer", children: list[Any]) -> ast.Binary:
            operands = _nodes(children, ast.Expr)
            return ast.Binary(op, operands[0], operands[1], pos=_pos_of(children))
        return build

    add = _binary("+")
    sub = _binary("-")
    mul = _binary("*")
    div = _binary("/")
    mod = _binary("%")
    concat = _binary("||")
    bit_and = _binary("&")
    bit_or = _binary("|")
    bit_xor = _binary("#")
    shift_left = _binary("<<")
    shift_right = _binary(">>")
    and_ = _binary("and")
    or_ = _binary("or")
    del _binary

    def not_(self, children: list[Any]) -> ast.Unary:
        return ast.Unary("not", children[-1], pos=_pos_of(children))

    def neg(self, children: list[Any]) -> ast.Expr:
        operand = children[-1]
        if isinstance(operand, ast.Literal) and operand.kind in ("integer", "real"):
            return ast.Literal(-operand.value, operand.kind, pos=operand.pos)
        return ast.Unary("-", operand, pos=_pos_of(children))

    def bit_not(self, children: list[Any]) -> ast.Unary:
        return ast.Unary("~", children[-1], pos=_pos_of(children))

    def pos(self, children: list[Any]) -> ast.Unary:
        return ast.Unary("+", children[-1], pos=_pos_of(children))

    def comp_op(self, children: list[Token]) -> str:
        op = str(children[0])
        return {"==": "=", "!=": "<>"}.get(op, op)

    def comparison(self, children: list[Any]) -> ast.Binary:
        left, op, right = children
        return ast.Binary(op, left, right, pos=_pos_of(children))

    def quantifier(self, children: list[Token]) -> str:
        word = str(children[0]).lower()
        return "any" if word == "some" else word

    def quantified(self, children: list[Any]) -> ast.Quantified:
        left, op, quantifier, query = children
        return ast.Quantified(op, quantifier, left, query, pos=_pos_of(children))

    def is_null(self, children: list[Any]) -> ast.IsNull:
        return ast.IsNull(children[0], _has(children, "NOT"), pos=_pos_of(children))

    def is_bool(self, children: list[Any]) -> ast.IsBool:
        return ast.IsBool(children[0], _has(children, "TRUE"), _has(children, "NOT"), pos=_pos_of(children))

    def is_distinct(self, children: list[Any]) -> ast.IsDistinct:
        left, right = _nodes(children, ast.Expr)
        return ast.IsDistinct(left, right, _has(children, "NOT"), pos=_pos_of(children))

    def in_list(self, children: list[Any]) -> ast.InList:
        operand, *items = _nodes(children, ast.Expr)
        return ast.InList(operand, tuple(items), _has(children, "NOT"), pos=_pos_of(children))

    def in_subquery(self, children: list[Any]) -> ast.InSubquery:
        operand = children[0]
        return ast.InSubquery(operand, children[-1], _has(children, "NOT"), pos=_pos_of(children))

    def between(self, children: list[Any]) -> ast.Between:
        operand, low, high = _nodes(children, ast.Expr)
        return ast.Between(operand, low, high, _has(children, "NOT"), pos=_pos_of(children))

    def like_op(self, children: list[Token]) -> str:
        return str(children[0]).upper()

    def like(self, children: list[Any]) -> ast.Like:
        operand = children[0]
        op = next(c for c in children if isinstance(c, str) and c in ("LIKE", "ILIKE"))
        exprs = _nodes(children[1:], ast.Expr)
        escape = exprs[1] if len(exprs) > 1 else None
        return ast.Like(operand, exprs[0], escape, _has(children, "NOT"), op == "ILIKE", pos=_pos_of(children))

    def regex_op(self, children: list[Token]) -> str:
        return str(children[0]).upper()

    def regex_match(self, children: list[Any]) -> ast.RegexMatch:
        operand, op, pattern = children
        return ast.RegexMatch(operand, pattern, op.startswith("!"), op.endswith("*"), pos=_pos_of(children))

    def exists(self, children: list[Any]) -> ast.Exists:
        return ast.Exists(children[-1], pos=_pos_of(children))

    def scalar_subquery(self, children: list[Any]) -> ast.ScalarSubquery:
        return ast.ScalarSubquery(children[0], pos=children[0].pos)

    def row_value(self, children: list[Any]) -> ast.RowValue:
        return ast.RowValue(tuple(children), pos=_pos_of(children))

    def subscript_member(self, children: list[Any]) -> ast.Expr:
        node: ast.Expr = ast.Subscript(children[0], children[1], pos=_pos_of(children))
        for name in children[2:]:
            node = ast.Member(node, str(name), pos=name.pos)
        return node

    def at_time_zone(self, children: list[Any]) -> ast.Func:
        operand, zone = _nodes(children, ast.Expr)
        return ast.Func("timezone", (zone, operand), pos=_pos_of(children))

    def subscript(self, children: list[Any]) -> ast.Subscript:
        return ast.Subscript(children[0], children[1], pos=_pos_of(children))

    def collate(self, children: list[Any]) -> ast.Expr:
        return children[0]  # collations are not applied: MongoDB compares by code point here

    def pg_cast(self, children: list[Any]) -> ast.Cast:
        return ast.Cast(children[0], children[1], pos=_pos_of(children))

    def cast(self, children: list[Any]) -> ast.Cast:
        exprs = _nodes(children, ast.Expr)
        return ast.Cast(exprs[0], _nodes(children, ast.TypeName)[0], pos=_pos_of(children))

    def extract(self, children: list[Any]) -> ast.Func:
        field = next(c for c in children if isinstance(c, _Name))
        operand = _nodes(children, ast.Expr)[0]
        return ast.Func("extract", (ast.Literal(str(field).lower(), "text"), operand), pos=_pos_of(children))

    def position(self, children: list[Any]) -> ast.Func:
        needle, haystack = _nodes(children, ast.Expr)
        return ast.Func("position", (needle, haystack), pos=_pos_of(children))

    def substring_from(self, children: list[Any]) -> ast.Func:
        return ast.Func("substring", tuple(_nodes(children, ast.Expr)), pos=_pos_of(children))

    def substring_call(self, children: list[Any]) -> ast.Func:
        return ast.Func("substring", tuple(_nodes(children, ast.Expr)), pos=_pos_of(children))

    def trim_call(self, children: list[Any]) -> ast.Func:
        return ast.Func("trim", tuple(_nodes(children, ast.Expr)), pos=_pos_of(children))

    def trim_spec(self, children: list[Token]) -> str:
        return str(children[0]).lower()

    def trim_from(self, children: list[Any]) -> ast.Func:
        spec = next((c for c in children if isinstance(c, str) and not isinstance(c, Token)), "both")
        exprs = _nodes(children, ast.Expr)
        name = {"both": "trim", "leading": "ltrim", "trailing": "rtrim"}[spec]
        args = (exprs[-1],) if len(exprs) == 1 else (exprs[1], exprs[0])
        return ast.Func(name, args, pos=_pos_of(children))

    def _niladic(name: str):  # noqa: N805
        def build(self: "SQLTransformer", children: list[Any]) -> ast.Func:
            return ast.Func(name, (), pos=_pos_of(children))
        return build

    current_date = _niladic("current_date")
    current_timestamp = _niladic("current_timestamp")
    current_time = _niladic("current_time")
    del _niladic

    def when_clause(self, children: list[Any]) -> tuple[ast.Expr, ast.Expr]:
        condition, result = _nodes(children, ast.Expr)
        return (condition, result)

    def case_expr(self, children: list[Any]) -> ast.Case:
        operand = None
        whens: list[tuple[ast.Expr, ast.Expr]] = []
        else_ = None
        seen_else = False
        for child in children[1:]:
            if isinstance(child, Token):
                seen_else = seen_else or child.type == "ELSE"
            elif isinstance(child, tuple):
                whens.append(child)
            elif seen_else:
                else_ = child
            elif not whens:
                operand = child
        return ast.Case(operand, tuple(whens), else_, pos=_pos_of(children))

    def star_arg(self, children: list[Any]) -> dict[str, Any]:
        return {"star": True, "args": (), "distinct": False, "order": ()}

    def expr_args(self, children: list[Any]) -> dict[str, Any]:
        order = next((c for c in children if isinstance(c, tuple) and c and isinstance(c[0], ast.OrderItem)), ())
        return {"star": False, "args": tuple(_nodes(children, ast.Expr)), "distinct": "distinct" in children,
                "order": order}

    def filter_clause(self, children: list[Any]) -> tuple[str, ast.Expr]:
        return ("filter", _nodes(children, ast.Expr)[0])

    def function_call(self, children: list[Any]) -> ast.Func:
        name = str(children[0]).lower()
        args: dict[str, Any] = {"star": False, "args": (), "distinct": False}
        filter_ = over = None
        for child in children[1:]:
            if isinstance(child, dict):
                args = child
            elif isinstance(child, tuple) and child and child[0] == "filter":
                filter_ = child[1]
            elif isinstance(child, ast.WindowSpec):
                over = child
        return ast.Func(name, args["args"], args["distinct"], args["star"], filter_, over, pos=children[0].pos)

    def over_clause(self, children: list[Any]) -> ast.WindowSpec:
        return _nodes(children, ast.WindowSpec)[0]

    def over_named(self, children: list[Any]) -> ast.WindowSpec:
        raise _Unsupported("named windows (OVER name)", _pos_of(children))

    def window_spec(self, children: list[Any]) -> ast.WindowSpec:
        if children and isinstance(children[0], _Name):
            raise _Unsupported("named windows", children[0].pos)
        partition = _nodes(children, ast.Expr)
        order = next((c for c in children if isinstance(c, tuple) and c and isinstance(c[0], ast.OrderItem)), ())
        frame = next((c[1:] for c in children if isinstance(c, tuple) and c and c[0] == "frame"), None)
        return ast.WindowSpec(tuple(partition), order, frame, pos=_pos_of(children))

    def frame_clause(self, children: list[Any]) -> tuple[Any, ...]:
        unit = str(children[0]).lower()
        bounds = [c for c in children[1:] if isinstance(c, tuple)]
        end = bounds[1] if len(bounds) > 1 else ("current_row", None)
        return ("frame", unit, bounds[0], end)

    def unbounded_preceding(self, children: list[Any]) -> tuple[str, None]:
        return ("unbounded_preceding", None)

    def unbounded_following(self, children: list[Any]) -> tuple[str, None]:
        return ("unbounded_following", None)

    def current_row(self, children: list[Any]) -> tuple[str, None]:
        return ("current_row", None)

    def preceding(self, children: list[Any]) -> tuple[str, Any]:
        return ("preceding", children[0])

    def following(self, children: list[Any]) -> tuple[str, Any]:
        return ("following", children[0])

    # ------------------------------------------------------------- types

    def type_name(self, children: list[Any]) -> str:
        return " ".join(str(c).upper() for c in children)

    def double_precision(self, children: list[Any]) -> str:
        return "DOUBLE PRECISION"

    def timestamp_tz(self, children: list[Any]) -> str:
        return "TIMESTAMPTZ" if _has(children, "WITH") else "TIMESTAMP"

    def time_tz(self, children: list[Any]) -> str:
        return "TIME"

    def varchar_long(self, children: list[Any]) -> str:
        return "VARCHAR"

    def type_params(self, children: list[Token]) -> tuple[int, ...]:
        return tuple(int(str(c)) for c in children)

    def array_suffix(self, children: list[Any]) -> bool:
        return True

    def data_type(self, children: list[Any]) -> ast.TypeName:
        params = next((c for c in children[1:] if isinstance(c, tuple)), ())
        return ast.TypeName(children[0], params, True in children[1:], pos=_pos_of(children))

    # ------------------------------------------------------------- SELECT

    def select_expr(self, children: list[Any]) -> ast.SelectItem:
        expr = children[0]
        alias = children[-1] if len(children) > 1 and isinstance(children[-1], str) and not isinstance(children[-1], Token) else None
        return ast.SelectItem(expr, str(alias) if alias is not None else None, pos=getattr(expr, "pos", (0, 0)))

    def select_star(self, children: list[Any]) -> ast.Star:
        return ast.Star(None)

    def select_table_star(self, children: list[Any]) -> ast.Star:
        return ast.Star(str(children[0]), pos=children[0].pos)

    def select_list(self, children: list[Any]) -> tuple[ast.Node, ...]:
        return tuple(children)

    def distinct(self, children: list[Token]) -> str:
        return "distinct" if children[0].type == "DISTINCT" else "all"

    def from_clause(self, children: list[Any]) -> tuple[ast.Node, ...]:
        return tuple(_nodes(children))

    def where_clause(self, children: list[Any]) -> tuple[str, ast.Expr]:
        return ("where", children[-1])

    def group_by(self, children: list[Any]) -> tuple[str, tuple[ast.Expr, ...]]:
        return ("group_by", tuple(_nodes(children, ast.Expr)))

    def having(self, children: list[Any]) -> tuple[str, ast.Expr]:
        return ("having", children[-1])

    def window_clause(self, children: list[Any]) -> None:
        raise _Unsupported("the WINDOW clause", _pos_of(children))

    def select_core(self, children: list[Any]) -> ast.SelectCore:
        parts = {c[0]: c[1] for c in children if isinstance(c, tuple) and c and isinstance(c[0], str)
                 and c[0] in ("where", "group_by", "having")}
        items = next(c for c in children if isinstance(c, tuple) and c and isinstance(c[0], (ast.SelectItem, ast.Star)))
        from_ = next((c for c in children if isinstance(c, tuple) and c and not isinstance(c[0], (str, ast.SelectItem, ast.Star))), ())
        return ast.SelectCore("distinct" in children, items, from_, parts.get("where"),
                              parts.get("group_by", ()), parts.get("having"), pos=_pos_of(children))

    def table(self, children: list[Any]) -> ast.TableRef:
        names = [c for c in children if isinstance(c, _Name)]
        return ast.TableRef(str(names[0]), str(names[1]) if len(names) > 1 else None, pos=names[0].pos)

    def derived_table(self, children: list[Any]) -> ast.DerivedTable:
        query = _nodes(children, ast.Select)[0]
        # PostgreSQL 16 allows a subquery in FROM without an alias; it gets a name of its own
        alias = next((c for c in children if isinstance(c, _Name)), f"subquery_{query.pos[0]}_{query.pos[1]}")
        columns = next((c for c in children if isinstance(c, tuple)), ())
        return ast.DerivedTable(query, str(alias), columns, pos=query.pos)

    def join_type(self, children: list[Token]) -> str:
        return str(children[0]).lower()

    def join_on(self, children: list[Any]) -> tuple[str, Any]:
        return ("on", children[-1])

    def join_using(self, children: list[Any]) -> tuple[str, Any]:
        return ("using", tuple(str(c) for c in children if isinstance(c, _Name)))

    def join(self, children: list[Any]) -> ast.Join:
        left, right = _nodes(children)[:2]
        kind = next((c for c in children if isinstance(c, str) and not isinstance(c, Token)), "inner")
        spec = next((c for c in children if isinstance(c, tuple)), None)
        on = spec[1] if spec and spec[0] == "on" else None
        using = spec[1] if spec and spec[0] == "using" else ()
        if spec is None and kind != "inner":
            raise _Unsupported(f"{kind.upper()} JOIN without ON or USING", _pos_of(children))
        return ast.Join(kind if spec else "cross", left, right, on, using, pos=_pos_of(children))

    def cross_join(self, children: list[Any]) -> ast.Join:
        left, right = _nodes(children)[:2]
        return ast.Join("cross", left, right, None, pos=_pos_of(children))

    def natural_join(self, children: list[Any]) -> ast.Join:
        left, right = _nodes(children)[:2]
        kind = next((c for c in children if isinstance(c, str) and not isinstance(c, Token)), "inner")
        return ast.Join(kind, left, right, None, natural=True, pos=_pos_of(children))

    def direction(self, children: list[Token]) -> str:
        return children[0].type.lower()

    def nulls_order(self, children: list[Token]) -> tuple[str, bool]:
        return ("nulls", children[1].type == "FIRST")

    def order_item(self, children: list[Any]) -> ast.OrderItem:
        descending = "desc" in children[1:]
        nulls = next((c[1] for c in children[1:] if isinstance(c, tuple)), None)
        return ast.OrderItem(children[0], descending, nulls, pos=getattr(children[0], "pos", (0, 0)))

    def order_by(self, children: list[Any]) -> tuple[ast.OrderItem, ...]:
        return tuple(_nodes(children, ast.OrderItem))

    def fetch_first(self, children: list[Any]) -> tuple[str, Any]:
        exprs = _nodes(children, ast.Expr)
        return ("fetch", exprs[0] if exprs else ast.Literal(1, "integer"))

    def limit_offset(self, children: list[Any]) -> tuple[Any, Any]:
        exprs = _nodes(children, ast.Expr)
        return ("limit", exprs[0], exprs[1] if len(exprs) > 1 else None)

    def limit_comma(self, children: list[Any]) -> tuple[Any, Any]:
        offset, limit = _nodes(children, ast.Expr)  # MySQL/SQLite: LIMIT offset, count
        return ("limit", limit, offset)

    def offset_fetch(self, children: list[Any]) -> tuple[Any, Any]:
        offset = _nodes(children, ast.Expr)[0]
        fetch = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "fetch"), None)
        return ("limit", fetch, offset)

    def fetch_only(self, children: list[Any]) -> tuple[Any, Any]:
        return ("limit", children[0][1], None)

    def cte(self, children: list[Any]) -> ast.CommonTable:
        name = children[0]
        columns = next((c for c in children if isinstance(c, tuple)), ())
        return ast.CommonTable(str(name), columns, _nodes(children, ast.Select)[0], pos=name.pos)

    def with_clause(self, children: list[Any]) -> tuple[str, bool, tuple[ast.CommonTable, ...]]:
        return ("with", _has(children, "RECURSIVE"), tuple(_nodes(children, ast.CommonTable)))

    def _set_operation(op: str):  # noqa: N805
        def build(self: "SQLTransformer", children: list[Any]) -> ast.SetOperation:
            left, right = _nodes(children)
            return ast.SetOperation(op, _has(children, "ALL"), left, right, pos=_pos_of(children))
        return build

    def parenthesised_statement(self, children: list[Any]) -> ast.Select:
        """``(SELECT ...) [ORDER BY ...] [LIMIT ...]`` as a whole statement (what Django sends for a
        union whose other members are empty): the query in the parentheses, with the outer ORDER
        BY and LIMIT; when both levels have them, the inner query is a derived table."""
        inner = children[0]
        outer = self.select_stmt([inner.body] + children[1:])
        if not (outer.order_by or outer.limit is not None or outer.offset is not None):
            return inner
        if not (inner.order_by or inner.limit is not None or inner.offset is not None or inner.with_):
            return ast.Select(inner.body, outer.order_by, outer.limit, outer.offset, pos=inner.pos)
        derived = ast.DerivedTable(inner, f"subquery_{inner.pos[0]}_{inner.pos[1]}", (), pos=inner.pos)
        core = ast.SelectCore(False, (ast.Star(None),), (derived,), None, (), None, pos=inner.pos)
        return ast.Select(core, outer.order_by, outer.limit, outer.offset, pos=inner.pos)

    def paren_query(self, children: list[Any]) -> ast.Node:
        """A parenthesised member of a set operation: its own query when it has ORDER BY, LIMIT,
        OFFSET or WITH, else just its body (``(SELECT ...)`` means ``SELECT ...`` there)."""
        select = children[0]
        if select.order_by or select.limit is not None or select.offset is not None or select.with_:
            return select
        return select.body

    union = _set_operation("union")
    except_ = _set_operation("except")
    intersect = _set_operation("intersect")
    del _set_operation

    def select_stmt(self, children: list[Any]) -> ast.Select:
        with_ = next((c for c in children if isinstance(c, tuple) and c and c[0] == "with"), ("with", False, ()))
        body = next(c for c in children if isinstance(c, (ast.SelectCore, ast.SetOperation)))
        order = next((c for c in children if isinstance(c, tuple) and c and isinstance(c[0], ast.OrderItem)), ())
        limit = next((c for c in children if isinstance(c, tuple) and c and c[0] == "limit"), ("limit", None, None))
        return ast.Select(body, order, limit[1], limit[2], with_[2], with_[1], pos=_pos_of(children))

    # ------------------------------------------------------------- DML

    def default_value(self, children: list[Any]) -> ast.Default:
        return ast.Default(pos=_pos_of(children))

    def values_row(self, children: list[Any]) -> tuple[ast.Expr, ...]:
        return tuple(children)

    def insert_values(self, children: list[Any]) -> tuple[str, Any]:
        return ("rows", tuple(c for c in children if isinstance(c, tuple)))

    def insert_select(self, children: list[Any]) -> tuple[str, Any]:
        return ("query", children[0])

    def insert_defaults(self, children: list[Any]) -> tuple[str, Any]:
        return ("rows", ((),))

    def returning(self, children: list[Any]) -> tuple[str, Any]:
        return ("returning", children[-1])

    def on_conflict(self, children: list[Any]) -> tuple[str, bool]:
        return ("on_conflict", True)

    def on_conflict_update(self, children: list[Any]) -> tuple[str, ast.OnConflictUpdate]:
        target = next(c for c in children if isinstance(c, tuple) and all(isinstance(n, str) for n in c))
        where = next((c[1] for c in children if isinstance(c, tuple) and c and c[0] == "where"), None)
        return ("on_conflict_update", ast.OnConflictUpdate(target, tuple(_nodes(children, ast.Assignment)), where,
                                                          pos=_pos_of(children)))

    def insert_stmt(self, children: list[Any]) -> ast.Insert:
        table = next(c for c in children if isinstance(c, _Name))
        columns: tuple[str, ...] = ()
        rows: tuple[tuple[ast.Expr, ...], ...] = ()
        query = None
        conflict = None
        returning: tuple[ast.Node, ...] = ()
        for child in children:
            if isinstance(child, tuple) and child and child[0] == "rows":
                rows = child[1]
            elif isinstance(child, tuple) and child and child[0] == "query":
                query = child[1]
            elif isinstance(child, tuple) and child and child[0] == "returning":
                returning = child[1]
            elif isinstance(child, tuple) and child and child[0] == "on_conflict":
                continue
            elif isinstance(child, tuple) and child and child[0] == "on_conflict_update":
                conflict = child[1]
            elif isinstance(child, tuple) and all(isinstance(c, str) for c in child):
                columns = child
        ignore = any(isinstance(c, tuple) and c and c[0] == "on_conflict" for c in children)
        return ast.Insert(str(table), columns, rows, query, returning, ignore, conflict, pos=_pos_of(children))

    def assignment(self, children: list[Any]) -> ast.Assignment:
        value = children[-1] if isinstance(children[-1], ast.Expr) else ast.Default()
        return ast.Assignment(children[0], value, pos=children[0].pos)

    def update_stmt(self, children: list[Any]) -> ast.Update:
        names = [c for c in children if isinstance(c, _Name)]
        where = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "where"), None)
        returning = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "returning"), ())
        return ast.Update(str(names[0]), str(names[1]) if len(names) > 1 else None,
                          tuple(_nodes(children, ast.Assignment)), where, returning, pos=_pos_of(children))

    def delete_stmt(self, children: list[Any]) -> ast.Delete:
        names = [c for c in children if isinstance(c, _Name)]
        where = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "where"), None)
        returning = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "returning"), ())
        return ast.Delete(str(names[0]), str(names[1]) if len(names) > 1 else None, where, returning,
                          pos=_pos_of(children))

    # ------------------------------------------------------------- DDL

    def if_not_exists(self, children: list[Any]) -> str:
        return "if_not_exists"

    def if_exists(self, children: list[Any]) -> str:
        return "if_exists"

    def ref_effect(self, children: list[Token]) -> str:
        return " ".join(str(c).upper() for c in children)

    def ref_action(self, children: list[Any]) -> tuple[str, str] | None:
        if _has(children, "DELETE"):
            return ("on_delete", children[-1])
        return None

    def references(self, children: list[Any]) -> ast.References:
        table = next(c for c in children if isinstance(c, _Name))
        columns = next((c for c in children if isinstance(c, tuple) and all(isinstance(x, str) for x in c)
                        and not (c and c[0] == "on_delete")), ())
        on_delete = next((c[1] for c in children if isinstance(c, tuple) and c and c[0] == "on_delete"), None)
        return ast.References(str(table), columns, on_delete, pos=table.pos)

    def pk_constraint(self, children: list[Any]) -> dict[str, Any]:
        options = {"primary_key": True, "not_null": True}
        if "autoincrement" in children:  # absent: keep what an earlier AUTO_INCREMENT said
            options["autoincrement"] = True
        return options

    def autoincrement(self, children: list[Any]) -> str:
        return "autoincrement"

    def deferrable_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {}

    def not_null_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"not_null": True}

    def null_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {}

    def unique_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"unique": True}

    def default_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"default": children[-1]}

    def references_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"references": children[0]}

    def check_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"check": _nodes(children, ast.Expr)[0]}

    def autoincrement_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"autoincrement": True}

    def identity_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {"autoincrement": True, "not_null": True}

    def collate_constraint(self, children: list[Any]) -> dict[str, Any]:
        return {}

    def column_constraint(self, children: list[Any]) -> dict[str, Any]:
        return children[-1]

    def column_def(self, children: list[Any]) -> ast.ColumnDef:
        name = children[0]
        type_ = next((c for c in children if isinstance(c, ast.TypeName)), None)
        options: dict[str, Any] = {}
        for child in children:
            if isinstance(child, dict):
                options.update(child)
        if type_ is not None and type_.name in ("SERIAL", "BIGSERIAL", "SMALLSERIAL"):
            options["autoincrement"] = True
            options["not_null"] = True
            type_ = ast.TypeName({"SERIAL": "INTEGER", "BIGSERIAL": "BIGINT"}.get(type_.name, "SMALLINT"))
        return ast.ColumnDef(str(name), type_, pos=name.pos, **options)

    def pk_table_constraint(self, children: list[Any]) -> ast.TableConstraint:
        return ast.TableConstraint("primary_key", None, tuple(str(c) for c in children if isinstance(c, _Name)))

    def unique_table_constraint(self, children: list[Any]) -> ast.TableConstraint:
        return ast.TableConstraint("unique", None, tuple(str(c) for c in children if isinstance(c, _Name)))

    def fk_table_constraint(self, children: list[Any]) -> ast.TableConstraint:
        columns = next(c for c in children if isinstance(c, tuple))
        return ast.TableConstraint("foreign_key", None, columns, references=_nodes(children, ast.References)[0])

    def check_table_constraint(self, children: list[Any]) -> ast.TableConstraint:
        return ast.TableConstraint("check", None, check=_nodes(children, ast.Expr)[0])

    def table_constraint(self, children: list[Any]) -> ast.TableConstraint:
        constraint = _nodes(children, ast.TableConstraint)[0]
        name = next((str(c) for c in children if isinstance(c, _Name)), None)
        return ast.TableConstraint(constraint.kind, name, constraint.columns, constraint.references,
                                   constraint.check, pos=_pos_of(children))

    def create_table(self, children: list[Any]) -> ast.CreateTable:
        table = next(c for c in children if isinstance(c, _Name))
        return ast.CreateTable(str(table), "if_not_exists" in children, tuple(_nodes(children, ast.ColumnDef)),
                               tuple(_nodes(children, ast.TableConstraint)), pos=_pos_of(children))

    def drop_table(self, children: list[Any]) -> ast.DropTable:
        return ast.DropTable(tuple(str(c) for c in children if isinstance(c, _Name)), "if_exists" in children,
                             pos=_pos_of(children))

    def add_column(self, children: list[Any]) -> ast.AlterAction:
        column = _nodes(children, ast.ColumnDef)[0]
        return ast.AlterAction("add_column", column.name, column_def=column, if_exists="if_not_exists" in children)

    def drop_column(self, children: list[Any]) -> ast.AlterAction:
        name = next(c for c in children if isinstance(c, _Name))
        return ast.AlterAction("drop_column", str(name), if_exists="if_exists" in children)

    def rename_column(self, children: list[Any]) -> ast.AlterAction:
        old, new = [c for c in children if isinstance(c, _Name)]
        return ast.AlterAction("rename_column", str(old), new_name=str(new))

    def rename_table(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("rename_table", new_name=str(children[-1]))

    def set_type(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("set_type", type=_nodes(children, ast.TypeName)[0])

    def set_not_null(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("set_not_null")

    def drop_not_null(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("drop_not_null")

    def set_default(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("set_default", default=children[-1])

    def drop_default(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("drop_default")

    def restart(self, children: list[Any]) -> ast.AlterAction:
        numbers = [c for c in children if isinstance(c, Token) and c.type == "NUMBER"]
        start = int(str(numbers[0])) if numbers else 1
        return ast.AlterAction("restart", default=ast.Literal(start, "integer"))

    def add_identity(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("add_identity")

    def drop_identity(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("drop_identity", if_exists="if_exists" in children)

    def alter_column(self, children: list[Any]) -> ast.AlterAction:
        name = next(c for c in children if isinstance(c, _Name))
        action = children[-1]
        return ast.AlterAction(action.kind, str(name), type=action.type, default=action.default,
                               if_exists=action.if_exists)

    def add_constraint(self, children: list[Any]) -> ast.AlterAction:
        return ast.AlterAction("add_constraint", constraint=children[-1])

    def drop_constraint(self, children: list[Any]) -> ast.AlterAction:
        name = next(c for c in children if isinstance(c, _Name))
        return ast.AlterAction("drop_constraint", str(name), if_exists="if_exists" in children)

    def alter_table(self, children: list[Any]) -> ast.AlterTable:
        table = next(c for c in children if isinstance(c, _Name))
        return ast.AlterTable(str(table), tuple(_nodes(children, ast.AlterAction)), "if_exists" in children,
                              pos=_pos_of(children))

    def index_column(self, children: list[Any]) -> tuple[ast.Expr, bool]:
        return (children[0], "desc" in children[1:])

    def create_index(self, children: list[Any]) -> ast.CreateIndex:
        names = [c for c in children if isinstance(c, _Name)]
        columns = tuple(c for c in children if isinstance(c, tuple) and len(c) == 2 and isinstance(c[0], ast.Expr))
        where = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "where"), None)
        return ast.CreateIndex(str(names[0]), str(names[1]), columns, _has(children, "UNIQUE"),
                               "if_not_exists" in children, where, pos=_pos_of(children))

    def drop_index(self, children: list[Any]) -> ast.DropIndex:
        names = [str(c) for c in children if isinstance(c, _Name)]
        return ast.DropIndex(names[0], "if_exists" in children, names[1] if len(names) > 1 else None,
                             pos=_pos_of(children))

    # ------------------------------------------------------------- session control

    def begin_stmt(self, children: list[Any]) -> ast.Begin:
        return ast.Begin(pos=_pos_of(children))

    def commit_stmt(self, children: list[Any]) -> ast.Commit:
        return ast.Commit(pos=_pos_of(children))

    def rollback_stmt(self, children: list[Any]) -> ast.Rollback:
        name = next((str(c) for c in children if isinstance(c, _Name)), None)
        return ast.Rollback(name, pos=_pos_of(children))

    def savepoint_stmt(self, children: list[Any]) -> ast.Savepoint:
        return ast.Savepoint(str(children[-1]), pos=_pos_of(children))

    def release_stmt(self, children: list[Any]) -> ast.ReleaseSavepoint:
        return ast.ReleaseSavepoint(str(children[-1]), pos=_pos_of(children))

    def explain_stmt(self, children: list[Any]) -> ast.Explain:
        return ast.Explain(children[-1], pos=_pos_of(children))

    def call_stmt(self, children: list[Any]) -> None:
        raise _Unsupported("CALL (MongoDB has no stored procedures)", _pos_of(children))

    def start(self, children: list[Any]) -> ast.Node:
        return children[0]


class _MixedPlaceholders(Exception):
    def __init__(self, pos: ast.Pos) -> None:
        super().__init__(pos)
        self.pos = pos


class _Unsupported(Exception):
    def __init__(self, what: str, pos: ast.Pos) -> None:
        super().__init__(what)
        self.what = what
        self.pos = pos
