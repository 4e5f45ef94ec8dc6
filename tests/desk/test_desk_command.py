"""`/desk` through the real bot on the sandbox, then the browser: the judge records, the discipline officer
asks the chat for a link, opens it at the desk, finds the record among the court's and reads it; `/desk 退出`
ends every browser session (seed 003 §12; seed 004 §15: each step in the ledger)."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from liuhen.app.usecases import desk
from liuhen.domain.model import Staff
from liuhen.web.server import build_app
from tests.bot.harness import Harness, Message, start_harness, text_of
from tests.bot.signoff_flow import labels, submit_record
from tests.waiting import until

pytestmark = pytest.mark.asyncio
LINK = re.compile(r"(https?://\S+/signin/([A-Za-z0-9_-]{40,}))")


async def answer(h: Harness, user: int, command: str, words: str) -> Message:
    """The bot's answer to ``command`` (the copies and cards arriving meanwhile are passed over)."""
    sent = await h.sim.send_text(user, command)
    after = sent["message"]["message_id"]
    return await h.sim.wait_for(
        user,
        lambda m: bool(m.get("from_bot")) and m["message_id"] > after and words in text_of(m),
        timeout=10,
    )


async def test_seed003_s12_the_officer_signs_in_from_the_chat_and_reads_the_record_at_the_desk(
    db_url: str, tmp_path: Path
) -> None:
    settings = {"web_url": "https://desk.example.court/"}
    async with start_harness(db_url, tmp_path, settings=settings) as h:
        judge = await h.enrol("j001", "张法官")
        officer = await h.enrol("k001", "赵纪检")
        number = await submit_record(h, judge)
        server = TestServer(build_app(h.runtime))
        await server.start_server()
        try:
            reply = await answer(h, officer, "/desk", "工作台登录链接")
            text = text_of(reply)
            found = LINK.search(text)
            assert found, text
            url, token = found.groups()
            assert url.startswith("https://desk.example.court/signin/")  # the address people open, no "//"
            assert "2 分钟内有效" in text and "只能使用一次" in text
            assert reply.get("link_preview_options", {}).get("is_disabled") is True  # no preview fetch

            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(str(server.make_url("")), cookie_jar=jar) as browser:
                pressed = await browser.post(f"/signin/{token}", allow_redirects=False)
                assert pressed.status == 303
                found_page = await (await browser.get("/records", params={"q": "李书记"})).text()
                assert f'href="/records/{number}"' in found_page
                page = await (await browser.get(f"/records/{number}")).text()
                assert f"记录 {number}" in page and "李书记" in page and "借贷" in page
                form = await browser.get(f"/records/{number}/form.pdf")
                assert form.status == 200 and (await form.read()).startswith(b"%PDF")

                reply = await answer(h, officer, "/desk 退出", "网页工作台")
                assert "已退出全部 1 个网页工作台登录" in text_of(reply)
                after = await browser.get("/records", allow_redirects=False)
                assert after.status == 303 and after.headers["Location"] == "/signin"
            reply = await answer(h, judge, "/desk 退出", "网页工作台")
            assert "没有已登录的网页工作台" in text_of(reply)
        finally:
            await server.close()
        async with h.runtime.db.uow(read_only=True) as uow:
            entries = await uow.ledger.entries()  # type: ignore[attr-defined]
        actions = [(e.actor, e.action) for e in entries if e.action.startswith("desk.")]
        assert actions[:3] == [
            ("staff:k001", "desk.link"),
            ("staff:k001", "desk.sign_in"),
            ("staff:k001", "desk.list"),
        ]
        assert ("staff:k001", "desk.sign_out_all") in actions
        reads = [(e.actor, e.object_id, e.payload.get("what")) for e in entries if e.action == "record.read"]
        assert ("staff:k001", number, "desk") in reads


async def test_seed004_s13_s17_the_chain_signs_and_disposes_at_the_desk_as_on_its_buttons(
    db_url: str, tmp_path: Path
) -> None:
    """The department head approves at the desk, the vice-president on the chat's card, the discipline office
    disposes at the desk: one chain, the same rules (seed 004 §13 level by level; §14 each opinion signed;
    §17 the disposition). Someone else's form changes nothing; an empty return reason is refused."""
    async with start_harness(db_url, tmp_path) as h:
        judge = await h.enrol("j001", "张法官")
        head = await h.enrol("h001", "李庭长")
        vice = await h.enrol("v001", "王副院长")
        office = await h.enrol("k001", "赵纪检")
        number = await submit_record(h, judge)
        server = TestServer(build_app(h.runtime))
        await server.start_server()

        async def desk_of(staff_id: str) -> aiohttp.ClientSession:
            people = await staff_of(h)
            token = await desk.issue_link(h.runtime.db.uow(), staff=people[staff_id], now=h.clock.now())
            browser = aiohttp.ClientSession(
                str(server.make_url("")), cookie_jar=aiohttp.CookieJar(unsafe=True)
            )
            assert (await browser.post(f"/signin/{token}", allow_redirects=False)).status == 303
            return browser

        async def decide(browser: aiohttp.ClientSession, **form: str) -> str:
            page = await (await browser.get(f"/records/{number}")).text()
            csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
            assert csrf
            response = await browser.post(f"/records/{number}/decide", data={"csrf": csrf.group(1), **form})
            return await response.text()

        try:
            bystander = await desk_of("j002")  # not of this chain: cannot even read it
            denied = await bystander.post(f"/records/{number}/decide", data={"choice": "approve"})
            assert denied.status == 403  # no form token of a page it could never see
            await bystander.close()

            head_desk = await desk_of("h001")
            tasks = await (await head_desk.get("/")).text()
            assert f'href="/records/{number}"' in tasks and "部门负责人" in tasks
            page = await (await head_desk.get(f"/records/{number}")).text()
            assert "签批（部门负责人）" in page and "退回补正" in page
            assert "退回理由不能为空" in await decide(head_desk, choice="return", opinion="  ")
            after = await decide(head_desk, choice="approve", opinion="同意，如实记录。")
            assert "已签批：同意" in after and "签批（部门负责人）" not in after  # nothing more to sign
            assert "部门负责人意见（同意）：同意，如实记录。 —— 李庭长" in after
            again = await decide(head_desk, choice="approve", opinion="再来一次")
            assert "不由您签批，或已经处理" in again and "再来一次" not in again
            await head_desk.close()

            def card(m: Message) -> bool:
                return "【待签批" in text_of(m) and number in text_of(m) and "同意" in labels(m)

            m = await h.sim.wait_for(vice, card, timeout=10)  # the next level's card, as after a press
            await h.sim.press(vice, m["message_id"], text="同意")
            await h.sim.wait_for(office, card, timeout=10)

            office_desk = await desk_of("k001")

            async def office_may_sign() -> bool:
                return "签批（纪检监察" in await (await office_desk.get(f"/records/{number}")).text()

            await until(office_may_sign, what="the record at the discipline office")
            assert "请选择处理方式" in await decide(office_desk, choice="approve", opinion="")
            done = await decide(
                office_desk, choice="approve", opinion="纳入季度汇总", disposition="quarterly"
            )
            assert (
                "已签批：同意" in done
                and "已归档" in done
                and "纪检监察机构意见（处理）：纳入季度汇总" in done
            )
            # the form's words, never a stored key
            assert re.search(r"是否离退休</th><td[^>]*>否<", done) and ">refused<" not in done
            await office_desk.close()
            await until(lambda: told(h, judge, number), what="the recorder told of the disposition")

            # 入卷存查 (seed 004 §16): the case officer files it from the desk's task list
            judge_desk = await desk_of("j001")
            tasks = await (await judge_desk.get("/")).text()
            assert "待入卷（1）" in tasks and f'href="/records/{number}"' in tasks
            task = re.search(r'action="/casefile/(\d+)"', tasks)
            csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', tasks)
            assert task and csrf
            empty = await judge_desk.post(
                f"/casefile/{task.group(1)}", data={"csrf": csrf.group(1), "file_ref": " "}
            )
            assert "请写明卷宗号或存放位置" in await empty.text()
            done = await judge_desk.post(
                f"/casefile/{task.group(1)}", data={"csrf": csrf.group(1), "file_ref": "（2026）副卷第12号"}
            )
            assert "已登记入卷" in await done.text() and "待入卷" not in await done.text()
            await judge_desk.close()
        finally:
            await server.close()
        async with h.runtime.db.uow(read_only=True) as uow:
            record = await uow.records.by_number(h.runtime.court_id, number)
        assert record is not None and record.status == "filed" and record.disposition == "quarterly"
        assert head != office


async def staff_of(h: Harness) -> dict[str, Staff]:
    async with h.runtime.db.uow(read_only=True) as uow:
        return {s.staff_id: s for s in await uow.staff.list(h.runtime.court_id)}


async def told(h: Harness, judge: int, number: str) -> bool:
    return any(number in t and "纳入季度汇总" in t for t in await h.bot_texts(judge))


async def desk_session(h: Harness, server: TestServer, staff_id: str) -> aiohttp.ClientSession:
    """A browser of ``staff_id``, signed in with a link `/desk` would give."""
    people = await staff_of(h)
    token = await desk.issue_link(h.runtime.db.uow(), staff=people[staff_id], now=h.clock.now())
    browser = aiohttp.ClientSession(str(server.make_url("")), cookie_jar=aiohttp.CookieJar(unsafe=True))
    assert (await browser.post(f"/signin/{token}", allow_redirects=False)).status == 303
    return browser


async def post_form(browser: aiohttp.ClientSession, number: str, action: str, **form: str) -> str:
    page = await (await browser.get(f"/records/{number}")).text()
    csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert csrf, page
    response = await browser.post(f"/records/{number}/{action}", data={"csrf": csrf.group(1), **form})
    return await response.text()


@pytest.mark.parametrize("disposition", ["investigate", "transfer"])
async def test_seed004_s17_s19_the_office_follows_through_at_the_desk(
    db_url: str, tmp_path: Path, disposition: str
) -> None:
    """Disposed of at the desk, the follow-up opens there: an investigation's findings and measures (seed 004
    §17(2), §19(1)), or a transfer's receiving body, its letter with the 登记表, the acknowledgement and the
    feedback (§17(3), §19(2)); the recorder is told the outcome in the chat at once, through the outbox."""
    async with start_harness(db_url, tmp_path) as h:
        judge = await h.enrol("j001", "张法官")
        head = await h.enrol("h001", "李庭长")
        vice = await h.enrol("v001", "王副院长")
        await h.enrol("k001", "赵纪检")
        number = await submit_record(h, judge)
        for person in (head, vice):
            m = await h.sim.wait_for(
                person, lambda m: "【待签批" in text_of(m) and number in text_of(m) and "同意" in labels(m)
            )
            await h.sim.press(person, m["message_id"], text="同意")
        server = TestServer(build_app(h.runtime))
        await server.start_server()
        office = await desk_session(h, server, "k001")
        try:

            async def office_may_sign() -> bool:
                return "签批（纪检监察" in await (await office.get(f"/records/{number}")).text()

            await until(office_may_sign, what="the record at the discipline office")
            page = await post_form(
                office, number, "decide", choice="approve", opinion="", disposition=disposition
            )
            assert "分流处理：" in page and "已归档" in page
            if disposition == "investigate":
                assert "登记调查结论" in page
                assert "请填写或选择完整" in await post_form(
                    office, number, "followup", step="find", text="谈话提醒"
                )
                page = await post_form(
                    office, number, "followup", step="find", arg="true", text="谈话提醒，通报批评"
                )
                assert "调查结论：属实" in page and "处理结果：谈话提醒，通报批评" in page
                assert "列为典型案例" in page  # closed with a finding of fact
                expected = "经调查，结论为属实。处理结果：谈话提醒，通报批评"
            else:
                assert "已发出，登记接收单位" in page and "followup.pdf" not in page
                page = await post_form(office, number, "followup", step="send", text="某县纪委监委")
                assert "接收单位：某县纪委监委" in page and "followup.pdf" in page
                letter = await office.get(f"/records/{number}/followup.pdf")
                assert letter.status == 200 and (await letter.read()).startswith(b"%PDF")
                page = await post_form(office, number, "followup", step="ack")
                assert "对方签收" in page
                page = await post_form(office, number, "followup", step="feedback", text="已给予诫勉谈话")
                assert "处理结果：已给予诫勉谈话" in page
                expected = "反馈结果：已给予诫勉谈话"
            # nobody else acts on the office's follow-up, nor reads its letter
            judge_desk = await desk_session(h, server, "j001")
            own = await (await judge_desk.get(f"/records/{number}")).text()
            assert "分流处理：" in own and '<form method="post" action="/records/' not in own
            assert (await judge_desk.get(f"/records/{number}/followup.pdf")).status == 403
            await judge_desk.close()
            told = await h.sim.wait_for(
                judge, lambda m: "【处理结果】" in text_of(m) and number in text_of(m)
            )
            assert expected in text_of(told)
        finally:
            await office.close()
            await server.close()
