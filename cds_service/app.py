"""Assembles the FastAPI application; nothing else happens here.

app = create_app()                      # settings from CDS_* environment variables
app = create_app(settings, clock=FixedClock(t), services=[...])   # tests
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from cds_service import __version__
from cds_service.api import discovery, feedback, hooks
from cds_service.api.errors import install_error_handlers
from cds_service.api.health import install_default_readiness_checks, register_readiness_check
from cds_service.api.health import router as health_router
from cds_service.api.metrics import router as metrics_router
from cds_service.api.security import require_jwt
from cds_service.clock import Clock, SystemClock
from cds_service.observability.access_log import AccessLogMiddleware
from cds_service.observability.metrics import MetricsMiddleware
from cds_service.protocol.auth import build_verifier
from cds_service.protocol.fhir_client import FhirClient
from cds_service.services.base import CdsService
from cds_service.services.catalogue import default_services
from cds_service.services.registry import ServiceRegistry
from cds_service.settings import Settings, get_settings, refuse_insecure_production
from cds_service.store.replay import DatabaseReplayCache
from cds_service.store.store import running_store


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    services: Sequence[CdsService] | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    refuse_insecure_production(settings)  # names every unsafe setting at once

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        timeout = httpx.Timeout(settings.fhir_time_budget_seconds)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
            app.state.fhir_client = FhirClient(
                http,
                max_pages=settings.fhir_max_pages,
                max_response_bytes=settings.fhir_max_response_bytes,
            )
            # Feedback/audit store: migrated before the first request, drained on shutdown.
            async with running_store(settings) as app.state.store:
                # jti replay is checked in the database, so replicas on one database
                # refuse each other's replays.
                app.state.jwt_verifier.use_replay_cache(DatabaseReplayCache(app.state.store.engine))
                yield

    app = FastAPI(
        title="Bone Metastasis Advisor (CDS Hooks)",
        version=__version__,
        lifespan=lifespan,
        docs_url=None if settings.production else "/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.registry = ServiceRegistry(list(services or default_services(settings)))
    install_default_readiness_checks(app, settings)  # /readyz; others add theirs
    register_readiness_check(app, "database", lambda: app.state.store.ping())

    # Every CDS Hooks route (discovery included) requires the EHR's JWT unless auth is
    # explicitly disabled; health and metrics stay outside. Built here so a bad issuers
    # file stops the app at once; the lifespan gives it the database replay cache.
    app.state.jwt_verifier = build_verifier(settings)
    authenticated = [Depends(require_jwt)]

    install_error_handlers(app)
    # Operations routes: no JWT (probes and scrapers have none), no configuration shown.
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(discovery.router, dependencies=authenticated)
    app.include_router(hooks.router, dependencies=authenticated)
    app.include_router(feedback.router, dependencies=authenticated)

    # Browser clients (the CDS Hooks sandbox) send the JWT in Authorization, not as a
    # cookie: credentials stay off, so a configured "*" can never be combined with them.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_allowed_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        allow_credentials=False,
        max_age=600,
    )
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(AccessLogMiddleware)
    return app
