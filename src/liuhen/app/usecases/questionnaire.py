"""Guided questions that finish a record: one at a time, buttons first, pre-filled from the
evidence, validated with a Chinese explanation, resumable at any time (the record is the state)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any

from liuhen.app.ports import UnitOfWork
from liuhen.app.usecases import registers, signoff, witnesses
from liuhen.app.usecases.intake import Button, issue_button
from liuhen.domain import inference
from liuhen.domain import questionnaire as q
from liuhen.domain.clock import Clock
from liuhen.domain.model import Staff
from liuhen.domain.records import CORRECTING, Record, RecordStatus
from liuhen.domain.workdays import WorkCalendar, is_late, profile_named

ACTION = "q"
TOGGLES = "_toggles"  # working state: the facts ticked on a card of toggles


class Act(enum.Enum):
    """What a question or review button does; ``Button.shows`` carries the option's catalogue label."""

    SUGGEST = "suggest"  # a value read from the evidence, to confirm
    KEEP = "keep"  # keep the answer given before the edit
    CHECKED = "checked"  # a chosen option of a multi-select question (press to drop it)
    UNCHECKED = "unchecked"  # an option not chosen yet
    DONE = "done"  # the multi-select question is answered
    OPTION = "option"  # one option of a single-choice question
    QUICK = "quick"  # a quick answer of a text question
    SKIP = "skip"
    LATER = "later"
    SUBMIT = "submit"
    SUBMIT_CORRECTION = "submit_correction"  # a correction of a submitted record, as a new version
    EDIT = "edit"  # a section of the review card
    CHANGE = "change"  # one field of the review card that was filled without asking: change it
    ADD = "add"  # an optional field not asked: add it
    TO_REVIEW = "to_review"  # everything required is there: leave the optional questions unanswered


class Shown(enum.Enum):
    """What a view shows."""

    QUESTION = "question"
    REVIEW = "review"
    SUBMITTED = "submitted"
    CORRECTED = "corrected"  # a correction of a submitted record is the current version now
    LATER = "later"
    ERROR = "error"
    DUPLICATE = "duplicate"  # a replayed update: nothing to show


class Problem(enum.Enum):
    """Why a view or a press could not go on (the texts say it in words)."""

    STALE = "stale"  # a foreign, unknown or forged button
    DONE = "done"  # pressed before, and the record is no longer open
    SUBMITTED = "submitted"  # the record is submitted: no more changes from here
    CURRENT = "current"  # pressed before: here is the current question
    SAVED = "saved"  # the draft is saved for later
    ANSWERED = "answered"  # the question was answered already
    MISSING = "missing"  # cannot submit yet: ``view.missing`` items are missing
    SENT = "sent"  # submitted
    EMPTY_REASON = "empty_reason"  # an amendment's reason is empty


class AmendProblem(enum.Enum):
    NOT_FOUND = "not_found"  # no record of this person's with that number
    DRAFT = "draft"  # still a draft: it is simply continued
    IN_PROGRESS = "in_progress"  # a correction of it is being written already


class AmendRefused(Exception):
    """`/amend NUMBER` refused: ``problem`` says why, for ``number``."""

    def __init__(self, problem: AmendProblem, number: str) -> None:
        super().__init__(problem, number)
        self.problem, self.number = problem, number


@dataclass(frozen=True)
class Settings:
    """Per-court settings the questions depend on."""

    tz: tzinfo
    deadline_profile: str = "court"
    special_profile: str = "court"
    calendar: WorkCalendar = field(default_factory=WorkCalendar)


@dataclass(frozen=True)
class View:
    """What to show: a question, the review card, or a closing message."""

    record_number: str
    kind: Shown
    question: q.Field | None = None  # the question asked (its words are catalogue data)
    hints: tuple[q.Option, ...] = ()  # options explained below the question (the record types)
    missing: int = 0
    rows: tuple[tuple[Button, ...], ...] = ()
    error: str | None = None  # why the answer was not taken (``q.Invalid``'s explanation)
    problem: Problem | None = None
    summary: tuple[tuple[str, str], ...] = ()  # (field label, answer label) on the review card
    missing_labels: tuple[str, ...] = ()
    version: int = 0  # a correction: the version being written
    group: str | None = None  # the question is the card of toggles of this group (``q.GROUPS``)
    read: tuple[tuple[str, str], ...] = ()  # (field label, value) read from the answer just given
    marked: tuple[tuple[str, str], ...] = ()  # on the review card: (field label, q.INFERRED or q.READ)


def context_of(record: Record, settings: Settings) -> q.Context:
    late = False
    happened = record.given.intervention_time
    if happened:
        late = is_late(
            happened,
            record.created_at,
            profile_named(settings.deadline_profile),
            settings.calendar,
            settings.tz,
        )
    return q.Context(special_profile=settings.special_profile, late=late)


class _Session:
    """One interaction on one record, inside a unit of work."""

    def __init__(
        self, uow: UnitOfWork, staff: Staff, record: Record, settings: Settings, now: datetime
    ) -> None:
        self.uow, self.staff, self.record, self.settings, self.now = uow, staff, record, settings, now
        self.ctx = context_of(record, settings)
        self._facts: q.EvidenceFacts | None = None
        self.read: tuple[tuple[str, str], ...] = ()

    async def button(self, act: Act, arg: str, shows: str = "") -> Button:
        assert self.staff.id is not None
        token = await issue_button(
            self.uow, staff_pk=self.staff.id, action=ACTION, now=self.now, record_id=self.record.id, arg=arg
        )
        return Button(act, token, shows)

    async def facts(self) -> q.EvidenceFacts:
        assert self.record.id is not None
        if self._facts is None:
            evidence = await self.uow.evidence.for_record(self.record.id)
            self._facts = inference.recorder_facts(evidence, self.staff)
        return self._facts

    def missing(self) -> list[q.Field]:
        return q.missing(self.record.answers, self.ctx)

    async def settle(self) -> None:
        """Fill in and mark what the evidence and the answers tell; take out what they no longer tell."""
        settled = q.settle(
            self.record.answers, await self.facts(), self.ctx, now=self.now, tz=self.settings.tz
        )
        if settled != self.record.answers:
            self.record.answers = settled
            self.ctx = context_of(self.record, self.settings)

    async def view(self, error: str | None = None) -> View:
        conversation = await self.uow.conversations.get(self.staff.id or 0)
        conversation.current_record_id = self.record.id
        await self.settle()
        f = q.next_field(self.record.answers, self.ctx)
        if f is None:
            conversation.pending_field = None
            return await self.review(error)
        conversation.pending_field = f.key
        return await self.question(f, error)

    async def toggles(self, f: q.Field, error: str | None) -> View:
        """The yes/no facts of ``f``'s group on one card: each a button that ticks it, then 完成. What the
        answers already suggest (原副主任: retired; 县委书记: principal leader) is ticked in advance."""
        assert f.group is not None
        members = q.group_of(f, self.record.answers, self.ctx)
        answers = self.record.answers
        if TOGGLES not in answers:
            previous = answers.get("_previous", {})
            preset = inference.toggles_preset(answers) | {k for k, v in previous.items() if v == "yes"}
            answers = {**answers, TOGGLES: [m.key for m in members if m.key in preset]}
            self.record.answers = answers
        ticked = set(answers[TOGGLES])
        rows: list[tuple[Button, ...]] = []
        for m in members:
            act = Act.CHECKED if m.key in ticked else Act.UNCHECKED
            rows.append((await self.button(act, f"g|{f.group}|{m.key}", m.toggle),))
        rows.append((await self.button(Act.DONE, f"gd|{f.group}"),))
        rows.append(await self.tail())
        left = q.left(answers, self.ctx)
        return View(
            self.record.number, Shown.QUESTION, f, (), left, tuple(rows), error, group=f.group, read=self.read
        )

    async def question(self, f: q.Field, error: str | None) -> View:
        if f.group is not None:
            return await self.toggles(f, error)
        rows: list[tuple[Button, ...]] = []
        facts = await self.facts()
        for s in q.suggestions(f, facts, self.settings.tz):
            rows.append((await self.button(Act.SUGGEST, f"a|{f.key}|{s.value}", s.label),))
        previous = self.record.answers.get("_previous", {})
        if f.key in previous:
            shown = q.option_label(f, previous[f.key], self.ctx, self.settings.tz)
            rows.append((await self.button(Act.KEEP, f"k|{f.key}", shown),))
        options = f.options(self.ctx)
        if f.kind is q.Kind.MULTI:
            chosen = set(self.record.answers.get("_selecting", []))
            for o in options:
                act = Act.CHECKED if o.value in chosen else Act.UNCHECKED
                rows.append((await self.button(act, f"t|{f.key}|{o.value}", o.label),))
            rows.append((await self.button(Act.DONE, f"d|{f.key}"),))
        else:
            pair: list[Button] = []
            for o in options:
                pair.append(await self.button(Act.OPTION, f"a|{f.key}|{o.value}", o.label))
                if len(pair) == 2 or len(o.label) > 8:
                    rows.append(tuple(pair))
                    pair = []
            if pair:
                rows.append(tuple(pair))
            for quick in f.quick:
                rows.append((await self.button(Act.QUICK, f"a|{f.key}|{quick}", quick),))
        skip = () if f.required or f.kind is q.Kind.MULTI else (await self.button(Act.SKIP, f"s|{f.key}"),)
        rows.append((*skip, *await self.tail()))
        hints = tuple(o for o in options if o.hint) if f.key == "record_type" else ()
        left = q.left(self.record.answers, self.ctx)
        return View(self.record.number, Shown.QUESTION, f, hints, left, tuple(rows), error, read=self.read)

    async def tail(self) -> tuple[Button, ...]:
        """[稍后], and once everything the rules require is there, [去核对提交]: what is left is optional."""
        later = await self.button(Act.LATER, "l")
        return (await self.button(Act.TO_REVIEW, "r"), later) if not self.missing() else (later,)

    async def review(self, error: str | None = None) -> View:
        summary = tuple(
            (f.label, q.option_label(f, self.record.answers[f.key], self.ctx, self.settings.tz))
            for f in q.FIELDS
            if f.key in self.record.answers and f.applies(self.record.answers, self.ctx)
        )
        missing = self.missing()
        rows: list[tuple[Button, ...]] = []
        correcting = self.record.being_corrected
        if not missing:
            rows.append((await self.button(Act.SUBMIT_CORRECTION if correcting else Act.SUBMIT, "submit"),))
        marks = q.marks(self.record.answers)
        # what was filled without asking is changed with one tap; what is optional is added with one
        one_tap = [
            await self.button(Act.CHANGE, f"f|{f.key}", f.label)
            for f in q.FIELDS
            if f.key in marks and f.applies(self.record.answers, self.ctx)
        ]
        one_tap += [
            await self.button(Act.ADD, f"f|{f.key}", f.label)
            for f in q.addable(self.record.answers, self.ctx)
        ]
        rows.extend(tuple(one_tap[i : i + 2]) for i in range(0, len(one_tap), 2))
        edits = [await self.button(Act.EDIT, f"e|{key}", label) for key, label in q.SECTIONS.items()]
        rows.extend(tuple(edits[i : i + 2]) for i in range(0, len(edits), 2))
        rows.append((await self.button(Act.LATER, "l"),))
        return View(
            self.record.number,
            Shown.REVIEW,
            missing=len(missing),
            rows=tuple(rows),
            error=error,
            summary=summary,
            missing_labels=tuple(f.label for f in missing),
            version=self.record.version if correcting else 0,
            read=self.read,
            marked=tuple((q.BY_KEY[k].label, how) for k, how in marks.items() if k in q.BY_KEY),
        )

    async def store(self, f: q.Field, raw: Any, *, typed: bool = False) -> View:
        """The answer to ``f``; a typed free answer may give other fields too, which are filled in, marked
        as read from it and named on the next card (never silently)."""
        facts = await self.facts()
        extra: dict[str, str] = {}
        if isinstance(raw, str):
            raw = q.resolve_special(f, raw, facts)
            if typed:
                raw, extra = q.read_answer(f, raw, self.record.answers)
        try:
            values = {f.key: q.validate(f, raw, self.ctx, now=self.now, tz=self.settings.tz)}
        except q.Invalid as exc:
            return await self.question(f, str(exc))
        for key, text in extra.items():
            try:
                values[key] = q.validate(q.BY_KEY[key], text, self.ctx, now=self.now, tz=self.settings.tz)
            except q.Invalid:
                continue  # not a valid answer of its own: it will be asked
        return await self.keep(values, read=[k for k in values if k != f.key])

    async def keep(self, values: dict[str, Any], *, read: Sequence[str] = ()) -> View:
        """Store answers (the recorder's own, and ``read`` ones read from a free answer), each in the
        ledger."""
        answers = dict(self.record.answers)
        for key in (q.INFERRED, q.READ):
            answers[key] = [k for k in answers.get(key, []) if k not in values]
        answers[q.READ] += list(read)
        for key in (q.INFERRED, q.READ):
            if not answers[key]:
                answers.pop(key)
        answers.update(values)
        answers.pop("_selecting", None)
        answers.pop(TOGGLES, None)
        answers["_editing"] = [k for k in answers.get("_editing", []) if k not in values]
        self.record.answers = answers
        self.record.updated_at = self.now
        for key, value in values.items():
            await self.uow.ledger.append(
                actor=f"staff:{self.staff.staff_id}",
                action="record.answer",
                object_type="record",
                object_id=self.record.number,
                payload={"field": key, "value": value, **({"read": True} if key in read else {})},
            )
        self.read = tuple(
            (q.BY_KEY[k].label, q.option_label(q.BY_KEY[k], values[k], self.ctx, self.settings.tz))
            for k in read
        )
        self.ctx = context_of(self.record, self.settings)
        return await self.view()

    async def skip_optional(self) -> View:
        """[去核对提交]: the optional questions still open are knowingly left unanswered (None, shown as
        skipped), and the review card follows; refused while anything required is missing."""
        if self.missing():
            return await self.view()
        left = [f for f in q.pending(self.record.answers, self.ctx) if not f.required]
        return await self.keep({f.key: None for f in left})

    async def toggled(self, group: str) -> View:
        """完成 on a card of toggles: each fact on it is answered, yes where ticked."""
        f = next((g for g in q.FIELDS if g.group == group), None)
        if f is None:
            return await self.view()
        ticked = set(self.record.answers.get(TOGGLES, []))
        members = q.group_of(f, self.record.answers, self.ctx)
        return await self.keep({m.key: "yes" if m.key in ticked else "no" for m in members})


async def _with_calendar(uow: UnitOfWork, staff: Staff, settings: Settings) -> Settings:
    """The court's administrator overrides on top of the official calendar."""
    return replace(settings, calendar=WorkCalendar(await uow.calendar.overrides(staff.court_id)))


async def _open(uow: UnitOfWork, staff: Staff, record_id: int | None) -> Record | None:
    record = await uow.records.get(record_id) if record_id else None
    if record is None or record.recorder_id != staff.id:
        return None
    return record


async def ask(
    uow: UnitOfWork, *, staff: Staff, record_id: int, clock: Clock, settings: Settings
) -> View | None:
    """Show the next question (or the review card) of a draft."""
    async with uow:
        settings = await _with_calendar(uow, staff, settings)
        record = await _open(uow, staff, record_id)
        if record is None:
            return None
        if not record.editable:
            return View(record.number, Shown.ERROR, problem=Problem.SUBMITTED)
        view = await _Session(uow, staff, record, settings, clock.now()).view()
        await uow.commit()
        return view


async def pending_text_field(uow: UnitOfWork, *, staff: Staff) -> bool:
    """Is a question waiting for a typed answer? (Otherwise typed text is evidence.)"""
    async with uow:
        conversation = await uow.conversations.get(staff.id or 0)
        f = q.BY_KEY.get(conversation.pending_field or "")
        return f is not None and f.kind in (q.Kind.TEXT, q.Kind.DATETIME, q.Kind.CASE)


async def answer_text(
    uow: UnitOfWork, *, staff: Staff, text: str, update_id: int, clock: Clock, settings: Settings
) -> View | None:
    """A typed answer to the pending question; None when no question is pending. A replayed update
    answers nothing (kind "duplicate")."""
    async with uow:
        settings = await _with_calendar(uow, staff, settings)
        if not await uow.inbox.claim(update_id, chat_id=staff.telegram_chat_id, kind="answer"):
            return View("", Shown.DUPLICATE)
        conversation = await uow.conversations.get(staff.id or 0)
        f = q.BY_KEY.get(conversation.pending_field or "")
        record = await _open(uow, staff, conversation.current_record_id)
        if f is None or record is None or not record.editable:
            return None
        view = await _Session(uow, staff, record, settings, clock.now()).store(f, text, typed=True)
        await uow.commit()
        return view


@dataclass(frozen=True)
class PressResult:
    view: View | None
    notice: Problem | None = None  # a toast
    submitted: Record | None = None
    outbox: tuple[str, ...] = ()  # sign-off messages to deliver after the commit


async def press(
    uow: UnitOfWork, *, staff: Staff, token: str, clock: Clock, settings: Settings
) -> PressResult:
    """A question or review button; the token is resolved and re-authorised, never trusted."""
    async with uow:
        settings = await _with_calendar(uow, staff, settings)
        callback = await uow.callbacks.get(token)
        if callback is None or callback.staff_pk != staff.id or callback.action != ACTION:
            return PressResult(None, Problem.STALE)
        record = await _open(uow, staff, callback.record_id)
        if record is None:
            return PressResult(None, Problem.STALE)
        open_ = record.editable
        if callback.used_at is not None and not open_:
            return PressResult(None, Problem.DONE)
        if not open_:
            return PressResult(None, Problem.SUBMITTED)
        now = clock.now()
        session = _Session(uow, staff, record, settings, now)
        if callback.used_at is not None:  # pressed twice, or replayed after a crash before the message was
            view = await session.view()  # edited: show where the record stands, never a dead end
            await uow.commit()
            return PressResult(view, Problem.CURRENT)
        parts = (callback.arg or "").split("|", 2)
        op = parts[0]
        f = q.BY_KEY.get(parts[1]) if len(parts) > 1 else None
        result = PressResult(None)
        if op == "l":
            (await uow.conversations.get(staff.id or 0)).pending_field = None
            result = PressResult(View(record.number, Shown.LATER), Problem.SAVED)
        elif op == "submit":
            result = await _submit(session)
        elif op == "r":
            result = PressResult(await session.skip_optional())
        elif op == "e":
            result = PressResult(await _edit(session, parts[1]))
        elif op == "g" and len(parts) == 3:
            ticked = list(record.answers.get(TOGGLES, []))
            ticked = [v for v in ticked if v != parts[2]] if parts[2] in ticked else [*ticked, parts[2]]
            record.answers = {**record.answers, TOGGLES: ticked}
            f = q.BY_KEY.get(parts[2])
            if f is None or f.group != parts[1]:
                return PressResult(None, Problem.STALE)
            result = PressResult(await session.toggles(f, None))
        elif op == "gd":
            result = PressResult(await session.toggled(parts[1]))
        elif op == "f" and f is not None:
            result = PressResult(await _edit(session, None, keys=[f.key]))
        elif f is None:
            return PressResult(None, Problem.STALE)
        elif op == "t":
            chosen = list(record.answers.get("_selecting", []))
            chosen = [v for v in chosen if v != parts[2]] if parts[2] in chosen else [*chosen, parts[2]]
            record.answers = {**record.answers, "_selecting": chosen}
            result = PressResult(await session.question(f, None))
        elif q.answered(record.answers, f.key) and f.key not in record.answers.get("_editing", []):
            return PressResult(await session.view(), Problem.ANSWERED)
        elif op == "a":
            result = PressResult(await session.store(f, parts[2]))
        elif op == "d":
            result = PressResult(await session.store(f, list(record.answers.get("_selecting", []))))
        elif op == "s":
            result = PressResult(await session.store(f, None))
        elif op == "k":
            result = PressResult(await session.store(f, record.answers.get("_previous", {}).get(f.key)))
        if op not in ("t", "g"):
            callback.used_at = now
        await uow.commit()
        return result


async def _edit(session: _Session, section: str | None, keys: Sequence[str] = ()) -> View:
    """[修改…]: the fields of a section are asked again, each offering to keep its previous answer; [改 X] and
    [＋ X] ask one field (filled without asking, or optional and not asked)."""
    record = session.record
    if section is not None:
        keys = [f.key for f in q.FIELDS if f.section == section and f.key in record.answers]
    answers = dict(record.answers)
    previous = dict(answers.get("_previous", {}))
    for key in keys:
        if key in answers:
            previous[key] = answers.pop(key)
    for mark in (q.INFERRED, q.READ):
        if mark in answers:
            answers[mark] = [k for k in answers[mark] if k not in keys]
    answers.pop(TOGGLES, None)
    answers["_previous"] = previous
    answers["_editing"] = list(keys)
    record.answers = answers
    return await session.view()


async def _submit(session: _Session) -> PressResult:
    record = session.record
    missing = session.missing()
    if missing:
        return PressResult(await session.review(), Problem.MISSING)
    if record.being_corrected:
        return await _submit_correction(session)
    first = record.submitted_at is None
    confirmed = _confirm(record)
    record.status = RecordStatus.SUBMITTED
    record.submitted_at = record.updated_at = session.now
    await session.uow.ledger.append(
        actor=f"staff:{session.staff.staff_id}",
        action="record.submit" if first else "record.resubmit",
        object_type="record",
        object_id=record.number,
        payload={
            "answers": {k: v for k, v in record.answers.items() if not k.startswith("_")},
            **({"confirmed": confirmed} if confirmed else {}),
        },
    )
    conversation = await session.uow.conversations.get(session.staff.id or 0)
    conversation.pending_field = None
    # Into the sign-off chain in the same transaction: a record is never left merely "submitted".
    config = signoff.Config(session.settings.tz, session.settings.deadline_profile)
    keys = await signoff.submit(session.uow, record, session.staff, session.now, config, first=first)
    if record.answers.get("severe") == "yes":  # marked 情节严重 before submission (seed 004 §17(1))
        keys += await signoff.severe_at_submission(session.uow, record, session.staff, session.now, config)
    await session.uow.records.refresh_facts(record)  # the quarterly summary's row
    if first:  # the persons present are asked to confirm (seed 001 实施办法 §4), through the outbox
        keys += await witnesses.requests_for(session.uow, record, session.staff, session.now)
    if first:  # what the record names of the registers (seed 003 items 15, 16), through the outbox
        keys += await registers.cross_check(session.uow, record, session.staff)
    return PressResult(
        View(record.number, Shown.SUBMITTED),
        Problem.SENT,
        submitted=record,
        outbox=tuple(keys),
    )


async def _submit_correction(session: _Session) -> PressResult:
    """The correction becomes the current version: each changed field (old → new) goes into the ledger, and
    everyone who has signed the record and the discipline office are told (更正); the record keeps its
    status, its chain and the quarter of its first submission."""
    record, staff = session.record, session.staff
    correcting = dict(record.answers[CORRECTING])
    _confirm(record)
    before: dict[str, Any] = correcting.get("before", {})
    answers = {k: v for k, v in record.answers.items() if k != CORRECTING}
    changes = [
        (f.key, before.get(f.key), answers.get(f.key))
        for f in q.FIELDS
        if before.get(f.key) != answers.get(f.key)
    ]
    record.answers = answers
    record.updated_at = session.now
    await session.uow.ledger.append(
        actor=f"staff:{staff.staff_id}",
        action="record.correct",
        object_type="record",
        object_id=record.number,
        payload={
            "version": record.version,
            "reason": correcting.get("reason"),
            "changes": [list(c) for c in changes],
            "answers": {k: v for k, v in answers.items() if not k.startswith("_")},
        },
    )
    (await session.uow.conversations.get(staff.id or 0)).pending_field = None
    await session.uow.records.refresh_facts(record)  # still counted, in the quarter of its first submission
    keys = await signoff.corrected(
        session.uow,
        record,
        staff,
        session.now,
        reason=str(correcting.get("reason") or ""),
        changes=changes,
        tz=session.settings.tz,
    )
    if answers.get("severe") == "yes":
        config = signoff.Config(session.settings.tz, session.settings.deadline_profile)
        keys += await signoff.severe_at_submission(session.uow, record, staff, session.now, config)
    view = View(record.number, Shown.CORRECTED, version=record.version)
    return PressResult(view, Problem.SENT, outbox=tuple(keys))


def _confirm(record: Record) -> list[str]:
    """Submitting confirms what was filled without asking (shown marked on the review card): the marks go,
    and the fields they were on are named in the ledger's submission entry."""
    answers = dict(record.answers)
    confirmed = [k for k in (*answers.pop(q.INFERRED, []), *answers.pop(q.READ, [])) if k in answers]
    answers.pop(TOGGLES, None)
    record.answers = answers
    return [f.key for f in q.FIELDS if f.key in confirmed]


PENDING_AMEND = "_amend:"


async def begin_amend(uow: UnitOfWork, *, staff: Staff, number: str) -> str:
    """`/amend NUMBER`: after submission a change is a new version with a reason (docs/domain.md). Returns the
    number to ask the reason for, or raises `AmendRefused` saying why it cannot be amended."""
    async with uow:
        record = await uow.records.by_number(staff.court_id, number.strip().upper())
        if record is None or record.recorder_id != staff.id:
            raise AmendRefused(AmendProblem.NOT_FOUND, number)
        if record.status == RecordStatus.DRAFT.value:
            raise AmendRefused(AmendProblem.DRAFT, record.number)
        if record.being_corrected:
            raise AmendRefused(AmendProblem.IN_PROGRESS, record.number)
        conversation = await uow.conversations.get(staff.id or 0)
        conversation.pending_field = f"{PENDING_AMEND}{record.id}"
        conversation.current_record_id = record.id
        await uow.commit()
        return record.number


async def amend_reason(
    uow: UnitOfWork, *, staff: Staff, text: str, update_id: int, clock: Clock, settings: Settings
) -> View | None:
    """The reason of an amendment: the current version is kept, a new one opens at the review card."""
    async with uow:
        settings = await _with_calendar(uow, staff, settings)
        conversation = await uow.conversations.get(staff.id or 0)
        pending = conversation.pending_field or ""
        if not pending.startswith(PENDING_AMEND):
            return None
        if not await uow.inbox.claim(update_id, chat_id=staff.telegram_chat_id, kind="amend"):
            return View("", Shown.DUPLICATE)
        record = await _open(uow, staff, int(pending.removeprefix(PENDING_AMEND)))
        if record is None:
            conversation.pending_field = None
            await uow.commit()
            return None
        reason, now = text.strip(), clock.now()
        if not reason:
            return View(record.number, Shown.ERROR, problem=Problem.EMPTY_REASON)
        await uow.records.save_version(record, reason=reason, actor=f"staff:{staff.staff_id}", at=now)
        await uow.ledger.append(
            actor=f"staff:{staff.staff_id}",
            action="record.amend",
            object_type="record",
            object_id=record.number,
            payload={"from_version": record.version, "reason": reason},
        )
        record.version += 1
        record.updated_at = now
        if record.status is not RecordStatus.RETURNED:
            # Submitted, in the chain or filed: the record keeps its status, its place in the chain and its
            # quarter while the correction is written; it is a new version with the reason (seed 003 §12,
            # seed 004 §15: 全程留痕、永久存储). A returned record is corrected in place and resubmitted.
            before = {k: v for k, v in record.answers.items() if not k.startswith("_")}
            record.answers = {**record.answers, CORRECTING: {"reason": reason, "before": before}}
        conversation.pending_field = None
        view = await _Session(uow, staff, record, settings, now).review()
        await uow.commit()
        return view
