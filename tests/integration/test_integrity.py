"""Checkpoints, `liuhen verify`, `liuhen org revoke` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from liuhen.app import integrity
from liuhen.app.runtime import open_runtime
from liuhen.app.usecases import enrolment
from liuhen.app.usecases.integrity import LedgerBroken, VerifyNote, verify
from liuhen.domain.checkpoints import ProblemKind
from liuhen.evidence.keys import create_signer
from liuhen.texts import integrity as texts
from tests.integrity_world import add_evidence, make_world, settings_for
from tests.timeline import Timeline, liuhen, timeline_env


async def sql(world, statement: str, **params: object) -> None:  # type: ignore[no-untyped-def]
    async with world.rt.db.engine.begin() as conn:
        await conn.execute(text(statement), params)


async def test_a_checkpoint_is_signed_and_everything_verifies(db_url: str, tmp_path: Path) -> None:
    world = await make_world(db_url, tmp_path / "data", files=5)
    try:
        report = await world.verify()
        assert report.ok, report.problems
        assert report.checkpoints == 0 and report.notes  # told to take one
        assert report.referenced == 10  # 5 files + 5 message JSON blobs
        result = await integrity.take_checkpoint(world.rt)
        cp = result.checkpoint
        assert cp is not None and cp.tree_size == report.entries == cp.seq
        report = await world.verify()
        assert report.ok and report.checkpoints == 1 and report.covered == report.entries and not report.notes
        # nothing new: nothing signed; the daily job waits a day
        assert (await integrity.take_checkpoint(world.rt)).skipped == "unchanged"
        async with world.rt.db.uow() as uow:
            await uow.ledger.append(actor="t", action="t", object_type="t", object_id="1", payload={})
            await uow.commit()
        daily = timedelta(days=1)
        assert (await integrity.take_checkpoint(world.rt, min_interval=daily)).skipped == "recent"
        world.clock.set(world.clock.now() + timedelta(days=1, seconds=1))
        second = await integrity.take_checkpoint(world.rt, min_interval=daily)
        assert second.checkpoint is not None and second.checkpoint.tree_size == cp.tree_size + 1
        assert (await world.verify()).ok
    finally:
        await world.close()


async def test_files_no_row_names_are_reported(db_url: str, tmp_path: Path) -> None:
    """A file in the store that no evidence row names: a crash between the file and its row leaves one, a
    deleted row does too; verify lists it either way (seed 004 §15: 有据可查)."""
    world = await make_world(db_url, tmp_path / "data", files=2)
    try:
        stray = await world.rt.store.put_bytes(b"written, never registered")
        report = await world.verify()
        assert report.unreferenced == [stray.sha256]
        assert VerifyNote.UNREFERENCED in report.notes
        text = "\n".join(texts.report_lines(report))
        assert "1 个文件没有任何登记行引用" in text and stray.sha256[:12] in text
        assert texts.report_json(report)["unreferenced_files"] == [stray.sha256]
    finally:
        await world.close()


async def test_nothing_broken_is_ever_signed(db_url: str, tmp_path: Path) -> None:
    world = await make_world(db_url, tmp_path / "data", files=2)
    try:
        first = await integrity.take_checkpoint(world.rt)
        assert first.checkpoint is not None
        for i in range(3):
            async with world.rt.db.uow() as uow:
                await uow.ledger.append(actor="t", action="t", object_type="t", object_id=str(i), payload={})
                await uow.commit()
        after = first.checkpoint.tree_size + 2
        # an entry after the last checkpoint changed: its chain is checked before signing
        await sql(world, "UPDATE ledger SET actor = 'mallory' WHERE seq = :s", s=after)
        with pytest.raises(LedgerBroken) as broken:
            await integrity.take_checkpoint(world.rt)
        assert texts.problem(broken.value.problem) == f"条目 #{after}：条目哈希不符"
        await sql(world, "UPDATE ledger SET actor = 't' WHERE seq = :s", s=after)
        # an entry the last checkpoint covers was re-hashed: its root no longer holds
        await sql(world, "UPDATE ledger SET entry_hash = :h WHERE seq = 3", h="0" * 64)
        with pytest.raises(LedgerBroken) as broken:
            await integrity.take_checkpoint(world.rt)
        assert "默克尔树根" in texts.problem(broken.value.problem)
        async with world.rt.db.uow(read_only=True) as uow:
            assert len(await uow.integrity.checkpoints()) == 1
    finally:
        await world.close()


async def test_a_forged_previous_checkpoint_is_not_built_upon(db_url: str, tmp_path: Path) -> None:
    world = await make_world(db_url, tmp_path / "data", files=1)
    try:
        first = await integrity.take_checkpoint(world.rt)
        assert first.checkpoint is not None
        async with world.rt.db.uow() as uow:
            await uow.ledger.append(actor="t", action="t", object_type="t", object_id="1", payload={})
            await uow.commit()
        forged = ("0" if first.checkpoint.signature[0] != "0" else "1") + first.checkpoint.signature[1:]
        await sql(world, "UPDATE checkpoints SET signature = :s", s=forged)
        with pytest.raises(LedgerBroken) as broken:
            await integrity.take_checkpoint(world.rt)
        assert "签名无效" in texts.problem(broken.value.problem)
    finally:
        await world.close()


async def test_a_cut_tail_is_found_by_the_head_and_by_the_checkpoint(db_url: str, tmp_path: Path) -> None:
    world = await make_world(db_url, tmp_path / "data", files=2, extra_entries=10)
    try:
        await integrity.take_checkpoint(world.rt)
        async with world.rt.db.uow(read_only=True) as uow:
            head = await uow.ledger.head()
        assert head is not None
        await sql(world, "DELETE FROM ledger WHERE seq > :n", n=head[0] - 3)
        report = await world.verify()
        assert {p.kind for p in report.problems} == {ProblemKind.HEAD, ProblemKind.CHECKPOINT}
        # the attacker also rewinds the head: the signed checkpoint still knows how long the ledger was
        async with world.rt.db.engine.begin() as conn:
            last = (
                await conn.execute(text("SELECT seq, entry_hash FROM ledger ORDER BY seq DESC LIMIT 1"))
            ).one()
            await conn.execute(
                text("UPDATE ledger_head SET seq = :s, entry_hash = :h"),
                {"s": last.seq, "h": last.entry_hash},
            )
        report = await world.verify()
        assert [p.kind for p in report.problems] == [ProblemKind.CHECKPOINT]
        assert f"已签名覆盖 {head[0]} 条" in texts.reason(report.problems[0])
    finally:
        await world.close()


async def test_signatures_need_the_right_public_key(db_url: str, tmp_path: Path) -> None:
    world = await make_world(db_url, tmp_path / "data", files=1)
    try:
        await integrity.take_checkpoint(world.rt)
        keys = world.settings.keys_path
        report = await world.verify()
        assert report.ok
        other, _ = create_signer(tmp_path / "other-keys")  # an auditor trusting only another key
        report = await verify(
            world.rt.db.uow(read_only=True),
            files=world.rt.store,
            keys=integrity.public_keys(
                world.settings, [tmp_path / "other-keys" / f"checkpoint-{other.key_id}.pub.pem"]
            ),
        )
        assert [p.kind for p in report.problems] == [ProblemKind.CHECKPOINT]
        assert "不在已知公钥之列" in texts.reason(report.problems[0])
        report = await verify(world.rt.db.uow(read_only=True), files=world.rt.store, keys=None)
        assert not report.ok and "没有可用的签名公钥" in texts.reason(report.problems[0])
        assert list(keys.glob("checkpoint-*.pub.pem"))
    finally:
        await world.close()


# --- the command line -------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env.update(timeline_env())  # the world below is built at START, where the timeline begins
    env.update(
        LIUHEN_DATA_DIR=str(tmp_path / "data"),
        LIUHEN_DATABASE_URL=db_url,
        LIUHEN_COURT_NAME="测试县人民法院",
        LIUHEN_BOT_USERNAME="court_liuhen_bot",
        COLUMNS="200",
    )
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cwd = Path(env["LIUHEN_DATA_DIR"]).parent
    return subprocess.run(liuhen(*args), env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


async def test_verify_from_the_command_line(db_url: str, tmp_path: Path, cli_env: dict[str, str]) -> None:
    world = await make_world(db_url, tmp_path / "data", files=3)
    await world.close()
    assert cli(cli_env, "checkpoint").returncode == 0
    ok = cli(cli_env, "verify", "--json")
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["ok"] is True and data["first_problem"] is None and data["files"]["checked"] == 6
    human = cli(cli_env, "verify")
    assert human.returncode == 0 and "核验通过" in human.stdout

    path = world.rt.store.path_for(world.digests[1])
    path.chmod(0o600)
    damaged = bytearray(path.read_bytes())
    damaged[-5] ^= 0xFF
    path.write_bytes(bytes(damaged))
    bad = cli(cli_env, "verify", "--json")
    assert bad.returncode == 1
    first = json.loads(bad.stdout)["first_problem"]
    assert first["kind"] == "file" and first["sha256"] == world.digests[1] and "证据 #" in first["where"]
    human = cli(cli_env, "verify")
    assert human.returncode == 1 and "核验未通过" in human.stderr
    assert "证据 #" in human.stderr and "不符" in human.stderr

    path.unlink()
    gone = json.loads(cli(cli_env, "verify", "--json").stdout)
    assert gone["first_problem"]["reason"] == "文件缺失"


async def test_org_revoke_unbinds_and_expires_codes(
    db_url: str, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    world = await make_world(db_url, tmp_path / "data", files=0, keys=False)
    invite = await enrolment.issue_invite(
        world.rt.db.uow(), court_id=world.rt.court_id, staff_id="j001", clock=world.clock, actor="t"
    )
    await enrolment.redeem(
        world.rt.db.uow(),
        code_text=invite.code,
        telegram_user_id=555,
        chat_id=555,
        update_id=1,
        clock=world.clock,
    )
    spare = await enrolment.issue_invite(
        world.rt.db.uow(), court_id=world.rt.court_id, staff_id="j001", clock=world.clock, actor="t"
    )
    await world.close()
    done = cli(cli_env, "org", "revoke", "j001")
    assert done.returncode == 0, done.stderr
    assert "已解除 张法官（j001）" in done.stdout and "作废未使用的登记码 1 个" in done.stdout
    people = {p["staff_id"]: p for p in json.loads(cli(cli_env, "org", "list", "--json").stdout)}
    assert people["j001"]["enrolled"] is False and people["j001"]["active"] is True
    # the spare code from before the revocation no longer enrols anyone
    world.clock.set(Timeline(cli_env).now() + timedelta(seconds=1))  # after the command, on its timeline
    rt = await open_runtime(world.settings, clock=world.clock)
    try:
        result = await enrolment.redeem(
            rt.db.uow(),
            code_text=spare.code,
            telegram_user_id=556,
            chat_id=556,
            update_id=2,
            clock=world.clock,
        )
        assert result.outcome is enrolment.EnrolOutcome.EXPIRED
        async with rt.db.uow(read_only=True) as uow:
            entries = await uow.ledger.entries()
        assert [e.action for e in entries if e.action == "enrolment.revoke"] == ["enrolment.revoke"]
    finally:
        await rt.close()
    unknown = cli(cli_env, "org", "revoke", "nobody")
    assert unknown.returncode == 1 and "没有工号为 nobody 的人员" in unknown.stderr


# --- init and keys ------------------------------------------------------------------------------------------


async def test_init_creates_keys_once_and_prints_the_public_key(db_url: str, cli_env: dict[str, str]) -> None:
    first = cli(cli_env, "init")
    assert first.returncode == 0, first.stderr
    assert "-----BEGIN PUBLIC KEY-----" in first.stdout and "已生成检查点签名密钥" in first.stdout
    assert "密钥目前在数据目录之内" in first.stderr  # the default is fine for a trial, not for production
    keys = Path(cli_env["LIUHEN_DATA_DIR"]) / "keys"
    signing, ring = keys / "checkpoint-signing.pem", keys / "evidence.keys"
    assert oct(signing.stat().st_mode & 0o777) == "0o600" and oct(ring.stat().st_mode & 0o777) == "0o600"
    before = (signing.read_bytes(), ring.read_bytes())
    second = cli(cli_env, "init")
    assert second.returncode == 0 and "已有检查点签名密钥" in second.stdout
    assert (signing.read_bytes(), ring.read_bytes()) == before  # never replaced
    exported = cli(cli_env, "key", "export")
    assert exported.returncode == 0 and exported.stdout in first.stdout
    # keys elsewhere, as in production
    elsewhere = {**cli_env, "LIUHEN_KEY_DIR": str(Path(cli_env["LIUHEN_DATA_DIR"]).parent / "keydisk")}
    third = cli(elsewhere, "init")
    assert third.returncode == 0 and "数据目录之内" not in third.stderr


async def test_a_lost_keyring_is_never_silently_replaced(
    db_url: str, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    world = await make_world(db_url, tmp_path / "data", files=1)
    await world.close()
    ring = world.settings.evidence_keyring_path
    ring.rename(tmp_path / "elsewhere.keys")
    refused = cli(cli_env, "init")
    assert refused.returncode == 1 and "请把原来的密钥文件放回" in refused.stderr
    assert not ring.exists()
    rt = await open_runtime(world.settings, clock=world.clock)
    try:
        problem = integrity.missing_keyring_problem(rt)  # `liuhen run` refuses to start with this
        assert problem is not None and "找不到证据密钥文件" in texts.key_error(problem)
    finally:
        await rt.close()


async def test_key_rotation_and_rewrap_from_the_command_line(
    db_url: str, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    world = await make_world(
        db_url, tmp_path / "data", files=0, keys=False
    )  # plaintext, as before encryption
    old = await add_evidence(world.rt, world.clock, "j001", 1, b"evidence from before encryption")
    await world.close()
    assert cli(cli_env, "init").returncode == 0
    settings = settings_for(db_url, tmp_path / "data")
    later = Timeline(cli_env)  # after the commands, on their timeline
    rt = await open_runtime(settings, clock=later)
    try:
        new = await add_evidence(rt, later, "j001", 2, b"evidence after init")
        assert rt.store.key_id_of(old) is None and rt.store.key_id_of(new) is not None
        first_key = rt.store.key_id_of(new)
    finally:
        await rt.close()

    rewrapped = cli(cli_env, "key", "rewrap")
    assert rewrapped.returncode == 0 and "新加密 2 个" in rewrapped.stdout  # the old file and its message
    rotated = cli(cli_env, "key", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "重新封装 4 个" in rotated.stdout
    dropped = cli(cli_env, "key", "rewrap", "--forget-old")
    assert dropped.returncode == 0 and f"已从密钥文件删除旧密钥：{first_key}" in dropped.stdout
    checked = cli(cli_env, "verify", "--json")
    assert checked.returncode == 0, checked.stdout
    rt = await open_runtime(settings, clock=later)
    try:
        keys = {rt.store.key_id_of(d) for d in await rt.store.digests()}
        assert keys == {rt.store.keyring.active if rt.store.keyring else None}
        async with rt.db.uow(read_only=True) as uow:
            actions = [e.action for e in await uow.ledger.entries()]
        assert actions.count("evidence.rewrap") == 2 and actions.count("evidence.key_rotate") == 1
    finally:
        await rt.close()
