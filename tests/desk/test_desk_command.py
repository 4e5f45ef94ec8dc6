"""`/desk` through the real bot on the sandbox, then the browser: the judge records, the discipline officer
asks the chat for a link, opens it at the desk, finds the record among the court's and reads it; `/desk 退出`
ends every browser session (seed 003 §12; seed 004 §15: each step in the ledger)."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from liuhen.web.server import build_app
from tests.bot.harness import Harness, Message, start_harness, text_of
from tests.bot.signoff_flow import submit_record

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
