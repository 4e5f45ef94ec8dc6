"""ledger checkpoints, complaints

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("last_entry_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("tsa_token", sa.Text(), nullable=True),
        sa.Column("tsa_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
    )
    op.create_index("ix_checkpoints_tree_size", "checkpoints", ["tree_size"])
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("complainant_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["court_id"], ["courts.id"], name=op.f("fk_complaints_court_id_courts")),
        sa.ForeignKeyConstraint(
            ["complainant_id"], ["staff.id"], name=op.f("fk_complaints_complainant_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    op.create_index("ix_complaints_complainant_status", "complaints", ["complainant_id", "status"])
    op.create_index("ix_complaints_court_status", "complaints", ["court_id", "status"])
    op.create_table(
        "complaint_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("media_type", sa.String(length=128), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("message_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_complaint_items_complaint_id_complaints")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_items")),
        sa.UniqueConstraint("update_id", name=op.f("uq_complaint_items_update_id")),
    )
    op.create_index("ix_complaint_items_complaint", "complaint_items", ["complaint_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_complaint_items_complaint", table_name="complaint_items")
    op.drop_table("complaint_items")
    op.drop_index("ix_complaints_court_status", table_name="complaints")
    op.drop_index("ix_complaints_complainant_status", table_name="complaints")
    op.drop_table("complaints")
    op.drop_index("ix_checkpoints_tree_size", table_name="checkpoints")
    op.drop_table("checkpoints")
