"""SQL types: their names, how Python values are stored in BSON, and how they come back.

Storage policy (documented in the README):

=============  ==========================  ===========================================
SQL type       stored in MongoDB as        returned to Python as
=============  ==========================  ===========================================
INTEGER ...    int32 / int64               int
REAL/DOUBLE    double                      float
DECIMAL(p,s)   Decimal128                  decimal.Decimal
TEXT/VARCHAR   string                      str
BOOLEAN        bool                        bool
DATE           date (midnight UTC)         datetime.date
TIME           string 'HH:MM:SS[.ffffff]'  datetime.time (BSON has no time type)
TIMESTAMP      date (UTC, naive in/out)    naive datetime.datetime
TIMESTAMPTZ    date (converted to UTC)     aware datetime.datetime in UTC
UUID           binary subtype 4            uuid.UUID
BLOB/BYTEA     binary subtype 0            bytes
JSON           the document/array/value    dict / list / scalar
OBJECTID       ObjectId                    bson.ObjectId
=============  ==========================  ===========================================

BSON dates hold milliseconds: microseconds of a TIMESTAMP are truncated to milliseconds on write.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, Callable, Optional

from bson import Binary, Decimal128, ObjectId, Regex
from bson.binary import UUID_SUBTYPE

from .errors import DataError, NotSupportedError

# Type name (as written in SQL, upper case) -> canonical type code.
_ALIASES = {
    "INTEGER": "INTEGER", "INT": "INTEGER", "INT4": "INTEGER", "MEDIUMINT": "INTEGER",
    "BIGINT": "BIGINT", "INT8": "BIGINT", "UNSIGNED BIG INT": "BIGINT",
    "SMALLINT": "SMALLINT", "INT2": "SMALLINT", "TINYINT": "SMALLINT",
    "REAL": "REAL", "FLOAT": "REAL", "FLOAT4": "REAL", "FLOAT8": "REAL", "DOUBLE": "REAL",
    "DOUBLE PRECISION": "REAL",
    "NUMERIC": "DECIMAL", "DECIMAL": "DECIMAL", "DEC": "DECIMAL",
    "TEXT": "TEXT", "STRING": "TEXT", "CLOB": "TEXT", "VARCHAR": "VARCHAR", "NVARCHAR": "VARCHAR",
    "CHARACTER VARYING": "VARCHAR", "VARYING CHARACTER": "VARCHAR", "CHAR": "CHAR", "CHARACTER": "CHAR",
    "NCHAR": "CHAR",
    "BOOLEAN": "BOOLEAN", "BOOL": "BOOLEAN",
    "DATE": "DATE", "TIME": "TIME", "TIMESTAMP": "TIMESTAMP", "DATETIME": "TIMESTAMP",
    "TIMESTAMPTZ": "TIMESTAMPTZ",
    "UUID": "UUID",
    "BLOB": "BLOB", "BYTEA": "BLOB", "BINARY": "BLOB", "VARBINARY": "BLOB",
    "JSON": "JSON", "JSONB": "JSON", "DOCUMENT": "JSON", "ARRAY": "JSON",
    "OBJECTID": "OBJECTID",
}

INTEGER_TYPES = frozenset({"INTEGER", "BIGINT", "SMALLINT"})
TEXT_TYPES = frozenset({"TEXT", "VARCHAR", "CHAR"})

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def canonical_type(name: str) -> str:
    """The type code for a type name as written in SQL; unknown names raise NotSupportedError."""
    code = _ALIASES.get(name.upper())
    if code is None:
        raise NotSupportedError(f"column type {name} is not supported")
    return code


# ----------------------------------------------------------------- Python -> BSON


def to_bson(value: Any) -> Any:
    """A Python value as it is stored, with no declared type to guide it."""
    if value is None or isinstance(value, (bool, str, float, ObjectId)):
        return value
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise DataError(f"integer {value} is out of the 64-bit range MongoDB stores")
        return value
    if isinstance(value, decimal.Decimal):
        return _to_decimal128(value)
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    if isinstance(value, datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return Binary.from_uuid(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return Binary(bytes(value))
    if isinstance(value, dict):
        return {_check_key(k): to_bson(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_bson(v) for v in value]
    if isinstance(value, (Decimal128, Binary, Regex)):
        return value
    raise DataError(f"cannot store a value of type {type(value).__name__}")


def _check_key(key: Any) -> str:
    if not isinstance(key, str):
        raise DataError(f"document keys must be strings, not {type(key).__name__}")
    return key


def _to_decimal128(value: decimal.Decimal) -> Decimal128:
    """``value`` as Decimal128, exactly: more than 34 significant digits or an exponent out of
    range raises DataError instead of being rounded silently."""
    try:
        return Decimal128(value)
    except (decimal.DecimalException, ValueError, TypeError) as exc:
        reason = type(exc).__name__ if isinstance(exc, decimal.DecimalException) else str(exc)
        raise DataError(f"decimal value {value} does not fit in Decimal128 exactly "
                        f"(34 significant digits, exponent -6176..6111): {reason}") from None


def _to_date(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return datetime.datetime(value.year, value.month, value.day)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return _to_date(datetime.date.fromisoformat(value.strip()[:10]))
        except ValueError:
            raise DataError(f"invalid DATE value {value!r}") from None
    raise DataError(f"invalid DATE value {value!r}")


def _to_time(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        value = value.time()
    if isinstance(value, datetime.time):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, str):
        try:
            return datetime.time.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise DataError(f"invalid TIME value {value!r}") from None
    raise DataError(f"invalid TIME value {value!r}")


def _to_timestamp(value: Any, aware: bool) -> Any:
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            raise DataError(f"invalid TIMESTAMP value {value!r}") from None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    raise DataError(f"invalid TIMESTAMP value {value!r}")


def _to_integer(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return to_bson(value)
    if isinstance(value, float) and value.is_integer():
        return to_bson(int(value))
    if isinstance(value, decimal.Decimal) and value == value.to_integral_value():
        return to_bson(int(value))
    if isinstance(value, str):
        try:
            return to_bson(int(value.strip()))
        except ValueError:
            pass
    return to_bson(value)  # like SQLite's type affinity: keep what cannot convert losslessly


def _to_real(value: Any) -> Any:
    if isinstance(value, (int, decimal.Decimal)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    return to_bson(value)


def _to_decimal(value: Any) -> Any:
    if isinstance(value, bool):
        return to_bson(value)
    if isinstance(value, (int, float)):
        return _to_decimal128(decimal.Decimal(str(value)))
    if isinstance(value, str):
        try:
            return _to_decimal128(decimal.Decimal(value.strip()))
        except decimal.InvalidOperation:
            raise DataError(f"invalid DECIMAL value {value!r}") from None
    return to_bson(value)


def _to_text(value: Any) -> Any:
    if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
        return str(value)
    return to_bson(value)


def _to_boolean(value: Any) -> Any:
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("t", "true", "f", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("t", "true", "1", "yes")
    return to_bson(value)


def _to_uuid(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value = uuid.UUID(value)
        except ValueError:
            raise DataError(f"invalid UUID value {value!r}") from None
    return to_bson(value)


def _to_objectid(value: Any) -> Any:
    if isinstance(value, str) and ObjectId.is_valid(value):
        return ObjectId(value)
    return to_bson(value)


_WRITERS: dict[str, Callable[[Any], Any]] = {
    "INTEGER": _to_integer, "BIGINT": _to_integer, "SMALLINT": _to_integer,
    "REAL": _to_real, "DECIMAL": _to_decimal,
    "TEXT": _to_text, "VARCHAR": _to_text, "CHAR": _to_text,
    "BOOLEAN": _to_boolean, "DATE": _to_date, "TIME": _to_time,
    "TIMESTAMP": lambda v: _to_timestamp(v, False), "TIMESTAMPTZ": lambda v: _to_timestamp(v, True),
    "UUID": _to_uuid, "OBJECTID": _to_objectid,
}


def to_bson_as(value: Any, type_code: Optional[str]) -> Any:
    """A Python value as stored in a column of ``type_code`` (None: no declared type)."""
    if value is None:
        return None
    writer = _WRITERS.get(type_code) if type_code else None
    return writer(value) if writer else to_bson(value)


# ----------------------------------------------------------------- BSON -> Python


def from_bson(value: Any) -> Any:
    """A stored value as returned when no type is declared."""
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, Binary):
        if value.subtype == UUID_SUBTYPE:
            return value.as_uuid()
        return bytes(value)
    if isinstance(value, dict):
        return {k: from_bson(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_bson(v) for v in value]
    return value


def _read_integer(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal128):
        number = value.to_decimal()
        return int(number) if number == number.to_integral_value() else number
    return from_bson(value)


def _read_real(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, Decimal128):
        return float(value.to_decimal())
    return from_bson(value)


def _read_decimal(value: Any) -> Any:
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return decimal.Decimal(str(value))
    return from_bson(value)


def _read_date(value: Any) -> Any:
    return value.date() if isinstance(value, datetime.datetime) else from_bson(value)


def _read_time(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.time.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime.datetime):
        return value.time()
    return from_bson(value)


def _read_timestamptz(value: Any) -> Any:
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return from_bson(value)


def _read_timestamp(value: Any) -> Any:
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return from_bson(value)


def _read_boolean(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return bool(value)
    return value


def _read_text(value: Any) -> Any:
    return value if isinstance(value, str) else from_bson(value)


READERS: dict[str, Callable[[Any], Any]] = {
    "INTEGER": _read_integer, "BIGINT": _read_integer, "SMALLINT": _read_integer,
    "REAL": _read_real, "DECIMAL": _read_decimal, "BOOLEAN": _read_boolean,
    "DATE": _read_date, "TIME": _read_time, "TIMESTAMP": _read_timestamp, "TIMESTAMPTZ": _read_timestamptz,
    "TEXT": _read_text, "VARCHAR": _read_text, "CHAR": _read_text,
}


def reader_for(type_code: Optional[str]) -> Callable[[Any], Any]:
    """The function turning a stored value into the Python value of ``type_code``."""
    return READERS.get(type_code or "", from_bson)


def type_of_value(value: Any) -> Optional[str]:
    """The type code that describes a Python/BSON value (for sampled collections and literals)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "BIGINT" if not -(2**31) <= value < 2**31 else "INTEGER"
    if isinstance(value, float):
        return "REAL"
    if isinstance(value, (decimal.Decimal, Decimal128)):
        return "DECIMAL"
    if isinstance(value, str):
        return "TEXT"
    if isinstance(value, datetime.datetime):
        return "TIMESTAMP"
    if isinstance(value, datetime.date):
        return "DATE"
    if isinstance(value, datetime.time):
        return "TIME"
    if isinstance(value, ObjectId):
        return "OBJECTID"
    if isinstance(value, uuid.UUID) or (isinstance(value, Binary) and value.subtype == UUID_SUBTYPE):
        return "UUID"
    if isinstance(value, (bytes, Binary)):
        return "BLOB"
    if isinstance(value, (dict, list)):
        return "JSON"
    return None


__all__ = ["canonical_type", "to_bson", "to_bson_as", "from_bson", "reader_for", "type_of_value",
           "INTEGER_TYPES", "TEXT_TYPES"]
