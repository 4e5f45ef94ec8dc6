"""A judge who answers the questions like a person, through the chat only, counting every tap and every
typed answer from the receipt to the submitted record (seed 000: recording died of its burden; seed 004
登记表: every field still filled).

The situations are the typical ones of docs/scenarios.md. The judge answers what is asked — the question's
title picks the answer — ticks what is true on the cards of several choices, and submits from the review
card. A question the plan has no answer for is a failure: the walk never guesses. Used by
tests/bot/test_ten_taps.py and bench/taps.py.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from PIL import Image

from liuhen.domain import questionnaire as q
from liuhen.texts import common as texts
from tests.bot.harness import Harness, Message, text_of

REVIEW = "请核对记录"
SUBMIT = "提交"
DONE = "完成"
TO_REVIEW = "去核对提交"
MARKS = ("〔推断〕", "〔读自回答〕")


def labels(m: Message) -> list[str]:
    return [b["text"] for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def title(m: Message) -> str:
    """The question's title: the line starting 【LH-…】, without the count."""
    for line in text_of(m).splitlines():
        if line.startswith("【") and "】" in line:
            return line.split("】", 1)[1].split("（")[0].rstrip("：:")
    return ""


def png(color: str = "white", size: tuple[int, int] = (320, 640)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@dataclass(frozen=True)
class Item:
    """One piece of evidence the judge sends: text (forwarded when ``origin`` is given), or a file."""

    kind: str  # "text" or a file kind of the sandbox: "photo", "voice", "document"
    text: str = ""
    origin: Mapping[str, Any] | None = None
    data: Callable[[], bytes] | None = None
    filename: str | None = None


@dataclass(frozen=True)
class Scenario:
    key: str
    name: str
    evidence: tuple[Item, ...]
    #: question title → the answer: a button's label (pressed, also as "✓ label"), else typed
    answers: Mapping[str, str | Callable[[datetime], str]]
    ticked: frozenset[str] = frozenset()  # the toggles that are true
    special: tuple[str, ...] = ()  # the special-report items that apply
    limit: int = 10  # the goal: taps and typed answers from the receipt to the submitted record
    hurry: bool = False  # leaves the optional questions as soon as everything required is there


@dataclass
class Walk:
    scenario: Scenario
    taps: int = 0
    typed: int = 0
    asked: list[str] = field(default_factory=list)
    review: str = ""
    number: str = ""

    @property
    def actions(self) -> int:
        return self.taps + self.typed

    @property
    def fields(self) -> list[str]:
        return [line for line in self.review.splitlines() if line.startswith("· ")]

    @property
    def filled_without_asking(self) -> int:
        return sum(1 for line in self.fields if line.endswith(MARKS))


class UnexpectedQuestion(AssertionError):
    pass


async def _press(h: Harness, user: int, m: Message, label: str, walk: Walk) -> Message:
    assert label in labels(m), (label, labels(m), text_of(m))
    before = (text_of(m), labels(m))
    await h.sim.press(user, m["message_id"], text=label)
    walk.taps += 1
    return await h.sim.wait_for(
        user, lambda x: x["message_id"] == m["message_id"] and (text_of(x), labels(x)) != before, timeout=10
    )


async def _type(h: Harness, user: int, text: str, walk: Walk) -> Message:
    sent = await h.sim.send_text(user, text)
    walk.typed += 1
    return await h.reply_after(user, sent["message"]["message_id"])


async def _tick(h: Harness, user: int, m: Message, wanted: set[str], walk: Walk) -> Message:
    """Tick exactly ``wanted`` on a card of several choices, then 完成."""
    for label in labels(m):
        if label[:2] in ("☐ ", "☑ ") and (label[2:] in wanted) != label.startswith("☑"):
            m = await _press(h, user, m, label, walk)
    return await _press(h, user, m, DONE, walk)


async def send_evidence(h: Harness, user: int, scenario: Scenario) -> Message:
    """Send the scenario's evidence; the receipt of the last item."""
    receipt: Message = {}
    for item in scenario.evidence:
        if item.kind == "text":
            kw = {"forward_origin": dict(item.origin)} if item.origin else {}
            last = await h.sim.send_text(user, item.text, **kw)
        else:
            assert item.data is not None
            kw = {"filename": item.filename} if item.filename else {}
            last = await h.sim.send_file(user, item.kind, item.data(), **kw)
        sent = last["message"]["message_id"]
        receipt = await h.sim.wait_for(
            user, lambda m, sent=sent: m["message_id"] > sent and texts.BUTTON_FILL in labels(m), after=0
        )
    return receipt


async def walk(h: Harness, user: int, scenario: Scenario) -> Walk:
    """From the receipt to the submitted record, as a person would; the taps and answers it took."""
    result = Walk(scenario)
    receipt = await send_evidence(h, user, scenario)
    now = h.clock.now().astimezone(h.runtime.settings.tz)
    await h.sim.press(user, receipt["message_id"], text=texts.BUTTON_FILL)
    result.taps += 1
    m = await h.reply_after(user, receipt["message_id"])
    for _ in range(40):
        t = title(m)
        if REVIEW in text_of(m):
            break
        result.asked.append(t)
        if scenario.hurry and TO_REVIEW in labels(m):
            m = await _press(h, user, m, TO_REVIEW, result)
        elif t == q.GROUPS[q.FLAGS][0]:
            m = await _tick(h, user, m, set(scenario.ticked), result)
        elif t == q.BY_KEY["special_items"].label:
            m = await _tick(h, user, m, set(scenario.special), result)
        elif t in scenario.answers:
            answer = scenario.answers[t]
            text = answer(now) if callable(answer) else answer
            if text in labels(m):
                m = await _press(h, user, m, text, result)
            elif f"✓ {text}" in labels(m):
                m = await _press(h, user, m, f"✓ {text}", result)
            else:
                m = await _type(h, user, text, result)
        else:
            raise UnexpectedQuestion(f"{scenario.key}: the plan has no answer to {t!r}:\n{text_of(m)}")
    else:
        raise AssertionError(f"{scenario.key}: never reached the review card")
    result.review = text_of(m)
    result.number = title(m) and text_of(m).split("】")[0].split("【")[-1]
    m = await _press(h, user, m, SUBMIT, result)
    assert "已提交" in text_of(m), text_of(m)
    return result


def _origin(name: tuple[str, str], at: datetime) -> dict[str, Any]:
    first, last = name
    return {
        "type": "user",
        "date": int(at.timestamp()),
        "sender_user": {"id": 777001, "is_bot": False, "first_name": first, "last_name": last},
    }


def _earlier(hours: int) -> Callable[[datetime], str]:
    return lambda now: (now - timedelta(hours=hours)).strftime("%m-%d %H:%M")


PRESSURE = "韩法官，（2026）豫0825民初1187号那个借款案，原告是我们招商引资的企业，判的时候考虑一下地方发展。"


def scenarios(now: datetime) -> tuple[Scenario, ...]:
    """The typical situations (docs/scenarios.md), with the clock's ``now`` for forwarded messages' times."""
    return (
        Scenario(
            "wechat_forward",
            "转发微信消息：县委书记过问（外部人员，同级党委主要领导）",
            (Item("text", PRESSURE, origin=_origin(("李", "书记"), now - timedelta(minutes=20))),),
            {
                "记录类型": "外部人员过问",
                "过问人单位及职务": "某县委书记 13900001111",
                "案由或案件名称": "民间借贷纠纷",
            },
            ticked=frozenset({"同级党委或政法委主要领导"}),
            special=("超越职权提出倾向性意见",),
            limit=10,
        ),
        Scenario(
            "wechat_screenshot",
            "微信聊天截图：县委书记过问",
            (Item("photo", data=png),),
            {
                "记录类型": "外部人员过问",
                "过问时间": _earlier(2),
                "过问人姓名": "某县委书记王某某 13800000000",
                "案号": "（2026）豫0825民初1187号 民间借贷纠纷",
                "案由或案件名称": "民间借贷纠纷",
                "主要内容": "要求判决时考虑招商引资企业的利益",
            },
            ticked=frozenset({"同级党委或政法委主要领导"}),
            special=("超越职权提出倾向性意见",),
            limit=10,
        ),
        Scenario(
            "voice_after_call",
            "通话后录的语音：退休的市人大常委会副主任来电（口头，有在场人员）",
            (Item("voice", data=lambda: b"OggS" + bytes(2000), filename="note.ogg"),),
            {
                "记录类型": "外部人员过问",
                "过问时间": _earlier(1),
                "发生场所": "本人办公室",
                "在场人员": "钱法官",
                "过问人姓名": "市人大常委会原副主任赵某",
                "案号": "（2026）豫0825执123号 某公司借款执行案",
                "主要内容": "要求对某公司账户查封“手下留情”",
            },
            ticked=frozenset({"过问人已离退休"}),
            special=("干预查封扣押冻结措施",),
            limit=14,
        ),
        Scenario(
            "dinner_in_person",
            "当面邀请吃饭：当事人的律师（接触交往，有在场人员）",
            (Item("text", "今天下午庭后，原告代理律师张某当面邀请我吃饭，说可以付“咨询费”，我当场拒绝。"),),
            {
                "记录类型": "接触交往",
                "过问时间": _earlier(3),
                "过问方式": "当面",
                "发生场所": "本院第三法庭门口",
                "在场人员": "钱法官",
                "过问人姓名": "某律师事务所律师张某 13700000000",
                "案号": "（2026）豫0825民初1187号 民间借贷纠纷",
                "主要内容": "邀请吃饭并提出支付咨询费",
                "记录人答复": "当场制止",
            },
            limit=14,
        ),
        Scenario(
            "letter",
            "组织来函：镇政府发函要求考虑社会稳定（以组织名义）",
            (Item("document", data=lambda: b"%PDF-1.4\n% letter\n", filename="letter.pdf"),),
            {
                "记录类型": "外部人员过问",
                "过问时间": _earlier(26),
                "函文文号及日期": "某政函〔2026〕3号，2026年11月20日",
                "过问人姓名": "某镇人民政府",
                "过问人单位及职务": "某镇人民政府",
                "案号": "（2026）豫0825民初456号 土地使用权纠纷",
                "主要内容": "来函要求在审理中考虑社会稳定",
            },
            special=("超越职权提出倾向性意见",),
            limit=11,
        ),
    )
