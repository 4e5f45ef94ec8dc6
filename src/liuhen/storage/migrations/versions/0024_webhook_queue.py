"""webhook_updates: webhook updates answered 200 once stored, handled from here in order per chat

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liuhen.storage.types import UTCDateTime

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    op.create_index("ix_webhook_updates_chat", "webhook_updates", ["chat_id", "update_id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_updates_chat", table_name="webhook_updates")
    op.drop_table("webhook_updates")
