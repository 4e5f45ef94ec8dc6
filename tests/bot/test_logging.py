"""The bot token never appears in a log line, even at DEBUG with httpx logging every URL."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import structlog

from liuhen.app.logs import REDACTED, configure_logging
from tests.bot.harness import TOKEN, start_harness


async def test_token_is_redacted_from_every_log_line(
    db_url: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging(level="DEBUG", secrets=[TOKEN])
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    try:
        async with start_harness(db_url, tmp_path) as h:
            user = await h.enrol("j001")
            await h.say(user, "/whoami")
            structlog.get_logger("test").info("explicit", url=f"{h.server.bot_api_url}{TOKEN}/getMe")
            logging.getLogger("test").warning("stdlib %s", TOKEN)
    finally:
        logging.getLogger().handlers.clear()
    captured = capfd.readouterr()
    output = captured.out + captured.err
    assert "getUpdates" in output or "HTTP Request" in output  # the URLs were logged …
    assert REDACTED in output  # … with the token replaced
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output


def test_token_shaped_strings_are_redacted_even_when_unknown(capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="INFO", secrets=[])
    other = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    try:
        structlog.get_logger("t").info("event", detail=f"https://api.telegram.org/bot{other}/getMe")
    finally:
        logging.getLogger().handlers.clear()
    err = capfd.readouterr().err
    assert other not in err and REDACTED in err
