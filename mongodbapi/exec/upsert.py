"""INSERT ... ON CONFLICT (target) DO UPDATE: the part of an INSERT that updates conflicting rows."""

from __future__ import annotations

import decimal
from typing import Any, Optional

from bson import Decimal128

from ..catalog import TableInfo, check_field_name
from ..errors import IntegrityError, NotSupportedError, ProgrammingError
from ..mql.expr import ExprCompiler, Typed
from ..mql.select import SelectPlanner
from ..mql.template import Slot, bind, render, template_keys
from ..plan.binder import Scope, ScopeTable
from ..sql import ast
from ..types import to_bson_as
from .dml import default_value, run_atomically, value_at
from .errors import translated
from .writes import DELETE, INSERT, REPLACE, UPDATE, Write, send


class _Excluded(Slot):
    """``EXCLUDED.c``: the value the proposed row has for ``c`` (already converted to c's type)."""

    __slots__ = ("field",)

    def __init__(self, field: str) -> None:
        self.field = field

    def bind(self, params: Any) -> Any:
        return {"$literal": params.proposed.get(self.field)}

    def keys(self) -> list[Any]:
        return []


class _ProposedRow:
    """The statement's parameters, plus the proposed row that ``EXCLUDED`` names."""

    def __init__(self, params: Any, proposed: dict[str, Any]) -> None:
        self.params = params
        self.proposed = proposed

    def __getitem__(self, key: Any) -> Any:
        return self.params[key]


def _shown_excluded(template: Any) -> Any:
    if isinstance(template, dict):
        return {k: _shown_excluded(v) for k, v in template.items()}
    if isinstance(template, list):
        return [_shown_excluded(v) for v in template]
    if isinstance(template, _Excluded):
        return {"$literal": f"<EXCLUDED.{template.field}>"}
    return template


def _key_part(value: Any) -> Any:
    """A stored key value in a form that compares as MongoDB compares it (1, 1.0 and
    Decimal128('1') are one key)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", decimal.Decimal(value))
    if isinstance(value, Decimal128):
        return ("number", value.to_decimal())
    return ("other", repr(value))


class ConflictUpdate:
    """``INSERT ... ON CONFLICT (target) DO UPDATE SET ... [WHERE ...]`` (PostgreSQL's and SQLite's upsert).

    The proposed rows are taken in order, as SQLite does: a row whose target columns equal those of
    a stored row (or of a row this statement already inserted) updates that row with the SET list,
    where ``EXCLUDED.c`` is the proposed row's value and other columns are the stored row's; a row
    that conflicts with nothing is inserted. A row whose target columns hold a NULL conflicts with
    nothing. The target must be exactly the columns of the primary key, of a UNIQUE constraint or of
    a unique index (PostgreSQL's rule); a collision on another unique key is an IntegrityError.
    PostgreSQL refuses a statement that updates one row twice; here, as in SQLite, the second
    proposed row updates the row again.

    The SET list and WHERE condition are compiled once, as UPDATE's are, into an update pipeline run
    on the server for each conflicting row, ``EXCLUDED`` values bound as literals. The rows conflicts
    are looked up with one query before writing; runs of inserts between updates go in one insert.
    """

    def __init__(self, node: ast.OnConflictUpdate, info: TableInfo, collection: str) -> None:
        self.node = node
        self.info = info
        self.collection = collection
        self.target_fields: list[str] = []
        for name in node.target:
            column = info.column(name)
            if column is None and info.declared and not info.open:
                raise ProgrammingError(f"column {name} named in ON CONFLICT does not exist in table {info.name}")
            self.target_fields.append(column.field if column is not None else check_field_name(name))
        scope = Scope([ScopeTable(collection, info)])
        planner = SelectPlanner(scope, collection, [], None)

        def resolve(column: ast.Column) -> Typed:
            if len(column.parts) == 2 and column.parts[0].lower() == "excluded":
                target = info.column(column.parts[1])
                if target is None and info.declared and not info.open:
                    raise ProgrammingError(f"no such column: {'.'.join(column.parts)} "
                                           f"(line {column.pos[0]}, column {column.pos[1]})")
                field = target.field if target is not None else check_field_name(column.parts[1])
                return Typed(_Excluded(field), target.type if target is not None else None,
                             not (target is not None and target.not_null))
            return planner.column(column)

        compiler = ExprCompiler(resolve)
        self.not_null: list[str] = []
        self.changes_key = False
        values: dict[str, Any] = {}
        for assignment in node.assignments:
            binding = scope.resolve(assignment.column)
            column = binding.column
            if binding.path == "_id" and info.declared:
                raise NotSupportedError("updating a primary key column is not supported (MongoDB's _id is immutable)")
            if column is None and info.declared and not info.open and not binding.subpath:
                raise ProgrammingError(f"no such column: {'.'.join(assignment.column.parts)}")
            if isinstance(assignment.value, ast.Default):
                default = default_value(column) if column is not None else None
                value: Any = {"$literal": to_bson_as(default, column.type if column is not None else None)}
            else:
                value = compiler.value(assignment.value, column.type if column is not None else None).mql
            values[binding.path] = {"$ifNull": [value, "$$REMOVE"]}  # NULL is stored as no field
            if column is not None and column.not_null:
                self.not_null.append(binding.path)
            self.changes_key = self.changes_key or binding.path.split(".")[0] in self.target_fields
        self.update: list[Any] = [{"$set": values}]
        self.condition = compiler.truth(node.where) if node.where is not None else None
        self.param_keys = template_keys(self.update) + template_keys(self.condition)

    def explain(self) -> dict[str, Any]:
        query: dict[str, Any] = {"_id": "<_id of the stored row the proposed row conflicts with>"}
        if self.condition is not None:
            query["$expr"] = _shown_excluded(render(self.condition))
        return {"update": self.collection, "updates": [{"q": query, "u": _shown_excluded(render(self.update))}]}

    def _arbiter(self, collection: Any) -> None:
        """Check that the target names a unique key, as PostgreSQL requires."""
        with translated():
            keys = [{f for f, _ in spec["key"]} for spec in collection.index_information().values()
                    if spec.get("unique")] + [{"_id"}]
        if set(self.target_fields) not in keys:
            raise ProgrammingError(f"there is no unique or exclusion constraint matching the ON CONFLICT "
                                   f"specification ({', '.join(self.node.target)}) on table {self.info.name}")

    def _key(self, document: dict[str, Any]) -> Optional[tuple[Any, ...]]:
        values = [document.get(f) for f in self.target_fields]
        if any(v is None for v in values):
            return None  # a NULL in the key conflicts with nothing
        return tuple(_key_part(v) for v in values)

    def run(self, connection: Any, rows: list[tuple[dict[str, Any], Any]],
            want_rows: bool) -> tuple[list[dict[str, Any]], int]:
        """Insert or update each proposed row; returns the rows written (for RETURNING) and how many."""
        collection = connection.database[self.collection]
        self._arbiter(collection)
        inserted: list[Any] = []  # _id of the documents inserted, for the undo
        before: list[dict[str, Any]] = []  # stored documents as they were before their update, for the undo
        keep_before = not connection.in_transaction and not connection.transactions_supported

        def work(session: Any) -> tuple[list[dict[str, Any]], int]:
            written: list[dict[str, Any]] = []
            count = 0
            stored: dict[Any, Any] = {}  # key -> _id of the row holding it
            wanted = [d for d, _ in rows if self._key(d) is not None]
            if wanted:
                query = {"$or": [{f: {"$eq": d[f]} for f in self.target_fields} for d in wanted]}
                with translated():
                    for found in collection.find(query, {f: 1 for f in self.target_fields}, session=session):
                        key = self._key(found)
                        if key is not None:
                            stored.setdefault(key, found["_id"])
            pending: list[dict[str, Any]] = []

            def flush() -> None:
                if pending:
                    send(connection, Write(self.collection, INSERT, tuple(pending)), session)
                    inserted.extend(d["_id"] for d in pending)
                    pending.clear()

            for document, params in rows:
                key = self._key(document)
                target = stored.get(key) if key is not None else None
                if target is None:
                    pending.append(document)
                    written.append(document)
                    count += 1
                    if key is not None:
                        stored[key] = document["_id"]
                    continue
                flush()
                bound = _ProposedRow(params, document)
                query = {"_id": target}
                if self.condition is not None:
                    query["$expr"] = bind(self.condition, bound)
                if keep_before and target not in inserted:
                    with translated():
                        before.extend(collection.find({"_id": target}))
                if not send(connection, Write(self.collection, UPDATE, filter=query, update=bind(self.update, bound)),
                            session):
                    continue  # the DO UPDATE ... WHERE condition is false for this row: neither updated nor inserted
                count += 1
                if want_rows or self.changes_key or self.not_null:
                    with translated():
                        now = collection.find_one({"_id": target}, session=session)
                    self._check_not_null(now)
                    written.append(now)
                    if self.changes_key:
                        del stored[key]
                        new_key = self._key(now)
                        if new_key is not None:
                            stored.setdefault(new_key, target)
            flush()
            return written, count

        def undo() -> None:
            for document in reversed(before):
                send(connection, Write(self.collection, REPLACE, filter={"_id": document["_id"]}, update=document),
                     None)
            if inserted:
                send(connection, Write(self.collection, DELETE, filter={"_id": {"$in": inserted}}), None)

        connection.statement_session()
        return run_atomically(connection, work, undo)

    def _check_not_null(self, document: dict[str, Any]) -> None:
        for path in self.not_null:
            if value_at(document, path) is None:
                name = next((c.name for c in self.info.columns if c.field == path), path)
                raise IntegrityError(f"NOT NULL constraint failed: {self.info.name}.{name}")


__all__ = ["ConflictUpdate"]
