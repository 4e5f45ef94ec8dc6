"""`liuhen followup`: the discipline office's follow-ups of dispositions, for the operator (seed 004
§17–§20)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from liuhen.cli.tools import err, fail, out, with_runtime

if TYPE_CHECKING:
    from liuhen.app.runtime import Runtime

followup_app = typer.Typer(help="分流处理事项（移送、报上一级、调查、不实记录澄清）", no_args_is_help=True)


@followup_app.command("list")
def followup_list(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    closed: Annotated[bool, typer.Option("--all", help="含已办结的事项")] = False,
) -> None:
    """列出分流处理事项（期限早的在前，逾期标红），不显示记录内容。"""
    from datetime import datetime

    from rich.table import Table

    from liuhen.app.usecases.followup import list_followups
    from liuhen.domain.followup import Kind, State
    from liuhen.texts import followup as texts
    from liuhen.texts.labels import when

    async def run(rt: Runtime) -> tuple[list[dict[str, Any]], Any]:
        rows = await list_followups(
            rt.db.uow(read_only=True), court_id=rt.court_id, now=rt.clock.now(), closed=closed
        )
        return rows, rt.settings.tz

    rows, tz = with_runtime(run)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"分流处理事项（{len(rows)} 项）")
    for column in ("记录编号", "事项", "承办人", "期限", "状态"):
        table.add_column(column)
    for r in rows:
        due = when(datetime.fromisoformat(r["due_at"]), tz)
        table.add_row(
            r["number"],
            texts.KINDS[Kind(r["kind"])],
            f"{r['owner_name']}（{r['owner']}）",
            f"[red]{due}（已逾期）[/red]" if r["overdue"] else due,
            texts.STATES[State(r["state"])],
        )
    out.print(table)


accountability_app = typer.Typer(help="责任追究措施（纪检监察部门登记）", no_args_is_help=True)


@accountability_app.command("list")
def accountability_list(as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False) -> None:
    """列出已登记的责任追究措施及按规定提示的情形（两次以上、本部门三人次以上）。"""
    from datetime import datetime

    from rich.table import Table

    from liuhen.app.usecases.accountability import list_measures
    from liuhen.domain import catalogue as cat
    from liuhen.domain.accountability import Warning
    from liuhen.texts import accountability as texts
    from liuhen.texts.labels import when

    async def run(rt: Runtime) -> tuple[list[dict[str, Any]], Any]:
        return await list_measures(rt.db.uow(), court_id=rt.court_id), rt.settings.tz

    rows, tz = with_runtime(run)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"责任追究措施（{len(rows)} 项）")
    for column in ("时间", "被追究人员", "事由", "措施", "记录", "提示"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            when(datetime.fromisoformat(r["decided_at"]), tz),
            r["person_name"],
            cat.label(cat.ACCOUNTABILITY_GROUNDS, r["ground"], r["ground"]),
            cat.label(cat.ACCOUNTABILITY_MEASURES, r["measure"], r["measure"]),
            r["record"] or "—",
            "；".join(texts.WARNING_SHORT[Warning(w)] for w in r["warnings"]) or "—",
        )
    out.print(table)


notice_app = typer.Typer(help="通报（季度违规情况通报、一案一通报）", no_args_is_help=True)


@notice_app.command("issue")
def notice_issue(
    subject: Annotated[str, typer.Argument(help="季度（如 2026Q4）或记录编号（一案一通报）")],
    to: Annotated[
        str, typer.Option("--to", help="发送范围，逗号分隔：internal（本院）、above（上一级）、other")
    ],
    other: Annotated[
        str | None, typer.Option("--other", help="其他司法机关纪检监察机构名称（--to 含 other 时）")
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="PDF 输出路径")] = Path("notice.pdf"),
) -> None:
    """发布通报并生成 PDF；院领导、各部门负责人（本院）和上一级纪检监察部门在机器人中收到。"""
    from liuhen.app.usecases.notices import issue
    from liuhen.domain.access import Operator
    from liuhen.domain.notices import Refused
    from liuhen.reports import notices as documents
    from liuhen.texts import notices as texts

    async def run(rt: Runtime) -> bytes:
        issued = await issue(
            rt.db.uow(),
            issuer=Operator(rt.court_id),
            subject=subject,
            ticked=[t.strip() for t in to.split(",")],
            other_organ=other,
            now=rt.clock.now(),
            tz=rt.settings.tz,
        )
        out.print(texts.issued(issued, documents.reference(issued)))
        pdf, _ = await documents.publish(rt, issued)  # the chat doors' outbox rounds deliver it
        return pdf

    try:
        pdf = with_runtime(run)
    except Refused as exc:
        fail(texts.PROBLEMS[exc.problem])
    output.write_bytes(pdf)
    out.print(f"已写入 {output}")


register_app = typer.Typer(help="台帐：干警亲属从事律师职业、离任人员（政治部维护）", no_args_is_help=True)


@register_app.command("import")
def register_import(
    which: Annotated[str, typer.Argument(help="relatives（亲属从事律师职业）或 departed（离任人员）")],
    path: Annotated[Path, typer.Argument(help="CSV 文件（UTF-8）", exists=True, dir_okay=False)],
) -> None:
    """导入台帐（整表替换；任何一行有误则全部不导入，并逐行说明）。

    relatives 列：staff_id,name,relation,law_firm,since；
    departed 列：name,staff_id,left_on,went_to,practises,law_firm
    """
    from liuhen.app.usecases.registers import RegisterInvalid, Which, import_register
    from liuhen.cli.tools import CLI_ACTOR
    from liuhen.texts import registers as texts

    try:
        kind = Which(which)
    except ValueError:
        fail("请指定 relatives 或 departed。")
    text = path.read_text(encoding="utf-8-sig")

    async def run(rt: Runtime) -> int:
        return await import_register(
            rt.db.uow(), court_id=rt.court_id, which=kind, text=text, actor=CLI_ACTOR
        )

    try:
        count = with_runtime(run)
    except RegisterInvalid as exc:
        for e in exc.errors:
            err.print(texts.error(e))
        fail(f"有 {len(exc.errors)} 处错误，未导入任何内容。")
    out.print(f"已导入 {count} 行（原台帐已整体替换）。")


@register_app.command("list")
def register_list(as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False) -> None:
    """列出两本台帐（查看记入日志）。"""
    from rich.table import Table

    from liuhen.app.usecases.registers import read_registers
    from liuhen.cli.tools import CLI_ACTOR
    from liuhen.domain import catalogue as cat

    async def run(rt: Runtime) -> dict[str, list[dict[str, Any]]]:
        return await read_registers(rt.db.uow(), court_id=rt.court_id, actor=CLI_ACTOR)

    data = with_runtime(run)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    relatives = Table(title=f"干警亲属从事律师职业（{len(data['relatives'])} 人）")
    for column in ("干警", "亲属", "关系", "执业机构", "执业起始"):
        relatives.add_column(column)
    for r in data["relatives"]:
        relation = cat.label(cat.LAWYER_RELATIONS, r["relation"], r["relation"])
        relatives.add_row(
            f"{r['staff_name']}（{r['staff_id']}）", r["name"], relation, r["law_firm"], r["since"] or "—"
        )
    out.print(relatives)
    departed = Table(title=f"离任人员（{len(data['departed'])} 人）")
    for column in ("姓名", "原工号", "离任日期", "去向", "执业", "执业机构"):
        departed.add_column(column)
    for d in data["departed"]:
        departed.add_row(
            d["name"],
            d["staff_id"] or "—",
            d["left_on"] or "—",
            d["went_to"] or "—",
            "是" if d["practises"] else "否",
            d["law_firm"] or "—",
        )
    out.print(departed)
