"""The sign-off chain as a state machine (docs/domain.md "The sign-off chain", "Deadlines").

Seed 004 §13 (levels, 3 working days each, direct report), §14 (every receiver signs an opinion in their own
name), §17 and §20 (dispositions), §18 (the recorder's defer suggestion needs an answer; an override is told
within 3 working days). The 2026 National Day holidays (Thu 1 – Wed 7 Oct, Sat 10 Oct an adjusted workday)
make the deadlines below visibly calendar-aware.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from liuhen.domain import catalogue as cat
from liuhen.domain.model import Role, Staff
from liuhen.domain.records import RecordStatus
from liuhen.domain.signoff import (
    CHAIN_STATUSES,
    LEVEL_STATUS,
    PERSON_LEVELS,
    AlreadyDecided,
    Chain,
    DecisionKind,
    DeferAnswer,
    Delegation,
    Event,
    EventKind,
    Events,
    InvalidDecision,
    Level,
    NotAllowed,
    OutOfOrder,
    Route,
    SignoffError,
    SignoffTerms,
    SkipReason,
    chain_from_json,
    chain_people,
    chain_to_json,
    route,
)
from liuhen.domain.workdays import COURT, PROCURATORATE, WorkCalendar
from liuhen.texts.signoff import note_text, refusal, skip_text
from tests.unit.signoff_people import CLERK, D1, D2, DH, DISC, HEAD, RECORDER, VICE, VP, person


def notes(event: Event) -> str:
    """An event's notes as the recorder or the officers read them."""
    return "；".join(note_text(n, event.level) for n in event.notes)


@contextmanager
def refused(kind: type[SignoffError], words: str) -> Iterator[None]:
    """The action raises ``kind`` and the person is told ``words`` (a pattern), as the texts say it."""
    with pytest.raises(kind) as info:
        yield
    assert re.search(words, refusal(info.value)), refusal(info.value)


SH = ZoneInfo("Asia/Shanghai")
TERMS = SignoffTerms(PROCURATORATE, WorkCalendar(), SH)


OTHER = person(7, Role.STAFF, "吴法官", "S007")
PEOPLE = (RECORDER, HEAD, VICE, D1, D2, CLERK, OTHER)
PKS = tuple(p.id or 0 for p in PEOPLE)


def local(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH).astimezone(UTC)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, 999_000, tzinfo=SH).astimezone(UTC)


def full_route(involved: tuple[str, ...] = (), direct: bool = False, recorder: Staff = RECORDER) -> Route:
    return route(
        recorder,
        department_head=HEAD,
        vice_president=VICE,
        discipline=[D1, D2],
        involved=involved,
        direct=direct,
    )


def started(at: datetime, *, defer: bool = False, r: Route | None = None) -> Chain:
    chain, _ = Chain.submitted(TERMS, defer_suggested=defer).start(r or full_route(), at)
    return chain


# ---------------------------------------------------------------------------------------------------------
# The happy path — seed 004 §13, §14, §17


def test_seed004_s13_s14_full_chain_reaches_filed_with_three_signed_rows() -> None:
    t0 = local(2026, 11, 23)  # Monday
    submitted = Chain.submitted(TERMS)
    assert submitted.status is RecordStatus.SUBMITTED and submitted.level is None
    chain, events = submitted.start(full_route(), t0)
    assert chain.status is RecordStatus.AWAITING_DEPARTMENT_HEAD and chain.round == 1
    (arrived,) = events
    assert arrived.kind is EventKind.ARRIVED and arrived.level is DH and arrived.notify == {2}
    assert arrived.deadline == chain.deadline == end_of(2026, 11, 26)

    chain, events = chain.approve(DH, 2, "", local(2026, 11, 24))
    assert chain.status is RecordStatus.AWAITING_VICE_PRESIDENT
    assert [e.kind for e in events] == [EventKind.APPROVED, EventKind.ARRIVED]
    assert events[0].notify == {1} and events[1].notify == {3}

    chain, _ = chain.approve(VP, 3, "请纪检监察室处理", local(2026, 11, 25))
    assert chain.status is RecordStatus.AWAITING_DISCIPLINE and chain.holders() == {4, 5}

    chain, events = chain.dispose(5, "quarterly", "", local(2026, 11, 26))
    assert chain.status is RecordStatus.FILED and chain.filed and chain.level is None
    assert [e.kind for e in events] == [EventKind.FILED] and events[0].notify == {1}
    rows = chain.opinions()
    assert rows[DH].text == "同意" and rows[DH].signer_pk == 2  # 同意 button without text
    assert rows[VP].text == "请纪检监察室处理"
    assert rows[DISC].disposition == "quarterly" and rows[DISC].text == "纳入季度汇总"
    assert [d.kind for d in chain.decisions] == [
        DecisionKind.SUBMIT,
        DecisionKind.APPROVE,
        DecisionKind.APPROVE,
        DecisionKind.DISPOSE,
    ]
    assert chain.people() == {1, 2, 3, 4, 5}


def test_seed004_s13_each_level_has_three_working_days_across_national_day() -> None:
    chain = started(local(2026, 9, 30))
    assert chain.deadline == end_of(2026, 10, 10)  # 8, 9 and the adjusted workday Sat 10 Oct
    court = SignoffTerms(COURT, WorkCalendar(), SH)
    chain2, _ = Chain.submitted(court).start(full_route(), local(2026, 9, 30))
    assert chain2.deadline == end_of(2026, 10, 10)


@pytest.mark.parametrize("key", sorted(cat.keys(cat.DISPOSITIONS)))
def test_seed004_s17_s20_every_catalogued_disposition_files_the_record(key: str) -> None:
    chain = started(local(2026, 11, 23), r=full_route(direct=True))
    filed, _ = chain.dispose(4, key, "", local(2026, 11, 24))
    assert filed.filed and filed.opinions()[DISC].disposition == key


def test_seed004_s17_unknown_disposition_is_refused() -> None:
    chain = started(local(2026, 11, 23), r=full_route(direct=True))
    with refused(InvalidDecision, "未知的处理方式"):
        chain.dispose(4, "shred", "", local(2026, 11, 24))


def test_seed004_s14_discipline_must_dispose_not_merely_approve() -> None:
    chain = started(local(2026, 11, 23), r=full_route(direct=True))
    with refused(InvalidDecision, "处理方式"):
        chain.approve(DISC, 4, "同意", local(2026, 11, 24))


# ---------------------------------------------------------------------------------------------------------
# Wrong people, stale cards, order (seed 004 §13: "已处理"; no wrong person can move it)


def test_seed004_s13_wrong_person_cannot_move_the_record() -> None:
    chain = started(local(2026, 11, 23))
    for pk in (1, 3, 4, 6):
        with pytest.raises(NotAllowed):
            chain.approve(DH, pk, "", local(2026, 11, 23, 11))
    with refused(NotAllowed, "记录人或涉及人员"):
        chain.return_for_correction(DH, 1, "自己退回", local(2026, 11, 23, 11))


def test_seed004_s13_a_decided_level_says_already_handled() -> None:
    chain = started(local(2026, 11, 23))
    chain, _ = chain.approve(DH, 2, "", local(2026, 11, 23, 11))
    with refused(AlreadyDecided, "已处理"):
        chain.approve(DH, 2, "", local(2026, 11, 23, 12))
    with refused(AlreadyDecided, "已处理"):
        chain.return_for_correction(DH, 2, "再看看", local(2026, 11, 23, 12))


def test_seed004_s13_a_later_level_cannot_decide_out_of_order() -> None:
    chain = started(local(2026, 11, 23))
    with refused(OutOfOrder, "尚未轮到分管院领导"):
        chain.approve(VP, 3, "", local(2026, 11, 23, 11))
    with pytest.raises(OutOfOrder):
        chain.dispose(4, "quarterly", "", local(2026, 11, 23, 11))
    with refused(OutOfOrder, "尚未进入"):
        Chain.submitted(TERMS).approve(DH, 2, "", local(2026, 11, 23))


def test_seed004_s13_a_skipped_level_cannot_be_signed() -> None:
    chain = started(local(2026, 11, 23), r=full_route(involved=("王庭长",)))
    assert chain.status is RecordStatus.AWAITING_VICE_PRESIDENT
    with refused(NotAllowed, "不经部门负责人"):
        chain.approve(DH, 2, "", local(2026, 11, 23, 11))


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        Chain.submitted(TERMS).start(full_route(), datetime(2026, 11, 23, 10))


# ---------------------------------------------------------------------------------------------------------
# Return for correction and resubmission (seed 004 §13: 退回补正, back into the chain from the first level)


def test_seed004_s13_returned_record_goes_back_to_the_first_level_on_resubmission() -> None:
    chain = started(local(2026, 11, 23))
    chain, _ = chain.approve(DH, 2, "", local(2026, 11, 23, 11))
    with refused(InvalidDecision, "理由"):
        chain.return_for_correction(VP, 3, "  ", local(2026, 11, 24))
    chain, events = chain.return_for_correction(VP, 3, "过问时间不清楚", local(2026, 11, 24))
    assert chain.status is RecordStatus.RETURNED and chain.deadline is None
    assert events[0].kind is EventKind.RETURNED and events[0].notify == {1}
    assert events[0].decision is not None and events[0].decision.text == "过问时间不清楚"
    with refused(AlreadyDecided, "已处理"):
        chain.approve(VP, 3, "", local(2026, 11, 24, 11))  # the card that returned it
    with pytest.raises(AlreadyDecided):
        chain.approve(DH, 2, "", local(2026, 11, 24, 11))  # the round-1 card
    with refused(OutOfOrder, "退回补正"):
        chain.dispose(4, "quarterly", "", local(2026, 11, 24, 11))  # never reached in this round
    with refused(NotAllowed, "记录人本人"):
        chain.resubmit(2, local(2026, 11, 25))
    chain, events = chain.resubmit(1, local(2026, 11, 25))
    assert chain.status is RecordStatus.AWAITING_DEPARTMENT_HEAD and chain.round == 2
    assert chain.opinions() == {}  # the new round's rows are empty; the old ones stay in `decisions`
    assert len(chain.round_decisions(1)) == 3
    chain, _ = chain.approve(DH, 2, "", local(2026, 11, 25, 11))  # the head signs again in round 2
    assert chain.status is RecordStatus.AWAITING_VICE_PRESIDENT


def test_seed004_s13_resubmission_may_take_a_new_route() -> None:
    chain = started(local(2026, 11, 23))
    chain, _ = chain.return_for_correction(DH, 2, "补充涉及人员", local(2026, 11, 23, 11))
    chain, _ = chain.resubmit(1, local(2026, 11, 24), route=full_route(involved=("王庭长",)))
    assert chain.status is RecordStatus.AWAITING_VICE_PRESIDENT
    assert chain.route is not None and 2 in chain.route.barred


def test_seed004_s13_a_correction_naming_an_unsigned_officer_moves_the_record_past_them() -> None:
    """The correction says the vice-president is the intervener: that level, not yet signed, is skipped
    (回避) and the record goes on to the discipline office; the department head's signature stays."""
    chain = started(local(2026, 11, 23))
    chain, _ = chain.approve(DH, 2, "", local(2026, 11, 23, 11))
    assert chain.status is RecordStatus.AWAITING_VICE_PRESIDENT
    at = local(2026, 11, 24)
    chain, events = chain.reroute(full_route(involved=(VICE.name,)), at)
    assert chain.status is RecordStatus.AWAITING_DISCIPLINE and chain.received_at == at
    assert chain.route is not None and chain.route.levels == (DH, DISC)
    assert [(s.level, s.reason) for s in chain.route.skips] == [(VP, SkipReason.CONFLICT)]
    assert 3 in chain.route.barred and 3 not in chain.people()  # no longer needs to know
    (arrived,) = events
    assert (
        arrived.kind is EventKind.ARRIVED and arrived.notify == {4, 5} and "重新确定签批人" in notes(arrived)
    )
    assert [d.kind for d in chain.decisions] == [DecisionKind.SUBMIT, DecisionKind.APPROVE]  # signed stays
    with refused(NotAllowed, ""):
        chain.approve(VP, 3, "", local(2026, 11, 24, 11))  # the vice-president's card no longer signs


def test_seed004_s13_a_correction_that_changes_no_routing_fact_changes_nothing() -> None:
    chain = started(local(2026, 11, 23))
    assert chain.reroute(full_route(), local(2026, 11, 24)) == (chain, ())
    filed = chain
    for level, signer in ((DH, 2), (VP, 3)):
        filed, _ = filed.approve(level, signer, "", local(2026, 11, 23, 11))
    filed, _ = filed.dispose(4, "quarterly", "", local(2026, 11, 23, 12))
    # a filed record keeps the route it was signed on, whatever the correction says
    assert filed.reroute(full_route(involved=(HEAD.name,)), local(2026, 11, 24)) == (filed, ())


def test_seed004_s13_a_correction_reroutes_later_levels_while_the_current_one_waits() -> None:
    """Waiting at the department head, the correction names the vice-president: the head still signs (no
    new card), then the record goes straight to the discipline office."""
    chain = started(local(2026, 11, 23))
    rerouted, events = chain.reroute(full_route(involved=(VICE.name,)), local(2026, 11, 24))
    assert events == () and rerouted.status is RecordStatus.AWAITING_DEPARTMENT_HEAD
    assert rerouted.deadline == chain.deadline  # the head's three working days run on
    after, _ = rerouted.approve(DH, 2, "", local(2026, 11, 24, 11))
    assert after.status is RecordStatus.AWAITING_DISCIPLINE


# ---------------------------------------------------------------------------------------------------------
# Direct report — seed 004 §13


def test_seed004_s13_recorder_may_report_directly_while_waiting_for_a_person_level() -> None:
    chain = started(local(2026, 11, 23))
    chain, _ = chain.approve(DH, 2, "", local(2026, 11, 23, 11))
    with pytest.raises(NotAllowed):
        chain.report_direct(2, local(2026, 11, 24))
    chain, events = chain.report_direct(1, local(2026, 11, 24))
    assert chain.status is RecordStatus.AWAITING_DISCIPLINE
    assert chain.route is not None and chain.route.direct and chain.route.levels == (DH, DISC)
    assert [s.reason for s in chain.route.skips] == [SkipReason.DIRECT]
    assert events[0].kind is EventKind.ARRIVED and events[0].notify == {4, 5} and "直接" in notes(events[0])
    assert 3 not in chain_people(chain.route)  # the skipped vice-president no longer needs to know
    with pytest.raises(AlreadyDecided):
        chain.approve(VP, 3, "", local(2026, 11, 24, 11))  # the vice-president's stale card
    with refused(OutOfOrder, "已在纪检监察"):
        chain.report_direct(1, local(2026, 11, 24, 12))


def test_seed004_s13_direct_report_after_a_return_resubmits_to_discipline() -> None:
    chain = started(local(2026, 11, 23))
    chain, _ = chain.return_for_correction(DH, 2, "补充", local(2026, 11, 23, 11))
    chain, _ = chain.report_direct(1, local(2026, 11, 24))
    assert chain.status is RecordStatus.AWAITING_DISCIPLINE and chain.round == 2
    assert chain.decisions[-1].kind is DecisionKind.DIRECT


# ---------------------------------------------------------------------------------------------------------
# Delegation (seed 004 §13: a deputy signs "代" in their own name while the delegation is valid)


def test_seed004_s13_deputy_signs_in_own_name_on_behalf_of_the_officer() -> None:
    chain = started(local(2026, 11, 23))
    deleg = [Delegation(2, 6, date(2026, 11, 23))]
    with pytest.raises(NotAllowed):
        chain.approve(DH, 6, "", local(2026, 11, 23, 11), delegations=deleg)  # must say for whom
    with refused(NotAllowed, "代签授权"):
        chain.approve(DH, 6, "", local(2026, 11, 24, 11), on_behalf_of=2, delegations=deleg)  # expired
    with refused(NotAllowed, "代签授权"):
        chain.approve(DH, 7, "", local(2026, 11, 23, 11), on_behalf_of=2, delegations=deleg)
    chain, events = chain.approve(
        DH, 6, "代签同意", local(2026, 11, 23, 11), on_behalf_of=2, delegations=deleg
    )
    row = chain.opinions()[DH]
    assert row.signer_pk == 6 and row.on_behalf_of == 2 and row.by_deputy
    assert events[0].decision == row
    assert {2, 6} <= chain.people()


def test_seed004_s13_deputy_of_a_discipline_member_may_dispose() -> None:
    chain = started(local(2026, 11, 23), r=full_route(direct=True))
    deleg = [Delegation(4, 6, date(2026, 12, 31))]
    filed, _ = chain.dispose(6, "quarterly", "", local(2026, 11, 24), on_behalf_of=4, delegations=deleg)
    assert filed.opinions()[DISC].on_behalf_of == 4


# ---------------------------------------------------------------------------------------------------------
# Defer suggestion — seed 004 §18


def test_seed004_s18_defer_suggestion_needs_an_explicit_answer() -> None:
    chain = started(local(2026, 11, 23), defer=True, r=full_route(direct=True))
    with refused(InvalidDecision, "请明确是否采纳"):
        chain.dispose(4, "quarterly", "", local(2026, 11, 24))
    with pytest.raises(InvalidDecision):
        chain.dispose(4, "quarterly", "", local(2026, 11, 24), defer_answer="maybe")
    with refused(InvalidDecision, "不能同时"):
        chain.dispose(4, "investigate", "", local(2026, 11, 24), defer_answer="accept")
    filed, events = chain.dispose(4, "quarterly", "", local(2026, 11, 24), defer_answer=DeferAnswer.ACCEPT)
    assert filed.defer_tell_by is None and [e.kind for e in events] == [EventKind.FILED]
    assert filed.opinions()[DISC].defer_answer is DeferAnswer.ACCEPT


def test_seed004_s18_override_must_be_told_within_three_working_days_of_receipt() -> None:
    chain = started(local(2026, 9, 30), defer=True, r=full_route(direct=True))
    filed, events = chain.dispose(4, "investigate", "确需调查", local(2026, 10, 8), defer_answer="override")
    assert filed.defer_tell_by == end_of(2026, 10, 10)
    overridden = events[0]
    assert overridden.kind is EventKind.DEFER_OVERRIDDEN and overridden.notify == {1}
    assert overridden.deadline == end_of(2026, 10, 10) and "三个工作日内告知记录人" in notes(overridden)
    assert events[-1].kind is EventKind.FILED


def test_seed004_s18_no_answer_without_a_suggestion() -> None:
    chain = started(local(2026, 11, 23), r=full_route(direct=True))
    with refused(InvalidDecision, "未提出"):
        chain.dispose(4, "quarterly", "", local(2026, 11, 24), defer_answer="accept")


# ---------------------------------------------------------------------------------------------------------
# Lapses — seed 004 §13 (3 working days per level) (escalation to the next level and discipline)


def test_seed004_s13_lapse_escalates_once_to_the_next_level_and_discipline() -> None:
    chain = started(local(2026, 11, 23))
    assert chain.lapse(end_of(2026, 11, 26)) == (chain, ())  # the last moment is still in time
    later = end_of(2026, 11, 26) + timedelta(milliseconds=1)
    lapsed, events = chain.lapse(later)
    (event,) = events
    assert event.kind is EventKind.ESCALATED and event.level is DH
    assert event.notify == {3, 4, 5} and event.deadline == end_of(2026, 11, 26)
    assert lapsed.status is RecordStatus.AWAITING_DEPARTMENT_HEAD  # a lapse skips nothing
    assert lapsed.lapses[0].holders == {2}
    assert lapsed.lapse(later + timedelta(days=3)) == (lapsed, ())
    # the head may still sign; the next level gets its own three working days
    signed, _ = lapsed.approve(DH, 2, "", local(2026, 11, 30))
    assert signed.deadline == end_of(2026, 12, 3)


def test_seed004_s13_discipline_lapse_goes_to_the_office() -> None:
    chain = started(local(2026, 11, 23), r=full_route(direct=True))
    _, (event,) = chain.lapse(local(2026, 12, 1))
    assert event.level is DISC and event.notify == {4, 5} and "上级" in notes(event)


# ---------------------------------------------------------------------------------------------------------
# Filed is final — docs/domain.md "The sign-off chain" 4 (only a new version, an amendment, could reopen it)


def test_domain_filed_is_final() -> None:
    chain = started(local(2026, 11, 23), r=full_route(direct=True))
    filed, _ = chain.dispose(4, "quarterly", "", local(2026, 11, 24))
    at = local(2026, 11, 25)
    attempts: list[Callable[[], tuple[Chain, Events]]] = [
        lambda: filed.approve(DH, 2, "", at),
        lambda: filed.return_for_correction(DISC, 4, "重新处理", at),
        lambda: filed.dispose(5, "immediate", "", at),
        lambda: filed.resubmit(1, at),
        lambda: filed.report_direct(1, at),
        lambda: filed.start(full_route(), at),
    ]
    for attempt in attempts:
        with refused(AlreadyDecided, "已处理"):
            attempt()
    assert filed.lapse(local(2027, 1, 1)) == (filed, ())


def test_chain_rejects_inconsistent_states() -> None:
    with pytest.raises(ValueError):
        Chain(TERMS, status=RecordStatus.AWAITING_VICE_PRESIDENT)
    with pytest.raises(ValueError):
        Chain(TERMS, status=RecordStatus.DRAFT)
    r = full_route(involved=("赵副院长",))
    with pytest.raises(ValueError, match="not on the route"):
        Chain(TERMS, RecordStatus.AWAITING_VICE_PRESIDENT, r, 1, local(2026, 11, 23), end_of(2026, 11, 26))


# ---------------------------------------------------------------------------------------------------------
# The state machine: random decisions, returns, resubmissions, direct reports, delegations and lapses.

OFFICER_KINDS = (DecisionKind.APPROVE, DecisionKind.RETURN, DecisionKind.DISPOSE)
INVOLVABLE = ("王庭长", "V001", "钱纪检", "D002", "周书记员")
RARELY = st.sampled_from([False, False, False, True])
DISPOSITION_KEYS = (*sorted(cat.keys(cat.DISPOSITIONS)), "bogus")


def holders(r: Route, level: Level) -> set[int]:
    """The spec, written independently of the module: who signs a level in their own right."""
    if level not in r.levels:
        return set()
    if level is DISC:
        return set(r.discipline)
    return {step.officer_pk for step in r.steps if step.level is level and step.officer_pk is not None}


def authorised(
    r: Route, level: Level, signer: int, behalf: int | None, delegs: list[Delegation], at: datetime
) -> bool:
    if signer in r.barred:
        return False
    if behalf is None:
        return signer in holders(r, level)
    other_officers = {s.officer_pk for s in r.steps if s.officer_pk is not None}
    return (
        behalf in holders(r, level)
        and signer not in holders(r, level)
        and signer not in other_officers
        and any(
            d.deputy_pk == signer and d.officer_pk == behalf and at.astimezone(SH).date() <= d.until
            for d in delegs
        )
    )


class SignoffMachine(RuleBasedStateMachine):
    """Invariants: exactly one chain status, consistent with the route; no required level skipped except by
    a noted skip; every decision attributed; filed is final; only the route's holders or valid deputies move
    it (seed 004 §13, §14)."""

    def __init__(self) -> None:
        super().__init__()
        self.chain = Chain.submitted(TERMS)
        self.now = local(2026, 9, 28, 9)
        self.delegations: list[Delegation] = []
        self.was_filed = False
        # (decision, the route it was authorised against)
        self.checked: list[tuple[int, Route]] = []

    def _route(
        self, role: Role, involved: frozenset[str], direct: bool, head_missing: bool, vice_missing: bool
    ) -> Route:
        recorder = person(1, role, "李明", "S001")
        return route(
            recorder,
            department_head=None if head_missing else HEAD,
            vice_president=None if vice_missing else VICE,
            discipline=[D1, D2],
            involved=involved,
            direct=direct,
        )

    @initialize(
        role=st.sampled_from(
            [Role.STAFF, Role.STAFF, Role.STAFF, Role.DEPT_HEAD, Role.VICE_PRESIDENT, Role.DISCIPLINE]
        ),
        involved=st.frozensets(st.sampled_from(INVOLVABLE), max_size=2),
        direct=RARELY,
        head_missing=RARELY,
        vice_missing=RARELY,
        defer=st.booleans(),
        start=st.sampled_from([(2026, 11, 23), (2026, 11, 26), (2026, 9, 29), (2026, 12, 30)]),
    )
    def submit(
        self,
        role: Role,
        involved: frozenset[str],
        direct: bool,
        head_missing: bool,
        vice_missing: bool,
        defer: bool,
        start: tuple[int, int, int],
    ) -> None:
        self.now = local(*start, 9)  # ordinary weeks, National Day, New Year
        self.chain = Chain.submitted(TERMS, defer_suggested=defer)
        r = self._route(role, involved, direct, head_missing, vice_missing)
        self._apply(lambda: self.chain.start(r, self.now), expect_ok=True)

    # -- helpers ------------------------------------------------------------------------------------------

    def _apply(self, transition: Callable[[], tuple[Chain, Events]], *, expect_ok: bool | None) -> bool:
        """Run a transition; check that it either fails changing nothing, or succeeds appending to history."""
        before = self.chain
        try:
            after, events = transition()
        except SignoffError as error:
            assert str(error)  # a Chinese message for the user
            if self.was_filed:  # stale for whoever may see it; the others are simply not allowed
                assert isinstance(error, AlreadyDecided | NotAllowed)
            assert expect_ok is not True, f"refused: {error}"
            assert self.chain is before
            return False
        assert expect_ok is not False, "a transition the rules forbid succeeded"
        note_event(f"reached {after.status}")
        assert not self.was_filed, "filed is final"
        assert after.decisions[: len(before.decisions)] == before.decisions  # history only grows
        assert after.lapses[: len(before.lapses)] == before.lapses
        for event in events:
            assert event.at.tzinfo is not None
        self.chain = after
        return True

    def _officer_act(
        self, kind: DecisionKind, level: Level, signer: int, behalf: int | None, text: str, **kw: object
    ) -> None:
        chain = self.chain
        r = chain.route
        assert r is not None
        current = chain.level is level
        ok = authorised(r, level, signer, behalf, self.delegations, self.now) and current
        if kind is DecisionKind.APPROVE:
            ok = ok and level is not DISC
            transition = lambda: chain.approve(  # noqa: E731
                level, signer, text, self.now, on_behalf_of=behalf, delegations=self.delegations
            )
        elif kind is DecisionKind.RETURN:
            ok = ok and bool(text.strip())
            transition = lambda: chain.return_for_correction(  # noqa: E731
                level, signer, text, self.now, on_behalf_of=behalf, delegations=self.delegations
            )
        else:
            key, answer = str(kw["key"]), kw["answer"]
            valid_answer = (answer is None) if not chain.defer_suggested else answer in ("accept", "override")
            contradicts = answer == "accept" and key in ("investigate", "transfer", "escalate")
            ok = ok and level is DISC and key != "bogus" and valid_answer and not contradicts
            transition = lambda: chain.dispose(  # noqa: E731
                signer,
                key,
                text,
                self.now,
                defer_answer=answer,  # type: ignore[arg-type]
                on_behalf_of=behalf,
                delegations=self.delegations,
            )
        if self._apply(transition, expect_ok=ok):
            decision = self.chain.decisions[-1]
            assert decision.kind is kind and decision.level is level
            assert (
                decision.signer_pk == signer and decision.on_behalf_of == behalf and decision.at == self.now
            )
            assert decision.round == chain.round and decision.text
            self.checked.append((len(self.chain.decisions) - 1, r))

    # -- rules --------------------------------------------------------------------------------------------

    @rule(
        level=st.sampled_from(list(Level)),
        signer=st.sampled_from(PKS),
        behalf=st.none() | st.sampled_from(PKS),
        text=st.sampled_from(["", "同意", "请纪检监察室阅"]),
    )
    def approve(self, level: Level, signer: int, behalf: int | None, text: str) -> None:
        self._officer_act(DecisionKind.APPROVE, level, signer, behalf, text)

    @rule(
        level=st.sampled_from(list(Level)),
        signer=st.sampled_from(PKS),
        behalf=st.none() | st.sampled_from(PKS),
        text=st.sampled_from(["", " ", "过问时间不清楚"]),
    )
    def return_for_correction(self, level: Level, signer: int, behalf: int | None, text: str) -> None:
        self._officer_act(DecisionKind.RETURN, level, signer, behalf, text)

    @rule(
        signer=st.sampled_from(PKS),
        behalf=st.none() | st.sampled_from(PKS),
        key=st.sampled_from(DISPOSITION_KEYS),
        answer=st.sampled_from([None, "accept", "override", "maybe"]),
        text=st.sampled_from(["", "纳入季度汇总"]),
    )
    def dispose(self, signer: int, behalf: int | None, key: str, answer: str | None, text: str) -> None:
        before = self.chain
        self._officer_act(DecisionKind.DISPOSE, DISC, signer, behalf, text, key=key, answer=answer)
        if self.chain is not before:
            self.was_filed = True
            assert self.chain.filed
            if answer == "override":
                assert before.received_at is not None
                assert self.chain.defer_tell_by == TERMS.defer_due(before.received_at)
            else:
                assert self.chain.defer_tell_by is None

    @rule(data=st.data())
    def someone_entitled_acts(self, data: st.DataObject) -> None:
        """Steer towards progress: a holder of the current level, or a deputy named by one, decides."""
        chain, level = self.chain, self.chain.level
        if level is None or chain.route is None:
            return
        own = sorted(holders(chain.route, level))
        deputies = sorted({(d.deputy_pk, d.officer_pk) for d in self.delegations if d.officer_pk in own})
        choices: list[tuple[int, int | None]] = [(pk, None) for pk in own] + list(deputies)
        if not choices:
            return
        signer, behalf = data.draw(st.sampled_from(choices))
        text = data.draw(st.sampled_from(["", "同意", "过问时间不清楚"]))
        if level is DISC and data.draw(st.integers(0, 4)):
            key = data.draw(st.sampled_from(DISPOSITION_KEYS[:-1]))
            answer = data.draw(st.sampled_from(["accept", "override"])) if chain.defer_suggested else None
            self.dispose(signer, behalf, key, answer, text)
        elif level is not DISC and data.draw(st.integers(0, 4)):
            self._officer_act(DecisionKind.APPROVE, level, signer, behalf, text)
        else:
            self._officer_act(DecisionKind.RETURN, level, signer, behalf, text or "退回补正")

    @rule(data=st.data())
    def someone_entitled_acts_again(self, data: st.DataObject) -> None:
        """The same, twice as likely as a random act: most presses come from the right people."""
        self.someone_entitled_acts(data)

    @rule(
        by=st.sampled_from(PKS),
        new_route=st.none()
        | st.tuples(st.frozensets(st.sampled_from(INVOLVABLE), max_size=3), st.booleans(), st.booleans()),
    )
    def resubmit(self, by: int, new_route: tuple[frozenset[str], bool, bool] | None) -> None:
        chain = self.chain
        assert chain.route is not None
        r = None
        if new_route is not None:
            involved, head_missing, vice_missing = new_route
            r = self._route(Role.STAFF, involved, False, head_missing, vice_missing)
        ok = chain.status is RecordStatus.RETURNED and by == chain.route.recorder_pk
        if self._apply(lambda: chain.resubmit(by, self.now, route=r), expect_ok=ok):
            assert self.chain.round == chain.round + 1
            assert self.chain.level is self.chain.route.first  # type: ignore[union-attr]
            assert self.chain.received_at == self.now

    @rule(by=st.sampled_from(PKS))
    def report_direct(self, by: int) -> None:
        chain = self.chain
        assert chain.route is not None
        ok = by == chain.route.recorder_pk and chain.status in (
            RecordStatus.AWAITING_DEPARTMENT_HEAD,
            RecordStatus.AWAITING_VICE_PRESIDENT,
            RecordStatus.RETURNED,
        )
        if self._apply(lambda: chain.report_direct(by, self.now), expect_ok=ok):
            assert self.chain.status is RecordStatus.AWAITING_DISCIPLINE
            assert self.chain.route is not None and self.chain.route.direct
            assert self.chain.decisions[-1].kind is DecisionKind.DIRECT
            assert self.chain.decisions[-1].signer_pk == by

    @rule(officer=st.sampled_from(PKS), deputy=st.sampled_from(PKS), days=st.integers(-2, 10))
    def delegate(self, officer: int, deputy: int, days: int) -> None:
        if officer != deputy:
            until = self.now.astimezone(SH).date() + timedelta(days=days)
            self.delegations.append(Delegation(officer, deputy, until))

    @rule(hours=st.integers(1, 200))
    def advance(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule()
    def lapse(self) -> None:
        before = self.chain
        after, events = before.lapse(self.now)
        level = before.level
        due = (
            level is not None
            and before.deadline is not None
            and self.now > before.deadline
            and not any(lp.level is level and lp.round == before.round for lp in before.lapses)
        )
        if not due:
            assert (after, events) == (before, ())
            return
        assert level is not None and before.route is not None
        (event,) = events
        assert event.kind is EventKind.ESCALATED and event.level is level
        assert before.route.discipline <= event.notify
        nxt = before.route.next_after(level)
        if nxt is not None:
            assert holders(before.route, nxt) <= event.notify
        assert after.status is before.status and after.decisions == before.decisions  # nothing skipped
        assert len(after.lapses) == len(before.lapses) + 1
        self.chain = after

    def teardown(self) -> None:
        note_event(f"ended {self.chain.status}, round {self.chain.round}, {len(self.chain.lapses)} lapses")

    # -- invariants ---------------------------------------------------------------------------------------

    @invariant()
    def survives_storage_as_json(self) -> None:
        """The chain is stored as JSON on the record (records.chain): every state must come back equal."""
        data = json.loads(json.dumps(chain_to_json(self.chain)))
        assert chain_from_json(data, self.chain.terms) == self.chain

    @invariant()
    def exactly_one_consistent_status(self) -> None:
        chain = self.chain
        assert chain.status in CHAIN_STATUSES
        assert sum(chain.status == s for s in RecordStatus) == 1
        awaiting = chain.status in LEVEL_STATUS.values()
        assert (chain.level is not None) == awaiting
        assert (chain.deadline is not None) == awaiting == (chain.received_at is not None)
        if awaiting:
            assert chain.route is not None and chain.level in chain.route.levels
            assert chain.level is not None and LEVEL_STATUS[chain.level] is chain.status
            assert chain.deadline is not None and chain.received_at is not None
            assert chain.deadline > chain.received_at
        if self.was_filed:
            assert chain.status is RecordStatus.FILED

    @invariant()
    def no_level_skipped_without_a_note(self) -> None:
        chain = self.chain
        r = chain.route
        if r is None:
            return
        for level in PERSON_LEVELS:
            if level not in r.levels:
                assert any(s.level is level and skip_text(s) and s.source for s in r.skips)
        assert r.levels[-1] is DISC
        # The current round's officer decisions walk the route's levels in order, none left out.
        acts = [d for d in chain.round_decisions() if d.kind in OFFICER_KINDS]
        approved = [d.level for d in acts if d.kind is DecisionKind.APPROVE]
        assert approved == list(r.levels[: len(approved)])
        if chain.level is not None:
            assert not [d for d in acts if d.kind is not DecisionKind.APPROVE]
            assert r.levels.index(chain.level) == len(approved)
        elif chain.status is RecordStatus.FILED:
            assert approved == list(r.levels[:-1])
            assert acts[-1].kind is DecisionKind.DISPOSE and acts[-1].level is DISC
        elif chain.status is RecordStatus.RETURNED:
            assert acts[-1].kind is DecisionKind.RETURN
            assert acts[-1].level == r.levels[len(approved)]

    @invariant()
    def every_decision_attributed(self) -> None:
        chain = self.chain
        for d in chain.decisions:
            assert isinstance(d.signer_pk, int) and d.at.tzinfo is not None and d.text and d.round >= 1
            if d.kind in OFFICER_KINDS:
                assert d.level is not None
            else:
                assert d.on_behalf_of is None
                assert chain.route is not None and d.signer_pk == chain.route.recorder_pk
        officer_decisions = [i for i, d in enumerate(chain.decisions) if d.kind in OFFICER_KINDS]
        assert officer_decisions == [i for i, _ in self.checked]
        for index, r in self.checked:
            d = chain.decisions[index]
            assert d.level is not None
            assert authorised(r, d.level, d.signer_pk, d.on_behalf_of, self.delegations, d.at)
            assert d.signer_pk not in r.barred and d.signer_pk != r.recorder_pk

    @invariant()
    def need_to_know(self) -> None:
        r = self.chain.route
        if r is not None:
            assert not (chain_people(r) & r.barred)
            if r.direct:
                assert r.levels[-1] is DISC


SignoffMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSignoffChain = SignoffMachine.TestCase
