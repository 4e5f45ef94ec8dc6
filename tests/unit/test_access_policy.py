"""The need-to-know matrix of one record (seed 003 §12, seed 004 §15): every role × every relation
to the record, decided by the one policy every read path uses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from liuhen.domain.access import may_read_record, may_read_summary
from liuhen.domain.model import Role
from liuhen.domain.records import Record
from liuhen.domain.signoff import Chain, Delegation, route
from tests.unit.signoff_people import CLERK, D1, D2, HEAD, RECORDER, VICE, person

AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ADMIN = person(7, Role.ADMIN, "郑管理员", "A001")
STATS = person(8, Role.TRIAL_MANAGEMENT, "吴统计", "M001")
PRESIDENT = person(9, Role.PRESIDENT, "周院长", "P001")
DEPUTY = person(10, Role.DEPT_HEAD, "孙庭长", "H002")
ELSEWHERE = replace(person(11, Role.DISCIPLINE, "外院纪检", "X001"), court_id=2)


def record(status: str = "awaiting_department_head", intervener: str = "李书记") -> Record:
    return Record(
        court_id=1,
        number="LH-2026-0001",
        recorder_id=RECORDER.id or 0,
        status=status,
        created_at=AT,
        updated_at=AT,
        last_evidence_at=AT,
        answers={"intervener_name": intervener},
    )


def chain(involved: tuple[str, ...] = ("李书记",)) -> Chain:
    r = route(
        RECORDER,
        department_head=HEAD,
        vice_president=VICE,
        discipline=[D1, D2],
        involved=involved,
        direct=False,
    )
    return Chain.submitted().start(r, AT)[0]


@pytest.mark.parametrize(
    ("reader", "allowed"),
    [
        (RECORDER, True),  # the recorder
        (HEAD, True),  # the chain's department head
        (VICE, True),  # the vice-president in charge
        (D1, True),  # the discipline office
        (D2, True),
        (CLERK, False),  # a colleague
        (ADMIN, False),  # administrators manage the roster, they do not read records
        (STATS, True),  # trial management's statistics officer: the form within three days (seed 002 §6, §8)
        (PRESIDENT, False),  # not in this record's chain
        (DEPUTY, False),  # no delegation
        (ELSEWHERE, False),  # another court's discipline office
    ],
)
def test_seed003_s12_who_reads_a_record_in_the_chain(reader: object, allowed: bool) -> None:
    assert may_read_record(reader, record(), chain(), today=date(2026, 11, 23)) is allowed  # type: ignore[arg-type]


def test_seed003_s12_a_draft_is_the_recorders_alone() -> None:
    draft = record(status="draft")
    assert may_read_record(RECORDER, draft, None)
    for reader in (HEAD, VICE, D1, ADMIN, PRESIDENT):
        assert not may_read_record(reader, draft, None)


def test_seed003_s12_the_intervener_never_reads_even_as_officer_or_discipline() -> None:
    """seed 004 §13 (不经过问人之手): the head who is the intervener is skipped and cannot read; a discipline
    member who is named as involved cannot read either."""
    as_head = chain(involved=("王庭长",))
    assert not may_read_record(HEAD, record(intervener="王庭长"), as_head)
    as_disc = chain(involved=("钱纪检",))
    assert not may_read_record(D1, record(intervener="钱纪检"), as_disc)
    assert may_read_record(D2, record(intervener="钱纪检"), as_disc)


def test_seed003_s12_a_deputy_reads_while_the_delegation_is_valid() -> None:
    delegation = [Delegation(HEAD.id or 0, DEPUTY.id or 0, date(2026, 11, 30))]
    assert may_read_record(DEPUTY, record(), chain(), delegation, today=date(2026, 11, 30))
    assert not may_read_record(DEPUTY, record(), chain(), delegation, today=date(2026, 12, 1))


def test_seed003_s12_deactivated_people_read_nothing() -> None:
    assert not may_read_record(replace(HEAD, active=False), record(), chain())
    assert not may_read_record(replace(RECORDER, active=False), record(), chain())


def test_seed003_s12_summaries_for_discipline_president_and_trial_management_only() -> None:
    assert [
        p.staff_id for p in (RECORDER, HEAD, VICE, D1, ADMIN, STATS, PRESIDENT) if may_read_summary(p)
    ] == [
        "D001",
        "M001",
        "P001",
    ]
