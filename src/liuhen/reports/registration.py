"""The registration form (登记表) of one record, as the form at the end of seed 004, in two copies.

Rows follow the printed form: intervener (name, unit and position, contact), recorder, case (cause, stage,
officer), time / method / place / content, the recorder's answer, the notes, and the opinions of the
department head, the vice-president in charge and the discipline office (seed 004 §13, §14). Added after
the grid: the evidence list with hashes, provenance, OCR text and thumbnails (seed 002 §3), witness
confirmations (seed 001 实施办法 §4), amendments, and the full text of anything too long for the grid.
"此表一式两份，由记录人和纪检监察机构分别留存" (seed 004 登记表 备注): every print holds both copies.

Reading it is a read of the record: it goes through the need-to-know policy and the ledger
(``domain.services.access.read_record``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from reportlab.platypus import Flowable
from sqlalchemy import select

from liuhen.app.runtime import Runtime
from liuhen.app.usecases import access, casefile
from liuhen.domain import catalogue as cat
from liuhen.domain import questionnaire as q
from liuhen.domain.access import DIRECT_ABOVE, SEVERE, UPWARD_PATH, Operator
from liuhen.domain.casefile import CaseFileTask
from liuhen.domain.model import Staff
from liuhen.domain.records import Evidence, EvidenceState, Record
from liuhen.domain.signoff import Level, SkipReason, late_approver
from liuhen.evidence.inspect import inspect_image
from liuhen.evidence.store import FileEvidenceStore
from liuhen.reports import pdf
from liuhen.reports.common import label_of, local_time, record_by_ref, staff_names
from liuhen.storage import tables as t
from liuhen.storage.database import Database
from liuhen.texts import casefile as casefile_words
from liuhen.texts import labels
from liuhen.texts.labels import evidence_kind, human_size, record_status
from liuhen.texts.signoff import LEVEL_LABELS, SKIP_LABELS, skip_text

FORM_TITLE = "干预、插手、过问案件登记表"
FORM_KICKER = "领导干部、司法机关内部人员"
COPIES = ("记录人留存", "纪检监察机构留存")
REMARK = "备注：此表一式两份，由记录人和纪检监察机构分别留存。"
GRID_TEXT_MAX = 600  # longer texts are cut in the grid and printed in full in the annex
OCR_MAX = 400
THUMB_MAX_BYTES = 25 * 1024 * 1024
OPINION_KINDS = ("approve", "return", "dispose")
KIND_WORDS = {"approve": "同意", "return": "退回补正", "dispose": "处理意见"}
ORIGIN_WORDS = {"user": "用户", "hidden_user": "隐藏身份的用户", "chat": "群组", "channel": "频道"}
WITNESS_WORDS = {
    "confirmed": "确认属实",
    "disputed": "有异议",
    "pending": "待确认",
    "unreachable": "未登记，无法联系",
}


@dataclass(frozen=True)
class Opinion:
    level: Level
    kind: str
    signer: str
    on_behalf_of: str | None
    at: datetime
    text: str
    disposition: str | None
    defer_answer: str | None


@dataclass
class FormData:
    court_name: str
    record: Record
    recorder: Staff
    recorder_department: str
    reader: Staff | Operator
    generated_at: datetime
    evidence: list[Evidence]
    opinions: dict[Level, Opinion]
    skips: list[tuple[Level, str, str]]  # level, reason label, text
    lapses: list[tuple[Level, datetime, datetime]]  # level, received, deadline
    versions: list[dict[str, Any]]
    witnesses: list[dict[str, Any]]
    thumbnails: dict[int, bytes] = field(default_factory=dict)
    special_profile: str = "court"
    case_file: CaseFileTask | None = None  # 入卷存查 (seed 002 §4, §5)
    case_officer: str = ""


async def load(
    db: Database,
    store: FileEvidenceStore,
    *,
    reader: Staff | Operator,
    ref: str,
    now: datetime,
    tz: tzinfo,
    court_name: str,
    special_profile: str = "court",
    what: str = "form",
) -> FormData:
    """Authorise and log the read (``AccessDenied`` otherwise), then gather everything the form shows."""
    async with db.uow() as uow:
        found = await record_by_ref(uow, reader.court_id, ref)
        try:
            record = await access.read_record(
                uow, staff=reader, record=found, what=what, today=now.astimezone(tz).date()
            )
        except access.AccessDenied:
            await uow.commit()  # the denial is logged too
            raise
        assert record.id is not None
        recorder = await uow.staff.get(record.recorder_id)
        assert recorder is not None
        department = await uow.departments.get(recorder.department_id)
        evidence = list(await uow.evidence.for_record(record.id))
        d = t.decisions.c
        rows = (
            await uow.session.execute(select(t.decisions).where(d.record_id == record.id).order_by(d.seq))
        ).all()
        lapse_rows = (
            await uow.session.execute(
                select(t.signoff_lapses)
                .where(t.signoff_lapses.c.record_id == record.id)
                .order_by(t.signoff_lapses.c.id)
            )
        ).all()
        people = await staff_names(
            uow, {r.signer_id for r in rows} | {r.on_behalf_of for r in rows if r.on_behalf_of is not None}
        )
        versions = await uow.records.versions(record.id)
        case_file = await casefile.for_record(uow, record.id)
        case_officer = await uow.staff.get(case_file.officer_pk) if case_file is not None else None
        await uow.commit()
    latest = max((r.round for r in rows), default=0)
    opinions: dict[Level, Opinion] = {}
    for r in rows:
        if r.round == latest and r.kind in OPINION_KINDS and r.level:
            signer, behalf = people.get(r.signer_id), people.get(r.on_behalf_of) if r.on_behalf_of else None
            opinions[Level(r.level)] = Opinion(
                Level(r.level),
                r.kind,
                signer.name if signer else f"#{r.signer_id}",
                behalf.name if behalf else None,
                r.at,
                r.text,
                r.disposition,
                r.defer_answer,
            )
    chain = record.chain
    skips = []
    if chain is not None and chain.route is not None:
        skips = [
            (s.level, SKIP_LABELS.get(SkipReason(s.reason), s.reason), skip_text(s))
            for s in chain.route.skips
        ]
    lapses = [(Level(r.level), r.received_at, r.deadline) for r in lapse_rows if r.round == latest]
    witnesses = [
        {"staff_id": k, **v}
        for k, v in (record.answers.get("_witnesses") or {}).items()
        if isinstance(v, dict)
    ]
    data = FormData(
        court_name=court_name,
        record=record,
        recorder=recorder,
        recorder_department=department.name if department else "",
        reader=reader,
        generated_at=now,
        evidence=evidence,
        opinions=opinions,
        skips=skips,
        lapses=lapses,
        versions=versions,
        witnesses=witnesses,
        special_profile=special_profile,
        case_file=case_file,
        case_officer=case_officer.name if case_officer is not None else "",
    )
    data.thumbnails = await thumbnails(store, evidence)
    return data


async def thumbnails(store: FileEvidenceStore, evidence: list[Evidence]) -> dict[int, bytes]:
    """JPEG thumbnails of the image evidence: the one made at intake, or one made now (Pillow, safely)."""
    out: dict[int, bytes] = {}
    for e in evidence:
        if e.id is None or e.state != EvidenceState.STORED.value or not e.sha256:
            continue
        thumb = (e.inspection or {}).get("thumbnail_sha256")
        try:
            if thumb and store.exists(str(thumb)):
                out[e.id] = await store.read(str(thumb))
            elif (e.media_type or "").startswith("image/") and (e.size or 0) <= THUMB_MAX_BYTES:
                info = await asyncio.to_thread(inspect_image, await store.read(e.sha256))
                if info.ok and info.thumbnail_jpeg:
                    out[e.id] = info.thumbnail_jpeg
        except (OSError, ValueError):
            continue  # a missing or damaged file is reported by `liuhen verify`, not here
    return out


# ---------------------------------------------------------------------------------------------------------
# Rendering


def _answer(record: Record, key: str, tz: tzinfo, profile: str) -> str:
    a = record.answers
    if key not in a:
        return "—"
    value = a[key]
    f = q.BY_KEY[key]
    if value is None:
        return "（未填写）"
    if f.kind is q.Kind.DATETIME:
        return local_time(str(value), tz)
    if key == "special_items":
        return _special_items(value, profile)
    return q.option_label(f, value, q.Context(special_profile=profile)) + _pending(a, key)


_PENDING = {q.INFERRED: "（系统推断，待记录人确认）", q.READ: "（读自记录人回答，待确认）"}


def _pending(answers: dict[str, Any], key: str) -> str:
    """A draft's field filled without asking stays marked until the submission confirms it."""
    return _PENDING.get(q.marks(answers).get(key, ""), "")


def _special_items(keys: object, profile: str) -> str:
    if not isinstance(keys, list) or not keys:
        return "无"
    labels = {i.key: i.label for p in ("court", "county", "procuratorate") for i in cat.special_items(p)}
    labels.update({i.key: i.label for i in cat.special_items(profile)})
    return "、".join(labels.get(str(k), str(k)) for k in keys)


def _cut(text: str, annex: list[tuple[str, str]], title: str) -> str:
    if len(text) <= GRID_TEXT_MAX:
        return text
    annex.append((title, text))
    return text[:GRID_TEXT_MAX] + "……（全文见附页）"


def _lines(pairs: list[tuple[str, str]]) -> str:
    return "\n".join(f"{k}：{v}" for k, v in pairs if v and v != "—")


def _opinion_text(data: FormData, level: Level, tz: tzinfo) -> str:
    parts: list[str] = []
    op = data.opinions.get(level)
    if op is not None:
        head = KIND_WORDS.get(op.kind, op.kind)
        if op.disposition:
            head += f"（{label_of(cat.DISPOSITIONS, op.disposition)}）"
        if op.defer_answer:
            head += "；暂缓调查建议：" + ("采纳" if op.defer_answer == "accept" else "不采纳")
        text = op.text.strip()
        if text.startswith(head):  # "同意，按规定报送" needs no second 同意
            head, text = text, ""
        parts.append(f"{head}。{text}".rstrip("。") + "。" if text else head.rstrip("。") + "。")
        who = f"{op.signer}（代 {op.on_behalf_of}）" if op.on_behalf_of else op.signer
        parts.append(f"签署人：{who}　　时间：{local_time(op.at, tz)}")
    for lvl, reason, text in data.skips:
        if lvl is level:
            parts.append(f"本级未经签署（{reason}）：{text}")
    for lvl, received, deadline in data.lapses:
        if lvl is level:
            parts.append(f"逾期未签署：{local_time(received, tz)} 收到，期限 {local_time(deadline, tz)}")
    if not parts:
        awaited = data.record.status == f"awaiting_{level.value}"
        parts.append("待签署" if awaited else "—")
    return "\n".join(parts)


def _severe_text(r: Record, tz: tzinfo) -> str:
    """Who marked it 情节严重 and when the 一事一报 was due (seed 001 §7, seed 004 §17(1))."""
    severe = r.answers.get(SEVERE)
    if not isinstance(severe, dict):
        return "—"
    who = severe.get("name") or severe.get("by") or ""
    return (
        f"{who} 于 {local_time(severe.get('at'), tz)} 标记；一事一报期限 {local_time(severe.get('due'), tz)}"
    )


def _upward_text(r: Record, tz: tzinfo) -> str:
    """Who received the report above and forwarded it when (层报: seed 001 §7, seed 002 §7)."""
    steps = r.answers.get(UPWARD_PATH) or []
    return (
        "；".join(
            f"{s.get('court_name') or ''}{s.get('name')} 于 {local_time(s.get('at'), tz)} 收到并"
            + ("报送上一级" if s.get("to") is not None else "按规定报送最高一级")
            for s in steps
            if isinstance(s, dict)
        )
        or "—"
    )


def _direct_text(r: Record, tz: tzinfo) -> str:
    """How the recorder reported it, as it happened (seed 004 §13)."""
    above = r.answers.get(DIRECT_ABOVE)
    parts = ["直接向纪检监察机构报告"] if r.direct_to_discipline else []
    if isinstance(above, dict):
        parts.append(
            f"直接向{above.get('court') or '上级'}纪检监察机构报告（{local_time(above.get('at'), tz)}）"
        )
    return "；".join(parts) or "—"


def _late_text(data: FormData, reason: str, tz: tzinfo) -> str:
    """The late entry's reason and who agreed to it (seed 004 §7: 经部门主要负责人同意，可以事后补记)."""
    level = late_approver(data.record.chain)
    if level is None:
        return reason
    who = LEVEL_LABELS[level]
    op = data.opinions.get(level)
    if op is not None and op.kind in ("approve", "dispose"):
        return f"{reason}（经{who} {op.signer} 于 {local_time(op.at, tz)} 同意补记）"
    return f"{reason}（待{who}同意补记）"


def _witness_text(data: FormData, tz: tzinfo) -> str:
    lines = []
    for w in data.witnesses:
        status = WITNESS_WORDS.get(str(w.get("status")), str(w.get("status")))
        line = f"{w.get('name') or w['staff_id']}：{status}"
        if w.get("at"):
            line += f"（{local_time(str(w['at']), tz)}）"
        if w.get("note"):
            line += f"，说明：{w['note']}"
        lines.append(line)
    return "；".join(lines)


def _grid(data: FormData, tz: tzinfo, annex: list[tuple[str, str]]) -> Flowable:
    r, a, prof = data.record, data.record.answers, data.special_profile
    given = r.given

    def ans(key: str) -> str:
        return _answer(r, key, tz, prof)

    recorder = data.recorder
    intervener = _lines(
        [
            ("记录类型", ans("record_type")),
            ("与领导干部的关系", ans("relation")),
            ("所在机关类别", ans("organ_category")),
            ("是否离退休", ans("retired")),
            ("是否同级党委或政法委主要领导", ans("principal_leader")),
        ]
    )
    case = _lines(
        [
            ("案号", ans("case_number")),
            ("案由", ans("case_cause")),
            ("诉讼阶段", ans("stage")),
            ("承办人", ans("case_officer")),
        ]
    )
    content = _cut(ans("content"), annex, "过问的主要内容")
    event = _lines(
        [
            ("时间", ans("intervention_time")),
            ("方式", ans("method")),
            ("地点", ans("place")),
            ("在场人员", ans("persons_present")),
            ("函文文号及日期", ans("letter_reference")),
            ("批转情况", ans("materials_passed")),
            ("信息存储介质", ans("storage_medium")),
            ("主要内容", content),
        ]
    )
    response = ans("response")
    if given.response_detail:
        response += "：" + _cut(ans("response_detail"), annex, "记录人答复内容")
    notes = (
        _lines(
            [
                ("特别报告事项", ans("special_items") if "special_items" in a else "—"),
                ("建议暂缓调查、通报", ans("defer_suggestion")),
                (
                    "说明",
                    _cut(ans("special_notes"), annex, "需要特别说明的事项") if given.special_notes else "—",
                ),
                (
                    "补记理由",
                    _late_text(data, _cut(ans("late_reason"), annex, "补记理由"), tz)
                    if given.late_reason
                    else "—",
                ),
                ("在场人员确认", _witness_text(data, tz)),
                ("报告方式", _direct_text(r, tz)),
                ("情节严重", _severe_text(r, tz)),
                ("层报情况", _upward_text(r, tz)),
                ("入卷", casefile_words.form_line(data.case_file, tz, data.case_officer)),
            ]
        )
        or "无"
    )
    rows: list[list[object]] = [
        [
            "过问人\n姓名",
            (given.intervener_name or "—") + _pending(a, "intervener_name"),
            "所在单位\n及职务",
            (given.intervener_unit or "—") + _pending(a, "intervener_unit"),
            "联系\n方式",
            (given.intervener_contact or "—") + _pending(a, "intervener_contact"),
        ],
        [
            "记录人\n姓名",
            recorder.name,
            "所在部门\n及职务",
            f"{data.recorder_department} {recorder.position}".strip(),
            "联系\n方式",
            recorder.phone or "—",
        ],
        ["过问人\n情况", intervener, "", "", "", ""],
        ["被过问案件的案由、诉讼阶段及承办人", case, "", "", "", ""],
        ["过问时间、方式、地点及主要内容", event, "", "", "", ""],
        ["记录人答复的形式及内容", response, "", "", "", ""],
        ["记录人需要特别说明的事项", notes, "", "", "", ""],
        ["部门负责人意见", _opinion_text(data, Level.DEPARTMENT_HEAD, tz), "", "", "", ""],
        ["分管院领导意见", _opinion_text(data, Level.VICE_PRESIDENT, tz), "", "", "", ""],
        ["纪检监察机构意见", _opinion_text(data, Level.DISCIPLINE, tz), "", "", "", ""],
    ]
    mm = pdf.mm
    widths = [28 * mm, 38 * mm, 22 * mm, 38 * mm, 14 * mm, 34 * mm]
    labels = [(0, i) for i in range(len(rows))] + [(2, 0), (4, 0), (2, 1), (4, 1)]
    spans = [((1, i), (5, i)) for i in range(2, len(rows))]
    heights = {3: 16 * mm, 4: 40 * mm, 5: 14 * mm, 6: 20 * mm, 7: 18 * mm, 8: 18 * mm, 9: 22 * mm}
    return pdf.form_table(rows, col_widths=widths, label_cells=labels, spans=spans, min_heights=heights)


def origin_text(origin: dict[str, Any], tz: tzinfo) -> str:
    kind = str(origin.get("type") or "direct")
    if kind == "direct":
        return "记录人本人发送"
    who = origin.get("name") or origin.get("chat_title") or "未知"
    text = f"转发自{ORIGIN_WORDS.get(kind, kind)}“{who}”"
    if origin.get("username"):
        text += f"（@{origin['username']}）"
    if origin.get("chat_title") and origin.get("chat_title") != who:
        text += f"，{origin['chat_title']}"
    if origin.get("date"):
        text += f"，原消息时间 {local_time(str(origin['date']), tz)}"
    return text


STATE_WORDS = {
    "stored": "已留存",
    "pending": "下载中（自动重试）",
    "too_big": "超过 20 MB，须提交原始介质",
    "failed": "下载失败，须提交原始介质",
}


def evidence_table(data: FormData, tz: tzinfo) -> Flowable:
    mm = pdf.mm
    rows: list[list[object]] = [["序号", "缩略图", "证据说明"]]
    for e in data.evidence:
        details: list[Flowable] = [
            pdf.para(
                f"{evidence_kind(e.kind)}　{e.media_type or ''}　{human_size(e.size)}　"
                f"{STATE_WORDS.get(e.state, e.state)}",
                "cell",
            ),
            pdf.code("SHA-256：", e.sha256),
            pdf.para(f"来源：{origin_text(e.origin or {}, tz)}", "cell"),
            pdf.para(
                f"收到：{local_time(e.received_at, tz, seconds=True)}　"
                f"存储：{local_time(e.stored_at, tz, seconds=True)}",
                "cell",
            ),
        ]
        if e.file_name:
            details.append(pdf.para(f"文件名：{e.file_name}", "cell"))
        exif = (e.inspection or {}).get("exif") or {}
        if isinstance(exif, dict) and exif.get("DateTimeOriginal"):
            details.append(pdf.para(f"拍摄时间（EXIF）：{exif['DateTimeOriginal']}", "cell"))
        if e.text:
            details.append(
                pdf.para(f"消息文字：{e.text[:OCR_MAX]}{'……' if len(e.text) > OCR_MAX else ''}", "cell")
            )
        ocr = str((e.inspection or {}).get("ocr_text") or "")
        if ocr:
            details.append(
                pdf.para(f"识别文字（OCR）：{ocr[:OCR_MAX]}{'……' if len(ocr) > OCR_MAX else ''}", "cell")
            )
        if e.message_sha256 and e.message_sha256 != e.sha256:
            details.append(pdf.code("原始消息记录 SHA-256：", e.message_sha256))
        thumb = data.thumbnails.get(e.id or -1)
        rows.append([str(e.seq), pdf.thumbnail(thumb, 30 * mm, 40 * mm) if thumb else "—", details])
    if len(rows) == 1:
        rows.append(["—", "—", "无证据材料"])
    return pdf.table(rows, col_widths=[12 * mm, 34 * mm, pdf.frame_width() - 46 * mm])


def form_copy(data: FormData, tz: tzinfo, copy: str, first: bool) -> list[Flowable]:
    r = data.record
    annex: list[tuple[str, str]] = []
    story: list[Flowable] = [*pdf.section(copy, new_page=not first)]
    story += [
        pdf.para(FORM_KICKER, "subtitle"),
        pdf.title(FORM_TITLE),
        pdf.para(
            f"编号：{r.number}　　第 {r.version} 版　　状态：{record_status(r.status)}　　"
            f"提交时间：{local_time(r.submitted_at, tz)}　　（{copy}）",
            "small",
        ),
        pdf.Spacer(1, 2 * pdf.mm),
        _grid(data, tz, annex),
        pdf.para(REMARK, "small"),
        pdf.heading("证据材料", 2),
        evidence_table(data, tz),
    ]
    if data.versions:
        story.append(pdf.heading("修改记录", 2))
        rows: list[list[object]] = [["版本", "修改时间", "修改人", "原因"]]
        for v in data.versions:
            rows.append([f"第 {v['version']} 版", local_time(v["created_at"], tz), v["actor"], v["reason"]])
        rows.append([f"第 {r.version} 版", "（当前版本）", "", ""])
        mm = pdf.mm
        story.append(pdf.table(rows, col_widths=[20 * mm, 35 * mm, 35 * mm, pdf.frame_width() - 90 * mm]))
    for title, text in annex:
        story += [pdf.heading(f"附页：{title}（全文）", 2), pdf.para(text)]
    story.append(
        pdf.para(
            f"{data.court_name}　本表由留痕系统生成于 {local_time(data.generated_at, tz)}，"
            f"打印人：{labels.reader(data.reader)}。证据以 SHA-256 校验值为准。",
            "small",
        )
    )
    return story


def render(data: FormData, tz: tzinfo) -> bytes:
    """Both copies of the form, each with its own page count."""
    story: list[Flowable] = []
    for n, copy in enumerate(COPIES):
        story += form_copy(data, tz, copy, first=n == 0)
    return pdf.build(
        story, title=f"{FORM_TITLE} {data.record.number}", header=f"{data.court_name}｜{FORM_TITLE}"
    )


async def registration_pdf(
    db: Database,
    store: FileEvidenceStore,
    *,
    reader: Staff | Operator,
    ref: str,
    now: datetime,
    tz: tzinfo,
    court_name: str,
    special_profile: str = "court",
) -> tuple[str, bytes]:
    """(record number, PDF bytes) — raises ``AccessDenied`` for an unknown record or a forbidden reader."""
    data = await load(
        db,
        store,
        reader=reader,
        ref=ref,
        now=now,
        tz=tz,
        court_name=court_name,
        special_profile=special_profile,
    )
    return data.record.number, await asyncio.to_thread(render, data, tz)


async def copy_for(rt: Runtime, *, staff_pk: int, ref: str) -> tuple[str, bytes] | None:
    """The registration form an outbox copy carries (seed 002 §6: to the discipline office and trial
    management within 3 days), produced for its reader — the read authorised and in the ledger — as (file
    name, PDF); None when the reader left, or may not read the record now (involved since)."""
    async with rt.db.uow(read_only=True) as uow:
        reader = await uow.staff.get(staff_pk)
    if reader is None:
        return None
    try:
        number, data = await registration_pdf(
            rt.db,
            rt.store,
            reader=reader,
            ref=ref,
            now=rt.clock.now(),
            tz=rt.settings.tz,
            court_name=rt.court_name,
            special_profile=rt.settings.special_items_profile,
        )
    except access.AccessDenied:
        return None
    return f"登记表-{number}.pdf", data
