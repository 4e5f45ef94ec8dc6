"""The need-to-know matrix through the read paths the CLI and the bot use: every person of the
demo court × four records in different relations to them; 0 unauthorised reads, every read and every denial
in the ledger (seed 003 §12; seed 004 §15)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from liuhen.app.usecases import caseview
from liuhen.app.usecases.access import AccessDenied
from liuhen.evidence.store import FileEvidenceStore
from liuhen.reports.bundle import evidence_bundle
from liuhen.reports.registration import registration_pdf
from liuhen.texts import access as texts_access
from tests.access_world import EXPECTED, NOW, TZ, access_world

pytestmark = pytest.mark.asyncio


Reader = Callable[..., Awaitable[tuple[str, bytes]]]


@pytest.mark.parametrize("path", [registration_pdf, evidence_bundle], ids=["registration", "bundle"])
async def test_seed003_s12_every_person_reads_exactly_what_they_need_to_know(
    db_url: str, tmp_path: Path, path: Reader
) -> None:
    db = await access_world(db_url)
    store = FileEvidenceStore(tmp_path / "evidence")
    try:
        async with db.uow(read_only=True) as uow:
            court = await uow.courts.by_code("t")
            assert court is not None and court.id is not None
            people = list(await uow.staff.list(court.id))
            before = len(await uow.ledger.entries())  # type: ignore[attr-defined]
        allowed_reads = denied = 0
        for person in people:
            for number, expected in EXPECTED.items():
                try:
                    got, data = await path(
                        db, store, reader=person, ref=number, now=NOW, tz=TZ, court_name="测试法院"
                    )
                except AccessDenied as exc:
                    assert person.staff_id not in expected, (person.staff_id, number)
                    assert "无权" in texts_access.denied(exc)  # the same answer, whether it exists or not
                    denied += 1
                else:
                    assert person.staff_id in expected, f"unauthorised read: {person.staff_id} {number}"
                    assert got == number and data
                    allowed_reads += 1
        assert allowed_reads == sum(len(v) for v in EXPECTED.values())
        async with db.uow(read_only=True) as uow:
            entries = list(await uow.ledger.entries())[before:]  # type: ignore[attr-defined]
        reads = [e for e in entries if e.action == "record.read"]
        denials = [e for e in entries if e.action == "record.read_denied"]
        assert len(reads) == allowed_reads and len(denials) == denied
        assert {(e.actor, e.object_id) for e in reads} == {
            (f"staff:{p}", n) for n, who in EXPECTED.items() for p in who
        }
    finally:
        await db.dispose()


async def test_seed003_s18_the_case_view_lists_exactly_what_each_person_may_read(db_url: str) -> None:
    """The four records share one case number: `/case` and `liuhen records case` (seed 003 §18) show each
    person the records of the matrix they may read, and nothing of the others — not even a denial in the
    ledger, since no record was asked for (seed 003 §12)."""
    db = await access_world(db_url)
    try:
        async with db.uow(read_only=True) as uow:
            court = await uow.courts.by_code("t")
            assert court is not None and court.id is not None
            people = list(await uow.staff.list(court.id))
            before = len(await uow.ledger.entries())  # type: ignore[attr-defined]
        for person in people:
            view = await caseview.view_case(
                db.uow(), reader=person, text="(2026)豫0825民初1", today=NOW.astimezone(TZ).date()
            )
            shown = {r.number for r in view.records}
            assert shown == {n for n, who in EXPECTED.items() if person.staff_id in who}, person.staff_id
        async with db.uow(read_only=True) as uow:
            entries = list(await uow.ledger.entries())[before:]  # type: ignore[attr-defined]
        assert {(e.actor, e.object_id) for e in entries if e.action == "record.read"} == {
            (f"staff:{p}", n) for n, who in EXPECTED.items() for p in who
        }
        assert not [e for e in entries if e.action == "record.read_denied"]
        assert len([e for e in entries if e.action == "case.view"]) == len(people)
    finally:
        await db.dispose()
