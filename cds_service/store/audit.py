"""The audit trail: every card issued, written off the request path.

    writer = AuditWriter(write_batch, max_queue=10_000)
    writer.start()
    writer.submit(records)          # never blocks, never raises: the hook answers at once
    await writer.close(timeout=5)   # on shutdown: drain what it can, count the rest

A background task takes records from a bounded queue in batches and writes them,
retrying a failed batch with back-off. A record that cannot be written (queue full,
retries exhausted, still queued at shutdown) is counted in
`cds_audit_records_lost_total{reason}` and logged, without identifiers.

Records are idempotent on `card_uuid`, so a retried batch that had in fact been
committed does no harm. Until its record is committed, a card is also kept in memory
(`pending`), so feedback that overtakes the writer still finds the card.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from cds_service.cards.schema import Card
from cds_service.store import metrics

__all__ = ["AuditRecord", "AuditWriter", "patient_hash"]

logger = logging.getLogger(__name__)

RETRY_DELAYS_SECONDS = (0.1, 0.5, 2.0)
BATCH_SIZE = 500


def patient_hash(patient_id: str, *, secret: str) -> str:
    """HMAC-SHA256 of the patient id, hex: stable per deployment, useless without the key."""
    return hmac.new(secret.encode(), patient_id.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    card_uuid: str
    service_id: str
    hook_instance: str
    topic: str | None
    indicator: str
    patient_hash: str | None
    override_reasons: tuple[tuple[str | None, str], ...]  # (system, code)
    suggestion_count: int
    issued_at: datetime

    @classmethod
    def of(
        cls,
        card: Card,
        *,
        service_id: str,
        hook_instance: str,
        patient_hash: str | None,
        issued_at: datetime,
    ) -> AuditRecord:
        return cls(
            card_uuid=card.uuid,
            service_id=service_id,
            hook_instance=hook_instance,
            topic=card.topic,
            indicator=card.indicator,
            patient_hash=patient_hash,
            override_reasons=tuple((r.system, r.code) for r in card.overrideReasons or ()),
            suggestion_count=len(card.suggestions or ()),
            issued_at=issued_at,
        )

    def as_row(self) -> dict[str, object]:
        return {
            "card_uuid": self.card_uuid,
            "service_id": self.service_id,
            "hook_instance": self.hook_instance,
            "topic": self.topic,
            "indicator": self.indicator,
            "patient_hash": self.patient_hash,
            "override_reasons": [{"system": s, "code": c} for s, c in self.override_reasons],
            "suggestion_count": self.suggestion_count,
            "issued_at": self.issued_at,
        }


WriteBatch = Callable[[Sequence[AuditRecord]], Awaitable[None]]


class AuditWriter:
    """A bounded queue of audit records and the one task that writes them."""

    def __init__(
        self,
        write_batch: WriteBatch,
        *,
        max_queue: int,
        retry_delays: Sequence[float] = RETRY_DELAYS_SECONDS,
    ) -> None:
        self._write_batch = write_batch
        self._queue: asyncio.Queue[AuditRecord] = asyncio.Queue(maxsize=max_queue)
        self._retry_delays = tuple(retry_delays)
        self._pending: dict[str, AuditRecord] = {}
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="audit-writer")

    @property
    def depth(self) -> int:
        return self._queue.qsize()

    def pending(self, card_uuid: str) -> AuditRecord | None:
        """The record of a card not yet committed, if it is still on its way."""
        return self._pending.get(card_uuid)

    def submit(self, records: Sequence[AuditRecord]) -> None:
        lost = 0
        for record in records:
            if self._closed:
                lost += 1
                continue
            try:
                self._queue.put_nowait(record)
            except asyncio.QueueFull:
                lost += 1
                continue
            self._pending[record.card_uuid] = record
        metrics.AUDIT_QUEUE_DEPTH.set(self._queue.qsize())
        if lost:
            reason = "shutdown" if self._closed else "queue_full"
            metrics.AUDIT_RECORDS_LOST.labels(reason=reason).inc(lost)
            logger.error("audit records dropped", extra={"records": lost, "reason": reason})

    async def flush(self, timeout: float) -> bool:
        """Wait until everything queued so far is written or given up; False on timeout."""
        try:
            async with asyncio.timeout(timeout):
                await self._queue.join()
        except TimeoutError:
            return False
        return True

    async def close(self, timeout: float) -> None:
        """Stop taking records, drain the queue for at most `timeout` seconds, then stop."""
        self._closed = True
        if self._task is None:
            return
        await self.flush(timeout)
        # Whatever is still pending (queued, or in a write being cancelled) is given up.
        left = len(self._pending)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        if left:
            metrics.AUDIT_RECORDS_LOST.labels(reason="shutdown").inc(left)
            logger.error(
                "audit records not written before shutdown",
                extra={"records": left, "reason": "shutdown"},
            )
        self._pending.clear()
        metrics.AUDIT_QUEUE_DEPTH.set(0)

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < BATCH_SIZE and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            metrics.AUDIT_QUEUE_DEPTH.set(self._queue.qsize())
            try:
                await self._write_with_retries(batch)
            finally:
                for record in batch:
                    self._pending.pop(record.card_uuid, None)
                    self._queue.task_done()

    async def _write_with_retries(self, batch: list[AuditRecord]) -> None:
        for attempt, delay in enumerate((0.0, *self._retry_delays)):
            if delay:
                await asyncio.sleep(delay)
            try:
                await self._write_batch(batch)
            except Exception as exc:  # noqa: BLE001 - any failure is retried, then counted
                metrics.AUDIT_WRITE_ERRORS.inc()
                logger.warning(
                    "audit write failed",
                    extra={
                        "attempt": attempt + 1,
                        "records": len(batch),
                        "error": type(exc).__name__,
                    },
                )
                continue
            metrics.AUDIT_RECORDS_WRITTEN.inc(len(batch))
            return
        metrics.AUDIT_RECORDS_LOST.labels(reason="write_failed").inc(len(batch))
        logger.error(
            "audit records could not be written",
            extra={"records": len(batch), "reason": "write_failed"},
        )
