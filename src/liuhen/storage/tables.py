"""Tables, and the imperative mapping of the domain's dataclasses onto them.

The alembic migrations in ``migrations/versions`` are the source of the schema in databases; this metadata
must stay equal to them (a test compares the two).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import registry

from liuhen.domain.ledger import LedgerEntry
from liuhen.domain.model import Court, Department, EnrolmentAttempt, EnrolmentCode, Staff
from liuhen.storage.types import BigId, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

courts = Table(
    "courts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(128), nullable=False),
    Column("parent_id", Integer, ForeignKey("courts.id"), nullable=True),
    Column("deadline_profile", String(32), nullable=False),
    Column("created_at", UTCDateTime()),
)

departments = Table(
    "departments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("name", String(64), nullable=False),
    # staff.id of the vice-president in charge; no FK constraint (staff → departments already points back)
    Column("vice_president_id", Integer, nullable=True),
    UniqueConstraint("court_id", "name", name="uq_departments_court_name"),
)

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("staff_id", String(32), nullable=False),
    Column("name", String(64), nullable=False),
    Column("department_id", Integer, ForeignKey("departments.id"), nullable=False),
    Column("position", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("telegram_user_id", BigInteger, nullable=True, unique=True),
    Column("telegram_chat_id", BigInteger, nullable=True),
    Column("enrolled_at", UTCDateTime()),
    Column("deactivated_at", UTCDateTime()),
    Column("extra", JSON, nullable=False),
    Column("created_at", UTCDateTime()),
    Column("updated_at", UTCDateTime()),
    UniqueConstraint("court_id", "staff_id", name="uq_staff_court_staff_id"),
)

enrolment_codes = Table(
    "enrolment_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("staff_pk", Integer, ForeignKey("staff.id"), nullable=False),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime()),
    Column("used_by_telegram_id", BigInteger),
)

enrolment_attempts = Table(
    "enrolment_attempts",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("telegram_user_id", BigInteger, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_enrolment_attempts_user_at", "telegram_user_id", "at"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("chat_id", BigInteger),
    Column("kind", String(32), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
)

ledger = Table(
    "ledger",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("payload_hash", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

# One row: the head of the ledger, locked FOR UPDATE by every append so that appends from several
# processes serialise (PostgreSQL); SQLite serialises writers with BEGIN IMMEDIATE anyway.
ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

mapper_registry = registry(metadata=metadata)
_mapped = False


def start_mappers() -> None:
    """Map the domain dataclasses onto the tables (idempotent; called by the engine factory)."""
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(Court, courts)
    mapper_registry.map_imperatively(Department, departments)
    mapper_registry.map_imperatively(Staff, staff)
    mapper_registry.map_imperatively(EnrolmentCode, enrolment_codes)
    mapper_registry.map_imperatively(EnrolmentAttempt, enrolment_attempts)
    mapper_registry.map_imperatively(LedgerEntry, ledger)
    _mapped = True
