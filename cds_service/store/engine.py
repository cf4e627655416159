"""The async engine for the configured database: SQLite by default, or PostgreSQL.

    CDS_DATABASE_URL unset                       → sqlite+aiosqlite:///<CDS_DATA_DIR>/cds-service.sqlite3
    CDS_DATABASE_URL=postgresql://u@db/cds       → postgresql+psycopg://u@db/cds (psycopg 3)
    CDS_DATABASE_URL=sqlite:///path/to/file.db   → sqlite+aiosqlite:///path/to/file.db

SQLite runs in WAL mode (readers never wait for the writer) with `synchronous=FULL`,
so a committed feedback item survives even a power cut. PostgreSQL connections carry a
statement timeout, so a stuck database ends in an error rather than a hung writer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cds_service.settings import Settings

__all__ = ["SQLITE_FILENAME", "create_engine", "database_url", "safe_url"]

SQLITE_FILENAME = "cds-service.sqlite3"
_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}
CONNECT_TIMEOUT_SECONDS = 3
STATEMENT_TIMEOUT_MS = 5000
BUSY_TIMEOUT_MS = 5000


def database_url(settings: Settings) -> URL:
    """The URL to connect to, with the async driver filled in."""
    if settings.database_url:
        url = make_url(settings.database_url)
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        url = make_url(f"sqlite:///{settings.data_dir.resolve() / SQLITE_FILENAME}")
    backend = url.get_backend_name()
    if backend not in _DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return url.set(drivername=_DRIVERS[backend])


def safe_url(url: URL) -> str:
    """The URL for logs and messages: never the password."""
    return url.render_as_string(hide_password=True)


def create_engine(url: URL) -> AsyncEngine:
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise ValueError("the store needs a SQLite file, not an in-memory database")
        engine = create_async_engine(url, pool_size=5, max_overflow=5, pool_timeout=5)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url,
        pool_size=5,
        max_overflow=10,
        pool_timeout=5,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            "application_name": "cds-service",
        },
    )


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()
