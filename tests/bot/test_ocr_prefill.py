"""A WeChat screenshot alone pre-fills the questions: after the receipt the bot reads the picture
with offline OCR in the background; the case number and the chat partner's name it finds are offered as
one-tap buttons."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from liuhen.app import inspection
from liuhen.app.usecases.records import list_records
from liuhen.texts import common as texts
from tests.bot.harness import Harness, start_harness
from tests.bot.test_questions import press, title, type_answer
from tests.integration.test_ocr import CASE, SENDER, wechat_bubble
from tests.waiting import until

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 13), reason="rapidocr-onnxruntime (the ocr extra) is for Python < 3.13"
)


@pytest.fixture
async def h(db_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    async with start_harness(db_url, tmp_path) as harness:
        yield harness


async def inspection_with_text(h: Harness, record_id: int, seconds: float = 60) -> dict[str, Any]:
    """The evidence's inspection once the background OCR has added its text."""

    async def read() -> dict[str, Any] | None:
        async with h.runtime.db.uow(read_only=True) as uow:
            [evidence] = await uow.evidence.for_record(record_id)
        inspection = dict(evidence.inspection or {})
        return inspection if "ocr_text" in inspection else None

    return await until(read, timeout=seconds, what="the screenshot's OCR text", every=0.2)


async def test_screenshot_alone_offers_the_case_number_and_the_name_it_shows(h: Harness) -> None:
    judge = await h.enrol("j001", "张法官")
    sent = await h.sim.send_file(judge, "photo", wechat_bubble())
    receipt = await h.reply_after(judge, sent["message"]["message_id"])
    [record] = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
    inspection = await inspection_with_text(h, record["id"])
    assert CASE.removesuffix("号") in inspection.get("ocr_text", ""), inspection
    assert inspection["ocr_engine"].startswith("rapidocr-onnxruntime") and inspection["ocr_title"] == SENDER

    await h.sim.press(judge, receipt["message_id"], text=texts.BUTTON_FILL)
    m = await h.reply_after(judge, receipt["message_id"])
    earlier = (h.clock.now() - timedelta(hours=1)).astimezone(h.runtime.settings.tz)
    by_button = {"记录类型": "外部人员过问"}
    typed = {"过问时间": earlier.strftime("%m-%d %H:%M"), "过问人单位及职务": "某县招商局 局长"}
    for _ in range(20):
        t = title(m)
        if t in by_button:
            m = await press(h, judge, m, by_button[t])
        elif t in typed:
            m = await type_answer(h, judge, typed[t])
        elif t == "过问人姓名":
            m = await press(h, judge, m, f"✓ {SENDER}")  # the chat's title in the screenshot, one tap
        elif t == "是否有以下情形":
            m = await press(h, judge, m, "完成")
        elif t == "案由或案件名称":
            break  # the case number was not asked: the screenshot told it
        else:
            raise AssertionError(f"unexpected question {t!r}: {m.get('text')}")
    else:
        raise AssertionError("the cause was never asked")
    async with h.runtime.db.uow(read_only=True) as uow:
        stored = await uow.records.get(record["id"])
    assert stored is not None
    assert stored.answers["case_number"] == CASE and stored.answers["intervener_name"] == SENDER
    assert "case_number" in stored.answers["_inferred"]  # marked until the submission confirms it
    assert stored.answers["method"] == "wechat"  # a chat screenshot (seed 001 实施办法 §4)


async def test_an_image_the_process_did_not_inspect_before_it_stopped_is_inspected_later(h: Harness) -> None:
    """The evidence rows are the inspection queue: an image left uninspected (the process stopped after the
    receipt) is inspected — thumbnail and OCR text — by the scheduled job once the live path's time has
    passed."""
    judge = await h.enrol("j001", "张法官")
    sent = await h.sim.send_file(judge, "photo", wechat_bubble())
    await h.reply_after(judge, sent["message"]["message_id"])
    [record] = await list_records(h.runtime.db.uow(read_only=True), court_id=h.runtime.court_id)
    await inspection_with_text(h, record["id"])  # the live path's work, now undone as if it never ran:
    async with h.runtime.db.uow() as uow:
        [evidence] = await uow.evidence.for_record(record["id"])
        evidence.inspection = None
        await uow.commit()
    h.clock.set(h.clock.now() + inspection.GRACE + timedelta(seconds=1))
    assert await inspection.inspect_pending(h.runtime) == 1
    redone = await inspection_with_text(h, record["id"], seconds=5)
    assert CASE.removesuffix("号") in redone["ocr_text"] and redone["thumbnail_sha256"]
    assert await inspection.inspect_pending(h.runtime) == 0  # nothing left: done once
