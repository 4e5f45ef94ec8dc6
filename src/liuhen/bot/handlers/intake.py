"""Evidence first: store the bytes durably, commit, and only then send the receipt."""

from __future__ import annotations

import structlog
from telegram import Bot, Update
from telegram.error import BadRequest

from liuhen.app import inspection
from liuhen.app.runtime import Arrived, Runtime
from liuhen.app.usecases import intake, signoff
from liuhen.app.usecases.intake import PressOutcome, ReceiptAction
from liuhen.app.usecases.signoff import Say
from liuhen.bot import keyboards, lean, outbox, questionnaire
from liuhen.bot.context import Context
from liuhen.bot.parse import incoming_from
from liuhen.bot.router import Router, router_of
from liuhen.bot.storing import download
from liuhen.domain.records import EvidenceState, FileRef
from liuhen.texts import common as texts
from liuhen.texts import signoff as signoff_texts

log = structlog.get_logger(__name__)


async def on_message(update: Update, context: Context) -> None:
    message = update.message
    assert message is not None
    if await router_of(context).answer_typed(update, context):
        return  # an answer to what waits for it (a question, an opinion, a complaint's content …)
    incoming = incoming_from(message, update.update_id)
    rt = context.runtime
    got = await download(context.bot, rt.store, incoming.file) if incoming.file is not None else None
    # group commit: concurrent judges' messages are stored and recorded together (bot/batching.py)
    receipt = await rt.intake.submit(
        Arrived(context.me.staff, incoming, context.raw.message_json(update, message), got)
    )
    if receipt is None:
        return  # a replay that was receipted already: nothing new, nothing re-sent
    await send_receipt(context.bot, message.chat_id, receipt, rt)
    newest = receipt.items[-1]
    if newest.id is not None and newest.sha256 and (newest.media_type or "").startswith("image/"):
        context.application.create_task(
            inspection.inspect(rt, newest.id, newest.sha256), name="inspect-image"
        )


async def _inspect_pending(context: Context) -> None:
    await inspection.inspect_pending(context.runtime)


async def send_receipt(bot: Bot, chat_id: int, receipt: intake.Receipt, rt: Runtime) -> None:
    text, markup = texts.receipt(receipt), keyboards.receipt_markup(receipt)
    sent_id: int | None = None
    if receipt.edit_message_id is not None:
        try:
            await lean.edit_text(bot, chat_id, receipt.edit_message_id, text, markup)
            sent_id = receipt.edit_message_id
        except BadRequest as exc:
            log.warning("receipt_edit_failed", error=exc.message)
    if sent_id is None:
        sent_id = await lean.send_text(bot, chat_id, text, markup)
    ids = [e.id for e in receipt.items if e.id is not None and e.receipt_message_id is None]
    await rt.receipts.submit((ids, sent_id))


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    rt = context.runtime
    token = query.data.removeprefix(keyboards.INTAKE_PREFIX)
    result = await intake.press(rt.db.uow(), staff=context.me.staff, token=token, clock=rt.clock)
    if result.outcome == PressOutcome.FORBIDDEN:
        log.warning("button_refused", action="intake")
        await query.answer(texts.BUTTON_FORBIDDEN, show_alert=True)
        return
    if result.outcome == PressOutcome.STALE:
        await query.answer(texts.BUTTON_STALE, show_alert=True)
        return
    if (
        result.outcome == PressOutcome.SUBMITTED
        and result.record is not None
        and result.record.id is not None
    ):
        await _direct_after_submission(update, context, result.record.id)
        return
    assert result.record is not None
    number = result.record.number
    if result.action == ReceiptAction.LATER:
        await query.answer(texts.LATER)
        await query.edit_message_reply_markup(None)
    elif result.action == ReceiptAction.SPLIT:
        assert result.receipt is not None
        await query.answer(texts.split_done(number))
        await query.edit_message_text(
            texts.receipt(result.receipt), reply_markup=keyboards.receipt(result.receipt)
        )
    elif result.action == ReceiptAction.DIRECT:
        await query.answer()
        await context.bot.send_message(
            query.message.chat.id if query.message else 0, texts.direct_marked(number)
        )
    else:  # FILL: the guided questions
        await query.answer()
        assert result.record.id is not None and query.message is not None
        await questionnaire.start(context.bot, rt, context, query.message.chat.id, result.record.id)


async def _direct_after_submission(update: Update, context: Context, record_id: int) -> None:
    """[直接报告纪检] on a receipt whose record is already in the sign-off chain (seed 004 §13)."""
    query, rt = update.callback_query, context.runtime
    assert query is not None
    done = await signoff.report_direct(
        rt.db.uow(), staff=context.me.staff, record_id=record_id, clock=rt.clock, config=outbox.config_of(rt)
    )
    v = outbox.voice_of(rt)
    await query.answer(signoff_texts.notice(done, v), show_alert=done.notice is not Say.DIRECT)
    if done.notice is Say.DIRECT:
        chat_id = query.message.chat.id if query.message else 0
        await context.bot.send_message(chat_id, signoff_texts.direct_reported(done.number, v))
        await outbox.close_cards(context.bot, rt, done.closed)
        await outbox.deliver(context.bot, rt, done.keys)


async def new_command(update: Update, context: Context) -> None:
    assert update.message is not None
    await intake.start_new_draft(context.runtime.db.uow(), staff=context.me.staff)
    await update.message.reply_text(texts.NEW_DRAFT)


async def drafts_command(update: Update, context: Context) -> None:
    assert update.message is not None
    rt = context.runtime
    summaries = await intake.open_drafts(rt.db.uow(read_only=True), staff=context.me.staff)
    await update.message.reply_text(texts.drafts(summaries, rt.settings.tz))


async def retry_downloads(context: Context) -> None:
    """Job: fetch files whose download failed at intake, and tell the recorder when they arrive."""
    rt = context.runtime
    async with rt.db.uow(read_only=True) as uow:
        pending = list(await uow.evidence.unfinished())
    for evidence in pending:
        assert evidence.id is not None and evidence.telegram_file_id is not None
        ref = FileRef(evidence.telegram_file_id, evidence.telegram_file_unique_id or "", evidence.size)
        got = await download(context.bot, rt.store, ref)
        arrival = await intake.file_outcome(
            rt.db.uow(),
            evidence_id=evidence.id,
            content=got if got.state is EvidenceState.STORED else None,
            clock=rt.clock,
            max_attempts=rt.settings.download_max_attempts,
        )
        if arrival is not None:
            await context.bot.send_message(arrival.chat_id, texts.file_arrived(arrival))


def install(router: Router) -> None:
    router.command("new", new_command)
    router.command("drafts", drafts_command)
    router.buttons(keyboards.INTAKE_PREFIX, on_button)
    router.evidence(on_message)  # everything a person sends that nothing waits for (nothing is discarded)
    router.job(  # images a stopped process left uninspected (the evidence rows are the queue)
        "inspections",
        _inspect_pending,
        every=lambda s: s.download_retry_seconds,
        first=lambda s: min(5.0, s.download_retry_seconds),
    )
    router.job(
        "retry_downloads",
        retry_downloads,
        every=lambda s: s.download_retry_seconds,
        first=lambda s: s.download_retry_seconds,
    )
