"""record_facts.case_number, intervener_name, severe, upward; record_readers: what the desk console finds
records by, and who reads a record by its chain (seed 003 §12) — filled in for the records already there

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

from liuhen.domain.access import SEVERE, reported_upward
from liuhen.domain.answers import Answers
from liuhen.storage.types import ChainJSON

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record_facts") as batch:
        batch.add_column(sa.Column("case_number", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("intervener_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("severe", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("upward", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "record_readers",
        sa.Column("staff_pk", sa.Integer(), sa.ForeignKey("staff.id"), primary_key=True),
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id"), primary_key=True),
    )
    op.create_index("ix_record_readers_record", "record_readers", ["record_id"])
    op.create_index("ix_records_court_id", "records", ["court_id", "id"])
    conn = op.get_bind()
    records = sa.table(
        "records",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("disposition", sa.String),
        sa.column("answers", sa.JSON),
        sa.column("chain", ChainJSON()),
    )
    facts = sa.table(
        "record_facts",
        sa.column("record_id", sa.Integer),
        sa.column("case_number", sa.String),
        sa.column("intervener_name", sa.String),
        sa.column("severe", sa.Boolean),
        sa.column("upward", sa.Boolean),
    )
    readers = sa.table(
        "record_readers", sa.column("staff_pk", sa.Integer), sa.column("record_id", sa.Integer)
    )
    rows = conn.execute(
        sa.select(records.c.id, records.c.status, records.c.disposition, records.c.answers, records.c.chain)
    ).all()
    for rid, status, disposition, answers, chain in rows:
        a = Answers.of(answers or {})
        # what reported_upward reads of a record, for the rows already there
        seen = SimpleNamespace(status=status, disposition=disposition, answers=answers or {}, given=a)
        conn.execute(
            facts.update()
            .where(facts.c.record_id == rid)
            .values(
                case_number=(a.case_number or "")[:100] or None,
                intervener_name=(a.intervener_name or "")[:100] or None,
                severe=bool((answers or {}).get(SEVERE)),
                upward=reported_upward(seen),  # type: ignore[arg-type]
            )
        )
        if chain is not None:
            people = sorted(chain.people())
            if people:
                conn.execute(readers.insert(), [{"staff_pk": pk, "record_id": rid} for pk in people])


def downgrade() -> None:
    op.drop_index("ix_records_court_id", table_name="records")
    op.drop_index("ix_record_readers_record", table_name="record_readers")
    op.drop_table("record_readers")
    with op.batch_alter_table("record_facts") as batch:
        batch.drop_column("upward")
        batch.drop_column("severe")
        batch.drop_column("intervener_name")
        batch.drop_column("case_number")
