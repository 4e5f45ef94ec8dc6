"""monthly reports: broadcast rows, answers; per-case zero reports

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monthly_prompts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("staff_pk", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.Column("sender", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["court_id"], ["courts.id"], name=op.f("fk_monthly_prompts_court_id_courts")),
        sa.ForeignKeyConstraint(["staff_pk"], ["staff.id"], name=op.f("fk_monthly_prompts_staff_pk_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_prompts")),
        sa.UniqueConstraint("staff_pk", "month", "kind", name="uq_monthly_prompts_staff_month_kind"),
    )
    op.create_index("ix_monthly_prompts_court_state", "monthly_prompts", ["court_id", "state"])
    op.create_index("ix_monthly_prompts_court_month", "monthly_prompts", ["court_id", "month", "kind"])
    op.create_table(
        "monthly_answers",
        sa.Column("staff_pk", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["court_id"], ["courts.id"], name=op.f("fk_monthly_answers_court_id_courts")),
        sa.ForeignKeyConstraint(["staff_pk"], ["staff.id"], name=op.f("fk_monthly_answers_staff_pk_staff")),
        sa.PrimaryKeyConstraint("staff_pk", "month", name=op.f("pk_monthly_answers")),
    )
    op.create_index("ix_monthly_answers_court_month", "monthly_answers", ["court_id", "month"])
    op.create_table(
        "case_zero_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("officer_pk", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewer_pk", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("acknowledged", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["court_id"], ["courts.id"], name=op.f("fk_case_zero_reports_court_id_courts")
        ),
        sa.ForeignKeyConstraint(
            ["officer_pk"], ["staff.id"], name=op.f("fk_case_zero_reports_officer_pk_staff")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_pk"], ["staff.id"], name=op.f("fk_case_zero_reports_reviewer_pk_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_zero_reports")),
    )
    op.create_index("ix_case_zero_reports_officer", "case_zero_reports", ["officer_pk", "case_number"])
    op.create_index("ix_case_zero_reports_court_status", "case_zero_reports", ["court_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_case_zero_reports_court_status", table_name="case_zero_reports")
    op.drop_index("ix_case_zero_reports_officer", table_name="case_zero_reports")
    op.drop_table("case_zero_reports")
    op.drop_index("ix_monthly_answers_court_month", table_name="monthly_answers")
    op.drop_table("monthly_answers")
    op.drop_index("ix_monthly_prompts_court_month", table_name="monthly_prompts")
    op.drop_index("ix_monthly_prompts_court_state", table_name="monthly_prompts")
    op.drop_table("monthly_prompts")
