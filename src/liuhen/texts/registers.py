"""The registers (台帐: seed 003 items 15, 16, 22) in words: import errors, the cross-check's alerts."""

from __future__ import annotations

from liuhen.app.usecases.registers import Alert, Told
from liuhen.domain import catalogue as cat
from liuhen.domain.registers import LineError, Problem

_PROBLEMS = {
    Problem.MISSING_COLUMNS: "缺少列：{missing}（应为：{expected}）",
    Problem.BAD_CSV: "文件不是有效的 CSV：{detail}",
    Problem.EMPTY: "“{column}”不能为空",
    Problem.TOO_LONG: "“{column}”过长",
    Problem.UNKNOWN_STAFF: "名册中没有工号“{value}”",
    Problem.BAD_RELATION: "亲属关系“{value}”不在规定范围内（{relations}）",
    Problem.BAD_DATE: "“{column}”的日期“{value}”无法识别，请写成 2020-03-01",
    Problem.BAD_YES_NO: "“{column}”应填“是”或“否”，而不是“{value}”",
    Problem.NO_ROWS: "文件中没有数据行",
}


def error(e: LineError) -> str:
    relations = "、".join(c.label for c in cat.LAWYER_RELATIONS)
    where = f"第 {e.line} 行：" if e.line else ""
    return where + _PROBLEMS[e.problem].format(relations=relations, **e.params)


def alert(a: Alert) -> str:
    c = a.conflict
    # a record, or a case the judge entered with its counsel in a per-case zero report
    what = f"{a.case}（逐案零报告 {a.number}）的代理律师" if a.case else f"记录 {a.number}"
    if c.relative is not None:
        r = c.relative
        relation = cat.label(cat.LAWYER_RELATIONS, r.relation, r.relation)
        who = f"{r.name}（{a.recorder_name}的{relation}，{r.law_firm}）"
        if a.told is Told.RECORDER:
            return (
                f"【回避提醒】{what}涉及您报备的从事律师职业的亲属 {r.name}（{r.law_firm}）。"
                "请依照任职回避规定申请回避或主动消除回避情形。"
            )
        return f"【可能需要回避】{what}涉及 {who}，请核查是否需要回避。"
    d = c.departed
    assert d is not None
    return (
        f"【离任人员】{what}涉及离任人员 {d.name}（现执业于 {d.law_firm or '—'}），"
        "请核查是否存在违规代理或不正当接触交往。"
    )


ONLY_OFFICE = "台帐由政治部维护，纪检监察部门和院长可在此查看。"
MAX_MESSAGE = 3500


def listing(data: dict[str, list[dict[str, object]]]) -> list[str]:
    """Both registers, in messages short enough for the chat."""
    lines = [f"【干警亲属从事律师职业】{len(data['relatives'])} 人"]
    for r in data["relatives"]:
        relation = cat.label(cat.LAWYER_RELATIONS, str(r["relation"]), str(r["relation"]))
        since = f"，{r['since']} 起" if r.get("since") else ""
        lines.append(
            f"· {r['staff_name']}（{r['staff_id']}）的{relation} {r['name']}：{r['law_firm']}{since}"
        )
    lines.append(f"【离任人员】{len(data['departed'])} 人")
    for d in data["departed"]:
        practice = f"执业于 {d['law_firm']}" if d["practises"] else "未执业"
        lines.append(f"· {d['name']}（{d['left_on'] or '—'} 离任，{d['went_to'] or '—'}）：{practice}")
    if not data["relatives"] and not data["departed"]:
        lines.append("台帐为空：由政治部在服务器上导入（liuhen register import）。")
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > MAX_MESSAGE:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    return [*chunks, current]
