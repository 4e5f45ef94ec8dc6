"""The roster file's problems and gaps in words, for whoever imports it (`liuhen org import`)."""

from __future__ import annotations

from liuhen.app.usecases.roster import UnknownCourts
from liuhen.domain.roster import GapKind, RosterError, RosterProblem, RosterWarning

#: The roster's columns as the operator knows them (docs/architecture.md external interface).
COLUMNS = {"name": "姓名", "department": "部门", "position": "职务"}

_PROBLEMS: dict[RosterProblem, str] = {
    RosterProblem.BAD_STAFF_ID: (
        "工号（staff_id）为空或含有非法字符（只允许字母、数字、_ . -，最长 {max} 位）"
    ),
    RosterProblem.EMPTY: "{label}（{column}）不能为空",
    RosterProblem.TOO_LONG: "{label}（{column}）过长（最多 {max} 字）",
    RosterProblem.BAD_ROLE: "角色（role）“{value}”无效，应为：{roles}",
    RosterProblem.BAD_PHONE: "电话（phone）“{value}”格式不正确",
    RosterProblem.OVERSEES_NOT_LEADER: (
        "只有副院长（vice_president）或院长（president）可以填写分管部门（oversees）"
    ),
    RosterProblem.MISSING_COLUMNS: "表头缺少列：{missing}（应为 {expected}）",
    RosterProblem.BAD_CSV: "CSV 格式错误（{detail}），请检查引号和换行",
    RosterProblem.TOO_MANY_CELLS: "列数多于表头",
    RosterProblem.DUPLICATE_ID: "工号 {staff_id} 与第 {first} 行重复",
    RosterProblem.NO_PEOPLE: "名册中没有人员",
    RosterProblem.UNKNOWN_OVERSEEN: "分管部门“{department}”在名册中没有人员，请检查部门名称",
    RosterProblem.DOUBLY_OVERSEEN: "部门“{department}”已由第 {first} 行的 {first_name} 分管",
}

_GAPS: dict[GapKind, str] = {
    GapKind.NO_DISCIPLINE: "名册中没有纪检监察人员（role=discipline），记录将无法完成审批。",
    GapKind.NO_HEAD: "部门“{department}”没有部门负责人（dept_head）。",
    GapKind.NO_OVERSEER: "部门“{department}”没有分管院领导（在副院长的 oversees 列中填写）。",
}


def reason(e: RosterError) -> str:
    """What is wrong, without the line."""
    column = str(e.params.get("column", ""))
    return _PROBLEMS[e.problem].format(label=COLUMNS.get(column, column), **e.params)


def error(e: RosterError) -> str:
    """``第 3 行：…``, or the reason alone for the file as a whole."""
    return f"第 {e.line} 行：{reason(e)}" if e.line else reason(e)


def warning(w: RosterWarning) -> str:
    where = f"{w.court} " if w.court else ""
    return where + _GAPS[w.kind].format(department=w.department)


def unknown_courts(exc: UnknownCourts) -> str:
    return f"名册中的法院代码不存在：{'、'.join(exc.codes)}（请先用 liuhen org add-court 添加）"
