"""Accountability (责任追究) in words: seed 001 §9, §10; seed 004 §25–§30."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo

from liuhen.app.usecases.accountability import Act, Line, Outcome, Overview, Result
from liuhen.app.usecases.intake import Button
from liuhen.domain import catalogue as cat
from liuhen.domain.accountability import Warning
from liuhen.texts.labels import long_month
from liuhen.texts.labels import when as local_time

ONLY_DISCIPLINE = "责任追究由纪检监察部门登记。"
BUTTON_START = "登记责任追究"

_WARNINGS: Mapping[Warning, str] = {
    Warning.REPEAT: "⚠️ 该人员已两次以上故意不记录或不如实记录：依规应给予组织处理或纪律处分",
    Warning.DEPARTMENT: "⚠️ 该部门已发生三人（次）以上故意不记录、不如实记录：视情追究部门负责人的责任",
}
WARNING_SHORT: Mapping[Warning, str] = {
    Warning.REPEAT: "两次以上，应组织处理或纪律处分",
    Warning.DEPARTMENT: "本部门三人（次）以上，视情追究部门负责人",
}
_OUTCOMES: Mapping[Outcome, str] = {
    Outcome.GROUNDS: "追究事由：",
    Outcome.EMPTY: "内容不能为空，请重新回复。",
    Outcome.FORBIDDEN: "该按钮不属于您，或已失效。",
}


def button_label(b: Button) -> str:
    if b.act is Act.GROUND:
        return cat.label(cat.ACCOUNTABILITY_GROUNDS, b.shows)
    if b.act is Act.MEASURE:
        return cat.label(cat.ACCOUNTABILITY_MEASURES, b.shows)
    return BUTTON_START


def line_text(line: Line, tz: tzinfo) -> str:
    """One measure as the overview lists it, with its warnings (seed 004 §27)."""
    m = line.measure
    ground = cat.label(cat.ACCOUNTABILITY_GROUNDS, m.ground, m.ground)
    measure = cat.label(cat.ACCOUNTABILITY_MEASURES, m.measure, m.measure)
    text = f"· {local_time(m.decided_at, tz)} {m.person_name}：{ground} → {measure}"
    if m.record_number:
        text += f"（{m.record_number}）"
    return "\n".join([text, *(f"  {_WARNINGS[w]}" for w in line.warnings)])


def overview(o: Overview, tz: tzinfo) -> str:
    lines = [f"【责任追究 · {o.year}年】"]
    lines += [line_text(line, tz) for line in o.lines] or ["本年度尚无登记的追究措施。"]
    if o.late:
        lines.append("未在规定期限内记录的（补记，供研判是否追究，系统不自动认定）：")
        lines += [f"· {number}（{name}）" for number, name in o.late]
    if o.month is not None:
        who = "、".join(f"{name}（{dept}）" for name, dept in o.missed) or "无"
        lines.append(f"{long_month(o.month)}月报告未报告的（供研判，系统不自动认定）：{who}")
    else:
        lines.append("月报告未按期报告的人员见每月的执行情况通报（/monthly）。")
    return "\n".join(lines)


def result(r: Result, tz: tzinfo) -> str:
    if r.outcome is Outcome.ASK_PERSON:
        ground = cat.label(cat.ACCOUNTABILITY_GROUNDS, r.ground)
        return f"追究事由：{ground}。请回复被追究人员：本院人员写工号或姓名；院外人员写姓名及单位。"
    if r.outcome is Outcome.UNKNOWN_STAFF:
        return f"名册中没有“{r.person}”。该事由只适用于本院人员，请回复工号或名册上的姓名。"
    if r.outcome is Outcome.MEASURES:
        return f"被追究人员：{r.person}。请选择追究措施："
    if r.outcome is Outcome.ASK_NOTE:
        assert r.line is not None
        return (
            "已登记：\n"
            + line_text(r.line, tz)
            + "\n请回复相关记录编号和简要说明（如：LH-2026-0003 两次故意不记录）；没有就回复“无”。"
        )
    if r.outcome is Outcome.RECORDED:
        assert r.line is not None
        return "已登记完毕：\n" + line_text(r.line, tz)
    return _OUTCOMES[r.outcome]
