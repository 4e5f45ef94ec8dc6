"""The WeCom sandbox's browser phone (liuhen.sandbox.wecom_phone), driven over HTTP the way its page does:
long polls for what the app sends, one POST per thing the member does, against the real WeCom door (a tiny
app of tests/wecom/world.py on the demo court)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image

from liuhen.sandbox.wecom import WeComSandbox
from liuhen.sandbox.wecom_phone import PhoneSample
from liuhen.texts import common as texts
from liuhen.texts import wecom as words
from tests.wecom.world import ACCOUNTS, AES_KEY, AGENT_ID, CORP_ID, SECRET, TOKEN, World, wecom_world

Json = dict[str, Any]
CHINESE = re.compile(r"[\u4e00-\u9fff]")
JUDGE = ACCOUNTS["j001"]
STEP_SECONDS = 30.0  # bounds a step that would otherwise hang; a passing test never waits for it


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[World]:
    async with wecom_world(db_url, tmp_path) as w:
        yield w


@pytest.fixture
async def http(world: World) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(world.sandbox.url) as session:
        yield session


def lines(m: Json) -> list[str]:
    return str(m["summary"]).splitlines()


def buttons(m: Json) -> list[Json]:
    return list((m["card"] or {}).get("button_list", []))


def button(m: Json, label: str) -> str:
    return next(str(b["key"]) for b in buttons(m) if b["text"] == label)


class Phone:
    """The page's side of the phone API for one member: its cursors and what it has been shown."""

    def __init__(self, http: aiohttp.ClientSession, userid: str) -> None:
        self.http, self.userid = http, userid
        self.base = f"/sim/{userid}"
        self.after, self.mine, self.version = 0, 0, None
        self.messages: dict[int, Json] = {}  # index → the message as last shown
        self.sent: list[Json] = []  # what the member sent, as the page shows it

    async def poll(self, timeout: float = 25) -> Json:  # noqa: ASYNC109
        params: dict[str, str] = {"after": str(self.after), "mine": str(self.mine), "timeout": str(timeout)}
        if self.version is not None:
            params["version"] = str(self.version)
        async with self.http.get(f"{self.base}/messages", params=params) as response:
            assert response.status == 200, await response.text()
            assert response.content_type == "application/json"
            body: Json = await response.json()
        for message in body["messages"]:
            self.messages[message["index"]] = message
        self.sent += body["mine"]
        self.after, self.mine, self.version = body["count"], body["mine_count"], body["version"]
        return body

    async def until(self, found: Callable[[Json], bool], what: str) -> Json:
        """The first message shown that matches, long-polling for more until one does."""

        def match() -> Json | None:
            return next((m for _, m in sorted(self.messages.items()) if found(m)), None)

        try:
            async with asyncio.timeout(STEP_SECONDS):
                while (result := match()) is None:
                    await self.poll()
        except TimeoutError:
            seen = [m["summary"] for _, m in sorted(self.messages.items())]
            raise AssertionError(f"{self.userid}: never saw {what}; saw {seen}") from None
        return result

    async def card(self, title: str, *, after: int = 0) -> Json:
        return await self.until(
            lambda m: m["index"] >= after and m["card"] is not None and title in m["summary"],
            f"a card {title!r}",
        )

    async def text(self, part: str, *, after: int = 0) -> Json:
        return await self.until(lambda m: m["index"] >= after and part in str(m["text"]), f"a text {part!r}")

    async def changed(self, message: Json) -> Json:
        """The message again, once it has changed (a card updated in place)."""
        index, version = message["index"], message["version"]
        return await self.until(
            lambda m: m["index"] == index and m["version"] > version, f"message {index} updated"
        )

    async def post(self, action: str, body: Json, expect: int = 200) -> Json:
        async with self.http.post(f"{self.base}/{action}", json=body) as response:
            answer: Json = await response.json()
            assert response.status == expect, answer
            return answer

    async def upload(
        self, action: str, data: bytes, filename: str, content_type: str, expect: int = 200
    ) -> Json:
        form = aiohttp.FormData()
        form.add_field("file", data, filename=filename, content_type=content_type)
        async with self.http.post(f"{self.base}/{action}", data=form) as response:
            answer: Json = await response.json()
            assert response.status == expect, answer
            return answer

    async def confirm(self) -> None:
        """Any message, then 是我本人 on the card that asks."""
        assert (await self.post("text", {"content": "你好"}))["status"] == 200
        card = await self.card(words.CONFIRM_TITLE)
        assert await self.post("press", {"msgid": card["msgid"], "key": "enrol:yes"}) == {"status": 200}
        await self.text("身份已确认")


async def test_a_member_confirms_and_records_evidence_on_the_phone(
    world: World, http: aiohttp.ClientSession
) -> None:
    phone = Phone(http, JUDGE)
    async with http.get(f"/sim/{JUDGE}/config") as response:
        config = await response.json()
    assert config["app"] == "留痕" and config["userid"] == JUDGE and config["samples"] == []
    first = await phone.poll(timeout=0)  # what the page asks first: nothing yet
    assert first["messages"] == [] and first["mine"] == [] and first["instance"] == config["instance"]

    sent = await phone.post("text", {"content": "院外人员打招呼"})
    assert sent["status"] == 200 and sent["mine"]["text"] == "院外人员打招呼" and sent["mine"]["before"] == 0
    card = await phone.card(words.CONFIRM_TITLE)
    assert card["msgtype"] == "template_card" and card["replaced_button"] is None and card["revisions"] == 0
    assert "张法官" in card["card"]["sub_title_text"]
    assert [b["text"] for b in buttons(card)] == [words.CONFIRM_BUTTON, words.NOT_ME_BUTTON]
    await phone.text("请重新发送")
    assert [m["text"] for m in phone.sent] == ["院外人员打招呼"]  # the page shows the member's own message

    assert await phone.post("press", {"msgid": card["msgid"], "key": "enrol:yes"}) == {"status": 200}
    confirmed = await phone.changed(card)  # an earlier card's update comes through the same long poll
    assert confirmed["replaced_button"] == words.CONFIRMED_LABEL and confirmed["revisions"] == 1
    assert confirmed["card"] == card["card"]  # the buttons replaced, the card as it was
    await phone.text("身份已确认")

    count = phone.after
    await phone.post("text", {"content": "院外人员打招呼"})
    receipt = await phone.card(words.RECEIPT_TITLE, after=count)
    assert [b["text"] for b in buttons(receipt)] == [
        texts.BUTTON_FILL,
        texts.BUTTON_LATER,
        texts.BUTTON_SPLIT,
        texts.BUTTON_DIRECT,
    ]
    assert phone.sent[-1]["before"] == count  # drawn before the receipt it brought
    [evidence] = await world.evidence()
    assert evidence.text == "院外人员打招呼"


async def test_a_vote_card_is_answered_on_the_phone(world: World, http: aiohttp.ClientSession) -> None:
    """The guided questions, answered by tapping and typing, up to the first one-choice (vote) card."""
    phone = Phone(http, JUDGE)
    await phone.confirm()
    count = phone.after
    await phone.post("text", {"content": "今天下午庭后，原告代理律师张某当面邀请我吃饭，我当场拒绝。"})
    receipt = await phone.card(words.RECEIPT_TITLE, after=count)
    count = phone.after
    await phone.post("press", {"msgid": receipt["msgid"], "key": button(receipt, texts.BUTTON_FILL)})
    question = await phone.card(words.QUESTION_TITLE, after=count)
    now = world.clock.now().astimezone(world.runtime.settings.tz)
    typed = {
        "过问时间": (now - timedelta(hours=3)).strftime("%m-%d %H:%M"),
        "发生场所": "本院第三法庭门口",
        "在场人员": "无",
        "过问人姓名": "某律师事务所律师张某 13700000000",
        "案号": "（2026）豫0825民初1187号 民间借贷纠纷",
        "主要内容": "邀请吃饭并提出支付咨询费",
    }
    for _ in range(20):
        card = question["card"]
        if card["card_type"] == "vote_interaction":
            break
        title = next(line for line in lines(question) if line.startswith("【")).split("】", 1)[1]
        answer = next((text for key, text in typed.items() if title.startswith(key)), None)
        if answer is None:  # a button answers it: the first (suggested) one
            count = phone.after
            await phone.post("press", {"msgid": question["msgid"], "key": buttons(question)[0]["key"]})
            question = await phone.until(
                lambda m, q=question, c=count: (
                    (m["index"] == q["index"] and m["version"] > q["version"])
                    or (m["index"] >= c and m["card"] is not None)
                ),
                "the next question",
            )
        else:
            count = phone.after
            await phone.post("text", {"content": answer})
            question = await phone.until(
                lambda m, c=count: m["index"] >= c and m["card"] is not None, "the next question"
            )
    else:
        raise AssertionError("no one-choice card among the questions")

    checkbox = card["checkbox"]
    assert checkbox["question_key"] == "choice" and len(checkbox["option_list"]) > 6
    option = checkbox["option_list"][0]["id"]
    wrong = await phone.post(
        "select", {"msgid": question["msgid"], "question_key": "choice", "option_ids": ["nothing"]}, 400
    )
    assert "不是" in wrong["error"] and CHINESE.search(wrong["error"])
    two = [o["id"] for o in checkbox["option_list"][:2]]
    both = await phone.post(
        "select", {"msgid": question["msgid"], "question_key": "choice", "option_ids": two}, 400
    )
    assert "只能选一项" in both["error"]
    chosen = {"msgid": question["msgid"], "question_key": "choice", "option_ids": [option]}
    assert await phone.post("select", chosen) == {"status": 200}  # the card's 确定, by default
    updated = await phone.changed(question)
    assert updated["revisions"] > question["revisions"]
    delivery = world.sandbox.user(JUDGE).deliveries[-1]
    assert f"<OptionId><![CDATA[{option}]]></OptionId>" in delivery.xml


async def test_images_voice_and_samples_are_sent_and_shown(
    world: World, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    phone = Phone(http, JUDGE)
    await phone.confirm()
    jpeg = _jpeg()
    answer = await phone.upload("image", jpeg, "照片.jpg", "image/jpeg")
    assert answer["status"] == 200 and answer["mine"]["kind"] == "image"
    await phone.card("#1")
    async with http.get(answer["mine"]["media"]) as response:  # the page shows the member's own image
        assert response.status == 200 and response.content_type == "image/jpeg"
        assert await response.read() == jpeg
    amr = b"#!AMR\n" + bytes(40)
    assert (await phone.upload("voice", amr, "voice.amr", "audio/amr"))["status"] == 200
    await phone.card("#2")
    sample = tmp_path / "wechat.png"
    sample.write_bytes(_png())
    world.sandbox.phone_samples = [PhoneSample("screenshot", "微信聊天截图", "image", sample)]
    async with http.get(f"/sim/{JUDGE}/config") as response:
        assert (await response.json())["samples"] == [
            {"name": "screenshot", "title": "微信聊天截图", "kind": "image"}
        ]
    assert (await phone.post("sample", {"name": "screenshot"}))["status"] == 200
    await phone.card("#3")
    items = await world.evidence()
    assert [e.kind for e in items] == ["photo", "voice", "photo"]
    assert items[0].sha256 == hashlib.sha256(jpeg).hexdigest()
    assert items[2].sha256 == hashlib.sha256(sample.read_bytes()).hexdigest()
    await phone.poll(timeout=0)
    assert [item["kind"] for item in phone.sent] == ["text", "image", "voice", "image"]
    async with http.get(f"/sim/{JUDGE}/media", params={"media_id": "not-one-of-theirs"}) as response:
        assert response.status == 404


async def test_the_page_and_its_files_are_served_with_their_types(
    world: World, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"/phone/{JUDGE}") as response:
        assert response.status == 200 and response.content_type == "text/html"
        page = await response.text()
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "留痕" in page and "/phone/static/phone.js" in page and "/phone/static/phone.css" in page
    assert "<style" not in page and "style=" not in page and re.search(r"<script>", page) is None
    for name, kind in (("phone.js", "text/javascript"), ("phone.css", "text/css")):
        async with http.get(f"/phone/static/{name}") as response:
            assert response.status == 200 and response.content_type == kind
            assert response.charset == "utf-8"
    for bad in ("wecom.py", "phone.htm", "%2e%2e%2fwecom.py", "..%2fwecom.py"):
        async with http.get(f"/phone/static/{bad}") as response:
            assert response.status == 404


async def test_bad_input_gets_a_400_with_a_chinese_error(world: World, http: aiohttp.ClientSession) -> None:
    phone = Phone(http, JUDGE)
    await phone.confirm()
    confirm = next(m for m in phone.messages.values() if words.CONFIRM_TITLE in m["summary"])
    welcome = next(m for m in phone.messages.values() if m["card"] is None)

    async def refused(action: str, **kwargs: Any) -> str:
        async with http.post(f"/sim/{JUDGE}/{action}", **kwargs) as response:
            body = await response.json()
            assert response.status == 400, (action, kwargs, body)
        error = str(body["error"])
        assert CHINESE.search(error), error
        return error

    assert "文字" in await refused("text", json={"content": "  "})
    assert "JSON" in await refused("text", data=b"not json")
    assert "JSON 对象" in await refused("text", json=["a list"])
    assert "multipart" in await refused("image", json={"file": "x"})
    small = aiohttp.FormData()
    small.add_field("file", b"tiny", filename="a.jpg", content_type="image/jpeg")
    assert "太小" in await refused("image", data=small)
    text_file = aiohttp.FormData()
    text_file.add_field("file", b"just some words", filename="a.txt", content_type="text/plain")
    assert "图片" in await refused("image", data=text_file)
    assert "file" in await refused("voice", data=aiohttp.FormData({"other": "x"}))
    assert "示例" in await refused("sample", json={"name": "nothing"})
    assert "没有找到" in await refused("press", json={"msgid": "nothing", "key": "enrol:yes"})
    assert "不是模板卡片" in await refused("press", json={"msgid": welcome["msgid"], "key": "x"})
    assert "没有按钮" in await refused("press", json={"msgid": confirm["msgid"], "key": "nothing"})
    # the confirmation's buttons were replaced by 已确认: pressed again, it is refused before WeCom sees it
    assert "已变为" in await refused("press", json={"msgid": confirm["msgid"], "key": "enrol:yes"})
    assert "没有问题" in await refused(
        "select", json={"msgid": confirm["msgid"], "question_key": "q", "option_ids": ["a"]}
    )
    assert "option_ids" in await refused("select", json={"msgid": confirm["msgid"], "question_key": "q"})
    async with http.get(f"/sim/{JUDGE}/messages", params={"after": "x"}) as response:
        assert response.status == 400 and CHINESE.search((await response.json())["error"])
    async with http.get("/phone/zhang|san") as response:
        assert response.status == 400 and "UserID" in (await response.json())["error"]
    deliveries = len(world.sandbox.user(JUDGE).deliveries)
    assert deliveries == 2  # the refused requests reached neither WeCom's callback nor the app


async def test_without_an_app_the_phone_says_so() -> None:
    async with WeComSandbox(
        corp_id=CORP_ID, corp_secret=SECRET, agent_id=AGENT_ID, token=TOKEN, encoding_aes_key=AES_KEY
    ) as sandbox:
        async with aiohttp.ClientSession(sandbox.url) as http:
            async with http.post("/sim/someone/text", json={"content": "你好"}) as response:
                assert response.status == 503 and "回调地址" in (await response.json())["error"]
            async with http.get("/sim/someone/messages", params={"timeout": "0"}) as response:
                body = await response.json()
        assert body["messages"] == [] and body["mine"] == [] and body["count"] == 0


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 30), (30, 30, 200)).save(out, format="PNG")
    return out.getvalue()
