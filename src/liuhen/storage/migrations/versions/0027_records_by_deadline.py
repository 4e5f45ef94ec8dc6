"""records: an index by court and the deadline of the level a record waits for (what waits, oldest first)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 04:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_records_court_deadline", "records", ["court_id", "level_deadline"])


def downgrade() -> None:
    op.drop_index("ix_records_court_deadline", table_name="records")
