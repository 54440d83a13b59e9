"""Window functions -> ``$setWindowFields``.

One ``$setWindowFields`` stage per distinct (PARTITION BY, ORDER BY); the sort keys are computed
first into fields (``sortBy`` takes fields, not expressions). MongoDB ranks over a single sort
field only, so several ORDER BY keys of one direction are combined into one sub-document,
which sorts field by field.

Frames follow SQL. Without ORDER BY the frame is the whole partition. With ORDER BY the default
frame is ``RANGE UNBOUNDED PRECEDING .. CURRENT ROW``, which includes the current row's peers
(rows with an equal sort key); MongoDB's ``"current"`` bound stops at the current document, so
the value is computed over ``documents: ["unbounded", "current"]`` and then a second
``$setWindowFields``, partitioned by (partition, sort key), gives every peer the value of the
last of them. In explicit RANGE frames ``CURRENT ROW`` is the offset 0 (the current sort value,
peers included), which MongoDB allows on a numeric ascending sort key.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from ..errors import NotSupportedError, ProgrammingError
from ..sql import ast
from ..sql.walk import walk
from ..types import INTEGER_TYPES
from .expr import ExprCompiler, Typed, not_null, unsupported

RANKING = {"row_number": "$documentNumber", "rank": "$rank", "dense_rank": "$denseRank"}
AGGREGATING = {"sum", "avg", "min", "max", "count"}


def window_calls(node: Any) -> list[ast.Func]:
    """The window function calls in ``node``, in order, without duplicates."""
    found: list[ast.Func] = []
    for item in walk(node, into_subqueries=False):
        if isinstance(item, ast.Func) and item.over is not None and item not in found:
            found.append(item)
    return found


_SORTED_OPERATORS = frozenset({"$documentNumber", "$rank", "$denseRank", "$shift"})


def _needs_sort(spec: dict[str, Any]) -> bool:
    """Whether MongoDB needs a ``sortBy`` for this output: the ranking operators and ``$shift``
    always do, other operators when their window is not the whole partition."""
    if _SORTED_OPERATORS.intersection(spec):
        return True
    window = spec.get("window")
    if window is None:
        return False
    bounds = window.get("documents") or window.get("range")
    return bounds != ["unbounded", "unbounded"]


def _bound(bound: tuple[str, Any], unit: str) -> Any:
    kind, value = bound
    if kind in ("unbounded_preceding", "unbounded_following"):
        return "unbounded"
    if kind == "current_row":
        return "current"
    if not isinstance(value, ast.Literal) or not isinstance(value.value, (int, float)):
        raise NotSupportedError("window frame offsets must be numeric literals")
    return -value.value if kind == "preceding" else value.value


class WindowPlanner:
    """Adds ``$setWindowFields`` stages and lets later expressions read their results."""

    def __init__(self, compiler: ExprCompiler) -> None:
        self.compiler = compiler
        self.results: dict[ast.Func, Typed] = {}

    def substitute(self, base: Optional[Callable[[ast.Expr], Optional[Typed]]]) -> Callable[[ast.Expr], Optional[Typed]]:
        def lookup(node: ast.Expr) -> Optional[Typed]:
            if isinstance(node, ast.Func) and node.over is not None:
                return self.results[node]
            return base(node) if base is not None else None
        return lookup

    def stages(self, calls: list[ast.Func]) -> list[Any]:
        groups: dict[tuple[Any, ...], list[ast.Func]] = {}
        for call in calls:
            spec = call.over
            assert spec is not None
            groups.setdefault((spec.partition_by, spec.order_by), []).append(call)
        stages: list[Any] = []
        for number, ((partition, order), members) in enumerate(groups.items()):
            stages.extend(self._stage(number, partition, order, members))
        return stages

    def _stage(self, number: int, partition: tuple[ast.Expr, ...], order: tuple[ast.OrderItem, ...],
               calls: list[ast.Func]) -> list[Any]:
        compiler = self.compiler
        prepared: dict[str, Any] = {}
        body: dict[str, Any] = {}
        if partition:
            values = [compiler.value(p).mql for p in partition]
            body["partitionBy"] = values[0] if len(values) == 1 else {f"p{i}": v for i, v in enumerate(values)}
        self.single_key = True
        if order:
            directions = {item.descending for item in order}
            if len(directions) > 1:
                raise NotSupportedError("window ORDER BY with mixed ASC/DESC directions")
            keys = [compiler.value(item.expr) for item in order]
            sort_key = f"__wk{number}"
            # In a sub-document a missing field would change the field-by-field comparison, so
            # every key is present (NULL sorts first, as a single NULL key does).
            prepared[sort_key] = keys[0].mql if len(keys) == 1 else {
                f"k{i}": {"$ifNull": [k.mql, None]} for i, k in enumerate(keys)}
            body["sortBy"] = {sort_key: -1 if order[0].descending else 1}
            self.single_key = len(keys) == 1
        output: dict[str, Any] = {}
        self.peers: list[str] = []
        for index, call in enumerate(calls):
            field = f"__w{number}_{index}"
            operators, result = self._output(call, field, bool(order))
            output.update(operators)
            self.results[call] = result
            if self._needs_peers(call, bool(order)):
                self.peers.extend(operators)
        stages: list[Any] = []
        if prepared:
            stages.append({"$addFields": prepared})
        if self.peers:
            output[f"__rn{number}"] = {"$documentNumber": {}}
        if not output:  # every call was a constant (RANK() without ORDER BY is 1)
            return stages
        if not order and any(_needs_sort(spec) for spec in output.values()):
            # Without ORDER BY the rows of a partition come in no particular order, any order is
            # SQL's answer; MongoDB still needs one for these operators, so the key decides.
            body["sortBy"] = {"_id": 1}
        body["output"] = output
        stages.append({"$setWindowFields": body})
        if self.peers:
            peer_group = {"p": body.get("partitionBy"), "k": {"$ifNull": [f"$__wk{number}", None]}}
            everything = {"documents": ["unbounded", "unbounded"]}
            stages.append({"$setWindowFields": {
                "partitionBy": peer_group, "sortBy": {f"__rn{number}": 1},
                "output": {f: {"$last": f"${f}", "window": everything} for f in self.peers}}})
        return stages

    @staticmethod
    def _needs_peers(call: ast.Func, ordered: bool) -> bool:
        """Whether ``call`` uses SQL's default frame over an ORDER BY (which includes peers)."""
        assert call.over is not None
        return ordered and call.over.frame is None and call.name not in RANKING \
            and call.name not in ("lag", "lead", "first_value", "ntile", "percent_rank")

    def _window(self, call: ast.Func, ordered: bool) -> Optional[dict[str, Any]]:
        spec = call.over
        assert spec is not None
        if spec.frame is not None:
            unit, start, end = spec.frame
            if unit == "groups":
                raise unsupported(call, "GROUPS window frames")
            bounds = [_bound(start, unit), _bound(end, unit)]
            if unit == "range" and not ordered:
                # Without ORDER BY all rows of the partition are peers: CURRENT ROW reaches them all
                if any(b not in ("unbounded", "current") for b in bounds):
                    raise ProgrammingError("RANGE with offset PRECEDING/FOLLOWING needs exactly one ORDER BY column")
                return {"documents": ["unbounded", "unbounded"]}
            if unit == "range":
                if not self.single_key or call.over.order_by[0].descending:  # type: ignore[union-attr]
                    raise unsupported(call, "RANGE frames other than over one ascending numeric ORDER BY key")
                bounds = [0 if b == "current" else b for b in bounds]
            return {"documents" if unit == "rows" else "range": bounds}
        if not ordered:
            return {"documents": ["unbounded", "unbounded"]}
        return {"documents": ["unbounded", "current"]}  # peers are added by a second stage

    def _output(self, call: ast.Func, field: str, ordered: bool) -> tuple[dict[str, Any], Typed]:
        """The output fields (name -> window operator) for ``call`` and how to read its value."""
        name = call.name
        ref = f"${field}"
        if name in RANKING:
            if not ordered and name != "row_number":  # every row is a peer of every other: all rank first
                return {}, Typed({"$literal": 1}, "BIGINT", False)
            return {field: {RANKING[name]: {}}}, Typed(ref, "BIGINT", False)
        if name in ("lag", "lead"):
            value = self.compiler.value(call.args[0])
            offset = call.args[1].value if len(call.args) > 1 and isinstance(call.args[1], ast.Literal) else 1
            default = self.compiler.value(call.args[2]).mql if len(call.args) > 2 else None
            shift = {"output": value.mql, "by": -offset if name == "lag" else offset, "default": default}
            return {field: {"$shift": shift}}, Typed(ref, value.type, True)
        if name in ("first_value", "last_value"):
            value = self.compiler.value(call.args[0])
            operator = "$first" if name == "first_value" else "$last"
            return {field: {operator: value.mql, "window": self._window(call, ordered)}}, Typed(ref, value.type, True)
        if name == "percent_rank":  # (rank - 1) / (rows in the partition - 1); 0 for a single row
            if not ordered:  # every row ranks first
                return {}, Typed({"$literal": 0.0}, "REAL", False)
            everything = {"documents": ["unbounded", "unbounded"]}
            rank, rows = f"${field}_r", f"${field}_n"
            value = {"$cond": [{"$lte": [rows, 1]}, 0.0,
                               {"$divide": [{"$subtract": [rank, 1]}, {"$subtract": [rows, 1]}]}]}
            return ({f"{field}_r": {"$rank": {}}, f"{field}_n": {"$sum": 1, "window": everything}},
                    Typed(value, "REAL", False))
        if name == "ntile":
            return self._ntile(call, field)
        if name == "cume_dist":
            raise unsupported(call, f"{name}()")
        if name in AGGREGATING:
            return self._aggregate(call, field, ordered)
        raise unsupported(call, f"window function {name}()")

    def _ntile(self, call: ast.Func, field: str) -> tuple[dict[str, Any], Typed]:
        """NTILE(k): rows numbered in order, the first (rows % k) buckets one row larger (SQL)."""
        if len(call.args) != 1 or not isinstance(call.args[0], ast.Literal) or not isinstance(call.args[0].value, int) \
                or call.args[0].value < 1:
            raise ProgrammingError("ntile() takes one positive integer literal")
        buckets = call.args[0].value
        everything = {"documents": ["unbounded", "unbounded"]}
        number, rows = f"${field}_i", f"${field}_n"
        size = {"$trunc": [{"$divide": [rows, buckets]}, 0]}  # rows per bucket, rounded down
        larger = {"$mod": [rows, buckets]}  # how many buckets hold one more row
        in_larger = {"$multiply": [larger, {"$add": [size, 1]}]}  # rows inside the larger buckets
        value = {"$cond": [
            {"$lte": [number, in_larger]},
            {"$add": [{"$trunc": [{"$divide": [{"$subtract": [number, 1]}, {"$add": [size, 1]}]}, 0]}, 1]},
            {"$add": [larger, {"$trunc": [{"$divide": [{"$subtract": [{"$subtract": [number, 1]}, in_larger]},
                                                        size]}, 0]}, 1]}]}
        return ({f"{field}_i": {"$documentNumber": {}}, f"{field}_n": {"$sum": 1, "window": everything}},
                Typed(value, "BIGINT", False))

    def _aggregate(self, call: ast.Func, field: str, ordered: bool) -> tuple[dict[str, Any], Typed]:
        window = self._window(call, ordered)
        ref = f"${field}"
        if call.distinct:
            raise unsupported(call, "DISTINCT in a window aggregate")
        if call.star or call.name == "count":
            counted: Any = 1
            if not call.star:
                value = self.compiler.value(call.args[0])
                counted = {"$cond": [not_null(value.mql), 1, 0]}
            return {field: {"$sum": counted, "window": window}}, Typed(ref, "BIGINT", False)
        value = self.compiler.value(call.args[0])
        if call.name == "sum":
            # SUM over only NULLs is NULL; $sum would give 0, so a count of non-NULLs decides.
            operators = {f"{field}_s": {"$sum": value.mql, "window": window},
                         f"{field}_n": {"$sum": {"$cond": [not_null(value.mql), 1, 0]}, "window": window}}
            result_type = "BIGINT" if value.type in INTEGER_TYPES else value.type
            return operators, Typed({"$cond": [{"$eq": [f"{ref}_n", 0]}, None, f"{ref}_s"]}, result_type, True)
        operator = {"avg": "$avg", "min": "$min", "max": "$max"}[call.name]
        result_type = "REAL" if call.name == "avg" and value.type != "DECIMAL" else value.type
        return {field: {operator: value.mql, "window": window}}, Typed(ref, result_type, True)
