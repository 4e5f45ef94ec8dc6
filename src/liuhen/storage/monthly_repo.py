"""Repositories of the monthly reports and the per-case zero reports, over one AsyncSession.

The broadcast rows are handled with Core statements (a court may have thousands of people, and the
sender changes one row at a time with a conditional UPDATE); per-case zero reports are mapped objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, not_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from liuhen.domain.casezero import CaseZeroReport
from liuhen.domain.monthly import MonthlyAnswer, NewPrompt, Person, Prompt, PromptState
from liuhen.storage import tables as t
from liuhen.storage.repositories import _insert_for

_P = t.monthly_prompts.c
_A = t.monthly_answers.c
_INSERT_CHUNK = 500


def _prompt(row: Any) -> Prompt:
    return Prompt(
        id=row.id,
        court_id=row.court_id,
        staff_pk=row.staff_pk,
        month=row.month,
        kind=row.kind,
        state=row.state,
        chat_id=row.chat_id,
        created_at=row.created_at,
        attempted_at=row.attempted_at,
        sent_at=row.sent_at,
        message_id=row.message_id,
        error=row.error,
        sender=row.sender,
    )


def _answer(row: Any) -> MonthlyAnswer:
    return MonthlyAnswer(
        court_id=row.court_id,
        staff_pk=row.staff_pk,
        month=row.month,
        answer=row.answer,
        record_count=row.record_count,
        answered_at=row.answered_at,
        via=row.via,
    )


class SqlMonthly:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def prompt_states(self, court_id: int, month: str, kind: str) -> dict[int, str]:
        rows = await self.session.execute(
            select(_P.staff_pk, _P.state).where(_P.court_id == court_id, _P.month == month, _P.kind == kind)
        )
        return {row.staff_pk: row.state for row in rows}

    async def add_prompts(self, rows: Sequence[NewPrompt]) -> int:
        """Add the prompts not planned yet (one per person, month and kind); how many were added. One
        statement, compiled once per process and sent in batches with its parameters (a multi-row VALUES
        built per court cost 30 ms of compiling a court at a province's first reminder)."""
        if not rows:
            return 0
        insert = _insert_for(self.session)
        stmt = (
            insert(t.monthly_prompts)
            .on_conflict_do_nothing(index_elements=["staff_pk", "month", "kind"])
            .returning(_P.id)
        )
        params = [
            {
                "court_id": r.court_id,
                "staff_pk": r.staff_pk,
                "month": r.month,
                "kind": r.kind,
                "state": r.state,
                "chat_id": r.chat_id,
                "created_at": r.created_at,
                "error": r.error,
            }
            for r in rows
        ]
        added = 0
        for start in range(0, len(params), _INSERT_CHUNK):
            result = await self.session.execute(stmt, params[start : start + _INSERT_CHUNK])
            added += len(result.all())  # a row skipped as already planned returns nothing
        return added

    async def reopen(self, court_id: int, month: str, kind: str, staff_pks: Sequence[int]) -> int:
        if not staff_pks:
            return 0
        result = await self.session.execute(
            update(t.monthly_prompts)
            .where(
                _P.court_id == court_id,
                _P.month == month,
                _P.kind == kind,
                _P.staff_pk.in_(list(staff_pks)),
                _P.state == PromptState.UNREACHABLE.value,
                _P.error == "not_enrolled",
            )
            .values(state=PromptState.PENDING.value, error=None)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def people(self, court_id: int) -> list[Person]:
        s = t.staff.c
        rows = await self.session.execute(
            select(
                s.id,
                s.staff_id,
                s.name,
                s.department_id,
                s.position,
                s.role,
                s.active,
                s.telegram_user_id,
                s.telegram_chat_id,
                s.wecom_userid,
                s.wecom_confirmed_at,
                s.extra,
            )
            .where(s.court_id == court_id)
            .order_by(s.id)
        )
        return [
            Person(
                pk=row.id,
                staff_id=row.staff_id,
                name=row.name,
                department_id=row.department_id,
                position=row.position,
                role=row.role,
                active=bool(row.active),
                chat_id=_chat_of(row),
                extra=dict(row.extra or {}),
            )
            for row in rows
        ]

    async def get_prompt(self, pk: int) -> Prompt | None:
        row = (await self.session.execute(select(t.monthly_prompts).where(_P.id == pk))).first()
        return _prompt(row) if row is not None else None

    async def pending(self, court_id: int, *, limit: int, wecom: bool = False) -> list[Prompt]:
        """Rows to send by one chat door: WeCom's people (confirmed there, not enrolled on Telegram), or the
        Telegram door's (everybody else: it also marks the unreachable)."""
        s = t.staff.c
        on_wecom = and_(
            s.telegram_user_id.is_(None), s.wecom_userid.is_not(None), s.wecom_confirmed_at.is_not(None)
        )
        rows = await self.session.execute(
            select(t.monthly_prompts)
            .join(t.staff, s.id == _P.staff_pk)
            .where(_P.court_id == court_id, _P.state == PromptState.PENDING.value)
            .where(on_wecom if wecom else not_(on_wecom))
            .order_by(_P.id)
            .limit(limit)
        )
        return [_prompt(row) for row in rows]

    async def begin(self, pk: int, at: datetime, sender: str | None = None) -> bool:
        result = await self.session.execute(
            update(t.monthly_prompts)
            .where(_P.id == pk, _P.state == PromptState.PENDING.value)
            .values(state=PromptState.SENDING.value, attempted_at=at, sender=sender)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def finish(
        self, pk: int, state: str, *, at: datetime, message_id: int | None = None, error: str | None = None
    ) -> None:
        values: dict[str, Any] = {"state": state, "error": error[:255] if error else None}
        if state == PromptState.SENT.value:
            values.update(sent_at=at, message_id=message_id)
        await self.session.execute(update(t.monthly_prompts).where(_P.id == pk).values(**values))

    async def sending(self, court_id: int) -> list[Prompt]:
        rows = await self.session.execute(
            select(t.monthly_prompts)
            .where(_P.court_id == court_id, _P.state == PromptState.SENDING.value)
            .order_by(_P.id)
        )
        return [_prompt(row) for row in rows]

    async def resolve(self, pk: int, state: str, *, at: datetime, error: str) -> bool:
        result = await self.session.execute(
            update(t.monthly_prompts)
            .where(_P.id == pk, _P.state == PromptState.SENDING.value)
            .values(state=state, error=error)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def prompts(self, court_id: int, months: Sequence[str]) -> list[Prompt]:
        if not months:
            return []
        rows = await self.session.execute(
            select(t.monthly_prompts)
            .where(_P.court_id == court_id, _P.month.in_(list(months)))
            .order_by(_P.id)
        )
        return [_prompt(row) for row in rows]

    async def months(self, court_id: int) -> list[str]:
        rows = await self.session.execute(
            select(_P.month).where(_P.court_id == court_id, _P.kind == "prompt").distinct()
        )
        return sorted(row.month for row in rows)

    async def answer(self, staff_pk: int, month: str) -> MonthlyAnswer | None:
        row = (
            await self.session.execute(
                select(t.monthly_answers).where(_A.staff_pk == staff_pk, _A.month == month)
            )
        ).first()
        return _answer(row) if row is not None else None

    async def add_answer(self, answer: MonthlyAnswer) -> bool:
        stmt = (
            _insert_for(self.session)(t.monthly_answers)
            .values(
                staff_pk=answer.staff_pk,
                month=answer.month,
                court_id=answer.court_id,
                answer=answer.answer,
                record_count=answer.record_count,
                answered_at=answer.answered_at,
                via=answer.via,
            )
            .on_conflict_do_nothing(index_elements=["staff_pk", "month"])
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def answers(self, court_id: int, months: Sequence[str]) -> list[MonthlyAnswer]:
        if not months:
            return []
        rows = await self.session.execute(
            select(t.monthly_answers).where(_A.court_id == court_id, _A.month.in_(list(months)))
        )
        return [_answer(row) for row in rows]


class SqlCaseZero:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, pk: int) -> CaseZeroReport | None:
        return await self.session.get(CaseZeroReport, pk)

    async def add(self, report: CaseZeroReport) -> None:
        self.session.add(report)

    async def for_officer(self, officer_pk: int, case_number: str | None = None) -> Sequence[CaseZeroReport]:
        c = t.case_zero_reports.c
        stmt = select(CaseZeroReport).where(c.officer_pk == officer_pk)
        if case_number is not None:
            stmt = stmt.where(c.case_number == case_number)
        return (await self.session.scalars(stmt.order_by(c.id))).all()

    async def list(self, court_id: int) -> Sequence[CaseZeroReport]:
        c = t.case_zero_reports.c
        stmt = select(CaseZeroReport).where(c.court_id == court_id).order_by(c.id)
        return (await self.session.scalars(stmt)).all()


def _chat_of(row: Any) -> int | None:
    """Staff.chat_id of a row: the Telegram chat, else the WeCom door's address (negative), else None."""
    if row.telegram_user_id is not None:
        return int(row.telegram_chat_id) if row.telegram_chat_id is not None else None
    if row.active and row.wecom_userid is not None and row.wecom_confirmed_at is not None:
        return -int(row.id)
    return None
