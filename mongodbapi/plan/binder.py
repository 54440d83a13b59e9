"""Name resolution: which table and document field a column reference means, and its type.

A :class:`Scope` lists the tables of one query level with the aliases SQL gives them. For a
single-table query the table's fields sit at the document root; a joined table's fields sit
under the SQL alias (never the table name), so self-joins and repeated joins stay apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..catalog import ColumnInfo, TableInfo, check_field_name
from ..errors import ProgrammingError
from ..sql import ast


@dataclass(frozen=True)
class Binding:
    """What a column reference resolved to."""

    path: str  # dotted document path, e.g. "address.city" or "o.total"
    type: Optional[str]  # type code, None when unknown or below a declared column
    not_null: bool
    column: Optional[ColumnInfo]  # the declared column, when the path is exactly one
    table: "ScopeTable"
    subpath: tuple[str, ...] = ()  # parts below the column (embedded document fields)


@dataclass
class ScopeTable:
    alias: str
    info: TableInfo
    prefix: str = ""  # "" at the document root, "alias." for a joined table
    outer: bool = False  # joined by an outer join: every column may be NULL, NOT NULL or not


class Scope:
    def __init__(self, tables: list[ScopeTable], outer: Optional["Scope"] = None) -> None:
        self.tables = tables
        self.outer = outer

    def table_for_alias(self, name: str) -> Optional[ScopeTable]:
        exact = [t for t in self.tables if t.alias == name]
        if exact:
            return exact[0]
        folded = [t for t in self.tables if t.alias.lower() == name.lower()]
        return folded[0] if len(folded) == 1 else None

    def resolve(self, column: ast.Column) -> Binding:
        for part in column.parts:
            check_field_name(part)
        parts = column.parts
        if len(parts) > 1:
            table = self.table_for_alias(parts[0])
            # "t.x" is table t's column x, unless t names no table here, or t is also a column of
            # the only table and x is none of its columns (then it is a path into column t).
            if table is not None and (len(self.tables) > 1 or table.info.column(parts[0]) is None
                                      or table.info.column(parts[1]) is not None or not table.info.declared):
                return self._bind(table, parts[1:], column)
        matches = [t for t in self.tables if t.info.column(parts[0]) is not None]
        if len(matches) > 1:
            raise ProgrammingError(f"column reference {'.'.join(parts)!r} is ambiguous "
                                   f"(line {column.pos[0]}, column {column.pos[1]})")
        if matches:
            return self._bind(matches[0], parts, column)
        undeclared = [t for t in self.tables if not t.info.declared or t.info.open]
        if len(self.tables) == 1 and undeclared:
            return self._bind(undeclared[0], parts, column)
        raise ProgrammingError(f"no such column: {'.'.join(parts)} (line {column.pos[0]}, column {column.pos[1]})")

    def _bind(self, table: ScopeTable, parts: tuple[str, ...], column: ast.Column) -> Binding:
        info = table.info.column(parts[0])
        if info is None:
            if table.info.declared and not table.info.open:
                raise ProgrammingError(f"no such column: {'.'.join(column.parts)} "
                                       f"(line {column.pos[0]}, column {column.pos[1]})")
            path = table.prefix + ".".join(parts)
            return Binding(path, None, False, None, table, parts[1:])
        path = table.prefix + ".".join((info.field,) + parts[1:])
        if len(parts) == 1:
            return Binding(path, info.type, info.not_null and not table.outer, info, table)
        return Binding(path, None, False, None, table, parts[1:])

    def columns(self, alias: Optional[str] = None) -> list[tuple[ScopeTable, ColumnInfo]]:
        """The columns ``*`` (or ``alias.*``) expands to, in order."""
        tables = self.tables
        if alias is not None:
            table = self.table_for_alias(alias)
            if table is None:
                raise ProgrammingError(f"no such table: {alias}")
            tables = [table]
        return [(t, c) for t in tables for c in t.info.columns]
