"""A file that keeps an in-process server's data between runs of a program.

``connect("mongomock://shop?file=shop.mongo")`` gives the in-process engine a data file: the first
connection that names the file loads it into a server of its own (connections naming the same file
share that server; ``mongomock://`` without a file is the memory-only server), and the driver writes
it back whenever data becomes durable: after ``commit()``, after a write statement that ran outside
a transaction, and after DDL. That is what a development project needs to run ``migrate``, then
``createsuperuser``, then ``runserver`` as three processes.

- The file is replaced atomically (written beside it, flushed, then renamed over it), so a crash
  leaves the last durable state, never half a file.
- One process at a time: a process holds an exclusive lock on ``<file>.lock`` while its server is
  open, and another process gets ``OperationalError`` instead of overwriting its writes.
- The whole database is rewritten at each save, so this is for development-sized data, not a
  storage engine. Writes made through the engine's pymongo client directly are saved with the next
  save the driver makes, or when the process exits.

The format is a sequence of BSON documents: a header, then per collection a description (database,
name, options, indexes, document count) followed by that many documents, in insertion order.
"""

from __future__ import annotations

import atexit
import os
import threading
from typing import IO, Any, Callable, Iterator

import bson
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions

from ..errors import InterfaceError, OperationalError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, so no protection between processes
    fcntl = None  # type: ignore[assignment]

FORMAT = "mongodbapi-embedded"
VERSION = 1
# Read back as a server returns it to pymongo by default: UUIDs stay Binary subtype 4, dates naive UTC.
_READ = CodecOptions(uuid_representation=UuidRepresentation.UNSPECIFIED)
_WRITE = CodecOptions(uuid_representation=UuidRepresentation.STANDARD)


class DataFile:
    """The data file of one in-process server: locked while open, loaded once, saved on demand."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self._lock = threading.Lock()
        self._lock_file = self._acquire()
        atexit.register(self.close)
        self._client: Any = None

    def _acquire(self) -> IO[str]:
        try:
            handle = open(self.path + ".lock", "a+", encoding="utf-8")
        except OSError as exc:
            raise OperationalError(f"cannot open the data file {self.path}: {exc}") from None
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                raise OperationalError(
                    f"the data file {self.path} is in use by another process (the in-process engine "
                    f"serves one process at a time; use a MongoDB server to share data)") from None
        return handle

    def open(self, client: Any) -> None:
        """Load the file (if it exists) into ``client``, an empty in-process server."""
        self._client = client
        if not os.path.exists(self.path):
            return
        try:
            with open(self.path, "rb") as handle:
                records = bson.decode_file_iter(handle, _READ)
                header = next(records, None)
                if not header or header.get("format") != FORMAT:
                    raise InterfaceError(f"{self.path} is not a mongodbapi data file")
                if header.get("version") != VERSION:
                    raise InterfaceError(f"{self.path} has format version {header.get('version')}; "
                                         f"this mongodbapi reads version {VERSION}")
                for description in records:
                    self._load_collection(client, description, records)
        except (OSError, bson.errors.BSONError) as exc:
            raise OperationalError(f"cannot read the data file {self.path}: {exc}") from None

    @staticmethod
    def _load_collection(client: Any, description: dict[str, Any], records: Iterator[dict[str, Any]]) -> None:
        database = client[description["database"]]
        collection = database.create_collection(description["name"], **description["options"])
        for index in description["indexes"]:
            options = {key: value for key, value in index.items() if key not in ("key", "v", "ns")}
            collection.create_index(list(index["key"].items()), **options)
        documents = [next(records) for _ in range(description["count"])]
        if documents:
            collection.insert_many(documents)

    def save(self) -> None:
        """Write every database of the server to the file, replacing it atomically."""
        if self._client is None:
            return
        with self._lock:
            partial = self.path + ".partial"
            try:
                with open(partial, "wb") as handle:
                    handle.write(bson.encode({"format": FORMAT, "version": VERSION}))
                    for name in self._client.list_database_names():
                        self._save_database(handle, self._client[name])
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(partial, self.path)
            except OSError as exc:
                raise OperationalError(f"cannot write the data file {self.path}: {exc}") from None

    @staticmethod
    def _save_database(handle: IO[bytes], database: Any) -> None:
        for name in database.list_collection_names():
            collection = database[name]
            indexes = [{**info, "key": dict(info["key"]), "name": index_name}
                       for index_name, info in collection.index_information().items() if index_name != "_id_"]
            documents = list(collection.find())
            handle.write(bson.encode({"database": database.name, "name": name, "options": collection.options(),
                                      "indexes": indexes, "count": len(documents)}, codec_options=_WRITE))
            for document in documents:
                handle.write(bson.encode(document, codec_options=_WRITE))

    def close(self) -> None:
        """At exit: save writes made around the driver, unless a transaction is still open (its
        writes are in the engine's collections already and must not become durable), then unlock."""
        if self._lock_file.closed:
            return
        try:
            if self._client is not None and not _transaction_open(self._client):
                self.save()
        finally:
            self.release()

    def release(self) -> None:
        """Unlock the file without saving (its server could not be loaded)."""
        atexit.unregister(self.close)
        self._lock_file.close()


def _transaction_open(client: Any) -> bool:
    """Whether any collection of the in-process server holds a transaction's undo copy."""
    return any(store._saved_documents is not None
               for database in client._store._databases.values()
               for store in database._collections.values())


_files: dict[int, DataFile] = {}  # id(client) -> its data file


def open_server(path: str, make_client: Callable[[], Any]) -> Any:
    """A new in-process server holding the data of ``path`` (locked for this process)."""
    data_file = DataFile(path)
    client = make_client()
    try:
        data_file.open(client)
    except BaseException:
        data_file.release()
        raise
    _files[id(client)] = data_file
    return client


def save(client: Any) -> None:
    """Make the server's current data durable, if it has a data file (a no-op otherwise)."""
    data_file = _files.get(id(client))
    if data_file is not None:
        data_file.save()
