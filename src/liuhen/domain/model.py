"""Entities of the organisation: courts, departments, staff, enrolment.

Plain dataclasses. The storage layer maps them onto tables (SQLAlchemy imperative mapping), so the
domain never imports the ORM (docs/architecture.md "Layers").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Role(enum.StrEnum):
    """Roles of the roster (the roster's `role` column; trial_management is 审判管理办公室, seed 002 §6, §8,
    seed 002 §6: the trial management office gets a copy of every record)."""

    STAFF = "staff"
    DEPT_HEAD = "dept_head"
    VICE_PRESIDENT = "vice_president"
    PRESIDENT = "president"
    DISCIPLINE = "discipline"
    ADMIN = "admin"
    TRIAL_MANAGEMENT = "trial_management"


class DeadlineProfile(enum.StrEnum):
    """Deadline presets (docs/domain.md "Deadlines"): court = seed 002 §6, procuratorate = seed 004 §7,
    §13."""

    COURT = "court"
    PROCURATORATE = "procuratorate"


@dataclass(eq=False)
class Court:
    """One court (or procuratorate). `parent_id` links to the court above for roll-up (seed 001 §7)."""

    code: str
    name: str
    parent_id: int | None = None
    deadline_profile: DeadlineProfile = DeadlineProfile.COURT
    created_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class Department:
    court_id: int
    name: str
    vice_president_id: int | None = None  # the staff.id of the vice-president in charge (分管院领导)
    id: int | None = None


@dataclass(eq=False)
class Staff:
    """A person of the roster. Never deleted: leaving the roster deactivates."""

    court_id: int
    staff_id: str
    name: str
    department_id: int
    position: str
    role: Role
    phone: str = ""
    active: bool = True
    telegram_user_id: int | None = None
    telegram_chat_id: int | None = None
    enrolled_at: datetime | None = None
    deactivated_at: datetime | None = None
    wecom_userid: str | None = None  # the account in the court's WeCom (企业微信), from the roster
    wecom_confirmed_at: datetime | None = None  # when the person confirmed it is theirs
    extra: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    id: int | None = None

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def enrolled(self) -> bool:
        return self.active and self.telegram_user_id is not None

    @property
    def chat_id(self) -> int | None:
        """Where the chat doors reach this person: the Telegram chat when enrolled there, else — confirmed on
        WeCom — the WeCom door's address, the negative of the person's key (WeCom has no chats; Telegram's
        chats of people are positive). None: no door reaches them."""
        if self.enrolled and self.telegram_chat_id is not None:
            return self.telegram_chat_id
        if self.on_wecom and self.id is not None:
            return -self.id
        return None

    @property
    def reachable(self) -> bool:
        return self.chat_id is not None

    @property
    def on_wecom(self) -> bool:
        """Served on WeCom: active, and the roster's WeCom account confirmed by its holder."""
        return self.active and self.wecom_userid is not None and self.wecom_confirmed_at is not None


@dataclass(eq=False)
class EnrolmentCode:
    """A one-time enrolment code; only its SHA-256 is stored."""

    staff_pk: int
    code_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by_telegram_id: int | None = None
    id: int | None = None


@dataclass(eq=False)
class EnrolmentAttempt:
    """A failed enrolment attempt from one Telegram account, for throttling."""

    telegram_user_id: int
    at: datetime
    id: int | None = None


@dataclass(eq=False)
class Conversation:
    """Where a person stands in the chat: the database is the conversation state (docs/architecture.md)."""

    staff_pk: int
    force_new_draft: bool = False
    current_record_id: int | None = None
    pending_field: str | None = None
    hints_shown: list[str] = field(default_factory=list)
    updated_at: datetime | None = None
    scratch: dict[str, Any] | None = None


@dataclass(eq=False)
class Callback:
    """An opaque button token (≤ 64 bytes of callback data), resolved and re-authorised on the server
    (docs/architecture.md "Callback data"): the token is bound to the person it was shown to."""

    token: str
    staff_pk: int
    action: str
    created_at: datetime
    record_id: int | None = None
    evidence_id: int | None = None
    arg: str | None = None
    used_at: datetime | None = None
