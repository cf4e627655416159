"""The in-memory replay cache: one use per key while unexpired, bounded memory."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from cds_service.protocol.replay import InMemoryReplayCache, ReplayCache

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


async def test_a_key_is_accepted_once_until_it_expires() -> None:
    cache: ReplayCache = InMemoryReplayCache()
    assert await cache.check_and_record("a", expires_at=LATER, now=NOW)
    assert not await cache.check_and_record("a", expires_at=LATER, now=NOW)
    assert not await cache.check_and_record("a", expires_at=LATER, now=LATER - timedelta(seconds=1))
    assert await cache.check_and_record("a", expires_at=LATER + timedelta(minutes=5), now=LATER)


async def test_concurrent_checks_admit_one() -> None:
    cache = InMemoryReplayCache()
    results = await asyncio.gather(
        *(cache.check_and_record("same", expires_at=LATER, now=NOW) for _ in range(20))
    )
    assert results.count(True) == 1


async def test_expired_entries_are_evicted() -> None:
    cache = InMemoryReplayCache()
    for n in range(100):
        await cache.check_and_record(f"k{n}", expires_at=NOW + timedelta(seconds=n), now=NOW)
    await cache.check_and_record("late", expires_at=LATER, now=NOW + timedelta(seconds=50))
    assert len(cache) == 50  # k51…k99 and "late"; k0…k50 expired at or before now


async def test_bounded_by_dropping_the_soonest_to_expire(caplog: pytest.LogCaptureFixture) -> None:
    cache = InMemoryReplayCache(max_entries=3)
    for n in range(3):
        await cache.check_and_record(f"k{n}", expires_at=LATER + timedelta(seconds=n), now=NOW)
    assert await cache.check_and_record("k3", expires_at=LATER + timedelta(hours=1), now=NOW)
    assert len(cache) == 3
    assert await cache.check_and_record("k0", expires_at=LATER, now=NOW)  # k0 was dropped
    assert not await cache.check_and_record("k3", expires_at=LATER, now=NOW)
    assert "Replay cache full" in caplog.text


def test_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        InMemoryReplayCache(max_entries=0)
