"""records: an index on the case number the answers name (what is on file about a case; per-case zero reports)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 03:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liuhen.storage.types import CaseNumberOf

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_records_case_number", "records", [CaseNumberOf(sa.column("answers"))])


def downgrade() -> None:
    op.drop_index("ix_records_case_number", table_name="records")
