"""The registers in chat (台帐: seed 003 items 15, 16, 22): `/registers` shows the discipline office and the
court's chief the staff's relatives who practise law and the departed staff; each view is a logged read."""

from __future__ import annotations

from telegram import Update

from liuhen.app.usecases import registers
from liuhen.bot.context import Context
from liuhen.bot.router import Router
from liuhen.texts import registers as texts


async def registers_command(update: Update, context: Context) -> None:
    assert update.message is not None
    me = context.me.staff
    if not registers.may_read(me):
        await update.message.reply_text(texts.ONLY_OFFICE)
        return
    data = await registers.read_registers(
        context.runtime.db.uow(), court_id=me.court_id, actor=f"staff:{me.staff_id}"
    )
    for chunk in texts.listing(data):
        await update.message.reply_text(chunk)


def install(router: Router) -> None:
    router.command("registers", registers_command)
