"""mongodbapi: a PEP 249 (DB-API 2.0) driver that runs SQL on MongoDB."""

from .connection import Connection, connect
from .cursor import Cursor
from .dbapi20 import (BINARY, DATETIME, NUMBER, ROWID, STRING, Binary, Date, DateFromTicks, Time,
                      TimeFromTicks, Timestamp, TimestampFromTicks)
from .errors import (DatabaseError, DataError, Error, IntegrityError, InterfaceError, InternalError,
                     NotSupportedError, OperationalError, ProgrammingError, Warning)

apilevel = "2.0"
# Threads may share the module and connections, but not cursors: a connection serialises nothing
# itself, and pymongo clients are thread-safe, yet a connection's session is not.
threadsafety = 1
paramstyle = "pyformat"

__version__ = "0.1.0"

__all__ = [
    "connect", "Connection", "Cursor", "apilevel", "threadsafety", "paramstyle",
    "Warning", "Error", "InterfaceError", "DatabaseError", "DataError", "OperationalError",
    "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError",
    "Date", "Time", "Timestamp", "DateFromTicks", "TimeFromTicks", "TimestampFromTicks", "Binary",
    "STRING", "BINARY", "NUMBER", "DATETIME", "ROWID",
]
