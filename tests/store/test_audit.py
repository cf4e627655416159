"""Audit trail: every card shown is recorded, with the patient only as a keyed hash,
and the hook answers at its usual speed whatever state the database is in."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from cds_service.store import metrics
from cds_service.store.audit import AuditRecord, AuditWriter
from cds_service.store.engine import create_engine
from cds_service.store.schema import issued_cards
from tests.store.support import SECRET, SERVICE_ID, running, store_settings
from tests.support.app import EVALUATION_TIME

PATIENT = "pt-7f3a9c"
HOOK_CALLS = 10


async def test_each_card_shown_is_recorded_with_the_patient_hashed(
    tmp_path: Path, db_url: str
) -> None:
    cards_spec = (("calcium", "warning"), ("imaging", "info"))
    async with running(store_settings(tmp_path, db_url), cards=cards_spec) as app:
        cards = await app.hook(PATIENT)
        assert await app.store.audit.flush(5)
        rows = await app.rows(
            "SELECT card_uuid, service_id, topic, indicator, patient_hash, issued_at, "
            "hook_instance, override_reasons FROM issued_cards ORDER BY topic"
        )
        everything = [
            await app.rows(f"SELECT * FROM {table}")
            for table in ("issued_cards", "feedback", "suppressions")
        ]
    expected_hash = hmac.new(SECRET.encode(), PATIENT.encode(), hashlib.sha256).hexdigest()
    assert {row[0] for row in rows} == {card["uuid"] for card in cards}
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [
        (SERVICE_ID, "calcium", "warning", expected_hash),
        (SERVICE_ID, "imaging", "info", expected_hash),
    ]
    assert await app_issued_times(tmp_path, db_url) == [EVALUATION_TIME] * 2
    assert PATIENT not in repr(everything)
    if db_url.startswith("sqlite"):
        database = Path(make_url(db_url).database or "")
        for path in (database, database.with_name(database.name + "-wal")):
            if path.exists():
                assert PATIENT.encode() not in path.read_bytes()


async def app_issued_times(tmp_path: Path, db_url: str) -> list[object]:
    async with running(store_settings(tmp_path, db_url)) as app:
        return [row[0] for row in await app.rows(select(issued_cards.c.issued_at))]


async def _hook_latencies(app: object, calls: int = HOOK_CALLS) -> list[float]:
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        cards = await app.hook(PATIENT)  # type: ignore[attr-defined]
        latencies.append(time.perf_counter() - started)
        assert len(cards) == 1  # fail open: the card is shown
    return latencies


async def test_hook_is_not_slowed_by_a_database_that_is_down(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = store_settings(tmp_path, db_url, audit_drain_timeout_seconds=0.5)
    async with running(settings) as app:
        baseline = await _hook_latencies(app)
        dead_url = (
            make_url(f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'x.sqlite3'}")
            if db_url.startswith("sqlite")
            else make_url(db_url).set(port=1)
        )
        healthy, dead = app.store.engine, create_engine(dead_url)
        failed_before = metrics.SUPPRESSION_LOOKUPS_FAILED.labels(reason="error")._value.get()
        monkeypatch.setattr(app.store, "engine", dead)
        try:
            down = await _hook_latencies(app)
        finally:
            monkeypatch.setattr(app.store, "engine", healthy)
        failed = metrics.SUPPRESSION_LOOKUPS_FAILED.labels(reason="error")._value.get()
        await dead.dispose()
    assert failed - failed_before == HOOK_CALLS
    assert max(down) < max(baseline) + 0.25, (baseline, down)


@asynccontextmanager
async def _database_locked(db_url: str) -> AsyncIterator[None]:
    """Another client holds locks that make every write (and, on PostgreSQL, every read)
    of the store's tables wait."""
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(make_url(db_url).database or "", isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    dsn = db_url.replace("postgresql+psycopg://", "postgresql://")
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        await conn.execute("LOCK TABLE issued_cards, suppressions IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            await conn.rollback()


async def test_hook_is_not_slowed_by_a_slow_database_and_audit_catches_up(
    tmp_path: Path, db_url: str
) -> None:
    async with running(store_settings(tmp_path, db_url)) as app:
        baseline = await _hook_latencies(app)
        async with _database_locked(db_url):
            slow = await _hook_latencies(app)
            await asyncio.sleep(0.3)  # the writer is now stuck behind the lock
        assert await app.store.audit.flush(10)
        (count,) = (await app.rows("SELECT count(*) FROM issued_cards"))[0]
    # The lookup's budget is 200 ms; the audit write waits in the background.
    assert max(slow) < max(baseline) + 0.4, (baseline, slow)
    assert count == 2 * HOOK_CALLS


def _record(n: int) -> AuditRecord:
    return AuditRecord(f"card-{n}", SERVICE_ID, "hi", "t", "info", None, (), 0, EVALUATION_TIME)


def _lost(reason: str) -> float:
    value: float = metrics.AUDIT_RECORDS_LOST.labels(reason=reason)._value.get()
    return value


async def test_records_that_cannot_be_written_are_counted_not_silently_lost() -> None:
    attempts = 0

    async def failing(batch: Sequence[AuditRecord]) -> None:
        nonlocal attempts
        attempts += 1
        raise OSError("database down")

    before = {reason: _lost(reason) for reason in ("queue_full", "write_failed", "shutdown")}
    writer = AuditWriter(failing, max_queue=3, retry_delays=(0.01, 0.01))
    writer.start()
    writer.submit([_record(n) for n in range(5)])  # 3 queued, 2 over the bound
    assert await writer.flush(5)
    await writer.close(timeout=1)
    writer.submit([_record(9)])
    assert attempts == 3  # one batch, tried three times
    assert _lost("queue_full") - before["queue_full"] == 2
    assert _lost("write_failed") - before["write_failed"] == 3
    assert _lost("shutdown") - before["shutdown"] == 1


async def test_shutdown_drains_the_queue_within_its_bound() -> None:
    written: list[str] = []

    async def slow(batch: Sequence[AuditRecord]) -> None:
        await asyncio.sleep(0.05)
        written.extend(record.card_uuid for record in batch)

    writer = AuditWriter(slow, max_queue=100)
    writer.start()
    for n in range(20):
        writer.submit([_record(n)])
    await writer.close(timeout=5)
    assert len(written) == 20

    stuck = AuditWriter(lambda batch: asyncio.sleep(60), max_queue=100)
    stuck.start()
    stuck.submit([_record(n) for n in range(4)])
    before = _lost("shutdown")
    started = time.perf_counter()
    await stuck.close(timeout=0.2)
    assert time.perf_counter() - started < 1
    assert _lost("shutdown") - before == 4
