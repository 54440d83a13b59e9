"""pymongo and engine exceptions -> PEP 249 exceptions, so nothing else escapes to the caller."""

from __future__ import annotations

import contextlib
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
        return cls(f"{first.get('errmsg', str(exc))}", code=code)
    if isinstance(exc, (mongo_errors.ServerSelectionTimeoutError, mongo_errors.ConnectionFailure,
                        mongo_errors.NetworkTimeout, mongo_errors.AutoReconnect)):
        return errors.OperationalError(f"cannot reach MongoDB: {exc}")
    if isinstance(exc, mongo_errors.ExecutionTimeout):
        return errors.OperationalError(f"the operation timed out: {exc}", code=50)
    if isinstance(exc, mongo_errors.OperationFailure):
        code = exc.code
        cls = errors.SERVER_CODES.get(code or -1, errors.DatabaseError)
        return cls(f"MongoDB error {code}: {_details(exc)}", code=code)
    if isinstance(exc, mongo_errors.InvalidOperation):
        return errors.InterfaceError(str(exc))
    if isinstance(exc, mongo_errors.PyMongoError):
        return errors.DatabaseError(str(exc))
    # The in-process engine raises plain Python exceptions where a server answers with an error.
    if isinstance(exc, NotImplementedError):
        return errors.NotSupportedError(f"the in-process engine does not implement this: {exc}")
    if isinstance(exc, (ZeroDivisionError, OverflowError)):
        return errors.DataError(str(exc))
    if isinstance(exc, (ValueError, TypeError, KeyError, AttributeError, IndexError)):
        return errors.DataError(f"{type(exc).__name__}: {exc}")
    return errors.DatabaseError(f"{type(exc).__name__}: {exc}")


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
