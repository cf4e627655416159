"""Storing feedback: every distinct item once, committed before the client hears 200.

    cards = await issued(conn, service_id, uuids)           # what the audit knows
    result = await insert_feedback(conn, service_id, items, cards=cards, received_at=now)

An item is identified by (service, card, outcome, outcomeTimestamp): the same item
delivered twice is stored once (`duplicates`). An item about a card the service has no
record of issuing is stored with `card_known = false` (`unknown_cards`), never dropped.
An override naming one of the card's own override reasons starts a suppression of the
card's topic for its patient (see `suppression.py`), in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from cds_service.cards.schema import INDICATOR_RANK
from cds_service.protocol.feedback import Feedback
from cds_service.store.audit import AuditRecord
from cds_service.store.dialect import insert
from cds_service.store.schema import feedback, issued_cards, suppressions
from cds_service.store.suppression import CRITICAL_RANK

__all__ = ["FeedbackResult", "IssuedCard", "insert_feedback", "issued"]


@dataclass(frozen=True, slots=True)
class IssuedCard:
    """What feedback needs to know of a card the service issued."""

    topic: str | None
    indicator: str
    patient_hash: str | None
    override_reasons: frozenset[tuple[str | None, str]]

    @classmethod
    def of(cls, record: AuditRecord) -> IssuedCard:
        return cls(
            record.topic, record.indicator, record.patient_hash, frozenset(record.override_reasons)
        )


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    stored: int
    duplicates: int
    unknown_cards: int
    suppressions: int


async def issued(
    conn: AsyncConnection, service_id: str, card_uuids: Collection[str]
) -> dict[str, IssuedCard]:
    """The audited cards among `card_uuids` that this service issued."""
    query = select(
        issued_cards.c.card_uuid,
        issued_cards.c.topic,
        issued_cards.c.indicator,
        issued_cards.c.patient_hash,
        issued_cards.c.override_reasons,
    ).where(
        issued_cards.c.service_id == service_id,
        issued_cards.c.card_uuid.in_(sorted(card_uuids)),
    )
    found: dict[str, IssuedCard] = {}
    for uuid, topic, indicator, patient, reasons in (await conn.execute(query)).all():
        pairs = frozenset((r.get("system"), r["code"]) for r in reasons or ())
        found[uuid] = IssuedCard(topic, indicator, patient, pairs)
    return found


async def insert_feedback(
    conn: AsyncConnection,
    service_id: str,
    items: Sequence[Feedback],
    *,
    cards: Mapping[str, IssuedCard],
    received_at: datetime,
) -> FeedbackResult:
    stored = duplicates = unknown = silenced = 0
    for item in items:
        card = cards.get(item.card)
        reason = item.overrideReason.reason if item.overrideReason else None
        row = {
            "service_id": service_id,
            "card_uuid": item.card,
            "outcome": item.outcome,
            "outcome_timestamp": item.outcome_time_utc,
            "accepted_suggestions": [s.id for s in item.acceptedSuggestions or ()],
            "reason_system": reason.system if reason else None,
            "reason_code": reason.code if reason else None,
            "reason_display": reason.display if reason else None,
            "user_comment": item.overrideReason.userComment if item.overrideReason else None,
            "card_known": card is not None,
            "received_at": received_at,
        }
        statement = (
            insert(conn, feedback).values(row).on_conflict_do_nothing().returning(feedback.c.id)
        )
        feedback_id = (await conn.execute(statement)).scalar_one_or_none()
        if feedback_id is None:
            duplicates += 1
            continue
        stored += 1
        unknown += card is None
        if card is not None and _silences(item, card):
            assert card.topic is not None and card.patient_hash is not None
            await conn.execute(
                suppressions.insert().values(
                    feedback_id=feedback_id,
                    service_id=service_id,
                    patient_hash=card.patient_hash,
                    topic=card.topic,
                    indicator_rank=INDICATOR_RANK[card.indicator],
                    overridden_at=received_at,
                )
            )
            silenced += 1
    return FeedbackResult(stored, duplicates, unknown, silenced)


def _silences(item: Feedback, card: IssuedCard) -> bool:
    """An override with one of the card's own reasons, of a card that may be silenced."""
    if item.outcome != "overridden" or item.overrideReason is None:
        return False
    reason = item.overrideReason.reason
    return (
        reason is not None
        and (reason.system, reason.code) in card.override_reasons
        and card.topic is not None
        and card.patient_hash is not None
        and INDICATOR_RANK.get(card.indicator, CRITICAL_RANK) < CRITICAL_RANK
    )
