"""record_facts: indexes for the desk's list: by court, type and time (a type in a period); the upward reports

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_record_facts_court_type_submitted", "record_facts", ["court_id", "record_type", "submitted_at"]
    )
    upward = sa.column("upward", sa.Boolean()).is_(True)
    op.create_index(
        "ix_record_facts_upward", "record_facts", ["court_id"], sqlite_where=upward, postgresql_where=upward
    )


def downgrade() -> None:
    op.drop_index("ix_record_facts_upward", table_name="record_facts")
    op.drop_index("ix_record_facts_court_type_submitted", table_name="record_facts")
