"""Alert-fatigue control: a topic overridden for a patient stays quiet for a while.

When a clinician overrides a card naming one of the card's own override reasons, later
cards of the same topic, for the same patient and service, are withheld for
`CDS_SUPPRESSION_DAYS` (30), unless they are more severe than the overridden one
(info → warning → critical). Critical cards are never withheld.

    quiet = await lookup(conn, service_id=..., patient_hash=..., topics={...}, since=...)
    shown = [card for card in cards if not is_suppressed(card, quiet)]

The lookup is one query on the `suppressions` index; the caller bounds its time and
shows every card if it fails (see `Store.screen_cards`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cds_service.cards.schema import INDICATOR_RANK, Card
from cds_service.store.schema import suppressions

__all__ = ["is_suppressed", "lookup", "suppressible"]

CRITICAL_RANK = INDICATOR_RANK["critical"]


def suppressible(card: Card) -> bool:
    return card.topic is not None and INDICATOR_RANK[card.indicator] < CRITICAL_RANK


def is_suppressed(card: Card, quiet: Mapping[str, int]) -> bool:
    """`quiet` maps a topic to the highest indicator rank overridden within the window."""
    topic = card.topic
    if topic is None or not suppressible(card) or topic not in quiet:
        return False
    return INDICATOR_RANK[card.indicator] <= quiet[topic]


# Built once: constructing the select cost more than running it on SQLite.
_OVERRIDDEN_TOPICS = (
    select(suppressions.c.topic, func.max(suppressions.c.indicator_rank))
    .where(
        suppressions.c.service_id == bindparam("service_id"),
        suppressions.c.patient_hash == bindparam("patient_hash"),
        suppressions.c.topic.in_(bindparam("topics", expanding=True)),
        suppressions.c.overridden_at > bindparam("since"),
    )
    .group_by(suppressions.c.topic)
)


async def lookup(
    conn: AsyncConnection,
    *,
    service_id: str,
    patient_hash: str,
    topics: Collection[str],
    since: datetime,
) -> dict[str, int]:
    """Topics overridden for this patient after `since`, with the highest rank overridden."""
    result = await conn.execute(
        _OVERRIDDEN_TOPICS,
        {
            "service_id": service_id,
            "patient_hash": patient_hash,
            "topics": sorted(topics),
            "since": since,
        },
    )
    return {topic: int(top) for topic, top in result.all()}
