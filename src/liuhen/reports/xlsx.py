"""XLSX toolkit shared by every spreadsheet liuhen writes (openpyxl; opens in Excel and WPS).

Numbers are written as real number cells (never text), headers are bold on a shaded row and frozen,
column widths follow the content (a Chinese character counts as two), and charts are native Excel
charts that refer to the cells, so the reader can re-plot or re-count.

How to use it::

    from liuhen.reports import xlsx

    wb = xlsx.workbook()
    block = xlsx.table_sheet(
        wb, "按类型", ["类型", "本季度", "上季度"], [["外部人员过问", 3, 1], ["内部人员过问", 0, 2]],
        title="2026年第四季度 · 按类型",
    )
    xlsx.bar_chart(block, title="按类型")             # series = the number columns, categories = column 1
    xlsx.pie_chart(block, title="本季度构成", value_col=2)
    more = xlsx.write_table(block.ws, ["月份", "件数"], rows, start_row=block.last_row + 3)  # a 2nd table
    data: bytes = xlsx.save(wb, target=path_or_None)

* ``table_sheet`` creates a sheet (name made safe: ≤ 31 characters, no ``[]:*?/\\``), writes an optional
  title line, the header row and the rows, freezes the panes below the header and sets column widths.
* ``write_table`` writes one more table on an existing sheet and returns its ``Block`` (cell range) for
  the chart helpers; ``autosize`` recomputes the widths of a sheet.
* ``bar_chart`` / ``pie_chart`` anchor a chart to the right of (or at ``anchor``) the block they plot.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "Block",
    "autosize",
    "bar_chart",
    "pie_chart",
    "save",
    "sheet",
    "table_sheet",
    "workbook",
    "write_table",
]

FONT_NAME: Final = "宋体"  # SimSun in Excel, mapped by WPS; both show Chinese with it
HEADER_FILL: Final = PatternFill("solid", fgColor="DCE6F1")
HEADER_FONT: Final = Font(name=FONT_NAME, bold=True)
BODY_FONT: Final = Font(name=FONT_NAME)
TITLE_FONT: Final = Font(name=FONT_NAME, bold=True, size=13)
THIN: Final = Side(style="thin", color="999999")
BORDER: Final = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MAX_WIDTH: Final = 60
HEADER: Final = "liuhen header"
TEXT: Final = "liuhen text"
_BAD_SHEET_CHARS: Final = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True, slots=True)
class Block:
    """Where a table landed: its header row and data rows (1-based, inclusive) and columns."""

    ws: Worksheet
    header_row: int
    first_row: int
    last_row: int  # == header_row when the table has no data rows
    first_col: int
    last_col: int

    @property
    def empty(self) -> bool:
        return self.last_row < self.first_row


def workbook() -> Workbook:
    """A new workbook without the default empty sheet."""
    wb = Workbook()
    default = wb.active
    if default is not None:
        wb.remove(default)
    return wb


def sheet(wb: Workbook, name: str) -> Worksheet:
    """A new sheet with a safe, unique name."""
    base = _BAD_SHEET_CHARS.sub("_", name).strip("'") or "Sheet"
    base = base[:31]
    candidate, n = base, 2
    while candidate in wb.sheetnames:
        suffix = f"({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    return wb.create_sheet(candidate)


def _display_width(value: object) -> int:
    return 0 if value is None else _text_width(str(value))


@functools.lru_cache(maxsize=4096)  # a register repeats its departments, types and dates
def _text_width(text: str) -> int:
    """The longest line's width in columns, a CJK character counted double."""
    longest = max(text.splitlines(), key=len, default="")
    if longest.isascii():
        return len(longest)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def _set_widths(ws: Worksheet, widths: dict[int, int], minimum: int = 6) -> None:
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, max(minimum, w + 2))


def _value(v: object) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int | float) or v is None:
        return v
    return str(v)


def _styled(ws: Worksheet, name: str, **look: Any) -> str:
    """The workbook's named style ``name`` (added with ``look`` the first time). A cell takes a named style
    as one copy of its style array; setting font, border and alignment one by one hashes each of them
    against the workbook's lists, cell by cell (most of a quarter's XLSX time, measured)."""
    wb = ws.parent
    if name not in wb.named_styles:
        wb.add_named_style(NamedStyle(name=name, **look))
    return name


def _header_style(ws: Worksheet) -> str:
    alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return _styled(ws, HEADER, font=HEADER_FONT, fill=HEADER_FILL, border=BORDER, alignment=alignment)


def _text_style(ws: Worksheet) -> str:
    return _styled(
        ws, TEXT, font=BODY_FONT, border=BORDER, alignment=Alignment(vertical="top", wrap_text=True)
    )


def _number_style(ws: Worksheet, number_format: str) -> str:
    return _styled(
        ws, f"liuhen number {number_format}", font=BODY_FONT, border=BORDER, number_format=number_format
    )


def write_table(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    start_row: int = 1,
    start_col: int = 1,
    title: str | None = None,
    number_format: str = "0",
) -> Block:
    """Write ``title`` (optional), the header row and the rows; ints/floats stay numbers."""
    r = start_row
    if title:
        cell = ws.cell(row=r, column=start_col, value=title)
        cell.font = TITLE_FONT
        r += 1
    header_row = r
    header, text = _header_style(ws), _text_style(ws)
    integer, decimal = _number_style(ws, number_format), _number_style(ws, "0.0")
    for j, h in enumerate(headers):
        ws.cell(row=r, column=start_col + j, value=h).style = header
    for row in rows:
        r += 1
        for j, v in enumerate(row):
            c = ws.cell(row=r, column=start_col + j, value=_value(v))
            if isinstance(c.value, int | float):
                c.style = integer if isinstance(c.value, int) else decimal
            else:
                c.style = text
    return Block(ws, header_row, header_row + 1, r, start_col, start_col + max(len(headers), 1) - 1)


def autosize(ws: Worksheet, *, minimum: int = 6, skip_rows: Sequence[int] = ()) -> None:
    """Set every column's width from its longest cell (CJK counted double), capped at ``MAX_WIDTH``."""
    skip = set(skip_rows)
    cells = ((c.column, c.value) for row in ws.iter_rows() for c in row if c.row not in skip)
    _set_widths(ws, _widest(cells), minimum)


def _widest(cells: Iterable[tuple[int, object]]) -> dict[int, int]:
    """Each column's widest value (column, value pairs; None is no value)."""
    widths: dict[int, int] = {}
    for column, value in cells:
        if value is not None:
            widths[column] = max(widths.get(column, 0), _display_width(value))
    return widths


def table_sheet(
    wb: Workbook,
    name: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    title: str | None = None,
    widths: Sequence[float] | None = None,
) -> Block:
    """A sheet holding one table: frozen below its header row, columns sized to the content."""
    ws = sheet(wb, name)
    block = write_table(ws, headers, rows, title=title)
    ws.freeze_panes = ws.cell(row=block.header_row + 1, column=1)
    # the widths ``autosize`` would find, from the values in hand rather than read back cell by cell
    _set_widths(ws, _widest((j, _value(v)) for line in (headers, *rows) for j, v in enumerate(line, 1)))
    for j, w in enumerate(widths or []):
        ws.column_dimensions[get_column_letter(j + 1)].width = w
    return block


def _anchor(block: Block, anchor: str | None) -> str:
    if anchor:
        return anchor
    return f"{get_column_letter(block.last_col + 2)}{block.header_row}"


def bar_chart(
    block: Block,
    *,
    title: str,
    value_cols: Sequence[int] | None = None,
    anchor: str | None = None,
    horizontal: bool = True,
    width_cm: float = 16,
    height_cm: float | None = None,
) -> BarChart | None:
    """A clustered bar chart of ``value_cols`` (absolute column numbers; default: all but the first)
    against the block's first column; series names come from the header row. None for an empty block."""
    if block.empty:
        return None
    cols = list(value_cols) if value_cols else list(range(block.first_col + 1, block.last_col + 1))
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.grouping = "clustered"
    chart.title = title
    chart.style = 10
    chart.legend.position = "b"
    for col in cols:
        ref = Reference(block.ws, min_col=col, min_row=block.header_row, max_row=block.last_row)
        chart.add_data(ref, titles_from_data=True)
    cats = Reference(block.ws, min_col=block.first_col, min_row=block.first_row, max_row=block.last_row)
    chart.set_categories(cats)
    if horizontal:
        chart.x_axis.scaling.orientation = "maxMin"  # first category on top, as in the table
    chart.y_axis.majorGridlines = None
    chart.y_axis.numFmt = "0"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.dataLabels = DataLabelList()
    chart.dataLabels.showVal = True
    n = block.last_row - block.first_row + 1
    chart.width = width_cm
    chart.height = height_cm or max(7.5, min(30.0, 1.0 + n * len(cols) * 0.45))
    block.ws.add_chart(chart, _anchor(block, anchor))
    return chart


def pie_chart(
    block: Block,
    *,
    title: str,
    value_col: int | None = None,
    anchor: str | None = None,
    width_cm: float = 13,
    height_cm: float = 8,
) -> PieChart | None:
    """A pie chart of one value column (default: the second) with category names and percentages."""
    if block.empty:
        return None
    col = value_col or block.first_col + 1
    chart = PieChart()
    chart.title = title
    data = Reference(block.ws, min_col=col, min_row=block.header_row, max_row=block.last_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(
        Reference(block.ws, min_col=block.first_col, min_row=block.first_row, max_row=block.last_row)
    )
    chart.dataLabels = DataLabelList()
    chart.dataLabels.showPercent = True
    chart.legend.position = "r"
    chart.width, chart.height = width_cm, height_cm
    block.ws.add_chart(chart, _anchor(block, anchor))
    return chart


def save(wb: Workbook, *, target: Path | str | None = None) -> bytes:
    """Serialise the workbook; return the bytes (and write them to ``target`` if given)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    if target is not None:
        Path(target).write_bytes(data)
    return data
