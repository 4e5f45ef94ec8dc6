"""Need-to-know (seed 003 §12 "严格保密", seed 004 §15 "全程留痕…严格保密", docs/domain.md).

One policy for every read path (bot views, evidence files, reports, exports, CLI): a record's content is
visible to its recorder, the people of its sign-off chain (and their deputies while a delegation is valid),
and the discipline office — never to anyone barred from it (the intervener or people named as involved, even
when they hold one of those roles). Trial management sees counts only; administrators manage the roster and
settings but do not read records. A draft is the recorder's alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from liuhen.domain.answers import Answers
from liuhen.domain.casezero import CaseZeroReport
from liuhen.domain.model import Role, Staff
from liuhen.domain.records import Record, RecordStatus
from liuhen.domain.signoff import Chain, Delegation, is_involved

#: Who may read summaries (quarterly summary, seed 002 §7; trial management counts only, seed 002 §6).
SUMMARY_ROLES = frozenset({Role.DISCIPLINE.value, Role.PRESIDENT.value, Role.TRIAL_MANAGEMENT.value})
#: The form goes to the discipline office and to trial management's statistics officer within three days of
#: recording (seed 002 §6, §8): both read every submitted record of their court.
WHOLE_COURT_ROLES = frozenset({Role.DISCIPLINE.value, Role.TRIAL_MANAGEMENT.value})

#: Dispositions that send a record to the level above (seed 001 §7 一事一报; seed 004 §17(2)).
UPWARD_DISPOSITIONS = frozenset({"immediate", "escalate"})
#: The answers' key of the recorder's direct report to the court above's discipline office (seed 003 §12,
#: seed 004 §13: 也可以直接向上级…纪检监察机构报告): when and to which court.
DIRECT_ABOVE = "_direct_above"
#: The answers' key of a record marked 情节严重、可能影响案件公正办理 (seed 001 §7, seed 002 §7, seed 004
#: §17(1)): who marked it, when, and the same-working-day deadline of the 一事一报.
SEVERE = "_severe"


@dataclass(frozen=True)
class Operator:
    """The operator at the server: the command line run without ``--as``. Reads every record and summary
    of the deployment — the server's operator can read the database anyway — and every such read is in
    the ledger as the operator's, like any other (seed 003 §12, seed 004 §15: 全程留痕)."""

    court_id: int  # the deployment's own court
    actor: str = "cli"


#: The record's upward path (层报): each court's office that received it, acknowledged it and forwarded it on
#: (seed 001 §7: 立即报告并层报; seed 002 §7): ``[{court, by, name, at, to}]``.
UPWARD_PATH = "_upward"


def forwarded_to(record: Record) -> set[int]:
    """The courts above the first one that the report was forwarded to, level by level."""
    steps = record.answers.get(UPWARD_PATH) or []
    return {int(s["to"]) for s in steps if isinstance(s, dict) and s.get("to") is not None}


def reported_upward(record: Record) -> bool:
    """Whether the rules send this record to the court above: the intervener is a principal leader of the
    same-level party committee or its political-legal committee (seed 001 实施办法 §6: 同时报送上一级), or the
    discipline office reported it upward (一事一报, seed 001 §7; seed 004 §17(2)), or the recorder reported it
    there directly (seed 004 §13)."""
    if record.status == RecordStatus.DRAFT.value:
        return False
    return (
        bool(Answers.one(record.answers, "principal_leader"))
        or record.disposition in UPWARD_DISPOSITIONS
        or bool(record.answers.get(DIRECT_ABOVE))
        or bool(record.answers.get(SEVERE))  # 情节严重：立即报告并层报 (seed 001 §7, seed 002 §7)
    )


def may_read_record(
    person: Staff,
    record: Record,
    chain: Chain | None,
    delegations: Iterable[Delegation] = (),
    *,
    today: date | None = None,
    parent_court_id: int | None = None,
) -> bool:
    """Whether ``person`` may read ``record``'s content and evidence. ``parent_court_id`` is the court above
    the record's court: its discipline office reads what the rules send upward, nothing else."""
    if not person.active or person.id is None:
        return False
    if person.court_id != record.court_id:
        above = parent_court_id is not None and person.court_id == parent_court_id and reported_upward(record)
        return (
            (above or person.court_id in forwarded_to(record))  # or forwarded on to it (层报)
            and person.role == Role.DISCIPLINE.value
            and not is_involved(person, _named(record))
        )
    if person.id == record.recorder_id:
        return True
    if record.status == RecordStatus.DRAFT.value or chain is None or chain.route is None:
        return False
    route = chain.route
    if route.involves(person) or is_involved(person, _named(record)):
        return False
    people = chain.people()
    if person.id in people:
        return True
    if person.role in WHOLE_COURT_ROLES:
        return True
    if today is not None:
        for d in delegations:
            if d.deputy_pk == person.id and d.officer_pk in people and d.valid_on(today):
                return True
    return False


def may_read_case_zero(person: Staff, report: CaseZeroReport) -> bool:
    """Whether ``person`` may read a per-case zero report (seed 004 §16): the officer who made it, the
    department head who reviews it, and the discipline office of its court."""
    return (
        person.active
        and person.court_id == report.court_id
        and (person.id in (report.officer_pk, report.reviewer_pk) or person.role == Role.DISCIPLINE.value)
    )


def may_read_summary(person: Staff) -> bool:
    return person.active and person.role in SUMMARY_ROLES


def _named(record: Record) -> list[str]:
    name = Answers.one(record.answers, "intervener_name")
    return [name] if name else []
