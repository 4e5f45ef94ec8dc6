"""The quarterly summary analysis (季度汇总分析), PDF and XLSX.

Seed 002 §7: the summary of the quarter goes out within five days after it ends; records concerning the
principal leaders of the same-level party committee or political-legal committee go to the level above;
serious cases are reported at once (一事一报). Seed 001 实施办法 §7 / seed 002 §9: the special-report items
are listed one by one. Seed 003 §13: the monthly-report compliance is analysed every quarter. docs/domain.md
"Reports": counts by type, organ category, special-report item, department, stage and method, compared with
the previous quarter and with the same quarter of last year.

A record belongs to the quarter of its first submission (local time). The counts are the tallies kept with
`record_facts` (storage/tallies.py: each period's whole UTC days summed, the parts of a day at its ends
counted from the facts rows); the desk's dashboard reads the same figures through ``load``. Only the
handful of listed records are loaded whole.

Need-to-know (seed 003 §12, seed 004 §15, docs/domain.md): the discipline office gets the lists record by
record;
the president and trial management get the counts only (``domain.access.SUMMARY_ROLES``). Producing the
summary is logged (``domain.services.access.read_summary``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from liuhen.app.usecases import access, courts
from liuhen.domain import catalogue as cat
from liuhen.domain import reporting as rp
from liuhen.domain.access import Operator
from liuhen.domain.answers import Answers
from liuhen.domain.casefile import EXEMPT
from liuhen.domain.followup import Finding as FollowUpFinding
from liuhen.domain.followup import Kind as FollowUpKind
from liuhen.domain.followup import State as FollowUpState
from liuhen.domain.model import Role, Staff
from liuhen.domain.periods import Period, Quarter
from liuhen.domain.records import RecordStatus
from liuhen.domain.signoff import LEVELS, Level
from liuhen.reports.common import label_of, local_time
from liuhen.storage import tables as t
from liuhen.storage import tallies
from liuhen.storage.database import Database
from liuhen.texts import followup as followup_words
from liuhen.texts import labels
from liuhen.texts.citations import cite
from liuhen.texts.labels import RECORD_STATUS
from liuhen.texts.labels import period as period_label
from liuhen.texts.profile import COURT, Voice
from liuhen.texts.signoff import LEVEL_LABELS

if TYPE_CHECKING:  # a document's library is imported by the renderer of its format, when one is asked for
    from reportlab.platypus import Flowable

TITLE = "干预、插手、过问案件记录情况汇总分析"
PERIODS = ("本季度", "上季度", "去年同期")
#: A half-year's report (seed 001 实施办法 §6: 每半年报送一次) compares with the half before and last year's.
HALF_PERIODS = ("本期", "上期", "去年同期")


def _periods(period: Period) -> tuple[str, str, str]:
    return PERIODS if isinstance(period, Quarter) else HALF_PERIODS


def _words(period: Period) -> Callable[[str], str]:
    """A quarter's summary speaks of quarters; a half-year's of periods, and cites its own rule."""
    if isinstance(period, Quarter):
        return lambda text: text
    pairs = (
        ("seed 002 §7，季度结束后五日内", "seed 001 实施办法 §6，每半年报送一次"),
        ("本季度", "本期"),
        ("上季度", "上期"),
    )

    def words(text: str) -> str:
        for old, new in pairs:
            text = text.replace(old, new)
        return text

    return words


LIST_MAX_PDF = 300  # longer lists are cut in the PDF (the XLSX has them all, up to LIST_MAX)
CHART_MAX = 20  # bars per category in a PDF chart: a roll-up's departments are cut to the most frequent
LIST_MAX = 20_000
ESCALATING_DISPOSITIONS = ("immediate", "escalate")
NO_DATA = "暂无数据"
UNSET = "（未填写）"


@dataclass(frozen=True)
class Row:
    label: str
    counts: tuple[int, int, int]  # this quarter, previous quarter, same quarter last year


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    source: str
    rows: tuple[Row, ...]

    @property
    def any(self) -> bool:
        return any(sum(r.counts) for r in self.rows)


@dataclass
class QuarterlyData:
    court_name: str
    quarter: Period  # a quarter, or a half-year (seed 001 实施办法 §6)
    reader: Staff | Operator
    detailed: bool  # record-by-record lists (discipline office only)
    generated_at: datetime
    totals: tuple[int, int, int]
    key_figures: list[Row]
    breakdowns: list[Breakdown]
    escalations: list[dict[str, Any]] = field(default_factory=list)
    escalation_count: int = 0
    special_list: list[dict[str, Any]] = field(default_factory=list)
    special_count: int = 0
    late_list: list[dict[str, Any]] = field(default_factory=list)
    lapse_rows: list[Row] = field(default_factory=list)
    lapse_list: list[dict[str, Any]] = field(default_factory=list)
    exempt_list: list[dict[str, Any]] = field(default_factory=list)
    monthly: list[list[object]] | None = None  # None: no monthly reports (yet) in this deployment
    followup_rows: list[list[object]] = field(default_factory=list)  # per kind: opened, closed, open, overdue
    findings: dict[FollowUpFinding, int] = field(default_factory=dict)  # the quarter's investigations
    followup_list: list[dict[str, Any]] = field(default_factory=list)
    measures: dict[str, int] = field(default_factory=dict)  # accountability measures decided, by measure
    notices_issued: int = 0
    zero_departments: list[str] = field(default_factory=list)  # 零记录 this quarter (seed 003 §20)
    typical: list[dict[str, Any]] = field(
        default_factory=list
    )  # 典型案例 chosen by the office (seed 003 §13)
    voice: Voice = COURT  # a court's or a procuratorate's words and articles

    @property
    def zero(self) -> bool:
        return self.totals[0] == 0


# ---------------------------------------------------------------------------------------------------------
# Reading


class _Query:
    """Counts of the three compared periods (seed 003 item 13: against the previous quarter and the same
    quarter last year), read once from the tallies (``storage/tallies.counts``) and grouped by dimension
    here."""

    def __init__(self, session: AsyncSession, court_ids: Sequence[int], quarter: Period, tz: tzinfo) -> None:
        self.s, self.court_ids = session, list(court_ids)
        self.ranges = [p.bounds(tz) for p in (quarter, quarter.previous(), quarter.year_before())]
        self.periods: list[tallies.Counts] = []

    async def read(self) -> None:
        self.periods = await tallies.counts(self.s, self.court_ids, self.ranges)

    def grouped(self, dimension: str, *, by_court: bool = False) -> dict[object, list[int]]:
        """{value of ``dimension`` (or the court, with ``by_court``): [this, previous, last year]}."""
        out: dict[object, list[int]] = {}
        for n, period in enumerate(self.periods):
            for (court, name, value), count in period.items():
                if name == dimension:
                    key = court if by_court else rp.decode(name, value)
                    out.setdefault(key, [0, 0, 0])[n] += count
        return out

    def total(self, dimension: str) -> tuple[int, int, int]:
        """How many records count under ``dimension`` at all (the special items' records; the exempt)."""
        return _three(self.grouped(dimension).get(None, [0, 0, 0]))

    async def lapses(self) -> dict[object, list[int]]:
        """Overdue sign-offs by level, in the quarter their deadline passed (seed 004 §13)."""
        lp, r = t.signoff_lapses.c, t.records.c
        out: dict[object, list[int]] = {}
        for n, (start, end) in enumerate(self.ranges):
            stmt = (
                select(lp.level, func.count())
                .select_from(t.signoff_lapses.join(t.records, r.id == lp.record_id))
                .where(r.court_id.in_(self.court_ids), lp.deadline >= start, lp.deadline < end)
                .group_by(lp.level)
            )
            for key, count in await self.s.execute(stmt):
                out.setdefault(key, [0, 0, 0])[n] += int(count)
        return out


def _regroup(counts: dict[object, list[int]], key: Callable[[Any], object]) -> dict[object, list[int]]:
    out: dict[object, list[int]] = {}
    for k, v in counts.items():
        total = out.setdefault(key(k), [0, 0, 0])
        for i in range(3):
            total[i] += v[i]
    return out


def _three(v: Sequence[int]) -> tuple[int, int, int]:
    return int(v[0]), int(v[1]), int(v[2])


def _rows(
    counts: dict[object, list[int]],
    entries: Sequence[tuple[object, str]],
    extra_labels: dict[object, str] | None = None,
) -> tuple[Row, ...]:
    """One row per catalogue entry (zeros included, in catalogue order), then keys the catalogue no longer
    has (named from ``extra_labels`` when known), then unset."""
    rows = [Row(label, _three(counts.get(key, [0, 0, 0]))) for key, label in entries]
    known = {key for key, _ in entries}
    for key, n in counts.items():
        if key not in known and key is not None:
            rows.append(Row((extra_labels or {}).get(key, str(key)), _three(n)))
    if None in counts and None not in known:
        rows.append(Row(UNSET, _three(counts[None])))
    return tuple(rows)


def _catalogue(entries: Iterable[cat.Entry]) -> list[tuple[object, str]]:
    return [(e.key, e.label) for e in entries]


def _sum(counts: dict[object, list[int]], keys: Iterable[object] | None = None) -> tuple[int, int, int]:
    chosen = [v for k, v in counts.items() if keys is None or k in keys]
    return (sum(v[0] for v in chosen), sum(v[1] for v in chosen), sum(v[2] for v in chosen))


async def load(
    db: Database,
    *,
    reader: Staff | Operator,
    quarter: Period,
    now: datetime,
    tz: tzinfo,
    court_name: str,
    special_profile: str = "court",
    court_code: str | None = None,
    with_lower: bool = False,
    voice: Voice = COURT,
    lists: bool = True,
) -> QuarterlyData:
    """Authorise and log (``AccessDenied`` otherwise), then aggregate the quarter and its two comparisons.
    ``lists=False`` leaves out the record-by-record lists (the desk's dashboard shows the figures; the
    documents carry the lists).

    ``court_code`` (default: the reader's court) may be the reader's court or one below it; ``with_lower``
    adds every court below it, each shown on its own line and in the total (seed 002 §7: the
    summary goes to the court above, which sums its own and the lower courts')."""
    async with db.uow() as uow:
        try:
            await access.read_summary(uow, staff=reader, what=f"quarterly:{quarter.key}:{court_code or ''}")
            target = (
                await uow.courts.by_code(court_code) if court_code else await uow.courts.get(reader.court_id)
            )
            if target is None or target.id is None:
                raise access.AccessDenied(access.Denial.NO_COURT, court=court_code)
            lineage = {c.id for c in await courts.lineage(uow, target.id)}
            if not isinstance(reader, Operator) and reader.court_id not in lineage:
                raise access.AccessDenied(access.Denial.OTHER_COURT)
        except access.AccessDenied:
            await uow.commit()
            raise
        court_id = target.id
        covered = await courts.below(uow, court_id) if with_lower else [target]
        court_ids = [c.id for c in covered if c.id is not None]
        court_name = target.name if court_code or with_lower else court_name
        query = _Query(uow.session, court_ids, quarter, tz)
        await query.read()
        by_type = query.grouped(rp.TYPE)
        by_organ = query.grouped(rp.ORGAN)
        by_stage = query.grouped(rp.STAGE)
        by_method = query.grouped(rp.METHOD)
        by_department = query.grouped(rp.DEPARTMENT)
        by_court = query.grouped(rp.TYPE, by_court=True) if len(court_ids) > 1 else {}
        late = query.grouped(rp.LATE)
        state = query.grouped(rp.STATE)  # (status, disposition, principal leader)
        by_status = _regroup(state, lambda k: k[0])
        by_disposition = _regroup(state, lambda k: k[1])
        principal = _regroup(state, lambda k: k[2])
        escalating = _regroup(state, lambda k: k[2] or k[1] in ESCALATING_DISPOSITIONS)
        specials = query.grouped(rp.SPECIAL)
        lapses = await query.lapses()
        departments = [(d.id, d.name) for cid in court_ids for d in await uow.departments.list(cid)]
        detailed = isinstance(reader, Operator) or reader.role == Role.DISCIPLINE.value
        data = QuarterlyData(
            court_name=court_name,
            quarter=quarter,
            reader=reader,
            detailed=detailed,
            generated_at=now,
            totals=_sum(by_type),
            key_figures=[],
            breakdowns=[],
            voice=voice,
        )
        special_entries = _catalogue(cat.special_items(special_profile))
        special_records = query.total(rp.SPECIAL_ANY)
        data.key_figures = [
            Row("记录总数", data.totals),
            *[Row(f"其中：{row.label}", row.counts) for row in _rows(by_type, _catalogue(cat.RECORD_TYPES))],
            Row("涉及特别报告事项的记录", special_records),
            Row("涉及同级党委或政法委主要领导", _sum(principal, [True, 1])),
            Row("须报送上一级的记录", _sum(escalating, [True, 1])),
            Row("一事一报（立即报告）", _sum(by_disposition, ["immediate"])),
            Row("补记（超过记录时限）", _sum(late, [True, 1])),
            Row("签批逾期（次）", _sum(lapses)),
            Row(EXEMPT_ROW, query.total(rp.EXEMPT_OPINION)),
        ]
        data.breakdowns = [
            *(
                [
                    Breakdown(
                        "court",
                        f"按{voice.org}（本院及下级{voice.org}）",
                        "seed 002 §7",
                        _rows(by_court, [(c.id, c.name) for c in covered]),
                    )
                ]
                if by_court
                else []
            ),
            Breakdown("type", "按记录类型", "seed 003 §11", _rows(by_type, _catalogue(cat.RECORD_TYPES))),
            Breakdown(
                "organ",
                "按过问人所在机关类别",
                "seed 001 §12",
                _rows(by_organ, _catalogue(cat.ORGAN_CATEGORIES)),
            ),
            Breakdown(
                "special",
                "按特别报告事项",
                "seed 001 实施办法 §7; seed 002 §9",
                _rows(specials, special_entries, _special_labels()),
            ),
            Breakdown("department", "按部门", "seed 002 §7", _rows(by_department, departments)),
            Breakdown("stage", "按诉讼阶段", "seed 001 §8(1)", _rows(by_stage, _catalogue(cat.STAGES))),
            Breakdown(
                "method", "按过问方式", "seed 001 实施办法 §4", _rows(by_method, _catalogue(cat.METHODS))
            ),
            Breakdown(
                "disposition",
                "按纪检监察机构处理方式",
                "seed 004 §17",
                _rows(
                    {k: v for k, v in by_disposition.items() if k is not None}, _catalogue(cat.DISPOSITIONS)
                ),
            ),
            Breakdown(
                "status",
                "按办理状态",
                "seed 004 §13",
                _rows(
                    by_status,
                    [(st.value, RECORD_STATUS[st]) for st in RecordStatus if st is not RecordStatus.DRAFT],
                ),
            ),
        ]
        data.escalation_count = _sum(escalating, [True, 1])[0]
        data.special_count = special_records[0]
        data.lapse_rows = [
            Row(LEVEL_LABELS[level], _three(lapses.get(level.value, [0, 0, 0]))) for level in LEVELS
        ]
        start, end = quarter.bounds(tz)
        if detailed and lists:
            # Lower courts' records reach this reader only as far as the rules send them upward.
            data.escalations = await _escalation_list(uow.session, court_ids, start, end, tz, voice)
        if detailed and lists and court_id == reader.court_id:  # a lower court's lists stay with that court
            labels = {**_special_labels(), **dict(special_entries)}
            data.special_list = await _special_list(uow.session, court_id, start, end, tz, labels)
            data.late_list = await _late_list(uow.session, court_id, start, end, tz, dict(departments))
            data.lapse_list = await _lapse_list(uow.session, court_id, start, end, tz)
            data.exempt_list = await _exempt_list(uow.session, court_id, start, end, tz)
        data.monthly = await _monthly(uow.session, court_ids, quarter)
        rows, findings, items = await _followups(uow.session, court_ids, start, end, now, tz)
        data.followup_rows, data.findings = rows, findings
        data.measures, data.notices_issued = await _measures_and_notices(uow.session, court_ids, start, end)
        data.zero_departments = [
            name for key, name in departments if not by_department.get(key, [0, 0, 0])[0] and name
        ]
        if detailed and court_id == reader.court_id:
            data.followup_list = items[:LIST_MAX]
        data.typical = [i for i in items if i["typical"]]
        await uow.commit()
    return data


async def _measures_and_notices(
    s: AsyncSession, court_ids: Sequence[int], start: datetime, end: datetime
) -> tuple[dict[str, int], int]:
    """Accountability measures decided in the quarter, by measure (seed 004 §25–§30), and notices issued
    (seed 004 §22)."""
    a, n = t.accountability.c, t.notices_issued.c
    stmt = (
        select(a.measure, func.count())
        .where(a.court_id.in_(court_ids), a.decided_at >= start, a.decided_at < end)
        .group_by(a.measure)
    )
    counts = {str(row[0]): int(row[1]) for row in await s.execute(stmt)}
    measures = {m.label: counts.get(m.key, 0) for m in cat.ACCOUNTABILITY_MEASURES}
    issued = select(func.count()).where(n.court_id.in_(court_ids), n.issued_at >= start, n.issued_at < end)
    return measures, int((await s.execute(issued)).scalar_one())


async def _followups(
    s: AsyncSession, court_ids: Sequence[int], start: datetime, end: datetime, now: datetime, tz: tzinfo
) -> tuple[list[list[object]], dict[FollowUpFinding, int], list[dict[str, Any]]]:
    """The follow-ups of dispositions opened in the quarter (seed 004 §17–§20): per kind how many were opened,
    closed, are still open and of those overdue; the findings of the investigations; one line each."""
    c = t.followups.c
    stmt = select(t.followups).where(c.court_id.in_(court_ids), c.opened_at >= start, c.opened_at < end)
    found = list(await s.execute(stmt.order_by(c.opened_at)))
    rows: list[list[object]] = []
    for kind in FollowUpKind:
        mine = [f for f in found if f.kind == kind.value]
        closed = sum(1 for f in mine if f.state == FollowUpState.CLOSED.value)
        overdue = sum(1 for f in mine if f.state != FollowUpState.CLOSED.value and now > f.due_at)
        rows.append([followup_words.KINDS[kind], len(mine), closed, len(mine) - closed, overdue])
    findings = {x: sum(1 for f in found if f.finding == x.value) for x in FollowUpFinding}
    items = [
        {
            "number": f.number,
            "kind": followup_words.KINDS[FollowUpKind(f.kind)],
            "due": local_time(f.due_at, tz),
            "state": followup_words.STATES[FollowUpState(f.state)]
            + ("（逾期）" if f.state != FollowUpState.CLOSED.value and now > f.due_at else ""),
            "result": (followup_words.FINDINGS[FollowUpFinding(f.finding)] + "；" if f.finding else "")
            + (f.outcome or ""),
            "typical": bool(f.typical),
        }
        for f in found
    ]
    return rows, findings, items


def _special_labels() -> dict[object, str]:
    """Labels of every profile's items: a record made under another profile still reads by name."""
    return {i.key: i.label for items in cat.SPECIAL_ITEM_PROFILES.values() for i in reversed(items)}


def _gist(raw: dict[str, Any]) -> dict[str, str]:
    a = Answers.of(raw)
    return {
        "intervener": f"{a.intervener_name or '—'}（{a.intervener_unit or '—'}）",
        "case": a.case_number or "—",
        "type": label_of(cat.RECORD_TYPES, a.record_type),
        "method": label_of(cat.METHODS, a.method),
    }


async def _escalation_list(
    s: AsyncSession, court_ids: Sequence[int], start: datetime, end: datetime, tz: tzinfo, v: Voice
) -> list[dict[str, Any]]:
    f, r = t.record_facts.c, t.records.c
    stmt = (
        select(r.number, r.answers, r.status, r.disposition, f.principal_leader, f.submitted_at)
        .select_from(t.record_facts.join(t.records, r.id == f.record_id))
        .where(f.court_id.in_(court_ids), f.submitted_at >= start, f.submitted_at < end, f.status != "draft")
        .where(or_(f.principal_leader.is_(True), f.disposition.in_(ESCALATING_DISPOSITIONS)))
        .order_by(f.submitted_at)
        .limit(LIST_MAX)
    )
    out = []
    for row in await s.execute(stmt):
        reasons = []
        if row.principal_leader:
            reasons.append(cite("过问人系同级党委或政法委主要领导（seed 001 实施办法 §6、seed 002 §7）", v))
        if row.disposition in ESCALATING_DISPOSITIONS:
            reasons.append(label_of(cat.DISPOSITIONS, row.disposition))
        out.append(
            {
                "number": row.number,
                "submitted": local_time(row.submitted_at, tz),
                **_gist(row.answers or {}),
                "reason": "；".join(reasons),
                "status": _status_label(row.status),
            }
        )
    return out


def _status_label(status: str) -> str:
    try:
        return RECORD_STATUS[RecordStatus(status)]
    except ValueError:
        return status


async def _special_list(
    s: AsyncSession, court_id: int, start: datetime, end: datetime, tz: tzinfo, labels: dict[object, str]
) -> list[dict[str, Any]]:
    si, r = t.record_special_items.c, t.records.c
    stmt = (
        select(r.number, r.answers, si.item, si.submitted_at)
        .select_from(t.record_special_items.join(t.records, r.id == si.record_id))
        .where(si.court_id == court_id, si.submitted_at >= start, si.submitted_at < end, r.status != "draft")
        .order_by(si.item, si.submitted_at)
        .limit(LIST_MAX)
    )
    return [
        {
            "item": labels.get(row.item, str(row.item)),
            "number": row.number,
            "submitted": local_time(row.submitted_at, tz),
            **_gist(row.answers or {}),
        }
        for row in await s.execute(stmt)
    ]


async def _late_list(
    s: AsyncSession, court_id: int, start: datetime, end: datetime, tz: tzinfo, departments: dict[Any, str]
) -> list[dict[str, Any]]:
    f, r = t.record_facts.c, t.records.c
    stmt = (
        select(r.number, r.answers, f.department_id, f.submitted_at)
        .select_from(t.record_facts.join(t.records, r.id == f.record_id))
        .where(f.court_id == court_id, f.submitted_at >= start, f.submitted_at < end, f.status != "draft")
        .where(f.late.is_(True))
        .order_by(f.submitted_at)
        .limit(LIST_MAX)
    )
    return [
        {
            "number": row.number,
            "department": departments.get(row.department_id, "—"),
            "happened": local_time((row.answers or {}).get("intervention_time"), tz),
            "submitted": local_time(row.submitted_at, tz),
            "reason": str((row.answers or {}).get("late_reason") or "—"),
        }
        for row in await s.execute(stmt)
    ]


async def _exempt_list(
    s: AsyncSession, court_id: int, start: datetime, end: datetime, tz: tzinfo
) -> list[dict[str, Any]]:
    f, r = t.record_facts.c, t.records.c
    stmt = (
        select(r.number, r.answers, f.submitted_at)
        .select_from(t.record_facts.join(t.records, r.id == f.record_id))
        .where(f.court_id == court_id, f.submitted_at >= start, f.submitted_at < end, f.status != "draft")
        .where(f.disposition == EXEMPT)
        .order_by(f.submitted_at)
        .limit(LIST_MAX)
    )
    return [
        {"number": row.number, "submitted": local_time(row.submitted_at, tz), **_gist(row.answers or {})}
        for row in await s.execute(stmt)
    ]


async def _lapse_list(
    s: AsyncSession, court_id: int, start: datetime, end: datetime, tz: tzinfo
) -> list[dict[str, Any]]:
    lp, r = t.signoff_lapses.c, t.records.c
    stmt = (
        select(r.number, lp.level, lp.received_at, lp.deadline, lp.noticed_at)
        .select_from(t.signoff_lapses.join(t.records, r.id == lp.record_id))
        .where(r.court_id == court_id, lp.deadline >= start, lp.deadline < end)
        .order_by(lp.deadline)
        .limit(LIST_MAX)
    )
    return [
        {
            "number": row.number,
            "level": LEVEL_LABELS.get(Level(row.level), row.level)
            if row.level in {lv.value for lv in LEVELS}
            else row.level,
            "received": local_time(row.received_at, tz),
            "deadline": local_time(row.deadline, tz),
            "noticed": local_time(row.noticed_at, tz),
        }
        for row in await s.execute(stmt)
    ]


MONTHLY_HEADERS = ["月份", "应报告人数", "零报告", "有记录或称有待记", "未报告"]


async def _monthly(s: AsyncSession, court_ids: Sequence[int], quarter: Period) -> list[list[object]] | None:
    """Monthly-report compliance per month of the quarter (seed 003 §13), from the monthly reports' tables
    (`monthly_prompts` = who was asked, `monthly_answers` = who answered what). None when this
    deployment has no such tables or nobody was asked (the documents then say 暂无数据). The person-by-person
    standing is the monthly compliance notice (`liuhen report monthly`)."""
    prompts, answers = t.metadata.tables.get("monthly_prompts"), t.metadata.tables.get("monthly_answers")
    if prompts is None or answers is None:
        return None
    months = quarter.months
    p, a = prompts.c, answers.c
    asked = {
        str(m): int(n)
        for m, n in await s.execute(
            select(p.month, func.count(func.distinct(p.staff_pk)))
            .where(p.court_id.in_(court_ids), p.month.in_(months))
            .group_by(p.month)
        )
    }
    if not asked:
        return None
    answered: dict[str, dict[str, int]] = {}
    for m, kind, n in await s.execute(
        select(a.month, a.answer, func.count())
        .where(a.court_id.in_(court_ids), a.month.in_(months))
        .group_by(a.month, a.answer)
    ):
        answered.setdefault(str(m), {})[str(kind)] = int(n)
    rows: list[list[object]] = []
    for m in months:
        got = answered.get(m, {})
        zero, other = got.get("zero", 0), sum(n for k, n in got.items() if k != "zero")
        rows.append([m, asked.get(m, 0), zero, other, max(0, asked.get(m, 0) - zero - other)])
    return rows


# ---------------------------------------------------------------------------------------------------------
# PDF


def _change(a: int, b: int) -> str:
    if a == b:
        return "持平"
    return f"+{a - b}" if a > b else str(a - b)


def chart_rows(rows: Sequence[Row]) -> tuple[list[Row], bool]:
    """What a breakdown's chart shows: the rows that occurred in any compared period, in the table's order;
    past ``CHART_MAX`` (the departments of a whole province) the most frequent this quarter, then before —
    a chart of hundreds of bars on one A4 page says nothing the table does not. True when rows were left
    out."""
    occurred = [r for r in rows if any(r.counts)]
    if len(occurred) <= CHART_MAX:
        return occurred, False
    ranked = sorted(range(len(occurred)), key=lambda i: (-occurred[i].counts[0], -sum(occurred[i].counts)))
    return [occurred[i] for i in sorted(ranked[:CHART_MAX])], True


def _rows_table(rows: Sequence[Row], first: str, periods: Sequence[str] = PERIODS) -> Flowable:
    from liuhen.reports import pdf

    mm = pdf.mm
    data: list[list[object]] = [[first, *periods, "环比", "同比"]]
    for row in rows:
        a, b, c = row.counts
        data.append([row.label, a, b, c, _change(a, b), _change(a, c)])
    w = pdf.frame_width()
    return pdf.table(data, col_widths=[w - 5 * 22 * mm, *(22 * mm,) * 5], numeric_cols=range(1, 6))


def _list_table(items: list[dict[str, Any]], columns: Sequence[tuple[str, str, float]]) -> list[Flowable]:
    from liuhen.reports import pdf

    if not items:
        return [pdf.para("无。")]
    mm = pdf.mm
    rows: list[list[object]] = [[title for _, title, _ in columns]]
    for item in items[:LIST_MAX_PDF]:
        rows.append([item.get(key, "") for key, _, _ in columns])
    out: list[Flowable] = [pdf.table(rows, col_widths=[w * mm for _, _, w in columns])]
    if len(items) > LIST_MAX_PDF:
        out.append(
            pdf.para(f"（共 {len(items)} 条，此处列出前 {LIST_MAX_PDF} 条，全部见 XLSX 文件。）", "small")
        )
    return out


SPECIAL_COLUMNS = (
    ("item", "特别报告事项", 40),
    ("number", "编号", 26),
    ("submitted", "记录时间", 26),
    ("intervener", "过问人（单位及职务）", 44),
    ("case", "案号", 38),
)
EXEMPT_ROW = "不录入专库的参考意见（不计入记录数）"
ESCALATION_COLUMNS = (
    ("number", "编号", 26),
    ("submitted", "记录时间", 26),
    ("intervener", "过问人（单位及职务）", 40),
    ("case", "案号", 34),
    ("reason", "报送理由", 48),
)
EXEMPT_COLUMNS = (
    ("number", "编号", 26),
    ("submitted", "记录时间", 26),
    ("intervener", "提出意见的单位或人员", 48),
    ("case", "案号", 34),
)
LATE_COLUMNS = (
    ("number", "编号", 26),
    ("department", "部门", 30),
    ("happened", "过问时间", 26),
    ("submitted", "记录时间", 26),
    ("reason", "补记理由", 66),
)
LAPSE_COLUMNS = (
    ("number", "编号", 30),
    ("level", "签批层级", 36),
    ("received", "收到时间", 36),
    ("deadline", "期限", 36),
    ("noticed", "发现逾期", 36),
)
FOLLOWUP_HEADERS = ["处理方式", "本季度立项", "已办结", "办理中", "其中逾期"]
FOLLOWUP_COLUMNS = (
    ("number", "编号", 26),
    ("kind", "处理方式", 38),
    ("due", "期限", 32),
    ("state", "状态", 30),
    ("result", "结论或反馈", 48),
)


def _zero_enforcement(data: QuarterlyData) -> str:
    """零查处: no finding of 属实 / 部分属实 and no accountability measure in the quarter."""
    found = data.findings.get(FollowUpFinding.TRUE, 0) + data.findings.get(FollowUpFinding.PARTLY, 0)
    return "" if found or any(data.measures.values()) else "本季度零查处（无属实的调查结论，亦无责任追究）。"


def render_pdf(data: QuarterlyData, tz: tzinfo) -> bytes:
    from liuhen.reports import pdf

    words = _words(data.quarter)
    periods = _periods(data.quarter)

    def para(text: str, style: str = "body") -> Flowable:
        return pdf.para(words(text), style)

    def heading(text: str, level: int = 1) -> Flowable:
        return pdf.heading(words(text), level)

    def title(text: str) -> Flowable:
        return pdf.title(words(text))

    qt = data.quarter
    qname = period_label(qt)
    a, b, c = data.totals
    story: list[Flowable] = [
        para(data.court_name, "subtitle"),
        title(f"{qname}{TITLE}"),
        para(
            f"统计期间：{qt.first_day:%Y年%m月%d日}至{qt.last_day:%Y年%m月%d日}（以首次提交时间计）；"
            f"报送期限：{qt.summary_due:%Y年%m月%d日}前"
            f"{cite(words('（seed 002 §7，季度结束后五日内）'), data.voice)}。"
            f"生成：{local_time(data.generated_at, tz)}，{labels.reader(data.reader)}。",
            "small",
        ),
        heading("一、总体情况"),
    ]
    if data.zero:
        story.append(
            para(f"零报告：{qname}未记录干预、插手、过问案件的情况。上季度 {b} 件，去年同期 {c} 件。")
        )
    else:
        story.append(
            para(
                f"{qname}共记录干预、插手、过问案件 {a} 件，上季度 {b} 件（环比 {_change(a, b)}），"
                f"去年同期 {c} 件（同比 {_change(a, c)}）。其中须报送上一级 {data.escalation_count} 件，"
                f"涉及特别报告事项 {data.special_count} 件。"
            )
        )
    story.append(_rows_table(data.key_figures, "指标", periods))
    if not data.detailed:
        story.append(
            para(
                f"按保密规定{cite('（seed 003 §12）', data.voice)}，"
                "本汇总对您仅含统计数字；逐件明细仅纪检监察机构可见。",
                "small",
            )
        )
    story.append(heading("二、分类统计"))
    for n, bd in enumerate(data.breakdowns, start=1):
        story += [
            heading(f"（{n}）{bd.title}", 2),
            _rows_table(bd.rows, bd.title.removeprefix("按"), periods),
        ]
        if bd.any:
            shown, cut = chart_rows(bd.rows)
            series = {p: [r.counts[i] for r in shown] for i, p in enumerate(periods)}
            caption = f"{bd.title}（件）" + (f"：本季度最多的{CHART_MAX}项，全部见上表" if cut else "")
            story.append(pdf.bar_chart([r.label for r in shown], series, caption=caption))
            if bd.key in ("type", "organ") and any(r.counts[0] for r in bd.rows):
                story.append(
                    pdf.pie_chart(
                        [r.label for r in bd.rows],
                        [r.counts[0] for r in bd.rows],
                        caption=words(f"本季度{bd.title}构成"),
                    )
                )
        else:
            story.append(para(f"三个统计期均无记录（{NO_DATA}）。", "small"))
    story += [
        heading("三、须报送上一级的记录"),
        para(
            f"过问人系同级党委或政法委主要领导的，应同时报送上级党委、政法委和上级{data.voice.org}；情节严重的应立即报告并层报"
            f"{cite('（seed 001 实施办法 §6，seed 002 §7）', data.voice)}。"
            f"本季度共 {data.escalation_count} 件。",
            "small",
        ),
    ]
    if data.detailed:
        story += _list_table(data.escalations, ESCALATION_COLUMNS)
    story += [
        heading("四、特别报告事项逐项列明"),
        para(
            f"本季度涉及特别报告事项的记录 {data.special_count} 件"
            f"{cite('（seed 001 实施办法 §7，seed 002 §9）', data.voice)}。",
            "small",
        ),
    ]
    if data.detailed:
        story += _list_table(data.special_list, SPECIAL_COLUMNS)
    late = next(r for r in data.key_figures if r.label.startswith("补记"))
    story += [
        heading("五、时限执行情况"),
        heading(cite("（一）补记（超过记录时限，seed 002 §6、seed 004 §7）", data.voice), 2),
        para(f"本季度补记 {late.counts[0]} 件，上季度 {late.counts[1]} 件，去年同期 {late.counts[2]} 件。"),
    ]
    if data.detailed:
        story += _list_table(data.late_list, LATE_COLUMNS)
    story += [
        heading(cite("（二）签批逾期（每级三个工作日，seed 004 §13）", data.voice), 2),
        _rows_table(data.lapse_rows, "签批层级", periods),
    ]
    if data.detailed:
        story += _list_table(data.lapse_list, LAPSE_COLUMNS)
    exempt = next(r for r in data.key_figures if r.label == EXEMPT_ROW)
    story += [
        heading(
            cite(
                "（三）不录入专库、存入案件正卷备查的参考意见（seed 001 实施办法 §5、seed 002 §5）",
                data.voice,
            ),
            2,
        ),
        para(f"本季度 {exempt.counts[0]} 件，不计入上述记录数，另行列明。"),
    ]
    if data.detailed:
        story += _list_table(data.exempt_list, EXEMPT_COLUMNS)
    story.append(heading(cite("六、月报告执行情况（seed 003 §13）", data.voice)))
    if not data.monthly:
        story.append(para(NO_DATA))
    else:
        story.append(pdf.table([MONTHLY_HEADERS, *data.monthly], numeric_cols=range(1, 5)))
    story += [
        heading(cite("七、分流处理情况（seed 004 §17）", data.voice)),
        pdf.table([[words(h) for h in FOLLOWUP_HEADERS], *data.followup_rows], numeric_cols=range(1, 5)),
        para(
            "本季度立项调查的结论："
            + "，".join(f"{followup_words.FINDINGS[k]} {v} 件" for k, v in data.findings.items())
            + "（以办结时的结论计）。",
            "small",
        ),
    ]
    if data.detailed:
        story += _list_table(data.followup_list, FOLLOWUP_COLUMNS)
    story += [
        heading(cite("八、通报与责任追究（seed 004 §22）", data.voice)),
        para(
            f"本季度发布通报 {data.notices_issued} 期；责任追究："
            + "，".join(f"{k} {v} 人次" for k, v in data.measures.items() if v)
            + ("。" if any(data.measures.values()) else "无。")
        ),
        heading(cite("九、零记录、零查处情况（seed 003 §20）", data.voice)),
        para(
            "本季度无记录的部门："
            + ("、".join(data.zero_departments) or "无")
            + "。"
            + _zero_enforcement(data)
        ),
        heading(cite("十、典型案例（seed 003 §13）", data.voice)),
        para(f"本季度纪检监察部门列为典型案例 {len(data.typical)} 件。"),
    ]
    if data.detailed:
        story += _list_table(data.typical, FOLLOWUP_COLUMNS)
    return pdf.build(story, title=f"{qname}{TITLE}", header=f"{data.court_name}｜{qname}汇总分析")


# ---------------------------------------------------------------------------------------------------------
# XLSX

SHEET_HEADERS = ["类别", *PERIODS]


def render_xlsx(data: QuarterlyData, tz: tzinfo) -> bytes:
    from liuhen.reports import xlsx

    words, periods = _words(data.quarter), _periods(data.quarter)
    qt = data.quarter
    qname = period_label(qt)
    wb = xlsx.workbook()
    title = f"{data.court_name} {qname}{TITLE}"
    summary = xlsx.table_sheet(
        wb,
        "概况",
        ["指标", *periods],
        [[r.label, *r.counts] for r in data.key_figures],
        title=title + ("（零报告）" if data.zero else ""),
    )
    xlsx.bar_chart(summary, title="主要指标")
    for bd in data.breakdowns:
        block = xlsx.table_sheet(
            wb,
            bd.title.removeprefix("按"),
            [bd.title.removeprefix("按"), *periods],
            [[r.label, *r.counts] for r in bd.rows],
            title=cite(f"{qname} {bd.title}（{bd.source}）", data.voice),
        )
        xlsx.bar_chart(block, title=f"{bd.title}（件）")
        if bd.key in ("type", "organ"):
            xlsx.pie_chart(block, title=words(f"本季度{bd.title}构成"), anchor=f"F{block.last_row + 20}")
    lists = (
        ("须报送上一级", ESCALATION_COLUMNS, data.escalations, data.escalation_count),
        ("特别报告事项明细", SPECIAL_COLUMNS, data.special_list, data.special_count),
        (
            "补记明细",
            LATE_COLUMNS,
            data.late_list,
            next(r for r in data.key_figures if r.label.startswith("补记")).counts[0],
        ),
        ("签批逾期明细", LAPSE_COLUMNS, data.lapse_list, len(data.lapse_list)),
        (
            "不录入专库的参考意见",
            EXEMPT_COLUMNS,
            data.exempt_list,
            next(r for r in data.key_figures if r.label == EXEMPT_ROW).counts[0],
        ),
    )
    for name, columns, items, count in lists:
        if data.detailed:
            xlsx.table_sheet(
                wb,
                name,
                [c[1] for c in columns],
                [[i.get(c[0], "") for c in columns] for i in items],
                title=f"{qname} {name}（{count} 件）",
            )
        else:
            xlsx.table_sheet(
                wb,
                name,
                ["说明"],
                [["按保密规定，逐件明细仅纪检监察机构可见。"]],
                title=f"{qname} {name}（{count} 件）",
            )
    lapses = xlsx.table_sheet(
        wb,
        "签批逾期",
        ["签批层级", *periods],
        [[r.label, *r.counts] for r in data.lapse_rows],
        title=f"{qname} 签批逾期（次）",
    )
    xlsx.bar_chart(lapses, title="签批逾期（次）")
    xlsx.table_sheet(
        wb,
        "分流处理",
        [words(h) for h in FOLLOWUP_HEADERS],
        data.followup_rows,
        title=cite(f"{qname} 分流处理情况（seed 004 §17）", data.voice),
    )
    if data.detailed:
        xlsx.table_sheet(
            wb,
            "分流处理明细",
            [c[1] for c in FOLLOWUP_COLUMNS],
            [[i.get(c[0], "") for c in FOLLOWUP_COLUMNS] for i in data.followup_list],
            title=f"{qname} 分流处理明细（{len(data.followup_list)} 项）",
        )
    monthly = xlsx.table_sheet(
        wb,
        "月报告执行",
        MONTHLY_HEADERS if data.monthly else ["说明"],
        data.monthly or [[NO_DATA]],
        title=cite(f"{qname} 月报告执行情况（seed 003 §13）", data.voice),
    )
    if data.monthly:
        xlsx.bar_chart(monthly, title="月报告执行情况（人）", horizontal=False)
    return xlsx.save(wb)


async def quarterly_documents(
    db: Database,
    *,
    reader: Staff | Operator,
    quarter: Period,
    now: datetime,
    tz: tzinfo,
    court_name: str,
    special_profile: str = "court",
    formats: Sequence[str] = ("pdf", "xlsx"),
    voice: Voice = COURT,
) -> dict[str, bytes]:
    """{"pdf": …, "xlsx": …} — raises ``AccessDenied`` for a reader who may not see summaries."""
    data = await load(
        db,
        reader=reader,
        quarter=quarter,
        now=now,
        tz=tz,
        court_name=court_name,
        special_profile=special_profile,
        voice=voice,
    )
    out: dict[str, bytes] = {}
    if "pdf" in formats:
        out["pdf"] = await asyncio.to_thread(render_pdf, data, tz)
    if "xlsx" in formats:
        out["xlsx"] = await asyncio.to_thread(render_xlsx, data, tz)
    return out
