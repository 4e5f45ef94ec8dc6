"""The per-case zero report (逐案零报告) as a PDF for the case file (seed 004 §16: 由部门主要负责人确认后
随案入卷), laid out like the text printed at the end of seed 004."""

from __future__ import annotations

import asyncio
from datetime import tzinfo

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from liuhen.app.usecases import casezero
from liuhen.app.usecases.casezero import Printable
from liuhen.domain.casezero import CaseZeroStatus
from liuhen.domain.casezero_form import CLOSING, TITLE_LINES
from liuhen.reports import pdf
from liuhen.reports.common import local_time
from liuhen.storage.database import Database
from liuhen.texts.labels import casezero_status, date_line


def render_pdf(p: Printable, tz: tzinfo) -> bytes:
    r = p.report
    body = pdf.styles()["body"]
    big = ParagraphStyle("casezero_body", parent=body, fontSize=14, leading=26, firstLineIndent=28)
    right = ParagraphStyle("casezero_sign", parent=body, fontSize=13, leading=24, alignment=TA_RIGHT)
    confirmed = r.status == CaseZeroStatus.CONFIRMED.value
    reviewer = p.reviewer_name or "（未指定）"
    if confirmed and r.reviewed_at is not None:
        reviewer += f"（{local_time(r.reviewed_at, tz)} 确认）"
    elif not confirmed:
        reviewer += f"（{casezero_status(r.status)}）"
    story: list[object] = [
        pdf.Spacer(1, 12 * pdf.mm),
        *(pdf.title(line) for line in TITLE_LINES),
        pdf.Spacer(1, 10 * pdf.mm),
        Paragraph(pdf.para(r.statement.removesuffix(CLOSING)).text, big),
        Paragraph(CLOSING, big),
        pdf.Spacer(1, 16 * pdf.mm),
        Paragraph(pdf.para(f"报告人：{p.officer_name}").text, right),
        Paragraph(pdf.para(f"部门负责人：{reviewer}").text, right),
        Paragraph(pdf.para(f"报告时间：{date_line(r.created_at, tz)}").text, right),
        pdf.Spacer(1, 14 * pdf.mm),
    ]
    notes = [
        f"编号 {r.number}，{p.court_name}，{p.department}{p.position}。"
        "由“留痕”系统生成，提交与确认均已记入审计日志。"
    ]
    if r.acknowledged:
        notes.append(f"报告人提交时已知悉其在本案的记录：{'、'.join(r.acknowledged)}。")
    if not confirmed:
        notes.append("本报告尚未经部门负责人确认，不能随案入卷。")
    story += [pdf.para(n, "small") for n in notes]
    return pdf.build(story, title=f"逐案零报告 {r.number}", header=f"逐案零报告 — {r.case_number}")


async def casezero_pdf(db: Database, report_id: int, *, court_name: str, tz: tzinfo) -> tuple[str, bytes]:
    """The confirmed statement for the case file (seed 004 §16: 确认后随案入卷): its file name and PDF; the
    read is in the ledger (by the system, sending it to its officer)."""
    printable = await casezero.printable(
        db.uow(), report_id=report_id, reader=None, court_name=court_name, actor="system"
    )
    data = await asyncio.to_thread(render_pdf, printable, tz)
    return f"逐案零报告-{printable.report.number}.pdf", data
