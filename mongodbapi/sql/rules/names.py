"""Names, literals and type names: the leaves of the tree.

Part of the inline transformer (:mod:`mongodbapi.sql.transformer`): each method builds the
node of the grammar rule it is named after.
"""

from __future__ import annotations

from typing import Any

from lark import Token

from .. import ast
from .common import MixedPlaceholders, Name, has_token, pos_of, unquote_identifier


class NamesAndLiterals:
    """The names rules of ``grammar/sql.lark``."""

    def ident(self, children: list[Token]) -> Name:
        token = children[0]
        # Case is kept as written: MongoDB field names are case-sensitive, and the binder
        # matches unquoted names case-insensitively when there is no exact match.
        quoted = token.type in ("QUOTED_NAME", "BACKTICK_NAME")
        text = unquote_identifier(token)
        if quoted and self.state.unescape_percent:
            text = text.replace("%%", "%")  # as in string literals: with parameters, %% is a literal %
        result = Name(text)
        result.pos = (token.line, token.column)
        result.quoted = quoted
        return result

    soft_keyword = ident  # LEFT, RIGHT, WINDOW, GENERATED where they name a column or function

    def alias(self, children: list[Any]) -> str:
        child = children[0]
        if isinstance(child, Token):  # a string literal used as an alias
            return self._string_value(child)
        return child

    def table_name(self, children: list[Name]) -> Name:
        return children[-1]  # a schema qualifier names the database, which the connection fixes

    def column_ref(self, children: list[Name]) -> ast.Column:
        parts: list[str] = []
        for part in children:
            # "address.city" quoted as one identifier still addresses an embedded field
            parts.extend(part.split(".") if part.quoted and "." in part else [str(part)])
        return ast.Column(tuple(parts), pos=children[0].pos)

    def column_names(self, children: list[Name]) -> tuple[str, ...]:
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
        return ast.Literal(None, "null", pos=pos_of(children))

    def true(self, children: list[Token]) -> ast.Literal:
        return ast.Literal(True, "boolean", pos=pos_of(children))

    def false(self, children: list[Token]) -> ast.Literal:
        return ast.Literal(False, "boolean", pos=pos_of(children))

    def typed_literal(self, children: list[Token]) -> ast.Cast:
        kind = children[0].type
        value = ast.Literal(self._string_value(children[1]), "text", pos=pos_of(children[1:]))
        return ast.Cast(value, ast.TypeName(kind), pos=pos_of(children))

    def interval(self, children: list[Any]) -> ast.Cast:
        """``INTERVAL '1 day'`` and the standard's ``INTERVAL '1' DAY``: the text cast to INTERVAL."""
        unit = str(children[2]) if len(children) > 2 else ""
        text = self._string_value(children[1])
        value = ast.Literal(f"{text} {unit}".strip(), "text", pos=pos_of(children[1:]))
        return ast.Cast(value, ast.TypeName("INTERVAL"), pos=pos_of(children))

    def signed_number(self, children: list[Token]) -> ast.Literal:
        literal = self.number(children)
        return ast.Literal(-literal.value, literal.kind, pos=literal.pos)

    def param(self, children: list[Token]) -> ast.Param:
        token = children[0]
        pos = (token.line, token.column)
        text = str(token)
        if text == "%s":
            if self.state.named:
                raise MixedPlaceholders(pos)
            key: Any = self.state.positional
            self.state.positional += 1
        else:
            if self.state.positional:
                raise MixedPlaceholders(pos)
            self.state.named = True
            key = text[2:-2]
        return ast.Param(key, pos=pos)

    def type_name(self, children: list[Any]) -> str:
        return " ".join(str(c).upper() for c in children)

    def double_precision(self, children: list[Any]) -> str:
        return "DOUBLE PRECISION"

    def timestamp_tz(self, children: list[Any]) -> str:
        return "TIMESTAMPTZ" if has_token(children, "WITH") else "TIMESTAMP"

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
        return ast.TypeName(children[0], params, True in children[1:], pos=pos_of(children))
