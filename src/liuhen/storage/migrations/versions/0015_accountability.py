"""accountability: the measures the discipline office takes against a person (责任追究: seed 001 §9, §10;
seed 004 §25–§30)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 05:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liuhen.storage.types import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accountability",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("court_id", sa.Integer(), sa.ForeignKey("courts.id"), nullable=False),
        sa.Column("ground", sa.String(length=32), nullable=False),
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("person_name", sa.String(length=200), nullable=False),
        sa.Column("staff_pk", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("departments.id"), nullable=True),
        sa.Column("record_number", sa.String(length=32), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
    )
    op.create_index("ix_accountability_court_decided", "accountability", ["court_id", "decided_at"])


def downgrade() -> None:
    op.drop_index("ix_accountability_court_decided", table_name="accountability")
    op.drop_table("accountability")
