"""The sign-off chain (签批): routing, the chain as a state machine, delegations (docs/domain.md "The sign-off
chain").

Seed 004 §13: the recorder reports to the department head (部门主要负责人), who reports to the vice-president
in charge (分管院领导) and the discipline inspection office (纪检监察机构), each within three working days; a
department head's own record goes to the vice-president and the discipline office, a court leader's own
record straight to the discipline office, and any recorder may report directly to the discipline office.
Seed 004 §14: everyone receiving the report signs the form's row with an opinion and their own name.
Seed 004 §17, §18, §20: the discipline office disposes of the record.

Everything here is pure: a ``Route`` is computed from the roster people the caller looked up, and a ``Chain``
is an immutable value whose transitions return ``(new_chain, events)``; the events say whom to tell what.
Nothing is ever removed from a chain: decisions, lapses and skips only accumulate (全程留痕).

Statuses are exactly those of docs/architecture.md: ``submitted → awaiting_department_head →
awaiting_vice_president →
awaiting_discipline → filed``, or ``returned`` (退回补正) and, on resubmission, back to the first level.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from liuhen.domain import catalogue as cat
from liuhen.domain.model import Role, Staff
from liuhen.domain.records import RecordStatus
from liuhen.domain.workdays import (
    DEFAULT_TIMEZONE,
    PROCURATORATE,
    DeadlineProfile,
    WorkCalendar,
    defer_answer_deadline,
    signoff_deadline,
)

SHANGHAI = ZoneInfo(DEFAULT_TIMEZONE)

# ---------------------------------------------------------------------------------------------------------
# Levels


class Level(enum.StrEnum):
    """The three levels of the chain, in order (seed 004 §13)."""

    DEPARTMENT_HEAD = "department_head"
    VICE_PRESIDENT = "vice_president"
    DISCIPLINE = "discipline"


LEVELS: tuple[Level, ...] = (Level.DEPARTMENT_HEAD, Level.VICE_PRESIDENT, Level.DISCIPLINE)
PERSON_LEVELS: tuple[Level, ...] = (Level.DEPARTMENT_HEAD, Level.VICE_PRESIDENT)
_ORDER: Mapping[Level, int] = {level: n for n, level in enumerate(LEVELS)}

LEVEL_STATUS: Mapping[Level, RecordStatus] = {
    Level.DEPARTMENT_HEAD: RecordStatus.AWAITING_DEPARTMENT_HEAD,
    Level.VICE_PRESIDENT: RecordStatus.AWAITING_VICE_PRESIDENT,
    Level.DISCIPLINE: RecordStatus.AWAITING_DISCIPLINE,
}
STATUS_LEVEL: Mapping[RecordStatus, Level] = {status: level for level, status in LEVEL_STATUS.items()}

#: The statuses a chain can be in (``draft`` is before the chain exists).
CHAIN_STATUSES: frozenset[RecordStatus] = frozenset(
    {RecordStatus.SUBMITTED, RecordStatus.RETURNED, RecordStatus.FILED, *LEVEL_STATUS.values()}
)


def level_of(status: RecordStatus | str) -> Level | None:
    """The level a status waits for, or None (submitted, returned, filed, draft)."""
    return STATUS_LEVEL.get(RecordStatus(status))


# ---------------------------------------------------------------------------------------------------------
# Errors: each says why (``why``) and, where it matters, at which level; the texts put it in words.


class Why(enum.Enum):
    DONE = "done"  # decided already, or filed: the card is stale
    STALE = "stale"  # not this person's button, unknown, forged or outdated
    IN_CHAIN = "in_chain"  # started already
    ONLY_RETURNED = "only_returned"  # only a returned record is resubmitted
    RECORDER_RESUBMITS = "recorder_resubmits"  # only the recorder resubmits
    NOT_SUBMITTED = "not_submitted"  # direct report before submission: choose it when submitting
    RECORDER_REPORTS = "recorder_reports"  # only the recorder reports directly
    AT_DISCIPLINE = "at_discipline"  # the record is with the discipline office already
    CHOOSE_DISPOSITION = "choose_disposition"  # the discipline office disposes, it does not approve
    REASON_NEEDED = "reason_needed"  # a return needs its reason
    UNKNOWN_DISPOSITION = "unknown_disposition"
    DEFER_ANSWER_NEEDED = "defer_answer_needed"  # answer the defer suggestion first (seed 004 §18)
    DEFER_CHOOSE = "defer_choose"  # the answer is accept or override
    DEFER_CONFLICT = "defer_conflict"  # an accepted defer suggestion excludes this disposition (§18)
    NO_DEFER = "no_defer"  # the recorder suggested no deferral
    NOT_IN_CHAIN = "not_in_chain"
    LEVEL_SKIPPED = "level_skipped"  # ``level`` is not on this record's route
    INVOLVED = "involved"  # the signer is the recorder or involved (回避)
    NOT_SIGNER = "not_signer"  # not a signer of ``level``
    OBO_NOT_SIGNER = "obo_not_signer"  # the officer signed for is not a signer of ``level``
    NO_DELEGATION = "no_delegation"
    RETURNED = "returned"  # waits for the recorder's resubmission
    NOT_YET = "not_yet"  # ``level`` is not reached; the record is at ``current``


class SignoffError(Exception):
    """A sign-off action that changes nothing: ``why``, and the levels it concerns."""

    default = Why.DONE

    def __init__(self, why: Why | None = None, *, level: Level | None = None, current: Level | None = None):
        self.why = why or self.default
        self.level, self.current = level, current
        super().__init__(self.why.value, level.value if level else None, current.value if current else None)


class NotAllowed(SignoffError):
    """The person may not act here (wrong person, conflicted, expired delegation, not the recorder)."""


class Stale(SignoffError):
    """A button that is not this person's, unknown, forged or outdated."""

    default = Why.STALE


class AlreadyDecided(SignoffError):
    """The level was decided already, or the record is filed: the card is stale ("已处理")."""


class OutOfOrder(SignoffError):
    """The action does not fit the chain's current status (a level not reached yet, not submitted …)."""


class InvalidDecision(SignoffError):
    """The decision itself is incomplete or inconsistent (no reason, unknown disposition, …)."""


# ---------------------------------------------------------------------------------------------------------
# Routing


class SkipReason(enum.StrEnum):
    OWN_RECORD = "own_record"  # the recorder is this level's officer or ranks above it (seed 004 §13)
    MISSING = "missing"  # the roster has no (active) officer for this level
    CONFLICT = "conflict"  # the officer is the intervener or named as involved (回避)
    SAME_OFFICER = "same_officer"  # the officer already signs at an earlier level of this route
    DIRECT = "direct"  # the recorder reported directly to the discipline office (seed 004 §13)


class SkipCase(enum.Enum):
    """Which rule left a level out (finer than the reason: the words on the form differ)."""

    LEADER_OWN = "leader_own"  # a vice-president's or the president's own record (seed 004 §13)
    HEAD_OWN = "head_own"  # a department head's own record (seed 004 §13)
    SELF_OFFICER = "self_officer"  # the recorder is this level's officer
    MISSING = "missing"  # no active officer in the roster
    CONFLICT = "conflict"  # the officer is the intervener or involved (回避)
    SAME_OFFICER = "same_officer"  # the officer signs an earlier level already (seed 004 §14)
    DIRECT = "direct"  # the recorder reported directly to the discipline office
    DISCIPLINE_OWN = "discipline_own"  # a member of the office is the recorder
    DISCIPLINE_CONFLICT = "discipline_conflict"  # a member of the office is involved


@dataclass(frozen=True)
class Skip:
    """A noted skip, shown on the record and the registration form.

    At a person level (department head, vice-president) it means the whole level is left out. At the
    discipline level the level itself is never left out: the entry notes one member of the office who may
    not sign this record (``officer_pk``), the others sign.
    """

    level: Level
    reason: SkipReason
    case: SkipCase | None  # None only in chains stored before the case was kept (their ``text`` says it)
    source: str  # the article the rule comes from
    officer_pk: int | None = None
    officer_name: str | None = None  # the person left out, as the form names them
    text: str | None = None  # the words of a chain stored before the case was kept


@dataclass(frozen=True)
class Step:
    """One level the record passes. ``officer_pk`` is the person expected at a person level; None at the
    discipline level, where any member of the office (``Route.discipline``) may sign."""

    level: Level
    officer_pk: int | None = None


def _normalised(involved: Iterable[str]) -> frozenset[str]:
    return frozenset(s.strip() for s in involved if s and s.strip())


def is_involved(person: Staff, involved: Iterable[str]) -> bool:
    """Whether ``person`` is the intervener or named as involved: the exact name, or the staff_id (case
    ignored). A namesake is matched too: a needless skip is noted and harmless, a missed one is not."""
    keys = _normalised(involved)
    if person.name.strip() in keys:
        return True
    staff_id = person.staff_id.strip().casefold()
    return bool(staff_id) and staff_id in {k.casefold() for k in keys}


@dataclass(frozen=True)
class Route:
    """Where a record goes: the ordered levels with their officers, the discipline office's signers, and
    every skip with its reason.

    Invariants (checked on construction): the levels are in chain order and end with the discipline level;
    every person level has an officer; every level left out has a noted ``Skip``; no officer is barred.
    ``barred`` holds the recorder and every roster person found to be the intervener or involved: they never
    sign, not even as a deputy. ``involved`` keeps the names and staff_ids, to check a deputy by name.
    """

    recorder_pk: int
    steps: tuple[Step, ...]
    skips: tuple[Skip, ...] = ()
    discipline: frozenset[int] = frozenset()
    barred: frozenset[int] = frozenset()
    involved: frozenset[str] = frozenset()
    direct: bool = False

    def __post_init__(self) -> None:
        if self.recorder_pk not in self.barred:
            object.__setattr__(self, "barred", self.barred | {self.recorder_pk})
        levels = [s.level for s in self.steps]
        if not levels or levels[-1] is not Level.DISCIPLINE:
            raise ValueError("a route ends at the discipline office (seed 004 §13)")
        if any(_ORDER[a] >= _ORDER[b] for a, b in itertools.pairwise(levels)):
            raise ValueError("route levels out of order")
        for step in self.steps:
            if step.level is Level.DISCIPLINE:
                if step.officer_pk is not None:
                    raise ValueError("the discipline level is the office, not one officer")
            elif step.officer_pk is None:
                raise ValueError(f"no officer for {step.level}")
            elif step.officer_pk in self.barred:
                raise ValueError(f"officer {step.officer_pk} is barred from this record")
        noted = {s.level for s in self.skips}
        for level in PERSON_LEVELS:
            if level not in levels and level not in noted:
                raise ValueError(f"{level} left out without a noted skip")
        if self.discipline & self.barred:
            raise ValueError("a barred person is among the discipline signers")

    @property
    def levels(self) -> tuple[Level, ...]:
        return tuple(s.level for s in self.steps)

    @property
    def first(self) -> Level:
        return self.steps[0].level

    @property
    def skipped_levels(self) -> tuple[Level, ...]:
        """Person levels this route leaves out (each has a noted skip)."""
        return tuple(level for level in PERSON_LEVELS if level not in self.levels)

    @property
    def vacant(self) -> bool:
        """No member of the discipline office may sign: the record must also go to the discipline office
        of the court above (seed 004 §13 "直接向…上级检察院纪检监察机构报告", §17(2)). The service tells the
        admins; the chain itself waits at the discipline level."""
        return not self.discipline

    def officer(self, level: Level) -> int | None:
        """The officer expected at a person level of this route (None for the discipline level or a level
        the route leaves out)."""
        for step in self.steps:
            if step.level is level:
                return step.officer_pk
        return None

    @property
    def officers(self) -> frozenset[int]:
        """The officers of the person levels."""
        return frozenset(s.officer_pk for s in self.steps if s.officer_pk is not None)

    def holders(self, level: Level) -> frozenset[int]:
        """Who signs ``level`` in their own right: its officer, or the discipline office's members."""
        if level not in self.levels:
            return frozenset()
        if level is Level.DISCIPLINE:
            return self.discipline
        officer = self.officer(level)
        return frozenset() if officer is None else frozenset({officer})

    def next_after(self, level: Level) -> Level | None:
        levels = self.levels
        index = levels.index(level)
        return levels[index + 1] if index + 1 < len(levels) else None

    def status_of(self, level: Level) -> RecordStatus:
        return LEVEL_STATUS[level]

    def involves(self, person: Staff) -> bool:
        """The person is barred from this record: the recorder, the intervener or someone involved."""
        return person.id in self.barred or is_involved(person, self.involved)

    @property
    def head_own(self) -> bool:
        """A department head's own record (seed 004 §13: reported to the vice-president in charge and the
        discipline office at the same time)."""
        return any(s.case is SkipCase.HEAD_OWN for s in self.skips)

    def direct_from(self, level: Level | None) -> Route:
        """This route after the recorder reports directly to the discipline office (seed 004 §13) while the
        record waits at ``level`` (None: before any level, e.g. on resubmission). Levels before ``level``
        stay (they have signed); ``level`` and the person levels after it are skipped with a noted reason."""
        start = _ORDER[level] if level is not None else 0
        kept = tuple(s for s in self.steps if s.level is Level.DISCIPLINE or _ORDER[s.level] < start)
        skips = list(self.skips)
        for step in self.steps:
            if step.level is not Level.DISCIPLINE and _ORDER[step.level] >= start:
                skips.append(_direct_skip(step.level, step.officer_pk))
        return replace(self, steps=kept, skips=tuple(skips), direct=True)


def _skip(
    level: Level, reason: SkipReason, case: SkipCase, officer_pk: int | None = None, name: str | None = None
) -> Skip:
    return Skip(level, reason, case, cat.SKIP_SOURCES[case.value], officer_pk, name)


def _direct_skip(level: Level, officer_pk: int | None) -> Skip:
    return _skip(level, SkipReason.DIRECT, SkipCase.DIRECT, officer_pk)


def _pk(person: Staff, what: str) -> int:
    if person.id is None:
        raise ValueError(f"{what} {person.staff_id} has no id (not saved)")
    return person.id


def route(
    recorder: Staff,
    *,
    department_head: Staff | None,
    vice_president: Staff | None,
    discipline: Sequence[Staff],
    involved: Iterable[str],
    direct: bool,
) -> Route:
    """The route of a record (seed 004 §13, §14).

    ``department_head`` is the head of the recorder's department, ``vice_president`` the vice-president in
    charge of it (``Department.vice_president_id``), ``discipline`` the discipline office's members; pass
    None (or an inactive person) where the roster has nobody. ``involved`` holds the names and staff_ids of
    the intervener and of everyone named as involved.

    Rules, in this order for each person level (the first that applies is the noted reason):

    1. own record — a department head's own record starts at the vice-president; a vice-president's or the
       president's goes straight to the discipline office (seed 004 §13); nobody signs their own record;
    2. missing — a level without an active officer in the roster is skipped;
    3. conflict — an officer who is the intervener or named as involved is skipped (回避);
    4. same officer — the vice-president level is skipped when its officer already signs as department head
       (one person signs one row, seed 004 §14);
    5. direct — ``direct=True`` (直接报告纪检, seed 004 §13 and the 登记表 note "必要时也可直接向…纪检监察
       机构报告") skips every person level.

    The discipline level is never skipped; members of the office who are the recorder or involved are
    excluded from signing, with a note. Inactive members are simply not in the office.
    """
    recorder_pk = _pk(recorder, "recorder")
    keys = _normalised(involved)
    role = recorder.role
    steps: list[Step] = []
    skips: list[Skip] = []
    barred: set[int] = {recorder_pk}
    seen_officers: set[int] = set()

    own_levels: dict[Level, SkipCase] = {}
    if role in (Role.VICE_PRESIDENT.value, Role.PRESIDENT.value):
        own_levels = {Level.DEPARTMENT_HEAD: SkipCase.LEADER_OWN, Level.VICE_PRESIDENT: SkipCase.LEADER_OWN}
    elif role == Role.DEPT_HEAD.value:
        own_levels = {Level.DEPARTMENT_HEAD: SkipCase.HEAD_OWN}

    for level, officer in ((Level.DEPARTMENT_HEAD, department_head), (Level.VICE_PRESIDENT, vice_president)):
        officer_pk = _pk(officer, level.value) if officer is not None else None
        if officer is not None and officer_pk is not None and is_involved(officer, keys):
            barred.add(officer_pk)  # never signs this record, not even as someone's deputy
        if level in own_levels:
            skips.append(_skip(level, SkipReason.OWN_RECORD, own_levels[level]))
        elif officer_pk == recorder_pk:
            skips.append(_skip(level, SkipReason.OWN_RECORD, SkipCase.SELF_OFFICER))
        elif officer is None or officer_pk is None or not officer.active:
            skips.append(_skip(level, SkipReason.MISSING, SkipCase.MISSING, officer_pk))
        elif officer_pk in barred:
            skips.append(_skip(level, SkipReason.CONFLICT, SkipCase.CONFLICT, officer_pk, officer.name))
        elif officer_pk in seen_officers:
            skips.append(
                _skip(level, SkipReason.SAME_OFFICER, SkipCase.SAME_OFFICER, officer_pk, officer.name)
            )
        elif direct:
            skips.append(_direct_skip(level, officer_pk))
        else:
            steps.append(Step(level, officer_pk))
            seen_officers.add(officer_pk)

    members: set[int] = set()
    for member in discipline:
        if not member.active:
            continue
        member_pk = _pk(member, "discipline member")
        if member_pk == recorder_pk:
            skips.append(
                _skip(
                    Level.DISCIPLINE, SkipReason.OWN_RECORD, SkipCase.DISCIPLINE_OWN, member_pk, member.name
                )
            )
        elif is_involved(member, keys):
            barred.add(member_pk)
            skips.append(
                _skip(
                    Level.DISCIPLINE,
                    SkipReason.CONFLICT,
                    SkipCase.DISCIPLINE_CONFLICT,
                    member_pk,
                    member.name,
                )
            )
        else:
            members.add(member_pk)
    steps.append(Step(Level.DISCIPLINE))
    # A person-level officer who is also a discipline member signs their own row only (seed 004 §14).
    return Route(
        recorder_pk=recorder_pk,
        steps=tuple(steps),
        skips=tuple(skips),
        discipline=frozenset(members),
        barred=frozenset(barred),
        involved=keys,
        direct=direct,
    )


def late_approver(chain: Chain | None) -> Level | None:
    """Who agrees to a late entry (事后补记): the department head, "经部门主要负责人同意" (seed 004 §7) — or,
    where the route does not pass the department head (a head's own record, a conflict, a direct report),
    the first level that signs it."""
    return chain.route.first if chain is not None and chain.route is not None else None


def chain_people(route: Route) -> set[int]:
    """The officers of a route: person-level officers and the discipline office's signers (need-to-know,
    seed 003 §12, seed 004 §15). Officers skipped for a conflict are not among them: they never see it."""
    return set(route.officers | route.discipline)


VACANT_SOURCE = "seed 004 §13; seed 004 §17(2)"


# ---------------------------------------------------------------------------------------------------------
# Delegations


@dataclass(frozen=True)
class Delegation:
    """An officer away names a deputy, who signs "代" in their own name until ``until`` (inclusive, local
    date) (``liuhen org delegate STAFF_ID DEPUTY_ID --until DATE``)."""

    officer_pk: int
    deputy_pk: int
    until: date

    def __post_init__(self) -> None:
        if self.officer_pk == self.deputy_pk:
            raise ValueError("an officer cannot be their own deputy")

    def valid_on(self, day: date) -> bool:
        return day <= self.until


def _local_day(at: datetime, tz: tzinfo) -> date:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("sign-off times must be aware datetimes (store UTC)")
    return at.astimezone(tz).date()


def represented(
    level: Level,
    person: int,
    route: Route,
    delegations: Iterable[Delegation],
    at: datetime,
    *,
    tz: tzinfo = SHANGHAI,
) -> frozenset[int]:
    """The holders of ``level`` for whom ``person`` may sign as deputy at ``at``.

    A deputy is never barred (recorder, intervener, involved), never another officer of this route (that
    would let one person sign two rows, seed 004 §14), and never a holder of the level in their own right.
    Delegations do not chain: a deputy's deputy may not sign.
    """
    holders = route.holders(level)
    if not holders or person in route.barred or person in route.officers or person in holders:
        return frozenset()
    day = _local_day(at, tz)
    return frozenset(
        d.officer_pk
        for d in delegations
        if d.deputy_pk == person and d.officer_pk in holders and d.valid_on(day)
    )


def may_sign(
    level: Level,
    person: int | Staff,
    route: Route,
    delegations: Iterable[Delegation],
    at: datetime,
    *,
    tz: tzinfo = SHANGHAI,
) -> bool:
    """Whether ``person`` may decide ``level`` of ``route`` at ``at``: its holder in their own right, or a
    valid deputy of one. Pass the ``Staff`` where you have it: a deputy is then also checked by name
    against the intervener and the involved."""
    if isinstance(person, Staff):
        if person.id is None or not person.active or route.involves(person):
            return False
        pk = person.id
    else:
        pk = person
    if pk in route.barred:
        return False
    if pk in route.holders(level):
        return True
    return bool(represented(level, pk, route, delegations, at, tz=tz))


# ---------------------------------------------------------------------------------------------------------
# The chain


@dataclass(frozen=True)
class SignoffTerms:
    """The deadline configuration a chain runs on: 3 working days per level (seed 004 §13) and 3 working
    days to tell the recorder of an overridden defer suggestion (seed 004 §18), on the court's calendar."""

    profile: DeadlineProfile = PROCURATORATE
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    tz: tzinfo = SHANGHAI
    #: working days for the follow-ups the seeds set no deadline for (investigation, clarification): the
    #: court's settings (``LIUHEN_INVESTIGATION_WORKDAYS``, ``LIUHEN_CLARIFICATION_WORKDAYS``)
    investigation_workdays: int = 30
    clarification_workdays: int = 10

    def level_due(self, received_at: datetime) -> datetime:
        return signoff_deadline(received_at, self.profile, self.calendar, self.tz)

    def defer_due(self, received_at: datetime) -> datetime:
        return defer_answer_deadline(received_at, self.profile, self.calendar, self.tz)


class DecisionKind(enum.StrEnum):
    SUBMIT = "submit"  # the recorder submits (seed 004 §13)
    RESUBMIT = "resubmit"  # the recorder resubmits after correction
    DIRECT = "direct"  # the recorder reports directly to the discipline office (seed 004 §13)
    APPROVE = "approve"  # 同意 with an opinion (seed 004 §14)
    RETURN = "return"  # 退回补正 with a reason
    DISPOSE = "dispose"  # the discipline office's disposition (seed 004 §17, §18, §20)


class DeferAnswer(enum.StrEnum):
    """The discipline office's answer to the recorder's suggestion to defer or not investigate, route or
    publicise (暂缓或不予调查、分流、通报, seed 004 §18)."""

    ACCEPT = "accept"  # 采纳
    OVERRIDE = "override"  # 不采纳：确需调查或分流、通报 — needs the chief's approval, recorder told in 3 wd


#: Dispositions that contradict an accepted defer suggestion (调查、分流, seed 004 §18).
DEFER_CONFLICTING: frozenset[str] = frozenset({"investigate", "transfer", "escalate"})


@dataclass(frozen=True)
class Decision:
    """One attributed act on the chain: who (``signer_pk``, and ``on_behalf_of`` when a deputy signs "代"),
    when, at which level, what, and the text (opinion or reason) — the rows of the 登记表 (seed 004 §14)."""

    kind: DecisionKind
    level: Level | None
    signer_pk: int
    at: datetime
    text: str
    round: int
    on_behalf_of: int | None = None
    disposition: str | None = None
    defer_answer: DeferAnswer | None = None

    @property
    def by_deputy(self) -> bool:
        return self.on_behalf_of is not None


@dataclass(frozen=True)
class Lapse:
    """A level that let its deadline pass (seed 004 §13: 三个工作日内)."""

    level: Level
    round: int
    received_at: datetime
    deadline: datetime
    noticed_at: datetime
    holders: frozenset[int]


class EventKind(enum.StrEnum):
    ARRIVED = "arrived"  # a level received the record: tell its holders (card with the deadline)
    APPROVED = "approved"  # tell the recorder
    RETURNED = "returned"  # tell the recorder, with the reason
    FILED = "filed"  # tell the recorder the outcome (docs/domain.md: "The recorder gets the outcome back")
    ESCALATED = "escalated"  # a level lapsed: tell the next level and the discipline office
    DEFER_OVERRIDDEN = "defer_overridden"  # tell the recorder by ``deadline`` (seed 004 §18)


class Note(enum.Enum):
    """What an event adds to its message (the texts put it in words)."""

    DIRECT = "direct"  # the recorder reported directly (seed 004 §13)
    VACANT = "vacant"  # nobody in the discipline office may sign: report to the level above (§13, §17(2))
    DEFER_OVERRIDDEN = "defer_overridden"  # the chief approves, the recorder is told in 3 wd (seed 004 §18)
    LAPSED = "lapsed"  # ``level`` let its three working days pass (seed 004 §13)
    REROUTED = "rerouted"  # a correction changed who may sign the levels not yet signed (seed 004 §13 回避)


@dataclass(frozen=True)
class Event:
    kind: EventKind
    at: datetime
    level: Level | None
    notify: frozenset[int]
    deadline: datetime | None = None
    decision: Decision | None = None
    notes: tuple[Note, ...] = ()


Events = tuple[Event, ...]


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("sign-off times must be aware datetimes (store UTC)")
    return at


@dataclass(frozen=True)
class Chain:
    """The sign-off state of one record. Immutable: each transition returns ``(new_chain, events)`` and
    raises a ``SignoffError`` (changing nothing) when the act is not allowed.

    ``status`` is the record's status; the level it waits for is derived from it (``level``), so a record is
    in exactly one status. ``received_at``/``deadline`` belong to the level it waits for. ``round`` counts
    submissions (1 after the first, +1 per resubmission after a return).
    """

    terms: SignoffTerms = field(default_factory=SignoffTerms, compare=False, repr=False)
    status: RecordStatus = RecordStatus.SUBMITTED
    route: Route | None = None
    round: int = 0
    received_at: datetime | None = None
    deadline: datetime | None = None
    defer_suggested: bool = False
    defer_tell_by: datetime | None = None
    decisions: tuple[Decision, ...] = ()
    lapses: tuple[Lapse, ...] = ()

    def __post_init__(self) -> None:
        status = RecordStatus(self.status)
        if status not in CHAIN_STATUSES:
            raise ValueError(f"a chain is never {status}")
        object.__setattr__(self, "status", status)
        level = STATUS_LEVEL.get(status)
        if (level is None) != (self.received_at is None) or (level is None) != (self.deadline is None):
            raise ValueError("received_at and deadline belong to an awaited level")
        if level is not None and (self.route is None or level not in self.route.levels):
            raise ValueError(f"status {status} is not on the route")
        if status is not RecordStatus.SUBMITTED and self.route is None:
            raise ValueError(f"status {status} needs a route")

    # -- reading --------------------------------------------------------------------------------------

    def under(self, terms: SignoffTerms) -> Chain:
        """This chain under a court's deadline terms (they are not stored with it)."""
        return replace(self, terms=terms)

    @classmethod
    def submitted(cls, terms: SignoffTerms | None = None, *, defer_suggested: bool = False) -> Chain:
        """A record just submitted: not yet routed."""
        return cls(terms=terms or SignoffTerms(), defer_suggested=defer_suggested)

    @property
    def level(self) -> Level | None:
        """The level the record waits for, or None."""
        return STATUS_LEVEL.get(self.status)

    @property
    def filed(self) -> bool:
        return self.status is RecordStatus.FILED

    def holders(self) -> frozenset[int]:
        """Who may decide the current level in their own right (empty when nothing is awaited)."""
        level = self.level
        return frozenset() if level is None or self.route is None else self.route.holders(level)

    def round_decisions(self, round_: int | None = None) -> tuple[Decision, ...]:
        r = self.round if round_ is None else round_
        return tuple(d for d in self.decisions if d.round == r)

    def opinions(self) -> dict[Level, Decision]:
        """The current round's signed rows of the 登记表 by level (seed 004 §14)."""
        kinds = (DecisionKind.APPROVE, DecisionKind.RETURN, DecisionKind.DISPOSE)
        return {d.level: d for d in self.round_decisions() if d.kind in kinds and d.level is not None}

    def overdue(self, now: datetime) -> bool:
        return self.deadline is not None and _aware(now) > self.deadline

    def people(self) -> set[int]:
        """Need-to-know (seed 003 §12, seed 004 §15): the current route's officers plus everyone who has
        signed, deputies included. The recorder is added by the caller."""
        people = chain_people(self.route) if self.route is not None else set()
        for d in self.decisions:
            people.add(d.signer_pk)
            if d.on_behalf_of is not None:
                people.add(d.on_behalf_of)
        return people

    # -- transitions ----------------------------------------------------------------------------------

    def start(self, route: Route, at: datetime) -> tuple[Chain, Events]:
        """Route a submitted record to its first level (seed 004 §13)."""
        if self.status is RecordStatus.FILED:
            raise AlreadyDecided()
        if self.status is not RecordStatus.SUBMITTED:
            raise OutOfOrder(Why.IN_CHAIN)
        return self._enter(route, _aware(at), DecisionKind.SUBMIT)

    def resubmit(
        self, by_pk: int, at: datetime, *, route: Route | None = None, defer_suggested: bool | None = None
    ) -> tuple[Chain, Events]:
        """The recorder resubmits a corrected record: back to the first level of ``route`` (a new route when
        the correction changed the people involved or the roster changed; else the old one)."""
        if self.status is RecordStatus.FILED:
            raise AlreadyDecided()
        if self.status is not RecordStatus.RETURNED or self.route is None:
            raise OutOfOrder(Why.ONLY_RETURNED)
        if by_pk != self.route.recorder_pk:
            raise NotAllowed(Why.RECORDER_RESUBMITS)
        new_route = route or self.route
        if new_route.recorder_pk != self.route.recorder_pk:
            raise ValueError("a resubmitted record keeps its recorder")
        chain = self if defer_suggested is None else replace(self, defer_suggested=defer_suggested)
        return chain._enter(new_route, _aware(at), DecisionKind.RESUBMIT)

    def report_direct(self, by_pk: int, at: datetime) -> tuple[Chain, Events]:
        """The recorder sends the record straight to the discipline office (直接报告纪检, seed 004 §13),
        while it waits at a person level or after it was returned. The levels not yet signed are skipped
        with a noted reason. (Before submission: ``route(..., direct=True)`` and ``start``.)"""
        at = _aware(at)
        if self.status is RecordStatus.FILED:
            raise AlreadyDecided()
        if self.route is None:
            raise OutOfOrder(Why.NOT_SUBMITTED)
        if by_pk != self.route.recorder_pk:
            raise NotAllowed(Why.RECORDER_REPORTS)
        if self.status is RecordStatus.AWAITING_DISCIPLINE:
            raise OutOfOrder(Why.AT_DISCIPLINE)
        if self.status is RecordStatus.RETURNED:
            return self._enter(self.route.direct_from(None), at, DecisionKind.DIRECT)
        level = self.level
        assert level is not None
        text = cat.DECISION_TEXTS[DecisionKind.DIRECT.value]
        decision = Decision(DecisionKind.DIRECT, level, by_pk, at, text, self.round)
        return self._arrive(self.route.direct_from(level), Level.DISCIPLINE, at, decision, (Note.DIRECT,))

    def reroute(self, route: Route, at: datetime) -> tuple[Chain, Events]:
        """A correction changed a routing fact — the intervener, the people involved (回避, seed 004 §13):
        the levels not yet signed follow ``route``; what was signed stays as it was. Waiting at a level the
        new route skips moves on to the next one; a level whose holders changed is sent to them afresh.
        A filed record, or one not waiting at a level, keeps its route (a returned one takes the new route
        when it is resubmitted)."""
        at = _aware(at)
        level, old = self.level, self.route
        if old is None or level is None:
            return self, ()
        if route.recorder_pk != old.recorder_pk:
            raise ValueError("a corrected record keeps its recorder")
        here = _ORDER[level]
        signed = tuple(s for s in old.steps if _ORDER[s.level] < here)
        kept_officers = {s.officer_pk for s in signed}
        merged = Route(
            recorder_pk=old.recorder_pk,
            steps=(*signed, *(s for s in route.steps if _ORDER[s.level] >= here)),
            skips=(
                *(s for s in old.skips if _ORDER[s.level] < here),
                *(s for s in route.skips if _ORDER[s.level] >= here),
            ),
            discipline=route.discipline,
            barred=(route.barred - kept_officers) | {old.recorder_pk},
            involved=route.involved,
            direct=old.direct,
        )
        if merged == old:
            return self, ()
        target = level if level in merged.levels else next(lv for lv in merged.levels if _ORDER[lv] > here)
        if target is level and merged.holders(level) == old.holders(level):
            return replace(self, route=merged), ()  # only what later levels or notes say changed
        return self._arrive(merged, target, at, None, (Note.REROUTED,))

    def approve(
        self,
        level: Level,
        signer_pk: int,
        opinion: str,
        at: datetime,
        *,
        on_behalf_of: int | None = None,
        delegations: Iterable[Delegation] = (),
    ) -> tuple[Chain, Events]:
        """同意 at a person level, with an opinion (seed 004 §14; an empty opinion reads "同意")."""
        at = _aware(at)
        route = self._authorise(level, signer_pk, at, on_behalf_of, delegations)
        self._require_current(level)
        if level is Level.DISCIPLINE:
            raise InvalidDecision(Why.CHOOSE_DISPOSITION)
        text = opinion.strip() or cat.DECISION_TEXTS[DecisionKind.APPROVE.value]
        decision = Decision(DecisionKind.APPROVE, level, signer_pk, at, text, self.round, on_behalf_of)
        nxt = route.next_after(level)
        assert nxt is not None  # the discipline level is always last
        chain, events = self._arrive(route, nxt, at, decision)
        told = Event(EventKind.APPROVED, at, level, frozenset({route.recorder_pk}), decision=decision)
        return chain, (told, *events)

    def return_for_correction(
        self,
        level: Level,
        signer_pk: int,
        reason: str,
        at: datetime,
        *,
        on_behalf_of: int | None = None,
        delegations: Iterable[Delegation] = (),
    ) -> tuple[Chain, Events]:
        """退回补正 at any level, with a reason; the recorder corrects and resubmits."""
        at = _aware(at)
        route = self._authorise(level, signer_pk, at, on_behalf_of, delegations)
        self._require_current(level)
        if not reason.strip():
            raise InvalidDecision(Why.REASON_NEEDED)
        decision = Decision(
            DecisionKind.RETURN, level, signer_pk, at, reason.strip(), self.round, on_behalf_of
        )
        chain = replace(
            self,
            status=RecordStatus.RETURNED,
            received_at=None,
            deadline=None,
            decisions=(*self.decisions, decision),
        )
        event = Event(EventKind.RETURNED, at, level, frozenset({route.recorder_pk}), decision=decision)
        return chain, (event,)

    def dispose(
        self,
        signer_pk: int,
        disposition_key: str,
        opinion: str,
        at: datetime,
        *,
        defer_answer: str | None = None,
        on_behalf_of: int | None = None,
        delegations: Iterable[Delegation] = (),
    ) -> tuple[Chain, Events]:
        """The discipline office disposes of the record and files it (seed 004 §17, §20; seed 001 §7,
        实施办法 §5, §6). A recorder's defer suggestion (seed 004 §18) needs ``defer_answer`` ("accept" or
        "override"); an override must be told to the recorder within 3 working days of the office's receipt
        (``defer_tell_by``, and a DEFER_OVERRIDDEN event)."""
        at = _aware(at)
        route = self._authorise(Level.DISCIPLINE, signer_pk, at, on_behalf_of, delegations)
        self._require_current(Level.DISCIPLINE)
        dispositions = cat.by_key(cat.DISPOSITIONS)
        if disposition_key not in dispositions:
            raise InvalidDecision(Why.UNKNOWN_DISPOSITION)
        answer: DeferAnswer | None = None
        if self.defer_suggested:
            if defer_answer is None:
                raise InvalidDecision(Why.DEFER_ANSWER_NEEDED)
            try:
                answer = DeferAnswer(defer_answer)
            except ValueError:
                raise InvalidDecision(Why.DEFER_CHOOSE) from None
            if answer is DeferAnswer.ACCEPT and disposition_key in DEFER_CONFLICTING:
                raise InvalidDecision(Why.DEFER_CONFLICT)
        elif defer_answer is not None:
            raise InvalidDecision(Why.NO_DEFER)
        text = opinion.strip() or dispositions[disposition_key].label
        decision = Decision(
            DecisionKind.DISPOSE,
            Level.DISCIPLINE,
            signer_pk,
            at,
            text,
            self.round,
            on_behalf_of,
            disposition=disposition_key,
            defer_answer=answer,
        )
        tell_by: datetime | None = None
        events: list[Event] = []
        recorder = frozenset({route.recorder_pk})
        if answer is DeferAnswer.OVERRIDE:
            assert self.received_at is not None
            tell_by = self.terms.defer_due(self.received_at)
            events.append(
                Event(
                    EventKind.DEFER_OVERRIDDEN,
                    at,
                    Level.DISCIPLINE,
                    recorder,
                    deadline=tell_by,
                    decision=decision,
                    notes=(Note.DEFER_OVERRIDDEN,),
                )
            )
        events.append(Event(EventKind.FILED, at, Level.DISCIPLINE, recorder, decision=decision))
        chain = replace(
            self,
            status=RecordStatus.FILED,
            received_at=None,
            deadline=None,
            defer_tell_by=tell_by,
            decisions=(*self.decisions, decision),
        )
        return chain, tuple(events)

    def lapse(self, now: datetime) -> tuple[Chain, Events]:
        """Note a level whose 3 working days have passed (seed 004 §13) and escalate once: to the next
        level and the discipline office. The record stays where it is (no level is skipped by a lapse); the
        recorder can still report directly. Calling it again for the same lapse changes nothing."""
        now = _aware(now)
        level = self.level
        if level is None or self.route is None or not self.overdue(now):
            return self, ()
        if any(lp.level is level and lp.round == self.round for lp in self.lapses):
            return self, ()
        assert self.received_at is not None and self.deadline is not None
        route = self.route
        nxt = route.next_after(level)
        notify = route.discipline | (route.holders(nxt) if nxt is not None else frozenset())
        lapse = Lapse(level, self.round, self.received_at, self.deadline, now, route.holders(level))
        event = Event(EventKind.ESCALATED, now, level, notify, deadline=self.deadline, notes=(Note.LAPSED,))
        return replace(self, lapses=(*self.lapses, lapse)), (event,)

    def check(
        self,
        level: Level,
        signer_pk: int,
        at: datetime,
        *,
        on_behalf_of: int | None = None,
        delegations: Iterable[Delegation] = (),
    ) -> None:
        """Raise what a decision at ``level`` by this person would raise now (before asking them to type an
        opinion or a reason); return quietly if they may decide."""
        self._authorise(level, signer_pk, _aware(at), on_behalf_of, delegations)
        self._require_current(level)

    # -- internals ------------------------------------------------------------------------------------

    def _enter(self, route: Route, at: datetime, kind: DecisionKind) -> tuple[Chain, Events]:
        round_ = self.round + 1
        decision = Decision(kind, None, route.recorder_pk, at, cat.DECISION_TEXTS[kind.value], round_)
        chain = replace(self, round=round_, defer_tell_by=None)
        return chain._arrive(route, route.first, at, decision, (Note.DIRECT,) if route.direct else ())

    def _arrive(
        self,
        route: Route,
        level: Level,
        at: datetime,
        decision: Decision | None,
        notes: tuple[Note, ...] = (),
    ) -> tuple[Chain, Events]:
        """Move to ``level`` of ``route`` (in one step, so no intermediate state exists), appending
        ``decision`` (if any); the level gets its deadline (seed 004 §13)."""
        deadline = self.terms.level_due(at)
        chain = replace(
            self,
            route=route,
            status=LEVEL_STATUS[level],
            received_at=at,
            deadline=deadline,
            decisions=(*self.decisions, decision) if decision is not None else self.decisions,
        )
        if level is Level.DISCIPLINE and route.vacant:
            notes = (*notes, Note.VACANT)
        event = Event(EventKind.ARRIVED, at, level, route.holders(level), deadline=deadline, notes=notes)
        return chain, (event,)

    def _authorise(
        self,
        level: Level,
        signer_pk: int,
        at: datetime,
        on_behalf_of: int | None,
        delegations: Iterable[Delegation],
    ) -> Route:
        route = self.route
        if route is None:
            raise OutOfOrder(Why.NOT_IN_CHAIN)
        if level not in route.levels:
            passed = {s.officer_pk for s in route.skips if s.level is level and s.reason is SkipReason.DIRECT}
            if signer_pk in passed or (on_behalf_of is not None and on_behalf_of in passed):
                raise AlreadyDecided()  # a stale card after a direct report: say no more than that
            raise NotAllowed(Why.LEVEL_SKIPPED, level=level)
        if signer_pk in route.barred:
            raise NotAllowed(Why.INVOLVED)
        if on_behalf_of is None:
            if signer_pk not in route.holders(level):
                raise NotAllowed(Why.NOT_SIGNER, level=level)
            return route
        if on_behalf_of not in route.holders(level):
            raise NotAllowed(Why.OBO_NOT_SIGNER, level=level)
        if on_behalf_of not in represented(level, signer_pk, route, delegations, at, tz=self.terms.tz):
            raise NotAllowed(Why.NO_DELEGATION)
        return route

    def _require_current(self, level: Level) -> None:
        if self.status is RecordStatus.FILED:
            raise AlreadyDecided()
        if self.level is level:
            return
        decided = any(
            d.level is level and d.kind in (DecisionKind.APPROVE, DecisionKind.RETURN, DecisionKind.DISPOSE)
            for d in self.round_decisions()
        )
        if decided:
            raise AlreadyDecided()
        if self.status is RecordStatus.RETURNED:
            raise OutOfOrder(Why.RETURNED)
        if self.status is RecordStatus.SUBMITTED:
            raise OutOfOrder(Why.NOT_IN_CHAIN)
        current = self.level
        assert current is not None
        if _ORDER[level] < _ORDER[current]:
            # Passed without a decision at this level in this round (e.g. a direct report): the card is stale.
            raise AlreadyDecided()
        raise OutOfOrder(Why.NOT_YET, level=level, current=current)


# ---------------------------------------------------------------------------------------------------------
# Serialization: the chain is stored as JSON on the record (``records.chain``); the terms are not stored
# (they come from the court's settings and calendar when the chain is loaded).


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _decision_json(d: Decision) -> dict[str, object]:
    return {
        "kind": d.kind.value,
        "level": d.level.value if d.level is not None else None,
        "signer": d.signer_pk,
        "at": d.at.isoformat(),
        "text": d.text,
        "round": d.round,
        "on_behalf_of": d.on_behalf_of,
        "disposition": d.disposition,
        "defer_answer": d.defer_answer.value if d.defer_answer is not None else None,
    }


def _decision_from(data: Mapping[str, object]) -> Decision:
    level, answer = data.get("level"), data.get("defer_answer")
    return Decision(
        DecisionKind(str(data["kind"])),
        Level(str(level)) if level else None,
        int(str(data["signer"])),
        datetime.fromisoformat(str(data["at"])),
        str(data["text"]),
        int(str(data["round"])),
        int(str(data["on_behalf_of"])) if data.get("on_behalf_of") is not None else None,
        str(data["disposition"]) if data.get("disposition") else None,
        DeferAnswer(str(answer)) if answer else None,
    )


def route_to_json(r: Route) -> dict[str, object]:
    return {
        "recorder": r.recorder_pk,
        "steps": [{"level": s.level.value, "officer": s.officer_pk} for s in r.steps],
        "skips": [
            {
                "level": s.level.value,
                "reason": s.reason.value,
                "source": s.source,
                "officer": s.officer_pk,
                **({"case": s.case.value, "name": s.officer_name} if s.case else {"text": s.text}),
            }
            for s in r.skips
        ],
        "discipline": sorted(r.discipline),
        "barred": sorted(r.barred),
        "involved": sorted(r.involved),
        "direct": r.direct,
    }


def route_from_json(data: Mapping[str, Any]) -> Route:
    return Route(
        recorder_pk=int(data["recorder"]),
        steps=tuple(Step(Level(s["level"]), s.get("officer")) for s in data["steps"]),
        skips=tuple(
            Skip(
                Level(s["level"]),
                SkipReason(s["reason"]),
                SkipCase(s["case"]) if s.get("case") else None,
                s["source"],
                s.get("officer"),
                s.get("name"),
                s.get("text"),
            )
            for s in data["skips"]
        ),
        discipline=frozenset(int(x) for x in data["discipline"]),
        barred=frozenset(int(x) for x in data["barred"]),
        involved=frozenset(data["involved"]),
        direct=bool(data["direct"]),
    )


def chain_to_json(chain: Chain) -> dict[str, object]:
    """The chain as JSON for ``records.chain`` (everything but the terms)."""
    return {
        "status": chain.status.value,
        "route": route_to_json(chain.route) if chain.route is not None else None,
        "round": chain.round,
        "received_at": _dt(chain.received_at),
        "deadline": _dt(chain.deadline),
        "defer_suggested": chain.defer_suggested,
        "defer_tell_by": _dt(chain.defer_tell_by),
        "decisions": [_decision_json(d) for d in chain.decisions],
        "lapses": [
            {
                "level": lp.level.value,
                "round": lp.round,
                "received_at": lp.received_at.isoformat(),
                "deadline": lp.deadline.isoformat(),
                "noticed_at": lp.noticed_at.isoformat(),
                "holders": sorted(lp.holders),
            }
            for lp in chain.lapses
        ],
    }


def chain_from_json(data: Mapping[str, Any], terms: SignoffTerms | None = None) -> Chain:
    """Inverse of ``chain_to_json``; ``terms`` are the court's current deadline terms."""
    return Chain(
        terms=terms or SignoffTerms(),
        status=RecordStatus(data["status"]),
        route=route_from_json(data["route"]) if data.get("route") else None,
        round=int(data["round"]),
        received_at=_parse_dt(data.get("received_at")),
        deadline=_parse_dt(data.get("deadline")),
        defer_suggested=bool(data.get("defer_suggested")),
        defer_tell_by=_parse_dt(data.get("defer_tell_by")),
        decisions=tuple(_decision_from(d) for d in data.get("decisions", [])),
        lapses=tuple(
            Lapse(
                Level(lp["level"]),
                int(lp["round"]),
                datetime.fromisoformat(lp["received_at"]),
                datetime.fromisoformat(lp["deadline"]),
                datetime.fromisoformat(lp["noticed_at"]),
                frozenset(int(x) for x in lp["holders"]),
            )
            for lp in data.get("lapses", [])
        ),
    )
