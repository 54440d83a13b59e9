"""SQL expressions -> MongoDB aggregation expressions, with SQL's NULL semantics.

Every value expression compiles to a :class:`Typed` (the aggregation expression, its SQL
type, whether it can be NULL). Predicates compile in two-valued forms: :meth:`truth` is an
expression that is true exactly where the predicate is TRUE, :meth:`falsity` exactly where it
is FALSE; where the predicate is NULL (UNKNOWN) both are false. ``NOT p`` is ``falsity(p)``,
so ``NOT (a = 1)`` never matches a row where ``a`` is NULL or missing.

In aggregation expressions a missing field sorts below null, so ``{$lte: [x, null]}`` is the
test for "x is NULL or missing" and ``{$gt: [x, null]}`` its opposite.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass
from typing import Any, Callable, Optional

from ..errors import DataError, NotSupportedError, ProgrammingError
from ..sql import ast
from ..types import INTEGER_TYPES, TEXT_TYPES, canonical_type, timedelta_micros, to_bson_as
from .template import END_OF_TEXT, REGEX_SPECIAL, LikePattern, Value, like_to_regex, lookup

AGGREGATES = frozenset({"count", "sum", "avg", "min", "max", "total", "group_concat", "string_agg",
                        "bool_and", "bool_or", "every", "array_agg", "stddev", "stddev_pop", "stddev_samp",
                        "variance", "var_pop", "var_samp"})

_COMPARE = {"=": "$eq", "<>": "$ne", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_NEGATE = {"=": "<>", "<>": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}


@dataclass(frozen=True)
class Typed:
    mql: Any
    type: Optional[str]
    nullable: bool = True


def literal(value: Any) -> Any:
    """A constant inside an aggregation expression (``$literal`` where it could be misread)."""
    if isinstance(value, str) and value.startswith("$"):
        return {"$literal": value}
    if isinstance(value, (dict, list)):
        return {"$literal": value}
    return value


def is_null(mql: Any) -> dict[str, Any]:
    return {"$lte": [mql, None]}


def not_null(mql: Any) -> dict[str, Any]:
    return {"$gt": [mql, None]}


def all_of(*conditions: Any) -> Any:
    parts = [c for c in conditions if c is not True]
    if any(c is False for c in parts):
        return False
    if not parts:
        return True
    return parts[0] if len(parts) == 1 else {"$and": parts}


def any_of(*conditions: Any) -> Any:
    parts = [c for c in conditions if c is not False]
    if any(c is True for c in parts):
        return True
    if not parts:
        return False
    return parts[0] if len(parts) == 1 else {"$or": parts}


def null_guard(args: list[Typed], result: Any) -> Any:
    """``result``, or NULL when any nullable argument is NULL."""
    checks = [is_null(a.mql) for a in args if a.nullable]
    if not checks:
        return result
    return {"$cond": [any_of(*checks), None, result]}


def arithmetic_type(left: Optional[str], right: Optional[str]) -> Optional[str]:
    if left in INTEGER_TYPES and right in INTEGER_TYPES:
        return "BIGINT" if "BIGINT" in (left, right) else "INTEGER"
    if "REAL" in (left, right):
        return "REAL"
    if "DECIMAL" in (left, right):
        return "DECIMAL"
    if left in INTEGER_TYPES and right is None or right in INTEGER_TYPES and left is None:
        return None
    return left if left == right else None


class ExprCompiler:
    """Compiles expressions of one query level.

    ``resolve_column`` maps a column reference to a :class:`Typed`; ``substitute`` is consulted
    first for every node (the planner uses it to replace GROUP BY expressions and aggregates
    by the fields ``$group`` produced); ``subquery(node, want)`` compiles a subquery: its value
    (``want`` None) or the condition that it is TRUE/FALSE.
    """

    def __init__(self, resolve_column: Callable[[ast.Column], Typed],
                 substitute: Optional[Callable[[ast.Expr], Optional[Typed]]] = None,
                 subquery: Optional[Callable[[ast.Expr, Optional[bool]], Any]] = None) -> None:
        self.resolve_column = resolve_column
        self.substitute = substitute
        self.subquery = subquery

    # ------------------------------------------------------------- values

    def value(self, node: ast.Expr, expected_type: Optional[str] = None) -> Typed:
        if self.substitute is not None:
            replaced = self.substitute(node)
            if replaced is not None:
                return replaced
        method = getattr(self, "_value_" + type(node).__name__, None)
        if method is None:
            raise unsupported(node, type(node).__name__)
        if isinstance(node, ast.Param):
            return method(node, expected_type)
        return method(node)

    def _value_Literal(self, node: ast.Literal) -> Typed:
        kind = {"integer": "INTEGER", "real": "REAL", "text": "TEXT", "boolean": "BOOLEAN"}.get(node.kind)
        if node.kind == "integer" and not -(2**31) <= node.value < 2**31:
            kind = "BIGINT"
        return Typed(literal(node.value), kind, node.value is None)

    def _value_Param(self, node: ast.Param, expected_type: Optional[str]) -> Typed:
        return Typed(Value(node.key, expected_type, literal=True), expected_type, True)

    def _value_Column(self, node: ast.Column) -> Typed:
        return self.resolve_column(node)

    def _value_Subscript(self, node: ast.Subscript) -> Typed:
        """``x[0]`` is an element of an array, ``x['k']`` a field of a document (PostgreSQL's
        ``jsonb -> i`` and ``-> 'k'``); any other combination, and NULL, is NULL, never an error
        ($arrayElemAt and $getField fail on an input of the wrong type)."""
        operand = self.value(node.operand)
        if isinstance(node.index, ast.Literal) and node.index.kind == "text":
            return Typed(field_of_document(operand.mql, literal(node.index.value)), None, True)
        if isinstance(node.index, ast.Literal):
            index = self.value(node.index, "INTEGER")
            return Typed(element_of_array(operand.mql, index.mql), None, True)
        if not isinstance(node.index, ast.Param):
            raise unsupported(node, "a subscript that is neither a constant nor a placeholder")
        index = self.value(node.index)
        return Typed({"$let": {"vars": {"subscripted": operand.mql, "subscript": index.mql}, "in": {"$switch": {
            "branches": [
                {"case": {"$and": [{"$isArray": "$$subscripted"}, {"$isNumber": "$$subscript"}]},
                 "then": {"$arrayElemAt": ["$$subscripted", "$$subscript"]}},
                {"case": {"$and": [{"$eq": [{"$type": "$$subscripted"}, "object"]},
                                   {"$eq": [{"$type": "$$subscript"}, "string"]}]},
                 "then": {"$getField": {"field": index.mql, "input": "$$subscripted"}}}],
            "default": None}}}}, None, True)

    def _value_Member(self, node: ast.Member) -> Typed:
        operand = self.value(node.operand)
        return Typed(field_of_document(operand.mql, literal(node.name)), None, True)

    def _value_Unary(self, node: ast.Unary) -> Typed:
        if node.op == "not":
            return self.predicate_value(node)
        operand = self.value(node.operand)
        if node.op == "+":
            return operand
        if node.op == "~":
            _check_integer(node, "~", operand)
            return Typed({"$bitNot": operand.mql}, operand.type, operand.nullable)
        return Typed({"$multiply": [-1, operand.mql]}, operand.type, operand.nullable)

    def _value_Binary(self, node: ast.Binary) -> Typed:
        if node.op in _COMPARE or node.op in ("and", "or"):
            return self.predicate_value(node)
        if node.op in _BITWISE:
            return self._bitwise(node)
        left = self.value(node.left)
        right = self.value(node.right)
        if node.op == "||":
            return self._concat(left, right)
        nullable = left.nullable or right.nullable
        if {left.type, right.type} & _TEMPORAL:
            return self._temporal(node, left, right)
        result_type = arithmetic_type(left.type, right.type)
        if node.op in ("+", "-", "*"):
            operator = {"+": "$add", "-": "$subtract", "*": "$multiply"}[node.op]
            return Typed({operator: [left.mql, right.mql]}, result_type, nullable)
        # Division and remainder by zero give NULL, as in SQLite (the oracle for semantics here).
        divisor_zero = {"$eq": [right.mql, 0]}
        if node.op == "%":
            return Typed({"$cond": [divisor_zero, None, {"$mod": [left.mql, right.mql]}]}, result_type, True)
        quotient: Any = {"$divide": [left.mql, right.mql]}
        if result_type in INTEGER_TYPES:
            quotient = {"$trunc": [quotient, 0]}
        elif result_type is None and left.type not in ("REAL", "DECIMAL") and right.type not in ("REAL", "DECIMAL"):
            both_integers = {"$and": [{"$in": [{"$type": left.mql}, ["int", "long"]]},
                                      {"$in": [{"$type": right.mql}, ["int", "long"]]}]}
            quotient = {"$cond": [both_integers, {"$trunc": [quotient, 0]}, quotient]}
        return Typed({"$cond": [divisor_zero, None, quotient]}, result_type or None, True)

    def _temporal(self, node: ast.Binary, left: Typed, right: Typed) -> Typed:
        """Arithmetic with dates, timestamps and intervals, with PostgreSQL's operators: timestamp or date
        +/- interval is a timestamp, timestamp - timestamp an interval, interval +/- interval, interval
        * number and interval / number intervals; date +/- integer moves by days and date - date is a
        number of days; time - time is an interval. A placeholder next to a timestamp or an interval is an
        interval (a timedelta), except as an operand of ``-`` with a time, or left of ``- timestamp``; next
        to ``*`` or ``/`` it is a number.
        Any other combination is an error, never a number of milliseconds."""
        op = node.op
        if isinstance(node.right, ast.Param):
            right = self._placeholder(node.right, op, left.type)
        if isinstance(node.left, ast.Param):
            left = self._placeholder(node.left, op, right.type)
        left, right = self._coerce_interval_text(left, right, op), self._coerce_interval_text(right, left, op)
        lt, rt = left.type, right.type
        nullable = left.nullable or right.nullable
        if left.mql is None and lt is None or right.mql is None and rt is None:
            return Typed(None, None, True)  # an operand is the NULL literal
        if lt == rt == "TIME" and op == "-":
            return Typed({"$subtract": [_time_micros(left.mql), _time_micros(right.mql)]}, "INTERVAL", nullable)
        if "TIME" in (lt, rt):
            raise NotSupportedError(f"TIME {op} {(rt if lt == 'TIME' else lt) or 'unknown'} is not supported: TIME is "
                                    f"stored as text; only TIME - TIME is (line {node.pos[0]}, column {node.pos[1]})")
        if op in ("+", "-"):
            if lt in _DATETIMES and rt == "INTERVAL":
                return _shift_datetime(left, right, op, nullable)
            if op == "+" and lt == "INTERVAL" and rt in _DATETIMES:
                return _shift_datetime(right, left, op, nullable)
            if op == "-" and lt in _DATETIMES and rt in _DATETIMES and (lt, rt) != ("DATE", "DATE"):
                # $subtract of two dates is their difference in milliseconds (exact: dates hold milliseconds)
                return Typed({"$multiply": [{"$subtract": [left.mql, right.mql]}, 1000]}, "INTERVAL", nullable)
            if lt == rt == "INTERVAL":
                return Typed({"$add" if op == "+" else "$subtract": [left.mql, right.mql]}, "INTERVAL", nullable)
            if "DATE" in (lt, rt) and "INTERVAL" not in (lt, rt):
                return _date_arithmetic(op, left, right, nullable)
        if op == "*" and "INTERVAL" in (lt, rt):
            interval, factor = (left, right) if lt == "INTERVAL" else (right, left)
            if factor.type in _NUMBERS or factor.type is None:
                return Typed(_scaled(interval.mql, factor, "$multiply"), "INTERVAL", nullable)
        if op == "/" and lt == "INTERVAL" and (rt in _NUMBERS or rt is None):
            return Typed({"$cond": [{"$eq": [right.mql, 0]}, None, _scaled(left.mql, right, "$divide")]},
                         "INTERVAL", True)
        names = [(t or "unknown").lower() for t in (lt, rt)]
        hint = "; CAST the operand of unknown type" if None in (lt, rt) else ""
        raise ProgrammingError(f"operator does not exist: {names[0]} {op} {names[1]} (line {node.pos[0]}, "
                               f"column {node.pos[1]}){hint}")

    def _placeholder(self, node: ast.Param, op: str, other: Optional[str]) -> Typed:
        """A placeholder operand of date/time arithmetic, typed as PostgreSQL types an untyped literal:
        as the other operand, except that added to a date/time it is an interval; a factor or divisor
        of an interval is a number."""
        if op not in ("+", "-") or other is None:
            return self.value(node, None)
        if op == "+" and other in _DATETIMES + ("TIME",) or other == "INTERVAL":
            return Typed(_IntervalValue(node.key), "INTERVAL", True)
        return self.value(node, other)

    @staticmethod
    def _coerce_interval_text(value: Typed, other: Typed, op: str) -> Typed:
        """A text literal added to or subtracted from a date/time value is an interval ('1 day')."""
        if (op in ("+", "-") and other.type in _DATETIMES + ("INTERVAL",) and value.type == "TEXT"
                and isinstance(value.mql, str)):
            return Typed(literal(to_bson_as(value.mql, "INTERVAL")), "INTERVAL", False)
        return value

    def _bitwise(self, node: ast.Binary) -> Typed:
        """``& | #`` are ``$bitAnd $bitOr $bitXor`` (MongoDB 6.3+: int/long operands, NULL in, NULL
        out, a double or decimal is an error); the shifts are computed as SQLite defines them."""
        left = self.value(node.left, "INTEGER")
        right = self.value(node.right, "INTEGER")
        _check_integer(node, node.op, left, right)
        nullable = left.nullable or right.nullable
        result_type = arithmetic_type(left.type, right.type)
        if node.op in ("<<", ">>"):
            return Typed(null_guard([left, right], _shift(node.op, left, right)), left.type, nullable)
        return Typed({_BITWISE[node.op]: [left.mql, right.mql]}, result_type, nullable)

    def _concat(self, left: Typed, right: Typed) -> Typed:
        parts = [self.as_text(left), self.as_text(right)]
        return Typed(null_guard([left, right], {"$concat": parts}), "TEXT", left.nullable or right.nullable)

    @staticmethod
    def as_text(operand: Typed) -> Any:
        if operand.type == "INTERVAL":
            raise NotSupportedError("an INTERVAL as text is not supported (it is stored as microseconds)")
        if operand.type in TEXT_TYPES:
            return operand.mql
        return {"$toString": operand.mql}

    def _value_Case(self, node: ast.Case) -> Typed:
        branches = []
        result_type = None
        for condition, result in node.whens:
            if node.operand is not None:
                condition = ast.Binary("=", node.operand, condition, pos=condition.pos)
            value = self.value(result)
            result_type = result_type or value.type
            branches.append({"case": self.truth(condition), "then": value.mql})
        default = self.value(node.else_) if node.else_ is not None else Typed(None, None)
        result_type = result_type or default.type
        return Typed({"$switch": {"branches": branches, "default": default.mql}}, result_type, True)

    def _value_Cast(self, node: ast.Cast) -> Typed:
        target = canonical_type(node.type.name)
        operand = node.operand
        if isinstance(operand, ast.Literal) and operand.value is not None:
            return Typed(literal(to_bson_as(operand.value, target)), target, False)
        if isinstance(operand, ast.Param):
            return Typed(Value(operand.key, target, literal=True), target, True)
        return functions.cast(self.value(operand), target)

    def _value_Func(self, node: ast.Func) -> Typed:
        if node.over is not None:
            raise unsupported(node, "window functions")
        if node.name in AGGREGATES:
            raise ProgrammingError(f"aggregate function {node.name}() is not allowed here "
                                   f"(line {node.pos[0]}, column {node.pos[1]})")
        return functions.call(self, node)

    def _value_IsNull(self, node: ast.Expr) -> Typed:
        return self.predicate_value(node)

    _value_IsBool = _value_IsDistinct = _value_InList = _value_Between = _value_IsNull
    _value_Like = _value_RegexMatch = _value_Exists = _value_InSubquery = _value_IsNull
    _value_Quantified = _value_IsNull

    def _value_ScalarSubquery(self, node: ast.ScalarSubquery) -> Typed:
        if self.subquery is None:
            raise unsupported(node, "subqueries")
        return self.subquery(node, None)

    def _value_RowValue(self, node: ast.RowValue) -> Typed:
        raise unsupported(node, "row values")

    def _value_Default(self, node: ast.Default) -> Typed:
        raise ProgrammingError(f"DEFAULT is only allowed in INSERT and UPDATE (line {node.pos[0]})")

    def predicate_value(self, node: ast.Expr) -> Typed:
        truth = self.truth(node)
        falsity = self.falsity(node)
        if falsity is False:
            return Typed({"$cond": [truth, True, None]}, "BOOLEAN", True)
        return Typed({"$cond": [truth, True, {"$cond": [falsity, False, None]}]}, "BOOLEAN", True)

    # ------------------------------------------------------------- predicates

    def truth(self, node: ast.Expr) -> Any:
        """An expression that is true exactly where ``node`` is TRUE."""
        return self._predicate(node, True)

    def falsity(self, node: ast.Expr) -> Any:
        """An expression that is true exactly where ``node`` is FALSE."""
        return self._predicate(node, False)

    def _predicate(self, node: ast.Expr, want: bool) -> Any:
        if isinstance(node, ast.Binary) and node.op in ("and", "or"):
            left = self._predicate(node.left, want)
            right = self._predicate(node.right, want)
            conjunction = (node.op == "and") == want
            return all_of(left, right) if conjunction else any_of(left, right)
        if isinstance(node, ast.Unary) and node.op == "not":
            return self._predicate(node.operand, not want)
        if isinstance(node, ast.Binary) and node.op in _COMPARE:
            return self._comparison(node.op if want else _NEGATE[node.op], node.left, node.right)
        if isinstance(node, ast.IsNull):
            operand = self.value(node.operand)
            if want != node.negated:
                return is_null(operand.mql) if operand.nullable else False
            return not_null(operand.mql) if operand.nullable else True
        if isinstance(node, ast.IsDistinct):
            left_value = self.value(node.left)
            left = {"$ifNull": [left_value.mql, None]}
            right = {"$ifNull": [self.value(node.right, left_value.type).mql, None]}
            distinct = (not node.negated) == want
            return {"$ne" if distinct else "$eq": [left, right]}
        if isinstance(node, ast.IsBool):
            inner = self._predicate(node.operand, node.value)
            if node.negated == (not want):
                return inner
            return {"$not": [inner]}
        if isinstance(node, ast.Between):
            low = ast.Binary(">=", node.operand, node.low, pos=node.pos)
            high = ast.Binary("<=", node.operand, node.high, pos=node.pos)
            both: ast.Expr = ast.Binary("and", low, high, pos=node.pos)
            return self._predicate(both, want != node.negated)
        if isinstance(node, ast.InList):
            return self._in_list(node, want != node.negated)
        if isinstance(node, ast.Like):
            return self._like(node, want != node.negated)
        if isinstance(node, ast.RegexMatch):
            return self._regex(node, want != node.negated)
        if isinstance(node, (ast.Exists, ast.InSubquery, ast.Quantified)):
            if self.subquery is None:
                raise unsupported(node, "subqueries")
            return self.subquery(node, want)
        value = self.value(node)
        if value.type == "BOOLEAN":
            return {"$eq": [value.mql, want]}
        if want:  # SQLite: a number is true when non-zero
            return all_of(not_null(value.mql) if value.nullable else True,
                          {"$ne": [value.mql, False]}, {"$ne": [value.mql, 0]})
        return {"$or": [{"$eq": [value.mql, False]}, {"$eq": [value.mql, 0]}]}

    def _comparison(self, op: str, left_node: ast.Expr, right_node: ast.Expr) -> Any:
        left = self.value(left_node)
        right = self.value(right_node, left.type)
        if isinstance(left_node, ast.Param) and right.type is not None:
            left = self.value(left_node, right.type)
        left, right = self._coerce_literal(left, right), self._coerce_literal(right, left)
        if left.mql is None or right.mql is None:
            return False  # a comparison with NULL is never TRUE nor FALSE
        return all_of(not_null(left.mql) if left.nullable else True,
                      not_null(right.mql) if right.nullable else True,
                      {_COMPARE[op]: [left.mql, right.mql]})

    @staticmethod
    def _coerce_literal(value: Typed, other: Typed) -> Typed:
        """A text literal compared with a DATE/TIMESTAMP/... column takes the column's type."""
        if (other.type in ("DATE", "TIMESTAMP", "TIMESTAMPTZ", "TIME", "DECIMAL", "UUID", "OBJECTID", "INTERVAL")
                and isinstance(value.mql, (str, int, float)) and not isinstance(value.mql, bool)
                and not (isinstance(value.mql, str) and value.mql.startswith("$"))  # a field path
                and value.type in ("TEXT", "INTEGER", "REAL", "BIGINT")):
            return Typed(literal(to_bson_as(value.mql, other.type)), other.type, False)
        return value

    def _in_list(self, node: ast.InList, positive: bool) -> Any:
        operand = self.value(node.operand)
        items = [self.value(item, operand.type) for item in node.items]
        items = [self._coerce_literal(item, operand) for item in items]
        present = [i for i in items if i.mql is not None]
        operand_ok = not_null(operand.mql) if operand.nullable else True
        if positive:
            if not present:
                return False
            if all(not i.nullable for i in present):
                return all_of(operand_ok, {"$in": [operand.mql, [i.mql for i in present]]})
            return all_of(operand_ok, any_of(*[all_of(not_null(i.mql) if i.nullable else True,
                                                      {"$eq": [operand.mql, i.mql]}) for i in present]))
        if len(present) != len(items):
            return False  # x NOT IN (..., NULL) is never TRUE
        if all(not i.nullable for i in present):
            return all_of(operand_ok, {"$eq": [{"$in": [operand.mql, [i.mql for i in present]]}, False]})
        return all_of(operand_ok, *[all_of(not_null(i.mql) if i.nullable else True,
                                           {"$ne": [operand.mql, i.mql]}) for i in present])

    def like_regex(self, node: ast.Like) -> Any:
        """The regex of a LIKE pattern: a string now, a slot filled when parameters are bound, or
        (a pattern computed from columns) an expression that translates it row by row."""
        escape = None
        if node.escape is not None:
            if not isinstance(node.escape, ast.Literal) or not isinstance(node.escape.value, str) \
                    or len(node.escape.value) != 1:
                raise ProgrammingError(f"ESCAPE takes a single-character string (line {node.pos[0]})")
            escape = node.escape.value
        if isinstance(node.pattern, ast.Literal):
            if node.pattern.value is None:
                return None
            return like_to_regex(str(node.pattern.value), escape)
        if isinstance(node.pattern, ast.Param):
            return LikePattern(node.pattern.key, escape)
        return runtime_like_regex(self.as_text(self.value(node.pattern)), escape)

    def _like(self, node: ast.Like, positive: bool) -> Any:
        operand = self.value(node.operand)
        regex = self.like_regex(node)
        if regex is None:
            return False
        match = {"$regexMatch": {"input": self.as_text(operand), "regex": regex,
                                 "options": "si" if node.case_insensitive else "s"}}
        operand_ok = not_null(operand.mql) if operand.nullable else True
        if isinstance(regex, LikePattern):  # a NULL pattern parameter: never TRUE nor FALSE
            operand_ok = all_of(operand_ok, not_null(Value(node.pattern.key, None, literal=True)))  # type: ignore[union-attr]
        return all_of(operand_ok, match if positive else {"$eq": [match, False]})

    def _regex(self, node: ast.RegexMatch, positive: bool) -> Any:
        operand = self.value(node.operand)
        pattern = self.value(node.pattern, "TEXT")
        match = {"$regexMatch": {"input": self.as_text(operand), "regex": pattern.mql,
                                 "options": "i" if node.case_insensitive else ""}}
        return all_of(not_null(operand.mql) if operand.nullable else True,
                      not_null(pattern.mql) if pattern.nullable else True,
                      match if positive else {"$eq": [match, False]})


_BITWISE = {"&": "$bitAnd", "|": "$bitOr", "#": "$bitXor", "<<": None, ">>": None}
_POWERS_OF_TWO = [2**i for i in range(63)]  # int64 constants: $pow of ints returns a double on some engines


def _check_integer(node: ast.Expr, op: str, *operands: Typed) -> None:
    for operand in operands:
        if operand.type is not None and operand.type not in INTEGER_TYPES:
            raise ProgrammingError(f"operator {op} takes integers, not {operand.type} "
                                   f"(line {node.pos[0]}, column {node.pos[1]})")


def _as_integer(operand: Typed) -> Any:
    """An operand of unknown type made to fail on the server unless it is an int or a long
    (``$bitOr`` with 0 keeps its value and type, and NULL)."""
    return operand.mql if operand.type in INTEGER_TYPES else {"$bitOr": [operand.mql, 0]}


def _shift(op: str, left: Typed, right: Typed) -> Any:
    """``a << n`` and ``a >> n`` on 64-bit integers, as SQLite computes them: a negative ``n``
    shifts the other way; ``<<`` wraps around in two's complement (``1 << 63`` is the smallest
    long, ``1 << 64`` is 0); ``>>`` is arithmetic (it rounds toward minus infinity: ``-5 >> 1`` is
    -3); shifting by 64 or more gives 0, or -1 for a negative ``a`` shifted right.

    MongoDB has no shift operator. Every step stays exact in int64: the ``64 - k`` bits that
    survive a left shift by ``k`` are kept with ``$bitAnd``, sign-extended and multiplied by
    ``2**(k - 1)`` and 2 (never overflowing); a right shift by ``m`` clears the low ``m`` bits
    with ``$bitAnd`` and divides that exact multiple of ``2**m`` as a decimal, which ``$toLong``
    turns back into an integer exactly. A distance given as a literal picks its case now; any
    other distance picks it per row, with the powers of two from a constant table (``$pow`` of
    integers may return a double).
    """
    a = _as_integer(left)
    amount = right.mql
    if type(amount) is int:  # a literal distance
        distance = amount if op == "<<" else -amount
        if isinstance(a, str) and a.startswith("$"):  # a field: read it where needed
            return _shift_by(a, distance, lambda e: 2**e)
        body = _shift_by("$$shift_a", distance, lambda e: 2**e)
        return {"$let": {"vars": {"shift_a": a}, "in": body}}
    amount = _as_integer(right)
    distance_mql = amount if op == "<<" else {"$multiply": [-1, amount]}
    body = _shift_by("$$shift_a", "$$shift_k", lambda e: {"$arrayElemAt": ["$$shift_p", e]})
    return {"$let": {"vars": {"shift_a": a, "shift_k": distance_mql, "shift_p": {"$literal": _POWERS_OF_TWO}},
                     "in": body}}


def _shift_by(a: Any, k: Any, power: Callable[[Any], Any]) -> Any:
    """``a`` shifted left by ``k`` bits (right by ``-k``); ``k`` an int or an expression."""
    def minus(x: Any, y: Any) -> Any:
        return x - y if type(x) is int and type(y) is int else {"$subtract": [x, y]}

    def left_by() -> Any:
        half = power(minus(63, k))  # 2 ** (63 - k): the sign bit of the bits that survive
        mask = (2 ** (64 - k) - 1) if type(k) is int else {"$add": [{"$multiply": [{"$subtract": [half, 1]}, 2]}, 1]}
        signed = {"$let": {"vars": {"low": {"$bitAnd": [a, mask]}}, "in": {"$cond": [
            {"$gte": ["$$low", half]}, {"$subtract": [{"$subtract": ["$$low", half]}, half]}, "$$low"]}}}
        return {"$multiply": [signed, power(minus(k, 1)), 2]}

    def right_by() -> Any:
        m = -k if type(k) is int else {"$multiply": [-1, k]}
        low_bits = minus(power(m), 1) if type(k) is not int else 2**m - 1
        multiple = {"$subtract": [a, {"$bitAnd": [a, low_bits]}]}
        return {"$toLong": {"$divide": [{"$toDecimal": multiple}, power(m)]}}

    sign = {"$cond": [{"$lt": [a, 0]}, -1, 0]}
    if type(k) is int:
        if k >= 64:
            return 0
        if k >= 1:
            return left_by()
        if k == 0:
            return a
        return right_by() if k >= -62 else sign
    return {"$switch": {"branches": [
        {"case": {"$gte": [k, 64]}, "then": 0},
        {"case": {"$gte": [k, 1]}, "then": left_by()},
        {"case": {"$eq": [k, 0]}, "then": a},
        {"case": {"$gte": [k, -62]}, "then": right_by()}], "default": sign}}


class _IntervalValue(Value):
    """A placeholder that is an interval in date/time arithmetic: a timedelta or interval text. A number
    is refused here, although an INTERVAL column or comparison takes one as microseconds (its stored
    form): ``ts + %s`` with 5 is an error, as ``timestamp + integer`` is in SQL."""

    __slots__ = ()

    def __init__(self, key: Any) -> None:
        super().__init__(key, "INTERVAL", literal=True)

    def bind(self, params: Any) -> Any:
        value = lookup(params, self.key)
        if isinstance(value, (int, float, decimal.Decimal)):
            raise DataError(f"a number cannot be added to or subtracted from a date, time or interval: pass a "
                            f"datetime.timedelta for placeholder {self.key!r}, not {value!r}")
        return super().bind(params)


_DATETIMES = ("DATE", "TIMESTAMP", "TIMESTAMPTZ")
_TEMPORAL = frozenset(_DATETIMES + ("TIME", "INTERVAL"))
_NUMBERS = INTEGER_TYPES | {"REAL", "DECIMAL"}


def _floor_milliseconds(micros: Any) -> Any:
    """Microseconds -> whole milliseconds, rounded down (toward the past), as a timestamp's
    microseconds are truncated when it is stored: a BSON date holds milliseconds. Exact over the
    whole int64 range: the remainder is taken with ``$mod`` and the exact multiple of 1000 is
    divided as a decimal."""
    if type(micros) is int:
        return micros // 1000
    remainder = {"$mod": [{"$add": [{"$mod": ["$$us", 1000]}, 1000]}, 1000]}
    whole = {"$toLong": {"$divide": [{"$toDecimal": {"$subtract": ["$$us", remainder]}}, 1000]}}
    return {"$let": {"vars": {"us": micros}, "in": whole}}


def _time_micros(mql: Any) -> Any:
    """A TIME (stored as 'HH:MM:SS[.ffffff]') as microseconds since midnight, exactly: its three parts
    ($split on ':') read as decimals."""
    if isinstance(mql, str) and not mql.startswith("$"):
        return timedelta_micros(datetime.datetime.combine(datetime.date.min, datetime.time.fromisoformat(mql))
                                - datetime.datetime.min)
    part = [{"$toDecimal": {"$arrayElemAt": ["$$hms", i]}} for i in range(3)]
    seconds = {"$add": [{"$multiply": [part[0], 3600]}, {"$multiply": [part[1], 60]}, part[2]]}
    micros = {"$let": {"vars": {"hms": {"$split": [mql, ":"]}}, "in": {"$toLong": {"$multiply": [seconds, 1000000]}}}}
    return {"$cond": [is_null(mql), None, micros]}  # $arrayElemAt of null is null, but the engine fails on it


def _shift_datetime(moment: Typed, interval: Typed, op: str, nullable: bool) -> Typed:
    """date/timestamp +/- interval: ``$add`` of a date and a number adds milliseconds; the interval's
    microseconds are floored to milliseconds after the sign is applied, so the result is the exact
    sum truncated as a stored timestamp would be. A date plus an interval is a timestamp (PostgreSQL)."""
    micros = interval.mql
    if op == "-":
        micros = -micros if type(micros) is int else {"$multiply": [-1, micros]}
    result_type = "TIMESTAMP" if moment.type == "DATE" else moment.type
    return Typed({"$add": [moment.mql, _floor_milliseconds(micros)]}, result_type, nullable)


def _scaled(micros: Any, factor: Typed, operator: str) -> Any:
    """interval * n and interval / n: an integer factor multiplies exactly; otherwise the product or
    quotient is computed as a decimal and rounded half to even to whole microseconds (PostgreSQL rounds
    with rint)."""
    if operator == "$multiply" and factor.type in INTEGER_TYPES:
        return {"$multiply": [micros, factor.mql]}
    return {"$toLong": {"$round": [{operator: [{"$toDecimal": micros}, factor.mql]}, 0]}}


def _date_arithmetic(op: str, left: Typed, right: Typed, nullable: bool) -> Typed:
    """DATE + n and DATE - n move by days; DATE - DATE is a number of days (PostgreSQL)."""
    if left.type == "DATE" and right.type == "DATE" and op == "-":
        # guarded although $dateDiff of a null or missing date is null: the in-process engine fails on it
        difference = {"$dateDiff": {"startDate": right.mql, "endDate": left.mql, "unit": "day"}}
        return Typed(null_guard([left, right], difference), "INTEGER", nullable)
    date, days = (left, right) if left.type == "DATE" else (right, left)
    if days.type not in INTEGER_TYPES or (op == "-" and date is right):
        raise ProgrammingError(f"cannot compute {left.type} {op} {right.type}")
    amount = days.mql if op == "+" else {"$multiply": [-1, days.mql]}
    return Typed(null_guard([date, days], {"$dateAdd": {"startDate": date.mql, "unit": "day", "amount": amount}}),
                 "DATE", nullable)


def runtime_like_regex(pattern: Any, escape: Optional[str]) -> Any:
    """An expression turning a LIKE pattern computed per row into the same regex as
    :func:`like_to_regex`: one pass over its characters with ``$reduce``."""
    char = {"$substrCP": [pattern, "$$this", 1]}
    literal = {"$cond": [{"$in": [char, {"$literal": sorted(REGEX_SPECIAL)}]}, {"$concat": ["\\", char]}, char]}
    step = {"$cond": [
        "$$value.escaped", {"out": {"$concat": ["$$value.out", literal]}, "escaped": False},
        {"$cond": [{"$eq": [char, escape]} if escape is not None else False,
                   {"out": "$$value.out", "escaped": True},
                   {"out": {"$concat": ["$$value.out", {"$switch": {"branches": [
                       {"case": {"$eq": [char, "%"]}, "then": ".*"},
                       {"case": {"$eq": [char, "_"]}, "then": "."}], "default": literal}}]},
                    "escaped": False}]}]}
    walk = {"$reduce": {"input": {"$range": [0, {"$strLenCP": pattern}]},
                        "initialValue": {"out": "", "escaped": False}, "in": step}}
    return {"$concat": ["^", {"$let": {"vars": {"walk": walk}, "in": "$$walk.out"}}, {"$literal": END_OF_TEXT}]}


def element_of_array(container: Any, index: Any) -> Any:
    """``container[index]`` when ``container`` is an array, else null."""
    return {"$let": {"vars": {"subscripted": container}, "in": {
        "$cond": [{"$isArray": "$$subscripted"}, {"$arrayElemAt": ["$$subscripted", index]}, None]}}}


def field_of_document(container: Any, name: Any) -> Any:
    """Field ``name`` (a constant, any characters) of ``container`` when it is a document, else null."""
    return {"$let": {"vars": {"subscripted": container}, "in": {
        "$cond": [{"$eq": [{"$type": "$$subscripted"}, "object"]},
                  {"$getField": {"field": name, "input": "$$subscripted"}}, None]}}}


def unsupported(node: Any, what: str) -> NotSupportedError:
    line, column = getattr(node, "pos", (0, 0))
    return NotSupportedError(f"{what} is not supported yet (line {line}, column {column})")


from . import functions  # noqa: E402  (functions builds on the helpers above)
