"""WITH RECURSIVE for hierarchies -> ``$graphLookup``.

The shape that MongoDB's graph traversal expresses exactly is the walk down (or up) a tree
stored in one table::

    WITH RECURSIVE r(c1, ...) AS (
        SELECT <columns of t> FROM t WHERE <anchor condition>
        UNION ALL
        SELECT <the same columns of t> FROM t [AS x] JOIN r ON x.<child> = r.<parent> [WHERE ...]
    ) SELECT ... FROM r ...

It becomes: the anchor rows, each with ``$graphLookup`` collecting the rows reachable through
``x.<child> = r.<parent>`` (the step's WHERE restricts the search), unwound so that every
reachable row is one row of ``r``. On a tree this is exactly UNION ALL's result; a graph with
cycles would loop for ever in SQL, while ``$graphLookup`` stops. Any other recursive query
raises ``NotSupportedError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from ..catalog import ColumnInfo, TableInfo
from ..errors import NotSupportedError, ProgrammingError
from ..plan.binder import Scope, ScopeTable
from ..sql import ast

if TYPE_CHECKING:  # pragma: no cover
    from .planner import PlanContext

SHAPE = ("WITH RECURSIVE is supported for tree walks: an anchor SELECT of one table UNION ALL a step "
         "joining that table to the CTE on one column equality")


def _unsupported(detail: str) -> NotSupportedError:
    return NotSupportedError(f"{SHAPE} ({detail})")


def _single_table(core: ast.SelectCore) -> Optional[ast.TableRef]:
    if len(core.from_) == 1 and isinstance(core.from_[0], ast.TableRef):
        return core.from_[0]
    return None


def _step_parts(core: ast.SelectCore, name: str) -> tuple[ast.TableRef, list[ast.Expr], str]:
    """The step's table and its conditions (the JOIN's and the WHERE's conjuncts)."""
    from .select import split_conjuncts

    conditions = split_conjuncts(core.where)
    if len(core.from_) == 2 and all(isinstance(t, ast.TableRef) for t in core.from_):
        refs = list(core.from_)
    elif len(core.from_) == 1 and isinstance(core.from_[0], ast.Join) and core.from_[0].kind in ("inner", "cross"):
        join = core.from_[0]
        refs = [join.left, join.right]
        conditions = split_conjuncts(join.on) + conditions
    else:
        raise _unsupported("the recursive step must join one table to the CTE")
    recursive = [r for r in refs if isinstance(r, ast.TableRef) and r.name.lower() == name.lower()]
    tables = [r for r in refs if isinstance(r, ast.TableRef) and r.name.lower() != name.lower()]
    if len(recursive) != 1 or len(tables) != 1:
        raise _unsupported("the recursive step must join one table to the CTE")
    return tables[0], conditions, recursive[0].alias or recursive[0].name


def plan_recursive(cte: ast.CommonTable, context: "PlanContext") -> tuple[str, list[Any], TableInfo]:
    body = cte.query.body
    if not (isinstance(body, ast.SetOperation) and body.op == "union" and body.all
            and isinstance(body.left, ast.SelectCore) and isinstance(body.right, ast.SelectCore)):
        raise _unsupported("the body must be anchor UNION ALL step")
    anchor, step = body.left, body.right
    anchor_table = _single_table(anchor)
    if anchor_table is None or anchor.group_by or anchor.distinct:
        raise _unsupported("the anchor must select from one table")
    step_table, conditions, cte_alias = _step_parts(step, cte.name)
    info = context.table(anchor_table.name)
    if context.table(step_table.name).name != info.name:
        raise _unsupported("the step must read the anchor's table")
    anchor_scope = Scope([ScopeTable(anchor_table.alias or anchor_table.name, info)])
    fields = []
    for item in anchor.items:
        if not isinstance(item, ast.SelectItem) or not isinstance(item.expr, ast.Column):
            raise _unsupported("the anchor must select plain columns")
        fields.append(anchor_scope.resolve(item.expr).column)
    names = list(cte.columns) or [f.name for f in fields]  # type: ignore[union-attr]
    if len(names) != len(fields):
        raise ProgrammingError(f"{cte.name} names {len(names)} columns but selects {len(fields)}")
    step_alias = step_table.alias or step_table.name
    step_scope = Scope([ScopeTable(step_alias, info)])
    for item, column in zip(step.items, fields):
        if not (isinstance(item, ast.SelectItem) and isinstance(item.expr, ast.Column)
                and step_scope.resolve(item.expr).column is column):
            raise _unsupported("the step must select the same columns of the table as the anchor")
    link = None
    restrictions = []
    for condition in conditions:
        if link is None and isinstance(condition, ast.Binary) and condition.op == "=":
            pair = _link(condition, cte_alias, names, fields, step_scope)
            if pair is not None:
                link = pair
                continue
        restrictions.append(condition)
    if link is None:
        raise _unsupported("the step must join on <table column> = <CTE column>")
    from .select import SelectPlanner

    stages: list[Any] = []
    if anchor.where is not None:
        stages.append({"$match": SelectPlanner(anchor_scope, info.name, [], context).where_filter(anchor.where)})
    graph: dict[str, Any] = {"from": info.name, "startWith": f"${link[0]}", "connectFromField": link[0],
                             "connectToField": link[1], "as": "__reached"}
    if restrictions:
        # restrictSearchWithMatch takes a query-language filter only (no $expr)
        matches, residual = SelectPlanner(step_scope, info.name, [], context).where_parts(_and(restrictions))
        if residual:
            raise _unsupported("the step's WHERE must compare columns of the table with constants")
        graph["restrictSearchWithMatch"] = matches[0] if len(matches) == 1 else {"$and": matches}
    stages += [{"$graphLookup": graph},
               {"$project": {"__row": {"$concatArrays": [["$$ROOT"], "$__reached"]}}},
               {"$unwind": "$__row"},
               {"$replaceRoot": {"newRoot": "$__row"}},
               {"$project": {"_id": 0, **{n: f"${f.field}" for n, f in zip(names, fields)}}}]  # type: ignore[union-attr]
    table = TableInfo(cte.name, [ColumnInfo(n, f.type) for n, f in zip(names, fields)])  # type: ignore[union-attr]
    return info.name, stages, table


def _and(conditions: list[ast.Expr]) -> ast.Expr:
    result = conditions[0]
    for condition in conditions[1:]:
        result = ast.Binary("and", result, condition, pos=condition.pos)
    return result


def _link(condition: ast.Binary, cte_alias: str, names: list[str], fields: list[Any],
          step_scope: Scope) -> Optional[tuple[str, str]]:
    """(connectFromField, connectToField) for ``x.child = r.parent`` in either order."""
    for table_side, cte_side in ((condition.left, condition.right), (condition.right, condition.left)):
        if not (isinstance(table_side, ast.Column) and isinstance(cte_side, ast.Column)):
            continue
        parts = cte_side.parts
        if len(parts) == 2 and parts[0].lower() == cte_alias.lower() or len(parts) == 1 and parts[0] in names \
                and step_scope.tables[0].info.column(parts[0]) is None:
            column_name = parts[-1]
            if column_name not in names:
                continue
            try:
                child = step_scope.resolve(table_side)
            except ProgrammingError:
                continue
            return fields[names.index(column_name)].field, child.path
    return None
