"""What every `liuhen` command module shares: settings, a runtime for one command, consoles, failing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

import typer
from rich.console import Console

from liuhen.app.runtime import Runtime, open_runtime
from liuhen.app.settings import Settings

out = Console()
err = Console(stderr=True)
T = TypeVar("T")
CLI_ACTOR = "cli"


def settings() -> Settings:
    return Settings()


def with_runtime(fn: Callable[[Runtime], Awaitable[T]]) -> T:
    """Open the runtime (database migrated, court ensured), run ``fn``, close."""

    async def main() -> T:
        runtime = await open_runtime(settings())
        try:
            return await fn(runtime)
        finally:
            await runtime.close()

    return asyncio.run(main())


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a Chinese error on stderr and exit non-zero."""
    err.print(f"[red]错误：[/red]{message}")
    raise typer.Exit(code)
