"""ALTER TABLE: catalog changes, plus the document rewrites each one needs.

Each action is checked before anything changes (a NOT NULL column with NULLs, an unknown
column), then applied: documents are rewritten with one ``update_many`` (``$set``, ``$unset``,
``$rename`` or a pipeline that converts the type), then the catalog entry is saved. Changes of
the primary key, which is ``_id`` and immutable, are in ``primary_key.py`` (with what a failure
part way leaves behind).
"""

from __future__ import annotations

from typing import Any

import pymongo

from ..catalog import TableInfo, check_field_name
from ..errors import IntegrityError, NotSupportedError, ProgrammingError
from ..sql import ast
from ..types import canonical_type, to_bson_as
from . import ddl, primary_key
from .dml import default_value
from .errors import translated
from .result import Result, empty

# $convert targets for a column whose type changes; other types keep the stored values.
_CONVERT = {"INTEGER": "long", "BIGINT": "long", "SMALLINT": "int", "REAL": "double", "DECIMAL": "decimal",
            "TEXT": "string", "VARCHAR": "string", "CHAR": "string", "BOOLEAN": "bool",
            "TIMESTAMP": "date", "TIMESTAMPTZ": "date"}


def _column(info: TableInfo, name: str) -> Any:
    column = info.column(name)
    if column is None:
        raise ProgrammingError(f"table {info.name} has no column named {name}")
    return column


def _add_column(collection: Any, info: TableInfo, action: ast.AlterAction, catalog: Any) -> None:
    definition = action.column_def
    assert definition is not None
    if info.column(definition.name) is not None:
        if action.if_exists:  # ADD COLUMN IF NOT EXISTS
            return
        raise ProgrammingError(f"column {definition.name} already exists in {info.name}")
    column = ddl.column_info(definition)
    # as in CREATE TABLE: an identity column, or SQLite's INTEGER PRIMARY KEY, numbers itself
    auto = definition.autoincrement or (definition.primary_key and column.type in ("INTEGER", "BIGINT", "SMALLINT"))
    if definition.primary_key and info.primary_key:
        raise ProgrammingError(f"multiple primary keys for table {info.name} are not allowed")
    value = default_value(column)
    rows = collection.count_documents({}, limit=2)
    if not auto and rows and (value is None and column.not_null or definition.primary_key and rows > 1):
        problem = "contains null values" if value is None else "would hold one value in several rows"
        raise IntegrityError(f"cannot add column {column.name} to {info.name}: the new column {problem}")
    if auto and value is None and rows:
        _number_rows(collection, info, column, catalog)
    elif value is not None:  # NULL is stored as no field: nothing to write
        collection.update_many({column.field: {"$exists": False}}, {"$set": {column.field: to_bson_as(value, column.type)}})
    info.columns.append(column)
    info.reindex()
    if definition.unique and not definition.primary_key:
        info.unique.append([column.name])
        ddl.create_unique(collection, info.name, [column.name], info, None)
    if auto:
        info.auto.append(column.name)
    if definition.primary_key:
        primary_key.add(collection, info, [column.name], None, catalog)


def _number_rows(collection: Any, info: TableInfo, column: Any, catalog: Any) -> None:
    """An identity column added to a table with rows: each row takes the next value of the table's
    sequence, as PostgreSQL fills one (in ``_id`` order; PostgreSQL's order is its storage order)."""
    ids = [d["_id"] for d in collection.find({}, {"_id": 1}, sort=[("_id", 1)])]
    first = catalog.reserve_ids(info.name, len(ids))
    collection.bulk_write([pymongo.UpdateOne({"_id": key}, {"$set": {column.field: to_bson_as(first + i, column.type)}})
                           for i, key in enumerate(ids)])


def _add_identity(collection: Any, info: TableInfo, column: Any, catalog: Any) -> None:
    """ALTER COLUMN c ADD GENERATED ... AS IDENTITY: the column numbers new rows from the table's
    sequence. Unlike PostgreSQL, whose new sequence starts at 1 whatever the column holds, the
    sequence is moved past the largest stored value, so generated values never collide with them.
    A column that numbers itself already (an INTEGER PRIMARY KEY, by SQLite's rule, or an identity)
    stays as it is: PostgreSQL refuses a second identity, but here the first one was implicit."""
    if column.name in info.auto:
        return
    if column.type not in ("INTEGER", "BIGINT", "SMALLINT"):
        raise ProgrammingError(f"identity column {column.name} of {info.name} must be an integer column")
    if not column.not_null:
        raise ProgrammingError(f"column {column.name} of {info.name} must be declared NOT NULL before "
                               f"identity can be added")
    top = list(collection.aggregate([{"$group": {"_id": None, "top": {"$max": "$" + column.field}}}]))
    if top and isinstance(top[0]["top"], int):
        catalog.advance_sequence(info.name, top[0]["top"])
    info.auto.append(column.name)


def _drop_column(collection: Any, info: TableInfo, action: ast.AlterAction) -> None:
    assert action.column is not None
    column = info.column(action.column)
    if column is None:
        if action.if_exists:
            return
        raise ProgrammingError(f"table {info.name} has no column named {action.column}")
    if column.name in info.primary_key:
        primary_key.drop_column(info, column)
    if column.field != "_id":  # a single-column key's values stay in _id, as the rows' internal ids
        for name, spec in collection.index_information().items():
            if any(field == column.field for field, _ in spec["key"]):
                collection.drop_index(name)
        collection.update_many({}, {"$unset": {column.field: ""}})
    info.columns.remove(column)
    info.unique = [u for u in info.unique if column.name not in u]
    info.auto = [a for a in info.auto if a != column.name]


def _rename_column(collection: Any, info: TableInfo, action: ast.AlterAction) -> None:
    assert action.column is not None and action.new_name is not None
    column = _column(info, action.column)
    check_field_name(action.new_name)
    if info.column(action.new_name) is not None and action.new_name.lower() != action.column.lower():
        raise ProgrammingError(f"column {action.new_name} already exists in {info.name}")
    if column.field != "_id":
        collection.update_many({column.field: {"$exists": True}}, {"$rename": {column.field: action.new_name}})
        _rename_in_indexes(collection, column.field, action.new_name)
        column.field = action.new_name
    info.primary_key = [action.new_name if n == column.name else n for n in info.primary_key]
    info.unique = [[action.new_name if n == column.name else n for n in u] for u in info.unique]
    info.auto = [action.new_name if n == column.name else n for n in info.auto]
    column.name = action.new_name


def _rename_in_indexes(collection: Any, old: str, new: str) -> None:
    """Rebuild the indexes on a renamed field: MongoDB indexes name fields, and $rename keeps them."""
    for name, spec in collection.index_information().items():
        keys = [(new if field == old else field, direction) for field, direction in spec["key"]]
        if keys == list(spec["key"]):
            continue
        options = {k: v for k, v in spec.items() if k in ("unique", "sparse")}
        if "partialFilterExpression" in spec:
            options["partialFilterExpression"] = {new if k == old else k: v
                                                  for k, v in spec["partialFilterExpression"].items()}
        collection.drop_index(name)
        collection.create_index(keys, name=name, **options)


def _set_type(collection: Any, info: TableInfo, action: ast.AlterAction) -> None:
    assert action.column is not None and action.type is not None
    column = _column(info, action.column)
    target = canonical_type(action.type.name)
    if target != column.type and target in _CONVERT:
        field = "$" + column.field
        converted = {"$convert": {"input": field, "to": _CONVERT[target], "onNull": None}}
        if target == "DECIMAL" and column.type in ("INTEGER", "BIGINT", "SMALLINT", "REAL", None):
            converted = {"$convert": {"input": {"$toString": field}, "to": "decimal", "onNull": None}}
        if column.field == "_id":  # the key: immutable, every document is rewritten
            primary_key.set_type(collection, info, column, converted)
        else:
            collection.update_many({column.field: {"$ne": None}}, [{"$set": {column.field: converted}}])
    column.type = target
    column.params = action.type.params


def _set_not_null(collection: Any, info: TableInfo, action: ast.AlterAction) -> None:
    column = _column(info, action.column or "")
    if collection.count_documents({column.field: None}, limit=1):
        raise IntegrityError(f"column {column.name} of {info.name} contains NULL values")
    column.not_null = True


def _apply(collection: Any, info: TableInfo, action: ast.AlterAction, catalog: Any) -> None:  # noqa: C901
    kind = action.kind
    if kind == "restart":  # ALTER COLUMN id RESTART [WITH n]: the next generated value is n
        column = _column(info, action.column or "")
        if column.name not in info.auto:
            raise ProgrammingError(f"column {column.name} of {info.name} is not an identity column")
        start = action.default.value if isinstance(action.default, ast.Literal) else 1
        catalog.set_sequence(info.name, int(start) - 1)
    elif kind == "add_identity":
        _add_identity(collection, info, _column(info, action.column or ""), catalog)
    elif kind == "drop_identity":  # the column keeps its values and the table its sequence value
        column = _column(info, action.column or "")
        if column.name in info.auto:
            info.auto.remove(column.name)
        elif not action.if_exists:
            raise ProgrammingError(f"column {column.name} of {info.name} is not an identity column")
    elif kind == "add_column":
        _add_column(collection, info, action, catalog)
    elif kind == "drop_column":
        _drop_column(collection, info, action)
    elif kind == "rename_column":
        _rename_column(collection, info, action)
    elif kind == "set_type":
        _set_type(collection, info, action)
    elif kind == "set_not_null":
        _set_not_null(collection, info, action)
    elif kind == "drop_not_null":
        column = _column(info, action.column or "")
        if column.name in info.primary_key:
            raise ProgrammingError(f"column {column.name} is in the primary key")
        column.not_null = False
    elif kind == "set_default":
        column = _column(info, action.column or "")
        column.default = ddl.default_spec(action.default, column.type)
    elif kind == "drop_default":
        _column(info, action.column or "").default = None
    elif kind == "add_constraint":
        _add_constraint(collection, info, action, catalog)
    elif kind == "drop_constraint":
        _drop_constraint(collection, info, action)
    else:  # pragma: no cover - the grammar has no other actions
        raise NotSupportedError(f"ALTER TABLE {kind}")
    info.reindex()


def _add_constraint(collection: Any, info: TableInfo, action: ast.AlterAction, catalog: Any) -> None:
    constraint = action.constraint
    assert constraint is not None
    if constraint.kind == "unique":
        name = constraint.name or ddl.index_name(info.name, list(constraint.columns), "key")
        ddl.create_unique(collection, info.name, list(constraint.columns), info, None, name)
        info.unique.append(list(constraint.columns))
    elif constraint.kind == "foreign_key":
        pass  # recorded by name only: MongoDB has no foreign keys, and they are not enforced
    elif constraint.kind == "primary_key":
        primary_key.add(collection, info, list(constraint.columns), constraint.name, catalog)
    else:
        raise NotSupportedError("CHECK constraints are not supported")


def _drop_constraint(collection: Any, info: TableInfo, action: ast.AlterAction) -> None:
    name = action.column or ""
    indexes = collection.index_information()
    if name in primary_key.constraint_names(info):
        primary_key.drop(collection, info)
    elif name in indexes:
        fields = [f for f, _ in indexes[name]["key"]]
        collection.drop_index(name)
        info.unique = [u for u in info.unique if [info.column(c).field for c in u if info.column(c)] != fields]
    elif not action.if_exists:
        raise ProgrammingError(f"no such constraint: {name}")


def alter_table(connection: Any, node: ast.AlterTable) -> Result:
    catalog = connection.catalog
    info = catalog.lookup(node.table)
    if info is None:
        if node.if_exists:
            return empty()
        raise ProgrammingError(f"no such table: {node.table}")
    if not info.declared:
        raise NotSupportedError(f"ALTER TABLE on {info.name}: the collection has no declared schema")
    connection.end_transaction_for_ddl()
    try:
        _run_actions(connection, catalog, info, node)
    except Exception:
        catalog.invalidate()  # the cached entry may hold changes of the failed action: read it again
        raise
    return empty()


def _run_actions(connection: Any, catalog: Any, info: TableInfo, node: ast.AlterTable) -> None:
    with translated():
        collection = connection.database[info.name]
        for action in node.actions:
            if action.kind == "rename_table":
                assert action.new_name is not None
                if catalog.lookup(action.new_name) is not None:
                    raise ProgrammingError(f"table {action.new_name} already exists")
                collection.rename(action.new_name)
                catalog.rename(info.name, action.new_name)
                info.name = action.new_name
                collection = connection.database[info.name]
            else:
                _apply(collection, info, action, catalog)
        catalog.save(info)
