"""The store's tests run on SQLite (a temporary file) and on a real PostgreSQL.

PostgreSQL: a fresh database `cds_test_<random>` is created for the test session on the
server at CDS_TEST_POSTGRES_DSN (default host=127.0.0.1 port=5432 user=postgres) and
dropped at the end; tables are emptied before each test. When the server cannot be
reached the PostgreSQL cases skip, saying why, unless CDS_REQUIRE_POSTGRES=1 (as in
CI, `.ci/run`), where they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

REQUIRE_ENV = "CDS_REQUIRE_POSTGRES"
ADMIN_DSN = os.environ.get(
    "CDS_TEST_POSTGRES_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
)
TABLES = ("suppressions", "feedback", "issued_cards", "replay_tokens")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        admin = psycopg.connect(ADMIN_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = f"PostgreSQL not reachable at '{ADMIN_DSN}': {str(exc).strip()[:200]}"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_ENV}=1)")
        pytest.skip(reason)
    name = f"cds_test_{secrets.token_hex(6)}"
    params = admin.info.get_parameters()
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield (
                f"postgresql+psycopg://{params['user']}@{params.get('host', '127.0.0.1')}:"
                f"{params.get('port', '5432')}/{name}"
            )
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL, empty of rows: a SQLite file, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'store.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_tables(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """For tests of request handling that do not depend on the backend."""
    return f"sqlite+aiosqlite:///{tmp_path / 'store.sqlite3'}"


def _empty_tables(url: str) -> None:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        present = [t for t in TABLES if conn.execute("SELECT to_regclass(%s)", (t,)).fetchone()[0]]  # type: ignore[index]
        if present:
            conn.execute(f"TRUNCATE {', '.join(present)} RESTART IDENTITY CASCADE")
