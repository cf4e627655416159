"""Every Prometheus metric the service exports, in the default registry (`GET /metrics`).

    from cds_service.observability import metrics
    metrics.record_auth_failure("expired")            # auth code, once per refused token
    with metrics.FHIR_FETCH_SECONDS.time(): ...       # (fhir_client does this already)

Hook calls and their cards are counted by `MetricsMiddleware`, from what the client
actually received, so no endpoint has to remember to do it.

Labels are bounded: a service id not in the registry becomes "unknown", an auth
reason outside `AUTH_FAILURE_REASONS` becomes "other", topics and indicators come
from our own card content. No label ever carries a patient id, a token or a URL.

Several uvicorn workers: with `PROMETHEUS_MULTIPROC_DIR` set (the Docker image sets
it), each worker writes its samples to files there and `/metrics` sums them
(`prometheus_client.multiprocess`); `cds-service serve` empties the directory at start.
The limits of that mode: gauges need a `multiprocess_mode`, and the process/platform
collectors (CPU, memory, GC) are not exported.
"""

from __future__ import annotations

import re
import time
from typing import Any, Final

import orjson
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "AUTH_FAILURES",
    "AUTH_FAILURE_REASONS",
    "CARDS",
    "FHIR_FETCH_ERRORS",
    "FHIR_FETCH_ERROR_KINDS",
    "FHIR_FETCH_SECONDS",
    "HOOK_REQUESTS",
    "HOOK_REQUEST_SECONDS",
    "MetricsMiddleware",
    "record_auth_failure",
    "record_fhir_fetch_error",
]

UNKNOWN = "unknown"

# Latency buckets around the 3 s FHIR budget the EHR waits for.
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)

HOOK_REQUESTS: Final = Counter(
    "cds_hook_requests",
    "CDS Hooks service calls, by service id, hook and HTTP status.",
    ["service", "hook", "status"],
)
HOOK_REQUEST_SECONDS: Final = Histogram(
    "cds_hook_request_duration_seconds",
    "Time to answer a CDS Hooks service call, FHIR fetches included.",
    ["service", "hook"],
    buckets=_LATENCY_BUCKETS,
)
CARDS: Final = Counter(
    "cds_cards",
    "Cards returned to the EHR, by service, card topic and indicator.",
    ["service", "topic", "indicator"],
)
FHIR_FETCH_SECONDS: Final = Histogram(
    "cds_fhir_fetch_duration_seconds",
    "Time for one HTTP GET to the EHR's FHIR server (one page of a search).",
    buckets=_LATENCY_BUCKETS,
)
FHIR_FETCH_ERROR_KINDS: Final = frozenset(
    {"http_status", "unreachable", "too_large", "invalid_json", "not_a_resource",
     "operation_outcome", "foreign_link", "timeout", "unexpected"}
)  # fmt: skip
FHIR_FETCH_ERRORS: Final = Counter(
    "cds_fhir_fetch_errors",
    "Prefetch queries that could not be answered from the FHIR server, by kind.",
    ["kind"],
)
AUTH_FAILURE_REASONS: Final = frozenset(
    {"missing_token", "malformed_token", "untrusted_issuer", "bad_signature", "bad_algorithm",
     "expired", "not_yet_valid", "bad_audience", "replayed", "jwks_unavailable", "other"}
)  # fmt: skip
AUTH_FAILURES: Final = Counter(
    "cds_auth_failures",
    "Requests refused because the caller's JWT was missing or invalid, by reason.",
    ["reason"],
)


def record_auth_failure(reason: str) -> None:
    """Count one refused token; `reason` is one of `AUTH_FAILURE_REASONS` (else "other")."""
    AUTH_FAILURES.labels(reason if reason in AUTH_FAILURE_REASONS else "other").inc()


def record_fhir_fetch_error(kind: str) -> None:
    """Count one failed prefetch query; `kind` is one of `FHIR_FETCH_ERROR_KINDS`."""
    FHIR_FETCH_ERRORS.labels(kind if kind in FHIR_FETCH_ERROR_KINDS else "unexpected").inc()


_HOOK_PATH = re.compile(r"^/cds-services/([^/]+)$")
_MAX_COUNTED_BODY = 5 * 1024 * 1024  # a response larger than this has its cards uncounted


class MetricsMiddleware:
    """Counts hook calls (service, hook, status), their latency, and the cards answered.

    Pure ASGI, outermost but for logging, so a 401 from the auth dependency and a 4xx
    from the error handlers are counted like any answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _HOOK_PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        service, hook = _service_and_hook(scope, match.group(1))
        started = time.perf_counter()
        status = 500
        body = bytearray()

        async def observe(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and len(body) <= _MAX_COUNTED_BODY:
                body.extend(message.get("body", b"") if status == 200 else b"")
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            HOOK_REQUESTS.labels(service, hook, str(status)).inc()
            HOOK_REQUEST_SECONDS.labels(service, hook).observe(time.perf_counter() - started)
            if status == 200 and len(body) <= _MAX_COUNTED_BODY:
                _count_cards(service, bytes(body))


def _service_and_hook(scope: Scope, service_id: str) -> tuple[str, str]:
    """The registered service and its hook; "unknown" for ids the registry lacks."""
    app = scope.get("app")
    registry = getattr(getattr(app, "state", None), "registry", None)
    for service in registry or ():
        descriptor = service.descriptor
        if descriptor.id == service_id:
            return descriptor.id, descriptor.hook
    return UNKNOWN, UNKNOWN


def _count_cards(service: str, body: bytes) -> None:
    try:
        answer: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return
    cards = answer.get("cards") if isinstance(answer, dict) else None
    for card in cards if isinstance(cards, list) else ():
        if not isinstance(card, dict):
            continue
        source = card.get("source")
        topic = source.get("topic") if isinstance(source, dict) else None
        code = topic.get("code") if isinstance(topic, dict) else None
        CARDS.labels(service, str(code or "none"), str(card.get("indicator") or UNKNOWN)).inc()
