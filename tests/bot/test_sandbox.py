"""The local Telegram sandbox, driven by the real python-telegram-bot over HTTP and by the sim client."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from PIL import Image
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from liuhen.sandbox.client import (
    SandboxClient,
    SandboxError,
    origin_channel,
    origin_chat,
    origin_hidden,
    origin_user,
)
from liuhen.sandbox.server import SandboxServer

pytestmark = pytest.mark.timeout(60)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
Ctx = ContextTypes.DEFAULT_TYPE


# ---------------------------------------------------------------------------------------------- helpers


@contextlib.asynccontextmanager
async def running(
    sandbox: SandboxServer, token: str, *handlers: BaseHandler[Any, Any, Any]
) -> AsyncIterator[AnyApp]:
    """A PTB Application long-polling the sandbox."""
    app: AnyApp = (
        ApplicationBuilder()
        .token(token)
        .base_url(sandbox.bot_api_url)
        .base_file_url(sandbox.file_url)
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


@contextlib.asynccontextmanager
async def plain_bot(sandbox: SandboxServer, token: str) -> AsyncIterator[Bot]:
    async with Bot(token, base_url=sandbox.bot_api_url, base_file_url=sandbox.file_url) as bot:
        yield bot


def recorder(seen: asyncio.Queue[Update]) -> BaseHandler[Any, Any, Any]:
    async def record(update: Update, context: Ctx) -> None:
        await seen.put(update)

    return TypeHandler(Update, record)


async def next_updates(bot: Bot, count: int) -> list[Update]:
    """Polls until ``count`` updates came (and confirms them)."""
    got: list[Update] = []
    offset = None
    while len(got) < count:
        batch = await bot.get_updates(offset=offset, timeout=1)
        got += batch
        if batch:
            offset = batch[-1].update_id + 1
    await bot.get_updates(offset=offset, timeout=0)
    return got


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


async def make_user(sim: SandboxClient, name: str = "王") -> int:
    return int((await sim.create_user(name, last_name="法官"))["id"])


# -------------------------------------------------------------------------------------- round trips


async def test_echo_round_trip_through_a_polling_application(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    async def echo(update: Update, context: Ctx) -> None:
        assert update.message is not None
        await update.message.reply_text(f"echo: {update.message.text}")

    user = await sim.create_user("王", last_name="法官", username="judge_wang")
    async with running(sandbox, bot_token, MessageHandler(filters.TEXT, echo)):
        sent = await sim.send_text(user["id"], "你好")
        reply = await sim.wait_for(user["id"], "echo: 你好")

    assert user["id"] == 10001 and user["language_code"] == "zh-hans"
    assert reply["message_id"] == sent["message"]["message_id"] + 1
    chat = await sim.chat(user["id"])
    assert [(m["from_bot"], m["text"]) for m in chat] == [(False, "你好"), (True, "echo: 你好")]
    assert chat[1]["chat"] == {
        "id": user["id"],
        "type": "private",
        "first_name": "王",
        "last_name": "法官",
        "username": "judge_wang",
    }
    assert isinstance(chat[0]["date"], int) and chat[1]["from"]["username"] == "liuhen_sandbox_bot"
    stats = await sim.stats()
    assert stats["sent"] == 1 and stats["updates_delivered"] == 1 and stats["updates_pending"] == 0


async def test_commands_get_entities_and_html_replies_become_entities(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    async def start(update: Update, context: Ctx) -> None:
        assert update.message is not None
        await update.message.reply_html('<b>欢迎</b> 👋 <a href="https://example.org">链接</a> &lt;ok&gt;')

    uid = await make_user(sim)
    async with running(sandbox, bot_token, CommandHandler("start", start)):
        await sim.send_text(uid, "/start")
        reply = await sim.wait_for(uid, "欢迎")

    assert reply["text"] == "欢迎 👋 链接 <ok>"
    assert reply["entities"] == [
        {"type": "bold", "offset": 0, "length": 2},
        {"type": "text_link", "url": "https://example.org", "offset": 6, "length": 2},
    ]


async def test_each_forward_origin_parses_into_its_ptb_class(
    sim: SandboxClient, sandbox: SandboxServer, bot_token: str
) -> None:
    uid = await make_user(sim)
    origins = [
        origin_user(777, "李", last_name="四", username="lisi", date=1_700_000_001),
        origin_hidden("匿名用户", date=1_700_000_002),
        origin_chat(-100123, "某法院群", author_signature="管理员", date=1_700_000_003),
        origin_channel(-100456, "某某频道", 42, username="somechannel", date=1_700_000_004),
    ]
    for origin in origins:
        await sim.send_text(uid, "转发的内容", forward_origin=origin)
    async with plain_bot(sandbox, bot_token) as bot:
        updates = await next_updates(bot, 4)

    user_o, hidden_o, chat_o, channel_o = (u.message.forward_origin for u in updates if u.message)
    assert isinstance(user_o, MessageOriginUser)
    assert user_o.sender_user.full_name == "李 四" and user_o.sender_user.username == "lisi"
    assert int(user_o.date.timestamp()) == 1_700_000_001
    assert isinstance(hidden_o, MessageOriginHiddenUser) and hidden_o.sender_user_name == "匿名用户"
    assert isinstance(chat_o, MessageOriginChat)
    assert chat_o.sender_chat.title == "某法院群" and chat_o.author_signature == "管理员"
    assert isinstance(channel_o, MessageOriginChannel)
    assert channel_o.chat.username == "somechannel" and channel_o.message_id == 42
    assert int(channel_o.date.timestamp()) == 1_700_000_004


# -------------------------------------------------------------------------------------------- media


async def test_photo_sizes_and_downloads(sandbox: SandboxServer, sim: SandboxClient, bot_token: str) -> None:
    uid = await make_user(sim)
    original = png(1000, 600)
    await sim.send_file(uid, "photo", original, filename="scan.png", mime_type="image/png", caption="证据")
    await sim.send_file(uid, "photo", original)
    async with plain_bot(sandbox, bot_token) as bot:
        first, second = await next_updates(bot, 2)
        assert first.message is not None and second.message is not None
        sizes = first.message.photo
        assert [(s.width, s.height) for s in sizes] == [(90, 54), (320, 192), (1000, 600)]
        assert len({s.file_id for s in sizes}) == 3 and sizes[-1].file_size == len(original)
        assert first.message.caption == "证据"
        assert bytes(await (await bot.get_file(sizes[-1].file_id)).download_as_bytearray()) == original
        thumb = bytes(await (await bot.get_file(sizes[0].file_id)).download_as_bytearray())
        assert Image.open(io.BytesIO(thumb)).size == (90, 54)
        again = second.message.photo[-1]
        assert again.file_unique_id == sizes[-1].file_unique_id and again.file_id != sizes[-1].file_id

        echoed = await bot.send_photo(uid, sizes[-1].file_id, caption="收到")
        assert echoed.photo[-1].file_unique_id == sizes[-1].file_unique_id
        with pytest.raises(BadRequest):
            await bot.send_photo(uid, "https://example.org/a.jpg")
        with pytest.raises(BadRequest):
            await bot.send_photo(uid, b"not an image")
    assert await sim.download(sizes[-1].file_id) == original
    tiny = png(1, 1)
    await sim.send_file(uid, "photo", tiny)
    chat = await sim.chat(uid)
    assert len(chat[-1]["photo"]) == 1 and chat[-1]["file_url"].endswith(chat[-1]["photo"][0]["file_id"])


async def test_documents_voice_audio_video_and_video_notes(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    uid = await make_user(sim)
    await sim.send_file(uid, "document", b"%PDF-1.4 ...", filename="判决书.pdf", mime_type="application/pdf")
    await sim.send_file(uid, "voice", b"OggS voice", duration=7)
    await sim.send_file(
        uid, "audio", b"ID3 audio", filename="通话.mp3", duration=65, title="通话", performer="某人"
    )
    await sim.send_file(uid, "video", b"video bytes", filename="v.mp4", duration=12, width=1280, height=720)
    await sim.send_file(uid, "video_note", b"round video", duration=9, length=360)
    async with plain_bot(sandbox, bot_token) as bot:
        messages = [u.message for u in await next_updates(bot, 5) if u.message]
        document, voice, audio, video, note = messages
        assert document.document is not None
        assert (document.document.file_name, document.document.mime_type) == ("判决书.pdf", "application/pdf")
        assert document.document.file_size == len(b"%PDF-1.4 ...")
        assert voice.voice is not None and (voice.voice.duration, voice.voice.mime_type) == (7, "audio/ogg")
        assert audio.audio is not None
        assert (audio.audio.title, audio.audio.performer, audio.audio.mime_type) == (
            "通话",
            "某人",
            "audio/mpeg",
        )
        assert video.video is not None and (video.video.width, video.video.height) == (1280, 720)
        assert note.video_note is not None and (note.video_note.length, note.video_note.duration) == (360, 9)
        file = await bot.get_file(voice.voice.file_id)
        assert bytes(await file.download_as_bytearray()) == b"OggS voice"

        sent = await bot.send_document(
            uid, b"report body", filename="report.txt", caption="<i>报告</i>", parse_mode="HTML"
        )
        assert sent.document is not None and sent.document.file_name == "report.txt"
        assert sent.caption == "报告"
        assert await sim.download(sent.document.file_id) == b"report body"
        with pytest.raises(BadRequest, match="caption is too long"):
            await bot.send_document(uid, b"x", filename="x.txt", caption="长" * 1025)
    last = (await sim.chat(uid))[-1]
    assert last["from_bot"] and last["document"]["file_name"] == "report.txt" and "file_url" in last


async def test_album_shares_a_media_group_id(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    uid = await make_user(sim)
    await sim.send_file(uid, "photo", png(400, 300), media_group_id="album-1", caption="第一张")
    await sim.send_file(uid, "photo", png(300, 400), media_group_id="album-1")
    async with plain_bot(sandbox, bot_token) as bot:
        messages = [u.message for u in await next_updates(bot, 2) if u.message]
    assert [m.media_group_id for m in messages] == ["album-1", "album-1"]
    assert messages[0].message_id + 1 == messages[1].message_id


async def test_files_over_20_mb_cannot_be_fetched(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    uid = await make_user(sim)
    await sim.send_file(uid, "document", b"\0" * (20 * 1024 * 1024 + 1), filename="big.bin")
    async with plain_bot(sandbox, bot_token) as bot:
        (update,) = await next_updates(bot, 1)
        assert update.message is not None and update.message.document is not None
        with pytest.raises(BadRequest, match="too big"):
            await bot.get_file(update.message.document.file_id)


# ---------------------------------------------------------------------------------- inline keyboards


async def test_inline_keyboard_press_answer_and_edit_in_place(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    seen: asyncio.Queue[Any] = asyncio.Queue()

    async def menu(update: Update, context: Ctx) -> None:
        assert update.message is not None
        buttons = [
            [
                InlineKeyboardButton("同意", callback_data="agree"),
                InlineKeyboardButton("拒绝", callback_data="deny"),
            ]
        ]
        await update.message.reply_text("请选择", reply_markup=InlineKeyboardMarkup(buttons))

    async def chosen(update: Update, context: Ctx) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await seen.put(query)
        await query.answer("已记录")
        await query.edit_message_text(f"你选择了 {query.data}")
        try:
            await query.edit_message_text(f"你选择了 {query.data}")
        except BadRequest as error:
            await seen.put(error)
        try:
            await query.answer("again")
        except BadRequest as error:
            await seen.put(error)

    uid = await make_user(sim)
    async with running(sandbox, bot_token, CommandHandler("menu", menu), CallbackQueryHandler(chosen)):
        await sim.send_text(uid, "/menu")
        keyboard = await sim.wait_for(uid, "请选择")
        await sim.press(uid, keyboard["message_id"], text="同意")
        edited = await sim.wait_for(uid, "你选择了 agree")
        query, not_modified, too_old = [await asyncio.wait_for(seen.get(), 5) for _ in range(3)]

    assert query.data == "agree" and query.chat_instance and query.from_user.id == uid
    assert query.message.message_id == keyboard["message_id"]
    assert query.message.reply_markup.inline_keyboard[0][1].callback_data == "deny"
    assert "not modified" in str(not_modified) and "Query is too old" in str(too_old)
    assert (
        edited["message_id"] == keyboard["message_id"]
        and edited["edit_date"]
        and "reply_markup" not in edited
    )
    state = await sim.chat_state(uid)
    assert [m["message_id"] for m in state["messages"]].count(keyboard["message_id"]) == 1
    assert [a["text"] for a in state["callback_answers"]] == ["已记录"]
    assert state["callback_answers"][0]["show_alert"] is False


async def test_pressing_needs_a_real_button_unless_forged(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    uid = await make_user(sim)
    async with plain_bot(sandbox, bot_token) as bot:
        sent = await bot.send_message(
            uid,
            "选择",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("网站", url="https://example.org")]]),
        )
        with pytest.raises(SandboxError) as missing:
            await sim.press(uid, sent.message_id, data="nope")
        with pytest.raises(SandboxError) as url_button:
            await sim.press(uid, sent.message_id, text="网站")
        await sim.press(uid, sent.message_id, data="admin:delete_all", forge=True)
        (update,) = await next_updates(bot, 1)
    assert missing.value.status == 400 and url_button.value.status == 400
    assert update.callback_query is not None and update.callback_query.data == "admin:delete_all"


# ------------------------------------------------------------------------------------ Telegram's limits


async def test_telegram_limits_are_enforced(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    uid = await make_user(sim)

    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("按钮", callback_data=data)]])

    async with plain_bot(sandbox, bot_token) as bot:
        await bot.send_message(uid, "ok", reply_markup=keyboard("a" * 64))
        await bot.send_message(uid, "ok", reply_markup=keyboard("案" * 21))  # 63 bytes
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(uid, "x", reply_markup=keyboard("a" * 65))
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(uid, "x", reply_markup=keyboard("案" * 22))  # 66 bytes
        await bot.send_message(uid, "字" * 4096)
        await bot.send_message(uid, "<b>" + "字" * 4096 + "</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="too long"):
            await bot.send_message(uid, "字" * 4097)
        with pytest.raises(BadRequest, match="text is empty"):
            await bot.send_message(uid, "   ")
        with pytest.raises(BadRequest, match=r"(?i)unsupported start tag"):
            await bot.send_message(uid, "a<br>b", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(999_999, "nobody")
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", chat_id=uid, message_id=9999)
    assert (await sim.stats())["sent"] == 4


async def test_blocked_user_gives_forbidden(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    uid = await make_user(sim)
    await sim.block(uid)
    async with plain_bot(sandbox, bot_token) as bot:
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_message(uid, "还在吗")
        (update,) = await next_updates(bot, 1)
        assert update.my_chat_member is not None
        assert update.my_chat_member.new_chat_member.status == "kicked"
        await sim.block(uid, blocked=False)
        await bot.send_message(uid, "欢迎回来")


async def test_rate_limits_answer_429(sandbox: SandboxServer, sim: SandboxClient, bot_token: str) -> None:
    first, second = await make_user(sim), await make_user(sim, "李")
    await sim.set_limits(global_per_second=2)
    async with plain_bot(sandbox, bot_token) as bot:
        await bot.send_message(first, "1")
        await bot.send_message(second, "2")
        with pytest.raises(RetryAfter):
            await bot.send_message(first, "3")
        await sim.set_limits(per_chat_per_second=1)
        await bot.send_message(first, "4")
        with pytest.raises(RetryAfter):
            await bot.send_message(first, "5")
        await bot.send_message(second, "6")
    stats = await sim.stats()
    assert (stats["sent"], stats["rejected_429"]) == (4, 2)


# ------------------------------------------------------------------------------------- redelivery, misc


async def test_replay_delivers_the_same_update_again(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    seen: asyncio.Queue[Update] = asyncio.Queue()
    uid = await make_user(sim)
    async with running(sandbox, bot_token, recorder(seen)):
        sent = await sim.send_text(uid, "只说一次")
        first = await asyncio.wait_for(seen.get(), 5)
        await sim.replay(sent["update_id"])
        again = await asyncio.wait_for(seen.get(), 5)
        await sim.send_text(uid, "下一条")
        after = await asyncio.wait_for(seen.get(), 5)
    assert first.update_id == again.update_id == sent["update_id"]
    assert first.message is not None and again.message is not None
    assert again.message.text == first.message.text == "只说一次"
    assert after.update_id == sent["update_id"] + 1
    with pytest.raises(SandboxError):
        await sim.replay(12345)


async def test_commands_per_scope(sandbox: SandboxServer, sim: SandboxClient, bot_token: str) -> None:
    judge, visitor = await make_user(sim), await make_user(sim, "访客")
    async with plain_bot(sandbox, bot_token) as bot:
        await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("help", "帮助")])
        assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
        await bot.set_my_commands([BotCommand("report", "记录干预")], scope=BotCommandScopeChat(judge))
        with pytest.raises(BadRequest):
            await bot.set_my_commands([BotCommand("Bad-Command", "x")])
    assert await sim.commands() == [{"command": "report", "description": "记录干预"}]  # the last set
    assert [c["command"] for c in await sim.commands(user_id=judge)] == ["report"]
    assert [c["command"] for c in await sim.commands(user_id=visitor)] == ["start", "help"]
    assert [c["command"] for c in await sim.commands(scope={"type": "default"})] == ["start", "help"]


async def test_chat_actions_deletions_and_events(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    uid = await make_user(sim)
    async with plain_bot(sandbox, bot_token) as bot:
        cursor = (await sim.send_text(uid, "hi"))["seq"]
        assert await sim.events(uid, after=cursor, timeout=0.2) == []
        await bot.send_chat_action(uid, "typing")
        sent = await bot.send_message(uid, "马上删除")
        assert await bot.delete_message(uid, sent.message_id)
        with pytest.raises(BadRequest, match="not found"):
            await bot.delete_message(uid, sent.message_id)
    events = await sim.events(uid, after=cursor, timeout=1)
    assert [e["type"] for e in events] == ["chat_action", "message", "deleted_message"]
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert (await sim.chat(uid))[-1]["deleted"] is True
    assert await sim.bot_messages(uid) == []


async def test_raw_http_shapes(sandbox: SandboxServer, sim: SandboxClient, bot_token: str) -> None:
    uid = await make_user(sim)
    api = f"{sandbox.bot_api_url}{bot_token}"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{api}/getme") as response:
            me = await response.json()
        async with http.post(f"{api}/sendMessage", json={"chat_id": uid, "text": "json body"}) as response:
            sent = await response.json()
        async with http.post(f"{api}/sendMessage", data={"chat_id": str(uid), "text": ""}) as response:
            empty = (response.status, await response.json())
        async with http.get(f"{api}/noSuchMethod") as response:
            unknown = (response.status, await response.json())
        async with http.get(f"{sandbox.file_url}{bot_token}/documents/nothing.pdf") as response:
            missing_file = response.status
    assert me["ok"] and me["result"]["is_bot"] and me["result"]["id"] == 123456789
    assert sent["ok"] and sent["result"]["text"] == "json body"
    assert empty == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"},
    )
    assert unknown == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert missing_file == 404


# -------------------------------------------------------------------------------------------- webhook


async def test_webhook_delivery_retries_and_blocks_get_updates(
    sandbox: SandboxServer, sim: SandboxClient, bot_token: str
) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    answers = iter([500, 200])
    delivered = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        if len(received) == 2:
            delivered.set()
        return web.Response(status=next(answers, 200))

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    uid = await make_user(sim)
    try:
        async with plain_bot(sandbox, bot_token) as bot:
            assert await bot.set_webhook(url, secret_token="s3cret_token-1")
            with pytest.raises(Conflict, match="webhook is active"):
                await bot.get_updates()
            sent = await sim.send_text(uid, "走 webhook")
            await asyncio.wait_for(delivered.wait(), 5)
            info = await bot.get_webhook_info()
            status = await sim.webhook()
            assert await bot.delete_webhook()
            assert await bot.get_updates(timeout=0) == ()
    finally:
        await runner.cleanup()

    assert [secret for secret, _ in received] == ["s3cret_token-1", "s3cret_token-1"]
    assert [body["update_id"] for _, body in received] == [sent["update_id"]] * 2
    assert received[1][1]["message"]["text"] == "走 webhook"
    assert info.url == url and info.pending_update_count == 0 and info.last_error_message
    assert (status["delivered"], status["failed_attempts"]) == (1, 1)
