"""The counts seed 004 §27 attaches consequences to (seed 001 §10): twice or more for one person calls for
组织处理或纪律处分; three or more in one department for the department head's responsibility."""

from __future__ import annotations

from datetime import UTC, datetime

from liuhen.domain.accountability import Measure, Warning, warnings

AT = datetime(2026, 11, 23, tzinfo=UTC)


def measure(
    ground: str, staff: int | None, department: int | None, what: str = "criticism", pk: int = 0
) -> Measure:
    return Measure(1, ground, what, "某", AT, "k001", staff_pk=staff, department_id=department, id=pk or None)


def test_the_second_not_recording_of_one_person_asks_for_a_heavier_measure() -> None:
    first = measure("not_recorded", 7, 1, pk=1)
    assert warnings(first, []) == []
    assert warnings(measure("untrue", 7, 1), [first]) == [Warning.REPEAT]  # 不记录 and 不如实 count together
    assert warnings(measure("untrue", 7, 1, "disciplinary"), [first]) == []  # the heavier measure was chosen
    assert warnings(measure("procedure", 7, 1), [first]) == []  # another ground is not counted


def test_the_third_in_a_department_names_the_head() -> None:
    earlier = [measure("not_recorded", 7, 1, pk=1), measure("untrue", 8, 1, pk=2)]
    assert warnings(measure("not_recorded", 9, 1), earlier) == [Warning.DEPARTMENT]
    assert warnings(measure("not_recorded", 9, 2), earlier) == []  # another department
    assert warnings(measure("intervened", None, None), earlier) == []  # an outsider: no count
