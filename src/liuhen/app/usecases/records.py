"""Read side of records for administrators' tools (`liuhen records list`): metadata and evidence hashes."""

from __future__ import annotations

import enum
from typing import Any

from liuhen.app.ports import UnitOfWork
from liuhen.domain.records import RecordStatus


class FilterProblem(enum.StrEnum):
    STATUS = "status"  # not one of ``RecordStatus``
    RECORDER = "recorder"  # no such staff_id on the roster


class UnknownFilter(Exception):
    """A filter of `liuhen records list` names nothing: ``problem`` and the ``value`` given."""

    def __init__(self, problem: FilterProblem, value: str) -> None:
        super().__init__(f"{problem.value}: {value}")
        self.problem = problem
        self.value = value


async def list_records(
    uow: UnitOfWork, *, court_id: int, status: str | None = None, recorder: str | None = None
) -> list[dict[str, Any]]:
    """docs/architecture.md external interface: `{id, number, type, status, recorder, evidence: [...]}`."""
    if status is not None and status not in {s.value for s in RecordStatus}:
        raise UnknownFilter(FilterProblem.STATUS, status)
    async with uow:
        recorder_pk = None
        if recorder is not None:
            person = await uow.staff.by_staff_id(court_id, recorder)
            if person is None:
                raise UnknownFilter(FilterProblem.RECORDER, recorder)
            recorder_pk = person.id
        records = await uow.records.list(court_id=court_id, status=status, recorder_id=recorder_pk)
        staff = {s.id: s for s in await uow.staff.list(court_id)}
        by_record: dict[int, list[dict[str, Any]]] = {}
        for e in await uow.evidence.for_records([r.id for r in records if r.id is not None]):
            by_record.setdefault(e.record_id, []).append(
                {
                    "seq": e.seq,
                    "kind": e.kind,
                    "state": e.state,
                    "sha256": e.sha256,
                    "size": e.size,
                    "media_type": e.media_type,
                    "origin": e.origin,
                    "received_at": e.received_at.isoformat(),
                }
            )
        return [
            {
                "id": r.id,
                "number": r.number,
                "type": r.given.record_type,
                "version": r.version,
                "status": r.status,
                "recorder": staff[r.recorder_id].staff_id if r.recorder_id in staff else None,
                "recorder_name": staff[r.recorder_id].name if r.recorder_id in staff else None,
                "created_at": r.created_at.isoformat(),
                "direct_to_discipline": r.direct_to_discipline,
                "evidence": by_record.get(r.id or 0, []),
            }
            for r in records
        ]
