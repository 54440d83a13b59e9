"""PEP 249 type constructors and type objects.

``cursor.description`` reports a type code per column; the codes are the SQL type names the
catalog stores ('INTEGER', 'TEXT', ...). The type objects below compare equal to every code of
their group, as PEP 249 asks: ``description[0][1] == NUMBER``.
"""

from __future__ import annotations

import datetime
import time

Date = datetime.date
Time = datetime.time
Timestamp = datetime.datetime
Binary = bytes


def DateFromTicks(ticks: float) -> datetime.date:
    return Date(*time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> datetime.time:
    return Time(*time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> datetime.datetime:
    return Timestamp(*time.localtime(ticks)[:6])


class TypeCode(str):
    """A column's type code: the SQL type name, a ``str`` so it prints and compares naturally."""

    __slots__ = ()


class DBAPITypeObject:
    """Compares equal to each type code of its group."""

    def __init__(self, name: str, *codes: str) -> None:
        self.name = name
        self.codes = frozenset(codes)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DBAPITypeObject):
            return self is other
        return isinstance(other, str) and other in self.codes

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"<DBAPITypeObject {self.name}>"


STRING = DBAPITypeObject("STRING", "TEXT", "VARCHAR", "CHAR", "UUID", "JSON", "OBJECTID")
BINARY = DBAPITypeObject("BINARY", "BLOB")
NUMBER = DBAPITypeObject("NUMBER", "INTEGER", "BIGINT", "SMALLINT", "REAL", "DOUBLE", "DECIMAL", "BOOLEAN")
DATETIME = DBAPITypeObject("DATETIME", "DATE", "TIME", "TIMESTAMP", "TIMESTAMPTZ")
ROWID = DBAPITypeObject("ROWID", "OBJECTID")
