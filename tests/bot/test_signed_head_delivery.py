"""The signed head leaves the server every day: each new checkpoint's head goes to every enrolled discipline
officer as a document, once, so that a copy of what was signed exists where the operator cannot reach it
(seed 003 §12: 全程留痕; seed 004 §15: 永久存储、有据可查). Nobody else receives it; a restart resends
nothing; the copy proves the ledger with `verify --against`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from liuhen.app import integrity
from liuhen.domain.checkpoints import parse_signed_head
from tests.bot.harness import Harness, start_harness, text_of

FAST = {"checkpoint_seconds": 0.3}


async def heads(h: Harness, user: int) -> list[dict[str, Any]]:
    return [m for m in await h.sim.chat(user) if m.get("from_bot") and m.get("document")]


async def test_each_new_signed_head_reaches_the_discipline_office_once(db_url: str, tmp_path: Path) -> None:
    async with start_harness(db_url, tmp_path, settings=FAST) as h:
        judge = await h.enrol("j001", "张法官")
        office = await h.enrol("k001", "纪检组")
        await integrity.ensure_keys(h.runtime.settings, h.clock)
        await h.say(judge, "院外有人打招呼")
        await h.handled()
        first = await h.sim.wait_for(
            office, lambda m: bool(m.get("from_bot") and m.get("document")), timeout=10
        )
        assert first["document"]["file_name"].startswith("signed-head-")
        assert "签名头" in text_of(first) and "liuhen verify --against" in text_of(first)
        data = await h.sim.download(first["document"]["file_id"])
        head = parse_signed_head(data)
        (tmp_path / "kept.json").write_bytes(data)
        report = await integrity.run_verify(h.runtime, actor="test", against=tmp_path / "kept.json")
        assert report.signed_head == head.tree_size and not [
            p for p in report.problems if p.kind == "signed_head"
        ]
        await h.jobs_ran("checkpoints", times=3)
        assert len(await heads(h, office)) == 1  # the same head is not sent twice
        assert await heads(h, judge) == []  # only the discipline office keeps it
        async with h.runtime.db.uow(read_only=True) as uow:
            sent = [e for e in await uow.ledger.entries() if e.action == "signed_head.sent"]
        assert [e.object_id for e in sent] == [str(head.tree_size)]
        # a day later, with new entries: a new checkpoint, a new head
        await h.say(judge, "又有人打招呼")
        await h.handled()
        h.clock.set(h.clock.now() + timedelta(days=1))
        name = first["document"]["file_name"]
        await h.sim.wait_for(
            office, lambda m: bool(m.get("document")) and m["document"]["file_name"] != name, timeout=10
        )
        await h.jobs_ran("checkpoints")
        later = await heads(h, office)
        assert len(later) == 2
        newer = parse_signed_head(await h.sim.download(later[-1]["document"]["file_id"]))
        assert newer.tree_size > head.tree_size


async def test_no_copy_when_the_deployment_turns_it_off(db_url: str, tmp_path: Path) -> None:
    settings = {**FAST, "signed_head_to_discipline": False}
    async with start_harness(db_url, tmp_path, settings=settings) as h:
        office = await h.enrol("k001", "纪检组")
        await integrity.ensure_keys(h.runtime.settings, h.clock)
        await h.jobs_ran("checkpoints", times=3)
        async with h.runtime.db.uow(read_only=True) as uow:
            assert await uow.integrity.latest_checkpoint() is not None  # signed as always
        assert await heads(h, office) == []
