"""Per-case zero reports (逐案零报告, seed 004 §16 and the report text at the end of seed 004).

Seed 004 §16: 检察人员在办理具体案件中没有遇到干预、插手、过问案件的情况，应当作出零报告记录，由部门主要负责人
确认后随案入卷. The statement is the one printed at the end of seed 004 (``domain/casezero_form.py``), filled
with the officer's name and the case; the department head confirms it; the confirmed statement is a PDF for
the case file.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class CaseZeroStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # awaiting the department head (部门负责人确认)
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


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


def report_number(year: int, pk: int) -> str:
    """``LZ-2026-0007`` (零 = zero report), unique per court by its key."""
    return f"LZ-{year}-{pk:04d}"
