"""followups: the discipline office's follow-through of a disposition — transfer, report to the level above,
investigation, false record — with its owner, deadline, steps and outcome (seed 004 §17–§20)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liuhen.storage.types import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("court_id", sa.Integer(), sa.ForeignKey("courts.id"), nullable=False),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id"), nullable=False, unique=True),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("owner_pk", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("receiver", sa.String(length=1000), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("finding", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=1000), nullable=True),
        sa.Column("intentional", sa.Boolean(), nullable=True),
        sa.Column("chief_approved", sa.Boolean(), nullable=True),
        sa.Column("typical", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("notified_at", UTCDateTime(), nullable=True),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.Column("head_told_at", UTCDateTime(), nullable=True),
        sa.Column("chief_told_at", UTCDateTime(), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
    )
    op.create_index("ix_followups_owner_state", "followups", ["owner_pk", "state"])
    op.create_index("ix_followups_court_state", "followups", ["court_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_followups_court_state", table_name="followups")
    op.drop_index("ix_followups_owner_state", table_name="followups")
    op.drop_table("followups")
