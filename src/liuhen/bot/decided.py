"""What follows a sign-off decision in the chat, wherever it was taken (a button, a typed opinion, the desk
console's form): the level's cards closed, the next level's card and the recorder's news sent, and — once
disposed of — the case-file tasks and the follow-up cards (seed 004 §13, §14, §17–§20)."""

from __future__ import annotations

from telegram import Bot

from liuhen.app.runtime import Runtime
from liuhen.app.usecases.signoff import PressResult
from liuhen.bot import followup_cards
from liuhen.bot.outbox import close_cards, deliver, send_case_file_tasks
from liuhen.domain.signoff import DecisionKind


async def followed(bot: Bot, rt: Runtime, result: PressResult, court_id: int) -> None:
    await close_cards(bot, rt, result.closed)
    await deliver(bot, rt, result.keys)
    if result.closed is not None and result.closed.what is DecisionKind.DISPOSE:  # filed: into the case file
        await send_case_file_tasks(bot, rt, court_id)
        await followup_cards.send_due(bot, rt, court_id)  # 分流处理 (seed 004 §17–§20)
