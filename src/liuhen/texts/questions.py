"""The guided questions in words: the question card, the review card, the buttons and the toasts."""

from __future__ import annotations

from liuhen.app.usecases.intake import Button
from liuhen.app.usecases.questionnaire import Act, AmendProblem, AmendRefused, Problem, Shown, View
from liuhen.domain import questionnaire as q

_BUTTONS: dict[Act, str] = {
    Act.SUGGEST: "✓ {shows}",
    Act.KEEP: "保持原答案：{shows}",
    Act.CHECKED: "☑ {shows}",
    Act.UNCHECKED: "☐ {shows}",
    Act.DONE: "完成",
    Act.OPTION: "{shows}",
    Act.QUICK: "{shows}",
    Act.SKIP: "跳过",
    Act.LATER: "稍后",
    Act.SUBMIT: "提交",
    Act.SUBMIT_CORRECTION: "提交更正",
    Act.EDIT: "修改{shows}",
    Act.CHANGE: "改：{shows}",
    Act.ADD: "＋ {shows}",
    Act.TO_REVIEW: "去核对提交",
}

#: How a value filled without asking is marked on the review card until submission confirms it.
_MARKS = {q.INFERRED: "〔推断〕", q.READ: "〔读自回答〕"}


def button_label(b: Button) -> str:
    shows = b.shows[:20] if b.act is Act.KEEP else b.shows
    return _BUTTONS[Act(b.act)].format(shows=shows)


_PROBLEMS: dict[Problem, str] = {
    Problem.STALE: "该按钮无效或已过期。",
    Problem.DONE: "已处理。",
    Problem.SUBMITTED: "该记录已提交，不能再修改。",
    Problem.CURRENT: "已处理，这是当前的问题。",
    Problem.SAVED: "草稿已保存",
    Problem.ANSWERED: "该问题已回答。",
    Problem.SENT: "已提交",
    Problem.EMPTY_REASON: "修改原因不能为空。",
}


def notice(problem: Problem | None, view: View | None = None) -> str | None:
    """The short answer to a press (a toast)."""
    if problem is None:
        return None
    if problem is Problem.MISSING:
        return f"还差 {view.missing if view else 0} 项，不能提交。"
    return _PROBLEMS[problem]


def _read(v: View) -> list[str]:
    """What the last free answer gave besides its own field: said, never filled in silently."""
    if not v.read:
        return []
    told = "；".join(f"{label} {value}" for label, value in v.read)
    return [f"已从您的回答中读出：{told}（核对时可修改）"]


def view(v: View) -> str:
    if v.kind is Shown.QUESTION and v.question is not None:
        if v.group is not None:
            label, text = q.GROUPS[v.group]
        else:
            label = v.question.label
            text = v.question.question + "".join(f"\n· {o.label}：{o.hint}" for o in v.hints)
        # The cards still to answer; the number only goes down. An optional question says so.
        left = f"（还差 {v.missing} 项）" if v.missing else ("" if v.question.required else "（选填）")
        lines = [*_read(v), f"【{v.record_number}】{label}{left}", text]
        if v.error:
            lines.insert(0, f"⚠️ {v.error}")
        return "\n".join(lines)
    if v.kind is Shown.REVIEW:
        head = f"【{v.record_number}】更正为第 {v.version} 版，请修改后核对：" if v.version else None
        marks = dict(v.marked)
        lines = [*_read(v), head or f"【{v.record_number}】请核对记录："]
        lines += [f"· {label}：{value}{_MARKS.get(marks.get(label, ''), '')}" for label, value in v.summary]
        if v.missing_labels:
            lines.append(f"还差 {len(v.missing_labels)} 项：{'、'.join(v.missing_labels)}")
        else:
            if marks:
                lines.append(
                    "标〔推断〕〔读自回答〕的各项是系统代填的，有误请点“改”；提交即表示您已核对确认。"
                )
            lines.append(
                "各项已齐全，确认无误请点“提交更正”。" if v.version else "各项已齐全，确认无误请点“提交”。"
            )
        if v.error:
            lines.insert(0, f"⚠️ {v.error}")
        return "\n".join(lines)
    if v.kind is Shown.SUBMITTED:
        return f"记录 {v.record_number} 已提交，将按规定报送审批。感谢您如实记录。"
    if v.kind is Shown.CORRECTED:
        return (
            f"记录 {v.record_number} 已更正为第 {v.version} 版，原版本永久保留；"
            "已告知签过字的人员和纪检监察机构。记录仍在原季度统计中，签批流程照常进行。"
        )
    if v.kind is Shown.LATER:
        return f"记录 {v.record_number} 的草稿已保存，随时发送 /drafts 继续补充。"
    why = v.error or (_PROBLEMS[v.problem] if v.problem else "无法继续。")
    return f"⚠️ {why}"


def amend_refused(exc: AmendRefused) -> str:
    if exc.problem is AmendProblem.IN_PROGRESS:
        return f"⚠️ 记录 {exc.number} 的更正尚未提交：请在更正卡片上修改后点“提交更正”。"
    if exc.problem is AmendProblem.DRAFT:
        return f"⚠️ 记录 {exc.number} 还是草稿，直接发送 /drafts 继续修改即可。"
    return f"⚠️ 没有找到您的记录 {exc.number}。发送 /drafts 查看草稿。"
