"""The sandbox on its own, as a Bot API emulator in a process of its own: ``python -m liuhen.sandbox``.

Any bot can be pointed at it (PTB's ``base_url`` ``URL/bot``, ``base_file_url`` ``URL/file/bot``; any token
is accepted), and users are simulated through its simulation API at ``URL/sim/<token>/…``
(``server.SIM_ROUTES``).
`bench/intake.py --api URL` measures liuhen and a bare PTB echo bot on it from outside. It runs until
interrupted (Ctrl-C or SIGTERM); everything it holds is in memory and gone when it stops.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from liuhen.sandbox.server import SandboxServer


async def serve(host: str, port: int, ready: asyncio.Future[str] | None = None) -> None:
    """Serve until SIGINT or SIGTERM; ``ready`` (tests) gets the root URL once the port is open."""
    server = SandboxServer()
    await server.start(host, port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on this platform or thread
            loop.add_signal_handler(sig, stop.set)
    print(f"Bot API 沙盒已启动：{server.base_url}", flush=True)
    print(f"  Bot API：{server.bot_api_url}<token>/<方法>　文件：{server.file_url}<token>/<路径>", flush=True)
    print(f"  模拟用户：{server.base_url}/sim/<token>/…　按 Ctrl-C 停止", flush=True)
    if ready is not None:
        ready.set_result(server.base_url)
    try:
        await stop.wait()
    finally:
        await server.stop()
        print("沙盒已停止。", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m liuhen.sandbox", description="本地 Bot API 沙盒（开发与测试用）"
    )
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    parser.add_argument("--port", type=int, default=8090, help="端口（默认 8090；0 为任一空闲端口）")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
