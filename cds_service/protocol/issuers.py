"""The trusted-issuers file: which EHRs may call us, and where their keys live.

CDS Hooks 2.0 ("Trusting CDS Clients"): services SHOULD keep an allowlist of `iss`
and `jku` URLs. This module reads that allowlist from `CDS_TRUSTED_ISSUERS_FILE`
(YAML or JSON) and refuses a bad file at start, naming the problem:

    issuers:
      - iss: https://sandbox.cds-hooks.org
        jwks_url: https://sandbox.cds-hooks.org/.well-known/jwks.json
        jku_allowlist: [https://sandbox.cds-hooks.org/.well-known/jwks.json]
        algorithms: [ES384, ES256]

    >>> issuers = load_trusted_issuers(Path("docs/trusted-issuers.example.yaml"))
    >>> issuers.get("https://sandbox.cds-hooks.org").algorithms
    ('ES384', 'ES256')

`none` and HMAC algorithms are refused here (the file does not load) and again by the
verifier, whatever the file says.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "DEFAULT_ALGORITHMS",
    "AuthConfigurationError",
    "TrustedIssuer",
    "TrustedIssuers",
    "load_trusted_issuers",
]

#: Every algorithm an issuer may be configured with: signatures only, never `none`/HMAC.
ASYMMETRIC_ALGORITHMS = frozenset(
    {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
)
#: The spec's recommendation ("both ES384 and RS384 are RECOMMENDED").
DEFAULT_ALGORITHMS = ("ES384", "RS384")

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_MAX_FILE_BYTES = 1024 * 1024


class AuthConfigurationError(Exception):
    """Auth cannot start: the trusted-issuers file or the auth settings are unusable."""


def _key_url(value: str) -> str:
    """An https URL (http only on loopback, for tests and local demos), used verbatim."""
    parts = urlsplit(value)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise ValueError(f"{value!r} is not an absolute http(s) URL")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        raise ValueError(f"{value!r} must use https (http is allowed on loopback only)")
    if parts.username or parts.password or parts.fragment:
        raise ValueError(f"{value!r} must not carry credentials or a fragment")
    return value


def _algorithm(value: str) -> str:
    if value not in ASYMMETRIC_ALGORITHMS:
        allowed = ", ".join(sorted(ASYMMETRIC_ALGORITHMS))
        raise ValueError(
            f"algorithm {value!r} is not allowed: CDS Hooks forbids `none` and symmetric "
            f"(HMAC) algorithms; use one of {allowed}"
        )
    return value


KeyUrl = Annotated[str, AfterValidator(_key_url)]
Algorithm = Annotated[str, AfterValidator(_algorithm)]


class TrustedIssuer(BaseModel):
    """One EHR (`iss`) we accept JWTs from, and where to find its public keys.

    Keys come from the token's `jku` header when it is in `jku_allowlist`; otherwise
    from `jwks_url` or `jwks_file` (the spec's "out-of-band" JWK Set).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    iss: str = Field(min_length=1, description="The JWT `iss`, compared verbatim.")
    jwks_url: KeyUrl | None = None
    jwks_file: Path | None = None
    jku_allowlist: tuple[KeyUrl, ...] = ()
    tenant: str | None = Field(
        default=None, min_length=1, description="If set, the JWT `tenant` must equal it."
    )
    algorithms: tuple[Algorithm, ...] = Field(default=DEFAULT_ALGORITHMS, min_length=1)

    @model_validator(mode="after")
    def _one_key_source(self) -> TrustedIssuer:
        if self.jwks_url and self.jwks_file:
            raise ValueError("give jwks_url or jwks_file, not both")
        if not (self.jwks_url or self.jwks_file or self.jku_allowlist):
            raise ValueError("give jwks_url, jwks_file or a jku_allowlist: no key source")
        return self


class TrustedIssuers(BaseModel):
    """The whole file: a list of issuers, each `iss` at most once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuers: tuple[TrustedIssuer, ...] = ()

    @model_validator(mode="after")
    def _unique_iss(self) -> TrustedIssuers:
        seen: set[str] = set()
        for issuer in self.issuers:
            if issuer.iss in seen:
                raise ValueError(f"issuer {issuer.iss!r} is listed twice")
            seen.add(issuer.iss)
        return self

    def get(self, iss: str) -> TrustedIssuer | None:
        """The issuer configured for exactly this `iss`, or None."""
        for issuer in self.issuers:
            if issuer.iss == iss:
                return issuer
        return None


def _parse(path: Path) -> Any:
    raw = path.read_bytes()
    if len(raw) > _MAX_FILE_BYTES:
        raise AuthConfigurationError(f"trusted-issuers file {path} is over 1 MiB")
    text = raw.decode("utf-8")
    if path.suffix.lower() == ".json":
        return json.loads(text)
    return yaml.safe_load(text)


def _describe(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or '(top level)'}: {error['msg']}"
        for error in exc.errors()
    )


def load_trusted_issuers(path: Path) -> TrustedIssuers:
    """Read and validate the trusted-issuers file; relative `jwks_file`s are beside it.

    Raises `AuthConfigurationError` naming the file and every problem found.
    """
    try:
        data = _parse(path)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise AuthConfigurationError(f"cannot read trusted-issuers file {path}: {exc}") from exc
    if not isinstance(data, Mapping):
        raise AuthConfigurationError(
            f"trusted-issuers file {path}: expected a mapping with an `issuers` list"
        )
    try:
        issuers = TrustedIssuers.model_validate(data)
    except ValidationError as exc:
        raise AuthConfigurationError(
            f"trusted-issuers file {path} is invalid: {_describe(exc)}"
        ) from exc
    resolved = tuple(
        # Re-validated rather than model_copy(update=…), which would skip validation.
        TrustedIssuer.model_validate(
            {**issuer.model_dump(), "jwks_file": path.parent / issuer.jwks_file}
        )
        if issuer.jwks_file and not issuer.jwks_file.is_absolute()
        else issuer
        for issuer in issuers.issuers
    )
    for issuer in resolved:
        if issuer.jwks_file and not issuer.jwks_file.is_file():
            raise AuthConfigurationError(
                f"trusted-issuers file {path}: jwks_file {issuer.jwks_file} "
                f"of issuer {issuer.iss!r} does not exist"
            )
    return TrustedIssuers(issuers=resolved)
