"""`ReplayCache` in the database, so every replica rejects a `jti` any of them has seen.

    from cds_service.store.replay import DatabaseReplayCache
    cache = DatabaseReplayCache(app.state.store.engine)     # after the store has started
    verifier = JwtVerifier(..., replay=cache)

One statement decides, atomically on both backends:

    INSERT INTO replay_tokens (key, expires_at) VALUES (:key, :expires_at)
    ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
        WHERE replay_tokens.expires_at <= :now
    RETURNING key                           -- a row back: first use (or the old one expired)

Expired rows are deleted at most once per `purge_interval`, in the same transaction.
A database error raises `StoreUnavailable` (503): replay protection fails closed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from cds_service.errors import StoreUnavailable
from cds_service.store.dialect import insert
from cds_service.store.schema import replay_tokens

__all__ = ["DatabaseReplayCache"]

logger = logging.getLogger(__name__)


class DatabaseReplayCache:
    """A `cds_service.protocol.replay.ReplayCache` on the store's database."""

    def __init__(
        self, engine: AsyncEngine, *, purge_interval: timedelta = timedelta(minutes=1)
    ) -> None:
        self._engine = engine
        self._purge_interval = purge_interval
        self._last_purge: datetime | None = None

    async def check_and_record(self, key: str, *, expires_at: datetime, now: datetime) -> bool:
        try:
            async with self._engine.begin() as conn:
                if self._last_purge is None or now - self._last_purge >= self._purge_interval:
                    await conn.execute(
                        delete(replay_tokens).where(replay_tokens.c.expires_at <= now)
                    )
                    self._last_purge = now
                fresh = insert(conn, replay_tokens).values(key=key, expires_at=expires_at)
                statement = fresh.on_conflict_do_update(
                    index_elements=[replay_tokens.c.key],
                    set_={"expires_at": fresh.excluded.expires_at},
                    where=replay_tokens.c.expires_at <= now,
                ).returning(replay_tokens.c.key)
                recorded = (await conn.execute(statement)).first() is not None
        except (SQLAlchemyError, OSError) as exc:
            logger.error("replay cache unavailable", extra={"error": type(exc).__name__})
            raise StoreUnavailable("Token replay check unavailable; retry later") from exc
        return recorded
