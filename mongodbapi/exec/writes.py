"""The one place where data writes go to MongoDB, and the redo log that gives savepoints.

Every INSERT, UPDATE and DELETE reaches pymongo through ``send()``: a ``Write`` names the
collection, the kind of write and the exact MongoDB documents (values already bound, sequence
values already taken, defaults already computed). When the write runs inside the connection's
transaction, ``send()`` appends a copy of it to the connection's redo log, which
``ROLLBACK TO SAVEPOINT`` replays into a fresh MongoDB transaction (see connection.py).

Nothing is re-planned or re-evaluated on replay: the SQL is not run again, so no new sequence
values are taken and RANDOM() or CURRENT_TIMESTAMP computed by the driver keep their values.
What MongoDB itself evaluates inside a write (``$$NOW``, ``$rand`` in an update pipeline, the
documents a filter selects) is evaluated again, against the new transaction's snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional

from .errors import translated

INSERT, UPDATE, REPLACE, DELETE = "insert", "update", "replace", "delete"


@dataclass(frozen=True)
class Write:
    """One MongoDB write command, complete: running it again sends the same command."""

    collection: str
    kind: str  # INSERT, UPDATE, REPLACE or DELETE
    documents: tuple[dict[str, Any], ...] = ()  # INSERT: the documents, each with its _id
    filter: Any = None  # UPDATE, REPLACE, DELETE: the query document
    update: Any = None  # UPDATE: the update document or pipeline; REPLACE: the new document

    def apply(self, database: Any, session: Any) -> int:
        """Run the write; returns how many documents it inserted, matched or deleted."""
        collection = database[self.collection]
        if self.kind == INSERT:
            if len(self.documents) == 1:
                collection.insert_one(self.documents[0], session=session)
            else:
                collection.insert_many(list(self.documents), ordered=True, session=session)
            return len(self.documents)
        if self.kind == UPDATE:
            return collection.update_many(self.filter, self.update, session=session).matched_count
        if self.kind == REPLACE:
            return collection.replace_one(self.filter, self.update, session=session).matched_count
        if self.kind == DELETE:
            return collection.delete_many(self.filter, session=session).deleted_count
        raise AssertionError(f"unknown write kind {self.kind!r}")

    def describe(self) -> str:
        if self.kind == INSERT:
            return f"insert of {len(self.documents)} document(s) into {self.collection}"
        shown = repr(self.filter)
        return f"{self.kind} on {self.collection} with filter {shown if len(shown) <= 200 else shown[:200] + '...'}"


@dataclass(frozen=True)
class Logged:
    """A write sent in the connection's transaction, and how many documents it affected."""

    write: Write
    count: int


def send(connection: Any, write: Write, session: Any) -> int:
    """Send ``write`` in ``session``; log it when it ran in the connection's own transaction.

    The copy is taken before sending, so the log holds what was sent even if the caller (or
    the engine) changes the documents afterwards; replay sends copies too, so the log never changes.
    """
    logged: Optional[Write] = None
    if session is not None and connection.in_transaction and session is connection.session:
        logged = _copied(write)
    with translated():
        count = write.apply(connection.database, session)
    if logged is not None:
        connection.log_write(Logged(logged, count))
    return count


def _copied(write: Write) -> Write:
    return replace(write, documents=tuple(_copy(d) for d in write.documents), filter=_copy(write.filter),
                   update=_copy(write.update))


def _copy(value: Any) -> Any:
    """A copy of the containers in a command; the values in them (BSON scalars) are immutable."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(item) for item in value]
    return value


def replay(database: Any, session: Any, entries: list[Logged]) -> Optional[str]:
    """Send logged writes again, in order; returns why replay failed, or None when it worked.

    A write that now affects a different number of documents than the first time means the
    data changed underneath (another client committed in between): that is a failure too,
    since going on would build a transaction the statements' results never described.
    """
    for entry in entries:
        try:
            with translated():
                count = _copied(entry.write).apply(database, session)
        except Exception as exc:  # noqa: BLE001 - reported as the reason replay failed
            return f"replaying the {entry.write.describe()} failed: {type(exc).__name__}: {exc}"
        if count != entry.count:
            return (f"replaying the {entry.write.describe()} affected {count} document(s) where it had affected "
                    f"{entry.count}: the data changed since (another client committed in between)")
    return None
