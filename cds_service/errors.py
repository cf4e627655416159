"""The service's exceptions, mapped to HTTP once, at the edge (`api/errors.py`).

    ServiceError                    – base; carries an HTTP status and an OperationOutcome code
    ├── BadRequest (400)            – the request breaks the CDS Hooks contract
    │   └── HookMismatch (400)      – the hook is not the one this service answers
    ├── Unauthorized (401)          – no valid JWT (detail goes to the log only)
    ├── UnknownService (404)        – no CDS Service with that id
    ├── PayloadTooLarge (413)       – body over the configured limit
    ├── UnsupportedMediaType (415)  – body is not JSON
    ├── PrefetchUnavailable (412)   – data the service needs could not be had
    └── StoreUnavailable (503)      – feedback could not be stored; the client may retry

Each leaf names its problem in words a client developer can act on.
"""

from __future__ import annotations

from typing import ClassVar


class ServiceError(Exception):
    """Base of every error the service answers with a 4xx/5xx and an OperationOutcome."""

    status_code: ClassVar[int] = 500
    issue_code: ClassVar[str] = "exception"  # FHIR IssueType

    def __init__(self, diagnostics: str, *, expression: str | None = None) -> None:
        super().__init__(diagnostics)
        self.diagnostics = diagnostics
        self.expression = expression


class BadRequest(ServiceError):
    """The request body or its fields break the CDS Hooks contract."""

    status_code = 400
    issue_code = "invalid"


class HookMismatch(BadRequest):
    """The request's `hook` is not the hook this service is registered for."""

    issue_code = "not-supported"


class Unauthorized(ServiceError):
    """The request carries no valid JWT. The reason is logged, never sent.

    `reason` is a short category for metrics (`observability.metrics.AUTH_FAILURE_REASONS`).
    """

    status_code = 401
    issue_code = "login"

    def __init__(self, diagnostics: str, *, reason: str = "other") -> None:
        super().__init__(diagnostics)
        self.reason = reason


class UnknownService(ServiceError):
    """No CDS Service is registered under the id in the URL."""

    status_code = 404
    issue_code = "not-found"


class PayloadTooLarge(ServiceError):
    """The request body exceeds the configured size limit."""

    status_code = 413
    issue_code = "too-costly"


class UnsupportedMediaType(ServiceError):
    """The request body is not JSON."""

    status_code = 415
    issue_code = "structure"


class PrefetchUnavailable(ServiceError):
    """Data the service needs was neither prefetched nor obtainable from the FHIR server."""

    status_code = 412
    issue_code = "incomplete"


class StoreUnavailable(ServiceError):
    """The feedback store cannot take the write; the client should retry later."""

    status_code = 503
    issue_code = "transient"


def operation_outcome(
    diagnostics: str,
    *,
    code: str = "invalid",
    severity: str = "error",
    expression: str | None = None,
) -> dict[str, object]:
    """A FHIR OperationOutcome with one issue, as a JSON-ready dict."""
    issue: dict[str, object] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}
