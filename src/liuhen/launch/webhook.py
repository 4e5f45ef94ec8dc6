"""`liuhen run --webhook` options and `liuhen webhook set|info` (bot/webhook.py).

The Telegram door (python-telegram-bot, aiohttp) is imported when a command runs, not to build the help."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from liuhen.cli.tools import fail, out, settings

if TYPE_CHECKING:
    from liuhen.app.settings import Settings
    from liuhen.bot.webhook import WebhookOptions

webhook_app = typer.Typer(help="webhook 模式：Telegram 推送地址与密钥", no_args_is_help=True)

WebhookFlag = Annotated[
    bool, typer.Option("--webhook", help="接收 Telegram 推送（本机 HTTP 服务，可多实例，需要 PostgreSQL）")
]
ListenOption = Annotated[
    str | None, typer.Option(help="监听 主机:端口（默认 LIUHEN_WEBHOOK_LISTEN，即 127.0.0.1:8088）")
]
UrlOption = Annotated[str | None, typer.Option(help="Telegram 推送的公网 HTTPS 地址（LIUHEN_WEBHOOK_URL）")]
SecretOption = Annotated[
    str | None,
    typer.Option(
        "--secret-token",
        help="推送密钥（最好用 LIUHEN_WEBHOOK_SECRET_TOKEN：命令行参数他人可用 ps 看到）",
    ),
]


def run_options(
    config: Settings, *, webhook: bool, listen: str | None, url: str | None, secret_token: str | None
) -> WebhookOptions | None:
    """The webhook options of `liuhen run`, or None for long polling; bad input exits with a message."""
    if not webhook:
        if listen or url or secret_token:
            fail("--listen、--url、--secret-token 只用于 webhook 模式，请加上 --webhook")
        if config.webhook_url:
            fail(
                "已设置 LIUHEN_WEBHOOK_URL，请用 `liuhen run --webhook`。长轮询启动时会删除 Telegram 上的 "
                "webhook，其他实例将收不到消息。"
            )
        return None
    return _options(config, listen=listen, url=url, secret_token=secret_token)


def _options(
    config: Settings, *, listen: str | None = None, url: str | None = None, secret_token: str | None = None
) -> WebhookOptions:
    from liuhen.bot.webhook import WebhookConfigError, webhook_options

    try:
        return webhook_options(config, listen=listen, url=url, secret_token=secret_token)
    except WebhookConfigError as exc:
        fail(str(exc))


async def _with_bot(config: Settings, fn: Any) -> Any:
    from telegram import Bot

    async with Bot(config.token_value(), base_url=config.telegram_base_url) as bot:
        return await fn(bot)


def _token(config: Settings) -> None:
    if config.telegram_token is None:
        fail("未设置 LIUHEN_TELEGRAM_TOKEN。")


@webhook_app.command("set")
def webhook_set(url: UrlOption = None, secret_token: SecretOption = None) -> None:
    """把 Telegram 的推送地址与密钥设为本机设置（更换密钥后、所有实例都已使用新密钥时运行一次）。"""
    import asyncio

    from liuhen.app.logs import Redactor
    from liuhen.bot.webhook import set_webhook

    config = settings()
    _token(config)
    options = _options(config, url=url, secret_token=secret_token)

    async def apply(bot: Any) -> None:
        await set_webhook(bot, options)

    try:
        asyncio.run(_with_bot(config, apply))
    except Exception as exc:  # Telegram refused or is unreachable: say so, exit non-zero
        fail(f"设置失败：{Redactor([config.token_value()]).text(str(exc))}")
    out.print(f"已设置推送地址：{options.url}（密钥已更新）")


@webhook_app.command("info")
def webhook_info() -> None:
    """显示 Telegram 记录的推送地址、待推送的消息数与最近一次错误。"""
    import asyncio

    from rich.table import Table

    from liuhen.app.logs import Redactor

    config = settings()
    _token(config)
    try:
        info = asyncio.run(_with_bot(config, lambda bot: bot.get_webhook_info()))
    except Exception as exc:
        fail(f"查询失败：{Redactor([config.token_value()]).text(str(exc))}")
    table = Table(title="Telegram webhook")
    table.add_column("项目")
    table.add_column("值")
    table.add_row("推送地址", info.url or "（未设置：长轮询）")
    table.add_row("待推送", str(info.pending_update_count))
    if info.max_connections:
        table.add_row("并发推送（会话数）", str(info.max_connections))
    table.add_row("最近错误", info.last_error_message or "无")
    if info.last_error_date:
        table.add_row("错误时间", info.last_error_date.astimezone(config.tz).strftime("%Y-%m-%d %H:%M:%S"))
    out.print(table)
