"""Showing the guided questions: one message per question (or the review card), edited in place as
buttons are pressed. Shared by the features that open a record's questions (the receipt's [开始补充], a
returned record's [去补正], the questions themselves)."""

from __future__ import annotations

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from liuhen.app.runtime import Runtime
from liuhen.app.usecases import questionnaire
from liuhen.app.usecases.questionnaire import View
from liuhen.bot.context import Context
from liuhen.texts import questions as words

PREFIX = "q:"


def settings_of(rt: Runtime) -> questionnaire.Settings:
    return questionnaire.Settings(
        tz=rt.settings.tz,
        deadline_profile=rt.settings.deadline_profile.value,
        special_profile=rt.settings.special_items_profile,
    )


def markup(view: View) -> InlineKeyboardMarkup | None:
    if not view.rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(words.button_label(b), callback_data=PREFIX + b.token) for b in row]
            for row in view.rows
        ]
    )


async def show(bot: Bot, chat_id: int, view: View, *, edit_message_id: int | None = None) -> None:
    text, keyboard = words.view(view), markup(view)
    if edit_message_id is not None:
        try:
            await bot.edit_message_text(
                text, chat_id=chat_id, message_id=edit_message_id, reply_markup=keyboard
            )
            return
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
    await bot.send_message(chat_id, text, reply_markup=keyboard)


async def start(bot: Bot, rt: Runtime, context: Context, chat_id: int, record_id: int) -> None:
    view = await questionnaire.ask(
        rt.db.uow(), staff=context.me.staff, record_id=record_id, clock=rt.clock, settings=settings_of(rt)
    )
    if view is not None:
        await show(bot, chat_id, view)
