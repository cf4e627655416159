"""DatabaseReplayCache: a jti is accepted once per lifetime, across replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cds_service.protocol.replay import ReplayCache
from cds_service.store.engine import create_engine, database_url
from cds_service.store.migrate import upgrade
from cds_service.store.replay import DatabaseReplayCache
from cds_service.store.schema import replay_tokens
from tests.store.support import store_settings
from tests.support.app import EVALUATION_TIME

NOW = EVALUATION_TIME
LATER = NOW + timedelta(minutes=5)


@pytest.fixture
async def engines(tmp_path: Path, db_url: str) -> AsyncIterator[tuple[AsyncEngine, AsyncEngine]]:
    """Two engines on one database: two replicas of the service."""
    url = database_url(store_settings(tmp_path, db_url))
    first, second = create_engine(url), create_engine(url)
    await upgrade(first)
    yield first, second
    await first.dispose()
    await second.dispose()


async def test_a_key_is_accepted_once_until_it_expires(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    cache: ReplayCache = DatabaseReplayCache(engines[0])
    assert await cache.check_and_record("k1", expires_at=LATER, now=NOW) is True
    assert await cache.check_and_record("k1", expires_at=LATER, now=NOW) is False
    assert await cache.check_and_record("k2", expires_at=LATER, now=NOW) is True
    assert (
        await cache.check_and_record("k1", expires_at=LATER + timedelta(minutes=5), now=LATER)
        is True
    )


async def test_replicas_reject_each_others_replays_even_when_concurrent(
    engines: tuple[AsyncEngine, AsyncEngine],
) -> None:
    replicas = [DatabaseReplayCache(engine) for engine in engines]
    results = await asyncio.gather(
        *(replicas[n % 2].check_and_record("jti", expires_at=LATER, now=NOW) for n in range(20))
    )
    assert results.count(True) == 1


async def test_expired_keys_are_purged(engines: tuple[AsyncEngine, AsyncEngine]) -> None:
    cache = DatabaseReplayCache(engines[0], purge_interval=timedelta(seconds=0))
    for n in range(5):
        await cache.check_and_record(f"old-{n}", expires_at=NOW + timedelta(seconds=1), now=NOW)
    await cache.check_and_record("new", expires_at=LATER + timedelta(minutes=5), now=LATER)
    async with engines[0].connect() as conn:
        left = (await conn.execute(select(func.count()).select_from(replay_tokens))).scalar()
    assert left == 1
