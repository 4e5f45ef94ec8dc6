"""The cast of the sign-off tests: a recorder, the officers of the chain and bystanders."""

from __future__ import annotations

from liuhen.domain.model import Role, Staff
from liuhen.domain.signoff import Level

DH, VP, DISC = Level.DEPARTMENT_HEAD, Level.VICE_PRESIDENT, Level.DISCIPLINE


def person(pk: int, role: Role, name: str, staff_id: str, *, active: bool = True) -> Staff:
    return Staff(
        court_id=1,
        staff_id=staff_id,
        name=name,
        department_id=1,
        position="",
        role=role.value,
        active=active,
        id=pk,
    )


RECORDER = person(1, Role.STAFF, "李明", "S001")
HEAD = person(2, Role.DEPT_HEAD, "王庭长", "H001")
VICE = person(3, Role.VICE_PRESIDENT, "赵副院长", "V001")
D1 = person(4, Role.DISCIPLINE, "钱纪检", "D001")
D2 = person(5, Role.DISCIPLINE, "孙监察", "D002")
CLERK = person(6, Role.STAFF, "周书记员", "S006")
