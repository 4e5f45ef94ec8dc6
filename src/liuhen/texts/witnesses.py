"""Confirmation by the persons present, in words (签字确认, seed 001 实施办法 §4)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from liuhen.app.usecases.witnesses import Answered, Gist, WitnessRequest, WitnessResult
from liuhen.texts.labels import when

CONFIRM = "确认属实"
DISPUTE = "有异议（说明）"

_NOTICES = {
    Answered.STALE: "该按钮无效或已过期。",
    Answered.DONE: "已处理。",
    Answered.CONFIRMED: "已确认，谢谢。",
    Answered.DISPUTED: "已记录异议，请发送文字说明。",
}


def notice(r: WitnessResult) -> str:
    return _NOTICES[r.notice]


def _time(value: datetime | None, tz: tzinfo) -> str:
    return when(value, tz)


def gist(g: Gist, tz: tzinfo) -> str:
    return "；".join(
        [
            f"记录人：{g.recorder}",
            f"过问人：{g.intervener or '不详'}（{g.intervener_unit or '单位不详'}）",
            f"方式：{g.method or '—'}",
            f"场所：{g.place or '—'}",
            f"时间：{_time(g.time, tz)}",
        ]
    )


def request(r: WitnessRequest, tz: tzinfo) -> str:
    return (
        f"【在场人员确认】{r.recorder_name} 提交了记录 {r.record_number}，其中您被列为在场人员。\n"
        f"{gist(r.gist, tz)}\n"
        "按规定，在场的本院工作人员应当签字确认（最高法实施办法第四条）。请确认记录是否属实："
    )


def done(r: WitnessResult) -> str:
    if r.status == "confirmed":
        return f"您已确认记录 {r.record_number} 属实，确认时间已留痕。"
    return f"您对记录 {r.record_number} 提出了异议。请直接发送一段文字说明异议内容。"


def to_recorder(witness: str, number: str, status: str) -> str:
    verdict = "已确认属实" if status == "confirmed" else "提出了异议"
    return f"在场人员 {witness} 对记录 {number} {verdict}。"


def dispute_noted(number: str) -> str:
    return f"您对记录 {number} 的异议说明已记录，纪检监察部门审查时可见。"
