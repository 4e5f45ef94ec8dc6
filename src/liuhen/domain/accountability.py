"""Accountability (责任追究): the measures the discipline office takes against a person, and the counts the
rules attach consequences to. The office decides; the system records, counts and reminds — it never decides a
case by itself (a missed recording deadline or monthly report is only offered as a possible case).

- seed 004 §27 (seed 001 §10): 两次以上故意不记录、不如实记录 → 组织处理或纪律处分, not only 批评教育;
  本部门发生三人（次）以上 → 视情追究部门负责人的责任.
- seed 004 §26, §28, §29, §30; seed 001 §9: the measures for intervening, for a breach of the registration
  procedure, for a leak, for retaliation.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

#: Grounds counted together for the repeat and the department rules (seed 004 §27).
NOT_RECORDING = frozenset({"not_recorded", "untrue"})
#: Measures that answer a repeat (seed 004 §27: 组织处理或纪律处分).
HEAVY = frozenset({"organisational", "disciplinary", "judicial"})
REPEAT_AT = 2  # 两次以上
DEPARTMENT_AT = 3  # 三人（次）以上
MAX_NOTE = 1000


@dataclass(eq=False)
class Measure:
    court_id: int
    ground: str  # ``catalogue.ACCOUNTABILITY_GROUNDS`` key
    measure: str  # ``catalogue.ACCOUNTABILITY_MEASURES`` key
    person_name: str
    decided_at: datetime
    decided_by: str  # staff_id of the officer, or the operator
    staff_pk: int | None = None  # the court's own staff; None for an outsider
    department_id: int | None = None
    record_number: str | None = None
    note: str | None = None
    id: int | None = None


class Warning(enum.StrEnum):
    """What the counts say after a measure is recorded (shown to the office, never acted on by itself)."""

    REPEAT = (
        "repeat"  # the person's second (or later) not-recording: 组织处理或纪律处分 is due (seed 004 §27)
    )
    DEPARTMENT = "department"  # the department's third (or later): the head's responsibility (seed 004 §27)


def warnings(new: Measure, earlier: Iterable[Measure]) -> list[Warning]:
    """The seed 004 §27 counts, the new measure included."""
    if new.ground not in NOT_RECORDING:
        return []
    counted = [m for m in earlier if m.ground in NOT_RECORDING and m.id != new.id]
    out: list[Warning] = []
    mine = [m for m in counted if new.staff_pk is not None and m.staff_pk == new.staff_pk]
    if len(mine) + 1 >= REPEAT_AT and new.measure not in HEAVY:
        out.append(Warning.REPEAT)
    department = [
        m for m in counted if new.department_id is not None and m.department_id == new.department_id
    ]
    if new.department_id is not None and len(department) + 1 >= DEPARTMENT_AT:
        out.append(Warning.DEPARTMENT)
    return out


def warnings_as_recorded(measures: Sequence[Measure]) -> list[list[Warning]]:
    """Each measure's warnings as the counts stood when it was recorded (``measures`` oldest first)."""
    return [warnings(m, measures[:n]) for n, m in enumerate(measures)]


def clean(text: str | None) -> str | None:
    cleaned = " ".join((text or "").split())
    return cleaned[:MAX_NOTE] or None
