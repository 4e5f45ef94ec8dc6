"""Per-case zero reports (逐案零报告, seed 004 §16; the text at the end of seed 004) — the use cases.

`/casezero` asks for the case number (the questionnaire's parser), shows the statement filled with the
officer's name and the case, and [确认提交]. What is written after the case number names the parties'
counsel (代理律师、律所): kept with the report and, at submission, checked against the registers like a
record (seed 003 items 15, 16: a possible recusal is told). A case with the officer's own records needs
an explicit acknowledgement first (the statement would contradict them). The department head
(部门主要负责人; for a department head's own case, the vice-president in charge) gets a card [确认]
[有异议]; the confirmed statement is a PDF for the case file (随案入卷). Records that other people made on
the same case are not revealed to the officer (need-to-know, seed 003 §12); their number is kept on the
report for the discipline office.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases import casefile, registers
from liuhen.app.usecases.access import AccessDenied, Denial
from liuhen.app.usecases.intake import issue_button
from liuhen.app.usecases.outbox import OUTBOX
from liuhen.app.usecases.signoff import Config, terms_for
from liuhen.domain.access import may_read_case_zero
from liuhen.domain.casenumber import NOT_YET_FILED, split_case_answer
from liuhen.domain.casezero import CaseZeroReport, CaseZeroStatus
from liuhen.domain.casezero_form import filled
from liuhen.domain.grammar import CANCEL_WORDS
from liuhen.domain.model import Role, Staff
from liuhen.domain.signoff import SHANGHAI

PENDING_CASE = "_casezero"  # conversations.pending_field: the next typed text is the case number
PENDING_NOTE = "_casezero_note:"  # + report id: the next typed text explains the head's objection
ACTION = "casezero"  # the officer's buttons: submit / ack / cancel
REVIEW = "casezero_rev"  # the reviewer's buttons: confirm / dispute
CARD, TOLD = "casezero_card", "casezero_told"  # the kinds of its outbox messages
SCRATCH = "casezero"  # conversations.scratch: the case and the counsel named with it, until submitted
MAX_COUNSEL = 300


class Op:
    SUBMIT = "submit"
    ACK = "ack"  # submit, acknowledging the officer's own records on the case
    CANCEL = "cancel"
    CONFIRM = "confirm"
    DISPUTE = "dispute"


async def begin(uow: UnitOfWork, *, staff: Staff) -> None:
    """`/casezero` without a case number: the next text the officer types is the case number."""
    assert staff.id is not None
    async with uow:
        conversation = await uow.conversations.get(staff.id)
        conversation.pending_field = PENDING_CASE
        await uow.commit()


async def awaiting(uow: UnitOfWork, *, staff: Staff) -> str | None:
    """What typed text would answer now (read only, cheap): "case", "note", or None (then it is evidence)."""
    assert staff.id is not None
    async with uow:
        conversation = await uow.conversations.get(staff.id)
        pending = conversation.pending_field or ""
    if pending == PENDING_CASE:
        return "case"
    return "note" if pending.startswith(PENDING_NOTE) else None


@dataclass(frozen=True)
class Draft:
    """What the officer is shown before submitting (nothing is stored yet)."""

    kind: str  # "statement" | "acknowledge" | "invalid" | "not_filed" | "exists" | "cancelled" | "duplicate"
    case_number: str | None = None
    officer_name: str = ""
    statement: str = ""
    own_records: tuple[str, ...] = ()
    existing: str | None = None  # the number of a report already made for this case
    counsel: str = ""  # the parties' lawyers and law firms, as the officer wrote them after the case number
    buttons: tuple[tuple[str, str], ...] = ()  # (op, token)


async def case_typed(
    uow: UnitOfWork, *, staff: Staff, text: str, update_id: int, now: datetime
) -> Draft | None:
    """The case number typed after `/casezero`; None when no case number is awaited (the text is evidence)."""
    assert staff.id is not None
    async with uow:
        conversation = await uow.conversations.get(staff.id)
        if conversation.pending_field != PENDING_CASE:
            return None
        if not await uow.inbox.claim(update_id, chat_id=staff.telegram_chat_id, kind="casezero"):
            return Draft("duplicate")
        if text.strip().lower() in CANCEL_WORDS:
            conversation.pending_field = None
            await uow.commit()
            return Draft("cancelled")
        draft = await _draft(uow, staff, text, now)
        if draft.kind not in ("invalid", "not_filed"):
            conversation.pending_field = None
        await uow.commit()
        return draft


async def case_given(uow: UnitOfWork, *, staff: Staff, text: str, now: datetime) -> Draft:
    """`/casezero CASE-NUMBER` in one message."""
    async with uow:
        draft = await _draft(uow, staff, text, now)
        if draft.kind in ("invalid", "not_filed"):
            assert staff.id is not None
            conversation = await uow.conversations.get(staff.id)
            conversation.pending_field = PENDING_CASE
        await uow.commit()
        return draft


async def _draft(uow: UnitOfWork, staff: Staff, text: str, now: datetime) -> Draft:
    assert staff.id is not None
    case, rest = split_case_answer(text)
    if case is None:
        return Draft("invalid")
    if case == NOT_YET_FILED:
        return Draft("not_filed")
    counsel = rest[:MAX_COUNSEL]
    for earlier in await uow.case_zero.for_officer(staff.id, case):
        if earlier.status in (CaseZeroStatus.SUBMITTED.value, CaseZeroStatus.CONFIRMED.value):
            return Draft("exists", case, staff.name, existing=earlier.number)
    own = tuple(n for n, recorder in await uow.records.on_case(staff.court_id, case) if recorder == staff.id)
    # the counsel named with the case, kept until the statement is submitted (a button carries only the case)
    conversation = await uow.conversations.get(staff.id)
    conversation.scratch = {**(conversation.scratch or {}), SCRATCH: {"case": case, "counsel": counsel}}
    ops = (Op.ACK if own else Op.SUBMIT, Op.CANCEL)
    buttons: list[tuple[str, str]] = []
    for op in ops:
        token = await issue_button(uow, staff_pk=staff.id, action=ACTION, now=now, arg=f"{op}:{case}")
        buttons.append((op, token))
    return Draft(
        "acknowledge" if own else "statement",
        case,
        staff.name,
        filled(case),
        own,
        buttons=tuple(buttons),
        counsel=counsel,
    )


@dataclass(frozen=True)
class ReviewCard:
    chat_id: int
    report_id: int
    number: str
    officer_name: str
    department: str
    case_number: str
    statement: str
    acknowledged: tuple[str, ...]
    confirm_token: str
    dispute_token: str
    counsel: str = ""


@dataclass(frozen=True)
class Outcome:
    """What a button press did, for the handler to tell the people concerned."""

    kind: str  # forbidden | stale | cancelled | submitted | no_reviewer | confirmed | disputed | done
    report: CaseZeroReport | None = None
    officer_chat_id: int | None = None
    officer_name: str = ""
    reviewer_name: str = ""
    card: ReviewCard | None = None
    extra: dict[str, object] = field(default_factory=dict)
    keys: tuple[str, ...] = ()  # outbox messages to deliver after the commit (the reviewer's card, news)


async def press(
    uow: UnitOfWork, *, staff: Staff, token: str, now: datetime, tz: tzinfo | None = None
) -> Outcome:
    """A per-case zero report button, resolved and re-authorised here (docs/architecture.md "Callback
    data")."""
    async with uow:
        callback = await uow.callbacks.get(token)
        if callback is None or callback.staff_pk != staff.id or not callback.arg:
            return Outcome("forbidden")
        op, _, target = callback.arg.partition(":")
        if callback.action == ACTION:
            if callback.used_at is not None:
                return Outcome("stale")
            callback.used_at = now
            if op == Op.CANCEL:
                await uow.commit()
                return Outcome("cancelled")
            outcome = await _submit(uow, staff, target, acknowledge=op == Op.ACK, now=now)
        elif callback.action == REVIEW:
            outcome = await _review(uow, staff, op, int(target), now=now, tz=tz)
            if outcome.kind in ("confirmed", "disputed"):
                callback.used_at = now
        else:
            return Outcome("forbidden")
        await uow.commit()
        return outcome


async def _reviewer(uow: UnitOfWork, officer: Staff) -> Staff | None:
    """The department head (部门主要负责人, seed 004 §16); for a department head's own case the
    vice-president in charge of the department (as for records, seed 004 §13)."""
    people = [s for s in await uow.staff.list(officer.court_id) if s.active and s.id != officer.id]
    if officer.role != Role.DEPT_HEAD.value:
        for s in people:
            if s.role == Role.DEPT_HEAD.value and s.department_id == officer.department_id:
                return s
    department = await uow.departments.get(officer.department_id)
    if department is not None and department.vice_president_id is not None:
        return next((s for s in people if s.id == department.vice_president_id), None)
    return None


async def _submit(uow: UnitOfWork, officer: Staff, case: str, *, acknowledge: bool, now: datetime) -> Outcome:
    assert officer.id is not None
    for earlier in await uow.case_zero.for_officer(officer.id, case):
        if earlier.status in (CaseZeroStatus.SUBMITTED.value, CaseZeroStatus.CONFIRMED.value):
            return Outcome("done", earlier)
    on_case = await uow.records.on_case(officer.court_id, case)
    own = [n for n, recorder in on_case if recorder == officer.id]
    if own and not acknowledge:
        return Outcome("stale")  # records appeared since the statement was shown: start again
    conversation = await uow.conversations.get(officer.id)
    kept = dict(conversation.scratch or {})
    given = kept.pop(SCRATCH, None) or {}
    counsel = str(given.get("counsel") or "") if given.get("case") == case else ""
    conversation.scratch = kept or None
    report = CaseZeroReport(
        court_id=officer.court_id,
        officer_pk=officer.id,
        case_number=case,
        status=CaseZeroStatus.SUBMITTED.value,
        statement=filled(case),
        created_at=now,
        acknowledged=own,
        extra={"other_records": len(on_case) - len(own), **({"counsel": counsel} if counsel else {})},
    )
    reviewer = await _reviewer(uow, officer)
    report.reviewer_pk = reviewer.id if reviewer else None
    await uow.case_zero.add(report)
    await uow.flush()
    assert report.id is not None
    await uow.ledger.append(
        actor=f"staff:{officer.staff_id}",
        action="casezero.submit",
        object_type="case_zero_report",
        object_id=report.number,
        payload={
            "case_number": case,
            "acknowledged": own,
            "other_records": len(on_case) - len(own),
            "reviewer": reviewer.staff_id if reviewer else None,
            "counsel": counsel,
        },
    )
    # the case's counsel against the registers (seed 003 items 15, 16): a possible recusal is told to the
    # department head and the discipline office, and the officer is reminded of the rule
    alerts = tuple(await registers.cross_check_case(uow, report, officer, counsel)) if counsel else ()
    if reviewer is None or reviewer.id is None or not reviewer.reachable:
        return Outcome("no_reviewer", report, reviewer_name=reviewer.name if reviewer else "", keys=alerts)
    department = await uow.departments.get(officer.department_id)
    tokens = [
        await issue_button(uow, staff_pk=reviewer.id, action=REVIEW, now=now, arg=f"{op}:{report.id}")
        for op in (Op.CONFIRM, Op.DISPUTE)
    ]
    # the reviewer's card through the outbox: the door that reaches them sends it (and a crash loses nothing)
    key = f"{OUTBOX}casezero:{report.id}:card"
    payload = {
        "t": CARD,
        "report": report.id,
        "staff": reviewer.id,
        "number": report.number,
        "officer": officer.name,
        "department": department.name if department else "",
        "case": case,
        "statement": report.statement,
        "acknowledged": list(own),
        "counsel": counsel,
        "confirm": tokens[0],
        "dispute": tokens[1],
    }
    keys = (key,) if await uow.notices.post(key, reviewer.chat_id, payload) else ()
    return Outcome("submitted", report, reviewer_name=reviewer.name, keys=keys + alerts)


def card_of(chat_id: int, payload: Mapping[str, Any]) -> ReviewCard:
    """The reviewer's card of an outbox message, as it is sent."""
    return ReviewCard(
        chat_id,
        int(payload["report"]),
        str(payload["number"]),
        str(payload["officer"]),
        str(payload["department"]),
        str(payload["case"]),
        str(payload["statement"]),
        tuple(payload.get("acknowledged") or ()),
        str(payload["confirm"]),
        str(payload["dispute"]),
        str(payload.get("counsel") or ""),
    )


async def _tell_officer(
    uow: UnitOfWork, report: CaseZeroReport, officer: Staff | None, reviewer: Staff, kind: str
) -> tuple[str, ...]:
    """The officer told of the review (and, once confirmed, sent the report for the case file) through the
    outbox, by the door that reaches them."""
    if officer is None or not officer.active or officer.chat_id is None or report.id is None:
        return ()
    key = f"{OUTBOX}casezero:{report.id}:{kind}"
    payload = {
        "t": TOLD,
        "report": report.id,
        "staff": officer.id,
        "kind": kind,
        "number": report.number,
        "year": report.created_at.year,
        "case": report.case_number,
        "status": report.status,
        "officer": officer.name,
        "reviewer": reviewer.name,
        "note": report.review_note or "",
        "pdf": kind == "confirmed",  # seed 004 §16: 确认后随案入卷 — the confirmed report, to print
    }
    return (key,) if await uow.notices.post(key, officer.chat_id, payload) else ()


def told_of(chat_id: int, payload: Mapping[str, Any]) -> Outcome:
    """What the officer is told, of an outbox message."""
    report = CaseZeroReport(
        court_id=0,
        officer_pk=int(payload["staff"]),
        case_number=str(payload["case"]),
        status=str(payload["status"]),
        statement="",
        created_at=datetime(int(payload["year"]), 1, 1, tzinfo=SHANGHAI),
        review_note=str(payload.get("note") or "") or None,
        id=int(payload["report"]),
    )
    return Outcome(str(payload["kind"]), report, chat_id, str(payload["officer"]), str(payload["reviewer"]))


async def _review(
    uow: UnitOfWork, reviewer: Staff, op: str, report_id: int, *, now: datetime, tz: tzinfo | None
) -> Outcome:
    report = await uow.case_zero.get(report_id)
    if report is None or report.reviewer_pk != reviewer.id or not reviewer.active:
        return Outcome("forbidden")
    officer = await uow.staff.get(report.officer_pk)
    officer_chat = officer.chat_id if officer and officer.active else None
    officer_name = officer.name if officer else ""
    if report.status != CaseZeroStatus.SUBMITTED.value:
        return Outcome("done", report, officer_chat, officer_name, reviewer.name)
    report.reviewer_pk, report.reviewed_at = reviewer.id, now
    report.status = CaseZeroStatus.CONFIRMED.value if op == Op.CONFIRM else CaseZeroStatus.DISPUTED.value
    await uow.ledger.append(
        actor=f"staff:{reviewer.staff_id}",
        action=f"casezero.{op}",
        object_type="case_zero_report",
        object_id=report.number,
        payload={"case_number": report.case_number},
    )
    if op == Op.CONFIRM:  # seed 004 §16: 由部门主要负责人确认后随案入卷
        terms = await terms_for(uow, report.court_id, Config(tz or SHANGHAI))
        await casefile.open_for_case_zero(uow, report, now, terms)
    if op == Op.DISPUTE:
        assert reviewer.id is not None
        conversation = await uow.conversations.get(reviewer.id)
        conversation.pending_field = f"{PENDING_NOTE}{report.id}"
    kind = "confirmed" if op == Op.CONFIRM else "disputed"
    keys = await _tell_officer(uow, report, officer, reviewer, kind)
    return Outcome(kind, report, officer_chat, officer_name, reviewer.name, keys=keys)


async def dispute_note(
    uow: UnitOfWork, *, staff: Staff, text: str, update_id: int, now: datetime
) -> Outcome | None:
    """The department head's explanation of an objection; None when none is awaited (text is evidence)."""
    assert staff.id is not None
    async with uow:
        conversation = await uow.conversations.get(staff.id)
        pending = conversation.pending_field or ""
        if not pending.startswith(PENDING_NOTE):
            return None
        if not await uow.inbox.claim(update_id, chat_id=staff.telegram_chat_id, kind="casezero_note"):
            return Outcome("duplicate")
        conversation.pending_field = None
        report = await uow.case_zero.get(int(pending.removeprefix(PENDING_NOTE)))
        if report is None or report.reviewer_pk != staff.id:
            await uow.commit()
            return None
        report.review_note = text.strip()[:1000]
        await uow.ledger.append(
            actor=f"staff:{staff.staff_id}",
            action="casezero.note",
            object_type="case_zero_report",
            object_id=report.number,
            payload={"note": report.review_note},
        )
        officer = await uow.staff.get(report.officer_pk)
        keys = await _tell_officer(uow, report, officer, staff, "noted")
        await uow.commit()
        return Outcome(
            "noted",
            report,
            officer.chat_id if officer and officer.active else None,
            officer.name if officer else "",
            staff.name,
            keys=keys,
        )


@dataclass(frozen=True)
class Printable:
    """What the PDF of a report shows (reports/casezero.py)."""

    report: CaseZeroReport
    court_name: str
    officer_name: str
    department: str
    position: str
    reviewer_name: str | None


async def printable(
    uow: UnitOfWork, *, report_id: int, reader: Staff | None, court_name: str, actor: str | None = None
) -> Printable:
    """The report for its PDF: the officer, the reviewer and the discipline office may read it (a CLI
    operator passes ``reader=None`` and an ``actor``). The read is in the ledger."""
    async with uow:
        report = await uow.case_zero.get(report_id)
        allowed = report is not None and (reader is None or may_read_case_zero(reader, report))
        who = actor or (f"staff:{reader.staff_id}" if reader else "cli")
        await uow.ledger.append(
            actor=who,
            action="casezero.read" if allowed else "casezero.read_denied",
            object_type="case_zero_report",
            object_id=report.number if report else str(report_id),
            payload={"what": "pdf"},
        )
        await uow.commit()
        if not allowed or report is None:
            raise AccessDenied(Denial.CASEZERO)
        officer = await uow.staff.get(report.officer_pk)
        reviewer = await uow.staff.get(report.reviewer_pk) if report.reviewer_pk else None
        department = await uow.departments.get(officer.department_id) if officer else None
        return Printable(
            report,
            court_name,
            officer.name if officer else "",
            department.name if department else "",
            officer.position if officer else "",
            reviewer.name if reviewer else None,
        )
