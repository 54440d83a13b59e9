"""Prepared statements: SQL text -> something that runs with parameters, cached per text.

A statement's plan depends only on its SQL text and the catalog, never on parameter values,
so everything up to the MongoDB command is cached by (text, catalog version); executing a
cached statement only binds values.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from bson import json_util

from ..errors import NotSupportedError, ProgrammingError
from ..mql.planner import PlanContext
from ..mql.select import QueryPlan
from ..mql.template import template_keys
from ..sql import ast
from ..sql.parser import parse
from ..sql.walk import param_keys, with_values
from . import ddl, query
from .alter import alter_table
from .dml import DeleteStatement, InsertStatement, UpdateStatement
from .result import Column, Result, empty

class Prepared:
    """A planned statement. ``param_keys``: the placeholders it reads; ``many``: executemany-able."""

    param_keys: list[Any] = []
    is_query = False

    def run(self, connection: Any, params: Any) -> Result:  # pragma: no cover - interface
        raise NotImplementedError

    def run_many(self, connection: Any, param_sets: list[Any]) -> Result:
        total = 0
        for params in param_sets:
            result = self.run(connection, params)
            total += max(result.rowcount, 0)
        return empty(None, total)


class PreparedQuery(Prepared):
    is_query = True

    def __init__(self, plan: QueryPlan) -> None:
        self.plan = plan
        self.build = query.row_builder(plan)
        self.param_keys = template_keys([plan.find, plan.pipeline, plan.skip, plan.limit, plan.count])

    def run(self, connection: Any, params: Any) -> Result:
        return query.run_query(self.plan, connection.database, params, connection.read_session(), self.build)

    def explain(self) -> list[tuple[str, Any]]:
        return query.explain_rows(self.plan)


class PreparedWrite(Prepared):
    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self.param_keys = statement.param_keys

    def run(self, connection: Any, params: Any) -> Result:
        if isinstance(self.statement, InsertStatement):
            return self.statement.run(connection, [params])
        return self.statement.run(connection, params)

    def run_many(self, connection: Any, param_sets: list[Any]) -> Result:
        if isinstance(self.statement, InsertStatement):  # one bulk insert for all the rows
            return self.statement.run(connection, param_sets)
        return super().run_many(connection, param_sets)


class PreparedCommand(Prepared):
    """DDL and transaction control: planned when run (they change the catalog they depend on).

    Their few placeholders (``DEFAULT %s``) are replaced by the values before they run.
    """

    def __init__(self, action: Callable[[Any, Any], Result], node: ast.Node) -> None:
        self.action = action
        self.node = node
        self.param_keys = param_keys(node)

    def run(self, connection: Any, params: Any) -> Result:
        return self.action(connection, with_values(self.node, params) if self.param_keys else self.node)


class PreparedExplain(Prepared):
    is_query = True

    def __init__(self, target: Prepared) -> None:
        self.target = target
        self.param_keys = target.param_keys

    def run(self, connection: Any, params: Any) -> Result:
        if isinstance(self.target, PreparedQuery):
            rows = self.target.explain()
        elif isinstance(self.target, PreparedWrite):
            rows = self.target.statement.explain()
        else:
            raise NotSupportedError("EXPLAIN is supported for SELECT, INSERT, UPDATE and DELETE")
        text_rows = [(command, json.dumps(json.loads(json_util.dumps(body)), sort_keys=False)) for command, body in rows]
        return Result([Column("command", "TEXT"), Column("body", "TEXT")], iter(text_rows), len(text_rows))


def _transaction_command(connection: Any, node: ast.Node) -> Result:
    if isinstance(node, ast.Begin):
        connection.begin()
    elif isinstance(node, ast.Commit):
        connection.commit()
    elif isinstance(node, ast.Rollback):
        if node.savepoint is None:
            connection.rollback()
        else:
            connection.rollback_to_savepoint(node.savepoint)
    elif isinstance(node, ast.Savepoint):
        connection.savepoint(node.name)
    elif isinstance(node, ast.ReleaseSavepoint):
        connection.release_savepoint(node.name)
    else:  # pragma: no cover - _prepare_node routes only the statements above here
        raise NotSupportedError(f"{type(node).__name__} is not a transaction statement")
    return empty()


def _prepare_node(node: ast.Node, connection: Any) -> Prepared:
    open_schema = not connection.enforce_schema
    context = PlanContext(connection.catalog, open_schema)
    if isinstance(node, ast.Select):
        return PreparedQuery(context.plan_query(node))
    if isinstance(node, ast.Insert):
        info = connection.catalog.lookup(node.table)
        if info is not None and open_schema and info.declared:
            info = context.table(node.table)
        if info is None and connection.enforce_schema:
            raise ProgrammingError(f"no such table: {node.table}")
        query = PreparedQuery(context.plan_query(node.query)) if node.query is not None else None
        return PreparedWrite(InsertStatement(node, info, info.name if info else node.table, query))
    if isinstance(node, ast.Update):
        return PreparedWrite(UpdateStatement(node, context.table(node.table), context))
    if isinstance(node, ast.Delete):
        return PreparedWrite(DeleteStatement(node, context.table(node.table), context))
    if isinstance(node, ast.CreateTable):
        return PreparedCommand(ddl.create_table, node)
    if isinstance(node, ast.DropTable):
        return PreparedCommand(ddl.drop_table, node)
    if isinstance(node, ast.AlterTable):
        return PreparedCommand(alter_table, node)
    if isinstance(node, ast.CreateIndex):
        return PreparedCommand(ddl.create_index, node)
    if isinstance(node, ast.DropIndex):
        return PreparedCommand(ddl.drop_index, node)
    if isinstance(node, (ast.Begin, ast.Commit, ast.Rollback, ast.Savepoint, ast.ReleaseSavepoint)):
        return PreparedCommand(_transaction_command, node)
    if isinstance(node, ast.Explain):
        return PreparedExplain(_prepare_node(node.statement, connection))
    raise NotSupportedError(f"{type(node).__name__} statements are not supported")


def prepare(connection: Any, sql: str, with_params: bool) -> Prepared:
    catalog = connection.catalog
    key = (sql, with_params, catalog.version, connection.enforce_schema)
    cache = catalog.statements
    prepared = cache.get(key)
    if prepared is None:
        prepared = _prepare_node(parse(sql, with_params), connection)
        if not isinstance(prepared, PreparedCommand):
            cache.put(key, prepared)
    return prepared
