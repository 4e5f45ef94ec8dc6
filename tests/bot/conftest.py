"""Fixtures for driving a bot through the local Telegram sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from liuhen.sandbox.client import SandboxClient
from liuhen.sandbox.server import SandboxServer


@pytest.fixture
def bot_token() -> str:
    return "123456789:SANDBOX-test-token_abcdefghijklmnopqrstu"


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = SandboxServer()
    await server.start("127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def sim(sandbox: SandboxServer, bot_token: str) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.base_url, bot_token) as client:
        yield client
