"""Documents in the chat: `/form NUMBER` for the recorder and the people of the chain, denied to
anyone else; `/quarterly` for the discipline office; the reminder to send the summary within five days after
the quarter ends (seed 002 §7)."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.bot.harness import Harness, start_harness, text_of
from tests.pdftext import pdf_text
from tests.report_seed import INTERVENER, NUMBER, seed_signed_record


def has_document(m: dict[str, Any]) -> bool:
    return bool(m.get("from_bot") and m.get("document"))


async def received_document(h: Harness, user: int) -> tuple[dict[str, Any], bytes]:
    message = await h.sim.wait_for(user, has_document, timeout=20)
    return message, await h.sim.download(message["document"]["file_id"])


async def test_form_for_recorder_and_chain_officer_and_denied_to_others(db_url: str, tmp_path: Path) -> None:
    async with start_harness(db_url, tmp_path) as h:
        await seed_signed_record(h.runtime.db, h.runtime.store)
        recorder = await h.enrol("j001", "张法官")
        head = await h.enrol("h001", "李庭长")
        stranger = await h.enrol("j002", "钱法官")

        for user in (recorder, head):
            await h.sim.send_text(user, f"/form {NUMBER.lower()}")
            message, data = await received_document(h, user)
            assert NUMBER in text_of(message) and "审计日志" in text_of(message)
            assert message["document"]["file_name"] == f"registration-{NUMBER}.pdf"
            text = await asyncio.to_thread(pdf_text, data, tmp_path)
            assert INTERVENER in text and "情况属实，同意上报" in text and "纪检监察机构留存" in text

        denied = await h.say(stranger, f"/form {NUMBER}")
        while "正在生成" in text_of(denied):
            denied = await h.reply_after(stranger, denied["message_id"])
        assert "未找到该记录，或您无权查看" in text_of(denied)
        assert not [m for m in await h.sim.chat(stranger) if m.get("document")]

        usage = await h.say(recorder, "/form")
        assert "用法：/form 记录编号" in text_of(usage)


async def test_quarterly_for_the_discipline_office_and_its_reminder(db_url: str, tmp_path: Path) -> None:
    async with start_harness(db_url, tmp_path, settings={"reminder_check_seconds": 0.2}) as h:
        await seed_signed_record(h.runtime.db, h.runtime.store)
        discipline = await h.enrol("k001", "赵主任")
        judge = await h.enrol("j001", "张法官")

        await h.sim.send_text(discipline, "/quarterly 2026Q4")
        pdf_message, pdf = await received_document(h, discipline)
        assert pdf_message["document"]["file_name"] == "quarterly-2026Q4.pdf" and pdf.startswith(b"%PDF")
        xlsx_message, xlsx = await received_document(h, discipline)
        assert xlsx_message["document"]["file_name"] == "quarterly-2026Q4.xlsx"
        wb = await asyncio.to_thread(load_workbook, io.BytesIO(xlsx))
        assert wb["概况"]["B3"].value == 1

        refused = await h.say(judge, "/quarterly")
        while "正在生成" in text_of(refused):
            refused = await h.reply_after(judge, refused["message_id"])
        assert "无权查看该汇总" in text_of(refused)

        # 2027-01-02 10:00 in Beijing: the 2026Q4 summary is due by 01-05 (seed 002 §7)
        h.clock.set(datetime(2027, 1, 2, 2, 0, tzinfo=UTC))
        reminder = await h.sim.wait_for(discipline, "请于 2027年01月05日 前报送2026年第四季度", timeout=10)
        assert "/quarterly 2026Q4" in text_of(reminder)
        await h.jobs_ran("reminders")  # another whole run of the job: still one reminder
        texts = [text_of(m) for m in await h.sim.chat(discipline) if m.get("from_bot")]
        assert sum("请于 2027年01月05日" in t for t in texts) == 1
        assert not [t for t in await h.bot_texts(judge) if "报送" in t]
