"""Use cases of the sign-off chain (seed 004 §13, §14, §17, §18, §20; seed 002 §6).

The pure rules are in ``domain/signoff.py``; here the chain is loaded from and saved to the record, every
decision is attributed in the ledger, and whom to tell what is posted to the outbox (``notices`` with a
payload, key prefix ``so:``) in the same transaction. The bot sends outbox messages after the commit, and an
outbox job sends whatever a crash left unsent — so a decision is never without its notices.

Buttons carry an opaque token (``callbacks``) bound to the person, the record and (in ``arg``) the operation,
level, round and the officer a deputy signs for; every press is re-authorised by the chain's own rules.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases import casefile, followup, registers, witnesses
from liuhen.app.usecases.access import AccessDenied, read_record
from liuhen.app.usecases.deadlines import calendar_for
from liuhen.app.usecases.intake import Button, issue_button
from liuhen.app.usecases.outbox import OUTBOX
from liuhen.domain import catalogue as cat
from liuhen.domain.access import (
    DIRECT_ABOVE,
    SEVERE,
    UPWARD_DISPOSITIONS,
    UPWARD_PATH,
    forwarded_to,
    reported_upward,
)
from liuhen.domain.clock import Clock
from liuhen.domain.model import Conversation, Court, Role, Staff
from liuhen.domain.records import Evidence, Record, RecordStatus
from liuhen.domain.signoff import (
    Chain,
    DecisionKind,
    Delegation,
    Event,
    EventKind,
    Events,
    Level,
    SignoffError,
    SignoffTerms,
    Skip,
    Stale,
    late_approver,
    level_of,
    represented,
    route,
)
from liuhen.domain.workdays import profile_named, same_workday

ACTION = "so"
PENDING = "_so"


class Say(enum.Enum):
    """What the answer to a press or a typed text says (the texts put it in words)."""

    STALE = "stale"  # a foreign, unknown, forged or outdated button
    EDITING = "editing"  # the recorder is changing the record: sign after the resubmission
    CANCELLED = "cancelled"
    DONE = "done"  # decided already
    ASK_OPINION = "ask_opinion"  # type the opinion now
    ASK_REASON = "ask_reason"  # type the reason of the return now
    DEFER_FIRST = "defer_first"  # answer the recorder's defer suggestion first (seed 004 §18)
    CHOOSE = "choose"  # choose a disposition (seed 004 §17, §20)
    SUBMITTED = "submitted"
    FIX = "fix"  # the recorder corrects the returned record
    DIRECT = "direct"  # the recorder reported directly to the discipline office
    DIRECT_ABOVE = "direct_above"  # … to the court above's discipline office (or had done so before)
    NO_COURT_ABOVE = "no_court_above"  # the deployment holds no court above this one
    SEVERE = "severe"  # marked 情节严重 (or had been): everyone of the chain and the office have it now
    SEVERE_FORBIDDEN = "severe_forbidden"  # only the recorder and the chain's officers mark it
    SEVERE_FILED = "severe_filed"  # disposed of already: the office is to be told directly
    FORWARDED = "forwarded"  # acknowledged and forwarded to the next level (or marked at the top)
    EVIDENCE = "evidence"  # ``len(evidence)`` files follow
    FULL = "full"  # the full text follows
    STATUS = "status"  # ``number`` is in ``status`` (nothing to sign now)
    WAITS_FOR = "waits_for"  # ``number`` waits for ``level``
    RESENT = "resent"  # the card was sent again
    EMPTY = "empty"  # an empty opinion or reason
    OPINION = "opinion"  # the typed ``opinion``: choose approve or return with it
    REFUSED = "refused"  # ``refusal`` says why (a rule of the chain, or need-to-know)


class Act(enum.Enum):
    """What a sign-off button does; ``Button.shows`` carries a disposition's catalogue label or a number."""

    APPROVE = "approve"
    RETURN = "return"
    OPINION = "opinion"
    EVIDENCE = "evidence"
    FULL = "full"
    FIX = "fix"
    DIRECT = "direct"
    DIRECT_ABOVE = "direct_above"  # the recorder: straight to the court above's discipline office
    SEVERE = "severe"  # the recorder or an officer of the chain: 标记情节严重
    FORWARD = (
        "forward"  # the office above: acknowledge, and forward to the next level (``shows``: "top" there)
    )
    DEFER_ACCEPT = "defer_accept"
    DEFER_OVERRIDE = "defer_override"
    DISPOSE = "dispose"
    APPROVE_WITH = "approve_with"  # approve with the opinion just typed
    RETURN_WITH = "return_with"  # return with the opinion just typed
    CANCEL = "cancel"
    SIGN = "sign"  # /pending: sign ``shows`` (a record number)
    VIEW = "view"  # /pending: read ``shows`` (an overdue record of the court)


class Upward(enum.Enum):
    """Why a record goes to the court above's discipline office."""

    IMMEDIATE = "immediate"  # 一事一报 (seed 001 §7, seed 002 §7)
    PRINCIPAL_LEADER = "principal_leader"  # a principal leader of the same-level committees (实施办法 §6)
    DIRECT = "direct"  # the recorder reported it to the court above directly (seed 004 §13)
    SEVERE = (
        "severe"  # marked 情节严重: reported at once, and on up level by level (seed 001 §7, seed 002 §7)
    )
    FORWARDED = "forwarded"  # forwarded by the office of the court below (层报)


class Op(enum.StrEnum):
    APPROVE = "a"  # 同意 (at the discipline level: choose a disposition)
    RETURN = "r"  # 退回补正 (asks the reason unless an opinion was typed)
    OPINION = "o"  # 填写意见: type the opinion, then decide
    EVIDENCE = "e"  # 查看证据: the original files
    FULL = "f"  # 查看全文
    DISPOSE = "d"  # a disposition of the discipline office (seed 004 §17, §20)
    DEFER = "x"  # the answer to a defer suggestion (seed 004 §18)
    CARD = "c"  # show the card again (/pending)
    DIRECT = "direct"  # the recorder: 直接报告纪检 (seed 004 §13)
    DIRECT_ABOVE = "da"  # the recorder: 直接报告上级纪检 (seed 003 §12, seed 004 §13)
    SEVERE = "sv"  # 标记情节严重 (seed 001 §7, seed 002 §7, seed 004 §17(1))
    FORWARD = "up"  # the office above: 已收到，报送上一级 (层报, seed 001 §7, seed 002 §7)
    FIX = "fix"  # the recorder: correct a returned record
    CANCEL = "n"  # drop a typed opinion


@dataclass(frozen=True)
class Arg:
    """What a sign-off button means; packed into the callback row's ``arg`` (≤ 64 characters)."""

    op: Op
    level: str = ""
    round: int = 0
    obo: int | None = None  # the officer a deputy signs for ("代")
    extra: str = ""  # disposition key, defer answer

    def pack(self) -> str:
        return f"{self.op.value}|{self.level}|{self.round}|{self.obo or ''}|{self.extra}"

    @classmethod
    def unpack(cls, raw: str | None) -> Arg | None:
        parts = (raw or "").split("|")
        if len(parts) != 5:
            return None
        try:
            return cls(Op(parts[0]), parts[1], int(parts[2]), int(parts[3]) if parts[3] else None, parts[4])
        except ValueError:
            return None


@dataclass(frozen=True)
class Config:
    tz: tzinfo
    deadline_profile: str = "court"
    investigation_workdays: int = 30  # the follow-ups the seeds give no deadline (seed 004 §17(2), §20)
    clarification_workdays: int = 10


async def terms_for(uow: UnitOfWork, court_id: int, config: Config) -> SignoffTerms:
    """3 working days per level on this court's calendar and deadline profile (seed 004 §13; docs/domain.md
    "Deadlines"; each court of a province deployment has its own)."""
    court = await uow.courts.get(court_id)
    profile = court.deadline_profile if court is not None else config.deadline_profile
    return SignoffTerms(
        profile_named(profile),
        await calendar_for(uow, court_id),
        config.tz,
        config.investigation_workdays,
        config.clarification_workdays,
    )


def involved_names(record: Record) -> list[str]:
    """The intervener and the people named as present: who must not sign or read this record (回避)."""
    return record.given.involved


async def route_for(uow: UnitOfWork, record: Record, recorder: Staff, *, direct: bool) -> Any:
    """The record's route from the current roster (seed 004 §13)."""
    people = [s for s in await uow.staff.list(record.court_id) if s.active]
    heads = [
        s for s in people if s.role == Role.DEPT_HEAD.value and s.department_id == recorder.department_id
    ]
    head = next((s for s in heads if s.id != recorder.id), heads[0] if heads else None)
    department = await uow.departments.get(recorder.department_id)
    vice = next((s for s in people if department and s.id == department.vice_president_id), None)
    discipline = [s for s in people if s.role == Role.DISCIPLINE.value]
    return route(
        recorder,
        department_head=head,
        vice_president=vice,
        discipline=discipline,
        involved=involved_names(record),
        direct=direct,
    )


def defer_suggested(record: Record) -> bool:
    return bool(record.given.defer_suggestion)


# ---------------------------------------------------------------------------------------------------------
# Saving a transition: state on the record, decisions and lapses as rows, ledger, outbox


async def _save(
    uow: UnitOfWork,
    record: Record,
    before: Chain | None,
    after: Chain,
    events: Sequence[Event],
    now: datetime,
    *,
    actor: str,
    tz: tzinfo,
) -> list[str]:
    assert record.id is not None
    record.chain = after
    record.status = after.status
    record.level_deadline = after.deadline
    record.updated_at = now
    old = len(before.decisions) if before is not None else 0
    new = after.decisions[old:]
    await uow.signoff.add_decisions(record.id, old + 1, new)
    for lapse in after.lapses[len(before.lapses) if before is not None else 0 :]:
        await uow.signoff.add_lapse(record.id, lapse)
    for d in new:
        await uow.ledger.append(
            actor=actor,
            action=f"signoff.{d.kind.value}",
            object_type="record",
            object_id=record.number,
            payload={
                "level": d.level.value if d.level else None,
                "round": d.round,
                "signer": d.signer_pk,
                "on_behalf_of": d.on_behalf_of,
                "text": d.text,
                "disposition": d.disposition,
                "defer_answer": d.defer_answer.value if d.defer_answer else None,
            },
        )
    if after.filed and d_last(after) is not None:
        record.filed_at = now
        record.disposition = d_last(after)
    await uow.records.refresh_facts(record)  # the quarterly summary's row
    await uow.records.refresh_readers(record)  # the chain's readers: the desk console's index
    if after.filed and (before is None or not before.filed):  # into the case file (入卷存查)
        await casefile.open_for_record(uow, record, now, after.terms)
        await followup.open_for_record(uow, record, after, now, tz)  # 分流处理 (seed 004 §17–§20)
    keys = await _post_events(uow, record, after, events, now, tz=tz)
    upward = await _report_upward(uow, record)
    if upward:  # 报上一级 through the system: sent at once, the result registered above (seed 004 §17(2))
        upward += await followup.reached_above(uow, record, now)
    return keys + upward


async def _report_upward(uow: UnitOfWork, record: Record) -> list[str]:
    """A record the rules send to the court above goes to that court's discipline office (seed 001 实施办法
    §6: principal leaders of the same-level committees; seed 001 §7 一事一报; seed 004 §17(2)), once."""
    if not reported_upward(record) or record.id is None:
        return []
    court = await uow.courts.get(record.court_id)
    if court is None or court.parent_id is None:
        return []
    if record.disposition in UPWARD_DISPOSITIONS:
        why = Upward.IMMEDIATE.value
    elif record.answers.get(SEVERE):
        why = Upward.SEVERE.value
    elif record.given.principal_leader:
        why = Upward.PRINCIPAL_LEADER.value
    else:
        why = Upward.DIRECT.value
    keys = await _upward_to(uow, record, court.parent_id, court.name, why)
    above = await uow.courts.get(court.parent_id)
    recorder = await uow.staff.get(record.recorder_id)
    if keys and recorder is not None and recorder.active and recorder.chat_id is not None:
        # the recorder sees that it went up (seed 001 实施办法 §6: 同时报送上一级), once per reason
        key = f"{OUTBOX}{record.id}:upward_told:{why}"
        payload = {
            "t": "upward_told",
            "record": record.id,
            "staff": recorder.id,
            "court": above.name if above else "",
            "why": why,
        }
        if await uow.notices.post(key, recorder.chat_id, payload):
            keys.append(key)
    return keys


async def _upward_to(uow: UnitOfWork, record: Record, court_id: int, sender: str, why: str) -> list[str]:
    """The upward report's message to each discipline officer of ``court_id`` (once each)."""
    assert record.id is not None
    keys: list[str] = []
    for s in await uow.staff.list(court_id):
        if s.active and s.role == Role.DISCIPLINE.value and s.reachable and s.chat_id:
            key = f"{OUTBOX}{record.id}:upward:{why}:{s.id}"
            payload = {"t": "upward", "record": record.id, "staff": s.id, "court": sender, "why": why}
            if await uow.notices.post(key, s.chat_id, payload):
                keys.append(key)
    return keys


async def _forward_upward(uow: UnitOfWork, staff: Staff, record: Record, now: datetime) -> PressResult:
    """[已收到，报送上一级] (层报: seed 001 §7 "立即报告并层报", seed 002 §7): a discipline officer of a court
    the report has reached acknowledges it and forwards it to the next court up; at the top of the deployment
    it is marked for the Supreme People's Court. Once per court; each step on the record and in the ledger."""
    path: list[dict[str, Any]] = list(record.answers.get(UPWARD_PATH, []))
    reached = await _courts_reached(uow, record)
    if staff.role != Role.DISCIPLINE.value or staff.court_id not in reached:
        return PressResult(Say.REFUSED, number=record.number)
    if any(step.get("court") == staff.court_id for step in path):
        return PressResult(Say.FORWARDED, number=record.number)
    court = await uow.courts.get(staff.court_id)
    parent = court.parent_id if court is not None else None
    path.append(
        {
            "court": staff.court_id,
            "court_name": court.name if court is not None else "",
            "by": staff.staff_id,
            "name": staff.name,
            "at": now.isoformat(),
            "to": parent,
        }
    )
    record.answers = {**record.answers, UPWARD_PATH: path}
    record.updated_at = now
    await uow.records.refresh_readers(record)  # the next office up finds it at the desk too
    await uow.ledger.append(
        actor=f"staff:{staff.staff_id}",
        action="record.forward_upward",
        object_type="record",
        object_id=record.number,
        payload={"court": staff.court_id, "to": parent},
    )
    keys = []
    if parent is not None and court is not None:
        keys = await _upward_to(uow, record, parent, court.name, Upward.FORWARDED.value)
    return PressResult(Say.FORWARDED, keys=keys, number=record.number)


async def _courts_reached(uow: UnitOfWork, record: Record) -> set[int]:
    """The courts whose office the upward report has reached: the court above the record's, and those it
    was forwarded on to (``access.forwarded_to``, the rule that lets them read it)."""
    court = await uow.courts.get(record.court_id)
    above = {court.parent_id} if court is not None and court.parent_id is not None else set()
    return above | forwarded_to(record)


def d_last(chain: Chain) -> str | None:
    for d in reversed(chain.decisions):
        if d.disposition:
            return d.disposition
    return None


async def _post_events(
    uow: UnitOfWork, record: Record, chain: Chain, events: Sequence[Event], now: datetime, *, tz: tzinfo
) -> list[str]:
    """Whom to tell what: one outbox message per recipient and event."""
    assert record.id is not None and chain.route is not None
    staff = {s.id: s for s in await uow.staff.list(record.court_id)}
    delegations = await uow.signoff.delegations(record.court_id)
    seq = len(chain.decisions)
    keys: list[str] = []

    async def post(tag: str, person: int | None, payload: dict[str, Any]) -> None:
        who = staff.get(person) if person is not None else None
        if who is None or not who.reachable or who.chat_id is None:
            return  # nobody to tell in the chat; the record and /pending still show it
        key = f"{OUTBOX}{record.id}:{seq}:{tag}:{person}"
        if await uow.notices.post(key, who.chat_id, {"record": record.id, "staff": person, **payload}):
            keys.append(key)

    recorder = chain.route.recorder_pk
    # overriding the recorder's suggestion to defer: the disposition waits for the chief (seed 004 §18)
    overridden = any(e.kind is EventKind.DEFER_OVERRIDDEN for e in events)
    for n, event in enumerate(events):
        tag = f"{n}{event.kind.value}"
        level = event.level.value if event.level else ""
        if event.kind is EventKind.ARRIVED:
            for holder in sorted(event.notify):
                await post(tag, holder, {"t": "card", "level": level, "round": chain.round})
            assert event.level is not None
            for deputy, officer in _deputies(chain, event.level, delegations, now, tz):
                await post(
                    f"{tag}d{officer}",
                    deputy,
                    {"t": "card", "level": level, "round": chain.round, "obo": officer},
                )
            notes = [n.value for n in event.notes]
            await post(tag, recorder, {"t": "step", "event": "arrived", "level": level, "notes": notes})
            if event.level is Level.VICE_PRESIDENT and chain.route.head_own:
                # seed 004 §13: a department head's own record is reported to the vice-president in charge
                # and the discipline office at the same time; the office signs after the vice-president.
                for member in sorted(chain.route.discipline):
                    await post(f"{tag}c", member, {"t": "concurrent", "level": level})
            if not event.notify:  # the discipline office is vacant for this record (seed 004 §13, §17(2))
                for s in staff.values():
                    if s.active and s.role == Role.ADMIN.value:
                        await post(tag, s.id, {"t": "vacant"})
        elif event.kind is EventKind.ESCALATED:
            for person in sorted(event.notify):
                await post(tag, person, {"t": "escalated", "level": level})
        elif event.kind is EventKind.DEFER_OVERRIDDEN:
            # seed 004 §18 (确需调查或分流、通报的，应经检察长批准同意，并于三个工作日内告知): the recorder
            # is told once the chief has approved (the follow-up waits for it: followup.open_for_record)
            continue
        elif overridden and event.kind is EventKind.FILED:
            continue  # the recorder hears of the approval, or of the refusal (the suggestion stands)
        else:
            await post(
                tag,
                recorder,
                {
                    "t": "step",
                    "event": event.kind.value,
                    "level": level,
                    "notes": [n.value for n in event.notes],
                },
            )
    return keys


def _deputies(
    chain: Chain, level: Level, delegations: Sequence[Delegation], now: datetime, tz: tzinfo
) -> list[tuple[int, int]]:
    """(deputy, officer) pairs who may sign ``level`` now as 代."""
    if chain.route is None:
        return []
    out: list[tuple[int, int]] = []
    for d in delegations:
        if d.officer_pk in represented(level, d.deputy_pk, chain.route, delegations, now, tz=tz):
            out.append((d.deputy_pk, d.officer_pk))
    return sorted(set(out))


# ---------------------------------------------------------------------------------------------------------
# Submission (called by the questionnaire's submit, in its transaction)


async def submit(
    uow: UnitOfWork, record: Record, recorder: Staff, now: datetime, config: Config, *, first: bool
) -> list[str]:
    """Start the chain of a newly submitted record, or resubmit a returned one (seed 004 §13)."""
    terms = await terms_for(uow, record.court_id, config)
    before = record.chain.under(terms) if record.chain else None
    r = await route_for(uow, record, recorder, direct=record.direct_to_discipline)
    actor = f"staff:{recorder.staff_id}"
    if before is None:
        chain, events = Chain.submitted(terms, defer_suggested=defer_suggested(record)).start(r, now)
    else:
        assert recorder.id is not None
        base = before
        if before.status is not RecordStatus.RETURNED:
            # An amendment (/amend) after submission: the new version goes through the chain again from its
            # first level; the earlier round's decisions stay (docs/domain.md "Nothing is ever deleted").
            base = replace(before, status=RecordStatus.RETURNED, received_at=None, deadline=None)
        chain, events = base.resubmit(recorder.id, now, route=r, defer_suggested=defer_suggested(record))
    keys = await _save(uow, record, before, chain, events, now, actor=actor, tz=config.tz)
    if first:
        keys += await _copies(uow, record, now, config.tz)
    return keys


async def corrected(
    uow: UnitOfWork,
    record: Record,
    recorder: Staff,
    now: datetime,
    *,
    reason: str,
    changes: Sequence[tuple[str, Any, Any]],
    tz: tzinfo,
) -> list[str]:
    """A correction of a submitted record: everyone who has signed it and the discipline office are told
    each changed field (更正; seed 003 §12, seed 004 §15: 全程留痕). Its place in the chain stays; the levels
    not yet signed are re-routed when the people involved changed."""
    chain = record.chain
    if chain is None or chain.route is None or record.id is None:
        return []
    # a routing fact may have changed (the intervener, the people involved): the levels not yet signed are
    # routed afresh (seed 004 §13 回避); what was signed stays
    terms = await terms_for(uow, record.court_id, Config(tz))
    fresh = await route_for(uow, record, recorder, direct=chain.route.direct)
    rerouted, events = chain.under(terms).reroute(fresh, now)
    keys: list[str] = []
    if (rerouted is not chain.under(terms) and rerouted.route != chain.route) or events:
        keys += await _save(
            uow, record, chain, rerouted, events, now, actor=f"staff:{recorder.staff_id}", tz=tz
        )
        await uow.ledger.append(
            actor=f"staff:{recorder.staff_id}",
            action="signoff.reroute",
            object_type="record",
            object_id=record.number,
            payload={
                "level": rerouted.level.value if rerouted.level else None,
                "skips": [
                    [s.level.value, s.reason.value] for s in (rerouted.route.skips if rerouted.route else ())
                ],
            },
        )
        chain = rerouted
    assert chain.route is not None
    told = {
        d.signer_pk
        for d in chain.decisions
        if d.kind in (DecisionKind.APPROVE, DecisionKind.RETURN, DecisionKind.DISPOSE)
    } | set(chain.route.discipline)
    told.discard(recorder.id or 0)
    staff = {s.id: s for s in await uow.staff.list(record.court_id)}
    for pk in sorted(told):
        who = staff.get(pk)
        if who is None or not who.active or not who.reachable or who.chat_id is None:
            continue
        key = f"{OUTBOX}{record.id}:corrected:{record.version}:{pk}"
        payload = {
            "t": "corrected",
            "record": record.id,
            "staff": pk,
            "version": record.version,
            "reason": reason,
            "changes": [list(c) for c in changes],
        }
        if await uow.notices.post(key, who.chat_id, payload):
            keys.append(key)
    return keys


#: The form goes to the discipline office and trial management within three days of recording (seed 002 §6).
COPY_WITHIN = timedelta(days=3)


async def _copies(uow: UnitOfWork, record: Record, now: datetime, tz: tzinfo) -> list[str]:
    """The registration form itself (the door renders it for each reader, the read logged) to the discipline
    office and to trial management's statistics officer, within three days of recording (seed 002 §6, §8),
    with the year's count; the deadline travels with it and is shown."""
    assert record.id is not None
    keys = []
    local = now.astimezone(tz)
    # counted by the database: a submission does not load the court's records of the year to count them
    year_count = await uow.records.count_submitted(
        record.court_id, datetime(local.year, 1, 1, tzinfo=tz), datetime(local.year + 1, 1, 1, tzinfo=tz)
    )
    due = (record.created_at + COPY_WITHIN).isoformat()
    offices = (Role.TRIAL_MANAGEMENT.value, Role.DISCIPLINE.value)
    involved = record.given.involved
    for s in await uow.staff.list(record.court_id):
        if s.active and s.role in offices and s.reachable and s.chat_id and s.name not in involved:
            key = f"{OUTBOX}{record.id}:copy:{s.id}"
            payload = {"t": "copy", "record": record.id, "staff": s.id, "count": year_count, "due": due}
            if await uow.notices.post(key, s.chat_id, payload):
                keys.append(key)
    return keys


# ---------------------------------------------------------------------------------------------------------
# Delivering outbox messages


@dataclass(frozen=True)
class Card:
    """What an officer's card shows."""

    number: str
    level: str
    record_type: str | None  # catalogue labels, None when not answered
    intervener: str | None
    intervener_unit: str | None
    case: str | None
    method: str | None
    gist: tuple[str, ...]  # the first lines of the content; empty when there is no text
    deadline: datetime | None
    evidence_count: int
    skips: tuple[Skip, ...]
    obo_name: str | None = None
    defer_suggested: bool = False
    lapsed: bool = False
    late_reason: str | None = None  # a late entry this level agrees to by approving (seed 004 §7)
    severe_by: str | None = None  # marked 情节严重 by (seed 001 §7, seed 004 §17(1))


@dataclass(frozen=True)
class Delivery:
    key: str
    chat_id: int
    kind: str  # card | step | escalated | copy | vacant | remind | delegated
    number: str
    payload: dict[str, Any]
    card: Card | None = None
    rows: tuple[tuple[Button, ...], ...] = ()
    decision: dict[str, Any] | None = None  # for steps: who decided what
    next_people: tuple[str, ...] = ()
    told: followup.Told | None = None  # a follow-up's outcome as told (seed 004 §18, §19)
    witness: witnesses.WitnessRequest | None = None  # a person present to confirm (seed 001 实施办法 §4)
    alert: registers.Alert | None = None  # what a record names of the registers (seed 003 items 15, 16)
    followup_card: followup.Card | None = None  # a follow-up's card (seed 004 §17–§20), buttons issued now


def _card(record: Record, chain: Chain, level: str, obo_name: str | None) -> Card:
    a = record.given
    assert chain.route is not None
    return Card(
        number=record.number,
        level=level,
        record_type=cat.label(cat.RECORD_TYPES, a.record_type, a.record_type) if a.record_type else None,
        intervener=a.intervener_name,
        intervener_unit=a.intervener_unit,
        case=a.case_number,
        method=cat.label(cat.METHODS, a.method, a.method) if a.method else None,
        gist=a.gist(),
        deadline=chain.deadline,
        evidence_count=record.evidence_count,
        skips=chain.route.skips,
        obo_name=obo_name,
        defer_suggested=chain.defer_suggested,
        lapsed=any(lp.level.value == level and lp.round == chain.round for lp in chain.lapses),
        late_reason=_late_reason(record, chain, level),
        severe_by=_severe_by(record),
    )


def _severe_by(record: Record) -> str | None:
    severe = record.answers.get(SEVERE)
    return str(severe.get("name") or severe.get("by") or "") if isinstance(severe, dict) else None


def _late_reason(record: Record, chain: Chain, level: str) -> str | None:
    """The late entry's reason, on the card of the level that agrees to it (seed 004 §7)."""
    approver = late_approver(chain)
    reason = record.given.late_reason
    return reason if reason and approver is not None and approver.value == level else None


async def _button(
    uow: UnitOfWork, staff_pk: int, record_id: int, act: Act, arg: Arg, now: datetime, shows: str = ""
) -> Button:
    """One sign-off button: an opaque token bound to the person and the record, the meaning in its row."""
    token = await issue_button(
        uow, staff_pk=staff_pk, action=ACTION, now=now, record_id=record_id, arg=arg.pack()
    )
    return Button(act, token, shows)


async def card_buttons(
    uow: UnitOfWork,
    staff_pk: int,
    record_id: int,
    level: str,
    round_: int,
    obo: int | None,
    now: datetime,
    *,
    late: bool = False,
    severe: bool = False,
) -> tuple[tuple[Button, ...], ...]:
    """An officer's buttons; ``late``: approving also agrees to the late entry (同意补记, seed 004 §7);
    ``severe``: marked 情节严重 already (no button to mark it)."""

    async def b(act: Act, op: Op, shows: str = "") -> Button:
        return await _button(uow, staff_pk, record_id, act, Arg(op, level, round_, obo), now, shows)

    rows: tuple[tuple[Button, ...], ...] = (
        (await b(Act.APPROVE, Op.APPROVE, LATE if late else ""), await b(Act.RETURN, Op.RETURN)),
        (await b(Act.OPINION, Op.OPINION),),
        (await b(Act.EVIDENCE, Op.EVIDENCE), await b(Act.FULL, Op.FULL)),
    )
    if not severe:
        rows = (*rows, (await b(Act.SEVERE, Op.SEVERE),))
    return rows


LATE = "late"  # ``Button.shows`` of an approval that also agrees to a late entry

LEASE = timedelta(minutes=2)  # a sender that has not marked its message sent by then is presumed dead


#: outbox messages about no record (a delegation, an enrolment burst, a per-case zero report's card, news and
#: register alert)
ABOUT_NO_RECORD = frozenset(
    {"delegated", "enrol_burst", "casezero_card", "casezero_told", "notice", registers.CASE}
)


def _set_so(conversation: Conversation, so: dict[str, Any] | None) -> None:
    """The opinion being typed (``scratch["so"]``), leaving what other actions keep there."""
    kept = {k: v for k, v in (conversation.scratch or {}).items() if k != "so"}
    if so is not None:
        kept["so"] = so
    conversation.scratch = kept or None


async def due_outbox(uow: UnitOfWork, now: datetime, *, wecom: bool = False) -> list[str]:
    """Outbox messages nobody is sending: posted by another process (the CLI) or before a crash, or whose
    send failed — of the people one chat door reaches (Telegram's, or ``wecom``'s)."""
    async with uow:
        return await uow.notices.outbox(OUTBOX, now - timedelta(seconds=3), now - LEASE, wecom=wecom)


async def prepare(
    uow: UnitOfWork, key: str, now: datetime, config: Config, *, wecom: bool = False
) -> Delivery | None:
    """Lease one outbox message and build what to send (buttons are issued here); None when another
    process is sending it, or it is sent, or there is nothing to send any more, or its reader is reached
    by the other chat door."""
    async with uow:
        taken = await uow.notices.take(key, now - LEASE, wecom=wecom)
        if taken is None or taken[0] is None:
            return None
        chat_id, payload = taken[0], taken[1]
        if payload.get("t") in ABOUT_NO_RECORD:  # its words are in its payload
            await uow.commit()
            return Delivery(key, chat_id, str(payload["t"]), "", payload)
        if payload.get("t") == "told":  # a follow-up's outcome, or the chief's approval of an override
            f = await uow.followups.get(int(payload["followup"]))
            if f is None:
                await uow.notices.mark_sent(key)
                await uow.commit()
                return None
            told = followup.Told(
                chat_id, f, bool(payload.get("recorder")), str(payload.get("above") or ""),
                bool(payload.get("overridden")), bool(payload.get("owner")),
            )  # fmt: skip
            await uow.commit()
            return Delivery(key, chat_id, "told", f.number, payload, told=told)
        if payload.get("t") == "followup":  # a follow-up's card for its owner, the office's head, the chief
            f = await uow.followups.get(int(payload["followup"]))
            person = await uow.staff.get(int(payload["staff"]))
            shown = (
                await followup.card(uow, f, person, now, followup.Nudge(str(payload["nudge"])))
                if f is not None and person is not None and f.open
                else None
            )
            if shown is None:  # closed meanwhile, or the person left: nothing to send any more
                await uow.notices.mark_sent(key)
                await uow.commit()
                return None
            await uow.commit()
            return Delivery(key, chat_id, "followup", shown.followup.number, payload, followup_card=shown)
        record = await uow.records.get(int(payload["record"]))
        if record is None or record.id is None:
            await uow.notices.mark_sent(key)
            await uow.commit()
            return None
        kind = str(payload.get("t"))
        terms = await terms_for(uow, record.court_id, config)
        chain = record.chain.under(terms) if record.chain else None
        staff_pk = int(payload["staff"])
        delivery = Delivery(key, chat_id, kind, record.number, payload)
        if kind in ("card", "remind") and chain is not None:
            level = str(payload["level"])
            round_ = int(payload.get("round", chain.round))
            if chain.round != round_ or (chain.level.value if chain.level else None) != level:
                await uow.notices.mark_sent(key)  # decided meanwhile: no card for a level already passed
                await uow.commit()
                return None
            obo = payload.get("obo")
            obo_name = None
            if obo is not None:
                officer = await uow.staff.get(int(obo))
                obo_name = officer.name if officer else None
            person = await uow.staff.get(staff_pk)
            if person is None:
                return None
            try:
                await read_record(
                    uow,
                    staff=person,
                    record=record,
                    what=f"card:{level}",
                    today=now.astimezone(config.tz).date(),
                )
            except AccessDenied:
                await uow.notices.mark_sent(key)
                await uow.commit()
                return None
            late = _late_reason(record, chain, level) is not None
            severe = bool(record.answers.get(SEVERE))
            rows = await card_buttons(
                uow, staff_pk, record.id, level, round_, obo, now, late=late, severe=severe
            )
            delivery = replace(delivery, card=_card(record, chain, level, obo_name), rows=rows)
        elif kind in ("upward", "concurrent", "severe", "severe_overdue") and chain is not None:
            person = await uow.staff.get(staff_pk)
            if person is None:
                return None
            try:
                await read_record(
                    uow, staff=person, record=record, what=kind, today=now.astimezone(config.tz).date()
                )
            except AccessDenied:
                if kind != "severe_overdue":
                    await uow.notices.mark_sent(key)
                    await uow.commit()
                    return None
                # the chief is told that the 一事一报 lapsed, by number only: not the content
                await uow.commit()
                return delivery

            async def view(act: Act, op: Op) -> Button:
                assert record.id is not None
                return await _button(uow, staff_pk, record.id, act, Arg(op, "", chain.round), now)

            rows = ((await view(Act.EVIDENCE, Op.EVIDENCE), await view(Act.FULL, Op.FULL)),)
            layered = {Upward.IMMEDIATE.value, Upward.SEVERE.value, Upward.FORWARDED.value}
            if (
                kind == "upward" and delivery.payload.get("why") in layered
            ):  # acknowledged, forwarded on (层报)
                here = await uow.courts.get(person.court_id)
                top = "top" if here is None or here.parent_id is None else ""
                forward = await _button(
                    uow, staff_pk, record.id, Act.FORWARD, Arg(Op.FORWARD, "", chain.round), now
                )
                rows = (*rows, (replace(forward, shows=top),))
            delivery = replace(
                delivery, card=_card(record, chain, chain.level.value if chain.level else "", None), rows=rows
            )
        elif kind == "corrected":
            person = await uow.staff.get(staff_pk)
            if person is None:
                return None
            try:  # the changes are the record's content: a read, authorised and in the ledger
                await read_record(
                    uow, staff=person, record=record, what="corrected", today=now.astimezone(config.tz).date()
                )
            except AccessDenied:
                await uow.notices.mark_sent(key)
                await uow.commit()
                return None
        elif kind == "step" and chain is not None:
            delivery = await _step(uow, delivery, record, chain, staff_pk, now)
        elif kind == "register":
            delivery = replace(delivery, alert=registers.alert_of(record.number, chat_id, payload))
        elif kind == "witness":
            recorder = await uow.staff.get(record.recorder_id)
            if recorder is None:
                return None
            delivery = replace(delivery, witness=witnesses.request_of(record, recorder, chat_id, payload))
        await uow.commit()
        return delivery


async def _step(
    uow: UnitOfWork, delivery: Delivery, record: Record, chain: Chain, staff_pk: int, now: datetime
) -> Delivery:
    """The recorder's news of one step: who decided what, where it goes next, what they can do."""
    assert record.id is not None
    event = str(delivery.payload.get("event"))
    decided = None
    for d in reversed(chain.decisions):
        if d.kind.value in ("approve", "return", "dispose"):
            signer = await uow.staff.get(d.signer_pk)
            obo = await uow.staff.get(d.on_behalf_of) if d.on_behalf_of else None
            decided = {
                "level": d.level.value if d.level else "",
                "signer": signer.name if signer else "?",
                "obo": obo.name if obo else None,
                "text": d.text,
                "at": d.at,
                "disposition": cat.label(cat.DISPOSITIONS, d.disposition, d.disposition)
                if d.disposition
                else None,
                "kind": d.kind.value,
            }
            break
    names: tuple[str, ...] = ()
    level = level_of(chain.status)
    if chain.route is not None and level is not None:
        holders = chain.route.holders(level)
        names = tuple(s.name for s in [await uow.staff.get(pk) for pk in sorted(holders)] if s is not None)
    rows: tuple[tuple[Button, ...], ...] = ()
    if event == "returned":
        rows = (
            (await _button(uow, staff_pk, record.id, Act.FIX, Arg(Op.FIX, round=chain.round), now),),
            (await _button(uow, staff_pk, record.id, Act.DIRECT, Arg(Op.DIRECT, round=chain.round), now),),
        )
    elif event == "arrived" and level is not None and level is not Level.DISCIPLINE:
        rows = (
            (await _button(uow, staff_pk, record.id, Act.DIRECT, Arg(Op.DIRECT, round=chain.round), now),),
        )
    if event in ("arrived", "returned") and not record.answers.get(SEVERE):
        severe = Arg(Op.SEVERE, round=chain.round)
        rows = (*rows, (await _button(uow, staff_pk, record.id, Act.SEVERE, severe, now),))
    offer_above = event in ("arrived", "returned") and not record.answers.get(DIRECT_ABOVE)
    if offer_above and await court_above(uow, record) is not None:  # seed 004 §13: or the court above
        above = Arg(Op.DIRECT_ABOVE, round=chain.round)
        rows = (*rows, (await _button(uow, staff_pk, record.id, Act.DIRECT_ABOVE, above, now),))
    if event in ("approved", "returned", "filed", "defer_overridden"):
        return replace(delivery, decision=decided, next_people=names, rows=rows)
    return replace(delivery, next_people=names, rows=rows)


async def delivered(uow: UnitOfWork, delivery: Delivery, message_id: int | None, now: datetime) -> None:
    """The message went out (or cannot ever: blocked): mark it; remember a card to edit it later."""
    async with uow:
        await uow.notices.mark_sent(delivery.key)
        if delivery.kind == "card" and message_id is not None:
            await uow.signoff.add_card(
                record_id=int(delivery.payload["record"]),
                round_=int(delivery.payload["round"]),
                level=str(delivery.payload["level"]),
                staff_pk=int(delivery.payload["staff"]),
                chat_id=delivery.chat_id,
                message_id=message_id,
                now=now,
            )
        await uow.commit()


# ---------------------------------------------------------------------------------------------------------
# Pressing a button


@dataclass(frozen=True)
class Closed:
    """A level was decided: edit its cards to say by whom and what."""

    cards: tuple[tuple[int, int], ...]
    level: str
    signer: str
    obo: str | None
    what: DecisionKind  # approve, return, dispose (with ``disposition``) or direct (by the recorder)
    at: datetime
    disposition: str | None = None  # the catalogue label of a disposition


@dataclass
class PressResult:
    notice: Say | None = None  # the short answer to the press (answerCallbackQuery)
    ask: Say | None = None  # a question to send: ASK_OPINION or ASK_REASON, about ``number``
    rows: tuple[tuple[Button, ...], ...] = ()  # a new keyboard for the pressed card (disposition picker)
    opinion: str | None = None  # the typed opinion to confirm with ``rows`` (a message of its own)
    number: str = ""
    status: str | None = None  # with Say.STATUS
    level: Level | None = None  # with Say.WAITS_FOR
    refusal: Exception | None = None  # with Say.REFUSED: a SignoffError or AccessDenied
    evidence: tuple[Evidence, ...] = ()
    evidence_number: str | None = None
    keys: list[str] = field(default_factory=list)  # outbox messages to deliver now
    closed: Closed | None = None
    open_record: int | None = None  # the recorder corrects: open the questionnaire
    full: Record | None = None
    full_chain: Chain | None = None
    names: dict[int, str] = field(default_factory=dict)


async def press(uow: UnitOfWork, *, staff: Staff, token: str, clock: Clock, config: Config) -> PressResult:
    """A sign-off button. Re-authorised on every press: a foreign, stale or forged token changes nothing."""
    async with uow:
        callback = await uow.callbacks.get(token)
        arg = Arg.unpack(callback.arg) if callback is not None else None
        if callback is None or callback.staff_pk != staff.id or callback.action != ACTION or arg is None:
            return PressResult(Say.STALE)
        record = await uow.records.get(callback.record_id or 0)
        if record is None or record.chain is None:
            return PressResult(Say.STALE)
        now = clock.now()
        terms = await terms_for(uow, record.court_id, config)
        chain = record.chain.under(terms)
        changing = record.status != chain.status.value or record.being_corrected
        if changing and arg.op not in (Op.EVIDENCE, Op.FULL):
            return PressResult(Say.EDITING, number=record.number)
        try:
            result = await _press(uow, staff, record, chain, arg, now, config)
        except SignoffError as exc:
            return PressResult(Say.REFUSED, number=record.number, refusal=exc)
        except AccessDenied as exc:
            await uow.commit()  # the denial is in the ledger
            return PressResult(Say.REFUSED, number=record.number, refusal=exc)
        await uow.commit()
        return result


def _level(arg: Arg) -> Level:
    try:
        return Level(arg.level)
    except ValueError:
        raise Stale from None


async def _press(
    uow: UnitOfWork, staff: Staff, record: Record, chain: Chain, arg: Arg, now: datetime, config: Config
) -> PressResult:
    assert staff.id is not None and record.id is not None
    today = now.astimezone(config.tz).date()
    if arg.op in (Op.DIRECT, Op.FIX):
        return await _recorder_press(uow, staff, record, chain, arg, now, config)
    if arg.op is Op.DIRECT_ABOVE:
        return await _report_above(uow, staff, record, chain, now, config)
    if arg.op is Op.SEVERE:
        return await _mark_severe(uow, staff, record, chain, now, config)
    if arg.op is Op.FORWARD:
        return await _forward_upward(uow, staff, record, now)
    if arg.op in (Op.EVIDENCE, Op.FULL, Op.CARD):
        return await _view(uow, staff, record, chain, arg, now, config, today)
    if arg.op is Op.CANCEL:
        conversation = await uow.conversations.get(staff.id)
        _set_so(conversation, None)
        return PressResult(Say.CANCELLED)
    level = _level(arg)
    if arg.round != chain.round:
        raise SignoffError()
    if arg.op is Op.OPINION:
        await _ask_text(uow, staff, record, chain, level, arg, now, "opinion")
        return PressResult(Say.ASK_OPINION, ask=Say.ASK_OPINION, number=record.number)
    opinion = _typed_opinion(await uow.conversations.get(staff.id), record, level, arg)
    if arg.op is Op.RETURN and opinion is None:
        await _ask_text(uow, staff, record, chain, level, arg, now, "return")
        return PressResult(Say.ASK_REASON, ask=Say.ASK_REASON, number=record.number)
    if level is Level.DISCIPLINE and arg.op in (Op.APPROVE, Op.DEFER):
        return await _disposition_picker(uow, staff, record, chain, arg, now)
    return await decide(uow, staff, record, chain, arg, opinion or "", now, config)


def _check_may_sign(
    chain: Chain,
    level: Level,
    staff: Staff,
    arg: Arg,
    now: datetime,
    *,
    uow_delegations: Sequence[Delegation],
) -> None:
    chain.check(level, staff.id or 0, now, on_behalf_of=arg.obo, delegations=uow_delegations)


async def _ask_text(
    uow: UnitOfWork,
    staff: Staff,
    record: Record,
    chain: Chain,
    level: Level,
    arg: Arg,
    now: datetime,
    mode: str,
) -> None:
    """The officer types an opinion or a reason next: checked first (a person who may not decide is told so
    before typing anything), then the conversation waits for the text."""
    _check_may_sign(
        chain, level, staff, arg, now, uow_delegations=await uow.signoff.delegations(record.court_id)
    )
    conversation = await uow.conversations.get(staff.id or 0)
    conversation.pending_field = PENDING
    so = {"record": record.id, "level": level.value, "round": arg.round, "obo": arg.obo, "mode": mode}
    _set_so(conversation, so)


def _typed_opinion(conversation: Any, record: Record, level: Level, arg: Arg) -> str | None:
    so = (conversation.scratch or {}).get("so") or {}
    if (
        so.get("record") == record.id
        and so.get("level") == level.value
        and so.get("round") == arg.round
        and so.get("opinion")
    ):
        return str(so["opinion"])
    return None


async def _disposition_picker(
    uow: UnitOfWork, staff: Staff, record: Record, chain: Chain, arg: Arg, now: datetime
) -> PressResult:
    """The discipline office's 同意 asks how the record is disposed of (seed 004 §17, §20); a defer
    suggestion is answered first (seed 004 §18)."""
    assert staff.id is not None and record.id is not None
    delegations = await uow.signoff.delegations(record.court_id)
    _check_may_sign(chain, Level.DISCIPLINE, staff, arg, now, uow_delegations=delegations)

    async def b(act: Act, a: Arg, shows: str = "") -> Button:
        assert record.id is not None
        return await _button(uow, staff.id or 0, record.id, act, a, now, shows)

    base = Arg(Op.DISPOSE, Level.DISCIPLINE.value, chain.round, arg.obo)
    if chain.defer_suggested and arg.op is Op.APPROVE:
        choice = (
            (await b(Act.DEFER_ACCEPT, replace(base, op=Op.DEFER, extra="accept")),),
            (await b(Act.DEFER_OVERRIDE, replace(base, op=Op.DEFER, extra="override")),),
        )
        return PressResult(Say.DEFER_FIRST, rows=choice)
    defer = arg.extra if arg.op is Op.DEFER else ""
    rows: list[tuple[Button, ...]] = []
    for d in cat.DISPOSITIONS:
        rows.append((await b(Act.DISPOSE, replace(base, extra=f"{d.key}:{defer}"), d.label),))
    return PressResult(Say.CHOOSE, rows=tuple(rows))


async def decide(
    uow: UnitOfWork,
    staff: Staff,
    record: Record,
    chain: Chain,
    arg: Arg,
    opinion: str,
    now: datetime,
    config: Config,
) -> PressResult:
    assert staff.id is not None
    level = _level(arg)
    delegations = await uow.signoff.delegations(record.court_id)
    actor = f"staff:{staff.staff_id}"
    if arg.op is Op.APPROVE:
        after, events = chain.approve(
            level, staff.id, opinion, now, on_behalf_of=arg.obo, delegations=delegations
        )
        what, disposition = DecisionKind.APPROVE, None
    elif arg.op is Op.RETURN:
        after, events = chain.return_for_correction(
            level, staff.id, opinion, now, on_behalf_of=arg.obo, delegations=delegations
        )
        what, disposition = DecisionKind.RETURN, None
    elif arg.op is Op.DISPOSE:
        key, _, defer = arg.extra.partition(":")
        after, events = chain.dispose(
            staff.id,
            key,
            opinion,
            now,
            defer_answer=defer or None,
            on_behalf_of=arg.obo,
            delegations=delegations,
        )
        what, disposition = DecisionKind.DISPOSE, cat.label(cat.DISPOSITIONS, key, key)
    else:
        raise Stale
    keys = await _save(uow, record, chain, after, events, now, actor=actor, tz=config.tz)
    conversation = await uow.conversations.get(staff.id)
    if conversation.pending_field == PENDING:
        conversation.pending_field = None
    _set_so(conversation, None)
    obo = await uow.staff.get(arg.obo) if arg.obo else None
    assert record.id is not None
    cards = tuple(await uow.signoff.cards(record.id, chain.round, level.value))
    closed = Closed(cards, level.value, staff.name, obo.name if obo else None, what, now, disposition)
    return PressResult(Say.SUBMITTED, keys=keys, closed=closed)


async def _recorder_press(
    uow: UnitOfWork, staff: Staff, record: Record, chain: Chain, arg: Arg, now: datetime, config: Config
) -> PressResult:
    assert staff.id is not None
    if record.recorder_id != staff.id:
        raise Stale
    if arg.op is Op.FIX:
        if chain.status is not RecordStatus.RETURNED:
            raise SignoffError()
        return PressResult(Say.FIX, open_record=record.id)
    before = chain
    after, events = chain.report_direct(staff.id, now)
    record.direct_to_discipline = True
    keys = await _save(uow, record, before, after, events, now, actor=f"staff:{staff.staff_id}", tz=config.tz)
    closed = None
    if before.level is not None:
        assert record.id is not None
        cards = tuple(await uow.signoff.cards(record.id, before.round, before.level.value))
        closed = Closed(cards, before.level.value, staff.name, None, DecisionKind.DIRECT, now)
    return PressResult(Say.DIRECT, keys=keys, closed=closed)


async def _mark_severe(
    uow: UnitOfWork, staff: Staff, record: Record, chain: Chain, now: datetime, config: Config
) -> PressResult:
    """[标记情节严重] (seed 001 §7, seed 002 §7, seed 004 §17(1): 情节严重、可能影响案件公正办理的，立即报告):
    the recorder or any officer of the chain marks it; every level of the chain and the discipline office
    get it at once, and the office owes the 一事一报 by the end of the working day (reminded and escalated to
    the chief when it lapses). Marked once; a filed record is not reopened."""
    assert staff.id is not None and record.id is not None
    route = chain.route
    if route is None or (staff.id != record.recorder_id and staff.id not in chain.people()):
        return PressResult(Say.SEVERE_FORBIDDEN, number=record.number)
    if route.involves(staff) and staff.id != record.recorder_id:
        return PressResult(Say.SEVERE_FORBIDDEN, number=record.number)
    if record.answers.get(SEVERE):
        return PressResult(Say.SEVERE, number=record.number)
    if chain.filed:
        return PressResult(Say.SEVERE_FILED, number=record.number)
    due = same_workday(now, chain.terms.calendar, config.tz)  # the chain is under the court's terms already
    record.answers = {
        **record.answers,
        SEVERE: {"by": staff.staff_id, "name": staff.name, "at": now.isoformat(), "due": due.isoformat()},
    }
    record.updated_at = now
    await uow.records.refresh_facts(record)  # marked severe: the desk's filter finds it
    await uow.ledger.append(
        actor=f"staff:{staff.staff_id}",
        action="record.severe",
        object_type="record",
        object_id=record.number,
        payload={"due": due.isoformat()},
    )
    people = {s.officer_pk for s in route.steps if s.officer_pk is not None} | set(route.discipline)
    people |= {record.recorder_id}
    people.discard(staff.id)
    staff_by_pk = {s.id: s for s in await uow.staff.list(record.court_id)}
    keys: list[str] = []
    for pk in sorted(people):
        who = staff_by_pk.get(pk)
        if who is None or not who.active or not who.reachable or who.chat_id is None:
            continue
        key = f"{OUTBOX}{record.id}:severe:{pk}"
        payload = {"t": "severe", "record": record.id, "staff": pk, "by": staff.name, "due": due.isoformat()}
        if await uow.notices.post(key, who.chat_id, payload):
            keys.append(key)
    keys += await _report_upward(uow, record)  # 立即报告并层报: the court above has it at once
    return PressResult(Say.SEVERE, keys=keys, number=record.number)


async def severe_at_submission(
    uow: UnitOfWork, record: Record, recorder: Staff, now: datetime, config: Config
) -> list[str]:
    """情节严重 ticked by the recorder before submission (seed 001 §7, seed 002 §7, seed 004 §17(1)): marked
    at once, as [标记情节严重] would, so the chain and the office have it with the record itself."""
    if record.chain is None or record.answers.get(SEVERE):
        return []
    terms = await terms_for(uow, record.court_id, config)
    return (await _mark_severe(uow, recorder, record, record.chain.under(terms), now, config)).keys


async def court_above(uow: UnitOfWork, record: Record) -> Court | None:
    court = await uow.courts.get(record.court_id)
    return await uow.courts.get(court.parent_id) if court is not None and court.parent_id else None


async def _report_above(
    uow: UnitOfWork, staff: Staff, record: Record, chain: Chain, now: datetime, config: Config
) -> PressResult:
    """[直接报告上级纪检] (seed 003 §12; seed 004 §13: 必要时也可以直接向上级…纪检监察机构报告): the court
    above's discipline office receives the record now; in this court it goes straight to the discipline
    office too (the person levels not yet signed are skipped, as with a direct report), a filed record
    stays filed. Refused when the deployment has no court above, said once when done already."""
    assert staff.id is not None and record.id is not None
    if record.recorder_id != staff.id:
        raise Stale
    above = await court_above(uow, record)
    if above is None:
        return PressResult(Say.NO_COURT_ABOVE, number=record.number)
    if record.answers.get(DIRECT_ABOVE):
        return PressResult(Say.DIRECT_ABOVE, number=record.number)
    record.answers = {**record.answers, DIRECT_ABOVE: {"at": now.isoformat(), "court": above.name}}
    before, after = chain, chain
    events: Events = ()
    closed = None
    if (
        chain.level is not None and chain.level is not Level.DISCIPLINE
    ) or chain.status is RecordStatus.RETURNED:
        after, events = chain.report_direct(staff.id, now)
        record.direct_to_discipline = True
        if before.level is not None:
            cards = tuple(await uow.signoff.cards(record.id, before.round, before.level.value))
            closed = Closed(cards, before.level.value, staff.name, None, DecisionKind.DIRECT, now)
    await uow.ledger.append(
        actor=f"staff:{staff.staff_id}",
        action="record.direct_above",
        object_type="record",
        object_id=record.number,
        payload={"court": above.code},
    )
    keys = await _save(uow, record, before, after, events, now, actor=f"staff:{staff.staff_id}", tz=config.tz)
    return PressResult(Say.DIRECT_ABOVE, keys=keys, closed=closed, number=record.number)


async def report_direct(
    uow: UnitOfWork, *, staff: Staff, record_id: int, clock: Clock, config: Config
) -> PressResult:
    """The receipt's [直接报告纪检] after submission (seed 004 §13): the record really goes to the discipline
    office now — the levels not yet signed are skipped with the reason and their cards closed — or the
    recorder is told why not (with the discipline office already, filed, being corrected)."""
    async with uow:
        record = await uow.records.get(record_id)
        if record is None or record.recorder_id != staff.id or record.chain is None:
            return PressResult(Say.STALE)
        if record.being_corrected:
            return PressResult(Say.EDITING, number=record.number)
        now = clock.now()
        chain = record.chain.under(await terms_for(uow, record.court_id, config))
        try:
            result = await _recorder_press(
                uow, staff, record, chain, Arg(Op.DIRECT, round=chain.round), now, config
            )
        except SignoffError as exc:
            return PressResult(Say.REFUSED, number=record.number, refusal=exc)
        await uow.commit()
        result.number = record.number
        return result


async def _view(
    uow: UnitOfWork,
    staff: Staff,
    record: Record,
    chain: Chain,
    arg: Arg,
    now: datetime,
    config: Config,
    today: date,
) -> PressResult:
    """查看证据 / 查看全文 / the card again: content reads, each authorised and in the ledger."""
    assert record.id is not None and staff.id is not None
    what = {Op.EVIDENCE: "evidence", Op.FULL: "full", Op.CARD: "card"}[arg.op]
    await read_record(uow, staff=staff, record=record, what=what, today=today)
    if arg.op is Op.EVIDENCE:
        items = tuple(await uow.evidence.for_record(record.id))
        for e in items:
            await uow.ledger.append(
                actor=f"staff:{staff.staff_id}",
                action="evidence.view",
                object_type="evidence",
                object_id=f"{record.number}#{e.seq}",
                payload={"sha256": e.sha256},
            )
        return PressResult(Say.EVIDENCE, evidence=items, evidence_number=record.number)
    if arg.op is Op.FULL:
        names = {s.id: s.name for s in await uow.staff.list(record.court_id) if s.id is not None}
        return PressResult(Say.FULL, full=record, full_chain=chain, names=names)
    # Op.CARD: post a fresh card for this person if they may sign now
    level = chain.level
    if level is None or chain.route is None:
        return PressResult(Say.STATUS, number=record.number, status=record.status)
    delegations = await uow.signoff.delegations(record.court_id)
    obo = None
    if staff.id not in chain.route.holders(level):
        reps = represented(level, staff.id, chain.route, delegations, now, tz=config.tz)
        obo = min(reps) if reps else None
        if obo is None:
            return PressResult(Say.WAITS_FOR, number=record.number, level=level)
    key = f"{OUTBOX}{record.id}:again:{staff.id}:{now.timestamp():.0f}"
    payload = {
        "t": "card",
        "record": record.id,
        "staff": staff.id,
        "level": level.value,
        "round": chain.round,
        "obo": obo,
    }
    await uow.notices.post(key, staff.chat_id, payload)
    return PressResult(Say.RESENT, keys=[key])


# ---------------------------------------------------------------------------------------------------------
# Typed text: an opinion or a return reason


@dataclass(frozen=True)
class TypedResult:
    result: PressResult | None = None
    duplicate: bool = False


async def pending_text(uow: UnitOfWork, *, staff: Staff) -> bool:
    async with uow:
        conversation = await uow.conversations.get(staff.id or 0)
        return conversation.pending_field == PENDING


async def typed(
    uow: UnitOfWork, *, staff: Staff, text: str, update_id: int, clock: Clock, config: Config
) -> TypedResult:
    """The opinion (then the officer chooses 同意/退回补正) or the reason of a return (decided at once)."""
    async with uow:
        assert staff.id is not None
        conversation = await uow.conversations.get(staff.id)
        so = (conversation.scratch or {}).get("so") or {}
        if conversation.pending_field != PENDING or not so:
            return TypedResult()
        if not await uow.inbox.claim(update_id, chat_id=staff.chat_id, kind="signoff"):
            return TypedResult(duplicate=True)
        text = text.strip()
        if not text:
            return TypedResult(PressResult(Say.EMPTY))
        record = await uow.records.get(int(so["record"]))
        if record is None or record.chain is None or record.id is None:
            conversation.pending_field = None
            _set_so(conversation, None)
            await uow.commit()
            return TypedResult(PressResult(Say.STALE))
        now = clock.now()
        terms = await terms_for(uow, record.court_id, config)
        chain = record.chain.under(terms)
        arg = Arg(
            Op.RETURN if so["mode"] == "return" else Op.APPROVE,
            str(so["level"]),
            int(so["round"]),
            so.get("obo"),
        )
        if so["mode"] == "return":
            try:
                result = await decide(uow, staff, record, chain, arg, text, now, config)
            except SignoffError as exc:
                conversation.pending_field = None
                _set_so(conversation, None)
                await uow.commit()
                return TypedResult(PressResult(Say.REFUSED, number=record.number, refusal=exc))
            await uow.commit()
            return TypedResult(result)
        conversation.pending_field = None
        _set_so(conversation, {**so, "opinion": text})

        async def b(act: Act, op: Op) -> Button:
            assert record is not None and record.id is not None
            return await _button(uow, staff.id or 0, record.id, act, replace(arg, op=op), now)

        rows = (
            (await b(Act.APPROVE_WITH, Op.APPROVE), await b(Act.RETURN_WITH, Op.RETURN)),
            (await b(Act.CANCEL, Op.CANCEL),),
        )
        await uow.commit()
        return TypedResult(PressResult(Say.OPINION, opinion=text, number=record.number, rows=rows))


# ---------------------------------------------------------------------------------------------------------
# Deadlines: a reminder the day before, and on lapse an escalation (seed 004 §13)


async def _severe_overdue(
    uow: UnitOfWork, record: Record, staff: dict[int | None, Staff], now: datetime
) -> list[str]:
    """A severe record whose 一事一报 day passed while it still waits: the discipline office is reminded and
    the chief (院长/检察长) told, once (seed 001 §7; seed 004 §17(1))."""
    severe = record.answers.get(SEVERE)
    if not isinstance(severe, dict) or record.chain is None or record.chain.route is None:
        return []
    if now <= datetime.fromisoformat(str(severe["due"])):
        return []
    route = record.chain.route
    chiefs = {s.id for s in staff.values() if s.role == Role.PRESIDENT.value and s.active}
    keys: list[str] = []
    for pk in sorted({*route.discipline, *chiefs} - set(route.barred), key=lambda p: p or 0):
        who = staff.get(pk)
        if who is None or pk is None or not who.reachable or who.chat_id is None:
            continue
        key = f"{OUTBOX}{record.id}:severe_overdue:{pk}"
        payload = {"t": "severe_overdue", "record": record.id, "staff": pk, "due": severe["due"]}
        if await uow.notices.post(key, who.chat_id, payload):
            keys.append(key)
    return keys


async def check_deadlines(uow: UnitOfWork, *, court_id: int, now: datetime, config: Config) -> list[str]:
    async with uow:
        terms = await terms_for(uow, court_id, config)
        delegations = await uow.signoff.delegations(court_id)
        staff = {s.id: s for s in await uow.staff.list(court_id)}
        keys: list[str] = []
        for record in await uow.signoff.awaiting(court_id):
            if record.chain is None or record.id is None:
                continue
            keys += await _severe_overdue(uow, record, staff, now)
            chain = record.chain.under(terms)
            level = chain.level
            if level is None or chain.deadline is None or chain.route is None:
                continue
            if chain.overdue(now):
                after, events = chain.lapse(now)
                if events:
                    keys += await _save(uow, record, chain, after, events, now, actor="system", tz=config.tz)
                continue
            if now >= chain.deadline - timedelta(days=1):
                people: list[tuple[int, int | None]] = [(pk, None) for pk in chain.route.holders(level)]
                people += [(d, o) for d, o in _deputies(chain, level, delegations, now, config.tz)]
                for pk, obo in people:
                    who = staff.get(pk)
                    if who is None or not who.reachable:
                        continue
                    key = f"{OUTBOX}remind:{record.id}:{chain.round}:{level.value}:{pk}"
                    payload = {
                        "t": "remind",
                        "record": record.id,
                        "staff": pk,
                        "level": level.value,
                        "round": chain.round,
                        "obo": obo,
                    }
                    if await uow.notices.post(key, who.chat_id, payload):
                        keys.append(key)
        await uow.commit()
        return keys


# ---------------------------------------------------------------------------------------------------------
# /pending and delegations


@dataclass(frozen=True)
class PendingItem:
    number: str
    level: str
    deadline: datetime | None
    overdue: bool
    mine: bool  # this person (or whom they stand in for) signs it now
    button: Button | None


#: At most this many records in one pending list, the oldest deadlines first: a chat message holds about
#: fifty of its lines (Telegram's 4,096 characters); the desk's record list filters the rest.
PENDING_LIMIT = 50


@dataclass(frozen=True)
class Pending:
    items: list[PendingItem]
    more: bool  # more records wait than the list holds: those with the oldest deadlines are in it


async def pending(
    uow: UnitOfWork,
    *,
    staff: Staff,
    clock: Clock,
    config: Config,
    buttons: bool = True,
    limit: int = PENDING_LIMIT,
) -> Pending:
    """What waits for this officer (in their own right or as deputy), and — for the discipline office and
    the president — every overdue record of the court; the oldest deadlines first, at most ``limit``.
    Only the chains naming the officer (or whom they may stand in for) are read, and the overdue ones
    for those who see them. ``buttons``: the chat's buttons are issued (the desk links to the record
    instead)."""
    if staff.id is None:
        return Pending([], more=False)
    async with uow:
        now = clock.now()
        terms = await terms_for(uow, staff.court_id, config)
        delegations = await uow.signoff.delegations(staff.court_id)
        sees_overdue = staff.role in (Role.DISCIPLINE.value, Role.PRESIDENT.value)
        # whom the officer may stand in for: a superset (``represented`` checks the days and the route)
        stands_for = {d.officer_pk for d in delegations if d.deputy_pk == staff.id}
        found = await uow.signoff.awaiting_for(
            staff.court_id,
            readers={staff.id, *stands_for},
            overdue_before=now if sees_overdue else None,
            limit=limit + 1,
        )
        items: list[PendingItem] = []
        for record in found[:limit]:
            if record.chain is None or record.id is None:
                continue
            chain = record.chain.under(terms)
            level = chain.level
            if level is None or chain.route is None:
                continue
            mine = staff.id in chain.route.holders(level) or bool(
                represented(level, staff.id, chain.route, delegations, now, tz=config.tz)
            )
            overdue = chain.overdue(now)
            if not mine and not (sees_overdue and overdue and not chain.route.involves(staff)):
                continue
            act = Act.SIGN if mine else Act.VIEW
            arg = Arg(Op.CARD if mine else Op.FULL, level.value, chain.round)
            items.append(
                PendingItem(
                    record.number,
                    level.value,
                    chain.deadline,
                    overdue,
                    mine,
                    await _button(uow, staff.id, record.id, act, arg, now, record.number)
                    if buttons
                    else None,
                )
            )
        await uow.commit()
        return Pending(items, more=len(found) > limit)


class DelegationProblem(enum.Enum):
    NOT_ON_ROSTER = "not_on_roster"  # ``staff_id`` is not an active member of the roster
    SELF = "self"  # an officer cannot deputise for themself
    PAST = "past"  # ``until`` has passed


class DelegationError(Exception):
    """``liuhen org delegate`` refused: ``problem``, with the staff id or the date it concerns."""

    def __init__(self, problem: DelegationProblem, *, staff_id: str = "", until: date | None = None) -> None:
        super().__init__(problem.value, staff_id, until)
        self.problem, self.staff_id, self.until = problem, staff_id, until


async def delegate(
    uow: UnitOfWork,
    *,
    court_id: int,
    officer_id: str,
    deputy_id: str,
    until: date,
    actor: str,
    clock: Clock,
    tz: tzinfo,
) -> tuple[Staff, Staff, list[str]]:
    """``liuhen org delegate``: the deputy signs "代" until ``until`` (inclusive); cards waiting for the
    officer go to the deputy too. Both are told in the chat."""
    async with uow:
        officer = await uow.staff.by_staff_id(court_id, officer_id)
        deputy = await uow.staff.by_staff_id(court_id, deputy_id)
        if officer is None or not officer.active:
            raise DelegationError(DelegationProblem.NOT_ON_ROSTER, staff_id=officer_id)
        if deputy is None or not deputy.active:
            raise DelegationError(DelegationProblem.NOT_ON_ROSTER, staff_id=deputy_id)
        if officer.id == deputy.id:
            raise DelegationError(DelegationProblem.SELF)
        now = clock.now()
        if until < now.astimezone(tz).date():
            raise DelegationError(DelegationProblem.PAST, until=until)
        assert officer.id is not None and deputy.id is not None
        await uow.signoff.add_delegation(
            court_id=court_id,
            officer_id=officer.id,
            deputy_id=deputy.id,
            until=until,
            created_by=actor,
            now=now,
        )
        await uow.ledger.append(
            actor=actor,
            action="signoff.delegate",
            object_type="staff",
            object_id=officer.staff_id,
            payload={"deputy": deputy.staff_id, "until": until.isoformat()},
        )
        keys: list[str] = []
        stamp = f"{now.timestamp():.0f}"
        for person in (officer, deputy):
            if person.reachable and person.chat_id:
                key = f"{OUTBOX}delegate:{officer.id}:{stamp}:{person.id}"
                payload = {
                    "t": "delegated",
                    "record": 0,
                    "staff": person.id,
                    "officer": officer.name,
                    "deputy": deputy.name,
                    "until": until.isoformat(),
                }
                await uow.notices.post(key, person.chat_id, payload)
                keys.append(key)
        terms = await terms_for(uow, court_id, Config(tz))
        delegations = await uow.signoff.delegations(court_id)
        for record in await uow.signoff.awaiting(court_id):
            if record.chain is None or record.id is None or not deputy.reachable:
                continue
            chain = record.chain.under(terms)
            level = chain.level
            if level is None or chain.route is None or officer.id not in chain.route.holders(level):
                continue
            if officer.id in represented(level, deputy.id, chain.route, delegations, now, tz=tz):
                key = f"{OUTBOX}{record.id}:{len(chain.decisions)}:deputy{officer.id}:{deputy.id}"
                payload = {
                    "t": "card",
                    "record": record.id,
                    "staff": deputy.id,
                    "level": level.value,
                    "round": chain.round,
                    "obo": officer.id,
                }
                if await uow.notices.post(key, deputy.chat_id, payload):
                    keys.append(key)
        await uow.commit()
        return officer, deputy, keys


# ---------------------------------------------------------------------------------------------------------
# At the desk: the same decisions, by form instead of button (seed 004 §13, §14, §17, §18, §20)


@dataclass(frozen=True)
class SignNow:
    """What the reader may decide on a record now: the level, whom they stand in for, the choices."""

    level: Level
    obo: int | None
    discipline: bool  # the last level: 同意 is a disposition (seed 004 §17, §20)
    defer_suggested: bool  # answer the recorder's suggestion to defer first (seed 004 §18)
    chain: Chain  # the record's chain under the court's terms, as checked


async def sign_now(
    uow: UnitOfWork, *, staff: Staff, record: Record, now: datetime, config: Config
) -> SignNow | None:
    """Whether ``staff`` may decide on ``record`` now (in their own right or as deputy), inside ``uow``."""
    if record.chain is None or staff.id is None or record.being_corrected:
        return None
    chain = record.chain.under(await terms_for(uow, record.court_id, config))
    level = chain.level
    if level is None or chain.route is None or record.status != chain.status.value:
        return None
    obo = None
    delegations = await uow.signoff.delegations(record.court_id)
    if staff.id not in chain.route.holders(level):
        reps = represented(level, staff.id, chain.route, delegations, now, tz=config.tz)
        if not reps:
            return None
        obo = min(reps)
    try:
        chain.check(level, staff.id, now, on_behalf_of=obo, delegations=delegations)
    except SignoffError:
        return None
    return SignNow(level, obo, level is Level.DISCIPLINE, chain.defer_suggested, chain)


class DeskChoice(enum.Enum):
    APPROVE = "approve"  # 同意 (at the discipline office: with a disposition)
    RETURN = "return"  # 退回补正, with its reason


async def decide_at_desk(
    uow: UnitOfWork,
    *,
    staff: Staff,
    number: str,
    court_id: int,
    choice: DeskChoice,
    opinion: str,
    disposition: str | None,
    defer: str | None,
    clock: Clock,
    config: Config,
) -> PressResult:
    """A decision from the desk console's form: re-authorised, decided by ``decide`` exactly as a press is,
    committed; the chat's notices go out through the outbox as after a press."""
    async with uow:
        record = await uow.records.by_number(court_id, number)
        now = clock.now()
        if record is None or record.chain is None:
            return PressResult(Say.STALE)
        can = await sign_now(uow, staff=staff, record=record, now=now, config=config)
        if can is None:
            return PressResult(Say.STATUS, number=record.number, status=record.status)
        opinion = opinion.strip()
        if choice is DeskChoice.RETURN and not opinion:
            return PressResult(Say.EMPTY)
        chain = can.chain
        if choice is DeskChoice.RETURN:
            arg = Arg(Op.RETURN, can.level.value, chain.round, can.obo)
        elif can.discipline:
            keys = {d.key for d in cat.DISPOSITIONS}
            if disposition not in keys:
                return PressResult(Say.CHOOSE)
            if can.defer_suggested and defer not in ("accept", "override"):
                return PressResult(Say.DEFER_FIRST)
            extra = f"{disposition}:{defer or ''}" if can.defer_suggested else f"{disposition}:"
            arg = Arg(Op.DISPOSE, can.level.value, chain.round, can.obo, extra)
        else:
            arg = Arg(Op.APPROVE, can.level.value, chain.round, can.obo)
        try:
            result = await decide(uow, staff, record, chain, arg, opinion, now, config)
        except SignoffError as exc:
            return PressResult(Say.REFUSED, number=record.number, refusal=exc)
        await uow.commit()
        return result
