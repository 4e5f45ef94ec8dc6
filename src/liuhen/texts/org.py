"""The administrator's refusals in words: invitations, revocations, courts, the records list's filters."""

from __future__ import annotations

from liuhen.app.usecases.courts import CourtError, CourtProblem
from liuhen.app.usecases.enrolment import InviteError, InviteProblem
from liuhen.app.usecases.records import FilterProblem, UnknownFilter
from liuhen.app.usecases.revoke import RevokeError
from liuhen.domain.records import RecordStatus


def not_on_roster(staff_id: str) -> str:
    return f"名册中没有工号为 {staff_id} 的人员"


def invite_error(exc: InviteError) -> str:
    if exc.problem is InviteProblem.DEACTIVATED:
        return f"{exc.name}（{exc.staff_id}）已停用，不能再发放登记码"
    if exc.problem is InviteProblem.UNKNOWN_COURT:
        return f"没有法院 {exc.court}（liuhen org add-court 添加）"
    return not_on_roster(exc.staff_id)


def revoke_error(exc: RevokeError) -> str:
    return not_on_roster(exc.staff_id)


def filter_error(exc: UnknownFilter) -> str:
    if exc.problem is FilterProblem.STATUS:
        return f"未知状态 {exc.value}，可选：{', '.join(s.value for s in RecordStatus)}"
    return not_on_roster(exc.value)


_COURT_PROBLEMS: dict[CourtProblem, str] = {
    CourtProblem.EMPTY: "法院代码和名称不能为空",
    CourtProblem.UNKNOWN_PROFILE: "未知的期限方案 {value}（court 或 procuratorate）",
    CourtProblem.EXISTS: "法院代码 {value} 已存在",
    CourtProblem.NO_PARENT: "上级法院 {value} 不存在，请先添加",
}


def court_error(exc: CourtError) -> str:
    return _COURT_PROBLEMS[exc.problem].format(value=exc.value)
