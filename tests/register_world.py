"""A court with one record submitted through the real use cases, and a driver for what happens to it next:
approve, return, resubmit, correct, dispose, complain (tests of the register's integrity)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from liuhen.app.usecases import complaint, questionnaire, signoff
from liuhen.app.usecases.questionnaire import Act as QAct
from liuhen.app.usecases.roster import import_roster
from liuhen.app.usecases.signoff import Act as SAct
from liuhen.domain import questionnaire as q
from liuhen.domain.access import may_read_record
from liuhen.domain.clock import FixedClock
from liuhen.domain.model import Staff
from liuhen.domain.records import EvidenceKind, IncomingEvidence, Origin, Record, RecordStatus
from liuhen.domain.roster import parse_roster
from liuhen.storage import tables as t
from liuhen.storage.database import Database
from tests.conftest import DEMO_ROSTER

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
SETTINGS = questionnaire.Settings(tz=TZ)
CONFIG = signoff.Config(TZ)
ANSWERS: dict[str, Any] = {
    "record_type": "external",
    "intervention_time": (START - timedelta(hours=2)).isoformat(),
    "method": "wechat",
    "storage_medium": "本人手机微信",
    "intervener_name": "李书记",
    "intervener_unit": "某县委 书记",
    "intervener_contact": None,
    "relation": "self",
    "organ_category": "party",
    "retired": "no",
    "principal_leader": "no",
    "case_number": "（2026）豫0825民初1187号",
    "case_cause": "民间借贷纠纷",
    "stage": "trial",
    "case_officer": "本人",
    "content": "请关照一下李某的借贷案子。",
    "response": "refused",
    "response_detail": "告知规定",
    "special_items": [],
    "defer_suggestion": None,
    "severe": None,
    "special_notes": None,
}
OPS = ("approve", "return", "resubmit", "correct", "dispose", "complain")


class World:
    def __init__(self, db: Database, clock: FixedClock, people: dict[str, Staff]) -> None:
        self.db, self.clock, self.people = db, clock, people
        self.update = 1000
        self.record_id = 0
        self.first_submitted: datetime | None = None
        self.corrections = 0

    def next_update(self) -> int:
        self.update += 1
        return self.update

    async def record(self) -> Record:
        async with self.db.uow(read_only=True) as uow:
            record = await uow.records.get(self.record_id)
        assert record is not None
        return record

    async def press_question(self, act: QAct) -> bool:
        judge = self.people["j001"]
        view = await questionnaire.ask(
            self.db.uow(), staff=judge, record_id=self.record_id, clock=self.clock, settings=SETTINGS
        )
        buttons = [b for row in (view.rows if view else ()) for b in row if b.act is act]
        if not buttons:
            return False
        await questionnaire.press(
            self.db.uow(), staff=judge, token=buttons[0].token, clock=self.clock, settings=SETTINGS
        )
        return True

    async def signer(self) -> Staff | None:
        chain = (await self.record()).chain
        level = chain.level if chain else None
        if chain is None or chain.route is None or level is None:
            return None
        holders = sorted(chain.route.holders(level))
        return next((s for s in self.people.values() if s.id in holders), None)

    async def press_card(self, act: SAct) -> signoff.PressResult | None:
        record, person = await self.record(), await self.signer()
        if person is None or record.chain is None or record.chain.level is None:
            return None
        assert person.id is not None
        async with self.db.uow() as uow:
            rows = await signoff.card_buttons(
                uow,
                person.id,
                self.record_id,
                record.chain.level.value,
                record.chain.round,
                None,
                self.clock.now(),
            )
            await uow.commit()
        token = next(b.token for row in rows for b in row if b.act is act)
        return await signoff.press(self.db.uow(), staff=person, token=token, clock=self.clock, config=CONFIG)

    async def do(self, op: str) -> None:
        self.clock.set(self.clock.now() + timedelta(hours=1))
        judge = self.people["j001"]
        if op == "approve":
            result = await self.press_card(SAct.APPROVE)
            if result is not None and result.rows:  # the discipline office: choose the disposition
                person = await self.signer()
                assert person is not None
                token = result.rows[0][0].token
                await signoff.press(self.db.uow(), staff=person, token=token, clock=self.clock, config=CONFIG)
        elif op == "dispose":
            result = await self.press_card(SAct.APPROVE)
            person = await self.signer()
            if result is not None and result.rows and person is not None:
                await signoff.press(
                    self.db.uow(),
                    staff=person,
                    token=result.rows[-1][0].token,
                    clock=self.clock,
                    config=CONFIG,
                )
        elif op == "return":
            result = await self.press_card(SAct.RETURN)
            person = await self.signer()
            if result is not None and result.ask is not None and person is not None:
                await signoff.typed(
                    self.db.uow(),
                    staff=person,
                    text="请补充案由",
                    update_id=self.next_update(),
                    clock=self.clock,
                    config=CONFIG,
                )
        elif op == "resubmit":
            await self.press_question(QAct.SUBMIT)
        elif op == "correct":
            record = await self.record()
            if record.status is RecordStatus.RETURNED or record.being_corrected:
                return
            await questionnaire.begin_amend(self.db.uow(), staff=judge, number=record.number)
            await questionnaire.amend_reason(
                self.db.uow(),
                staff=judge,
                text="更正案由",
                update_id=self.next_update(),
                clock=self.clock,
                settings=SETTINGS,
            )
            async with self.db.uow() as uow:  # the correction changes an answer, as the questions would
                current = await uow.records.get(self.record_id)
                assert current is not None
                current.answers = {**current.answers, "case_cause": f"借款合同纠纷{self.corrections}"}
                await uow.commit()
            assert await self.press_question(QAct.SUBMIT_CORRECTION)
            self.corrections += 1
        elif op == "complain":
            opened = await complaint.open_complaint(self.db.uow(), staff=judge, clock=self.clock)
            assert opened.number

    async def check(self) -> None:
        record = await self.record()
        assert record.status is not RecordStatus.DRAFT, "a submitted record went back to being a draft"
        assert not record.being_corrected
        office = self.people["k001"]
        assert may_read_record(office, record, record.chain), "out of the discipline office's reach"
        async with self.db.uow(read_only=True) as uow:
            facts = await uow.session.execute(  # type: ignore[attr-defined]
                select(t.record_facts.c.counted, t.record_facts.c.submitted_at).where(
                    t.record_facts.c.record_id == self.record_id
                )
            )
            counted, submitted_at = facts.one()
            versions = await uow.records.versions(self.record_id)
            entries = [e for e in await uow.ledger.entries(limit=100_000) if e.object_id == record.number]
        # counted, unless the office found it an opinion exempt from the register (listed apart, seed 002 §5)
        assert counted or record.disposition == "exempt", "no longer counted in the quarterly summary"
        assert submitted_at == self.first_submitted, "moved to another quarter"
        amended = [e for e in entries if e.action == "record.amend"]
        assert [v["version"] for v in versions] == [e.payload["from_version"] for e in amended]
        assert record.version == len(versions) + 1
        assert len([e for e in entries if e.action == "record.correct"]) == self.corrections


async def make_world(path: Path) -> World:
    clock = FixedClock(START)
    db = Database(f"sqlite+aiosqlite:///{path / 'liuhen.db'}", now=clock.now)
    await db.migrate()
    court = await db.ensure_court("t", "测试法院", "court")
    assert court.id is not None
    roster = parse_roster(DEMO_ROSTER.read_text(encoding="utf-8"))
    await import_roster(db.uow(), court_id=court.id, roster=roster, clock=clock, actor="test")
    async with db.uow() as uow:
        people = {s.staff_id: s for s in await uow.staff.list(court.id)}
        for n, person in enumerate(people.values(), start=1):  # everyone enrolled
            person.telegram_user_id = person.telegram_chat_id = 50_000 + n
        await uow.commit()
    world = World(db, clock, people)
    incoming = IncomingEvidence(
        kind=EvidenceKind.TEXT,
        chat_id=50_001,
        message_id=1,
        update_id=1,
        sent_at=START,
        origin=Origin(type="direct"),
        text="李书记微信：请关照借贷案",
    )
    receipt = await _receive(db, people["j001"], incoming, clock)
    world.record_id = receipt
    async with db.uow() as uow:
        record = await uow.records.get(receipt)
        assert record is not None
        record.answers = {**record.answers, **ANSWERS}
        assert not q.missing(record.answers)
        await uow.commit()
    assert await world.press_question(QAct.SUBMIT)
    world.first_submitted = (await world.record()).submitted_at
    return world


async def _receive(db: Database, judge: Staff, incoming: IncomingEvidence, clock: FixedClock) -> int:
    from liuhen.app.usecases import intake

    stored = intake.stored_content("0" * 64, 10, None)
    receipt = await intake.receive(db.uow(), staff=judge, incoming=incoming, content=stored, clock=clock)
    assert receipt is not None
    return receipt.record_id
