"""The demo's browser chat page (issue 10) in Debian's headless Chromium, driven with Playwright for Python.

`liuhen demo --port 0` runs as a subprocess with its data in a temporary folder; the test plays the
newcomer (enrolment with the printed code) and the judge (forward a prepared message, send the sample
screenshot, press 开始补充), checks the side panel, and downloads a document the bot sends. A
screenshot of each step goes to test-artifacts/web/. Playwright's own browser download is never used:
Chromium comes from Debian (`scripts/ensure-system-deps.sh` installs it); without it, or without the
`playwright` package, the test fails and says what to install.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from liuhen.bot.demo import DEMO_PEOPLE, DEMO_TOKEN
from tests.web.demo_proc import Demo, running_demo

CHROMIUM = Path(os.environ.get("LIUHEN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
STEP_TIMEOUT_MS = 15_000
RECORD_NUMBER = re.compile(r"LH-\d{4}-\d{4}")

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with running_demo(tmp_path_factory.mktemp("demo")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright for Python is not installed: `pip install -e '.[web]'` (only the Python package; "
            "never `playwright install`: the browser is Debian's chromium)"
        )
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: run `bash scripts/ensure-system-deps.sh` as root "
            "(Debian package `chromium`), or set LIUHEN_CHROMIUM to a Chromium executable"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def test_newcomer_enrols_and_judge_records_evidence(demo: Demo, browser: Any) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def shot(name: str, phone: Any = None) -> None:
        if phone is not None:  # the newest message has scrolled into view
            expect(phone.locator(".msg").last.locator(":scope > :last-child")).to_be_in_viewport()
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), animations="disabled")

    try:
        page.goto(demo.url)
        page.wait_for_selector("body[data-ready=true]")
        for staff_id in ("j001", "h001", "v001", "k001", "n001"):
            expect(page.locator(f'.phone[data-staff="{staff_id}"]')).to_have_count(1)
        judge = page.locator('.phone[data-staff="j001"]')
        expect(judge.locator(".msg.in").filter(has_text="已完成登记")).to_have_count(1)
        shot("01-start")

        # the newcomer enrols with the code the demo printed (the JSON route gives the same one)
        code = demo.get("/demo/api/config")["newcomer_code"]
        assert code and code in demo.banner
        newcomer = page.locator('.phone[data-staff="n001"]')
        newcomer.locator("textarea").fill(f"/start {code}")
        newcomer.locator("textarea").press("Enter")
        expect(newcomer.locator(".msg.out").filter(has_text=f"/start {code}")).to_be_visible()
        expect(newcomer.locator(".msg.in").filter(has_text="已完成登记")).to_be_visible()
        expect(newcomer.locator(".msg.in").filter(has_text="新同事")).to_be_visible()
        shot("02-newcomer-enrolled", newcomer)

        # the judge forwards a prepared pressure message
        judge.scroll_into_view_if_needed()
        judge.locator("button.attach").click()
        judge.locator('.attach-menu [data-action="forward"]').click()
        sheet = judge.locator(".sheet")
        expect(sheet.locator("textarea[name=text]")).to_have_value(re.compile("1187"))
        sheet.locator("input[name=sender]").fill("刘书记")
        sheet.locator("select[name=origin]").select_option("user")
        shot("03-forward-form")
        sheet.locator(".do-forward").click()
        expect(sheet).to_have_count(0)
        forwarded = judge.locator(".msg.out").filter(has=page.locator(".fwd"))
        expect(forwarded).to_have_count(1)
        expect(forwarded.locator(".fwd")).to_contain_text("刘书记")
        receipts = judge.locator(".msg.in").filter(has_text="已留存证据")
        expect(receipts).to_have_count(1)
        expect(receipts.first).to_contain_text("LH-")
        found = RECORD_NUMBER.search(receipts.first.inner_text())
        assert found is not None
        number = found.group()
        shot("04-forward-receipt", judge)

        # … and sends the sample WeChat screenshot
        judge.locator("button.attach").click()
        judge.locator('.attach-menu [data-action="sample:screenshot"]').click()
        expect(judge.locator(".msg.out img.photo")).to_have_count(1)
        expect(receipts).to_have_count(2)
        expect(receipts.last).to_contain_text(number)
        expect(receipts.last).to_contain_text("#2")
        shot("05-screenshot-receipt", judge)

        # 开始补充: the first question of the record
        bot_messages = judge.locator(".msg.in")
        before = bot_messages.count()
        receipts.last.locator(".ikb button", has_text="开始补充").click()
        expect(bot_messages).to_have_count(before + 1)
        expect(bot_messages.last).to_contain_text(number)
        expect(bot_messages.last).not_to_contain_text("已留存证据")
        shot("06-first-question", judge)

        # the side panel: the draft with its two pieces of evidence, and what later issues will add
        record = page.locator(f'#records .record[data-number="{number}"]')
        expect(record).to_have_attribute("data-status", "draft")
        expect(record.locator(".rec-status")).to_have_text("草稿")
        expect(record.locator(".rec-evidence li")).to_have_count(2)
        expect(record).to_contain_text("2 项证据")
        expect(record).to_contain_text("张法官")
        expect(record.locator("button:disabled", has_text="即将提供")).to_have_count(2)
        expect(page.locator("#verify")).to_be_disabled()
        record.scroll_into_view_if_needed()
        shot("07-records-panel")

        # what the bot sends as a document (the registration form PDF of a later issue) can be downloaded
        pdf = b"%PDF-1.4\n% liuhen demo test\n%%EOF\n"
        sent = page.request.post(
            f"{demo.url}bot{DEMO_TOKEN}/sendDocument",
            multipart={
                "chat_id": str(DEMO_PEOPLE["j001"]),
                "caption": f"{number} 登记表",
                "document": {"name": "登记表.pdf", "mimeType": "application/pdf", "buffer": pdf},
            },
        )
        assert sent.ok, sent.text()
        document = judge.locator(".msg.in").filter(has_text="登记表.pdf")
        expect(document).to_have_count(1)
        with page.expect_download() as download:
            document.locator(".file-sub a").click()
        assert download.value.suggested_filename == "登记表.pdf"
        assert Path(download.value.path()).read_bytes() == pdf
        shot("08-bot-document", judge)

        rows = demo.get("/demo/api/records")["records"]
        row = next(r for r in rows if r["number"] == number)
        assert row["status"] == "draft" and row["recorder"] == "j001"
        assert len(row["evidence"]) == 2 and all(e["sha256"] for e in row["evidence"])
        assert not errors, errors
    except Exception:
        shot("failure")
        print(f"demo log ({demo.log}):\n{demo.log.read_text()}", file=sys.stderr)
        raise
    finally:
        context.close()
