"""MongoDB-server semantics for the in-process engine ``mongomock_ng`` (7.11.1).

The driver emits commands for a real MongoDB 7.0+ server and never bends them
for the embedded engine. Where ``mongomock_ng`` lacks an operator, or evaluates
one differently from the MongoDB manual, :func:`install` fills the gap in the
engine only, following the operator's page in the manual (null/missing handling
and error cases included).

How: the ``mongomock_ng.aggregate._Parser`` dispatch methods for string,
comparison, arithmetic, boolean, conversion, date, type, array, field,
accumulator-expression and custom operators are wrapped; the wrapper evaluates
the operators below and hands every other operator to the original method. The $group accumulators
replace entries of ``aggregate._GROUPING_OPERATOR_MAP``, the update operators
entries of ``collection._updaters``. For ``find`` filters, ``filtering.TYPE_MAP``
gets its "null" entry and the ``$type`` query operator is wrapped the same way;
``filtering.bson_compare`` (query comparisons, ``$sort``, sortBy, group keys) is
replaced by BSON comparison order, and ``filtering.operator_eq`` (query
equality, ``$in``) and ``filtering.iter_key_candidates`` (dotted paths) are
wrapped. ``$$NOW`` and ``$$CLUSTER_TIME`` are read in
``_Parser._parse_basic_expression`` from a clock that each command
(``Collection`` methods, ``Cursor._compute_results``, ``process_pipeline``)
sets once in a context variable. ``Database`` gets an
``aggregate`` method, and the ``$unionWith``/``$lookup`` stage handlers run a
sub-pipeline that starts with ``$documents`` over its documents.

==================  ==============================================================
Filled              Engine behaviour without ``install()``
==================  ==============================================================
$strLenCP           NotImplementedError
$substrCP           NotImplementedError
$indexOfCP          NotImplementedError
$replaceAll         "Unrecognized expression"
$replaceOne         "Unrecognized expression"
$toBool             "Unrecognized expression"
$cmp                NotImplementedError
$eq $ne $lt $lte    missing was equal to null and never less/greater than anything;
$gt $gte            1 equalled true. Server: missing < null < numbers < ... (BSON
                    comparison order; NaN equals NaN, below other numbers)
$concat             missing gave "...<NOTHING>" (doc: null); non-strings were
                    str()-ed (doc: error); {$concat: "$f"} iterated "$f"
$toUpper $toLower   missing gave "<NOTHING>" (server: "", as for null); only ASCII
                    letters change, as on the server
$toString           null gave "None" (doc: null); a date without milliseconds lost
                    its seconds
$mod                int % int gave a double (doc: larger input type, remainder
                    takes the dividend's sign); dividing by 0 is an error; a decimal
                    raised TypeError (doc: a decimal operand gives a decimal)
$add $subtract      a Decimal128 operand raised TypeError ($add, $multiply: a Python
$multiply $divide   Decimal); $divide by 0 raised ZeroDivisionError; other types failed
                    with Python errors. Now the server's rules: the widest operand type
                    (int, long when an int overflows, double when a long overflows,
                    decimal), null/missing -> null, one date in $add, date - date in ms
$abs $ceil $floor   a Decimal128 was "not a number"; $ceil/$floor of a double gave an
                    int (server: a double); $abs of the smallest long is an error
$toDecimal          a double kept 14 decimal places (doc: 2.5 -> "2.50000000000000", 15
$convert            significant digits)
$type (expr)        a Decimal128 (and timestamp, regex, ...) raised NotImplementedError;
                    an int below -2**31 was "int"
$rand               "Unrecognized expression" (doc: a double in [0, 1))
$round              [x] of a double gave an int (doc: input type); place range not
                    checked (doc: -20 < place < 100). Half-to-even was already right
$trunc              [x, place] rejected; a double stays a double (as $round)
$not                the documented form {$not: [<expr>]} was always false
$type (find)        "null"/10 raised NotImplementedError; number codes and the
                    array-of-types form were rejected
$dateTrunc          binSize/timezone/startOfWeek raised NotImplementedError; null or
                    missing fields crashed (doc: null); Timestamp/ObjectId dates
                    and type errors were not handled. The units were already right
$$NOW               evaluated to missing (doc: the current date, one value per
$$CLUSTER_TIME      command; CLUSTER_TIME a Timestamp, as on a replica set)
db.aggregate()      missing (``db.aggregate`` was a collection): {aggregate: 1}
                    with $documents as the first stage
$unionWith/$lookup  a pipeline starting with $documents, without coll/from, was
                    rejected ("Must specify 'coll'/'from'")
$documents          elsewhere "not a valid operator" (NotImplementedError); now
                    OperationFailure, as misplaced on the server
$range              NotImplementedError
$sin $cos $tan      "Unrecognized expression". Now as documented: null/missing -> null,
$asin $acos $atan   NaN -> NaN, a domain error (50989) for $sin/$cos/$tan of an infinity
$atan2 $sinh $cosh  and $asin/$acos/$atanh outside [-1, 1], $acosh below 1; $atan2 takes
$tanh $asinh        [y, x] (C's special cases). A decimal gives a Decimal128 correctly
$acosh $atanh       rounded to 34 digits (evaluated with more and more guard digits until
$degreesToRadians   two evaluations round alike), any other number a double from the C
$radiansToDegrees   library; degrees <-> radians multiply by the server's constants (a
                    decimal by Decimal128 kPi/180 or 180/kPi, kPi rounded to 34 digits)
$dateToParts        "Unrecognized expression"; now {date, timezone, iso8601}: timezone an
                    Olson name or UTC offset from any expression; null/missing -> null
$dateFromParts      timezone and the ISO parts raised NotImplementedError; millisecond set
                    microseconds; a null/missing part was dropped (doc: null). Now parts
                    out of range carry over (month 14, day 0), with the server's checks
$isoWeek            NotImplementedError
$isoWeekYear
$isoDayOfWeek
$year $month        {date: <d>} without timezone, a missing date and [<d>] crashed
$dayOfMonth $hour   (AttributeError); a UTC offset timezone went to pytz (unknown zone).
$minute $second     Now {op: <d>}, {op: [<d>]} and {op: {date, timezone}}, null/missing
$millisecond $week  date or timezone -> null, Timestamp/ObjectId dates, the server's
$dayOfYear          errors
$dayOfWeek
$convert            a missing input raised KeyError('input') (doc: onNull, else null), a
                    missing "to" too (doc: null); Python errors escaped. A failed
                    conversion is now ConversionFailure (241), the only error onError
                    catches; onNull/onError are evaluated only when used
$toInt $toLong      null raised TypeError (doc: null, as missing); a failed conversion
$toDouble $toDate   raised a Python error (now ConversionFailure, 241)
$toObjectId
$getField           an input given as an expression (not a "$path") was not evaluated
                    (null); a missing field gave null (doc: missing); a non-document input
                    gave null (doc: an error); field must now be a constant string
sub-pipelines       $lookup with from + pipeline handed the stages a generator: $project
                    and $addFields read it twice (empty or no documents), $limit/$skip
                    failed. ``process_pipeline`` now takes any input as a list
$group $count       no input documents gave one document (_id: null, zero accumulators;
                    {n: 0}); doc: no document, also inside $facet
$addFields $set     a field whose value was missing ($$REMOVE, a missing path) kept its
                    old value (doc: the field is removed), also in pipeline updates
$lookup in $facet   the joined field was set on input documents shared with the other
                    facets
$sum $avg $min $max in $group/$bucket and as expressions: $sum added array elements and
$stdDevPop/Samp     booleans, $avg counted booleans (doc: non-numbers are ignored) and
                    gave null for decimals; $min/$max used Python order (TypeError on
                    mixed types, doc: BSON order, null/missing ignored); {$sum: ["$a", 1]}
                    traversed the array "$a" (doc: only a single operand is traversed)
$group _id          grouped by Python ==: true joined 1, 1.0 and Decimal128("1.0") split
BSON order          a Decimal128 in a filter, $sort or sortBy raised or compared wrongly
(find, $sort)       with ints/doubles: {d: 25} missed Decimal128("25"), {d: {$gt: 2}}
                    raised; {b: 1} matched true; an embedded document matched in any
                    field order; NaN sorted anywhere. Now numbers compare by value (NaN
                    below them; in $lt/$gt filters NaN only equals NaN) and types in
                    BSON order
dotted paths        {"j.a": null} missed {j: null} and {j: 5} (doc: a field that does
                    not exist equals null); {"j.a": {$ne: null}} matched them
$inc $mul (update)  a Decimal128 raised TypeError; $mul was missing ("field names cannot
                    start with $"); non-numbers were not rejected. Now the arithmetic
                    type rules (a long overflow is an error), $mul on a missing field
                    sets 0 of the multiplier's type
$min $max (update)  Python order (TypeError on mixed types); now BSON order
$setWindowFields    replaced (see _set_window_fields): range windows were ignored (whole
                    partition); $sum of nothing gave null (doc: 0); missing values
                    crashed $sum/$avg and leaked a sentinel from $first/$last/$shift;
                    $min/$max of mixed types crashed; rank ties were Python ==, not
                    BSON equality; let variables were invisible; bounds and operator
                    arguments were not checked; $stdDevPop/$stdDevSamp missing
==================  ==============================================================

Single-argument operators above also take their argument as a one-element
array, as the server does (``{$toBool: ["$x"]}``). Seen but left alone:
``$exp``/``$ln``/``$log``/``$log10``/``$pow``/``$sqrt`` reject a Decimal128
(doc: a decimal result); a dotted path through an empty array or past the end
of one finds nothing (no null match); ``$addToSet`` and ``distinct`` use Python
equality; ``$toString`` of a double is Python's ``str``; query-side
``{f: null}`` is untouched (already right); an undefined ``$$variable`` is
missing (server: an error); ``Collection.aggregate`` warns about, and ignores,
``batchSize`` and ``let``; ``$range`` has no memory limit; ``$redact`` does not
see ``$lookup`` variables; ``$sort`` (and so ``sortBy``) orders an array by its
first element; window functions ``$derivative``, ``$integral``,
``$expMovingAvg``, ``$covariance*``, ``$topN`` and the like raise
NotImplementedError. Conversions themselves are the engine's (``$toInt`` of a value
beyond 32 bits does not fail, ``$toString`` of a document is Python's ``str``, ``to``
types without an engine handler are a ConversionFailure); ``$dateToString`` (with
``timezone``, ``onNull`` or ``%L``) and ``$dateAdd``/``$dateDiff``/``$dateSubtract``
(with ``timezone``) raise NotImplementedError. A Decimal128 trigonometric
result is the exact value rounded to 34 digits; the server's library (Intel BID)
may differ from it in the last digit.

Range windows follow the manual and the server: a number bound is added to the
current document's sortBy value and takes in every document whose value lies
within (so a bound of 0 includes the ties of the current document), while
"current" is the current document's position: ``range: ["unbounded", "current"]``
stops at the current document and leaves out the ties after it; SQL's default
frame (peers included) is ``range: ["unbounded", 0]``.

Decimal128 arithmetic follows the server (expression.cpp, accumulator_sum.cpp,
decimal128.cpp): 34 digits, ties to even; where a double meets a decimal it is
converted with 15 significant digits (0.1 -> 0.100000000000000), except a running
double total in ``$add`` and the double part of ``$sum``/``$avg``, which join the
decimal with 34 digits (so 0.1 + 0.2 there keeps its binary error).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import datetime
import decimal
import functools
import fractions
import math
import random
import re
import string
import threading
import uuid
import zoneinfo
from collections.abc import Mapping, MutableMapping
from typing import Any, Callable, Iterator

from bson import DBRef, ObjectId, Regex, Timestamp
from bson.code import Code
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from pymongo.errors import OperationFailure, WriteError

__all__ = ["install"]

_lock = threading.Lock()
_installed = False
_MARK = "_mongodbapi_embedded_compat"

# Bound by install(): mongomock_ng's marker for a missing value, and its modules.
_NOTHING: Any = object()
_filtering: Any = None
_aggregate: Any = None
_helpers: Any = None
_get_compare_type: Any = None  # the engine's rank of a type in BSON order


def _nullish(value: Any) -> bool:
    return value is None or value is _NOTHING


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal128)) and not isinstance(value, bool)


def _type_name(value: Any) -> str:
    """The BSON type alias the server uses in its error messages (and ``$type``)."""
    if value is _NOTHING or value is None:
        return "missing" if value is _NOTHING else "null"
    if isinstance(value, Int64):
        return "long"
    if isinstance(value, int) and not isinstance(value, bool):
        return "int" if -(2**31) <= value < 2**31 else "long"
    if isinstance(value, Code):
        return "javascript" if value.scope is None else "javascriptWithScope"
    names = [(bool, "bool"), (float, "double"), (Decimal128, "decimal"), (str, "string"),
             (dict, "object"), (list, "array"), (datetime.datetime, "date"),
             (bytes, "binData"), (uuid.UUID, "binData"), (ObjectId, "objectId"),
             (Timestamp, "timestamp"), (re.Pattern, "regex"), (Regex, "regex"),
             (MinKey, "minKey"), (MaxKey, "maxKey")]
    return next((name for cls, name in names if isinstance(value, cls)), type(value).__name__)


def _arg_list(op: str, values: Any, low: int, high: int) -> list:
    """The operands of ``op``; a non-array value is a single operand."""
    args = values if isinstance(values, list) else [values]
    if not low <= len(args) <= high:
        expected = f"exactly {low}" if low == high else f"at least {low}, and at most {high},"
        raise OperationFailure(f"Expression {op} takes {expected} arguments. "
                               f"{len(args)} were passed in.")
    return args


def _single(op: str, values: Any) -> Any:
    return _arg_list(op, values, 1, 1)[0]


def _literal(value: Any) -> dict:
    """An expression evaluating to ``value``: hands an evaluated operand to the engine."""
    return {"$literal": value}


def _whole(value: Any) -> int | None:
    """``value`` as an int when it is an integral number (2, 2.0, Decimal128("2")), else None."""
    if not _is_number(value):
        return None
    number = value.to_decimal() if isinstance(value, Decimal128) else value
    try:
        return int(number) if number == int(number) else None
    except (ValueError, OverflowError):  # NaN, Infinity
        return None


def _index(op: str, what: str, value: Any) -> int:
    """A non-negative integral index argument ("2.0" is accepted, as documented)."""
    index = _whole(value)
    if index is None:
        raise OperationFailure(f"{op} requires an integral {what}, found a value of type: "
                               f"{_type_name(value)}, with value: {value!r}")
    if index < 0:
        raise OperationFailure(f"{op} requires a nonnegative {what}, found: {value!r}")
    return index


def _str_len_cp(parser: Any, values: Any, original: Callable) -> int:
    # doc: code points of the string; null or missing is an error.
    value = parser.parse(_single("$strLenCP", values))
    if not isinstance(value, str):
        raise OperationFailure(f"$strLenCP requires a string argument, "
                               f"found: {_type_name(value)}")
    return len(value)


def _substr_cp(parser: Any, values: Any, original: Callable) -> str:
    # doc: null or missing string -> ""; other non-strings and negative or
    # non-integral index/count -> error.
    text, start, count = (parser.parse(arg) for arg in _arg_list("$substrCP", values, 3, 3))
    if not _nullish(text) and not isinstance(text, str):
        raise OperationFailure(f"$substrCP requires a string argument, "
                               f"found: {_type_name(text)}")
    start = _index("$substrCP", "starting index", start)
    count = _index("$substrCP", "length", count)
    return "" if _nullish(text) else text[start:start + count]


def _index_of_cp(parser: Any, values: Any, original: Callable) -> int | None:
    # doc: null/missing string -> null; non-string string or substring -> error;
    # negative start/end -> error; not found, start > end or start past the end -> -1.
    args = _arg_list("$indexOfCP", values, 2, 4)
    text, token = parser.parse(args[0]), parser.parse(args[1])
    if _nullish(text):
        return None
    for position, value in (("first", text), ("second", token)):
        if not isinstance(value, str):
            raise OperationFailure(f"$indexOfCP requires a string as the {position} argument, "
                                   f"found: {_type_name(value)}")
    bounds = [_index("$indexOfCP", what, parser.parse(arg))
              for what, arg in zip(("starting index", "ending index"), args[2:])]
    return text.find(token, *bounds)


def _replace(op: str, count: int) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> str | None:
        # doc: each of input/find/replacement must be a string or null (missing
        # counts as null), else error; any null -> null.
        fields = ("input", "find", "replacement")
        if not isinstance(values, dict):
            raise OperationFailure(f"{op} requires an object as an argument, "
                                   f"found: {_type_name(values)}")
        for name in set(values) - set(fields):
            raise OperationFailure(f"{op} found an unknown argument: {name}")
        for name in set(fields) - set(values):
            raise OperationFailure(f"{op} requires '{name}' to be specified")
        parsed = [parser.parse(values[name]) for name in fields]
        for name, value in zip(fields, parsed):
            if not _nullish(value) and not isinstance(value, str):
                raise OperationFailure(f"{op} requires that '{name}' be a string, "
                                       f"found: {_type_name(value)}")
        if any(_nullish(value) for value in parsed):
            return None
        text, find, replacement = parsed
        return text.replace(find, replacement, count)

    return handler


def _concat(parser: Any, values: Any, original: Callable) -> str | None:
    # doc: an operand that is null or refers to a missing field -> null; only strings.
    parts = []
    for arg in values if isinstance(values, list) else [values]:
        value = parser.parse(arg)
        if _nullish(value):
            return None
        if not isinstance(value, str):
            raise OperationFailure(f"$concat only supports strings, not {_type_name(value)}")
        parts.append(value)
    return "".join(parts)


def _change_case(op: str, table: dict) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: null -> "" (missing too); only ASCII letters change.
        value = parser.parse(_single(op, values))
        if _nullish(value):
            return ""
        if isinstance(value, str):
            return value.translate(table)
        return original(_literal(value))

    return handler


# ------------------------------------------------------------------ BSON order and numbers

# Decimal128 arithmetic: 34 digits, half to even, no traps (overflow gives Infinity and an
# invalid operation NaN, as in the server's IEEE 754 library).
_DECIMAL128 = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, Emin=-6143, Emax=6144,
                              clamp=1, traps=[])
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_RANDOM = random.Random()  # noqa: S311 - $rand is not for cryptography


def _exact(number: Any) -> decimal.Decimal:
    """A number's exact value (a double exactly, not rounded to 15 digits)."""
    if isinstance(number, Decimal128):
        return number.to_decimal()
    if isinstance(number, decimal.Decimal):
        return number
    return decimal.Decimal(number)


def _double_to_decimal(value: float, digits34: bool = False) -> decimal.Decimal:
    """The server's ``Decimal128(double)``: 15 significant digits, trailing zeros kept
    (0.1 -> 0.100000000000000), or the double rounded to 34 digits (``kRoundTo34Digits``)."""
    exact = decimal.Decimal(value)
    if digits34 or value == 0 or not math.isfinite(value):
        return _DECIMAL128.create_decimal(exact)
    # The base-10 exponent guessed from the base-2 one, and one more when 15 digits overflow.
    base10 = ((math.frexp(value)[1] - 1) * 30103) // 100_000
    for exponent in (base10 - 14, base10 - 13):
        result = exact.quantize(decimal.Decimal(1).scaleb(exponent),
                                rounding=decimal.ROUND_HALF_EVEN, context=_WIDE)
        if len(result.as_tuple().digits) <= 15:
            break
    return result


def _coerce_decimal(number: Any) -> decimal.Decimal:
    """``Value::coerceToDecimal``: an int exactly, a double with 15 digits."""
    if isinstance(number, float):
        return _double_to_decimal(number)
    return _exact(number)


def _decimal128(value: decimal.Decimal) -> Decimal128:
    return Decimal128(_DECIMAL128.create_decimal(value))


def _compare_numbers(a: Any, b: Any) -> int:
    """-1/0/1 by numeric value across int, long, double and decimal; NaN equals NaN and
    sorts below every other number (BSON comparison order)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if a != a or b != b:  # only NaN differs from itself
            return int(b != b) - int(a != a)
        return (a > b) - (a < b)  # Python compares ints and floats exactly
    x, y = _exact(a), _exact(b)
    if x.is_nan() or y.is_nan():
        return int(y.is_nan()) - int(x.is_nan())
    return (x > y) - (x < y)


def _is_nan(value: Any) -> bool:
    if isinstance(value, float):
        return value != value
    return isinstance(value, Decimal128) and value.to_decimal().is_nan()


def _rank(value: Any) -> int:
    """The canonical type of ``value`` in BSON comparison order (null and missing share one)."""
    if isinstance(value, bool):
        return 40
    if isinstance(value, (int, float, Decimal128, decimal.Decimal)):
        return 10
    if isinstance(value, Code):
        return 60
    if isinstance(value, Timestamp):
        return 47
    if isinstance(value, MinKey):
        return -1
    if isinstance(value, MaxKey):
        return 127
    return _get_compare_type(value)


def _sign(number: int) -> int:
    return (number > 0) - (number < 0)


def _binary(value: Any) -> tuple[int, int, bytes]:
    if isinstance(value, uuid.UUID):
        return 16, 4, value.bytes
    return len(value), getattr(value, "subtype", 0), bytes(value)


def _utc(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _bson_cmp(a: Any, b: Any) -> int:
    """-1/0/1 in BSON comparison order (doc: Comparison/Sort Order): the type first, then
    numbers by value, documents field by field (type, name, value), arrays element by
    element, binary data by length, subtype and bytes, dates in time."""
    rank_a, rank_b = _rank(a), _rank(b)
    if rank_a != rank_b:
        return -1 if rank_a < rank_b else 1
    if rank_a == 10:
        return _compare_numbers(a, b)
    if rank_a == 5:  # null (and missing)
        return 0
    if rank_a == 20:
        a, b = (v.as_doc() if isinstance(v, DBRef) else v for v in (a, b))
        for (key_a, value_a), (key_b, value_b) in zip(a.items(), b.items()):
            result = (_sign(_rank(value_a) - _rank(value_b)) or (key_a > key_b) - (key_a < key_b)
                      or _bson_cmp(value_a, value_b))
            if result:
                return result
        return _sign(len(a) - len(b))
    if rank_a == 25:
        for item_a, item_b in zip(a, b):
            result = _bson_cmp(item_a, item_b)
            if result:
                return result
        return _sign(len(a) - len(b))
    if rank_a == 30:
        a, b = _binary(a), _binary(b)
    elif rank_a == 45:
        a, b = _utc(a), _utc(b)
    elif rank_a == 50:
        a, b = ((v.pattern, v.flags) for v in (a, b))
    return (a > b) - (a < b)


def _compare(a: Any, b: Any) -> int:
    """-1/0/1 in BSON comparison order, with missing below null."""
    if a is _NOTHING or b is _NOTHING:
        return int(b is _NOTHING) - int(a is _NOTHING)
    return _bson_cmp(a, b)


def _bson_compare(op: Callable, a: Any, b: Any, can_compare_types: bool = True) -> bool:
    """``filtering.bson_compare``: ``op`` applied in BSON order; numbers of every type by value.

    With ``can_compare_types`` false (the $lt/$lte/$gt/$gte query operators), values of
    different types never match (type bracketing) and NaN only equals NaN: the server's
    query matcher makes every $lt/$gt involving NaN false and $lte/$gte true only for two
    NaNs, where the sort order puts NaN below the other numbers.
    """
    rank_a, rank_b = _rank(a), _rank(b)
    if rank_a != rank_b:
        return can_compare_types and op(rank_a, rank_b)
    if not can_compare_types and rank_a == 10 and (_is_nan(a) or _is_nan(b)):
        return _is_nan(a) and _is_nan(b) and op(0, 0)
    return op(_bson_cmp(a, b), 0)


setattr(_bson_compare, _MARK, True)


def _wrap_operator_eq(original: Callable) -> Callable:
    if getattr(original, _MARK, False):
        return original

    def operator_eq(doc_val: Any, search_val: Any) -> bool:
        # doc (query equality): values compare by BSON equality: 25, 25.0 and
        # Decimal128("25") are equal, true is not 1, field order of documents counts.
        if doc_val is _NOTHING or search_val is _NOTHING:
            return original(doc_val, search_val)
        if type(doc_val) is type(search_val) and type(doc_val) in (str, ObjectId):
            return doc_val == search_val
        try:
            return _bson_cmp(doc_val, search_val) == 0
        except (NotImplementedError, TypeError, AttributeError):
            return original(doc_val, search_val)

    setattr(operator_eq, _MARK, True)
    return operator_eq


def _is_index(part: str) -> bool:
    try:
        int(part)
    except ValueError:
        return False
    return True


def _wrap_iter_key_candidates(original: Callable) -> Callable:
    if getattr(original, _MARK, False):
        return original

    def descend(rest: str, value: Any) -> Any:
        # doc (Query for Null or Missing Fields): a path through a null, a scalar or a
        # missing field does not exist, so it is missing (and so equal to null).
        if isinstance(value, (Mapping, list)) or (isinstance(value, DBRef) and rest == "$id"):
            return iter_key_candidates(rest, value)
        return [_NOTHING]

    def iter_key_candidates(key: str, doc: Any) -> Any:
        if key and isinstance(doc, Mapping) and not isinstance(doc, DBRef) and "." in key:
            head, rest = key.split(".", 1)
            return descend(rest, doc.get(head, _NOTHING))
        if key and isinstance(doc, list):
            head, _, rest = key.partition(".")
            if rest and not _is_index(head):
                # Each document of the array, as the engine does, but through descend().
                return [candidate for item in doc for candidate in (
                    descend(rest, item[head]) if isinstance(item, Mapping) and head in item
                    else [_NOTHING])]
        return original(key, doc)

    setattr(iter_key_candidates, _MARK, True)
    return iter_key_candidates


_COMPARISONS = {
    "$cmp": lambda c: c, "$eq": lambda c: c == 0, "$ne": lambda c: c != 0,
    "$lt": lambda c: c < 0, "$lte": lambda c: c <= 0,
    "$gt": lambda c: c > 0, "$gte": lambda c: c >= 0,
}


def _comparison(op: str) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: compares value and type using the BSON comparison order.
        a, b = (parser.parse(arg) for arg in _arg_list(op, values, 2, 2))
        try:
            return _COMPARISONS[op](_compare(a, b))
        except (NotImplementedError, TypeError, AttributeError):  # types it cannot order
            return original([_literal(a), _literal(b)])

    return handler


# Server error codes (error_codes.yml) of the arithmetic errors, which the driver maps.
_BAD_VALUE, _TYPE_MISMATCH, _OVERFLOW = 2, 14, 15


def _widest(kind: type, value: Any) -> type:
    """``Value::getWidestNumeric`` over int (int and long), float and Decimal128."""
    for cls in (Decimal128, float):
        if kind is cls or isinstance(value, cls):
            return cls
    return int


def _fits_long(number: int) -> bool:
    return _INT64_MIN <= number <= _INT64_MAX


def _round_half_away(number: float) -> int:
    """C's llround (half away from zero); non-finite or out of the long range is None."""
    if not math.isfinite(number) or not -(2.0**63) <= number < 2.0**63:
        return None
    return int(math.copysign(math.floor(abs(number) + 0.5), number))


def _millis_of(op: str, number: Any) -> int:
    """A number of milliseconds to add to a date: a double rounded half away from zero, a
    decimal half to even (``Decimal128::toLong``)."""
    if isinstance(number, float):
        millis = _round_half_away(number)
    elif isinstance(number, Decimal128):
        value = number.to_decimal()
        millis = (int(value.to_integral_value(rounding=decimal.ROUND_HALF_EVEN))
                  if value.is_finite() else None)
    else:
        millis = number
    if millis is None or not _fits_long(millis):
        raise OperationFailure(f"date overflow in {op}", _OVERFLOW)
    return millis


def _date_plus(op: str, date: datetime.datetime, millis: int) -> datetime.datetime:
    try:
        return date + datetime.timedelta(milliseconds=millis)
    except OverflowError as error:
        raise OperationFailure(f"date overflow in {op}", _OVERFLOW) from error


def _add(parser: Any, values: Any, original: Callable) -> Any:
    # doc: numbers and at most one date; null or missing -> null. The result has the
    # widest type (int, long, double, decimal; a long that overflows becomes a double),
    # or is a date when a date is added. Server: AddState in expression.cpp.
    total_long, total_double, total_decimal = 0, 0.0, decimal.Decimal(0)
    widest: type = int
    date = None
    for arg in values if isinstance(values, list) else [values]:
        value = parser.parse(arg)
        if _nullish(value):
            return None
        if isinstance(value, datetime.datetime):
            if date is not None:
                raise OperationFailure("only one date allowed in an $add expression", 16612)
            date, value = value, _epoch_millis(value)
        elif _is_number(value):
            old, widest = widest, _widest(widest, value)
            if widest is float and old is int:
                total_double = float(total_long)
            elif widest is Decimal128 and old is not Decimal128:
                total_decimal = (decimal.Decimal(total_long) if old is int
                                 else _double_to_decimal(total_double, digits34=True))
        else:
            raise OperationFailure(f"$add only supports numeric or date types, "
                                   f"not {_type_name(value)}", _TYPE_MISMATCH)
        if widest is int:
            if _fits_long(total_long + value):
                total_long += value
            else:  # long overflow: the sum goes on as a double
                widest, total_double = float, float(total_long) + float(value)
        elif widest is float:
            total_double += float(value)
        else:
            total_decimal = _DECIMAL128.add(total_decimal, _coerce_decimal(value))
    if date is not None:
        millis = {int: lambda: total_long, float: lambda: _millis_of("$add", total_double),
                  Decimal128: lambda: _millis_of("$add", _decimal128(total_decimal))}[widest]()
        return _date_plus("$add", date, millis - _epoch_millis(date))
    if widest is Decimal128:
        return _decimal128(total_decimal)
    return total_double if widest is float else total_long


def _subtract(parser: Any, values: Any, original: Callable) -> Any:
    # doc: number - number (widest type; a long overflow gives a double), date - date
    # (milliseconds), date - number (a date); null or missing -> null; else an error.
    a, b = (parser.parse(arg) for arg in _arg_list("$subtract", values, 2, 2))
    if _is_number(a) and _is_number(b):
        widest = _widest(_widest(int, a), b)
        if widest is Decimal128:
            return _decimal128(_DECIMAL128.subtract(_coerce_decimal(a), _coerce_decimal(b)))
        if widest is int and _fits_long(a - b):
            return a - b
        return float(a) - float(b)
    if _nullish(a) or _nullish(b):
        return None
    if isinstance(a, datetime.datetime):
        if isinstance(b, datetime.datetime):
            return _epoch_millis(a) - _epoch_millis(b)
        if _is_number(b):
            return _date_plus("$subtract", a, -_millis_of("$subtract", b))
        raise OperationFailure(f"can't $subtract {_type_name(b)} from Date", _TYPE_MISMATCH)
    raise OperationFailure(f"can't $subtract {_type_name(b)} from {_type_name(a)}",
                           _TYPE_MISMATCH)


def _multiply(parser: Any, values: Any, original: Callable) -> Any:
    # doc: numbers only; null or missing -> null; the widest type of the operands (an int
    # product that overflows a long becomes a double). Server: MultiplyState.
    product_long, product_double, product_decimal = 1, 1.0, decimal.Decimal(1)
    widest: type = int
    for arg in values if isinstance(values, list) else [values]:
        value = parser.parse(arg)
        if _nullish(value):
            return None
        if not _is_number(value):
            raise OperationFailure(f"$multiply only supports numeric types, "
                                   f"not {_type_name(value)}", _TYPE_MISMATCH)
        old, widest = widest, _widest(widest, value)
        if widest is Decimal128:
            if old is not Decimal128:
                product_decimal = (_double_to_decimal(product_double) if old is float
                                   else decimal.Decimal(product_long))
            product_decimal = _DECIMAL128.multiply(product_decimal, _coerce_decimal(value))
            continue
        product_double *= float(value)
        if widest is int:
            if _fits_long(product_long * value):
                product_long *= value
            else:
                widest = float
    if widest is Decimal128:
        return _decimal128(product_decimal)
    return product_double if widest is float else product_long


def _divide(parser: Any, values: Any, original: Callable) -> Any:
    # doc: a double, or a decimal if either operand is one; dividing by zero is an error;
    # null or missing -> null.
    a, b = (parser.parse(arg) for arg in _arg_list("$divide", values, 2, 2))
    if _is_number(a) and _is_number(b):
        if isinstance(a, Decimal128) or isinstance(b, Decimal128):
            denominator = _coerce_decimal(b)
            if denominator.is_zero():
                raise OperationFailure("can't $divide by zero", _BAD_VALUE)
            return _decimal128(_DECIMAL128.divide(_coerce_decimal(a), denominator))
        if float(b) == 0:
            raise OperationFailure("can't $divide by zero", _BAD_VALUE)
        return float(a) / float(b)
    if _nullish(a) or _nullish(b):
        return None
    raise OperationFailure(f"$divide only supports numeric types, not {_type_name(a)} "
                           f"and {_type_name(b)}", _TYPE_MISMATCH)


def _mod(parser: Any, values: Any, original: Callable) -> Any:
    # doc: output type is the larger input type; the remainder takes the dividend's sign;
    # a decimal operand gives a decimal; modulo zero is an error; null/missing -> null.
    a, b = (parser.parse(arg) for arg in _arg_list("$mod", values, 2, 2))
    if _is_number(a) and _is_number(b):
        if isinstance(a, Decimal128) or isinstance(b, Decimal128):
            divisor = _coerce_decimal(b)
            if divisor.is_zero():
                raise OperationFailure("can't $mod by zero", 5733415)
            return _decimal128(_DECIMAL128.remainder(_coerce_decimal(a), divisor))
        if float(b) == 0:
            raise OperationFailure("can't $mod by zero", 16610)
        if isinstance(a, float) or isinstance(b, float):
            try:
                return math.fmod(a, b)
            except ValueError:  # fmod(Infinity, x) is NaN in C
                return math.nan
        remainder = abs(a) % abs(b)
        return -remainder if a < 0 else remainder
    if _nullish(a) or _nullish(b):
        return None
    raise OperationFailure(f"$mod only supports numeric types, not {_type_name(a)} "
                           f"and {_type_name(b)}", 16611)


def _abs(number: Any) -> Any:
    if isinstance(number, Decimal128):
        return Decimal128(number.to_decimal().copy_abs())
    if isinstance(number, int) and number == _INT64_MIN:
        raise OperationFailure("can't take $abs of long long min", 28680)
    return abs(number)


def _ceil_or_floor(rounding: str, function: Callable) -> Callable:
    def apply(number: Any) -> Any:
        # Server: a double stays a double; a decimal is quantized to a whole number;
        # an int or long is returned as it is.
        if isinstance(number, Decimal128):
            return _decimal128(number.to_decimal().quantize(
                decimal.Decimal(1), rounding=rounding, context=_DECIMAL128))
        if isinstance(number, float):
            return math.copysign(float(function(number)), number) if math.isfinite(number) \
                else number
        return number

    return apply


def _numeric_argument(op: str, function: Callable) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: one number; null or missing -> null; another type is an error.
        value = parser.parse(_single(op, values))
        if _nullish(value):
            return None
        if not _is_number(value):
            raise OperationFailure(f"{op} only supports numeric types, "
                                   f"not {_type_name(value)}", 28765)
        return function(value)

    return handler


def _rand(parser: Any, values: Any, original: Callable) -> float:
    # doc: {$rand: {}} returns a random double in [0, 1), a new one each evaluation.
    if not isinstance(values, dict):
        raise OperationFailure("invalid parameter: expected an object ($rand)", 10065)
    if values:
        raise OperationFailure("$rand does not currently accept arguments", 3040501)
    return _RANDOM.random()


# ------------------------------------------------------------------ trigonometry

# Server (expression_trigonometric.cpp): a double (or an int/long converted to one) goes
# through the C library function; a decimal through Decimal128 (34 digits); the bounded
# functions check their domain first (error 50989) and return NaN unchanged.
_TRIG_BOUNDS_ERROR = 50989
_DOUBLE_PI_OVER_180 = math.pi / 180.0
_DOUBLE_180_OVER_PI = 180.0 / math.pi
# decimal128.cpp: kPi is parsed from 51 digits (so rounded to 34), kPiOver180 = kPi / 180
# and k180OverPi = 180 / kPi, each rounded to 34 digits.
_DECIMAL_PI = _DECIMAL128.create_decimal("3.14159265358979323846264338327950288419716939937510")
_DECIMAL_PI_OVER_180 = _DECIMAL128.divide(_DECIMAL_PI, 180)
_DECIMAL_180_OVER_PI = _DECIMAL128.divide(decimal.Decimal(180), _DECIMAL_PI)


def _working_context(precision: int) -> decimal.Context:
    return decimal.Context(prec=precision, rounding=decimal.ROUND_HALF_EVEN,
                           Emax=999_999, Emin=-999_999, traps=[])


@functools.lru_cache(maxsize=16)
def _pi_at(precision: int) -> decimal.Decimal:
    """Pi to ``precision`` digits (Machin's formula in integers)."""
    scale = 10 ** (precision + 10)

    def arctan_inverse(n: int) -> int:  # atan(1/n) * scale
        total = term = scale // n
        square, k, sign = n * n, 1, 1
        while term:
            term //= square
            k, sign = k + 2, -sign
            total += sign * (term // k)
        return total

    digits = 4 * (4 * arctan_inverse(5) - arctan_inverse(239))
    return _working_context(precision).divide(decimal.Decimal(digits), decimal.Decimal(scale))


def _pi() -> decimal.Decimal:
    """Pi at the current context's precision (rounded up to a multiple of 50 for the cache)."""
    precision = decimal.getcontext().prec
    return +_pi_at(-(-precision // 50) * 50)


def _series(first: decimal.Decimal, step: Callable[[decimal.Decimal, int], decimal.Decimal]
            ) -> decimal.Decimal:
    """The sum of first + step(first, 1) + step(step(...), 2) ... until a term adds nothing."""
    total, term, n = first, first, 1
    while True:
        term = step(term, n)
        if not term or total + term == total:
            return total
        total, n = total + term, n + 1


def _sin_cos(x: decimal.Decimal) -> tuple[decimal.Decimal, decimal.Decimal]:
    """sin and cos of a finite x: reduced by multiples of pi/2 (with as many more digits as x
    has before the point), then Taylor series on [-pi/4, pi/4]."""
    context = decimal.getcontext()
    with decimal.localcontext(_working_context(context.prec + max(0, x.adjusted()) + 5)):
        half_pi = _pi() / 2
        quarters = (x / half_pi).to_integral_value(rounding=decimal.ROUND_HALF_EVEN)
        reduced = x - quarters * half_pi
    square = reduced * reduced
    sine = _series(reduced, lambda term, n: -term * square / ((2 * n) * (2 * n + 1)))
    cosine = _series(decimal.Decimal(1), lambda term, n: -term * square / ((2 * n - 1) * (2 * n)))
    quadrant = int(quarters) % 4
    return [(sine, cosine), (cosine, -sine), (-sine, -cosine), (-cosine, sine)][quadrant]


def _atan(x: decimal.Decimal) -> decimal.Decimal:
    if x.is_infinite():
        return (_pi() / 2).copy_sign(x)
    sign, x = x, abs(x)
    inverted = x > 1
    if inverted:
        x = 1 / x
    halvings = 0
    while x > decimal.Decimal("0.1"):  # atan(x) = 2 atan(x / (1 + sqrt(1 + x^2)))
        x = x / (1 + (1 + x * x).sqrt())
        halvings += 1
    square = x * x
    result = _series(x, lambda term, n: -term * square * (2 * n - 1) / (2 * n + 1)) * 2 ** halvings
    if inverted:
        result = _pi() / 2 - result
    return result.copy_sign(sign)


def _log1p(x: decimal.Decimal) -> decimal.Decimal:
    """ln(1 + x), without losing the digits of a small x."""
    if abs(x) >= decimal.Decimal("0.01"):
        return (1 + x).ln()
    return _series(x, lambda term, n: -term * x * n / (n + 1))


def _sinh_small(x: decimal.Decimal) -> decimal.Decimal:
    square = x * x
    return _series(x, lambda term, n: term * square / ((2 * n) * (2 * n + 1)))


def _decimal_sin(x: decimal.Decimal) -> decimal.Decimal:
    return _sin_cos(x)[0]


def _decimal_cos(x: decimal.Decimal) -> decimal.Decimal:
    return _sin_cos(x)[1]


def _decimal_tan(x: decimal.Decimal) -> decimal.Decimal:
    sine, cosine = _sin_cos(x)
    return sine / cosine


def _decimal_asin(x: decimal.Decimal) -> decimal.Decimal:
    if abs(x) == 1:
        return (_pi() / 2).copy_sign(x)
    return _atan(x / ((1 - x) * (1 + x)).sqrt())


def _decimal_acos(x: decimal.Decimal) -> decimal.Decimal:
    if x == -1:
        return _pi()
    return 2 * _atan(((1 - x) / (1 + x)).sqrt())  # no cancellation near 1


def _decimal_sinh(x: decimal.Decimal) -> decimal.Decimal:
    if x.is_infinite() or abs(x) > 20_000:  # beyond the largest Decimal128
        return decimal.Decimal("Infinity").copy_sign(x)
    if abs(x) < 1:
        return _sinh_small(x)
    return (x.exp() - (-x).exp()) / 2


def _decimal_cosh(x: decimal.Decimal) -> decimal.Decimal:
    if x.is_infinite() or abs(x) > 20_000:
        return decimal.Decimal("Infinity")
    return (x.exp() + (-x).exp()) / 2


def _decimal_tanh(x: decimal.Decimal) -> decimal.Decimal:
    if x.is_infinite() or abs(x) > 20_000:
        return decimal.Decimal(1).copy_sign(x)
    if abs(x) < 1:
        sinh = _sinh_small(x)
        return sinh / (1 + sinh * sinh).sqrt()
    small = (-2 * abs(x)).exp()
    return ((1 - small) / (1 + small)).copy_sign(x)


def _decimal_asinh(x: decimal.Decimal) -> decimal.Decimal:
    if x.is_infinite():
        return x
    magnitude = abs(x)
    if magnitude < decimal.Decimal("0.5"):  # asinh x = sum (-1)^n (2n)!/(4^n n!^2 (2n+1)) x^(2n+1)
        square = x * x
        coefficients = _series(x, lambda term, n: -term * square * (2 * n - 1) * (2 * n - 1)
                               / ((2 * n) * (2 * n + 1)))
        return coefficients
    return (magnitude + (magnitude * magnitude + 1).sqrt()).ln().copy_sign(x)


def _decimal_acosh(x: decimal.Decimal) -> decimal.Decimal:
    if x.is_infinite():
        return x
    excess = x - 1  # acosh x = log1p(d + sqrt(d (2 + d))), d = x - 1
    return _log1p(excess + (excess * (2 + excess)).sqrt())


def _decimal_atanh(x: decimal.Decimal) -> decimal.Decimal:
    if abs(x) == 1:  # the poles: +/-Infinity, as in IEEE 754
        return decimal.Decimal("Infinity").copy_sign(x)
    return _log1p(2 * x / (1 - x)) / 2


def _decimal_atan2(y: decimal.Decimal, x: decimal.Decimal) -> decimal.Decimal:
    # C99 atan2 (the IEEE 754 special cases), as bid128_atan2.
    if y.is_nan() or x.is_nan():
        return decimal.Decimal("NaN")
    if y.is_infinite():
        if x.is_infinite():
            return (_pi() / 4 if x > 0 else 3 * _pi() / 4).copy_sign(y)
        return (_pi() / 2).copy_sign(y)
    if x.is_infinite():
        return (decimal.Decimal(0) if x > 0 else _pi()).copy_sign(y)
    if y.is_zero():
        return _pi().copy_sign(y) if x.is_signed() else y
    if x.is_zero():
        return (_pi() / 2).copy_sign(y)
    angle = _atan(abs(y / x))
    return (angle if x > 0 else _pi() - angle).copy_sign(y)


def _decimal_function(function: Callable, *args: decimal.Decimal) -> Decimal128:
    """``function`` correctly rounded to 34 digits: evaluated with more and more guard
    digits until two evaluations round alike (Ziv's strategy)."""
    previous = None
    for guard in (20, 40, 80, 160, 320, 640):
        with decimal.localcontext(_working_context(34 + guard)):
            value = function(*args)
        rounded = _DECIMAL128.create_decimal(value)
        if previous is not None and rounded.as_tuple() == previous.as_tuple():
            break
        previous = rounded
    return Decimal128(rounded)


def _overflowing(function: Callable, overflow: Callable[[float], float]) -> Callable:
    """A C library function: where Python raises OverflowError, C returns +/-HUGE_VAL."""
    def apply(x: float) -> float:
        try:
            return function(x)
        except OverflowError:
            return overflow(x)

    return apply


def _double_atanh(x: float) -> float:
    if abs(x) == 1:  # C: atanh(+/-1) is +/-Infinity (a pole error, no exception)
        return math.copysign(math.inf, x)
    return math.atanh(x)


_INF = math.inf
# op: (double function, decimal function, bounds and whether they are inclusive, or None).
_TRIG_FUNCTIONS: dict[str, tuple[Callable, Callable, tuple | None]] = {
    "$sin": (math.sin, _decimal_sin, (-_INF, _INF, False)),
    "$cos": (math.cos, _decimal_cos, (-_INF, _INF, False)),
    "$tan": (math.tan, _decimal_tan, (-_INF, _INF, False)),
    "$asin": (math.asin, _decimal_asin, (-1.0, 1.0, True)),
    "$acos": (math.acos, _decimal_acos, (-1.0, 1.0, True)),
    "$atanh": (_double_atanh, _decimal_atanh, (-1.0, 1.0, True)),
    "$acosh": (math.acosh, _decimal_acosh, (1.0, _INF, True)),
    "$atan": (math.atan, _atan, None),
    "$sinh": (_overflowing(math.sinh, lambda x: math.copysign(_INF, x)), _decimal_sinh, None),
    "$cosh": (_overflowing(math.cosh, lambda x: _INF), _decimal_cosh, None),
    "$tanh": (math.tanh, _decimal_tanh, None),
    "$asinh": (math.asinh, _decimal_asinh, None),
}


def _trigonometric(op: str) -> Callable:
    double_function, decimal_function, bounds = _TRIG_FUNCTIONS[op]

    def check_bounds(value: Any, shown: str) -> None:
        low, high, inclusive = bounds
        inside = low <= value <= high if inclusive else low < value < high
        if not inside:
            brackets = "[]" if inclusive else "()"
            raise OperationFailure(f"cannot apply {op} to {shown}, value must in "
                                   f"{brackets[0]}{low:g},{high:g}{brackets[1]}",
                                   _TRIG_BOUNDS_ERROR)

    def apply(number: Any) -> Any:
        # doc: null/missing -> null (_numeric_argument); NaN -> NaN; a decimal gives a
        # decimal, any other number a double; out of the domain (an infinity for
        # $sin/$cos/$tan) is an error.
        if isinstance(number, Decimal128):
            value = number.to_decimal()
            if value.is_nan():
                return number
            if bounds:
                check_bounds(value, str(value))
            if value.is_zero() and op not in ("$cos", "$cosh", "$acos", "$acosh"):
                return number  # an odd function: f(+/-0) = +/-0
            return _decimal_function(decimal_function, value)
        value = float(number)
        if value != value:
            return value
        if bounds:
            check_bounds(value, f"{value:g}")
        return double_function(value)

    return _numeric_argument(op, apply)


def _atan2(parser: Any, values: Any, original: Callable) -> Any:
    # doc: {$atan2: [y, x]}; null or missing -> null; a decimal operand gives a decimal
    # (the other one converted), else a double. Server: ExpressionTwoNumericArgs.
    args = _arg_list("$atan2", values, 2, 2)
    numbers = []
    for code, arg in zip((51044, 51045), args):
        value = parser.parse(arg)
        if _nullish(value):
            return None
        if not _is_number(value):
            raise OperationFailure(f"$atan2 only supports numeric types, not {_type_name(value)}",
                                   code)
        numbers.append(value)
    y, x = numbers
    if isinstance(y, Decimal128) or isinstance(x, Decimal128):
        return _decimal_function(_decimal_atan2, _coerce_decimal(y), _coerce_decimal(x))
    return math.atan2(float(y), float(x))


def _angle_conversion(op: str, decimal_factor: decimal.Decimal, double_factor: float) -> Callable:
    def apply(number: Any) -> Any:
        # doc: null -> null, NaN -> NaN, +/-Infinity -> +/-Infinity; a decimal stays a
        # decimal (times pi/180 or 180/pi in Decimal128), anything else gives a double.
        if isinstance(number, Decimal128):
            return _decimal128(_DECIMAL128.multiply(number.to_decimal(), decimal_factor))
        return float(number) * double_factor

    return _numeric_argument(op, apply)


_TRIG_OPERATORS = (*_TRIG_FUNCTIONS, "$atan2", "$degreesToRadians", "$radiansToDegrees")


def _type(parser: Any, values: Any, original: Callable) -> Any:
    # doc: the BSON type alias of the argument ("decimal", "long", ...); "missing".
    value = parser.parse(_single("$type", values))
    name = _type_name(value)
    return name if name in _TYPE_ALIASES else original(_literal(value))


def _expression_accumulator(op: str) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc ($sum/$avg/$min/$max in expressions): with one operand, an array is
        # traversed (its elements are the values); with a list of operands, each operand
        # is a value and an array is not a number. Non-numbers (and nulls for $min/$max)
        # are ignored, as in $group.
        args = values if isinstance(values, list) else [values]
        parsed = [parser.parse(arg) for arg in args]
        if len(parsed) == 1 and isinstance(parsed[0], list):
            parsed = parsed[0]
        return _ACCUMULATORS[op]([value for value in parsed if value is not _NOTHING])

    return handler


def _round_or_trunc(op: str, rounding: str) -> Callable:
    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: null/missing -> null; NaN and +/-Infinity unchanged; -20 < place < 100;
        # the result has the input's type; $round rounds a 5 to the even digit.
        args = _arg_list(op, values, 1, 2)
        number = parser.parse(args[0])
        place = parser.parse(args[1]) if len(args) > 1 else 0
        if _nullish(number) or _nullish(place):
            return None
        if not _is_number(number):
            raise OperationFailure(f"{op} only supports numeric types, "
                                   f"not {_type_name(number)}")
        digits = _whole(place)
        if digits is None:
            raise OperationFailure(f"precision argument to {op} must be a integral value")
        if not -20 < digits < 100:
            raise OperationFailure(f"cannot apply {op} with precision value {digits}: "
                                   "value must be in (-20, 100)")
        return _quantize(number, digits, rounding)

    return handler


_WIDE = decimal.Context(prec=800, Emax=999_999, Emin=-999_999)


def _quantize(number: Any, place: int, rounding: str) -> Any:
    """``number`` rounded at 10**-place, keeping its type (the server goes through Decimal128)."""
    quantum = decimal.Decimal(1).scaleb(-place)
    if isinstance(number, int):
        if place >= 0:
            return number
        return int(decimal.Decimal(number).quantize(quantum, rounding=rounding, context=_WIDE))
    if isinstance(number, float):
        if not math.isfinite(number):
            return number
        value = decimal.Context(prec=34).create_decimal(number)  # the double as a Decimal128
    else:
        value = number.to_decimal()
        if not value.is_finite():
            return number
    if value.as_tuple().exponent >= -place:  # already whole at that place
        return number
    result = value.quantize(quantum, rounding=rounding, context=_WIDE)
    return float(result) if isinstance(number, float) else Decimal128(result)


def _not(parser: Any, values: Any, original: Callable) -> bool:
    # doc: {$not: [<expression>]}; false, null, 0 and missing are false, the rest true.
    return not parser._parse_to_bool(_single("$not", values))


def _to_string(parser: Any, values: Any, original: Callable) -> Any:
    # doc: null or missing -> null; a date -> "2018-03-27T16:58:51.538Z".
    value = parser.parse(_single("$toString", values))
    if _nullish(value):
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return original(_literal(value))


def _to_bool(parser: Any, values: Any, original: Callable) -> Any:
    # doc: null/missing -> null; numbers -> non-zero; every other type -> true.
    value = parser.parse(_single("$toBool", values))
    return type(parser)._handle_type_convertion_to_bool(parser, _literal(value))


# ------------------------------------------------------------------ $convert, $toInt ..., $getField

_CONVERSION_FAILURE, _FAILED_TO_PARSE = 241, 9  # error_codes.yml: ConversionFailure, FailedToParse
_CONVERT_FIELDS = ("input", "to", "onError", "onNull")
_TO_OPERATORS = {"$toInt": "int", "$toLong": "long", "$toDouble": "double", "$toDecimal": "decimal",
                 "$toDate": "date", "$toObjectId": "objectId"}


def _target_type(to: Any) -> str:
    """The type alias named by $convert's ``to`` (server: computeTargetType)."""
    if isinstance(to, str):
        if to not in _TYPE_CODES.values():
            raise OperationFailure(f"Unknown type name: {to}", _BAD_VALUE)
        return to
    if _is_number(to):
        code = _whole(to)
        if code is None:
            raise OperationFailure("In $convert, numeric 'to' argument is not an integer",
                                   _FAILED_TO_PARSE)
        if code not in _TYPE_CODES:
            raise OperationFailure(f"In $convert, numeric value for 'to' does not correspond to a "
                                   f"BSON type: {code}", _FAILED_TO_PARSE)
        return _TYPE_CODES[code]
    raise OperationFailure(f"$convert's 'to' argument must be a string or number, but is "
                           f"{_type_name(to)}", _FAILED_TO_PARSE)


def _convert_value(parser: Any, value: Any, target: str) -> Any:
    """``value`` (not null) converted by the engine's handler for ``target``; a value it cannot
    convert is a ConversionFailure (the error that $convert's onError catches)."""
    handler = type(parser)._CONVERT_TO_HANDLERS.get(target)
    if handler is None:
        raise OperationFailure(f"Unsupported conversion from {_type_name(value)} to {target} in "
                               "$convert with no onError value", _CONVERSION_FAILURE)
    try:
        return handler(parser, _literal(value))
    except (OperationFailure, ValueError, TypeError, ArithmeticError) as error:
        raise OperationFailure(f"Failed to convert {_type_name(value)} {value!r} to {target} in "
                               f"$convert with no onError value: {error}",
                               _CONVERSION_FAILURE) from error


def _convert(parser: Any, values: Any, original: Callable) -> Any:
    # doc: {input, to, onError, onNull}; input null or missing -> onNull (default null);
    # to null or missing -> null; a failed conversion -> onError if given, else an error.
    # Server: ExpressionConvert::evaluate (to, then input; onNull/onError evaluated lazily).
    if not isinstance(values, dict):
        raise OperationFailure(f"$convert expects an object of named arguments but found: "
                               f"{_type_name(values)}")
    for name in values:
        if name not in _CONVERT_FIELDS:
            raise OperationFailure(f"$convert found an unknown argument: {name}")
    for name in ("input", "to"):
        if name not in values:
            raise OperationFailure(f"Missing '{name}' parameter to $convert")
    to = parser.parse(values["to"])
    value = parser.parse(values["input"])
    target = None if _nullish(to) else _target_type(to)
    if _nullish(value):
        return parser.parse(values["onNull"]) if "onNull" in values else None
    if target is None:
        return None
    try:
        return _convert_value(parser, value, target)
    except OperationFailure as error:
        if error.code == _CONVERSION_FAILURE and "onError" in values:
            return parser.parse(values["onError"])
        raise


def _to_type(op: str) -> Callable:
    target = _TO_OPERATORS[op]

    def handler(parser: Any, values: Any, original: Callable) -> Any:
        # doc: {$toInt: <expression>} is {$convert: {input: <expression>, to: "int"}}:
        # null or missing -> null; a value that cannot be converted is an error.
        value = parser.parse(_single(op, values))
        return None if _nullish(value) else _convert_value(parser, value, target)

    return handler


def _is_constant(expression: Any) -> bool:
    """Whether an expression reads no field or variable (what the server folds to a constant)."""
    if isinstance(expression, str):
        return not expression.startswith("$")
    if isinstance(expression, list):
        return all(_is_constant(item) for item in expression)
    if isinstance(expression, dict):
        if len(expression) == 1 and next(iter(expression)) in ("$literal", "$const"):
            return True
        return "$rand" not in expression and all(_is_constant(v) for v in expression.values())
    return True


def _get_field(parser: Any, values: Any, original: Callable) -> Any:
    # doc: {$getField: {field: <string constant expression>, input: <expression> =
    # $$CURRENT}} or {$getField: <field>}; input null or missing -> null, not a document ->
    # error; a field the input lacks -> missing; no traversal of "a.b" or arrays.
    if isinstance(values, dict) and not (values and next(iter(values)).startswith("$")):
        for name in values:
            if name not in ("field", "input"):
                raise OperationFailure(f"$getField found an unknown argument: {name}", 3041701)
        if "field" not in values:
            raise OperationFailure("$getField requires 'field' to be specified", 3041702)
        field_expression, input_expression = values["field"], values.get("input", "$$CURRENT")
    else:
        field_expression, input_expression = values, "$$CURRENT"
    if not _is_constant(field_expression):
        raise OperationFailure("$getField requires 'field' to evaluate to a constant, but got a "
                               "non-constant argument", 5654602)
    field = parser.parse(field_expression)
    if not isinstance(field, str):
        raise OperationFailure(f"$getField requires 'field' to evaluate to type String, but got "
                               f"{_type_name(field)}", 5654601)
    document = parser.parse(input_expression)
    if _nullish(document):
        return None
    if not isinstance(document, Mapping) or isinstance(document, DBRef):
        raise OperationFailure(f"$getField requires 'input' to evaluate to type Object, but got "
                               f"{_type_name(document)}", 3041705)
    return document.get(field, _NOTHING)


# doc (BSON types): number codes of the $type query operator, by alias.
_TYPE_CODES = {1: "double", 2: "string", 3: "object", 4: "array", 5: "binData", 6: "undefined",
               7: "objectId", 8: "bool", 9: "date", 10: "null", 11: "regex", 12: "dbPointer",
               13: "javascript", 14: "symbol", 15: "javascriptWithScope", 16: "int",
               17: "timestamp", 18: "long", 19: "decimal", -1: "minKey", 127: "maxKey"}


_TYPE_ALIASES = frozenset(_TYPE_CODES.values()) | {"missing"}


def _wrap_type_op(original: Callable) -> Callable:
    def type_op(doc_val: Any, search_val: Any, in_array: bool = False) -> bool:
        # doc: {$type: <alias | number | [types]>}; {$type: "null"} matches a null
        # value (or an array holding one), not a missing field.
        if isinstance(search_val, list):
            return any(type_op(doc_val, one, in_array) for one in search_val)
        if _is_number(search_val) and not isinstance(search_val, Decimal128):
            search_val = _TYPE_CODES.get(search_val, search_val)
        return original(doc_val, search_val, in_array)

    setattr(type_op, _MARK, True)
    return type_op


def _wrap_to_decimal(original: Callable) -> Callable:
    if getattr(original, _MARK, False):
        return original

    def to_decimal(self: Any, values: Any) -> Any:
        # doc ($toDecimal): {$toDecimal: 2.5} -> Decimal128("2.50000000000000"): a double
        # keeps 15 significant digits (the engine kept 14 decimal places).
        value = self.parse(values)
        if isinstance(value, float):
            return _decimal128(_double_to_decimal(value))
        return original(self, _literal(value))

    setattr(to_decimal, _MARK, True)
    return to_decimal


# ------------------------------------------------------------------ update operators


def _field_of(doc: Any, field_name: str) -> tuple[bool, Any]:
    """Whether ``field_name`` is in ``doc`` (a document or an array), and its value."""
    if isinstance(doc, MutableMapping):
        return field_name in doc, doc.get(field_name)
    index = int(field_name)
    if index < 0:
        raise WriteError("Negative index provided", 2)
    return index < len(doc), doc[index] if index < len(doc) else None


def _set_field(doc: Any, field_name: str, value: Any) -> None:
    if isinstance(doc, MutableMapping):
        doc[field_name] = value
        return
    index = int(field_name)
    doc.extend([None] * (index + 1 - len(doc)))  # the server pads an array with nulls
    doc[index] = value


def _arithmetic_updater(op: str) -> Callable:
    verb = {"$inc": "increment", "$mul": "multiply"}[op]

    def updater(doc: Any, field_name: str, value: Any, codec_options: Any = None) -> None:
        # doc ($inc/$mul): the value must be a number; a missing field is set to the value
        # ($inc) or to zero of the value's type ($mul); a field holding a non-number (null
        # too) is an error; the result follows the arithmetic type rules (int, long,
        # double, decimal; an int32 overflow gives a long, a long overflow is an error).
        if not _is_number(value):
            raise WriteError(f"Cannot {verb} with non-numeric argument: "
                             f"{{{field_name}: {value!r}}}", 14)
        if not isinstance(doc, (MutableMapping, list)):
            return
        present, current = _field_of(doc, field_name)
        if not present:
            current = value if op == "$mul" else 0
            value = 0 if op == "$mul" else value
        elif not _is_number(current):
            raise WriteError(f"Cannot apply {op} to a value of non-numeric type. The field "
                             f"'{field_name}' has non-numeric type {_type_name(current)}", 14)
        if isinstance(current, Decimal128) or isinstance(value, Decimal128):
            combine = _DECIMAL128.add if op == "$inc" else _DECIMAL128.multiply
            result: Any = _decimal128(combine(_coerce_decimal(current), _coerce_decimal(value)))
        elif isinstance(current, float) or isinstance(value, float):
            a, b = float(current), float(value)
            result = a + b if op == "$inc" else a * b
        else:
            result = current + value if op == "$inc" else current * value
            if not _fits_long(result):
                raise WriteError(f"Failed to apply {op} operations to current value "
                                 f"({_type_name(current)}){current}", 2)
        _set_field(doc, field_name, result)

    setattr(updater, _MARK, True)
    return updater


def _extreme_updater(sign: int) -> Callable:
    def updater(doc: Any, field_name: str, value: Any, codec_options: Any = None) -> None:
        # doc ($min/$max): sets the field when it is missing or when the value is less
        # (greater) in BSON comparison order; numbers compare by value across types.
        if not isinstance(doc, (MutableMapping, list)):
            return
        present, current = _field_of(doc, field_name)
        if not present or _compare(value, current) * sign > 0:
            _set_field(doc, field_name, value)

    setattr(updater, _MARK, True)
    return updater


# ------------------------------------------------------------------ $$NOW and $$CLUSTER_TIME


class _Clock:
    """The time of one command: read once, then the same for every stage and document."""

    __slots__ = ("_now",)

    def __init__(self) -> None:
        self._now: datetime.datetime | None = None

    def now(self) -> datetime.datetime:
        # doc (NOW): the current datetime, the same throughout the command. A BSON
        # date: UTC with millisecond precision (naive, as the engine stores dates).
        if self._now is None:
            now = datetime.datetime.now(datetime.timezone.utc)
            self._now = now.replace(microsecond=now.microsecond // 1000 * 1000, tzinfo=None)
        return self._now

    def cluster_time(self) -> Timestamp:
        # doc (CLUSTER_TIME): the current timestamp value, the same throughout the command.
        return Timestamp(int(self.now().replace(tzinfo=datetime.timezone.utc).timestamp()), 1)


_clock: contextvars.ContextVar[_Clock | None] = contextvars.ContextVar(
    "mongodbapi_embedded_clock", default=None)


@contextlib.contextmanager
def _command_clock() -> Iterator[None]:
    """One clock for the command being run; a nested call shares the outer command's."""
    if _clock.get() is not None:
        yield
        return
    token = _clock.set(_Clock())
    try:
        yield
    finally:
        _clock.reset(token)


def _wrap_process_pipeline(original: Callable) -> Callable:
    """``process_pipeline`` as one command (see :func:`_one_clock`) over a list.

    The engine's ``$lookup`` with ``from`` and ``pipeline`` hands the foreign
    documents over as a generator; stage handlers that read their input twice
    (``$project``, ``$addFields``) or slice it (``$limit``, ``$skip``) then see
    nothing or fail. Every stage handler returns a list, so a list on entry
    gives every stage a list.
    """
    if getattr(original, _MARK, False):
        return original

    @functools.wraps(original)
    def process_pipeline(collection: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(collection, list):
            collection = list(collection)
        with _command_clock():
            return original(collection, *args, **kwargs)

    setattr(process_pipeline, _MARK, True)
    return process_pipeline


def _one_clock(method: Callable) -> Callable:
    """``method`` runs as one command: $$NOW has one value throughout."""
    if getattr(method, _MARK, False):
        return method

    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        with _command_clock():
            return method(*args, **kwargs)

    setattr(run, _MARK, True)
    return run


# Engine methods that run one command each (Collection.aggregate: see
# _wrap_collection_aggregate). A find cursor evaluates its filter in
# Cursor._compute_results, after Collection.find has returned.
_COMMAND_METHODS = {
    "Collection": ("find_one", "find_one_and_delete", "find_one_and_replace",
                   "find_one_and_update", "update_one", "update_many", "replace_one",
                   "delete_one", "delete_many", "count_documents", "distinct", "bulk_write",
                   "find_and_modify", "update", "remove", "count"),
    "Cursor": ("_compute_results", "distinct"),
}
_SYSTEM_VARIABLES = {"NOW": _Clock.now, "CLUSTER_TIME": _Clock.cluster_time}


def _wrap_basic_expression(original: Callable) -> Callable:
    @functools.wraps(original)
    def parse_basic(self: Any, expression: Any) -> Any:
        # doc (Variables in Aggregation Expressions): "$$NOW" and "$$CLUSTER_TIME";
        # "$$<variable>.<field>" reads into the value like any variable.
        if isinstance(expression, str) and expression.startswith("$$"):
            name = expression[2:].split(".", 1)[0]
            if name in _SYSTEM_VARIABLES:
                value = _SYSTEM_VARIABLES[name](_clock.get() or _Clock())
                return _helpers.get_value_by_dot({name: value}, expression[2:],
                                                 can_generate_array=True)
        return original(self, expression)

    setattr(parse_basic, _MARK, True)
    return parse_basic


# ------------------------------------------------------------------ $dateTrunc

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
        raise OperationFailure(f"timezone must evaluate to a string, found {_type_name(value)}")
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


def _epoch_millis(value: Any) -> int | None:
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
        reference = _epoch_millis(_REFERENCE) - int(
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
    return _epoch_millis(midnight)


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
    if any(_nullish(given[name]) for name in ("date", "unit", "binSize", "timezone")
           if name in given):
        return None
    unit = given["unit"]
    if not isinstance(unit, str):
        raise OperationFailure(f"$dateTrunc requires 'unit' to be a string, "
                               f"but got {_type_name(unit)}")
    if unit not in _TRUNC_UNITS:
        raise OperationFailure(f"$dateTrunc parameter 'unit' value cannot be recognized "
                               f"as a time unit: {unit}")
    start_of_week = _WEEKDAYS["sunday"]
    if unit == "week" and "startOfWeek" in given:
        name = given["startOfWeek"]
        if _nullish(name):
            return None
        if not isinstance(name, str):
            raise OperationFailure(f"$dateTrunc requires 'startOfWeek' to be a string, "
                                   f"but got {_type_name(name)}")
        if name.lower() not in _WEEKDAYS:
            raise OperationFailure(f"$dateTrunc parameter 'startOfWeek' value cannot be "
                                   f"recognized as a day of a week: {name}")
        start_of_week = _WEEKDAYS[name.lower()]
    date = given["date"]
    millis = _epoch_millis(date)
    if millis is None:
        raise OperationFailure(f"$dateTrunc requires 'date' to be a date, "
                               f"but got {_type_name(date)}")
    bin_size = given.get("binSize", 1)
    whole = _whole(bin_size)
    if whole is None or not -(2**63) <= whole < 2**63:
        raise OperationFailure(f"$dateTrunc requires 'binSize' to be a 64-bit integer, but got "
                               f"value '{bin_size}' of type {_type_name(bin_size)}")
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


# ------------------------------------------------------------------ date parts

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
    millis = _epoch_millis(value)
    if millis is None:
        raise OperationFailure(f"can't convert from BSON type {_type_name(value)} to Date", 16006)
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
    if _nullish(name):
        return None
    if not isinstance(name, str):
        raise OperationFailure(f"timezone must evaluate to a string, found {_type_name(name)}",
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
        if _nullish(date):
            return None
        millis = _date_millis(date)
        zone: datetime.tzinfo = datetime.timezone.utc
        if zone_expression is not _ABSENT:
            name = parser.parse(zone_expression)
            if _nullish(name):
                return None
            if not isinstance(name, str):
                raise OperationFailure(f"{op} requires a string for the timezone argument, but "
                                       f"was given a {_type_name(name)} ({name!r})", 40533)
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
        if _nullish(iso8601):
            return None
        if not isinstance(iso8601, bool):
            raise OperationFailure(f"iso8601 must evaluate to a bool, found "
                                   f"{_type_name(iso8601)}", 40521)
    if _nullish(date):
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
        if _nullish(value):
            return None
        whole = _whole(value)
        if whole is None or not _fits_long(whole):
            raise OperationFailure(f"'{name}' must evaluate to an integer, found "
                                   f"{_type_name(value)} with value {value}", 40515)
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


_DATE_OPERATOR_OVERRIDES = {**{op: _date_part(op) for op in _DATE_PARTS},
                            "$dateToParts": _date_to_parts, "$dateFromParts": _date_from_parts}


# ------------------------------------------------------------------ $range

_INT32_RANGE = range(-(2**31), 2**31)


def _range(parser: Any, values: Any, original: Callable) -> list[int]:
    # doc: {$range: [<start>, <end>, <non-zero step> = 1]}; each operand must be an
    # integer (a number holding a 32-bit integral value: 2.0 is accepted); the end is
    # exclusive; a step that moves away from the end gives [].
    args = [parser.parse(arg) for arg in _arg_list("$range", values, 2, 3)]
    bounds = []
    for what, article, value in zip(("starting", "ending", "step"), ("a", "an", "a"), args):
        if not _is_number(value):
            raise OperationFailure(f"$range requires a numeric {what} value, "
                                   f"found value of type: {_type_name(value)}")
        whole = _whole(value)
        if whole is None or whole not in _INT32_RANGE:
            raise OperationFailure(f"$range requires {article} {what} value that can be "
                                   f"represented as a 32-bit integer, found value: {value}")
        bounds.append(whole)
    if len(bounds) == 3 and bounds[2] == 0:
        raise OperationFailure("$range requires a non-zero step value")
    return list(range(*bounds))


# ------------------------------------------------------------------ $group / $count on no input


def _wrap_group(original: Callable) -> Callable:
    def group(in_collection: Any, database: Any, options: Any, user_vars: Any) -> Any:
        # doc ($group, Missing Values in $first): "If there are no documents from the
        # prior pipeline stage, the $group stage returns nothing", also with _id: null
        # (the engine made one document of empty accumulators).
        documents = list(in_collection)
        if not documents or not isinstance(options, dict) or options.get("_id") is None:
            result = original(documents, database, options, user_vars)
            return result if documents else []
        # doc ($group): documents with equal _id values (BSON equality: 1, 1.0 and
        # Decimal128("1") are one group, true and 1 are two) form one group. The engine
        # grouped by Python equality, which merged true with 1 and split 1 from 1.0.
        keyed = []
        for document in documents:
            key = _aggregate._parse_expression(options["_id"], document, user_vars=user_vars)
            keyed.append((None if key is _NOTHING else key, document))
        keyed.sort(key=lambda pair: _filtering.BsonComparable(pair[0]))
        groups: list[tuple[Any, list]] = []
        for key, document in keyed:
            if groups and _same(key, groups[-1][0]):
                groups[-1][1].append(document)
            else:
                groups.append((key, [document]))
        result = []
        for key, members in groups:
            fields = _aggregate._accumulate_group(options, members, user_vars=user_vars)
            fields["_id"] = key
            result.append(fields)
        return result

    setattr(group, _MARK, True)
    return group


def _wrap_count(original: Callable) -> Callable:
    def count(in_collection: Any, database: Any, options: Any, user_vars: Any) -> Any:
        # doc: $count is $group {_id: null, <n>: {$sum: 1}} then $project {_id: 0},
        # so no input documents give no output document (the engine gave {<n>: 0}).
        documents = list(in_collection)
        result = original(documents, database, options, user_vars)  # validates the name
        return result if documents else []

    setattr(count, _MARK, True)
    return count


# ------------------------------------------------------------------ $setWindowFields

_RANK_FUNCTIONS = ("$documentNumber", "$rank", "$denseRank")
_ACCUMULATING_FUNCTIONS = ("$count", "$sum", "$avg", "$min", "$max", "$first", "$last",
                           "$push", "$addToSet", "$stdDevPop", "$stdDevSamp")
# Window functions of MongoDB 7.0 that the embedded engine does not evaluate.
_OTHER_WINDOW_FUNCTIONS = ("$covariancePop", "$covarianceSamp", "$derivative", "$expMovingAvg",
                           "$integral", "$linearFill", "$locf", "$bottom", "$bottomN", "$top",
                           "$topN", "$firstN", "$lastN", "$maxN", "$minN")
_TIME_UNITS = ("year", "quarter", "month", "week", "day", "hour", "minute", "second",
               "millisecond")
_SET_WINDOW_FIELDS_ARGS = ("partitionBy", "sortBy", "output")


def _same(a: Any, b: Any) -> bool:
    """Equal in BSON comparison order (1 == 1.0; missing differs from null)."""
    try:
        return _compare(a, b) == 0
    except (NotImplementedError, TypeError, AttributeError):
        return a == b


def _sum_numbers(numbers: list) -> Any:
    """The $sum of numbers as the server's accumulator makes it: an int (long) if all are
    integers and the sum fits a long, else a double if there is no decimal; with decimals,
    the decimals are added up and then the sum of the other numbers, rounded to 34 digits
    (AccumulatorSum: ``decimalTotal.add(nonDecimalTotal.getDecimal())``)."""
    decimals = [n.to_decimal() for n in numbers if isinstance(n, Decimal128)]
    others = [n for n in numbers if not isinstance(n, Decimal128)]
    doubles = any(isinstance(n, float) for n in others)
    finite = all(math.isfinite(n) for n in others if isinstance(n, float))
    if decimals:
        total = decimal.Decimal(0)
        for number in decimals:
            total = _DECIMAL128.add(total, number)
        if not finite:
            rest = decimal.Decimal(sum(float(n) for n in others))
        else:  # the server sums them in double-double precision; this is the exact sum
            exact = sum(map(fractions.Fraction, others), fractions.Fraction(0))
            rest = _DECIMAL128.divide(decimal.Decimal(exact.numerator),
                                      decimal.Decimal(exact.denominator))
        return _decimal128(_DECIMAL128.add(total, rest))
    if doubles:
        as_doubles = [float(n) for n in others]
        # The server sums doubles in double-double precision; fsum is the closest.
        return math.fsum(as_doubles) if finite else sum(as_doubles)
    total = sum(others)
    return total if _INT64_MIN <= total <= _INT64_MAX else float(total)  # long overflow -> double


def _window_sum(values: list) -> Any:
    # doc: non-numeric values are ignored; an empty window (or one without numbers) gives 0.
    numbers = [v for v in values if _is_number(v)]
    return _sum_numbers(numbers) if numbers else 0


def _window_avg(values: list) -> Any:
    # doc: non-numeric values are ignored; no numbers gives null; a double unless a
    # decimal takes part.
    numbers = [v for v in values if _is_number(v)]
    if not numbers:
        return None
    total = _sum_numbers(numbers)
    if isinstance(total, Decimal128):
        return _decimal128(_DECIMAL128.divide(total.to_decimal(), len(numbers)))
    return float(total) / len(numbers)


def _window_extreme(sign: int) -> Callable[[list], Any]:
    def extreme(values: list) -> Any:
        # doc ($min/$max): null and missing values are ignored; none left gives null;
        # values of different types compare in BSON order.
        best = _NOTHING
        for value in values:
            if not _nullish(value) and (best is _NOTHING or _compare(value, best) * sign > 0):
                best = value
        return None if best is _NOTHING else best

    return extreme


def _window_std_dev(sample: bool) -> Callable[[list], Any]:
    def std_dev(values: list) -> Any:
        # doc: non-numeric values are ignored; null without numbers (sample: fewer than two).
        numbers = [float(v.to_decimal()) if isinstance(v, Decimal128) else float(v)
                   for v in values if _is_number(v)]
        if len(numbers) < (2 if sample else 1):
            return None
        mean = math.fsum(numbers) / len(numbers)
        squares = math.fsum((n - mean) ** 2 for n in numbers)
        return math.sqrt(squares / (len(numbers) - (1 if sample else 0)))

    return std_dev


def _window_add_to_set(values: list) -> list:
    unique: list = []
    for value in values:
        if value is not _NOTHING and not any(_same(value, seen) for seen in unique):
            unique.append(value)
    return unique


_WINDOW_ACCUMULATORS: dict[str, Callable[[list], Any]] = {
    "$sum": _window_sum, "$avg": _window_avg,
    "$min": _window_extreme(-1), "$max": _window_extreme(1),
    # doc ($first/$last in a window): missing converts to null; an empty window gives null.
    "$first": lambda values: None if not values or values[0] is _NOTHING else values[0],
    "$last": lambda values: None if not values or values[-1] is _NOTHING else values[-1],
    # doc ($push/$addToSet): an empty window gives []; a missing value adds nothing.
    "$push": lambda values: [v for v in values if v is not _NOTHING],
    "$addToSet": _window_add_to_set,
    "$stdDevPop": _window_std_dev(False), "$stdDevSamp": _window_std_dev(True),
}
# The same accumulators in $group (and $bucket) and as expressions: doc ($sum): "$sum
# ignores non-numeric values"; a decimal makes the result a decimal; $min/$max ignore
# null and missing and compare in BSON order.
_ACCUMULATORS = {op: _WINDOW_ACCUMULATORS[op]
                 for op in ("$sum", "$avg", "$min", "$max", "$stdDevPop", "$stdDevSamp")}


def _window_bound(value: Any, kind: str, integral: bool) -> Any:
    # doc: each bound is "unbounded", "current" or a constant number (an integer for
    # documents windows and for range windows with a unit).
    if isinstance(value, str):
        if value in ("unbounded", "current"):
            return value
        raise OperationFailure("Window bounds must be 'unbounded', 'current', or a number.")
    if not _is_number(value):
        raise OperationFailure("Numeric document-based bounds must be an integer"
                               if kind == "documents" else
                               "Range-based bounds expression must be a number")
    if integral:
        whole = _whole(value)
        if whole is None:
            raise OperationFailure("Numeric document-based bounds must be an integer"
                                   if kind == "documents" else
                                   "With 'unit', range-based bounds must be an integer")
        return whole
    return value


def _parse_window(window: Any, sort_by: dict | None) -> tuple | None:
    """``(kind, lower, upper, unit)`` of a ``window`` option; None for the whole partition."""
    if not isinstance(window, dict):
        raise OperationFailure("'window' field must be an object")
    if "documents" in window and "range" in window:
        raise OperationFailure("Window bounds can specify either 'documents' or 'unit', "
                               "not both.")
    if "range" not in window and "unit" in window:
        raise OperationFailure("Window bounds can only specify 'unit' with range-based bounds.")
    if not window:
        return None  # doc: the default window is unbounded: the whole partition
    kind = "documents" if "documents" in window else "range"
    if kind not in window:
        raise OperationFailure("'window' field can only contain 'documents' as the only "
                               "argument or 'range' with an optional 'unit' field")
    allowed = {"documents"} if kind == "documents" else {"range", "unit"}
    if set(window) - allowed:
        raise OperationFailure(f"'window' field that specifies {kind} cannot have other fields")
    unit = window.get("unit")
    if unit is not None and (not isinstance(unit, str) or unit not in _TIME_UNITS):
        raise OperationFailure(f"'unit' must be a string naming a time unit, found: {unit!r}")
    pair = window[kind]
    if not isinstance(pair, list) or len(pair) != 2:
        raise OperationFailure(f"Window bounds must be a 2-element array: {kind}: {pair!r}")
    integral = kind == "documents" or unit is not None
    lower, upper = (_window_bound(value, kind, integral) for value in pair)
    numeric = [0 if bound == "current" else bound for bound in (lower, upper)]
    if all(_is_number(bound) for bound in numeric) and _compare(*numeric) > 0:
        raise OperationFailure(f"Lower bound must not exceed upper bound: [{pair[0]}, {pair[1]}]")
    if kind == "documents":
        if (lower, upper) != ("unbounded", "unbounded") and not sort_by:
            raise OperationFailure("Document-based bounds require a sortBy")
    else:
        if not sort_by or len(sort_by) != 1:
            raise OperationFailure("Range-based bounds require sortBy a single field")
        if next(iter(sort_by.values())) != 1:
            raise OperationFailure("Range-based bounds require an ascending sortBy")
    return kind, lower, upper, unit


def _documents_window(size: int, current: int, lower: Any, upper: Any) -> range:
    # doc: positions relative to the current document; "current" (or 0) is the current
    # document, "unbounded" the first or last document of the partition.
    low = 0 if lower == "unbounded" else current + (0 if lower == "current" else lower)
    high = size - 1 if upper == "unbounded" else current + (0 if upper == "current" else upper)
    return range(max(low, 0), min(high, size - 1) + 1)


def _range_window(keys: list, current: int, lower: Any, upper: Any, unit: str | None) -> range:
    """The positions in the window of ``current``, by the sortBy values ``keys`` (sorted).

    doc: a number is added to the current document's sortBy value (with a unit, as
    $dateAdd), and a document is in the window when its sortBy value lies inclusively
    within the bounds: a bound of 0 takes in the documents that tie with the current
    one. "current" is the current document's position, so [<x>, "current"] stops at
    the current document and leaves out the ties after it. "unbounded" reaches the
    first or last document of the partition. Only numbers (dates with a unit) are in
    a range window; the current document must have one.
    """
    base = keys[current]
    if unit is not None:
        def fits(value: Any) -> bool:
            return isinstance(value, datetime.datetime)

        if not fits(base):
            raise OperationFailure(f"Invalid range: Expected the sortBy field to be a Date, "
                                   f"but it was {_type_name(base)}")
    else:
        fits = _is_number
        if isinstance(base, datetime.datetime):
            raise OperationFailure("Invalid range: For windows that involve date or time "
                                   "ranges, a unit must be provided.")
        if not fits(base):
            raise OperationFailure(f"Invalid range: Expected the sortBy field to be a number, "
                                   f"but it was {_type_name(base)}")

    def shifted(delta: Any) -> Any:
        if unit is not None:
            return _aggregate._add_to_date(base, unit, delta)
        return _exact(base) + _exact(delta)

    size = len(keys)
    if lower == "current":
        low = current
    elif lower == "unbounded":
        low = next((i for i in range(size) if fits(keys[i])), None)
    else:
        threshold = shifted(lower)
        low = next((i for i in range(size) if _compare(keys[i], threshold) >= 0), None)
        low = low if low is not None and fits(keys[low]) else None
    if low is None:
        return range(0)
    if upper == "current":
        high = current
    elif upper == "unbounded":
        high = max(current, low)
        while high + 1 < size and fits(keys[high + 1]):
            high += 1
    else:
        threshold = shifted(upper)
        high = low
        while high < size and _compare(keys[high], threshold) <= 0:
            high += 1
        high -= 1
    return range(low, high + 1)


def _set_path(document: dict, path: str, value: Any) -> None:
    """Sets ``path`` (dotted) in ``document`` without changing dicts shared with the input."""
    head, _, rest = path.partition(".")
    if not rest:
        document[head] = value
        return
    inner = document.get(head)
    document[head] = inner = dict(inner) if isinstance(inner, dict) else {}
    _set_path(inner, rest, value)


class _WindowOutput:
    """One output field of $setWindowFields: its function, argument and window."""

    def __init__(self, field: str, spec: Any, sort_by: dict | None) -> None:
        if not isinstance(spec, dict):
            raise OperationFailure(f"The field '{field}' must be an object")
        functions = [name for name in spec if name != "window"]
        if not functions:
            raise OperationFailure("Must specify a window function in output field")
        known = _RANK_FUNCTIONS + _ACCUMULATING_FUNCTIONS + _OTHER_WINDOW_FUNCTIONS + ("$shift",)
        for name in functions:
            if name not in known:
                if name.startswith("$"):
                    raise OperationFailure(f"Unrecognized window function, {name}")
                raise OperationFailure(f"Window function found an unknown argument: {name}")
        if len(functions) > 1:
            raise OperationFailure("Cannot specify two functions in window function spec")
        self.field, self.function = field, functions[0]
        self.argument = spec[self.function]
        self.window = None
        if self.function in _OTHER_WINDOW_FUNCTIONS:
            raise NotImplementedError(f"Although {self.function} is a valid window function, "
                                      "the embedded engine does not implement it.")
        if self.function in _RANK_FUNCTIONS:
            # doc: rank functions take {} and no window, and need a one-field sortBy.
            if "window" in spec:
                raise OperationFailure("Rank style window functions take no other arguments")
            if self.argument != {}:
                raise OperationFailure(f"{self.function} must be specified with '{{}}' "
                                       "as the value")
            if not sort_by or len(sort_by) != 1:
                raise OperationFailure(f"{self.function} must be specified with a top level "
                                       "sortBy expression with exactly one element")
        elif self.function == "$shift":
            self._parse_shift(spec, sort_by)
        elif "window" in spec:
            self.window = _parse_window(spec["window"], sort_by)

    def _parse_shift(self, spec: dict, sort_by: dict | None) -> None:
        # doc: {$shift: {output: <expr>, by: <integer>, default: <constant expr> = null}},
        # no window, and a sortBy.
        if "window" in spec:
            raise OperationFailure("$shift does not accept a 'window' field")
        if not isinstance(self.argument, dict):
            raise OperationFailure("Argument to $shift must be an object")
        for name in self.argument:
            if name not in ("output", "by", "default"):
                raise OperationFailure("Unknown argument in $shift")
        if "output" not in self.argument:
            raise OperationFailure("$shift requires an 'output' expression.")
        if "by" not in self.argument:
            raise OperationFailure("$shift requires 'by' as an integer value.")
        by = _whole(self.argument["by"])
        if by is None or by not in _INT32_RANGE:
            raise OperationFailure(f"'$shift:by' field must be an integer, but found "
                                   f"{self.argument['by']!r}")
        self.by = by
        if not sort_by:
            raise OperationFailure("'$shift' requires a sortBy")

    def values(self, partition: list, keys: list, user_vars: dict | None) -> list:
        """The value of the field for each document of the sorted ``partition``."""
        size = len(partition)
        if self.function == "$documentNumber":
            return list(range(1, size + 1))
        if self.function in ("$rank", "$denseRank"):
            # doc: ties (equal sortBy values, in BSON comparison; null and missing
            # differ) share a rank; $rank then skips, $denseRank does not.
            ranks: list[int] = []
            for i in range(size):
                if i and _same(keys[i], keys[i - 1]):
                    ranks.append(ranks[-1])
                elif self.function == "$rank":
                    ranks.append(i + 1)
                else:
                    ranks.append(ranks[-1] + 1 if ranks else 1)
            return ranks

        def evaluate(expression: Any, document: dict) -> Any:
            return _aggregate._parse_expression(expression, document, user_vars=user_vars)

        if self.function == "$shift":
            default = evaluate(self.argument.get("default"), {})
            default = None if default is _NOTHING else default
            shifted = []
            for i in range(size):
                # doc: the output of the document `by` positions away in the partition,
                # else the default; a missing output is null.
                if 0 <= i + self.by < size:
                    value = evaluate(self.argument["output"], partition[i + self.by])
                    shifted.append(None if value is _NOTHING else value)
                else:
                    shifted.append(default)
            return shifted
        inputs = ([1] * size if self.function == "$count"
                  else [evaluate(self.argument, document) for document in partition])
        accumulate = len if self.function == "$count" else _WINDOW_ACCUMULATORS[self.function]
        results = []
        for i in range(size):
            if self.window is None:
                positions = range(size)
            else:
                kind, lower, upper, unit = self.window
                positions = (_documents_window(size, i, lower, upper) if kind == "documents"
                             else _range_window(keys, i, lower, upper, unit))
            results.append(accumulate([inputs[j] for j in positions]))
        return results


def _set_window_fields(in_collection: Any, database: Any, options: Any, user_vars: Any) -> list:
    """The $setWindowFields stage, as documented (replaces the engine's handler).

    doc: documents are grouped by partitionBy (missing as null; an array is an error),
    the partitions come out in partitionBy order, each sorted by sortBy ($sort syntax);
    each output field is its window function over its window (default: the whole
    partition) and expressions see the $lookup/let variables.
    """
    if not isinstance(options, dict):
        raise OperationFailure("the $setWindowFields stage specification must be an object")
    for name in options:
        if name not in _SET_WINDOW_FIELDS_ARGS:
            raise OperationFailure(f"BSON field '$setWindowFields.{name}' is an unknown field.")
    output = options.get("output")
    if not isinstance(output, dict):
        raise OperationFailure("BSON field '$setWindowFields.output' is missing but a required "
                               "field" if output is None else
                               "'output' field must be an object")
    sort_by = options.get("sortBy")
    if sort_by is not None and (not isinstance(sort_by, dict) or not sort_by):
        raise OperationFailure("$sort stage must have at least one sort key"
                               if sort_by == {} else "the sortBy field must be an object")
    outputs = [_WindowOutput(field, spec, sort_by) for field, spec in output.items()]
    documents = list(in_collection)
    partitions = [documents]
    if "partitionBy" in options:
        keyed = []
        for document in documents:
            key = _aggregate._parse_expression(options["partitionBy"], document,
                                               user_vars=user_vars)
            if isinstance(key, list):
                raise OperationFailure("Cannot 'partitionBy' an expression of type array")
            keyed.append((None if key is _NOTHING else key, document))
        keyed.sort(key=lambda pair: _filtering.BsonComparable(pair[0]))
        partitions = []
        for i, (key, document) in enumerate(keyed):
            if i and _same(key, keyed[i - 1][0]):
                partitions[-1].append(document)
            else:
                partitions.append([document])
    result = []
    for partition in partitions:
        if sort_by:
            partition = _aggregate._handle_sort_stage(partition, database, sort_by, user_vars)
        keys = []
        if sort_by and len(sort_by) == 1:
            path = next(iter(sort_by))
            keys = [_aggregate._parse_expression(f"${path}", document) for document in partition]
        columns = [(out.field, out.values(partition, keys, user_vars)) for out in outputs]
        for i, document in enumerate(partition):
            document = dict(document)
            for field, values in columns:
                _set_path(document, field, values[i])
            result.append(document)
    return result


# ------------------------------------------------------------------ $documents


def _is_documents_stage(stage: Any) -> bool:
    return isinstance(stage, dict) and len(stage) == 1 and "$documents" in stage


def _starts_with_documents(pipeline: Any) -> bool:
    return isinstance(pipeline, list) and bool(pipeline) and _is_documents_stage(pipeline[0])


def _documents(spec: Any, user_vars: dict | None) -> list[dict]:
    # doc: "$documents accepts any valid expression that resolves to an array of
    # objects" (system variables, $let, $lookup variables); there is no current
    # document, so "$field" or "$$ROOT" does not give an array and is an error.
    value = _aggregate._Parser({}, user_vars=dict(user_vars or {})).parse(spec)
    if not isinstance(value, list):
        raise OperationFailure(f"$documents must evaluate to an array of objects, "
                               f"found: {_type_name(value)}")
    for document in value:
        if not isinstance(document, dict):
            raise OperationFailure(f"$documents must evaluate to an array of objects, "
                                   f"found an element of type: {_type_name(document)}")
    return copy.deepcopy(value)


def _run_documents_pipeline(database: Any, pipeline: list, user_vars: dict | None,
                            session: Any = None) -> Any:
    """``pipeline`` (which starts with $documents) over its literal documents."""
    documents = _documents(pipeline[0]["$documents"], user_vars)
    return _aggregate.process_pipeline(documents, database, pipeline[1:], session,
                                       user_vars=user_vars)


def _add_fields(in_collection: Any, database: Any, options: Any, user_vars: Any) -> list:
    """``$addFields`` / ``$set`` (also in pipeline updates), replacing the engine's handler.

    doc ($addFields, $$REMOVE): a field whose value evaluates to missing
    (``$$REMOVE``, a missing field path) is removed from the output document; the
    engine skipped it and so kept an existing value. Every expression still sees
    the input document; a dotted path still makes its parents documents (server:
    ``{"a.b": "$$REMOVE"}`` on ``{}`` gives ``{a: {}}``).
    """
    if not options:
        raise OperationFailure(
            "Invalid $addFields :: caused by :: specification must have at least one field")
    out_collection = [dict(doc) for doc in in_collection]
    for field, value in options.items():
        parts = field.split(".")
        for in_doc, out_doc in zip(in_collection, out_collection):
            out_value = _aggregate._parse_expression(value, in_doc, user_vars=user_vars)
            for subfield in parts[:-1]:
                if not isinstance(out_doc.get(subfield), dict):
                    out_doc[subfield] = {}
                out_doc = out_doc[subfield]
            if out_value is _NOTHING:
                out_doc.pop(parts[-1], None)
            else:
                out_doc[parts[-1]] = out_value
    return out_collection


def _misplaced_documents(in_collection: Any, database: Any, options: Any, user_vars: Any) -> Any:
    # Reached only when $documents is not the first stage of a db.aggregate() or
    # $lookup/$unionWith sub-pipeline: later in a pipeline, or inside $facet.
    raise OperationFailure("$documents is only valid as the first stage in a pipeline")


_DB_LEVEL_STAGES = ("$changeStream", "$currentOp", "$listLocalSessions")
_IGNORED_OPTIONS = ("batchSize", "batch_size")  # cursor batching: no effect on the result


def _database_aggregate(self: Any, pipeline: Any, session: Any = None, **kwargs: Any) -> Any:
    """``Database.aggregate``, the ``{aggregate: 1}`` command.

    doc ($documents): only valid as the first stage; the rest of the pipeline
    runs over its documents. Other collection-less stages are not implemented.
    """
    if not isinstance(pipeline, list):
        raise TypeError("pipeline must be an instance of list")
    let = kwargs.pop("let", None)
    for name in kwargs:
        if name not in _IGNORED_OPTIONS:
            _helpers.warn_noop(name, "aggregate")
    if not pipeline:
        raise OperationFailure("{aggregate: 1} is not valid for an empty pipeline.")
    first = pipeline[0]
    if not isinstance(first, dict) or len(first) != 1:
        raise OperationFailure("A pipeline stage specification object must contain "
                               "exactly one field.")
    stage = next(iter(first))
    if stage in _DB_LEVEL_STAGES:
        raise NotImplementedError(f"{stage} is valid in db.aggregate() but the embedded "
                                  "engine does not implement it")
    if stage != "$documents":
        raise OperationFailure(f"{{aggregate: 1}} is not valid for '{stage}'; "
                               "a collection is required.")
    with _command_clock():
        if let is not None and not isinstance(let, dict):
            raise TypeError("let must be an instance of dict")
        parse = _aggregate._Parser({}).parse
        user_vars = {name: parse(expression) for name, expression in (let or {}).items()}
        return _run_documents_pipeline(self, pipeline, user_vars, session)


def _wrap_collection_aggregate(original: Callable) -> Callable:
    if getattr(original, _MARK, False):
        return original

    @functools.wraps(original)
    def collection_aggregate(self: Any, pipeline: Any, *args: Any, **kwargs: Any) -> Any:
        # $documents needs a pipeline without a collection: db.aggregate(). One
        # clock for the command, as in _one_clock.
        if _starts_with_documents(pipeline):
            raise OperationFailure(f"{{aggregate: \"{self.name}\"}} is not valid for "
                                   "'$documents'; use db.aggregate() (no collection)")
        with _command_clock():
            return original(self, pipeline, *args, **kwargs)

    setattr(collection_aggregate, _MARK, True)
    return collection_aggregate


def _wrap_union_with(original: Callable) -> Callable:
    def union_with(in_collection: Any, database: Any, options: Any, user_vars: Any) -> Any:
        # doc ($unionWith, 6.0+): "coll" may be omitted when the pipeline starts
        # with $documents; the union then takes those documents. (7.0 also lets
        # such a pipeline replace a given coll.)
        if isinstance(options, dict) and _starts_with_documents(options.get("pipeline")):
            unknown = set(options) - {"coll", "pipeline"}
            if unknown:
                raise OperationFailure(f"BSON field '$unionWith.{min(unknown)}' "
                                       "is an unknown field.")
            added = _run_documents_pipeline(database, options["pipeline"], user_vars)
            return list(in_collection) + list(added)
        if isinstance(options, dict) and "coll" not in options:
            raise OperationFailure("$unionWith stage without explicit collection must have "
                                   "a pipeline with $documents as first stage")
        return original(in_collection, database, options, user_vars)

    setattr(union_with, _MARK, True)
    return union_with


def _wrap_lookup(original: Callable) -> Callable:
    def lookup(in_collection: Any, database: Any, options: Any, user_vars: Any) -> Any:
        # doc ($lookup, 6.0+): "from" is optional when the pipeline starts with
        # $documents; localField/foreignField then match against those documents,
        # before the rest of the pipeline runs with the "let" variables.
        if not isinstance(options, dict) or not _starts_with_documents(options.get("pipeline")):
            if isinstance(options, dict) and "from" not in options:
                raise OperationFailure("$lookup stage without explicit collection must have "
                                       "a pipeline with $documents as first stage")
            # The engine sets "as" on the documents it is given: copies, so that the
            # other pipelines of a $facet, which share them, do not see the join.
            return original([dict(document) for document in in_collection], database,
                            options, user_vars)
        name = options.get("as")
        if not isinstance(name, str):
            raise OperationFailure("Must specify 'as' field for a $lookup" if name is None
                                   else "Arguments to $lookup must be strings")
        if name.startswith("$"):
            raise OperationFailure("FieldPath field names may not start with '$'")
        if "." in name:
            raise NotImplementedError("Although '.' is valid in the 'as' parameter of "
                                      "$lookup, the embedded engine does not implement it.")
        local, foreign = options.get("localField"), options.get("foreignField")
        if (local is None) != (foreign is None):
            raise OperationFailure("$lookup requires both or neither of 'localField' "
                                   "and 'foreignField' to be specified")
        pipeline, let = options["pipeline"], options.get("let") or {}
        joined = []
        for document in in_collection:
            variables = dict(user_vars or {})
            variables.update({var: _aggregate._parse_expression(expr, document,
                                                                user_vars=user_vars)
                              for var, expr in let.items()})
            matches = _documents(pipeline[0]["$documents"], variables)
            if local is not None:
                value = _helpers.get_value_by_dot(document, local, can_generate_array=True)
                value = None if value is _NOTHING else value
                query = {foreign: {"$in": value} if isinstance(value, list) else {"$eq": value}}
                matches = [match for match in matches if _filtering.filter_applies(query, match)]
            matches = _aggregate.process_pipeline(matches, database, pipeline[1:], None,
                                                  user_vars=variables)
            joined.append(dict(document, **{name: list(matches)}))
        return joined

    setattr(lookup, _MARK, True)
    return lookup


def _wrap_stage(handlers: dict, name: str, wrap: Callable) -> None:
    if not getattr(handlers[name], _MARK, False):
        handlers[name] = wrap(handlers[name])


def _parser_overrides() -> dict[str, dict[str, Callable]]:
    upper = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)
    lower = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
    return {
        "_handle_string_operator": {
            "$strLenCP": _str_len_cp, "$substrCP": _substr_cp, "$indexOfCP": _index_of_cp,
            "$replaceAll": _replace("$replaceAll", -1), "$replaceOne": _replace("$replaceOne", 1),
            "$concat": _concat, "$toUpper": _change_case("$toUpper", upper),
            "$toLower": _change_case("$toLower", lower),
        },
        "_handle_comparison_operator": {op: _comparison(op) for op in _COMPARISONS},
        "_handle_arithmetic_operator": {
            "$add": _add, "$subtract": _subtract, "$multiply": _multiply, "$divide": _divide,
            "$mod": _mod, "$round": _round_or_trunc("$round", decimal.ROUND_HALF_EVEN),
            "$trunc": _round_or_trunc("$trunc", decimal.ROUND_DOWN),
            "$abs": _numeric_argument("$abs", _abs),
            "$ceil": _numeric_argument("$ceil", _ceil_or_floor(decimal.ROUND_CEILING, math.ceil)),
            "$floor": _numeric_argument("$floor",
                                        _ceil_or_floor(decimal.ROUND_FLOOR, math.floor)),
            **{op: _trigonometric(op) for op in _TRIG_FUNCTIONS}, "$atan2": _atan2,
            "$degreesToRadians": _angle_conversion("$degreesToRadians", _DECIMAL_PI_OVER_180,
                                                   _DOUBLE_PI_OVER_180),
            "$radiansToDegrees": _angle_conversion("$radiansToDegrees", _DECIMAL_180_OVER_PI,
                                                   _DOUBLE_180_OVER_PI),
        },
        "_handle_project_operator": {op: _expression_accumulator(op) for op in _ACCUMULATORS},
        "_handle_type_operator": {"$type": _type},
        "_handle_custom_operator": {"$rand": _rand},
        "_handle_boolean_operator": {"$not": _not},
        "_handle_type_convertion_operator": {
            "$toString": _to_string, "$toBool": _to_bool, "$convert": _convert,
            **{op: _to_type(op) for op in _TO_OPERATORS},
        },
        "_handle_field_operator": {"$getField": _get_field},
        "_handle_date_operator": {"$dateTrunc": _date_trunc, **_DATE_OPERATOR_OVERRIDES},
        "_handle_array_operator": {"$range": _range},
    }


def _wrap_dispatch(cls: type, name: str, overrides: dict[str, Callable]) -> None:
    """Route the operators in ``overrides`` to our handlers, the rest to the original."""
    original = getattr(cls, name)
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def dispatch(self: Any, operator: str, values: Any) -> Any:
        handler = overrides.get(operator)
        if handler is None:
            return original(self, operator, values)
        return handler(self, values, lambda v: original(self, operator, v))

    setattr(dispatch, _MARK, True)
    setattr(cls, name, dispatch)


def install() -> None:
    """Make ``mongomock_ng`` evaluate the operators above like a MongoDB server.

    Idempotent and thread-safe; a repeated call costs one flag check. Affects
    every ``mongomock_ng`` client in the process, and nothing else.
    """
    global _installed, _NOTHING, _filtering, _aggregate, _helpers, _get_compare_type
    if _installed:
        return
    with _lock:
        if _installed:
            return
        from mongomock_ng import aggregate, collection, database, filtering, helpers

        _NOTHING, _filtering = aggregate.NOTHING, filtering
        _aggregate, _helpers = aggregate, helpers
        _get_compare_type = filtering._get_compare_type
        # New operator names must reach the handler that we wrap.
        for names, extra in ((aggregate.string_operators, ("$replaceAll", "$replaceOne")),
                             (aggregate.type_convertion_operators, ("$toBool",)),
                             (aggregate.custom_operators, ("$rand",)),
                             (aggregate.date_operators, ("$dateToParts",))):
            names.extend(op for op in extra if op not in names)
        aggregate.arithmetic_operators.update(_TRIG_OPERATORS)
        for name, overrides in _parser_overrides().items():
            _wrap_dispatch(aggregate._Parser, name, overrides)
        aggregate._GROUPING_OPERATOR_MAP.update(_ACCUMULATORS)
        to_decimal = _wrap_to_decimal(aggregate._Parser._TYPE_CONVERTION_HANDLERS["$toDecimal"])
        aggregate._Parser._TYPE_CONVERTION_HANDLERS["$toDecimal"] = to_decimal
        aggregate._Parser._CONVERT_TO_HANDLERS.update({"decimal": to_decimal, 19: to_decimal})

        # BSON order and equality in filters, sorts and groups; dotted paths through null.
        filtering.bson_compare = _bson_compare
        filtering.operator_eq = _wrap_operator_eq(filtering.operator_eq)
        filtering.iter_key_candidates = _wrap_iter_key_candidates(filtering.iter_key_candidates)
        operators = filtering._filterer_inst._operator_map
        operators["$eq"] = filtering._list_expand(filtering.operator_eq)
        operators["$ne"] = filtering._list_expand(
            lambda doc_val, search_val: not filtering.operator_eq(doc_val, search_val),
            negative=True)
        # Update operators: $inc/$mul with decimals and the arithmetic type rules ($mul was
        # missing), $min/$max in BSON order.
        updaters = {"$inc": lambda: _arithmetic_updater("$inc"),
                    "$mul": lambda: _arithmetic_updater("$mul"),
                    "$min": lambda: _extreme_updater(-1), "$max": lambda: _extreme_updater(1)}
        for name, make in updaters.items():
            if not getattr(collection._updaters.get(name), _MARK, False):
                collection._updaters[name] = make()

        filtering.TYPE_MAP["null"] = lambda value: value is None
        if not getattr(filtering._type_op, _MARK, False):
            filtering._type_op = _wrap_type_op(filtering._type_op)
        filtering._filterer_inst._operator_map["$type"] = filtering._type_op

        # $$NOW / $$CLUSTER_TIME: one clock per command.
        if not getattr(aggregate._Parser._parse_basic_expression, _MARK, False):
            aggregate._Parser._parse_basic_expression = _wrap_basic_expression(
                aggregate._Parser._parse_basic_expression)
        for cls_name, methods in _COMMAND_METHODS.items():
            cls = getattr(collection, cls_name)
            for name in methods:
                if name in vars(cls):
                    setattr(cls, name, _one_clock(getattr(cls, name)))
        aggregate.process_pipeline = _wrap_process_pipeline(aggregate.process_pipeline)

        # $documents: db.aggregate(), and $unionWith / $lookup sub-pipelines.
        handlers = aggregate._PIPELINE_HANDLERS
        handlers.setdefault("$documents", _misplaced_documents)
        _wrap_stage(handlers, "$unionWith", _wrap_union_with)
        _wrap_stage(handlers, "$lookup", _wrap_lookup)
        _wrap_stage(handlers, "$group", _wrap_group)
        _wrap_stage(handlers, "$count", _wrap_count)
        handlers["$setWindowFields"] = _set_window_fields
        handlers["$addFields"] = handlers["$set"] = _add_fields
        collection.Collection.aggregate = _wrap_collection_aggregate(
            collection.Collection.aggregate)
        if "aggregate" not in vars(database.Database):
            database.Database.aggregate = _database_aggregate
        _installed = True
