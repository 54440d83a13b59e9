"""Introspection: tables, columns, keys and indexes from the driver's catalog and MongoDB itself.

A table declared through the driver (CREATE TABLE) has an entry in ``__schema__`` with its
columns, types, nullability, defaults, primary key and sequence. A collection written by
other MongoDB clients has none: the driver describes it by sampling documents, and that is
what ``cursor.description`` reports for it. Indexes are MongoDB's own (``index_information``).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from django.db.backends.base.introspection import BaseDatabaseIntrospection
from django.db.backends.base.introspection import FieldInfo as BaseFieldInfo
from django.db.backends.base.introspection import TableInfo
from django.db.models import Index

FieldInfo = namedtuple("FieldInfo", BaseFieldInfo._fields + ("is_autofield", "comment"))

SCHEMA_COLLECTION = "__schema__"


def _default_sql(default: Any) -> Any:
    if not default:
        return None
    if "function" in default:
        return default["function"].upper()
    value = default.get("value")
    return None if value is None else repr(value)


class DatabaseIntrospection(BaseDatabaseIntrospection):
    # The driver's type codes (mongodbapi.types) -> Django fields.
    data_types_reverse = {
        "INTEGER": "IntegerField",
        "BIGINT": "BigIntegerField",
        "SMALLINT": "SmallIntegerField",
        "REAL": "FloatField",
        "DECIMAL": "DecimalField",
        "TEXT": "TextField",
        "VARCHAR": "CharField",
        "CHAR": "CharField",
        "BOOLEAN": "BooleanField",
        "DATE": "DateField",
        "TIME": "TimeField",
        "TIMESTAMP": "DateTimeField",
        "TIMESTAMPTZ": "DateTimeField",
        "UUID": "UUIDField",
        "BLOB": "BinaryField",
        "JSON": "JSONField",
        "OBJECTID": "django_backend.models.ObjectIdField",
        None: "TextField",  # a sampled field whose values were all NULL
    }

    def get_field_type(self, data_type: Any, description: Any) -> str:
        field_type = super().get_field_type(data_type, description)
        if getattr(description, "is_autofield", False):
            return {"IntegerField": "AutoField", "BigIntegerField": "BigAutoField",
                    "SmallIntegerField": "SmallAutoField",
                    "django_backend.models.ObjectIdField": "django_backend.models.ObjectIdAutoField"
                    }.get(field_type, field_type)
        return field_type

    # ------------------------------------------------------------- helpers

    def _driver(self) -> Any:
        self.connection.ensure_connection()
        return self.connection.connection

    def _table(self, table_name: str) -> Any:
        return self._driver().catalog.lookup(table_name)

    # ------------------------------------------------------------- tables and columns

    def get_table_list(self, cursor: Any) -> list[TableInfo]:
        database = self._driver().database
        names = {n for n in database.list_collection_names() if n != SCHEMA_COLLECTION and not n.startswith("system.")}
        names |= {d["name"] for d in database[SCHEMA_COLLECTION].find({"columns": {"$exists": True}}, {"name": 1})}
        return [TableInfo(name, "t") for name in sorted(names)]

    def get_table_description(self, cursor: Any, table_name: str) -> list[FieldInfo]:
        info = self._table(table_name)
        if info is None:
            from django.db import DatabaseError

            raise DatabaseError(f"no such table: {table_name}")
        fields = []
        for column in info.columns:
            params = tuple(column.params or ())
            internal_size = params[0] if column.type in ("VARCHAR", "CHAR") and params else None
            precision = params[0] if column.type == "DECIMAL" and params else None
            scale = params[1] if column.type == "DECIMAL" and len(params) > 1 else None
            is_auto = column.name in info.auto or (column.field == "_id" and column.type == "OBJECTID")
            fields.append(FieldInfo(column.name, column.type, internal_size, internal_size, precision, scale,
                                    not column.not_null and column.field != "_id", _default_sql(column.default),
                                    None, is_auto, None))
        return fields

    def get_sequences(self, cursor: Any, table_name: str, table_fields: Any = ()) -> list[dict[str, Any]]:
        info = self._table(table_name)
        if info is None:
            return []
        return [{"table": table_name, "column": name, "name": None} for name in info.auto]

    def get_relations(self, cursor: Any, table_name: str) -> dict[str, tuple[str, str]]:
        # MongoDB has no foreign keys and the catalog does not keep REFERENCES.
        return {}

    def get_primary_key_columns(self, cursor: Any, table_name: str) -> list[str] | None:
        info = self._table(table_name)
        if info is None:
            return None
        if info.primary_key:
            return list(info.primary_key)
        return ["_id"] if info.column("_id") is not None else None

    # ------------------------------------------------------------- constraints and indexes

    def get_constraints(self, cursor: Any, table_name: str) -> dict[str, dict[str, Any]]:
        info = self._table(table_name)
        if info is None:
            return {}
        by_field = {c.field: c.name for c in info.columns}
        constraints: dict[str, dict[str, Any]] = {}
        primary = list(info.primary_key) or (["_id"] if info.column("_id") is not None else [])
        if primary:
            constraints["%s_pkey" % info.name] = {
                "columns": primary, "primary_key": True, "unique": True, "foreign_key": None,
                "check": False, "index": False, "type": None, "orders": [], "definition": None, "options": None,
            }
        indexes = self._driver().database[info.name].index_information()
        for name, spec in indexes.items():
            keys = spec["key"]
            columns = [by_field.get(field, field) for field, _ in keys]
            if name == "_id_" or (len(primary) > 1 and columns == primary and spec.get("unique")):
                continue  # the primary key, reported above
            unique = bool(spec.get("unique"))
            constraints[name] = {
                "columns": columns,
                "orders": ["DESC" if direction == -1 else "ASC" for _, direction in keys],
                "primary_key": False,
                "unique": unique,
                # A unique index stands for a UNIQUE constraint; a plain one is an index.
                "index": not unique,
                "type": Index.suffix if not unique else None,
                "foreign_key": None,
                "check": False,
                "definition": None,
                "options": None,
            }
        return constraints
