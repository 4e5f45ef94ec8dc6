"""lawyer_relatives, departed_staff: the registers (台帐) of staff's relatives who practise law and of
departed staff (seed 003 items 15, 16, 22)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lawyer_relatives",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("court_id", sa.Integer(), sa.ForeignKey("courts.id"), nullable=False),
        sa.Column("staff_pk", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("relation", sa.String(length=32), nullable=False),
        sa.Column("law_firm", sa.String(length=100), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
    )
    op.create_index("ix_lawyer_relatives_court_staff", "lawyer_relatives", ["court_id", "staff_pk"])
    op.create_table(
        "departed_staff",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("court_id", sa.Integer(), sa.ForeignKey("courts.id"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("former_staff_id", sa.String(length=100), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.Column("went_to", sa.String(length=100), nullable=False),
        sa.Column("practises", sa.Boolean(), nullable=False),
        sa.Column("law_firm", sa.String(length=100), nullable=False),
    )
    op.create_index("ix_departed_staff_court", "departed_staff", ["court_id"])


def downgrade() -> None:
    op.drop_index("ix_departed_staff_court", table_name="departed_staff")
    op.drop_table("departed_staff")
    op.drop_index("ix_lawyer_relatives_court_staff", table_name="lawyer_relatives")
    op.drop_table("lawyer_relatives")
