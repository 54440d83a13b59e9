"""Turns Lark's parse tree into the typed syntax tree of :mod:`mongodbapi.sql.ast`.

The transformer runs inline while the LALR parser reduces, so no intermediate tree is built.
It only builds nodes: names are resolved later, by the binder. Its methods, one per grammar
rule, live in :mod:`mongodbapi.sql.rules` by part of the grammar.
"""

from __future__ import annotations

from typing import Any

from lark import Transformer

from . import ast
from .rules.common import MixedPlaceholders, State, Unsupported
from .rules.expressions import Expressions
from .rules.names import NamesAndLiterals
from .rules.queries import Queries
from .rules.schema import Schema
from .rules.writes import Writes

__all__ = ["SQLTransformer", "MixedPlaceholders", "Unsupported"]


class SQLTransformer(NamesAndLiterals, Expressions, Queries, Writes, Schema, Transformer):
    """Builds :mod:`ast` nodes; one instance serves every parse (state is thread-local)."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.state = State()

    def reset(self, unescape_percent: bool) -> None:
        self.state.positional = 0
        self.state.named = False
        self.state.unescape_percent = unescape_percent

    def start(self, children: list[Any]) -> ast.Node:
        return children[0]
