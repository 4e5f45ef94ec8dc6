"""The demo's browser chat page in Debian's headless Chromium, driven with Playwright for Python.

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
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from liuhen.sandbox.demo import DEMO_PEOPLE
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
#: Typed answers for the questions that have no button answer (the rest take the suggested or first button).
TYPED = {
    "过问人单位及职务": "某县委 书记",
    "过问人联系方式": "13900001111",
    "案由或案件名称": "民间借贷纠纷",
    "主要内容": "请关照李某的借贷案。",
    "过问人姓名": "刘书记",
}
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
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.clock.install(time=demo.clock.now())  # the page dates forwards on the demo's timeline
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

        # the side panel: the draft with its two pieces of evidence
        record = page.locator(f'#records .record[data-number="{number}"]')
        expect(record).to_have_attribute("data-status", "draft")
        expect(record.locator(".rec-status")).to_have_text("草稿")
        expect(record.locator(".rec-evidence li")).to_have_count(2)
        expect(record).to_contain_text("2 项证据")
        expect(record).to_contain_text("张法官")
        scroll_to(page, f'#records .record[data-number="{number}"]')  # the panel re-renders: one atomic step
        shot("07-records-panel")

        # the judge answers every question on the phone, then submits
        question = bot_messages.last
        for step in range(45):
            text = question.inner_text()
            buttons = [b.strip() for b in question.locator(".ikb button").all_inner_texts()]
            if "请核对记录" in text and "提交" in buttons:
                break
            title = text.split("】", 1)[1].split("（还差")[0] if "】" in text else text
            if title in TYPED:
                judge.locator("textarea").fill(TYPED[title])
                judge.locator("textarea").press("Enter")
            else:
                choice = next((b for b in buttons if b.startswith("✓")), None)
                if any(b.startswith("☐") for b in buttons):
                    choice = "完成"
                if choice is None:
                    choice = next((b for b in buttons if b not in ("稍后", "跳过")), "跳过")
                try:  # the message may be re-rendered under the pointer: then read it again and retry
                    question.locator(".ikb button", has_text=choice).first.click(timeout=3000)
                except PlaywrightTimeout:
                    continue
            expect(question).not_to_contain_text(text.splitlines()[0])  # the next question's header
            if step == 2:
                shot("08-answering", judge)
        else:
            raise AssertionError("the questions did not end at the review card")
        shot("09-review-card", judge)
        question.locator(".ikb button", has_text="提交").click()
        expect(judge.locator(".msg.in").filter(has_text="已送部门负责人")).to_have_count(1)

        # the three officers press 同意 on their cards; the discipline office chooses a disposition
        for staff_id, name in (("h001", "李庭长"), ("v001", "王副院长"), ("k001", "赵主任")):
            phone = page.locator(f'.phone[data-staff="{staff_id}"]')
            phone.scroll_into_view_if_needed()
            card = phone.locator(".msg.in").filter(has_text="待签批").filter(has_text=number).last
            expect(card.locator(".ikb button", has_text="同意")).to_have_count(1)
            shot(f"10-card-{staff_id}", phone)
            card.locator(".ikb button", has_text="同意").click()
            if staff_id == "k001":
                expect(card.locator(".ikb button", has_text="纳入季度汇总")).to_have_count(1)
                shot("11-disposition", phone)
                card.locator(".ikb button", has_text="纳入季度汇总").click()
            expect(phone.locator(".msg.in").filter(has_text=f"已处理：{name}")).to_have_count(1)
        expect(judge.locator(".msg.in").filter(has_text="已办结：")).to_have_count(1)  # the outcome …
        expect(judge.locator(".msg.in").filter(has_text="【待入卷】")).to_have_count(1)  # … and the case file
        expect(record).to_have_attribute("data-status", "filed")
        scroll_to(page, f'#records .record[data-number="{number}"]')  # the panel re-renders: one atomic step
        shot("12-filed")

        # the side panel's registration form and evidence bundle download
        with page.expect_download() as download:
            record.locator("a", has_text="登记表 PDF").click()
        form = Path(download.value.path()).read_bytes()
        assert form.startswith(b"%PDF")
        text = subprocess.run(
            ["pdftotext", "-layout", str(download.value.path()), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert number in text and "李庭长" in text and "纳入季度汇总" in text
        with page.expect_download() as download:
            record.locator("a", has_text="证据包").click()
        with zipfile.ZipFile(download.value.path()) as bundle:
            assert "manifest.json" in bundle.namelist()
        shot("13-documents")

        # the judge asks the bot for the form: the document in the chat downloads
        judge.scroll_into_view_if_needed()
        judge.locator("textarea").fill(f"/form {number}")
        judge.locator("textarea").press("Enter")
        document = judge.locator(".msg.in").filter(has=page.locator(".file-sub a")).last
        expect(document).to_contain_text(".pdf")
        with page.expect_download() as download:
            document.locator(".file-sub a").click()
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
        shot("14-form-in-chat", judge)

        rows = demo.get("/demo/api/records")["records"]
        row = next(r for r in rows if r["number"] == number)
        assert row["status"] == "filed" and row["recorder"] == "j001"
        assert len(row["evidence"]) == 2 and all(e["sha256"] for e in row["evidence"])
        assert not errors, errors
    except Exception:
        shot("failure")
        sim = demo.get("/demo/api/config")["sim"]
        for m in demo.get(f"{sim}/chats/{DEMO_PEOPLE['j001']}")["messages"][-40:]:
            who = "bot" if m.get("from_bot") else "usr"
            print("  ", who, repr((m.get("text") or "")[:90]), file=sys.stderr)
        print(f"demo log ({demo.log}):\n{demo.log.read_text()}", file=sys.stderr)
        raise
    finally:
        context.close()


def test_seed003_s12_each_phone_opens_the_desk_console_in_its_persons_name(demo: Demo, browser: Any) -> None:
    """`make demo` links each person to the desk console: one click from the phone gives the sign-in page of
    a one-time link (as `/desk` in the chat would), one press signs in; the console's pages run under their
    strict Content-Security-Policy with no violation and no script error."""
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert "网页工作台" in demo.banner
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    problems: list[str] = []
    context.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    try:
        page.goto(demo.url)
        page.wait_for_selector("body[data-ready=true]")
        officer = page.locator('.phone[data-staff="k001"]')
        with context.expect_page() as opened:
            officer.locator("a.desk-link").click()
        desk = opened.value
        desk.on("pageerror", lambda error: problems.append(str(error)))
        expect(desk.get_by_role("button", name="进入工作台")).to_be_visible()
        desk.get_by_role("button", name="进入工作台").click()
        expect(desk.get_by_role("heading", name="我的待办")).to_be_visible()
        expect(desk.locator("header")).to_contain_text("（纪检监察")
        desk.get_by_role("link", name="记录", exact=True).click()
        expect(desk.get_by_role("heading", name="记录", exact=True)).to_be_visible()
        expect(desk.locator("main")).to_contain_text("条您可查看的记录")
        desk.screenshot(path=str(ARTIFACTS / "20-desk-records.png"))
        desk.get_by_role("link", name="季度汇总").click()
        expect(desk.get_by_role("heading", name="主要指标")).to_be_visible()
        desk.screenshot(path=str(ARTIFACTS / "21-desk-quarterly.png"), full_page=True)
        desk.get_by_role("link", name="访问记录").click()
        expect(desk.locator("main")).to_contain_text("浏览记录列表")  # the officer's own visit, logged
        desk.screenshot(path=str(ARTIFACTS / "22-desk-audit.png"))
        desk.get_by_role("button", name="退出").click()
        expect(desk.get_by_role("heading", name="登录工作台")).to_be_visible()
        assert not problems, problems
    finally:
        context.close()


def scroll_to(page: Any, selector: str) -> None:
    """Scroll an element of the records panel into view, found and scrolled in one step in the page: the
    panel re-renders its rows as records change, and a handle found before may be gone a moment later."""
    page.eval_on_selector(selector, "el => el.scrollIntoView({block: 'nearest'})")
