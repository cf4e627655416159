"""Public keys of trusted EHRs, fetched from a JWK Set URL or file and cached.

    >>> keys = JwksCache(refresh_min_interval_seconds=60.0, clock=SystemClock())
    >>> jwk = await keys.get_key("https://ehr.example.org/jwks.json", kid="key-2024")
    >>> jwk["kty"]
    'EC'

One cache entry per source (a URL or a local file). An entry is refreshed when a
token names a `kid` it does not hold (key rotation), and when it is older than
`max_age_seconds` (so a key the EHR withdrew stops working); refreshes of one source
are at most one per `refresh_min_interval_seconds`, so a stream of tokens with made-up
`kid`s cannot turn us into a load generator against the EHR. If a refresh fails, the
keys already held keep working.

Fetching never follows redirects (a redirect would step outside the `jku`
allowlist), has a total time limit and a size cap. Only public signature keys of
type EC or RSA with a `kid` are kept; private, symmetric and encryption keys are
dropped.

    JwksError              – base; never leaves the protocol layer (auth.py maps it to 401)
    ├── JwksUnavailable    – the JWK Set could not be fetched, read or parsed
    └── UnknownKeyId       – the JWK Set holds no usable key with that `kid`
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from cds_service.clock import Clock

__all__ = ["Jwk", "JwksCache", "JwksError", "JwksUnavailable", "KeySource", "UnknownKeyId"]

logger = logging.getLogger(__name__)

#: A JWK Set URL (`jku` or configured `jwks_url`) or a local JWKS file.
KeySource = str | Path
#: One public JWK as a JSON object.
Jwk = dict[str, Any]

_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_KEY_TYPES = frozenset({"EC", "RSA"})


class JwksError(Exception):
    """A JWK Set problem; auth.py turns it into a 401."""


class JwksUnavailable(JwksError):
    """The JWK Set could not be fetched, read or parsed."""


class UnknownKeyId(JwksError):
    """The JWK Set holds no usable key with the token's `kid`."""


@dataclass
class _Entry:
    keys: dict[str, Jwk] = field(default_factory=dict)
    fetched_at: datetime | None = None
    attempted_at: datetime | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def parse_jwks(body: bytes | str) -> dict[str, Jwk]:
    """The usable public signature keys of a JWK Set document, by `kid`.

    >>> parse_jwks('{"keys": [{"kty": "oct", "kid": "a", "k": "c2VjcmV0"}]}')
    Traceback (most recent call last):
    JwksUnavailable: JWK Set holds no usable public EC/RSA signature key with a kid
    """
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise JwksUnavailable("JWK Set is not JSON") from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksUnavailable("JWK Set has no `keys` list")
    keys: dict[str, Jwk] = {}
    for jwk in document["keys"]:
        if not isinstance(jwk, dict):
            continue
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid or kid in keys:
            continue  # a duplicated kid is ambiguous: the first one wins
        if jwk.get("kty") not in _KEY_TYPES or jwk.get("use", "sig") != "sig":
            continue
        if _PRIVATE_MEMBERS & jwk.keys():
            continue  # a published private key is compromised; never trust it
        keys[kid] = jwk
    if not keys:
        raise JwksUnavailable("JWK Set holds no usable public EC/RSA signature key with a kid")
    return keys


class JwksCache:
    """Keys per source, refreshed on an unknown `kid` or old age, rate-limited."""

    def __init__(
        self,
        *,
        refresh_min_interval_seconds: float,
        clock: Clock,
        max_age_seconds: float = 3600.0,
        timeout_seconds: float = 5.0,
        max_bytes: int = 256 * 1024,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._min_interval = refresh_min_interval_seconds
        self._max_age = max_age_seconds
        self._timeout = timeout_seconds
        self._max_bytes = max_bytes
        self._transport = transport
        self._clock = clock
        self._entries: dict[KeySource, _Entry] = {}

    async def get_key(self, source: KeySource, *, kid: str) -> Jwk:
        """The JWK with this `kid` from `source`, refreshing the source if allowed."""
        entry = self._entries.setdefault(source, _Entry())
        if self._wants_refresh(entry, kid):
            async with entry.lock:
                if self._wants_refresh(entry, kid):  # another task may have just done it
                    await self._refresh(source, entry)
        jwk = entry.keys.get(kid)
        if jwk is None:
            if entry.fetched_at is None:
                raise JwksUnavailable("JWK Set could not be fetched")
            raise UnknownKeyId("no key with this kid in the issuer's JWK Set")
        return jwk

    def _wants_refresh(self, entry: _Entry, kid: str) -> bool:
        now = self._clock.now()
        if entry.attempted_at is not None and (
            (now - entry.attempted_at).total_seconds() < self._min_interval
        ):
            return False
        if entry.fetched_at is None or kid not in entry.keys:
            return True
        return (now - entry.fetched_at).total_seconds() >= self._max_age

    async def _refresh(self, source: KeySource, entry: _Entry) -> None:
        entry.attempted_at = self._clock.now()
        try:
            body = await self._read(source)
            keys = parse_jwks(body)
        except JwksUnavailable as exc:
            logger.warning(
                "JWK Set refresh failed; keeping %d cached key(s)",
                len(entry.keys),
                extra={"jwks_source": str(source), "jwks_error": str(exc)},
            )
            return
        entry.keys = keys
        entry.fetched_at = self._clock.now()
        logger.info(
            "JWK Set refreshed",
            extra={"jwks_source": str(source), "jwks_kids": sorted(keys)},
        )

    async def _read(self, source: KeySource) -> bytes:
        if isinstance(source, Path):
            try:
                body = source.read_bytes()
            except OSError as exc:
                raise JwksUnavailable(f"cannot read JWK Set file: {exc}") from exc
            if len(body) > self._max_bytes:
                raise JwksUnavailable("JWK Set file is over the size cap")
            return body
        try:
            async with asyncio.timeout(self._timeout):
                return await self._fetch(source)
        except TimeoutError as exc:
            raise JwksUnavailable("JWK Set fetch timed out") from exc
        except httpx.HTTPError as exc:
            raise JwksUnavailable(f"JWK Set fetch failed: {type(exc).__name__}") from exc

    async def _fetch(self, url: str) -> bytes:
        async with (
            httpx.AsyncClient(
                timeout=self._timeout, follow_redirects=False, transport=self._transport
            ) as client,
            client.stream("GET", url, headers={"Accept": "application/json"}) as response,
        ):
            if response.status_code != 200:
                raise JwksUnavailable(f"JWK Set URL answered HTTP {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self._max_bytes:
                raise JwksUnavailable("JWK Set is over the size cap")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self._max_bytes:
                    raise JwksUnavailable("JWK Set is over the size cap")
            return bytes(body)
