"""Per-case zero reports through the real bot (seed 004 §16 and the 逐案报告 text at the end of seed
004): the officer names the case, confirms the filled statement, the department head confirms it, and the
officer gets the PDF for the case file; a case with the officer's own records needs an acknowledgement."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from liuhen.app.usecases import courts
from liuhen.domain.records import Record
from tests.bot.harness import Harness, start_harness, text_of
from tests.pdftext import pdf_text

CASE = "（2026）豫0825民初123号"
STATEMENT = f"本人承办{CASE}案件以来，没有出现领导干部干预、插手和司法机关内部人员过问案件的情况。"


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


def on_case(court_id: int, number: str, recorder: int, status: str, case: str) -> Record:
    """A record of ``recorder`` naming ``case``, made before the zero report is asked for."""
    at = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    return Record(
        court_id=court_id,
        number=number,
        recorder_id=recorder,
        status=status,
        created_at=at,
        updated_at=at,
        last_evidence_at=at,
        answers={"case_number": case},
    )


def buttons(m: dict[str, Any]) -> list[str]:
    return [b["text"] for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def test_zero_report_confirmed_by_the_department_head(h: Harness, tmp_path: Path) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    ask = await h.say(judge, "/casezero")
    assert "请发送您承办案件的案号" in text_of(ask)
    again = await h.say(judge, "不记得了")
    assert "没有认出案号" in text_of(again)  # asked again, nothing lost
    draft = await h.say(judge, "(2026) 豫0825 民初 123")  # forgiving input, normalised
    assert STATEMENT in text_of(draft) and "报告人：张法官" in text_of(draft)
    assert buttons(draft) == ["确认提交", "取消"]

    await h.sim.press(judge, draft["message_id"], text="确认提交")
    await h.sim.wait_for(judge, "已提交，待部门负责人 李庭长 确认", timeout=10)
    card = await h.sim.wait_for(head, "【逐案零报告待确认】", timeout=10)
    assert "张法官（民事审判第一庭）承办" + CASE in text_of(card) and STATEMENT in text_of(card)
    assert buttons(card) == ["确认", "有异议"]

    outsider = await h.enrol("j002", "钱法官")  # someone else's button does nothing
    forged = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert "无效" in await h.answer_to_press(outsider, card["message_id"], forge=True, data=forged)

    await h.sim.press(head, card["message_id"], text="确认")
    await h.sim.wait_for(head, "已确认逐案零报告", timeout=10)
    await h.sim.wait_for(judge, "已由李庭长确认", timeout=10)
    document = await h.sim.wait_for(judge, lambda m: "document" in m, timeout=15)
    assert document["document"]["file_name"].startswith("逐案零报告-LZ-2026-")
    text = pdf_text(await h.sim.download(document["document"]["file_id"]), tmp_path)
    assert "干预、插手、过问案件情况逐案报告" in text and STATEMENT in text and "特此报告。" in text
    assert "报告人：张法官" in text and "部门负责人：李庭长" in text and "报告时间：2026年11月23日" in text
    # seed 004 §16: 确认后随案入卷 — the officer is asked to put it into the case file and say where
    task = await h.sim.wait_for(
        judge, lambda m: "【待入卷】" in text_of(m) and "逐案零报告" in text_of(m), timeout=10
    )
    assert CASE in text_of(task) and "已经部门负责人确认" in text_of(task)

    # the same case again: already reported
    again = await h.say(judge, f"/casezero {CASE}")
    assert "已就" in text_of(again) and "无需重复提交" in text_of(again)


async def test_a_case_with_own_records_needs_an_acknowledgement_and_the_head_may_object(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    rt = h.runtime
    async with rt.db.uow() as uow:
        staff = await uow.staff.by_staff_id(rt.court_id, "j001")
        assert staff is not None and staff.id is not None
        await uow.records.add(on_case(rt.court_id, "LH-2026-0009", staff.id, "submitted", CASE))
        await uow.commit()
    draft = await h.say(judge, f"/casezero {CASE}")
    assert "您在本案有 1 件记录：LH-2026-0009" in text_of(draft)
    assert buttons(draft) == ["我已知悉，仍提交", "取消"]
    await h.sim.press(judge, draft["message_id"], text="我已知悉，仍提交")
    card = await h.sim.wait_for(head, "【逐案零报告待确认】", timeout=10)
    assert "报告人已知悉其在本案的记录：LH-2026-0009" in text_of(card)

    await h.sim.press(head, card["message_id"], text="有异议")
    await h.sim.wait_for(head, "请直接发送一段文字说明理由", timeout=10)
    await h.sim.wait_for(judge, "提出异议", timeout=10)
    noted = await h.say(head, "该案记录显示有人过问，零报告不实")
    assert "异议说明已记录" in text_of(noted)
    note = await h.sim.wait_for(judge, "异议说明：该案记录显示有人过问，零报告不实", timeout=10)
    assert "李庭长" in text_of(note)


async def test_the_report_counts_the_courts_other_records_on_the_case_and_shows_only_the_officers_own(
    h: Harness,
) -> None:
    """Seed 004 §16 with seed 003 §12: the officer acknowledges their own records on the case; records that
    colleagues of the same court made on it (a draft counts: it is on file) are only counted, for the
    discipline office; another case, or the same case number in another court, is not counted."""
    judge = await h.enrol("j001", "张法官")
    await h.enrol("h001", "李庭长")
    await h.enrol("j002", "钱法官")
    rt = h.runtime
    other = await courts.add_court(
        rt.db.uow(),
        code="zm",
        name="中牟县人民法院",
        parent_code=None,
        deadline_profile="court",
        clock=h.clock,
        actor="test",
    )
    async with rt.db.uow() as uow:
        mine = await uow.staff.by_staff_id(rt.court_id, "j001")
        theirs = await uow.staff.by_staff_id(rt.court_id, "j002")
        assert mine is not None and mine.id is not None and theirs is not None and theirs.id is not None
        for record in (
            on_case(rt.court_id, "LH-2026-0007", mine.id, "submitted", "（2026）豫0825民初999号"),
            on_case(rt.court_id, "LH-2026-0008", theirs.id, "draft", CASE),
            on_case(rt.court_id, "LH-2026-0009", mine.id, "submitted", CASE),
            on_case(rt.court_id, "LH-2026-0010", theirs.id, "submitted", "（2026）豫0825民初999号"),
            on_case(other.id, "LH-2026-0011", theirs.id, "submitted", CASE),
        ):
            await uow.records.add(record)
        await uow.commit()
    draft = await h.say(judge, f"/casezero {CASE}")
    assert "您在本案有 1 件记录：LH-2026-0009" in text_of(draft)
    assert "LH-2026-0008" not in text_of(draft)  # a colleague's record is not revealed
    await h.sim.press(judge, draft["message_id"], text="我已知悉，仍提交")
    await h.sim.wait_for(judge, "已提交", timeout=10)
    async with rt.db.uow() as uow:
        (report,) = await uow.case_zero.for_officer(mine.id, CASE)
    assert report.acknowledged == ["LH-2026-0009"]
    assert report.extra["other_records"] == 1
