"""Facts of a submitted record that the quarterly summary counts (seed 002 §7, seed 001 实施办法 §6, §7).

The answers live as JSON on the record; extracting them per row for a million records is slow on both
databases (docs/architecture.md, bench/reports.py). So a narrow row per submitted record (`record_facts`,
with `record_special_items` for the multi-valued special-report items) holds exactly the dimensions the
summary groups by. It is written when a record is submitted, when an amendment reopens it (``counted``
false until it is submitted again), and wherever the sign-off chain moves it (``status``, ``disposition``);
its period is the first submission, so an amendment never moves a record into another quarter.

The quarterly analysis (seed 003 item 13; seed 001 实施办法 §6) counts every dimension over three periods;
grouping a quarter's rows afresh for each of them takes seconds at a million records. So each facts row also
stands for a handful of tallies (``tallies``): one per dimension it is counted under, kept summed per court
and UTC day in `record_tallies` in the same transaction as the row itself (the old row's tallies taken
away, the new row's added). A period is then its whole UTC days read from the tallies plus, at each end,
the part of a day the period's local bounds cut, counted from the facts rows themselves with the same
function — exact in any time zone (docs/architecture.md, decision 72).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol

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
    # where the sign-off chain has it (seed 004 §13, §17): the summary's status and disposition
    status: str = RecordStatus.SUBMITTED.value
    disposition: str | None = None


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
        status=str(record.status),
        disposition=record.disposition,
    )


# ---------------------------------------------------------------------------------------------------------
# Tallies: what a facts row counts for, per dimension (`record_tallies`; storage/tallies.py)

TYPE = "type"
ORGAN = "organ"
STAGE = "stage"
METHOD = "method"
DEPARTMENT = "department"
LATE = "late"
STATE = "state"  # status / disposition / principal leader: the sign-off chain's part of the summary
SPECIAL = "special"  # one per special-report item (seed 001 实施办法 §7: listed one by one)
SPECIAL_ANY = "special_any"  # a record with at least one item
EXEMPT_OPINION = "exempt"  # not counted as a record, counted apart (seed 001 实施办法 §5, seed 002 §5)

NONE = ""  # the value of an unanswered dimension (answers are never empty strings: ``Answers`` trims them)


def _flag(value: bool) -> str:
    return "1" if value else "0"


def state_value(status: str, disposition: str | None, principal_leader: bool) -> str:
    return f"{status}/{disposition or NONE}/{_flag(principal_leader)}"


class Tallied(Protocol):
    """What ``tallies`` reads of a facts row: a ``RecordFacts``, or the columns read at a period's end."""

    @property
    def counted(self) -> bool: ...
    @property
    def record_type(self) -> str | None: ...
    @property
    def organ_category(self) -> str | None: ...
    @property
    def stage(self) -> str | None: ...
    @property
    def method(self) -> str | None: ...
    @property
    def department_id(self) -> int | None: ...
    @property
    def late(self) -> bool: ...
    @property
    def principal_leader(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def disposition(self) -> str | None: ...
    @property
    def special_items(self) -> tuple[str, ...]: ...


def tallies(f: Tallied) -> list[tuple[str, str]]:
    """The (dimension, value) pairs ``f`` counts one for. Counted records (submitted, not exempt) count
    under every dimension of the summary; an exempt opinion only apart. Written in SQL once more for the
    rebuild and a period's ends (``storage/tallies._grouped``); the two are checked against each other."""
    out: list[tuple[str, str]] = []
    if f.counted:
        out += [
            (TYPE, f.record_type or NONE),
            (ORGAN, f.organ_category or NONE),
            (STAGE, f.stage or NONE),
            (METHOD, f.method or NONE),
            (DEPARTMENT, NONE if f.department_id is None else str(f.department_id)),
            (LATE, _flag(f.late)),
            (STATE, state_value(f.status, f.disposition, f.principal_leader)),
        ]
        out += [(SPECIAL, item) for item in f.special_items]
        if f.special_items:
            out.append((SPECIAL_ANY, NONE))
    if f.status != RecordStatus.DRAFT.value and f.disposition == EXEMPT:
        out.append((EXEMPT_OPINION, NONE))
    return out


def day_of(at: datetime) -> date:
    """The UTC day a tally of a record submitted ``at`` is kept under."""
    return at.astimezone(UTC).date()


Key = tuple[int, date, str, str]  # court, UTC day, dimension, value


def tally_keys(rows: Iterable[RecordFacts]) -> Counter[Key]:
    """How many of ``rows`` count under each (court, day, dimension, value)."""
    out: Counter[Key] = Counter()
    for f in rows:
        day = day_of(f.submitted_at)
        for dimension, value in tallies(f):
            out[(f.court_id, day, dimension, value)] += 1
    return out


def decode(dimension: str, value: str) -> object:
    """A tally's value as the summary groups by it: the catalogue key (None when unanswered), the
    department's id, a flag, or (status, disposition, principal leader) for the chain's state."""
    if dimension in (TYPE, ORGAN, STAGE, METHOD):
        return value or None
    if dimension == DEPARTMENT:
        return int(value) if value else None
    if dimension == LATE:
        return value == "1"
    if dimension == STATE:
        status, rest = value.split("/", 1)  # a status has no "/"; a disposition is read from both ends
        disposition, principal = rest.rsplit("/", 1)
        return status, disposition or None, principal == "1"
    if dimension == SPECIAL:
        return value
    return None
