"""The store's tables. Alembic migrations (`migrations/versions`) create them; this
module is what the code queries against, and the two must agree (a test checks).

    issued_cards   one row per card the service returned (the audit trail)
    feedback       one row per distinct feedback item (idempotent on its natural key)
    suppressions   one row per override that silences a topic for a patient
    replay_tokens  JWT replay protection shared by every replica

No column holds a patient identifier: `patient_hash` is HMAC-SHA256 of it, keyed with
`CDS_AUDIT_HMAC_SECRET`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["feedback", "issued_cards", "metadata", "replay_tokens", "suppressions"]


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on every backend.

    PostgreSQL keeps `timestamptz`; SQLite has no time zone, so values are stored as
    naive UTC (which then sort and compare correctly as text) and come back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only auto-increments an INTEGER PRIMARY KEY.
_Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

issued_cards = Table(
    "issued_cards",
    metadata,
    Column("card_uuid", String(64), primary_key=True),
    Column("service_id", String(128), nullable=False),
    Column("hook_instance", String(128), nullable=False),
    Column("topic", String(256)),
    Column("indicator", String(16), nullable=False),
    Column("patient_hash", String(64)),
    # [{"system": ..., "code": ...}]: what an override must name to silence the topic.
    Column("override_reasons", JSON, nullable=False),
    Column("suggestion_count", Integer, nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Index(None, "issued_at"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("service_id", String(128), nullable=False),
    Column("card_uuid", String(128), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("outcome_timestamp", UtcDateTime, nullable=False),
    Column("accepted_suggestions", JSON, nullable=False),  # ["<suggestion uuid>", ...]
    Column("reason_system", String(512)),
    Column("reason_code", String(256)),
    Column("reason_display", String(512)),
    Column("user_comment", Text),
    # False: the service has no record of issuing this card (kept, and flagged).
    Column("card_known", Boolean, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    # A client re-sending the same feedback is a duplicate delivery, not a new event.
    UniqueConstraint("service_id", "card_uuid", "outcome", "outcome_timestamp"),
    Index(None, "card_uuid"),
    Index(None, "received_at"),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("feedback_id", _Id, ForeignKey("feedback.id"), nullable=False, unique=True),
    Column("service_id", String(128), nullable=False),
    Column("patient_hash", String(64), nullable=False),
    Column("topic", String(256), nullable=False),
    # 0 info, 1 warning (critical cards are never suppressed): a later card of the
    # topic is shown again when its rank is higher than this.
    Column("indicator_rank", SmallInteger, nullable=False),
    Column("overridden_at", UtcDateTime, nullable=False),
    # The hook path's one query: equality on the first three, range on the last.
    Index(None, "service_id", "patient_hash", "topic", "overridden_at"),
)

replay_tokens = Table(
    "replay_tokens",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("expires_at", UtcDateTime, nullable=False),
    Index(None, "expires_at"),
)
