"""The need-to-know world: the demo court's roster and four records in different relations to its people,
shared by the matrix of the read paths (CLI, bot) and the desk console's matrix over HTTP (seed 003 §12)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from liuhen.app.usecases import signoff
from liuhen.app.usecases.roster import import_roster
from liuhen.domain.clock import FixedClock
from liuhen.domain.records import Record
from liuhen.domain.roster import parse_roster
from liuhen.storage.database import Database
from tests.conftest import DEMO_ROSTER, premigrated

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Shanghai")

# Who may read what, written out from the rules (not computed by the policy under test). The discipline
# office (k001) and trial management's statistics officer (m001) read every submitted record of the court:
# the form goes to both within three days of recording (seed 002 §6, §8).
EXPECTED = {
    # 张法官's record waiting at his department head: recorder, chain (李庭长, 王副院长), the two offices.
    "LH-2026-0001": {"j001", "h001", "v001", "k001", "m001"},
    # 张法官's draft: his alone.
    "LH-2026-0002": {"j001"},
    # 钱法官 (刑事审判庭): his head 孙庭长, 王副院长 who oversees that department, the two offices.
    "LH-2026-0003": {"j002", "h002", "v001", "k001", "m001"},
    # 张法官's record about his own head 李庭长: the head is skipped and may not read it (回避).
    "LH-2026-0004": {"j001", "v001", "k001", "m001"},
}


async def access_world(url: str, clock: FixedClock | None = None) -> Database:
    clock = clock or FixedClock(NOW)
    await premigrated(url)
    db = Database(url, now=clock.now)
    await db.migrate()
    court = await db.ensure_court("t", "测试法院", "court")
    assert court.id is not None
    roster = parse_roster(DEMO_ROSTER.read_text(encoding="utf-8"))
    await import_roster(db.uow(), court_id=court.id, roster=roster, clock=clock, actor="test")
    async with db.uow() as uow:
        people = {s.staff_id: s for s in await uow.staff.list(court.id)}
        plans = [
            ("LH-2026-0001", "j001", "李书记", True),
            ("LH-2026-0002", "j001", "李书记", False),
            ("LH-2026-0003", "j002", "王律师", True),
            ("LH-2026-0004", "j001", "李庭长", True),
        ]
        for number, recorder_id, intervener, submit in plans:
            recorder = people[recorder_id]
            assert recorder.id is not None
            record = Record(
                court_id=court.id,
                number=number,
                recorder_id=recorder.id,
                status="draft",
                created_at=NOW,
                updated_at=NOW,
                last_evidence_at=NOW,
                answers={
                    "intervener_name": intervener,
                    "content": "请关照",
                    "case_number": "（2026）豫0825民初1号",
                },
            )
            await uow.records.add(record)
            await uow.flush()
            if submit:
                record.submitted_at = NOW
                await signoff.submit(uow, record, recorder, NOW, signoff.Config(TZ), first=True)
        await uow.commit()
    return db
