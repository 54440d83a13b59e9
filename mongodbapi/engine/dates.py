"""Date expression operators: $dateTrunc, $dateToParts, $dateFromParts and the date parts.

doc: dates may be Dates, Timestamps or ObjectIds; a timezone is an Olson name or a UTC
offset; a null or missing date or timezone gives null; parts out of range carry over in
$dateFromParts. The engine raised NotImplementedError for binSize/timezone/startOfWeek,
the ISO parts and $isoWeek..., crashed on missing dates and {date} without timezone, sent
UTC offsets to pytz and did not know $dateToParts.
"""

from __future__ import annotations

import datetime
import functools
import re
import zoneinfo
from typing import Any, Callable

from bson import ObjectId, Timestamp
from pymongo.errors import OperationFailure

from .numeric import fits_long
from .values import nullish, type_name, whole_number


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_REFERENCE_DATE = datetime.date(2000, 1, 1)  # doc: bins start at 2000-01-01T00:00:00Z
_REFERENCE = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
_UNIT_MILLIS = {"millisecond": 1, "second": 1000, "minute": 60_000, "hour": 3_600_000}
_UNIT_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_TRUNC_UNITS = ("year", "quarter", "month", "week", "day", *_UNIT_MILLIS)
_WEEKDAYS = {name: number for number, names in enumerate(
    [("monday", "mon"), ("tuesday", "tue"), ("wednesday", "wed"), ("thursday", "thu"),
     ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun")]) for name in names}


_TRUNC_FIELDS = ("date", "unit", "binSize", "timezone", "startOfWeek")
_UTC_OFFSET = re.compile(r"([+-])(\d\d)(?::?(\d\d))?")


@functools.lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _time_zone(value: Any) -> datetime.tzinfo:
    # doc: an Olson identifier ("America/New_York", "GMT") or a UTC offset
    # "+/-[hh]:[mm]", "+/-[hh][mm]" or "+/-[hh]".
    if not isinstance(value, str):
        raise OperationFailure(f"timezone must evaluate to a string, found {type_name(value)}")
    if value in _zone_names():
        return zoneinfo.ZoneInfo(value)
    offset = _UTC_OFFSET.fullmatch(value)
    if offset:
        sign = -1 if offset[1] == "-" else 1
        try:
            return datetime.timezone(sign * datetime.timedelta(
                hours=int(offset[2]), minutes=int(offset[3] or 0)))
        except ValueError:
            pass
    raise OperationFailure(f'unrecognized time zone identifier: "{value}"', 40485)


def epoch_millis(value: Any) -> int | None:
    """A Date, Timestamp or ObjectId as milliseconds since the epoch (None for other types)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        delta = value - _EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000
    if isinstance(value, Timestamp):
        return value.time * 1000
    if isinstance(value, ObjectId):
        return int(value.generation_time.timestamp()) * 1000
    return None


def _truncate_millis(millis: int, unit: str, bin_size: int, zone: datetime.tzinfo,
                     start_of_week: int) -> int:
    """The start of the bin holding ``millis``, as the server computes it."""
    if unit in _UNIT_MILLIS:
        # Fixed-length units: bins of bin_size * unit, counted on the time line from
        # 2000-01-01T00:00 in the time zone (its offset on that day).
        reference = epoch_millis(_REFERENCE) - int(
            _REFERENCE.astimezone(zone).utcoffset().total_seconds() * 1000)
        size = bin_size * _UNIT_MILLIS[unit]
        return millis - (millis - reference) % size
    if bin_size > 100_000_000_000:
        raise OperationFailure("dateTrunc unsupported binSize value")
    # Calendar units: count whole units from the reference date in local time and
    # return local midnight of the first day of the bin.
    day = (_EPOCH + datetime.timedelta(milliseconds=millis)).astimezone(zone).date()
    if unit in _UNIT_MONTHS:
        per_unit = _UNIT_MONTHS[unit]
        count = ((day.year - 2000) * 12 + day.month - 1) // per_unit
        months = (count - count % bin_size) * per_unit
        first = datetime.date(2000 + months // 12, months % 12 + 1, 1)
    elif unit == "week":
        # doc: the reference is the first startOfWeek day on or after 2000-01-01.
        reference = _REFERENCE_DATE + datetime.timedelta(
            days=(start_of_week - _REFERENCE_DATE.weekday()) % 7)
        into_week = (day.weekday() - start_of_week) % 7
        count = ((day - reference).days - into_week) // 7
        first = reference + datetime.timedelta(weeks=count - count % bin_size)
    else:  # day
        count = (day - _REFERENCE_DATE).days
        first = _REFERENCE_DATE + datetime.timedelta(days=count - count % bin_size)
    midnight = datetime.datetime.combine(first, datetime.time(), tzinfo=zone)
    return epoch_millis(midnight)


def _date_trunc(parser: Any, values: Any, original: Callable) -> Any:
    # doc: {date, unit, binSize = 1, timezone = "UTC", startOfWeek = "sunday"};
    # null if date, unit, binSize or timezone is null or missing, or if unit is
    # "week" and startOfWeek is given but null or missing; type errors otherwise.
    if not isinstance(values, dict):
        raise OperationFailure("$dateTrunc only supports an object as its argument")
    for name in values:
        if name not in _TRUNC_FIELDS:
            raise OperationFailure(f"Unrecognized argument to $dateTrunc: {name}. Expected "
                                   "arguments are date, unit, and optionally, binSize, "
                                   "timezone, startOfWeek")
    for name in ("date", "unit"):
        if name not in values:
            raise OperationFailure(f"Missing '{name}' parameter to $dateTrunc")
    given = {name: parser.parse(values[name]) for name in _TRUNC_FIELDS if name in values}
    if any(nullish(given[name]) for name in ("date", "unit", "binSize", "timezone")
           if name in given):
        return None
    unit = given["unit"]
    if not isinstance(unit, str):
        raise OperationFailure(f"$dateTrunc requires 'unit' to be a string, "
                               f"but got {type_name(unit)}")
    if unit not in _TRUNC_UNITS:
        raise OperationFailure(f"$dateTrunc parameter 'unit' value cannot be recognized "
                               f"as a time unit: {unit}")
    start_of_week = _WEEKDAYS["sunday"]
    if unit == "week" and "startOfWeek" in given:
        name = given["startOfWeek"]
        if nullish(name):
            return None
        if not isinstance(name, str):
            raise OperationFailure(f"$dateTrunc requires 'startOfWeek' to be a string, "
                                   f"but got {type_name(name)}")
        if name.lower() not in _WEEKDAYS:
            raise OperationFailure(f"$dateTrunc parameter 'startOfWeek' value cannot be "
                                   f"recognized as a day of a week: {name}")
        start_of_week = _WEEKDAYS[name.lower()]
    date = given["date"]
    millis = epoch_millis(date)
    if millis is None:
        raise OperationFailure(f"$dateTrunc requires 'date' to be a date, "
                               f"but got {type_name(date)}")
    bin_size = given.get("binSize", 1)
    whole = whole_number(bin_size)
    if whole is None or not -(2**63) <= whole < 2**63:
        raise OperationFailure(f"$dateTrunc requires 'binSize' to be a 64-bit integer, but got "
                               f"value '{bin_size}' of type {type_name(bin_size)}")
    if whole <= 0:
        raise OperationFailure(f"$dateTrunc requires 'binSize' to be greater than 0, "
                               f"but got value {whole}")
    zone = _time_zone(given["timezone"]) if "timezone" in given else datetime.timezone.utc
    try:
        result = _EPOCH + datetime.timedelta(
            milliseconds=_truncate_millis(millis, unit, whole, zone, start_of_week))
    except (OverflowError, ValueError) as error:
        raise OperationFailure("dateTrunc overflowed") from error
    aware = isinstance(date, datetime.datetime) and date.tzinfo is not None
    return result if aware else result.replace(tzinfo=None)


_ABSENT: Any = object()  # an argument that was not given (unlike one evaluating to missing)
_DATE_PART_MIN, _DATE_PART_MAX = -32768, 32767  # doc ($dateFromParts): month, day, hour, minute


def _week_of_year(local: datetime.datetime) -> int:
    # doc ($week): weeks begin on Sundays; days before the first Sunday are week 0 (%U).
    return (local.timetuple().tm_yday - 1 + 7 - local.isoweekday() % 7) // 7


_DATE_PARTS: dict[str, Callable[[datetime.datetime], int]] = {
    "$year": lambda t: t.year, "$month": lambda t: t.month, "$dayOfMonth": lambda t: t.day,
    "$hour": lambda t: t.hour, "$minute": lambda t: t.minute, "$second": lambda t: t.second,
    "$millisecond": lambda t: t.microsecond // 1000,
    "$dayOfYear": lambda t: t.timetuple().tm_yday,
    "$dayOfWeek": lambda t: t.isoweekday() % 7 + 1,  # 1 (Sunday) to 7 (Saturday)
    "$week": _week_of_year,
    "$isoWeek": lambda t: t.isocalendar()[1],
    "$isoWeekYear": lambda t: t.isocalendar()[0],
    "$isoDayOfWeek": lambda t: t.isoweekday(),  # 1 (Monday) to 7 (Sunday)
}


def _date_millis(value: Any) -> int:
    """``Value::coerceToDate``: a Date, Timestamp or ObjectId in milliseconds."""
    millis = epoch_millis(value)
    if millis is None:
        raise OperationFailure(f"can't convert from BSON type {type_name(value)} to Date", 16006)
    return millis


def _local_time(millis: int, zone: datetime.tzinfo) -> datetime.datetime:
    """The wall-clock time in ``zone`` of a date (naive)."""
    try:
        moment = _EPOCH + datetime.timedelta(milliseconds=millis)
        return moment.astimezone(zone).replace(tzinfo=None)
    except (OverflowError, ValueError) as error:
        raise OperationFailure(f"date out of range: {millis} ms") from error


def _zone_argument(parser: Any, values: dict) -> datetime.tzinfo | None:
    """Server ``makeTimeZone``: UTC when absent, None (a null result) when null or missing."""
    if "timezone" not in values:
        return datetime.timezone.utc
    name = parser.parse(values["timezone"])
    if nullish(name):
        return None
    if not isinstance(name, str):
        raise OperationFailure(f"timezone must evaluate to a string, found {type_name(name)}",
                               40517)
    return _time_zone(name)


def _date_and_zone(op: str, values: Any) -> tuple[Any, Any]:
    """The date and timezone expressions of {op: <date>}, {op: [<date>]} or
    {op: {date: <date>, timezone: <tz>}} (server: DateExpressionAcceptingTimeZone::parse)."""
    if isinstance(values, dict) and not (values and next(iter(values)).startswith("$")):
        for name in values:
            if name not in ("date", "timezone"):
                raise OperationFailure(f'unrecognized option to {op}: "{name}"', 40535)
        if "date" not in values:
            raise OperationFailure(f"missing 'date' argument to {op}, provided: {values}", 40539)
        return values["date"], values.get("timezone", _ABSENT)
    if isinstance(values, list):
        if len(values) != 1:
            raise OperationFailure(f"{op} accepts exactly one argument if given an array, but "
                                   f"was given {len(values)}", 40536)
        return values[0], _ABSENT
    return values, _ABSENT


def _date_part(op: str) -> Callable:
    part = _DATE_PARTS[op]

    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: the part of the date (a Date, Timestamp or ObjectId) in UTC or in the given
        # timezone (an Olson name or a UTC offset); null or missing date or timezone -> null.
        date_expression, zone_expression = _date_and_zone(op, values)
        date = parser.parse(date_expression)
        if nullish(date):
            return None
        millis = _date_millis(date)
        zone: datetime.tzinfo = datetime.timezone.utc
        if zone_expression is not _ABSENT:
            name = parser.parse(zone_expression)
            if nullish(name):
                return None
            if not isinstance(name, str):
                raise OperationFailure(f"{op} requires a string for the timezone argument, but "
                                       f"was given a {type_name(name)} ({name!r})", 40533)
            zone = _time_zone(name)
        return part(_local_time(millis, zone))

    return handler


def _date_to_parts(parser: Any, values: Any, original: Callable) -> Any:
    # doc: {date, timezone = "UTC", iso8601 = false} -> {year, month, day, hour, minute,
    # second, millisecond}, or with iso8601 {isoWeekYear, isoWeek, isoDayOfWeek, hour, ...};
    # null if date, timezone or iso8601 is null or missing. Server: ExpressionDateToParts.
    if not isinstance(values, dict):
        raise OperationFailure("$dateToParts only supports an object as its argument", 40524)
    for name in values:
        if name not in ("date", "timezone", "iso8601"):
            raise OperationFailure(f"Unrecognized argument to $dateToParts: {name}", 40520)
    if "date" not in values:
        raise OperationFailure("Missing 'date' parameter to $dateToParts", 40522)
    date = parser.parse(values["date"])
    zone = _zone_argument(parser, values)
    if zone is None:
        return None
    iso8601 = False
    if "iso8601" in values:
        iso8601 = parser.parse(values["iso8601"])
        if nullish(iso8601):
            return None
        if not isinstance(iso8601, bool):
            raise OperationFailure(f"iso8601 must evaluate to a bool, found "
                                   f"{type_name(iso8601)}", 40521)
    if nullish(date):
        return None
    local = _local_time(_date_millis(date), zone)
    if iso8601:
        year, week, weekday = local.isocalendar()
        parts = {"isoWeekYear": year, "isoWeek": week, "isoDayOfWeek": weekday}
    else:
        parts = {"year": local.year, "month": local.month, "day": local.day}
    return {**parts, "hour": local.hour, "minute": local.minute, "second": local.second,
            "millisecond": local.microsecond // 1000}


_FROM_PARTS_FIELDS = ("year", "month", "day", "hour", "minute", "second", "millisecond",
                      "isoWeekYear", "isoWeek", "isoDayOfWeek", "timezone")


_NATURAL_PARTS, _ISO_PARTS = ("year", "month", "day"), ("isoWeekYear", "isoWeek", "isoDayOfWeek")


def _date_from_parts(parser: Any, values: Any, original: Callable) -> Any:
    # doc: {year | isoWeekYear, month, day | isoWeek, isoDayOfWeek, hour, minute, second,
    # millisecond, timezone}: a date from parts in the timezone (default UTC); a part outside
    # its usual range carries into the next one (month, day, hour and minute must lie in
    # [-32768, 32767]); year 1-9999; a part or timezone that is null or missing -> null.
    # Server: ExpressionDateFromParts::evaluate (the same order of evaluation and checks).
    if not isinstance(values, dict):
        raise OperationFailure("$dateFromParts only supports an object as its argument", 40519)
    for name in values:
        if name not in _FROM_PARTS_FIELDS:
            raise OperationFailure(f"Unrecognized argument to $dateFromParts: {name}", 40518)
    if "year" not in values and "isoWeekYear" not in values:
        raise OperationFailure("$dateFromParts requires either 'year' or 'isoWeekYear' to be "
                               "present", 40516)
    if "year" in values and any(name in values for name in _ISO_PARTS):
        raise OperationFailure("$dateFromParts does not allow mixing natural dates with ISO "
                               "dates", 40489)
    if "isoWeekYear" in values and any(name in values for name in _NATURAL_PARTS):
        raise OperationFailure("$dateFromParts does not allow mixing ISO dates with natural "
                               "dates", 40525)

    def number(name: str, default: int, bounded: bool = False) -> int | None:
        if name not in values:
            return default
        value = parser.parse(values[name])
        if nullish(value):
            return None
        whole = whole_number(value)
        if whole is None or not fits_long(whole):
            raise OperationFailure(f"'{name}' must evaluate to an integer, found "
                                   f"{type_name(value)} with value {value}", 40515)
        if bounded and not _DATE_PART_MIN <= whole <= _DATE_PART_MAX:
            raise OperationFailure(f"'{name}' must evaluate to a value in the range "
                                   f"[{_DATE_PART_MIN}, {_DATE_PART_MAX}]; value {whole} is not "
                                   "in range", 31034)
        return whole

    times = []
    for name, bounded in (("hour", True), ("minute", True), ("second", False),
                          ("millisecond", False)):
        times.append(number(name, 0, bounded))
        if times[-1] is None:
            return None
    zone = _zone_argument(parser, values)
    if zone is None:
        return None
    iso = "isoWeekYear" in values
    first, second, third = _ISO_PARTS if iso else _NATURAL_PARTS
    year = number(first, 1970)
    if year is None:
        return None
    middle = number(second, 1, True)
    if middle is None:
        return None
    last = number(third, 1, True)
    if last is None:
        return None
    if not 1 <= year <= 9999:
        raise OperationFailure(f"'{first}' must evaluate to an integer in the range 1 to 9999, "
                               f"found {year}", 31095 if iso else 40523)
    hour, minute, seconds, millis = times
    try:
        if iso:  # the Monday of ISO week 1 is the Monday on or before January 4th
            january_4 = datetime.datetime(year, 1, 4)
            start = january_4 - datetime.timedelta(days=january_4.weekday())
            days = (middle - 1) * 7 + last - 1
        else:  # months and days out of range carry over (timelib's normalization)
            start = datetime.datetime(year + (middle - 1) // 12, (middle - 1) % 12 + 1, 1)
            days = last - 1
        local = start + datetime.timedelta(days=days, hours=hour, minutes=minute,
                                           seconds=seconds, milliseconds=millis)
        return local.replace(tzinfo=zone).astimezone(datetime.timezone.utc).replace(tzinfo=None)
    except (OverflowError, ValueError) as error:
        raise OperationFailure(f"$dateFromParts: the date is out of range ({error})") from error


# By the engine's _Parser dispatch method: operator -> handler(parser, values, original).
HANDLERS = {"_handle_date_operator": {
    "$dateTrunc": _date_trunc, **{op: _date_part(op) for op in _DATE_PARTS},
    "$dateToParts": _date_to_parts, "$dateFromParts": _date_from_parts,
}}
