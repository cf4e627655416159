"""The store the service runs with: audit trail, feedback, suppressions, readiness.

    async with running_store(settings) as store:       # app lifespan: migrate, start writer
        response = await store.screen_cards(service_id, hook_request, response, now=now)
        result = await store.record_feedback(service_id, items, received_at=now)
        await store.ping()                              # readiness; StoreUnavailable if down

The hook path never waits on the database for long and never fails because of it:
the suppression lookup is one indexed query bounded by
`CDS_SUPPRESSION_LOOKUP_TIMEOUT_SECONDS` (on timeout or error every card is shown),
and audit records go to a background writer. Feedback is the opposite: it is
committed before the client hears 200, or the client gets 503 and retries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from cds_service.cards.schema import CdsResponse
from cds_service.errors import StoreUnavailable
from cds_service.protocol.feedback import Feedback
from cds_service.protocol.models import HookRequest
from cds_service.settings import Settings
from cds_service.store import metrics, suppression
from cds_service.store.audit import AuditRecord, AuditWriter, patient_hash
from cds_service.store.dialect import insert
from cds_service.store.engine import create_engine, database_url, safe_url
from cds_service.store.feedback import FeedbackResult, IssuedCard, insert_feedback, issued
from cds_service.store.migrate import upgrade
from cds_service.store.schema import issued_cards

__all__ = ["Store", "running_store"]

logger = logging.getLogger(__name__)

# What a database that is down or misbehaving raises through SQLAlchemy and its drivers.
_STORE_ERRORS = (SQLAlchemyError, OSError, TimeoutError)


class Store:
    """One database, shared by the hook path, the feedback endpoint and the CLI report."""

    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self.engine = engine
        self._secret = settings.audit_hmac_secret
        self._suppression_window = timedelta(days=settings.suppression_days)
        self._lookup_timeout = settings.suppression_lookup_timeout_seconds
        self._write_timeout = settings.store_write_timeout_seconds
        self._drain_timeout = settings.audit_drain_timeout_seconds
        self.audit = AuditWriter(self._write_audit, max_queue=settings.audit_queue_size)

    async def start(self) -> None:
        """Migrate the schema to head, then start the audit writer."""
        await upgrade(self.engine)
        self.audit.start()

    async def close(self) -> None:
        await self.audit.close(timeout=self._drain_timeout)
        await self.engine.dispose()

    def patient_hash(self, patient_id: str) -> str:
        return patient_hash(patient_id, secret=self._secret)

    async def ping(self) -> None:
        """Readiness: return if the database answers within a second, else StoreUnavailable."""
        try:
            async with asyncio.timeout(1.0), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except _STORE_ERRORS as exc:
            raise StoreUnavailable("The store does not answer") from exc

    # --- hook path ----------------------------------------------------------------

    async def screen_cards(
        self, service_id: str, request: HookRequest, response: CdsResponse, *, now: datetime
    ) -> CdsResponse:
        """Withhold suppressed cards, and queue an audit record for each card shown."""
        patient = self.patient_hash(request.context.patientId)
        topics = {c.topic for c in response.cards if c.topic and suppression.suppressible(c)}
        quiet = await self._quiet_topics(service_id, patient, topics, now=now) if topics else {}
        shown = [card for card in response.cards if not suppression.is_suppressed(card, quiet)]
        if len(shown) < len(response.cards):
            metrics.CARDS_SUPPRESSED.inc(len(response.cards) - len(shown))
            logger.info("cards suppressed", extra={"suppressed": len(response.cards) - len(shown)})
        self.audit.submit(
            [
                AuditRecord.of(
                    card,
                    service_id=service_id,
                    hook_instance=request.hookInstance,
                    patient_hash=patient,
                    issued_at=now,
                )
                for card in shown
            ]
        )
        if len(shown) == len(response.cards):
            return response
        return CdsResponse(cards=shown, systemActions=response.systemActions)

    async def _quiet_topics(
        self, service_id: str, patient: str, topics: set[str], *, now: datetime
    ) -> dict[str, int]:
        try:
            async with asyncio.timeout(self._lookup_timeout), self.engine.connect() as conn:
                return await suppression.lookup(
                    conn,
                    service_id=service_id,
                    patient_hash=patient,
                    topics=topics,
                    since=now - self._suppression_window,
                )
        except TimeoutError:
            reason = "timeout"
        except _STORE_ERRORS as exc:
            reason = "error"
            logger.warning("suppression lookup failed", extra={"error": type(exc).__name__})
        metrics.SUPPRESSION_LOOKUPS_FAILED.labels(reason=reason).inc()
        logger.warning("suppression lookup failed open: all cards shown", extra={"reason": reason})
        return {}

    async def _write_audit(self, records: Sequence[AuditRecord]) -> None:
        async with self.engine.begin() as conn:
            statement = insert(conn, issued_cards).on_conflict_do_nothing()
            await conn.execute(statement, [record.as_row() for record in records])

    # --- feedback -------------------------------------------------------------------

    async def record_feedback(
        self, service_id: str, items: Sequence[Feedback], *, received_at: datetime
    ) -> FeedbackResult:
        """Commit `items`; StoreUnavailable if that cannot be done (nothing is half-kept)."""
        uuids = {item.card for item in items}
        # In-memory first: a record leaves `pending` only after it is committed.
        cards = {
            uuid: IssuedCard.of(record)
            for uuid in uuids
            if (record := self.audit.pending(uuid)) is not None
        }
        try:
            async with asyncio.timeout(self._write_timeout):
                missing = uuids - cards.keys()
                if missing:
                    async with self.engine.connect() as conn:
                        cards.update(await issued(conn, service_id, missing))
                async with self.engine.begin() as conn:
                    result = await insert_feedback(
                        conn, service_id, items, cards=cards, received_at=received_at
                    )
        except _STORE_ERRORS as exc:
            metrics.FEEDBACK_WRITES_FAILED.inc()
            logger.error("feedback could not be stored", extra={"error": type(exc).__name__})
            raise StoreUnavailable("Feedback could not be stored; retry later") from exc
        metrics.FEEDBACK_ITEMS.labels(result="stored").inc(result.stored)
        metrics.FEEDBACK_ITEMS.labels(result="duplicate").inc(result.duplicates)
        metrics.FEEDBACK_ITEMS.labels(result="unknown_card").inc(result.unknown_cards)
        if result.unknown_cards:
            logger.warning(
                "feedback for cards this service has no record of issuing",
                extra={"items": result.unknown_cards},
            )
        return result


@asynccontextmanager
async def running_store(settings: Settings) -> AsyncIterator[Store]:
    """A migrated, running store for the length of the block; drained and closed after."""
    url = database_url(settings)
    engine = create_engine(url)
    store = Store(engine, settings)
    try:
        await store.start()
    except BaseException:
        logger.error("store could not start", extra={"database": safe_url(url)})
        await engine.dispose()
        raise
    logger.info("store ready", extra={"database": safe_url(url)})
    try:
        yield store
    finally:
        await store.close()
