"""`liuhen backup` and `liuhen restore`: a restore into an empty data directory and database
verifies; a damaged backup, a non-empty target or another court's backup is refused and nothing is
written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, _pg_admin
from tests.integrity_world import make_world
from tests.timeline import liuhen, timeline_env


def env_for(data_dir: Path, db_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env.update(timeline_env())
    env.update(LIUHEN_DATA_DIR=str(data_dir), LIUHEN_COURT_NAME="测试县人民法院", COLUMNS="200")
    if db_url is not None:
        env["LIUHEN_DATABASE_URL"] = db_url
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cwd = Path(env["LIUHEN_DATA_DIR"]).parent
    return subprocess.run(liuhen(*args), env=env, cwd=cwd, capture_output=True, text=True, timeout=180)


@pytest.fixture
async def second_db(db_url: str, tmp_path: Path) -> AsyncIterator[str | None]:
    """An empty database of the same kind to restore into (None: SQLite in the new data directory)."""
    if not db_url.startswith("postgresql"):
        yield None
        return
    assert PG_URL is not None
    name = f"liuhen_r_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def test_backup_restore_verify(db_url: str, tmp_path: Path, second_db: str | None) -> None:
    world = await make_world(db_url, tmp_path / "data", files=4)
    await world.close()
    source = env_for(tmp_path / "data", db_url)
    assert cli(source, "checkpoint").returncode == 0
    made = cli(source, "backup", "-o", str(tmp_path / "backup"))
    assert made.returncode == 0, made.stderr
    assert "清单 manifest.json 的 SHA-256" in made.stdout and "备份不含私钥" in made.stderr
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["private_keys_included"] is False
    assert len(manifest["evidence"]) == 8 and len(manifest["evidence_key_ids"]) == 1
    assert [k["private"] for k in manifest["keys"]] == [False]  # the public key only
    assert not list((tmp_path / "backup").rglob("*.keys")) and not list(
        (tmp_path / "backup").rglob("*signing*")
    )

    target = env_for(tmp_path / "restored", second_db)
    done = cli(target, "restore", str(tmp_path / "backup"))
    assert done.returncode == 0, done.stderr
    assert "证据是加密存放的" in done.stderr  # the keyring is kept apart: put it back
    refused = cli(target, "verify", "--json")
    assert refused.returncode == 1
    assert "缺少证据密钥" in json.loads(refused.stdout)["first_problem"]["reason"]
    shutil.copy(
        tmp_path / "data" / "keys" / "evidence.keys", tmp_path / "restored" / "keys" / "evidence.keys"
    )
    checked = cli(target, "verify", "--json")
    assert checked.returncode == 0, checked.stdout
    report = json.loads(checked.stdout)
    assert report["ok"] and report["checkpoints"]["count"] == 1 and report["files"]["checked"] == 8
    # The signed head kept beside the data came along: the restored ledger still extends it.
    assert manifest["signed_head"]["file"] == "signed-head.json"
    assert report["signed_head"] is not None and report["signed_head"]["tree_size"] >= 1
    assert (tmp_path / "restored" / "signed-head.json").read_bytes() == (
        tmp_path / "data" / "signed-head.json"
    ).read_bytes()

    # the same backup again: the target is no longer empty
    again = cli(target, "restore", str(tmp_path / "backup"))
    assert again.returncode == 1 and "不是空的" in again.stderr


async def test_damaged_or_foreign_backups_are_refused(
    db_url: str, tmp_path: Path, second_db: str | None
) -> None:
    world = await make_world(db_url, tmp_path / "data", files=2)
    await world.close()
    source = env_for(tmp_path / "data", db_url)
    made = cli(source, "backup", "-o", str(tmp_path / "backup"), "--include-keys")
    assert made.returncode == 0, made.stderr
    assert "备份中含私钥" in made.stderr
    assert cli(source, "backup", "-o", str(tmp_path / "backup")).returncode == 1  # not empty: not overwritten

    target = env_for(tmp_path / "restored", second_db)
    foreign = cli({**target, "LIUHEN_COURT_CODE": "another"}, "restore", str(tmp_path / "backup"))
    assert foreign.returncode == 1 and "LIUHEN_COURT_CODE=default" in foreign.stderr

    copy = tmp_path / "damaged"
    shutil.copytree(tmp_path / "backup", copy)
    victim = next(p for p in (copy / "evidence").rglob("*") if p.is_file())
    victim.chmod(0o600)
    victim.write_bytes(victim.read_bytes()[:-1])
    damaged = cli(target, "restore", str(copy))
    assert damaged.returncode == 1 and "备份已损坏" in damaged.stderr
    assert not (tmp_path / "restored" / "evidence" / "sha256").exists()  # nothing was written

    whole = cli(target, "restore", str(tmp_path / "backup"))
    assert whole.returncode == 0, whole.stderr
    assert "已放回密钥文件" in whole.stdout  # --include-keys: keys restored, verify needs nothing else
    checked = cli(target, "verify", "--json")
    assert checked.returncode == 0, checked.stdout
