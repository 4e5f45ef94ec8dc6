"""The monthly compliance notice (月报告执行情况通报, seed 003 §13; flags of seed 003 §20), PDF and XLSX.

Per department: who reported records, who filed a zero report, who said there is something to record but
has no record yet, who did not answer, who could not be reached (blocked the bot, never enrolled). The data
is the read model of ``domain.services.monthly`` (``Compliance``); a counts-only reader (trial management)
gets the figures without names.
"""

from __future__ import annotations

from datetime import tzinfo

from liuhen.app.usecases.monthly import Compliance, PersonLine
from liuhen.domain.monthly import Status
from liuhen.reports import pdf, xlsx
from liuhen.reports.common import local_time
from liuhen.texts.citations import cite
from liuhen.texts.labels import MONTHLY_STATUS, delivery, long_month
from liuhen.texts.monthly import department_name
from liuhen.texts.profile import COURT, Voice

ORDER = (Status.RECORDS, Status.ZERO, Status.DECLARED, Status.MISSED, Status.UNREACHABLE)
COUNT_HEADERS = ["部门", "应报人数", *(MONTHLY_STATUS[s] for s in ORDER)]
PEOPLE_HEADERS = ["部门", "姓名", "工号", "职务", "情况", "记录件数", "答复时间", "备注"]
FLAG_HEADERS = ["类别", "人员或部门", "所在部门", "连续零报告月数", "案件数"]


def _title(c: Compliance) -> str:
    return f"{long_month(c.month)}月报告执行情况通报"


def _subtitle(c: Compliance, tz: tzinfo) -> str:
    state = "已截止" if c.final else "截止前的情况"
    deadline, as_of = local_time(c.deadline, tz), local_time(c.as_of, tz)
    return f"{c.court_name}，截止时间 {deadline}，统计时间 {as_of}（{state}）"


def count_rows(c: Compliance, *, total: bool = True) -> list[list[object]]:
    rows: list[list[object]] = []
    for d in c.departments:
        counts = d.counts()
        rows.append([department_name(d), len(d.people), *(counts[s] for s in ORDER)])
    if total:
        totals = c.totals()
        rows.append(["合计", c.people, *(totals[s] for s in ORDER)])
    return rows


def _note(p: PersonLine) -> str:
    parts = [delivery(p.delivery)] if p.delivery else []
    if p.late:
        parts.append("逾期答复")
    return "；".join(parts)


def people_rows(c: Compliance, tz: tzinfo) -> list[list[object]]:
    rows: list[list[object]] = []
    for d in c.departments:
        for status in ORDER:
            for p in d.with_status(status):
                rows.append(
                    [
                        department_name(d),
                        p.name,
                        p.staff_id,
                        p.position,
                        MONTHLY_STATUS[p.status],
                        p.records,
                        local_time(p.answered_at, tz) if p.answered_at else "—",
                        _note(p),
                    ]
                )
    return rows


def flag_rows(c: Compliance) -> list[list[object]]:
    return [
        ["部门" if f.kind == "department" else "个人", f.name, f.department, f.months, f.cases]
        for f in c.flags
    ]


def render_pdf(c: Compliance, tz: tzinfo, v: Voice = COURT) -> bytes:
    w = pdf.frame_width()
    mm = pdf.mm
    story: list[object] = [
        pdf.title(_title(c)),
        pdf.para(_subtitle(c, tz), "subtitle"),
        pdf.para(
            cite(
                "依据：建立月报告制度，没有相关情况的也要进行“零报告”，执行情况每月在本院范围内通报"
                "（seed 003 §13）；“零记录”“零报告”问题突出的，适时组织专项检查和重点督办（seed 003 §20）。",
                v,
            )
        ),
        pdf.heading("一、按部门"),
        pdf.table(
            [COUNT_HEADERS, *count_rows(c)],
            col_widths=[w - 6 * 18 * mm, *([18 * mm] * 6)],
            numeric_cols=range(1, 7),
        ),
    ]
    if not c.counts_only:
        story.append(pdf.heading("二、人员明细"))
        rows = people_rows(c, tz)
        if rows:
            widths = [30 * mm, 18 * mm, 16 * mm, 20 * mm, 24 * mm, 13 * mm, 26 * mm]
            story.append(
                pdf.table([PEOPLE_HEADERS, *rows], col_widths=[*widths, w - sum(widths)], numeric_cols=[5])
            )
        else:
            story.append(pdf.para("本月尚无应报人员。"))
        story.append(pdf.heading("三、“零记录”“零报告”重点关注"))
        if c.flags:
            story.append(
                pdf.para(
                    f"连续 {c.policy.suspicious_months} 个月均为零报告、且案件数不少于 "
                    f"{c.policy.suspicious_cases} 件的人员和部门（适时组织专项检查和重点督办）："
                )
            )
            widths = [16 * mm, 36 * mm, 40 * mm, 30 * mm]
            story.append(
                pdf.table(
                    [FLAG_HEADERS, *flag_rows(c)], col_widths=[*widths, w - sum(widths)], numeric_cols=[3, 4]
                )
            )
        else:
            story.append(pdf.para("无。"))
    return pdf.build(story, title=_title(c), header=f"留痕 — {_title(c)}")


def render_xlsx(c: Compliance, tz: tzinfo, v: Voice = COURT) -> bytes:
    wb = xlsx.workbook()
    block = xlsx.table_sheet(
        wb, "按部门", COUNT_HEADERS, count_rows(c, total=False), title=f"{_title(c)}（{_subtitle(c, tz)}）"
    )
    totals = c.totals()
    xlsx.write_table(
        block.ws,
        COUNT_HEADERS,
        [["合计", c.people, *(totals[s] for s in ORDER)]],
        start_row=block.last_row + 2,
    )
    if c.departments:
        xlsx.bar_chart(block, title="月报告执行情况（人）", value_cols=range(3, 3 + len(ORDER)))
    if not c.counts_only:
        xlsx.table_sheet(wb, "人员明细", PEOPLE_HEADERS, people_rows(c, tz), title=_title(c))
        xlsx.table_sheet(
            wb,
            "重点关注",
            FLAG_HEADERS,
            flag_rows(c),
            title=f"连续 {c.policy.suspicious_months} 个月零报告且案件数 ≥ {c.policy.suspicious_cases}",
        )
    return xlsx.save(wb)
