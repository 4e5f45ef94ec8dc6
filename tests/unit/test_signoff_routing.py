"""Routing of the sign-off chain (docs/domain.md "The sign-off chain").

Seed 004 §13: recorder → department head → vice-president in charge → discipline office; a department
head's own record starts at the vice-president; a court leader's own record goes to the discipline office;
any recorder may report directly to the discipline office. Seed 004 §14: each receiver signs their own row.
Conflict of interest (回避): an officer who is the intervener or named as involved is skipped with a note
(docs/domain.md "The sign-off chain" 2; seed 004 §13 direct report).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from liuhen.domain.model import Role, Staff
from liuhen.domain.records import RecordStatus
from liuhen.domain.signoff import (
    LEVEL_STATUS,
    Delegation,
    Level,
    Route,
    Skip,
    SkipCase,
    SkipReason,
    Step,
    chain_people,
    is_involved,
    level_of,
    may_sign,
    represented,
    route,
)
from liuhen.texts.signoff import skip_text
from tests.unit.signoff_people import CLERK, D1, D2, DH, DISC, HEAD, RECORDER, VICE, VP, person

OUTSIDER = CLERK
AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def recorder_as(role: Role) -> Staff:
    return person(1, role, "李明", "S001")


def plain(recorder: Staff = RECORDER, *, involved: tuple[str, ...] = (), direct: bool = False) -> Route:
    return route(
        recorder,
        department_head=HEAD,
        vice_president=VICE,
        discipline=[D1, D2],
        involved=involved,
        direct=direct,
    )


def reasons(r: Route) -> dict[Level, SkipReason]:
    """Reasons of the person levels left out (discipline entries note single members)."""
    return {s.level: s.reason for s in r.skips if s.level is not DISC}


# ---------------------------------------------------------------------------------------------------------
# The normal chain and the recorder's rank — seed 004 §13


def test_seed004_s13_staff_record_goes_head_then_vice_president_then_discipline() -> None:
    r = plain()
    assert r.levels == (DH, VP, DISC)
    assert r.officer(DH) == HEAD.id and r.officer(VP) == VICE.id and r.officer(DISC) is None
    assert r.discipline == {D1.id, D2.id}
    assert r.skips == () and not r.direct and not r.vacant
    assert r.steps == (Step(DH, 2), Step(VP, 3), Step(DISC))


def test_seed004_s13_department_heads_own_record_starts_at_vice_president() -> None:
    r = route(
        recorder_as(Role.DEPT_HEAD),
        department_head=None,
        vice_president=VICE,
        discipline=[D1],
        involved=(),
        direct=False,
    )
    assert r.levels == (VP, DISC)
    (skip,) = r.skips
    assert skip.level is DH and skip.reason is SkipReason.OWN_RECORD
    assert "部门负责人" in skip_text(skip) and "seed 004 §13" in skip.source


@pytest.mark.parametrize("role", [Role.VICE_PRESIDENT, Role.PRESIDENT])
def test_seed004_s13_court_leaders_own_record_goes_straight_to_discipline(role: Role) -> None:
    r = plain(recorder_as(role))
    assert r.levels == (DISC,)
    assert reasons(r) == {DH: SkipReason.OWN_RECORD, VP: SkipReason.OWN_RECORD}
    assert all("院领导" in skip_text(s) and "seed 004 §13" in s.source for s in r.skips)


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN, Role.TRIAL_MANAGEMENT, Role.DISCIPLINE])
def test_seed004_s13_other_roles_take_the_full_chain(role: Role) -> None:
    r = plain(recorder_as(role))
    assert r.levels == (DH, VP, DISC)


def test_seed004_s13_s14_a_discipline_member_does_not_sign_their_own_record() -> None:
    own = person(4, Role.DISCIPLINE, "钱纪检", "D001")
    r = plain(own)
    assert r.levels == (DH, VP, DISC)
    assert r.discipline == {D2.id}
    (skip,) = r.skips
    assert skip.level is DISC and skip.reason is SkipReason.OWN_RECORD and skip.officer_pk == own.id


def test_seed004_s13_s14_an_acting_head_recording_does_not_sign_their_own_record() -> None:
    acting = person(2, Role.STAFF, "王庭长", "H001")  # listed as the department's head, role staff
    r = route(acting, department_head=HEAD, vice_president=VICE, discipline=[D1], involved=(), direct=False)
    assert r.levels == (VP, DISC)
    assert reasons(r) == {DH: SkipReason.OWN_RECORD}


def test_seed004_s14_one_person_signs_one_row_when_head_and_vice_president_coincide() -> None:
    r = route(RECORDER, department_head=VICE, vice_president=VICE, discipline=[D1], involved=(), direct=False)
    assert r.levels == (DH, DISC)
    assert reasons(r) == {VP: SkipReason.SAME_OFFICER}


# ---------------------------------------------------------------------------------------------------------
# Missing officers — seed 004 §13 (a level nobody holds cannot receive the report)


def test_seed004_s13_missing_department_head_is_skipped_with_a_reason() -> None:
    r = route(RECORDER, department_head=None, vice_president=VICE, discipline=[D1], involved=(), direct=False)
    assert r.levels == (VP, DISC)
    (skip,) = r.skips
    assert (
        skip.reason is SkipReason.MISSING
        and "部门负责人" in skip_text(skip)
        and skip.source.startswith("seed 004")
    )


def test_seed004_s13_missing_vice_president_is_skipped_with_a_reason() -> None:
    r = route(RECORDER, department_head=HEAD, vice_president=None, discipline=[D1], involved=(), direct=False)
    assert r.levels == (DH, DISC)
    assert reasons(r) == {VP: SkipReason.MISSING}
    assert "分管" in skip_text(r.skips[0])


def test_seed004_s13_inactive_officers_count_as_missing() -> None:
    gone_head = person(2, Role.DEPT_HEAD, "王庭长", "H001", active=False)
    gone_vice = person(3, Role.VICE_PRESIDENT, "赵副院长", "V001", active=False)
    r = route(
        RECORDER,
        department_head=gone_head,
        vice_president=gone_vice,
        discipline=[D1],
        involved=(),
        direct=False,
    )
    assert r.levels == (DISC,)
    assert reasons(r) == {DH: SkipReason.MISSING, VP: SkipReason.MISSING}
    assert chain_people(r) == {D1.id}


def test_seed004_s13_s17_no_discipline_member_leaves_the_office_vacant_but_never_skipped() -> None:
    gone = person(4, Role.DISCIPLINE, "钱纪检", "D001", active=False)
    r = route(
        RECORDER, department_head=HEAD, vice_president=VICE, discipline=[gone], involved=(), direct=False
    )
    assert r.levels[-1] is DISC
    assert r.vacant and r.discipline == frozenset()
    assert r.skips == ()  # an inactive member is simply not in the office


def test_seed004_s13_every_officer_missing_still_reaches_discipline() -> None:
    r = route(RECORDER, department_head=None, vice_president=None, discipline=[], involved=(), direct=False)
    assert r.levels == (DISC,) and r.vacant
    assert reasons(r) == {DH: SkipReason.MISSING, VP: SkipReason.MISSING}


def test_unsaved_staff_is_a_programming_error() -> None:
    unsaved = person(1, Role.STAFF, "李明", "S001")
    unsaved.id = None
    with pytest.raises(ValueError, match="no id"):
        plain(unsaved)


# ---------------------------------------------------------------------------------------------------------
# Conflict of interest (回避) — docs/domain.md "The sign-off chain" 2; seed 004 §13


def test_seed004_s13_head_who_is_the_intervener_is_skipped_by_name_and_noted() -> None:
    r = plain(involved=("王庭长",))
    assert r.levels == (VP, DISC)
    (skip,) = r.skips
    assert skip.reason is SkipReason.CONFLICT and skip.officer_pk == HEAD.id
    assert "王庭长" in skip_text(skip) and "回避" in skip_text(skip) and "seed 004 §13" in skip.source
    assert HEAD.id in r.barred and HEAD.id not in chain_people(r)


def test_seed004_s13_vice_president_named_by_staff_id_any_case_is_skipped() -> None:
    r = plain(involved=(" v001 ",))
    assert r.levels == (DH, DISC)
    assert reasons(r) == {VP: SkipReason.CONFLICT}


def test_seed004_s13_conflict_needs_the_exact_name_not_a_part_of_it() -> None:
    assert not is_involved(HEAD, ["王庭"])
    assert not is_involved(HEAD, ["王庭长助理"])
    assert is_involved(HEAD, ["\u3000王庭长 "])  # surrounding (full-width) spaces are not part of a name
    assert not is_involved(HEAD, ["", "  "])
    assert plain(involved=("王庭",)).levels == (DH, VP, DISC)


def test_seed004_s13_involved_discipline_member_is_excluded_from_the_office_and_noted() -> None:
    r = plain(involved=("D002",))
    assert r.levels == (DH, VP, DISC)
    assert r.discipline == {D1.id}
    (skip,) = r.skips
    assert skip.level is DISC and skip.reason is SkipReason.CONFLICT and skip.officer_pk == D2.id


def test_seed004_s13_s17_whole_office_involved_is_vacant() -> None:
    r = plain(involved=("钱纪检", "孙监察"))
    assert r.vacant and r.levels == (DH, VP, DISC)
    assert {s.officer_pk for s in r.skips} == {D1.id, D2.id}


def test_seed004_s13_involved_head_of_a_leaders_record_is_still_barred() -> None:
    # The vice-president's own record never goes to the head, but the head may not sign as a deputy either.
    r = plain(recorder_as(Role.VICE_PRESIDENT), involved=("王庭长",))
    assert HEAD.id in r.barred
    assert not may_sign(DISC, HEAD.id, r, [Delegation(D1.id or 0, HEAD.id or 0, date(2026, 12, 31))], AT)


ROLES = [
    Role.STAFF,
    Role.DEPT_HEAD,
    Role.VICE_PRESIDENT,
    Role.PRESIDENT,
    Role.DISCIPLINE,
    Role.ADMIN,
    Role.TRIAL_MANAGEMENT,
]
CONFLICTS = {
    "none": (),
    "head": ("王庭长",),
    "vice": ("V001",),
    "head+vice": ("H001", "赵副院长"),
    "discipline": ("钱纪检",),
    "all": ("王庭长", "赵副院长", "D001", "孙监察"),
    "outsider": ("周书记员",),
}


@pytest.mark.parametrize(
    ("role", "conflict", "direct"), list(itertools.product(ROLES, CONFLICTS, [False, True]))
)
def test_seed004_s13_routing_table(role: Role, conflict: str, direct: bool) -> None:
    """Every role of recorder × every conflict case × direct report (seed 004 §13, §14)."""
    involved = CONFLICTS[conflict]
    r = plain(recorder_as(role), involved=involved, direct=direct)
    rank = {Role.DEPT_HEAD: 1, Role.VICE_PRESIDENT: 2, Role.PRESIDENT: 2}.get(role, 0)
    head_conflict = conflict in ("head", "head+vice", "all")
    vice_conflict = conflict in ("vice", "head+vice", "all")

    expected: dict[Level, SkipReason] = {}
    if rank >= 1:
        expected[DH] = SkipReason.OWN_RECORD
    elif head_conflict:
        expected[DH] = SkipReason.CONFLICT
    elif direct:
        expected[DH] = SkipReason.DIRECT
    if rank >= 2:
        expected[VP] = SkipReason.OWN_RECORD
    elif vice_conflict:
        expected[VP] = SkipReason.CONFLICT
    elif direct:
        expected[VP] = SkipReason.DIRECT
    assert reasons(r) == expected
    assert r.levels == (*(level for level in (DH, VP) if level not in expected), DISC)
    assert r.direct is direct

    members = {D1.id, D2.id}
    if conflict in ("discipline", "all"):
        members -= {D1.id}
    if conflict == "all":
        members -= {D2.id}
    assert r.discipline == members
    # Nobody barred is ever in the route, nobody in the route is ever barred (need-to-know, seed 004 §15).
    assert not (chain_people(r) & r.barred)
    assert RECORDER.id in r.barred
    # Every skip is explained in Chinese with the article it comes from.
    assert all(skip_text(s) and "seed" in s.source for s in r.skips)
    # Routing is pure: the same input gives the same route.
    assert r == plain(recorder_as(role), involved=involved, direct=direct)


# ---------------------------------------------------------------------------------------------------------
# Direct report — seed 004 §13 ("也可根据实际情况，直接向本院或上级检察院纪检监察机构报告"), 登记表 note


def test_seed004_s13_direct_report_goes_straight_to_discipline_and_is_marked() -> None:
    r = plain(direct=True)
    assert r.direct and r.levels == (DISC,)
    assert reasons(r) == {DH: SkipReason.DIRECT, VP: SkipReason.DIRECT}
    assert {s.officer_pk for s in r.skips} == {HEAD.id, VICE.id}
    assert all("直接" in skip_text(s) for s in r.skips)
    assert chain_people(r) == {D1.id, D2.id}


def test_seed004_s13_direct_from_the_vice_president_keeps_the_signed_head() -> None:
    r = plain().direct_from(VP)
    assert r.levels == (DH, DISC) and r.direct
    assert reasons(r) == {VP: SkipReason.DIRECT}
    assert plain().direct_from(None).levels == (DISC,)


# ---------------------------------------------------------------------------------------------------------
# Statuses, the route's own invariants, need-to-know


def test_design_statuses_of_the_levels() -> None:
    assert LEVEL_STATUS == {
        DH: RecordStatus.AWAITING_DEPARTMENT_HEAD,
        VP: RecordStatus.AWAITING_VICE_PRESIDENT,
        DISC: RecordStatus.AWAITING_DISCIPLINE,
    }
    assert level_of("awaiting_vice_president") is VP
    assert level_of(RecordStatus.RETURNED) is None
    assert plain().status_of(DH) is RecordStatus.AWAITING_DEPARTMENT_HEAD


def test_a_route_never_leaves_a_level_out_without_a_noted_skip() -> None:
    with pytest.raises(ValueError, match="without a noted skip"):
        Route(recorder_pk=1, steps=(Step(VP, 3), Step(DISC)))
    with pytest.raises(ValueError, match="ends at the discipline office"):
        Route(recorder_pk=1, steps=(Step(DH, 2), Step(VP, 3)))
    with pytest.raises(ValueError, match="out of order"):
        Route(recorder_pk=1, steps=(Step(VP, 3), Step(DH, 2), Step(DISC)))
    with pytest.raises(ValueError, match="barred"):
        Route(recorder_pk=1, steps=(Step(DH, 1), Step(VP, 3), Step(DISC)))
    skip = Skip(DH, SkipReason.MISSING, SkipCase.MISSING, "seed 004 §13")
    assert Route(recorder_pk=1, steps=(Step(VP, 3), Step(DISC)), skips=(skip,)).levels == (VP, DISC)


def test_seed003_s12_seed004_s15_chain_people_are_the_routes_officers() -> None:
    assert chain_people(plain()) == {HEAD.id, VICE.id, D1.id, D2.id}
    assert chain_people(plain(involved=("赵副院长", "钱纪检"))) == {HEAD.id, D2.id}


# ---------------------------------------------------------------------------------------------------------
# Who may sign, deputies (a deputy signs "代" in their own name while the delegation is valid)


def test_seed004_s13_holders_may_sign_their_own_level_only() -> None:
    r = plain()
    assert may_sign(DH, HEAD.id or 0, r, [], AT)
    assert not may_sign(VP, HEAD.id or 0, r, [], AT)
    assert may_sign(VP, VICE, r, [], AT)
    assert may_sign(DISC, D2.id or 0, r, [], AT)
    assert not may_sign(DISC, OUTSIDER.id or 0, r, [], AT)
    assert not may_sign(DH, RECORDER.id or 0, r, [], AT)


def test_seed004_s13_deputy_may_sign_until_the_last_local_day_of_the_delegation() -> None:
    r = plain()
    deleg = [Delegation(officer_pk=2, deputy_pk=6, until=date(2026, 11, 23))]
    assert may_sign(DH, 6, r, deleg, datetime(2026, 11, 23, 15, 59, tzinfo=UTC))  # 23:59 Shanghai
    assert not may_sign(DH, 6, r, deleg, datetime(2026, 11, 23, 16, 0, tzinfo=UTC))  # 00:00 next day
    assert represented(DH, 6, r, deleg, AT) == {2}
    assert not may_sign(VP, 6, r, deleg, AT)  # a delegation covers the delegating officer's level only


def test_seed004_s13_deputy_may_not_be_barred_or_another_officer_of_the_route() -> None:
    until = date(2026, 12, 31)
    assert not may_sign(DH, OUTSIDER, plain(involved=("S006",)), [Delegation(2, 6, until)], AT)  # involved
    assert not may_sign(DH, 1, plain(), [Delegation(2, 1, until)], AT)  # the recorder
    assert not may_sign(DH, 3, plain(), [Delegation(2, 3, until)], AT)  # the vice-president: two rows
    assert not may_sign(DISC, 2, plain(), [Delegation(4, 2, until)], AT)


def test_seed004_s13_deputy_named_by_a_conflicted_or_outside_officer_may_not_sign() -> None:
    until = date(2026, 12, 31)
    assert not may_sign(DH, 6, plain(involved=("王庭长",)), [Delegation(2, 6, until)], AT)
    assert not may_sign(DH, 6, plain(), [Delegation(5, 6, until)], AT)  # D2 is no department head
    assert not may_sign(DH, 7, plain(), [Delegation(6, 7, until)], AT)  # no chained delegations


def test_seed004_s13_deputy_checked_by_name_when_the_staff_is_given() -> None:
    deputy = person(6, Role.STAFF, "周书记员", "S006")
    r = plain(involved=("周书记员",))
    # route() never saw the deputy, so their pk alone is not barred: only the Staff is checked by name.
    assert 6 not in r.barred
    assert not may_sign(DH, deputy, r, [Delegation(2, 6, date(2026, 12, 31))], AT)
    assert may_sign(DH, deputy, plain(), [Delegation(2, 6, date(2026, 12, 31))], AT)
    assert r.involves(deputy)


def test_seed004_s13_discipline_member_may_name_a_deputy() -> None:
    assert may_sign(DISC, 6, plain(), [Delegation(4, 6, date(2026, 12, 31))], AT)


def test_delegation_to_oneself_is_refused() -> None:
    with pytest.raises(ValueError):
        Delegation(2, 2, date(2026, 12, 31))


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        may_sign(DH, 6, plain(), [Delegation(2, 6, date(2026, 12, 31))], datetime(2026, 11, 23, 10))
