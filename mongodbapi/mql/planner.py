"""The entry point of query planning: a SELECT (with its WITH, set operations, FROM) -> QueryPlan."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any, Optional

from ..catalog import Catalog
from ..sql import ast
from ..sql.walk import walk
from .join import plan_from
from .select import QueryPlan, SelectPlanner, split_conjuncts
from .setop import plan_set_operation


class PlanContext:
    """State shared while planning one statement: the catalog, CTEs in scope, unique names."""

    def __init__(self, catalog: Catalog, open_schema: bool = False) -> None:
        self.catalog = catalog
        self.open_schema = open_schema  # ENFORCE_SCHEMA off: undeclared columns read as NULL
        self._ids = itertools.count()
        self._ctes: dict[str, ast.CommonTable] = {}
        self._recursive: set[str] = set()

    def next_id(self) -> int:
        return next(self._ids)

    def table(self, name: str) -> Any:
        return self.catalog.get(name, open_schema=self.open_schema)

    def cte(self, name: str) -> Optional[ast.CommonTable]:
        return self._ctes.get(name.lower())

    def is_recursive(self, cte: ast.CommonTable) -> bool:
        """Whether ``cte`` (declared under WITH RECURSIVE) reads itself."""
        return cte.name.lower() in self._recursive and cte.name.lower() in _table_names(cte.query)

    def plan_query(self, select: ast.Select, correlation: Any = None, as_subquery: bool = False) -> QueryPlan:
        saved, saved_recursive = self._ctes, self._recursive
        if select.with_:
            self._ctes = dict(saved)
            for cte in select.with_:
                self._ctes[cte.name.lower()] = cte
            if select.recursive:
                self._recursive = saved_recursive | {c.name.lower() for c in select.with_}
        try:
            if isinstance(select.body, ast.SetOperation):
                return plan_set_operation(select, self, correlation)
            core = select.body
            assert isinstance(core, ast.SelectCore)
            source = plan_from(core.from_, split_conjuncts(core.where), self, correlation)
            where = None
            for conjunct in source.where:
                where = conjunct if where is None else ast.Binary("and", where, conjunct, pos=conjunct.pos)
            planner = SelectPlanner(source.scope, source.collection, source.stages, self, correlation, as_subquery)
            planner.pushdown = source.pushdown
            return planner.plan(select, dataclasses.replace(core, where=where))
        finally:
            self._ctes, self._recursive = saved, saved_recursive


def _table_names(node: Any) -> set[str]:
    """The (lower-case) names of every table a query reads, subqueries included."""
    return {n.name.lower() for n in walk(node) if isinstance(n, ast.TableRef)}

