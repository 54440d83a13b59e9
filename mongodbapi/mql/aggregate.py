"""GROUP BY, aggregate functions and HAVING -> ``$group`` and what follows it.

After ``$group`` the document holds ``_id.g<i>`` for each GROUP BY expression and ``a<j>`` for
each accumulator. Expressions after the group (select list, HAVING, ORDER BY) are compiled by
:attr:`GroupPlanner.post_compiler`, which replaces GROUP BY expressions and aggregate calls by
those fields.

Without GROUP BY, an aggregate query returns one row even over no input (``COUNT`` 0, the others
NULL), while ``$group`` returns no document for no input; the group then runs inside ``$facet``
and an empty result is replaced by the documented defaults.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from ..errors import ProgrammingError
from ..sql import ast
from ..sql.walk import walk
from ..types import INTEGER_TYPES
from .expr import AGGREGATES, ExprCompiler, Typed, not_null, unsupported


def contains_aggregate(node: Any) -> bool:
    """Whether an aggregate call appears in ``node`` (not looking into subqueries)."""
    return any(isinstance(n, ast.Func) and n.name in AGGREGATES and n.over is None
               for n in walk(node, into_subqueries=False))


def _array_of_present(field: str) -> dict[str, Any]:
    return {"$filter": {"input": f"${field}", "cond": {"$gt": ["$$this", None]}}}


class GroupPlanner:
    def __init__(self, compiler: ExprCompiler, column: Callable[[ast.Column], Typed],
                 group_by: list[ast.Expr]) -> None:
        self.compiler = compiler
        self.column = column
        self.group_by = group_by
        self.keys: list[Typed] = [compiler.value(g) for g in group_by]
        self.accumulators: dict[str, Any] = {}
        self.defaults: dict[str, Any] = {}
        self.results: dict[ast.Expr, Typed] = {}
        self.post_compiler = ExprCompiler(self._bare_column, self._substitute, compiler.subquery)

    # ------------------------------------------------------------- substitution after $group

    def _substitute(self, node: ast.Expr) -> Optional[Typed]:
        for i, group in enumerate(self.group_by):
            if node == group:
                key = self.keys[i]
                return Typed(f"$_id.g{i}", key.type, key.nullable)
        if isinstance(node, ast.Func) and node.name in AGGREGATES and node.over is None:
            found = self.results.get(node)
            if found is None:
                found = self._aggregate(node)
                self.results[node] = found
            return found
        return None

    def _bare_column(self, node: ast.Column) -> Typed:
        """A column neither grouped nor aggregated: any value of its group, as SQLite allows."""
        value = self.column(node)
        name = self._accumulate({"$first": value.mql}, None)
        return Typed(f"${name}", value.type, value.nullable)

    def _accumulate(self, accumulator: Any, default: Any) -> str:
        for name, existing in self.accumulators.items():
            if existing == accumulator:
                return name
        name = f"a{len(self.accumulators)}"
        self.accumulators[name] = accumulator
        self.defaults[name] = default
        return name

    # ------------------------------------------------------------- aggregate functions

    def _aggregate(self, node: ast.Func) -> Typed:
        name = node.name
        if node.star:
            if name != "count":
                raise ProgrammingError(f"{name}(*) is not valid; only COUNT(*) is")
            condition = self.compiler.truth(node.filter) if node.filter is not None else True
            counted = 1 if condition is True else {"$cond": [condition, 1, 0]}
            return Typed(f"${self._accumulate({'$sum': counted}, 0)}", "BIGINT", False)
        if not node.args:
            raise ProgrammingError(f"{name}() needs an argument (line {node.pos[0]})")
        for arg in node.args:
            if contains_aggregate(arg):
                raise ProgrammingError(f"aggregate calls cannot be nested (line {node.pos[0]})")
        value = self.compiler.value(node.args[0])
        if node.filter is not None:  # rows the FILTER rejects count as NULL input
            value = Typed({"$cond": [self.compiler.truth(node.filter), value.mql, None]}, value.type, True)
        builder = getattr(self, "_agg_" + name, None)
        if builder is None:
            raise unsupported(node, f"aggregate {name}()")
        return builder(node, value)

    def _distinct_values(self, value: Typed) -> str:
        return self._accumulate({"$addToSet": value.mql}, [])

    def _agg_count(self, node: ast.Func, value: Typed) -> Typed:
        if node.distinct:
            values = self._distinct_values(value)
            return Typed({"$size": _array_of_present(values)}, "BIGINT", False)
        counted = {"$cond": [not_null(value.mql), 1, 0]} if value.nullable else 1
        return Typed(f"${self._accumulate({'$sum': counted}, 0)}", "BIGINT", False)

    def _sum_parts(self, node: ast.Func, value: Typed) -> tuple[Any, Any]:
        """(sum, count of non-NULL values) as post-group expressions."""
        if node.distinct:
            present = _array_of_present(self._distinct_values(value))
            return {"$sum": present}, {"$size": present}
        total = f"${self._accumulate({'$sum': value.mql}, 0)}"
        count = f"${self._accumulate({'$sum': {'$cond': [not_null(value.mql), 1, 0]}}, 0)}"
        return total, count

    def _agg_sum(self, node: ast.Func, value: Typed) -> Typed:
        total, count = self._sum_parts(node, value)
        result_type = value.type if value.type in INTEGER_TYPES or value.type in ("DECIMAL", "INTERVAL") else (
            "REAL" if value.type == "REAL" else None)
        if result_type in INTEGER_TYPES:
            result_type = "BIGINT"
        return Typed({"$cond": [{"$eq": [count, 0]}, None, total]}, result_type, True)

    def _agg_total(self, node: ast.Func, value: Typed) -> Typed:
        total, _ = self._sum_parts(node, value)
        return Typed({"$toDouble": total}, "REAL", False)

    def _agg_avg(self, node: ast.Func, value: Typed) -> Typed:
        # an average of intervals is an interval: the mean microseconds, rounded half to even when read
        interval = "INTERVAL" if value.type == "INTERVAL" else None
        if node.distinct:
            return Typed({"$avg": _array_of_present(self._distinct_values(value))}, interval or "REAL", True)
        result_type = interval or ("DECIMAL" if value.type == "DECIMAL" else "REAL")
        return Typed(f"${self._accumulate({'$avg': value.mql}, None)}", result_type, True)

    def _extreme(self, operator: str, value: Typed) -> Typed:
        return Typed(f"${self._accumulate({operator: value.mql}, None)}", value.type, True)

    def _agg_min(self, node: ast.Func, value: Typed) -> Typed:
        return self._extreme("$min", value)

    def _agg_max(self, node: ast.Func, value: Typed) -> Typed:
        return self._extreme("$max", value)

    def _agg_bool_and(self, node: ast.Func, value: Typed) -> Typed:
        return Typed(self._extreme("$min", value).mql, "BOOLEAN", True)  # false sorts before true

    _agg_every = _agg_bool_and

    def _agg_bool_or(self, node: ast.Func, value: Typed) -> Typed:
        return Typed(self._extreme("$max", value).mql, "BOOLEAN", True)

    def _agg_array_agg(self, node: ast.Func, value: Typed) -> Typed:
        operator = "$addToSet" if node.distinct else "$push"
        return Typed(f"${self._accumulate({operator: {'$ifNull': [value.mql, None]}}, [])}", "JSON", True)

    def _agg_group_concat(self, node: ast.Func, value: Typed) -> Typed:
        separator: Any = ","
        if len(node.args) > 1:
            separator = self.compiler.value(node.args[1]).mql
        text = value.mql if value.type in ("TEXT", "VARCHAR", "CHAR") else {"$toString": value.mql}
        operator = "$addToSet" if node.distinct else "$push"
        present = _array_of_present(self._accumulate({operator: text}, []))
        joined = {"$reduce": {"input": present, "initialValue": None, "in": {
            "$cond": [{"$eq": ["$$value", None]}, "$$this", {"$concat": ["$$value", separator, "$$this"]}]}}}
        return Typed(joined, "TEXT", True)

    _agg_string_agg = _agg_group_concat

    def _spread(self, operator: str, node: ast.Func, value: Typed, squared: bool) -> Typed:
        deviation = f"${self._accumulate({operator: value.mql}, None)}"
        result: Any = {"$pow": [deviation, 2]} if squared else deviation
        return Typed({"$cond": [{"$eq": [deviation, None]}, None, result]}, "REAL", True)

    def _agg_stddev_pop(self, node: ast.Func, value: Typed) -> Typed:
        return self._spread("$stdDevPop", node, value, False)

    def _agg_stddev_samp(self, node: ast.Func, value: Typed) -> Typed:
        return self._spread("$stdDevSamp", node, value, False)

    _agg_stddev = _agg_stddev_samp

    def _agg_var_pop(self, node: ast.Func, value: Typed) -> Typed:
        return self._spread("$stdDevPop", node, value, True)

    def _agg_var_samp(self, node: ast.Func, value: Typed) -> Typed:
        return self._spread("$stdDevSamp", node, value, True)

    _agg_variance = _agg_var_samp

    # ------------------------------------------------------------- stages

    def stages(self, outputs: list[ast.Expr], having: Optional[ast.Expr],
               order: list[ast.Expr]) -> tuple[list[Any], Optional[dict[str, Any]]]:
        """The ``$group`` stages and HAVING's ``$match``; compiles everything that runs after them."""
        post = self.post_compiler
        for expr in outputs + order:
            post.value(expr)  # registers the accumulators the outputs need
        having_condition = post.truth(having) if having is not None else None
        if self.group_by:
            group_id: Any = {f"g{i}": {"$ifNull": [k.mql, None]} for i, k in enumerate(self.keys)}
        else:
            group_id = None
        group = {"$group": {"_id": group_id, **self.accumulators}}
        stages: list[Any] = [group]
        if not self.group_by:
            stages = [{"$facet": {"groups": [group]}},
                      {"$replaceRoot": {"newRoot": {"$ifNull": [
                          {"$arrayElemAt": ["$groups", 0]},
                          {"$literal": {"_id": None, **self.defaults}}]}}}]
        if having_condition is None or having_condition is True:
            return stages, None
        return stages, {"$match": {"$expr": having_condition}}


__all__ = ["GroupPlanner", "contains_aggregate", "unsupported"]
