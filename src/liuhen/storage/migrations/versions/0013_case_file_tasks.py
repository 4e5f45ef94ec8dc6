"""case_file_tasks: putting a filed record's material, or a confirmed per-case zero report, into the case
file (入卷存查: seed 001 实施办法 §4, §5; seed 002 §4, §5; seed 004 §16)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liuhen.storage.types import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_file_tasks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("court_id", sa.Integer(), sa.ForeignKey("courts.id"), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=False),
        sa.Column("officer_pk", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("volume", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("file_ref", sa.String(length=200), nullable=True),
        sa.Column("notified_at", UTCDateTime(), nullable=True),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("source", "ref_id", name="uq_case_file_tasks_source_ref"),
    )
    op.create_index("ix_case_file_tasks_officer_done", "case_file_tasks", ["officer_pk", "done_at"])
    op.create_index("ix_case_file_tasks_court_done", "case_file_tasks", ["court_id", "done_at"])


def downgrade() -> None:
    op.drop_index("ix_case_file_tasks_court_done", table_name="case_file_tasks")
    op.drop_index("ix_case_file_tasks_officer_done", table_name="case_file_tasks")
    op.drop_table("case_file_tasks")
