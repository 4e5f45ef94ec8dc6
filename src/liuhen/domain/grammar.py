"""The Chinese the system reads: how people write a month, a quarter, a list, a cancellation, and the
roster's Chinese column (a catalogue, like ``domain/catalogue.py``).

These are not words the system says — those are in ``texts/`` — but the forms that input arrives in, which
the core must recognise to parse it (a month typed after ``/monthly``, a quarter after ``/quarterly``, the
roster file of docs/architecture.md "external interface"). Some are stored: a roster's extra columns are kept
on the person under their own names, so ``办案数`` is read from rows imported long ago. Adding a way of
writing here widens what is understood; removing one would leave stored data unread.
"""

from __future__ import annotations

#: A month: ``2026-11``, ``2026/11``, ``2026.11`` or ``2026年11月`` (the month of the monthly report, seed 003
#: §13).
MONTH = r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$"

#: A quarter as the summary names it (seed 002 §7: 每季度): ``2026年第四季度``, ``2026第4季度``.
QUARTER_WORDS = r"(\d{4})年?第?([一二三四1-4])季度?"
#: A quarter in short: ``2026Q4``, ``2026-4``, ``2026季4``.
QUARTER_SHORT = r"^\s*(\d{4})\s*[-_ ]?\s*[Qq季]?\s*([1-4])\s*$"
#: The quarters' numerals in ``QUARTER_WORDS``.
QUARTER_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4}

#: What separates the departments of a roster's ``oversees`` cell: the ASCII and the full-width semicolon.
LIST_SEPARATORS = r"[;；]"

#: A roster's extra column carrying a person's case count (seed 003 §20: "零报告" while handling many cases),
#: under any of these names; kept on the person as imported.
CASE_COUNT_COLUMNS = ("case_count", "办案数", "cases")

#: What a person types to abandon a prompt that waits for typed text (the per-case zero report's case number).
CANCEL_WORDS = frozenset({"取消", "算了", "cancel", "/cancel"})

#: How a roster's ``position`` names the head of the discipline office (纪检监察室主任, 纪检组长): the person
#: told when a follow-up of a disposition lapses (seed 004 §17–§20).
OFFICE_HEAD_POSITIONS = ("主任", "组长", "纪检组长")

#: What a person types for "nothing to add" when a note is asked for (the accountability measure's note).
NOTHING_WORDS = frozenset({"无", "没有", "不需要", "-", "—"})

#: Yes and no in a register's column (``practises`` of the departed staff register), case-insensitive.
YES_WORDS = frozenset({"是", "yes", "y", "true", "1"})
NO_WORDS = frozenset({"否", "no", "n", "false", "0", ""})

#: A half-year as people write it (seed 001 实施办法 §6: 每半年报送一次): ``2026H2``, ``2026-H1``,
#: ``2026年下半年``, ``2026年上半年``.
HALF_SHORT = r"^\s*(\d{4})\s*[-_ ]?\s*[Hh]\s*([12])\s*$"
HALF_WORDS = r"^\s*(\d{4})年?([上下])半年\s*$"
HALF_NUMERALS = {"上": 1, "下": 2}
