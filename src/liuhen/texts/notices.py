"""Notices (通报: seed 001 §8; seed 004 §22–§24) in words."""

from __future__ import annotations

from collections.abc import Mapping

from liuhen.app.usecases.intake import Button
from liuhen.app.usecases.notices import Act, Card, Issued
from liuhen.domain.notices import Kind, Notice, Problem, To
from liuhen.domain.periods import Quarter
from liuhen.texts.labels import quarter as quarter_label

USAGE = (
    "用法：/notice 季度 或 /notice 记录编号\n"
    "如 /notice 2026Q4（本季度违规情况通报），/notice LH-2026-0001（一案一通报，限已办结的记录）。"
)
ONLY_DISCIPLINE = "通报由纪检监察部门发布。"
FORBIDDEN = "该按钮不属于您，或已失效。"
ASK_OTHER = "请回复接收通报的其他司法机关纪检监察机构名称（如：某市公安局纪检监察室）。"

TO: Mapping[To, str] = {
    To.INTERNAL: "本院内部（院领导、各部门负责人）",
    To.ABOVE: "抄送上一级纪检监察部门",
    To.OTHER: "其他司法机关纪检监察机构",
}
PROBLEMS: Mapping[Problem, str] = {
    Problem.NO_DISTRIBUTION: "请至少选择一个发送范围。",
    Problem.OTHER_UNNAMED: "请写明其他司法机关纪检监察机构的名称。",
    Problem.UNKNOWN_RECORD: "没有找到这个季度或记录。" + USAGE,
    Problem.NOT_FILED: "该记录尚未由纪检监察部门办结，暂不能通报。",
    Problem.NOTHING: "该季度没有经核查属实的过问情况，也没有登记的责任追究，无须通报。",
}


def button_label(b: Button) -> str:
    if b.act is Act.ISSUE:
        return "发布通报"
    on, to = b.shows[0] == "1", To(b.shows[1:])
    return f"{'☑' if on else '☐'} {TO[to]}"


def number(n: Notice) -> str:
    """The notice's 文号: 纪通〔year〕n号, per court and year."""
    return f"纪通〔{n.year}〕{n.seq}号"


def what(kind: Kind, subject: str) -> str:
    """What a notice is about, as its title says it."""
    if kind is Kind.PERIODIC:
        return f"{quarter_label(Quarter.parse(subject))}违规情况通报"
    return f"记录 {subject} 一案一通报"


def card(c: Card) -> str:
    return f"【通报】{what(c.kind, c.subject)}\n请选择发送范围（可多选），然后点“发布通报”。"


def issued(i: Issued, reference: str) -> str:
    n = i.notice
    return (
        f"已发布 {reference}：{what(Kind(n.kind), n.subject)}，"
        f"经核查属实 {len(i.violations)} 件，责任追究 {len(i.measures)} 人次；"
        f"已送达 {len(i.recipients)} 人。" + (f"请另行送达 {n.other_organ}。" if n.other_organ else "")
    )


def received(reference: str) -> str:
    return f"【通报】{reference}，请阅并按要求传达。"
