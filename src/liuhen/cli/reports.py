"""`liuhen report registration|quarterly`, `liuhen export evidence` (docs/architecture.md external interface).

Without ``--as`` the operator at the server reads (everything of the deployment); with ``--as STAFF_ID`` a
person of the roster, whom the need-to-know rules limit. Either way the read is written to the ledger. Bad
input exits non-zero with a Chinese message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from liuhen.cli import monthly as cli_monthly
from liuhen.cli.tools import err, fail, out, with_runtime

if TYPE_CHECKING:  # the documents (reportlab, openpyxl) are imported by the command that makes one
    from liuhen.app.runtime import Runtime
    from liuhen.domain.access import Operator
    from liuhen.domain.model import Staff

report_app = typer.Typer(help="报表：登记表、季度汇总分析（以及月报告执行情况通报）", no_args_is_help=True)
export_app = typer.Typer(help="导出：证据材料包（入卷）", no_args_is_help=True)

T = TypeVar("T")
Reader = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="阅读人工号：按其权限（保密规定）生成；不填则为服务器操作员，全院可读。读取均记入审计日志",
    ),
]
Output = Annotated[Path, typer.Option("-o", "--output", help="输出文件")]


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[[str], None]]:
    """A rich progress bar on stderr (stdout stays for the result line); yields ``step(description)``."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("开始", total=total)

        def step(description: str) -> None:
            progress.update(task, advance=1, description=description)

        yield step


def _writable(path: Path, suffixes: tuple[str, ...]) -> None:
    if path.suffix.lower() not in suffixes:
        fail(f"输出文件应以 {' 或 '.join(suffixes)} 结尾：{path}", 2)
    if not path.parent.exists():
        fail(f"输出目录不存在：{path.parent}", 2)


def _run(reader_id: str | None, job: Callable[[Runtime, Staff | Operator], Awaitable[T]]) -> T:
    from liuhen.domain.access import Operator
    from liuhen.reports.common import AccessDenied, ReportError, find_reader

    async def run(rt: Runtime) -> T:
        if reader_id is None:  # the operator at the server
            return await job(rt, Operator(rt.court_id))
        async with rt.db.uow(read_only=True) as uow:
            reader = await find_reader(uow, rt.court_id, reader_id)
        return await job(rt, reader)

    try:
        return with_runtime(run)
    except AccessDenied as exc:
        from liuhen.texts.access import denied

        fail(denied(exc))
    except ReportError as exc:
        fail(str(exc))


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        fail(f"无法写入 {path}：{exc}")


def _record_file(
    reader_id: str | None,
    output: Path,
    suffixes: tuple[str, ...],
    reading: str,
    produce: Callable[[Runtime, Staff | Operator], Awaitable[tuple[str, bytes]]],
) -> str:
    """One record's document: check the output path, produce it as the reader, write it."""
    _writable(output, suffixes)

    async def job(rt: Runtime, person: Staff | Operator) -> str:
        with _progress(2) as step:
            step(reading)
            number, data = await produce(rt, person)
            step("写入文件")
            _write(output, data)
        return number

    return _run(reader_id, job)


@report_app.command("registration")
def report_registration(
    record: Annotated[str, typer.Argument(help="记录编号（如 LH-2026-0042）或记录 ID")],
    output: Output,
    reader: Reader = None,
) -> None:
    """干预、插手、过问案件登记表（PDF，一式两份：记录人留存、纪检监察机构留存）。"""
    from liuhen.reports import registration

    async def produce(rt: Runtime, person: Staff | Operator) -> tuple[str, bytes]:
        return await registration.registration_pdf(
            rt.db,
            rt.store,
            reader=person,
            ref=record,
            now=rt.clock.now(),
            tz=rt.settings.tz,
            court_name=rt.court_name,
            special_profile=rt.settings.special_items_profile,
        )

    number = _record_file(reader, output, (".pdf",), "核对权限、读取记录", produce)
    out.print(f"已生成登记表：{number} → {output}")


@report_app.command("quarterly")
def report_quarterly(
    period: Annotated[str, typer.Argument(help="季度，如 2026Q4")],
    output: Output,
    reader: Reader = None,
    court: Annotated[str | None, typer.Option("--court", help="法院代码（默认：读者所在法院）")] = None,
    with_lower: Annotated[bool, typer.Option("--with-lower", help="汇总本院及全部下级法院")] = False,
) -> None:
    """季度汇总分析（.pdf 或 .xlsx，含图表、环比和同比；季度结束后五日内报送）。"""
    from liuhen.domain.periods import Quarter

    _summary(Quarter.parse, period, output, reader, court, with_lower)


@report_app.command("halfyear")
def report_halfyear(
    period: Annotated[str, typer.Argument(help="半年，如 2026H2 或 2026年下半年")],
    output: Output,
    reader: Reader = None,
    court: Annotated[str | None, typer.Option("--court", help="法院代码（默认：读者所在法院）")] = None,
    with_lower: Annotated[bool, typer.Option("--with-lower", help="汇总本院及全部下级法院")] = False,
) -> None:
    """半年报告（.pdf 或 .xlsx；高级法院每半年向省级党委政法委报送，可汇总全辖区法院）。"""
    from liuhen.domain.periods import Half

    _summary(Half.parse, period, output, reader, court, with_lower)


def _summary(
    parse: Callable[[str], Any],
    period: str,
    output: Path,
    reader: str | None,
    court: str | None,
    with_lower: bool,
) -> None:
    """A quarter's or a half-year's summary analysis (seed 002 §7; seed 001 实施办法 §6), as a file."""
    from liuhen.domain.periods import BadPeriod
    from liuhen.reports import quarterly
    from liuhen.texts.labels import bad_period
    from liuhen.texts.labels import period as period_label
    from liuhen.texts.profile import voice

    try:
        chosen = parse(period)
    except BadPeriod as exc:
        fail(bad_period(exc), 2)
    _writable(output, (".pdf", ".xlsx"))
    fmt = output.suffix.lower().lstrip(".")

    async def job(rt: Runtime, person: Staff | Operator) -> None:
        with _progress(3) as step:
            step(f"汇总 {period_label(chosen)}及比较期间")
            data = await quarterly.load(
                rt.db,
                reader=person,
                quarter=chosen,
                now=rt.clock.now(),
                tz=rt.settings.tz,
                court_name=rt.court_name,
                special_profile=rt.settings.special_items_profile,
                court_code=court,
                with_lower=with_lower,
                voice=voice(rt.settings.deadline_profile),
            )
            step(f"生成 {fmt.upper()}")
            render = quarterly.render_pdf if fmt == "pdf" else quarterly.render_xlsx
            document = render(data, rt.settings.tz)
            step("写入文件")
            _write(output, document)

    _run(reader, job)
    out.print(f"已生成 {period_label(chosen)}汇总分析 → {output}")


report_app.command("monthly")(cli_monthly.report_monthly)  # 月报告执行情况通报


@export_app.command("evidence")
def export_evidence(
    record: Annotated[str, typer.Argument(help="记录编号（如 LH-2026-0042）或记录 ID")],
    output: Output,
    reader: Reader = None,
) -> None:
    """证据材料包（zip）：原件（以 SHA-256 命名）、manifest.json、清单 PDF 和 verify.py 校验脚本。"""
    from liuhen.reports import bundle

    async def produce(rt: Runtime, person: Staff | Operator) -> tuple[str, bytes]:
        return await bundle.evidence_bundle(
            rt.db,
            rt.store,
            reader=person,
            ref=record,
            now=rt.clock.now(),
            tz=rt.settings.tz,
            court_name=rt.court_name,
        )

    number = _record_file(reader, output, (".zip",), "核对权限、读取并校验证据", produce)
    out.print(f"已导出证据材料包：{number} → {output}（解压后运行 python3 verify.py 可校验）")
