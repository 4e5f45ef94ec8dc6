"""Taps and typed answers from the receipt to a submitted record, per typical situation.

    python bench/taps.py [--keep DIR]

Replays the situations of docs/scenarios.md through the real bot on the built-in sandbox (the Telegram
Application polling the sandbox over HTTP, SQLite in a temporary directory), with a scripted judge who
answers like a person (tests/bot/scripted_judge.py): he answers what is asked, ticks what is true, and
submits from the review card. Prints, per situation, the taps and typed answers it took, the questions
asked, the fields on the review card and how many of them were filled without asking (marked there until
the submission confirms them). The goal (seed 000: recording must not be a burden) is ≤ 10 for a forwarded
WeChat message of an external cadre and ≤ 14 for an in-person contact with persons present; figures are
printed, never asserted (the tests assert the goal: tests/bot/test_ten_taps.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]  # runnable without an install

from tests.bot.harness import start_harness  # noqa: E402
from tests.bot.scripted_judge import Walk, scenarios, walk  # noqa: E402

console = Console(width=200)


async def run(directory: Path) -> list[Walk]:
    done: list[Walk] = []
    async with start_harness(f"sqlite+aiosqlite:///{directory / 'taps.db'}", directory) as h:
        judge = await h.enrol("j001", "张法官")
        await h.enrol("j002", "钱法官")  # the colleague present in the oral situations
        for s in scenarios(h.clock.now()):
            done.append(await walk(h, judge, s))
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep the database and evidence in this directory")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        done = asyncio.run(run(args.keep))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            done = asyncio.run(run(Path(tmp)))
    table = Table(title="从回执到提交：点按与输入次数")
    for column in ("情形", "点按", "输入", "合计", "目标", "登记表各项", "未问自填", "所问"):
        table.add_column(column)
    for w in done:
        table.add_row(
            w.scenario.name,
            str(w.taps),
            str(w.typed),
            f"[{'green' if w.actions <= w.scenario.limit else 'red'}]{w.actions}[/]",
            f"≤ {w.scenario.limit}",
            str(len(w.fields)),
            str(w.filled_without_asking),
            "、".join(w.asked),
        )
    console.print(table)
    console.print("点按含[开始补充]与[提交]；输入为打字回答的条数。22 是改版前转发一条微信所需的次数。")


if __name__ == "__main__":
    main()
