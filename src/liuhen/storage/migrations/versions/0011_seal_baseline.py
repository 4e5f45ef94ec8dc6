"""ledger: seal every record, evidence row, decision, version, staff member, complaint and case zero report
that exists, so that `liuhen verify` can compare each row with what the ledger says it holds (seed 003 §12:
全程留痕); from here on every change seals itself in its own transaction

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 02:10:00
"""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import op

from liuhen.storage.seals import seal_baseline

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    seal_baseline(op.get_bind(), datetime.now(UTC))


def downgrade() -> None:
    """Nothing to undo: ledger entries are never removed."""
