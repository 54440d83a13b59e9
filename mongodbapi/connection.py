"""Connection: which MongoDB client and database, transactions, savepoints, and the plan cache.

Transactions
    With ``autocommit`` off (the PEP 249 default) the first write (or ``BEGIN``, or
    ``SAVEPOINT``) starts a MongoDB transaction in the connection's session and
    ``commit()``/``rollback()`` end it. Queries before it run outside any transaction and read the
    latest committed data, as in READ COMMITTED: a server aborts a transaction older than
    ``transactionLifetimeLimitSeconds`` (60 s by default), and a connection that only reads, or
    streams a large result, should not hold one open; queries after it see its writes. That needs a
    replica set or sharded cluster (or the in-process engine); ``transactions_supported`` says
    whether this server has them. Where it does not, each statement is committed when it
    finishes, and ``rollback()`` raises ``NotSupportedError`` if there were writes to undo, rather
    than pretending to have undone them. DDL is not transactional in MongoDB: a CREATE, DROP or
    ALTER first commits the open transaction (and forgets its savepoints), as in MySQL.

    A statement that fails while it runs (a write, or a query the server could not finish)
    fails the transaction: a real server aborts the MongoDB transaction when a command in it
    fails, so the driver aborts it too, on every server and on the in-process engine alike. A
    statement rejected before anything was sent (a syntax error, an unknown column) leaves the
    transaction as it was. The connection then refuses further
    statements with ``InternalError`` until ``rollback()`` or ``ROLLBACK TO SAVEPOINT`` (as
    PostgreSQL does); ``commit()`` raises ``InternalError`` and ends the failed transaction.

Savepoints
    MongoDB transactions have no savepoints, and an undo log kept inside the MongoDB transaction
    cannot work on a real server, which aborts the whole transaction on the first write error.
    The driver keeps a redo log instead (exec/writes.py): while its transaction is open, every
    write it sends is recorded as the exact MongoDB command (collection, kind, documents, filter,
    update; values bound, sequence values taken, driver-side functions evaluated) with the number
    of documents it affected. ``SAVEPOINT x`` remembers the log's length (names are
    case-insensitive; a repeated name shadows the older one, as in PostgreSQL).
    ``ROLLBACK TO [SAVEPOINT] x`` aborts the MongoDB transaction, starts a new one in the same
    session, sends the logged writes up to x's mark again, and keeps x while dropping the
    savepoints made after it; when nothing was written since x and the transaction has not
    failed there is nothing to undo, and it does nothing. ``RELEASE [SAVEPOINT] x`` drops x and
    the savepoints made after it. ``ROLLBACK TO`` also recovers a failed transaction, which is
    what Django's ``atomic()`` does around an ``IntegrityError``. ``savepoints_supported`` is
    True where transactions are; without a transaction (autocommit on and no ``BEGIN``)
    ``SAVEPOINT`` raises ``InternalError`` as PostgreSQL does, and on a server without
    transactions ``NotSupportedError``.

    Honest limits of replaying: the new MongoDB transaction reads a new snapshot, so rows that
    other clients committed in between become visible to the rest of the transaction, and a
    replayed write that conflicts with them, fails, or affects a different number of documents
    than the first time fails the transaction for good (``OperationalError`` saying why;
    ``rollback()`` is then required). What MongoDB evaluates inside a replayed write (``$$NOW``,
    ``$rand`` in an update pipeline, which documents a filter selects) is evaluated again.
    Sequence values are taken outside the transaction, so like PostgreSQL's sequences they are
    not given back by a rollback. The log lives as long as the transaction and holds a copy of
    every document written in it. On a real server each MongoDB transaction (a replay starts a
    new one) lives at most ``transactionLifetimeLimitSeconds`` (60 s by default); Django's
    ``TestCase`` keeps one transaction open per test class once savepoints exist, so a long test
    class may need that limit raised.
"""

from __future__ import annotations

import os
import threading
import warnings
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

import pymongo

from . import errors
from .catalog import Catalog
from .engine import storage
from .exec.errors import translated
from .exec.writes import Logged, replay

DEFAULT_TIMEOUT_MS = 5000

_clients_lock = threading.Lock()
_clients: dict[str, Any] = {}
_client_users: dict[int, int] = {}  # id(client) -> open connections using it
_catalogs: dict[tuple[int, str], Catalog] = {}


def _embedded_client() -> Any:
    try:
        import mongomock_ng
    except ImportError:
        raise errors.InterfaceError("mongomock:// needs the in-process engine: pip install 'mongodbapi[embedded]'") from None
    from .engine.embedded import install

    install()
    # The engine warns that batch sizes are no-ops for it; the driver passes them for real servers.
    warnings.filterwarnings("ignore", message=".*no-op in mongomock-ng.*", category=UserWarning)
    return mongomock_ng.MongoClient()


def _client_for(uri: str, options: dict[str, Any]) -> Any:
    """One client per URI and options, shared by every connection that asks for it."""
    key = uri + repr(sorted(options.items()))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            if uri.startswith("mongomock://"):
                client = _embedded_server(uri)
            else:
                options.setdefault("serverSelectionTimeoutMS", DEFAULT_TIMEOUT_MS)
                options.setdefault("connectTimeoutMS", DEFAULT_TIMEOUT_MS)
                try:
                    client = pymongo.MongoClient(uri, **options)
                except pymongo.errors.ConfigurationError as exc:
                    raise errors.InterfaceError(f"invalid connection string {uri!r}: {exc}") from None
                except pymongo.errors.PyMongoError as exc:
                    raise errors.OperationalError(f"cannot connect to {uri}: {exc}") from None
            _clients[key] = client
        _client_users[id(client)] = _client_users.get(id(client), 0) + 1
        return client


def _embedded_server(uri: str) -> Any:
    """The in-process server a ``mongomock://`` URI names (the caller holds ``_clients_lock``):
    the memory-only one, or with ``?file=PATH`` the one that keeps its data in that file."""
    options = parse_qs(urlsplit(uri).query, keep_blank_values=True)
    unknown = sorted(set(options) - {"file"})
    if unknown:
        raise errors.InterfaceError(f"unknown mongomock:// option(s) {', '.join(unknown)} in {uri!r} (known: file)")
    path = os.path.abspath(options["file"][-1]) if options.get("file", [""])[-1] else None
    key = f"mongomock://?file={path}" if path else "mongomock://"
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = storage.open_server(path, _embedded_client) if path else _embedded_client()
    return client


def _release_client(client: Any) -> None:
    """Close a registry client once the last connection using it is closed."""
    with _clients_lock:
        users = _client_users.get(id(client), 1) - 1
        _client_users[id(client)] = users
        if users > 0:
            return
        del _client_users[id(client)]
        for key in [k for k, c in _clients.items() if c is client]:
            del _clients[key]
    client.close()


def catalog_for(client: Any, database: str) -> Catalog:
    key = (id(client), database)
    with _clients_lock:
        catalog = _catalogs.get(key)
        if catalog is None:
            catalog = _catalogs[key] = Catalog(client[database])
        return catalog


def _database_from_uri(uri: str) -> Optional[str]:
    if uri.startswith("mongomock://"):
        rest = uri[len("mongomock://"):].split("?")[0].strip("/")
        return rest or None
    path = urlsplit(uri).path.strip("/")
    return path or None


class Connection:
    """A PEP 249 connection to one MongoDB database."""

    from .errors import (DatabaseError, DataError, Error, IntegrityError, InterfaceError,  # noqa: E402
                         InternalError, NotSupportedError, OperationalError, ProgrammingError, Warning)

    def __init__(self, client: Any, database: str, *, owns_client: bool, embedded: bool,
                 host: str, enforce_schema: bool = True) -> None:
        self.client = client
        self.database = client[database]
        self.database_name = database
        self.catalog = catalog_for(client, database)
        self.embedded = embedded
        self.host = host
        self.enforce_schema = enforce_schema
        self._owns_client = owns_client
        self._closed = False
        self._autocommit = False
        self._session: Any = None
        self._in_transaction = False
        self._explicit_transaction = False
        self._uncommitted_writes = 0
        self._transactions_supported: Optional[bool] = None
        self._failed: Optional[str] = None  # why the open transaction was rolled back
        self._redo: list[Logged] = []  # the writes sent in the open transaction, in order
        self._savepoints: list[tuple[str, int]] = []  # (lower-cased name, length of the log), oldest first
        self.lastrowid: Any = None

    # ------------------------------------------------------------- PEP 249

    def cursor(self) -> "Cursor":
        self._check_open()
        from .cursor import Cursor

        return Cursor(self)

    def commit(self) -> None:
        self._check_open()
        if self._failed is not None:
            reason = self._failed
            self._transaction_ended()
            raise errors.InternalError(f"cannot commit: the transaction was rolled back after an error ({reason})")
        if self._in_transaction:
            with translated():
                self._session.commit_transaction()
        self._transaction_ended()
        storage.save(self.client)

    def statement_done(self) -> None:
        """A statement that may change data succeeded: outside a transaction its changes are
        durable now, so the in-process engine's data file (if it has one) is written."""
        if not self._in_transaction:
            storage.save(self.client)

    def rollback(self) -> None:
        self._check_open()
        if self._in_transaction:
            with translated():
                self._session.abort_transaction()
            self._transaction_ended()
            return
        writes = self._uncommitted_writes
        self._transaction_ended()  # also ends a failed transaction: the MongoDB one is aborted already
        if writes:
            raise errors.NotSupportedError(
                f"cannot roll back: this MongoDB server has no transactions (it needs a replica set), "
                f"so the {writes} write statement(s) since the last commit are already committed")

    def close(self) -> None:
        if self._closed:
            return
        try:
            if self._in_transaction:
                self.rollback()
        finally:
            if self._session is not None:
                self._session.end_session()
            if self._owns_client and not self.embedded:
                _release_client(self.client)
            self._closed = True

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                self.commit()
            else:
                try:
                    self.rollback()
                except errors.NotSupportedError:
                    pass
        finally:
            self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def autocommit(self) -> bool:
        return self._autocommit

    @autocommit.setter
    def autocommit(self, value: bool) -> None:
        self._check_open()
        if value and (self._in_transaction or self._failed is not None):
            self.commit()
        self._autocommit = bool(value)

    # ------------------------------------------------------------- transactions

    @property
    def transactions_supported(self) -> bool:
        """Whether the server runs multi-document transactions (replica set, sharded, in-process)."""
        if self._transactions_supported is None:
            if self.embedded:
                self._transactions_supported = True
            else:
                with translated():
                    hello = self.client.admin.command("hello")
                self._transactions_supported = bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"
        return self._transactions_supported

    @property
    def in_transaction(self) -> bool:
        return self._in_transaction

    @property
    def session(self) -> Any:
        if self._session is None:
            with translated():
                self._session = self.client.start_session()
        return self._session

    def begin(self) -> None:
        """Start an explicit transaction (SQL ``BEGIN``)."""
        if not self.transactions_supported:
            raise errors.NotSupportedError("BEGIN: this MongoDB server has no transactions (it needs a replica set)")
        self._check_not_failed()
        if self._explicit_transaction:
            raise errors.ProgrammingError("a transaction is already in progress")
        self._start_transaction()
        self._explicit_transaction = True

    def _start_transaction(self) -> None:
        if not self._in_transaction:
            with translated():
                self.session.start_transaction()
            self._in_transaction = True

    def read_session(self) -> Any:
        """The session a query runs in: the open transaction's, so that it sees the transaction's
        own writes, else none. A query does not start the implicit transaction (a write does):
        until the first write, reads see the latest committed data (as READ COMMITTED does), and
        a long read (a ``fetchmany`` loop, pandas chunks) is not cut off by the server's limit on
        a transaction's lifetime (``transactionLifetimeLimitSeconds``, 60 s by default)."""
        self._check_not_failed()
        return self._session if self._in_transaction else None

    def statement_session(self) -> Any:
        """The session a write runs in, starting the implicit transaction if one is due."""
        self._check_not_failed()
        if not self._autocommit and not self._in_transaction and self.transactions_supported:
            self._start_transaction()
        return self._session if self._in_transaction else None

    def wrote(self) -> None:
        """Record a write for ``rollback()`` when there is no transaction to undo it."""
        if not self._in_transaction and not self._autocommit:
            self._uncommitted_writes += 1

    def log_write(self, entry: Logged) -> None:
        """Append a write sent in the open transaction to the redo log (exec/writes.py calls it)."""
        self._redo.append(entry)

    def statement_failed(self, exc: BaseException) -> None:
        """A statement failed while it ran: abort the MongoDB transaction (which holds its partial
        writes, and which a server aborts on a failed command anyway).

        The transaction stays failed (statements raise ``InternalError``) until ``rollback()`` or
        ``ROLLBACK TO SAVEPOINT``, which rebuilds it from the redo log; the log and the
        savepoints are kept for that.
        """
        if not self._in_transaction:
            return
        self._abort_quietly()
        self._uncommitted_writes = 0
        self._failed = f"{type(exc).__name__}: {exc}"

    def _abort_quietly(self) -> None:
        try:
            self._session.abort_transaction()
        except Exception:  # noqa: BLE001 - the server may have aborted it already
            pass
        self._in_transaction = False

    def _transaction_ended(self) -> None:
        self._in_transaction = self._explicit_transaction = False
        self._uncommitted_writes = 0
        self._failed = None
        self._redo = []
        self._savepoints = []

    def _check_not_failed(self) -> None:
        if self._failed is not None:
            raise errors.InternalError(
                f"current transaction is aborted after an error ({self._failed}); "
                f"call rollback() or roll back to a savepoint to continue")

    def end_transaction_for_ddl(self) -> None:
        """DDL is not transactional in MongoDB: commit the open transaction (and forget its savepoints)."""
        self._check_not_failed()
        if self._in_transaction:
            self.commit()

    # ------------------------------------------------------------- savepoints

    @property
    def savepoints_supported(self) -> bool:
        """Whether SAVEPOINT works: wherever transactions do (the driver emulates savepoints)."""
        return self.transactions_supported

    def savepoint(self, name: str) -> None:
        """``SAVEPOINT name``: remember the redo log's length under ``name``."""
        if not self.transactions_supported:
            raise errors.NotSupportedError(
                "SAVEPOINT: this MongoDB server has no transactions (it needs a replica set), "
                "so there is no transaction to set a savepoint in")
        self.statement_session()  # refuses a failed transaction; starts the implicit one
        if not self._in_transaction:
            raise errors.InternalError("SAVEPOINT can only be used in a transaction: autocommit is on; BEGIN one first")
        self._savepoints.append((name.lower(), len(self._redo)))

    def release_savepoint(self, name: str) -> None:
        """``RELEASE SAVEPOINT name``: forget ``name`` and every savepoint made after it."""
        self._check_not_failed()
        del self._savepoints[self._savepoint_index(name, "RELEASE SAVEPOINT"):]

    def rollback_to_savepoint(self, name: str) -> None:
        """``ROLLBACK TO SAVEPOINT name``: undo what was written since ``name``; ``name`` stays.

        The MongoDB transaction is aborted and a new one replays the log up to the savepoint's
        mark. A failed transaction recovers this way too.
        """
        index = self._savepoint_index(name, "ROLLBACK TO SAVEPOINT")
        mark = self._savepoints[index][1]
        del self._savepoints[index + 1:]
        if self._failed is None and self._in_transaction and len(self._redo) == mark:
            return  # nothing written since the savepoint
        kept, self._redo = self._redo[:mark], []
        if self._in_transaction:
            self._abort_quietly()
        self._failed = None
        try:
            self._start_transaction()
            reason = replay(self.database, self._session, kept)
        except errors.Error as exc:
            reason = f"starting a new MongoDB transaction failed: {type(exc).__name__}: {exc}"
        if reason is not None:
            self._abort_quietly()
            self._savepoints = []
            self._failed = reason
            raise errors.OperationalError(
                f"ROLLBACK TO SAVEPOINT {name}: {reason}. The transaction is lost; call rollback()")
        self._redo = kept

    def _savepoint_index(self, name: str, statement: str) -> int:
        key = name.lower()
        for index in range(len(self._savepoints) - 1, -1, -1):  # the newest of a repeated name
            if self._savepoints[index][0] == key:
                return index
        if not self._in_transaction and self._failed is None:
            raise errors.InternalError(f"{statement} can only be used in a transaction, and none is open")
        raise errors.InternalError(f"{statement} {name}: no such savepoint")

    def _check_open(self) -> None:
        if self._closed:
            raise errors.InterfaceError("the connection is closed")


def connect(dsn: Optional[str] = None, *, host: Optional[str] = None, port: Optional[int] = None,
            database: Optional[str] = None, client: Any = None, enforce_schema: bool = True,
            **client_options: Any) -> Connection:
    """Open a connection.

    ``connect("mongodb://host:port/dbname?options")`` or ``mongodb+srv://``; keyword form
    ``connect(host=..., port=..., database=..., **client_options)``; ``connect(client=<existing
    MongoClient>, database=...)`` shares the caller's client and never closes it;
    ``connect("mongomock://dbname")`` uses the in-process engine (one server per process).
    """
    if client is not None:
        if not database:
            raise errors.InterfaceError("connect(client=...) needs database=...")
        embedded = type(client).__module__.startswith("mongomock")
        return Connection(client, database, owns_client=False, embedded=embedded, host="<shared client>",
                          enforce_schema=enforce_schema)
    if dsn is None:
        if host is None:
            raise errors.InterfaceError("connect() needs a connection string, host=... or client=...")
        dsn = host if "://" in host else f"mongodb://{host}:{port or 27017}"
    if not dsn.startswith(("mongodb://", "mongodb+srv://", "mongomock://")):
        raise errors.InterfaceError(f"unsupported connection string {dsn!r}: use mongodb://, mongodb+srv:// or mongomock://")
    name = database or _database_from_uri(dsn)
    if not name:
        raise errors.InterfaceError(f"no database named in {dsn!r}: add /dbname or database=...")
    embedded = dsn.startswith("mongomock://")
    host_text = _hosts_of(dsn) if not embedded else "in-process engine"
    the_client = _client_for(dsn, dict(client_options))
    connection = Connection(the_client, name, owns_client=not embedded, embedded=embedded, host=host_text,
                            enforce_schema=enforce_schema)
    if not embedded:
        try:
            the_client.admin.command("ping")
        except pymongo.errors.PyMongoError as exc:
            connection.close()  # releases the client: a failed connect leaves nothing open
            raise errors.OperationalError(f"cannot connect to MongoDB at {host_text}: {exc}") from None
    return connection


def _hosts_of(dsn: str) -> str:
    """The host list of a connection string, without the scheme, credentials or options."""
    netloc = dsn.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0]
    return netloc.rsplit("@", 1)[-1] or dsn


from .cursor import Cursor  # noqa: E402  (Connection.cursor() returns one)
