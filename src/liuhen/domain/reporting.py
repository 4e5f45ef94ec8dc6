"""Facts of a submitted record that the quarterly summary counts (seed 002 §7, seed 001 实施办法 §6, §7).

The answers live as JSON on the record; extracting them per row for a million records is slow on both
databases (docs/architecture.md, bench/reports.py). So a narrow row per submitted record (`record_facts`,
with `record_special_items` for the multi-valued special-report items) holds exactly the dimensions the
summary groups by. It is written when a record is submitted and when an amendment reopens it (``counted``
false until it is submitted again); its period is the first submission, so an amendment never moves a
record into another quarter. Status and disposition are not copied: the sign-off chain changes them, the
summary reads them from `records` itself (one join per quarter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from liuhen.domain.access import SEVERE, reported_upward
from liuhen.domain.casefile import EXEMPT
from liuhen.domain.records import Record, RecordStatus


@dataclass(frozen=True)
class RecordFacts:
    record_id: int
    court_id: int
    department_id: int | None  # the recorder's department at submission
    submitted_at: datetime  # first submission (UTC)
    record_type: str | None
    organ_category: str | None
    stage: str | None
    method: str | None
    relation: str | None
    late: bool  # recorded after the deadline: the answers carry a late-entry reason (seed 004 §7)
    principal_leader: bool  # must also go to the next level (seed 001 实施办法 §6, seed 002 §7)
    retired: bool
    counted: bool = True  # false while the record is a draft again (an amendment under way)
    special_items: tuple[str, ...] = ()
    # what the desk console finds records by (its list's search and filters)
    case_number: str | None = None
    intervener_name: str | None = None
    severe: bool = False  # marked 情节严重 (seed 001 §7, seed 004 §17(1))
    upward: bool = False  # the rules send it to the court above (seed 001 实施办法 §6; 层报)


def facts_of(
    record: Record, *, department_id: int | None, first_submitted_at: datetime | None = None
) -> RecordFacts:
    """The facts of a submitted record; ``first_submitted_at`` keeps an earlier submission's period."""
    if record.id is None or record.submitted_at is None:
        raise ValueError("facts exist for submitted records only")
    a = record.given
    return RecordFacts(
        record_id=record.id,
        court_id=record.court_id,
        department_id=department_id,
        submitted_at=first_submitted_at or record.submitted_at,
        record_type=a.record_type,
        organ_category=a.organ_category,
        stage=a.stage,
        method=a.method,
        relation=a.relation,
        late=bool(a.late_reason),
        principal_leader=bool(a.principal_leader),
        retired=bool(a.retired),
        counted=record.status != RecordStatus.DRAFT.value and record.disposition != EXEMPT,
        special_items=tuple(dict.fromkeys(a.special_items)),
        case_number=(a.case_number or "")[:100] or None,
        intervener_name=(a.intervener_name or "")[:100] or None,
        severe=bool(record.answers.get(SEVERE)),
        upward=reported_upward(record),
    )
