"""Integrity commands: `liuhen verify`, `liuhen checkpoint`, `liuhen key …`, `liuhen backup`,
`liuhen restore`, `liuhen org revoke`. Registered in ``cli/main.py``.

Each command imports the core (keys, store, ledger, database) when it runs; the module itself stays light
so that `liuhen --help` does not load them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from liuhen.cli.tools import CLI_ACTOR, err, fail, out, settings, with_runtime

if TYPE_CHECKING:
    from liuhen.app.runtime import Runtime
    from liuhen.app.settings import Settings
    from liuhen.app.usecases.integrity import CheckpointResult, VerifyReport
    from liuhen.app.usecases.revoke import Revoked
    from liuhen.domain.checkpoints import Checkpoint
    from liuhen.evidence.store import FileEvidenceStore

key_app = typer.Typer(help="密钥：导出检查点公钥、轮换证据加密密钥", no_args_is_help=True)

PHASES = {
    "ledger": "核验账本",
    "checkpoint": "核验账本",
    "rows": "核对数据行",
    "files": "核验文件",
    "database": "数据库快照",
    "check": "核对备份",
    "reseal": "重新封装证据",
}


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Any]:
    """A rich progress bar on stderr; the callback takes (phase, done, total)."""
    if not enabled:
        yield lambda phase, done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def update(phase: str, done: int, total: int | None) -> None:
            label = PHASES.get(phase, phase)
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done, total=total)

        yield update


# --- verify -----------------------------------------------------------------------------------------------


def verify(
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON（供程序使用）")] = False,
    public_key: Annotated[
        list[Path] | None,
        typer.Option("--public-key", help="用这些公钥文件核验签名（默认用密钥目录中的公钥）"),
    ] = None,
    record: Annotated[
        bool, typer.Option("--record", help="把这次核验记入账本（默认不写入任何内容）")
    ] = False,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="另行保存的签名头文件：证明账本仍延续它（默认用数据目录中的 signed-head.json，如有）",
        ),
    ] = None,
) -> None:
    """核验全部历史：账本哈希链、签名检查点（及其前后链接）、签名头、每个证据文件的 SHA-256。
    全部完好才返回 0；不改动任何数据。"""
    import asyncio

    from liuhen.texts.deployment import not_initialised

    config = settings()
    embedded = config.database_file
    if embedded is not None and not embedded.exists():  # said without loading any database code
        fail(not_initialised(config.data_dir, own_database=False), code=2)
    from liuhen.app import integrity
    from liuhen.app.runtime import initialised
    from liuhen.domain.checkpoints import SignedHeadUnreadable
    from liuhen.evidence.keys import KeyFileError
    from liuhen.texts.integrity import head_file_unreadable, key_error, recorded, report_json

    if embedded is None and not asyncio.run(initialised(config)):
        fail(not_initialised(config.data_dir, own_database=True), code=2)

    async def run(rt: Runtime) -> VerifyReport:
        with progress_bar(not as_json) as progress:
            return await integrity.run_verify(
                rt,
                actor=CLI_ACTOR,
                public_key_files=public_key,
                progress=progress,
                record=record,
                against=against,
            )

    try:
        report = with_runtime(run)
    except KeyFileError as exc:
        fail(key_error(exc), code=2)
    except SignedHeadUnreadable as exc:
        fail(head_file_unreadable(exc), code=2)
    if as_json:
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2))
        raise typer.Exit(0 if report.ok else 1)
    _print_report(report)
    if record:
        out.print(recorded())
    raise typer.Exit(0 if report.ok else 1)


def _print_report(r: VerifyReport) -> None:
    """The summary on stdout; the problems, first one first, on stderr."""
    from liuhen.texts.integrity import report_lines

    colour = {"✔": "[green]✔[/green]", "✘": "[red]✘[/red]"}
    for line in report_lines(r):
        if line.startswith(("核验未通过", "  ")):
            err.print(line, highlight=False, markup=False)
        elif line[:1] in colour:
            out.print(colour[line[:1]] + line[1:], highlight=False)
        else:
            out.print(line, highlight=False, markup=False)


# --- checkpoint -------------------------------------------------------------------------------------------


def checkpoint(
    force: Annotated[bool, typer.Option("--force", help="即使没有新条目也签名")] = False,
) -> None:
    """立即签名一个账本检查点（默克尔树根 + Ed25519 签名，配置了 LIUHEN_TSA_URL 时加可信时间戳）。"""
    from liuhen.app import integrity
    from liuhen.app.usecases.integrity import LedgerBroken
    from liuhen.evidence.keys import KeyFileError
    from liuhen.texts.integrity import key_error, ledger_broken

    async def run(rt: Runtime) -> CheckpointResult:
        with progress_bar() as progress:
            return await integrity.take_checkpoint(rt, force=force, progress=progress)

    try:
        result = with_runtime(run)
    except KeyFileError as exc:
        fail(key_error(exc))
    except LedgerBroken as exc:
        fail(ledger_broken(exc))
    if result.checkpoint is None:
        if result.skipped == "raced":
            out.print("另一个进程刚刚签名了检查点，本次未签名（可再运行一次）。")
        else:
            out.print("自上一个检查点以来账本没有新条目，无需签名（可用 --force 强制）。")
        return
    _print_checkpoint(result.checkpoint)
    if result.timestamp_error:
        err.print(f"[yellow]提醒：[/yellow]未取得可信时间戳：{result.timestamp_error}")
    if result.head_file_error:
        err.print(f"[red]未能写入签名头文件：[/red]{result.head_file_error}")
    else:
        head_file = integrity.signed_head_path(settings())
        out.print(f"签名头已写入 {head_file}：请另存一份到别处，核验时用 --against 指定。", highlight=False)


def _print_checkpoint(cp: Checkpoint) -> None:
    out.print(f"已签名检查点 #{cp.id}：覆盖条目 1–{cp.tree_size}，树根 {cp.root}")
    out.print(f"签名密钥 {cp.key_id}，签名时间 {cp.signed_at.isoformat()}")
    if cp.tsa_at is not None:
        out.print(f"可信时间戳：{cp.tsa_at.isoformat()}")


# --- keys -------------------------------------------------------------------------------------------------


@key_app.command("export")
def key_export(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="写入文件（默认输出到屏幕）")] = None,
) -> None:
    """导出检查点签名公钥（PEM）。请另行保存，供核验使用。"""
    from liuhen.evidence.keys import KeyFileError, load_signer

    config = settings()
    try:
        signer = load_signer(config.keys_path)
    except KeyFileError as exc:
        fail(str(exc))
    if signer is None:
        fail(f"密钥目录 {config.keys_path} 中没有签名密钥，请先运行 liuhen init")
    pem = signer.public_pem()
    if output is None:
        print(pem, end="")
    else:
        output.write_text(pem, encoding="ascii")
        out.print(f"公钥已写入 {output}")
    err.print(f"密钥编号（key id）：{signer.key_id}")


@key_app.command("rotate")
def key_rotate(
    forget_old: Annotated[
        bool,
        typer.Option("--forget-old", help="全部证据重新封装后，从密钥文件中删除旧密钥（旧备份将无法解密）"),
    ] = False,
) -> None:
    """轮换证据加密密钥：生成新的部署密钥，并用它重新封装每个文件的数据密钥（文件内容不变；旧格式的文件同时转为新格式）。"""
    from liuhen.domain.clock import SystemClock
    from liuhen.evidence.keys import KeyFileError, rotate_keyring

    config = settings()
    try:
        ring = rotate_keyring(config.evidence_keyring_path, SystemClock().now())
    except KeyFileError as exc:
        fail(str(exc))
    out.print(f"新的证据密钥：{ring.active}（旧密钥 {', '.join(ring.retired)} 保留，仍可解密）")
    _reseal(action="evidence.key_rotate", forget_old=forget_old)


@key_app.command("rewrap")
def key_rewrap(
    forget_old: Annotated[bool, typer.Option("--forget-old", help="完成后删除不再使用的旧密钥")] = False,
) -> None:
    """把每个证据文件置于当前密钥和当前格式之下：加密旧的明文文件，把旧格式（AES-GCM）的文件重新加密为新格式，
    重新封装旧密钥下的文件。逐个文件替换，中断后可重跑。"""
    _reseal(action="evidence.rewrap", forget_old=forget_old)


def _reseal(*, action: str, forget_old: bool) -> None:
    import asyncio

    from liuhen.evidence.keys import KeyFileError, drop_retired
    from liuhen.evidence.store import EvidenceStoreError

    async def run(rt: Runtime) -> tuple[dict[str, int], list[str], list[str]]:
        if rt.store.keyring is None:
            raise KeyFileError(f"没有证据密钥文件 {rt.settings.evidence_keyring_path}，请先运行 liuhen init")
        counts = {"rewrapped": 0, "migrated": 0, "encrypted": 0, "unchanged": 0}
        failed: list[str] = []
        digests = await rt.store.digests()
        with progress_bar() as progress:
            for n, digest in enumerate(digests, start=1):
                try:
                    counts[await rt.store.reseal(digest)] += 1
                except (OSError, EvidenceStoreError) as exc:
                    failed.append(f"{digest}：{exc}")
                progress("reseal", n, len(digests))
        dropped: list[str] = []
        if forget_old and not failed:
            used = await asyncio.to_thread(_key_ids_in_use, rt.store, digests)
            dropped = drop_retired(rt.settings.evidence_keyring_path, keep=used)
        async with rt.db.uow() as uow:
            await uow.ledger.append(
                actor=CLI_ACTOR,
                action=action,
                object_type="deployment",
                object_id=rt.settings.court_code,
                payload={
                    **counts,
                    "failed": len(failed),
                    "active_key": rt.store.keyring.active,
                    "dropped": dropped,
                },
            )
            await uow.commit()
        return counts, failed, dropped

    try:
        counts, failed, dropped = with_runtime(run)
    except KeyFileError as exc:
        fail(str(exc))
    out.print(
        f"重新封装 {counts['rewrapped']} 个，转为新格式 {counts['migrated']} 个，"
        f"新加密 {counts['encrypted']} 个，"
        f"已是当前密钥 {counts['unchanged']} 个。"
    )
    if dropped:
        out.print(f"已从密钥文件删除旧密钥：{', '.join(dropped)}（用旧密钥的备份将无法解密）")
    if failed:
        err.print(f"[red]{len(failed)} 个文件未能处理（请运行 liuhen verify）：[/red]")
        for line in failed[:20]:
            err.print(f"  · {line}")
        raise typer.Exit(1)


def _key_ids_in_use(store: FileEvidenceStore, digests: list[str]) -> set[str]:
    return {k for d in digests if (k := store.key_id_of(d)) is not None}


# --- backup and restore -----------------------------------------------------------------------------------


def backup(
    output: Annotated[Path, typer.Option("-o", "--output", help="备份目录（不存在或为空）")],
    include_keys: Annotated[
        bool, typer.Option("--include-keys", help="同时备份私钥（签名私钥和证据密钥）——备份须另行妥善保管")
    ] = False,
) -> None:
    """备份数据库（SQLite 在线备份 / pg_dump）、证据文件和公钥，附带哈希清单；运行中也可备份。"""
    from liuhen.app import backup as backup_ops
    from liuhen.storage.backup import BackupError
    from liuhen.texts.integrity import backup_error

    async def run(rt: Runtime) -> backup_ops.BackupResult:
        with progress_bar() as progress:
            return await backup_ops.backup(
                rt, output, include_keys=include_keys, actor=CLI_ACTOR, progress=progress
            )

    try:
        result = with_runtime(run)
    except BackupError as exc:
        fail(backup_error(exc))
    out.print(f"已备份到 {result.directory}：数据库、{result.files} 个证据文件、公钥。")
    out.print(f"清单 manifest.json 的 SHA-256：{result.manifest_sha256}（请记下，用于日后核对）")
    if result.keys_included:
        err.print("[yellow]提醒：[/yellow]备份中含私钥，请与证据分开、加密保管。")
    else:
        err.print(
            "提醒：备份不含私钥。恢复后要读取证据，需要另行保管的证据密钥文件；要继续签名检查点，需要签名私钥。"
        )


def restore(
    source: Annotated[Path, typer.Argument(help="liuhen backup 生成的备份目录")],
) -> None:
    """从备份恢复到空的数据目录和空的数据库；随后请运行 liuhen verify。"""
    import asyncio

    from liuhen.app import backup as backup_ops
    from liuhen.storage.backup import BackupError
    from liuhen.texts.integrity import backup_error

    config = settings()

    async def run() -> backup_ops.RestoreResult:
        with progress_bar() as progress:
            return await backup_ops.restore(config, source, actor=CLI_ACTOR, progress=progress)

    try:
        result = asyncio.run(run())
    except BackupError as exc:
        fail(backup_error(exc))
    out.print(f"已恢复：数据库、{result.files} 个证据文件（备份时间 {result.created_at}）。")
    for path in result.keys_restored:
        out.print(f"已放回密钥文件：{path}")
    for path in result.keys_kept:
        err.print(f"[yellow]提醒：[/yellow]{path} 已存在且与备份中的不同，未覆盖。")
    if result.missing_keyring or result.missing_key_ids:
        err.print(
            "[yellow]提醒：[/yellow]证据是加密存放的，但当前证据密钥文件"
            f"{'不存在' if result.missing_keyring else '缺少密钥 ' + ', '.join(result.missing_key_ids)}。"
            f"请把原密钥文件放到 {config.evidence_keyring_path}（或设置 LIUHEN_EVIDENCE_KEY_FILE），"
            "再运行 liuhen verify。"
        )
    else:
        out.print("下一步：liuhen verify")


# --- org revoke -------------------------------------------------------------------------------------------


def org_revoke(staff_id: Annotated[str, typer.Argument(help="工号")]) -> None:
    """立即解除某人的 Telegram 绑定（如手机丢失）：此后该账号不再获得任何服务，须用新的登记码重新登记。"""
    from liuhen.app.usecases.revoke import RevokeError, revoke

    async def run(rt: Runtime) -> Revoked:
        return await revoke(
            rt.db.uow(), court_id=rt.court_id, staff_id=staff_id, clock=rt.clock, actor=CLI_ACTOR
        )

    try:
        result = with_runtime(run)
    except RevokeError as exc:
        from liuhen.texts import org as org_texts

        fail(org_texts.revoke_error(exc))
    who = f"{result.staff.name}（{staff_id}）"
    if result.was_bound:
        out.print(f"已解除 {who} 的 Telegram 绑定，该账号立即失去访问。")
    else:
        out.print(f"{who} 当前没有绑定 Telegram 账号。")
    if result.codes_expired:
        out.print(f"已作废未使用的登记码 {result.codes_expired} 个。")
    out.print(f"重新登记：liuhen org invite {staff_id}")


# --- init -------------------------------------------------------------------------------------------------


def init_keys(config: Settings) -> None:
    """`liuhen init`'s part: create what is missing, print the public key (never replace a key)."""
    import asyncio

    from liuhen.app import integrity
    from liuhen.domain.clock import SystemClock
    from liuhen.evidence.keys import KeyFileError
    from liuhen.texts.integrity import key_error

    try:
        keys = asyncio.run(integrity.ensure_keys(config, SystemClock()))
    except KeyFileError as exc:
        fail(key_error(exc))
    made = "已生成" if keys.signer_created else "已有"
    out.print(f"{made}检查点签名密钥：{keys.key_dir}（密钥编号 {keys.signer.key_id}）")
    out.print("检查点签名公钥（请另行保存一份，核验时使用；也可用 liuhen key export 导出）：")
    print(keys.signer.public_pem(), end="")
    made = "已生成" if keys.keyring_created else "已有"
    out.print(f"{made}证据加密密钥：{keys.keyring_path}（证据文件以 libsodium secretstream 加密存放）")
    if keys.inside_data_dir:
        err.print(
            "[yellow]提醒：[/yellow]密钥目前在数据目录之内。生产环境请用 LIUHEN_KEY_DIR / "
            "LIUHEN_EVIDENCE_KEY_FILE 把密钥放到另一块磁盘，并单独备份；丢失证据密钥即无法读取证据。"
        )
