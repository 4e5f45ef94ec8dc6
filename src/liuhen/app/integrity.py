"""Integrity wired together for the bot and the CLI: key files, signed checkpoints, trusted timestamps.

Settings say where the keys are (``LIUHEN_KEY_DIR``, ``LIUHEN_EVIDENCE_KEY_FILE``) and whether a timestamp
authority is used (``LIUHEN_TSA_URL``, ``LIUHEN_TSA_CA_FILE``); the use cases are in
``domain/services/integrity.py``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import structlog

from liuhen.app.runtime import Runtime
from liuhen.app.settings import Settings
from liuhen.app.usecases import integrity
from liuhen.app.usecases.integrity import CheckpointResult, LedgerBroken, Progress, VerifyReport
from liuhen.domain.checkpoints import Timestamper
from liuhen.domain.clock import Clock
from liuhen.evidence.keys import (
    Ed25519Signer,
    KeyFileError,
    PublicKeys,
    create_keyring,
    create_signer,
    load_signer,
    read_keyring,
)
from liuhen.evidence.store import FileEvidenceStore
from liuhen.evidence.timestamp import TimestampVerifier, TsaClient, load_certificates

log = structlog.get_logger(__name__)
_warned: set[Path] = set()


@dataclass(frozen=True)
class Keys:
    signer: Ed25519Signer
    signer_created: bool
    keyring_path: Path
    keyring_created: bool
    key_dir: Path
    inside_data_dir: bool  # fine for trying out; in production keep the keys on another disk


def _inside(path: Path, parent: Path) -> bool:
    return path.resolve().is_relative_to(parent.resolve())


def encrypted_file_exists(store: FileEvidenceStore) -> bool:
    for digest in store.iter_all():
        try:
            if store.key_id_of(digest) is not None:
                return True
        except FileNotFoundError:
            continue
    return False


async def ensure_keys(settings: Settings, clock: Clock) -> Keys:
    """`liuhen init`: the checkpoint signing key and the evidence keyring, each created if absent (never
    replaced). Refuses to create a new keyring when the store already holds files encrypted under a
    keyring that is missing: they would be unreadable; the old keyring must be put back."""
    signer, signer_created = create_signer(settings.keys_path)
    ring_path = settings.evidence_keyring_path
    if read_keyring(ring_path) is None:
        store = FileEvidenceStore(settings.data_dir / "evidence")
        if await asyncio.to_thread(encrypted_file_exists, store):
            raise KeyFileError(
                f"证据目录中已有加密文件，但找不到证据密钥文件 {ring_path}。请把原来的密钥文件放回"
                "（或设置 LIUHEN_EVIDENCE_KEY_FILE 指向它）；新建密钥将无法解密已有证据。"
            )
    _, keyring_created = create_keyring(ring_path, clock.now())
    return Keys(
        signer,
        signer_created,
        ring_path,
        keyring_created,
        settings.keys_path,
        _inside(settings.keys_path, settings.data_dir) or _inside(ring_path, settings.data_dir),
    )


def missing_keyring_problem(rt: Runtime) -> str | None:
    """A reason not to run: encrypted evidence and no keyring to read it with."""
    if rt.store.keyring is None and encrypted_file_exists(rt.store):
        return (
            f"证据已加密存放，但找不到证据密钥文件 {rt.settings.evidence_keyring_path}。"
            "请放回密钥文件或设置 LIUHEN_EVIDENCE_KEY_FILE。"
        )
    return None


def public_keys(settings: Settings, files: list[Path] | None = None) -> PublicKeys | None:
    """The keys verify trusts: the files given (an auditor's own copies), else the key directory's."""
    keys = PublicKeys.from_files(files) if files else PublicKeys.from_dir(settings.keys_path)
    return keys if keys else None


def timestamper(settings: Settings) -> Timestamper | None:
    if not settings.tsa_url:
        return None
    roots = load_certificates(settings.tsa_ca_file) if settings.tsa_ca_file else []
    return TsaClient(settings.tsa_url, roots=roots)


def timestamp_checker(settings: Settings) -> TimestampVerifier:
    return TimestampVerifier(load_certificates(settings.tsa_ca_file) if settings.tsa_ca_file else [])


async def take_checkpoint(
    rt: Runtime,
    *,
    force: bool = False,
    min_interval: timedelta | None = None,
    progress: Progress | None = None,
) -> CheckpointResult:
    """Sign a checkpoint now. Raises KeyFileError without a signing key, LedgerBroken over a broken ledger."""
    signer = load_signer(rt.settings.keys_path)
    if signer is None:
        raise KeyFileError(f"密钥目录 {rt.settings.keys_path} 中没有检查点签名私钥，请先运行 liuhen init")
    extra = {"progress": progress} if progress is not None else {}
    result = await integrity.take_checkpoint(
        rt.db.uow(read_only=True),
        rt.db.uow(),
        signer=signer,
        clock=rt.clock,
        timestamper=timestamper(rt.settings),
        keys=public_keys(rt.settings),
        min_interval=min_interval,
        force=force,
        **extra,
    )
    return result


async def scheduled_checkpoint(rt: Runtime, *, at_shutdown: bool = False) -> None:
    """The bot's daily checkpoint (when the last is older than ``LIUHEN_CHECKPOINT_SECONDS``) and the one at
    shutdown (whenever entries were appended since the last). Never raises: the bot keeps serving."""
    interval = None if at_shutdown else timedelta(seconds=rt.settings.checkpoint_seconds)
    try:
        result = await take_checkpoint(rt, min_interval=interval)
        if result.checkpoint is not None:
            cp = result.checkpoint
            log.info("checkpoint", tree_size=cp.tree_size, key_id=cp.key_id, timestamped=bool(cp.tsa_token))
        if result.timestamp_error:
            log.warning("checkpoint_timestamp_failed", error=result.timestamp_error)
    except KeyFileError as exc:
        if rt.settings.keys_path not in _warned:  # once per process, not every run of the job
            _warned.add(rt.settings.keys_path)
            log.warning("checkpoint_skipped", reason=str(exc))
    except LedgerBroken as exc:
        log.error("ledger_broken", problem=str(exc))
    except Exception as exc:  # a failed checkpoint must not stop the bot; it is tried again
        log.error("checkpoint_failed", error=repr(exc))


async def run_verify(
    rt: Runtime, *, actor: str, public_key_files: list[Path] | None = None, progress: Progress | None = None
) -> VerifyReport:
    """`liuhen verify` (and the demo page's button): check everything, then log the read in the ledger
    (verify decrypted every evidence file)."""
    extra = {"progress": progress} if progress is not None else {}
    report = await integrity.verify(
        rt.db.uow(read_only=True),
        files=rt.store,
        keys=public_keys(rt.settings, public_key_files),
        timestamps=timestamp_checker(rt.settings),
        **extra,
    )
    async with rt.db.uow() as uow:
        await uow.ledger.append(
            actor=actor,
            action="integrity.verify",
            object_type="deployment",
            object_id=rt.settings.court_code,
            payload={
                "ok": report.ok,
                "entries": report.entries,
                "files": report.files,
                "problems": len(report.problems),
            },
        )
        await uow.commit()
    return report


def report_lines(r: VerifyReport, limit: int = 50) -> list[str]:
    """The report as the operator reads it (Chinese; the first problem first)."""
    kinds = {p.kind.value for p in r.problems}

    def mark(ok: bool) -> str:
        return "✔" if ok else "✘"

    checkpoints = (
        f"{r.checkpoints} 个，最新覆盖条目 1–{r.covered}，其中 {r.timestamped} 个带可信时间戳"
        if r.checkpoints
        else "尚无"
    )
    lines = [
        f"{mark(not kinds & {'ledger', 'ledger_head'})} 账本：{r.entries} 条（账本头 #{r.head_seq}）",
        f"{mark('checkpoint' not in kinds)} 签名检查点：{checkpoints}",
        f"{mark('evidence' not in kinds)} 证据登记：每件证据与账本中收到它时的登记一致",
        f"{mark('file' not in kinds)} 文件：{r.files} 个（{r.referenced} 个被记录或控告引用）",
    ]
    lines += [f"提醒：{note}" for note in r.notes]
    if r.ok:
        lines.append("核验通过：账本、证据登记与全部文件完好。")
        return lines
    lines.append(f"核验未通过：发现 {len(r.problems)} 处问题。第一处：{r.problems[0].text()}")
    lines += [f"  · {p.text()}" for p in r.problems[1:limit]]
    if len(r.problems) > limit:
        lines.append(f"  …… 另有 {len(r.problems) - limit} 处（--json 列出全部）")
    return lines
