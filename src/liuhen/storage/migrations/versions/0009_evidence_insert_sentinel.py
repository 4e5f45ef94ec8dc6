"""evidence: an insert sentinel, so that a batch of evidence rows is one INSERT … RETURNING on SQLite too
(the group commit of concurrent judges)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 21:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("_sentinel", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("_sentinel")
