"""pymongo and engine exceptions -> PEP 249 exceptions, so nothing else escapes to the caller."""

from __future__ import annotations

import contextlib
import re
from typing import Iterator

from pymongo import errors as mongo_errors

from .. import errors


def translate(exc: BaseException) -> errors.Error:
    """The PEP 249 exception for a failure raised while running a MongoDB command."""
    if isinstance(exc, errors.Error):
        return exc
    if isinstance(exc, mongo_errors.DuplicateKeyError):
        return errors.IntegrityError(f"duplicate key: {_details(exc)}", code=11000)
    if isinstance(exc, mongo_errors.BulkWriteError):
        write_errors = exc.details.get("writeErrors") or [{}]
        first = write_errors[0]
        code = first.get("code")
        cls = errors.SERVER_CODES.get(code, errors.DatabaseError) if code else errors.DatabaseError
        message = first.get("errmsg", str(exc))
        if code in (11000, 11001):
            key = first.get("keyValue")
            message = f"duplicate key: {message}" + (f" (key {key})" if key else "")
        return cls(message, code=code)
    if isinstance(exc, mongo_errors.InvalidName):
        return errors.ProgrammingError(f"invalid name: {exc}")
    if isinstance(exc, (mongo_errors.ServerSelectionTimeoutError, mongo_errors.ConnectionFailure,
                        mongo_errors.NetworkTimeout, mongo_errors.AutoReconnect)):
        return errors.OperationalError(f"cannot reach MongoDB: {exc}")
    if isinstance(exc, mongo_errors.ExecutionTimeout):
        return errors.OperationalError(f"the operation timed out: {exc}", code=50)
    if isinstance(exc, mongo_errors.OperationFailure):
        code = exc.code
        cls = errors.SERVER_CODES.get(code or -1, errors.DatabaseError)
        label = f"MongoDB error {code}" if code is not None else "MongoDB error"
        return cls(f"{label}: {_details(exc)}", code=code)
    if isinstance(exc, mongo_errors.InvalidOperation):
        return errors.InterfaceError(str(exc))
    if isinstance(exc, mongo_errors.PyMongoError):
        return errors.DatabaseError(str(exc))
    # The in-process engine raises plain Python exceptions where a server answers with an error.
    if isinstance(exc, NotImplementedError):
        return errors.NotSupportedError(f"the in-process engine does not implement this: {exc}")
    if isinstance(exc, (ZeroDivisionError, OverflowError)):
        return errors.DataError(str(exc))
    if isinstance(exc, re.error):  # an invalid regular expression (the server's code 51091)
        return errors.DataError(f"invalid regular expression: {exc}")
    if isinstance(exc, (ValueError, TypeError, KeyError, AttributeError, IndexError)):
        return errors.DataError(f"{type(exc).__name__}: {exc}")
    if isinstance(exc, AssertionError):
        if _raised_by_engine(exc):  # the engine asserts operand types where a server says TypeMismatch
            return errors.DataError(f"{exc}")
        return errors.InternalError(f"internal error in mongodbapi: {type(exc).__name__}: {exc}")
    return errors.DatabaseError(f"{type(exc).__name__}: {exc}")


def _raised_by_engine(exc: BaseException) -> bool:
    """Whether the innermost frame of ``exc`` is in the in-process engine's code."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_globals.get("__name__", "").startswith("mongomock")


def _details(exc: mongo_errors.PyMongoError) -> str:
    details = getattr(exc, "details", None) or {}
    key = details.get("keyValue")
    message = details.get("errmsg") or str(exc)
    return f"{message} (key {key})" if key else message


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Run a block of MongoDB calls; any failure leaves as a PEP 249 exception."""
    try:
        yield
    except errors.Error:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is translated, none escapes raw
        raise translate(exc) from exc
