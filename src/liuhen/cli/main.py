"""The `liuhen` command (docs/architecture.md external interface). Thin: parse, call one use case, print.

Building the command tree and printing the help import only typer, rich's console and the standard library:
each command imports its use cases, the runtime and the documents when it runs (tests/integration/
test_cli_startup.py keeps it so). Parameter types stay builtins and pathlib, which typer resolves here."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from liuhen.cli import followup as cli_followup
from liuhen.cli import integrity as cli_integrity
from liuhen.cli import reports as cli_reports
from liuhen.cli.tools import CLI_ACTOR, err, fail, out, with_runtime

if TYPE_CHECKING:
    from datetime import datetime, tzinfo

    from liuhen.app.runtime import Runtime
    from liuhen.app.settings import Settings
    from liuhen.app.usecases.caseview import CaseView

app = typer.Typer(help="留痕 liuhen — 干预过问案件记录系统", no_args_is_help=True, add_completion=False)
org = typer.Typer(help="人员名册与登记", no_args_is_help=True)
app.add_typer(org, name="org")
records_app = typer.Typer(help="记录", no_args_is_help=True)
app.add_typer(records_app, name="records")
calendar_app = typer.Typer(help="工作日历（法定节假日与调休）", no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")
# The doors' own ways in for `org invite` (a deep link after the code), registered by the launcher so that
# the operator's door never imports another door.
START_LINKS: list[Callable[[Settings, str], Awaitable[str]]] = []
app.add_typer(cli_reports.report_app, name="report")  # `report monthly` joins this group
app.add_typer(cli_reports.export_app, name="export")
app.add_typer(cli_followup.followup_app, name="followup")
app.add_typer(cli_followup.accountability_app, name="accountability")
app.add_typer(cli_followup.notice_app, name="notice")
app.add_typer(cli_followup.register_app, name="register")
# keys, revoking a lost phone (verify, checkpoint, backup, restore: at the end, after `demo`)
app.add_typer(cli_integrity.key_app, name="key")
org.command("revoke")(cli_integrity.org_revoke)


@app.command()
def init() -> None:
    """初始化数据目录、数据库与密钥（可重复执行；已有的密钥不会被替换）。"""
    import asyncio

    rt = with_runtime(lambda rt: asyncio.sleep(0, rt))
    out.print(f"已初始化：{rt.settings.data_dir}（数据库 {rt.db.backend}，本院：{rt.court_name}）")
    cli_integrity.init_keys(rt.settings)  # checkpoint signing key, evidence keyring


@org.command("import")
def org_import(
    file: Annotated[Path, typer.Argument(help="名册 CSV 文件")],
    confirm_deactivate: Annotated[
        int | None,
        typer.Option(
            "--confirm-deactivate",
            help="确认停用的人数：一次停用 3 人以上，或停用最后一名纪检监察人员时必须填写",
        ),
    ] = None,
) -> None:
    """导入名册（全部有效才导入；未出现在新名册中的人员将被停用，不会删除）。"""
    from rich.table import Table

    from liuhen.app.usecases.roster import (
        DeactivationUnconfirmed,
        RosterRejected,
        UnknownCourts,
        import_roster_file,
    )
    from liuhen.domain.roster import parse_roster
    from liuhen.texts import roster as roster_texts

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"无法读取 {file}：{exc}")
    roster = parse_roster(text)
    if not roster.ok:
        err.print(f"[red]名册有 {len(roster.errors)} 处错误，未导入任何内容：[/red]")
        for error in roster.errors:
            err.print(f"  {roster_texts.error(error)}")
        raise typer.Exit(1)

    async def run(rt: Runtime) -> Any:
        return await import_roster_file(
            rt.db.uow(),
            roster=roster,
            default_court_id=rt.court_id,
            clock=rt.clock,
            actor=CLI_ACTOR,
            confirm_deactivate=confirm_deactivate,
        )

    try:
        summary = with_runtime(run)
    except RosterRejected as exc:  # pragma: no cover - parse_roster already rejected it
        fail("; ".join(roster_texts.error(e) for e in exc.roster.errors))
    except UnknownCourts as exc:
        fail(f"{roster_texts.unknown_courts(exc)}；未导入任何内容。")
    except DeactivationUnconfirmed as exc:
        for line in roster_texts.deactivation_unconfirmed(exc):
            err.print(line, highlight=False, markup=False)
        raise typer.Exit(1) from None
    table = Table(title=f"名册已导入：{file.name}")
    table.add_column("变化")
    table.add_column("人数", justify="right")
    table.add_column("工号")
    for label, ids in (
        ("新增", summary.added),
        ("更新", summary.updated),
        ("恢复", summary.reactivated),
        ("停用", summary.deactivated),
        ("未变", summary.unchanged),
    ):
        table.add_row(label, str(len(ids)), ", ".join(ids[:12]) + (" …" if len(ids) > 12 else ""))
    out.print(table)
    if summary.departments_added:
        out.print("新增部门：" + "、".join(summary.departments_added))
    for warning in summary.warnings:
        err.print(f"[yellow]提醒：[/yellow]{roster_texts.warning(warning)}")


@org.command("invite")
def org_invite(
    staff_id: Annotated[str, typer.Argument(help="工号")],
    days: Annotated[int | None, typer.Option(help="有效天数（默认 7 天）")] = None,
    court: Annotated[str | None, typer.Option("--court", help="法院代码（默认：本部署的法院）")] = None,
) -> None:
    """发放一次性登记码：第一行是登记码，第二行是登记链接。"""
    from datetime import timedelta

    from liuhen.app.usecases import enrolment
    from liuhen.texts import org as org_texts

    async def run(rt: Runtime) -> tuple[enrolment.Invite, list[str]]:
        ttl = timedelta(days=days or rt.settings.enrolment_code_days)
        court_id = rt.court_id
        if court:
            async with rt.db.uow(read_only=True) as uow:
                found = await uow.courts.by_code(court)
            if found is None or found.id is None:
                raise enrolment.InviteError(enrolment.InviteProblem.UNKNOWN_COURT, court=court)
            court_id = found.id
        invite = await enrolment.issue_invite(
            rt.db.uow(), court_id=court_id, staff_id=staff_id, clock=rt.clock, ttl=ttl, actor=CLI_ACTOR
        )
        return invite, await _start_links(rt.settings, invite.code)

    try:
        invite, links = with_runtime(run)
    except enrolment.InviteError as exc:
        fail(org_texts.invite_error(exc))
    print(invite.code)
    for link in links:
        print(link)
    err.print(f"{invite.staff.name}（{staff_id}）的登记码，有效期至 {invite.expires_at_iso}，只能使用一次。")


async def _start_links(settings: Settings, code: str) -> list[str]:
    """Each door's way in with the code (the Telegram deep link, …), as the launcher registered them."""
    return [await make(settings, code) for make in START_LINKS]


@org.command("add-court")
def org_add_court(
    code: Annotated[str, typer.Argument(help="法院代码，如 henan-zz-zhongmu")],
    name: Annotated[str, typer.Argument(help="法院名称")],
    parent: Annotated[str | None, typer.Option("--parent", help="上级法院代码")] = None,
    profile: Annotated[
        str | None, typer.Option(help="期限方案：court 或 procuratorate（默认同本部署）")
    ] = None,
) -> None:
    """添加一个法院（省级部署：高院 → 中院 → 基层法院；记录和汇总按规定向上级报送）。"""
    from liuhen.app.usecases import courts
    from liuhen.texts import org as org_texts

    async def run(rt: Runtime) -> str:
        court = await courts.add_court(
            rt.db.uow(),
            code=code,
            name=name,
            parent_code=parent,
            deadline_profile=profile or rt.settings.deadline_profile.value,
            clock=rt.clock,
            actor=CLI_ACTOR,
        )
        return court.name

    try:
        added = with_runtime(run)
    except courts.CourtError as exc:
        fail(org_texts.court_error(exc))
    out.print(f"已添加：{added}（{code}）" + (f"，上级 {parent}" if parent else "（最高一级）"))


@org.command("delegate")
def org_delegate(
    staff_id: Annotated[str, typer.Argument(help="签批人工号")],
    deputy_id: Annotated[str, typer.Argument(help="代签人工号")],
    until: Annotated[str, typer.Option("--until", help="截止日期（含），如 2026-12-05")],
) -> None:
    """指定代签人：签批人外出期间由代签人以本人名义署“代”签批（签批链，检察机关规定第十三条）。"""
    from datetime import date

    from liuhen.app.usecases import signoff
    from liuhen.texts.signoff import delegation_refused

    try:
        day = date.fromisoformat(until)
    except ValueError:
        fail(f"日期格式不对：{until}（应为 YYYY-MM-DD）")

    async def run(rt: Runtime) -> tuple[str, str, int]:
        officer, deputy, keys = await signoff.delegate(
            rt.db.uow(),
            court_id=rt.court_id,
            officer_id=staff_id,
            deputy_id=deputy_id,
            until=day,
            actor=CLI_ACTOR,
            clock=rt.clock,
            tz=rt.settings.tz,
        )
        return officer.name, deputy.name, len(keys)

    try:
        officer, deputy, count = with_runtime(run)
    except signoff.DelegationError as exc:
        fail(delegation_refused(exc))
    out.print(f"已指定：{deputy} 在 {day.isoformat()} 前代 {officer} 签批。")
    out.print(f"运行中的机器人将发出 {count} 条通知（双方及待签批记录）。")


@org.command("list")
def org_list(as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False) -> None:
    """列出名册人员及其登记状态。"""
    from rich.table import Table

    async def run(rt: Runtime) -> list[dict[str, Any]]:
        async with rt.db.uow() as uow:
            depts = {d.id: d.name for d in await uow.departments.list(rt.court_id)}
            return [
                {
                    "staff_id": s.staff_id,
                    "name": s.name,
                    "department": depts.get(s.department_id, ""),
                    "position": s.position,
                    "role": s.role,
                    "active": s.active,
                    "enrolled": s.enrolled,
                    "enrolled_at": s.enrolled_at.isoformat() if s.enrolled_at else None,
                }
                for s in await uow.staff.list(rt.court_id)
            ]

    people = with_runtime(run)
    if as_json:
        print(json.dumps(people, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"名册（{len(people)} 人，已登记 {sum(p['enrolled'] for p in people)} 人）")
    for column in ("工号", "姓名", "部门", "职务", "角色", "状态"):
        table.add_column(column)
    for p in people:
        state = "已停用" if not p["active"] else ("已登记" if p["enrolled"] else "未登记")
        table.add_row(p["staff_id"], p["name"], p["department"], p["position"], p["role"], state)
    out.print(table)


@records_app.command("list")
def records_list(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    status: Annotated[str | None, typer.Option(help="按状态筛选，如 draft、submitted")] = None,
    recorder: Annotated[str | None, typer.Option(help="按记录人工号筛选")] = None,
) -> None:
    """列出记录及其证据（编号、状态、记录人、证据哈希），不显示记录内容。"""
    from rich.table import Table

    from liuhen.app.usecases.records import UnknownFilter, list_records
    from liuhen.texts import org as org_texts

    async def run(rt: Runtime) -> list[dict[str, Any]]:
        return await list_records(
            rt.db.uow(read_only=True), court_id=rt.court_id, status=status, recorder=recorder
        )

    try:
        rows = with_runtime(run)
    except UnknownFilter as exc:
        fail(org_texts.filter_error(exc))
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"记录（{len(rows)} 件）")
    for column in ("编号", "状态", "记录人", "证据", "创建时间"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["number"],
            r["status"],
            f"{r['recorder_name']}（{r['recorder']}）",
            str(len(r["evidence"])),
            r["created_at"][:16],
        )
    out.print(table)


@records_app.command("case")
def records_case(
    case: Annotated[str, typer.Argument(help="案号，如 （2026）豫0825民初1187号")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """按案号列出本案的干预过问记录与逐案零报告（案件提交讨论前报告用）；每次查看记入审计日志。"""
    from rich.table import Table

    from liuhen.app.usecases.caseview import NotACase, case_of, view_case
    from liuhen.domain.access import Operator
    from liuhen.texts import caseview as texts
    from liuhen.texts.labels import casezero_status, record_status, when

    try:
        case_of(case)  # bad input: nothing opened, nothing read
    except NotACase as exc:
        fail(texts.problem(exc))

    async def run(rt: Runtime) -> tuple[CaseView, tzinfo]:
        today = rt.clock.now().astimezone(rt.settings.tz).date()
        view = await view_case(rt.db.uow(), reader=Operator(rt.court_id), text=case, today=today)
        return view, rt.settings.tz

    view, tz = with_runtime(run)
    if as_json:
        print(json.dumps(_case_json(view), ensure_ascii=False, indent=2))
        return
    if view.empty:
        out.print(texts.nothing(view.case_number), highlight=False)
        return
    out.print(texts.title(view.case_number), highlight=False)
    if view.records:
        table = Table(title=texts.records_count(len(view.records)).rstrip("："))
        for column in texts.RECORD_COLUMNS:
            table.add_column(column)
        for r in view.records:
            table.add_row(
                r.number,
                texts.record_type(r.record_type),
                record_status(r.status),
                r.intervener or "—",
                when(r.intervention_time, tz),
                f"{r.recorder_name}（{r.recorder}）",
                texts.gist(r),
            )
        out.print(table)
    if view.zero_reports:
        table = Table(title=texts.zero_count(len(view.zero_reports)).rstrip("："))
        for column in texts.ZERO_COLUMNS:
            table.add_column(column)
        for z in view.zero_reports:
            table.add_row(
                z.number,
                f"{z.officer_name}（{z.officer}）",
                casezero_status(z.status),
                texts.confirmation(z, tz),
            )
        out.print(table)


def _case_json(view: CaseView) -> dict[str, Any]:
    """`records case --json`: stored keys and ISO times (UTC), like `records list --json`."""

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {
        "case_number": view.case_number,
        "records": [
            {
                "number": r.number,
                "type": r.record_type,
                "status": r.status,
                "intervener": r.intervener,
                "intervention_time": iso(r.intervention_time),
                "recorder": r.recorder,
                "recorder_name": r.recorder_name,
                "gist": r.gist,
            }
            for r in view.records
        ],
        "zero_reports": [
            {
                "number": z.number,
                "status": z.status,
                "officer": z.officer,
                "officer_name": z.officer_name,
                "created_at": iso(z.created_at),
                "reviewer": z.reviewer,
                "reviewer_name": z.reviewer_name,
                "reviewed_at": iso(z.reviewed_at),
            }
            for z in view.zero_reports
        ],
    }


@calendar_app.command("set")
def calendar_set(
    day: Annotated[str, typer.Argument(help="日期，如 2027-02-08")],
    kind: Annotated[str, typer.Argument(help="holiday（放假）或 workday（上班，如调休）")],
) -> None:
    """录入本院的节假日或调休工作日（优先于官方日历；用于日历库尚未收录的年份）。"""
    from datetime import date

    from liuhen.app.usecases.deadlines import set_calendar_day

    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        fail(f"日期“{day}”格式不对，应为 YYYY-MM-DD")
    if kind not in ("holiday", "workday"):
        fail("第二个参数应为 holiday 或 workday")

    async def run(rt: Runtime) -> None:
        await set_calendar_day(
            rt.db.uow(), court_id=rt.court_id, day=parsed, workday=kind == "workday", actor=CLI_ACTOR
        )

    with_runtime(run)
    out.print(f"已设置：{parsed.isoformat()} 为{'工作日' if kind == 'workday' else '节假日'}")


@calendar_app.command("show")
def calendar_show(year: Annotated[int, typer.Argument(help="年份")]) -> None:
    """列出某年的非工作日（含调休）与本院录入的调整。"""
    from datetime import date, timedelta

    from liuhen.app.usecases.deadlines import calendar_for

    async def run(rt: Runtime) -> Any:
        async with rt.db.uow(read_only=True) as uow:
            return await calendar_for(uow, rt.court_id)

    cal = with_runtime(run)
    if not cal.knows_year(year):
        err.print(f"[yellow]提醒：[/yellow]日历库未收录 {year} 年，按周一至周五及本院录入的调整计算。")
    day, off = date(year, 1, 1), []
    while day.year == year:
        weekend = day.weekday() >= 5
        if cal.is_workday(day) == weekend or day in cal.overrides:
            mark = "（本院录入）" if day in cal.overrides else ""
            off.append(f"{day.isoformat()} {'上班' if cal.is_workday(day) else '放假'}{mark}")
        day += timedelta(days=1)
    out.print("\n".join(off) or "无调整")


app.command()(cli_integrity.verify)
app.command()(cli_integrity.checkpoint)
app.command()(cli_integrity.backup)
app.command()(cli_integrity.restore)
