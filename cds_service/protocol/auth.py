"""Verify the JWT a CDS Client (the EHR) sends, as CDS Hooks 2.0 "Trusting CDS Clients" asks.

    >>> verifier = build_verifier(get_settings())        # once, at startup
    >>> claims = await verifier.verify(token, audience="https://cds.example.org/cds-services")
    >>> claims.issuer
    'https://sandbox.cds-hooks.org'

Every failure raises `cds_service.errors.Unauthorized` with a fixed reason for the log
(never the token, never a claim value from an untrusted token). The checks, in order:

1. compact JWS with three parts; header `alg` is an asymmetric algorithm (never `none`,
   never HMAC, whatever the configuration), `kid` present, `typ` absent or `JWT`;
2. `iss` is a trusted issuer and `alg` is one that issuer may use;
3. a `jku` header must be on that issuer's allowlist (a refused `jku` is never fetched);
   keys come from `jku`, else the issuer's `jwks_url` / `jwks_file`; `kid` picks the key,
   whose type and curve must fit `alg`;
4. the signature;
5. `aud` is exactly the URL called; `exp` and `iat` required, `exp`/`iat`/`nbf` checked
   against the injectable clock with `leeway_seconds` (≤ 60); `tenant` matches if the
   issuer pins one; `jti` present;
6. `jti` not seen before from that issuer within the token's lifetime (replay).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from cds_service.clock import Clock, SystemClock
from cds_service.errors import Unauthorized
from cds_service.protocol.issuers import (
    ASYMMETRIC_ALGORITHMS,
    AuthConfigurationError,
    TrustedIssuer,
    TrustedIssuers,
    load_trusted_issuers,
)
from cds_service.protocol.jwks import JwksCache, JwksUnavailable, KeySource, UnknownKeyId
from cds_service.protocol.replay import InMemoryReplayCache, ReplayCache
from cds_service.settings import Settings

__all__ = [
    "AuthConfigurationError",
    "Claims",
    "JwtVerifier",
    "build_verifier",
]

logger = logging.getLogger(__name__)

_MAX_TOKEN_CHARS = 16 * 1024
_MAX_ID_CHARS = 256
_MIN_RSA_BITS = 2048
_EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
_MAX_EPOCH = 250_000_000_000  # ~ year 9900: leaves room to add leeway without overflow


@dataclass(frozen=True, kw_only=True, slots=True)
class Claims:
    """What a verified CDS Hooks JWT tells us about the caller."""

    issuer: str
    audience: str
    jti: str
    tenant: str | None
    issued_at: datetime
    expires_at: datetime
    key_id: str
    algorithm: str


class JwtVerifier:
    """Verifies CDS Hooks JWTs; build one per app with `build_verifier`."""

    def __init__(
        self,
        *,
        issuers: TrustedIssuers,
        keys: JwksCache,
        replay: ReplayCache,
        clock: Clock,
        leeway_seconds: int = 60,
    ) -> None:
        if not 0 <= leeway_seconds <= 60:
            raise AuthConfigurationError("JWT leeway must be between 0 and 60 seconds")
        self._issuers = issuers
        self._keys = keys
        self._replay = replay
        self._clock = clock
        self._leeway = timedelta(seconds=leeway_seconds)

    def use_replay_cache(self, replay: ReplayCache) -> None:
        """Record `jti`s in `replay` from now on (the app swaps in the database cache once
        its store is up, so every worker and replica shares one)."""
        self._replay = replay

    async def verify(self, token: str, *, audience: str) -> Claims:
        """The token's claims if it is valid for a call to `audience`, else `Unauthorized`."""
        header = _header(token)
        algorithm, kid = header["alg"], header["kid"]
        issuer = self._issuer(_unverified_payload(token))
        if algorithm not in issuer.algorithms:
            raise Unauthorized("JWT alg is not one this issuer may use", reason="bad_algorithm")
        key = await self._key(issuer, header, algorithm=algorithm, kid=kid)
        payload = _verified_payload(token, key)
        claims = self._claims(payload, issuer, audience=audience, algorithm=algorithm, kid=kid)
        replay_key = hashlib.sha256(f"{claims.issuer}\n{claims.jti}".encode()).hexdigest()
        fresh = await self._replay.check_and_record(
            replay_key, expires_at=claims.expires_at + self._leeway, now=self._clock.now()
        )
        if not fresh:
            raise Unauthorized("JWT jti was already used (replay)", reason="replayed")
        return claims

    def _issuer(self, payload: dict[str, Any]) -> TrustedIssuer:
        iss = payload.get("iss")
        issuer = self._issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise Unauthorized(
                "JWT iss is missing or not a trusted issuer", reason="untrusted_issuer"
            )
        return issuer

    async def _key(
        self, issuer: TrustedIssuer, header: dict[str, Any], *, algorithm: str, kid: str
    ) -> jwt.PyJWK:
        source: KeySource | None
        if "jku" in header:
            if header["jku"] not in issuer.jku_allowlist:
                raise Unauthorized(
                    "JWT jku is not on this issuer's allowlist", reason="untrusted_issuer"
                )
            source = str(header["jku"])
        else:
            source = issuer.jwks_url or issuer.jwks_file
        if source is None:
            raise Unauthorized(
                "JWT has no jku and its issuer has no configured JWK Set", reason="untrusted_issuer"
            )
        try:
            jwk = await self._keys.get_key(source, kid=kid)
        except UnknownKeyId as exc:
            raise Unauthorized(
                "JWT kid is not in the issuer's JWK Set", reason="bad_signature"
            ) from exc
        except JwksUnavailable as exc:
            raise Unauthorized(
                "issuer's JWK Set is unavailable", reason="jwks_unavailable"
            ) from exc
        return _public_key(jwk, algorithm=algorithm)

    def _claims(
        self,
        payload: dict[str, Any],
        issuer: TrustedIssuer,
        *,
        audience: str,
        algorithm: str,
        kid: str,
    ) -> Claims:
        now = self._clock.now()
        aud = payload.get("aud")
        if not (aud == audience or (isinstance(aud, list) and audience in aud)):
            raise Unauthorized("JWT aud is not the URL that was called", reason="bad_audience")
        expires_at = _instant(payload, "exp")
        issued_at = _instant(payload, "iat")
        if expires_at is None or issued_at is None:
            raise Unauthorized(
                "JWT exp and iat are required numeric dates", reason="malformed_token"
            )
        if now > expires_at + self._leeway:
            raise Unauthorized("JWT has expired", reason="expired")
        if issued_at > now + self._leeway:
            raise Unauthorized("JWT iat is in the future", reason="not_yet_valid")
        if "nbf" in payload:
            not_before = _instant(payload, "nbf")
            if not_before is None:
                raise Unauthorized("JWT nbf is not a numeric date", reason="malformed_token")
            if not_before > now + self._leeway:
                raise Unauthorized("JWT is not valid yet (nbf)", reason="not_yet_valid")
        tenant = payload.get("tenant")
        if tenant is not None and not isinstance(tenant, str):
            raise Unauthorized("JWT tenant is not a string", reason="malformed_token")
        if issuer.tenant is not None and tenant != issuer.tenant:
            raise Unauthorized(
                "JWT tenant is not the one configured for this issuer", reason="untrusted_issuer"
            )
        jti = payload.get("jti")
        if not isinstance(jti, str) or not 0 < len(jti) <= _MAX_ID_CHARS:
            raise Unauthorized(
                "JWT jti is required (a string of at most 256 characters)", reason="malformed_token"
            )
        return Claims(
            issuer=issuer.iss,
            audience=audience,
            jti=jti,
            tenant=tenant,
            issued_at=issued_at,
            expires_at=expires_at,
            key_id=kid,
            algorithm=algorithm,
        )


def _header(token: str) -> dict[str, Any]:
    if len(token) > _MAX_TOKEN_CHARS or token.count(".") != 2:
        raise Unauthorized("bearer token is not a compact JWS", reason="malformed_token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Unauthorized("JWT header cannot be decoded", reason="malformed_token") from exc
    alg = header.get("alg")
    if not isinstance(alg, str) or alg.lower() == "none" or alg.upper().startswith("HS"):
        raise Unauthorized(
            "JWT alg is none or symmetric, which CDS Hooks forbids", reason="bad_algorithm"
        )
    if alg not in ASYMMETRIC_ALGORITHMS:
        raise Unauthorized(
            "JWT alg is not a supported asymmetric algorithm", reason="bad_algorithm"
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or not 0 < len(kid) <= _MAX_ID_CHARS:
        raise Unauthorized("JWT kid header is required", reason="malformed_token")
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.upper() != "JWT"):
        raise Unauthorized("JWT typ header is not JWT", reason="malformed_token")
    if "jku" in header and not isinstance(header["jku"], str):
        raise Unauthorized("JWT jku header is not a string", reason="malformed_token")
    if "crit" in header:
        raise Unauthorized(
            "JWT crit header names extensions this service does not support",
            reason="malformed_token",
        )
    return header


def _unverified_payload(token: str) -> dict[str, Any]:
    """The payload, read only to find the issuer; nothing in it is trusted yet."""
    try:
        payload: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise Unauthorized("JWT payload cannot be decoded", reason="malformed_token") from exc
    return payload


def _public_key(jwk: dict[str, Any], *, algorithm: str) -> jwt.PyJWK:
    """The JWK as a key bound to `algorithm`, if the key is fit for it."""
    if jwk.get("alg", algorithm) != algorithm:
        raise Unauthorized(
            "JWT alg differs from the alg of the key its kid names", reason="bad_algorithm"
        )
    if algorithm.startswith("ES"):
        if jwk.get("kty") != "EC" or jwk.get("crv") != _EC_CURVES[algorithm]:
            raise Unauthorized(
                "JWT kid names a key whose type or curve does not fit alg", reason="bad_algorithm"
            )
    elif jwk.get("kty") != "RSA":
        raise Unauthorized(
            "JWT kid names a key whose type does not fit alg", reason="bad_algorithm"
        )
    try:
        key = jwt.PyJWK(jwk, algorithm=algorithm)
    except jwt.PyJWTError as exc:
        raise Unauthorized(
            "the issuer's key for this kid cannot be loaded", reason="jwks_unavailable"
        ) from exc
    if isinstance(key.key, rsa.RSAPublicKey) and key.key.key_size < _MIN_RSA_BITS:
        raise Unauthorized("the issuer's RSA key is shorter than 2048 bits", reason="bad_signature")
    return key


def _verified_payload(token: str, key: jwt.PyJWK) -> dict[str, Any]:
    """Check the signature only; claims are checked by the verifier against its clock."""
    options: Any = {
        "verify_signature": True,
        "verify_exp": False,
        "verify_nbf": False,
        "verify_iat": False,
        "verify_aud": False,
        "verify_iss": False,
        "require": [],
    }
    try:
        payload: dict[str, Any] = jwt.decode(
            token, key=key, algorithms=[key.algorithm_name], options=options
        )
    except jwt.InvalidSignatureError as exc:
        raise Unauthorized(
            "JWT signature does not verify with the issuer's key", reason="bad_signature"
        ) from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("JWT cannot be verified", reason="bad_signature") from exc
    return payload


def _instant(payload: dict[str, Any], claim: str) -> datetime | None:
    value = payload.get(claim)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not 0 <= value <= _MAX_EPOCH:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def build_verifier(
    settings: Settings,
    *,
    clock: Clock | None = None,
    replay: ReplayCache | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> JwtVerifier:
    """The app's verifier, from settings; call once at startup.

    `clock` defaults to the system clock; tests pass a frozen one.
    Raises `AuthConfigurationError` (stop the app) when auth is on and
    `CDS_TRUSTED_ISSUERS_FILE` is unset or invalid; and with `CDS_PRODUCTION`, when
    `CDS_AUTH_DISABLED` is set or `CDS_PUBLIC_BASE_URL` is not. `transport` is for tests that
    serve a JWK Set at a URL they cannot reach.
    """
    if settings.auth_disabled and settings.production:
        raise AuthConfigurationError(
            "CDS_AUTH_DISABLED=true is for local demos only and is refused with CDS_PRODUCTION"
        )
    if settings.trusted_issuers_file is not None:
        issuers = load_trusted_issuers(settings.trusted_issuers_file)
    elif settings.auth_disabled:
        issuers = TrustedIssuers()  # nothing is trusted; nothing is asked either
    else:
        raise AuthConfigurationError(
            "CDS_TRUSTED_ISSUERS_FILE is not set: name the file of trusted EHR issuers "
            "(see docs/security.md), or set CDS_AUTH_DISABLED=true for a local demo"
        )
    if settings.auth_disabled:
        logger.warning("JWT authentication is DISABLED (CDS_AUTH_DISABLED=true)")
    elif settings.public_base_url is None:
        # `aud` then comes from the Host header, which the caller chooses: a token minted
        # for another service could be presented here with that service's Host.
        if settings.production:
            raise AuthConfigurationError(
                "CDS_PUBLIC_BASE_URL is required with CDS_PRODUCTION: the JWT `aud` must be "
                "checked against the URL the EHR calls, not the request's Host header"
            )
        logger.warning("CDS_PUBLIC_BASE_URL is unset: JWT `aud` is checked against the Host")
    clock = clock or SystemClock()
    return JwtVerifier(
        issuers=issuers,
        keys=JwksCache(
            refresh_min_interval_seconds=settings.jwks_refresh_min_interval_seconds,
            clock=clock,
            transport=transport,
        ),
        replay=replay if replay is not None else InMemoryReplayCache(),
        clock=clock,
        leeway_seconds=settings.jwt_leeway_seconds,
    )
