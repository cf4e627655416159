"""Initial store: audit trail, feedback, suppressions, JWT replay keys.

Revision ID: 0001
Revises:
Create Date: 2026-05-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "issued_cards",
        sa.Column("card_uuid", sa.String(64), nullable=False),
        sa.Column("service_id", sa.String(128), nullable=False),
        sa.Column("hook_instance", sa.String(128), nullable=False),
        sa.Column("topic", sa.String(256), nullable=True),
        sa.Column("indicator", sa.String(16), nullable=False),
        sa.Column("patient_hash", sa.String(64), nullable=True),
        sa.Column("override_reasons", sa.JSON(), nullable=False),
        sa.Column("suggestion_count", sa.Integer(), nullable=False),
        sa.Column("issued_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("card_uuid", name="pk_issued_cards"),
    )
    op.create_index("ix_issued_cards_issued_at", "issued_cards", ["issued_at"])

    op.create_table(
        "feedback",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("service_id", sa.String(128), nullable=False),
        sa.Column("card_uuid", sa.String(128), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("outcome_timestamp", _TIME, nullable=False),
        sa.Column("accepted_suggestions", sa.JSON(), nullable=False),
        sa.Column("reason_system", sa.String(512), nullable=True),
        sa.Column("reason_code", sa.String(256), nullable=True),
        sa.Column("reason_display", sa.String(512), nullable=True),
        sa.Column("user_comment", sa.Text(), nullable=True),
        sa.Column("card_known", sa.Boolean(), nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        sa.UniqueConstraint(
            "service_id",
            "card_uuid",
            "outcome",
            "outcome_timestamp",
            name="uq_feedback_service_id_card_uuid_outcome_outcome_timestamp",
        ),
    )
    op.create_index("ix_feedback_card_uuid", "feedback", ["card_uuid"])
    op.create_index("ix_feedback_received_at", "feedback", ["received_at"])

    op.create_table(
        "suppressions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("feedback_id", _ID, nullable=False),
        sa.Column("service_id", sa.String(128), nullable=False),
        sa.Column("patient_hash", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(256), nullable=False),
        sa.Column("indicator_rank", sa.SmallInteger(), nullable=False),
        sa.Column("overridden_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name="fk_suppressions_feedback_id_feedback"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_suppressions"),
        sa.UniqueConstraint("feedback_id", name="uq_suppressions_feedback_id"),
    )
    op.create_index(
        "ix_suppressions_service_id_patient_hash_topic_overridden_at",
        "suppressions",
        ["service_id", "patient_hash", "topic", "overridden_at"],
    )

    op.create_table(
        "replay_tokens",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_replay_tokens"),
    )
    op.create_index("ix_replay_tokens_expires_at", "replay_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_table("replay_tokens")
    op.drop_table("suppressions")
    op.drop_table("feedback")
    op.drop_table("issued_cards")
