"""Hashing throughput: the evidence store's put_file against `sha256sum`, on the same file, in one run.

    python bench/hashing.py [--size-mb 200] [--rounds 3]

put_file does more than sha256sum (it also writes the copy and fsyncs it); the target is a ratio of at
least 0.8. Times are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))  # runnable without an install

from liuhen.evidence.store import FileEvidenceStore


def best_of(rounds: int, run: Callable[[], str]) -> tuple[float, str]:
    best, out = float("inf"), ""
    for _ in range(rounds):
        start = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("sha256sum") is None:
        sys.exit("sha256sum is not installed")

    with tempfile.TemporaryDirectory(prefix="liuhen-bench-") as tmp:
        work = Path(tmp)
        src = work / "input.bin"
        with open(src, "wb") as f:
            for _ in range(args.size_mb):
                f.write(os.urandom(1 << 20))
        subprocess.run(["sha256sum", str(src)], check=True, capture_output=True)  # warm the page cache

        def sha256sum() -> str:
            done = subprocess.run(["sha256sum", str(src)], check=True, capture_output=True, text=True)
            return done.stdout.split()[0]

        counter = 0

        def put_file() -> str:
            nonlocal counter
            counter += 1
            root = work / f"store-{counter}"  # a fresh store each time: the full first-write path
            blob = asyncio.run(FileEvidenceStore(root).put_file(src))
            shutil.rmtree(root)
            return blob.sha256

        t_sum, d_sum = best_of(args.rounds, sha256sum)
        t_put, d_put = best_of(args.rounds, put_file)

    if d_sum != d_put:
        sys.exit(f"digests differ: sha256sum {d_sum}, store {d_put}")
    mb = float(args.size_mb)
    table = Table(title=f"SHA-256 of {args.size_mb} MB, best of {args.rounds}")
    table.add_column("what")
    table.add_column("seconds", justify="right")
    table.add_column("MB/s", justify="right")
    table.add_row("sha256sum FILE (hash only)", f"{t_sum:.3f}", f"{mb / t_sum:.0f}")
    table.add_row("store.put_file (hash + copy + fsync)", f"{t_put:.3f}", f"{mb / t_put:.0f}")
    console = Console()
    console.print(table)
    ratio = t_sum / t_put
    console.print(f"ratio store/sha256sum = {ratio:.2f} (target ≥ 0.8)")


if __name__ == "__main__":
    main()
