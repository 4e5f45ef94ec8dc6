"""Checkpoints chain to each other, and the latest signed head is kept outside the database: deleting
checkpoints — in the middle, or the newest together with the ledger's tail and the head row — is seen by
`liuhen verify` (seed 003 §12, seed 004 §15: 全程留痕、永久存储、有据可查)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update

from liuhen.app import integrity
from liuhen.app.usecases import integrity as usecase
from liuhen.app.usecases.integrity import LedgerBroken, VerifyNote
from liuhen.domain.checkpoints import (
    EMPTY_TREE_ROOT,
    Checkpoint,
    Finding,
    ProblemKind,
    SignedHeadUnreadable,
    TimestampUnavailable,
    parse_signed_head,
    signed_head_document,
    statement,
)
from liuhen.domain.merkle import tree_head
from liuhen.evidence.keys import load_signer
from liuhen.storage import tables as t
from liuhen.texts import integrity as texts
from tests.integrity_world import World, make_world, rechain
from tests.timeline import liuhen, timeline_env


async def note(world: World, n: int = 1) -> None:
    for i in range(n):
        async with world.rt.db.uow() as uow:
            await uow.ledger.append(actor="t", action="t", object_type="t", object_id=str(i), payload={})
            await uow.commit()


async def checkpoint(world: World) -> Checkpoint:
    result = await integrity.take_checkpoint(world.rt)
    assert result.checkpoint is not None and result.head_file_error is None
    return result.checkpoint


async def sql(world: World, statement: str, **params: object) -> None:
    async with world.rt.db.engine.begin() as conn:
        await conn.execute(text(statement), params)


async def cut_tail_and_rewind_head(world: World, keep: int) -> None:
    """What a database writer does to hide the last entries: delete them and point the head row back."""
    async with world.rt.db.engine.begin() as conn:
        await conn.execute(delete(t.ledger).where(t.ledger.c.seq > keep))
        last = (await conn.execute(select(t.ledger).where(t.ledger.c.seq == keep))).one()
        await conn.execute(update(t.ledger_head).values(seq=last.seq, entry_hash=last.entry_hash))


async def test_checkpoints_name_the_one_before_and_the_head_file_is_written(
    db_url: str, tmp_path: Path
) -> None:
    world = await make_world(db_url, tmp_path / "data", files=2)
    try:
        first = await checkpoint(world)
        assert (first.prev_tree_size, first.prev_root) == (0, EMPTY_TREE_ROOT)
        await note(world, 3)
        second = await checkpoint(world)
        assert (second.prev_tree_size, second.prev_root) == (first.tree_size, first.root)
        assert b'"previous"' in statement(second) and b'"v":2' in statement(second)
        head_file = integrity.signed_head_path(world.settings)
        assert head_file == tmp_path / "data" / "signed-head.json"
        kept = parse_signed_head(head_file.read_bytes())
        assert statement(kept) == statement(second) and kept.signature == second.signature
        report = await integrity.run_verify(world.rt, actor="test")
        assert report.ok, report.problems
        assert report.signed_head == second.tree_size and report.head_file == str(head_file)
        assert any(line.startswith("✔ 签名头") for line in texts.report_lines(report))
    finally:
        await world.close()


async def test_checkpoints_from_before_the_chaining_still_verify(db_url: str, tmp_path: Path) -> None:
    world = await make_world(db_url, tmp_path / "data", files=2)
    try:
        signer = load_signer(world.settings.keys_path)
        assert signer is not None
        async with world.rt.db.uow(read_only=True) as uow:
            head = await uow.ledger.head()
            entries = list(await uow.ledger.entries(after=0, limit=10_000))
        assert head is not None
        old = Checkpoint(
            seq=head[0],
            tree_size=head[0],
            root=tree_head(bytes.fromhex(e.entry_hash) for e in entries).hex(),
            last_entry_hash=head[1],
            signed_at=world.clock.now(),
            key_id=signer.key_id,
            signature="",
        )
        assert b'"previous"' not in statement(old) and b'"v":1' in statement(old)
        old.signature = signer.sign(statement(old)).hex()
        async with world.rt.db.uow() as uow:
            await uow.integrity.add_checkpoint(old)
            await uow.commit()
        assert (await integrity.run_verify(world.rt, actor="test")).ok
        await note(world)
        chained = await checkpoint(world)  # the chain starts here, naming the old one
        assert (chained.prev_tree_size, chained.prev_root) == (old.tree_size, old.root)
        report = await integrity.run_verify(world.rt, actor="test")
        assert report.ok, report.problems
    finally:
        await world.close()


async def test_a_checkpoint_deleted_in_the_middle_breaks_the_chain(db_url: str, tmp_path: Path) -> None:
    world = await make_world(db_url, tmp_path / "data", files=1)
    try:
        cps = []
        for _ in range(3):
            await note(world, 2)
            cps.append(await checkpoint(world))
        await sql(world, "DELETE FROM checkpoints WHERE id = :i", i=cps[1].id)
        report = await world.verify()  # the database alone: no head file needed
        assert [(p.kind, p.reason) for p in report.problems] == [
            (ProblemKind.CHECKPOINT, Finding.PREVIOUS_MISSING)
        ]
        words = texts.problem(report.problems[0])
        assert f"检查点 #{cps[2].id}" in words and f"覆盖条目 1–{cps[1].tree_size}" in words
        assert "检查点被删除" in words
        # the first one deleted: the second no longer finds it either
        await sql(world, "DELETE FROM checkpoints WHERE id = :i", i=cps[0].id)
        report = await world.verify()
        assert {p.reason for p in report.problems} == {Finding.PREVIOUS_MISSING}
    finally:
        await world.close()


async def test_a_deleted_newest_checkpoint_shows_against_the_head_file(db_url: str, tmp_path: Path) -> None:
    world = await make_world(db_url, tmp_path / "data", files=1)
    try:
        await checkpoint(world)
        await note(world, 2)
        newest = await checkpoint(world)
        await sql(world, "DELETE FROM checkpoints WHERE id = :i", i=newest.id)
        assert (await world.verify()).ok  # the database alone is consistent: a shorter chain
        report = await integrity.run_verify(world.rt, actor="test")
        assert [(p.kind, p.reason) for p in report.problems] == [
            (ProblemKind.SIGNED_HEAD, Finding.CHECKPOINT_DELETED)
        ]
        assert "最新的检查点被删除" in texts.problem(report.problems[0])
        # and no new checkpoint is signed over it (it would replace the head file that shows it)
        await note(world)
        with pytest.raises(LedgerBroken) as refused:
            await integrity.take_checkpoint(world.rt)
        assert refused.value.problem.reason is Finding.CHECKPOINT_DELETED
        kept = parse_signed_head(integrity.signed_head_path(world.settings).read_bytes())
        assert kept.signature == newest.signature
    finally:
        await world.close()


async def test_checkpoint_deleted_tail_cut_and_head_rewound_are_caught_by_the_head_file(
    db_url: str, tmp_path: Path
) -> None:
    """The combined attack: every trace in the database is consistent; only the signed head is not."""
    world = await make_world(db_url, tmp_path / "data", files=2)
    try:
        before = await checkpoint(world)
        await note(world, 5)
        last = await checkpoint(world)
        copy = tmp_path / "auditor" / "signed-head.json"  # the head kept elsewhere
        copy.parent.mkdir()
        shutil.copy(integrity.signed_head_path(world.settings), copy)

        await sql(world, "DELETE FROM checkpoints WHERE id = :i", i=last.id)
        await cut_tail_and_rewind_head(world, before.tree_size + 1)
        assert (await world.verify()).ok  # nothing in the database shows it

        for against in (None, copy):
            report = await integrity.run_verify(world.rt, actor="test", against=against)
            assert not report.ok
            assert {(p.kind, p.reason) for p in report.problems} == {
                (ProblemKind.SIGNED_HEAD, Finding.BEYOND_LEDGER),
                (ProblemKind.SIGNED_HEAD, Finding.CHECKPOINT_DELETED),
            }
            first = texts.problem(report.problems[0])
            assert first.startswith(f"签名头文件（覆盖条目 1–{last.tree_size}）")
            assert f"账本现在只有 {before.tree_size + 1} 条（账本被截断或回退）" in first
    finally:
        await world.close()

    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env.update(
        timeline_env(),
        LIUHEN_DATA_DIR=str(tmp_path / "data"),
        LIUHEN_DATABASE_URL=db_url,
        LIUHEN_COURT_NAME="测试县人民法院",
        COLUMNS="200",
    )
    run = cli(env, "verify", "--against", str(copy))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "签名头文件" in run.stderr and "账本被截断或回退" in run.stderr
    data = json.loads(cli(env, "verify", "--json", "--against", str(copy)).stdout)
    assert data["ok"] is False and data["first_problem"]["kind"] == "signed_head"
    default = cli(env, "verify")  # the head file beside the data, without --against
    assert default.returncode == 1 and "账本被截断或回退" in default.stderr
    missing = cli(env, "verify", "--against", str(tmp_path / "nowhere.json"))
    assert missing.returncode == 2 and "签名头文件无法使用" in missing.stderr


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(liuhen(*args), env=env, capture_output=True, text=True, timeout=120)


async def test_a_consistently_rewritten_ledger_shows_against_the_head_file(
    db_url: str, tmp_path: Path
) -> None:
    world = await make_world(db_url, tmp_path / "data", files=2)
    try:
        signed = await checkpoint(world)
        async with world.rt.db.engine.begin() as conn:
            rows = [dict(r._mapping) for r in await conn.execute(select(t.ledger).order_by(t.ledger.c.seq))]
            prev = rows[1]["entry_hash"]
            rows[2]["payload"] = {**rows[2]["payload"], "改写": True}
            prev = rechain(rows[2:], prev)
            for row in rows[2:]:
                await conn.execute(update(t.ledger).where(t.ledger.c.seq == row["seq"]).values(**row))
            await conn.execute(update(t.ledger_head).values(seq=rows[-1]["seq"], entry_hash=prev))
            await conn.execute(delete(t.checkpoints))
        report = await world.verify()
        assert report.ok and VerifyNote.NO_CHECKPOINT in report.notes  # as if never signed
        report = await integrity.run_verify(world.rt, actor="test")
        assert [(p.kind, p.reason) for p in report.problems] == [
            (ProblemKind.SIGNED_HEAD, Finding.ROOT_MISMATCH),
            (ProblemKind.SIGNED_HEAD, Finding.CHECKPOINT_DELETED),
        ]
        assert "账本被改写" in texts.problem(report.problems[0])
        assert report.signed_head == signed.tree_size
    finally:
        await world.close()


async def test_a_forged_or_damaged_head_file_is_named(db_url: str, tmp_path: Path) -> None:
    world = await make_world(db_url, tmp_path / "data", files=1)
    try:
        cp = await checkpoint(world)
        path = integrity.signed_head_path(world.settings)
        # a head that claims more than was signed
        forged = dataclasses.replace(cp, tree_size=cp.tree_size + 5, seq=cp.seq + 5, id=None)
        path.write_bytes(signed_head_document(forged))
        report = await integrity.run_verify(world.rt, actor="test")
        assert (ProblemKind.SIGNED_HEAD, Finding.BAD_SIGNATURE) in {
            (p.kind, p.reason) for p in report.problems
        }
        path.write_bytes(b"{not json")
        report = await integrity.run_verify(world.rt, actor="test")
        assert report.problems[0].reason is Finding.HEAD_FILE_UNREADABLE
        assert texts.problem(report.problems[0]).startswith("签名头文件：无法读取：不是 JSON")
        with pytest.raises(LedgerBroken):  # nothing is signed while the head cannot be read
            await integrity.take_checkpoint(world.rt, force=True)
        with pytest.raises(SignedHeadUnreadable):
            await integrity.run_verify(world.rt, actor="test", against=tmp_path / "absent.json")
        path.unlink()  # no head file: told, not failed (a restored copy has none)
        report = await integrity.run_verify(world.rt, actor="test")
        assert report.ok and VerifyNote.NO_SIGNED_HEAD in report.notes
        assert (await integrity.take_checkpoint(world.rt, force=True)).checkpoint is not None
        assert path.exists()
    finally:
        await world.close()


async def test_two_signers_at_once_never_break_the_chain(db_url: str, tmp_path: Path) -> None:
    """`liuhen checkpoint` while the bot's job signs: the one that commits second is dropped."""
    world = await make_world(db_url, tmp_path / "data", files=1)
    try:
        await checkpoint(world)
        await note(world, 2)
        signer = load_signer(world.settings.keys_path)
        assert signer is not None
        other: list[Checkpoint] = []

        class OtherSignerMeanwhile:  # the time the TSA takes is when the other signer commits
            async def stamp(self, message: bytes) -> tuple[str, datetime]:
                result = await integrity.take_checkpoint(world.rt, force=True)
                assert result.checkpoint is not None
                other.append(result.checkpoint)
                raise TimestampUnavailable("no TSA in this test")

        result = await usecase.take_checkpoint(
            world.rt.db.uow(read_only=True),
            world.rt.db.uow(),
            signer=signer,
            clock=world.clock,
            timestamper=OtherSignerMeanwhile(),
            keys=integrity.public_keys(world.settings),
        )
        assert result.checkpoint is None and result.skipped == "raced" and other
        report = await integrity.run_verify(world.rt, actor="test")
        assert report.ok, report.problems
        assert report.signed_head == other[0].tree_size
    finally:
        await world.close()


async def test_an_evidence_row_deleted_with_its_files_is_found(db_url: str, tmp_path: Path) -> None:
    """Evidence rows are never deleted: the ledger entry that took one in still names it."""
    world = await make_world(db_url, tmp_path / "data", files=3)
    try:
        assert (await world.verify()).ok
        async with world.rt.db.engine.begin() as conn:
            row = (
                await conn.execute(select(t.evidence).where(t.evidence.c.sha256 == world.digests[1]))
            ).one()
            await conn.execute(delete(t.callbacks).where(t.callbacks.c.evidence_id == row.id))
            await conn.execute(delete(t.evidence).where(t.evidence.c.id == row.id))
        for digest in (row.sha256, row.message_sha256):
            path = world.rt.store.path_for(digest)
            path.chmod(0o600)
            path.unlink()
        report = await world.verify()
        assert [(p.kind, p.reason) for p in report.problems] == [
            (ProblemKind.EVIDENCE, Finding.ROW_MISSING),  # the entry that took it in
            (ProblemKind.STATE, Finding.SEALED_ROW_GONE),  # and the seal of the row as it last was
        ]
        assert "证据行被删除" in texts.problem(report.problems[0])
        assert texts.problem(report.problems[0]).startswith("条目 #")
        assert str(row.id) in texts.problem(report.problems[1]) and "证据登记行" in texts.problem(
            report.problems[1]
        )
    finally:
        await world.close()


async def test_liuhen_checkpoint_says_where_the_signed_head_is(db_url: str, tmp_path: Path) -> None:
    world = await make_world(db_url, tmp_path / "data", files=1)
    await world.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env.update(
        timeline_env(),
        LIUHEN_DATA_DIR=str(tmp_path / "data"),
        LIUHEN_DATABASE_URL=db_url,
        LIUHEN_COURT_NAME="测试县人民法院",
        COLUMNS="300",
    )
    run = cli(env, "checkpoint")
    assert run.returncode == 0, run.stderr
    assert f"签名头已写入 {tmp_path / 'data' / 'signed-head.json'}" in run.stdout
    ok = cli(env, "verify")
    assert ok.returncode == 0 and "✔ 签名头" in ok.stdout, ok.stdout + ok.stderr
