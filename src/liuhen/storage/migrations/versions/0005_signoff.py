"""sign-off chain: chain state on records, decisions, lapses, delegations, cards, notice payloads

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("chain", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("level_deadline", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("disposition", sa.String(length=32), nullable=True))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("scratch", sa.JSON(), nullable=True))
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("leased_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=True),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("on_behalf_of", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("disposition", sa.String(length=32), nullable=True),
        sa.Column("defer_answer", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"], name=op.f("fk_decisions_record_id_records")),
        sa.ForeignKeyConstraint(["signer_id"], ["staff.id"], name=op.f("fk_decisions_signer_id_staff")),
        sa.ForeignKeyConstraint(["on_behalf_of"], ["staff.id"], name=op.f("fk_decisions_on_behalf_of_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint("record_id", "seq", name="uq_decisions_record_seq"),
    )
    op.create_index("ix_decisions_signer", "decisions", ["signer_id"])
    op.create_table(
        "signoff_lapses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_signoff_lapses_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signoff_lapses")),
        sa.UniqueConstraint("record_id", "round", "level", name="uq_signoff_lapses_record_round_level"),
    )
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["court_id"], ["courts.id"], name=op.f("fk_delegations_court_id_courts")),
        sa.ForeignKeyConstraint(["officer_id"], ["staff.id"], name=op.f("fk_delegations_officer_id_staff")),
        sa.ForeignKeyConstraint(["deputy_id"], ["staff.id"], name=op.f("fk_delegations_deputy_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
    )
    op.create_index("ix_delegations_deputy", "delegations", ["deputy_id"])
    op.create_table(
        "signoff_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("staff_pk", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_signoff_cards_record_id_records")
        ),
        sa.ForeignKeyConstraint(["staff_pk"], ["staff.id"], name=op.f("fk_signoff_cards_staff_pk_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signoff_cards")),
    )
    op.create_index("ix_signoff_cards_record", "signoff_cards", ["record_id", "round", "level"])


def downgrade() -> None:
    op.drop_index("ix_signoff_cards_record", table_name="signoff_cards")
    op.drop_table("signoff_cards")
    op.drop_index("ix_delegations_deputy", table_name="delegations")
    op.drop_table("delegations")
    op.drop_table("signoff_lapses")
    op.drop_index("ix_decisions_signer", table_name="decisions")
    op.drop_table("decisions")
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("leased_at")
        batch.drop_column("payload")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("scratch")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("disposition")
        batch.drop_column("filed_at")
        batch.drop_column("level_deadline")
        batch.drop_column("chain")
