"""The WeCom sandbox against a tiny application written here: it verifies and decrypts callbacks with
wechatpy, gets tokens and sends messages through the sandbox's API, as the real app does with WeCom."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import xmltodict
from aiohttp import web
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from liuhen.sandbox.wecom import SentMessage, WeComSandbox, text_of

CORP_ID = "ww5823bf96d3bd56c7"
SECRET = "app-secret-of-the-sandbox"
AGENT_ID = 1000002
TOKEN = "QDG6eK"
AES_KEY = base64.b64encode(bytes(range(32))).decode()[:-1]  # 43 characters
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60 + b"\xff\xd9"
DAY = 24 * 3600

BUTTON_CARD: dict[str, Any] = {
    "card_type": "button_interaction",
    "main_title": {"title": "Confirm the record", "desc": "Case 2024-17"},
    "sub_title_text": "Please confirm what was recorded",
    "horizontal_content_list": [{"keyname": "Judge", "value": "Li Ming"}],
    "task_id": "confirm-1",
    "button_list": [
        {"text": "Approve", "style": 1, "key": "approve"},
        {"text": "Reject", "style": 2, "key": "reject"},
    ],
}
SURVEY_CARD: dict[str, Any] = {
    "card_type": "multiple_interaction",
    "main_title": {"title": "Which court?"},
    "task_id": "survey-1",
    "select_list": [
        {
            "question_key": "court",
            "title": "Court",
            "option_list": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
        },
        {
            "question_key": "stage",
            "title": "Stage",
            "selected_id": "y",
            "option_list": [{"id": "x", "text": "X"}, {"id": "y", "text": "Y"}],
        },
    ],
    "submit_button": {"text": "Submit", "key": "submit"},
}


class Clock:
    """The sandbox's ``now``: moves only when a test moves it."""

    def __init__(self) -> None:
        self.t = 1_750_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class App:
    """The application under test, reduced to what WeCom expects of it."""

    def __init__(self) -> None:
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
        self.raw: list[tuple[str, bytes]] = []  # (query string, body) of every POST, as received
        self.received: list[dict[str, Any]] = []  # the decrypted XML of every accepted POST
        self.on_callback: Callable[[dict[str, Any]], Awaitable[None]] | None = None

    def make(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/wecom/callback", self._verify)
        app.router.add_post("/wecom/callback", self._receive)
        return app

    async def _verify(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            echo = self.crypto.check_signature(q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"])
        except InvalidSignatureException:
            return web.Response(status=403)
        return web.Response(text=echo)

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.raw.append((request.query_string, body))
        q = request.query
        try:
            xml = self.crypto.decrypt_message(body.decode(), q["msg_signature"], q["timestamp"], q["nonce"])
        except InvalidSignatureException:
            return web.Response(status=403)
        message = xmltodict.parse(xml)["xml"]
        self.received.append(message)
        if self.on_callback is not None:
            await self.on_callback(message)
        return web.Response(text="")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def sandbox(clock: Clock) -> AsyncIterator[WeComSandbox]:
    async with WeComSandbox(
        corp_id=CORP_ID,
        corp_secret=SECRET,
        agent_id=AGENT_ID,
        token=TOKEN,
        encoding_aes_key=AES_KEY,
        now=clock,
    ) as sb:
        yield sb


@pytest.fixture
async def app(sandbox: WeComSandbox) -> AsyncIterator[App]:
    app = App()
    runner = web.AppRunner(app.make(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    sandbox.callback_url = f"http://127.0.0.1:{runner.addresses[0][1]}/wecom/callback"
    yield app
    await runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get_json(http: aiohttp.ClientSession, url: str, **params: str) -> dict[str, Any]:
    async with http.get(url, params=params) as response:
        assert response.status == 200
        result: dict[str, Any] = await response.json()
        return result


async def new_token(http: aiohttp.ClientSession, sandbox: WeComSandbox) -> str:
    answer = await get_json(http, f"{sandbox.url}/cgi-bin/gettoken", corpid=CORP_ID, corpsecret=SECRET)
    assert answer["errcode"] == 0, answer
    token: str = answer["access_token"]
    return token


async def post(
    http: aiohttp.ClientSession, sandbox: WeComSandbox, path: str, token: str, body: dict[str, Any]
) -> dict[str, Any]:
    async with http.post(
        f"{sandbox.url}/cgi-bin/{path}", params={"access_token": token}, json=body
    ) as response:
        assert response.status == 200
        result: dict[str, Any] = await response.json()
        return result


async def send(
    http: aiohttp.ClientSession, sandbox: WeComSandbox, token: str, body: dict[str, Any]
) -> dict[str, Any]:
    return await post(http, sandbox, "message/send", token, body)


async def update_card(
    http: aiohttp.ClientSession, sandbox: WeComSandbox, token: str, body: dict[str, Any]
) -> dict[str, Any]:
    return await post(http, sandbox, "message/update_template_card", token, body)


def text(touser: str, content: str, agentid: int = AGENT_ID) -> dict[str, Any]:
    return {"touser": touser, "msgtype": "text", "agentid": agentid, "text": {"content": content}}


def card(touser: str, template_card: dict[str, Any]) -> dict[str, Any]:
    return {"touser": touser, "msgtype": "template_card", "agentid": AGENT_ID, "template_card": template_card}


async def test_gettoken_checks_the_credentials_and_tokens_expire_by_the_clock(
    sandbox: WeComSandbox, clock: Clock, http: aiohttp.ClientSession
) -> None:
    url = f"{sandbox.url}/cgi-bin/gettoken"
    first = await get_json(http, url, corpid=CORP_ID, corpsecret=SECRET)
    assert first["errcode"] == 0 and first["errmsg"] == "ok" and first["expires_in"] == 7200
    assert (await get_json(http, url, corpid=CORP_ID, corpsecret="wrong"))["errcode"] == 40001
    assert (await get_json(http, url, corpid="ww-other", corpsecret=SECRET))["errcode"] == 40013
    assert (await get_json(http, url, corpid=CORP_ID))["errcode"] == 41004

    clock.advance(3600)
    second = await new_token(http, sandbox)
    assert second != first["access_token"]
    media_get = f"{sandbox.url}/cgi-bin/media/get"
    # Both tokens are accepted (the call then fails on the unknown media_id, not on the token).
    for token in (first["access_token"], second):
        assert (await get_json(http, media_get, access_token=token, media_id="nope"))["errcode"] == 40007

    clock.advance(3600)  # the first token is 7200 s old now
    expired = await get_json(http, media_get, access_token=first["access_token"], media_id="nope")
    assert expired == {"errcode": 42001, "errmsg": "access_token expired"}
    assert (await get_json(http, media_get, access_token=second, media_id="nope"))["errcode"] == 40007
    assert (await get_json(http, media_get, access_token="forged", media_id="nope"))["errcode"] == 40014
    assert (await get_json(http, media_get, media_id="nope"))["errcode"] == 41001
    assert sandbox.token_requests == 5
    assert sandbox.calls["gettoken"] == 5 and sandbox.calls["media/get"] == 6


async def test_message_send_records_text_per_user_and_checks_like_wecom(
    sandbox: WeComSandbox, http: aiohttp.ClientSession
) -> None:
    zhangsan, lisi = sandbox.user("zhangsan"), sandbox.user("lisi")
    assert sandbox.user("zhangsan") is zhangsan
    token = await new_token(http, sandbox)

    answer = await send(http, sandbox, token, text("zhangsan|NoBody|lisi", "已登记"))
    assert answer["errcode"] == 0 and answer["invaliduser"] == "nobody"
    assert isinstance(answer["msgid"], str) and "response_code" not in answer
    assert [text_of(m) for m in zhangsan.messages] == ["已登记"] == [text_of(m) for m in lisi.messages]
    first = zhangsan.messages[0]
    assert first.payload == {"content": "已登记"} and first.msgid == answer["msgid"]

    at_limit = "字" * 682 + "ab"  # 2048 bytes
    assert (await send(http, sandbox, token, text("zhangsan", at_limit)))["errcode"] == 0
    over = await send(http, sandbox, token, text("zhangsan", at_limit + "c"))
    assert over["errcode"] == 45002
    wrong_agent = await send(http, sandbox, token, text("zhangsan", "hi", agentid=1))
    assert wrong_agent["errcode"] == 40056
    nobody = await send(http, sandbox, token, text("ghost", "hi"))
    assert nobody["errcode"] == 81013 and nobody["invaliduser"] == "ghost"
    odd = await send(http, sandbox, token, {**text("zhangsan", "hi"), "msgtype": "sms"})
    assert odd["errcode"] == 40008
    assert len(zhangsan.messages) == 2 and len(sandbox.sent) == 3


async def test_a_template_card_answers_a_response_code_that_updates_it_once(
    sandbox: WeComSandbox, clock: Clock, http: aiohttp.ClientSession
) -> None:
    user = sandbox.user("zhangsan")
    token = await new_token(http, sandbox)
    sent = await send(http, sandbox, token, card("zhangsan", BUTTON_CARD))
    assert sent["errcode"] == 0 and sent["response_code"]
    message = user.messages[0]
    assert message.card == BUTTON_CARD and message.response_code == sent["response_code"]
    assert text_of(message).splitlines() == [
        "Confirm the record",
        "Case 2024-17",
        "Please confirm what was recorded",
        "Judge: Li Ming",
        "Approve",
        "Reject",
    ]
    reused_task = await send(http, sandbox, token, card("zhangsan", BUTTON_CARD))
    assert reused_task["errcode"] == 40058

    update = {"userids": ["zhangsan"], "agentid": AGENT_ID, "response_code": sent["response_code"]}
    done = await update_card(http, sandbox, token, {**update, "button": {"replace_name": "Approved"}})
    assert done == {"errcode": 0, "errmsg": "ok", "invaliduser": []}
    assert message.replaced_button == "Approved" and text_of(message).endswith("Judge: Li Ming\nApproved")
    assert len(message.revisions) == 1 and message.revisions[0].replace_name == "Approved"
    again = await update_card(http, sandbox, token, {**update, "button": {"replace_name": "x"}})
    assert again == {"errcode": 40035, "errmsg": "invalid response_code"}

    second = await send(http, sandbox, token, card("zhangsan", {**BUTTON_CARD, "task_id": "confirm-2"}))
    clock.advance(72 * 3600)
    token = await new_token(http, sandbox)
    late = {**update, "response_code": second["response_code"], "template_card": SURVEY_CARD}
    assert (await update_card(http, sandbox, token, late))["errcode"] == 40035
    assert user.messages[1].revisions == []


async def test_media_upload_get_and_expiry_after_three_days(
    sandbox: WeComSandbox, clock: Clock, http: aiohttp.ClientSession
) -> None:
    sandbox.user("zhangsan")
    token = await new_token(http, sandbox)
    form = aiohttp.FormData()
    form.add_field("media", b"%PDF-1.7 the record", filename="record.pdf", content_type="application/pdf")
    url = f"{sandbox.url}/cgi-bin/media/upload"
    async with http.post(url, params={"access_token": token, "type": "file"}, data=form) as response:
        uploaded = await response.json()
    assert uploaded["errcode"] == 0 and uploaded["type"] == "file"
    assert uploaded["created_at"] == str(int(clock.t))
    media_id = uploaded["media_id"]

    get_url = f"{sandbox.url}/cgi-bin/media/get"
    async with http.get(get_url, params={"access_token": token, "media_id": media_id}) as response:
        assert response.status == 200 and await response.read() == b"%PDF-1.7 the record"
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"] == 'attachment; filename="record.pdf"'
    file_message = {
        "touser": "zhangsan",
        "msgtype": "file",
        "agentid": AGENT_ID,
        "file": {"media_id": media_id},
    }
    assert (await send(http, sandbox, token, file_message))["errcode"] == 0

    clock.advance(3 * DAY - 1)
    token = await new_token(http, sandbox)
    async with http.get(get_url, params={"access_token": token, "media_id": media_id}) as response:
        assert await response.read() == b"%PDF-1.7 the record"
    clock.advance(1)
    token = await new_token(http, sandbox)
    async with http.get(get_url, params={"access_token": token, "media_id": media_id}) as response:
        assert response.status == 200 and response.content_type == "application/json"
        assert await response.json() == {"errcode": 40007, "errmsg": "invalid media_id"}
    assert (await send(http, sandbox, token, file_message))["errcode"] == 40007


async def test_a_users_messages_reach_the_app_as_wecoms_encrypted_callbacks(
    sandbox: WeComSandbox, app: App, clock: Clock, http: aiohttp.ClientSession
) -> None:
    user = sandbox.user("zhangsan")
    delivery = await user.send_text("我要登记")
    assert delivery.status == 200 and delivery.error is None
    assert app.received[-1] == {
        "ToUserName": CORP_ID,
        "FromUserName": "zhangsan",
        "CreateTime": str(int(clock.t)),
        "MsgType": "text",
        "Content": "我要登记",
        "MsgId": str(delivery.msg_id),
        "AgentID": str(AGENT_ID),
    }
    envelope = xmltodict.parse(app.raw[-1][1])["xml"]
    assert set(envelope) == {"ToUserName", "AgentID", "Encrypt"} and envelope["ToUserName"] == CORP_ID
    assert "我要登记" not in app.raw[-1][1].decode()

    image = await user.send_image(JPEG, "screenshot.jpg")
    fields = app.received[-1]
    assert fields["MsgType"] == "image" and int(fields["MsgId"]) == image.msg_id != delivery.msg_id
    assert set(fields) == {
        "ToUserName",
        "FromUserName",
        "CreateTime",
        "MsgType",
        "PicUrl",
        "MediaId",
        "MsgId",
        "AgentID",
    }
    async with http.get(fields["PicUrl"]) as response:
        assert await response.read() == JPEG
    token = await new_token(http, sandbox)
    async with http.get(
        f"{sandbox.url}/cgi-bin/media/get", params={"access_token": token, "media_id": fields["MediaId"]}
    ) as response:
        assert await response.read() == JPEG and response.headers["Content-Type"] == "image/jpeg"

    await user.send_voice(b"#!AMR\n" + b"\x00" * 20)
    assert app.received[-1]["Format"] == "amr" and sandbox.media_bytes(app.received[-1]["MediaId"])
    await user.send_video(b"\x00\x00\x00\x18ftypmp42")
    assert {"MediaId", "ThumbMediaId"} <= set(app.received[-1])
    await user.send_location(23.134521, 113.358803, "广州市海珠区")
    location = app.received[-1]
    assert (location["Location_X"], location["Location_Y"]) == ("23.134521", "113.358803")
    assert location["Scale"] == "15" and location["Label"] == "广州市海珠区"
    await user.send_link("A title", "A description", "https://example.org/a")
    assert app.received[-1]["MsgType"] == "link" and app.received[-1]["Url"] == "https://example.org/a"
    enter = await user.enter()
    assert enter.msg_id is None and app.received[-1]["Event"] == "enter_agent"
    assert len({int(r["MsgId"]) for r in app.received if "MsgId" in r}) == 6


async def test_pressing_a_button_posts_the_card_event_and_its_response_code_works_once(
    sandbox: WeComSandbox, app: App, http: aiohttp.ClientSession
) -> None:
    user = sandbox.user("zhangsan")
    token = await new_token(http, sandbox)
    await send(http, sandbox, token, card("zhangsan", BUTTON_CARD))
    message = user.messages[0]
    with pytest.raises(ValueError, match="not a key"):
        await user.press(message, "maybe")

    await user.press(message, "approve")
    event = app.received[-1]
    assert event["MsgType"] == "event" and event["Event"] == "template_card_event"
    assert (event["EventKey"], event["TaskId"]) == ("approve", "confirm-1")
    assert event["CardType"] == "button_interaction"
    assert event["ResponseCode"] and event["ResponseCode"] != message.response_code
    assert event["FromUserName"] == "zhangsan" and event["AgentID"] == str(AGENT_ID)

    update = {"userids": ["zhangsan"], "agentid": AGENT_ID, "response_code": event["ResponseCode"]}
    new_card = {"card_type": "text_notice", "main_title": {"title": "Approved by you"}}
    replace = {**update, "template_card": new_card}
    assert (await update_card(http, sandbox, token, replace))["errcode"] == 0
    assert message.card == new_card and text_of(message) == "Approved by you"
    assert (await update_card(http, sandbox, token, replace))["errcode"] == 40035
    # The send answer's code is another one-shot code of the same card.
    by_send = {**update, "response_code": message.response_code, "template_card": BUTTON_CARD}
    assert (await update_card(http, sandbox, token, by_send))["errcode"] == 0
    assert (await update_card(http, sandbox, token, by_send))["errcode"] == 40035
    assert [r.card for r in message.revisions] == [new_card, BUTTON_CARD] and message.card == BUTTON_CARD


async def test_selecting_on_a_multiple_choice_card_posts_the_selected_items(
    sandbox: WeComSandbox, app: App, http: aiohttp.ClientSession
) -> None:
    user = sandbox.user("zhangsan")
    token = await new_token(http, sandbox)
    await send(http, sandbox, token, card("zhangsan", SURVEY_CARD))
    message = user.messages[0]
    with pytest.raises(ValueError, match="exactly one"):
        await user.select(message, {"court": ["a", "b"]})
    await user.select(message, {"court": ["b"]})
    event = app.received[-1]
    assert event["EventKey"] == "submit" and event["CardType"] == "multiple_interaction"
    items = event["SelectedItems"]["SelectedItem"]
    assert [(i["QuestionKey"], i["OptionIds"]["OptionId"]) for i in items] == [("court", "b"), ("stage", "y")]


async def test_redelivery_is_byte_identical_and_a_tampered_signature_is_refused(
    sandbox: WeComSandbox, app: App
) -> None:
    user = sandbox.user("zhangsan")
    first = await user.send_text("once")
    again = await sandbox.redeliver(first)
    assert again.status == 200 and again.msg_id == first.msg_id and again.xml == first.xml
    assert app.raw[0] == app.raw[1]
    assert app.received[0] == app.received[1]

    assert await sandbox.tamper(first) == 403
    assert len(app.received) == 2

    status, body, expected = await sandbox.verify_url()
    assert status == 200 and body == expected


async def test_fail_next_answers_the_injected_errcode_without_recording(
    sandbox: WeComSandbox, http: aiohttp.ClientSession
) -> None:
    user = sandbox.user("zhangsan")
    token = await new_token(http, sandbox)
    sandbox.fail_next("message/send", 45009, times=2)
    sandbox.fail_next("gettoken", -1)
    for _ in range(2):
        assert (await send(http, sandbox, token, text("zhangsan", "hi")))["errcode"] == 45009
    assert user.messages == []
    assert (await send(http, sandbox, token, text("zhangsan", "hi")))["errcode"] == 0
    busy = await get_json(http, f"{sandbox.url}/cgi-bin/gettoken", corpid=CORP_ID, corpsecret=SECRET)
    assert busy == {"errcode": -1, "errmsg": "system busy"}
    assert sandbox.calls["message/send"] == 3 and len(user.messages) == 1


async def test_wait_for_waits_for_the_apps_answer_to_the_users_last_action(
    sandbox: WeComSandbox, app: App, http: aiohttp.ClientSession
) -> None:
    user = sandbox.user("zhangsan")
    release = asyncio.Event()
    background: list[asyncio.Task[None]] = []

    async def reply(to: str, content: str) -> None:
        await release.wait()
        token = await new_token(http, sandbox)
        await send(http, sandbox, token, text(to, content))

    async def on_callback(message: dict[str, Any]) -> None:  # answers after the callback returned
        if message.get("Content") == "ping":
            background.append(asyncio.create_task(reply(message["FromUserName"], "pong: recorded")))

    app.on_callback = on_callback
    await user.send_text("ping")
    waiting = asyncio.create_task(user.wait_for("pong"))
    release.set()
    answer = await waiting
    assert isinstance(answer, SentMessage) and text_of(answer) == "pong: recorded"
    await asyncio.gather(*background)

    # What arrived before the last action does not count.
    release.clear()
    await user.send_text("ping")
    with pytest.raises(TimeoutError, match=r"nothing matching 'pong'.*arrived since the last action: \[\]"):
        await user.wait_for("pong", timeout=0)
    release.set()
    assert text_of(await user.wait_for(lambda m: m.msgtype == "text")) == "pong: recorded"
    assert len(user.messages) == 2


async def test_wait_for_update_waits_for_the_card_to_change(
    sandbox: WeComSandbox, app: App, http: aiohttp.ClientSession
) -> None:
    user = sandbox.user("zhangsan")
    background: list[asyncio.Task[None]] = []

    async def update(code: str) -> None:
        token = await new_token(http, sandbox)
        body = {
            "userids": ["zhangsan"],
            "agentid": AGENT_ID,
            "response_code": code,
            "button": {"replace_name": "Sent"},
        }
        await update_card(http, sandbox, token, body)

    async def on_callback(message: dict[str, Any]) -> None:
        if message.get("Event") == "template_card_event":
            background.append(asyncio.create_task(update(message["ResponseCode"])))

    app.on_callback = on_callback
    token = await new_token(http, sandbox)
    await send(http, sandbox, token, card("zhangsan", BUTTON_CARD))
    message = user.messages[0]
    await user.press(message, "approve")
    updated = await user.wait_for_update(message)
    assert updated.replaced_button == "Sent" and updated.revisions[-1].replace_name == "Sent"
    with pytest.raises(ValueError, match="replaced"):
        await user.press(message, "reject")
    await asyncio.gather(*background)
