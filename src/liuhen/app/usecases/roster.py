"""Roster import: all or nothing, upsert by staff_id, deactivate who is missing, never delete."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from liuhen.app.ports import UnitOfWork
from liuhen.domain.clock import Clock
from liuhen.domain.model import Department, Role, Staff
from liuhen.domain.roster import Roster, RosterError, RosterProblem, RosterRow, RosterWarning, staff_key


class RosterRejected(Exception):
    """The roster has errors (``roster.errors``, put into words by ``texts/roster.py``): nothing imported."""

    def __init__(self, roster: Roster) -> None:
        super().__init__(f"{len(roster.errors)} roster errors")
        self.roster = roster


@dataclass
class ImportSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    departments_added: list[str] = field(default_factory=list)
    warnings: list[RosterWarning] = field(default_factory=list)
    deactivated_people: list[Staff] = field(default_factory=list)


#: More deactivations than this in one import need the operator's confirmation (a one-row file must not
#: empty the court by accident).
FEW = 3


class DeactivationUnconfirmed(Exception):
    """The import would deactivate ``people`` — more than a few, or the last of the discipline office whom
    the sign-off chain needs (seed 004 §13) — and ``--confirm-deactivate`` did not name that number.
    Nothing was changed."""

    def __init__(self, people: list[Staff], *, last_discipline: bool) -> None:
        super().__init__(len(people))
        self.people, self.last_discipline = people, last_discipline


async def _check_deactivations(uow: UnitOfWork, summary: ImportSummary, confirm: int | None) -> None:
    people = summary.deactivated_people
    if not people:
        return
    courts = {p.court_id for p in people}
    last_discipline = False
    for court_id in courts:
        gone = any(p.role == Role.DISCIPLINE.value for p in people if p.court_id == court_id)
        left = [s for s in await uow.staff.list(court_id) if s.active and s.role == Role.DISCIPLINE.value]
        last_discipline = last_discipline or (gone and not left)
    if (len(people) > FEW or last_discipline) and confirm != len(people):
        raise DeactivationUnconfirmed(people, last_discipline=last_discipline)


def _row_values(row: RosterRow, department_id: int) -> dict[str, Any]:
    return {
        "name": row.name,
        "position": row.position,
        "role": row.role,
        "phone": row.phone,
        "department_id": department_id,
        "extra": row.extra,
        **({} if row.wecom_userid is None else {"wecom_userid": row.wecom_userid or None}),
    }


class UnknownCourts(Exception):
    """The file names courts this deployment does not have (add them with `liuhen org add-court`)."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes


async def import_roster(
    uow: UnitOfWork,
    *,
    court_id: int,
    roster: Roster,
    clock: Clock,
    actor: str,
    confirm_deactivate: int | None = None,
) -> ImportSummary:
    """Import the roster of one court (every row is this court's, whatever its ``court`` column says)."""
    if not roster.ok:
        raise RosterRejected(roster)
    summary = ImportSummary(warnings=list(roster.warnings))
    async with uow:
        await _import(uow, court_id, roster, clock.now(), actor, summary)
        await _check_deactivations(uow, summary, confirm_deactivate)
        await uow.commit()
    return summary


async def import_roster_file(
    uow: UnitOfWork,
    *,
    roster: Roster,
    default_court_id: int,
    clock: Clock,
    actor: str,
    confirm_deactivate: int | None = None,
) -> ImportSummary:
    """Import a file that may hold several courts (its ``court`` column), all or nothing in one
    transaction. Each court's people missing from its rows are deactivated; courts absent from the file are
    left as they are."""
    if not roster.ok:
        raise RosterRejected(roster)
    summary = ImportSummary(warnings=list(roster.warnings))
    async with uow:
        targets: list[tuple[int, Roster]] = []
        unknown: list[str] = []
        for code in roster.courts():
            court = await uow.courts.by_code(code) if code else None
            if code and court is None:
                unknown.append(code)
                continue
            court_id = court.id if court is not None and court.id is not None else default_court_id
            targets.append((court_id, roster.of_court(code)))
        if unknown:
            raise UnknownCourts(unknown)
        now = clock.now()
        for court_id, part in targets:
            await _import(uow, court_id, part, now, actor, summary)
        await _check_deactivations(uow, summary, confirm_deactivate)
        await uow.commit()
    return summary


async def _import(
    uow: UnitOfWork, court_id: int, roster: Roster, now: datetime, actor: str, summary: ImportSummary
) -> None:
    departments = {d.name: d for d in await uow.departments.list(court_id)}
    for name in roster.departments():
        if name not in departments:
            dept = Department(court_id=court_id, name=name)
            await uow.departments.add(dept)
            departments[name] = dept
            summary.departments_added.append(name)
    await uow.flush()
    existing = {staff_key(s.staff_id): s for s in await uow.staff.list(court_id)}
    accounts = await _release_accounts(uow, roster, existing)
    in_file = set()
    for row in roster.rows:
        in_file.add(staff_key(row.staff_id))
        dept_id = departments[row.department].id
        assert dept_id is not None
        values = _row_values(row, dept_id)
        person = existing.get(staff_key(row.staff_id))
        if person is None:
            person = Staff(court_id=court_id, staff_id=row.staff_id, created_at=now, updated_at=now, **values)
            await uow.staff.add(person)
            existing[staff_key(row.staff_id)] = person
            summary.added.append(row.staff_id)
            await _log(uow, actor, "roster.add", row.staff_id, values)
            continue
        account = accounts.get(staff_key(row.staff_id), person.wecom_userid)  # as it was before the import
        changes = {
            k: v for k, v in values.items() if (account if k == "wecom_userid" else getattr(person, k)) != v
        }
        if not person.active:
            person.active, person.deactivated_at = True, None
            summary.reactivated.append(row.staff_id)
            changes["active"] = True
        if "wecom_userid" in changes:  # another account: its holder confirms it anew
            person.wecom_confirmed_at = None
        if changes:
            for k, v in changes.items():
                setattr(person, k, v)
            person.updated_at = now
            if row.staff_id not in summary.reactivated:
                summary.updated.append(row.staff_id)
            await _log(uow, actor, "roster.update", row.staff_id, changes)
        else:
            summary.unchanged.append(row.staff_id)
    for key, person in existing.items():
        if key not in in_file and person.active:
            person.active, person.deactivated_at, person.updated_at = False, now, now
            person.telegram_user_id = person.telegram_chat_id = None  # access ends at once
            person.wecom_confirmed_at = None
            summary.deactivated.append(person.staff_id)
            summary.deactivated_people.append(person)
            await _log(uow, actor, "roster.deactivate", person.staff_id, {})
    await uow.flush()
    overseer = roster.overseer_of()
    for name, dept in departments.items():
        vp_staff_id = overseer.get(name)
        vp_id = existing[staff_key(vp_staff_id)].id if vp_staff_id else None
        if dept.vice_president_id != vp_id:
            dept.vice_president_id = vp_id
            await _log(uow, actor, "roster.oversight", name, {"vice_president": vp_staff_id})


async def _release_accounts(
    uow: UnitOfWork, roster: Roster, existing: dict[str, Staff]
) -> dict[str, str | None]:
    """WeCom accounts that move are let go first (one account is one person, also while the rows are
    written): of people whose account the file changes, and of people leaving the roster. An account the
    file gives that another court's person holds is refused, nothing imported. Returns the accounts as they
    were, by staff key."""
    before = {key: person.wecom_userid for key, person in existing.items()}
    wanted = {row.wecom_userid: row for row in roster.rows if row.wecom_userid}
    holders = await uow.staff.by_wecom_many(list(wanted)) if wanted else {}
    taken = [
        RosterError(wanted[userid].line, RosterProblem.WECOM_USERID_TAKEN, {"value": userid})
        for userid, holder in holders.items()
        if existing.get(staff_key(holder.staff_id)) is not holder  # another court's: not this file's to move
    ]
    if taken:
        raise RosterRejected(Roster((), tuple(taken)))
    rows = {staff_key(row.staff_id): row for row in roster.rows}
    released = False
    for key, person in existing.items():
        row = rows.get(key)
        leaving = row is None and person.active
        changing = (
            row is not None and row.wecom_userid is not None and row.wecom_userid != person.wecom_userid
        )
        if person.wecom_userid and (leaving or changing):
            person.wecom_userid, released = None, True
    if released:
        await uow.flush()
    return before


async def _log(uow: UnitOfWork, actor: str, action: str, object_id: str, payload: dict[str, object]) -> None:
    await uow.ledger.append(
        actor=actor, action=action, object_type="staff", object_id=object_id, payload=payload
    )
