"""What every `liuhen` command module shares: settings, a runtime for one command, consoles, failing.

Light on purpose: `liuhen --help` imports every command module, so the runtime (database, keys, store) and
the settings (pydantic) are imported only when a command runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from liuhen.app.runtime import Runtime
    from liuhen.app.settings import Settings

out = Console()
err = Console(stderr=True)
T = TypeVar("T")
CLI_ACTOR = "cli"


def settings() -> Settings:
    """The settings, with the court named "本院" when ``LIUHEN_COURT_NAME`` is unset. A value that cannot
    work is named in Chinese and the command exits 2 (the value itself is not repeated: it may be a
    secret)."""
    from pydantic import ValidationError

    from liuhen.app.settings import Settings
    from liuhen.texts.labels import THIS_COURT

    try:
        config = Settings()
    except ValidationError as exc:
        bad = "；".join(
            f"LIUHEN_{'_'.join(str(part) for part in error['loc']).upper()}{_why(error)}"
            for error in exc.errors()
        )
        fail(f"设置有误，请改正后再运行：{bad}", 2)
    return config if config.court_name else config.model_copy(update={"court_name": THIS_COURT})


# pydantic's error types → what the operator is told (anything else keeps pydantic's own words)
_WHY = {
    "missing": "必须设置",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "int_parsing": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "enum": "应为 {expected} 之一",
    "literal_error": "应为 {expected} 之一",
}


def _why(error: Any) -> str:
    template = _WHY.get(error["type"])
    if template is None:
        return f"：{error['msg']}"
    try:
        return "：" + template.format(**error.get("ctx", {}))
    except (KeyError, IndexError):
        return f"：{error['msg']}"


def with_runtime(fn: Callable[[Runtime], Awaitable[T]]) -> T:
    """Open the runtime (database migrated, court ensured), run ``fn``, close."""
    import asyncio

    from liuhen.app.runtime import open_runtime

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
