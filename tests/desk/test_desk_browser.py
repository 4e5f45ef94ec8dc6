"""The whole path in a real browser (Debian's Chromium, driven by Playwright): the judge records in the
sandbox chat — a voice note after the call, then the message — the chain signs in the chat, the discipline
officer asks the chat for `/desk`, opens the link at the desk, finds the record among the court's, plays the
voice note, disposes of it, downloads the 登记表, and the quarter's dashboard counts it. axe-core finds no
serious or critical accessibility violation on the pages it passed through (seed 003 §12; seed 004 §13–§17).
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from liuhen.domain.periods import Quarter
from liuhen.web.server import build_app
from tests.bot.harness import Harness, start_harness, text_of
from tests.bot.signoff_flow import labels, submit_record
from tests.desk.console_world import voice_ogg
from tests.timeline import START

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(240)]
CHROMIUM = Path(os.environ.get("LIUHEN_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "desk"
LINK = re.compile(r"https?://\S+/signin/[A-Za-z0-9_-]{40,}")


def browser_ready() -> None:
    """Playwright's Python package and Debian's Chromium, or a failure that says what to install."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        pytest.fail("Playwright for Python is not installed: `pip install -e '.[web]'`")
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `bash scripts/ensure-system-deps.sh` as root")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


async def chat_signs(h: Harness, number: str, *officers: int) -> None:
    def card(m: dict[str, Any]) -> bool:
        return "【待签批" in text_of(m) and number in text_of(m) and "同意" in labels(m)

    for person in officers:
        m = await h.sim.wait_for(person, card, timeout=10)
        await h.sim.press(person, m["message_id"], text="同意")


async def the_court_at_the_desk(h: Harness, base: str) -> tuple[int, str, str]:
    """Four records signed by the chain, the last one with a voice note; the office's `/desk` link to the
    console at ``base``: (the judge, the number of the record with the voice note, the link)."""
    judge = await h.enrol("j001", "张法官")
    head = await h.enrol("h001", "李庭长")
    vice = await h.enrol("v001", "王副院长")
    office = await h.enrol("k001", "赵纪检")
    for n in range(3):  # the court's other records
        other = await submit_record(h, judge, f"第 {n} 件：请关照", intervener_name=f"路人{n}")
        await chat_signs(h, other, head, vice)
    await h.sim.send_file(judge, "voice", voice_ogg(1.5), mime_type="audio/ogg", duration=2)
    await h.sim.wait_for(judge, lambda m: "已留存证据 #1" in text_of(m) and "语音" in text_of(m), timeout=10)
    number = await submit_record(h, judge, "周局长打电话要求关照", intervener_name="周局长")
    await chat_signs(h, number, head, vice)
    sent = await h.sim.send_text(office, "/desk")
    reply = await h.sim.wait_for(
        office,
        lambda m: m["message_id"] > sent["message"]["message_id"] and "/signin/" in text_of(m),
        timeout=10,
    )
    found = LINK.search(text_of(reply))
    assert found
    return judge, number, base + found.group().split("127.0.0.1:1", 1)[1]  # this test's console


async def no_serious_violations(page: Any, name: str) -> None:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{name}: {results.generate_report()}"


async def test_seed004_the_officer_finds_plays_disposes_and_counts_a_record_at_the_desk(
    db_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright, expect

    browser_ready()
    server: TestServer | None = None
    async with start_harness(db_url, tmp_path, settings={"web_url": "http://127.0.0.1:1"}) as h:
        server = TestServer(build_app(h.runtime))
        await server.start_server()
        base = str(server.make_url("")).rstrip("/")
        judge, number, link = await the_court_at_the_desk(h, base)

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"], headless=True
            )
            context = await browser.new_context(
                viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
            )
            problems: list[str] = []
            context.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page = await context.new_page()
            page.set_default_timeout(15_000)
            try:
                await page.goto(link)
                await page.get_by_role("button", name="进入工作台").click()
                await expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
                await expect(page.locator("main")).to_contain_text(number)  # waiting for the office
                await no_serious_violations(page, "我的待办")

                await page.get_by_role("link", name="记录", exact=True).click()
                await expect(page.locator("tbody tr")).to_have_count(4)
                await no_serious_violations(page, "记录")
                await page.get_by_role("searchbox").fill("周局长")
                async with page.expect_response(lambda r: "/records?" in r.url) as answered:
                    await page.get_by_role("button", name="筛选").click()
                assert (await answered.value).request.headers.get("hx-request") == "true"  # the table only
                await expect(page.locator("tbody tr")).to_have_count(1)
                assert "q=" in page.url  # the address says what is shown: a link a colleague can open
                await page.get_by_role("link", name=number).click()
                await expect(page.get_by_role("heading", name=f"记录 {number}")).to_be_visible()

                # the voice note plays: the browser loads the WAV the worker wrote and knows its length
                audio = page.locator("audio")
                await expect(audio).to_have_count(1)
                duration = await audio.evaluate(
                    """a => new Promise(done => {
                        a.addEventListener("loadedmetadata", () => done(a.duration), {once: true});
                        a.load();
                    })"""
                )
                assert 1.3 < duration < 1.7, duration
                await no_serious_violations(page, "记录页")
                await page.screenshot(path=str(ARTIFACTS / "record.png"), full_page=True)

                await page.get_by_label("纳入季度汇总").check()
                await page.get_by_label("意见").fill("纳入季度汇总。")
                await page.get_by_role("button", name="处理").click()
                await expect(page.get_by_role("status")).to_contain_text("已签批：同意")
                await expect(page.locator("main")).to_contain_text("已归档")

                async with page.expect_download() as download:
                    await page.get_by_role("link", name="下载登记表（PDF）").click()
                path = await (await download.value).path()
                assert (await asyncio.to_thread(Path(path).read_bytes)).startswith(b"%PDF")

                quarter = Quarter.of(START.astimezone(h.runtime.settings.tz).date())
                await page.goto(f"{base}/quarterly?q={quarter.key}")
                await expect(page.locator("main")).to_contain_text("本季度共记录 4 件")
                # the charts: Apache ECharts, served by the app, drawn from the figures the tables show
                drawn = page.locator(".echart[data-drawn=true]")
                await expect(drawn.first).to_be_visible()
                assert await drawn.count() == await page.locator(".echart").count() >= 2
                await expect(drawn.first.locator("canvas").first).to_be_visible()
                await no_serious_violations(page, "季度汇总")
                await page.screenshot(path=str(ARTIFACTS / "quarterly.png"), full_page=True)
                assert not problems, problems  # no CSP violation, no script error
            finally:
                await context.close()
                await browser.close()
        await server.close()
        told = await h.bot_texts(judge)
        assert any(number in t and "纳入季度汇总" in t for t in told)  # the chat followed the desk
