"""Buttons pressed again, delivered again, or never ours: a quiet, short answer and nothing else — never an
internal error (docs/architecture.md "Callback data"; seed 000: recording must not feel risky)."""

from __future__ import annotations

from pathlib import Path

from liuhen.texts import common as texts
from tests.bot.harness import Harness, start_harness, text_of


async def _probe(h: Harness, user: int) -> None:
    """Updates of one chat are handled in order: once this answer is there, everything sent before it
    has been handled."""
    reply = await h.say(user, "/whoami")
    assert "工号" in text_of(reply) or "j001" in text_of(reply)


async def test_a_press_delivered_again_shows_nothing_more(db_url: str, tmp_path: Path) -> None:
    async with start_harness(db_url, tmp_path) as h:
        judge = await h.enrol("j001")
        receipt = await h.say(judge, "县委办王主任让我关照一下被告")
        pressed = await h.sim.press(judge, receipt["message_id"], text=texts.BUTTON_LATER)
        await h.sim.wait_for(
            judge, lambda m: m["message_id"] == receipt["message_id"] and not m.get("reply_markup")
        )
        answers = len(await h.sim.callback_answers(judge))
        for _ in range(2):  # delivered twice more, as after a crash before the offset was confirmed
            await h.sim.replay(int(pressed["update_id"]))
        await _probe(h, judge)
        assert not any("内部错误" in t for t in await h.bot_texts(judge))
        assert len(await h.sim.callback_answers(judge)) == answers


async def test_a_button_nobody_knows_gets_a_short_answer(db_url: str, tmp_path: Path) -> None:
    async with start_harness(db_url, tmp_path) as h:
        judge = await h.enrol("j001")
        receipt = await h.say(judge, "律师约我吃饭")
        said = await h.answer_to_press(judge, receipt["message_id"], data="zz:not-a-button", forge=True)
        assert said == texts.BUTTON_FORBIDDEN
        await _probe(h, judge)
        assert not any("内部错误" in t for t in await h.bot_texts(judge))
