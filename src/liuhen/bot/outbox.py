"""What the door sends on its own after a commit: the sign-off outbox (officers' cards, the recorder's news,
escalations, copies; decided in the deciding transaction, sent after it, resent by a job after a crash),
the requests to the persons present to confirm a record (seed 001 实施办法 §4) and the case officers'
case-file tasks (入卷存查). Shared by the features whose actions post them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

import structlog
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import Forbidden, TelegramError

from liuhen.app.runtime import Runtime
from liuhen.app.usecases import casefile, casezero, courts, followup, signoff
from liuhen.app.usecases.intake import Button
from liuhen.app.usecases.signoff import Closed, Delivery
from liuhen.app.usecases.witnesses import WitnessRequest
from liuhen.evidence.store import EvidenceStoreError
from liuhen.reports import registration
from liuhen.reports.casezero import casezero_pdf
from liuhen.texts import casefile as casefile_texts
from liuhen.texts import followup as followup_texts
from liuhen.texts import monthly as monthly_texts
from liuhen.texts import signoff as texts
from liuhen.texts import witnesses as witness_texts
from liuhen.texts.profile import COURT, Voice, voice

log = structlog.get_logger(__name__)
PREFIX = "s:"
CASEFILE_PREFIX = "cf:"
WITNESS_PREFIX = "w:"
CASEZERO_PREFIX = "z:"
FOLLOWUP_PREFIX = "fu:"


def config_of(rt: Runtime) -> signoff.Config:
    return rt.signoff_config()


def voice_of(rt: Runtime) -> Voice:
    """How this deployment speaks: a court's or a procuratorate's titles and articles."""
    return voice(rt.settings.deadline_profile)


def markup(rows: Iterable[Iterable[Button]], v: Voice = COURT) -> InlineKeyboardMarkup | None:
    keyboard = [
        [InlineKeyboardButton(texts.button_label(b, v), callback_data=PREFIX + b.token) for b in row]
        for row in rows
    ]
    return InlineKeyboardMarkup(keyboard) if keyboard else None


def render(d: Delivery, rt: Runtime) -> str:
    return texts.delivery(d, rt.settings.tz, voice_of(rt))


async def deliver(bot: Bot, rt: Runtime, keys: Iterable[str]) -> int:
    """Send outbox messages (after the commit that posted them, or later by the job); how many went."""
    sent = 0
    for key in keys:
        delivery = await signoff.prepare(rt.db.uow(), key, rt.clock.now(), config_of(rt))
        if delivery is None:
            continue
        message_id: int | None = None
        try:
            if delivery.kind == "copy":
                message_id = await _send_form(bot, rt, delivery)
            elif delivery.kind == "notice":  # the PDF as issued, from the evidence store
                data = await rt.store.read(str(delivery.payload["sha256"]))
                document = InputFile(data, filename=str(delivery.payload["name"]))
                posted = await bot.send_document(delivery.chat_id, document, caption=render(delivery, rt))
                message_id = posted.message_id
            elif delivery.kind == casezero.CARD:
                card = casezero.card_of(delivery.chat_id, delivery.payload)
                text = render(delivery, rt)
                posted = await bot.send_message(delivery.chat_id, text, reply_markup=casezero_markup(card))
                message_id = posted.message_id
            else:
                keyboard = (
                    witness_markup(delivery.witness)
                    if delivery.witness is not None
                    else followup_markup(delivery.followup_card)
                    if delivery.followup_card is not None
                    else markup(delivery.rows, voice_of(rt))
                )
                message = await bot.send_message(
                    delivery.chat_id, render(delivery, rt), reply_markup=keyboard
                )
                message_id = message.message_id
        except Forbidden:
            log.warning("signoff_unreachable", key=key)  # blocked: never retried; /pending still shows it
        except (TelegramError, OSError, EvidenceStoreError) as exc:
            log.warning("signoff_send_failed", key=key, error=repr(exc))
            continue  # left unsent: the outbox job sends it again later
        if delivery.kind == casezero.TOLD and delivery.payload.get("pdf"):
            await _send_casezero_pdf(bot, rt, delivery)
        await signoff.delivered(rt.db.uow(), delivery, message_id, rt.clock.now())
        sent += 1
    return sent


def casezero_markup(card: casezero.ReviewCard) -> InlineKeyboardMarkup:
    """The reviewer's [确认] [有异议] of a per-case zero report (seed 004 §16)."""
    prefix = CASEZERO_PREFIX
    confirm = InlineKeyboardButton(monthly_texts.BUTTON_CONFIRM, callback_data=prefix + card.confirm_token)
    dispute = InlineKeyboardButton(monthly_texts.BUTTON_DISPUTE, callback_data=prefix + card.dispute_token)
    return InlineKeyboardMarkup([[confirm, dispute]])


async def _send_casezero_pdf(bot: Bot, rt: Runtime, d: Delivery) -> None:
    """The confirmed statement as a PDF for the case file, to the officer (the read is in the ledger)."""
    report, tz = int(d.payload["report"]), rt.settings.tz
    name, data = await casezero_pdf(rt.db, report, court_name=rt.court_name, tz=tz)
    try:
        await bot.send_document(d.chat_id, InputFile(data, filename=name), caption=str(d.payload.get("case")))
    except TelegramError as exc:
        log.warning("casezero_pdf_failed", error=repr(exc))


async def _send_form(bot: Bot, rt: Runtime, d: Delivery) -> int | None:
    """The registration form itself, produced for its reader (the read authorised and in the ledger), as a
    document (seed 002 §6: the form goes to the discipline office and trial management within 3 days)."""
    form = await registration.copy_for(rt, staff_pk=int(d.payload["staff"]), ref=str(d.payload["record"]))
    if form is None:
        log.info("form_copy_not_readable", key=d.key)  # left, or involved now: nothing is sent
        return None
    name, pdf = form
    caption = texts.form_copy(d, rt.settings.tz, voice_of(rt))[:1000]
    message = await bot.send_document(d.chat_id, InputFile(pdf, filename=name), caption=caption)
    return message.message_id


async def close_cards(bot: Bot, rt: Runtime, closed: Closed | None) -> None:
    """Edit every card of a decided level to say who decided what and when (no buttons left)."""
    if closed is None:
        return
    for chat_id, message_id in closed.cards:
        if chat_id < 0:  # a WeCom card: the WeCom door closes its own
            continue
        try:
            await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)
            await bot.send_message(
                chat_id, texts.closed(closed, rt.settings.tz), reply_to_message_id=message_id
            )
        except TelegramError as exc:
            log.info("card_not_closed", error=repr(exc))  # a stale card answers "已处理" anyway


def followup_markup(card: followup.Card) -> InlineKeyboardMarkup | None:
    """A follow-up card's buttons (seed 004 §17–§20)."""
    if not card.rows:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(followup_texts.button_label(b), callback_data=FOLLOWUP_PREFIX + b.token)
                for b in row
            ]
            for row in card.rows
        ]
    )


def witness_markup(r: WitnessRequest) -> InlineKeyboardMarkup:
    """[确认属实] [有异议（说明）] of a person present (seed 001 实施办法 §4)."""
    confirm = InlineKeyboardButton(witness_texts.CONFIRM, callback_data=WITNESS_PREFIX + r.confirm_token)
    dispute = InlineKeyboardButton(witness_texts.DISPUTE, callback_data=WITNESS_PREFIX + r.dispute_token)
    return InlineKeyboardMarkup([[confirm, dispute]])


def casefile_markup(view: casefile.TaskView) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(casefile_texts.BUTTON_DONE, callback_data=CASEFILE_PREFIX + view.token)
    return InlineKeyboardMarkup([[button]])


async def each_court(bot: Bot, rt: Runtime, send: Callable[[Bot, Runtime, int], Awaitable[None]]) -> None:
    """A job's work for every court of the deployment (a province runs them in one process)."""
    for court_id in await courts.court_ids(rt.db.uow(read_only=True)):
        await send(bot, rt, court_id)


async def send_case_file_tasks(bot: Bot, rt: Runtime, court_id: int) -> None:
    """New case-file tasks to their officers, overdue ones reminded once (入卷存查): by the job, and at once
    after a filing or a confirmed zero report."""
    for view in await casefile.due_nudges(rt.db.uow(), court_id=court_id, now=rt.clock.now()):
        try:
            await bot.send_message(
                view.chat_id, casefile_texts.task(view, rt.settings.tz), reply_markup=casefile_markup(view)
            )
        except TelegramError as exc:  # /casefile still lists it
            log.warning("casefile_nudge_failed", task=view.task.id, error=repr(exc))
