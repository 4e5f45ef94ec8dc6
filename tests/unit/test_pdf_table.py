"""A table's cells as a reader sees them in the PDF: numbers and short text drawn as strings, long text
wrapped, flowables passed through, and an empty list of flowables an empty cell (not its Python repr)."""

from __future__ import annotations

from pathlib import Path

from liuhen.reports import pdf
from tests.pdftext import pdf_text


def test_every_kind_of_cell_reads_as_what_it_holds(tmp_path: Path) -> None:
    mm = pdf.mm
    rows: list[list[object]] = [
        ["事项", "件数", "备注"],
        ["刑事审判庭", 12, []],
        ["民一庭", 3.5, [pdf.para("已转交纪检监察室")]],
        ["很长的说明" * 12, None, "短"],
    ]
    story = [pdf.table(rows, col_widths=[60 * mm, 20 * mm, 60 * mm], numeric_cols=[1])]
    text = pdf_text(pdf.build(story, title="表"), tmp_path)
    assert "刑事审判庭12" in text and "民一庭3.5已转交纪检监察室" in text
    assert ("很长的说明" * 12) + "短" in text  # wrapped over lines, all of it there
    assert "[]" not in text and "None" not in text
