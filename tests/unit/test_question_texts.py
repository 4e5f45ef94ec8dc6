"""The question card's words: what is still required counts down, an optional question open now is said to
be optional (never "还差 0 项" while it is open), and times read in the court's zone."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from liuhen.app.usecases.questionnaire import Shown, View
from liuhen.domain import questionnaire as q
from liuhen.texts.questions import view


def test_an_optional_multi_select_open_now_is_not_counted_as_zero_left() -> None:
    card = view(View("LH-2026-0001", Shown.QUESTION, q.BY_KEY["special_items"], missing=0))
    assert "还差 0 项" not in card and "（选填）" in card.splitlines()[0]


def test_a_required_question_counts_what_is_left() -> None:
    card = view(View("LH-2026-0001", Shown.QUESTION, q.BY_KEY["case_number"], missing=3))
    assert card.splitlines()[0] == "【LH-2026-0001】案号（还差 3 项）"


def test_a_time_reads_in_the_courts_zone_in_chinese_form() -> None:
    f = q.BY_KEY["intervention_time"]
    shown = q.option_label(f, "2026-11-30T16:05:00+00:00", q.Context(), ZoneInfo("Asia/Shanghai"))
    assert shown == "2026年12月1日 00:05"
    assert q.option_label(f, "2026-11-30T16:05:00+00:00", q.Context(), UTC) == "2026年11月30日 16:05"
