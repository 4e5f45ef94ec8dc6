"""The notice (通报: seed 001 §8; seed 004 §22–§24) as a PDF in the official style: 文号, title, the
violations found and the measures taken, the distribution, the office and the date. It names the interveners
and the persons held accountable; never who recorded."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import tzinfo

from liuhen.app.runtime import Runtime
from liuhen.app.usecases import notices
from liuhen.app.usecases.notices import Issued
from liuhen.domain import catalogue as cat
from liuhen.domain.followup import Finding
from liuhen.domain.notices import Kind, To
from liuhen.domain.periods import Quarter
from liuhen.reports import pdf
from liuhen.texts import followup as followup_words
from liuhen.texts import notices as notice_texts
from liuhen.texts.labels import quarter as quarter_label

_TO: Mapping[To, str] = {To.INTERNAL: "本院各部门", To.ABOVE: "上一级纪检监察部门"}


def reference(issued: Issued) -> str:
    return notice_texts.number(issued.notice)


def title(issued: Issued) -> str:
    n = issued.notice
    if n.kind == Kind.PERIODIC.value:
        return f"关于{quarter_label(Quarter.parse(n.subject))}干预过问案件违规情况的通报"
    v = issued.violations[0] if issued.violations else None
    who = f"{v.unit or ''}{v.intervener}" if v is not None else n.subject
    return f"关于{who}违规过问案件的通报"


def render(issued: Issued, court_name: str, tz: tzinfo) -> bytes:
    n = issued.notice
    assert n.issued_at is not None
    local = n.issued_at.astimezone(tz)
    story: list[object] = [
        pdf.para(reference(issued), "subtitle"),
        pdf.title(title(issued)),
        pdf.para(
            "　　为严格执行领导干部干预司法活动、插手具体案件处理和司法机关内部人员过问案件的记录、通报和"
            "责任追究规定，现将经核查属实的违规过问案件情况及责任追究情况通报如下："
        ),
        pdf.heading("一、经核查属实的过问情况", 2),
    ]
    if issued.violations:
        rows: list[list[object]] = [["编号", "过问人", "单位及职务", "情况摘要", "核查结论", "处理结果"]]
        for v in issued.violations:
            finding = followup_words.FINDINGS[Finding(v.finding)] if v.finding else "—"
            rows.append(
                [v.number, v.intervener or "—", v.unit or "—", v.gist or "—", finding, v.outcome or "—"]
            )
        mm = pdf.mm
        story.append(
            pdf.table(
                rows, col_widths=[24 * mm, 20 * mm, 30 * mm, 50 * mm, 18 * mm, pdf.frame_width() - 142 * mm]
            )
        )
    else:
        story.append(pdf.para("本期无。"))
    story.append(pdf.heading("二、责任追究情况", 2))
    if issued.measures:
        rows = [["人员", "事由", "措施", "相关记录"]]
        for m in issued.measures:
            rows.append(
                [
                    m.person,
                    cat.label(cat.ACCOUNTABILITY_GROUNDS, m.ground, m.ground),
                    cat.label(cat.ACCOUNTABILITY_MEASURES, m.measure, m.measure),
                    m.record or "—",
                ]
            )
        story.append(pdf.table(rows))
    else:
        story.append(pdf.para("本期无。"))
    story += [
        pdf.para(
            "　　各部门要引以为戒，严格执行“三个规定”，遇有干预、插手、过问案件的情形，如实记录、及时报告。"
        ),
        pdf.Spacer(1, 10 * pdf.mm),
        pdf.para(f"{court_name}纪检监察部门", "subtitle"),
        pdf.para(f"{local.year}年{local.month}月{local.day}日", "subtitle"),
        pdf.Spacer(1, 6 * pdf.mm),
        pdf.para(
            "发送：" + ("、".join(_TO[To(t)] for t in n.distribution if To(t) is not To.OTHER) or "—"),
            "small",
        ),
    ]
    if n.other_organ:
        story.append(pdf.para(f"抄送：{n.other_organ}", "small"))
    return pdf.build(story, title=title(issued), header=f"{court_name}｜{reference(issued)}")


def file_name(issued: Issued) -> str:
    return f"通报-{issued.notice.year}-{issued.notice.seq}.pdf"


async def publish(rt: Runtime, issued: Issued) -> tuple[bytes, list[str]]:
    """A notice just issued, made once and kept: its PDF rendered and stored in the evidence store (fsync'd),
    then posted to its distribution through the outbox (seed 004 §22–§24). The PDF for the issuer, and the
    outbox keys for whichever door delivers them now (the others' outbox rounds send theirs)."""
    data = await asyncio.to_thread(render, issued, rt.court_name, rt.settings.tz)
    blob = await rt.store.put_bytes(data)
    keys = await notices.distribute(
        rt.db.uow(), issued=issued, sha256=blob.sha256, name=file_name(issued), reference=reference(issued)
    )
    return data, keys
