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
INTERVAL       int64 microseconds          datetime.timedelta
=============  ==========================  ===========================================

BSON dates hold milliseconds: microseconds of a TIMESTAMP are truncated to milliseconds on write.
An INTERVAL is a fixed length of time (days, hours, ... microseconds; no months or years, whose
length varies), stored as a whole number of microseconds, so a timedelta round-trips exactly.
"""

from __future__ import annotations

import datetime
import decimal
import re
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
    "INTERVAL": "INTERVAL",
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
    if isinstance(value, datetime.timedelta):
        raise DataError("a timedelta is stored only where an INTERVAL is expected (an INTERVAL column, "
                        "date/time arithmetic, a comparison with an interval, or CAST(%s AS INTERVAL))")
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
    raise DataError(f"invalid DATE value {value!r}{_INTERVAL_HINT if isinstance(value, datetime.timedelta) else ''}")


# A placeholder subtracted from a date/time takes its type, as an untyped literal does in PostgreSQL.
_INTERVAL_HINT = ": a placeholder subtracted from a date/time is a date/time; write CAST(%s AS INTERVAL) for an interval"


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
    raise DataError(f"invalid TIMESTAMP value {value!r}{_INTERVAL_HINT if isinstance(value, datetime.timedelta) else ''}")


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


# ----------------------------------------------------------------- INTERVAL

_MICROSECONDS = {
    "microsecond": 1, "microseconds": 1, "us": 1, "usec": 1, "usecs": 1,
    "millisecond": 1000, "milliseconds": 1000, "ms": 1000, "msec": 1000, "msecs": 1000,
    "second": 10**6, "seconds": 10**6, "s": 10**6, "sec": 10**6, "secs": 10**6,
    "minute": 60 * 10**6, "minutes": 60 * 10**6, "m": 60 * 10**6, "min": 60 * 10**6, "mins": 60 * 10**6,
    "hour": 3600 * 10**6, "hours": 3600 * 10**6, "h": 3600 * 10**6, "hr": 3600 * 10**6, "hrs": 3600 * 10**6,
    "day": 86400 * 10**6, "days": 86400 * 10**6, "d": 86400 * 10**6,
    "week": 7 * 86400 * 10**6, "weeks": 7 * 86400 * 10**6, "w": 7 * 86400 * 10**6,
}
_VARIABLE_UNITS = {"month", "months", "mon", "mons", "year", "years", "y", "yr", "yrs", "decade", "decades",
                   "century", "centuries", "millennium", "millennia"}
_INTERVAL_PART = re.compile(
    r"\s*(?:(?P<time>[+-]?\d+:\d{1,2}(?::\d{1,2}(?:\.\d*)?)?)"
    r"|(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>[A-Za-z]+)?)\s*")


def parse_interval(text: str) -> int:
    """Interval text as PostgreSQL writes it (``'1 day'``, ``'2 hours 30 minutes'``, ``'1.5 seconds'``,
    ``'1 day 02:00:00'``, ``'-00:00:01.5'``, ``'3 days ago'``; a number alone is seconds) -> microseconds,
    rounded half to even as PostgreSQL rounds fractions of a microsecond. Months and years have no
    fixed length, so they are refused."""
    body = text.strip()
    negate = body.lower().endswith(" ago")
    if negate:
        body = body[:-4]
    total = decimal.Decimal(0)
    position, parts = 0, 0
    while position < len(body):
        match = _INTERVAL_PART.match(body, position)
        if match is None or match.end() == position:
            raise DataError(f"invalid INTERVAL value {text!r}")
        position = match.end()
        parts += 1
        if match.group("time"):
            clock = match.group("time")
            sign = -1 if clock.startswith("-") else 1
            pieces = clock.lstrip("+-").split(":")
            seconds = decimal.Decimal(pieces[2]) if len(pieces) > 2 else decimal.Decimal(0)
            total += sign * ((int(pieces[0]) * 3600 + int(pieces[1]) * 60) * 10**6 + seconds * 10**6)
            continue
        unit = (match.group("unit") or "seconds").lower()
        if unit in _VARIABLE_UNITS:
            raise NotSupportedError(f"INTERVAL {text!r}: months and years are not supported, as their length "
                                    "varies (an INTERVAL here is a fixed number of microseconds)")
        if unit not in _MICROSECONDS:
            raise DataError(f"invalid INTERVAL value {text!r}: unknown unit {unit!r}")
        total += decimal.Decimal(match.group("number")) * _MICROSECONDS[unit]
    if not parts:
        raise DataError(f"invalid INTERVAL value {text!r}")
    micros = int(total.to_integral_value(rounding=decimal.ROUND_HALF_EVEN))
    return -micros if negate else micros


def timedelta_micros(value: datetime.timedelta) -> int:
    return (value.days * 86400 + value.seconds) * 10**6 + value.microseconds


def _to_interval(value: Any) -> Any:
    if isinstance(value, datetime.timedelta):
        micros = timedelta_micros(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        micros = value  # the stored form (Django's DurationField sends microseconds where there is no interval type)
    elif isinstance(value, str):
        micros = parse_interval(value)
    else:
        raise DataError(f"invalid INTERVAL value {value!r}: an INTERVAL takes a datetime.timedelta, interval "
                        "text such as '1 day 02:00:00' or a whole number of microseconds")
    if not _INT64_MIN <= micros <= _INT64_MAX:
        raise DataError(f"interval {value!r} is out of the range of 64-bit microseconds (about 292,000 years)")
    return micros


_WRITERS: dict[str, Callable[[Any], Any]] = {
    "INTEGER": _to_integer, "BIGINT": _to_integer, "SMALLINT": _to_integer,
    "REAL": _to_real, "DECIMAL": _to_decimal,
    "TEXT": _to_text, "VARCHAR": _to_text, "CHAR": _to_text,
    "BOOLEAN": _to_boolean, "DATE": _to_date, "TIME": _to_time,
    "TIMESTAMP": lambda v: _to_timestamp(v, False), "TIMESTAMPTZ": lambda v: _to_timestamp(v, True),
    "UUID": _to_uuid, "OBJECTID": _to_objectid, "INTERVAL": _to_interval,
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


def _read_interval(value: Any) -> Any:
    """Microseconds -> timedelta; a fractional number (an average) is rounded half to even."""
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    if isinstance(value, (float, decimal.Decimal)) and not isinstance(value, bool):
        exact = decimal.Decimal(value)
        if not exact.is_finite():
            raise DataError(f"interval of {value} microseconds is not a number")
        value = int(exact.to_integral_value(rounding=decimal.ROUND_HALF_EVEN))
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return datetime.timedelta(microseconds=value)
        except OverflowError:
            raise DataError(f"interval of {value} microseconds is beyond what datetime.timedelta holds") from None
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
    "TEXT": _read_text, "VARCHAR": _read_text, "CHAR": _read_text, "INTERVAL": _read_interval,
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
    if isinstance(value, datetime.timedelta):
        return "INTERVAL"
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
           "parse_interval", "timedelta_micros", "INTEGER_TYPES", "TEXT_TYPES"]
