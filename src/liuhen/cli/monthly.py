"""`liuhen report monthly 2026-11 -o F.pdf|F.xlsx`: the monthly compliance notice (月报告执行情况通报,
seed 003 §13; the seed 003 §20 flags), registered in the `report` group of bot/cli_reports.py."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from liuhen.cli.tools import err, fail, out, settings, with_runtime

if TYPE_CHECKING:  # the use case and the documents (reportlab, openpyxl) are imported when the command runs
    from liuhen.app.runtime import Runtime
    from liuhen.app.usecases.monthly import Compliance


def report_monthly(
    month: Annotated[str, typer.Argument(help="月份，如 2026-11")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出文件（.pdf 或 .xlsx）")],
    reader: Annotated[
        str | None,
        typer.Option("--as", help="阅读人工号：按其权限（部门负责人仅本部门）；不填则为服务器操作员，全院"),
    ] = None,
) -> None:
    """月报告执行情况通报（.pdf/.xlsx）：各部门有记录、零报告、未报告、无法送达的人员，“零报告”重点关注。"""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from liuhen.app.settings import policy_of
    from liuhen.app.usecases import monthly
    from liuhen.app.usecases.access import AccessDenied
    from liuhen.domain.monthly import Month
    from liuhen.reports import monthly as documents
    from liuhen.reports.common import ReportError
    from liuhen.texts.access import denied
    from liuhen.texts.labels import MONTHLY_STATUS, long_month

    try:
        period = Month.parse(month)
    except ValueError:
        fail(f"月份格式不对：{month}（应为 YYYY-MM，如 2026-11）", 2)
    suffix = output.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        fail(f"输出文件应以 .pdf 或 .xlsx 结尾：{output}", 2)
    if not output.parent.exists():
        fail(f"输出目录不存在：{output.parent}", 2)

    async def run(rt: Runtime) -> Compliance:
        now, tz, policy = rt.clock.now(), rt.settings.tz, policy_of(rt.settings)
        if reader is None:
            return await monthly.compliance(
                rt.db.uow(),
                court_id=rt.court_id,
                month=period,
                now=now,
                tz=tz,
                policy=policy,
                court_name=rt.court_name,
            )
        async with rt.db.uow(read_only=True) as uow:
            person = await uow.staff.by_staff_id(rt.court_id, reader.strip())
        if person is None or not person.active:
            raise ReportError(f"名册中没有工号为 {reader} 的在岗人员")
        return await monthly.view(
            rt.db.uow(), staff=person, month=period, now=now, tz=tz, policy=policy, court_name=rt.court_name
        )

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err) as bar:
        task = bar.add_task(f"汇总 {long_month(period)} 月报告执行情况", total=2)
        try:
            data = with_runtime(run)
        except ReportError as exc:
            fail(str(exc))
        except AccessDenied as exc:
            fail(denied(exc) if reader is None else "该人员无权查看月报告执行情况。")
        bar.update(task, advance=1, description=f"生成 {suffix[1:].upper()}")
        render = documents.render_pdf if suffix == ".pdf" else documents.render_xlsx
        from liuhen.texts.profile import voice

        config = settings()
        document = render(data, config.tz, voice(config.deadline_profile))
        try:
            output.write_bytes(document)
        except OSError as exc:
            fail(f"无法写入 {output}：{exc}")
        bar.update(task, advance=1)
    totals = data.totals()
    figures = "，".join(f"{MONTHLY_STATUS[s]} {n}" for s, n in totals.items() if n)
    named = long_month(period)
    out.print(f"已生成 {named}月报告执行情况通报 → {output}（应报 {data.people} 人：{figures or '无'}）")
