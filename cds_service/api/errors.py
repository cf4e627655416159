"""The one place exceptions become HTTP answers, each with an OperationOutcome body.

A client never gets a 500 for what it sent: every contract violation is a
`ServiceError` (4xx). A 500 means a defect here, and is logged with its trace.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from cds_service.api.responses import OrjsonResponse
from cds_service.errors import ServiceError, Unauthorized, operation_outcome
from cds_service.observability.metrics import record_auth_failure

logger = logging.getLogger(__name__)

_HTTP_ISSUE_CODES = {404: "not-found", 405: "not-supported", 413: "too-costly"}


def _service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    if isinstance(exc, Unauthorized):
        # The reason goes to the log only; the client learns nothing it could probe with.
        logger.warning("authentication failed", extra={"reason": exc.diagnostics})
        record_auth_failure(exc.reason)
        return OrjsonResponse(
            operation_outcome("Authentication required", code="login"),
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    return OrjsonResponse(
        operation_outcome(exc.diagnostics, code=exc.issue_code, expression=exc.expression),
        status_code=exc.status_code,
    )


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
        for error in exc.errors()[:10]
    )
    return OrjsonResponse(operation_outcome(problems or "Invalid request"), status_code=400)


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_ISSUE_CODES.get(exc.status_code, "processing")
    return OrjsonResponse(
        operation_outcome(str(exc.detail), code=code),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.error("unhandled error", exc_info=exc)
    return OrjsonResponse(
        operation_outcome("Internal error; the service operators have been told", code="exception"),
        status_code=500,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
