"""The typed syntax tree: frozen dataclasses, no behaviour.

Every node carries ``pos`` (line, column) of its first token for error messages; ``pos`` is
excluded from equality so that structurally equal expressions compare equal (the planner
matches ``GROUP BY`` expressions against select-list expressions that way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

Pos = tuple[int, int]


def _pos() -> Any:
    return field(default=(0, 0), compare=False, repr=False)


class Node:
    """Base class of all nodes."""

    __slots__ = ()


class Expr(Node):
    __slots__ = ()


@dataclass(frozen=True)
class Literal(Expr):
    value: Any
    kind: str  # 'integer' 'real' 'decimal' 'text' 'boolean' 'null' 'date' 'time' 'timestamp'
    pos: Pos = _pos()


@dataclass(frozen=True)
class Param(Expr):
    """A placeholder: ``key`` is the 0-based position for %s or the name for %(name)s."""

    key: Any
    pos: Pos = _pos()


@dataclass(frozen=True)
class Column(Expr):
    """A possibly qualified, possibly dotted name: ``t.a``, ``address.city``."""

    parts: tuple[str, ...]
    pos: Pos = _pos()


@dataclass(frozen=True)
class Subscript(Expr):
    operand: Expr
    index: Expr
    pos: Pos = _pos()


@dataclass(frozen=True)
class Member(Expr):
    """A field of an embedded document reached after a subscript: ``tags[0].name``."""

    operand: Expr
    name: str
    pos: Pos = _pos()


@dataclass(frozen=True)
class Unary(Expr):
    op: str  # '-' '+' 'not' '~' (bitwise NOT)
    operand: Expr
    pos: Pos = _pos()


@dataclass(frozen=True)
class Binary(Expr):
    """Arithmetic, concatenation, bitwise operators, comparison and boolean connectives."""

    op: str  # + - * / % || & | # << >> = <> < <= > >= and or  (# is XOR)
    left: Expr
    right: Expr
    pos: Pos = _pos()


@dataclass(frozen=True)
class IsNull(Expr):
    operand: Expr
    negated: bool
    pos: Pos = _pos()


@dataclass(frozen=True)
class IsBool(Expr):
    operand: Expr
    value: bool
    negated: bool
    pos: Pos = _pos()


@dataclass(frozen=True)
class IsDistinct(Expr):
    left: Expr
    right: Expr
    negated: bool  # IS NOT DISTINCT FROM
    pos: Pos = _pos()


@dataclass(frozen=True)
class InList(Expr):
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool
    pos: Pos = _pos()


@dataclass(frozen=True)
class InSubquery(Expr):
    operand: Expr
    query: "Select"
    negated: bool
    pos: Pos = _pos()


@dataclass(frozen=True)
class Exists(Expr):
    query: "Select"
    pos: Pos = _pos()


@dataclass(frozen=True)
class Quantified(Expr):
    """``x op ANY|ALL (SELECT ...)``."""

    op: str
    quantifier: str  # 'any' or 'all'
    left: Expr
    query: "Select"
    pos: Pos = _pos()


@dataclass(frozen=True)
class ScalarSubquery(Expr):
    query: "Select"
    pos: Pos = _pos()


@dataclass(frozen=True)
class Between(Expr):
    operand: Expr
    low: Expr
    high: Expr
    negated: bool
    pos: Pos = _pos()


@dataclass(frozen=True)
class Like(Expr):
    operand: Expr
    pattern: Expr
    escape: Optional[Expr]
    negated: bool
    case_insensitive: bool
    pos: Pos = _pos()


@dataclass(frozen=True)
class RegexMatch(Expr):
    operand: Expr
    pattern: Expr
    negated: bool
    case_insensitive: bool
    pos: Pos = _pos()


@dataclass(frozen=True)
class Case(Expr):
    operand: Optional[Expr]
    whens: tuple[tuple[Expr, Expr], ...]
    else_: Optional[Expr]
    pos: Pos = _pos()


@dataclass(frozen=True)
class TypeName(Node):
    name: str  # normalised, upper case: 'INTEGER', 'VARCHAR', 'TIMESTAMPTZ', ...
    params: tuple[int, ...] = ()
    array: bool = False
    pos: Pos = _pos()


@dataclass(frozen=True)
class Cast(Expr):
    operand: Expr
    type: TypeName
    pos: Pos = _pos()


@dataclass(frozen=True)
class WindowSpec(Node):
    partition_by: tuple[Expr, ...]
    order_by: tuple["OrderItem", ...]
    frame: Optional[tuple[str, Any, Any]]  # (unit, start, end); bounds as ('preceding', n) etc.
    pos: Pos = _pos()


@dataclass(frozen=True)
class Func(Expr):
    """A function call. ``name`` is lower case; ``star`` marks COUNT(*)."""

    name: str
    args: tuple[Expr, ...]
    distinct: bool = False
    star: bool = False
    filter: Optional[Expr] = None
    over: Optional[WindowSpec] = None
    pos: Pos = _pos()


@dataclass(frozen=True)
class RowValue(Expr):
    items: tuple[Expr, ...]
    pos: Pos = _pos()


@dataclass(frozen=True)
class Default(Expr):
    """``DEFAULT`` in a VALUES row or a SET clause."""

    pos: Pos = _pos()


# ----------------------------------------------------------------- queries


@dataclass(frozen=True)
class SelectItem(Node):
    expr: Expr
    alias: Optional[str]
    pos: Pos = _pos()


@dataclass(frozen=True)
class Star(Node):
    table: Optional[str]
    pos: Pos = _pos()


@dataclass(frozen=True)
class TableRef(Node):
    name: str
    alias: Optional[str]
    pos: Pos = _pos()


@dataclass(frozen=True)
class DerivedTable(Node):
    query: "Select"
    alias: str
    columns: tuple[str, ...]
    pos: Pos = _pos()


@dataclass(frozen=True)
class Join(Node):
    kind: str  # 'inner' 'left' 'right' 'full' 'cross'
    left: Node
    right: Node
    on: Optional[Expr]
    using: tuple[str, ...] = ()
    natural: bool = False
    pos: Pos = _pos()


@dataclass(frozen=True)
class OrderItem(Node):
    expr: Expr
    descending: bool
    nulls_first: Optional[bool]
    pos: Pos = _pos()


@dataclass(frozen=True)
class SelectCore(Node):
    distinct: bool
    items: tuple[Node, ...]  # SelectItem | Star
    from_: tuple[Node, ...]  # TableRef | DerivedTable | Join
    where: Optional[Expr]
    group_by: tuple[Expr, ...]
    having: Optional[Expr]
    pos: Pos = _pos()


@dataclass(frozen=True)
class SetOperation(Node):
    op: str  # 'union' 'intersect' 'except'
    all: bool
    left: Node  # SelectCore | SetOperation | Select (a parenthesised member with ORDER BY/LIMIT/WITH)
    right: Node
    pos: Pos = _pos()


@dataclass(frozen=True)
class CommonTable(Node):
    name: str
    columns: tuple[str, ...]
    query: "Select"
    pos: Pos = _pos()


@dataclass(frozen=True)
class Select(Node):
    body: Node  # SelectCore | SetOperation
    order_by: tuple[OrderItem, ...] = ()
    limit: Optional[Expr] = None
    offset: Optional[Expr] = None
    with_: tuple[CommonTable, ...] = ()
    recursive: bool = False
    pos: Pos = _pos()


# ----------------------------------------------------------------- DML


@dataclass(frozen=True)
class Insert(Node):
    table: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Expr, ...], ...]
    query: Optional[Select]
    returning: tuple[Node, ...]
    ignore_conflicts: bool = False  # ON CONFLICT DO NOTHING
    conflict: Optional["OnConflictUpdate"] = None  # ON CONFLICT (...) DO UPDATE
    pos: Pos = _pos()


@dataclass(frozen=True)
class OnConflictUpdate(Node):
    """``ON CONFLICT (target) DO UPDATE SET ... [WHERE ...]``: ``EXCLUDED.c`` in the assignments and
    the condition is the proposed row's value of ``c``; other columns are the existing row's."""

    target: tuple[str, ...]
    assignments: tuple["Assignment", ...]
    where: Optional[Expr]
    pos: Pos = _pos()


@dataclass(frozen=True)
class Assignment(Node):
    column: Column
    value: Expr
    pos: Pos = _pos()


@dataclass(frozen=True)
class Update(Node):
    table: str
    alias: Optional[str]
    assignments: tuple[Assignment, ...]
    where: Optional[Expr]
    returning: tuple[Node, ...]
    pos: Pos = _pos()


@dataclass(frozen=True)
class Delete(Node):
    table: str
    alias: Optional[str]
    where: Optional[Expr]
    returning: tuple[Node, ...]
    pos: Pos = _pos()


# ----------------------------------------------------------------- DDL


@dataclass(frozen=True)
class References(Node):
    table: str
    columns: tuple[str, ...]
    on_delete: Optional[str] = None
    pos: Pos = _pos()


@dataclass(frozen=True)
class ColumnDef(Node):
    name: str
    type: Optional[TypeName]
    not_null: bool = False
    primary_key: bool = False
    unique: bool = False
    default: Optional[Expr] = None
    autoincrement: bool = False
    references: Optional[References] = None
    check: Optional[Expr] = None
    pos: Pos = _pos()


@dataclass(frozen=True)
class TableConstraint(Node):
    kind: str  # 'primary_key' 'unique' 'foreign_key' 'check'
    name: Optional[str]
    columns: tuple[str, ...] = ()
    references: Optional[References] = None
    check: Optional[Expr] = None
    pos: Pos = _pos()


@dataclass(frozen=True)
class CreateTable(Node):
    table: str
    if_not_exists: bool
    columns: tuple[ColumnDef, ...]
    constraints: tuple[TableConstraint, ...]
    pos: Pos = _pos()


@dataclass(frozen=True)
class DropTable(Node):
    tables: tuple[str, ...]
    if_exists: bool
    pos: Pos = _pos()


@dataclass(frozen=True)
class AlterAction(Node):
    """One ALTER TABLE action. ``kind`` names it; the other fields are used as it needs."""

    kind: str  # add_column drop_column rename_column rename_table set_type set_not_null
    #            drop_not_null set_default drop_default add_constraint drop_constraint restart
    #            add_identity drop_identity
    column: Optional[str] = None
    new_name: Optional[str] = None
    column_def: Optional[ColumnDef] = None
    type: Optional[TypeName] = None
    default: Optional[Expr] = None
    constraint: Optional[TableConstraint] = None
    if_exists: bool = False
    pos: Pos = _pos()


@dataclass(frozen=True)
class AlterTable(Node):
    table: str
    actions: tuple[AlterAction, ...]
    if_exists: bool = False
    pos: Pos = _pos()


@dataclass(frozen=True)
class CreateIndex(Node):
    name: str
    table: str
    columns: tuple[tuple[Expr, bool], ...]  # (expression, descending)
    unique: bool
    if_not_exists: bool
    where: Optional[Expr] = None
    pos: Pos = _pos()


@dataclass(frozen=True)
class DropIndex(Node):
    name: str
    if_exists: bool
    table: Optional[str] = None
    pos: Pos = _pos()


# ----------------------------------------------------------------- session control


@dataclass(frozen=True)
class Begin(Node):
    pos: Pos = _pos()


@dataclass(frozen=True)
class Commit(Node):
    pos: Pos = _pos()


@dataclass(frozen=True)
class Rollback(Node):
    savepoint: Optional[str] = None
    pos: Pos = _pos()


@dataclass(frozen=True)
class Savepoint(Node):
    name: str
    pos: Pos = _pos()


@dataclass(frozen=True)
class ReleaseSavepoint(Node):
    name: str
    pos: Pos = _pos()


@dataclass(frozen=True)
class Explain(Node):
    statement: Node
    pos: Pos = _pos()
