"""Callback data is a short opaque token bound to the record, the level and the intended officer,
re-authorised on every press: random, forged and replayed data never change a record."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liuhen.app.usecases import signoff
from liuhen.app.usecases.roster import import_roster
from liuhen.domain.clock import FixedClock
from liuhen.domain.model import Staff
from liuhen.domain.records import Record
from liuhen.domain.roster import parse_roster
from liuhen.storage.database import Database
from tests.conftest import DEMO_ROSTER, premigrated

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CONFIG = signoff.Config(ZoneInfo("Asia/Shanghai"))


async def _setup(url: str) -> tuple[Database, list[Staff], int, list[str]]:
    clock = FixedClock(NOW)
    await premigrated(url)
    db = Database(url, now=clock.now)
    await db.migrate()
    court = await db.ensure_court("t", "测试法院", "court")
    assert court.id is not None
    roster = parse_roster(DEMO_ROSTER.read_text(encoding="utf-8"))
    await import_roster(db.uow(), court_id=court.id, roster=roster, clock=clock, actor="test")
    async with db.uow() as uow:
        people = list(await uow.staff.list(court.id))
        judge = next(s for s in people if s.staff_id == "j001")
        head = next(s for s in people if s.staff_id == "h001")
        assert judge.id is not None and head.id is not None
        record = Record(
            court_id=court.id,
            number="LH-2026-0001",
            recorder_id=judge.id,
            status="submitted",
            created_at=NOW,
            updated_at=NOW,
            last_evidence_at=NOW,
            answers={"intervener_name": "李书记", "content": "请关照"},
        )
        await uow.records.add(record)
        await uow.flush()
        record.submitted_at = NOW
        await signoff.submit(uow, record, judge, NOW, CONFIG, first=True)
        assert record.id is not None
        # Every button the department head's card and the recorder's news can carry.
        tokens = [
            b.token
            for row in await signoff.card_buttons(uow, head.id, record.id, "department_head", 1, None, NOW)
            for b in row
        ]
        await uow.commit()
    return db, people, record.id, tokens


async def _state(db: Database, record_id: int) -> tuple[str, object, int]:
    async with db.uow(read_only=True) as uow:
        record = await uow.records.get(record_id)
        assert record is not None
        return record.status, record.chain, len(record.chain.decisions if record.chain else [])


def test_seed004_s13_random_forged_and_foreign_callback_data_never_change_a_record(tmp_path: Path) -> None:
    with asyncio.Runner() as runner:
        db, people, record_id, tokens = runner.run(_setup(f"sqlite+aiosqlite:///{tmp_path / 't.db'}"))
        head = next(s for s in people if s.staff_id == "h001")
        others = [s for s in people if s.staff_id != "h001"]
        before = runner.run(_state(db, record_id))
        assert before[0] == "awaiting_department_head"

        @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            presser=st.sampled_from(others),
            token=st.one_of(
                st.sampled_from(tokens), st.text(max_size=70), st.from_regex(r"[A-Za-z0-9_-]{12}")
            ),
            forged_by_head=st.text(max_size=70),
        )
        def never_moves(presser: Staff, token: str, forged_by_head: str) -> None:
            # Someone else presses the head's real buttons (a forwarded card) or anything at all …
            runner.run(
                signoff.press(db.uow(), staff=presser, token=token, clock=FixedClock(NOW), config=CONFIG)
            )
            # … and the head presses data that is not one of their tokens.
            if forged_by_head not in tokens:
                runner.run(
                    signoff.press(
                        db.uow(), staff=head, token=forged_by_head, clock=FixedClock(NOW), config=CONFIG
                    )
                )
            assert runner.run(_state(db, record_id)) == before

        never_moves()
        # The real owner's real button still works: the tokens were valid all along.
        approve = tokens[0]
        result = runner.run(
            signoff.press(db.uow(), staff=head, token=approve, clock=FixedClock(NOW), config=CONFIG)
        )
        assert result.notice is signoff.Say.SUBMITTED
        assert runner.run(_state(db, record_id))[0] == "awaiting_vice_president"
        runner.run(db.dispose())
