"""Monthly reports on the real database (seed 003 §13, §20): planning is idempotent, the crash
recovery of the broadcast rows, who is skipped, one tap answers once, the compliance figures and flags,
need-to-know on `/monthly`, and `liuhen report monthly` as PDF and XLSX."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from liuhen.app.usecases import monthly
from liuhen.app.usecases.access import AccessDenied
from liuhen.app.usecases.roster import import_roster
from liuhen.domain.casezero import CaseZeroReport
from liuhen.domain.clock import FixedClock
from liuhen.domain.model import Staff
from liuhen.domain.monthly import Kind, Month, NewPrompt, Policy, Status
from liuhen.domain.records import Record
from liuhen.domain.roster import parse_roster
from liuhen.storage.database import Database
from liuhen.texts import labels
from tests.integration.conftest import cli_runner

TZ = ZoneInfo("Asia/Shanghai")
POLICY = Policy()
NOV = Month(2026, 11)
DEC1 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
ROSTER = """staff_id,name,department,position,role,phone,oversees,case_count
k001,赵主任,纪检监察室,主任,discipline,,,
a001,郑管理员,办公室,信息管理员,admin,,,
m001,吴统计,审判管理办公室,统计员,trial_management,,,
h001,李庭长,民事审判第一庭,庭长,dept_head,,,
j001,张法官,民事审判第一庭,审判员,staff,,,40
j002,钱法官,民事审判第一庭,审判员,staff,,,
h002,孙庭长,刑事审判庭,庭长,dept_head,,,
j003,周法官,刑事审判庭,审判员,staff,,,
"""


@pytest.fixture
async def court(db: Database) -> Database:
    court = await db.ensure_court("c", "测试县人民法院", "court")
    assert court.id == 1
    clock = FixedClock(datetime(2026, 5, 1, tzinfo=UTC))
    await import_roster(db.uow(), court_id=1, roster=parse_roster(ROSTER), clock=clock, actor="t")
    async with db.uow() as uow:
        for i, person in enumerate(await uow.staff.list(1)):
            if person.staff_id != "j003":  # j003 never enrols
                person.telegram_user_id = person.telegram_chat_id = 90000 + i
        await uow.commit()
    return db


async def person(db: Database, staff_id: str) -> Staff:
    async with db.uow(read_only=True) as uow:
        found = await uow.staff.by_staff_id(1, staff_id)
        assert found is not None
        return found


async def rows(db: Database, month: str = "2026-11") -> dict[tuple[str, str], str]:
    async with db.uow(read_only=True) as uow:
        ids = {s.id: s.staff_id for s in await uow.staff.list(1)}
        return {(ids[p.staff_pk], p.kind): p.state for p in await uow.monthly.prompts(1, [month])}


async def plan(db: Database, kind: Kind = Kind.PROMPT, now: datetime = DEC1, month: Month = NOV) -> int:
    return await monthly.plan(db.uow(), court_id=1, month=month, kind=kind, now=now, tz=TZ, policy=POLICY)


async def send_all(db: Database, now: datetime = DEC1) -> list[monthly.Outgoing]:
    sent = []
    for p in await monthly.pending(db.uow(), court_id=1):
        o = await monthly.begin_send(db.uow(), prompt_id=p.id, now=now, tz=TZ, policy=POLICY)
        if o is not None:
            await monthly.delivered(db.uow(), prompt_id=p.id, message_id=p.id, now=now)
            sent.append(o)
    return sent


async def answer(
    db: Database, staff_id: str, o: monthly.Outgoing, choice: str, now: datetime = DEC1
) -> monthly.PressResult:
    token = dict(o.buttons)[choice]
    return await monthly.press(
        db.uow(), staff=await person(db, staff_id), token=token, now=now, tz=TZ, policy=POLICY
    )


async def add_record(
    db: Database,
    staff_id: str,
    happened: str,
    case: str | None = None,
    n: int = 1,
    *,
    status: str = "submitted",
    submitted: bool = False,
) -> None:
    """A record of ``staff_id`` made when it ``happened``; with ``submitted``, first submitted then too."""
    who = await person(db, staff_id)
    assert who.id is not None
    at = datetime.fromisoformat(happened)
    async with db.uow() as uow:
        await uow.records.add(
            Record(
                court_id=1,
                number=f"LH-2026-{n:04d}",
                recorder_id=who.id,
                status=status,
                created_at=at,
                updated_at=at,
                last_evidence_at=at,
                answers={"intervention_time": happened, **({"case_number": case} if case else {})},
                submitted_at=at if submitted else None,
            )
        )
        await uow.commit()


async def test_planning_is_idempotent_and_late_enrolment_is_caught_up(court: Database) -> None:
    assert await plan(court) == 8
    assert await plan(court) == 0  # unique (person, month, kind): planning again adds nothing
    before = await rows(court)
    assert before[("j003", "prompt")] == "unreachable" and before[("j001", "prompt")] == "pending"
    async with court.uow() as uow:
        j003 = await uow.staff.by_staff_id(1, "j003")
        assert j003 is not None
        j003.telegram_user_id = j003.telegram_chat_id = 99999
        await uow.commit()
    assert await plan(court) == 1  # enrolled since: asked after all
    assert (await rows(court))[("j003", "prompt")] == "pending"


async def test_a_second_planner_at_the_same_time_adds_only_the_rows_not_planned_yet(court: Database) -> None:
    """Two instances planning the same month at once: one row per person, month and kind (seed 003 §13:
    one prompt each), and each planner counts only the rows it added."""
    first, second = await person(court, "j001"), await person(court, "j002")
    assert first.id is not None and second.id is not None

    def row(pk: int) -> NewPrompt:
        return NewPrompt(1, pk, "2026-11", Kind.PROMPT.value, "pending", 90001, DEC1)

    async with court.uow() as uow:
        assert await uow.monthly.add_prompts([row(first.id)]) == 1
        await uow.commit()
    async with court.uow() as uow:  # the other planner read the states before the first one's row
        assert await uow.monthly.add_prompts([row(first.id), row(second.id)]) == 1
        await uow.commit()
    assert await rows(court) == {("j001", "prompt"): "pending", ("j002", "prompt"): "pending"}


async def test_a_few_rows_are_begun_and_delivered_together(court: Database) -> None:
    """The broadcast's workers begin a few rows in one transaction: who no longer needs asking is left out,
    the others are `sending` in order; their deliveries are committed together, and rows a stopping
    sender never sent are pending again (seed 003 §13: nobody missed, nobody asked twice)."""
    await plan(court)
    pending = await monthly.pending(court.uow(), court_id=1)
    async with court.uow() as uow:
        j002 = await uow.staff.by_staff_id(1, "j002")
        assert j002 is not None
        j002.active = False  # left the court after the planning
        await uow.commit()
    begun = await monthly.begin_send_many(
        court.uow(), prompt_ids=[p.id for p in pending], now=DEC1, tz=TZ, policy=POLICY, sender="ours"
    )
    expected = [p.id for p in pending if p.staff_pk != j002.id]
    assert [o.prompt_id for o in begun] == expected and all(o.buttons for o in begun)
    assert (await rows(court))[("j002", "prompt")] == "skipped"
    first, rest = begun[0].prompt_id, expected[1:]
    await monthly.delivered_many(court.uow(), sent=[(first, 4242)], now=DEC1)
    await monthly.release(court.uow(), prompt_ids=rest, now=DEC1)
    async with court.uow(read_only=True) as uow:
        after = {p.id: p for p in await uow.monthly.prompts(1, ["2026-11"])}
    assert after[first].state == "sent" and after[first].message_id == 4242
    assert all(after[pk].state == "pending" for pk in rest)  # never sent: asked again, once
    again = await monthly.begin_send_many(
        court.uow(), prompt_ids=[first, *rest], now=DEC1, tz=TZ, policy=POLICY
    )
    assert [o.prompt_id for o in again] == rest  # the sent one is not begun twice


async def test_recovery_sends_again_only_what_never_left_the_process(court: Database) -> None:
    await plan(court)
    ids = [p.id for p in await monthly.pending(court.uow(), court_id=1)]
    for pk in ids[:5]:
        sender = "other" if pk == ids[4] else "ours"  # ids[4]: marked by another instance
        begun = await monthly.begin_send(
            court.uow(), prompt_id=pk, now=DEC1, tz=TZ, policy=POLICY, sender=sender
        )
        assert begun is not None
    # the process died: ids[0] had left it, ids[1] had not, ids[2] is being sent by us now, ids[3] is done
    await monthly.delivered(court.uow(), prompt_id=ids[3], message_id=7, now=DEC1)
    again, unknown = await monthly.recover(
        court.uow(), court_id=1, now=DEC1, busy={ids[2]}, wires={"ours": {ids[0]}}
    )
    assert (again, unknown) == (1, 2)
    async with court.uow(read_only=True) as uow:
        states = {pk: (await uow.monthly.get_prompt(pk)).state for pk in ids[:5]}  # type: ignore[union-attr]
    assert states == {
        ids[0]: "unknown",  # it left: maybe delivered, never again
        ids[1]: "pending",  # it never left: Telegram cannot have it, sent again
        ids[2]: "sending",
        ids[3]: "sent",
        ids[4]: "unknown",  # another sender's log is not here: nothing can be known
    }
    # without any wire log (a reboot), nothing can be known: at most once
    assert await monthly.recover(court.uow(), court_id=1, now=DEC1) == (0, 1)


async def test_reminders_skip_who_answered_recorded_or_left(court: Database) -> None:
    await add_record(court, "j002", "2026-11-20T02:00:00+00:00")
    await plan(court)
    sent = {o.chat_id: o for o in await send_all(court)}
    zhang = await person(court, "j001")
    assert zhang.telegram_chat_id is not None
    await answer(court, "j001", sent[zhang.telegram_chat_id], "zero")
    async with court.uow() as uow:  # h002 leaves the roster before the reminder
        h002 = await uow.staff.by_staff_id(1, "h002")
        assert h002 is not None
        h002.active = False
        await uow.commit()
    remind_at = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    await plan(court, Kind.REMIND, remind_at)
    planned = await rows(court)
    assert planned[("j001", "remind")] == "skipped"  # answered
    assert planned[("j002", "remind")] == "skipped"  # has a record of November
    assert ("j003", "remind") not in planned  # never reached: no reminder either
    reminders = await send_all(court, remind_at)
    names = {o.chat_id for o in reminders}
    assert zhang.telegram_chat_id not in names and len(reminders) == 4  # k001, a001, m001, h001
    assert (await rows(court))[("h002", "remind")] == "skipped"
    # after the deadline no reminder is sent even if one was planned
    await plan(court, Kind.FINAL, datetime(2026, 12, 6, 1, 0, tzinfo=UTC))
    assert await send_all(court, datetime(2026, 12, 8, 1, 0, tzinfo=UTC)) == []


async def test_one_tap_answers_once_and_only_for_its_owner(court: Database) -> None:
    await plan(court)
    sent = {o.chat_id: o for o in await send_all(court)}
    zhang, qian = await person(court, "j001"), await person(court, "j002")
    assert zhang.telegram_chat_id is not None
    o = sent[zhang.telegram_chat_id]
    token = dict(o.buttons)["zero"]
    stolen = await monthly.press(court.uow(), staff=qian, token=token, now=DEC1, tz=TZ, policy=POLICY)
    assert stolen.outcome == "forbidden"
    first = await answer(court, "j001", o, "zero")
    assert first.outcome == "ok" and not first.late
    second = await answer(court, "j001", o, "has", DEC1 + timedelta(hours=1))
    assert second.outcome == "already" and second.answer is not None and second.answer.answer == "zero"
    async with court.uow(read_only=True) as uow:
        conversation = await uow.conversations.get(zhang.id or 0)
        assert conversation.force_new_draft  # [有，去记录] still opens a fresh draft
        entries = [e for e in await uow.ledger.entries() if e.action == "monthly.answer"]
    assert len(entries) == 1 and entries[0].object_id == "j001" and entries[0].payload["answer"] == "zero"


async def test_compliance_and_suspicious_zero_reports(court: Database) -> None:
    """Six months of zero reports with many cases (roster case_count for j001; per-case zero reports for
    j002) are flagged for the discipline office (seed 003 §20)."""
    months = NOV.back(6)
    for i, m in enumerate(months):
        asked = datetime(m.next().year, m.next().month, 2, 1, 0, tzinfo=UTC)
        await plan(court, now=asked, month=m)
        for o in await send_all(court, asked):
            chat_owner = {
                p.telegram_chat_id: p.staff_id
                for p in [await person(court, s) for s in ("j001", "j002", "h001")]
            }
            who = chat_owner.get(o.chat_id)
            if who in ("j001", "j002") or (who == "h001" and i < 5):
                await answer(court, who, o, "zero", asked)
    async with court.uow() as uow:
        j002 = await uow.staff.by_staff_id(1, "j002")
        assert j002 is not None and j002.id is not None
        for n in range(12):
            await uow.case_zero.add(
                CaseZeroReport(
                    1,
                    j002.id,
                    f"（2026）豫0825民初{n + 1}号",
                    "confirmed",
                    "…",
                    datetime(2026, 9, 1, tzinfo=UTC),
                )
            )
        await uow.commit()
    c = await monthly.compliance(
        court.uow(), court_id=1, month=NOV, now=datetime(2026, 12, 8, tzinfo=UTC), tz=TZ, policy=POLICY
    )
    by_name = {p.name: p for d in c.departments for p in d.people}
    assert by_name["张法官"].status is Status.ZERO and by_name["李庭长"].status is Status.MISSED
    assert by_name["周法官"].status is Status.UNREACHABLE and (
        labels.delivery(by_name["周法官"].delivery or "") == "未登记机器人"
    )
    assert c.totals()[Status.ZERO] == 2 and c.people == 8 and c.final
    flags = {(f.kind, f.key): f.cases for f in c.flags}
    # the department: nobody recorded anything in six months, zero reports every month, 52 cases
    assert flags == {("person", "j001"): 40, ("person", "j002"): 12, ("department", "民事审判第一庭"): 52}


async def test_monthly_view_is_need_to_know(court: Database) -> None:
    await plan(court)
    await send_all(court)
    kwargs = {"month": NOV, "now": DEC1, "tz": TZ, "policy": POLICY}
    head = await monthly.view(court.uow(), staff=await person(court, "h001"), **kwargs)  # type: ignore[arg-type]
    assert [d.name for d in head.departments] == ["民事审判第一庭"] and not head.flags
    admin = await monthly.view(court.uow(), staff=await person(court, "a001"), **kwargs)  # type: ignore[arg-type]
    assert len(admin.departments) == 5
    counts = await monthly.view(court.uow(), staff=await person(court, "m001"), **kwargs)  # type: ignore[arg-type]
    assert counts.counts_only
    with pytest.raises(AccessDenied):
        await monthly.view(court.uow(), staff=await person(court, "j001"), **kwargs)  # type: ignore[arg-type]
    async with court.uow(read_only=True) as uow:
        reads = [(e.actor, e.action) for e in await uow.ledger.entries() if e.object_type == "summary"]
    assert ("staff:h001", "summary.read") in reads and ("staff:j001", "summary.read_denied") in reads


def test_report_monthly_cli_writes_pdf_and_xlsx(db_url: str, tmp_path: Path) -> None:
    cli = cli_runner(db_url, tmp_path, timeout=120)

    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    assert cli("org", "import", str(roster)).returncode == 0
    pdf_out, xlsx_out = tmp_path / "通报.pdf", tmp_path / "通报.xlsx"
    done = cli("report", "monthly", "2026-11", "-o", str(pdf_out))
    assert done.returncode == 0, done.stderr
    assert "应报 8 人" in done.stdout and pdf_out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf_out), "-"], capture_output=True, text=True, check=True).stdout
    assert "2026年11月月报告执行情况通报" in "".join(text.split()) and "张法官" in text
    assert cli("report", "monthly", "2026-11", "-o", str(xlsx_out)).returncode == 0
    sheets = load_workbook(xlsx_out).sheetnames
    assert sheets == ["按部门", "人员明细", "重点关注"]
    head = cli("report", "monthly", "2026-11", "-o", str(xlsx_out), "--as", "h001")
    assert head.returncode == 0 and "应报 3 人" in head.stdout  # his department only
    denied = cli("report", "monthly", "2026-11", "-o", str(pdf_out), "--as", "j001")
    assert denied.returncode != 0 and "无权" in denied.stderr
    bad = cli("report", "monthly", "2026-13", "-o", str(pdf_out))
    assert bad.returncode != 0 and "月份格式不对" in bad.stderr
    wrong = cli("report", "monthly", "2026-11", "-o", str(tmp_path / "x.doc"))
    assert wrong.returncode != 0 and ".pdf 或 .xlsx" in wrong.stderr


async def test_a_draft_begun_before_the_month_counts_in_the_month_of_its_intervention(
    court: Database,
) -> None:
    """A record counts in the month its intervention happened (seed 003 §13: 每月报告). j002 began the draft
    in October and answered it in November with an intervention of November: November's reminder skips him
    and the compliance table counts his record, though the court's query reads only the records changed
    since the month began."""
    qian = await person(court, "j002")
    assert qian.id is not None
    async with court.uow() as uow:
        await uow.records.add(
            Record(
                court_id=1,
                number="LH-2026-0007",
                recorder_id=qian.id,
                status="submitted",
                created_at=datetime(2026, 10, 25, 2, 0, tzinfo=UTC),  # the draft, begun in October
                updated_at=datetime(2026, 11, 21, 2, 0, tzinfo=UTC),  # answered and submitted in November
                last_evidence_at=datetime(2026, 10, 25, 2, 0, tzinfo=UTC),
                answers={"intervention_time": "2026-11-20T02:00:00+00:00"},
            )
        )
        await uow.commit()
    await add_record(court, "j001", "2025-11-20T02:00:00+00:00", n=8)  # a year before: not November's
    await plan(court)
    await send_all(court)
    await plan(court, Kind.REMIND, datetime(2026, 12, 4, 1, 0, tzinfo=UTC))
    planned = await rows(court)
    assert planned[("j002", "remind")] == "skipped" and planned[("j001", "remind")] == "pending"
    c = await monthly.compliance(
        court.uow(), court_id=1, month=NOV, now=datetime(2026, 12, 4, 2, 0, tzinfo=UTC), tz=TZ, policy=POLICY
    )
    by_name = {p.name: p for d in c.departments for p in d.people}
    assert by_name["钱法官"].status is Status.RECORDS and by_name["钱法官"].records == 1
    assert by_name["张法官"].records == 0


async def test_the_form_copys_count_of_the_year_is_the_local_years(court: Database) -> None:
    """The registration form's copy says which of the year's records it is (seed 002 §6, §8): counted by the
    database, in the court's own year (Beijing's new year is 16:00 UTC on 31 December)."""
    times = [
        datetime(2025, 12, 31, 15, 59, tzinfo=UTC),  # 2025 in Beijing
        datetime(2025, 12, 31, 16, 0, tzinfo=UTC),  # 2026-01-01 00:00 in Beijing
        datetime(2026, 6, 1, tzinfo=UTC),
        datetime(2026, 12, 31, 16, 0, tzinfo=UTC),  # 2027 in Beijing
    ]
    for n, at in enumerate(times):
        await add_record(court, "j001", at.isoformat(), n=n + 20, submitted=True)
    await add_record(court, "j001", times[2].isoformat(), n=30, status="draft")  # a draft is not counted
    async with court.uow(read_only=True) as uow:
        years = [(datetime(y, 1, 1, tzinfo=TZ), datetime(y + 1, 1, 1, tzinfo=TZ)) for y in (2025, 2026, 2027)]
        counts = [await uow.records.count_submitted(1, since, until) for since, until in years]
    assert counts == [1, 2, 1]
