"""calendar overrides, notices

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:21:02.684203
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "notices",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_notices")),
    )
    op.create_table(
        "calendar_overrides",
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("workday", sa.Boolean(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["court_id"], ["courts.id"], name=op.f("fk_calendar_overrides_court_id_courts")
        ),
        sa.PrimaryKeyConstraint("court_id", "day", name=op.f("pk_calendar_overrides")),
    )


def downgrade() -> None:

    op.drop_table("calendar_overrides")
    op.drop_table("notices")
