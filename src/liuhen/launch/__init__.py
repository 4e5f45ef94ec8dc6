"""The `liuhen` command: the operator's commands (`liuhen.cli`) and the commands that start a door — the
Telegram bot (`run`, `webhook`), the local sandbox (`demo`). This is the only place that knows every door;
the doors never import each other. Nothing heavy is imported here: each command imports what it runs."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from liuhen.cli.main import START_LINKS, app
from liuhen.cli.tools import fail, settings
from liuhen.launch import webhook as launch_webhook

if TYPE_CHECKING:
    from liuhen.app.settings import Settings

app.add_typer(launch_webhook.webhook_app, name="webhook")


async def _telegram_link(config: Settings, code: str) -> str:
    from liuhen.bot.links import start_link

    return await start_link(config, code)


START_LINKS.append(_telegram_link)


@app.command()
def run(
    webhook: launch_webhook.WebhookFlag = False,
    listen: launch_webhook.ListenOption = None,
    url: launch_webhook.UrlOption = None,
    secret_token: launch_webhook.SecretOption = None,
) -> None:
    """运行机器人（需要 LIUHEN_TELEGRAM_TOKEN）：默认长轮询；--webhook 接收推送。"""
    config = settings()
    if config.telegram_token is None:
        fail("未设置 LIUHEN_TELEGRAM_TOKEN。试用请运行 `liuhen demo`（本地沙盒，无需令牌）。")
    import asyncio

    options = launch_webhook.run_options(
        config, webhook=webhook, listen=listen, url=url, secret_token=secret_token
    )
    from liuhen.bot.app import run as run_bot
    from liuhen.evidence.keys import KeyFileError

    try:
        asyncio.run(run_bot(config, webhook_options=options))
    except KeyFileError as exc:  # encrypted evidence and no keyring to read it with
        from liuhen.texts.integrity import key_error

        fail(key_error(exc))


@app.command()
def demo(
    reset: Annotated[bool, typer.Option("--reset", help="清空演示数据，重新开始")] = False,
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 8080,
) -> None:
    """本地演示：内置沙盒 Bot API + 浏览器聊天页面，无需令牌和外网。"""
    import asyncio

    from liuhen.sandbox.demo import run_demo

    asyncio.run(run_demo(settings(), reset=reset, host=host, port=port))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
