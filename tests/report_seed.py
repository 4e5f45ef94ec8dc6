"""A court with signed-off records and their evidence, for the documents' tests.

Records are written as the use cases leave them (answers, chain JSON, decisions, lapses, evidence in the
store, ledger entries), so that the reports read exactly what production data looks like.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw

from liuhen.app.usecases.roster import import_roster
from liuhen.domain.clock import FixedClock
from liuhen.domain.model import Staff
from liuhen.domain.records import Evidence, Record
from liuhen.domain.roster import parse_roster
from liuhen.domain.signoff import (
    Chain,
    Decision,
    DecisionKind,
    Lapse,
    Level,
    Route,
    Step,
)
from liuhen.evidence.store import FileEvidenceStore
from liuhen.storage import tables as t
from liuhen.storage.database import Database
from tests.conftest import DEMO_ROSTER

SEEDED_AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
NUMBER = "LH-2026-0001"
INTERVENER = "刘某某"
CASE_NUMBER = "（2026）豫0825民初1187号"
APPROVE_TEXT = "情况属实，同意上报"
DEPUTY_TEXT = "同意，按规定报送"
DISPOSE_TEXT = "纳入本季度汇总，报上级法院"
FORWARDED = "张法官你好，（2026）豫0825民初1187号那个案子，刘某某的事情你多关照一下。"


@dataclass
class Seeded:
    court_id: int
    people: dict[str, Staff]  # by staff_id
    record: Record
    evidence: list[Evidence]
    image: bytes


def screenshot_png() -> bytes:
    image = Image.new("RGB", (360, 640), (237, 237, 237))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 360, 60), fill=(46, 46, 46))
    draw.rounded_rectangle((20, 100, 300, 170), radius=8, fill=(255, 255, 255))
    draw.rounded_rectangle((80, 200, 340, 260), radius=8, fill=(149, 236, 105))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


async def court_with_roster(
    db: Database, code: str = "default", name: str = "测试县人民法院"
) -> tuple[int, dict[str, Staff]]:
    court = await db.ensure_court(code, name, "court")
    assert court.id is not None
    await import_roster(
        db.uow(),
        court_id=court.id,
        roster=parse_roster(DEMO_ROSTER.read_text(encoding="utf-8")),
        clock=FixedClock(SEEDED_AT),
        actor="test",
    )
    async with db.uow() as uow:
        people = {s.staff_id: s for s in await uow.staff.list(court.id)}
    return court.id, people


def answers_full() -> dict[str, Any]:
    return {
        "record_type": "external",
        "intervention_time": datetime(2026, 11, 17, 1, 30, tzinfo=UTC).isoformat(),
        "method": "phone",
        "place": "本人办公室",
        "persons_present": "钱法官",
        "intervener_name": INTERVENER,
        "intervener_unit": "某县委 副书记",
        "intervener_contact": "13800000000",
        "relation": "self",
        "organ_category": "party",
        "retired": "no",
        "principal_leader": "yes",
        "case_number": CASE_NUMBER,
        "case_cause": "民间借贷纠纷",
        "stage": "trial",
        "case_officer": "张法官",
        "content": FORWARDED,
        "response": "refused",
        "special_items": ["plead", "overreach"],
        "defer_suggestion": "no",
        "special_notes": None,
        "late_reason": "出差在外，返院后补记",
        "_witnesses": {
            "j002": {"name": "钱法官", "status": "confirmed", "at": "2026-11-18T02:00:00+00:00", "note": None}
        },
    }


async def seed_signed_record(db: Database, store: FileEvidenceStore) -> Seeded:
    """LH-2026-0001 by 张法官 (j001): department head 李庭长 approved, 孙庭长 signed for the
    vice-president 王副院长 (代) after that level lapsed, 赵主任 of the discipline office filed it;
    three pieces of evidence."""
    court_id, people = await court_with_roster(db)
    j001, h001, v001, k001, h002 = (people[s] for s in ("j001", "h001", "v001", "k001", "h002"))
    assert all(p.id is not None for p in (j001, h001, v001, k001, h002))
    at = SEEDED_AT
    route = Route(
        recorder_pk=j001.id or 0,
        steps=(
            Step(Level.DEPARTMENT_HEAD, h001.id),
            Step(Level.VICE_PRESIDENT, v001.id),
            Step(Level.DISCIPLINE),
        ),
        discipline=frozenset({k001.id or 0}),
    )
    decisions = (
        Decision(DecisionKind.SUBMIT, None, j001.id or 0, at, "", 1),
        Decision(
            DecisionKind.APPROVE,
            Level.DEPARTMENT_HEAD,
            h001.id or 0,
            at + timedelta(hours=2),
            APPROVE_TEXT,
            1,
        ),
        Decision(
            DecisionKind.APPROVE,
            Level.VICE_PRESIDENT,
            h002.id or 0,
            at + timedelta(days=5),
            DEPUTY_TEXT,
            1,
            on_behalf_of=v001.id,
        ),
        Decision(
            DecisionKind.DISPOSE,
            Level.DISCIPLINE,
            k001.id or 0,
            at + timedelta(days=6),
            DISPOSE_TEXT,
            1,
            disposition="quarterly",
        ),
    )
    lapse = Lapse(
        Level.VICE_PRESIDENT,
        1,
        at + timedelta(hours=2),
        at + timedelta(days=3),
        at + timedelta(days=4),
        frozenset({v001.id or 0}),
    )
    chain = Chain(status="filed", route=route, round=1, decisions=decisions, lapses=(lapse,))  # type: ignore[arg-type]
    image = screenshot_png()
    blob = await store.put_bytes(image)
    text_message = json.dumps({"message_id": 11, "text": FORWARDED}, ensure_ascii=False).encode()
    text_blob = await store.put_bytes(text_message)
    photo_message = await store.put_bytes(json.dumps({"message_id": 12, "photo": []}).encode())
    async with db.uow() as uow:
        record = Record(
            court_id=court_id,
            number=NUMBER,
            recorder_id=j001.id or 0,
            status="filed",
            created_at=at,
            updated_at=at + timedelta(days=6),
            last_evidence_at=at,
            evidence_count=3,
            answers=answers_full(),
            submitted_at=at,
            chain=chain,
            filed_at=at + timedelta(days=6),
            disposition="quarterly",
        )
        await uow.records.add(record)
        await uow.flush()
        assert record.id is not None
        origin = {"type": "user", "name": INTERVENER, "date": (at - timedelta(days=3)).isoformat()}
        items = [
            Evidence(
                record.id,
                1,
                "text",
                "stored",
                at,
                1,
                11,
                9001,
                origin,
                text_blob.sha256,
                text_blob.size,
                "text/plain",
                FORWARDED,
                message_sha256=text_blob.sha256,
                stored_at=at,
            ),
            Evidence(
                record.id,
                2,
                "photo",
                "stored",
                at,
                1,
                12,
                9002,
                {"type": "direct"},
                blob.sha256,
                blob.size,
                "image/png",
                message_sha256=photo_message.sha256,
                stored_at=at,
                inspection={"ok": True, "ocr_text": "关照一下 民初1187号"},
            ),
            Evidence(
                record.id,
                3,
                "voice",
                "too_big",
                at,
                1,
                13,
                9003,
                {"type": "direct"},
                None,
                25 * 1024 * 1024,
                "audio/ogg",
            ),
        ]
        for e in items:
            await uow.evidence.add(e)
        await uow.flush()
        for e in items:
            await uow.ledger.append(
                actor=f"staff:{j001.staff_id}",
                action="evidence.add",
                object_type="record",
                object_id=record.number,
                payload={
                    "evidence": e.seq,
                    "kind": e.kind,
                    "sha256": e.sha256,
                    "size": e.size,
                    "state": e.state,
                },
            )
        await uow.records.refresh_facts(record)
        await uow.session.execute(
            t.decisions.insert(),
            [
                {
                    "record_id": record.id,
                    "round": d.round,
                    "seq": n,
                    "kind": d.kind.value,
                    "level": d.level.value if d.level else None,
                    "signer_id": d.signer_pk,
                    "on_behalf_of": d.on_behalf_of,
                    "at": d.at,
                    "text": d.text,
                    "disposition": d.disposition,
                    "defer_answer": None,
                }
                for n, d in enumerate(decisions, start=1)
            ],
        )
        await uow.session.execute(
            t.signoff_lapses.insert().values(
                record_id=record.id,
                round=1,
                level=lapse.level.value,
                received_at=lapse.received_at,
                deadline=lapse.deadline,
                noticed_at=lapse.noticed_at,
            )
        )
        await uow.commit()
    return Seeded(court_id, people, record, items, image)


async def add_submitted(
    db: Database,
    *,
    court_id: int,
    recorder: Staff,
    number: str,
    submitted_at: datetime,
    answers: dict[str, Any],
    status: str = "submitted",
    disposition: str | None = None,
) -> Record:
    """A submitted record with its facts row, as `questionnaire._submit` leaves it."""
    async with db.uow() as uow:
        record = Record(
            court_id=court_id,
            number=number,
            recorder_id=recorder.id or 0,
            status=status,
            created_at=submitted_at,
            updated_at=submitted_at,
            last_evidence_at=submitted_at,
            evidence_count=1,
            answers=answers,
            submitted_at=submitted_at,
            disposition=disposition,
        )
        await uow.records.add(record)
        await uow.flush()
        await uow.records.refresh_facts(record)
        await uow.commit()
    return record
