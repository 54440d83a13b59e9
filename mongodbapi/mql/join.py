"""The FROM clause -> the stages that produce its rows, and the scope that names their columns.

One table: its documents as they are (fields at the root), so filters stay index-friendly.
Several tables: each row is ``{<alias>: <document>, ...}``, keyed by the SQL alias (never the
table name), so self-joins and two joins to the same table stay apart. The tables are joined
left-deep with ``$lookup`` + ``$unwind``:

* filters on the driving table run before the first join;
* an equality between a plain column of an earlier table and one of the joined table uses
  ``localField``/``foreignField`` (index-friendly), with NULL keys excluded since NULL never
  equals anything in SQL (MongoDB's equality match would pair null with null/missing);
* every other ON condition, and WHERE conditions that an INNER join makes safe to apply early,
  run inside the ``$lookup`` pipeline, with earlier tables' columns passed as ``let`` variables;
* LEFT joins keep unmatched rows (``preserveNullAndEmptyArrays``); RIGHT joins of two tables are
  turned around into LEFT joins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from ..catalog import ColumnInfo, TableInfo, check_field_name
from ..errors import NotSupportedError, ProgrammingError
from ..plan.binder import Scope, ScopeTable
from ..sql import ast
from ..sql.walk import SUBQUERIES, walk
from .expr import unsupported
from .recursive import plan_recursive
from .subquery import Correlation

if TYPE_CHECKING:  # pragma: no cover
    from .planner import PlanContext


@dataclass
class LimitPushdown:
    """Where ORDER BY/OFFSET/LIMIT on the driving table may run before the joins.

    Valid when every join keeps each driving row exactly once (LEFT JOINs on a unique key of
    the joined table) and no condition is left to apply after the joins.
    """

    index: int  # stage index: the driving table's documents, filtered, not yet joined
    alias: str
    scope: Scope  # the driving table at the document root


@dataclass
class Source:
    collection: Optional[str]
    stages: list[Any]
    scope: Scope
    where: list[ast.Expr]  # WHERE conjuncts left for the query to apply
    pushdown: Optional[LimitPushdown] = None


@dataclass
class _Table:
    alias: str
    info: TableInfo
    collection: Optional[str]
    prefix_stages: list[Any] = field(default_factory=list)  # a derived table's own pipeline
    kind: str = "inner"  # how it joins the tables before it
    conditions: list[ast.Expr] = field(default_factory=list)


def _derived(alias: str, query: ast.Select, columns: tuple[str, ...], context: "PlanContext",
             correlation: Any) -> _Table:
    plan = context.plan_query(query, correlation=correlation, as_subquery=True)
    names = list(columns) or [c.name for c in plan.columns]
    if len(names) != len(plan.columns):
        raise ProgrammingError(f"{alias} has {len(plan.columns)} columns but {len(names)} names were given")
    rename: dict[str, Any] = {"_id": 0}
    infos = []
    for i, (name, column) in enumerate(zip(names, plan.columns)):
        check_field_name(name)
        rename[name] = f"$c{i}"
        infos.append(ColumnInfo(name, column.type))
    info = TableInfo(alias, infos)
    return _Table(alias, info, plan.collection, plan.full_pipeline() + [{"$project": rename}])


def _table(node: ast.Node, context: "PlanContext", correlation: Any) -> _Table:
    if isinstance(node, ast.TableRef):
        alias = node.alias or node.name
        cte = context.cte(node.name)
        if cte is not None:
            if context.is_recursive(cte):
                collection, stages, info = plan_recursive(cte, context)
                return _Table(alias, info, collection, stages)
            return _derived(alias, cte.query, cte.columns, context, correlation)
        info = context.table(node.name)
        return _Table(alias, info, info.name)
    if isinstance(node, ast.DerivedTable):
        return _derived(node.alias, node.query, node.columns, context, correlation)
    raise unsupported(node, "a parenthesised join")


def _flatten(node: ast.Node, context: "PlanContext", correlation: Any) -> list[_Table]:
    if not isinstance(node, ast.Join):
        return [_table(node, context, correlation)]
    tables = _flatten(node.left, context, correlation)
    if isinstance(node.right, ast.Join):
        raise unsupported(node.right, "a join nested on the right-hand side")
    right = _table(node.right, context, correlation)
    condition = _join_condition(node, tables, right)
    if node.kind == "full":
        if len(tables) != 1:
            raise unsupported(node, "FULL JOIN after another join")
        tables[0].kind = right.kind = "full"
        right.conditions = condition
        return tables + [right]
    if node.kind == "right":
        if len(tables) != 1:
            raise unsupported(node, "RIGHT JOIN after another join")
        tables[0].kind, right.kind = "left", "inner"
        tables[0].conditions = condition
        return [right, tables[0]]
    right.kind = "left" if node.kind == "left" else "inner"
    right.conditions = condition
    return tables + [right]


def _join_condition(node: ast.Join, left: list[_Table], right: _Table) -> list[ast.Expr]:
    from .select import split_conjuncts

    names = list(node.using)
    if node.natural:
        left_names = {c.name.lower() for t in left for c in t.info.columns}
        names = [c.name for c in right.info.columns if c.name.lower() in left_names]
    conditions = split_conjuncts(node.on)
    for name in names:
        owners = [t for t in left if t.info.column(name) is not None]
        if len(owners) != 1 or right.info.column(name) is None:
            raise ProgrammingError(f"column {name} of USING/NATURAL must exist once on each side")
        conditions.append(ast.Binary("=", ast.Column((owners[0].alias, name)), ast.Column((right.alias, name)),
                                     pos=node.pos))
    return conditions


def _aliases(node: Any, scope: Scope) -> Optional[set[str]]:
    """The FROM aliases an expression reads; None if it holds a subquery (placed last, to be safe)."""
    found: set[str] = set()
    for item in walk(node):
        if isinstance(item, SUBQUERIES):
            return None
        if isinstance(item, ast.Column):
            try:
                found.add(scope.resolve(item).table.alias)
            except ProgrammingError:
                pass  # a column of an enclosing query: a constant here
    return found


def plan_from(from_: tuple[ast.Node, ...], where: list[ast.Expr], context: "PlanContext",
              correlation: Any) -> Source:
    if not from_:
        return Source(None, [{"$documents": [{}]}], Scope([]), where)
    tables: list[_Table] = []
    for item in from_:
        flattened = _flatten(item, context, correlation)
        if tables:
            flattened[0].kind = "inner"  # a comma join: an inner join whose conditions are in WHERE
        tables.extend(flattened)
    if len(tables) == 1:
        table = tables[0]
        return Source(table.collection, list(table.prefix_stages), Scope([ScopeTable(table.alias, table.info)]), where)
    return _plan_joins(tables, where, context, correlation)


def _plan_joins(tables: list[_Table], where: list[ast.Expr], context: "PlanContext", correlation: Any) -> Source:
    from .select import SelectPlanner

    seen: set[str] = set()
    for table in tables:
        check_field_name(table.alias)
        if "." in table.alias or table.alias.lower() in seen:
            raise ProgrammingError(f"table name {table.alias!r} is used more than once in FROM; give it an alias")
        seen.add(table.alias.lower())
    if len(tables) > 2 and all(t.kind == "inner" for t in tables[1:]):
        where = where + [c for t in tables for c in t.conditions]
        for table in tables:
            table.conditions = []
        tables = _join_order(tables, where)
    joined = Scope([ScopeTable(t.alias, t.info, t.alias + ".", t.kind in ("left", "full")) for t in tables])
    position = {t.alias: i for i, t in enumerate(tables)}
    left_joined = {t.alias for t in tables if t.kind in ("left", "full")}
    full = driving_is_outer = tables[0].kind == "full"
    driving = tables[0]
    pre: list[ast.Expr] = []
    post: list[ast.Expr] = []
    for conjunct in where:
        aliases = _aliases(conjunct, joined)
        if aliases is None or aliases & left_joined or driving_is_outer:
            post.append(conjunct)
        elif aliases <= {driving.alias}:
            pre.append(conjunct)
        else:
            tables[max(position[a] for a in aliases)].conditions.append(conjunct)

    stages = list(driving.prefix_stages)
    if pre:
        root = SelectPlanner(Scope([ScopeTable(driving.alias, driving.info)]), driving.collection, [],
                             context, correlation)
        condition = root.where_filter(_conjunction(pre))
        root.flush(stages)
        stages.append({"$match": condition})
    pushdown = LimitPushdown(len(stages), driving.alias, Scope([ScopeTable(driving.alias, driving.info)]))
    stages.append({"$project": {"_id": 0, driving.alias: "$$ROOT"}})
    for i, table in enumerate(tables[1:], start=1):
        earlier = SelectPlanner(Scope(joined.tables[:i]), None, [], context, correlation)
        join_stages, one_to_one = _lookup(table, earlier, context)
        stages.extend(join_stages)
        if not one_to_one:
            pushdown = None
    if full:
        stages.append(_unmatched_right_rows(driving, tables[1], joined, context, correlation))
        pushdown = None
    return Source(driving.collection, stages, joined, post, None if post else pushdown)


def _unmatched_right_rows(left: _Table, right: _Table, joined: Scope, context: "PlanContext",
                          correlation: Any) -> dict[str, Any]:
    """FULL JOIN's second half: the right table's rows that match no left row, left columns NULL."""
    from .select import SelectPlanner

    anti = _Table(left.alias, left.info, left.collection, left.prefix_stages, "left", list(right.conditions))
    earlier = SelectPlanner(Scope([joined.tables[1]]), None, [], context, correlation)
    lookup = _lookup(anti, earlier, context)[0][0]
    pipeline = list(right.prefix_stages) + [{"$project": {"_id": 0, right.alias: "$$ROOT"}}, lookup,
                                            {"$match": {left.alias: {"$size": 0}}}, {"$project": {left.alias: 0}}]
    body: dict[str, Any] = {"pipeline": pipeline}
    if right.collection is not None:
        body = {"coll": right.collection, "pipeline": pipeline}
    return {"$unionWith": body}


def _join_order(tables: list[_Table], conditions: list[ast.Expr]) -> list[_Table]:
    """An order for inner joins that never builds a cross product it can avoid.

    Greedy, as SQL planners start: the table with the most conditions of its own (filters on
    constants) drives; then each step adds a table linked to those already joined by a
    condition, so every ``$lookup`` is keyed. Inner joins commute, so the rows are the same.
    """
    scope = Scope([ScopeTable(t.alias, t.info, t.alias + ".") for t in tables])
    links = [a for a in (_aliases(c, scope) for c in conditions) if a is not None]
    own = {t.alias: sum(1 for a in links if a == {t.alias}) for t in tables}
    remaining = list(tables)
    ordered = [max(remaining, key=lambda t: own[t.alias])]  # max keeps the first on ties
    remaining.remove(ordered[0])
    while remaining:
        done = {t.alias for t in ordered}
        linked = [t for t in remaining if any(t.alias in a and a - {t.alias} and a - {t.alias} <= done for a in links)]
        chosen = max(linked or remaining, key=lambda t: own[t.alias])
        ordered.append(chosen)
        remaining.remove(chosen)
    return ordered


def _conjunction(conditions: list[ast.Expr]) -> Optional[ast.Expr]:
    result: Optional[ast.Expr] = None
    for condition in conditions:
        result = condition if result is None else ast.Binary("and", result, condition, pos=condition.pos)
    return result


def _equality_key(condition: ast.Expr, inner: Scope, earlier: Any) -> Optional[tuple[str, str]]:
    """(localField, foreignField) when ``condition`` is ``earlier.column = joined.column``."""
    if not (isinstance(condition, ast.Binary) and condition.op == "="):
        return None
    for local, foreign in ((condition.left, condition.right), (condition.right, condition.left)):
        if isinstance(local, ast.Column) and isinstance(foreign, ast.Column):
            try:
                foreign_binding = inner.resolve(foreign)
                local_binding = earlier.scope.resolve(local)
            except ProgrammingError:
                continue
            return local_binding.path, foreign_binding.path
    return None


def _unique_field(info: TableInfo, path: str) -> bool:
    if path == "_id":
        return True
    return any(len(u) == 1 and info.column(u[0]) is not None and info.column(u[0]).field == path  # type: ignore[union-attr]
               for u in info.unique)


def _lookup(table: _Table, earlier: Any, context: "PlanContext") -> tuple[list[Any], bool]:
    """The join stages, and whether they keep each earlier row exactly once."""
    from .select import SelectPlanner

    inner_scope = Scope([ScopeTable(table.alias, table.info)])
    conditions = list(table.conditions)
    key = None
    if not table.prefix_stages:
        for condition in conditions:
            key = _equality_key(condition, inner_scope, earlier)
            if key is not None:
                conditions.remove(condition)
                break
    correlation = Correlation(earlier.column)
    inner = SelectPlanner(inner_scope, table.collection, [], context, correlation)
    pipeline = list(table.prefix_stages)
    if key is not None and key[1] != "_id":  # _id is never null
        pipeline.append({"$match": {key[1]: {"$ne": None}}})
    if conditions:
        condition = inner.where_filter(_conjunction(conditions))
        inner.flush(pipeline)
        pipeline.append({"$match": condition})
    lookup: dict[str, Any] = {}
    if table.collection is not None:
        lookup["from"] = table.collection
    elif not pipeline or "$documents" not in pipeline[0]:
        raise NotSupportedError("joining a table-less subquery")
    if key is not None:
        lookup["localField"], lookup["foreignField"] = key
    if correlation.lets:
        lookup["let"] = correlation.lets
    lookup["pipeline"] = pipeline
    lookup["as"] = table.alias
    outer = table.kind in ("left", "full")
    unwind = {"path": f"${table.alias}", "preserveNullAndEmptyArrays": outer}
    one_to_one = outer and key is not None and _unique_field(table.info, key[1])
    return [{"$lookup": lookup}, {"$unwind": unwind}], one_to_one
