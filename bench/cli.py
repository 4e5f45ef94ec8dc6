"""Start-up of the `liuhen` command line beside a bare interpreter, in one run.

    python bench/cli.py [--runs 15] [--src DIR]

Times, as subprocesses of this interpreter, in alternating rounds so that the machine's load is shared:

* the baseline `python -c pass`, and the framework's floor: a one-command typer app printing its help
  (typer imports pydantic and rich to build and print any help, whatever the application does);
* `python -m liuhen --help`, `python -m liuhen org --help`, `python -m liuhen report --help` (building the
  command tree and printing a help: the target is ≤ 4× the baseline for `--help`);
* `python -m liuhen verify` on a fresh temporary data directory (each run gets a new one).

For each: wall and CPU time (user + system of the child), best and median of the runs, and the ratio of
the medians to the baseline's. `--src DIR` measures another checkout's `src` (e.g. a `git worktree` of an
older commit) with the same interpreter. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
console = Console(width=120)
TYPER_FLOOR = """
import typer
app = typer.Typer(help="floor", add_completion=False)
@app.command()
def hello(name: str = "x") -> None:
    \"\"\"doc\"\"\"
app()
"""


@dataclass
class Case:
    label: str
    args: list[str]
    fresh_data_dir: bool = False
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def run_once(case: Case, env: dict[str, str], scratch: Path) -> None:
    """One child process: wall time around it, CPU time from its own resource usage."""
    run_env = dict(env)
    if case.fresh_data_dir:
        run_env["LIUHEN_DATA_DIR"] = tempfile.mkdtemp(prefix="data-", dir=scratch)
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, *case.args],
        env=run_env,
        cwd=scratch,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    case.wall.append(time.perf_counter() - start)
    child.returncode = os.waitstatus_to_exitcode(status)
    case.cpu.append(usage.ru_utime + usage.ru_stime)
    if child.returncode != 0:
        sys.exit(f"{' '.join(case.args)} exited {child.returncode}:\n{errors.decode(errors='replace')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the liuhen sources to measure")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith("LIUHEN_")}
    env["PYTHONPATH"] = str(args.src.resolve())  # before the editable install's path
    env["COLUMNS"] = "100"
    cases = [
        Case("python -c pass", ["-c", "pass"]),
        Case("typer app --help (floor)", ["-c", TYPER_FLOOR, "--help"]),
        Case("liuhen --help", ["-m", "liuhen", "--help"]),
        Case("liuhen org --help", ["-m", "liuhen", "org", "--help"]),
        Case("liuhen report --help", ["-m", "liuhen", "report", "--help"]),
        Case("liuhen verify (fresh data dir)", ["-m", "liuhen", "verify"], fresh_data_dir=True),
    ]
    with tempfile.TemporaryDirectory(prefix="liuhen-bench-cli-") as tmp:
        scratch = Path(tmp)
        for case in cases:  # warm the page cache and the bytecode caches; not counted
            run_once(case, env, scratch)
            case.wall.clear()
            case.cpu.clear()
        for _ in range(args.runs):
            for case in cases:
                run_once(case, env, scratch)

    base = cases[0]
    base_wall, base_cpu = statistics.median(base.wall), statistics.median(base.cpu)
    python = sys.version.split()[0]
    table = Table(title=f"liuhen start-up, {args.runs} runs each ({args.src}; Python {python})")
    for column in ("command", "wall best", "wall median", "CPU best", "CPU median", "× wall", "× CPU"):
        table.add_column(column, justify="left" if column == "command" else "right")
    for case in cases:
        wall, cpu = statistics.median(case.wall), statistics.median(case.cpu)
        table.add_row(
            case.label,
            f"{min(case.wall) * 1000:.0f} ms",
            f"{wall * 1000:.0f} ms",
            f"{min(case.cpu) * 1000:.0f} ms",
            f"{cpu * 1000:.0f} ms",
            f"{wall / base_wall:.1f}",
            f"{cpu / base_cpu:.1f}" if base_cpu > 0 else "—",
        )
    console.print(table)
    console.print("× = the median over the median of `python -c pass`; target for `liuhen --help`: ≤ 4×.")


if __name__ == "__main__":
    main()
