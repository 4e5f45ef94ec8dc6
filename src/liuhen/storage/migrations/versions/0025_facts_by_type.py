"""record_facts: an index by court, type and submission time, for the desk's list filtered by type in a period

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 00:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_record_facts_court_type_submitted", "record_facts", ["court_id", "record_type", "submitted_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_record_facts_court_type_submitted", table_name="record_facts")
