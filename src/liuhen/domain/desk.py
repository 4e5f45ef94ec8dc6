"""The desk console's sign-in through the bot: a one-time link, then a session (seed 003 §12: the platform
serves each office by its role and level; seed 004 §15: 全程留痕 — every sign-in is in the ledger).

No password exists: a staff member who can open the chat with the bot (enrolled, active) asks it for a link;
the link is random, stored only as a hash, used once and valid for two minutes; it opens a session that
ends after an idle time, after a maximum age, when the person signs out everywhere from the chat, and at
once when the person is deactivated on the roster.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

#: How long a sign-in link may wait to be opened.
LINK_TTL = timedelta(minutes=2)
#: A session unused this long ends (a desk left unattended).
IDLE_TIMEOUT = timedelta(minutes=30)
#: A session ends this long after sign-in, however busy (one working day).
MAX_AGE = timedelta(hours=12)
#: A session's last use is written at most this often (a page view is a read, not a write).
TOUCH_EVERY = timedelta(minutes=1)


def digest(token: str) -> str:
    """What the database keeps of a link's or a session's token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def csrf_of(session_token: str) -> str:
    """The form token bound to a session: derived from the session's secret, so a page of another origin
    cannot know it (the cookie is HttpOnly) and nothing more is stored."""
    return hashlib.sha256(b"liuhen-desk-csrf:" + session_token.encode("ascii", "replace")).hexdigest()


@dataclass(frozen=True)
class DeskSession:
    """One signed-in browser: who, since when, last used when, ended when (None while open)."""

    staff_pk: int
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None = None

    def alive(self, now: datetime) -> bool:
        return (
            self.ended_at is None
            and now - self.last_seen_at < IDLE_TIMEOUT
            and now - self.created_at < MAX_AGE
        )

    def needs_touch(self, now: datetime) -> bool:
        return now - self.last_seen_at >= TOUCH_EVERY


#: The list counts its rows up to this many (beyond: "more than", and a filter to narrow it).
COUNT_CAP = 10_000


@dataclass(frozen=True)
class RecordQuery:
    """The desk's record list as a query: the rows the reader may be shown (a superset the need-to-know
    policy narrows row by row), the filters, a page."""

    court_id: int
    reader_pk: int
    readers: frozenset[int] | None  # None: every submitted record of the court; else the chains they are in
    # the courts directly below whose records reported upward the reader also sees (the discipline office of
    # the court above: seed 001 实施办法 §6, seed 004 §17(2): 层报)
    lower_courts: frozenset[int] = frozenset()
    only_court: int | None = None  # one court of those
    status: str | None = None
    text: str = ""  # in the number, the case number or the intervener's name
    record_type: str | None = None
    department_id: int | None = None
    since: datetime | None = None  # first submission, UTC
    until: datetime | None = None
    special_item: str | None = None
    severe: bool = False
    overdue_at: datetime | None = None  # waiting at a level whose deadline is before this
    offset: int = 0
    limit: int = 50
