"""CREATE/DROP/ALTER TABLE and CREATE/DROP INDEX: real collections, indexes and catalog entries.

PRIMARY KEY on one column is MongoDB's ``_id``; a composite PRIMARY KEY and every UNIQUE
constraint are unique indexes. REFERENCES are recorded in the catalog but not enforced
(MongoDB has no foreign keys); CHECK constraints are refused rather than silently ignored.
"""

from __future__ import annotations

from typing import Any, Optional

import pymongo

from ..catalog import ColumnInfo, TableInfo, check_field_name
from ..errors import IntegrityError, NotSupportedError, ProgrammingError
from ..sql import ast
from ..types import canonical_type, to_bson_as
from .errors import translated
from .residual import evaluate
from .result import Result, empty

_DEFAULT_FUNCTIONS = ("current_timestamp", "now", "current_date", "current_time")


def default_spec(node: Optional[ast.Expr], type_code: Optional[str]) -> Any:
    if node is None:
        return None
    if isinstance(node, ast.Func) and node.name in _DEFAULT_FUNCTIONS and not node.args:
        return {"function": node.name}
    if isinstance(node, ast.Literal) and node.value is None:
        return None
    try:
        value = evaluate(node, None)
    except NotSupportedError:
        raise NotSupportedError("DEFAULT must be a constant or CURRENT_TIMESTAMP/CURRENT_DATE/CURRENT_TIME") from None
    return {"value": to_bson_as(value, type_code)}


def column_info(definition: ast.ColumnDef) -> ColumnInfo:
    check_field_name(definition.name)
    if definition.check is not None:
        raise NotSupportedError(f"CHECK constraints are not supported (column {definition.name})")
    type_code = canonical_type(definition.type.name) if definition.type is not None else None
    if definition.type is not None and definition.type.array:
        type_code = "JSON"
    params = definition.type.params if definition.type is not None else ()
    return ColumnInfo(definition.name, type_code, params, definition.not_null or definition.primary_key,
                      default_spec(definition.default, type_code))


def index_name(table: str, columns: list[str], suffix: str) -> str:
    return f"{table}_{'_'.join(columns)}_{suffix}"


def create_unique(collection: Any, table: str, columns: list[str], info: TableInfo, session: Any,
                   name: Optional[str] = None) -> None:
    fields = []
    for name_ in columns:
        column = info.column(name_)
        if column is None:
            raise ProgrammingError(f"no such column: {name_}")
        fields.append((column.field, pymongo.ASCENDING))
    if fields == [("_id", pymongo.ASCENDING)]:
        return  # _id is unique already
    # SQL exempts rows with a NULL in the key from uniqueness; NULL is stored as no field, so
    # the index covers only documents that have every key field.
    present = {field: {"$exists": True} for field, _ in fields}
    collection.create_index(fields, unique=True, name=name or index_name(table, columns, "key"),
                            partialFilterExpression=present, session=session)


def create_table(connection: Any, node: ast.CreateTable) -> Result:
    catalog = connection.catalog
    existing = catalog.lookup(node.table)
    # With ENFORCE_SCHEMA off, a collection that already holds data but has no declared schema
    # is adopted: CREATE TABLE declares its columns.
    adopt = existing is not None and not existing.declared and not connection.enforce_schema
    if existing is not None and not adopt:
        if node.if_not_exists:
            return empty()
        raise ProgrammingError(f"table {node.table} already exists")
    columns = [column_info(c) for c in node.columns]
    names = [c.name for c in columns]
    if len(set(n.lower() for n in names)) != len(names):
        raise ProgrammingError(f"duplicate column name in CREATE TABLE {node.table}")
    primary = [c.name for c in node.columns if c.primary_key]
    unique = [[c.name] for c in node.columns if c.unique and not c.primary_key]
    auto = [c.name for c in node.columns if c.autoincrement]
    for constraint in node.constraints:
        if constraint.kind == "primary_key":
            primary = list(constraint.columns)
        elif constraint.kind == "unique":
            unique.append(list(constraint.columns))
        elif constraint.kind == "check":
            raise NotSupportedError("CHECK constraints are not supported")
    if len(primary) > 1 and any(c.primary_key for c in node.columns):
        raise ProgrammingError(f"table {node.table} has more than one primary key")
    for column in columns:
        if column.name in primary:
            column.not_null = True
    # SQLite: an INTEGER PRIMARY KEY column is the rowid alias and numbers itself
    if len(primary) == 1 and not auto:
        only = next(c for c in columns if c.name == primary[0])
        if only.type in ("INTEGER", "BIGINT", "SMALLINT"):
            auto = [only.name]
    info = TableInfo(node.table, columns, primary, unique, auto)
    connection.end_transaction_for_ddl()
    with translated():
        database = connection.database
        if node.table not in database.list_collection_names():
            database.create_collection(node.table)
        collection = database[node.table]
        if len(primary) > 1:
            create_unique(collection, node.table, primary, info, None, index_name(node.table, primary, "pkey"))
        for columns_ in unique:
            create_unique(collection, node.table, columns_, info, None)
        catalog.create(info)
    return empty()


def drop_table(connection: Any, node: ast.DropTable) -> Result:
    catalog = connection.catalog
    connection.end_transaction_for_ddl()
    for name in node.tables:
        info = catalog.lookup(name)
        if info is None:
            if node.if_exists:
                continue
            raise ProgrammingError(f"no such table: {name}")
        with translated():
            connection.database.drop_collection(info.name)
            catalog.drop(info.name)
    return empty()


def create_index(connection: Any, node: ast.CreateIndex) -> Result:
    info = connection.catalog.get(node.table)
    keys = []
    for expr, descending in node.columns:
        if not isinstance(expr, ast.Column):
            raise NotSupportedError("indexes on expressions are not supported; index columns instead")
        column = info.column(expr.parts[0])
        if column is None and info.declared:
            raise ProgrammingError(f"no such column: {'.'.join(expr.parts)}")
        path = ".".join(((column.field if column else expr.parts[0]),) + expr.parts[1:])
        keys.append((path, pymongo.DESCENDING if descending else pymongo.ASCENDING))
    if node.where is not None:
        raise NotSupportedError("partial indexes (CREATE INDEX ... WHERE) are not supported")
    connection.end_transaction_for_ddl()
    with translated():
        collection = connection.database[info.name]
        if node.name in collection.index_information():
            if node.if_not_exists:
                return empty()
            raise ProgrammingError(f"index {node.name} already exists")
        try:
            options = {"partialFilterExpression": {f: {"$exists": True} for f, _ in keys}} if node.unique else {}
            collection.create_index(keys, name=node.name, unique=node.unique, **options)
        except pymongo.errors.DuplicateKeyError as exc:
            raise IntegrityError(f"cannot create unique index {node.name}: duplicate values exist ({exc})") from None
    return empty()


def drop_index(connection: Any, node: ast.DropIndex) -> Result:
    database = connection.database
    connection.end_transaction_for_ddl()
    with translated():
        tables = [connection.catalog.get(node.table).name] if node.table else database.list_collection_names()
        for table in tables:
            if node.name in database[table].index_information():
                database[table].drop_index(node.name)
                connection.catalog.invalidate()
                return empty()
    if node.if_exists:
        return empty()
    raise ProgrammingError(f"no such index: {node.name}")


__all__ = ["create_table", "drop_table", "create_index", "drop_index", "column_info"]
