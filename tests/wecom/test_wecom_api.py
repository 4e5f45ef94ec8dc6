"""The WeCom API client against the WeCom sandbox: the access token fetched once, refreshed before it
expires and when WeCom says it expired, the rate limit waited out, a call WeCom refused reported and never
repeated as if it had been carried out — and neither the secret nor a token in a log line."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from liuhen.app.logs import configure_logging
from liuhen.sandbox.wecom import WeComSandbox
from liuhen.wecom.api import MediaGone, WeComApi, WeComError
from tests.wecom.world import AES_KEY, AGENT_ID, CORP_ID, SECRET, START, TOKEN, EpochClock


class Monotonic:
    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at


@pytest.fixture
async def sandbox():  # type: ignore[no-untyped-def]
    clock = EpochClock(START)
    async with WeComSandbox(
        corp_id=CORP_ID,
        corp_secret=SECRET,
        agent_id=AGENT_ID,
        token=TOKEN,
        encoding_aes_key=AES_KEY,
        now=clock,
    ) as sb:
        sb.clock = clock  # type: ignore[attr-defined]
        yield sb


async def test_the_token_is_fetched_once_refreshed_before_it_ends_and_when_wecom_says_so(
    sandbox: WeComSandbox,
) -> None:
    sandbox.user("zhangsan")
    ticks = Monotonic()
    async with aiohttp.ClientSession() as session:
        api = WeComApi(
            base_url=sandbox.url, corp_id=CORP_ID, secret=SECRET, agent_id=AGENT_ID, session=session,
            monotonic=ticks, backoff_first=0.001,
        )  # fmt: skip
        for n in range(3):
            await api.send_text("zhangsan", f"第{n}条")
        assert sandbox.token_requests == 1  # one token for every call while it lasts
        ticks.at += 7200 - 299  # five minutes before WeCom's end of it: a new one
        await api.send_text("zhangsan", "刷新之后")
        assert sandbox.token_requests == 2
        sandbox.clock.at += 7200 + 1  # type: ignore[attr-defined]  # WeCom's clock: the token expired
        await api.send_text("zhangsan", "过期之后")
        assert sandbox.token_requests == 3  # refused with 42001, refreshed, sent once
    texts = [m.text for m in sandbox.user("zhangsan").messages]
    assert texts == ["第0条", "第1条", "第2条", "刷新之后", "过期之后"]


async def test_the_rate_limit_is_waited_out_and_a_refusal_is_reported(sandbox: WeComSandbox) -> None:
    sandbox.user("zhangsan")
    async with aiohttp.ClientSession() as session:
        api = WeComApi(
            base_url=sandbox.url, corp_id=CORP_ID, secret=SECRET, agent_id=AGENT_ID, session=session,
            backoff_first=0.001,
        )  # fmt: skip
        sandbox.fail_next("message/send", 45009, times=2)
        await api.send_text("zhangsan", "限流之后")
        assert [m.text for m in sandbox.user("zhangsan").messages] == ["限流之后"]  # once, not three times
        with pytest.raises(WeComError) as refused:
            await api.send_text("nobody", "不存在的成员")
        assert refused.value.errcode == 81013
        with pytest.raises(MediaGone):
            await api.media("no-such-media")
        bad = WeComApi(
            base_url=sandbox.url, corp_id=CORP_ID, secret="wrong-secret", agent_id=AGENT_ID, session=session
        )
        with pytest.raises(WeComError) as wrong:
            await bad.send_text("zhangsan", "x")
        assert wrong.value.errcode == 40001 and "wrong-secret" not in str(wrong.value)


async def test_no_secret_reaches_a_log_line(sandbox: WeComSandbox, capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="DEBUG", secrets=[SECRET, TOKEN, AES_KEY])
    sandbox.user("zhangsan")
    try:
        async with aiohttp.ClientSession() as session:
            api = WeComApi(
                base_url=sandbox.url, corp_id=CORP_ID, secret=SECRET, agent_id=AGENT_ID, session=session,
                backoff_first=0.001,
            )  # fmt: skip
            sandbox.fail_next("message/send", -1, times=1)
            await api.send_text("zhangsan", "一条")
            assert repr(api) == f"WeComApi(agent={AGENT_ID})"
    finally:
        logging.getLogger().handlers.clear()  # the captured stream closes with this test
    captured = capfd.readouterr()
    logged = captured.out + captured.err
    assert "wecom_backoff" in logged  # something was logged …
    token = api._token or ""
    for secret in (SECRET, TOKEN, AES_KEY, token, SECRET[:8], token[:8]):
        assert secret not in logged  # … and none of these, not even a prefix


async def test_at_most_thirty_messages_a_minute_reach_one_member(sandbox: WeComSandbox) -> None:
    """发送应用消息: WeCom drops, silently, what is over 30 a minute to one member — so the client waits."""
    sandbox.user("zhangsan")
    sandbox.user("lisi")
    ticks = Monotonic()
    waited: list[float] = []

    async def sleep(seconds: float) -> None:  # the fake clock moves instead of time passing
        waited.append(seconds)
        ticks.at += seconds

    async with aiohttp.ClientSession() as session:
        api = WeComApi(
            base_url=sandbox.url, corp_id=CORP_ID, secret=SECRET, agent_id=AGENT_ID, session=session,
            monotonic=ticks, sleep=sleep,
        )  # fmt: skip
        for n in range(30):
            await api.send_text("zhangsan", f"{n}")
            ticks.at += 1.0
        await api.send_text("lisi", "另一个人不受影响")
        assert waited == []
        await api.send_text("zhangsan", "第 31 条")
    assert waited == [pytest.approx(30.0)]  # until the first of the minute is a minute old
    assert len(sandbox.user("zhangsan").messages) == 31
