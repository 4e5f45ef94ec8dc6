"""complaints: where each was sent — the court above (the default), every court above, or the own court's
discipline office (seed 001 实施办法 §9, seed 002 §11); complaints from before keep NULL (their own court)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 02:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.add_column(sa.Column("destination", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaints") as batch:
        batch.drop_column("destination")
