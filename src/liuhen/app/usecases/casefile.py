"""Case-file tasks (入卷存查; ``domain/casefile.py`` has the rules): opened when a record is filed or a
per-case zero report confirmed, announced to the case officer, done when the officer says where the material
went, reminded once when overdue. Every step is in the ledger."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases.intake import issue_button
from liuhen.app.usecases.pending import Waiting, awaited
from liuhen.domain import questionnaire as q
from liuhen.domain.casefile import CaseFileTask, Source, clean_file_ref, volume_for
from liuhen.domain.casezero import CaseZeroReport
from liuhen.domain.model import Staff
from liuhen.domain.records import Record
from liuhen.domain.signoff import SignoffTerms

ACTION = "cf"
PENDING = "_casefile:"


def _actor(staff: Staff) -> str:
    return f"staff:{staff.staff_id}"


async def _officer_of(uow: UnitOfWork, record: Record) -> int:
    """The case officer named in the record (本人: the recorder; a name of the court's roster: that person);
    otherwise the recorder, who knows where the case is."""
    named = (record.given.case_officer or "").strip()
    if named and named != q.SELF:
        for person in await uow.staff.list(record.court_id):
            if person.active and person.id is not None and named in (person.name, person.staff_id):
                return person.id
    return record.recorder_id


async def _open(uow: UnitOfWork, task: CaseFileTask, object_type: str) -> CaseFileTask | None:
    """Open ``task`` unless its record or report has one already (once per source)."""
    if await uow.case_files.for_source(Source(task.source), task.ref_id) is not None:
        return None
    await uow.case_files.add(task)
    await uow.ledger.append(
        actor="system",
        action="casefile.open",
        object_type=object_type,
        object_id=task.label,
        payload={"officer": task.officer_pk, "volume": task.volume, "due": task.due_at.isoformat()},
    )
    return task


async def open_for_record(
    uow: UnitOfWork, record: Record, now: datetime, terms: SignoffTerms
) -> CaseFileTask | None:
    """When a record is filed (inside the filing transaction)."""
    assert record.id is not None
    task = CaseFileTask(
        court_id=record.court_id,
        source=Source.RECORD.value,
        ref_id=record.id,
        label=record.number,
        case_number=record.given.case_number or "",
        officer_pk=await _officer_of(uow, record),
        volume=volume_for(terms.profile.name, record.disposition).value,
        created_at=now,
        due_at=terms.level_due(now),
    )
    return await _open(uow, task, "record")


async def open_for_case_zero(
    uow: UnitOfWork, report: CaseZeroReport, now: datetime, terms: SignoffTerms
) -> CaseFileTask | None:
    """When the department head confirms a per-case zero report (seed 004 §16: 确认后随案入卷)."""
    assert report.id is not None
    task = CaseFileTask(
        court_id=report.court_id,
        source=Source.CASE_ZERO.value,
        ref_id=report.id,
        label=report.number,
        case_number=report.case_number,
        officer_pk=report.officer_pk,
        volume=volume_for(terms.profile.name, None).value,
        created_at=now,
        due_at=terms.level_due(now),
    )
    return await _open(uow, task, "case_zero_report")


# --- telling the officer, reminding once ------------------------------------------------------------------


class Nudge(enum.StrEnum):
    NEW = "new"  # a task just opened
    OVERDUE = "overdue"  # past its deadline, reminded once


@dataclass(frozen=True)
class TaskView:
    task: CaseFileTask
    chat_id: int
    token: str  # [已入卷，登记卷号]
    nudge: Nudge


async def _view(uow: UnitOfWork, task: CaseFileTask, officer: Staff, now: datetime, nudge: Nudge) -> TaskView:
    assert officer.id is not None and officer.chat_id is not None and task.id is not None
    token = await issue_button(uow, staff_pk=officer.id, action=ACTION, now=now, arg=str(task.id))
    return TaskView(task, officer.chat_id, token, nudge)


async def due_nudges(uow: UnitOfWork, *, court_id: int, now: datetime, wecom: bool = False) -> list[TaskView]:
    """New tasks not yet announced and open tasks past their deadline not yet reminded, of the officers one
    chat door reaches (``wecom``: WeCom's, else Telegram's); marked as told in the same transaction (a failed
    send is not retried: /casefile lists every open task)."""
    async with uow:
        views: list[TaskView] = []
        for task in await uow.case_files.needing_nudge(court_id, now):
            officer = await uow.staff.get(task.officer_pk)
            if officer is None or officer.chat_id is None:
                continue  # told when they enrol (the task waits); /casefile shows it
            if (officer.chat_id < 0) != wecom:
                continue  # the other door's officer: that door tells them
            nudge = Nudge.OVERDUE if task.notified_at is not None else Nudge.NEW
            if nudge is Nudge.NEW:
                task.notified_at = now
                if task.overdue(now):
                    task.reminded_at = now
            else:
                task.reminded_at = now
            views.append(await _view(uow, task, officer, now, nudge))
        await uow.commit()
        return views


async def open_tasks(uow: UnitOfWork, *, staff: Staff, now: datetime) -> list[TaskView]:
    """`/casefile`: the person's open tasks, oldest first, each with its button."""
    assert staff.id is not None
    async with uow:
        tasks = await uow.case_files.open_for(staff.id)
        views = [await _view(uow, t, staff, now, Nudge.NEW) for t in tasks] if staff.reachable else []
        await uow.commit()
        return views


# --- done: the officer says where the material went ---------------------------------------------------------


class Outcome(enum.StrEnum):
    ASK = "ask"  # type the file number or place now
    DONE = "done"
    ALREADY = "already"  # done before
    EMPTY = "empty"  # nothing typed: asked again, nothing changed
    FORBIDDEN = "forbidden"  # not this person's task or button
    DUPLICATE = "duplicate"  # a replayed update


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    task: CaseFileTask | None = None


async def press(uow: UnitOfWork, *, staff: Staff, token: str, now: datetime) -> Result:
    """[已入卷，登记卷号]: ask for the file number or place."""
    async with uow:
        callback = await uow.callbacks.get(token)
        if callback is None or callback.staff_pk != staff.id or callback.action != ACTION:
            return Result(Outcome.FORBIDDEN)
        task = await uow.case_files.get(int(callback.arg or 0))
        if task is None or task.officer_pk != staff.id:
            return Result(Outcome.FORBIDDEN)
        if not task.open:
            return Result(Outcome.ALREADY, task)
        assert staff.id is not None
        (await uow.conversations.get(staff.id)).pending_field = f"{PENDING}{task.id}"
        await uow.commit()
        return Result(Outcome.ASK, task)


async def typed(uow: UnitOfWork, *, staff: Staff, text: str, update_id: int, now: datetime) -> Result | None:
    """The file number or place; None when none is awaited (the text is something else)."""
    async with uow:
        waiting = await awaited(uow, staff, PENDING, update_id=update_id, kind="casefile")
        if waiting is Waiting.NOTHING:
            return None
        if waiting is Waiting.DUPLICATE:
            return Result(Outcome.DUPLICATE)
        conversation, arg = waiting
        task = await uow.case_files.get(int(arg or 0))
        if task is None or task.officer_pk != staff.id:
            conversation.pending_field = None
            await uow.commit()
            return Result(Outcome.FORBIDDEN)
        if not task.open:
            conversation.pending_field = None
            await uow.commit()
            return Result(Outcome.ALREADY, task)
        file_ref = clean_file_ref(text)
        if file_ref is None:
            await uow.commit()  # the update is claimed; the question stays open
            return Result(Outcome.EMPTY, task)
        conversation.pending_field = None
        return await _done(uow, staff, task, file_ref, now)


async def _done(uow: UnitOfWork, staff: Staff, task: CaseFileTask, file_ref: str, now: datetime) -> Result:
    task.file_ref, task.done_at = file_ref, now
    await uow.ledger.append(
        actor=_actor(staff),
        action="casefile.done",
        object_type="record" if task.source == Source.RECORD.value else "case_zero_report",
        object_id=task.label,
        payload={"volume": task.volume, "file_ref": file_ref},
    )
    await uow.commit()
    return Result(Outcome.DONE, task)


async def filed_at_desk(uow: UnitOfWork, *, staff: Staff, task_id: int, text: str, now: datetime) -> Result:
    """The file number or place given at the desk (入卷存查: seed 004 §16): the chat's checks and entry."""
    async with uow:
        task = await uow.case_files.get(task_id)
        if task is None or task.officer_pk != staff.id:
            return Result(Outcome.FORBIDDEN)
        if not task.open:
            return Result(Outcome.ALREADY, task)
        file_ref = clean_file_ref(text)
        if file_ref is None:
            return Result(Outcome.EMPTY, task)
        return await _done(uow, staff, task, file_ref, now)


async def open_of(uow: UnitOfWork, *, staff: Staff) -> list[CaseFileTask]:
    """The person's open case-file tasks, oldest first (no buttons: the desk's list)."""
    assert staff.id is not None
    async with uow:
        return list(await uow.case_files.open_for(staff.id))


def waiting_for_file_ref(pending_field: str | None) -> bool:
    return (pending_field or "").startswith(PENDING)


async def for_record(uow: UnitOfWork, record_id: int) -> CaseFileTask | None:
    return await uow.case_files.for_source(Source.RECORD, record_id)
