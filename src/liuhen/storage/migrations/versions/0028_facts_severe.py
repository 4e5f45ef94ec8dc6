"""record_facts: a partial index of the records marked 情节严重; the planner's statistics taken again

On SQLite the planner knows an index only by the statistics ``ANALYZE`` wrote (``sqlite_stat1``); an index
added since, of which they say nothing, is taken for a very selective one, and a court's list then walked
the new index by court over every record (the desk's severe filter: 0.6 s at a million records, 8 ms with
the statistics). A register that was analysed before (``Database.refresh_statistics``) is analysed again
here, once, with the indexes of 0025–0028; one that never was stays so until it reaches the floor.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liuhen.storage.migrate import analyse_again

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    severe = sa.column("severe", sa.Boolean()).is_(True)
    op.create_index(
        "ix_record_facts_severe",
        "record_facts",
        ["court_id", "submitted_at"],
        sqlite_where=severe,
        postgresql_where=severe,
    )
    analyse_again(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_record_facts_severe", table_name="record_facts")
