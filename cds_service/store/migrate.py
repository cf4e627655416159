"""Bring the database schema to the latest Alembic revision.

    await upgrade(engine)           # app start-up, and `cds-service db upgrade`

The migrations live in this package (`cds_service/store/migrations`), so they ship in
the wheel. Several processes may start at once (uvicorn workers, replicas): on
PostgreSQL an advisory lock, on SQLite a lock file, lets one migrate at a time.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from cds_service.settings import Settings
from cds_service.store.engine import create_engine, database_url, safe_url

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade", "upgrade_database"]

SCRIPT_LOCATION = "cds_service.store:migrations"
_PG_LOCK_ID = 0x0CD5_F33D  # any constant; names this service's migration lock


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(engine: AsyncEngine) -> None:
    database = engine.url.database or ""
    lock = _file_lock(Path(database + ".migrate-lock")) if engine.dialect.name == "sqlite" else None
    with lock or _nothing():
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                await conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_LOCK_ID})"))
            await conn.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    # Blocking, but only at start-up, before the service takes requests.
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


async def upgrade_database(settings: Settings) -> tuple[str | None, str]:
    """`cds-service db upgrade`: migrate the configured database; (revision, safe URL)."""
    url = database_url(settings)
    engine = create_engine(url)
    try:
        await upgrade(engine)
        return await current_revision(engine), safe_url(url)
    finally:
        await engine.dispose()
