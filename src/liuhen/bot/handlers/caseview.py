"""`/case 案号` (seed 003 §18): before a case goes to the 专业法官会议 or the 审判委员会, the presiding judge
reports the interference recorded for it — here are the records on the case that the person asking may read
and the per-case zero reports they may see, each read in the ledger."""

from __future__ import annotations

from telegram import Update

from liuhen.app.usecases import caseview
from liuhen.bot.context import Context
from liuhen.bot.router import Router
from liuhen.texts import caseview as texts
from liuhen.texts.profile import voice


async def case_command(update: Update, context: Context) -> None:
    """/case 案号 (spaces inside the number are fine: the words are joined again)."""
    message = update.message
    assert message is not None
    rt = context.runtime
    try:
        view = await caseview.view_case(
            rt.db.uow(),
            reader=context.me.staff,
            text=" ".join(context.args or []),
            today=rt.clock.now().astimezone(rt.settings.tz).date(),
        )
    except caseview.NotACase as exc:
        await message.reply_text(texts.usage(exc))
        return
    for text in texts.view(view, rt.settings.tz, voice(rt.settings.deadline_profile)):
        await message.reply_text(text)


def install(router: Router) -> None:
    router.command("case", case_command)
