"""WHERE predicates -> MongoDB query-language filters, when that form is exact.

The query language (``{"price": {"$gt": 10}}``) can use indexes, so every conjunct that
compares a column with a constant is written in it. A predicate that cannot be written exactly
returns ``None`` and the planner evaluates it with ``$expr`` instead.

SQL's NULL rules decide the form: ``a <> 1`` becomes ``{"a": {"$nin": [1, None]}}`` because
``{"$ne": 1}`` would also match documents where ``a`` is null or missing; a comparison with a
parameter is wrapped in a :class:`NullGuard` so a NULL parameter matches nothing.

JSON values follow PostgreSQL's ``->``: a chain of string subscripts (``v['a']['b']``) is written
as its dotted path with every enclosing path required not to be an array (a dotted path reads
through arrays), and a JSON key or column is compared as a whole value (the query language would
match an array holding the value).
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from bson import Regex

from ..sql import ast
from ..types import to_bson_as
from .template import NEVER, InValues, KeyEquals, LikePattern, NullGuard, Value, key_equals, like_to_regex

_OPERATORS = {"=": "$eq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_FLIP = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NEGATE = {"=": "<>", "<>": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}

# path, type code
FieldRef = tuple[str, Optional[str]]


class MatchCompiler:
    """``field_of`` maps a column expression to its document path and type, or None."""

    def __init__(self, field_of: Callable[[ast.Expr], Optional[FieldRef]]) -> None:
        self._plain_field_of = field_of

    def field_of(self, node: ast.Expr) -> Optional[FieldRef]:
        """The document path of a column, or of a chain of string subscripts over one
        (``"t"."v"['a']['b']`` is ``v.a.b``, PostgreSQL's ``v -> 'a' -> 'b'``) whose keys are plain
        field names; see :meth:`_enclosing` for what keeps the latter exact."""
        if _is_key_chain(node):
            root, keys = _chain(node)
            field = self._plain_field_of(root)
            return None if field is None else (".".join([field[0], *keys]), None)
        if _has_string_step(node):
            return None  # an array index or a computed key after a string subscript: $expr reads it exactly
        return self._plain_field_of(node)

    def _enclosing(self, node: ast.Expr) -> list[str]:
        """The paths that must not be arrays for ``field_of(node)`` to read what ``node`` means.

        A string subscript reads a field of a document and is NULL on anything else; its dotted
        path would look into the documents of an array, or take a numeric key as an index. With
        every enclosing path not an array (``$type: "array"`` matches a field that is one), the
        dotted path reads exactly the subscripts' value."""
        if not _is_key_chain(node):
            return []
        path = self.field_of(node)
        if path is None:
            return []
        names = path[0].split(".")
        return [".".join(names[:i]) for i in range(1, len(names))]

    def _guarded(self, condition: Optional[Any], operands: list[ast.Expr], null_matches: bool = False) -> Optional[Any]:
        """``condition`` on a path whose enclosing values must be documents: where one is an array
        the operand is NULL, which no comparison matches and ``IS NULL`` (``null_matches``) does."""
        enclosing = [path for operand in operands for path in self._enclosing(operand)]
        if condition is None or not enclosing:
            return condition
        if null_matches:
            return {"$or": [{path: {"$type": "array"}} for path in enclosing] + [condition]}
        return merge_conjuncts([{path: {"$not": {"$type": "array"}}} for path in enclosing] + [condition])

    def compile(self, node: ast.Expr, want: bool = True) -> Optional[Any]:
        """A filter matching exactly the rows where ``node`` is TRUE (``want``) or FALSE."""
        if isinstance(node, ast.Binary) and node.op in ("and", "or"):
            left = self.compile(node.left, want)
            right = self.compile(node.right, want)
            if left is None or right is None:
                return None
            return {"$and" if (node.op == "and") == want else "$or": [left, right]}
        if isinstance(node, ast.Unary) and node.op == "not":
            return self.compile(node.operand, not want)
        if isinstance(node, ast.Binary) and node.op in _FLIP:
            return self._guarded(self._comparison(node, want), [node.left, node.right])
        if isinstance(node, ast.IsNull):
            field = self.field_of(node.operand)
            if field is None:
                return None
            is_null = want != node.negated
            condition: Any = {field[0]: None} if is_null else {field[0]: {"$ne": None}}
            if self._whole_valued(node.operand, field):  # {"f": null} also matches an array holding null
                condition = merge_conjuncts([condition, {field[0]: {"$not": {"$type": "array"}}}]) if is_null \
                    else {"$or": [{field[0]: {"$type": "array"}}, condition]}
            return self._guarded(condition, [node.operand], null_matches=is_null)
        if isinstance(node, ast.InList):
            return self._guarded(self._in_list(node, want != node.negated), [node.operand])
        if isinstance(node, ast.Between):
            return self._guarded(self._between(node, want != node.negated), [node.operand])
        if isinstance(node, ast.Like):
            return self._guarded(self._like(node, want != node.negated), [node.operand])
        if isinstance(node, ast.Column):
            field = self.field_of(node)
            if field is not None and field[1] == "BOOLEAN":
                return {field[0]: {"$eq": want}}
        if isinstance(node, ast.Func) and node.name == "field_exists" and len(node.args) == 1 \
                and (isinstance(node.args[0], ast.Column) or _is_key_chain(node.args[0])):
            return self._field_exists(node.args[0], want)
        return None

    def _field_exists(self, column: ast.Expr, want: bool) -> Optional[Any]:
        """FIELD_EXISTS("t"."v"."a"."b") or FIELD_EXISTS("t"."v"['a']['b']): ``{"v.a.b": {"$exists": true}}``, which an index on the
        path serves, with every enclosing path required not to be an array: a dotted path would
        otherwise look into the documents of an array (``v: [{"a": ...}]``) or take a numeric step
        as an array index, and FIELD_EXISTS never reads through arrays (``functions._field_exists``).
        ``$type: "array"`` matches a field that is itself an array; ``$not`` also matches a missing one."""
        field = self.field_of(column)
        if field is None:
            return None
        names = field[0].split(".")
        enclosing = [".".join(names[:i]) for i in range(1, len(names))]
        if want:
            guards: list[Any] = [{path: {"$not": {"$type": "array"}}} for path in enclosing]
            return merge_conjuncts(guards + [{field[0]: {"$exists": True}}])
        alternatives = [{path: {"$type": "array"}} for path in enclosing] + [{field[0]: {"$exists": False}}]
        return alternatives[0] if len(alternatives) == 1 else {"$or": alternatives}

    # ------------------------------------------------------------- constants

    @staticmethod
    def _constant(node: ast.Expr, type_code: Optional[str]) -> tuple[bool, Any, list[Any]]:
        """(is constant, value or slot, parameter keys) for a literal or parameter."""
        if isinstance(node, ast.Literal):
            return True, to_bson_as(node.value, type_code), []
        if isinstance(node, ast.Param):
            return True, Value(node.key, type_code), [node.key]
        if isinstance(node, ast.Cast) and isinstance(node.operand, ast.Literal):
            from ..types import canonical_type

            return True, to_bson_as(node.operand.value, canonical_type(node.type.name)), []
        return False, None, []

    def _comparison(self, node: ast.Binary, want: bool) -> Optional[Any]:
        op = node.op
        field = self.field_of(node.left)
        other = node.right
        if field is None:
            field, other, op = self.field_of(node.right), node.left, _FLIP[op]
        if field is None:
            return None
        constant, value, keys = self._constant(other, field[1])
        if not constant:
            return None
        if not want:
            op = _NEGATE[op]
        if value is None:
            return NEVER  # a comparison with NULL is never TRUE (nor FALSE)
        if op in ("=", "<>") and self._whole_valued(node.left if other is node.right else node.right, field):
            return self._whole_value_in(field[0], [value], keys, op == "=")
        if op == "<>":
            condition: Any = {field[0]: {"$nin": [value, None]}}
        elif op == "=" and field[0] == "_id":
            condition = KeyEquals(value) if keys else key_equals(value)
        else:
            condition = {field[0]: {_OPERATORS[op]: value}}
        return NullGuard(condition, keys) if keys else condition

    def _whole_valued(self, node: ast.Expr, field: FieldRef) -> bool:
        """A JSON value compared as a whole: a key of a JSON document (a string subscript) or a
        JSON column. The query language would match an array holding the value (``{"v.d": "e"}``
        matches ``d: ["e", 1]``), where PostgreSQL's ``v -> 'd' = '"e"'`` is false."""
        return _is_key_chain(node) or field[1] == "JSON"

    @staticmethod
    def _whole_value_in(path: str, values: list[Any], keys: list[Any], positive: bool) -> Any:
        """``path`` equal (``positive``) or unequal to each of ``values`` as a whole value.

        Equality keeps the query-language form an index serves and adds the exact comparison of
        the whole value in ``$expr`` (with every enclosing value a document, ``"$v.a"`` reads the
        key itself). Inequality is the ``$expr`` alone: ``$nin`` would drop arrays holding the
        value, and SQL NULL (null or missing) is never unequal to anything."""
        exact = [{"$literal": v} if not isinstance(v, Value) else Value(v.key, v.type, literal=True) for v in values]
        if positive and len(values) == 1:
            condition: Any = {"$and": [{path: {"$eq": values[0]}}, {"$expr": {"$eq": ["$" + path, exact[0]]}}]}
        elif positive:  # a NULL among the values matches nothing: InValues leaves it out of $in
            found = InValues(path, values, False) if keys else {path: {"$in": values}}
            return {"$and": [found, {"$expr": {"$in": ["$" + path, exact]}}]}
        else:
            condition = {"$expr": {"$and": [{"$eq": [{"$in": [{"$type": "$" + path}, ["missing", "null"]]}, False]},
                                            {"$eq": [{"$in": ["$" + path, exact]}, False]}]}}
        return NullGuard(condition, keys) if keys else condition

    def _in_list(self, node: ast.InList, positive: bool) -> Optional[Any]:
        field = self.field_of(node.operand)
        if field is None:
            return None
        values = []
        for item in node.items:
            constant, value, _ = self._constant(item, field[1])
            if not constant:
                return None
            values.append(value)
        if self._whole_valued(node.operand, field):
            keys = [v.key for v in values if isinstance(v, Value)]
            present = [v for v in values if v is not None]
            if not positive and len(present) != len(values):
                return NEVER
            return self._whole_value_in(field[0], present, keys, positive) if present else NEVER
        if any(isinstance(v, Value) for v in values):
            return InValues(field[0], values, not positive)
        present = [v for v in values if v is not None]
        if positive:
            return {field[0]: {"$in": present}}
        if len(present) != len(values):
            return NEVER
        return {field[0]: {"$nin": present + [None]}}

    def _between(self, node: ast.Between, positive: bool) -> Optional[Any]:
        field = self.field_of(node.operand)
        if field is None:
            return None
        low_ok, low, low_keys = self._constant(node.low, field[1])
        high_ok, high, high_keys = self._constant(node.high, field[1])
        if not (low_ok and high_ok):
            return None
        if low is None or high is None:
            return None  # partly unknown: leave the exact three-valued form to $expr
        if positive:
            condition: Any = {field[0]: {"$gte": low, "$lte": high}}
        else:
            condition = {"$or": [{field[0]: {"$lt": low}}, {field[0]: {"$gt": high}}]}
        keys = low_keys + high_keys
        return NullGuard(condition, keys) if keys else condition

    def _like(self, node: ast.Like, positive: bool) -> Optional[Any]:
        field = self.field_of(node.operand)
        if field is None or field[1] not in (None, "TEXT", "VARCHAR", "CHAR"):
            return None
        escape = node.escape.value if isinstance(node.escape, ast.Literal) else None
        if node.escape is not None and (not isinstance(escape, str) or len(escape) != 1):
            return None
        options = "si" if node.case_insensitive else "s"
        keys: list[Any] = []
        if isinstance(node.pattern, ast.Literal):
            if node.pattern.value is None:
                return NEVER
            text: Any = like_to_regex(str(node.pattern.value), escape)
            regex: Any = Regex(text, options)
        elif isinstance(node.pattern, ast.Param):
            text = LikePattern(node.pattern.key, escape)
            regex = LikePattern(node.pattern.key, escape, options)
            keys = [node.pattern.key]
        else:
            return None
        if positive:
            condition: Any = {field[0]: {"$regex": text, "$options": options}}
        else:  # $not takes a regex object (documented); NULL is neither LIKE nor NOT LIKE
            condition = {field[0]: {"$not": regex, "$ne": None}}
        return NullGuard(condition, keys) if keys else condition


def _is_key_chain(node: ast.Expr) -> bool:
    """A chain of string subscripts whose keys are plain field names, over a column: ``"t"."v"['a']['b']``."""
    if not (isinstance(node, ast.Subscript) and isinstance(node.index, ast.Literal) and node.index.kind == "text"):
        return False
    key = node.index.value
    if not key or "." in key or key.startswith("$"):
        return False
    return isinstance(node.operand, ast.Column) or _is_key_chain(node.operand)


def _chain(node: ast.Expr) -> tuple[ast.Expr, list[str]]:
    keys: list[str] = []
    while isinstance(node, ast.Subscript):
        keys.insert(0, node.index.value)  # type: ignore[attr-defined]
        node = node.operand
    return node, keys


def _has_string_step(node: ast.Expr) -> bool:
    while isinstance(node, (ast.Subscript, ast.Member)):
        if isinstance(node, ast.Subscript) and not (isinstance(node.index, ast.Literal)
                                                    and node.index.kind == "integer"):
            return True
        node = node.operand
    return False


def merge_conjuncts(filters: list[Any]) -> Any:
    """One filter for all of ``filters``: a flat document when their top-level keys differ
    (field names, and at most one ``$expr``), else ``$and``."""
    if not filters:
        return {}
    if len(filters) == 1:
        return filters[0]
    merged: dict[str, Any] = {}
    for condition in filters:
        if type(condition) is not dict or any((k.startswith("$") and k != "$expr") or k in merged
                                             for k in condition):
            return {"$and": filters}
        merged.update(condition)
    return merged
