"""A judge answering on WeCom, as a person would: presses buttons, picks from one-choice cards, types the
rest (the same plan of answers as the chat's ten-tap walk, tests/bot/scripted_judge.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from liuhen.domain import questionnaire as q
from liuhen.sandbox.wecom import SentMessage, WeComUser
from liuhen.texts import common as texts
from tests.wecom.world import World

REVIEW = "请核对记录"
SUBMIT = "提交"
DONE = "完成"
DINNER = "今天下午庭后，原告代理律师张某当面邀请我吃饭，说可以付“咨询费”，我当场拒绝。"


def labels(m: SentMessage) -> list[str]:
    card: dict[str, Any] = m.card or {}
    if card.get("card_type") == "vote_interaction":
        return [o["text"] for o in card["checkbox"]["option_list"]]
    return [b["text"] for b in card.get("button_list", [])]


def key_of(m: SentMessage, label: str) -> str:
    card: dict[str, Any] = m.card or {}
    if card.get("card_type") == "vote_interaction":
        return next(o["id"] for o in card["checkbox"]["option_list"] if o["text"] == label)
    return next(b["key"] for b in card["button_list"] if b["text"] == label)


def title(m: SentMessage) -> str:
    for line in m.text.splitlines():
        if line.startswith("【") and "】" in line:
            return line.split("】", 1)[1].split("（")[0].rstrip("：:")
    return ""


class Judge:
    """A judge answering on WeCom: presses buttons, picks from one-choice cards, types the rest."""

    def __init__(self, user: WeComUser) -> None:
        self.user, self.taps, self.typed = user, 0, 0

    async def press(self, m: SentMessage, label: str) -> SentMessage:
        assert label in labels(m), (label, labels(m), m.text)
        self.taps += 1
        if (m.card or {}).get("card_type") == "vote_interaction":
            await self.user.select(m, {"choice": [key_of(m, label)]})
        else:
            await self.user.press(m, key_of(m, label))
        return await self.user.wait_for_update(m)

    async def type(self, text: str) -> SentMessage:
        self.typed += 1
        await self.user.send_text(text)
        return await self.user.wait_for(lambda x: x.card is not None)


async def press_label(user: WeComUser, m: SentMessage, label: str) -> None:
    """Press the button (or pick the option and 确定) labelled ``label``."""
    assert label in labels(m), (label, labels(m), m.text)
    if (m.card or {}).get("card_type") == "vote_interaction":
        await user.select(m, {"choice": [key_of(m, label)]})
    else:
        await user.press(m, key_of(m, label))


async def fill_and_submit(
    world: World, user: WeComUser, *, present: str = "无"
) -> tuple[Judge, list[str], SentMessage, str]:
    """From a dinner invitation's text to the submitted record: the judge, the questions asked, the review
    card and the message saying it was submitted."""
    judge = Judge(user)
    now = world.clock.now().astimezone(world.runtime.settings.tz)
    await user.send_text(DINNER)
    receipt = await user.wait_for("已留存证据")
    await user.press(receipt, key_of(receipt, texts.BUTTON_FILL))
    m = await user.wait_for(lambda x: x.card is not None and x is not receipt)
    await user.wait_for_update(receipt)
    assert receipt.replaced_button  # the receipt's buttons closed: the questions go on in their own card
    answers = {
        "记录类型": "接触交往",
        "过问时间": (now - timedelta(hours=3)).strftime("%m-%d %H:%M"),
        "过问方式": "当面",
        "发生场所": "本院第三法庭门口",
        "在场人员": present,
        "过问人姓名": "某律师事务所律师张某 13700000000",
        "案号": "（2026）豫0825民初1187号 民间借贷纠纷",
        "主要内容": "邀请吃饭并提出支付咨询费",
        "记录人答复": "当场制止",
    }
    asked: list[str] = []
    for _ in range(40):
        if REVIEW in m.text:
            break
        t = title(m)
        asked.append(t)
        if t in (q.GROUPS[q.FLAGS][0], q.BY_KEY["special_items"].label):
            m = await judge.press(m, DONE)  # nothing of these applies
        elif t in answers:
            answer = answers[t]
            if answer in labels(m):
                m = await judge.press(m, answer)
            elif f"✓ {answer}" in labels(m):
                m = await judge.press(m, f"✓ {answer}")
            else:
                m = await judge.type(answer)
        else:
            raise AssertionError(f"no answer planned for {t!r}:\n{m.text}\n{labels(m)}")
    else:
        raise AssertionError("never reached the review card")
    assert "还差" not in m.text, m.text
    review = m
    await judge.press(review, SUBMIT)
    said = await user.wait_for("已提交")
    return judge, asked, review, said.text
