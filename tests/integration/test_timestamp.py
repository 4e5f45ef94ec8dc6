"""RFC 3161 timestamps of checkpoints against a local `openssl ts` responder."""

from __future__ import annotations

from pathlib import Path

from liuhen.app import integrity
from liuhen.domain.checkpoints import ProblemKind, timestamped_message
from liuhen.evidence.timestamp import TimestampError, TimestampVerifier, TsaClient, load_certificates
from liuhen.texts import integrity as texts
from tests.integrity_world import make_world
from tests.tsa import make_ca, running_tsa


async def test_a_token_is_granted_and_checked_against_the_tsa_root(tmp_path: Path) -> None:
    async with running_tsa(tmp_path / "tsa") as tsa:
        roots = load_certificates(tsa.ca_file)
        token, at = await TsaClient(tsa.url, roots=roots).stamp(b"checkpoint statement")
    checker = TimestampVerifier(roots)
    assert checker.check(token, b"checkpoint statement") is None
    assert at.tzinfo is not None
    assert "摘要与检查点不符" in (checker.check(token, b"another statement") or "")
    stranger = load_certificates(make_ca(tmp_path / "other", "stranger") / "ca.crt")
    assert "证书链无效" in (TimestampVerifier(stranger).check(token, b"checkpoint statement") or "")
    assert TimestampVerifier(roots).check("bm90IGEgdG9rZW4=", b"x") is not None  # "not a token"


async def test_checkpoints_are_timestamped_and_verify(db_url: str, tmp_path: Path) -> None:
    async with running_tsa(tmp_path / "tsa") as tsa:
        world = await make_world(db_url, tmp_path / "data", files=2, tsa_url=tsa.url, tsa_ca_file=tsa.ca_file)
        try:
            result = await integrity.take_checkpoint(world.rt)
            cp = result.checkpoint
            assert cp is not None and cp.tsa_token and cp.tsa_at is not None and tsa.requests == 1
            report = await world.verify()
            assert report.ok and report.timestamped == 1

            # a token over something else, swapped in: the signature holds, the timestamp does not
            other, _ = await TsaClient(tsa.url).stamp(timestamped_message(cp) + b"!")
            async with world.rt.db.uow() as uow:
                row = (await uow.integrity.checkpoints())[0]
                row.tsa_token = other
                await uow.commit()
            report = await world.verify()
            assert [p.kind for p in report.problems] == [ProblemKind.CHECKPOINT]
            assert "可信时间戳无效" in texts.reason(report.problems[0])

            # the TSA is down: the checkpoint is kept without a token, and the failure is said
            tsa.down = True
            async with world.rt.db.uow() as uow:
                await uow.ledger.append(actor="t", action="t", object_type="t", object_id="1", payload={})
                await uow.commit()
            result = await integrity.take_checkpoint(world.rt)
            assert result.checkpoint is not None and result.checkpoint.tsa_token is None
            assert result.timestamp_error and "503" in result.timestamp_error
        finally:
            await world.close()


async def test_an_unreachable_tsa_raises_a_chinese_error(tmp_path: Path) -> None:
    try:
        await TsaClient("http://127.0.0.1:9/tsa", timeout=2).stamp(b"x")
    except TimestampError as exc:
        assert "无法连接时间戳服务" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("no error")
