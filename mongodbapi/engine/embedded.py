"""MongoDB-server semantics for the in-process engine ``mongomock_ng`` (7.11.1).

The driver emits commands for a real MongoDB 7.0+ server and never bends them
for the embedded engine. Where ``mongomock_ng`` lacks an operator, or evaluates
one differently from the MongoDB manual, :func:`install` fills the gap in the
engine only, following the operator's page in the manual (null/missing handling
and error cases included).

Each area has its module in this package (see the package docstring for how the
patches are installed); the table says what they fill:

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
$limit              every stage ran over all of its input, so $lookup, $unwind, $limit 20
                    looked up every document (server: the stages stop once $limit has
                    its documents). Per-document stages that feed a $limit now run
                    lazily (see ``pipeline``)
$group $count       no input documents gave one document (_id: null, zero accumulators;
                    {n: 0}); doc: no document, also inside $facet
$addFields $set     a field whose value was missing ($$REMOVE, a missing path) kept its
                    old value (doc: the field is removed), also in pipeline updates
$addFields $set     a dotted path set or removed the field in the input's embedded
$unset              document, which later expressions of the stage and the other
                    pipelines of a $facet then saw (doc: each reads its input as it is)
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
"""

from __future__ import annotations

import threading

__all__ = ["install"]

_lock = threading.Lock()
_installed = False


def install() -> None:
    """Make ``mongomock_ng`` evaluate the operators above like a MongoDB server.

    Idempotent and thread-safe; a repeated call costs one flag check. Affects
    every ``mongomock_ng`` client in the process, and nothing else.
    """
    global _installed
    if _installed:
        return
    with _lock:
        if _installed:
            return
        # Imported here, so that importing this module does not need mongomock_ng.
        from . import (accumulators, clock, conversion, documents, keys, operators, pipeline, projection,
                       query, stages, updates, windows)

        for module in (operators, accumulators, conversion, query, projection, keys, updates, clock, pipeline,
                       documents, stages, windows):
            module.install()
        _installed = True
