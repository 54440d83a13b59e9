"""SQL that differs between databases, written in the driver's dialect.

Values are passed to the driver as Python objects (dates, datetimes, Decimals, UUIDs, dicts):
the driver converts them to BSON using the column's declared type, so nothing is turned into
a string on the way (MongoDB compares a date with a string as unequal, never as a date).
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from typing import Any

from django.conf import settings
from django.db import DataError, NotSupportedError
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.backends.utils import split_tzname_delta
from django.utils import timezone
from django.utils.regex_helper import _lazy_re_compile

# EXTRACT fields the driver knows, by Django lookup name.
_EXTRACT = {
    "year": "YEAR", "month": "MONTH", "day": "DAY", "hour": "HOUR", "minute": "MINUTE",
    "second": "SECOND", "week": "WEEK", "iso_year": "ISOYEAR", "quarter": "QUARTER",
    "iso_week_day": "ISODOW", "week_day": "DOW",
}
_TRUNC = {"year", "quarter", "month", "week", "day", "hour", "minute", "second"}
_TZ_NAME = _lazy_re_compile(r"[A-Za-z0-9_/+\-:]+")

# Django lookups that compare text; on other column types the value is cast to text first.
_TEXT_LOOKUPS = ("iexact", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith",
                 "regex", "iregex")
_TEXT_FIELDS = ("CharField", "TextField", "SlugField", "EmailField", "URLField", "FileField", "FilePathField",
                "GenericIPAddressField", "IPAddressField", None)


def sql_literal(value: Any) -> str:
    """A value as an SQL literal of the driver's dialect (DEFAULT clauses, sqlmigrate, logged queries)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, decimal.Decimal)):
        return str(value)
    if isinstance(value, datetime.datetime):
        return "TIMESTAMP '%s'" % value.isoformat(" ")
    if isinstance(value, datetime.date):
        return "DATE '%s'" % value.isoformat()
    if isinstance(value, datetime.time):
        return "TIME '%s'" % value.isoformat()
    if isinstance(value, uuid.UUID):
        value = str(value)
    elif isinstance(value, (dict, list)):
        value = json.dumps(value, default=str)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value).decode("latin-1")
    return "'%s'" % str(value).replace("'", "''")


class DatabaseOperations(BaseDatabaseOperations):
    compiler_module = "django_backend.compiler"
    explain_prefix = "EXPLAIN"
    cast_char_field_without_max_length = "text"
    cast_data_types = {
        "AutoField": "integer",
        "BigAutoField": "bigint",
        "SmallAutoField": "smallint",
        "CharField": "text",
        "TextField": "text",
    }

    # ------------------------------------------------------------- names, limits, inserts

    def quote_name(self, name: str) -> str:
        if name.startswith('"') and name.endswith('"'):
            return name
        return '"%s"' % name.replace('"', '""')

    def no_limit_value(self) -> None:
        return None  # "OFFSET n" alone is accepted

    def max_name_length(self) -> int:
        return 120  # MongoDB namespaces (db.collection) are limited to 255 bytes

    def pk_default_value(self) -> str:
        return "DEFAULT"

    def last_insert_id(self, cursor: Any, table_name: str, pk_name: str) -> Any:
        return cursor.lastrowid

    def return_insert_columns(self, fields: list[Any]) -> tuple[str, tuple[()]]:
        if not fields:
            return "", ()
        columns = ["%s.%s" % (self.quote_name(f.model._meta.db_table), self.quote_name(f.column)) for f in fields]
        return "RETURNING %s" % ", ".join(columns), ()

    def fetch_returned_insert_rows(self, cursor: Any) -> list[tuple[Any, ...]]:
        return cursor.fetchall()

    def bulk_insert_sql(self, fields: list[Any], placeholder_rows: list[list[str]]) -> str:
        values = ", ".join("(%s)" % ", ".join(row) for row in placeholder_rows)
        return "VALUES " + values

    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str:
        """The statement with its parameters written in as literals (for logs and debugging only)."""
        if params is None:
            return sql
        try:
            if isinstance(params, dict):
                return sql % {key: sql_literal(value) for key, value in params.items()}
            return sql % tuple(sql_literal(value) for value in params)
        except (TypeError, ValueError, KeyError):
            return super().last_executed_query(cursor, sql, params)

    def prepare_sql_script(self, sql: str) -> list[str]:
        import sqlparse

        return [statement for statement in (s.strip() for s in sqlparse.split(sql)) if statement]

    # ------------------------------------------------------------- flush and sequences

    def sql_flush(self, style: Any, tables: list[str], *, reset_sequences: bool = False,
                  allow_cascade: bool = False) -> list[str]:
        statements = ["%s %s %s;" % (style.SQL_KEYWORD("DELETE"), style.SQL_KEYWORD("FROM"),
                                     style.SQL_FIELD(self.quote_name(table))) for table in tables]
        if reset_sequences:
            sequences = [sequence for table in tables
                         for sequence in self.connection.introspection.get_sequences(None, table)]
            statements.extend(self.sequence_reset_by_name_sql(style, sequences))
        return statements

    def sequence_reset_by_name_sql(self, style: Any, sequences: list[dict[str, Any]]) -> list[str]:
        return ["%s %s %s %s %s %s %s 1;" % (
            style.SQL_KEYWORD("ALTER"), style.SQL_KEYWORD("TABLE"), style.SQL_TABLE(self.quote_name(s["table"])),
            style.SQL_KEYWORD("ALTER COLUMN"), style.SQL_FIELD(self.quote_name(s["column"] or "id")),
            style.SQL_KEYWORD("RESTART"), style.SQL_KEYWORD("WITH")) for s in sequences]

    def sequence_reset_sql(self, style: Any, model_list: list[Any]) -> list[str]:
        # An explicit key larger than the sequence moves the sequence past it, so loaddata
        # needs no reset afterwards.
        return []

    def on_conflict_suffix_sql(self, fields: Any, on_conflict: Any, update_fields: Any, unique_fields: Any) -> str:
        from django.db.models.constants import OnConflict

        if on_conflict == OnConflict.IGNORE:
            return "ON CONFLICT DO NOTHING"
        if on_conflict == OnConflict.UPDATE:  # PostgreSQL's form, which the driver runs as an upsert
            return "ON CONFLICT(%s) DO UPDATE SET %s" % (
                ", ".join(map(self.quote_name, unique_fields)),
                ", ".join(f"{field} = EXCLUDED.{field}" for field in map(self.quote_name, update_fields)),
            )
        return super().on_conflict_suffix_sql(fields, on_conflict, update_fields, unique_fields)

    # ------------------------------------------------------------- dates and times

    def _tz(self, sql: str, params: Any, tzname: str | None) -> tuple[str, Any]:
        """Convert a stored UTC timestamp to local wall-clock time in ``tzname``.

        Values are stored in the database's TIME_ZONE (UTC unless the DATABASES entry sets one);
        Django asks for fields as seen in the current time zone: ``AT TIME ZONE`` (the zone may
        carry an offset, e.g. ``UTC+05:00``).
        """
        if not tzname or not settings.USE_TZ or tzname == self.connection.timezone_name:
            return sql, params
        if self.connection.timezone_name not in ("UTC", "GMT", "Etc/UTC"):
            # Values are stored as wall-clock time in the database's TIME_ZONE; converting them to
            # another zone needs "local to UTC", which the driver's AT TIME ZONE does not do.
            raise NotSupportedError(f"converting from the database TIME_ZONE {self.connection.timezone_name!r} "
                                    f"to {tzname!r} is not supported")
        name, sign, offset = split_tzname_delta(tzname)
        if not _TZ_NAME.fullmatch(tzname):
            raise ValueError(f"invalid time zone name: {tzname!r}")
        if offset:
            if name.upper() not in ("UTC", "GMT"):
                raise NotSupportedError(f"time zone {tzname!r}: a named zone with an extra offset is not supported")
            zone = f"{sign}{offset}"  # MongoDB reads "+05:00" as five hours east of UTC, as Django means it
        elif name.upper() in ("UTC", "GMT", "ETC/UTC"):
            return sql, params
        else:
            zone = name
        return f"({sql} AT TIME ZONE %s)", (*params, zone)

    def date_extract_sql(self, lookup_type: str, sql: str, params: Any) -> tuple[str, Any]:
        field = _EXTRACT.get(lookup_type)
        if field is None:
            raise ValueError(f"Invalid lookup type: {lookup_type!r}")
        if lookup_type == "week_day":  # Django: Sunday=1 .. Saturday=7
            return f"(EXTRACT(DOW FROM {sql}) + 1)", params
        return f"EXTRACT({field} FROM {sql})", params

    def datetime_extract_sql(self, lookup_type: str, sql: str, params: Any, tzname: str | None) -> tuple[str, Any]:
        sql, params = self._tz(sql, params, tzname)
        return self.date_extract_sql(lookup_type, sql, params)

    def time_extract_sql(self, lookup_type: str, sql: str, params: Any) -> tuple[str, Any]:
        return self.date_extract_sql(lookup_type, sql, params)

    def _trunc(self, lookup_type: str, sql: str, params: Any) -> tuple[str, Any]:
        if lookup_type not in _TRUNC:
            raise DataError(f"invalid DATE_TRUNC unit: {lookup_type!r}")
        # The driver takes the unit as a literal, not a parameter; it is one of _TRUNC.
        return f"DATE_TRUNC('{lookup_type}', {sql})", params

    def date_trunc_sql(self, lookup_type: str, sql: str, params: Any, tzname: str | None = None) -> tuple[str, Any]:
        sql, params = self._tz(sql, params, tzname)
        return self._trunc(lookup_type, sql, params)

    def datetime_trunc_sql(self, lookup_type: str, sql: str, params: Any, tzname: str | None) -> tuple[str, Any]:
        sql, params = self._tz(sql, params, tzname)
        return self._trunc(lookup_type, sql, params)

    def time_trunc_sql(self, lookup_type: str, sql: str, params: Any, tzname: str | None = None) -> tuple[str, Any]:
        if lookup_type not in ("hour", "minute", "second"):
            raise DataError(f"invalid DATE_TRUNC unit: {lookup_type!r}")
        sql, params = self._tz(sql, params, tzname)
        return f"CAST(DATE_TRUNC('{lookup_type}', CAST({sql} AS TIMESTAMP)) AS TIME)", params

    def datetime_cast_date_sql(self, sql: str, params: Any, tzname: str | None) -> tuple[str, Any]:
        sql, params = self._tz(sql, params, tzname)
        return f"CAST({sql} AS DATE)", params

    def datetime_cast_time_sql(self, sql: str, params: Any, tzname: str | None) -> tuple[str, Any]:
        sql, params = self._tz(sql, params, tzname)
        return f"CAST({sql} AS TIME)", params

    # ------------------------------------------------------------- lookups and expressions

    def lookup_cast(self, lookup_type: str, internal_type: str | None = None) -> str:
        if lookup_type in _TEXT_LOOKUPS and internal_type == "UUIDField":
            return "REPLACE(CAST(%s AS TEXT), '-', '')"  # Django matches UUIDs by their hex digits
        if lookup_type in _TEXT_LOOKUPS and internal_type not in _TEXT_FIELDS:
            return "CAST(%s AS TEXT)"
        return "%s"

    def combine_expression(self, connector: str, sub_expressions: list[str]) -> str:
        if connector == "^":
            return "POWER(%s)" % ",".join(sub_expressions)
        return super().combine_expression(connector, sub_expressions)

    # Durations: a DurationField is a bigint of microseconds (Django's own form where there is no native
    # interval type); in arithmetic with dates, times or numbers it becomes one of the driver's INTERVALs
    # (int64 microseconds too), and date/time results that are intervals come back as timedelta.

    def combine_duration_expression(self, connector: str, sub_expressions: list[str]) -> str:
        if connector not in ("+", "-", "*", "/"):
            raise NotSupportedError(f"The {connector} operator is not supported on durations.")
        if connector in ("+", "-"):
            # The operand that is not the duration is a date or datetime. As a bare placeholder the
            # driver would type it as PostgreSQL types an untyped literal (an interval, next to an
            # interval); psycopg sends it typed, and so does this CAST.
            sub_expressions = [f"CAST({sql} AS TIMESTAMP)" if sql == "%s" else sql for sql in sub_expressions]
        return super().combine_duration_expression(connector, sub_expressions)

    def format_for_duration_arithmetic(self, sql: str) -> str:
        """A DurationField value (microseconds) as an interval: PostgreSQL's integer * interval."""
        return f"(INTERVAL '1 microsecond' * ({sql}))"

    def subtract_temporals(self, internal_type: str, lhs: Any, rhs: Any) -> tuple[str, Any]:
        lhs_sql, lhs_params = lhs
        rhs_sql, rhs_params = rhs
        params = (*lhs_params, *rhs_params)
        if internal_type == "DateField":  # date - date is a number of days, as on PostgreSQL
            return f"(INTERVAL '1 day' * ({lhs_sql} - {rhs_sql}))", params
        return f"({lhs_sql} - {rhs_sql})", params

    def convert_durationfield_value(self, value: Any, expression: Any, connection: Any) -> Any:
        """A stored DurationField is microseconds; an interval the driver computed is a timedelta already."""
        if value is None or isinstance(value, datetime.timedelta):
            return value
        return super().convert_durationfield_value(value, expression, connection)

    def explain_query_prefix(self, format: str | None = None, **options: Any) -> str:
        if options:
            raise ValueError("Unknown options: %s" % ", ".join(sorted(options.keys())))
        return super().explain_query_prefix(format)

    # ------------------------------------------------------------- values to the driver

    def adapt_datefield_value(self, value: Any) -> Any:
        return value

    def adapt_datetimefield_value(self, value: Any) -> Any:
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if timezone.is_aware(value):
            if not settings.USE_TZ:
                raise ValueError("MongoDB backend does not support timezone-aware datetimes when USE_TZ is False.")
            value = timezone.make_naive(value, self.connection.timezone)
        return value

    def adapt_timefield_value(self, value: Any) -> Any:
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if isinstance(value, str):
            return datetime.time.fromisoformat(value)
        if timezone.is_aware(value):
            raise ValueError("MongoDB backend does not support timezone-aware times.")
        return value

    def adapt_decimalfield_value(self, value: Any, max_digits: int | None = None,
                                 decimal_places: int | None = None) -> Any:
        return value

    def adapt_integerfield_value(self, value: Any, internal_type: str) -> Any:
        return value

    def adapt_ipaddressfield_value(self, value: Any) -> Any:
        return value or None

    def adapt_json_value(self, value: Any, encoder: Any) -> Any:
        """A JSON value as a document: plain dicts, lists and scalars (what the encoder makes of it).
        An encoder whose output is not JSON is a data error, as a JSON column's check would be."""
        text = json.dumps(value, cls=encoder)
        try:
            return json.loads(text)
        except ValueError as exc:
            raise DataError(f"the JSON encoder gave text that is not JSON ({exc}): {text[:80]!r}") from None

    def adapt_unknown_value(self, value: Any) -> Any:
        if isinstance(value, (uuid.UUID, decimal.Decimal, dict, list)):
            return value
        return super().adapt_unknown_value(value)

    # ------------------------------------------------------------- values from the driver

    def get_db_converters(self, expression: Any) -> list[Any]:
        converters = super().get_db_converters(expression)
        internal_type = expression.output_field.get_internal_type()
        if internal_type == "DateTimeField":
            converters.append(self.convert_datetimefield_value)
        elif internal_type == "JSONField":
            converters.append(self.convert_jsonfield_value)
        elif internal_type == "UUIDField":
            converters.append(self.convert_uuidfield_value)
        elif internal_type in ("BooleanField", "NullBooleanField"):
            converters.append(self.convert_booleanfield_value)
        elif internal_type == "DecimalField":
            converters.append(self.convert_decimalfield_value)
        elif internal_type == "TimeField":
            converters.append(self.convert_timefield_value)
        elif internal_type == "DateField":
            converters.append(self.convert_datefield_value)
        return converters

    def convert_datetimefield_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, datetime.datetime):
            if settings.USE_TZ and timezone.is_naive(value):
                return timezone.make_aware(value, self.connection.timezone)
            return value
        if isinstance(value, datetime.date):
            return datetime.datetime(value.year, value.month, value.day)
        return value

    def convert_datefield_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return value.date()
        return value

    def convert_timefield_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return value.time()
        if isinstance(value, str):
            return datetime.time.fromisoformat(value)
        return value

    def convert_jsonfield_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # The driver returns documents as dicts/lists; JSONField.from_db_value() decodes text
        # with the field's decoder, so hand it the JSON text of the document.
        from django.db.models.fields.json import KeyTransform

        if isinstance(expression, KeyTransform):
            return value
        if value is None:
            return None
        return json.dumps(value, default=str)

    def convert_uuidfield_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is not None and not isinstance(value, uuid.UUID):
            value = uuid.UUID(bytes=value) if isinstance(value, bytes) else uuid.UUID(str(value))
        return value

    def convert_booleanfield_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return bool(value) if value in (0, 1) else value

    def convert_decimalfield_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is not None and not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value))
        return value
