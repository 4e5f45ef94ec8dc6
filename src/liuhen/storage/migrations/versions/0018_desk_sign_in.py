"""desk_links, desk_sessions: the desk console's sign-in through the bot, each token kept as its hash
(seed 003 §12)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liuhen.storage.types import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_links",
        sa.Column("token_hash", sa.String(length=64), primary_key=True),
        sa.Column("staff_pk", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "desk_sessions",
        sa.Column("token_hash", sa.String(length=64), primary_key=True),
        sa.Column("staff_pk", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_desk_sessions_staff", "desk_sessions", ["staff_pk"])


def downgrade() -> None:
    op.drop_index("ix_desk_sessions_staff", table_name="desk_sessions")
    op.drop_table("desk_sessions")
    op.drop_table("desk_links")
