"""How the core's kinds, states, roles, sizes, dates and periods read (zh-CN), for every door."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from liuhen.domain.access import Operator
from liuhen.domain.casezero import CaseZeroStatus
from liuhen.domain.model import Role, Staff
from liuhen.domain.monthly import Month, Status
from liuhen.domain.periods import BadPeriod, Half, PeriodProblem, Quarter
from liuhen.domain.records import EvidenceKind, RecordStatus
from liuhen.texts.profile import COURT, Voice

#: The court's name when the operator gave none (``LIUHEN_COURT_NAME``): "this court", as the seeds say.
THIS_COURT = "本院"

RECORD_STATUS: Mapping[RecordStatus, str] = {
    RecordStatus.DRAFT: "草稿",
    RecordStatus.SUBMITTED: "已提交",
    RecordStatus.AWAITING_DEPARTMENT_HEAD: "待部门负责人审批",
    RecordStatus.AWAITING_VICE_PRESIDENT: "待分管院领导审批",
    RecordStatus.AWAITING_DISCIPLINE: "待纪检监察审批",
    RecordStatus.RETURNED: "已退回补正",
    RecordStatus.FILED: "已归档",
}

EVIDENCE_KIND: Mapping[EvidenceKind, str] = {
    EvidenceKind.TEXT: "文字消息",
    EvidenceKind.NOTE: "本人说明",
    EvidenceKind.PHOTO: "截图/照片",
    EvidenceKind.DOCUMENT: "文件",
    EvidenceKind.VOICE: "语音",
    EvidenceKind.AUDIO: "音频",
    EvidenceKind.VIDEO: "视频",
    EvidenceKind.VIDEO_NOTE: "视频消息",
}

#: The roster's roles (trial_management is 审判管理办公室, seed 002 §6, §8).
ROLE: Mapping[Role, str] = {
    Role.STAFF: "干警",
    Role.DEPT_HEAD: "部门负责人",
    Role.VICE_PRESIDENT: "分管院领导",
    Role.PRESIDENT: "院长",
    Role.DISCIPLINE: "纪检监察",
    Role.ADMIN: "系统管理员",
    Role.TRIAL_MANAGEMENT: "审判管理",
}

#: A per-case zero report's state (seed 004 §16: 由部门主要负责人确认).
CASEZERO_STATUS: Mapping[CaseZeroStatus, str] = {
    CaseZeroStatus.SUBMITTED: "待部门负责人确认",
    CaseZeroStatus.CONFIRMED: "已确认",
    CaseZeroStatus.DISPUTED: "部门负责人有异议",
}

#: A person's standing for a month in the compliance notice (seed 003 §13).
MONTHLY_STATUS: Mapping[Status, str] = {
    Status.RECORDS: "有记录",
    Status.ZERO: "零报告",
    Status.DECLARED: "称有待记、尚无记录",
    Status.MISSED: "未报告",
    Status.UNREACHABLE: "无法送达",
}

#: Why the monthly prompt did not (surely) reach a person: the reason the use case gives.
DELIVERY: Mapping[str, str] = {
    "not_enrolled": "未登记机器人",
    "blocked": "已屏蔽机器人",
    "chat_not_found": "聊天不存在",
    "failed": "发送失败",
    "unknown": "未确认送达",
}


def record_status(status: str) -> str:
    return RECORD_STATUS[RecordStatus(status)]


def evidence_kind(kind: str) -> str:
    return EVIDENCE_KIND[EvidenceKind(kind)]


def role(value: str, v: Voice = COURT) -> str:
    """A roster role as the organisation names it (院长 / 检察长, 审判管理 / 案件管理)."""
    r = Role(value)
    if r is Role.PRESIDENT:
        return v.chief
    if r is Role.TRIAL_MANAGEMENT:
        return v.management
    return ROLE[r]


def casezero_status(status: str) -> str:
    return CASEZERO_STATUS[CaseZeroStatus(status)]


def delivery(reason: str) -> str:
    """An unknown reason (an older row's error) is shown as it is."""
    return DELIVERY.get(reason, reason)


def human_size(size: int | None) -> str:
    if size is None:
        return "大小未知"
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def date_line(moment: datetime, tz: tzinfo) -> str:
    """``2026年11月23日`` in the court's zone."""
    local = moment.astimezone(tz)
    return f"{local.year}年{local.month}月{local.day}日"


def when(moment: datetime | None, tz: tzinfo) -> str:
    """``2026年11月23日 09:30`` in the court's zone; ``—`` for nothing."""
    return moment.astimezone(tz).strftime("%Y年%m月%d日 %H:%M") if moment else "—"


# ---- periods --------------------------------------------------------------------------------------------


def month(m: Month) -> str:
    """``11月`` — how the prompt names the month (seed 003 §13 is about "本月" reporting)."""
    return f"{m.month}月"


def long_month(m: Month) -> str:
    """``2026年11月``."""
    return f"{m.year}年{m.month}月"


def quarter(q: Quarter) -> str:
    """``2026年第四季度``."""
    return f"{q.year}年第{'一二三四'[q.q - 1]}季度"


def period(p: Quarter | Half) -> str:
    """``2026年第四季度`` or ``2026年下半年`` (seed 001 实施办法 §6: 每半年)."""
    return quarter(p) if isinstance(p, Quarter) else f"{p.year}年{'上下'[p.h - 1]}半年"


_PERIOD_PROBLEMS: Mapping[PeriodProblem, str] = {
    PeriodProblem.QUARTER_RANGE: "季度应为 1 至 4，而不是 {value}",
    PeriodProblem.YEAR_RANGE: "年份 {value} 不在 2000—2999 之内",
    PeriodProblem.UNREADABLE: "无法识别季度“{value}”，请写成 2026Q4 的形式",
}


def bad_period(exc: BadPeriod) -> str:
    return _PERIOD_PROBLEMS[exc.problem].format(value=exc.value)


OPERATOR = "服务器操作员"


def reader(who: Staff | Operator) -> str:
    """Who read a document, as it is printed on it."""
    return OPERATOR if isinstance(who, Operator) else f"{who.name}（{who.staff_id}）"
