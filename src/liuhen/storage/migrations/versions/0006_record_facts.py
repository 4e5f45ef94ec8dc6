"""record facts for the quarterly summary: one narrow row per submitted record, its special items

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_facts",
        sa.Column("record_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=True),
        sa.Column("organ_category", sa.String(length=32), nullable=True),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.Column("method", sa.String(length=32), nullable=True),
        sa.Column("relation", sa.String(length=32), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("principal_leader", sa.Boolean(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_record_facts_record_id_records")
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_record_facts")),
    )
    op.create_index("ix_record_facts_court_submitted", "record_facts", ["court_id", "submitted_at"])
    op.create_table(
        "record_special_items",
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_record_special_items_record_id_records")
        ),
        sa.PrimaryKeyConstraint("record_id", "item", name=op.f("pk_record_special_items")),
    )
    op.create_index(
        "ix_record_special_items_court_submitted", "record_special_items", ["court_id", "submitted_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_record_special_items_court_submitted", table_name="record_special_items")
    op.drop_table("record_special_items")
    op.drop_index("ix_record_facts_court_submitted", table_name="record_facts")
    op.drop_table("record_facts")
