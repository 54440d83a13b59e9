"""The entry point of query planning: a SELECT (with its WITH, set operations, FROM) -> QueryPlan."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any, Optional

from ..catalog import Catalog
from ..errors import NotSupportedError
from ..sql import ast
from .join import plan_from
from .select import QueryPlan, SelectPlanner, split_conjuncts
from .setop import plan_set_operation


class PlanContext:
    """State shared while planning one statement: the catalog, CTEs in scope, unique names."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._ids = itertools.count()
        self._ctes: dict[str, ast.CommonTable] = {}

    def next_id(self) -> int:
        return next(self._ids)

    def cte(self, name: str) -> Optional[ast.CommonTable]:
        return self._ctes.get(name.lower())

    def plan_query(self, select: ast.Select, correlation: Any = None, as_subquery: bool = False) -> QueryPlan:
        saved = self._ctes
        if select.with_:
            if select.recursive:
                raise NotSupportedError("WITH RECURSIVE is not supported yet")
            self._ctes = dict(saved)
            for cte in select.with_:
                self._ctes[cte.name.lower()] = cte
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
            return planner.plan(select, dataclasses.replace(core, where=where))
        finally:
            self._ctes = saved


def plan_select(select: ast.Select, catalog: Catalog) -> QueryPlan:
    return PlanContext(catalog).plan_query(select)
