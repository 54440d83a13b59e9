"""Cursor: runs statements and hands out their rows. No SQL translation happens here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any, Iterator, Optional

from . import errors
from .exec.result import Column, Result
from .exec.statement import Prepared, PreparedWrite, prepare

if TYPE_CHECKING:  # pragma: no cover
    from .connection import Connection


def _check_params(params: Any, keys: list[Any]) -> None:
    """Raise ProgrammingError when parameters and placeholders do not fit together."""
    positional = [k for k in keys if isinstance(k, int)]
    if isinstance(params, Mapping):
        if positional:
            raise errors.ProgrammingError("the statement uses %s placeholders but parameters were given as a mapping")
        missing = sorted({k for k in keys if k not in params})
        if missing:
            raise errors.ProgrammingError(f"no value given for parameter(s): {', '.join(missing)}")
        return
    if any(not isinstance(k, int) for k in keys):
        raise errors.ProgrammingError("the statement uses %(name)s placeholders: pass parameters as a mapping")
    needed = max(positional) + 1 if positional else 0
    if len(params) != needed:
        raise errors.ProgrammingError(f"the statement has {needed} placeholder(s) but {len(params)} parameter(s) were given")


def _normalise(params: Any) -> Any:
    if params is None:
        return None
    if isinstance(params, Mapping):
        return params
    if isinstance(params, (str, bytes, bytearray)) or not isinstance(params, Sequence):
        raise errors.ProgrammingError(
            f"parameters must be a sequence (for %s) or a mapping (for %(name)s), not {type(params).__name__}; "
            f"to pass a single value write ({params!r},)")
    return params


class Cursor:
    """A PEP 249 cursor."""

    def __init__(self, connection: "Connection") -> None:
        self.connection = connection
        self.arraysize = 1
        self._result: Optional[Result] = None
        self._rows: Iterator[tuple[Any, ...]] = iter(())
        self._closed = False
        self.rowcount = -1
        self.lastrowid: Any = None

    # ------------------------------------------------------------- execution

    @property
    def description(self) -> Optional[list[Column]]:
        return self._result.description if self._result is not None else None

    def execute(self, operation: str, parameters: Any = None) -> "Cursor":
        self._prepare_run()
        params = _normalise(parameters)
        prepared = prepare(self.connection, operation, params is not None)
        _check_params(params if params is not None else (), prepared.param_keys)
        self._set_result(self._run(prepared, lambda: prepared.run(self.connection, params)))
        return self

    def executemany(self, operation: str, seq_of_parameters: Any) -> "Cursor":
        self._prepare_run()
        param_sets = [_normalise(p) for p in seq_of_parameters]
        if not param_sets:
            self.rowcount = 0
            return self
        prepared = prepare(self.connection, operation, True)
        if prepared.is_query:
            raise errors.ProgrammingError("executemany() is for statements that return no rows")
        for params in param_sets:
            _check_params(params, prepared.param_keys)
        self._set_result(self._run(prepared, lambda: prepared.run_many(self.connection, param_sets)))
        return self

    def _run(self, prepared: Prepared, run: Any) -> Result:
        """Run a statement; a query or write that fails while it runs fails the open transaction
        (transaction-control statements are the driver's own and fail alone)."""
        sends_commands = prepared.is_query or isinstance(prepared, PreparedWrite)
        try:
            result = run()
        except errors.Error as exc:
            if sends_commands:
                self.connection.statement_failed(exc)
            raise
        if not prepared.is_query or isinstance(prepared, PreparedWrite):  # it may have changed data
            self.connection.statement_done()
        return result

    def callproc(self, procname: str, parameters: Any = None) -> Any:
        raise errors.NotSupportedError("MongoDB has no stored procedures")

    def nextset(self) -> Optional[bool]:
        self._check_open()
        return None  # a statement returns at most one result set

    def setinputsizes(self, sizes: Any) -> None:
        """Accepted and ignored, as PEP 249 allows."""

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        """Accepted and ignored, as PEP 249 allows."""

    # ------------------------------------------------------------- fetching

    def fetchone(self) -> Optional[tuple[Any, ...]]:
        self._check_result()
        return next(self._rows, None)

    def fetchmany(self, size: Optional[int] = None) -> list[tuple[Any, ...]]:
        self._check_result()
        return list(islice(self._rows, self.arraysize if size is None else size))

    def fetchall(self) -> list[tuple[Any, ...]]:
        self._check_result()
        return list(self._rows)

    def __iter__(self) -> "Cursor":
        return self

    def __next__(self) -> tuple[Any, ...]:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    # ------------------------------------------------------------- lifecycle

    def close(self) -> None:
        self._release()
        self._closed = True

    def __enter__(self) -> "Cursor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def _prepare_run(self) -> None:
        self._check_open()
        self.connection._check_open()
        self._release()
        self._result = None
        self.rowcount = -1

    def _set_result(self, result: Result) -> None:
        self._result = result
        self._rows = result.rows
        self.rowcount = result.rowcount
        if result.lastrowid is not None:
            self.lastrowid = result.lastrowid

    def _release(self) -> None:
        if self._result is not None and self._result.close is not None:
            self._result.close()
        self._rows = iter(())

    def _check_open(self) -> None:
        if self._closed:
            raise errors.InterfaceError("the cursor is closed")

    def _check_result(self) -> None:
        self._check_open()
        if self._result is None or self._result.description is None:
            raise errors.ProgrammingError("no result set: the last statement returned no rows")
