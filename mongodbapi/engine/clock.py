"""$$NOW and $$CLUSTER_TIME: one clock per command.

doc: "$$NOW" is the current datetime and "$$CLUSTER_TIME" the current timestamp, each the
same throughout one command; the engine evaluated both to missing. A command (each
``Collection`` method in ``_COMMAND_METHODS``, ``Cursor._compute_results``,
``process_pipeline``, the aggregate methods) sets a clock in a context variable; the
first read fixes its time, and a nested command shares the outer one's.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
from typing import Any, Callable, Iterator

from bson import Timestamp
from mongomock_ng import aggregate, helpers
from mongomock_ng.collection import Collection, Cursor

from .values import MARK


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
def command_clock() -> Iterator[None]:
    """One clock for the command being run; a nested call shares the outer command's."""
    if _clock.get() is not None:
        yield
        return
    token = _clock.set(_Clock())
    try:
        yield
    finally:
        _clock.reset(token)


def _one_clock(method: Callable) -> Callable:
    """``method`` runs as one command: $$NOW has one value throughout."""
    if getattr(method, MARK, False):
        return method

    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        with command_clock():
            return method(*args, **kwargs)

    setattr(run, MARK, True)
    return run


# Engine methods that run one command each (Collection.aggregate: see
# _wrap_collection_aggregate). A find cursor evaluates its filter in
# Cursor._compute_results, after Collection.find has returned.
_COMMAND_METHODS = {
    Collection: ("find_one", "find_one_and_delete", "find_one_and_replace",
                 "find_one_and_update", "update_one", "update_many", "replace_one",
                 "delete_one", "delete_many", "count_documents", "distinct", "bulk_write",
                 "find_and_modify", "update", "remove", "count"),
    Cursor: ("_compute_results", "distinct"),
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
                return helpers.get_value_by_dot({name: value}, expression[2:],
                                                can_generate_array=True)
        return original(self, expression)

    setattr(parse_basic, MARK, True)
    return parse_basic


def install() -> None:
    """The system variables, and one clock for each command."""
    if not getattr(aggregate._Parser._parse_basic_expression, MARK, False):
        aggregate._Parser._parse_basic_expression = _wrap_basic_expression(
            aggregate._Parser._parse_basic_expression)
    for cls, methods in _COMMAND_METHODS.items():
        for name in methods:
            if name in vars(cls):
                setattr(cls, name, _one_clock(getattr(cls, name)))
