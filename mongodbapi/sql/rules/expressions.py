"""Expressions: operators, predicates, function calls, CASE, CAST, subqueries, windows.

Part of the inline transformer (:mod:`mongodbapi.sql.transformer`): each method builds the
node of the grammar rule it is named after.
"""

from __future__ import annotations

from typing import Any

from lark import Token

from .. import ast
from .common import Name, Unsupported, has_token, nodes_of, pos_of


class Expressions:
    """The expressions rules of ``grammar/sql.lark``."""

    def _binary(op: str):  # noqa: N805 - a factory for the methods below
        def build(self: "SQLTransformer", children: list[Any]) -> ast.Binary:
            operands = nodes_of(children, ast.Expr)
            return ast.Binary(op, operands[0], operands[1], pos=pos_of(children))
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
        return ast.Unary("not", children[-1], pos=pos_of(children))

    def neg(self, children: list[Any]) -> ast.Expr:
        operand = children[-1]
        if isinstance(operand, ast.Literal) and operand.kind in ("integer", "real"):
            return ast.Literal(-operand.value, operand.kind, pos=operand.pos)
        return ast.Unary("-", operand, pos=pos_of(children))

    def bit_not(self, children: list[Any]) -> ast.Unary:
        return ast.Unary("~", children[-1], pos=pos_of(children))

    def pos(self, children: list[Any]) -> ast.Unary:
        return ast.Unary("+", children[-1], pos=pos_of(children))

    def comp_op(self, children: list[Token]) -> str:
        op = str(children[0])
        return {"==": "=", "!=": "<>"}.get(op, op)

    def comparison(self, children: list[Any]) -> ast.Binary:
        left, op, right = children
        return ast.Binary(op, left, right, pos=pos_of(children))

    def quantifier(self, children: list[Token]) -> str:
        word = str(children[0]).lower()
        return "any" if word == "some" else word

    def quantified(self, children: list[Any]) -> ast.Quantified:
        left, op, quantifier, query = children
        return ast.Quantified(op, quantifier, left, query, pos=pos_of(children))

    def is_null(self, children: list[Any]) -> ast.IsNull:
        return ast.IsNull(children[0], has_token(children, "NOT"), pos=pos_of(children))

    def is_bool(self, children: list[Any]) -> ast.IsBool:
        return ast.IsBool(children[0], has_token(children, "TRUE"), has_token(children, "NOT"), pos=pos_of(children))

    def is_distinct(self, children: list[Any]) -> ast.IsDistinct:
        left, right = nodes_of(children, ast.Expr)
        return ast.IsDistinct(left, right, has_token(children, "NOT"), pos=pos_of(children))

    def in_list(self, children: list[Any]) -> ast.InList:
        operand, *items = nodes_of(children, ast.Expr)
        return ast.InList(operand, tuple(items), has_token(children, "NOT"), pos=pos_of(children))

    def in_subquery(self, children: list[Any]) -> ast.InSubquery:
        operand = children[0]
        return ast.InSubquery(operand, children[-1], has_token(children, "NOT"), pos=pos_of(children))

    def between(self, children: list[Any]) -> ast.Between:
        operand, low, high = nodes_of(children, ast.Expr)
        return ast.Between(operand, low, high, has_token(children, "NOT"), pos=pos_of(children))

    def like_op(self, children: list[Token]) -> str:
        return str(children[0]).upper()

    def like(self, children: list[Any]) -> ast.Like:
        operand = children[0]
        op = next(c for c in children if isinstance(c, str) and c in ("LIKE", "ILIKE"))
        exprs = nodes_of(children[1:], ast.Expr)
        escape = exprs[1] if len(exprs) > 1 else None
        return ast.Like(operand, exprs[0], escape, has_token(children, "NOT"), op == "ILIKE", pos=pos_of(children))

    def regex_op(self, children: list[Token]) -> str:
        return str(children[0]).upper()

    def regex_match(self, children: list[Any]) -> ast.RegexMatch:
        operand, op, pattern = children
        return ast.RegexMatch(operand, pattern, op.startswith("!"), op.endswith("*"), pos=pos_of(children))

    def exists(self, children: list[Any]) -> ast.Exists:
        return ast.Exists(children[-1], pos=pos_of(children))

    def scalar_subquery(self, children: list[Any]) -> ast.ScalarSubquery:
        return ast.ScalarSubquery(children[0], pos=children[0].pos)

    def row_value(self, children: list[Any]) -> ast.RowValue:
        return ast.RowValue(tuple(children), pos=pos_of(children))

    def subscript_member(self, children: list[Any]) -> ast.Expr:
        node: ast.Expr = ast.Subscript(children[0], children[1], pos=pos_of(children))
        for name in children[2:]:
            node = ast.Member(node, str(name), pos=name.pos)
        return node

    def at_time_zone(self, children: list[Any]) -> ast.Func:
        operand, zone = nodes_of(children, ast.Expr)
        return ast.Func("timezone", (zone, operand), pos=pos_of(children))

    def subscript(self, children: list[Any]) -> ast.Subscript:
        return ast.Subscript(children[0], children[1], pos=pos_of(children))

    def collate(self, children: list[Any]) -> ast.Expr:
        return children[0]  # collations are not applied: MongoDB compares by code point here

    def pg_cast(self, children: list[Any]) -> ast.Cast:
        return ast.Cast(children[0], children[1], pos=pos_of(children))

    def cast(self, children: list[Any]) -> ast.Cast:
        exprs = nodes_of(children, ast.Expr)
        return ast.Cast(exprs[0], nodes_of(children, ast.TypeName)[0], pos=pos_of(children))

    def extract(self, children: list[Any]) -> ast.Func:
        field = next(c for c in children if isinstance(c, Name))
        operand = nodes_of(children, ast.Expr)[0]
        return ast.Func("extract", (ast.Literal(str(field).lower(), "text"), operand), pos=pos_of(children))

    def position(self, children: list[Any]) -> ast.Func:
        needle, haystack = nodes_of(children, ast.Expr)
        return ast.Func("position", (needle, haystack), pos=pos_of(children))

    def substring_from(self, children: list[Any]) -> ast.Func:
        return ast.Func("substring", tuple(nodes_of(children, ast.Expr)), pos=pos_of(children))

    def substring_call(self, children: list[Any]) -> ast.Func:
        return ast.Func("substring", tuple(nodes_of(children, ast.Expr)), pos=pos_of(children))

    def trim_call(self, children: list[Any]) -> ast.Func:
        return ast.Func("trim", tuple(nodes_of(children, ast.Expr)), pos=pos_of(children))

    def trim_spec(self, children: list[Token]) -> str:
        return str(children[0]).lower()

    def trim_from(self, children: list[Any]) -> ast.Func:
        spec = next((c for c in children if isinstance(c, str) and not isinstance(c, Token)), "both")
        exprs = nodes_of(children, ast.Expr)
        name = {"both": "trim", "leading": "ltrim", "trailing": "rtrim"}[spec]
        args = (exprs[-1],) if len(exprs) == 1 else (exprs[1], exprs[0])
        return ast.Func(name, args, pos=pos_of(children))

    def _niladic(name: str):  # noqa: N805
        def build(self: "SQLTransformer", children: list[Any]) -> ast.Func:
            return ast.Func(name, (), pos=pos_of(children))
        return build

    current_date = _niladic("current_date")
    current_timestamp = _niladic("current_timestamp")
    current_time = _niladic("current_time")
    del _niladic

    def when_clause(self, children: list[Any]) -> tuple[ast.Expr, ast.Expr]:
        condition, result = nodes_of(children, ast.Expr)
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
        return ast.Case(operand, tuple(whens), else_, pos=pos_of(children))

    def star_arg(self, children: list[Any]) -> dict[str, Any]:
        return {"star": True, "args": (), "distinct": False, "order": ()}

    def expr_args(self, children: list[Any]) -> dict[str, Any]:
        order = next((c for c in children if isinstance(c, tuple) and c and isinstance(c[0], ast.OrderItem)), ())
        return {"star": False, "args": tuple(nodes_of(children, ast.Expr)), "distinct": "distinct" in children,
                "order": order}

    def filter_clause(self, children: list[Any]) -> tuple[str, ast.Expr]:
        return ("filter", nodes_of(children, ast.Expr)[0])

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
        return nodes_of(children, ast.WindowSpec)[0]

    def over_named(self, children: list[Any]) -> ast.WindowSpec:
        raise Unsupported("named windows (OVER name)", pos_of(children))

    def window_spec(self, children: list[Any]) -> ast.WindowSpec:
        if children and isinstance(children[0], Name):
            raise Unsupported("named windows", children[0].pos)
        partition = nodes_of(children, ast.Expr)
        order = next((c for c in children if isinstance(c, tuple) and c and isinstance(c[0], ast.OrderItem)), ())
        frame = next((c[1:] for c in children if isinstance(c, tuple) and c and c[0] == "frame"), None)
        return ast.WindowSpec(tuple(partition), order, frame, pos=pos_of(children))

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
