"""INSERT, UPDATE, DELETE, and the statements that control transactions.

Part of the inline transformer (:mod:`mongodbapi.sql.transformer`): each method builds the
node of the grammar rule it is named after.
"""

from __future__ import annotations

from typing import Any

from .. import ast
from .common import Name, Unsupported, nodes_of, pos_of


class Writes:
    """The writes rules of ``grammar/sql.lark``."""

    def default_value(self, children: list[Any]) -> ast.Default:
        return ast.Default(pos=pos_of(children))

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
        return ("on_conflict_update", ast.OnConflictUpdate(target, tuple(nodes_of(children, ast.Assignment)), where,
                                                          pos=pos_of(children)))

    def insert_stmt(self, children: list[Any]) -> ast.Insert:
        table = next(c for c in children if isinstance(c, Name))
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
        return ast.Insert(str(table), columns, rows, query, returning, ignore, conflict, pos=pos_of(children))

    def assignment(self, children: list[Any]) -> ast.Assignment:
        value = children[-1] if isinstance(children[-1], ast.Expr) else ast.Default()
        return ast.Assignment(children[0], value, pos=children[0].pos)

    def update_stmt(self, children: list[Any]) -> ast.Update:
        names = [c for c in children if isinstance(c, Name)]
        where = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "where"), None)
        returning = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "returning"), ())
        return ast.Update(str(names[0]), str(names[1]) if len(names) > 1 else None,
                          tuple(nodes_of(children, ast.Assignment)), where, returning, pos=pos_of(children))

    def delete_stmt(self, children: list[Any]) -> ast.Delete:
        names = [c for c in children if isinstance(c, Name)]
        where = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "where"), None)
        returning = next((c[1] for c in children if isinstance(c, tuple) and c[0] == "returning"), ())
        return ast.Delete(str(names[0]), str(names[1]) if len(names) > 1 else None, where, returning,
                          pos=pos_of(children))

    def begin_stmt(self, children: list[Any]) -> ast.Begin:
        return ast.Begin(pos=pos_of(children))

    def commit_stmt(self, children: list[Any]) -> ast.Commit:
        return ast.Commit(pos=pos_of(children))

    def rollback_stmt(self, children: list[Any]) -> ast.Rollback:
        name = next((str(c) for c in children if isinstance(c, Name)), None)
        return ast.Rollback(name, pos=pos_of(children))

    def savepoint_stmt(self, children: list[Any]) -> ast.Savepoint:
        return ast.Savepoint(str(children[-1]), pos=pos_of(children))

    def release_stmt(self, children: list[Any]) -> ast.ReleaseSavepoint:
        return ast.ReleaseSavepoint(str(children[-1]), pos=pos_of(children))

    def explain_stmt(self, children: list[Any]) -> ast.Explain:
        return ast.Explain(children[-1], pos=pos_of(children))

    def call_stmt(self, children: list[Any]) -> None:
        raise Unsupported("CALL (MongoDB has no stored procedures)", pos_of(children))
