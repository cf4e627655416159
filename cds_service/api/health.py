"""`GET /healthz` (the process answers) and `GET /readyz` (it can do its work now).

Readiness runs every named check on `app.state.readiness_checks`. Components add
theirs when the app is assembled or in its lifespan:

    register_readiness_check(app, "database", store.ping)

A check is an async callable taking no arguments. It fails by raising, by returning
False, or by taking longer than `CHECK_TIMEOUT_SECONDS`; `/readyz` then answers 503
naming the failing checks, and logs why. Neither route asks for a JWT (their router
is mounted without the auth dependency) and neither says anything about the
configuration: a load balancer learns "ready" or which check failed, nothing more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool

from cds_service.api.responses import OrjsonResponse
from cds_service.cards.content import load_content
from cds_service.knowledge.valuesets import load_all
from cds_service.settings import Settings

__all__ = [
    "CHECK_TIMEOUT_SECONDS",
    "ReadinessCheck",
    "install_default_readiness_checks",
    "register_readiness_check",
    "router",
]

logger = logging.getLogger(__name__)

ReadinessCheck = Callable[[], Awaitable[object]]

CHECK_TIMEOUT_SECONDS = 2.0

router = APIRouter(tags=["operations"])


def register_readiness_check(app: FastAPI, name: str, check: ReadinessCheck) -> None:
    """Add `check` to what `/readyz` runs; `name` is what a failing probe reports."""
    checks: list[tuple[str, ReadinessCheck]] = _checks(app)
    if any(existing == name for existing, _ in checks):
        raise ValueError(f"readiness check {name!r} is registered twice")
    checks.append((name, check))


def _checks(app: FastAPI) -> list[tuple[str, ReadinessCheck]]:
    if not hasattr(app.state, "readiness_checks"):
        app.state.readiness_checks = []
    checks: list[tuple[str, ReadinessCheck]] = app.state.readiness_checks
    return checks


class _LoadsOnce:
    """A check that succeeds once `load()` has succeeded (in a thread; then remembered)."""

    def __init__(self, load: Callable[[], Any]) -> None:
        self._load = load
        self._loaded = False

    async def __call__(self) -> bool:
        if not self._loaded:
            await run_in_threadpool(self._load)
            self._loaded = True
        return True


def install_default_readiness_checks(app: FastAPI, settings: Settings) -> None:
    """Card content and value sets: the service cannot answer a hook without them."""
    register_readiness_check(app, "cards", _LoadsOnce(lambda: load_content(settings.cards_dir)))
    register_readiness_check(app, "valuesets", _LoadsOnce(load_all))


async def _passes(name: str, check: ReadinessCheck) -> bool:
    try:
        result = await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        logger.warning("readiness check timed out", extra={"check": name})
        return False
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", never a 500
        logger.warning("readiness check failed", extra={"check": name, "error": type(exc).__name__})
        return False
    if result is False:
        logger.warning("readiness check failed", extra={"check": name})
        return False
    return True


@router.get("/healthz", include_in_schema=False)
async def healthz() -> OrjsonResponse:
    """The process is up and serving; says nothing about its dependencies."""
    return OrjsonResponse({"status": "ok"})


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> OrjsonResponse:
    """200 when every registered check passes; 503 naming those that did not."""
    checks = _checks(request.app)
    results = await asyncio.gather(*(_passes(name, check) for name, check in checks))
    failing = [name for (name, _), passed in zip(checks, results, strict=True) if not passed]
    if failing:
        return OrjsonResponse({"status": "not ready", "failing": failing}, status_code=503)
    return OrjsonResponse({"status": "ready"})
