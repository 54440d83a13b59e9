"""Table metadata kept in the ``__schema__`` collection, and discovery for collections without it.

One document per table::

    {"name": "orders",
     "columns": [{"name": "id", "type": "INTEGER", "params": [], "not_null": true,
                  "default": null}, ...],
     "primary_key": ["id"],
     "primary_key_name": null,
     "unique": [["email"]],
     "auto": {"field_names": ["id"], "seq": 42}}

The ``auto`` part keeps the layout Djongo uses, so tooling that knows it keeps working. A
single-column primary key is stored as MongoDB's ``_id`` (unique by construction, and the
index every point query uses); other columns are stored under their own names. A table without
a primary key (or with a composite one) keeps a row id of its own in ``_id``: an ObjectId for
rows inserted by the driver, or the former key's value after its key was dropped (exec/alter.py).
``primary_key_name`` is the name ``ADD CONSTRAINT name PRIMARY KEY`` gave the key; the key also
answers to ``<table>_pkey``, the name introspection reports.

Collections that have no entry (data written by other MongoDB clients) are described by
sampling documents: the union of their top-level fields, in first-seen order.

The catalog writes ``__schema__`` outside any transaction, never in the connection's session:
schema changes run after DDL has committed the open transaction, and sequence values, as in
PostgreSQL, are not given back by a rollback. That is also why the redo log that emulates
savepoints (exec/writes.py) need not replay them: a replayed INSERT keeps the values it took.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Optional

import pymongo

from .errors import ProgrammingError
from .lru import LRU
from .types import type_of_value

SCHEMA_COLLECTION = "__schema__"
SAMPLE_SIZE = 100
STATEMENT_CACHE_SIZE = 512


@dataclass
class ColumnInfo:
    name: str
    type: Optional[str]  # canonical type code, None when unknown
    params: tuple[int, ...] = ()
    not_null: bool = False
    default: Any = None  # {"value": v} or {"function": name}, None for no default
    field: str = ""  # the document field that stores it

    def __post_init__(self) -> None:
        if not self.field:
            self.field = self.name

    def to_document(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "params": list(self.params),
                "not_null": self.not_null, "default": self.default}


@dataclass
class TableInfo:
    name: str  # the collection name
    columns: list[ColumnInfo]
    primary_key: list[str] = field(default_factory=list)
    unique: list[list[str]] = field(default_factory=list)
    auto: list[str] = field(default_factory=list)  # auto-increment column names
    declared: bool = True  # False: described by sampling, not by CREATE TABLE
    open: bool = False  # columns beyond the declared ones are allowed (ENFORCE_SCHEMA off)
    primary_key_name: Optional[str] = None  # the name ADD CONSTRAINT gave the primary key

    def __post_init__(self) -> None:
        self._by_name: dict[str, ColumnInfo] = {}
        self._by_lower: dict[str, list[ColumnInfo]] = {}
        self.reindex()

    def reindex(self) -> None:
        if self.declared and len(self.primary_key) == 1:
            for column in self.columns:
                column.field = "_id" if column.name == self.primary_key[0] else column.name
        self._by_name = {c.name: c for c in self.columns}
        self._by_lower = {}
        for column in self.columns:
            self._by_lower.setdefault(column.name.lower(), []).append(column)

    def column(self, name: str) -> Optional[ColumnInfo]:
        """The column called ``name``: an exact match, else a unique case-insensitive one."""
        found = self._by_name.get(name)
        if found is not None:
            return found
        candidates = self._by_lower.get(name.lower(), [])
        return candidates[0] if len(candidates) == 1 else None

    @property
    def id_column(self) -> Optional[ColumnInfo]:
        """The column stored as ``_id``, if any."""
        return next((c for c in self.columns if c.field == "_id"), None)

    def to_document(self, seq: int = 0) -> dict[str, Any]:
        return {"name": self.name, "columns": [c.to_document() for c in self.columns],
                "primary_key": self.primary_key, "primary_key_name": self.primary_key_name, "unique": self.unique,
                "auto": {"field_names": self.auto, "seq": seq}}

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> "TableInfo":
        columns = [ColumnInfo(c["name"], c.get("type"), tuple(c.get("params") or ()), bool(c.get("not_null")),
                              c.get("default")) for c in document.get("columns", [])]
        auto = list((document.get("auto") or {}).get("field_names") or [])
        return cls(document["name"], columns, list(document.get("primary_key") or []),
                   [list(u) for u in document.get("unique") or []], auto,
                   primary_key_name=document.get("primary_key_name"))


def check_field_name(name: str) -> str:
    """Reject names MongoDB would read as operators or cannot store."""
    if not name or name.startswith("$") or "\x00" in name:
        raise ProgrammingError(f"invalid identifier {name!r}: names may not be empty, start with '$' or contain NUL")
    return name


class Catalog:
    """The tables of one database, shared by every connection to it in this process.

    ``version`` changes on every schema change made through the driver; cached plans are
    keyed by it, so they never outlive the schema they were planned against.
    """

    def __init__(self, database: Any) -> None:
        self.database = database
        self.version = 0
        self._lock = threading.RLock()
        self._tables: dict[str, Optional[TableInfo]] = {}
        self._collections: Optional[dict[str, str]] = None
        self.statements = LRU(STATEMENT_CACHE_SIZE)  # prepared statements of this database

    @property
    def schema(self) -> Any:
        return self.database[SCHEMA_COLLECTION]

    def invalidate(self) -> None:
        with self._lock:
            self.version += 1
            self._tables.clear()
            self.statements.clear()
            self._collections = None

    def note_written(self, name: str, documents: list[dict[str, Any]]) -> None:
        """Forget a sampled description once documents with fields it lacks were written."""
        with self._lock:
            info = self._tables.get(name)
            known = {c.field for c in info.columns} if info is not None else set()
            if info is None or info.declared is False and any(k not in known for d in documents for k in d):
                self.invalidate()

    def _collection_names(self) -> dict[str, str]:
        if self._collections is None:
            names = [n for n in self.database.list_collection_names() if n != SCHEMA_COLLECTION]
            self._collections = {}
            for name in names:
                self._collections.setdefault(name.lower(), name)
            for name in names:
                self._collections[name] = name
        return self._collections

    def lookup(self, name: str, session: Any = None) -> Optional[TableInfo]:
        """The table called ``name`` (declared, else sampled), or None if nothing has that name."""
        with self._lock:
            if name in self._tables:
                return self._tables[name]
            info = self._load(name, session)
            self._tables[name] = info
            return info

    def get(self, name: str, session: Any = None, open_schema: bool = False) -> TableInfo:
        """The table called ``name``; with ``open_schema`` it also accepts undeclared columns."""
        info = self.lookup(name, session)
        if info is None:
            raise ProgrammingError(f"no such table: {name}")
        if open_schema and info.declared:
            return dataclasses.replace(info, open=True)
        return info

    def _load(self, name: str, session: Any) -> Optional[TableInfo]:
        document = self.schema.find_one({"name": name}, session=session)
        if document is None:
            document = self.schema.find_one({"name": {"$regex": f"^{re.escape(name)}$", "$options": "i"}},
                                            session=session)
        if document is not None and document.get("columns") is not None:
            return TableInfo.from_document(document)
        collection = self._collection_names().get(name) or self._collection_names().get(name.lower())
        if collection is None:
            return None
        return self._sample(collection, document, session)

    def _sample(self, collection: str, document: Optional[dict[str, Any]], session: Any) -> TableInfo:
        columns: dict[str, ColumnInfo] = {}
        for doc in self.database[collection].find({}, limit=SAMPLE_SIZE, session=session):
            for key, value in doc.items():
                column = columns.get(key)
                if column is None:
                    columns[key] = ColumnInfo(key, type_of_value(value))
                elif column.type is None:
                    column.type = type_of_value(value)
        ordered = sorted(columns.values(), key=lambda c: c.name != "_id")  # _id first, then first-seen order
        auto = list(((document or {}).get("auto") or {}).get("field_names") or [])
        return TableInfo(collection, ordered, auto=auto, declared=False)

    # ------------------------------------------------------------- schema changes

    def create(self, info: TableInfo) -> None:
        with self._lock:
            existing = self.schema.find_one({"name": info.name})
            seq = ((existing or {}).get("auto") or {}).get("seq", 0)
            self.schema.replace_one({"name": info.name}, info.to_document(seq), upsert=True)
            self.invalidate()

    def save(self, info: TableInfo) -> None:
        """Store changed metadata of an existing table, keeping its sequence."""
        with self._lock:
            document = info.to_document()
            del document["auto"]["seq"]
            self.schema.update_one({"name": info.name},
                                   {"$set": {k: v for k, v in document.items() if k != "auto"}
                                    | {"auto.field_names": info.auto}},
                                   upsert=True)
            self.invalidate()

    def rename(self, old: str, new: str) -> None:
        with self._lock:
            self.schema.update_one({"name": old}, {"$set": {"name": new}})
            self.invalidate()

    def drop(self, name: str) -> None:
        with self._lock:
            self.schema.delete_one({"name": name})
            self.invalidate()

    # ------------------------------------------------------------- sequences

    def reserve_ids(self, table: str, count: int) -> int:
        """Atomically take ``count`` sequence values, outside any transaction; returns the first."""
        document = self.schema.find_one_and_update(
            {"name": table}, {"$inc": {"auto.seq": count}}, upsert=True,
            return_document=pymongo.ReturnDocument.AFTER)
        return int(document["auto"]["seq"]) - count + 1

    def advance_sequence(self, table: str, value: int) -> None:
        """Move the sequence to ``value`` if an explicit key went past it (outside any transaction)."""
        self.schema.update_one({"name": table, "auto.seq": {"$lt": value}}, {"$set": {"auto.seq": value}})

    def set_sequence(self, table: str, value: int) -> None:
        """Set the sequence so that the next value taken is ``value + 1``."""
        self.schema.update_one({"name": table}, {"$set": {"auto.seq": value}})
