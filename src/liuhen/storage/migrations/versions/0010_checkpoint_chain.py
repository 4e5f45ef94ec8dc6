"""checkpoints: the previous checkpoint each one signs (its tree size and root), so that a deleted
checkpoint breaks the chain; rows from before stay without it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checkpoints") as batch:
        batch.add_column(sa.Column("prev_tree_size", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("prev_root", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkpoints") as batch:
        batch.drop_column("prev_root")
        batch.drop_column("prev_tree_size")
