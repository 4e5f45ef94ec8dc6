"""record_facts.status, disposition; record_tallies: the quarterly analysis' counts kept per court and UTC day
(seed 003 item 13; seed 001 实施办法 §6) — filled in for the records already there; signoff_lapses by
deadline

The backfill is ``storage/tallies.rebuild`` as it stands with this revision (the tallies of the facts
columns above); a later change of what is tallied rebuilds them in its own migration.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liuhen.storage import tallies

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record_facts") as batch:
        batch.add_column(sa.Column("status", sa.String(length=32), nullable=False, server_default=""))
        batch.add_column(sa.Column("disposition", sa.String(length=32), nullable=True))
    op.create_table(
        "record_tallies",
        sa.Column("court_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("court_id", "day", "dimension", "value", name=op.f("pk_record_tallies")),
        sqlite_with_rowid=False,
    )
    # the summary's lapses by the quarter their deadline passed, without walking the court's records
    op.create_index("ix_signoff_lapses_deadline", "signoff_lapses", ["deadline"])
    conn = op.get_bind()
    records = sa.table(
        "records",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("disposition", sa.String),
    )
    facts = sa.table(
        "record_facts",
        sa.column("record_id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("disposition", sa.String),
    )
    # where the sign-off chain has each record now, as refresh_facts writes it from here on
    conn.execute(
        facts.update()
        .where(facts.c.record_id == records.c.id)
        .values(status=records.c.status, disposition=records.c.disposition)
    )
    tallies.rebuild(conn)


def downgrade() -> None:
    op.drop_index("ix_signoff_lapses_deadline", table_name="signoff_lapses")
    op.drop_table("record_tallies")
    with op.batch_alter_table("record_facts") as batch:
        batch.drop_column("disposition")
        batch.drop_column("status")
