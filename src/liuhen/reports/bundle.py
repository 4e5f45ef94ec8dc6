"""The evidence bundle for the case file (入卷): a zip a recipient can check without liuhen.

Contents::

    evidence/<sha256>        every stored original, named by the SHA-256 of its bytes (plaintext: read through
                             the store, which checks the hash on the way)
    messages/<sha256>.json   the raw Telegram message each item came in (provenance: sender, forward origin)
    manifest.json            per item: hash, size, type, provenance, times, ledger position; and the file list
    manifest.pdf             the same for the paper file, with the SHA-256 of manifest.json
    verify.py                plain Python 3 (standard library only): re-hashes every file against the manifest
    README.txt               how to check it

Seed 000 (Caixin) and docs/domain.md "Reports": the record belongs in the case file; docs/architecture.md
"Nothing is
deleted": every item keeps its ledger position, so the bundle can be tied to the hash-chained audit ledger.
Exporting is a read of the record (need-to-know and ledger: ``domain.services.access.read_record``).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import zipfile
from datetime import datetime, tzinfo
from typing import Any

from reportlab.platypus import Flowable
from sqlalchemy import select

from liuhen.app.usecases import access
from liuhen.domain.access import Operator
from liuhen.domain.model import Staff
from liuhen.domain.records import Evidence, EvidenceState, Record
from liuhen.evidence.store import FileEvidenceStore
from liuhen.reports import pdf
from liuhen.reports.common import local_time, record_by_ref
from liuhen.reports.registration import STATE_WORDS
from liuhen.storage import tables as t
from liuhen.storage.database import Database
from liuhen.texts import labels
from liuhen.texts.labels import evidence_kind, human_size

FORMAT = "liuhen-evidence-bundle/1"
LEDGER_ACTIONS = ("evidence.add", "evidence.file", "evidence.move")

VERIFY_PY = '''#!/usr/bin/env python3
"""Check this evidence bundle: every file listed in manifest.json must have its SHA-256 and size.

Usage:  python3 verify.py        (standard library only; exit code 0 = all intact, 1 = something is wrong)
"""

import hashlib
import json
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    manifest = json.loads((here / "manifest.json").read_text(encoding="utf-8"))
    bad = 0
    for item in manifest["files"]:
        path = here / item["path"]
        if not path.is_file():
            print("MISSING  " + item["path"])
            bad += 1
            continue
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
        ok = digest.hexdigest() == item["sha256"] and size == item["size"]
        print(("OK       " if ok else "CHANGED  ") + item["path"])
        bad += not ok
    for item in manifest["evidence"]:
        if item["file"] is None:
            print("NOT IN BUNDLE  evidence #%s (%s): %s" % (item["seq"], item["state"], item["note"]))
    total = len(manifest["files"])
    if bad:
        print("FAILED: %d of %d files missing or changed / 校验失败" % (bad, total))
        return 1
    print("ALL %d FILES INTACT / 全部 %d 个文件校验一致" % (total, total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''

README = """留痕 liuhen 证据材料包（入卷用）

记录编号：{number}
生成时间：{generated}
生成人：{reader}

evidence/   证据原件，文件名即其 SHA-256 校验值
messages/   收到每件证据的原始 Telegram 消息记录（来源信息）
manifest.json / manifest.pdf   清单：校验值、大小、类型、来源、时间、审计日志位置

校验方法（无需安装留痕系统，只需 Python 3）：

    python3 verify.py

全部一致时输出 "ALL n FILES INTACT"，退出码 0；有缺失或改动时逐项列出，退出码 1。
也可用任何 SHA-256 工具（如 sha256sum、certutil -hashfile 文件 SHA256）逐个核对文件名与校验值。
manifest.json 本身的 SHA-256 印在 manifest.pdf 上：{manifest_sha256}
"""


def _ledger_positions(rows: list[Any], evidence: list[Evidence]) -> dict[int, dict[str, Any]]:
    """The ledger entry that took each item in: its position (seq), hash, action and time."""
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        payload = row.payload or {}
        for e in evidence:
            if e.id is None or payload.get("evidence") != e.seq:
                continue
            if payload.get("sha256") not in (None, e.sha256):
                continue
            entry = {
                "seq": row.seq,
                "entry_hash": row.entry_hash,
                "action": row.action,
                "at": row.at.isoformat(),
            }
            # keep the entry that filed the bytes (evidence.file after a retry), else the first
            if e.id not in found or (payload.get("sha256") and row.action == "evidence.file"):
                found[e.id] = entry
    return found


def _provenance(e: Evidence) -> dict[str, Any]:
    return {
        "origin": e.origin or {},
        "chat_id": e.chat_id,
        "message_id": e.message_id,
        "update_id": e.update_id,
        "media_group_id": e.media_group_id,
        "file_name": e.file_name,
        "photo_compressed": e.photo_compressed,
    }


async def _load(
    db: Database, *, reader: Staff | Operator, ref: str, now: datetime, tz: tzinfo
) -> tuple[Record, list[Evidence], dict[int, dict[str, Any]]]:
    async with db.uow() as uow:
        found = await record_by_ref(uow, reader.court_id, ref)
        try:
            record = await access.read_record(
                uow, staff=reader, record=found, what="evidence_bundle", today=now.astimezone(tz).date()
            )
        except access.AccessDenied:
            await uow.commit()
            raise
        assert record.id is not None
        evidence = list(await uow.evidence.for_record(record.id))
        lg = t.ledger.c
        rows = (
            await uow.session.execute(
                select(lg.seq, lg.entry_hash, lg.action, lg.at, lg.payload)
                .where(
                    lg.object_type == "record", lg.object_id == record.number, lg.action.in_(LEDGER_ACTIONS)
                )
                .order_by(lg.seq)
            )
        ).all()
        await uow.commit()
    return record, evidence, _ledger_positions(list(rows), evidence)


async def evidence_bundle(
    db: Database,
    store: FileEvidenceStore,
    *,
    reader: Staff | Operator,
    ref: str,
    now: datetime,
    tz: tzinfo,
    court_name: str,
) -> tuple[str, bytes]:
    """(record number, zip bytes); raises ``AccessDenied`` for an unknown record or a forbidden reader."""
    record, evidence, ledger = await _load(db, reader=reader, ref=ref, now=now, tz=tz)
    files: dict[str, dict[str, Any]] = {}
    blobs: dict[str, bytes] = {}
    items: list[dict[str, Any]] = []
    for e in evidence:
        path = message_path = None
        note = ""
        if e.state == EvidenceState.STORED.value and e.sha256:
            try:
                data = await store.read(e.sha256)  # decoded and checked against its hash
            except (OSError, ValueError) as exc:
                note = f"存储文件缺失或损坏（{type(exc).__name__}），请运行 liuhen verify"
            else:
                path = f"evidence/{e.sha256}"
                blobs[path] = data
                files[path] = {"path": path, "sha256": e.sha256, "size": len(data), "role": "evidence"}
        else:
            note = STATE_WORDS.get(e.state, e.state)
        if e.message_sha256 and e.message_sha256 != e.sha256:
            try:
                message = await store.read(e.message_sha256)
            except (OSError, ValueError):
                message = None
            if message is not None:
                message_path = f"messages/{e.message_sha256}.json"
                blobs[message_path] = message
                files[message_path] = {
                    "path": message_path,
                    "sha256": e.message_sha256,
                    "size": len(message),
                    "role": "message",
                }
        elif e.message_sha256 and path:
            message_path = path  # a text message: the message itself is the evidence
        items.append(
            {
                "seq": e.seq,
                "kind": e.kind,
                "kind_label": evidence_kind(e.kind),
                "state": e.state,
                "sha256": e.sha256,
                "size": e.size,
                "media_type": e.media_type,
                "file": path,
                "message_sha256": e.message_sha256,
                "message_file": message_path,
                "received_at": e.received_at.isoformat(),
                "stored_at": e.stored_at.isoformat() if e.stored_at else None,
                "provenance": _provenance(e),
                "ocr_text": (e.inspection or {}).get("ocr_text"),
                "ledger": ledger.get(e.id or -1),
                "note": note,
            }
        )
    manifest = {
        "format": FORMAT,
        "court": court_name,
        "record": record.number,
        "record_version": record.version,
        "generated_at": now.isoformat(),
        "generated_by": {"staff_id": reader.staff_id, "name": reader.name}
        if isinstance(reader, Staff)
        else {"staff_id": reader.actor, "name": labels.OPERATOR},
        "hash": "sha256",
        "evidence": items,
        "files": sorted(files.values(), key=lambda f: f["path"]),
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
    manifest_pdf = await asyncio.to_thread(_manifest_pdf, manifest, manifest_sha, tz)
    readme = README.format(
        number=record.number,
        generated=local_time(now, tz),
        reader=labels.reader(reader),
        manifest_sha256=manifest_sha,
    )
    return record.number, await asyncio.to_thread(_zip, blobs, manifest_bytes, manifest_pdf, readme, now, tz)


def _zip(
    blobs: dict[str, bytes], manifest: bytes, manifest_pdf: bytes, readme: str, now: datetime, tz: tzinfo
) -> bytes:
    buffer = io.BytesIO()
    stamp = now.astimezone(tz).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:

        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)

        add("README.txt", readme.encode("utf-8"))
        add("verify.py", VERIFY_PY.encode("utf-8"))
        add("manifest.json", manifest)
        add("manifest.pdf", manifest_pdf)
        for name in sorted(blobs):
            add(name, blobs[name])
    return buffer.getvalue()


def _manifest_pdf(manifest: dict[str, Any], manifest_sha: str, tz: tzinfo) -> bytes:
    mm = pdf.mm
    by = manifest["generated_by"]
    story: list[Flowable] = [
        pdf.para(manifest["court"], "subtitle"),
        pdf.title("证据材料清单"),
        pdf.para(
            f"记录编号：{manifest['record']}（第 {manifest['record_version']} 版）　"
            f"生成：{local_time(manifest['generated_at'], tz)}，{by['name']}（{by['staff_id']}）",
            "small",
        ),
        pdf.code("manifest.json 的 SHA-256：", manifest_sha, "small"),
        pdf.Spacer(1, 3 * mm),
    ]
    rows: list[list[object]] = [["序号", "类型", "大小", "校验值、来源与审计位置"]]
    for item in manifest["evidence"]:
        origin = item["provenance"]["origin"]
        source = (
            "记录人本人发送"
            if origin.get("type", "direct") == "direct"
            else f"转发自“{origin.get('name') or origin.get('chat_title') or '未知'}”"
        )
        if origin.get("date"):
            source += f"，原消息时间 {local_time(origin['date'], tz)}"
        ledger = item["ledger"]
        cell: list[Flowable] = [
            pdf.code("SHA-256：", item["sha256"]),
            pdf.code("文件：", item["file"] or "（未收入本包）"),
            pdf.para(f"来源：{source}", "cell"),
            pdf.para(
                f"收到：{local_time(item['received_at'], tz, seconds=True)}　"
                f"存储：{local_time(item['stored_at'], tz, seconds=True)}",
                "cell",
            ),
        ]
        if item["message_file"] and item["message_file"] != item["file"]:
            cell.append(pdf.code("原始消息：", item["message_file"]))
        if ledger:
            cell.append(pdf.code(f"审计日志第 {ledger['seq']} 条，哈希：", ledger["entry_hash"]))
        if item["note"]:
            cell.append(pdf.para(f"说明：{item['note']}", "cell"))
        rows.append(
            [
                str(item["seq"]),
                f"{item['kind_label']}\n{item['media_type'] or ''}",
                human_size(item["size"]),
                cell,
            ]
        )
    if len(rows) == 1:
        rows.append(["—", "—", "—", "无证据材料"])
    story.append(pdf.table(rows, col_widths=[12 * mm, 26 * mm, 18 * mm, pdf.frame_width() - 56 * mm]))
    story.append(
        pdf.para(
            "校验方法：解压后运行 python3 verify.py（只需 Python 3 标准库），或用任何 SHA-256 工具核对"
            "每个文件的校验值与其文件名。",
            "small",
        )
    )
    return pdf.build(
        story, title=f"证据材料清单 {manifest['record']}", header=f"{manifest['court']}｜证据材料清单"
    )
