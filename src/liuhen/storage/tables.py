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
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    insert_sentinel,
)
from sqlalchemy.orm import registry

from liuhen.domain.accountability import Measure
from liuhen.domain.casefile import CaseFileTask
from liuhen.domain.casezero import CaseZeroReport
from liuhen.domain.checkpoints import Checkpoint
from liuhen.domain.complaints import Complaint, ComplaintItem
from liuhen.domain.followup import FollowUp
from liuhen.domain.ledger import LedgerEntry
from liuhen.domain.model import (
    Callback,
    Conversation,
    Court,
    DeadlineProfile,
    Department,
    EnrolmentAttempt,
    EnrolmentCode,
    Role,
    Staff,
)
from liuhen.domain.notices import Notice
from liuhen.domain.records import Evidence, EvidenceKind, EvidenceState, Record, RecordStatus
from liuhen.domain.registers import DepartedStaff, LawyerRelative
from liuhen.storage.types import BigId, CaseNumberOf, ChainJSON, EnumText, UTCDateTime

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
    Column("deadline_profile", EnumText(DeadlineProfile, 32), nullable=False),
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
    Column("role", EnumText(Role, 32), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("telegram_user_id", BigInteger, nullable=True, unique=True),
    Column("telegram_chat_id", BigInteger, nullable=True),
    Column("enrolled_at", UTCDateTime()),
    # the member's account in the court's WeCom (企业微信): the enterprise vouches for it, the person
    # confirms it once (wecom_confirmed_at) before being served there
    Column("wecom_userid", String(64), nullable=True),
    Column("wecom_confirmed_at", UTCDateTime()),
    Column("deactivated_at", UTCDateTime()),
    Column("extra", JSON, nullable=False),
    Column("created_at", UTCDateTime()),
    Column("updated_at", UTCDateTime()),
    UniqueConstraint("court_id", "staff_id", name="uq_staff_court_staff_id"),
    Index("ux_staff_wecom_userid", "wecom_userid", unique=True),
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

# Webhook updates answered 200 and not yet handled (bot/webhook.py): durable before the answer, handled from
# here in order per chat, deleted once handled; what a crash left is handled by the next sweep.
webhook_updates = Table(
    "webhook_updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("chat_id", BigInteger, nullable=False),  # 0: an update of no chat
    Column("body", Text, nullable=False),  # the update's JSON as Telegram posted it
    Column("received_at", UTCDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),  # handlings that raised
    Index("ix_webhook_updates_chat", "chat_id", "update_id"),
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

records = Table(
    "records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("number", String(32), nullable=False),
    Column("recorder_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("status", EnumText(RecordStatus, 32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("last_evidence_at", UTCDateTime(), nullable=False),
    Column("evidence_count", Integer, nullable=False),
    Column("answers", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("direct_to_discipline", Boolean, nullable=False),
    Column("submitted_at", UTCDateTime()),
    # The sign-off chain: the serialized `domain.signoff.Chain`, the deadline of the level it waits
    # for (indexed for reminders and /pending), and the outcome once filed.
    Column("chain", ChainJSON()),
    Column("level_deadline", UTCDateTime()),
    Column("filed_at", UTCDateTime()),
    Column("disposition", String(32)),
    UniqueConstraint("court_id", "number", name="uq_records_court_number"),
    Index("ix_records_recorder_status", "recorder_id", "status"),
    Index("ix_records_court_status", "court_id", "status"),
    Index("ix_records_court_id", "court_id", "id"),  # the desk's list: a court's newest first
    # what waits, oldest deadline first (/pending, "my tasks", the overdue filter; seed 004 §13)
    Index("ix_records_court_deadline", "court_id", "level_deadline"),
)
# the records that name a case, in any status (seed 003 §18: what is on file before the 审判委员会; seed 004
# §16: what a per-case zero report is checked against), found without reading every record's answers
Index("ix_records_case_number", CaseNumberOf(records.c.answers))

record_counters = Table(
    "record_counters",
    metadata,
    Column("court_id", Integer, ForeignKey("courts.id"), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last", Integer, nullable=False),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    # SQLite cannot order RETURNING of a multi-row INSERT by itself; the sentinel lets one INSERT store a
    # whole batch of evidence (domain/services/intake.receive_many)
    insert_sentinel("_sentinel"),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", EnumText(EvidenceKind, 16), nullable=False),
    Column("state", EnumText(EvidenceState, 16), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("message_id", BigInteger, nullable=False),
    Column("update_id", BigInteger, nullable=False, unique=True),
    Column("origin", JSON, nullable=False),
    Column("sha256", String(64)),
    Column("size", BigInteger),
    Column("media_type", String(128)),
    Column("text", Text),
    Column("entities", JSON, nullable=False),
    Column("file_name", String(255)),
    Column("telegram_file_id", String(255)),
    Column("telegram_file_unique_id", String(64)),
    Column("media_group_id", String(64)),
    Column("message_sha256", String(64)),
    Column("photo_compressed", Boolean),
    Column("download_attempts", Integer, nullable=False),
    Column("stored_at", UTCDateTime()),
    Column("receipt_message_id", BigInteger),
    Column("inspection", JSON, nullable=False),
    Index("ix_evidence_record", "record_id", "seq"),
    Index("ix_evidence_group", "chat_id", "media_group_id"),
    Index("ix_evidence_sha256", "sha256"),
    Index("ix_evidence_state", "state"),
)

conversations = Table(
    "conversations",
    metadata,
    Column("staff_pk", Integer, ForeignKey("staff.id"), primary_key=True, autoincrement=False),
    Column("force_new_draft", Boolean, nullable=False),
    Column("current_record_id", Integer, ForeignKey("records.id")),
    Column("pending_field", String(64)),
    Column("hints_shown", JSON, nullable=False),
    Column("updated_at", UTCDateTime()),
    Column("scratch", JSON),  # working state of a multi-step action (e.g. an officer's opinion being typed)
)

callbacks = Table(
    "callbacks",
    metadata,
    Column("token", String(24), primary_key=True),
    Column("staff_pk", Integer, ForeignKey("staff.id"), nullable=False),
    Column("action", String(32), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("record_id", Integer, ForeignKey("records.id")),
    Column("evidence_id", Integer, ForeignKey("evidence.id")),
    Column("arg", String(64)),
    Column("used_at", UTCDateTime()),
)

calendar_overrides = Table(
    "calendar_overrides",
    metadata,
    Column("court_id", Integer, ForeignKey("courts.id"), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("workday", Boolean, nullable=False),
    Column("set_by", String(64), nullable=False),
    Column("set_at", UTCDateTime(), nullable=False),
)

# Notices sent once (reminders, warnings): the key says what and for which period; inserted in the same
# transaction that decides to send, so that a restart never repeats one (reminders).
notices = Table(
    "notices",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("chat_id", BigInteger),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    Column("payload", JSON),  # what to send, for notices sent by an outbox job (sign-off cards, escalations)
    Column("leased_at", UTCDateTime()),  # an outbox message being sent by one process
)
# what is not sent yet — outbox messages waiting, claims of a send that failed — is what the scheduled rounds
# look for every few minutes (outbox, released claims): a few rows among every notice ever sent, found
# without reading them all
Index(
    "ix_notices_unsent",
    notices.c.created_at,
    sqlite_where=notices.c.sent_at.is_(None),
    postgresql_where=notices.c.sent_at.is_(None),
)

# Earlier versions of a record: an amendment after submission keeps the version it replaces, with the
# reason (docs/domain.md "Nothing is ever deleted"; 全程留痕).
record_versions = Table(
    "record_versions",
    metadata,
    Column("record_id", Integer, ForeignKey("records.id"), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("status", String(32), nullable=False),
    Column("answers", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# ---- Sign-off (seed 004 §13, §14, §17, §18, §20) ----------------------------------------------

# Every attributed act on a record's chain: the rows of the 登记表 (seed 004 §14). Append-only; the chain JSON
# in `records.chain` is the state, these rows are what reports query.
decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("round", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("level", String(32)),
    Column("signer_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("on_behalf_of", Integer, ForeignKey("staff.id")),
    Column("at", UTCDateTime(), nullable=False),
    Column("text", Text, nullable=False),
    Column("disposition", String(32)),
    Column("defer_answer", String(16)),
    UniqueConstraint("record_id", "seq", name="uq_decisions_record_seq"),
    Index("ix_decisions_signer", "signer_id"),
)

# A level that let its three working days pass (seed 004 §13).
signoff_lapses = Table(
    "signoff_lapses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("round", Integer, nullable=False),
    Column("level", String(32), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("deadline", UTCDateTime(), nullable=False),
    Column("noticed_at", UTCDateTime(), nullable=False),
    UniqueConstraint("record_id", "round", "level", name="uq_signoff_lapses_record_round_level"),
    Index("ix_signoff_lapses_deadline", "deadline"),  # a quarter's lapses (the summary: seed 004 §13)
)

# An officer away names a deputy who signs "代" (`liuhen org delegate`).
delegations = Table(
    "delegations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("officer_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("deputy_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("until", Date, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("revoked_at", UTCDateTime()),
    Index("ix_delegations_deputy", "deputy_id"),
)

# The cards sent to officers, to edit them when the level is decided.
signoff_cards = Table(
    "signoff_cards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("round", Integer, nullable=False),
    Column("level", String(32), nullable=False),
    Column("staff_pk", Integer, ForeignKey("staff.id"), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("message_id", BigInteger, nullable=False),
    Column("sent_at", UTCDateTime(), nullable=False),
    Index("ix_signoff_cards_record", "record_id", "round", "level"),
)

# ---- Reports -----------------------------------------------------------------------------------

# One narrow row per submitted record with the dimensions the quarterly summary groups by
# (domain/reporting.py; JSON extraction per row is too slow at a million records: bench/reports.py).
# `submitted_at` is the first submission: an amendment never moves a record into another quarter.
record_facts = Table(
    "record_facts",
    metadata,
    Column("record_id", Integer, ForeignKey("records.id"), primary_key=True, autoincrement=False),
    Column("court_id", Integer, nullable=False),
    Column("department_id", Integer),
    Column("submitted_at", UTCDateTime(), nullable=False),
    Column("record_type", String(32)),
    Column("organ_category", String(32)),
    Column("stage", String(32)),
    Column("method", String(32)),
    Column("relation", String(32)),
    Column("late", Boolean, nullable=False),
    Column("principal_leader", Boolean, nullable=False),
    Column("retired", Boolean, nullable=False),
    Column("counted", Boolean, nullable=False),  # false while an amendment is a draft again
    # what the desk console finds records by
    Column("case_number", String(100)),
    Column("intervener_name", String(100)),
    Column("severe", Boolean, nullable=False, server_default=false()),
    Column("upward", Boolean, nullable=False, server_default=false()),
    # where the sign-off chain has it, kept with the rest (refresh_facts): the status and disposition counted
    Column("status", String(32), nullable=False, server_default=""),
    Column("disposition", String(32)),
    Index("ix_record_facts_court_submitted", "court_id", "submitted_at"),
    # the desk's list by type in a period, the statisticians' daily question (seed 003 §11, §12: 统计)
    Index("ix_record_facts_court_type_submitted", "court_id", "record_type", "submitted_at"),
)
# what the courts below reported upward, for the office above's list (seed 001 实施办法 §6; seed 004 §17(2)):
# a few in a hundred of their records, found without reading the rest
Index(
    "ix_record_facts_upward",
    record_facts.c.court_id,
    sqlite_where=record_facts.c.upward.is_(True),
    postgresql_where=record_facts.c.upward.is_(True),
)
# the records marked 情节严重 (seed 001 §7; seed 004 §17(1)), the desk's filter alone or in a period: a few
# in a thousand, found without reading the court's facts
Index(
    "ix_record_facts_severe",
    record_facts.c.court_id,
    record_facts.c.submitted_at,
    sqlite_where=record_facts.c.severe.is_(True),
    postgresql_where=record_facts.c.severe.is_(True),
)

# The quarterly analysis' counts (seed 003 item 13; seed 001 实施办法 §6), summed per court and UTC day: how
# many counted facts rows fall under each dimension's value that day (domain/reporting.tallies). Changed only
# with the facts, in their transaction (storage/tallies.py); a period reads its whole days here and the ends
# of its first and last day from `record_facts`.
record_tallies = Table(
    "record_tallies",
    metadata,
    Column("court_id", Integer, primary_key=True, autoincrement=False),
    Column("day", Date, primary_key=True),
    Column("dimension", String(16), primary_key=True),
    Column("value", String(100), primary_key=True),
    Column("n", Integer, nullable=False),
    sqlite_with_rowid=False,
)

# Who reads a record by its chain (seed 003 §12: the chain's officers and whoever signed it): the index the
# desk console's list starts from; the need-to-know policy still decides each row it shows.
record_readers = Table(
    "record_readers",
    metadata,
    Column("staff_pk", Integer, ForeignKey("staff.id"), primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id"), primary_key=True),
    Index("ix_record_readers_record", "record_id"),
)

# The special-report items of a submitted record, one row each (seed 001 实施办法 §7: listed one by one).
record_special_items = Table(
    "record_special_items",
    metadata,
    Column("record_id", Integer, ForeignKey("records.id"), primary_key=True),
    Column("item", String(32), primary_key=True),
    Column("court_id", Integer, nullable=False),
    Column("submitted_at", UTCDateTime(), nullable=False),
    Column("counted", Boolean, nullable=False),
    Index("ix_record_special_items_court_submitted", "court_id", "submitted_at"),
)

# ---- Integrity and complaints -------------------------------------------------------------------

# Signed Merkle tree heads of the ledger (domain/checkpoints.py): never changed, never deleted.
checkpoints = Table(
    "checkpoints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("tree_size", BigInteger, nullable=False),
    Column("root", String(64), nullable=False),
    Column("last_entry_hash", String(64), nullable=False),
    Column("signed_at", UTCDateTime(), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("tsa_token", Text),
    Column("tsa_at", UTCDateTime()),
    Column("prev_tree_size", BigInteger),  # the checkpoint before it (signed); NULL only in rows from before
    Column("prev_root", String(64)),
    Index("ix_checkpoints_tree_size", "tree_size"),
)

# Complaints of retaliation straight to the discipline office (seed 001 §6, 实施办法 §9), and their items.
complaints = Table(
    "complaints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("number", String(32), nullable=False),
    Column("complainant_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("item_count", Integer, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("submitted_at", UTCDateTime()),
    Column("destination", String(16)),  # domain.complaints.Destination; NULL: from before the choice
    Index("ix_complaints_complainant_status", "complainant_id", "status"),
    Index("ix_complaints_court_status", "court_id", "status"),
)

complaint_items = Table(
    "complaint_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("complaint_id", Integer, ForeignKey("complaints.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("update_id", BigInteger, nullable=False, unique=True),
    Column("message_id", BigInteger, nullable=False),
    Column("text", Text),
    Column("sha256", String(64)),
    Column("size", BigInteger),
    Column("media_type", String(128)),
    Column("file_name", String(255)),
    Column("message_sha256", String(64)),
    Index("ix_complaint_items_complaint", "complaint_id", "seq"),
)

# ---- Monthly reports and per-case zero reports (seed 003 §13, §20; seed 004 §16) ---------------

# The broadcast: one row per (person, month, kind), inserted before anything is sent. The state machine of
# domain/monthly.py PromptState makes a crash mid-broadcast resume without sending anything twice.
monthly_prompts = Table(
    "monthly_prompts",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("staff_pk", Integer, ForeignKey("staff.id"), nullable=False),
    Column("month", String(7), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("chat_id", BigInteger),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("attempted_at", UTCDateTime()),
    Column("sent_at", UTCDateTime()),
    Column("message_id", BigInteger),
    Column("error", String(255)),
    Column("sender", String(32)),  # the wire log of the process that marked it `sending` (bot/broadcast.py)
    UniqueConstraint("staff_pk", "month", "kind", name="uq_monthly_prompts_staff_month_kind"),
    Index("ix_monthly_prompts_court_state", "court_id", "state"),
    Index("ix_monthly_prompts_court_month", "court_id", "month", "kind"),
)

# A person's answer for a month (one tap), with its time.
monthly_answers = Table(
    "monthly_answers",
    metadata,
    Column("staff_pk", Integer, ForeignKey("staff.id"), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("answer", String(16), nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("answered_at", UTCDateTime(), nullable=False),
    Column("via", String(16), nullable=False),
    Index("ix_monthly_answers_court_month", "court_id", "month"),
)

case_zero_reports = Table(
    "case_zero_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("officer_pk", Integer, ForeignKey("staff.id"), nullable=False),
    Column("case_number", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("statement", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("reviewer_pk", Integer, ForeignKey("staff.id")),
    Column("reviewed_at", UTCDateTime()),
    Column("review_note", Text),
    Column("acknowledged", JSON, nullable=False),
    Column("extra", JSON, nullable=False),
    Index("ix_case_zero_reports_officer", "officer_pk", "case_number"),
    Index("ix_case_zero_reports_court_status", "court_id", "status"),
)

# Case-file tasks (入卷存查, domain/casefile.py): one per filed record or confirmed per-case zero report.
case_file_tasks = Table(
    "case_file_tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("source", String(16), nullable=False),
    Column("ref_id", Integer, nullable=False),
    Column("label", String(32), nullable=False),
    Column("case_number", String(64), nullable=False),
    Column("officer_pk", Integer, ForeignKey("staff.id"), nullable=False),
    Column("volume", String(16), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("done_at", UTCDateTime()),
    Column("file_ref", String(200)),
    Column("notified_at", UTCDateTime()),
    Column("reminded_at", UTCDateTime()),
    UniqueConstraint("source", "ref_id", name="uq_case_file_tasks_source_ref"),
    Index("ix_case_file_tasks_officer_done", "officer_pk", "done_at"),
    Index("ix_case_file_tasks_court_done", "court_id", "done_at"),
)

#: The discipline office's follow-ups of dispositions (分流处理: seed 004 §17–§20; ``domain/followup.py``).
followups = Table(
    "followups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False, unique=True),
    Column("number", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("owner_pk", Integer, ForeignKey("staff.id"), nullable=False),
    Column("opened_at", UTCDateTime(), nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("receiver", String(1000)),
    Column("sent_at", UTCDateTime()),
    Column("acknowledged_at", UTCDateTime()),
    Column("finding", String(16)),
    Column("outcome", String(1000)),
    Column("intentional", Boolean),
    Column("chief_approved", Boolean),
    Column("typical", Boolean, nullable=False, default=False),
    Column("closed_at", UTCDateTime()),
    Column("notified_at", UTCDateTime()),
    Column("reminded_at", UTCDateTime()),
    Column("head_told_at", UTCDateTime()),
    Column("chief_told_at", UTCDateTime()),
    Column("steps", JSON, nullable=False),
    Index("ix_followups_owner_state", "owner_pk", "state"),
    Index("ix_followups_court_state", "court_id", "state"),
)

#: Accountability measures (责任追究: seed 004 §25–§30; ``domain/accountability.py``).
accountability = Table(
    "accountability",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("ground", String(32), nullable=False),
    Column("measure", String(32), nullable=False),
    Column("person_name", String(200), nullable=False),
    Column("staff_pk", Integer, ForeignKey("staff.id")),
    Column("department_id", Integer, ForeignKey("departments.id")),
    Column("record_number", String(32)),
    Column("note", String(1000)),
    Column("decided_at", UTCDateTime(), nullable=False),
    Column("decided_by", String(64), nullable=False),
    Index("ix_accountability_court_decided", "court_id", "decided_at"),
)

#: Notices (通报: seed 004 §22–§24; ``domain/notices.py``), kept as issued.
notices_issued = Table(
    "notices_issued",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("subject", String(32), nullable=False),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("distribution", JSON, nullable=False),
    Column("other_organ", String(200)),
    Column("issued_at", UTCDateTime(), nullable=False),
    Column("issued_by", String(64), nullable=False),
    Column("pdf_sha256", String(64)),  # the PDF as issued, in the evidence store
    UniqueConstraint("court_id", "year", "seq", name="uq_notices_issued_number"),
)

#: The registers (台帐: seed 003 items 15, 16, 22): staff's relatives who practise law, departed staff.
lawyer_relatives = Table(
    "lawyer_relatives",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("staff_pk", Integer, ForeignKey("staff.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("relation", String(32), nullable=False),
    Column("law_firm", String(100), nullable=False),
    Column("since", Date),
    Index("ix_lawyer_relatives_court_staff", "court_id", "staff_pk"),
)
departed_staff = Table(
    "departed_staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("former_staff_id", String(100), nullable=False),
    Column("left_on", Date),
    Column("went_to", String(100), nullable=False),
    Column("practises", Boolean, nullable=False),
    Column("law_firm", String(100), nullable=False),
    Index("ix_departed_staff_court", "court_id"),
)

#: The desk console's sign-in (domain/desk.py): one-time links and sessions, each kept as its token's hash.
desk_links = Table(
    "desk_links",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("staff_pk", Integer, ForeignKey("staff.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("used_at", UTCDateTime()),
)
desk_sessions = Table(
    "desk_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("staff_pk", Integer, ForeignKey("staff.id"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False),
    Column("ended_at", UTCDateTime()),
    Index("ix_desk_sessions_staff", "staff_pk"),
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
    mapper_registry.map_imperatively(Record, records)
    mapper_registry.map_imperatively(Evidence, evidence)
    mapper_registry.map_imperatively(Conversation, conversations)
    mapper_registry.map_imperatively(Callback, callbacks)
    mapper_registry.map_imperatively(Checkpoint, checkpoints)
    mapper_registry.map_imperatively(Complaint, complaints)
    mapper_registry.map_imperatively(ComplaintItem, complaint_items)
    mapper_registry.map_imperatively(CaseZeroReport, case_zero_reports)
    mapper_registry.map_imperatively(CaseFileTask, case_file_tasks)
    mapper_registry.map_imperatively(FollowUp, followups)
    mapper_registry.map_imperatively(Measure, accountability)
    mapper_registry.map_imperatively(Notice, notices_issued)
    mapper_registry.map_imperatively(LawyerRelative, lawyer_relatives)
    mapper_registry.map_imperatively(DepartedStaff, departed_staff)
    _mapped = True
