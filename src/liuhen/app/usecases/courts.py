"""Courts in a hierarchy: a province deployment holds high → intermediate → county courts; the
rules send things upward (seed 001 §7, 实施办法 §6; seed 002 §7)."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from liuhen.app.ports import UnitOfWork
from liuhen.domain.clock import Clock
from liuhen.domain.model import Court, DeadlineProfile
from liuhen.domain.workdays import PROFILES

T = TypeVar("T")


class CourtProblem(enum.StrEnum):
    EMPTY = "empty"  # no code or no name
    UNKNOWN_PROFILE = "unknown_profile"  # ``value``: the deadline profile given
    EXISTS = "exists"  # ``value``: the court's code
    NO_PARENT = "no_parent"  # ``value``: the parent's code


class CourtError(Exception):
    """The court was not added: ``problem``, about ``value``."""

    def __init__(self, problem: CourtProblem, value: str = "") -> None:
        super().__init__(f"{problem.value}: {value}")
        self.problem = problem
        self.value = value


async def add_court(
    uow: UnitOfWork,
    *,
    code: str,
    name: str,
    parent_code: str | None,
    deadline_profile: str,
    clock: Clock,
    actor: str,
) -> Court:
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise CourtError(CourtProblem.EMPTY)
    if deadline_profile not in PROFILES:
        raise CourtError(CourtProblem.UNKNOWN_PROFILE, deadline_profile)
    async with uow:
        if await uow.courts.by_code(code) is not None:
            raise CourtError(CourtProblem.EXISTS, code)
        parent_id = None
        if parent_code:
            parent = await uow.courts.by_code(parent_code)
            if parent is None:
                raise CourtError(CourtProblem.NO_PARENT, parent_code)
            parent_id = parent.id
        court = Court(
            code=code,
            name=name,
            parent_id=parent_id,
            deadline_profile=DeadlineProfile(deadline_profile),
            created_at=clock.now(),
        )
        await uow.courts.add(court)
        await uow.ledger.append(
            actor=actor,
            action="court.create",
            object_type="court",
            object_id=code,
            payload={"name": name, "parent": parent_code, "deadline_profile": deadline_profile},
        )
        await uow.commit()
        return court


async def court_ids(uow: UnitOfWork) -> list[int]:
    """Every court of the deployment (the scheduled jobs run for each)."""
    async with uow:
        return [c.id for c in await uow.courts.list() if c.id is not None]


async def each_court(
    uow_of: Callable[[], UnitOfWork],
    of_court: Callable[[UnitOfWork, int], Awaitable[list[T]]],
    *,
    prefix: str,
    claimed_before: datetime,
) -> list[T]:
    """A door's scheduled round over every court of the deployment: first the claims under ``prefix`` made
    before ``claimed_before`` and never sent (the process died, or the send failed) are released, to be
    decided again — once for the round, since the claims are the deployment's, not a court's (each release
    scans the outbox) — with the list of courts, in one short transaction; then ``of_court`` claims each
    court's in a transaction of its own. What they claimed, court after court."""
    async with (uow := uow_of()):
        await uow.notices.release_unsent(prefix, claimed_before)
        every = [c.id for c in await uow.courts.list() if c.id is not None]
        await uow.commit()
    found: list[T] = []
    for court_id in every:
        found += await of_court(uow_of(), court_id)
    return found


async def lineage(uow: UnitOfWork, court_id: int) -> list[Court]:
    """The court and the courts above it, nearest first."""
    chain: list[Court] = []
    seen: set[int] = set()
    court = await uow.courts.get(court_id)
    while court is not None and court.id is not None and court.id not in seen:
        chain.append(court)
        seen.add(court.id)
        court = await uow.courts.get(court.parent_id) if court.parent_id is not None else None
    return chain


async def below(uow: UnitOfWork, court_id: int) -> list[Court]:
    """The court and every court below it (for roll-ups), the court itself first."""
    courts = list(await uow.courts.list())
    children: dict[int | None, list[Court]] = {}
    for c in courts:
        children.setdefault(c.parent_id, []).append(c)
    out: list[Court] = []
    todo = [c for c in courts if c.id == court_id]
    while todo:
        c = todo.pop(0)
        out.append(c)
        todo.extend(children.get(c.id, []))
    return out
