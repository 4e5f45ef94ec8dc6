"""Tampering: 1,000 random mutations of a ledger of a few hundred entries, its signed
checkpoints and encrypted evidence files — rows edited, deleted, reordered, re-chained; the head rewound;
evidence bytes flipped, cut or removed; checkpoint signatures, roots and sizes altered; evidence rows
pointed at another intact file or given another size — and `verify` detects every one. A few run end to
end through `liuhen verify --json`."""

from __future__ import annotations

import json
import os
import random
import subprocess
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update

from liuhen.app import integrity
from liuhen.domain import ledger as rules
from liuhen.domain.checkpoints import ProblemKind
from liuhen.storage import tables as t
from tests.integrity_world import World, make_world, rechain
from tests.timeline import liuhen, timeline_env

MUTATIONS = int(os.environ.get("LIUHEN_TAMPER_MUTATIONS", "1000"))
LEDGER_KINDS = {ProblemKind.LEDGER, ProblemKind.HEAD, ProblemKind.CHECKPOINT}


class Tamperer:
    """Applies one random mutation and puts everything back afterwards."""

    def __init__(self, world: World, rnd: random.Random) -> None:
        self.world, self.rnd = world, rnd
        self.engine = world.rt.db.engine
        self.touched: set[int] = set()  # the ledger rows the last mutation changed, by seq

    async def snapshot(self) -> None:
        async with self.engine.connect() as conn:
            self.ledger = [
                dict(r._mapping) for r in await conn.execute(select(t.ledger).order_by(t.ledger.c.seq))
            ]
            self.head = dict((await conn.execute(select(t.ledger_head))).one()._mapping)
            self.checkpoints = [dict(r._mapping) for r in await conn.execute(select(t.checkpoints))]
            self.evidence = [dict(r._mapping) for r in await conn.execute(select(t.evidence))]
        self.files = {
            d: self.world.rt.store.path_for(d).read_bytes() for d in await self.world.rt.store.digests()
        }

    async def restore(self, what: str) -> None:
        async with self.engine.begin() as conn:
            if what == "ledger":  # the rows the mutation changed, and the head
                if self.touched:
                    await conn.execute(delete(t.ledger).where(t.ledger.c.seq.in_(self.touched)))
                    await conn.execute(
                        insert(t.ledger), [self.ledger[seq - 1] for seq in sorted(self.touched)]
                    )
                await conn.execute(update(t.ledger_head).values(**self.head))
                self.touched = set()
            elif what == "checkpoints":
                await conn.execute(delete(t.checkpoints))
                await conn.execute(insert(t.checkpoints), self.checkpoints)
            elif what == "evidence":
                for row in self.evidence:
                    await conn.execute(update(t.evidence).where(t.evidence.c.id == row["id"]).values(**row))
        if what == "files":
            for digest, data in self.files.items():
                path = self.world.rt.store.path_for(digest)
                if not path.exists() or path.read_bytes() != data:
                    if path.exists():
                        path.chmod(0o600)
                    path.write_bytes(data)
                    path.chmod(0o400)

    # -- the mutations: each returns what to restore and what verify must name ----------------------------

    async def _exec(self, *statements: Any) -> None:
        async with self.engine.begin() as conn:
            for statement in statements:
                await conn.execute(statement)

    def _seq(self) -> int:
        seq = self.rnd.randint(1, len(self.ledger))
        self.touched.add(seq)
        return seq

    def _from(self, first: int) -> int:
        """Rows ``first`` to the last are changed."""
        self.touched.update(range(first, len(self.ledger) + 1))
        return first

    async def edit_payload(self) -> tuple[str, set[ProblemKind]]:
        row = self.ledger[self._seq() - 1]
        payload = {**row["payload"], "篡改": self.rnd.randint(0, 10**6)}
        await self._exec(update(t.ledger).where(t.ledger.c.seq == row["seq"]).values(payload=payload))
        return "ledger", {ProblemKind.LEDGER}

    async def edit_field(self) -> tuple[str, set[ProblemKind]]:
        row = self.ledger[self._seq() - 1]
        column = self.rnd.choice(["actor", "action", "object_type", "object_id", "at"])
        value: Any = row["at"] + timedelta(seconds=1) if column == "at" else row[column] + "x"
        await self._exec(update(t.ledger).where(t.ledger.c.seq == row["seq"]).values({column: value}))
        return "ledger", {ProblemKind.LEDGER}

    async def edit_hash(self) -> tuple[str, set[ProblemKind]]:
        row = self.ledger[self._seq() - 1]
        column = self.rnd.choice(["prev_hash", "entry_hash", "payload_hash"])
        await self._exec(
            update(t.ledger).where(t.ledger.c.seq == row["seq"]).values({column: os.urandom(32).hex()})
        )
        return "ledger", LEDGER_KINDS

    async def delete_row(self) -> tuple[str, set[ProblemKind]]:
        await self._exec(delete(t.ledger).where(t.ledger.c.seq == self._seq()))
        return "ledger", LEDGER_KINDS

    async def delete_tail(self) -> tuple[str, set[ProblemKind]]:
        cut = self.rnd.randint(1, 8)
        first = self._from(len(self.ledger) - cut + 1)
        await self._exec(delete(t.ledger).where(t.ledger.c.seq >= first))
        return "ledger", {ProblemKind.HEAD, ProblemKind.CHECKPOINT}

    async def delete_tail_and_rewind_head(self) -> tuple[str, set[ProblemKind]]:
        keep = self._from(len(self.ledger) - self.rnd.randint(1, 8) + 1) - 1
        last = self.ledger[keep - 1]
        await self._exec(
            delete(t.ledger).where(t.ledger.c.seq > keep),
            update(t.ledger_head).values(seq=keep, entry_hash=last["entry_hash"]),
        )
        return "ledger", {ProblemKind.CHECKPOINT}

    async def swap_rows(self) -> tuple[str, set[ProblemKind]]:
        a, b = self.rnd.sample(range(1, len(self.ledger) + 1), 2)
        self.touched.update((a, b))
        ra, rb = ({k: v for k, v in self.ledger[s - 1].items() if k != "seq"} for s in (a, b))
        await self._exec(
            update(t.ledger).where(t.ledger.c.seq == a).values(**rb),
            update(t.ledger).where(t.ledger.c.seq == b).values(**ra),
        )
        return "ledger", LEDGER_KINDS

    async def rewrite_consistently(self) -> tuple[str, set[ProblemKind]]:
        """Edit an entry and re-hash the chain after it, head included: only the signatures can tell."""
        start = self._from(self._seq())
        rows = [dict(r) for r in self.ledger]
        rows[start - 1]["payload"] = {**rows[start - 1]["payload"], "改写": True}
        prev = rows[start - 2]["entry_hash"] if start > 1 else rules.GENESIS
        prev = rechain(rows[start - 1 :], prev)
        statements = []
        for row in rows[start - 1 :]:
            statements.append(
                update(t.ledger)
                .where(t.ledger.c.seq == row["seq"])
                .values(
                    payload=row["payload"],
                    prev_hash=row["prev_hash"],
                    payload_hash=row["payload_hash"],
                    entry_hash=row["entry_hash"],
                )
            )
        statements.append(update(t.ledger_head).values(entry_hash=prev))
        await self._exec(*statements)
        return "ledger", {ProblemKind.CHECKPOINT}

    async def edit_head(self) -> tuple[str, set[ProblemKind]]:
        if self.rnd.random() < 0.5:
            values: dict[str, Any] = {"seq": self.head["seq"] + self.rnd.choice([-3, -1, 1, 5])}
        else:
            values = {"entry_hash": os.urandom(32).hex()}
        await self._exec(update(t.ledger_head).values(**values))
        return "ledger", {ProblemKind.HEAD}

    async def flip_file_byte(self) -> tuple[str, set[ProblemKind]]:
        digest = self.rnd.choice(sorted(self.files))
        data = bytearray(self.files[digest])
        data[self.rnd.randrange(len(data))] ^= 1 << self.rnd.randrange(8)
        self._write(digest, bytes(data))
        return "files", {ProblemKind.FILE}

    async def cut_file(self) -> tuple[str, set[ProblemKind]]:
        digest = self.rnd.choice(sorted(self.files))
        data = self.files[digest]
        self._write(digest, data[: self.rnd.randrange(len(data))])
        return "files", {ProblemKind.FILE}

    async def remove_file(self) -> tuple[str, set[ProblemKind]]:
        digest = self.rnd.choice(sorted(self.files))
        self.world.rt.store.path_for(digest).unlink()
        return "files", {ProblemKind.FILE}

    async def repoint_evidence(self) -> tuple[str, set[ProblemKind]]:
        """A row pointed at another intact stored file, its size made to match: no file is changed."""
        row, other = self.rnd.sample(self.evidence, 2)
        values: dict[str, Any] = {"sha256": other["sha256"], "size": other["size"]}
        if self.rnd.random() < 0.5:  # and at the other's message too
            values["message_sha256"] = other["message_sha256"]
        await self._exec(update(t.evidence).where(t.evidence.c.id == row["id"]).values(**values))
        return "evidence", {ProblemKind.EVIDENCE}

    async def resize_evidence(self) -> tuple[str, set[ProblemKind]]:
        row = self.rnd.choice(self.evidence)
        change = self.rnd.choice([-1, 1, 1000])
        await self._exec(
            update(t.evidence).where(t.evidence.c.id == row["id"]).values(size=row["size"] + change)
        )
        return "evidence", {ProblemKind.EVIDENCE}

    def _write(self, digest: str, data: bytes) -> None:
        path = self.world.rt.store.path_for(digest)
        path.chmod(0o600)
        path.write_bytes(data)

    async def alter_checkpoint(self) -> tuple[str, set[ProblemKind]]:
        cp = self.rnd.choice(self.checkpoints)
        column = self.rnd.choice(
            ["signature", "root", "tree_size", "seq", "signed_at", "key_id", "last_entry_hash"]
        )
        value: Any
        if column == "signature":
            sig = bytearray(bytes.fromhex(cp["signature"]))
            sig[self.rnd.randrange(len(sig))] ^= 1 << self.rnd.randrange(8)
            value = sig.hex()
        elif column in ("tree_size", "seq"):
            value = cp[column] + self.rnd.choice([-2, -1, 1, 2])
        elif column == "signed_at":
            value = cp["signed_at"] - timedelta(days=1)
        elif column == "key_id":
            value = os.urandom(8).hex()
        else:
            value = os.urandom(32).hex()
        await self._exec(update(t.checkpoints).where(t.checkpoints.c.id == cp["id"]).values({column: value}))
        return "checkpoints", {ProblemKind.CHECKPOINT}

    def kinds(self) -> list[Callable[[], Awaitable[tuple[str, set[ProblemKind]]]]]:
        return [
            self.edit_payload,
            self.edit_field,
            self.edit_hash,
            self.delete_row,
            self.delete_tail,
            self.delete_tail_and_rewind_head,
            self.swap_rows,
            self.rewrite_consistently,
            self.edit_head,
            self.flip_file_byte,
            self.cut_file,
            self.remove_file,
            self.alter_checkpoint,
            self.repoint_evidence,
            self.resize_evidence,
        ]


async def build(db_url: str, data_dir: Path) -> World:
    """~300 entries, 12 evidence files (+ their message JSON), three checkpoints, the last covering all."""
    world = await make_world(db_url, data_dir, files=12, extra_entries=120, seed=2026)
    await integrity.take_checkpoint(world.rt)
    for i in range(120):
        async with world.rt.db.uow() as uow:
            await uow.ledger.append(
                actor="t", action="t.more", object_type="t", object_id=str(i), payload={"i": i}
            )
            await uow.commit()
        if i == 60:
            await integrity.take_checkpoint(world.rt)
    await integrity.take_checkpoint(world.rt)
    return world


async def test_every_random_mutation_is_detected(db_url: str, tmp_path: Path) -> None:
    world = await build(db_url, tmp_path / "data")
    rnd = random.Random(20261123)
    tamper = Tamperer(world, rnd)
    try:
        await tamper.snapshot()
        assert len(tamper.ledger) > 250 and len(tamper.files) == 24 and len(tamper.checkpoints) == 3
        assert (await world.verify()).ok
        seen: Counter[str] = Counter()
        kinds = tamper.kinds()
        for i in range(MUTATIONS):
            mutate = rnd.choice(kinds)
            restore, expected = await mutate()
            report = await world.verify()
            assert not report.ok, f"mutation {i} ({mutate.__name__}) went unnoticed"
            assert report.problems[0].kind in expected, (mutate.__name__, report.problems[0])
            seen[mutate.__name__] += 1
            await tamper.restore(restore)
            if i % 100 == 99:  # the harness puts everything back: a clean state verifies
                assert (await world.verify()).ok, f"not restored after mutation {i}"
        assert set(seen) == {k.__name__ for k in kinds}
        assert sum(seen.values()) == MUTATIONS
    finally:
        await world.close()


async def test_mutations_through_the_command_line(db_url: str, tmp_path: Path) -> None:
    world = await build(db_url, tmp_path / "data")
    tamper = Tamperer(world, random.Random(7))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")} | timeline_env()
    env.update(
        LIUHEN_DATA_DIR=str(tmp_path / "data"), LIUHEN_DATABASE_URL=db_url, LIUHEN_COURT_NAME="测试县人民法院"
    )

    def run() -> tuple[int, dict[str, Any]]:
        done = subprocess.run(
            liuhen("verify", "--json"),
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.returncode, json.loads(done.stdout)

    try:
        await tamper.snapshot()
        cases = [
            tamper.swap_rows,
            tamper.rewrite_consistently,
            tamper.flip_file_byte,
            tamper.alter_checkpoint,
            tamper.repoint_evidence,
        ]
        for mutate in cases:
            restore, expected = await mutate()
            code, report = run()
            assert code == 1 and report["ok"] is False, mutate.__name__
            assert report["first_problem"]["kind"] in {k.value for k in expected}
            await tamper.restore(restore)
            # verifying appends nothing (only `verify --record` does); the snapshot stays current
            await tamper.snapshot()
        code, report = run()
        assert code == 0 and report["ok"] is True
    finally:
        await world.close()
