"""INSERT … ON CONFLICT, which SQLAlchemy spells per dialect (both SQLite and
PostgreSQL support it, with RETURNING)."""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["insert"]


def insert(conn: AsyncConnection, table: Table) -> postgresql.Insert | sqlite.Insert:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise ValueError(f"unsupported database {conn.dialect.name!r}")
