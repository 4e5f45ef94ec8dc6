"""The sign-off chain over chat buttons: officers' cards, decisions, the recorder's news, /pending,
the outbox and the deadline job."""

from __future__ import annotations

import structlog
from telegram import Bot, InputFile, Update
from telegram.error import BadRequest

from liuhen.app.runtime import Runtime
from liuhen.app.usecases import courts, signoff
from liuhen.app.usecases.signoff import PressResult
from liuhen.bot import questionnaire
from liuhen.bot.context import Context
from liuhen.bot.decided import followed
from liuhen.bot.outbox import (
    PREFIX,
    config_of,
    deliver,
    markup,
    voice_of,
)
from liuhen.bot.parse import typed_text
from liuhen.bot.router import Router
from liuhen.domain.records import Evidence, EvidenceKind, EvidenceState
from liuhen.texts import signoff as texts

log = structlog.get_logger(__name__)


async def _show(
    update: Update, context: Context, result: PressResult, chat_id: int, edit: int | None
) -> None:
    bot, rt = context.bot, context.runtime
    opinion = texts.opinion(result)
    if result.rows and edit is not None and opinion is None:
        try:
            await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=edit, reply_markup=markup(result.rows, voice_of(rt))
            )
        except BadRequest as exc:
            if "not modified" not in exc.message:
                await bot.send_message(
                    chat_id,
                    texts.notice(result, voice_of(context.runtime)) or texts.ASK_DEFAULT,
                    reply_markup=markup(result.rows, voice_of(rt)),
                )
    elif opinion is not None:
        await bot.send_message(chat_id, opinion, reply_markup=markup(result.rows, voice_of(rt)))
    question = texts.ask(result)
    if question is not None:
        await bot.send_message(chat_id, question)
    if result.full is not None:
        await bot.send_message(
            chat_id, texts.full(result.full, result.full_chain, result.names, rt.settings.tz)
        )
    for e in result.evidence:
        await _send_evidence(bot, rt, chat_id, result, e)
    await followed(bot, rt, result, context.me.staff.court_id)
    if result.open_record is not None:
        await questionnaire.start(bot, rt, context, chat_id, result.open_record)


async def _send_evidence(bot: Bot, rt: Runtime, chat_id: int, result: PressResult, e: Evidence) -> None:
    """查看证据: the original files as documents (never re-encoded), texts as text."""
    number = result.evidence_number or ""
    if e.kind in (EvidenceKind.TEXT.value, EvidenceKind.NOTE.value):
        await bot.send_message(chat_id, texts.evidence_text(number, e))
        return
    if e.state != EvidenceState.STORED.value or e.sha256 is None:
        await bot.send_message(chat_id, texts.evidence_missing(number, e))
        return
    data = await rt.store.read(e.sha256)
    name = e.file_name or f"{e.sha256[:12]}"
    await bot.send_document(
        chat_id, InputFile(data, filename=name), caption=texts.evidence_caption(number, e)[:1000]
    )


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    rt = context.runtime
    result = await signoff.press(
        rt.db.uow(),
        staff=context.me.staff,
        token=query.data.removeprefix(PREFIX),
        clock=rt.clock,
        config=config_of(rt),
    )
    await query.answer(texts.notice(result, voice_of(context.runtime)))
    if query.message is None:
        return
    await _show(update, context, result, query.message.chat.id, query.message.message_id)


async def try_typed(update: Update, context: Context) -> bool:
    """An opinion or a return reason the officer was asked for; False when the text is something else."""
    text = typed_text(update)
    rt = context.runtime
    if text is None or not await signoff.pending_text(rt.db.uow(read_only=True), staff=context.me.staff):
        return False
    typed = await signoff.typed(
        rt.db.uow(),
        staff=context.me.staff,
        text=text,
        update_id=update.update_id,
        clock=rt.clock,
        config=config_of(rt),
    )
    if typed.duplicate:
        return True
    if typed.result is None:
        return False
    chat_id = update.effective_chat.id if update.effective_chat else 0
    result = typed.result
    said = texts.notice(result, voice_of(context.runtime))
    if said and result.opinion is None and not result.keys:
        await context.bot.send_message(chat_id, said)
    elif result.keys or result.closed:
        await context.bot.send_message(chat_id, texts.SUBMITTED)
    await _show(update, context, result, chat_id, None)
    return True


async def pending_command(update: Update, context: Context) -> None:
    assert update.message is not None
    rt = context.runtime
    found = await signoff.pending(rt.db.uow(), staff=context.me.staff, clock=rt.clock, config=config_of(rt))
    rows = [[item.button] for item in found.items if item.button is not None]
    await update.message.reply_text(
        texts.pending(found.items, rt.settings.tz, more=found.more), reply_markup=markup(rows, voice_of(rt))
    )


async def outbox_job(context: Context) -> None:
    """Send what a crash or a failed send left in the outbox; then look at the deadlines (seed 004 §13)."""
    rt = context.runtime
    keys: list[str] = []
    for court_id in await courts.court_ids(rt.db.uow(read_only=True)):  # every court of the deployment
        keys += await signoff.check_deadlines(
            rt.db.uow(), court_id=court_id, now=rt.clock.now(), config=config_of(rt)
        )
    await deliver(context.bot, rt, keys)
    stale = await signoff.due_outbox(rt.db.uow(read_only=True), rt.clock.now())
    await deliver(context.bot, rt, stale)


def install(router: Router) -> None:
    router.command("pending", pending_command)
    router.buttons(PREFIX, on_button)
    router.typed(lambda me: me.pending_field == signoff.PENDING, try_typed)
    router.job(
        "signoff_outbox",
        outbox_job,
        every=lambda s: s.reminder_check_seconds,
        first=lambda s: min(5.0, s.reminder_check_seconds),
    )
