"""Complaints of pressure or retaliation, straight to the discipline office (控告).

Seed 001 §6: a judicial officer who truthfully records interference is protected; leading cadres must not
retaliate. Seed 001 实施办法 §9: a court officer who meets obstruction or retaliation for keeping the rules
may complain (控告) to the level above. docs/domain.md "Confidentiality and protection": a confidential
channel
straight to discipline inspection; the intervener is never told anything by the system.

A complaint is not a record: it does not go through the sign-off chain and nobody in the complainant's
chain receives it. Like a record it is kept for ever (cancelled ones too) and every step is in the ledger.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

#: An open complaint takes the person's messages as its content while it is being written; after this
#: long without a new item their messages are evidence of records again (the complaint stays open and
#: `/complaint` resumes it).
OPEN_WINDOW = timedelta(hours=2)
MAX_TEXT = 4000


class ComplaintStatus(enum.StrEnum):
    OPEN = "open"  # being written
    SUBMITTED = "submitted"  # sent to the discipline office
    CANCELLED = "cancelled"  # withdrawn before submission (kept, never deleted)


@dataclass(eq=False)
class Complaint:
    court_id: int
    complainant_id: int  # staff.id
    status: str
    created_at: datetime
    updated_at: datetime
    number: str = ""  # KG-2026-0003, set once the row has its id
    item_count: int = 0
    submitted_at: datetime | None = None
    id: int | None = None
    destination: str | None = None  # ``Destination``, chosen at submission (None: from before the choice)


class Destination(enum.StrEnum):
    """Where a complaint of retaliation goes (seed 001 §6, 实施办法 §9; seed 002 §11: 可以向上一级人民法院
    提出控告). Upward is the default: the own court's office may be the one complained about."""

    ABOVE = "above"  # the discipline office of the court directly above
    CHAIN = "chain"  # every court above, level by level up to the top of the deployment
    OWN = "own"  # the own court's discipline office, only when the complainant chooses it


@dataclass(eq=False)
class ComplaintItem:
    """One message of a complaint: text, or a file stored in the evidence store (hash of the original)."""

    complaint_id: int
    seq: int
    kind: str  # EvidenceKind values
    received_at: datetime
    update_id: int
    message_id: int
    state: str  # EvidenceState values
    text: str | None = None
    sha256: str | None = None
    size: int | None = None
    media_type: str | None = None
    file_name: str | None = None
    message_sha256: str | None = None
    id: int | None = None


def complaint_number(year: int, pk: int) -> str:
    return f"KG-{year}-{pk:04d}"
