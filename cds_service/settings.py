"""Service settings, read once from `CDS_*` environment variables.

    >>> from cds_service.settings import get_settings
    >>> get_settings().fhir_time_budget_seconds
    3.0

Tests override `get_settings` (it is cached) rather than mutating a global.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_AUDIT_SECRET = "change-me-in-production"


def _default_cards_dir() -> Path:
    """`cards/` beside the package in a checkout; the packaged copy in a wheel."""
    checkout = _REPO_ROOT / "cards"
    if checkout.is_dir():
        return checkout
    return Path(__file__).resolve().parent / "_content" / "cards"


class Settings(BaseSettings):
    """Every setting the service reads. The README's settings table lists them."""

    model_config = SettingsConfigDict(env_prefix="CDS_", extra="ignore")

    # --- serving -------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1)
    public_base_url: str | None = Field(
        default=None,
        description="Base URL the EHR calls (e.g. https://cds.example.org); the JWT `aud` "
        "is derived from it. Unset: taken from the request.",
    )
    cors_allowed_origins: list[str] = Field(
        default_factory=lambda: ["https://sandbox.cds-hooks.org"]
    )
    production: bool = False

    # --- request limits ------------------------------------------------------------
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_json_depth: int = Field(default=64, ge=8)
    max_prefetch_entries: int = Field(default=50, ge=1)

    # --- FHIR fetch ----------------------------------------------------------------
    fhir_time_budget_seconds: float = Field(default=3.0, gt=0)
    fhir_max_pages: int = Field(default=10, ge=1)
    fhir_max_response_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)

    # --- auth ----------------------------------------------------------------------
    auth_disabled: bool = False
    trusted_issuers_file: Path | None = None
    jwt_leeway_seconds: int = Field(default=60, ge=0, le=60)
    jwks_refresh_min_interval_seconds: float = Field(default=60.0, ge=0)

    # --- content -------------------------------------------------------------------
    cards_dir: Path = Field(default_factory=_default_cards_dir)

    # --- storage -------------------------------------------------------------------
    data_dir: Path = _REPO_ROOT / "var"
    database_url: str | None = None
    audit_hmac_secret: str = DEFAULT_AUDIT_SECRET
    suppression_days: int = Field(default=30, ge=0)
    suppression_lookup_timeout_seconds: float = Field(default=0.2, gt=0)
    store_write_timeout_seconds: float = Field(default=10.0, gt=0)
    audit_queue_size: int = Field(default=10_000, ge=1)
    audit_drain_timeout_seconds: float = Field(default=5.0, ge=0)

    # --- logging -------------------------------------------------------------------
    log_level: str = "INFO"

    @field_validator("public_base_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


# --- production mode (deployment) ------------------------------------------------------


class InsecureConfiguration(Exception):
    """`CDS_PRODUCTION=true` with an unsafe configuration: the service refuses to start."""


def production_problems(settings: Settings) -> list[str]:
    """What `CDS_PRODUCTION=true` refuses, each naming its setting; empty when all is well."""
    if not settings.production:
        return []
    problems: list[str] = []
    if settings.auth_disabled:
        problems.append("CDS_AUTH_DISABLED=true: production requires the EHR's JWT")
    if settings.audit_hmac_secret == DEFAULT_AUDIT_SECRET:
        problems.append("CDS_AUDIT_HMAC_SECRET is the built-in default: set a long random secret")
    sqlite_dir = _sqlite_directory(settings)
    if sqlite_dir is not None and not _writable(sqlite_dir):
        problems.append(
            f"the SQLite database directory {sqlite_dir} is read-only: set CDS_DATA_DIR "
            "to a writable volume, or CDS_DATABASE_URL to PostgreSQL"
        )
    return problems


def refuse_insecure_production(settings: Settings) -> None:
    """Raise `InsecureConfiguration` naming every problem `production_problems` finds."""
    problems = production_problems(settings)
    if problems:
        raise InsecureConfiguration("CDS_PRODUCTION=true refuses to start: " + "; ".join(problems))


def _sqlite_directory(settings: Settings) -> Path | None:
    """Where SQLite writes (its file and journal); None for PostgreSQL or in-memory."""
    url = settings.database_url
    if url is None:
        return settings.data_dir  # no URL: the store keeps its SQLite file there
    scheme, _, rest = url.partition("://")
    if not scheme.startswith("sqlite"):
        return None
    path = rest.removeprefix("/").split("?", 1)[0]
    if not path or path == ":memory:":
        return None
    return Path(path).parent


def _writable(directory: Path) -> bool:
    """Whether SQLite could create files in `directory` (or in the ancestor it would be
    created under)."""
    for candidate in (directory, *directory.parents):
        if candidate.exists():
            return candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK)
    return False
