"""Replay protection: a JWT's `jti` is accepted once within the token's lifetime.

The verifier calls `check_and_record` only for tokens that passed every other check,
so only genuine tokens from trusted issuers take space here.

    >>> cache = InMemoryReplayCache(max_entries=10_000)
    >>> await cache.check_and_record("k", expires_at=later, now=now)
    True
    >>> await cache.check_and_record("k", expires_at=later, now=now)  # replayed
    False

To add a backend (e.g. PostgreSQL), implement `ReplayCache`: one async method that
atomically inserts `key` with its expiry unless an unexpired row with that key exists
(`INSERT … ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
WHERE replay.expires_at <= :now`, then "was a row written?"), and deletes expired rows
from time to time. The in-memory cache is per process: with `CDS_WORKERS` > 1 a token
could be replayed once per worker, so multi-worker deployments need a shared backend.
"""

from __future__ import annotations

import heapq
import logging
from datetime import datetime
from typing import Protocol

__all__ = ["InMemoryReplayCache", "ReplayCache"]

logger = logging.getLogger(__name__)


class ReplayCache(Protocol):
    """Remembers seen token ids until they expire."""

    async def check_and_record(self, key: str, *, expires_at: datetime, now: datetime) -> bool:
        """Record `key` until `expires_at`; False if it is already recorded and unexpired.

        Must be atomic: of two concurrent calls with one key, at most one returns True.
        `key` is an opaque ASCII string of at most 64 characters (the verifier sends a
        SHA-256 hex digest of issuer and `jti`). `expires_at` and `now` are aware UTC
        datetimes; `now` is the verifier's clock, so tests can freeze it.
        """
        ...


class InMemoryReplayCache:
    """A bounded, per-process `ReplayCache`; expired entries are evicted as time passes.

    When full of unexpired entries, the one that expires soonest is dropped (and a
    warning logged): memory stays bounded, and the token that could then be replayed
    is the one with the least lifetime left.
    """

    def __init__(self, *, max_entries: int = 100_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._expiry: dict[str, datetime] = {}
        self._queue: list[tuple[datetime, str]] = []  # min-heap by expiry; may hold stale pairs

    def __len__(self) -> int:
        return len(self._expiry)

    async def check_and_record(self, key: str, *, expires_at: datetime, now: datetime) -> bool:
        # No await in here: within one event loop this runs without interleaving.
        self._evict_expired(now)
        if key in self._expiry:
            return False
        while len(self._expiry) >= self._max_entries:
            self._drop_soonest()
        self._expiry[key] = expires_at
        heapq.heappush(self._queue, (expires_at, key))
        return True

    def _evict_expired(self, now: datetime) -> None:
        while self._queue and self._queue[0][0] <= now:
            expires_at, key = heapq.heappop(self._queue)
            if self._expiry.get(key) == expires_at:
                del self._expiry[key]

    def _drop_soonest(self) -> None:
        expires_at, key = heapq.heappop(self._queue)
        if self._expiry.get(key) == expires_at:
            del self._expiry[key]
            logger.warning(
                "Replay cache full: dropped an unexpired entry",
                extra={"replay_max_entries": self._max_entries},
            )
