"""staff.wecom_userid, wecom_confirmed_at: a member's WeCom (企业微信) account, a door beside Telegram

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 10:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from liuhen.storage.types import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("wecom_userid", sa.String(length=64), nullable=True))
    op.add_column("staff", sa.Column("wecom_confirmed_at", UTCDateTime(), nullable=True))
    op.create_index("ux_staff_wecom_userid", "staff", ["wecom_userid"], unique=True)


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN in place (SQLite ≥ 3.35): the staff table is not copied, so the many rows
    # that refer to it keep their foreign keys valid throughout
    op.drop_index("ux_staff_wecom_userid", table_name="staff")
    op.drop_column("staff", "wecom_confirmed_at")
    op.drop_column("staff", "wecom_userid")
