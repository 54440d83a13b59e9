"""$setWindowFields, as documented (replaces the engine's handler).

The engine ignored range windows (whole partition), gave null for a $sum of nothing (doc:
0), crashed on missing values in $sum/$avg and leaked a sentinel from $first/$last/$shift,
crashed on $min/$max of mixed types, ranked ties by Python ==, not BSON equality, did not
see let variables, checked no bounds or arguments and lacked $stdDevPop/$stdDevSamp.

Range windows follow the manual and the server: a number bound is added to the current
document's sortBy value and takes in every document whose value lies within (so a bound
of 0 includes the ties of the current document), while "current" is the current
document's position: ``range: ["unbounded", "current"]`` stops at the current document and
leaves out the ties after it; SQL's default frame (peers included) is
``range: ["unbounded", 0]``.
"""

from __future__ import annotations

import datetime
from typing import Any

from mongomock_ng import aggregate, filtering
from pymongo.errors import OperationFailure

from .accumulators import WINDOW_ACCUMULATORS
from .bson_order import compare, same
from .numeric import exact_value
from .stages import set_path
from .values import INT32_RANGE, NOTHING, is_number, type_name, whole_number


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


def _window_bound(value: Any, kind: str, integral: bool) -> Any:
    # doc: each bound is "unbounded", "current" or a constant number (an integer for
    # documents windows and for range windows with a unit).
    if isinstance(value, str):
        if value in ("unbounded", "current"):
            return value
        raise OperationFailure("Window bounds must be 'unbounded', 'current', or a number.")
    if not is_number(value):
        raise OperationFailure("Numeric document-based bounds must be an integer"
                               if kind == "documents" else
                               "Range-based bounds expression must be a number")
    if integral:
        whole = whole_number(value)
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
    if all(is_number(bound) for bound in numeric) and compare(*numeric) > 0:
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
                                   f"but it was {type_name(base)}")
    else:
        fits = is_number
        if isinstance(base, datetime.datetime):
            raise OperationFailure("Invalid range: For windows that involve date or time "
                                   "ranges, a unit must be provided.")
        if not fits(base):
            raise OperationFailure(f"Invalid range: Expected the sortBy field to be a number, "
                                   f"but it was {type_name(base)}")

    def shifted(delta: Any) -> Any:
        if unit is not None:
            return aggregate._add_to_date(base, unit, delta)
        return exact_value(base) + exact_value(delta)

    size = len(keys)
    if lower == "current":
        low = current
    elif lower == "unbounded":
        low = next((i for i in range(size) if fits(keys[i])), None)
    else:
        threshold = shifted(lower)
        low = next((i for i in range(size) if compare(keys[i], threshold) >= 0), None)
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
        while high < size and compare(keys[high], threshold) <= 0:
            high += 1
        high -= 1
    return range(low, high + 1)


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
        by = whole_number(self.argument["by"])
        if by is None or by not in INT32_RANGE:
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
                if i and same(keys[i], keys[i - 1]):
                    ranks.append(ranks[-1])
                elif self.function == "$rank":
                    ranks.append(i + 1)
                else:
                    ranks.append(ranks[-1] + 1 if ranks else 1)
            return ranks

        def evaluate(expression: Any, document: dict) -> Any:
            return aggregate._parse_expression(expression, document, user_vars=user_vars)

        if self.function == "$shift":
            default = evaluate(self.argument.get("default"), {})
            default = None if default is NOTHING else default
            shifted = []
            for i in range(size):
                # doc: the output of the document `by` positions away in the partition,
                # else the default; a missing output is null.
                if 0 <= i + self.by < size:
                    value = evaluate(self.argument["output"], partition[i + self.by])
                    shifted.append(None if value is NOTHING else value)
                else:
                    shifted.append(default)
            return shifted
        inputs = ([1] * size if self.function == "$count"
                  else [evaluate(self.argument, document) for document in partition])
        accumulate = len if self.function == "$count" else WINDOW_ACCUMULATORS[self.function]
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
            key = aggregate._parse_expression(options["partitionBy"], document,
                                              user_vars=user_vars)
            if isinstance(key, list):
                raise OperationFailure("Cannot 'partitionBy' an expression of type array")
            keyed.append((None if key is NOTHING else key, document))
        keyed.sort(key=lambda pair: filtering.BsonComparable(pair[0]))
        partitions = []
        for i, (key, document) in enumerate(keyed):
            if i and same(key, keyed[i - 1][0]):
                partitions[-1].append(document)
            else:
                partitions.append([document])
    result = []
    for partition in partitions:
        if sort_by:
            partition = aggregate._handle_sort_stage(partition, database, sort_by, user_vars)
        keys = []
        if sort_by and len(sort_by) == 1:
            path = next(iter(sort_by))
            keys = [aggregate._parse_expression(f"${path}", document) for document in partition]
        columns = [(out.field, out.values(partition, keys, user_vars)) for out in outputs]
        for i, document in enumerate(partition):
            document = dict(document)
            for field, values in columns:
                set_path(document, field, values[i])
            result.append(document)
    return result


def install() -> None:
    aggregate._PIPELINE_HANDLERS["$setWindowFields"] = _set_window_fields
