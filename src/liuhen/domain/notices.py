"""Notices (通报: seed 001 §8; seed 003 §13; seed 004 §22–§24): the discipline office makes violations known —
periodically, a quarter's findings and measures together, and for a serious one, one notice per case (一案一
通报). A notice has a number (文号), a distribution — inside the court, a copy to the level above, the other
judicial organ's discipline body where its staff were involved — and is kept as issued. It names the
intervener and the measures; it never names who recorded. The monthly-report compliance notice is its own
(``domain/monthly.py``)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime


class Kind(enum.StrEnum):
    PERIODIC = "periodic"  # a quarter's violations (定期通报)
    CASE = "case"  # one serious case (一案一通报)


class To(enum.StrEnum):
    """The distribution (发送范围)."""

    INTERNAL = "internal"  # 本院内部: the court's leaders and department heads, to pass on
    ABOVE = "above"  # 抄送上一级 (seed 004 §24)
    OTHER = "other"  # 其他司法机关纪检监察机构, named (seed 004 §17(3), §24)


class Problem(enum.StrEnum):
    NO_DISTRIBUTION = "no_distribution"  # nobody to send it to
    OTHER_UNNAMED = "other_unnamed"  # the other organ ticked but not named
    UNKNOWN_RECORD = "unknown_record"  # no such record of this court
    NOT_FILED = "not_filed"  # the record has not been disposed of yet: there is nothing to make known
    NOTHING = "nothing"  # the quarter has no finding and no measure to make known


class Refused(ValueError):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(eq=False)
class Notice:
    court_id: int
    kind: str  # ``Kind``
    subject: str  # the quarter (2026Q4) or the record's number
    year: int
    seq: int  # the n of 纪通〔year〕n号, per court and year
    distribution: list[str] = field(default_factory=list)  # ``To`` values
    other_organ: str | None = None
    issued_at: datetime | None = None
    issued_by: str = ""
    pdf_sha256: str | None = None  # the PDF as issued, kept in the evidence store and sent from there
    id: int | None = None


def distribution(ticked: Iterable[str], other_organ: str | None) -> list[str]:
    """The distribution as ticked, checked: at least one; the other organ named when ticked."""
    wanted = set(ticked)
    chosen: list[str] = [t.value for t in To if t.value in wanted]
    if not chosen:
        raise Refused(Problem.NO_DISTRIBUTION)
    if To.OTHER.value in chosen and not (other_organ or "").strip():
        raise Refused(Problem.OTHER_UNNAMED)
    return chosen
