"""Changing a table's primary key: ADD [CONSTRAINT name] PRIMARY KEY, DROP CONSTRAINT <table>_pkey,
DROP COLUMN and ALTER COLUMN ... TYPE of the key.

A single-column primary key is stored as MongoDB's ``_id``, which cannot be changed in place, so
what each change does to the documents is:

==========================================  =====================================================
ADD PRIMARY KEY (c)                         every document is rewritten with ``_id`` = c (and no
                                            field c): one aggregation ending in ``$out`` into the
                                            table's own collection
ADD PRIMARY KEY (a, b)                      a unique index on (a, b); documents keep their ``_id``
DROP CONSTRAINT <table>_pkey (one column)   the key's values are copied from ``_id`` into a field
                                            of the column's name (``update_many``); ``_id`` keeps
                                            them as the rows' internal ids, enforcing nothing the
                                            catalog shows
DROP CONSTRAINT <table>_pkey (composite)    the key's unique index is dropped
DROP COLUMN of the key                      the key constraint goes with the column, as in SQL;
                                            a single-column key's values stay as internal ids
ALTER COLUMN key TYPE t (a converting type)  every document rewritten with the converted ``_id``
                                            (``$out``)
==========================================  =====================================================

Before anything is written the new key is checked: no NULLs, no duplicates (IntegrityError, and
nothing changes). MongoDB does not run DDL in transactions; how far a failure can get:

* ``$out`` replaces the collection atomically: when it fails (a duplicate ``_id`` written by another
  client since the check, say) the collection is as it was, and so is the catalog.
* The catalog entry is saved right after the documents changed. Only between those two steps can a
  failure (the process dying, the server going away) leave documents in the new layout under the
  old catalog entry; running the same ALTER again is then refused or redoes the same rewrite, and
  ``__schema__`` can be corrected by hand (``primary_key`` and ``primary_key_name``).
* Secondary indexes naming the moved field are rebuilt last (a real server keeps a collection's
  indexes across ``$out``); a failure there leaves data and catalog right and an index to recreate.
* DROP CONSTRAINT's ``update_many`` may stop part way: documents then hold a copy of their key in
  an extra field that nothing reads until the catalog says so; running it again completes it.
"""

from __future__ import annotations

from typing import Any, Optional

import pymongo

from ..catalog import TableInfo
from ..errors import IntegrityError, NotSupportedError, ProgrammingError
from . import ddl


def constraint_names(info: TableInfo) -> list[str]:
    """The names DROP CONSTRAINT accepts for the table's primary key."""
    if not info.primary_key:
        return []
    names = [f"{info.name}_pkey"]
    if info.primary_key_name:
        names.append(info.primary_key_name)
    if len(info.primary_key) > 1:
        names.append(composite_index_name(info))
    return names


def composite_index_name(info: TableInfo) -> str:
    """The unique index that enforces a composite primary key."""
    return info.primary_key_name or ddl.index_name(info.name, info.primary_key, "pkey")


def _check_key(collection: Any, table: str, columns: list[Any], key: Any) -> None:
    """No NULL and no duplicate among the future key values (``key``: their aggregation expression)."""
    for column in columns:
        if collection.count_documents({column.field: None}, limit=1):
            raise IntegrityError(f"column {column.name} of {table} contains null values")
    duplicate = list(collection.aggregate([{"$group": {"_id": key, "n": {"$sum": 1}}}, {"$match": {"n": {"$gt": 1}}},
                                           {"$limit": 1}]))
    if duplicate:
        names = ", ".join(c.name for c in columns)
        raise IntegrityError(f"could not create the primary key of {table}: key ({names})=({duplicate[0]['_id']!r}) "
                             f"is duplicated")


def _rewrite_ids(collection: Any, new_id: Any, moved: Optional[str]) -> dict[str, Any]:
    """Every document replaced by a copy whose ``_id`` is ``new_id`` (without field ``moved``), by one
    ``$out`` into the collection itself; returns the index specifications from before."""
    indexes = collection.index_information()
    stages: list[Any] = [{"$set": {"_id": new_id}}]
    if moved:
        stages.append({"$unset": moved})
    list(collection.aggregate(stages + [{"$out": collection.name}]))
    return indexes


def _restore_indexes(collection: Any, before: dict[str, Any], moved: Optional[str]) -> None:
    """The secondary indexes from before a rewrite, with ``moved`` now ``_id``: a server keeps indexes
    across ``$out`` (then only those naming ``moved`` change), the in-process engine drops them.
    An index on the key alone is dropped: ``_id`` is unique and indexed already."""
    now = collection.index_information()
    for name, spec in before.items():
        if name == "_id_":
            continue
        keys = [("_id" if field == moved else field, direction) for field, direction in spec["key"]]
        if all(field == "_id" for field, _ in keys):
            if name in now:
                collection.drop_index(name)
            continue
        if name in now and list(now[name]["key"]) == keys:
            continue
        if name in now:
            collection.drop_index(name)
        options = {k: v for k, v in spec.items() if k in ("unique", "sparse")}
        if "partialFilterExpression" in spec:
            options["partialFilterExpression"] = {"_id" if k == moved else k: v
                                                  for k, v in spec["partialFilterExpression"].items()}
        collection.create_index(keys, name=name, **options)


def add(collection: Any, info: TableInfo, names: list[str], constraint_name: Optional[str], catalog: Any) -> None:
    """ADD [CONSTRAINT name] PRIMARY KEY (names)."""
    if info.primary_key:
        raise ProgrammingError(f"multiple primary keys for table {info.name} are not allowed")
    columns = []
    for name in names:
        column = info.column(name)
        if column is None:
            raise ProgrammingError(f"table {info.name} has no column named {name}")
        columns.append(column)
    if len({c.name for c in columns}) != len(columns):
        raise ProgrammingError(f"column named twice in the primary key of {info.name}")
    key: Any = "$" + columns[0].field if len(columns) == 1 else {c.field: "$" + c.field for c in columns}
    _check_key(collection, info.name, columns, key)
    for column in columns:
        column.not_null = True
    info.primary_key = [c.name for c in columns]
    info.primary_key_name = constraint_name
    if len(columns) > 1:
        try:
            ddl.create_unique(collection, info.name, info.primary_key, info, None, composite_index_name(info))
        except pymongo.errors.DuplicateKeyError as exc:  # written by another client since the check
            raise IntegrityError(f"could not create the primary key of {info.name}: {exc}") from None
        return
    column = columns[0]
    moved = column.field
    if collection.count_documents({moved: {"$type": "array"}}, limit=1):
        raise NotSupportedError(f"a primary key on column {column.name} of {info.name}, which holds arrays "
                                f"(MongoDB's _id cannot be an array)")
    before = _rewrite_ids(collection, "$" + moved, moved)
    info.unique = [u for u in info.unique if u != [column.name]]  # _id is unique: such an index is redundant
    info.reindex()  # the column is now stored as _id
    catalog.save(info)
    _restore_indexes(collection, before, moved)


def drop(collection: Any, info: TableInfo) -> None:
    """DROP CONSTRAINT of the primary key."""
    if len(info.primary_key) > 1:
        # found by its fields: its name follows the table's and columns' names of when it was made
        fields = [c.field for c in (info.column(n) for n in info.primary_key) if c is not None]
        for name, spec in collection.index_information().items():
            if spec.get("unique") and [f for f, _ in spec["key"]] == fields:
                collection.drop_index(name)
    else:
        column = info.column(info.primary_key[0])
        assert column is not None and column.field == "_id"
        collection.update_many({}, [{"$set": {column.name: "$_id"}}])
        column.field = column.name
        _move_out_of_id(collection, column.name)
    info.primary_key = []
    info.primary_key_name = None


def _move_out_of_id(collection: Any, field: str) -> None:
    """Secondary indexes that named the key as ``_id`` name its new field instead."""
    for name, spec in collection.index_information().items():
        if name == "_id_" or all(f != "_id" for f, _ in spec["key"]):
            continue
        keys = [(field if f == "_id" else f, direction) for f, direction in spec["key"]]
        options = {k: v for k, v in spec.items() if k in ("unique", "sparse")}
        if "partialFilterExpression" in spec:
            options["partialFilterExpression"] = {field if k == "_id" else k: v
                                                  for k, v in spec["partialFilterExpression"].items()}
        collection.drop_index(name)
        collection.create_index(keys, name=name, **options)


def drop_column(info: TableInfo, column: Any) -> None:
    """DROP COLUMN of a key column: the key goes with it. The caller drops the column's indexes
    (a composite key's among them) and its field; a single-column key's values stay in ``_id``."""
    info.primary_key = []
    info.primary_key_name = None


def set_type(collection: Any, info: TableInfo, column: Any, converted: Any) -> None:
    """ALTER COLUMN TYPE of a single-column key whose values change: ``_id`` rewritten converted."""
    _check_key(collection, info.name, [column], converted)
    before = _rewrite_ids(collection, converted, None)
    _restore_indexes(collection, before, None)
