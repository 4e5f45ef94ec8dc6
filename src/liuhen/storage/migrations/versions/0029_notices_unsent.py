"""notices: a partial index of what is not sent yet

The outbox job and the scheduled rounds' release of claims never sent look for the notices not sent yet,
every few minutes, among every notice ever sent (monthly prompts, reminders, deliveries, sign-off cards: the
table only grows). Their conditions all hold ``sent_at IS NULL``; the index holds just those rows. On SQLite
the register's statistics are taken again for this table if it had them (see 0028).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liuhen.storage.migrate import analyse_again

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    unsent = sa.column("sent_at", sa.DateTime()).is_(None)
    op.create_index(
        "ix_notices_unsent", "notices", ["created_at"], sqlite_where=unsent, postgresql_where=unsent
    )
    analyse_again(op.get_bind(), "notices")


def downgrade() -> None:
    op.drop_index("ix_notices_unsent", table_name="notices")
