"""Exceptions raised by the instructd client: one class per HTTP status family."""

from __future__ import annotations

from typing import Optional


class InstructdError(Exception):
    """An error answer from the server (or a transport failure when status is 0).

    Attributes mirror the server's JSON error body: ``{"error": {"code", "message", "field"}}``
    (OpenAI-shaped routes use ``type``/``param``, which are read too).
    """

    def __init__(self, status: int, code: str, message: str, field: Optional[str] = None,
                 retry_after: Optional[float] = None):
        super().__init__(f"{status} {code}: {message}" if status else message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retry_after = retry_after


class ConnectionFailed(InstructdError):
    """The server could not be reached (refused, DNS, timeout)."""


class BadRequest(InstructdError):
    """400: the request is malformed; ``field`` names the offending field."""


class Unauthorized(InstructdError):
    """401: missing or wrong API key."""


class Forbidden(InstructdError):
    """403: the key may not do this (e.g. a read-only key writing)."""


class NotFound(InstructdError):
    """404: unknown collection, document or model."""


class Conflict(InstructdError):
    """409: e.g. a collection exists with another spec."""


class PayloadTooLarge(InstructdError):
    """413: the body is over the server's limit; stream NDJSON or send less."""


class Overloaded(InstructdError):
    """429: the embedding queue is full; retry after ``retry_after`` seconds."""


class Unavailable(InstructdError):
    """503: shutting down, or a collection is still loading (``retry_after`` set)."""


class ServerError(InstructdError):
    """5xx: a fault on the server side."""


_BY_STATUS = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
              413: PayloadTooLarge, 429: Overloaded, 503: Unavailable}


def error_for(status: int, code: str, message: str, field: Optional[str] = None,
              retry_after: Optional[float] = None) -> InstructdError:
    """Returns the exception instance for an HTTP status."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else InstructdError
    return cls(status, code, message, field, retry_after)
