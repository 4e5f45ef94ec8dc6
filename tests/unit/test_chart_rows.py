"""What a breakdown's chart in the quarterly PDF shows (reports/quarterly.py; seed 001 实施办法 §6: the
summary analysis): every row that occurred, in the table's order, and past twenty — a province's courts or
departments — the twenty most frequent this quarter, said in the caption."""

from __future__ import annotations

from liuhen.reports.quarterly import CHART_MAX, Row, chart_rows


def test_rows_that_never_occurred_are_left_out_of_a_small_chart() -> None:
    rows = [Row("电话", (2, 0, 1)), Row("短信", (0, 0, 0)), Row("当面", (0, 3, 0))]
    shown, cut = chart_rows(rows)
    assert [r.label for r in shown] == ["电话", "当面"] and not cut


def test_a_province_keeps_its_most_frequent_courts_in_the_tables_order() -> None:
    rows = [Row(f"第{i}法院", (i % 7, 40 - i, 0)) for i in range(1, 41)]
    shown, cut = chart_rows(rows)
    assert cut and len(shown) == CHART_MAX
    kept = {r.label for r in shown}
    assert all(r.counts[0] >= 3 for r in shown)  # 6s, 5s, 4s and the busiest 3s of this quarter
    assert not any(r.counts[0] < 3 and r.label in kept for r in rows)
    assert [r.label for r in shown] == [r.label for r in rows if r.label in kept]  # the table's order
