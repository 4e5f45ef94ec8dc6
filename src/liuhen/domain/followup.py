"""The discipline office's follow-through (分流处理): a disposition that asks for action opens a follow-up
with an owner, a deadline in working days, its steps and its outcome.

- 移送 (transfer, seed 004 §17(3)): another judicial organ's staff intervened: within 3 working days the
  intervener's own organ's discipline body is told and sent a copy of the record (移送函 with the 登记表);
  its acknowledgement and the feedback that comes back are registered (seed 004 §19(2), §24).
- 报上一级 (escalate, seed 004 §17(2)): a member of the court's leadership intervened: reported to the
  discipline body of the level above within the same 3 working days; its result is registered.
- 调查 (investigate, seed 004 §17(2), §19(1)): own staff intervened: investigated under cadre-management
  authority; the findings (属实 / 部分属实 / 不属实) and the measures taken close it, and the recorder is told
  the outcome (seed 004 §19(1): 结果反馈记录人).
- 不实记录 (false record, seed 004 §20): the record stays (never deleted) and is marked; the cause is
  registered, whether it was intentional (then accountability follows, seed 004 §25), and a clarification is
  issued for the person recorded.

A follow-up is reminded to its owner the working day before it lapses; when it lapses the office's head is
told, and three working days later the chief (院长 / 检察长). Every step is in the ledger.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Kind(enum.StrEnum):
    TRANSFER = "transfer"
    ESCALATE = "escalate"
    INVESTIGATE = "investigate"
    FALSE_RECORD = "false_record"


#: The dispositions (``catalogue.DISPOSITIONS`` keys) that open a follow-up.
BY_DISPOSITION: Mapping[str, Kind] = {k.value: k for k in Kind}

#: Working days to the deadline: 3 for a transfer and a report to the level above (seed 004 §17(2), (3): 三个
#: 工作日内); the seeds set none for an investigation or a clarification, so these are the court's settings
#: (``LIUHEN_INVESTIGATION_WORKDAYS``, ``LIUHEN_CLARIFICATION_WORKDAYS``) with these defaults.
DUE_WORKDAYS: Mapping[Kind, int] = {
    Kind.TRANSFER: 3,
    Kind.ESCALATE: 3,
    Kind.INVESTIGATE: 30,
    Kind.FALSE_RECORD: 10,
}
#: Working days after the deadline at which the chief is told (the office's head is told at once).
CHIEF_AFTER_WORKDAYS = 3


class State(enum.StrEnum):
    #: the office did not accept the recorder's suggestion to defer (seed 004 §18): the chief approves first
    AWAITING_CHIEF = "awaiting_chief"
    OPEN = "open"  # nothing done yet
    SENT = "sent"  # transfer / escalate: sent to the receiving body
    ACKNOWLEDGED = "acknowledged"  # transfer: the receiving body acknowledged
    CLOSED = "closed"  # the outcome is registered


class Finding(enum.StrEnum):
    """Findings of an investigation (seed 004 §19(1))."""

    TRUE = "true"  # 属实
    PARTLY = "partly"  # 部分属实
    UNTRUE = "untrue"  # 不属实


class Step(enum.StrEnum):
    """What the owner does next; each is a button, some ask for typed text."""

    SEND = "send"  # transfer / escalate: type the receiving body → SENT, 移送函
    ACKNOWLEDGE = "ack"  # transfer: the receiving body acknowledged
    FEEDBACK = "feedback"  # transfer / escalate: type the feedback → CLOSED
    FIND = "find"  # investigate: a finding (the argument), then the measures typed → CLOSED
    CAUSE = "cause"  # false record: type the cause, then intentional or not → CLOSED
    APPROVE = "approve"  # the chief approves overriding the defer suggestion ("yes") or not ("no" → CLOSED)
    TYPICAL = "typical"  # closed with a finding of fact: chosen as a 典型案例 for the quarter's analysis


MAX_TEXT = 1000


class Refused(ValueError):
    """A step that does not fit the follow-up's kind or state (the use case says it in a typed outcome)."""


@dataclass(eq=False)
class FollowUp:
    court_id: int
    record_id: int
    number: str  # the record's number, for people
    kind: str  # ``Kind``
    owner_pk: int  # the discipline officer who disposed of it
    opened_at: datetime
    due_at: datetime
    state: str = State.OPEN.value
    receiver: str | None = None  # the receiving body (transfer, escalate)
    sent_at: datetime | None = None
    acknowledged_at: datetime | None = None
    finding: str | None = None  # ``Finding`` (investigate)
    outcome: str | None = None  # measures, feedback or cause, as typed
    intentional: bool | None = None  # false record: made up on purpose (seed 004 §20, §25)
    chief_approved: bool | None = None  # overriding a defer suggestion: the chief's answer (seed 004 §18)
    typical: bool = False  # chosen by the office as a 典型案例 (seed 003 item 13: 本季度查处的典型案例)
    closed_at: datetime | None = None
    notified_at: datetime | None = None  # the owner's card sent
    reminded_at: datetime | None = None  # the owner, the working day before the deadline
    head_told_at: datetime | None = None  # the office's head, when it lapsed
    chief_told_at: datetime | None = None  # the chief, three working days later
    steps: list[dict[str, Any]] = field(default_factory=list)  # (step, at, by, detail): the history shown
    id: int | None = None

    @property
    def open(self) -> bool:
        return self.state != State.CLOSED.value

    def overdue(self, now: datetime) -> bool:
        return self.open and now > self.due_at

    def next_steps(self) -> tuple[Step, ...]:
        """The buttons the owner has now (none while the chief's approval is awaited). Once closed with a
        finding of fact (属实 / 部分属实), it may be chosen as a 典型案例, once."""
        if not self.open:
            found = self.finding in (Finding.TRUE.value, Finding.PARTLY.value)
            return (Step.TYPICAL,) if found and not self.typical else ()
        if self.state == State.AWAITING_CHIEF.value:
            return ()
        kind, state = Kind(self.kind), State(self.state)
        if kind in (Kind.TRANSFER, Kind.ESCALATE):
            if state is State.OPEN:
                return (Step.SEND,)
            if kind is Kind.TRANSFER and state is State.SENT:
                return (Step.ACKNOWLEDGE, Step.FEEDBACK)
            return (Step.FEEDBACK,)
        if kind is Kind.INVESTIGATE:
            return (Step.FIND,)
        return (Step.CAUSE,)

    def chief_steps(self) -> tuple[Step, ...]:
        """The chief's buttons: approve or refuse overriding the recorder's defer suggestion."""
        return (Step.APPROVE,) if self.state == State.AWAITING_CHIEF.value else ()

    def record_step(self, step: Step, at: datetime, by: str, detail: Mapping[str, Any] | None = None) -> None:
        self.steps = [*self.steps, {"step": step.value, "at": at.isoformat(), "by": by, **(detail or {})}]

    def apply(
        self, step: Step, at: datetime, by: str, *, text: str | None = None, arg: str | None = None
    ) -> None:
        """Take ``step``: raises ``Refused`` when it does not fit (nothing changes then)."""
        if step not in (*self.next_steps(), *self.chief_steps()):
            raise Refused(step)
        cleaned = clean(text)
        if step is Step.TYPICAL:
            self.typical = True
        elif step is Step.APPROVE:
            if arg not in ("yes", "no"):
                raise Refused(step)
            self.chief_approved = arg == "yes"
            if self.chief_approved:
                self.state = State.OPEN.value
            else:  # the suggestion stands: deferred (seed 004 §18)
                self.state, self.closed_at = State.CLOSED.value, at
        elif step is Step.ACKNOWLEDGE:
            self.state, self.acknowledged_at = State.ACKNOWLEDGED.value, at
        elif cleaned is None:
            raise Refused(step)  # every other step needs its words
        elif step is Step.SEND:
            self.state, self.receiver, self.sent_at = State.SENT.value, cleaned, at
        elif step is Step.FEEDBACK:
            self.state, self.outcome, self.closed_at = State.CLOSED.value, cleaned, at
        elif step is Step.FIND:
            finding = Finding(arg or "")
            self.finding, self.outcome = finding.value, cleaned
            self.state, self.closed_at = State.CLOSED.value, at
        elif step is Step.CAUSE:
            if arg not in ("yes", "no"):
                raise Refused(step)
            self.outcome, self.intentional = cleaned, arg == "yes"
            self.state, self.closed_at = State.CLOSED.value, at
        detail: dict[str, Any] = {}
        if cleaned is not None:
            detail["text"] = cleaned
        if arg is not None:
            detail["arg"] = arg
        self.record_step(step, at, by, detail)


def clean(text: str | None) -> str | None:
    cleaned = " ".join((text or "").split())
    return cleaned[:MAX_TEXT] or None
