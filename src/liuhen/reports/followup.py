"""The documents of the discipline office's follow-through, in the official style (A4, 文号, the court's name
and the date at the foot):

- the 移送函 (transfer letter, seed 004 §17(3): 告知其所在单位纪检监察机构，并移交记录复印件) with the
  registration form attached, produced for the office's reader (the read authorised and in the ledger);
- the 澄清说明 (clarification, seed 004 §20: 失实的予以澄清) for the person recorded: it says the record was
  found untrue, never who recorded it nor what the register holds.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, tzinfo

from reportlab.platypus import Flowable

from liuhen.app.runtime import Runtime
from liuhen.app.usecases import access
from liuhen.domain.followup import FollowUp, Kind
from liuhen.domain.model import Staff
from liuhen.evidence.store import FileEvidenceStore
from liuhen.reports import pdf
from liuhen.reports.registration import FormData, form_copy, load
from liuhen.storage.database import Database
from liuhen.texts.labels import when as local_time


def reference(f: FollowUp, now: datetime, tz: tzinfo) -> str:
    """The document number (文号): 纪移 for a transfer, 纪报 for a report to the level above, 纪澄 for a
    clarification, with the year and the follow-up's number."""
    word = {Kind.TRANSFER: "纪移", Kind.ESCALATE: "纪报"}.get(Kind(f.kind), "纪澄")
    return f"{word}〔{now.astimezone(tz).year}〕{f.id}号"


def _date(now: datetime, tz: tzinfo) -> str:
    local = now.astimezone(tz)
    return f"{local.year}年{local.month}月{local.day}日"


def _letter(f: FollowUp, data: FormData, now: datetime, tz: tzinfo) -> list[Flowable]:
    given = data.record.given
    case = f"（案号 {given.case_number}）" if given.case_number else ""
    return [
        pdf.para(reference(f, now, tz), "subtitle"),
        pdf.title("关于移送干预过问案件记录的函"),
        pdf.para(f"{f.receiver or '　　　　'}：", "h2"),
        pdf.para(
            f"　　本院在案件办理中登记了贵单位工作人员{given.intervener_name or ''}过问案件的情况"
            f"（记录编号 {f.number}{case}，过问时间 {local_time(given.intervention_time, tz)}）。"
            "根据司法机关内部人员过问案件记录和责任追究的有关规定，现将该记录复印件移送贵单位纪检监察机构，"
            "请依规处理，并将处理结果反馈我院纪检监察部门。"
        ),
        pdf.para("　　附件：干预过问案件登记表（复印件）"),
        pdf.Spacer(1, 12 * pdf.mm),
        pdf.para(f"{data.court_name}纪检监察部门", "subtitle"),
        pdf.para(_date(now, tz), "subtitle"),
    ]


def _transfer(f: FollowUp, data: FormData, now: datetime, tz: tzinfo) -> bytes:
    story: list[Flowable | list[Flowable]] = [_letter(f, data, now, tz)]
    story.append(form_copy(data, tz, "附件：登记表（复印件）", first=False))
    return pdf.build(story, title=f"移送函 {f.number}", header=f"{data.court_name}｜{reference(f, now, tz)}")


async def transfer_letter_pdf(
    db: Database,
    store: FileEvidenceStore,
    *,
    reader: Staff,
    followup: FollowUp,
    now: datetime,
    tz: tzinfo,
    court_name: str,
    special_profile: str = "court",
) -> bytes:
    """The 移送函 with the form attached; ``AccessDenied`` when the reader may not read the record."""
    data = await load(
        db,
        store,
        reader=reader,
        ref=followup.number,
        now=now,
        tz=tz,
        court_name=court_name,
        special_profile=special_profile,
        what="transfer_letter",
    )
    return await asyncio.to_thread(_transfer, followup, data, now, tz)


def _clarification(
    f: FollowUp, person: str, recorded_at: datetime | None, now: datetime, tz: tzinfo, court: str
) -> bytes:
    story = [
        pdf.para(reference(f, now, tz), "subtitle"),
        pdf.title("澄清说明"),
        pdf.para(f"{person or '　　　　'}同志：", "h2"),
        pdf.para(
            f"　　本院于{_date(recorded_at or now, tz)}登记的反映您过问案件的记录，经本院纪检监察部门核查，"
            "认定所反映情况不实。根据有关规定，特此予以澄清。"
        ),
        pdf.Spacer(1, 12 * pdf.mm),
        pdf.para(f"{court}纪检监察部门", "subtitle"),
        pdf.para(_date(now, tz), "subtitle"),
    ]
    return pdf.build(story, title=f"澄清说明 {f.number}", header=f"{court}｜{reference(f, now, tz)}")


async def clarification_pdf(
    db: Database, *, reader: Staff, followup: FollowUp, now: datetime, tz: tzinfo, court_name: str
) -> bytes:
    """The clarification for the person recorded; the read of the record it names is authorised and logged."""
    async with db.uow() as uow:
        record = await uow.records.get(followup.record_id)
        try:
            record = await access.read_record(
                uow, staff=reader, record=record, what="clarification", today=now.astimezone(tz).date()
            )
        except access.AccessDenied:
            await uow.commit()
            raise
        await uow.commit()
    person = record.given.intervener_name or ""
    return await asyncio.to_thread(
        _clarification,
        followup,
        person,
        record.given.intervention_time or record.created_at,
        now,
        tz,
        court_name,
    )


async def document(
    db: Database,
    store: FileEvidenceStore,
    *,
    reader: Staff,
    followup: FollowUp,
    now: datetime,
    tz: tzinfo,
    court_name: str,
    special_profile: str = "court",
) -> bytes:
    """The follow-up's document, whichever door asks: the clarification of a false record (seed 004 §20), or
    the 移送函 with the 登记表 (seed 004 §17(3)); ``AccessDenied`` when the reader may not read the record."""
    if followup.kind == Kind.FALSE_RECORD.value:
        return await clarification_pdf(
            db, reader=reader, followup=followup, now=now, tz=tz, court_name=court_name
        )
    return await transfer_letter_pdf(
        db,
        store,
        reader=reader,
        followup=followup,
        now=now,
        tz=tz,
        court_name=court_name,
        special_profile=special_profile,
    )


async def document_for(rt: Runtime, *, reader: Staff, followup: FollowUp) -> tuple[str, bytes] | None:
    """A step's document for the door to send: (file name, PDF) — the 澄清说明 of a false record or the
    移送函; None when the reader may not read the record."""
    try:
        data = await document(
            rt.db,
            rt.store,
            reader=reader,
            followup=followup,
            now=rt.clock.now(),
            tz=rt.settings.tz,
            court_name=rt.court_name,
            special_profile=rt.settings.special_items_profile,
        )
    except access.AccessDenied:
        return None
    clarification = followup.kind == Kind.FALSE_RECORD.value
    return f"{'澄清说明' if clarification else '移送函'}-{followup.number}.pdf", data
