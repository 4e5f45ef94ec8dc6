"""Enrolment: one-time codes bind a Telegram account to a person of the roster.

Codes are random (80 bits ≥ the 64 required), shown once, stored only as a SHA-256, single use, and
expire. Repeated failures from one Telegram account are throttled.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from liuhen.app.ports import UnitOfWork
from liuhen.domain.clock import Clock
from liuhen.domain.complaints import OPEN_WINDOW
from liuhen.domain.model import EnrolmentAttempt, EnrolmentCode, Role, Staff

CODE_BYTES = 10  # 80 bits of randomness
DEFAULT_TTL = timedelta(days=7)
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_MAX_FAILURES = 5  # one account
#: Accounts made together have neighbouring ids: a block of them is one network of accounts.
NEIGHBOURHOOD = 1 << 20
NEIGHBOURHOOD_MAX_FAILURES = 10
#: Failures of every account together; beyond this each account has one try per window, and the
#: administrators are told once a window. A real newcomer's first try is always checked.
GLOBAL_MAX_FAILURES = 50
_CODE_CHARS = re.compile(r"[^A-Z2-7]")


def new_code() -> str:
    """A fresh code: 16 characters of base32 (A–Z, 2–7), easy to read aloud and to put in a deep link."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").rstrip("=")


def normalise_code(text: str) -> str:
    """What a person types: any case, spaces or dashes — keep only the code's alphabet."""
    return _CODE_CHARS.sub("", text.upper())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii")).hexdigest()


class InviteProblem(enum.StrEnum):
    NOT_ON_ROSTER = "not_on_roster"  # no such staff_id
    DEACTIVATED = "deactivated"
    UNKNOWN_COURT = "unknown_court"  # the court asked for (``court``) is not in the deployment


class InviteError(Exception):
    """No code was issued: ``problem``, with the person (``staff_id``, ``name``) or the ``court`` asked."""

    def __init__(
        self, problem: InviteProblem, *, staff_id: str = "", name: str = "", court: str = ""
    ) -> None:
        super().__init__(f"{problem.value}: {staff_id or court}")
        self.problem = problem
        self.staff_id = staff_id
        self.name = name
        self.court = court


@dataclass(frozen=True)
class Invite:
    code: str
    staff: Staff
    expires_at_iso: str


async def issue_invite(
    uow: UnitOfWork, *, court_id: int, staff_id: str, clock: Clock, ttl: timedelta = DEFAULT_TTL, actor: str
) -> Invite:
    """Create a one-time code for a person of the roster. Refused for unknown or deactivated people."""
    async with uow:
        staff = await uow.staff.by_staff_id(court_id, staff_id)
        if staff is None:
            raise InviteError(InviteProblem.NOT_ON_ROSTER, staff_id=staff_id)
        if not staff.active:
            raise InviteError(InviteProblem.DEACTIVATED, staff_id=staff_id, name=staff.name)
        assert staff.id is not None
        now = clock.now()
        code = new_code()
        expires = now + ttl
        await uow.codes.add(EnrolmentCode(staff.id, hash_code(code), created_at=now, expires_at=expires))
        await uow.ledger.append(
            actor=actor,
            action="enrolment.invite",
            object_type="staff",
            object_id=staff.staff_id,
            payload={"expires_at": expires.isoformat()},
        )
        await uow.commit()
        return Invite(code=code, staff=staff, expires_at_iso=expires.isoformat())


class EnrolOutcome(enum.Enum):
    ENROLLED = "enrolled"
    INVALID = "invalid"
    USED = "used"
    EXPIRED = "expired"
    INACTIVE = "inactive"
    THROTTLED = "throttled"
    DUPLICATE = "duplicate"  # a replayed update: answer nothing


@dataclass(frozen=True)
class EnrolResult:
    outcome: EnrolOutcome
    member: Member | None = None
    rebound_from: int | None = None  # a previous Telegram account that lost the binding


async def redeem(
    uow: UnitOfWork,
    *,
    code_text: str,
    telegram_user_id: int,
    chat_id: int,
    update_id: int,
    clock: Clock,
) -> EnrolResult:
    """`/start CODE`: bind this Telegram account to the person the code was issued for."""
    async with uow:
        if not await uow.inbox.claim(update_id, chat_id=chat_id, kind="enrol"):
            return EnrolResult(EnrolOutcome.DUPLICATE)
        now = clock.now()
        since = now - THROTTLE_WINDOW
        if await _throttled(uow, telegram_user_id, since):
            await uow.commit()
            return EnrolResult(EnrolOutcome.THROTTLED)
        result = await _check_code(uow, code_text, now=now)
        if result.outcome is not EnrolOutcome.ENROLLED:
            await uow.attempts.add(EnrolmentAttempt(telegram_user_id, now))
            await uow.flush()
            await _alert_on_burst(uow, now, since)
            await uow.commit()
            return result
        code = await uow.codes.by_hash(hash_code(code_text))
        staff = await uow.staff.get(code.staff_pk) if code else None
        assert staff is not None and code is not None
        previous_holder = await uow.staff.by_telegram(telegram_user_id)
        if previous_holder is not None and previous_holder.id != staff.id:
            previous_holder.telegram_user_id = None  # one account serves one person
            previous_holder.telegram_chat_id = None
            await uow.flush()
        rebound = staff.telegram_user_id if staff.telegram_user_id not in (None, telegram_user_id) else None
        code.used_at = now
        code.used_by_telegram_id = telegram_user_id
        staff.telegram_user_id = telegram_user_id
        staff.telegram_chat_id = chat_id
        staff.enrolled_at = now
        staff.updated_at = now
        await uow.ledger.append(
            actor=f"staff:{staff.staff_id}",
            action="enrolment.redeem",
            object_type="staff",
            object_id=staff.staff_id,
            payload={"telegram_user_id": telegram_user_id, "rebound_from": rebound},
        )
        await uow.commit()
        return EnrolResult(EnrolOutcome.ENROLLED, await _member(uow, staff), rebound_from=rebound)


async def _throttled(uow: UnitOfWork, telegram_user_id: int, since: datetime) -> bool:
    """Guessing codes is slowed per account, per network of accounts and for everyone together; an
    account's first try in a window is always checked, so a newcomer with a real code gets through."""
    own = await uow.attempts.count_since(telegram_user_id, since)
    if own == 0:
        return False
    if own >= THROTTLE_MAX_FAILURES:
        return True
    low = telegram_user_id - telegram_user_id % NEIGHBOURHOOD
    if await uow.attempts.count_in_range(low, low + NEIGHBOURHOOD, since) >= NEIGHBOURHOOD_MAX_FAILURES:
        return True
    return await uow.attempts.count_in_range(0, 1 << 62, since) >= GLOBAL_MAX_FAILURES


async def _alert_on_burst(uow: UnitOfWork, now: datetime, since: datetime) -> None:
    """Once the failures of all accounts reach the global limit, the administrators are told, once per
    window (the outbox sends it)."""
    failures = await uow.attempts.count_in_range(0, 1 << 62, since)
    if failures != GLOBAL_MAX_FAILURES:
        return
    window = int(now.timestamp()) // int(THROTTLE_WINDOW.total_seconds())
    for court_id in [c.id for c in await uow.courts.list() if c.id is not None]:
        for person in await uow.staff.list(court_id):
            if person.active and person.role == Role.ADMIN.value and person.telegram_chat_id is not None:
                payload = {"t": "enrol_burst", "record": 0, "staff": person.id, "failures": failures}
                await uow.notices.post(
                    f"so:enrol-burst:{window}:{person.id}", person.telegram_chat_id, payload
                )
    await uow.ledger.append(
        actor="system",
        action="enrolment.burst",
        object_type="deployment",
        object_id="enrolment",
        payload={"failures": failures, "window_minutes": int(THROTTLE_WINDOW.total_seconds() // 60)},
    )


async def _check_code(uow: UnitOfWork, code_text: str, *, now: datetime) -> EnrolResult:
    normalised = normalise_code(code_text)
    if len(normalised) < 16:
        return EnrolResult(EnrolOutcome.INVALID)
    code = await uow.codes.by_hash(hash_code(normalised))
    if code is None:
        return EnrolResult(EnrolOutcome.INVALID)
    if code.used_at is not None:
        return EnrolResult(EnrolOutcome.USED)
    staff = await uow.staff.get(code.staff_pk)
    if staff is None or not staff.active:
        return EnrolResult(EnrolOutcome.INACTIVE)
    if code.expires_at <= now:
        return EnrolResult(EnrolOutcome.EXPIRED)
    return EnrolResult(EnrolOutcome.ENROLLED)


@dataclass(frozen=True)
class Member:
    """An enrolled, active person with the names the bot shows, and what their conversation waits for
    at the time of the lookup (updates of one chat are handled one at a time, so it stays true for the
    update being handled)."""

    staff: Staff
    department: str
    court: str
    pending_field: str | None = None  # a question, an opinion, a case number… waits for typed text
    writing_complaint: bool = False  # an open complaint takes the messages (complaints.OPEN_WINDOW)

    @property
    def awaits_input(self) -> bool:
        """False: whatever the person sends now is evidence (the common case, decided without a read)."""
        return bool(self.pending_field) or self.writing_complaint


async def current_member(uow: UnitOfWork, telegram_user_id: int, *, now: datetime) -> Member | None:
    """The enrolled, active person behind a Telegram account, or None (then serve nothing)."""
    return (await current_members(uow, [telegram_user_id], now=now)).get(telegram_user_id)


async def current_members(
    uow: UnitOfWork, telegram_user_ids: Collection[int], *, now: datetime
) -> dict[int, Member]:
    """`current_member` of many accounts in one read-only transaction of five statements, whatever their
    number (the access gate of concurrent updates is answered together). Accounts of nobody
    enrolled and active are absent."""
    async with uow:
        staff = [s for s in (await uow.staff.by_telegram_many(telegram_user_ids)).values() if s.enrolled]
        members = await _members_of(uow, staff, now)
    return {m.staff.telegram_user_id: m for m in members if m.staff.telegram_user_id is not None}


async def _members_of(uow: UnitOfWork, staff: list[Staff], now: datetime) -> list[Member]:
    """The people with the names the doors show and what their conversations wait for, in four reads."""
    if not staff:
        return []
    pks = [s.id for s in staff if s.id is not None]
    departments = await uow.departments.many({s.department_id for s in staff if s.department_id})
    courts = await uow.courts.many({s.court_id for s in staff})
    conversations = await uow.conversations.load(pks)
    complaints = await uow.complaints.open_for_many(pks)
    members: list[Member] = []
    for person in staff:
        assert person.id is not None
        department, court = departments.get(person.department_id or 0), courts.get(person.court_id)
        conversation, complaint = conversations.get(person.id), complaints.get(person.id)
        members.append(
            Member(
                person,
                department.name if department else "",
                court.name if court else "",
                pending_field=conversation.pending_field if conversation else None,
                writing_complaint=complaint is not None and complaint.updated_at >= now - OPEN_WINDOW,
            )
        )
    return members


@dataclass(frozen=True)
class WeComAccount:
    """A WeCom member as the roster knows them: ``confirmed`` once the holder said the account is
    theirs (the enterprise vouches for the account; the person for the roster's entry)."""

    member: Member
    confirmed: bool


async def wecom_accounts(
    uow: UnitOfWork, userids: Collection[str], *, now: datetime
) -> dict[str, WeComAccount]:
    """The active people of the roster behind WeCom accounts, in one read-only transaction. Accounts of
    nobody on the roster (or deactivated) are absent: they are served nothing."""
    async with uow:
        staff = [s for s in (await uow.staff.by_wecom_many(userids)).values() if s.active]
        members = await _members_of(uow, staff, now)
    return {
        m.staff.wecom_userid: WeComAccount(m, m.staff.wecom_confirmed_at is not None)
        for m in members
        if m.staff.wecom_userid is not None
    }


async def confirm_wecom(uow: UnitOfWork, *, userid: str, clock: Clock) -> Member | None:
    """The holder of a roster's WeCom account confirms it is theirs: served on WeCom from now on. None
    for an account of nobody active on the roster. Confirming twice changes nothing."""
    async with uow:
        staff = (await uow.staff.by_wecom_many([userid])).get(userid)
        if staff is None or not staff.active:
            return None
        if staff.wecom_confirmed_at is None:
            now = clock.now()
            staff.wecom_confirmed_at = staff.updated_at = now
            await uow.ledger.append(
                actor=f"staff:{staff.staff_id}",
                action="staff.wecom_confirm",
                object_type="staff",
                object_id=staff.staff_id,
                payload={"wecom_userid": userid},
            )
        member = await _member(uow, staff)
        await uow.commit()
        return member


async def _member(uow: UnitOfWork, staff: Staff) -> Member:
    department = await uow.departments.get(staff.department_id)
    court = await uow.courts.get(staff.court_id)
    return Member(staff, department.name if department else "", court.name if court else "")
