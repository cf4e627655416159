"""The FastAPI dependency that demands the EHR's JWT on every CDS Hooks call.

Wiring (app.py and the routers):

    app.state.jwt_verifier = build_verifier(settings)          # once, at startup
    router = APIRouter(dependencies=[Depends(require_jwt)])    # discovery, hooks, feedback

or, where a route wants the caller's identity:

    async def call_service(..., caller: CallerDep) -> ...:     # Claims, or None if auth is off

The audience a token must carry is the URL called:
`{CDS_PUBLIC_BASE_URL or the request's own scheme://host}{request path}`.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request

from cds_service.errors import Unauthorized
from cds_service.protocol.auth import Claims, JwtVerifier
from cds_service.settings import Settings, get_settings

__all__ = ["CallerDep", "expected_audience", "require_jwt"]

logger = logging.getLogger(__name__)


def _settings(request: Request) -> Settings:
    settings: Settings | None = getattr(request.app.state, "settings", None)
    return settings if settings is not None else get_settings()


def expected_audience(request: Request, settings: Settings) -> str:
    """The `aud` a token for this request must carry: the exact URL that was called."""
    base = settings.public_base_url or f"{request.url.scheme}://{request.url.netloc}"
    return base + request.url.path


def _bearer_token(request: Request) -> str:
    header = request.headers.get("Authorization")
    if header is None:
        raise Unauthorized("no Authorization header", reason="missing_token")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token or " " in token.strip():
        raise Unauthorized("Authorization header is not 'Bearer <JWT>'", reason="malformed_token")
    return token.strip()


async def require_jwt(request: Request) -> Claims | None:
    """The verified claims of the caller's JWT; None when `CDS_AUTH_DISABLED` is true.

    Raises `Unauthorized` (answered 401 by the app's error handler) on any failure.
    """
    settings = _settings(request)
    if settings.auth_disabled:
        return None
    verifier: JwtVerifier | None = getattr(request.app.state, "jwt_verifier", None)
    if verifier is None:
        # A wiring defect, not the caller's fault: fail closed, loudly (500).
        raise RuntimeError("app.state.jwt_verifier is not set; call build_verifier at startup")
    path = request.url.path
    try:
        claims = await verifier.verify(
            _bearer_token(request), audience=expected_audience(request, settings)
        )
    except Unauthorized as exc:
        logger.info("JWT refused", extra={"reason": exc.diagnostics, "path": path})
        raise
    logger.debug(
        "JWT accepted", extra={"issuer": claims.issuer, "kid": claims.key_id, "path": path}
    )
    return claims


CallerDep = Annotated[Claims | None, Depends(require_jwt)]
