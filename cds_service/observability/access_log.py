"""One structured log line per request: method, path, status, duration, hook identifiers.

A pure ASGI middleware (not BaseHTTPMiddleware), so identifiers the endpoint binds
are visible here. Neither the raw path nor the query string is logged, only the
matched route's template: both may carry identifiers.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cds_service.observability.logging import start_request

logger = logging.getLogger("cds_service.access")


def _route_path(scope: Scope) -> str:
    """The matched route's template (`/cds-services/{service_id}`), never the raw path:
    a client can put anything in a path, a patient id included. Unmatched: a marker."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else "(no route)"


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start_request()
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": _route_path(scope),
                    "status": status,
                    "durationMs": round((time.perf_counter() - started) * 1000, 2),
                },
            )
