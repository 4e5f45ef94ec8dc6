"""The roster file's problems and gaps in words, for whoever imports it (`liuhen org import`)."""

from __future__ import annotations

from liuhen.app.usecases.roster import DeactivationUnconfirmed, UnknownCourts
from liuhen.domain.roster import GapKind, RosterError, RosterProblem, RosterWarning
from liuhen.texts import labels

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
    RosterProblem.BAD_WECOM_USERID: (
        "企业微信账号（wecom_userid）“{value}”格式不正确："
        "只能由字母、数字和 _-@. 组成，以字母或数字开头，最长 64 个字符"
    ),
    RosterProblem.DUPLICATE_WECOM_USERID: (
        "企业微信账号（wecom_userid）“{value}”与第 {first} 行重复：一个账号只属于一个人"
    ),
    RosterProblem.WECOM_USERID_TAKEN: (
        "企业微信账号（wecom_userid）“{value}”已属于其他法院名册中的人员：一个账号只属于一个人，请先在该院名册中更正"
    ),
    RosterProblem.OVERSEES_NOT_LEADER: (
        "只有副院长（vice_president）或院长（president）可以填写分管部门（oversees）"
    ),
    RosterProblem.MISSING_COLUMNS: "表头缺少列：{missing}（应为 {expected}）",
    RosterProblem.BAD_CSV: "CSV 格式错误（{detail}），请检查引号和换行",
    RosterProblem.TOO_MANY_CELLS: "列数多于表头",
    RosterProblem.DUPLICATE_ID: "工号 {staff_id} 与第 {first} 行重复",
    RosterProblem.NO_PEOPLE: "名册中没有人员",
    RosterProblem.CONTROL_CHARACTERS: "{label}（{column}）含有控制字符（如换行、制表符或不可见字符），请删除",
    RosterProblem.DOUBLY_OVERSEEN: "部门“{department}”已由第 {first} 行的 {first_name} 分管",
}

_GAPS: dict[GapKind, str] = {
    GapKind.NO_DISCIPLINE: "名册中没有纪检监察人员（role=discipline），记录将无法完成审批。",
    GapKind.NO_HEAD: "部门“{department}”没有部门负责人（dept_head）。",
    GapKind.NO_OVERSEER: "部门“{department}”没有分管院领导（在副院长的 oversees 列中填写）。",
    GapKind.OVERSEEN_EMPTY: (
        "分管部门“{department}”在名册中还没有人员（已建立该部门，请检查部门名称或补充人员）。"
    ),
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


def deactivation_unconfirmed(exc: DeactivationUnconfirmed) -> list[str]:
    """Who the import would deactivate, and how to confirm it; nothing was imported."""
    n = len(exc.people)
    head = f"错误：新名册将停用 {n} 人"
    if exc.last_discipline:
        head += "，其中包括最后一名纪检监察人员（没有纪检监察人员，记录将无法完成审批）"
    lines = [head + "。未导入任何内容。以下人员不在新名册中："]
    lines += [f"  {p.staff_id} {p.name}（{labels.role(p.role)}）" for p in exc.people]
    lines.append(
        f"如确需停用，请核对后加上 --confirm-deactivate {n} 重新导入；如名册不完整，请补全后再导入。"
    )
    return lines
