"""record_readers: the discipline offices a report was forwarded on to (层报, seed 001 §7), for the records
already there — the desk lists them there as the sign-off now writes them

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 11:45:00
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

from liuhen.domain.access import UPWARD_PATH, forwarded_to

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    records = sa.table("records", sa.column("id", sa.Integer), sa.column("answers", sa.JSON))
    staff = sa.table(
        "staff", sa.column("id", sa.Integer), sa.column("court_id", sa.Integer), sa.column("role", sa.String)
    )
    readers = sa.table(
        "record_readers", sa.column("staff_pk", sa.Integer), sa.column("record_id", sa.Integer)
    )
    # only the records whose answers name an upward path (a text search, not a read of every record)
    rows = conn.execute(
        sa.select(records.c.id, records.c.answers).where(
            sa.cast(records.c.answers, sa.Text).like(f"%{UPWARD_PATH}%")
        )
    ).all()
    for rid, answers in rows:
        courts = forwarded_to(SimpleNamespace(answers=answers or {}))  # type: ignore[arg-type]
        if not courts:
            continue
        office = conn.execute(
            sa.select(staff.c.id).where(staff.c.court_id.in_(sorted(courts)), staff.c.role == "discipline")
        ).scalars()
        present = set(conn.execute(sa.select(readers.c.staff_pk).where(readers.c.record_id == rid)).scalars())
        new = sorted(set(office) - present)
        if new:
            conn.execute(readers.insert(), [{"staff_pk": pk, "record_id": rid} for pk in new])


def downgrade() -> None:
    """Nothing to undo: the readers index is rebuilt from the records as they change."""
