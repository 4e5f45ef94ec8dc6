"""Per-case zero reports (逐案零报告, seed 004 §16 and the report text at the end of seed 004).

Seed 004 §16: 检察人员在办理具体案件中没有遇到干预、插手、过问案件的情况，应当作出零报告记录，由部门主要负责人
确认后随案入卷. The statement is the one printed at the end of seed 004, filled with the officer's name and
the case; the department head confirms it; the confirmed statement is a PDF for the case file.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

TITLE_LINES = ("领导干部、司法机关内部人员", "干预、插手、过问案件情况逐案报告")  # seed 004, end of file


def statement(case: str) -> str:
    """The body of the seed 004 text: 本人承办（案件名称）以来，没有出现领导干部干预、插手和司法机关内部人员
    过问案件的情况。"""
    return f"本人承办{case}以来，没有出现领导干部干预、插手和司法机关内部人员过问案件的情况。"


CLOSING = "特此报告。"


def case_title(case_number: str) -> str:
    """How the case is named in the statement: the case number, as 案件."""
    return f"{case_number}案件"


def date_line(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.year}年{local.month}月{local.day}日"


class CaseZeroStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # awaiting the department head (部门负责人确认)
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


STATUS_LABELS = {
    CaseZeroStatus.SUBMITTED: "待部门负责人确认",
    CaseZeroStatus.CONFIRMED: "已确认",
    CaseZeroStatus.DISPUTED: "部门负责人有异议",
}


@dataclass(eq=False)
class CaseZeroReport:
    """One per-case zero report. ``acknowledged`` lists the officer's own records on the case that the
    officer explicitly acknowledged before submitting (a case with records needs that)."""

    court_id: int
    officer_pk: int
    case_number: str
    status: str
    statement: str
    created_at: datetime
    reviewer_pk: int | None = None
    reviewed_at: datetime | None = None
    review_note: str | None = None
    acknowledged: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    @property
    def number(self) -> str:
        return report_number(self.created_at.year, self.id or 0)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[CaseZeroStatus(self.status)]


def report_number(year: int, pk: int) -> str:
    """``LZ-2026-0007`` (零 = zero report), unique per court by its key."""
    return f"LZ-{year}-{pk:04d}"
