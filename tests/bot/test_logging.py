"""The bot token never appears in a log line, even at DEBUG with httpx logging every URL."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import structlog
from telegram import Update
from telegram.ext import CommandHandler

from liuhen.app.logs import PIECE, REDACTED, configure_logging
from liuhen.bot.context import Context
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


def test_an_operator_reads_the_migrations_not_the_plugins_nor_each_job_run(
    capfd: pytest.CaptureFixture[str],
) -> None:
    configure_logging(level="INFO", secrets=[])
    try:
        logging.getLogger("alembic.runtime.migration").info("Running upgrade 0028 -> 0029, notices")
        logging.getLogger("alembic.runtime.plugins").info("setup plugin alembic.autogenerate.tables")
        logging.getLogger("apscheduler.scheduler").info("Adding job tentatively")
        logging.getLogger("apscheduler.executors.default").info('Job "reminders" executed successfully')
        logging.getLogger("apscheduler.scheduler").warning("Run time of job was missed by 0:00:02")
    finally:
        logging.getLogger().handlers.clear()
    err = capfd.readouterr().err
    assert "Running upgrade 0028 -> 0029" in err and "missed by" in err
    assert "setup plugin" not in err and "tentatively" not in err and "executed successfully" not in err


async def test_a_failing_handler_leaks_no_piece_of_the_token(
    db_url: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A handler that fails with the bot in its error (PTB's repr cuts the token short with "…") and in its
    traceback's frames: the log holds no run of PIECE characters of the token's secret part."""

    async def failing(update: Update, context: Context) -> None:
        bot = context.bot  # a local of the failing frame
        raise RuntimeError(f"failed with {bot!r} and {TOKEN[:-6]}… and {TOKEN.split(':')[1][3:15]}")

    configure_logging(level="DEBUG", secrets=[TOKEN])
    try:
        async with start_harness(db_url, tmp_path) as h:
            h.app.add_handler(CommandHandler("boom", failing), group=1)
            user = await h.enrol("j001")
            await h.say(user, "/boom")
            await h.sim.wait_for(user, lambda m: m.get("from_bot") and "内部错误" in str(m.get("text")))
    finally:
        logging.getLogger().handlers.clear()
    captured = capfd.readouterr()
    output = captured.out + captured.err
    assert "handler_failed" in output and "RuntimeError" in output  # the failure itself was logged
    secret = TOKEN.split(":")[1]
    pieces = [secret[i : i + PIECE] for i in range(len(secret) - PIECE + 1)]
    assert [piece for piece in pieces if piece in output] == []
