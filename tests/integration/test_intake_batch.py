"""Evidence of several judges in one transaction (the group commit of concurrent updates).

Each piece gets exactly what it would have got alone: its own draft, its number, its receipt; a replay
inside or across batches creates nothing; the ledger stays one unbroken chain (seed 002 §3, seed 001
实施办法 §4: electronic evidence kept unaltered).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from liuhen.app.usecases import intake
from liuhen.app.usecases.records import list_records
from liuhen.domain.model import Staff
from liuhen.domain.records import EvidenceKind, EvidenceState, FileRef, IncomingEvidence, Origin
from tests.integrity_world import World, opened_world, piece
from tests.report_seed import court_with_roster


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[World]:
    async with opened_world(db_url, tmp_path / "data", files=0) as w:
        yield w


async def staff_of(w: World, *staff_ids: str) -> list[Staff]:
    found = []
    async with w.rt.db.uow(read_only=True) as uow:
        for staff_id in staff_ids:
            person = await uow.staff.by_staff_id(w.rt.court_id, staff_id)
            assert person is not None
            found.append(person)
    return found


async def receive(w: World, items: list[intake.NewEvidence]) -> list[intake.Receipt | None]:
    return await intake.receive_many(w.rt.db.uow(), items, clock=w.clock)


async def test_a_batch_gives_each_piece_what_it_would_have_got_alone(world: World) -> None:
    judge, other, head = await staff_of(world, "j001", "j002", "h001")
    batch = [
        await piece(world, judge, 1, "第一条"),
        await piece(world, other, 2, "请关照"),
        await piece(world, judge, 3, "第二条"),  # joins the draft the first one opened, in this batch
        await piece(world, head, 4, "说情电话"),
    ]
    receipts = await receive(world, batch)
    assert all(r is not None for r in receipts)
    first, second, third, fourth = (r for r in receipts if r is not None)
    assert first.record_id == third.record_id != second.record_id != fourth.record_id
    assert [e.seq for e in first.items] == [1] and [e.seq for e in third.items] == [2]
    assert {first.record_number, second.record_number, fourth.record_number} == {
        "LH-2026-0001",
        "LH-2026-0002",
        "LH-2026-0003",
    }
    for receipt in receipts:  # the buttons name the stored row, bound to its recorder
        assert receipt is not None and receipt.items[-1].id is not None
        assert sorted(receipt.buttons) == sorted(intake.RECEIPT_ACTIONS)
    listed = await list_records(world.rt.db.uow(read_only=True), court_id=world.rt.court_id)
    assert sorted(len(r["evidence"]) for r in listed) == [1, 1, 2]
    assert (await world.verify()).ok  # one unbroken ledger chain: 3 drafts and 4 pieces of evidence


async def test_first_messages_of_many_judges_open_their_drafts_numbered_in_order(world: World) -> None:
    """Fifty judges' first forwards after the monthly prompt come in one batch: each opens its own draft,
    numbered per court and year in the order they came, without a gap or a number twice (seed 002 §3: the
    register's numbers are its order), and each court's counter is moved once for the batch."""
    here = await staff_of(world, "j001", "j002", "h001", "h002")
    _, people = await court_with_roster(world.rt.db, "other", "另一县人民法院")
    there = [people["j001"], people["j002"]]
    updates: list[str] = []

    def counted(conn: object, cursor: object, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE RECORD_COUNTERS"):
            updates.append(statement)

    batch = [
        await piece(world, here[0], 1, "甲"),
        await piece(world, there[0], 2, "乙"),
        await piece(world, here[1], 3, "丙"),
        await piece(world, here[0], 4, "甲又一条"),  # joins the draft its first one opened
        await piece(world, here[2], 5, "丁"),
        await piece(world, there[1], 6, "戊"),
        await piece(world, here[3], 7, "己"),
    ]
    engine = world.rt.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        receipts = [r for r in await receive(world, batch) if r is not None]
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    assert [r.record_number for r in receipts] == [
        "LH-2026-0001",
        "LH-2026-0001",  # the other court's first
        "LH-2026-0002",
        "LH-2026-0001",
        "LH-2026-0003",
        "LH-2026-0002",
        "LH-2026-0004",
    ]
    assert receipts[0].record_id == receipts[3].record_id != receipts[1].record_id
    assert [r.items[-1].seq for r in receipts] == [1, 1, 1, 2, 1, 1, 1]
    assert len(updates) == 2  # one per court, not one per draft
    # the next judge alone takes the next number: none was skipped or taken twice
    [later] = await receive(world, [await piece(world, (await staff_of(world, "n001"))[0], 8, "庚")])
    assert later is not None and later.record_number == "LH-2026-0005"
    assert (await world.verify()).ok  # the drafts and their evidence, one unbroken chain


async def test_an_albums_items_in_one_batch_go_to_one_draft_and_one_receipt(world: World) -> None:
    """An album (several photos sent at once) is one piece of the story: its items come in the same batch,
    join one draft (the open one, or a new one) and the later items' receipts count the earlier ones."""
    judge, other = await staff_of(world, "j001", "j002")
    [opened] = await receive(world, [await piece(world, judge, 30, "先到的一条")])
    assert opened is not None
    receipts = await receive(
        world,
        [
            await piece(world, judge, 31, "图一", album="a1"),
            await piece(world, other, 32, "图甲", album="b1"),
            await piece(world, judge, 33, "图二", album="a1"),
            await piece(world, other, 34, "图乙", album="b1"),
            await piece(world, other, 35, "图丙", album="b1"),
        ],
    )
    first, own_first, second, own_second, own_third = (r for r in receipts if r is not None)
    assert first.record_id == second.record_id == opened.record_id  # the open draft
    assert own_first.record_id == own_second.record_id == own_third.record_id != opened.record_id
    assert [e.seq for e in second.items] == [2, 3]  # the album's earlier item and its own
    assert [e.seq for e in own_third.items] == [1, 2, 3]
    # a late item of the same album, in the next batch, finds it in the register
    [late] = await receive(world, [await piece(world, other, 36, "图丁", album="b1")])
    assert late is not None and late.record_id == own_first.record_id
    assert [e.seq for e in late.items] == [1, 2, 3, 4]
    assert (await world.verify()).ok


async def test_replays_inside_and_across_batches_create_nothing(world: World) -> None:
    judge, other = await staff_of(world, "j001", "j002")
    [done] = await receive(world, [await piece(world, judge, 10, "已回执")])
    assert done is not None
    await intake.receipt_sent(world.rt.db.uow(), evidence_ids=[done.items[0].id or 0], message_id=500)
    [unsent] = await receive(world, [await piece(world, other, 11, "回执未发出即崩溃")])
    assert unsent is not None

    twice = await piece(world, judge, 12, "同一更新两次")
    receipts = await receive(
        world,
        [
            await piece(world, judge, 10, "已回执"),  # replay of a receipted update: nothing
            twice,
            twice,  # the same update twice in one batch: once
            await piece(world, other, 11, "回执未发出即崩溃"),  # replay before its receipt: the receipt again
        ],
    )
    assert receipts[0] is None and receipts[2] is None
    assert receipts[1] is not None and [e.seq for e in receipts[1].items] == [2]
    assert receipts[3] is not None and receipts[3].items[0].id == unsent.items[0].id
    listed = await list_records(world.rt.db.uow(read_only=True), court_id=world.rt.court_id)
    assert sorted(len(r["evidence"]) for r in listed) == [1, 2]
    assert (await world.verify()).ok


async def test_receipts_are_remembered_together(world: World) -> None:
    judge, other = await staff_of(world, "j001", "j002")
    receipts = await receive(
        world, [await piece(world, judge, 20, "甲"), await piece(world, other, 21, "乙")]
    )
    ids = [r.items[0].id or 0 for r in receipts if r is not None]
    await intake.receipts_sent(world.rt.db.uow(), [([ids[0]], 700), ([ids[1]], 701)])
    await intake.receipts_sent(world.rt.db.uow(), [([ids[0]], 999)])  # the first receipt stays
    async with world.rt.db.uow(read_only=True) as uow:
        marks = [(await uow.evidence.get(pk)) for pk in ids]
    assert [e.receipt_message_id for e in marks if e is not None] == [700, 701]


async def test_two_instances_filing_the_same_download_file_it_once(world: World) -> None:
    """A file that could not be downloaded at intake is retried in the background; with two instances both
    may fetch it at the same moment: it is filed once, and the recorder told once."""
    [judge] = await staff_of(world, "j001")
    pending = await piece(world, judge, 30, "")
    incoming = IncomingEvidence(
        kind=EvidenceKind.DOCUMENT,
        chat_id=pending.incoming.chat_id,
        message_id=30,
        update_id=30,
        sent_at=world.clock.now(),
        origin=Origin(type="direct"),
        file=FileRef("f30", "u30", 5, "application/pdf", "函.pdf"),
    )
    content = intake.StoredContent(EvidenceState.PENDING, pending.content.message_sha256)
    [receipt] = await receive(world, [intake.NewEvidence(judge, incoming, content)])
    assert receipt is not None and receipt.items[0].id is not None
    blob = await world.rt.store.put_bytes(b"%PDF-")
    stored = intake.StoredContent(EvidenceState.STORED, "", sha256=blob.sha256, size=blob.size)

    async def retry() -> intake.Arrival | None:
        return await intake.file_outcome(
            world.rt.db.uow(),
            evidence_id=receipt.items[0].id or 0,
            content=stored,
            clock=world.clock,
            max_attempts=5,
        )

    outcomes = await asyncio.gather(retry(), retry())
    assert sum(o is not None for o in outcomes) == 1
    async with world.rt.db.uow(read_only=True) as uow:
        filed = [e for e in await uow.ledger.entries() if e.action == "evidence.file"]
    assert len(filed) == 1
    assert (await world.verify()).ok
