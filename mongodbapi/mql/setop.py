"""UNION / INTERSECT / EXCEPT [ALL] -> ``$unionWith`` and a ``$group`` that counts each row's sides.

Both sides produce rows as ``{c0, c1, ...}`` with every field present (NULL, never missing),
so equal rows group together as SQL compares them (NULLs equal for set operations). A row that
appears ``l`` times on the left and ``r`` times on the right appears in the result:

==============  ======================
UNION ALL       l + r times (no group)
UNION           once
INTERSECT       once if l > 0 and r > 0
INTERSECT ALL   min(l, r) times
EXCEPT          once if l > 0 and r = 0
EXCEPT ALL      max(l - r, 0) times
==============  ======================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from ..errors import ProgrammingError
from ..sql import ast
from .expr import is_null
from .select import OutputColumn, QueryPlan, count_value

if TYPE_CHECKING:  # pragma: no cover
    from .planner import PlanContext


def _side(node: ast.Node, context: "PlanContext", correlation: Any) -> tuple[Optional[str], list[Any], list[OutputColumn]]:
    if isinstance(node, ast.SetOperation):
        return _combine(node, context, correlation)
    # a parenthesised member with its own ORDER BY/LIMIT/WITH is a query of its own; its sort, skip
    # and limit run inside its side of the $unionWith, before the rows are combined
    select = node if isinstance(node, ast.Select) else ast.Select(node)
    plan = context.plan_query(select, correlation=correlation, as_subquery=True)
    return plan.collection, plan.full_pipeline(), plan.columns


def _union_with(collection: Optional[str], pipeline: list[Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"pipeline": pipeline}
    if collection is not None:
        body = {"coll": collection, "pipeline": pipeline}
    return {"$unionWith": body}


def _combine(node: ast.SetOperation, context: "PlanContext",
             correlation: Any) -> tuple[Optional[str], list[Any], list[OutputColumn]]:
    left_collection, left, left_columns = _side(node.left, context, correlation)
    right_collection, right, right_columns = _side(node.right, context, correlation)
    if len(left_columns) != len(right_columns):
        raise ProgrammingError(f"each {node.op.upper()} query must have the same number of columns "
                               f"({len(left_columns)} and {len(right_columns)})")
    columns = [OutputColumn(left_.name, left_.type or right_.type, left_.nullable or right_.nullable)
               for left_, right_ in zip(left_columns, right_columns)]
    if node.op == "union" and node.all:
        return left_collection, left + [_union_with(right_collection, right)], columns
    keys = {f"c{i}": f"$c{i}" for i in range(len(columns))}
    side = "__side"
    stages = left + [{"$addFields": {side: 0}},
                     _union_with(right_collection, right + [{"$addFields": {side: 1}}])]
    group: dict[str, Any] = {"_id": keys}
    if node.op != "union":
        group["l"] = {"$sum": {"$cond": [{"$eq": [f"${side}", 0]}, 1, 0]}}
        group["r"] = {"$sum": {"$cond": [{"$eq": [f"${side}", 1]}, 1, 0]}}
    stages.append({"$group": group})
    if node.op == "intersect" and not node.all:
        stages.append({"$match": {"l": {"$gt": 0}, "r": {"$gt": 0}}})
    elif node.op == "except" and not node.all:
        stages.append({"$match": {"l": {"$gt": 0}, "r": 0}})
    elif node.all:
        copies = {"$min": ["$l", "$r"]} if node.op == "intersect" else {"$max": [{"$subtract": ["$l", "$r"]}, 0]}
        stages += [{"$set": {"__copy": {"$range": [0, copies]}}}, {"$unwind": "$__copy"}]
    stages.append({"$replaceRoot": {"newRoot": "$_id"}})
    return left_collection, stages, columns


def plan_set_operation(select: ast.Select, context: "PlanContext", correlation: Any) -> QueryPlan:
    assert isinstance(select.body, ast.SetOperation)
    collection, stages, columns = _combine(select.body, context, correlation)
    sort: dict[str, int] = {}
    ranks: dict[str, Any] = {}
    for j, item in enumerate(select.order_by):
        index = _output_index(item.expr, columns, select.body)
        key = f"c{index}"
        if item.nulls_first is not None and item.nulls_first == item.descending:
            ranks[f"n{j}"] = {"$cond": [is_null(f"${key}"), 0 if item.nulls_first else 1,
                                        1 if item.nulls_first else 0]}
            sort[f"n{j}"] = 1
        sort[key] = -1 if item.descending else 1
    if ranks:
        stages.append({"$addFields": ranks})
    if sort:
        stages.append({"$sort": sort})
    return QueryPlan(collection, columns, stages, skip=count_value(select.offset), limit=count_value(select.limit),
                     keys=[f"c{i}" for i in range(len(columns))])


def _first_core(node: ast.Node) -> ast.SelectCore:
    while isinstance(node, (ast.SetOperation, ast.Select)):
        node = node.left if isinstance(node, ast.SetOperation) else node.body
    assert isinstance(node, ast.SelectCore)
    return node


def _output_index(expr: ast.Expr, columns: list[OutputColumn], body: ast.Node) -> int:
    """ORDER BY of a compound query names an output column: by position, name or expression."""
    if isinstance(expr, ast.Literal) and expr.kind == "integer":
        if not 1 <= expr.value <= len(columns):
            raise ProgrammingError(f"ORDER BY position {expr.value} is not in the select list")
        return expr.value - 1
    if isinstance(expr, ast.Column):
        matches = [i for i, c in enumerate(columns) if c.name == expr.parts[-1]]
        if matches:
            return matches[0]
    items = [i for i in _first_core(body).items if isinstance(i, ast.SelectItem)]
    for i, item in enumerate(items):
        if item.expr == expr:
            return i
    raise ProgrammingError("ORDER BY of a UNION, INTERSECT or EXCEPT must name a result column")
