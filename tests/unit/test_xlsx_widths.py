"""A table sheet's columns are as wide as their longest cell (CJK counted double, capped), whichever way the
widths are found: from the values as they are written, or read back from the sheet (``autosize``)."""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from liuhen.reports import xlsx


def _widths(ws: object) -> dict[str, float]:
    dims = ws.column_dimensions  # type: ignore[attr-defined]
    return {letter: dims[letter].width for letter in sorted(dims)}


def test_a_table_sheet_is_sized_as_autosize_would_size_it() -> None:
    wb = xlsx.workbook()
    rows = [
        ["刑事审判庭", 12, "LH-2026-00042", None],
        ["民一庭", 3, "多行\n意见很长很长很长", True],
        ["x" * 200, 1.5, "", "2026-10-01 09:00"],
    ]
    block = xlsx.table_sheet(
        wb, "表", ["部门", "件数", "编号", "备注"], rows, title="一个很长很长很长很长的标题"
    )
    ws = block.ws
    written = _widths(ws)
    xlsx.autosize(ws, skip_rows=[1])
    assert _widths(ws) == written
    # 部门 holds the 200 ASCII characters: capped; 编号's widest line is 8 CJK characters = 16 columns
    assert written["A"] == xlsx.MAX_WIDTH
    assert written[get_column_letter(3)] == 2 * len("意见很长很长很长") + 2
    assert written["B"] == 6  # the minimum: "件数" is 4 columns wide, the numbers less
    assert written["D"] == len("2026-10-01 09:00") + 2


def test_a_table_without_rows_is_sized_by_its_headers() -> None:
    block = xlsx.table_sheet(xlsx.workbook(), "空", ["特别报告事项（逐项列明）", "编号"], [])
    assert _widths(block.ws)["A"] == 2 * len("特别报告事项（逐项列明）") + 2
