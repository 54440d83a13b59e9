"""Subqueries -> ``$lookup`` stages, correlated through ``let`` variables.

Each subquery becomes one ``$lookup`` whose pipeline is the subquery's own plan; columns of
the enclosing query become ``let`` variables (``$$o0`` ...). The enclosing planner places the
stage before the first stage that reads it. What the lookup returns is kept small:

* scalar ``(SELECT ...)``: at most two rows (two is an error, as in SQL);
* ``EXISTS``: at most one row;
* ``x IN (SELECT ...)``, ``x op ANY|ALL (SELECT ...)``: one summary row counting the subquery's
  rows, those that satisfy ``x op value``, those that violate it and the NULLs, from which
  SQL's three-valued answer follows exactly (``NOT IN`` with a NULL in the subquery is never
  TRUE; over an empty subquery ``ANY`` is FALSE and ``ALL`` is TRUE).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Optional

from ..errors import ProgrammingError
from ..sql import ast
from .expr import Typed, all_of, any_of, not_null

if TYPE_CHECKING:  # pragma: no cover
    from .select import SelectPlanner

# A scalar subquery with more than one row makes MongoDB fail converting this text, so the
# statement fails with this message (there is no "raise" operator in aggregation expressions).
TOO_MANY_ROWS = "more than one row returned by a subquery used as an expression"

_COMPARE = {"=": "$eq", "<>": "$ne", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_NEGATE = {"=": "<>", "<>": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


class Correlation:
    """Names of the enclosing query, seen from a subquery, as ``let`` variables."""

    def __init__(self, outer: Callable[[ast.Column], Typed]) -> None:
        self.outer = outer  # resolves a column in the enclosing query
        self.lets: dict[str, Any] = {}

    def resolve(self, node: ast.Column) -> Typed:
        value = self.outer(node)
        for name, existing in self.lets.items():
            if existing == value.mql:
                return Typed("$$" + name, value.type, value.nullable)
        name = f"o{len(self.lets)}"
        self.lets[name] = value.mql
        return Typed("$$" + name, value.type, value.nullable)


class SubqueryBuilder:
    def __init__(self, planner: "SelectPlanner", sink: list[Any],
                 resolve: Callable[[ast.Column], Typed], compiler: Any = None) -> None:
        """``sink`` receives the ``$lookup`` stages; ``resolve`` names the enclosing query's columns
        (before ``$group``: the documents' fields; after it: the group keys and aggregates)."""
        self.planner = planner
        self.sink = sink
        self.resolve = resolve
        self.compiler = compiler  # compiles the operand of IN/ANY/ALL; the planner's by default
        self.done: dict[tuple[Any, ...], str] = {}  # (kind, node) -> lookup field
        self.shapes: dict[str, tuple[int, Optional[str]]] = {}  # lookup field -> (columns, first type)

    def _lookup(self, key: tuple[Any, ...], query: ast.Select, tail: list[Any],
                extra_lets: Optional[dict[str, Any]] = None) -> str:
        """Register the ``$lookup`` for ``query`` (plus ``tail`` stages); returns its field."""
        found = self.done.get(key)
        if found is not None:
            return found
        context = self.planner.context
        correlation = Correlation(self.resolve)
        plan = context.plan_query(query, correlation=correlation, as_subquery=True)
        name = f"__sq{context.next_id()}"
        lets = dict(correlation.lets)
        lets.update(extra_lets or {})
        lookup: dict[str, Any] = {}
        if plan.collection is not None:
            lookup["from"] = plan.collection
        if lets:
            lookup["let"] = lets
        lookup["pipeline"] = plan.full_pipeline() + tail
        lookup["as"] = name
        self.sink.append({"$lookup": lookup})
        self.done[key] = name
        self.shapes[name] = (len(plan.columns), plan.columns[0].type if plan.columns else None)
        return name

    def compile(self, node: ast.Expr, want: Optional[bool]) -> Any:
        if isinstance(node, ast.ScalarSubquery):
            return self._scalar(node, want)
        if isinstance(node, ast.Exists):
            name = self._lookup(("exists", node.query), node.query, [{"$limit": 1}, {"$project": {"_id": 1}}])
            size = {"$size": f"${name}"}
            return {"$gt": [size, 0]} if want else {"$eq": [size, 0]}
        if isinstance(node, ast.InSubquery):
            quantified = ast.Quantified("=", "any", node.operand, node.query, pos=node.pos)
            return self._quantified(quantified, want if not node.negated else not want)
        if isinstance(node, ast.Quantified):
            return self._quantified(node, want)
        raise ProgrammingError(f"unexpected subquery form {type(node).__name__}")

    def _scalar(self, node: ast.ScalarSubquery, want: Optional[bool]) -> Any:
        name = self._lookup(("scalar", node.query), node.query, [{"$limit": 2}])
        columns, type_code = self.shapes[name]
        if columns != 1:
            raise ProgrammingError(f"a subquery used as an expression must return one column "
                                   f"(line {node.pos[0]}, column {node.pos[1]})")
        value = {"$cond": [{"$gt": [{"$size": f"${name}"}, 1]}, {"$toInt": TOO_MANY_ROWS},
                           {"$arrayElemAt": [f"${name}.c0", 0]}]}
        typed = Typed(value, type_code, True)
        if want is None:
            return typed
        compiler = self.compiler or self.planner.compiler
        if typed.type == "BOOLEAN":
            return {"$eq": [value, want]}
        return compiler.truth(ast.Binary("<>" if want else "=", node, ast.Literal(0, "integer"), pos=node.pos))

    def _quantified(self, node: ast.Quantified, want: Optional[bool]) -> Any:
        operand = (self.compiler or self.planner.compiler).value(node.left)
        op = node.op
        satisfied = {"$and": [{"$gt": ["$c0", None]}, {_COMPARE[op]: ["$$q", "$c0"]}]}
        violated = {"$and": [{"$gt": ["$c0", None]}, {_COMPARE[_NEGATE[op]]: ["$$q", "$c0"]}]}
        # Each row is classified first, then counted; the counts go in one summary row.
        classify = {"$project": {"_id": 0, "sat": {"$cond": [satisfied, 1, 0]}, "unsat": {"$cond": [violated, 1, 0]},
                                 "nul": {"$cond": [{"$lte": ["$c0", None]}, 1, 0]}}}
        summary = [classify, {"$group": {"_id": None, "n": {"$sum": 1}, "sat": {"$sum": "$sat"},
                                         "unsat": {"$sum": "$unsat"}, "nul": {"$sum": "$nul"}}}]
        name = self._lookup(("quantified", node), node.query, summary, {"q": operand.mql})
        if self.shapes[name][0] != 1:
            raise ProgrammingError(f"the subquery of IN/ANY/ALL must return one column (line {node.pos[0]})")

        def count(field: str) -> Any:
            return {"$ifNull": [{"$arrayElemAt": [f"${name}.{field}", 0]}, 0]}

        empty = {"$eq": [count("n"), 0]}
        present = not_null(operand.mql) if operand.nullable else True
        if node.quantifier == "any":
            truth = all_of(present, {"$gt": [count("sat"), 0]})
            falsity = any_of(empty, all_of(present, {"$eq": [count("sat"), 0]}, {"$eq": [count("nul"), 0]}))
        else:
            truth = any_of(empty, all_of(present, {"$eq": [count("unsat"), 0]}, {"$eq": [count("nul"), 0]}))
            falsity = all_of(present, {"$gt": [count("unsat"), 0]})
        if want is None:
            return Typed({"$cond": [truth, True, {"$cond": [falsity, False, None]}]}, "BOOLEAN", True)
        return truth if want else falsity
