"""Aggregation pipelines evaluated as a server evaluates them: lazily, up to a ``$limit``.

The engine's ``process_pipeline`` runs each stage over all of its input before the next
stage starts. A server pulls documents through the pipeline instead: once a ``$limit``
has its documents the stages before it stop, so ``$match``, ``$lookup``, ``$unwind``,
``$limit: 20`` looks up about 20 documents, not every one that matches. The driver relies
on that: LIMIT cannot move before an inner join (MongoDB has no foreign keys, so a
dangling key drops the row).

Here a run of stages that each map one input document to zero or more output documents
on their own (``_PER_DOCUMENT``), possibly with ``$skip`` among them, that feeds a
``$limit`` is evaluated document by document: each stage's handler (the engine's, or
ours) is called on one document at a time inside a generator, and the ``$limit`` takes
from the stream only the documents it returns. A stage that is called on no document at
all is still called once on none, so that it checks its options as before. Every other
stage (``$sort``, ``$group``, ``$facet``, ``$unionWith``, ``$setWindowFields``...; a stage
object of more than one operator; a ``$limit``/``$skip`` whose count is not a positive
(non-negative) integer, which the engine slices otherwise) runs in the engine's
``process_pipeline`` over a list, as before, and so does a pipeline with no such run.
Sub-pipelines (``$lookup``, ``$facet``, ``$unionWith``) go through here too.

The documents that come out are the same as with the stage-by-stage evaluation: a
per-document stage gives for a document what it gives for it within the whole list, and
no handler changes an input document (see ``stages``). What changes is what a server
also does differently: documents past the limit are never evaluated, so an error only
they would raise does not happen, and when two stages of a run would both fail, the
error of the first document that fails comes first. With mongomock_ng's profiler on, a
lazy ``$match`` is recorded once per document.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from typing import Any, Callable, Iterable, Iterator

from mongomock_ng import aggregate

from .clock import command_clock
from .values import MARK

# Stages whose handler gives for each input document output that depends on that document
# alone (and on the stage's options and variables), so that they can run document by
# document.
_PER_DOCUMENT = frozenset({"$match", "$project", "$addFields", "$set", "$unset", "$lookup",
                           "$graphLookup", "$unwind", "$replaceRoot", "$replaceWith",
                           "$redact"})


def _streamable(stage: Any) -> bool:
    """Whether ``stage`` can take part in a lazy run: a per-document stage, or a ``$limit``
    or ``$skip`` of a count that ``itertools.islice`` takes as the engine's slice does."""
    if not isinstance(stage, Mapping) or len(stage) != 1:
        return False
    ((operator, options),) = stage.items()
    if operator not in ("$limit", "$skip"):
        return operator in _PER_DOCUMENT
    if not isinstance(options, int) or isinstance(options, bool):
        return False
    return options > 0 if operator == "$limit" else options >= 0


def _lazy_positions(pipeline: list) -> set[int]:
    """The positions of the stages that feed a ``$limit`` through streamable stages (that
    ``$limit`` included)."""
    positions: set[int] = set()
    feeds_limit = False
    for position in reversed(range(len(pipeline))):
        stage = pipeline[position]
        if not _streamable(stage):
            feeds_limit = False
            continue
        feeds_limit = feeds_limit or "$limit" in stage
        if feeds_limit:
            positions.add(position)
    return positions


def _per_document(handler: Callable, stream: Iterable, database: Any, options: Any,
                  user_vars: Any) -> Iterator:
    """The stage over ``stream``, one document at a time."""
    empty = True
    for document in stream:
        empty = False
        yield from handler([document], database, options, user_vars)
    if empty:  # the checks the handler makes of its options, as it makes them on no input
        yield from handler([], database, options, user_vars)


def _stream(stage: Mapping, stream: Iterable, database: Any, user_vars: Any) -> Iterator:
    ((operator, options),) = stage.items()
    if operator == "$limit":
        return itertools.islice(stream, options)
    if operator == "$skip":
        return itertools.islice(stream, options, None)
    return _per_document(aggregate._PIPELINE_HANDLERS[operator], stream, database, options,
                         user_vars)


def _listed(documents: Iterable) -> list:
    return documents if isinstance(documents, list) else list(documents)


def _lazy_process_pipeline(original: Callable) -> Callable:
    """``process_pipeline`` as one command (see ``clock``), over a list, with the runs of
    per-document stages that feed a ``$limit`` evaluated lazily.

    The list on entry: the engine's ``$lookup`` with ``from`` and ``pipeline`` hands the
    foreign documents over as a generator, which stage handlers that read their input
    twice (``$project``, ``$addFields``) or slice it (``$limit``, ``$skip``) cannot take.
    """
    if getattr(original, MARK, False):
        return original

    @functools.wraps(original)
    def process_pipeline(collection: Any, database: Any, pipeline: Any, session: Any,
                         user_vars: Any = None) -> Any:
        documents = _listed(collection)
        with command_clock():
            lazy = _lazy_positions(pipeline) if isinstance(pipeline, list) else set()
            if not lazy:
                return original(documents, database, pipeline, session, user_vars=user_vars)
            stream: Iterable = documents
            pending: list = []  # stages for the engine, run when the next lazy run starts
            for position, stage in enumerate(pipeline):
                if position not in lazy:
                    pending.append(stage)
                    continue
                if pending:
                    stream = list(original(_listed(stream), database, pending, session,
                                           user_vars=user_vars))
                    pending = []
                stream = _stream(stage, stream, database, user_vars)
            return original(_listed(stream), database, pending, session, user_vars=user_vars)

    setattr(process_pipeline, MARK, True)
    return process_pipeline


def install() -> None:
    aggregate.process_pipeline = _lazy_process_pipeline(aggregate.process_pipeline)
