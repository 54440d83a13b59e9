"""SELECT: select lists, FROM and joins, WITH, set operations, ORDER BY and LIMIT.

Part of the inline transformer (:mod:`mongodbapi.sql.transformer`): each method builds the
node of the grammar rule it is named after.
"""

from __future__ import annotations

from typing import Any

from lark import Token

from .. import ast
from .common import Name, Unsupported, has_token, nodes_of, pos_of


class Queries:
    """The queries rules of ``grammar/sql.lark``."""

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
        return tuple(nodes_of(children))

    def where_clause(self, children: list[Any]) -> tuple[str, ast.Expr]:
        return ("where", children[-1])

    def group_by(self, children: list[Any]) -> tuple[str, tuple[ast.Expr, ...]]:
        return ("group_by", tuple(nodes_of(children, ast.Expr)))

    def having(self, children: list[Any]) -> tuple[str, ast.Expr]:
        return ("having", children[-1])

    def window_clause(self, children: list[Any]) -> None:
        raise Unsupported("the WINDOW clause", pos_of(children))

    def select_core(self, children: list[Any]) -> ast.SelectCore:
        parts = {c[0]: c[1] for c in children if isinstance(c, tuple) and c and isinstance(c[0], str)
                 and c[0] in ("where", "group_by", "having")}
        items = next(c for c in children if isinstance(c, tuple) and c and isinstance(c[0], (ast.SelectItem, ast.Star)))
        from_ = next((c for c in children if isinstance(c, tuple) and c and not isinstance(c[0], (str, ast.SelectItem, ast.Star))), ())
        return ast.SelectCore("distinct" in children, items, from_, parts.get("where"),
                              parts.get("group_by", ()), parts.get("having"), pos=pos_of(children))

    def table(self, children: list[Any]) -> ast.TableRef:
        names = [c for c in children if isinstance(c, Name)]
        return ast.TableRef(str(names[0]), str(names[1]) if len(names) > 1 else None, pos=names[0].pos)

    def derived_table(self, children: list[Any]) -> ast.DerivedTable:
        query = nodes_of(children, ast.Select)[0]
        # PostgreSQL 16 allows a subquery in FROM without an alias; it gets a name of its own
        alias = next((c for c in children if isinstance(c, Name)), f"subquery_{query.pos[0]}_{query.pos[1]}")
        columns = next((c for c in children if isinstance(c, tuple)), ())
        return ast.DerivedTable(query, str(alias), columns, pos=query.pos)

    def join_type(self, children: list[Token]) -> str:
        return str(children[0]).lower()

    def join_on(self, children: list[Any]) -> tuple[str, Any]:
        return ("on", children[-1])

    def join_using(self, children: list[Any]) -> tuple[str, Any]:
        return ("using", tuple(str(c) for c in children if isinstance(c, Name)))

    def join(self, children: list[Any]) -> ast.Join:
        left, right = nodes_of(children)[:2]
        kind = next((c for c in children if isinstance(c, str) and not isinstance(c, Token)), "inner")
        spec = next((c for c in children if isinstance(c, tuple)), None)
        on = spec[1] if spec and spec[0] == "on" else None
        using = spec[1] if spec and spec[0] == "using" else ()
        if spec is None and kind != "inner":
            raise Unsupported(f"{kind.upper()} JOIN without ON or USING", pos_of(children))
        return ast.Join(kind if spec else "cross", left, right, on, using, pos=pos_of(children))

    def cross_join(self, children: list[Any]) -> ast.Join:
        left, right = nodes_of(children)[:2]
        return ast.Join("cross", left, right, None, pos=pos_of(children))

    def natural_join(self, children: list[Any]) -> ast.Join:
        left, right = nodes_of(children)[:2]
        kind = next((c for c in children if isinstance(c, str) and not isinstance(c, Token)), "inner")
        return ast.Join(kind, left, right, None, natural=True, pos=pos_of(children))

    def direction(self, children: list[Token]) -> str:
        return children[0].type.lower()

    def nulls_order(self, children: list[Token]) -> tuple[str, bool]:
        return ("nulls", children[1].type == "FIRST")

    def order_item(self, children: list[Any]) -> ast.OrderItem:
        descending = "desc" in children[1:]
        nulls = next((c[1] for c in children[1:] if isinstance(c, tuple)), None)
        return ast.OrderItem(children[0], descending, nulls, pos=getattr(children[0], "pos", (0, 0)))

    def order_by(self, children: list[Any]) -> tuple[ast.OrderItem, ...]:
        return tuple(nodes_of(children, ast.OrderItem))

    def fetch_first(self, children: list[Any]) -> tuple[str, Any]:
        exprs = nodes_of(children, ast.Expr)
        return ("fetch", exprs[0] if exprs else ast.Literal(1, "integer"))

    def limit_offset(self, children: list[Any]) -> tuple[Any, Any]:
        exprs = nodes_of(children, ast.Expr)
        return ("limit", exprs[0], exprs[1] if len(exprs) > 1 else None)

    def limit_comma(self, children: list[Any]) -> tuple[Any, Any]:
        offset, limit = nodes_of(children, ast.Expr)  # MySQL/SQLite: LIMIT offset, count
        return ("limit", limit, offset)

    def offset_fetch(self, children: list[Any]) -> tuple[Any, Any]:
        offset = nodes_of(children, ast.Expr)[0]
        fetch = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "fetch"), None)
        return ("limit", fetch, offset)

    def fetch_only(self, children: list[Any]) -> tuple[Any, Any]:
        return ("limit", children[0][1], None)

    def cte(self, children: list[Any]) -> ast.CommonTable:
        name = children[0]
        columns = next((c for c in children if isinstance(c, tuple)), ())
        return ast.CommonTable(str(name), columns, nodes_of(children, ast.Select)[0], pos=name.pos)

    def with_clause(self, children: list[Any]) -> tuple[str, bool, tuple[ast.CommonTable, ...]]:
        return ("with", has_token(children, "RECURSIVE"), tuple(nodes_of(children, ast.CommonTable)))

    def _set_operation(op: str):  # noqa: N805
        def build(self: "SQLTransformer", children: list[Any]) -> ast.SetOperation:
            left, right = nodes_of(children)
            return ast.SetOperation(op, has_token(children, "ALL"), left, right, pos=pos_of(children))
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
        return ast.Select(body, order, limit[1], limit[2], with_[2], with_[1], pos=pos_of(children))
