"""records, evidence, conversations, callbacks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:39:54.033992
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "record_counters",
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["court_id"], ["courts.id"], name=op.f("fk_record_counters_court_id_courts")),
        sa.PrimaryKeyConstraint("court_id", "year", name=op.f("pk_record_counters")),
    )
    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("recorder_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_evidence_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence_count", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("direct_to_discipline", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["court_id"], ["courts.id"], name=op.f("fk_records_court_id_courts")),
        sa.ForeignKeyConstraint(["recorder_id"], ["staff.id"], name=op.f("fk_records_recorder_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
        sa.UniqueConstraint("court_id", "number", name="uq_records_court_number"),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_court_status", ["court_id", "status"], unique=False)
        batch_op.create_index("ix_records_recorder_status", ["recorder_id", "status"], unique=False)

    op.create_table(
        "conversations",
        sa.Column("staff_pk", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("force_new_draft", sa.Boolean(), nullable=False),
        sa.Column("current_record_id", sa.Integer(), nullable=True),
        sa.Column("pending_field", sa.String(length=64), nullable=True),
        sa.Column("hints_shown", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["current_record_id"], ["records.id"], name=op.f("fk_conversations_current_record_id_records")
        ),
        sa.ForeignKeyConstraint(["staff_pk"], ["staff.id"], name=op.f("fk_conversations_staff_pk_staff")),
        sa.PrimaryKeyConstraint("staff_pk", name=op.f("pk_conversations")),
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("origin", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("media_type", sa.String(length=128), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("telegram_file_id", sa.String(length=255), nullable=True),
        sa.Column("telegram_file_unique_id", sa.String(length=64), nullable=True),
        sa.Column("media_group_id", sa.String(length=64), nullable=True),
        sa.Column("message_sha256", sa.String(length=64), nullable=True),
        sa.Column("photo_compressed", sa.Boolean(), nullable=True),
        sa.Column("download_attempts", sa.Integer(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("receipt_message_id", sa.BigInteger(), nullable=True),
        sa.Column("inspection", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_evidence_record_id_records")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("update_id", name=op.f("uq_evidence_update_id")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index("ix_evidence_group", ["chat_id", "media_group_id"], unique=False)
        batch_op.create_index("ix_evidence_record", ["record_id", "seq"], unique=False)
        batch_op.create_index("ix_evidence_sha256", ["sha256"], unique=False)
        batch_op.create_index("ix_evidence_state", ["state"], unique=False)

    op.create_table(
        "callbacks",
        sa.Column("token", sa.String(length=24), nullable=False),
        sa.Column("staff_pk", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("arg", sa.String(length=64), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["evidence_id"], ["evidence.id"], name=op.f("fk_callbacks_evidence_id_evidence")
        ),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_callbacks_record_id_records")),
        sa.ForeignKeyConstraint(["staff_pk"], ["staff.id"], name=op.f("fk_callbacks_staff_pk_staff")),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_callbacks")),
    )


def downgrade() -> None:

    op.drop_table("callbacks")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_state")
        batch_op.drop_index("ix_evidence_sha256")
        batch_op.drop_index("ix_evidence_record")
        batch_op.drop_index("ix_evidence_group")

    op.drop_table("evidence")
    op.drop_table("conversations")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_recorder_status")
        batch_op.drop_index("ix_records_court_status")

    op.drop_table("records")
    op.drop_table("record_counters")
