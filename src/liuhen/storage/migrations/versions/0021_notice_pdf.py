"""notices_issued.pdf_sha256: the notice's PDF as issued, kept in the evidence store and sent from there
through the outbox to its distribution (seed 004 §22–§24)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notices_issued", sa.Column("pdf_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("notices_issued", "pdf_sha256")
