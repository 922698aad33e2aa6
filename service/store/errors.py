"""Driver errors -> domain errors: the one mapping every store call goes through.

Store code wraps its driver calls in `with database_errors():` (or decorates a function
with `@translated`); the web edge asks `translate(exc)` about anything that still escapes,
so a driver error never reaches a client as a 500 and web/ never imports pymongo.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

from bson.errors import InvalidDocument
from pymongo.errors import (
    ConnectionFailure,
    DuplicateKeyError,
    ExecutionTimeout,
    OperationFailure,
    PyMongoError,
    WriteError,
    WTimeoutError,
)

from service.errors import (
    AlreadyExists,
    DatabaseUnavailable,
    Invalid,
    InvalidValue,
    RecordHubError,
    TransactionsUnavailable,
)

NO_TRANSACTIONS = 20  # IllegalOperation: "Transaction numbers are only allowed on a replica set"
# Long enough for a restarted server to be found again, short enough to look alive.
RETRY_AFTER_SECONDS = 2

# Raised only by the driver and the BSON encoder, wherever they are caught.
DRIVER_ERRORS = (PyMongoError, InvalidDocument)
# Raised by the encoder too, but by much else: translated only around a driver call.
ENCODER_ERRORS = (OverflowError, UnicodeEncodeError)

P = ParamSpec("P")
T = TypeVar("T")


def unavailable(message: str = "the database is unavailable") -> DatabaseUnavailable:
    """The error of an unreachable database: a 503 that tells the client when to retry."""
    return DatabaseUnavailable(message, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def translate(exc: BaseException) -> RecordHubError | None:
    """The domain error a driver error stands for (the edge's safety net); None for
    anything else, and for an error the driver's caller is meant to handle."""
    if not isinstance(exc, DRIVER_ERRORS):
        return None
    return _domain_error(exc)


DUPLICATE_KEY = 11000  # the server's code for a unique index refusing a write
INDEX_NOT_FOUND = 27  # dropping an index that is not there


def refused_write(code: Any) -> Invalid:
    """A write the database refused for its own reasons. The compiler keeps conflicting
    or malformed updates away; this is a safety net."""
    return Invalid("the database refused the update", details={"code": code})


def _domain_error(exc: Exception) -> RecordHubError | None:
    if isinstance(exc, ConnectionFailure | ExecutionTimeout | WTimeoutError):
        return unavailable()
    if isinstance(exc, OperationFailure) and exc.has_error_label("TransientTransactionError"):
        return None  # the transaction is retried as a whole (service.store.batches)
    if isinstance(exc, DuplicateKeyError):
        return AlreadyExists("a record with this id already exists")
    if isinstance(exc, WriteError):
        return refused_write(exc.code)
    if isinstance(exc, InvalidDocument | OverflowError | UnicodeEncodeError):
        # Raised by the BSON encoder before anything is sent: a lone surrogate in a
        # string (valid JSON escapes, no UTF-8 form), a NUL in a metadata name, ...
        return InvalidValue("a value cannot be stored")
    if isinstance(exc, OperationFailure) and exc.code == NO_TRANSACTIONS:
        return TransactionsUnavailable(
            "this operation needs transactions, which need a replica set"
        )
    return None


class _DatabaseErrors:
    """`with database_errors():` a class rather than a generator, as it wraps every write."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        if exc is None or not isinstance(exc, DRIVER_ERRORS + ENCODER_ERRORS):
            return  # nothing to translate; an exception goes on as it is
        error = _domain_error(exc)
        if error is not None:
            raise error from exc


_TRANSLATOR = _DatabaseErrors()


def database_errors() -> _DatabaseErrors:
    """Translate driver errors into domain errors (the web layer renders them)."""
    return _TRANSLATOR


def translated(function: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """A coroutine function whose driver errors come out as domain errors."""

    @functools.wraps(function)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with _TRANSLATOR:
            return await function(*args, **kwargs)

    return wrapper


C = TypeVar("C", bound=type)


def mapped(cls: C) -> C:
    """Wrap every public coroutine method of `cls` in the driver-error mapping."""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.iscoroutinefunction(member):
            setattr(cls, name, translated(member))
    return cls
