"""Cost of the integrity features, measured against baselines in the same run:

    python bench/integrity.py [--size-mb 64] [--entries 100000]

1. evidence at rest: put_file + verify of an encrypted store against a plaintext store (target: ≥ 0.5);
2. the Merkle tree head of a ledger of N entries against one SHA-256 per entry (what re-hashing the chain
   costs at the least; the head costs about two per entry: target ≥ 0.4).

Times and ratios are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))  # runnable without an install

from liuhen.domain.merkle import tree_head
from liuhen.evidence.envelope import Keyring
from liuhen.evidence.store import FileEvidenceStore


async def timed(run: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await run()
    return time.perf_counter() - start


async def store_round(store: FileEvidenceStore, src: Path) -> float:
    async def work() -> None:
        blob = await store.put_file(src)
        assert (await store.verify(blob.sha256)).ok

    return await timed(work)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=64)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    table = Table(title="integrity costs (best of 3)")
    for column in ("what", "baseline s", "liuhen s", "ratio (baseline/liuhen)"):
        table.add_column(column)
    with tempfile.TemporaryDirectory(prefix="liuhen-bench-") as tmp:
        work = Path(tmp)
        src = work / "input.bin"
        src.write_bytes(os.urandom(args.size_mb << 20))
        keyring = Keyring("0" * 16, {"0" * 16: os.urandom(32)})
        plain, sealed = [], []
        for i in range(3):
            plain.append(await store_round(FileEvidenceStore(work / f"plain{i}"), src))
            sealed.append(await store_round(FileEvidenceStore(work / f"sealed{i}", keyring=keyring), src))
        table.add_row(
            f"put + verify {args.size_mb} MB",
            f"{min(plain):.3f}",
            f"{min(sealed):.3f}",
            f"{min(plain) / min(sealed):.2f}",
        )

    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(args.entries)]
    best_once, best_tree = float("inf"), float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for leaf in leaves:
            hashlib.sha256(leaf).digest()
        best_once = min(best_once, time.perf_counter() - start)
        start = time.perf_counter()
        tree_head(leaves)
        best_tree = min(best_tree, time.perf_counter() - start)
    table.add_row(
        f"tree head of {args.entries} entries",
        f"{best_once:.3f}",
        f"{best_tree:.3f}",
        f"{best_once / best_tree:.2f}",
    )
    Console().print(table)


if __name__ == "__main__":
    asyncio.run(main())
