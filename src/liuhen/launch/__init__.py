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
    from contextlib import AbstractAsyncContextManager

    from liuhen.app.runtime import Runtime
    from liuhen.app.settings import Settings

app.add_typer(launch_webhook.webhook_app, name="webhook")


async def _telegram_link(config: Settings, code: str) -> str:
    from liuhen.bot.links import start_link

    return await start_link(config, code)


START_LINKS.append(_telegram_link)


WebOption = Annotated[
    bool, typer.Option("--web", help="同一进程中同时提供网页工作台（地址见 LIUHEN_WEB_HOST/LIUHEN_WEB_PORT）")
]


ChannelOption = Annotated[
    str,
    typer.Option(
        "--channel",
        help="telegram（默认）或 wecom（企业微信自建应用：需要 LIUHEN_WECOM_* 设置，回调 /wecom/callback）",
    ),
]


@app.command()
def run(
    webhook: launch_webhook.WebhookFlag = False,
    listen: launch_webhook.ListenOption = None,
    url: launch_webhook.UrlOption = None,
    secret_token: launch_webhook.SecretOption = None,
    web: WebOption = False,
    channel: ChannelOption = "telegram",
) -> None:
    """运行机器人：默认 Telegram（需要 LIUHEN_TELEGRAM_TOKEN，长轮询；--webhook 接收推送）；
    --channel wecom 运行企业微信回调（--listen 主机:端口）；--web 同时提供网页工作台。"""
    config = settings()
    if channel.lower() == "wecom":
        _run_wecom(config, listen=listen, web=web, telegram_only=bool(webhook or url or secret_token))
        return
    if channel.lower() != "telegram":
        fail(f"不认识的渠道“{channel}”：应为 telegram 或 wecom。")
    if config.telegram_token is None:
        fail("未设置 LIUHEN_TELEGRAM_TOKEN。试用请运行 `liuhen demo`（本地沙盒，无需令牌）。")
    import asyncio

    options = launch_webhook.run_options(
        config, webhook=webhook, listen=listen, url=url, secret_token=secret_token
    )
    from liuhen.bot.app import run as run_bot
    from liuhen.evidence.keys import KeyFileError

    beside = None
    if web:
        from liuhen.web.server import serving

        def beside(runtime: Runtime) -> AbstractAsyncContextManager[object]:
            return serving(runtime, config.web_host, config.web_port, trust_proxy=config.web_trust_proxy)

    try:
        asyncio.run(run_bot(config, webhook_options=options, beside=beside))
    except KeyFileError as exc:  # encrypted evidence and no keyring to read it with
        from liuhen.texts.integrity import key_error

        fail(key_error(exc))


def _run_wecom(config: Settings, *, listen: str | None, web: bool, telegram_only: bool) -> None:
    """`liuhen run --channel wecom`: the WeCom callback (and the desk console with --web)."""
    import asyncio

    from liuhen.bot.webhook import WebhookConfigError, parse_listen

    if telegram_only:
        fail(
            "--webhook、--url、--secret-token 只用于 Telegram；企业微信的回调地址是 http(s)://本机地址/wecom/callback。"
        )
    missing = config.wecom_missing()
    if missing:
        fail(
            "企业微信渠道缺少设置："
            + "、".join(missing)
            + "（在企业微信管理后台“应用管理 → 自建应用”中查看）。"
        )
    try:
        host, port = parse_listen(listen or config.wecom_listen)
    except WebhookConfigError as exc:
        fail(str(exc))
    from liuhen.wecom.server import run as run_wecom

    beside = None
    if web:
        from liuhen.web.server import serving

        def beside(runtime: Runtime) -> AbstractAsyncContextManager[object]:
            return serving(runtime, config.web_host, config.web_port, trust_proxy=config.web_trust_proxy)

    asyncio.run(run_wecom(config, host=host, port=port, beside=beside))


@app.command("web")
def web_command(
    host: Annotated[str | None, typer.Option(help="监听地址（默认 LIUHEN_WEB_HOST，127.0.0.1）")] = None,
    port: Annotated[int | None, typer.Option(help="端口（默认 LIUHEN_WEB_PORT，8081）")] = None,
) -> None:
    """网页工作台：纪检监察、审判管理和院领导在电脑上查看待办和记录；在聊天中发送 /desk 登录。"""
    import asyncio

    from liuhen.app.runtime import initialised
    from liuhen.web.server import run as run_web

    config = settings()
    if not asyncio.run(initialised(config)):
        fail("尚未初始化：请先运行 `liuhen init`（或 `liuhen demo` 试用）。")
    asyncio.run(run_web(config, host=host or config.web_host, port=port or config.web_port))


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
