"""A deployment with a ledger, evidence files and keys, built through the real use cases (tests)."""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from liuhen.app import integrity
from liuhen.app.runtime import Runtime, open_runtime
from liuhen.app.settings import Settings
from liuhen.app.usecases import intake
from liuhen.app.usecases.integrity import VerifyReport, verify
from liuhen.app.usecases.roster import import_roster
from liuhen.domain import ledger as rules
from liuhen.domain.clock import Clock, FixedClock
from liuhen.domain.ledger import canonical_json
from liuhen.domain.model import Staff
from liuhen.domain.records import EvidenceKind, EvidenceState, FileRef, IncomingEvidence, Origin
from liuhen.domain.roster import parse_roster
from tests.conftest import DEMO_ROSTER, premigrated
from tests.timeline import START


def settings_for(db_url: str, data_dir: Path, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        database_url=db_url,
        court_name="测试县人民法院",
        **extra,
    )


@dataclass
class World:
    rt: Runtime
    clock: FixedClock
    settings: Settings
    digests: list[str]

    async def verify(self, **kwargs: Any) -> VerifyReport:
        return await verify(
            self.rt.db.uow(read_only=True),
            files=self.rt.store,
            keys=integrity.public_keys(self.rt.settings),
            timestamps=integrity.timestamp_checker(self.rt.settings),
            **kwargs,
        )

    async def close(self) -> None:
        await self.rt.close()


async def add_evidence(rt: Runtime, clock: Clock, staff_id: str, update_id: int, data: bytes) -> str:
    async with rt.db.uow(read_only=True) as uow:
        staff = await uow.staff.by_staff_id(rt.court_id, staff_id)
    assert staff is not None
    blob = await rt.store.put_bytes(data)
    message = {
        "message_id": update_id,
        "date": clock.now().isoformat(),
        "document": {"file_id": f"f{update_id}"},
    }
    raw = await rt.store.put_bytes(canonical_json(message))
    incoming = IncomingEvidence(
        kind=EvidenceKind.DOCUMENT,
        chat_id=70000 + (staff.id or 0),
        message_id=update_id,
        update_id=update_id,
        sent_at=clock.now(),
        origin=Origin(type="direct"),
        file=FileRef(f"f{update_id}", f"u{update_id}", len(data), "application/octet-stream", "证据.bin"),
    )
    content = intake.StoredContent(
        EvidenceState.STORED, raw.sha256, sha256=blob.sha256, size=blob.size, media_type="application/pdf"
    )
    await intake.receive(rt.db.uow(), staff=staff, incoming=incoming, content=content, clock=clock)
    return blob.sha256


@contextlib.asynccontextmanager
async def opened_world(db_url: str, data_dir: Path, **options: Any) -> AsyncIterator[World]:
    """``make_world``, closed when the block ends (a fixture's body)."""
    world = await make_world(db_url, data_dir, **options)
    try:
        yield world
    finally:
        await world.close()


async def make_world(
    db_url: str,
    data_dir: Path,
    *,
    files: int = 6,
    extra_entries: int = 0,
    keys: bool = True,
    seed: int = 9,
    **settings: Any,
) -> World:
    config = settings_for(db_url, data_dir, **settings)
    clock = FixedClock(START)
    await premigrated(db_url)
    if keys:
        await integrity.ensure_keys(config, clock)
    rt = await open_runtime(config, clock=clock)
    await import_roster(
        rt.db.uow(),
        court_id=rt.court_id,
        roster=parse_roster(DEMO_ROSTER.read_text(encoding="utf-8")),
        clock=clock,
        actor="test",
    )
    rnd = random.Random(seed)
    digests = []
    for i in range(files):
        clock.set(clock.now() + timedelta(minutes=47))  # some join a draft, some open a new one
        digests.append(
            await add_evidence(
                rt, clock, rnd.choice(["j001", "j002"]), 1000 + i, rnd.randbytes(rnd.randint(1, 5000))
            )
        )
    for i in range(extra_entries):
        async with rt.db.uow() as uow:
            await uow.ledger.append(
                actor="test",
                action="test.note",
                object_type="test",
                object_id=str(i),
                payload={"i": i, "r": rnd.random()},
            )
            await uow.commit()
    return World(rt, clock, config, digests)


def rechain(rows: list[dict[str, Any]], prev: str) -> str:
    """What a forger with the database does after editing a payload: recompute every hash after it.

    ``rows`` are ledger rows in order, changed in place; ``prev`` is the entry hash before the first.
    Returns the new last entry hash, to write into the head.
    """
    for row in rows:
        row["prev_hash"] = prev
        row["payload_hash"] = rules.payload_hash(row["payload"])
        row["entry_hash"] = rules.entry_hash(
            prev_hash=prev,
            seq=row["seq"],
            at=row["at"],
            actor=row["actor"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            payload_digest=row["payload_hash"],
        )
        prev = row["entry_hash"]
    return prev


async def piece(
    w: World, staff: Staff, update_id: int, text: str, *, album: str | None = None
) -> intake.NewEvidence:
    """A forwarded text of ``staff``, its message stored as the door stores it: one item of a batch for
    ``intake.receive_many``."""
    raw = await w.rt.store.put_bytes(canonical_json({"update_id": update_id, "text": text}))
    incoming = IncomingEvidence(
        kind=EvidenceKind.TEXT,
        chat_id=80000 + (staff.id or 0),
        message_id=update_id,
        update_id=update_id,
        sent_at=w.clock.now(),
        origin=Origin(type="hidden_user", name="王律师", date=w.clock.now() - timedelta(minutes=3)),
        text=text,
        media_group_id=album,
    )
    content = intake.StoredContent(
        EvidenceState.STORED, raw.sha256, sha256=raw.sha256, size=raw.size, media_type="application/json"
    )
    return intake.NewEvidence(staff, incoming, content)
