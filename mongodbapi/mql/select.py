"""SELECT -> a ``find`` or an aggregation pipeline, with the columns the rows will have.

Stage order is fixed: ``$match`` (query language, then ``$expr`` for what the query language
cannot say exactly) -> ``$group`` -> ``HAVING`` -> ``$project`` -> ``$sort`` -> ``$skip`` ->
``$limit``. When the statement is only a filter, plain columns, a sort on plain columns and
LIMIT/OFFSET, it becomes a ``find`` instead, which is what MongoDB runs fastest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ..errors import ProgrammingError
from ..plan.binder import Binding, Scope
from ..sql import ast
from .aggregate import GroupPlanner, contains_aggregate
from .expr import ExprCompiler, Typed, all_of, is_null, unsupported
from .functions import finished_by_driver
from .match import MatchCompiler, merge_conjuncts
from .subquery import SubqueryBuilder
from .window import WindowPlanner, window_calls
from .template import Limit, check_count


@dataclass
class OutputColumn:
    name: str
    type: Optional[str]
    nullable: bool = True


@dataclass
class QueryPlan:
    """A planned SELECT: a find or a pipeline over ``collection``, plus how to read its rows."""

    collection: Optional[str]
    columns: list[OutputColumn]
    pipeline: list[Any] = field(default_factory=list)  # aggregate: stages before skip/limit
    find: Optional[dict[str, Any]] = None  # find: filter, projection, sort
    skip: Any = None  # int, Limit slot or None
    limit: Any = None
    paths: list[tuple[Any, ...]] = field(default_factory=list)  # find: where each column is read from
    keys: list[str] = field(default_factory=list)  # aggregate: output field of each column
    count: Any = None  # count: the filter whose matching documents are counted (SELECT COUNT(*) ...)
    # aggregate: per column, None, or (function, type of its argument) for a function MongoDB
    # cannot compute, applied by the driver to the fetched argument (functions.DRIVER_COMPUTED)
    finish: list[Optional[tuple[str, Optional[str]]]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.count is not None:
            return "count"
        return "find" if self.find is not None else "aggregate"

    def full_pipeline(self) -> list[Any]:
        """The pipeline with its OFFSET and LIMIT stages (for use inside another pipeline)."""
        stages = list(self.pipeline)
        if self.skip:
            stages.append({"$skip": self.skip})
        if self.limit is not None:
            stages.append({"$limit": self.limit})
        return stages


def projected(mql: Any) -> Any:
    """An expression as a ``$project`` value: there 1, 0, true and false mean include/exclude."""
    if mql is None or isinstance(mql, (bool, int, float)):
        return {"$literal": mql}
    return mql


def split_conjuncts(node: Optional[ast.Expr]) -> list[ast.Expr]:
    if node is None:
        return []
    if isinstance(node, ast.Binary) and node.op == "and":
        return split_conjuncts(node.left) + split_conjuncts(node.right)
    return [node]


def column_name(item: ast.SelectItem) -> str:
    if item.alias is not None:
        return item.alias
    expr = item.expr
    if isinstance(expr, ast.Column):
        return expr.parts[-1]
    if isinstance(expr, ast.Func):
        return expr.name
    if isinstance(expr, ast.Cast):
        return column_name(ast.SelectItem(expr.operand, None))
    return "?column?"


def count_value(node: Optional[ast.Expr]) -> Any:
    """A LIMIT/OFFSET operand: an int now, a slot for a parameter, None when absent."""
    if node is None:
        return None
    if isinstance(node, ast.Param):
        return Limit(node.key)
    if isinstance(node, ast.Literal):
        return check_count(node.value)
    if isinstance(node, ast.Unary) and node.op == "+":
        return count_value(node.operand)
    raise unsupported(node, "LIMIT/OFFSET with an expression")


class SelectPlanner:
    """Plans one SELECT over one scope (its FROM clause already bound).

    ``correlation`` resolves names of enclosing queries (this is a subquery); ``context``
    plans nested queries; ``as_subquery`` makes every output field present (NULL, never
    missing) and never answers with a find, since the plan becomes a ``$lookup`` pipeline.
    """

    def __init__(self, scope: Scope, collection: Optional[str], source_stages: list[Any],
                 context: Any = None, correlation: Any = None, as_subquery: bool = False) -> None:
        self.scope = scope
        self.collection = collection
        self.source_stages = source_stages  # stages that build the rows (joins), may be empty
        self.context = context
        self.correlation = correlation
        self.as_subquery = as_subquery
        self.pending: list[Any] = []  # $lookup stages of subqueries, placed before their first use
        self.pushdown: Any = None  # a join.LimitPushdown when LIMIT may run before the joins
        self.subqueries = SubqueryBuilder(self, self.pending, self.column) if context is not None else None
        self.compiler = ExprCompiler(self.column, subquery=self.subqueries.compile if self.subqueries else None)

    def column(self, node: ast.Column) -> Typed:
        try:
            binding = self.scope.resolve(node)
        except ProgrammingError:
            if self.correlation is None:
                raise
            return self.correlation.resolve(node)
        return Typed("$" + binding.path, binding.type, not binding.not_null)

    def flush(self, stages: list[Any]) -> None:
        stages.extend(self.pending)
        self.pending.clear()

    def field_of(self, node: ast.Expr) -> Optional[tuple[str, Optional[str]]]:
        """The document path of a plain column (for the query language), or None."""
        if isinstance(node, ast.Column):
            try:
                binding = self.scope.resolve(node)
            except ProgrammingError:
                if self.correlation is None:
                    raise
                return None  # a column of an enclosing query: not a field of these documents
            return binding.path, binding.type
        if isinstance(node, ast.Member):
            inner = self.field_of(node.operand)
            return (f"{inner[0]}.{node.name}", None) if inner is not None else None
        if isinstance(node, ast.Subscript) and isinstance(node.index, ast.Literal) \
                and isinstance(node.index.value, int) and node.index.value >= 0:
            inner = self.field_of(node.operand)
            if inner is not None:
                return f"{inner[0]}.{node.index.value}", None
        return None

    # ------------------------------------------------------------- entry point

    def plan(self, select: ast.Select, core: ast.SelectCore) -> QueryPlan:
        items = self._expand(core.items)
        names = [name for name, _ in items]
        exprs = [expr for _, expr in items]
        group_by = [self._resolve_output_ref(g, items, "GROUP BY") for g in core.group_by]
        order = [(self._resolve_order(o, items), o) for o in select.order_by]
        aggregated = bool(group_by) or core.having is not None or any(
            contains_aggregate(e) for e in exprs + [e for e, _ in order if not isinstance(e, int)])
        matches, residual = self.where_parts(core.where)
        skip, limit = count_value(select.offset), count_value(select.limit)

        if not aggregated and not core.distinct and not self.as_subquery and not self.pending:
            found = self._try_find(matches, residual, names, exprs, order, skip, limit)
            if found is not None:
                return found
        if (len(exprs) == 1 and exprs[0] == ast.Func("count", (), star=True) and not group_by and core.having is None
                and not core.distinct and not residual and not self.source_stages and not self.as_subquery
                and not self.pending and self.collection is not None and skip is None and limit is None):
            # SELECT COUNT(*) [WHERE ...]: counted as pymongo's count_documents does
            return QueryPlan(self.collection, [OutputColumn(names[0], "BIGINT", False)],
                             count=merge_conjuncts(matches))

        stages = list(self.source_stages)
        if not aggregated and not core.distinct and not residual and not matches and (skip or limit is not None):
            if self._push_limit(stages, exprs, order, skip, limit):
                skip, limit = None, None
        if matches:
            stages.append({"$match": merge_conjuncts(matches)})
        if residual:
            self.flush(stages)
            stages.append({"$match": {"$expr": all_of(*residual)}})
        compiler = self.compiler
        # MD5(x) and the like in the outermost select list: the server projects x, the driver
        # applies the function to each fetched value; nothing may then sort or filter on it.
        finished = [None if self.as_subquery or core.distinct else finished_by_driver(e) for e in exprs]
        computed = [e.args[0] if kind else e for e, kind in zip(exprs, finished)]  # type: ignore[attr-defined]
        if aggregated:
            # Subqueries inside aggregate arguments run before $group; those in HAVING, the
            # select list or ORDER BY after it, correlated with the group keys and aggregates.
            after_group: list[Any] = []
            group = GroupPlanner(self.compiler, self.column, group_by)
            if self.context is not None:
                builder = SubqueryBuilder(self, after_group, lambda node: group.post_compiler.value(node))
                group.post_compiler.subquery = builder.compile
                builder.compiler = group.post_compiler
            group_stages, having = group.stages(computed, core.having, [e for e, _ in order if not isinstance(e, int)])
            self.flush(stages)
            stages.extend(group_stages)
            stages.extend(after_group)
            after_group.clear()
            if having is not None:
                stages.append(having)
            compiler = group.post_compiler
            self.pending = after_group  # later subqueries (select list, ORDER BY) also follow $group
        calls = window_calls(tuple(computed) + tuple(e for e, _ in order if not isinstance(e, int)))
        if calls:
            windows = WindowPlanner(compiler)
            window_stages = windows.stages(calls)
            self.flush(stages)
            stages.extend(window_stages)
            compiler = ExprCompiler(compiler.resolve_column, windows.substitute(compiler.substitute),
                                    compiler.subquery)
        outputs = [compiler.value(e) for e in computed]
        projection: dict[str, Any] = {"_id": 0}
        present = core.distinct or self.as_subquery
        for i, output in enumerate(outputs):
            projection[f"c{i}"] = {"$ifNull": [output.mql, None]} if present else projected(output.mql)
        sort: dict[str, int] = {}
        for j, (target, item) in enumerate(order):
            if isinstance(target, int):
                if finished[target]:
                    raise unsupported(item, f"ORDER BY {exprs[target].name.upper()}() of a per-row value (MongoDB "  # type: ignore[attr-defined]
                                            f"cannot compute it, so it cannot sort on it)")
                key = f"c{target}"
                value = outputs[target]
            else:
                if core.distinct:
                    raise ProgrammingError("for SELECT DISTINCT, ORDER BY expressions must appear in the select list")
                value = compiler.value(target)
                key = f"s{j}"
                projection[key] = projected(value.mql)
            self._add_sort_key(sort, projection, key, value, item, j)
        self.flush(stages)
        stages.append({"$project": projection})
        if core.distinct:
            keys = {f"c{i}": f"$c{i}" for i in range(len(outputs))}
            stages.append({"$group": {"_id": keys}})
            stages.append({"$replaceRoot": {"newRoot": "$_id"}})
        if sort:
            stages.append({"$sort": sort})
        columns = [OutputColumn(n, kind or o.type, o.nullable) for n, o, kind in zip(names, outputs, finished)]
        finish = [(e.name, o.type) if kind else None for e, o, kind in zip(exprs, outputs, finished)]  # type: ignore[attr-defined]
        return QueryPlan(self.collection, columns, stages, skip=skip, limit=limit,
                         keys=[f"c{i}" for i in range(len(outputs))], finish=finish if any(finish) else [])

    def _push_limit(self, stages: list[Any], exprs: list[ast.Expr], order: list[tuple[Any, ast.OrderItem]],
                    skip: Any, limit: Any) -> bool:
        """Move ORDER BY/OFFSET/LIMIT before the joins when that cannot change the result."""
        pushdown = self.pushdown
        if pushdown is None or window_calls(tuple(exprs)):
            return False
        sort: dict[str, int] = {}
        for target, item in order:
            node = exprs[target] if isinstance(target, int) else target
            if not isinstance(node, ast.Column) or (item.nulls_first is not None
                                                    and item.nulls_first == item.descending):
                return False
            try:
                binding = self.scope.resolve(node)
            except ProgrammingError:
                return False
            if binding.table.alias != pushdown.alias:
                return False
            sort[binding.path[len(pushdown.alias) + 1:]] = -1 if item.descending else 1
        early: list[Any] = [{"$sort": sort}] if sort else []
        if skip:
            early.append({"$skip": skip})
        if limit is not None:
            early.append({"$limit": limit})
        stages[pushdown.index:pushdown.index] = early
        return True

    @staticmethod
    def _add_sort_key(sort: dict[str, int], projection: dict[str, Any], key: str, value: Typed,
                      item: ast.OrderItem, j: int) -> None:
        default_nulls_first = not item.descending  # MongoDB, like SQLite: NULL sorts lowest
        if item.nulls_first is not None and item.nulls_first != default_nulls_first and value.nullable:
            rank = {"$cond": [is_null(value.mql), 0 if item.nulls_first else 1, 1 if item.nulls_first else 0]}
            projection[f"n{j}"] = rank
            sort[f"n{j}"] = 1
        sort[key] = -1 if item.descending else 1

    # ------------------------------------------------------------- pieces

    def _expand(self, items: tuple[ast.Node, ...]) -> list[tuple[str, ast.Expr]]:
        out: list[tuple[str, ast.Expr]] = []
        for item in items:
            if isinstance(item, ast.Star):
                for table, column in self.scope.columns(item.table):
                    parts = (table.alias, column.name) if len(self.scope.tables) > 1 else (column.name,)
                    out.append((column.name, ast.Column(parts, pos=item.pos)))
            else:
                assert isinstance(item, ast.SelectItem)
                out.append((column_name(item), item.expr))
        if not out:
            raise ProgrammingError("SELECT * on a table with no known columns")
        return out

    @staticmethod
    def _resolve_output_ref(node: ast.Expr, items: list[tuple[str, ast.Expr]], clause: str) -> ast.Expr:
        """``GROUP BY 2`` and ``GROUP BY alias`` name select-list expressions."""
        if isinstance(node, ast.Literal) and node.kind == "integer":
            if not 1 <= node.value <= len(items):
                raise ProgrammingError(f"{clause} position {node.value} is not in the select list")
            return items[node.value - 1][1]
        return node

    def _resolve_order(self, item: ast.OrderItem, items: list[tuple[str, ast.Expr]]) -> Any:
        """An output column index, or the expression to sort by."""
        node = item.expr
        if isinstance(node, ast.Literal) and node.kind == "integer":
            if not 1 <= node.value <= len(items):
                raise ProgrammingError(f"ORDER BY position {node.value} is not in the select list")
            return node.value - 1
        if isinstance(node, ast.Column) and len(node.parts) == 1:
            named = [i for i, (name, _) in enumerate(items) if name == node.parts[0]]
            if len(named) == 1 or (named and all(items[i][1] == items[named[0]][1] for i in named)):
                return named[0]
        for i, (_, expr) in enumerate(items):
            if expr == node:
                return i
        return node

    def where_filter(self, where: Optional[ast.Expr]) -> dict[str, Any]:
        """The filter selecting the rows where ``where`` is TRUE (UPDATE and DELETE use it too)."""
        return self._combine(*self.where_parts(where))

    @staticmethod
    def _combine(matches: list[Any], residual: list[Any]) -> Any:
        conditions = list(matches)
        if residual:
            conditions.append({"$expr": all_of(*residual)})
        return merge_conjuncts(conditions)

    def where_parts(self, where: Optional[ast.Expr]) -> tuple[list[Any], list[Any]]:
        """(query-language filters, ``$expr`` conditions) for WHERE; subqueries wait in ``pending``."""
        matcher = MatchCompiler(self.field_of)
        matches, residual = [], []
        for conjunct in split_conjuncts(where):
            if contains_aggregate(conjunct):
                raise ProgrammingError("aggregate functions are not allowed in WHERE")
            compiled = matcher.compile(conjunct)
            if compiled is not None:
                matches.append(compiled)
            else:
                condition = self.compiler.truth(conjunct)
                if condition is False:
                    matches.append({"_id": {"$in": []}})
                elif condition is not True:
                    residual.append(condition)
        return matches, residual

    def _try_find(self, matches: list[Any], residual: list[Any], names: list[str], exprs: list[ast.Expr],
                  order: list[tuple[Any, ast.OrderItem]], skip: Any, limit: Any) -> Optional[QueryPlan]:
        if residual or self.source_stages or self.collection is None:
            return None
        bindings: list[Binding] = []
        for expr in exprs:
            if not isinstance(expr, ast.Column):
                return None
            bindings.append(self.scope.resolve(expr))
        sort: list[tuple[str, int]] = []
        for target, item in order:
            if item.nulls_first is not None and item.nulls_first == item.descending:
                return None  # a NULLS placement MongoDB's sort order does not give
            node = exprs[target] if isinstance(target, int) else target
            if not isinstance(node, ast.Column):
                return None
            sort.append((self.scope.resolve(node).path, -1 if item.descending else 1))
        projection: Optional[dict[str, int]] = {}
        for binding in bindings:
            top = binding.path
            if not any(top == p or top.startswith(p + ".") for p in projection):
                for existing in [p for p in projection if p.startswith(top + ".")]:
                    del projection[existing]
                projection[top] = 1
        if "_id" not in projection:
            projection["_id"] = 0
        table = self.scope.tables[0].info
        if table.declared and {c.field for c in table.columns} <= set(projection):
            projection = None  # every column: fetch the document as it is (as find_one does)
        columns = [OutputColumn(n, b.type, not b.not_null) for n, b in zip(names, bindings)]
        find = {"filter": merge_conjuncts(matches), "projection": projection, "sort": sort or None}
        return QueryPlan(self.collection, columns, find=find, skip=skip, limit=limit,
                         paths=[tuple(b.path.split(".")) for b in bindings])
