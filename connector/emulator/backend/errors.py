"""The one error the backend raises for a request it refuses."""

from __future__ import annotations

from typing import Any

from connector.status_codes import StatusCode

__all__ = ["ApiError", "invalid_request", "not_found"]


class ApiError(Exception):
    """A request failed with a Clarifai status ``code``; ``payload`` adds response
    fields (e.g. the failed items of a batch). Which HTTP status carries it is for the
    HTTP layer to decide."""

    def __init__(self, code: StatusCode, description: str, details: str = "", *, payload: dict[str, Any] | None = None):
        super().__init__(f"{code.name}: {description} {details}".strip())
        self.code = code
        self.description = description
        self.details = details
        self.payload = payload or {}


def invalid_request(details: str) -> ApiError:
    """CONN_INVALID_REQUEST with ``details`` saying what is wrong."""
    return ApiError(StatusCode.CONN_INVALID_REQUEST, "Invalid request", details)


def not_found(what: str, ident: str) -> ApiError:
    """CONN_DOES_NOT_EXIST naming the missing object."""
    return ApiError(StatusCode.CONN_DOES_NOT_EXIST, "Resource does not exist", f"{what} {ident!r} does not exist")
