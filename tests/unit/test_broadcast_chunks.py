"""How the monthly broadcast's workers share the rows (bot/broadcast.py): a few rows of one court and
month are begun in one transaction, and a small court's rows still go out side by side (seed 003 §13)."""

from __future__ import annotations

from datetime import UTC, datetime

from liuhen.bot.broadcast import CHUNK, chunks
from liuhen.domain.monthly import Prompt


def prompt(pk: int, court: int = 1, month: str = "2026-11") -> Prompt:
    return Prompt(pk, court, pk, month, "prompt", "pending", pk, datetime(2026, 12, 1, tzinfo=UTC))


def ids(cut: list[list[Prompt]]) -> list[list[int]]:
    return [[p.id for p in chunk] for chunk in cut]


def test_a_large_broadcast_is_cut_into_full_chunks_in_order() -> None:
    rows = [prompt(i) for i in range(1, 4 * CHUNK + 3)]
    cut = chunks(rows, workers=4)
    assert [p.id for chunk in cut for p in chunk] == [p.id for p in rows]  # nothing lost, nothing twice
    assert all(len(chunk) == CHUNK for chunk in cut[:-1]) and len(cut[-1]) == 2


def test_a_small_court_gives_every_worker_a_share() -> None:
    assert ids(chunks([prompt(i) for i in range(1, 7)], workers=4)) == [[1, 2], [3, 4], [5, 6]]
    assert ids(chunks([prompt(1)], workers=4)) == [[1]]
    assert chunks([], workers=4) == []


def test_a_chunk_never_mixes_courts_or_months() -> None:
    rows = [prompt(1), prompt(2), prompt(3, court=2), prompt(4, court=2), prompt(5, court=2, month="2026-10")]
    assert ids(chunks(rows, workers=1)) == [[1, 2], [3, 4], [5]]
