"""Getting a record to the review card quickly: the judge sends evidence through the bot, the answers are
filled in through the questionnaire's own validation (the questions themselves are tested in
test_questions.py), and the judge presses 开始补充 → 提交 as a user would."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from liuhen.app.usecases.questionnaire import Settings, context_of
from liuhen.domain import questionnaire as q
from liuhen.texts import common as texts
from tests.bot.harness import Harness, Message, text_of

PLAN: dict[str, Any] = {
    "record_type": "external",
    "method": "wechat",
    "storage_medium": "本人手机微信",
    "intervener_name": "李书记",
    "intervener_unit": "某县委 书记",
    "intervener_contact": "13900001111",
    "relation": "self",
    "organ_category": "party",
    "retired": "no",
    "principal_leader": "no",
    "case_number": "（2026）豫0825民初1187号",
    "case_cause": "民间借贷纠纷",
    "stage": "trial",
    "case_officer": "本人",
    "content": "请关照一下李某的借贷案子。\n原告是我亲戚。\n希望尽快判。",
    "response": "refused",
}


def labels(m: Message) -> list[str]:
    return [b["text"] for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def fill_answers(h: Harness, judge: int, number: str, **overrides: Any) -> None:
    rt = h.runtime
    settings = Settings(tz=rt.settings.tz)
    plan = {**PLAN, **overrides}
    async with rt.db.uow() as uow:
        recorder = await uow.staff.by_telegram(judge)
        assert recorder is not None
        record = await uow.records.by_number(recorder.court_id, number)
        assert record is not None
        answers = dict(record.answers)
        now = h.clock.now()
        plan.setdefault("intervention_time", (now - timedelta(hours=1)).isoformat())
        for _ in range(60):
            record.answers = answers
            pending = q.pending(answers, context_of(record, settings))
            if not pending:
                break
            f = pending[0]
            raw = plan.get(f.key, [] if f.kind is q.Kind.MULTI else None)
            if raw is None:
                assert not f.required, f.key
                answers[f.key] = None
                continue
            if f.kind is q.Kind.DATETIME:
                raw = datetime.fromisoformat(raw).astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
            if f.kind in (q.Kind.CHOICE, q.Kind.YESNO):
                keys = [o.value for o in f.options(context_of(record, settings))]
                raw = raw if raw in keys else keys[0]
            answers[f.key] = q.validate(f, raw, context_of(record, settings), now=now, tz=settings.tz)
        record.answers = answers
        await uow.commit()


async def submit_record(
    h: Harness, judge: int, text: str = "李书记微信：请关照借贷案", **overrides: Any
) -> str:
    """The judge records and submits; returns the record number."""
    await h.sim.send_text(judge, text)
    receipt = await h.sim.wait_for(judge, lambda m: "已留存证据" in text_of(m), timeout=10)
    number = text_of(receipt).split("记录 ")[1].split()[0].strip("，。（）")
    number = number[: len("LH-2026-0001")]
    await fill_answers(h, judge, number, **overrides)
    await h.sim.press(judge, receipt["message_id"], text=texts.BUTTON_FILL)
    review = await h.sim.wait_for(
        judge, lambda m: "请核对记录" in text_of(m) and "提交" in labels(m), timeout=10
    )
    await h.sim.press(judge, review["message_id"], text="提交")
    await h.sim.wait_for(judge, lambda m: "已提交" in text_of(m), timeout=10)
    return number


async def sign_through(h: Harness, number: str, officers: list[int], office: int, disposition: str) -> None:
    """Each officer presses 同意 on the record's card, then the discipline office chooses ``disposition``."""

    def card(m: Message) -> bool:
        return "【待签批" in text_of(m) and number in text_of(m) and "同意" in labels(m)

    for person in [*officers, office]:
        m = await h.sim.wait_for(person, card, timeout=10)
        await h.sim.press(person, m["message_id"], text="同意")
    picker = await h.sim.wait_for(office, lambda m: disposition in labels(m), timeout=10)
    await h.sim.press(office, picker["message_id"], text=disposition)
