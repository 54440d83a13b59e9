"""The PEP 249 exception hierarchy and the table that maps MongoDB failures onto it.

Every error the driver raises is one of these nine classes (by their exact PEP 249 names), so
callers and frameworks such as Django can catch them from the module or the connection.
"""

from __future__ import annotations

from typing import Optional


class Warning(Exception):  # noqa: A001 - the name is fixed by PEP 249
    """Important warnings such as data truncation while inserting."""


class Error(Exception):
    """Base class of all other error exceptions."""

    def __init__(self, message: str = "", *, code: Optional[int] = None) -> None:
        super().__init__(message)
        self.code = code


class InterfaceError(Error):
    """Errors related to the driver's interface rather than the database (e.g. a closed cursor)."""


class DatabaseError(Error):
    """Errors related to the database."""


class DataError(DatabaseError):
    """Problems with the processed data: division by zero, a value out of range, a bad cast."""


class OperationalError(DatabaseError):
    """Errors in the database's operation: lost connection, server selection timeout, ..."""


class IntegrityError(DatabaseError):
    """The relational integrity of the database is affected: a unique key or NOT NULL violation."""


class InternalError(DatabaseError):
    """The database hit an internal error, e.g. a transaction that is no longer valid."""


class ProgrammingError(DatabaseError):
    """Programming errors: SQL syntax errors, unknown tables or columns, wrong parameter counts."""


class NotSupportedError(DatabaseError):
    """The SQL or API used is valid but not supported by this driver or the server."""


# MongoDB server error codes -> PEP 249 class. Codes from MongoDB's error_codes.yml.
SERVER_CODES: dict[int, type[Error]] = {
    2: ProgrammingError,  # BadValue
    9: ProgrammingError,  # FailedToParse
    14: DataError,  # TypeMismatch (e.g. $add of a string)
    15: DataError,  # Overflow
    168: NotSupportedError,  # InvalidPipelineOperator (the server is too old for an operator)
    11000: IntegrityError,  # DuplicateKey
    11001: IntegrityError,  # DuplicateKey (legacy)
    12582: IntegrityError,  # DuplicateKey on update (legacy)
    121: IntegrityError,  # DocumentValidationFailure
    26: ProgrammingError,  # NamespaceNotFound
    48: ProgrammingError,  # NamespaceExists
    27: ProgrammingError,  # IndexNotFound
    85: ProgrammingError,  # IndexOptionsConflict
    86: ProgrammingError,  # IndexKeySpecsConflict
    13: OperationalError,  # Unauthorized
    18: OperationalError,  # AuthenticationFailed
    50: OperationalError,  # MaxTimeMSExpired
    112: OperationalError,  # WriteConflict
    251: InternalError,  # NoSuchTransaction
    263: NotSupportedError,  # OperationNotSupportedInTransaction
    20: NotSupportedError,  # IllegalOperation (e.g. transactions on a standalone server)
    16554: DataError,  # $add/$subtract on wrong types
    16555: DataError,  # $multiply on wrong types
    16608: DataError,  # divide by zero
    4848401: DataError,  # $mod by zero
    241: DataError,  # ConversionFailure
    51091: DataError,  # invalid regular expression
    16006: DataError,  # can't convert from BSON type ... to Date
    16610: DataError,  # $mod by zero
    5733415: DataError,  # $mod by zero (newer servers)
    16612: DataError,  # more than one date in $add
    28680: DataError,  # $abs of the smallest long
    28765: DataError,  # a numeric operator ($abs, $ceil, $sqrt, ...) given a non-number
    40485: DataError,  # unrecognized time zone identifier
}
